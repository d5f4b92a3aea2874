//! What the app draws of the DPoS lab: each node's role in its chain's current term
//! (delegate, standby, set aside), the vote tally, its chain, the curves (blocks per delegate,
//! missed slots, finality delay), the headline, the stats and the run summary.

use serde_json::json;

use super::ledger::{names, short};
use super::{check_params, scenarios, texts, Config, Dpos, PARAMS, TEXT_PARAMS};
use crate::input::Params;
use crate::labs::{
    net_config, Group, Headline, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::params::{InputError, TextSpec};
use crate::sim::{NetConfig, NodeStatus, Sim};
use crate::{NodeId, MS};

const BLOCKS_SHOWN: usize = 8;

const SERIES: &[SeriesSpec] = &[
    SeriesSpec::step("chain-dpos.blocks", ""),
    SeriesSpec::step("chain-dpos.missed", ""),
    SeriesSpec::scatter("chain-dpos.finality", "ms"),
];

/// The running node with the best tip (the lowest id of those); any node if none runs.
fn best(sim: &Sim<Dpos>) -> &Dpos {
    let mut b: Option<&Dpos> = None;
    for i in 0..sim.n() {
        let p = sim.node(i);
        if sim.status(i) == NodeStatus::Up
            && b.is_none_or(|q| super::node::better(p.tip(), q.tip()))
        {
            b = Some(p);
        }
    }
    b.unwrap_or_else(|| sim.node(0))
}

/// Along a chain: blocks produced and slots missed per candidate, and the running totals.
pub struct ChainCount {
    pub blocks: Vec<u64>,
    pub missed: Vec<u64>,
    /// (time µs, producer, its blocks so far) per block; (time µs, missed so far) per gap.
    pub block_points: Vec<(u64, NodeId, u64)>,
    pub missed_points: Vec<(u64, u64)>,
}

impl Dpos {
    pub fn count(&self) -> ChainCount {
        let rules = &self.config().rules;
        let n = rules.holders();
        let mut c = ChainCount {
            blocks: vec![0; n],
            missed: vec![0; n],
            block_points: Vec::new(),
            missed_points: vec![(0, 0)],
        };
        let mut total_missed = 0;
        for w in self.chain.windows(2) {
            let (Some(a), Some(b)) = (self.blocks.get(&w[0]), self.blocks.get(&w[1])) else {
                continue;
            };
            if b.slot > a.slot + 1 {
                for s in a.slot + 1..b.slot {
                    if let Some(p) = rules.producer(&a.state, s) {
                        c.missed[p] += 1;
                    }
                    total_missed += 1;
                }
                c.missed_points.push((b.produced_at * MS, total_missed));
            }
            if let Some(x) = c.blocks.get_mut(b.producer) {
                *x += 1;
                c.block_points.push((b.produced_at * MS, b.producer, *x));
            }
        }
        c
    }

    /// My role on my own chain: delegate this term, standby, set aside, or holder.
    fn status(&self) -> &'static str {
        let s = &self.tip().state;
        let rules = &self.config().rules;
        if s.jailed & (1 << self.id) != 0 {
            "dpos.jailed"
        } else if s.delegates.contains(&self.id) {
            "dpos.delegate"
        } else if rules.ranking(s).get(rules.k) == Some(&self.id) {
            "dpos.standby"
        } else {
            "dpos.holder"
        }
    }

    fn ledger_panel(&self) -> Panel {
        let s = &self.tip().state;
        let rules = &self.config().rules;
        let tally = rules.tally(s);
        let rank = rules.ranking(s);
        Panel::Table {
            title: "dpos.panel.ledger",
            columns: vec![
                "dpos.col.candidate",
                "dpos.col.stake",
                "dpos.col.votes",
                "dpos.col.rank",
                "dpos.col.misses",
                "dpos.col.approves",
            ],
            rows: (0..rules.holders())
                .map(|v| {
                    let place = rank.iter().position(|&x| x == v).map_or(0, |i| i + 1);
                    let mark = if s.delegates.contains(&v) {
                        "★"
                    } else if s.jailed & (1 << v) != 0 {
                        "✗"
                    } else {
                        ""
                    };
                    vec![
                        format!("v{}{mark}", v + 1),
                        rules.stakes[v].to_string(),
                        tally[v].to_string(),
                        place.to_string(),
                        s.misses[v].to_string(),
                        names(s.votes[v]),
                    ]
                })
                .collect(),
        }
    }

    fn chain_panels(&self) -> Vec<Panel> {
        let tip = self.tip();
        let rules = &self.config().rules;
        let next = tip.slot + 1;
        vec![
            Panel::Rows {
                title: "dpos.panel.chain",
                rows: vec![
                    ("dpos.row.height", self.height().to_string()),
                    ("dpos.row.final", self.lib.to_string()),
                    ("dpos.row.tip", short(&tip.hash, 12)),
                    ("dpos.row.term", tip.state.term.to_string()),
                    (
                        "dpos.row.order",
                        {
                            let k = rules.k.max(1) as u64;
                            let start = next.div_ceil(k) * k;
                            (start..start + k)
                                .filter_map(|x| rules.producer(&tip.state, x))
                                .map(|v| format!("v{}", v + 1))
                                .collect::<Vec<_>>()
                        }
                        .join(" → "),
                    ),
                    (
                        "dpos.row.pending",
                        if tip.state.pending.is_empty() {
                            "-".into()
                        } else {
                            format!(
                                "{} ({}/{})",
                                tip.state
                                    .pending
                                    .iter()
                                    .map(|v| format!("v{}", v + 1))
                                    .collect::<Vec<_>>()
                                    .join(" "),
                                tip.state.confirms.count_ones(),
                                rules.quorum()
                            )
                        },
                    ),
                    ("dpos.row.produced", self.produced.to_string()),
                    ("dpos.row.reorgs", self.reorgs.to_string()),
                    ("dpos.row.approves", names(self.approves)),
                    ("dpos.row.outbox", self.outbox.len().to_string()),
                ],
            },
            Panel::Table {
                title: "dpos.panel.blocks",
                columns: vec![
                    "dpos.col.height",
                    "dpos.col.slot",
                    "dpos.col.producer",
                    "dpos.col.txs",
                    "dpos.col.hash",
                ],
                rows: self
                    .chain
                    .iter()
                    .rev()
                    .take(BLOCKS_SHOWN)
                    .filter_map(|h| self.blocks.get(h))
                    .filter(|b| b.index > 0)
                    .map(|b| {
                        let fin = if b.index <= self.lib { " ✓" } else { "" };
                        vec![
                            format!("{}{fin}", b.index),
                            b.slot.to_string(),
                            format!("v{}", b.producer + 1),
                            b.txs.len().to_string(),
                            short(&b.hash, 10),
                        ]
                    })
                    .collect(),
            },
        ]
    }
}

fn missed_total(c: &ChainCount) -> u64 {
    c.missed.iter().sum()
}

impl NetLab for Dpos {
    const ID: &'static str = "chain-dpos";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const TEXT_PARAMS: &'static [TextSpec] = TEXT_PARAMS;
    const SIZE: &'static str = "holders";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const SERIES: &'static [SeriesSpec] = SERIES;

    fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
        check_params(p, errors);
    }

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.holders();
        (cfg, net_config(p), n)
    }

    fn role(&self) -> &'static str {
        self.status()
    }

    fn badge(&self) -> String {
        let s = &self.tip().state;
        self.config().rules.tally(s)[self.id].to_string()
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let s = &self.tip().state;
        let rules = &self.config().rules;
        vec![
            ("dpos.stake", rules.stakes[self.id].to_string()),
            ("dpos.votes", rules.tally(s)[self.id].to_string()),
            ("dpos.height", self.height().to_string()),
            ("dpos.final", self.lib.to_string()),
            ("dpos.produced", self.produced.to_string()),
        ]
    }

    fn panels(&self) -> Vec<Panel> {
        let mut panels = vec![self.ledger_panel()];
        panels.extend(self.chain_panels());
        panels
    }

    fn arc_timer(_timer: super::Timer) -> bool {
        false
    }

    fn series(sim: &Sim<Self>) -> Vec<Series> {
        let b = best(sim);
        let c = b.count();
        let mut out: Vec<Series> = (0..c.blocks.len())
            .filter(|&v| c.blocks[v] > 0)
            .map(|v| {
                let mut pts = vec![(0, 0.0)];
                pts.extend(
                    c.block_points
                        .iter()
                        .filter(|x| x.1 == v)
                        .map(|x| (x.0, x.2 as f64)),
                );
                Series::of(&SERIES[0], format!("v{}", v + 1), pts)
            })
            .collect();
        out.push(Series::of(
            &SERIES[1],
            "",
            c.missed_points
                .iter()
                .map(|&(t, m)| (t, m as f64))
                .collect(),
        ));
        out.push(Series::of(
            &SERIES[2],
            "",
            sim.monitor().finality.points().to_vec(),
        ));
        out
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let b = best(sim);
        let c = b.count();
        let s = &b.tip().state;
        json!({
            "height": b.height(),
            "final_height": b.lib,
            "blocks_produced": m.produced,
            "missed_slots": missed_total(&c),
            "blocks_per_holder": c.blocks,
            "missed_per_holder": c.missed,
            "delegates": s.delegates.iter().map(|v| format!("v{}", v + 1)).collect::<Vec<_>>(),
            "set_aside": names(s.jailed),
            "terms": s.term,
            "reorgs": m.reorgs,
            "mean_finality_ms": m.mean_finality(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let b = best(sim);
        let c = b.count();
        let s = &b.tip().state;
        Headline {
            key: "dpos.headline",
            args: vec![
                b.height().to_string(),
                b.lib.to_string(),
                missed_total(&c).to_string(),
                s.term.to_string(),
                s.delegates
                    .iter()
                    .map(|v| format!("v{}", v + 1))
                    .collect::<Vec<_>>()
                    .join(" "),
            ],
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let b = best(sim);
        let c = b.count();
        vec![
            Stat::new("dpos.height", b.height() as f64),
            Stat::new("dpos.final_height", b.lib as f64),
            Stat::new("dpos.blocks_produced", m.produced as f64),
            Stat::new("dpos.missed_slots", missed_total(&c) as f64),
            Stat::new("dpos.terms", b.tip().state.term as f64),
            Stat::new("dpos.reorgs", m.reorgs as f64),
            Stat::new("dpos.finality_ms", m.mean_finality().round()),
        ]
    }
}
