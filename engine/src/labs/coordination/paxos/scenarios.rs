//! Paxos's presets (see [`crate::scenario`]); `engine/tests/paxos.rs` checks that each plays
//! its lesson. Node ids are 0-based: with two proposers, three acceptors and two learners,
//! P1 (node 0) is the notes' proposer A, P2 (node 1) is B, A3, A4, A5 (nodes 2–4) are the
//! acceptors X, Y, Z, and L6, L7 (nodes 5, 6) the learners. Every preset fixes the latency at
//! 50 ms and turns off the proposers' own random values, so each step lands where its
//! explanation says; link slowdowns (`s0-4-100000`: +100 ms between nodes 0 and 4) give the
//! notes' message order.

use crate::scenario::ScenarioInfo;

const NET: [(&str, f64); 3] = [("latency_min", 50.0), ("latency_max", 50.0), ("auto", 0.0)];

macro_rules! params {
    ($($k:literal => $v:expr),* $(,)?) => {
        &[NET[0], NET[1], NET[2], $(($k, $v),)*]
    };
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    // Seed 004's walk-through: A [n=2, v=8] and B [n=4, v=5]; X and Y get A's Prepare first
    // (150 ms) and B's next (160 ms); Z gets B's first (160 ms) and refuses A's (250 ms, the
    // A–Z link is 100 ms slower). A's Accept [2, 8] is refused everywhere (promised 4). B's
    // promises report no *accepted* proposal, so B sends Accept [4, 5]: 5 is chosen at 260 ms
    // (the notes have B send [4, 8]). A tries again with n=5, finds [4, 5] accepted and
    // proposes 5 too.
    ScenarioInfo {
        id: "paxos-notes",
        seed: 1,
        params: params!["proposers" => 2.0, "acceptors" => 3.0, "learners" => 2.0, "backoff" => 0.0, "timeout" => 1_000.0],
        steps: &[
            (0, "s0-4-100000"),
            (50, "k0-number:2"),
            (50, "k1-number:4"),
            (100, "k0-propose:8"),
            (110, "k1-propose:5"),
        ],
        duration_ms: 1_500,
    },
    // The case the notes' rule is right about: an acceptor has *accepted* 8 before B's Prepare
    // reaches it. A's links to Y and Z are 60 ms slower, B's to Z 20 ms. A gets promises from
    // X (200 ms) and Y (320 ms) and sends Accept [2, 8]; X accepts it at 370 ms, before B's
    // Prepare (380 ms); Y and Z get B's Prepare first and refuse A's Accept (430 ms). 8 is not
    // chosen (one acceptor of three), but X's promise to B reports [2, 8], so B must propose
    // [4, 8], not its own 5: 8 is chosen.
    ScenarioInfo {
        id: "paxos-accepted-first",
        seed: 1,
        params: params!["proposers" => 2.0, "acceptors" => 3.0, "learners" => 2.0, "backoff" => 0.0, "timeout" => 1_000.0],
        steps: &[
            (0, "s0-3-60000"),
            (0, "s0-4-60000"),
            (0, "s1-4-20000"),
            (50, "k0-number:2"),
            (50, "k1-number:4"),
            (100, "k0-propose:8"),
            (330, "k1-propose:5"),
        ],
        duration_ms: 1_500,
    },
    // Dueling proposers: acceptors take 20 ms to write to disk before they answer; P1 starts
    // at 100 ms, P2 at 210 ms. Each Prepare lands between the other's promises and its Accept,
    // every 220 ms, for ever: rounds pile up, nothing is chosen (livelock).
    ScenarioInfo {
        id: "paxos-dueling",
        seed: 1,
        params: params!["proposers" => 2.0, "acceptors" => 3.0, "learners" => 2.0, "backoff" => 0.0, "disk" => 20.0, "timeout" => 2_000.0],
        steps: &[(100, "k0-propose:8"), (210, "k1-propose:5")],
        duration_ms: 5_000,
    },
    // The same duel with a random back-off of up to 150 ms before a pre-empted proposer tries
    // again: one of them soon gets a clear run.
    ScenarioInfo {
        id: "paxos-backoff",
        seed: 1,
        params: params!["proposers" => 2.0, "acceptors" => 3.0, "learners" => 2.0, "backoff" => 150.0, "disk" => 20.0, "timeout" => 2_000.0],
        steps: &[(100, "k0-propose:8"), (210, "k1-propose:5")],
        duration_ms: 3_000,
    },
    // The same duel with a distinguished proposer: P2 forwards its 5 to P1, the only one that
    // runs rounds. One round, 8 chosen; P2's value reaches P1 mid-round and P1 keeps 8.
    ScenarioInfo {
        id: "paxos-leader",
        seed: 1,
        params: params!["proposers" => 2.0, "acceptors" => 3.0, "learners" => 2.0, "backoff" => 0.0, "disk" => 20.0, "leader" => 1.0],
        steps: &[(100, "k0-propose:8"), (210, "k1-propose:5")],
        duration_ms: 2_000,
    },
    // Every acceptor tells every learner: 3 acceptors × 3 learners = 9 Learn messages.
    ScenarioInfo {
        id: "paxos-learners-all",
        seed: 1,
        params: params!["proposers" => 1.0, "acceptors" => 3.0, "learners" => 3.0, "distinguished_learner" => 0.0],
        steps: &[(100, "k0-propose:7")],
        duration_ms: 1_000,
    },
    // Acceptors tell the distinguished learner L5, which tells L6 and L7: 3 + 3 − 1 = 5.
    ScenarioInfo {
        id: "paxos-learners-distinguished",
        seed: 1,
        params: params!["proposers" => 1.0, "acceptors" => 3.0, "learners" => 3.0, "distinguished_learner" => 1.0],
        steps: &[(100, "k0-propose:7")],
        duration_ms: 1_000,
    },
    // The distinguished learner L5 is down when 7 is chosen: the acceptors' Learn messages to
    // it are lost and L6, L7 never hear of the decision, though a majority accepted 7.
    ScenarioInfo {
        id: "paxos-learner-crash",
        seed: 1,
        params: params!["proposers" => 1.0, "acceptors" => 3.0, "learners" => 3.0, "distinguished_learner" => 1.0],
        steps: &[(50, "c4"), (100, "k0-propose:7"), (1_000, "r4")],
        duration_ms: 2_000,
    },
    // Multi-Paxos: P1 runs phase 1 once (slot 0) and puts 12 and 13 in slots 1 and 2 with
    // phase 2 only. It crashes at 700 ms; P2's first value needs phase 1, which reports slots
    // 0–2: P2 proposes them again (same values) and adds 21 and 22 after them.
    ScenarioInfo {
        id: "paxos-multi",
        seed: 1,
        params: params!["proposers" => 2.0, "acceptors" => 3.0, "learners" => 2.0, "multi" => 1.0, "backoff" => 50.0],
        steps: &[
            (100, "k0-propose:11"),
            (300, "k0-propose:12"),
            (500, "k0-propose:13"),
            (700, "c0"),
            (900, "k1-propose:21"),
            (1_100, "k1-propose:22"),
        ],
        duration_ms: 2_000,
    },
];
