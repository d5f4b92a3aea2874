//! The gossip lab's presets (see [`crate::scenario`]); `engine/tests/gossip.rs` checks that
//! each plays its lesson. 16 nodes n1–n16, a round every 200 ms; node ids in the steps are
//! 0-based (`k0-write:x` is a write of key x at n1).

use crate::scenario::ScenarioInfo;

/// 16 nodes in two halves, n1–n8 and n9–n16.
const HALVES: &str = "P0-0-0-0-0-0-0-0-1-1-1-1-1-1-1-1";

pub const SCENARIOS: &[ScenarioInfo] = &[
    // Push from one write at n1: the number of nodes holding it about doubles each round at
    // first, then the last few wait long for someone to pick them.
    ScenarioInfo {
        id: "gossip-push",
        seed: 1,
        params: &[("nodes", 16.0), ("mode", 0.0)],
        steps: &[(500, "k0-write:x")],
        duration_ms: 5_000,
    },
    // Pull from the same write: slow while few nodes hold it (someone must ask one of them),
    // fast at the end (every node left asks every round, and nearly everyone can answer).
    ScenarioInfo {
        id: "gossip-pull",
        seed: 1,
        params: &[("nodes", 16.0), ("mode", 1.0)],
        steps: &[(500, "k0-write:x")],
        duration_ms: 5_000,
    },
    // Push-pull: fast at both ends, the fewest rounds.
    ScenarioInfo {
        id: "gossip-push-pull",
        seed: 1,
        params: &[("nodes", 16.0), ("mode", 2.0)],
        steps: &[(500, "k0-write:x")],
        duration_ms: 5_000,
    },
    // Push with fanout 3 instead of 1: fewer rounds, three times the messages per round.
    ScenarioInfo {
        id: "gossip-fanout",
        seed: 1,
        params: &[("nodes", 16.0), ("mode", 0.0), ("fanout", 3.0)],
        steps: &[(500, "k0-write:x")],
        duration_ms: 5_000,
    },
    // Rumor mongering with k = 1: a node loses interest the first time it pushes to a node
    // that already knew, and the rumor dies before reaching everyone.
    ScenarioInfo {
        id: "gossip-rumor-dies",
        seed: 5,
        params: &[("nodes", 16.0), ("mode", 3.0), ("k", 1.0)],
        steps: &[(500, "k0-write:x")],
        duration_ms: 5_000,
    },
    // A partition into halves at 0.3 s; n1 writes at 0.5 s. Only n1–n8 can learn it. The
    // network heals at 3 s and anti-entropy repairs the other half.
    ScenarioInfo {
        id: "gossip-partition",
        seed: 1,
        params: &[("nodes", 16.0), ("mode", 2.0)],
        steps: &[(300, HALVES), (500, "k0-write:x"), (3_000, "H")],
        duration_ms: 7_500,
    },
    // The same partition with rumor mongering: by the heal the rumor has gone cold on n1–n8,
    // nobody pushes it any more, and n9–n16 never hear it.
    ScenarioInfo {
        id: "gossip-partition-rumor",
        seed: 5,
        params: &[("nodes", 16.0), ("mode", 3.0)],
        steps: &[(300, HALVES), (500, "k0-write:x"), (3_000, "H")],
        duration_ms: 7_500,
    },
];
