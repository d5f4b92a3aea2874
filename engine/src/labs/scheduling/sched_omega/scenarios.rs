//! The lab's presets: schedules of its own control actions, each showing one weakness of
//! optimistic shared-state scheduling that the notes name ("很可能会产生资源冲突, 从而导致任务
//! 调度失败, 需要对调度失败的任务进行处理, 比如重新调度").

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: [ScenarioInfo; 3] = [
    // S1 packs three tasks on one machine; then S2 and S1 each get a one-task job (1 ms
    // apart: two identical steps at one time would be one action) and, scoring best fit on identical copies, both claim that machine's last core.
    // S2 commits first; S1's claim conflicts, S1 refreshes its copy and retries elsewhere.
    ScenarioInfo {
        id: "omega-hot-spot",
        seed: 1,
        params: &[("schedulers", 2.0), ("rate", 0.0), ("machines", 8.0)],
        steps: &[
            (0, "job:tasks=3,cpu=1000,mem=2048,gang=0"),
            (1_000, "job:tasks=1,cpu=1000,mem=1024,gang=0"),
            (1_001, "job:tasks=1,cpu=1000,mem=1024,gang=0"),
        ],
        duration_ms: 5_000,
    },
    // Coarse detection rejects a claim when the machine changed at all since the copy: S1
    // and S2 put small tasks on the same half-empty machine, both fit, yet the second is
    // rejected (a spurious conflict). With fine-grained detection the same pair commits.
    ScenarioInfo {
        id: "omega-coarse-spurious",
        seed: 1,
        params: &[("schedulers", 2.0), ("rate", 0.0), ("machines", 8.0)],
        steps: &[
            (0, "detect:kind=coarse"),
            (0, "job:tasks=2,cpu=1000,mem=1024,gang=0"),
            (1_000, "job:tasks=1,cpu=500,mem=512,gang=0"),
            (1_001, "job:tasks=1,cpu=500,mem=512,gang=0"),
            (5_000, "detect:kind=fine"),
            (6_000, "job:tasks=1,cpu=500,mem=512,gang=0"),
            (6_001, "job:tasks=1,cpu=500,mem=512,gang=0"),
        ],
        duration_ms: 10_000,
    },
    // A big gang job (all or nothing) among three busy schedulers with coarse detection:
    // while it decides, the others commit and tasks end on the machines it claimed, so its
    // whole transaction is rejected again and again. Fine-grained detection lets a second one
    // through in fewer attempts.
    ScenarioInfo {
        id: "omega-gang-retries",
        seed: 1,
        params: &[
            ("schedulers", 3.0),
            ("rate", 4.0),
            ("tasks", 3.0),
            ("runtime", 5.0),
            ("t_task", 20.0),
        ],
        steps: &[
            (0, "detect:kind=coarse"),
            (3_000, "job:tasks=24,cpu=500,mem=512,gang=1"),
            (30_000, "detect:kind=fine"),
            (31_000, "job:tasks=24,cpu=500,mem=512,gang=1"),
        ],
        duration_ms: 60_000,
    },
];
