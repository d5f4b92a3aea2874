//! `sched-borg`: Borg's scheduler on a cell of machines with CPU and memory, as seed 001
//! describes it ("资源管理与负载调度 --- 应用(google borg 单体调度)" and "集中式结构: Google
//! Borg"): jobs of tasks with resource estimates and priorities are queued; the scheduler scans
//! the pending queue task by task, a **feasibility check** (可行性检查: machines with room for
//! the task's CPU and memory) then **scoring** (评分). The notes' two scoring policies run side
//! by side on the same seeded arrival stream, one cell each, with a hybrid (Verma et al.,
//! *Large-scale cluster management at Google with Borg*, EuroSys 2015, §3.2):
//!
//! - **worst fit** (最差匹配) spreads tasks over the machines and "leaves every machine a little
//!   unusable leftover": resources stranded for a large task (the `borg-fragmentation`
//!   preset: a large job waits under worst fit while best fit has emptied machines for it);
//! - **best fit** (最佳匹配) packs machines as full as it can, but "hurts applications with
//!   bursty load: if users mis-estimate, tight packing costs performance": a burst (tasks
//!   using more than their estimates) overloads its packed machines (`borg-burst`); packing
//!   also concentrates tasks, so one machine's failure takes more of them at once
//!   (`borg-machine-failure`, the notes' "单点故障");
//! - prod tasks **preempt** batch tasks when nothing fits, on the machine needing the fewest
//!   victims (the notes' "最小化被抢占的任务数"); the victims are pending again
//!   (`borg-preemption`).
//!
//! `cellsim.rs` is one cell under one policy (queue, passes, preemption, failures, metrics and
//! invariants), `model.rs` the arrival stream and the [`crate::sim::TimeModel`], `view.rs` the
//! scene, `scenarios.rs` the presets, `texts.rs` the translations.

mod cellsim;
mod model;
mod scenarios;
mod texts;
mod view;

pub use cellsim::{CellSim, Counts, Prio, TaskSpec, TaskState, MAX_PENDING};
pub use model::{parse_fits, random_shape, session, BorgAction, BorgModel, Config, SECOND};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::labs::scene::{self, Control, ControlArg};
use crate::labs::scheduling::cell::{Fit, Res};
use crate::labs::{Group, LabDef, ModelView, ParamSpec, SeriesSpec, TimedModel};
use crate::params::TextSpec;
use crate::sim::model::read_log;
use crate::{Time, MS};

/// A machine: 4 cores (millicores) and 16 GiB (MiB).
pub const CAP: Res = Res::new(4000, 16_384);
/// The large task stranding and room are measured for: half a machine.
pub const BIG: Res = Res::new(2000, 8192);
/// The series' sampling interval.
pub const SAMPLE: Time = 1000 * MS;
/// Feasible machines scored per task at scale (Borg's relaxed randomization).
pub const SCALE_SAMPLE: usize = 16;

pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::int("machines", 16.0, 2.0, 2000.0),
    ParamSpec::int("rate", 24.0, 0.0, 600.0),
    ParamSpec::int("prod", 30.0, 0.0, 100.0),
    ParamSpec::int("duration", 30.0, 1.0, 600.0),
    ParamSpec::int("sample", 0.0, 0.0, 1000.0),
];

fn check_fits(v: &str) -> Result<(), String> {
    parse_fits(v).map(|_| ())
}

pub const TEXT_PARAMS: &[TextSpec] = &[TextSpec {
    key: "fits",
    default: "best,worst,hybrid",
    check: check_fits,
}];

const PRIOS: &[(&str, &str)] = &[("prod", "borg.prod"), ("batch", "borg.batch")];

/// What a learner can do (one button each); the share-link verbs.
pub const CONTROLS: [Control; 5] = [
    Control {
        verb: "job",
        label: "borg.ctl.job",
        args: &[
            ControlArg::choice("prio", "borg.arg.prio", PRIOS),
            ControlArg::number("tasks", "borg.arg.tasks", (1.0, 64.0), 4.0),
            ControlArg::number("cpu", "borg.arg.cpu", (1.0, 4000.0), 1000.0),
            ControlArg::number("mem", "borg.arg.mem", (1.0, 16_384.0), 4096.0),
        ],
    },
    Control {
        verb: "burst",
        label: "borg.ctl.burst",
        args: &[ControlArg::number(
            "pct",
            "borg.arg.pct",
            (0.0, 200.0),
            50.0,
        )],
    },
    Control {
        verb: "fail",
        label: "borg.ctl.fail",
        args: &[ControlArg::number(
            "machine",
            "borg.arg.machine",
            (1.0, 2000.0),
            1.0,
        )],
    },
    Control {
        verb: "restore",
        label: "borg.ctl.restore",
        args: &[ControlArg::number(
            "machine",
            "borg.arg.machine",
            (1.0, 2000.0),
            1.0,
        )],
    },
    Control {
        verb: "rate",
        label: "borg.ctl.rate",
        args: &[ControlArg::number(
            "per_min",
            "borg.arg.per_min",
            (0.0, 600.0),
            24.0,
        )],
    },
];

/// The curves, one per policy each (in this order in [`BorgModel::series`]).
pub const SERIES: [SeriesSpec; 5] = [
    SeriesSpec::line("borg_stranded", "%"),
    SeriesSpec::line("borg_headroom", "%"),
    SeriesSpec::step("borg_pending", ""),
    SeriesSpec::step("borg_overloaded", ""),
    SeriesSpec::step("borg_preempted", ""),
];

/// Borg's scheduler at scale: `tasks` tasks of the stream's shapes (a quarter of the lab's
/// size, so that about 10 share a machine) queued at once on `machines` machines and placed in
/// one pass with best fit over a sample of [`SCALE_SAMPLE`] feasible machines per task.
/// Returns how many were placed.
pub fn scale(machines: u32, tasks: u32, seed: u64) -> u64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut specs = Vec::with_capacity(tasks as usize);
    let mut job = 0;
    while specs.len() < tasks as usize {
        job += 1;
        let prio = if rng.gen_range(0..100) < 30 {
            Prio::Prod
        } else {
            Prio::Batch
        };
        let est = random_shape(&mut rng, 4);
        let n = rng.gen_range(1..=6).min(tasks as usize - specs.len());
        for _ in 0..n {
            specs.push(TaskSpec {
                job,
                prio,
                est,
                duration: SECOND,
                spike: 100,
            });
        }
    }
    let mut cell = CellSim::new(Fit::Best, machines as usize, CAP, SCALE_SAMPLE, seed);
    cell.max_pending = usize::MAX;
    cell.submit(&specs);
    cell.pass(0, &specs);
    cell.running_len() as u64
}

pub const LAB: LabDef = LabDef {
    texts: texts::TEXTS,
    series: &SERIES,
    ..LabDef::model(
        "sched-borg",
        Group::Scheduling,
        PARAMS,
        TEXT_PARAMS,
        |_, _| {},
        |p| scene::calc_line("sched-borg", p),
        ModelView::Scene,
    )
    .timed(
        TimedModel {
            create: |p, seed| Ok(Box::new(session(p, seed)?)),
            read_log: read_log::<BorgModel>,
            examples: &[
                "job:prio=prod,tasks=4,cpu=1000,mem=4096",
                "job:prio=batch,tasks=6,cpu=500,mem=2048",
                "job:prio=prod,tasks=2,cpu=3500,mem=14000",
                "burst:pct=50",
                "burst:pct=0",
                "fail:machine=2",
                "restore:machine=2",
                "rate:per_min=60",
                "rate:per_min=0",
            ],
            controls: &CONTROLS,
            horizon: 600 * SECOND,
            step: 100 * MS,
            scale: Some(scale),
        },
        scenarios::SCENARIOS,
    )
};
