//! The central architecture's presets (see [`crate::scenario`]); `engine/tests/arch_central`
//! checks that each plays its lesson. With the defaults node 0 is M1 (the master), nodes 1
//! and 2 are the standbys M2 and M3, nodes 3–6 the workers w4–w7 and node 7 the client.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // w4 crashes at 3 s with its tasks. The master hears no heartbeat for k = 3 periods,
    // declares it lost and places its tasks on the other workers.
    ScenarioInfo {
        id: "arch-central-worker-loss",
        seed: 1,
        params: &[("rate", 3.0), ("duration", 0.0)],
        steps: &[(3_000, "c3")],
        duration_ms: 6_000,
    },
    // The master M1 crashes at 3 s. M2 (the first standby) misses its MasterBeats for the
    // failover time, takes over in epoch 2, M3 follows it; the workers' reports rebuild where
    // every task runs, and new tasks are placed again.
    ScenarioInfo {
        id: "arch-central-master-crash",
        seed: 1,
        params: &[("rate", 3.0)],
        steps: &[(3_000, "c0")],
        duration_ms: 7_000,
    },
    // M1 is cut off from both standbys at 3 s, but every worker still sees it. M2 takes over
    // in epoch 2: two masters. The workers have seen epoch 2 and refuse M1's orders and acks
    // (Fenced); M1 learns of the higher epoch and steps down. The cuts heal at 6 s.
    ScenarioInfo {
        id: "arch-central-split-fenced",
        seed: 1,
        params: &[("rate", 6.0), ("fencing", 1.0)],
        steps: &[
            (3_000, "x0-1"),
            (3_000, "x0-2"),
            (6_000, "h0-1"),
            (6_000, "h0-2"),
        ],
        duration_ms: 8_000,
    },
    // The same partition without fencing: the workers obey both masters. Both place the new
    // tasks, each on the worker it thinks has room, so a task runs twice, and workers obey
    // epoch-1 orders after epoch-2 ones, until the heal at 6 s makes M1 step down.
    ScenarioInfo {
        id: "arch-central-split-unfenced",
        seed: 1,
        params: &[("rate", 6.0), ("fencing", 0.0)],
        steps: &[
            (3_000, "x0-1"),
            (3_000, "x0-2"),
            (6_000, "h0-1"),
            (6_000, "h0-2"),
        ],
        duration_ms: 8_000,
    },
];
