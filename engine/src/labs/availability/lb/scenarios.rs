//! The load-balancing lab's presets: each is ordinary scheduled actions on the seeded stream,
//! and `engine/tests/lb.rs` checks that each shows its lesson.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' worked example: weights {4,1,1}, no stream, one request a second, so the
    // smooth table shows each pick: {4,1,1} → s1 → {-2,1,1}; {2,2,2} → s1 → {-4,2,2} …
    ScenarioInfo {
        id: "lb-notes",
        seed: 1,
        params: &[("rate", 0.0)],
        steps: &[
            (1_000, "burst:requests=1"),
            (2_000, "burst:requests=1"),
            (3_000, "burst:requests=1"),
            (4_000, "burst:requests=1"),
            (5_000, "burst:requests=1"),
            (6_000, "burst:requests=1"),
            (7_000, "burst:requests=1"),
            (8_000, "burst:requests=1"),
            (9_000, "burst:requests=1"),
            (10_000, "burst:requests=1"),
            (11_000, "burst:requests=1"),
            (12_000, "burst:requests=1"),
        ],
        duration_ms: 13_000,
    },
    // Weights {4,4,1}, bursts of 4: naive weighted sends each burst to one server in a row,
    // smooth interleaves the two strong servers.
    ScenarioInfo {
        id: "lb-naive-burst",
        seed: 1,
        params: &[("rate", 0.0)],
        steps: &[
            (0, "weight:server=2,w=4"),
            (1_000, "burst:requests=4"),
            (3_000, "burst:requests=4"),
            (5_000, "burst:requests=4"),
            (7_000, "burst:requests=4"),
            (9_000, "burst:requests=4"),
            (11_000, "burst:requests=4"),
        ],
        duration_ms: 12_000,
    },
    // Server 1 (weight 4) fails at 10 s and is restored at 30 s.
    ScenarioInfo {
        id: "lb-failing-server",
        seed: 1,
        params: &[("rate", 6.0)],
        steps: &[(10_000, "fail:server=1"), (30_000, "restore:server=1")],
        duration_ms: 40_000,
    },
    // Equal servers, a heavy request every third one: round robin sends them all to s3.
    ScenarioInfo {
        id: "lb-uneven-costs",
        seed: 1,
        params: &[("rate", 5.0), ("capacity", 10.0)],
        steps: &[
            (0, "weight:server=1,w=1"),
            (0, "costs:pattern=periodic,every=3,heavy=10"),
        ],
        duration_ms: 60_000,
    },
    // Five servers; server 2 leaves the pool at 10 s and comes back at 30 s.
    ScenarioInfo {
        id: "lb-hash-removal",
        seed: 1,
        params: &[("servers", 5.0)],
        steps: &[(10_000, "remove:server=2"), (30_000, "restore:server=2")],
        duration_ms: 40_000,
    },
];
