//! What the app draws of the gossip lab: nodes coloured by whether they hold the newest write
//! (and, mongering, whether they are still hot about it), each node's store with versions,
//! the headline, counters, the infection and message charts, and the run summary.

use serde_json::json;

use super::{scenarios, texts, Config, Gossip, Mode, Timer, PARAMS};
use crate::input::Params;
use crate::labs::{
    net_config, Group, Headline, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::sim::{NetConfig, NodeStatus, Sim};
use crate::{NodeId, MS};

pub const SERIES: &[SeriesSpec] = &[
    SeriesSpec::step("gossip.infected", ""),
    SeriesSpec::step("gossip.messages", ""),
];

/// Nodes lacking the newest write, over all nodes (Demers' residue); 0 before any write.
fn residue(sim: &Sim<Gossip>) -> f64 {
    let m = sim.monitor();
    if m.newest.is_none() {
        return 0.0;
    }
    (sim.n() - m.infected) as f64 / sim.n().max(1) as f64
}

impl NetLab for Gossip {
    const ID: &'static str = "gossip";
    const GROUP: Group = Group::Storage;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const SERIES: &'static [SeriesSpec] = SERIES;
    const DEMO: &'static [(&'static str, f64)] = &[("writes", 0.5)];

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.nodes;
        (cfg, net_config(p), n)
    }

    fn lessons(cfg: &Config) -> Vec<&'static str> {
        if cfg.mode.anti_entropy() {
            Vec::new()
        } else {
            vec!["gossip.converged"]
        }
    }

    fn role(&self) -> &'static str {
        if !self.hot.is_empty() {
            "gossip.hot"
        } else if self.store.is_empty() {
            "gossip.susceptible"
        } else if self.config().mode == Mode::Rumor {
            "gossip.removed"
        } else {
            "gossip.infected"
        }
    }

    fn role_in(sim: &Sim<Self>, id: NodeId) -> &'static str {
        let p = sim.node(id);
        let m = sim.monitor();
        match m.newest {
            Some(_) if !m.holds_newest(id) => "gossip.susceptible",
            _ => p.role(),
        }
    }

    fn badge(&self) -> String {
        let sum: u64 = self.store.iter().map(|(_, e)| e.version.seq).sum();
        format!("Σ{sum}")
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let mut d = vec![
            ("gossip.mode", self.config().mode.name().to_string()),
            ("gossip.keys", self.store.len().to_string()),
            (
                "gossip.last_write",
                self.last_write
                    .map_or("-".into(), |(k, v)| format!("{k} {v}")),
            ),
            ("gossip.rounds", self.rounds.to_string()),
            ("gossip.sent", self.sent.to_string()),
            ("gossip.useful", self.useful.to_string()),
            ("gossip.redundant", self.redundant.to_string()),
        ];
        if self.config().mode == Mode::Rumor {
            d.push(("gossip.hot", self.hot.len().to_string()));
        }
        d
    }

    fn panels(&self) -> Vec<Panel> {
        let rows = self
            .store
            .iter()
            .map(|(k, e)| vec![k.to_string(), e.value.to_string(), e.version.to_string()])
            .collect();
        let mut panels = vec![Panel::Table {
            title: "gossip.panel.store",
            columns: vec!["gossip.col.key", "gossip.col.value", "gossip.col.version"],
            rows,
        }];
        if self.config().mode == Mode::Rumor {
            panels.push(Panel::List {
                title: "gossip.panel.hot",
                items: self
                    .hot
                    .iter()
                    .map(|h| format!("{} {} ({}/{})", h.key, h.version, h.misses, self.config().k))
                    .collect(),
            });
        }
        panels
    }

    fn arc_timer(timer: Timer) -> bool {
        timer == Timer::Round
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let n = sim.n();
        let cfg = sim.node(0).config();
        json!({
            "mode": cfg.mode.name(),
            "nodes": n,
            "fanout": cfg.fanout,
            "writes": m.writes,
            "newest": m.newest.map(|w| format!("{} {}", w.key, w.version)),
            "infected": m.infected,
            "full_rounds": m.full_rounds,
            "full_ms": m.full_at.map(|t| t as f64 / MS as f64),
            "sent": m.sent,
            "useful": m.useful,
            "redundant": m.redundant,
            "messages_per_node": m.sent as f64 / n.max(1) as f64,
            "residue": residue(sim),
            "up": (0..n).filter(|&i| sim.status(i) == NodeStatus::Up).count(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let n = sim.n();
        let Some(w) = m.newest else {
            return Headline {
                key: "gossip.headline.none",
                args: Vec::new(),
            };
        };
        let write = format!("{} {}", w.key, w.version);
        match m.full_rounds {
            Some(r) => Headline {
                key: "gossip.headline.full",
                args: vec![n.to_string(), write, format!("{r:.1}")],
            },
            None => Headline {
                key: "gossip.headline.spreading",
                args: vec![m.infected.to_string(), n.to_string(), write],
            },
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let n = sim.n().max(1) as f64;
        let received = (m.useful + m.redundant).max(1) as f64;
        let mut v = vec![
            Stat::new("gossip_infected", m.infected as f64),
            Stat::new("gossip_residue", residue(sim)),
            Stat::new("gossip_msgs_per_node", m.sent as f64 / n),
            Stat::new("gossip_useful", m.useful as f64),
            Stat::new("gossip_redundant", m.redundant as f64),
            Stat::new("gossip_redundant_share", m.redundant as f64 / received),
        ];
        if let Some(r) = m.full_rounds {
            v.push(Stat::new("gossip_full_rounds", r));
        }
        if let Some(k) = m.full_msgs {
            v.push(Stat::new("gossip_full_msgs_per_node", k as f64 / n));
        }
        if m.spreads > 0 {
            v.push(Stat::new(
                "gossip_rounds_mean",
                m.rounds_sum / m.spreads as f64,
            ));
        }
        v
    }

    fn series(sim: &Sim<Self>) -> Vec<Series> {
        let m = sim.monitor();
        let mut infected = Series::of(&SERIES[0], "", m.infected_curve.points().to_vec());
        infected.threshold = Some(sim.n() as f64);
        vec![
            infected,
            Series::of(
                &SERIES[1],
                "gossip.curve.useful",
                m.useful_curve.points().to_vec(),
            ),
            Series::of(
                &SERIES[1],
                "gossip.curve.redundant",
                m.redundant_curve.points().to_vec(),
            ),
        ]
    }
}
