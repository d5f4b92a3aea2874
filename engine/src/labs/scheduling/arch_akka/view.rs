//! What the app draws of the Akka cluster: roles by member status, badges, details (ring,
//! watchers, convergence), the member table, the hash-ring layout, headline, stats, the
//! rounds-to-converge chart and the run summary.

use serde_json::json;

use super::gossip::{bit, Status};
use super::{name, ring, scenarios, texts, ArchAkka, Config, Phase, Timer, PARAMS};
use crate::input::Params;
use crate::labs::{
    net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::sim::{NetConfig, NodeStatus, Sim};
use crate::{NodeId, MS};

const SERIES: &[SeriesSpec] = &[SeriesSpec::scatter("arch-akka.rounds", "")];

fn list(nodes: &[NodeId]) -> String {
    nodes.iter().map(|&n| name(n)).collect::<Vec<_>>().join(" ")
}

/// Live nodes in a cluster.
fn members(sim: &Sim<ArchAkka>) -> impl Iterator<Item = &ArchAkka> + '_ {
    (0..sim.n())
        .filter(move |&i| sim.status(i) != NodeStatus::Down)
        .map(move |i| sim.node(i))
        .filter(|p| p.in_cluster())
}

/// Nodes that act as leader in their own view (several only while views differ).
fn leaders(sim: &Sim<ArchAkka>) -> Vec<NodeId> {
    members(sim)
        .filter(|p| p.is_leader())
        .map(|p| p.id)
        .collect()
}

impl NetLab for ArchAkka {
    const ID: &'static str = "arch-akka";
    const GROUP: Group = Group::Scheduling;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const SERIES: &'static [SeriesSpec] = SERIES;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.nodes;
        (cfg, net_config(p), n)
    }

    fn role(&self) -> &'static str {
        match self.phase {
            Phase::Off | Phase::Asking | Phase::Joining { .. } => "arch-akka.outside",
            Phase::Left => "arch-akka.left",
            Phase::Member if self.is_leader() => "leader",
            Phase::Member => match self.me().map(|m| m.status) {
                Some(Status::Joining) => "arch-akka.joining",
                Some(Status::Up) => "arch-akka.up",
                Some(Status::Leaving) => "arch-akka.leaving",
                Some(Status::Exiting) => "arch-akka.exiting",
                _ => "arch-akka.left",
            },
        }
    }

    fn badge(&self) -> String {
        let seed = if self.is_seed() { "S" } else { "" };
        match self.me() {
            Some(m) if self.phase == Phase::Member => {
                let conv = if self.g.converged() { "✓" } else { "…" };
                format!("{seed}{}{conv}", &m.status.word()[..1].to_uppercase())
            }
            _ => seed.to_string(),
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let r = ring::of(&self.g);
        let k = ring::k_for(r.len(), self.cfg.k);
        let unreachable: Vec<NodeId> = self
            .g
            .members
            .iter()
            .filter(|m| m.status.active() && self.g.unreachable(m.node, m.uid))
            .map(|m| m.node)
            .collect();
        let unseen: Vec<NodeId> = (0..self.fd.len())
            .filter(|&i| self.g.needed() & bit(i) != 0 && self.g.seen & bit(i) == 0)
            .collect();
        let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
        vec![
            ("arch-akka.seed", yes(self.is_seed())),
            ("arch-akka.incarnation", self.uid().to_string()),
            (
                "arch-akka.status",
                self.me().map_or("-", |m| m.status.word()).to_string(),
            ),
            ("arch-akka.leader", self.leader().map_or("-".into(), name)),
            ("arch-akka.converged", yes(self.g.converged())),
            ("arch-akka.not_seen", list(&unseen)),
            ("arch-akka.unreachable", list(&unreachable)),
            ("arch-akka.k", k.to_string()),
            ("arch-akka.watches", list(&ring::watched_by(&r, self.id, k))),
            (
                "arch-akka.watched_by",
                list(&ring::watchers(&r, self.id, k)),
            ),
            ("arch-akka.ring", list(&r)),
            (
                "arch-akka.vc",
                self.g
                    .vc
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ]
    }

    fn panels(&self) -> Vec<Panel> {
        if self.g.is_empty() {
            return Vec::new();
        }
        let rows = self
            .g
            .members
            .iter()
            .filter(|m| m.status != Status::Removed || self.g.latest(m.node) == Some(m))
            .map(|m| {
                vec![
                    format!("{}#{}", name(m.node), m.uid),
                    m.status.word().to_string(),
                    if self.g.unreachable(m.node, m.uid) {
                        "unreachable"
                    } else {
                        "ok"
                    }
                    .to_string(),
                    if self.g.seen & bit(m.node) != 0 {
                        "✓"
                    } else {
                        ""
                    }
                    .to_string(),
                ]
            })
            .collect();
        vec![Panel::Table {
            title: "arch-akka.panel.members",
            columns: vec![
                "arch-akka.col.member",
                "arch-akka.col.status",
                "arch-akka.col.reach",
                "arch-akka.col.seen",
            ],
            rows,
        }]
    }

    fn arc_timer(timer: Timer) -> bool {
        matches!(timer, Timer::Retry | Timer::SeedWait | Timer::Boot)
    }

    fn layout(sim: &Sim<Self>) -> Layout {
        Layout::Ring {
            order: ring::order(0..sim.n()),
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let up = members(sim)
            .filter(|p| p.me().is_some_and(|m| m.status == Status::Up))
            .count();
        json!({
            "members": members(sim).count(),
            "up": up,
            "leaders": leaders(sim).iter().map(|&i| i + 1).collect::<Vec<_>>(),
            "agreed": m.agreed,
            "moves": m.moves,
            "bad_moves": m.bad_moves,
            "downs": m.downs,
            "unreachable_marks": m.unreachable_marks,
            "joins": m.joins,
            "episodes": m.episodes,
            "formed_ms": m.formed_at.map(|t| t as f64 / MS as f64),
            "faults": m.faults,
            "now_ms": sim.now() as f64 / MS as f64,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let n = members(sim).count();
        if n == 0 {
            return Headline {
                key: "arch-akka.headline.none",
                args: Vec::new(),
            };
        }
        let ls = leaders(sim);
        let leader = if ls.is_empty() { "-".into() } else { list(&ls) };
        let key = if sim.monitor().agreed {
            "arch-akka.headline.agreed"
        } else {
            "arch-akka.headline.spreading"
        };
        Headline {
            key,
            args: vec![n.to_string(), leader],
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let mut v = vec![
            Stat::new("akka_members", members(sim).count() as f64),
            Stat::new("akka_episodes", m.episodes as f64),
            Stat::new(
                "akka_rounds_mean",
                if m.episodes > 0 {
                    m.rounds_sum / m.episodes as f64
                } else {
                    0.0
                },
            ),
            Stat::new("akka_rounds_max", m.rounds_max),
            Stat::new("akka_unreachable_marks", m.unreachable_marks as f64),
            Stat::new("akka_moves", m.moves as f64),
            Stat::new("akka_downs", m.downs as f64),
        ];
        if let Some(t) = m.formed_at {
            let cfg = sim.node(0).config();
            let last_start = cfg.stagger * (cfg.nodes as u64).saturating_sub(1);
            v.push(Stat::new(
                "akka_formed_rounds",
                t.saturating_sub(last_start) as f64 / cfg.gossip.max(1) as f64,
            ));
        }
        v
    }

    fn series(sim: &Sim<Self>) -> Vec<Series> {
        vec![Series::of(
            &SERIES[0],
            "",
            sim.monitor().rounds.points().to_vec(),
        )]
    }

    fn leader(sim: &Sim<Self>) -> Option<NodeId> {
        leaders(sim).first().copied()
    }
}
