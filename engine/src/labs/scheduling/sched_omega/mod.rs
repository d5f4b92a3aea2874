//! `sched-omega`: shared-state scheduling as Omega does it (Schwarzkopf, Konwinski,
//! Abd-El-Malek, Wilkes, *Omega: flexible, scalable schedulers for large compute clusters*,
//! EuroSys 2013, §3.4 optimistic concurrency over shared state, §4 the simulation's decision
//! times, §5 gang scheduling and coarse vs fine conflict detection; seed 001, "分布式调度架构
//! --共享状态调度").
//!
//! Several schedulers, each with a private copy of the cell state, place jobs optimistically
//! and commit transactions to the master copy; conflicts are detected at commit, the loser
//! refreshes its copy and retries. The model is in [`shared`] (the schedulers and the master
//! copy; its parts in [`parts`]), the lab's time-only model, actions and scene in [`model`], its presets in
//! [`scenarios`] and its strings in [`texts`]. `distlab calc sched-omega` prints the
//! counters and `distlab batch sched-omega --param schedulers=1,2,4,8` sweeps them (conflict
//! fraction, retries, busyness against the number of schedulers or the arrival rate).

pub mod model;
pub mod parts;
mod scenarios;
pub mod shared;
mod texts;

pub use self::shared::{Commit, Config, Core, Curves, Detect, Job, MACHINE, SECOND};
pub use model::{OmegaAction, OmegaModel};

use super::cell::{Fit, Res};
use crate::input::Params;
use crate::labs::scene::{self, Control, ControlArg};
use crate::labs::{Group, LabDef, ModelView, SeriesSpec, TimedModel};
use crate::params::{InputError, ParamSpec, TextSpec};
use crate::sim::model::read_log;
use crate::sim::ModelSession;
use crate::{Time, MS};

/// The lab's parameters: the cell, the schedulers, the arrival stream, the decision times.
pub const PARAMS: [ParamSpec; 9] = [
    ParamSpec::int("machines", 16.0, 1.0, 10_000.0),
    ParamSpec::int("schedulers", 2.0, 1.0, self::shared::MAX_SCHEDULERS as f64),
    // Jobs per second.
    ParamSpec::float("rate", 1.0, 0.0, 50.0),
    // Mean tasks per job.
    ParamSpec::int("tasks", 4.0, 1.0, 100.0),
    // Decision time per job and per task, ms.
    ParamSpec::float("t_job", 100.0, 0.0, 10_000.0),
    ParamSpec::float("t_task", 10.0, 0.0, 1_000.0),
    // Mean task run time, s.
    ParamSpec::float("runtime", 20.0, 1.0, 3_600.0),
    // Percent of arriving jobs that are gang jobs.
    ParamSpec::int("gang", 0.0, 0.0, 100.0),
    // Feasible machines scored per task (0: all).
    ParamSpec::int("sample", 0.0, 0.0, 1_000.0),
];

fn check_commit(v: &str) -> Result<(), String> {
    Commit::parse(v.trim())
        .map(|_| ())
        .ok_or_else(|| format!("`{v}` is not incremental or gang"))
}

fn check_detect(v: &str) -> Result<(), String> {
    Detect::parse(v.trim())
        .map(|_| ())
        .ok_or_else(|| format!("`{v}` is not fine or coarse"))
}

fn check_fit(v: &str) -> Result<(), String> {
    Fit::parse(v.trim())
        .map(|_| ())
        .ok_or_else(|| format!("`{v}` is not best, worst or hybrid"))
}

/// The modes: commit, conflict detection, scoring.
pub const TEXT_PARAMS: [TextSpec; 3] = [
    TextSpec {
        key: "commit",
        default: "incremental",
        check: check_commit,
    },
    TextSpec {
        key: "detect",
        default: "fine",
        check: check_detect,
    },
    TextSpec {
        key: "fit",
        default: "best",
        check: check_fit,
    },
];

const COMMITS: &[(&str, &str)] = &[
    ("incremental", "omega.commit.incremental"),
    ("gang", "omega.commit.gang"),
];
const DETECTS: &[(&str, &str)] = &[
    ("fine", "omega.detect.fine"),
    ("coarse", "omega.detect.coarse"),
];
const FITS: &[(&str, &str)] = &[
    ("best", "omega.fit.best"),
    ("worst", "omega.fit.worst"),
    ("hybrid", "omega.fit.hybrid"),
];

/// What a learner can do: submit a job, switch the commit mode, the conflict detection or
/// the scoring, change the arrival rate.
pub const CONTROLS: [Control; 5] = [
    Control {
        verb: "job",
        label: "omega.ctl.job",
        args: &[
            ControlArg::number("tasks", "omega.arg.tasks", (1.0, 200.0), 8.0),
            ControlArg::number("cpu", "omega.arg.cpu", (1.0, 4000.0), 1000.0),
            ControlArg::number("mem", "omega.arg.mem", (1.0, 8192.0), 1024.0),
            ControlArg::number("gang", "omega.arg.gang", (0.0, 1.0), 0.0),
        ],
    },
    Control {
        verb: "mode",
        label: "omega.ctl.mode",
        args: &[ControlArg::choice("commit", "omega.arg.commit", COMMITS)],
    },
    Control {
        verb: "detect",
        label: "omega.ctl.detect",
        args: &[ControlArg::choice("kind", "omega.arg.detect", DETECTS)],
    },
    Control {
        verb: "rate",
        label: "omega.ctl.rate",
        args: &[ControlArg::number(
            "jobs",
            "omega.arg.rate",
            (0.0, 50.0),
            2.0,
        )],
    },
    Control {
        verb: "fit",
        label: "omega.ctl.fit",
        args: &[ControlArg::choice("kind", "omega.arg.fit", FITS)],
    },
];

/// The curves: conflict fraction, each scheduler's busyness, tasks waiting.
pub const SERIES: [SeriesSpec; 3] = [
    SeriesSpec::line("sched-omega.conflicts", "%"),
    SeriesSpec::line("sched-omega.busy", "%"),
    SeriesSpec::step("sched-omega.waiting", ""),
];

/// The curves' sampling interval.
pub const SAMPLE_EVERY: Time = SECOND;
/// Checkpoints of a session, in virtual time.
pub const CHECKPOINT_EVERY: Time = 2 * SECOND;

/// The model's settings from the lab's parameters.
pub fn config(p: &Params) -> Config {
    let ms = |k: &str| (p.get(k) * MS as f64).round() as Time;
    Config {
        machines: p.get_u64("machines").max(1) as usize,
        schedulers: p.get_u64("schedulers").max(1) as usize,
        rate_milli: (p.get("rate") * 1000.0).round() as u64,
        tasks: p.get_u64("tasks").max(1) as u32,
        t_job: ms("t_job"),
        t_task: ms("t_task"),
        runtime: (p.get("runtime") * SECOND as f64).round() as Time,
        gang_pct: p.get_u64("gang").min(100) as u32,
        commit: Commit::parse(p.text("commit").trim()).unwrap_or(Commit::Incremental),
        detect: Detect::parse(p.text("detect").trim()).unwrap_or(Detect::Fine),
        fit: Fit::parse(p.text("fit").trim()).unwrap_or(Fit::Best),
        sample: p.get_u64("sample") as usize,
        sample_every: SAMPLE_EVERY,
        broken_no_check: false,
    }
}

/// The lab's session from its parameters and seed.
pub fn session(p: &Params, seed: u64) -> Result<ModelSession<OmegaModel>, String> {
    let mut errors = Vec::new();
    for s in &TEXT_PARAMS {
        if let Err(e) = (s.check)(p.text(s.key)) {
            errors.push(format!("{}: {e}", s.key));
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("; "));
    }
    Ok(ModelSession::new(
        OmegaModel::new(config(p), seed),
        CHECKPOINT_EVERY,
    ))
}

/// The scheduler at scale (`distlab bench`): `tasks` tasks in jobs of 10 submitted at once
/// to 4 schedulers on `machines` machines (scoring a sample of 16 feasible machines per
/// task, fine-grained detection, incremental commits), run until every scheduler is idle;
/// returns the tasks placed.
pub fn scale(machines: u32, tasks: u32, seed: u64) -> u64 {
    let cfg = Config {
        machines: machines.max(1) as usize,
        schedulers: 4,
        rate_milli: 0,
        tasks: 10,
        t_job: 100 * MS,
        t_task: 5 * MS,
        runtime: 1_000_000 * SECOND,
        gang_pct: 0,
        commit: Commit::Incremental,
        detect: Detect::Fine,
        fit: Fit::Best,
        sample: 16,
        sample_every: 0,
        broken_no_check: false,
    };
    let mut core = Core::new(cfg, seed);
    let mut curves = Curves::default();
    let mut left = tasks;
    let mut k = 0u32;
    while left > 0 {
        let n = left.min(10);
        // Shapes vary so the cell packs unevenly: 100–500 millicores, 128–1024 MiB.
        let shape = Res::new(100 + 100 * (k % 5), 128 * (1 + (k * 7) % 8));
        core.submit(n, shape, false);
        left -= n;
        k += 1;
    }
    let mut t = 0;
    while !core.idle() {
        t += 10 * SECOND;
        core.advance_to(t, &mut curves);
    }
    core.totals().placed
}

fn check(_: &mut Params, _: &mut Vec<InputError>) {}

/// The lab's row in the registry.
pub const LAB: LabDef = LabDef {
    texts: &texts::TEXTS,
    series: &SERIES,
    ..LabDef::model(
        "sched-omega",
        Group::Scheduling,
        &PARAMS,
        &TEXT_PARAMS,
        check,
        |p| scene::calc_line("sched-omega", p),
        ModelView::Scene,
    )
    .timed(
        TimedModel {
            create: |p, seed| Ok(Box::new(session(p, seed)?)),
            read_log: read_log::<OmegaModel>,
            examples: &[
                "job:tasks=8,cpu=1000,mem=1024,gang=0",
                "job:tasks=30,cpu=500,mem=512,gang=1",
                "job:tasks=1,cpu=4000,mem=8192,gang=0",
                "mode:commit=gang",
                "mode:commit=incremental",
                "detect:kind=coarse",
                "detect:kind=fine",
                "rate:jobs=0",
                "rate:jobs=8",
                "fit:kind=worst",
                "fit:kind=best",
            ],
            controls: &CONTROLS,
            horizon: 600 * SECOND,
            step: 100 * MS,
            scale: Some(scale),
        },
        &scenarios::SCENARIOS,
    )
};
