//! The Akka cluster's presets (see [`crate::scenario`]); `engine/tests/arch_akka.rs` checks
//! that each plays its lesson. Defaults: 8 nodes n1–n8, seeds n1–n3, gossip every 200 ms,
//! heartbeats every 100 ms, unreachable after 4 missed answers, auto-down after 2 s.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' join order: n1 (the first seed) asks the other seeds, hears that none is in a
    // cluster and forms one of itself; n2 and n3 (seeds) join through n1; the ordinary nodes
    // join through any seed; gossip spreads each join and the leader n1 moves every joining
    // member up once all have seen it.
    ScenarioInfo {
        id: "arch-akka-form",
        seed: 1,
        params: &[],
        steps: &[],
        duration_ms: 4_000,
    },
    // n5 crashes at 4 s. Its k = 5 watchers on the ring miss its heartbeats and mark it
    // unreachable; gossip spreads the mark and the cluster stops converging; after 2 s the
    // leader downs it, which unblocks convergence, and the leader removes it.
    ScenarioInfo {
        id: "arch-akka-crash",
        seed: 1,
        params: &[],
        steps: &[(4_000, "c4")],
        duration_ms: 9_000,
    },
    // A partition {n1–n4 | n5–n8} at 4 s, auto-downing off. Each side marks the other
    // unreachable, nothing converges, and n2's leave at 5 s stays "leaving": the leader makes
    // no moves until the heal at 8 s; then n2 goes exiting and removed.
    ScenarioInfo {
        id: "arch-akka-partition",
        seed: 1,
        params: &[("down_after", 0.0)],
        steps: &[
            (4_000, "P0-0-0-0-1-1-1-1"),
            (5_000, "k1-akka_leave"),
            (8_000, "H"),
        ],
        duration_ms: 11_000,
    },
    // n4 leaves gracefully at 4 s: leaving, then (on convergence) exiting, when it shuts
    // down, then removed.
    ScenarioInfo {
        id: "arch-akka-leave",
        seed: 1,
        params: &[],
        steps: &[(4_000, "k3-akka_leave")],
        duration_ms: 7_000,
    },
    // The first seed node n1 is down from the start: the other seeds may only join through
    // it, and the ordinary nodes only through a seed in a cluster, so no cluster forms. n1
    // starts at 4 s and forms it; everyone joins.
    ScenarioInfo {
        id: "arch-akka-no-first-seed",
        seed: 1,
        params: &[],
        steps: &[(0, "c0"), (4_000, "r0")],
        duration_ms: 8_000,
    },
    // The same partition with auto-downing: each side's leader downs the other side, each
    // side then converges on its own and moves members again: two clusters (split brain).
    ScenarioInfo {
        id: "arch-akka-split-brain",
        seed: 1,
        params: &[],
        steps: &[(4_000, "P0-0-0-0-1-1-1-1")],
        duration_ms: 9_000,
    },
];
