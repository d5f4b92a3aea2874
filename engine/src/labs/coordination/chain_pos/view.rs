//! What the app draws of the proof-of-stake lab: each validator's stake, coin age and place
//! in the coming slot, its chain (newest blocks first with their minter and place), the
//! curves (stake shares, Gini), the headline, the stats and the run summary.

use serde_json::json;

use super::ledger::{gini, short, Block, MILLI};
use super::{check_params, scenarios, texts, Config, Pos, PARAMS, TEXT_PARAMS};
use crate::input::Params;
use crate::labs::{
    net_config, Group, Headline, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::params::{InputError, TextSpec};
use crate::sim::{NetConfig, NodeStatus, Sim};

const BLOCKS_SHOWN: usize = 8;

const SERIES: &[SeriesSpec] = &[
    SeriesSpec::line("chain-pos.share", ""),
    SeriesSpec::line("chain-pos.gini", ""),
];

fn coins(c: u64) -> String {
    format!("{:.1}", c as f64 / MILLI as f64)
}

/// The running node with the best tip (the lowest id of those); any node if none runs.
fn best(sim: &Sim<Pos>) -> &Pos {
    let mut b: Option<&Pos> = None;
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

/// Slots whose first choice minted no block on the best chain (up to its tip's slot).
fn missed(tip: &Block, p: &Pos) -> u64 {
    let first = p
        .chain
        .iter()
        .skip(1)
        .filter_map(|h| p.blocks.get(h))
        .filter(|b| b.rank == 0)
        .count() as u64;
    tip.slot.saturating_sub(first)
}

fn top_share(tip: &Block) -> f64 {
    (0..tip.coins.len())
        .map(|v| tip.share(v))
        .fold(0.0, f64::max)
}

fn interest_paid(tip: &Block, cfg: &Config) -> f64 {
    let start: u64 = cfg.stakes.iter().sum::<u64>() * MILLI;
    tip.total().saturating_sub(start) as f64 / MILLI as f64
}

impl Pos {
    fn ledger_panel(&self) -> Panel {
        let tip = self.tip();
        let rules = self.config().rules;
        let next = tip.slot + 1;
        let ranking = rules.ranking(tip, next, self.config().broken_ignore_age);
        let ages = rules.ages(tip, next, false);
        let day = rules.day_ms.max(1) as f64;
        Panel::Table {
            title: "pos.panel.ledger",
            columns: vec![
                "pos.col.validator",
                "pos.col.coins",
                "pos.col.share",
                "pos.col.coin_age",
                "pos.col.place",
            ],
            rows: (0..tip.coins.len())
                .map(|v| {
                    let age = ages.get(v).copied().unwrap_or(0) as f64 / MILLI as f64 / day;
                    vec![
                        format!("v{}", v + 1),
                        coins(tip.coins[v]),
                        format!("{:.1}%", tip.share(v) * 100.0),
                        format!("{age:.0}"),
                        ranking
                            .iter()
                            .position(|&x| x == v)
                            .map_or("-".into(), |i| (i + 1).to_string()),
                    ]
                })
                .collect(),
        }
    }

    fn chain_panels(&self) -> Vec<Panel> {
        let tip = self.tip();
        vec![
            Panel::Rows {
                title: "pos.panel.chain",
                rows: vec![
                    ("pos.row.height", self.height().to_string()),
                    ("pos.row.tip", short(&tip.hash, 12)),
                    ("pos.row.slot", tip.slot.to_string()),
                    ("pos.row.minted", self.minted.to_string()),
                    ("pos.row.reorgs", self.reorgs.to_string()),
                    ("pos.row.waiting", self.pool.len().to_string()),
                    ("pos.row.gini", format!("{:.3}", gini(&tip.coins))),
                ],
            },
            Panel::Table {
                title: "pos.panel.blocks",
                columns: vec![
                    "pos.col.height",
                    "pos.col.slot",
                    "pos.col.minter",
                    "pos.col.place",
                    "pos.col.hash",
                ],
                rows: self
                    .chain
                    .iter()
                    .rev()
                    .take(BLOCKS_SHOWN)
                    .filter_map(|h| self.blocks.get(h))
                    .filter(|b| b.index > 0)
                    .map(|b| {
                        vec![
                            b.index.to_string(),
                            b.slot.to_string(),
                            format!("v{}", b.minter + 1),
                            (b.rank + 1).to_string(),
                            short(&b.hash, 10),
                        ]
                    })
                    .collect(),
            },
        ]
    }
}

impl NetLab for Pos {
    const ID: &'static str = "chain-pos";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const TEXT_PARAMS: &'static [TextSpec] = TEXT_PARAMS;
    const SIZE: &'static str = "validators";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const SERIES: &'static [SeriesSpec] = SERIES;

    fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
        check_params(p, errors);
    }

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.validators;
        (cfg, net_config(p), n)
    }

    fn role(&self) -> &'static str {
        if self.turn.is_some() {
            "pos.waiting"
        } else {
            "pos.validator"
        }
    }

    fn badge(&self) -> String {
        let tip = self.tip();
        format!("{}%", (tip.share(self.id) * 100.0).round())
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let tip = self.tip();
        vec![
            ("pos.height", self.height().to_string()),
            (
                "pos.coins",
                coins(tip.coins.get(self.id).copied().unwrap_or(0)),
            ),
            ("pos.share", format!("{:.1}%", tip.share(self.id) * 100.0)),
            ("pos.minted", self.minted.to_string()),
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
        let m = sim.monitor();
        let mut out: Vec<Series> = m
            .shares
            .iter()
            .enumerate()
            .map(|(v, buf)| Series::of(&SERIES[0], format!("v{}", v + 1), buf.points().to_vec()))
            .collect();
        out.push(Series::of(&SERIES[1], "", m.gini.points().to_vec()));
        out
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let b = best(sim);
        let tip = b.tip();
        json!({
            "height": b.height(),
            "blocks_minted": m.minted,
            "missed_slots": missed(tip, b),
            "fallback_blocks": m.fallback,
            "reorgs": m.reorgs,
            "gini": gini(&tip.coins),
            "top_share": top_share(tip),
            "interest_paid": interest_paid(tip, b.config()),
            "shares": (0..tip.coins.len()).map(|v| tip.share(v)).collect::<Vec<_>>(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let b = best(sim);
        let tip = b.tip();
        let (top, _) = (0..tip.coins.len()).fold((0, 0.0), |(bv, bs), v| {
            if tip.share(v) > bs {
                (v, tip.share(v))
            } else {
                (bv, bs)
            }
        });
        Headline {
            key: "pos.headline",
            args: vec![
                b.height().to_string(),
                missed(tip, b).to_string(),
                format!("{:.3}", gini(&tip.coins)),
                format!("v{}", top + 1),
                format!("{:.0}", top_share(tip) * 100.0),
            ],
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let b = best(sim);
        let tip = b.tip();
        vec![
            Stat::new("pos.height", b.height() as f64),
            Stat::new("pos.blocks_minted", m.minted as f64),
            Stat::new("pos.missed_slots", missed(tip, b) as f64),
            Stat::new("pos.fallback_blocks", m.fallback as f64),
            Stat::new("pos.reorgs", m.reorgs as f64),
            Stat::new("pos.gini", (gini(&tip.coins) * 1000.0).round() / 1000.0),
            Stat::new("pos.top_share", (top_share(tip) * 1000.0).round() / 1000.0),
            Stat::new(
                "pos.interest_paid",
                (interest_paid(tip, b.config()) * 10.0).round() / 10.0,
            ),
        ]
    }
}
