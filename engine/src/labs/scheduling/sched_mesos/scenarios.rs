//! The lab's presets: schedules of its own actions (`engine/tests/sched_mesos.rs` checks that
//! each plays its lesson).

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' DRF example on one agent of 18 CPU and 36 GB: framework A (here `service`)
    // runs ⟨2 CPU, 8 GB⟩ tasks, B (`batch`) ⟨6 CPU, 2 GB⟩. Each framework launches one task
    // per offer, so each round's offer goes to the lowest dominant share: A ends with 3
    // tasks, B with 2, both at a dominant share of 2/3.
    ScenarioInfo {
        id: "mesos-drf-notes",
        seed: 1,
        params: &[
            ("agents", 1.0),
            ("agent_cpu", 18.0),
            ("agent_mem", 36.0),
            ("per_offer", 1.0),
            ("batch_cpu", 6.0),
            ("batch_mem", 2.0),
            ("batch_tasks", 10.0),
            ("batch_secs", 0.0),
            ("service_cpu", 2.0),
            ("service_mem", 8.0),
            ("service_tasks", 10.0),
            ("service_secs", 0.0),
            ("whole_tasks", 0.0),
        ],
        steps: &[],
        duration_ms: 10_000,
    },
    // DRF fills an empty cell: batch ⟨2 CPU, 1 GiB⟩ and service ⟨0.5 CPU, 4 GiB⟩ tasks
    // that run until stopped, one task per offer, so every offer goes to the framework with
    // the lower dominant share: batch's CPU share and service's memory share end close.
    ScenarioInfo {
        id: "mesos-drf-evens",
        seed: 1,
        params: &[
            ("per_offer", 1.0),
            ("batch_secs", 0.0),
            ("service_secs", 0.0),
        ],
        steps: &[],
        duration_ms: 60_000,
    },
    // Agent a3 fails at 30 s: its tasks are lost and counted, their frameworks queue them
    // again and the next rounds place them on the other agents. a3 returns empty at 60 s.
    ScenarioInfo {
        id: "mesos-agent-failure",
        seed: 1,
        params: &[],
        steps: &[
            (30_000, "agent-fail:agent=3"),
            (60_000, "agent-restore:agent=3"),
        ],
        duration_ms: 75_000,
    },
    // The notes' weakness: at 20 s the whole-machine framework asks for 2 tasks of a whole
    // agent. It is offered only the pieces finished tasks free, declines them, and the
    // batch and service frameworks take them next round: no agent is ever free as a whole,
    // and it waits forever.
    ScenarioInfo {
        id: "mesos-whole-starves",
        seed: 1,
        params: &[],
        steps: &[(20_000, "framework:name=whole,tasks=2")],
        duration_ms: 180_000,
    },
    // The same, with agents a1 and a2 reserved for the whole-machine framework at 20 s: what
    // their tasks free is offered to nobody else, so they drain, and it runs both tasks. The
    // price: reserved resources idle while they drain and between its tasks.
    ScenarioInfo {
        id: "mesos-whole-reserved",
        seed: 1,
        params: &[],
        steps: &[
            (20_000, "framework:name=whole,tasks=2"),
            (20_000, "reserve:name=whole,agents=2"),
        ],
        duration_ms: 120_000,
    },
    // What the refusal filter does: the whole-machine framework waits from 20 s (lowest
    // share, so offered first). At 30 s the filter is set to 0: it declines every piece and
    // is offered the same agents again next round, so nobody refills them; they drain, its
    // tasks get whole agents, and meanwhile the cell idles. At 90 s a
    // 5 s filter is back and the pieces go to batch and service again.
    ScenarioInfo {
        id: "mesos-no-filter",
        seed: 1,
        params: &[],
        steps: &[
            (20_000, "framework:name=whole,tasks=2"),
            (30_000, "filter:secs=0"),
            (90_000, "filter:secs=5"),
        ],
        duration_ms: 150_000,
    },
];
