//! The central mutex's presets (see [`crate::scenario`]); `engine/tests/mutex_central.rs`
//! checks that each plays its lesson. Node ids are 0-based: with a standby, node 0 is C1 (the
//! primary), node 1 is C2 (the standby) and the clients follow; without one, the clients
//! start at node 1.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The coordinator crashes at 2 s: nothing is granted any more, every client's request
    // waits (单点故障). It returns at 5 s with its lock table from disk; the clients' retries
    // reach it and the queue moves again.
    ScenarioInfo {
        id: "central-crash",
        seed: 1,
        params: &[("clients", 4.0), ("standby", 0.0)],
        steps: &[(2_000, "c0"), (5_000, "r0")],
        duration_ms: 8_000,
    },
    // The same crash with a standby (主备): C2 misses C1's heartbeats, takes over in epoch 2
    // with the lock table C1 streamed to it, and tells the clients; grants resume within the
    // failover time.
    ScenarioInfo {
        id: "central-standby",
        seed: 1,
        params: &[("clients", 4.0), ("standby", 1.0)],
        steps: &[(2_000, "c0")],
        duration_ms: 5_000,
    },
    // C1 is not dead, only cut off with p5 and p6 at 2 s. C2 misses its heartbeats and takes
    // over; p3 and p4 follow C2, p5 and p6 still follow C1. Two coordinators grant the lock at
    // once and mutual exclusion breaks. When the network heals at 5 s, C1 hears the higher
    // epoch, steps down and points its clients to C2.
    ScenarioInfo {
        id: "central-split-brain",
        seed: 1,
        params: &[("clients", 4.0), ("standby", 1.0), ("rate", 4.0)],
        steps: &[(2_000, "P0-1-1-1-0-0"), (5_000, "H")],
        duration_ms: 8_000,
    },
];
