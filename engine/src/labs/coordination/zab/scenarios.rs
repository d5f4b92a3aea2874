//! The ZAB election's presets: the notes' walk-throughs and the faults they talk about.
//! `engine/tests/election_zab.rs` checks that each plays its lesson.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // Seed 001's walk-through: three servers start together in round (epoch) 1 with zxid 0;
    // each votes for itself, n1 and n2 switch to n3 (same zxid, higher id) and n3 leads. With
    // seed 3 n3's vote reaches n1 before n2's does, so each changes its vote once, straight
    // to n3, as in the notes (with other seeds n1 may pass through (n2, 0) first).
    ScenarioInfo {
        id: "zab-three-start",
        seed: 3,
        params: &[("nodes", 3.0)],
        steps: &[],
        duration_ms: 1_000,
    },
    // Seed 000's walk-through: ZK1 starts alone and cannot elect anyone; ZK2 starts at 0.3 s,
    // both vote, n1 adopts (n2, 0) and n2 leads. ZK3 starts at 1.5 s, finds the established
    // leader in the replies to its vote and follows it without an election.
    ScenarioInfo {
        id: "zab-late-join",
        seed: 1,
        params: &[("nodes", 3.0), ("late", 2.0)],
        steps: &[(300, "k1-zab_start"), (1_500, "k2-zab_start")],
        duration_ms: 2_500,
    },
    // Servers with different data: n1 has zxid 10, n2 5, n3 0. The zxid is compared first,
    // so n1 — the lowest id but the newest data — leads.
    ScenarioInfo {
        id: "zab-newest-data",
        seed: 1,
        params: &[("nodes", 3.0), ("zxid_spread", 5.0)],
        steps: &[],
        duration_ms: 1_000,
    },
    // The leader n3 crashes at 1 s: its followers stop hearing heartbeats, go LOOKING in
    // round 2 and elect n2, which proposes epoch 2. n3 restarts at 2.5 s and, although its id
    // is the highest, follows n2 without an election: the leader does not change back.
    ScenarioInfo {
        id: "zab-leader-crash",
        seed: 1,
        params: &[("nodes", 3.0)],
        steps: &[(1_000, "c2"), (2_500, "r2")],
        duration_ms: 3_500,
    },
    // Three voters and two observers. At 1 s the leader n3 and n2 crash: n1 and the two
    // observers are still up, three of five servers, yet no leader can be elected — observers
    // have no vote, and one voter of three is no majority. n2 returns at 2.5 s and n2 leads.
    ScenarioInfo {
        id: "zab-observers",
        seed: 1,
        params: &[("nodes", 3.0), ("observers", 2.0)],
        steps: &[(1_000, "c2"), (1_000, "c1"), (2_500, "r1")],
        duration_ms: 4_000,
    },
    // Five servers; at 1 s the leader n5 and n4 are cut off from n1..n3. The leader loses its
    // majority and goes LOOKING; the majority side elects n3 in round 2 with epoch 2. When
    // the network heals at 3 s, n4 and n5 find the established leader and follow it.
    ScenarioInfo {
        id: "zab-partition",
        seed: 1,
        params: &[("nodes", 5.0)],
        steps: &[(1_000, "P0-0-0-1-1"), (3_000, "H")],
        duration_ms: 4_500,
    },
];
