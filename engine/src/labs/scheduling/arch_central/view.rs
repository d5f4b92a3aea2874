//! What the app draws of the central architecture: roles, badges, details, the master's job
//! table, the tiered layout (client | masters | workers), headline, stats, the master-load
//! chart and the run summary.

use serde_json::json;

use super::{
    name, scenarios, texts, ArchCentral, Config, Job, Timer, CLIENT, MASTER, PARAMS, WORKER,
};
use crate::input::Params;
use crate::labs::{
    net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::sim::{NetConfig, NodeStatus, Protocol, Sim};
use crate::{NodeId, MS};

const SERIES: &[SeriesSpec] = &[SeriesSpec::line("arch-central.load", "msg/s")];

/// Active masters that are up, highest epoch first.
fn masters(sim: &Sim<ArchCentral>) -> Vec<NodeId> {
    let mut m: Vec<NodeId> = (0..sim.n())
        .filter(|&i| {
            let p = sim.node(i);
            p.is_master() && p.active && sim.status(i) != NodeStatus::Down
        })
        .collect();
    m.sort_by_key(|&i| std::cmp::Reverse(sim.node(i).epoch));
    m
}

impl NetLab for ArchCentral {
    const ID: &'static str = "arch-central";
    const GROUP: Group = Group::Scheduling;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "workers";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const SERIES: &'static [SeriesSpec] = SERIES;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.client() + 1;
        (cfg, net_config(p), n)
    }

    /// Without fencing, two masters commanding the same workers is what the lab shows. With
    /// it, a task can still run twice (a partition that gives each side a master and workers,
    /// or a paused master waking with stale heartbeats): fencing orders by epoch does not give
    /// a quorum among the masters, so `one-worker` stays a lesson (see the module doc).
    fn lessons(cfg: &Config) -> Vec<&'static str> {
        if cfg.fencing {
            vec!["arch-central.one-worker"]
        } else {
            vec!["arch-central.one-epoch", "arch-central.one-worker"]
        }
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            MASTER if self.active => "arch-central.master",
            MASTER => "arch-central.standby",
            WORKER if self.running.is_empty() => "arch-central.idle",
            WORKER => "arch-central.busy",
            _ => "arch-central.client",
        }
    }

    fn badge(&self) -> String {
        match self.kind() {
            MASTER => format!("E{}", self.epoch.n),
            WORKER => format!("{}/{}", self.running.len(), self.cfg.slots),
            _ => format!("#{}", self.submitted),
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let list = |it: &mut dyn Iterator<Item = u64>| {
            it.map(|t| format!("t{t}")).collect::<Vec<_>>().join(" ")
        };
        match self.kind() {
            MASTER => {
                let count = |f: fn(&Job) -> bool| self.jobs.values().filter(|j| f(j)).count();
                let alive = (self.cfg.first_worker()..self.cfg.client())
                    .filter(|&w| self.views[w].alive)
                    .count();
                vec![
                    (
                        "arch-central.active",
                        if self.active { "yes" } else { "no" }.into(),
                    ),
                    ("arch-central.epoch", self.epoch.text()),
                    (
                        "arch-central.recovering",
                        if self.recovering { "yes" } else { "no" }.into(),
                    ),
                    (
                        "arch-central.alive",
                        format!("{alive}/{}", self.cfg.workers),
                    ),
                    (
                        "arch-central.pending",
                        count(|j| *j == Job::Pending).to_string(),
                    ),
                    (
                        "arch-central.placed",
                        count(|j| matches!(j, Job::Placed { .. })).to_string(),
                    ),
                    ("arch-central.done", count(|j| *j == Job::Done).to_string()),
                ]
            }
            WORKER => vec![
                ("arch-central.highest", self.highest.text()),
                (
                    "arch-central.running",
                    list(&mut self.running.iter().copied()),
                ),
                ("arch-central.finished", self.finished.len().to_string()),
                ("arch-central.obeyed", self.obeyed.to_string()),
                ("arch-central.refused", self.refused.to_string()),
            ],
            _ => vec![("arch-central.submitted", self.submitted.to_string())],
        }
    }

    fn panels(&self) -> Vec<Panel> {
        if !self.is_master() {
            return Vec::new();
        }
        let rows: Vec<(String, String)> = self
            .jobs
            .iter()
            .rev()
            .take(24)
            .map(|(t, j)| {
                let state = match j {
                    Job::Pending => "pending".to_string(),
                    Job::Placed { on, .. } => name(&self.cfg, *on),
                    Job::Done => "done".to_string(),
                };
                (format!("t{t}"), state)
            })
            .collect();
        vec![Panel::Table {
            title: "arch-central.panel.jobs",
            columns: vec!["arch-central.col.task", "arch-central.col.where"],
            rows: rows.into_iter().map(|(a, b)| vec![a, b]).collect(),
        }]
    }

    fn arc_timer(timer: Timer) -> bool {
        matches!(timer, Timer::Watch | Timer::Recover | Timer::Lease)
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec![
                Self::KINDS[CLIENT].id,
                Self::KINDS[MASTER].id,
                Self::KINDS[WORKER].id,
            ],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let running: usize = (0..sim.n()).map(|i| sim.node(i).running.len()).sum();
        json!({
            "masters": masters(sim).iter().map(|&i| i + 1).collect::<Vec<_>>(),
            "submitted": m.submitted,
            "placed": m.placed,
            "running": running,
            "lost": m.lost,
            "takeovers": m.takeovers,
            "refused": m.refused,
            "double_runs": m.double_runs,
            "epoch_violations": m.epoch_violations,
            "faults": m.faults,
            "now_ms": sim.now() as f64 / MS as f64,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let ms = masters(sim);
        let running: usize = (0..sim.n()).map(|i| sim.node(i).running.len()).sum();
        let cfg = sim.node(0).config();
        match ms.as_slice() {
            [] => Headline {
                key: "arch-central.headline.none",
                args: vec![running.to_string()],
            },
            [m] => Headline {
                key: "arch-central.headline.one",
                args: vec![
                    name(cfg, *m),
                    sim.node(*m).epoch.n.to_string(),
                    running.to_string(),
                ],
            },
            many => Headline {
                key: "arch-central.headline.two",
                args: vec![many
                    .iter()
                    .map(|&m| name(cfg, m))
                    .collect::<Vec<_>>()
                    .join(", ")],
            },
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let secs = sim.now() as f64 / 1_000_000.0;
        let running: usize = (0..sim.n()).map(|i| sim.node(i).running.len()).sum();
        vec![
            Stat::new(
                "ac_master_msgs_per_s",
                if secs > 0.0 {
                    m.master_msgs as f64 / secs
                } else {
                    0.0
                },
            ),
            Stat::new("ac_tasks_running", running as f64),
            Stat::new("ac_workers_lost", m.lost as f64),
            Stat::new("ac_takeovers", m.takeovers as f64),
            Stat::new("ac_orders_refused", m.refused as f64),
        ]
    }

    fn series(sim: &Sim<Self>) -> Vec<Series> {
        vec![Series::of(
            &SERIES[0],
            "",
            sim.monitor().load.points().to_vec(),
        )]
    }

    fn leader(sim: &Sim<Self>) -> Option<NodeId> {
        masters(sim).first().copied()
    }
}
