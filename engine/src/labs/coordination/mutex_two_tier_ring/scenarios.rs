//! The two-tier ring's presets: parameter overrides, a seed and a schedule of ordinary user
//! actions (see [`crate::scenario`]); `engine/tests/mutex_two_tier_ring.rs` checks each lesson.
//! With the default three LANs of three, LAN 1 is n1 (coordinator), n2, n3; LAN 2 is n4, n5,
//! n6; LAN 3 is n7, n8, n9 (0-based ids in the schedules).

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // Everyone asks at 100 ms: entries go LAN by LAN, in local-ring order, one lap.
    ScenarioInfo {
        id: "twotier-all-request",
        seed: 1,
        params: &[("lans", 3.0), ("per_lan", 3.0), ("rate", 0.0)],
        steps: &[
            (100, "k0-request"),
            (100, "k1-request"),
            (100, "k2-request"),
            (100, "k3-request"),
            (100, "k4-request"),
            (100, "k5-request"),
            (100, "k6-request"),
            (100, "k7-request"),
            (100, "k8-request"),
        ],
        duration_ms: 2_000,
    },
    // Only n9 asks: one entry costs a whole lap of token messages.
    ScenarioInfo {
        id: "twotier-lone-requester",
        seed: 1,
        params: &[("lans", 3.0), ("per_lan", 3.0), ("rate", 0.0)],
        steps: &[(100, "k8-request")],
        duration_ms: 1_500,
    },
    // LAN 2's coordinator crashes at 1 s: the global token is lost and everyone stalls.
    ScenarioInfo {
        id: "twotier-coordinator-crash",
        seed: 1,
        params: &[("lans", 3.0), ("per_lan", 3.0), ("rate", 2.0)],
        steps: &[(1_000, "c3"), (2_500, "r3")],
        duration_ms: 4_000,
    },
    // 30% of messages duplicated: the hop numbers discard the copies.
    ScenarioInfo {
        id: "twotier-duplicates",
        seed: 1,
        params: &[
            ("lans", 3.0),
            ("per_lan", 3.0),
            ("rate", 2.0),
            ("dup", 30.0),
        ],
        steps: &[],
        duration_ms: 4_000,
    },
];
