//! The lab's presets: parameter overrides, a seed and a schedule of ordinary user actions
//! (see [`crate::scenario`]); `engine/tests/mutex_ricart.rs` checks each lesson.

use crate::scenario::ScenarioInfo;

/// The busy five-process setting the fault presets share: two wishes per process per second.
const BUSY: f64 = 2.0;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The worked example: n1 and n3 request together with equal timestamps; the id breaks the
    // tie, n1 defers n3, and each entry costs 2(n−1) = 4 messages.
    ScenarioInfo {
        id: "ricart-two-requests",
        seed: 1,
        params: &[("nodes", 3.0), ("rate", 0.0)],
        steps: &[(100, "k0-request"), (100, "k2-request")],
        duration_ms: 600,
    },
    // The notes' weakness 2: n3 crashes at 1 s and every request made after it waits forever.
    ScenarioInfo {
        id: "ricart-silent-node",
        seed: 1,
        params: &[("nodes", 5.0), ("rate", BUSY)],
        steps: &[(1_000, "c2")],
        duration_ms: 4_000,
    },
    // Fix 1: the heartbeat detector suspects n3 and entries resume; n3 restarts at 3 s and is
    // asked again.
    ScenarioInfo {
        id: "ricart-skip-dead",
        seed: 1,
        params: &[("nodes", 5.0), ("rate", BUSY), ("skip_dead", 1.0)],
        steps: &[(1_000, "c2"), (3_000, "r2")],
        duration_ms: 5_000,
    },
    // Fix 2: a majority of OKs; entries resume without n3.
    ScenarioInfo {
        id: "ricart-majority",
        seed: 1,
        params: &[("nodes", 5.0), ("rate", BUSY), ("majority", 1.0)],
        steps: &[(1_000, "c2")],
        duration_ms: 4_000,
    },
    // Fix 2's cost, with no fault at all: two concurrent requesters both gather a majority.
    ScenarioInfo {
        id: "ricart-majority-overlap",
        seed: 1,
        params: &[("nodes", 5.0), ("rate", 0.0), ("majority", 1.0)],
        steps: &[(100, "k0-request"), (100, "k1-request")],
        duration_ms: 600,
    },
    // Fix 1's cost: a partition makes each side suspect the other, and both enter.
    ScenarioInfo {
        id: "ricart-false-suspicion",
        seed: 1,
        params: &[("nodes", 5.0), ("rate", BUSY), ("skip_dead", 1.0)],
        steps: &[(1_000, "P0-0-1-1-1"), (3_000, "H")],
        duration_ms: 4_000,
    },
];
