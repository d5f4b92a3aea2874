//! The bully lab's presets: parameter overrides, a seed and a schedule of ordinary user
//! actions (see [`crate::scenario`]); `engine/tests/election_bully.rs` checks each lesson.
//! With 5 nodes the first election (someone's detection timeout, 150–300 ms) makes n5
//! coordinator, so the schedules below hit it.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' steps 1–4 (seed 001): n1, the lowest id, starts an election at 10 ms, before
    // anyone's detection timeout. Election to n2..n5; each answers Alive and starts its own
    // election towards its higher ids; n5, the highest, sends Victory to n1..n4.
    ScenarioInfo {
        id: "bully-lowest-starts",
        seed: 1,
        params: &[("nodes", 5.0)],
        steps: &[(10, "k0-start")],
        duration_ms: 1_000,
    },
    // Coordinator n5 crashes at 1 s. Heartbeats stop; the first node whose detection timeout
    // expires starts an election; n5 no longer answers, so n4 wins and announces it.
    ScenarioInfo {
        id: "bully-coordinator-crash",
        seed: 1,
        params: &[("nodes", 5.0)],
        steps: &[(1_000, "c4")],
        duration_ms: 3_000,
    },
    // The notes' weakness, frequent switching: n5 crashes (n4 takes over), comes back at 2 s
    // and, recovering, starts an election it must win: it bullies n4 out. Twice.
    ScenarioInfo {
        id: "bully-rejoin",
        seed: 1,
        params: &[("nodes", 5.0)],
        steps: &[(1_000, "c4"), (2_000, "r4"), (3_000, "c4"), (4_000, "r4")],
        duration_ms: 5_000,
    },
    // A partition at 1 s splits {n1, n2, n3} from {n4, n5}. The minority side hears no
    // heartbeat, elects n3 (n4 and n5 do not answer): two coordinators. Healing at 3 s, n5's
    // heartbeats reach n3, which steps down.
    ScenarioInfo {
        id: "bully-partition",
        seed: 1,
        params: &[("nodes", 5.0)],
        steps: &[(1_000, "P0-0-0-1-1"), (3_000, "H")],
        duration_ms: 4_000,
    },
];
