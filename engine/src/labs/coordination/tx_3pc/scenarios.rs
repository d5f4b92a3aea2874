//! Three-phase commit's presets (see [`crate::scenario`]), each beside its two-phase commit
//! counterpart on the same fault; `engine/tests/tx_3pc.rs` checks that each plays its lesson.
//! Node ids are 0-based: the client is node 0 (c1), the coordinator node 1 (C2), the cohorts
//! nodes 2, 3, … (R3, R4, …). Every preset fixes the latency at 50 ms and turns off random
//! transactions and random No votes. With `timeout` 500 ms and `exec` 20 ms the coordinator
//! waits 620 ms for the Acks and a cohort 730 ms before deciding alone.
//!
//! One transaction's timeline: Begin sent at 100 ms, CanCommit arrives at 200 (the cohorts lock
//! and vote Yes), PRECOMMIT logged and PreCommit sent at 250, executed and acknowledged at 320,
//! COMMIT logged at 370, DoCommit sent from then on, one every `gap`.

use crate::scenario::ScenarioInfo;

/// The parameters every preset shares (the cohorts and the gap vary).
macro_rules! params {
    ($cohorts:expr, $gap:expr) => {
        &[
            ("cohorts", $cohorts),
            ("rate", 0.0),
            ("abort", 0.0),
            ("exec", 20.0),
            ("gap", $gap),
            ("timeout", 500.0),
            ("latency_min", 50.0),
            ("latency_max", 50.0),
        ]
    };
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The same fault as 2pc-coordinator-crash: the coordinator crashes at 300 ms, after
    // PreCommit went out (250 ms), and returns at 3 s. The cohorts acknowledge at 320 ms,
    // hear nothing, and commit on their own at 1,050 ms; the restarted coordinator finds
    // PRECOMMIT in its log, commits too and tells them (they already have).
    ScenarioInfo {
        id: "3pc-coordinator-crash",
        seed: 1,
        params: params!(3.0, 100.0),
        steps: &[(100, "k0-begin_tx:1"), (300, "c1"), (3_000, "r1")],
        duration_ms: 4_000,
    },
    // The coordinator crashes at 240 ms, before the votes arrive (250 ms): no PreCommit. The
    // cohorts voted Yes at 200 ms and abort on their own at 930 ms; the restarted coordinator
    // finds BEGIN alone in its log and aborts too.
    ScenarioInfo {
        id: "3pc-crash-before-precommit",
        seed: 1,
        params: params!(3.0, 100.0),
        steps: &[(100, "k0-begin_tx:1"), (240, "c1"), (3_000, "r1")],
        duration_ms: 4_000,
    },
    // The notes' ten cohorts, as in 2pc-partial-commit: DoCommit goes out one cohort every
    // 50 ms from 420 ms; the coordinator crashes at 645 ms, after the fifth. R8–R12 had
    // acknowledged PreCommit: they commit on their own at 1,050 ms, and the data agree again
    // long before the coordinator returns at 3 s.
    ScenarioInfo {
        id: "3pc-partial-commit",
        seed: 1,
        params: params!(10.0, 50.0),
        steps: &[(100, "k0-begin_tx:1"), (645, "c1"), (3_000, "r1")],
        duration_ms: 4_000,
    },
    // The lesson: at 310 ms, after PreCommit arrived (300 ms) and before the Acks leave
    // (320 ms), a partition separates {c1, C2, R3} from {R4, R5}. Only R3's Ack arrives; the
    // coordinator aborts at 870 ms and R3 rolls back at 920 ms; R4 and R5 hear nothing and
    // commit on their timeout at 1,050 ms. Healed at 2 s, the coordinator's Abort reaches
    // them too late.
    ScenarioInfo {
        id: "3pc-partition",
        seed: 1,
        params: params!(3.0, 100.0),
        steps: &[(100, "k0-begin_tx:1"), (310, "P0-0-0-1-1"), (2_000, "H")],
        duration_ms: 3_000,
    },
];
