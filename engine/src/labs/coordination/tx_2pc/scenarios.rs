//! Two-phase commit's presets, one per problem of the notes (see [`crate::scenario`]);
//! `engine/tests/tx_2pc.rs` checks that each plays its lesson. Node ids are 0-based: the
//! client is node 0 (c1), the coordinator node 1 (C2), the cohorts nodes 2, 3, … (R3, R4, …).
//! Every preset fixes the latency at one value and turns off random transactions and random
//! No votes, so each step lands where its explanation says.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // (1) 同步阻塞: T1 and T2 both write r1, T3 writes r2. T1 locks r1 on every cohort at
    // 300 ms and holds it while its votes travel to the coordinator and DoCommit travels back
    // (until ~560 ms); T2's CanCommit arrives at 350 ms and waits for the lock. T3, on another
    // row, goes straight through and commits before T2.
    ScenarioInfo {
        id: "2pc-blocking",
        seed: 1,
        params: &[
            ("cohorts", 3.0),
            ("rows", 2.0),
            ("rate", 0.0),
            ("abort", 0.0),
            ("exec", 50.0),
            ("gap", 5.0),
            ("timeout", 1_000.0),
            ("latency_min", 100.0),
            ("latency_max", 100.0),
        ],
        steps: &[
            (100, "k0-begin_tx:1"),
            (150, "k0-begin_tx:1"),
            (200, "k0-begin_tx:2"),
        ],
        duration_ms: 2_000,
    },
    // (2) 单点故障: all three cohorts vote Yes (220 ms); the coordinator logs COMMIT at 270 ms
    // and crashes at 300 ms before sending it (one DoCommit every 100 ms). The cohorts are in
    // doubt, holding r1's lock, asking a dead coordinator every 500 ms. It restarts at 3 s,
    // finds COMMIT in its log and sends it again: the cohorts commit and unlock.
    ScenarioInfo {
        id: "2pc-coordinator-crash",
        seed: 1,
        params: &[
            ("cohorts", 3.0),
            ("rate", 0.0),
            ("abort", 0.0),
            ("exec", 20.0),
            ("gap", 100.0),
            ("timeout", 500.0),
            ("cooperative", 0.0),
            ("latency_min", 50.0),
            ("latency_max", 50.0),
        ],
        steps: &[(100, "k0-begin_tx:1"), (300, "c1"), (3_000, "r1")],
        duration_ms: 4_000,
    },
    // (3) 数据不一致: the notes' ten cohorts. The coordinator decides COMMIT at 270 ms and
    // sends DoCommit one cohort every 50 ms; it crashes at 545 ms, after the fifth. R3–R7
    // commit (r1 = T1), R8–R12 stay in doubt (r1 unchanged): the data differ until the
    // coordinator returns at 3 s and sends COMMIT again to all.
    ScenarioInfo {
        id: "2pc-partial-commit",
        seed: 1,
        params: &[
            ("cohorts", 10.0),
            ("rate", 0.0),
            ("abort", 0.0),
            ("exec", 20.0),
            ("gap", 50.0),
            ("timeout", 500.0),
            ("cooperative", 0.0),
            ("latency_min", 50.0),
            ("latency_max", 50.0),
        ],
        steps: &[(100, "k0-begin_tx:1"), (545, "c1"), (3_000, "r1")],
        duration_ms: 4_000,
    },
    // (4) The coordinator sends DoCommit to R3 (370 ms) and crashes (400 ms); R3 commits
    // (420 ms) and crashes too (440 ms). R4 and R5 ask the coordinator and each other (the
    // cooperative termination protocol is on): each can only answer Uncertain. Nobody alive
    // knows the outcome, and they stay blocked until R3 returns at 4 s and tells them.
    ScenarioInfo {
        id: "2pc-informed-crash",
        seed: 1,
        params: &[
            ("cohorts", 3.0),
            ("rate", 0.0),
            ("abort", 0.0),
            ("exec", 20.0),
            ("gap", 100.0),
            ("timeout", 500.0),
            ("cooperative", 1.0),
            ("latency_min", 50.0),
            ("latency_max", 50.0),
        ],
        steps: &[
            (100, "k0-begin_tx:1"),
            (400, "c1"),
            (440, "c2"),
            (4_000, "r2"),
        ],
        duration_ms: 5_000,
    },
];
