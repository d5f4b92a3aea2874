//! What the app draws of Paxos: roles (a proposer preparing, leading or backing off; an
//! acceptor that promised or accepted; a learner that learned), badges, details, the panels
//! (a proposer's round and log, an acceptor's disk, a learner's log and counts), the tiered
//! layout (proposers | acceptors | learners), the headline, the stats and the run summary.

use serde_json::json;

use super::{
    scenarios, texts, value_text, Config, Paxos, Phase, Timer, ACCEPTOR, LEARNER, PARAMS, PROPOSER,
};
use crate::input::Params;
use crate::labs::{net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Stat, Text};
use crate::sim::{NetConfig, Protocol, Sim};

/// Log entries a panel shows (the newest).
const LOG_SHOWN: usize = 12;

fn log_items(log: &std::collections::BTreeMap<u64, u64>) -> Vec<String> {
    let skip = log.len().saturating_sub(LOG_SHOWN);
    let mut items: Vec<String> = log
        .iter()
        .skip(skip)
        .map(|(s, v)| format!("#{s}: {}", value_text(*v)))
        .collect();
    if skip > 0 {
        items.insert(0, format!("… ({skip})"));
    }
    items
}

fn opt_ballot(b: Option<super::Ballot>) -> String {
    b.map_or("-".into(), |b| b.to_string())
}

impl Paxos {
    fn slot0(&self) -> String {
        self.log.get(&0).map_or("-".into(), |v| value_text(*v))
    }
}

impl NetLab for Paxos {
    const ID: &'static str = "paxos";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "acceptors";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.nodes();
        (cfg, net_config(p), n)
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            PROPOSER => match self.phase {
                _ if !self.cfg.multi && self.log.contains_key(&0) => "paxos.decided",
                Phase::Preparing { .. } => "paxos.preparing",
                Phase::Leading { .. } => "paxos.leading",
                Phase::Idle if self.backing_off => "paxos.backing_off",
                Phase::Idle => "paxos.idle",
            },
            ACCEPTOR => {
                if !self.accepted.is_empty() {
                    "paxos.has_accepted"
                } else if self.promised.is_some() {
                    "paxos.has_promised"
                } else {
                    "paxos.fresh"
                }
            }
            _ => {
                if self.log.is_empty() {
                    "paxos.unaware"
                } else {
                    "paxos.learned"
                }
            }
        }
    }

    fn badge(&self) -> String {
        match self.kind() {
            PROPOSER => match self.ballot() {
                Some(b) => format!("n={}", b.round),
                None if !self.cfg.multi => self.slot0(),
                None => format!("{}", self.log.len()),
            },
            ACCEPTOR => {
                let p = self.promised.map_or("-".into(), |b| b.round.to_string());
                match self.accepted.values().next_back() {
                    Some(v) if !self.cfg.multi => format!("{p}|{}", value_text(v.value)),
                    Some(_) => format!("{p}|{}", self.accepted.len()),
                    None => p,
                }
            }
            _ if self.cfg.multi => format!("{}", self.log.len()),
            _ => self.slot0(),
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        match self.kind() {
            PROPOSER => {
                let mut d = vec![
                    ("paxos.ballot", opt_ballot(self.ballot())),
                    (
                        "paxos.value",
                        self.queue
                            .iter()
                            .map(|v| value_text(*v))
                            .collect::<Vec<_>>()
                            .join(" "),
                    ),
                    ("paxos.max_round", self.max_round.to_string()),
                    ("paxos.rounds", self.rounds.to_string()),
                    ("paxos.preempted", self.preempted.to_string()),
                ];
                if self.cfg.multi {
                    d.push(("paxos.skipped", self.skipped.to_string()));
                } else {
                    d.push(("paxos.chosen", self.slot0()));
                }
                d
            }
            ACCEPTOR => vec![
                ("paxos.promised", opt_ballot(self.promised)),
                (
                    "paxos.accepted",
                    match self.accepted.get(&0) {
                        Some(v) if !self.cfg.multi => {
                            format!("[n={}, v={}]", v.ballot, value_text(v.value))
                        }
                        _ => self.accepted.len().to_string(),
                    },
                ),
            ],
            _ => vec![
                ("paxos.chosen", self.slot0()),
                ("paxos.log_len", self.log.len().to_string()),
            ],
        }
    }

    fn panels(&self) -> Vec<Panel> {
        match self.kind() {
            PROPOSER => {
                let mut rows = vec![("paxos.row.ballot", opt_ballot(self.ballot()))];
                if let Phase::Preparing {
                    promises, reported, ..
                } = &self.phase
                {
                    rows.push(("paxos.row.promises", promises.count_ones().to_string()));
                    rows.push((
                        "paxos.row.reported",
                        if reported.is_empty() {
                            "no previous".into()
                        } else {
                            reported
                                .values()
                                .map(|v| {
                                    format!(
                                        "#{}:[n={}, v={}]",
                                        v.slot,
                                        v.ballot,
                                        value_text(v.value)
                                    )
                                })
                                .collect::<Vec<_>>()
                                .join(" ")
                        },
                    ));
                }
                rows.push((
                    "paxos.row.inflight",
                    self.inflight
                        .iter()
                        .map(|(s, f)| {
                            format!("#{s}:{} ({})", value_text(f.value), f.acks.count_ones())
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                ));
                vec![
                    Panel::Rows {
                        title: "paxos.panel.round",
                        rows,
                    },
                    Panel::List {
                        title: "paxos.panel.log",
                        items: log_items(&self.log),
                    },
                ]
            }
            ACCEPTOR => vec![
                Panel::Rows {
                    title: "paxos.panel.disk",
                    rows: vec![("paxos.row.promised", opt_ballot(self.promised))],
                },
                Panel::Table {
                    title: "paxos.panel.accepted",
                    columns: vec!["paxos.col.slot", "paxos.col.n", "paxos.col.v"],
                    rows: self
                        .accepted
                        .values()
                        .rev()
                        .take(LOG_SHOWN)
                        .map(|v| {
                            vec![
                                v.slot.to_string(),
                                v.ballot.to_string(),
                                value_text(v.value),
                            ]
                        })
                        .collect(),
                },
            ],
            _ => vec![
                Panel::List {
                    title: "paxos.panel.log",
                    items: log_items(&self.log),
                },
                Panel::Table {
                    title: "paxos.panel.tally",
                    columns: vec![
                        "paxos.col.slot",
                        "paxos.col.n",
                        "paxos.col.v",
                        "paxos.col.acceptors",
                    ],
                    rows: self
                        .tally
                        .iter()
                        .take(LOG_SHOWN)
                        .map(|((s, b), (v, bits))| {
                            vec![
                                s.to_string(),
                                b.to_string(),
                                value_text(*v),
                                format!("{}/{}", bits.count_ones(), self.cfg.acceptors),
                            ]
                        })
                        .collect(),
                },
            ],
        }
    }

    fn arc_timer(timer: Timer) -> bool {
        matches!(timer, Timer::Retry)
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec![
                Self::KINDS[PROPOSER].id,
                Self::KINDS[ACCEPTOR].id,
                Self::KINDS[LEARNER].id,
            ],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let nodes: Vec<&Paxos> = (0..sim.n()).map(|i| sim.node(i)).collect();
        let chosen: Vec<serde_json::Value> = m
            .chosen
            .iter()
            .map(|(s, v)| json!({"slot": s, "value": value_text(*v)}))
            .collect();
        let learners: Vec<serde_json::Value> = nodes
            .iter()
            .filter(|p| p.kind() == LEARNER)
            .map(|p| {
                json!({
                    "node": p.label(),
                    "log": p.log.values().map(|v| value_text(*v)).collect::<Vec<_>>(),
                })
            })
            .collect();
        let acceptors: Vec<serde_json::Value> = nodes
            .iter()
            .filter(|p| p.kind() == ACCEPTOR)
            .map(|p| {
                json!({
                    "node": p.label(),
                    "promised": opt_ballot(p.promised),
                    "accepted": p.accepted.len(),
                })
            })
            .collect();
        json!({
            "chosen": chosen,
            "rounds": m.rounds,
            "preempted": m.preempted,
            "messages": m.messages,
            "faults": m.faults,
            "violations": m.violations,
            "learners": learners,
            "acceptors": acceptors,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let cfg = sim.node(0).config();
        if m.violations > 0 {
            return Headline {
                key: "paxos.headline.broken",
                args: vec![m.violations.to_string()],
            };
        }
        if cfg.multi {
            return Headline {
                key: "paxos.headline.log",
                args: vec![
                    m.chosen.len().to_string(),
                    m.rounds.to_string(),
                    m.skipped.to_string(),
                ],
            };
        }
        match m.chosen.get(&0) {
            Some(&v) => Headline {
                key: "paxos.headline.chosen",
                args: vec![
                    value_text(v),
                    m.rounds.to_string(),
                    learners_knowing(sim, 0).to_string(),
                    cfg.learners.to_string(),
                ],
            },
            None => Headline {
                key: "paxos.headline.none",
                args: vec![m.rounds.to_string(), m.preempted.to_string()],
            },
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let decisions = m.chosen.len() as f64;
        let per = |x: u64| {
            if decisions > 0.0 {
                x as f64 / decisions
            } else {
                0.0
            }
        };
        let mut stats = vec![
            Stat::new("paxos.decisions", decisions),
            Stat::new("paxos.rounds", m.rounds as f64),
            Stat::new("paxos.preempted", m.preempted as f64),
            Stat::new("paxos.skipped", m.skipped as f64),
            Stat::new("paxos.messages", m.messages as f64),
            Stat::new("paxos.messages_per_decision", per(m.messages)),
            Stat::new("paxos.learn_messages", m.learn_messages as f64),
            Stat::new("paxos.learn_per_decision", per(m.learn_messages)),
            Stat::new("paxos.learned", m.learned as f64),
        ];
        if let Some(&v) = m.chosen.get(&0) {
            if v != super::NOOP {
                stats.insert(0, Stat::new("paxos.chosen_value", v as f64));
            }
            stats.push(Stat::new(
                "paxos.learners_unaware",
                (sim.node(0).config().learners - learners_knowing(sim, 0)) as f64,
            ));
        }
        stats
    }
}

/// Learners that know the value of `slot`.
pub fn learners_knowing(sim: &Sim<Paxos>, slot: u64) -> usize {
    (0..sim.n())
        .map(|i| sim.node(i))
        .filter(|p| p.kind() == LEARNER && p.log.contains_key(&slot))
        .count()
}
