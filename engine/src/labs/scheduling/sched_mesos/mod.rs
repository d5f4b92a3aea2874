//! `sched-mesos`: Mesos's two-level scheduling (两层调度) as seed 001 describes it
//! ("分布式调度架构--两层调度", its four steps and its first-level allocators, max-min and DRF;
//! Hindman et al., *Mesos: A Platform for Fine-Grained Resource Sharing in the Data Center*,
//! NSDI 2011; Ghodsi et al., *Dominant Resource Fairness*, NSDI 2011).
//!
//! Agents (the machines of the shared [`cell`](super::cell)) report their free resources; the
//! master's allocator offers them to three registered frameworks (a CPU-heavy batch framework,
//! a memory-heavy service, and one whose tasks need a whole machine), ordering them by
//! dominant share (DRF, [`super::fair::dominant_share`]) or by CPU share alone (max-min); each
//! framework's own scheduler launches tasks on an offer or declines it, and a decline filters
//! that agent for it for the refusal time. The model and its rules are in `state.rs`; the
//! actions, session and record in `model.rs`; what is drawn in `view.rs`.
//!
//! The notes' weakness (缺点: 第二层调度只知道集群中的部分资源): a framework only sees what it
//! is offered, so the whole-machine framework waits forever while the others take the pieces
//! each finished task frees (preset `mesos-whole-starves`); reserving agents for it
//! (`mesos-whole-reserved`) lets it run at the price of idle reserved resources. Without a
//! refusal filter, a framework that declines is offered the same agents again each round,
//! nobody refills them, and they drain: it gets whole machines by leaving the cell idle
//! (`mesos-no-filter`). DRF evening dominant shares is `mesos-drf-evens`, the notes' worked
//! example `mesos-drf-notes`, an agent failure `mesos-agent-failure`.
//!
//! Offered resources count as the framework's in the allocator's order (as in Mesos's
//! sorter), and an offer is a whole agent's free resources, so within one round the offers
//! alternate between frameworks agent by agent. On a cell of a dozen large agents this makes
//! max-min on CPU and DRF place about the same; the allocator's order shows when frameworks
//! take one task per offer (`per_offer`) on a cell that fills over many rounds.

mod model;
mod scenarios;
mod state;
mod texts;
mod view;

pub use model::{config, session, MesosAction, MesosModel, MesosSnapshot, Sample, SECOND};
pub use state::{Allocator, Config, FwSpec, Offer, State, Task, FRAMEWORKS, MIN_OFFER, WHOLE};
pub use view::share_gap;

use crate::labs::scene::{self, Control, ControlArg};
use crate::labs::scheduling::cell::Res;
use crate::labs::{Group, LabDef, ModelView, ParamSpec, SeriesSpec, TimedModel};
use crate::sim::model::read_log;
use crate::sim::TimeModel;
use crate::MS;

/// The set-up: the cell, the allocator's timing, and each framework's task shape (cores,
/// GiB), backlog and mean run time in seconds (0: runs until its agent fails).
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::int("agents", 12.0, 1.0, 1000.0),
    ParamSpec::float("agent_cpu", 8.0, 0.1, 256.0),
    ParamSpec::float("agent_mem", 16.0, 0.1, 4096.0),
    ParamSpec::int("interval", 1000.0, 10.0, 60_000.0),
    ParamSpec::int("think", 100.0, 0.0, 10_000.0),
    ParamSpec::int("filter", 5.0, 0.0, 600.0),
    ParamSpec::int("per_offer", 0.0, 0.0, 1000.0),
    ParamSpec::int("maxmin", 0.0, 0.0, 1.0),
    ParamSpec::float("batch_cpu", 2.0, 0.01, 256.0),
    ParamSpec::float("batch_mem", 1.0, 0.01, 4096.0),
    ParamSpec::int("batch_tasks", 600.0, 0.0, 100_000.0),
    ParamSpec::int("batch_secs", 20.0, 0.0, 3600.0),
    ParamSpec::float("service_cpu", 0.5, 0.01, 256.0),
    ParamSpec::float("service_mem", 4.0, 0.01, 4096.0),
    ParamSpec::int("service_tasks", 400.0, 0.0, 100_000.0),
    ParamSpec::int("service_secs", 30.0, 0.0, 3600.0),
    ParamSpec::float("whole_cpu", 8.0, 0.01, 256.0),
    ParamSpec::float("whole_mem", 16.0, 0.01, 4096.0),
    ParamSpec::int("whole_tasks", 0.0, 0.0, 100_000.0),
    ParamSpec::int("whole_secs", 60.0, 0.0, 3600.0),
];

const FW_OPTIONS: &[(&str, &str)] = &[
    ("whole", "mesos.fw.whole"),
    ("batch", "mesos.fw.batch"),
    ("service", "mesos.fw.service"),
];

/// What a user can do mid-run (one button each in the scene view).
pub const CONTROLS: &[Control] = &[
    Control {
        verb: "framework",
        label: "mesos.ctl.submit",
        args: &[
            ControlArg::choice("name", "mesos.arg.framework", FW_OPTIONS),
            ControlArg::number("tasks", "mesos.arg.tasks", (1.0, 10_000.0), 2.0),
        ],
    },
    Control {
        verb: "agent-fail",
        label: "mesos.ctl.fail",
        args: &[ControlArg::number(
            "agent",
            "mesos.arg.agent",
            (1.0, 1000.0),
            1.0,
        )],
    },
    Control {
        verb: "agent-restore",
        label: "mesos.ctl.restore",
        args: &[ControlArg::number(
            "agent",
            "mesos.arg.agent",
            (1.0, 1000.0),
            1.0,
        )],
    },
    Control {
        verb: "allocator",
        label: "mesos.ctl.allocator",
        args: &[ControlArg::choice(
            "kind",
            "mesos.arg.kind",
            &[("drf", "mesos.alloc.drf"), ("maxmin", "mesos.alloc.maxmin")],
        )],
    },
    Control {
        verb: "filter",
        label: "mesos.ctl.filter",
        args: &[ControlArg::number(
            "secs",
            "mesos.arg.secs",
            (0.0, 600.0),
            5.0,
        )],
    },
    Control {
        verb: "reserve",
        label: "mesos.ctl.reserve",
        args: &[
            ControlArg::choice("name", "mesos.arg.framework", FW_OPTIONS),
            ControlArg::number("agents", "mesos.arg.agents", (0.0, 1000.0), 2.0),
        ],
    },
];

/// The curves: each framework's dominant share and its waiting tasks.
pub const SERIES: [SeriesSpec; 2] = [
    SeriesSpec::line("mesos.share", "%"),
    SeriesSpec::step("mesos.waiting", ""),
];

/// The allocator at scale: `tasks` long-running tasks, half batch ⟨1 CPU, 2 GiB⟩ and half
/// service ⟨0.5 CPU, 1 GiB⟩, offered round by round on `machines` agents of 8 CPU and
/// 16 GiB under DRF until all run or a few rounds place nothing more; returns the tasks
/// running.
pub fn scale(machines: u32, tasks: u32, seed: u64) -> u64 {
    let half = u64::from(tasks / 2);
    let fw = |cpu, mem, tasks| FwSpec {
        shape: Res::new(cpu, mem),
        tasks,
        mean: 0,
    };
    let cfg = Config {
        agents: machines.max(1) as usize,
        agent: Res::new(8000, 16384),
        interval: SECOND,
        think: 100 * MS,
        filter: 5 * SECOND,
        per_offer: 0,
        allocator: Allocator::Drf,
        frameworks: [
            fw(1000, 2048, half),
            fw(500, 1024, u64::from(tasks) - half),
            fw(8000, 16384, 0),
        ],
    };
    let mut m = MesosModel::new(&cfg, seed);
    let running = |m: &MesosModel| m.st.fws.iter().map(|f| f.running).sum::<u64>();
    let (mut t, mut last, mut idle) = (0, 0, 0);
    while idle < 3 {
        t += SECOND;
        m.advance_to(t);
        let now = running(&m);
        if m.st.fws.iter().all(|f| f.waiting == 0) {
            break;
        }
        idle = if now == last { idle + 1 } else { 0 };
        last = now;
    }
    running(&m)
}

/// The lab's registry row.
pub const LAB: LabDef = LabDef {
    texts: texts::TEXTS,
    series: &SERIES,
    ..LabDef::model(
        "sched-mesos",
        Group::Scheduling,
        PARAMS,
        &[],
        |_, _| {},
        |p| scene::calc_line("sched-mesos", p),
        ModelView::Scene,
    )
    .timed(
        TimedModel {
            create: |p, seed| Ok(Box::new(session(p, seed))),
            read_log: read_log::<MesosModel>,
            examples: &[
                "framework:name=whole,tasks=2",
                "framework:name=batch,tasks=40",
                "framework:name=service,tasks=10",
                "agent-fail:agent=1",
                "agent-fail:agent=3",
                "agent-restore:agent=1",
                "allocator:kind=maxmin",
                "allocator:kind=drf",
                "filter:secs=0",
                "filter:secs=5",
                "reserve:name=whole,agents=2",
                "reserve:name=batch,agents=0",
            ],
            controls: CONTROLS,
            horizon: 600 * SECOND,
            step: 250 * MS,
            scale: Some(scale),
        },
        scenarios::SCENARIOS,
    )
};
