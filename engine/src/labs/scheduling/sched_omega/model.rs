//! `sched-omega` on the time-only model session ([`TimeModel`]): the shared-state model of
//! [`super::shared`], changed mid-run by the lab's declared controls (a job submitted now,
//! the commit mode, the conflict detection, the arrival rate, the scoring), and what the
//! generic scene view shows of it: the master copy and the first scheduler's private copy as
//! bars, a table of the schedulers, the queues, the curves and the counters.

use std::hash::Hasher;

use super::super::cell::{Fit, Res};
use super::shared::{Commit, Config, Core, Curves, Detect, OWNED};
use super::{CONTROLS, SERIES};
use crate::labs::scene::{self, arg_u64, BarPanel, Scene, SCENE_BARS};
use crate::labs::{Headline, Panel, Stat};
use crate::sim::{ActionError, TimeModel};
use crate::{Time, MS};

/// Something a learner (or a preset) does mid-run.
#[derive(Clone, Debug, PartialEq)]
pub enum OmegaAction {
    /// A job of `tasks` identical tasks arrives now; `gang`: all or nothing.
    Job {
        tasks: u32,
        cpu: u32,
        mem: u32,
        gang: bool,
    },
    Mode(Commit),
    Detect(Detect),
    /// Jobs per second from now on.
    Rate(u32),
    Fit(Fit),
}

impl OmegaAction {
    /// The share-link form, as the control's button writes it.
    pub fn encode(&self) -> String {
        let (i, values): (usize, Vec<String>) = match self {
            OmegaAction::Job {
                tasks,
                cpu,
                mem,
                gang,
            } => (
                0,
                vec![
                    tasks.to_string(),
                    cpu.to_string(),
                    mem.to_string(),
                    u8::from(*gang).to_string(),
                ],
            ),
            OmegaAction::Mode(c) => (1, vec![c.name().to_string()]),
            OmegaAction::Detect(d) => (2, vec![d.name().to_string()]),
            OmegaAction::Rate(r) => (3, vec![r.to_string()]),
            OmegaAction::Fit(f) => (4, vec![f.name().to_string()]),
        };
        CONTROLS[i].encode(&values)
    }

    /// Reads the share-link form; anything malformed or out of range is refused with why.
    pub fn decode(s: &str) -> Result<OmegaAction, ActionError> {
        let (control, v) = scene::parse_action(s, &CONTROLS)?;
        let text = |i: usize| v.get(i).map_or("", String::as_str);
        let bad = |reason: &str| ActionError::BadArgument {
            command: control.verb.to_string(),
            reason: reason.to_string(),
        };
        Ok(match control.verb {
            "job" => OmegaAction::Job {
                tasks: arg_u64(&v, 0) as u32,
                cpu: arg_u64(&v, 1) as u32,
                mem: arg_u64(&v, 2) as u32,
                gang: arg_u64(&v, 3) == 1,
            },
            "mode" => OmegaAction::Mode(Commit::parse(text(0)).ok_or_else(|| bad("unknown mode"))?),
            "detect" => {
                OmegaAction::Detect(Detect::parse(text(0)).ok_or_else(|| bad("unknown detection"))?)
            }
            "rate" => OmegaAction::Rate(arg_u64(&v, 0) as u32),
            _ => OmegaAction::Fit(Fit::parse(text(0)).ok_or_else(|| bad("unknown fit"))?),
        })
    }
}

/// The lab's model: the shared-state core and its curves.
#[derive(Clone, Debug)]
pub struct OmegaModel {
    pub core: Core,
    pub curves: Curves,
}

/// A checkpoint: the core and the curves' lengths.
#[derive(Clone, Debug)]
pub struct OmegaSnapshot {
    core: Core,
    lens: (usize, usize, Vec<usize>),
}

impl OmegaModel {
    pub fn new(cfg: Config, seed: u64) -> OmegaModel {
        OmegaModel {
            core: Core::new(cfg, seed),
            curves: Curves::default(),
        }
    }
}

impl TimeModel for OmegaModel {
    type Action = OmegaAction;
    type Snapshot = OmegaSnapshot;

    fn advance_to(&mut self, t: Time) {
        self.core.advance_to(t, &mut self.curves);
    }

    fn apply(&mut self, a: &OmegaAction) -> Result<(), ActionError> {
        let c = &mut self.core;
        match *a {
            OmegaAction::Job {
                tasks,
                cpu,
                mem,
                gang,
            } => {
                if tasks == 0 || cpu == 0 || mem == 0 {
                    return Err(ActionError::BadArgument {
                        command: "job".into(),
                        reason: "a job needs at least one task and some CPU and memory".into(),
                    });
                }
                c.submit(tasks, Res::new(cpu, mem), gang);
            }
            OmegaAction::Mode(m) => c.cfg.commit = m,
            OmegaAction::Detect(d) => c.cfg.detect = d,
            OmegaAction::Rate(r) => c.set_rate(u64::from(r) * 1000),
            OmegaAction::Fit(f) => c.cfg.fit = f,
        }
        Ok(())
    }

    fn snapshot(&self) -> OmegaSnapshot {
        OmegaSnapshot {
            core: self.core.clone(),
            lens: self.curves.lens(),
        }
    }

    fn restore(&mut self, s: &OmegaSnapshot) {
        self.core.clone_from(&s.core);
        self.curves.cut(&s.lens);
    }

    fn encode(a: &OmegaAction) -> String {
        a.encode()
    }

    fn decode(s: &str) -> Result<OmegaAction, ActionError> {
        OmegaAction::decode(s)
    }

    fn hash_state(&self, h: &mut dyn Hasher) {
        self.core.hash_into(h);
        self.curves.hash_into(h);
    }

    fn snapshot_bytes(s: &OmegaSnapshot) -> usize {
        s.core.bytes() + s.lens.2.len() * 8
    }

    fn scene(&self) -> Scene {
        scene_of(&self.core, &self.curves)
    }
}

/// Legend keys of the schedulers' colours.
const SCHED_KEYS: [&str; 16] = [
    "omega.s1",
    "omega.s2",
    "omega.s3",
    "omega.s4",
    "omega.s5",
    "omega.s6",
    "omega.s7",
    "omega.s8",
    "omega.s9",
    "omega.s10",
    "omega.s11",
    "omega.s12",
    "omega.s13",
    "omega.s14",
    "omega.s15",
    "omega.s16",
];

fn pct(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        100.0 * a / b
    } else {
        0.0
    }
}

/// The counters (`distlab calc`, `distlab batch`, the stats panel).
pub fn stats(c: &Core) -> Vec<Stat> {
    let t = c.totals();
    let n = c.scheds.len() as f64;
    let now = c.now.max(1) as f64;
    let busy: f64 = c
        .scheds
        .iter()
        .map(|s| s.busy_until(c.now) as f64)
        .sum::<f64>();
    let (cpu, _) = c.cell.utilisation();
    vec![
        Stat::new("omega.jobs", c.jobs as f64),
        Stat::new("omega.done", c.done as f64),
        Stat::new("omega.placed", t.placed as f64),
        Stat::new("omega.txns", t.txns as f64),
        Stat::new("omega.conflicted", t.conflicted as f64),
        Stat::new(
            "omega.conflict_pct",
            pct(t.conflicted as f64, t.txns as f64),
        ),
        Stat::new("omega.rejected", t.rejected as f64),
        Stat::new("omega.spurious", t.spurious as f64),
        Stat::new("omega.retries", t.retries as f64),
        Stat::new(
            "omega.retries_per_job",
            if c.jobs == 0 {
                0.0
            } else {
                t.retries as f64 / c.jobs as f64
            },
        ),
        Stat::new("omega.busy_pct", pct(busy, now * n)),
        Stat::new("omega.wasted_pct", pct(t.wasted as f64, now * n)),
        Stat::new("omega.waiting", c.waiting_tasks() as f64),
        Stat::new("omega.abandoned", c.abandoned as f64),
        Stat::new("omega.max_attempts", f64::from(c.max_attempts)),
        Stat::new("omega.gang_max_attempts", f64::from(c.gang_max_attempts)),
        Stat::new("omega.wait_ms", {
            if c.done == 0 {
                0.0
            } else {
                c.wait_sum as f64 / c.done as f64 / MS as f64
            }
        }),
        Stat::new("omega.cpu_pct", 100.0 * cpu),
        Stat::new("omega.overcommitted", c.violation_count as f64),
    ]
}

fn bars(c: &Core) -> Vec<BarPanel> {
    let shown = c.cell.machines.len().min(SCENE_BARS);
    let hidden = c.cell.machines.len() - shown;
    let master = (0..shown)
        .map(|i| {
            let segs: Vec<(Res, u8)> = c
                .owners
                .get(i)
                .map(|o| o.iter().enumerate().map(|(s, r)| (*r, s as u8)).collect())
                .unwrap_or_default();
            c.cell.bar(i, format!("m{i}"), &segs)
        })
        .collect();
    let view = &c.scheds[0].view;
    let copy = (0..shown)
        .map(|i| view.bar(i, format!("m{i}"), &[(view.machines[i].used, 0)]))
        .collect();
    debug_assert!(OWNED >= shown);
    vec![
        BarPanel {
            title: "omega.cell",
            dims: vec!["omega.cpu", "omega.mem"],
            legend: (0..c.scheds.len())
                .map(|s| (SCHED_KEYS[s % SCHED_KEYS.len()], s as u8))
                .collect(),
            bars: master,
            hidden,
        },
        BarPanel {
            title: "omega.copy",
            dims: vec!["omega.cpu", "omega.mem"],
            legend: vec![("omega.copy.used", 0)],
            bars: copy,
            hidden,
        },
    ]
}

fn panels(c: &Core) -> Vec<Panel> {
    let secs = c.now.max(1) as f64;
    let rows = c
        .scheds
        .iter()
        .enumerate()
        .map(|(i, s)| {
            vec![
                format!("S{}", i + 1),
                format!("{:.0}", pct(s.busy_until(c.now) as f64, secs)),
                s.counts.txns.to_string(),
                s.counts.conflicted.to_string(),
                s.counts.retries.to_string(),
                s.counts.placed.to_string(),
                (s.queue.len() + s.blocked.len()).to_string(),
                s.attempt
                    .as_ref()
                    .map_or_else(|| "–".to_string(), |a| format!("J{}", a.job.id)),
            ]
        })
        .collect();
    let job = |s: usize, j: &super::Job, blocked: bool| {
        format!(
            "S{} J{} {}×{}m/{}Mi{}{}{}",
            s + 1,
            j.id,
            j.left,
            j.shape.cpu,
            j.shape.mem,
            if j.gang { " omega.gang" } else { "" },
            if j.attempts > 0 {
                format!(" #{}", j.attempts + 1)
            } else {
                String::new()
            },
            if blocked { " ⏸" } else { "" }
        )
    };
    let mut items: Vec<String> = Vec::new();
    for (i, s) in c.scheds.iter().enumerate() {
        items.extend(s.queue.iter().map(|j| job(i, j, false)));
        items.extend(s.blocked.iter().map(|j| job(i, j, true)));
    }
    items.truncate(24);
    vec![
        Panel::Table {
            title: "omega.schedulers",
            columns: vec![
                "omega.col.sched",
                "omega.col.busy",
                "omega.col.txns",
                "omega.col.conflicts",
                "omega.col.retries",
                "omega.col.placed",
                "omega.col.queue",
                "omega.col.deciding",
            ],
            rows,
        },
        Panel::Rows {
            title: "omega.settings",
            rows: vec![
                (
                    "omega.row.commit",
                    format!("omega.commit.{}", c.cfg.commit.name()),
                ),
                (
                    "omega.row.detect",
                    format!("omega.detect.{}", c.cfg.detect.name()),
                ),
                ("omega.row.fit", format!("omega.fit.{}", c.cfg.fit.name())),
                (
                    "omega.row.rate",
                    format!("{}", c.cfg.rate_milli as f64 / 1000.0),
                ),
                (
                    "omega.row.decision",
                    format!(
                        "{} ms + {} ms × omega.tasks",
                        c.cfg.t_job / MS,
                        c.cfg.t_task as f64 / MS as f64
                    ),
                ),
            ],
        },
        Panel::Queue {
            title: "omega.pending",
            items,
        },
    ]
}

/// What the lab shows now.
pub fn scene_of(c: &Core, curves: &Curves) -> Scene {
    let t = c.totals();
    let mut series = vec![scene::curve(&SERIES[0], "", &curves.conflicts)];
    for (i, b) in curves.busy.iter().enumerate() {
        series.push(scene::curve(&SERIES[1], &format!("S{}", i + 1), b));
    }
    series.push(scene::curve(&SERIES[2], "", &curves.waiting));
    Scene {
        headline: Some(Headline {
            key: "omega.headline",
            args: vec![
                t.txns.to_string(),
                t.conflicted.to_string(),
                format!("{:.0}", pct(t.conflicted as f64, t.txns as f64)),
                t.retries.to_string(),
                c.waiting_tasks().to_string(),
            ],
        }),
        bars: bars(c),
        series,
        stats: stats(c),
        panels: panels(c),
    }
}
