//! What the app draws of the proof-of-work lab: roles (mining, attacking in private, the
//! client), badges (height), each node's chain view (tip, height, recent blocks, the fork
//! branches it stores), a miner's current template and pending payments, the payments a node
//! watches, the headline, the stats (expected tries 16^k against the measured mean) and the
//! run summary.

use serde_json::json;

use super::chain::{expected_tries, short};
use super::monitor::label;
use super::{check_params, scenarios, texts, Config, PayState, Pow, PARAMS, TEXT_PARAMS};
use crate::input::Params;
use crate::labs::{net_config, Group, Headline, NetLab, Panel, ParamSpec, Stat, Text};
use crate::params::{InputError, TextSpec};
use crate::sim::{NetConfig, Sim};
use crate::MS;

/// Blocks of the best chain the inspector lists (the newest).
const BLOCKS_SHOWN: usize = 8;
/// Branches and payments listed at most.
const LIST_SHOWN: usize = 8;

impl Pow {
    /// Tips of the branches off the best chain the node stores: (height, hash, fork height).
    pub fn branches(&self) -> Vec<(u64, String, u64)> {
        let mut tips: Vec<(u64, String, u64)> = self
            .blocks
            .values()
            .filter(|b| self.chain.get(b.index as usize) != Some(&b.hash))
            .filter(|b| !self.blocks.values().any(|c| c.prev == b.hash))
            .map(|b| {
                let mut at = b;
                while self.chain.get(at.index as usize) != Some(&at.hash) {
                    match self.blocks.get(&at.prev) {
                        Some(p) => at = p,
                        None => break,
                    }
                }
                (b.index, short(&b.hash, 6), at.index)
            })
            .collect();
        tips.sort_by_key(|t| std::cmp::Reverse(t.0));
        tips.truncate(LIST_SHOWN);
        tips
    }

    fn chain_panel(&self) -> Vec<Panel> {
        let rows = vec![
            ("pow.row.height", self.height().to_string()),
            ("pow.row.tip", short(self.tip(), 12)),
            ("pow.row.stored", self.blocks.len().to_string()),
            ("pow.row.waiting", self.pool.len().to_string()),
            ("pow.row.reorgs", self.reorgs.to_string()),
            ("pow.row.orphaned", self.orphaned.to_string()),
            ("pow.row.deepest", self.deepest_reorg.to_string()),
        ];
        let blocks = self
            .chain
            .iter()
            .rev()
            .take(BLOCKS_SHOWN)
            .filter_map(|h| self.blocks.get(h))
            .map(|b| {
                vec![
                    b.index.to_string(),
                    short(&b.hash, 10),
                    if b.index == 0 {
                        "-".into()
                    } else {
                        format!("m{}", b.miner + 1)
                    },
                    b.txs.len().to_string(),
                    b.nonce.to_string(),
                ]
            })
            .collect();
        vec![
            Panel::Rows {
                title: "pow.panel.chain",
                rows,
            },
            Panel::Table {
                title: "pow.panel.blocks",
                columns: vec![
                    "pow.col.height",
                    "pow.col.hash",
                    "pow.col.miner",
                    "pow.col.txs",
                    "pow.col.nonce",
                ],
                rows: blocks,
            },
            Panel::List {
                title: "pow.panel.branches",
                items: self
                    .branches()
                    .into_iter()
                    .map(|(h, hash, fork)| format!("{hash} h{h} ← h{fork}"))
                    .collect(),
            },
        ]
    }

    fn miner_panels(&self) -> Vec<Panel> {
        let cfg = self.config();
        let mut rows = vec![
            (
                "pow.row.share",
                format!("{:.0}%", cfg.share(self.id) * 100.0),
            ),
            (
                "pow.row.per_tick",
                format!("{:.0}", self.power * cfg.hashrate as f64),
            ),
            ("pow.row.tries", self.tries.to_string()),
            ("pow.row.found", self.found.to_string()),
        ];
        if let Some(t) = &self.template {
            rows.push(("pow.row.mining_height", t.index.to_string()));
            rows.push(("pow.row.nonce", t.nonce.to_string()));
            rows.push(("pow.row.tried", t.tried.to_string()));
        }
        let mut panels = vec![Panel::Rows {
            title: "pow.panel.mining",
            rows,
        }];
        if let Some(a) = &self.attack {
            panels.push(Panel::Rows {
                title: "pow.panel.attack",
                rows: vec![
                    ("pow.row.private", a.height().to_string()),
                    ("pow.row.public", self.height().to_string()),
                    ("pow.row.fork", a.fork_height.to_string()),
                    ("pow.row.payment", format!("#{}", a.pay.id)),
                ],
            });
        }
        panels.push(Panel::Queue {
            title: "pow.panel.mempool",
            items: self
                .mempool
                .values()
                .take(LIST_SHOWN)
                .map(|t| format!("#{} {}", t.id, t.amount))
                .collect(),
        });
        panels
    }

    fn payments_panel(&self) -> Panel {
        Panel::Table {
            title: "pow.panel.payments",
            columns: vec![
                "pow.col.tx",
                "pow.col.amount",
                "pow.col.from_to",
                "pow.col.state",
            ],
            rows: self
                .payments
                .iter()
                .rev()
                .take(LIST_SHOWN)
                .map(|p| {
                    let state = match p.state {
                        PayState::Pending => "…".to_string(),
                        PayState::InBlock { height, .. } => format!("h{height}"),
                        PayState::Confirmed { height, .. } => format!("h{height} ✓"),
                        PayState::Reversed => "✗".to_string(),
                    };
                    vec![
                        format!("#{}", p.tx.id),
                        p.tx.amount.to_string(),
                        format!("{}→{}", p.tx.payer + 1, p.tx.payee + 1),
                        state,
                    ]
                })
                .collect(),
        }
    }
}

fn mean_tries(sim: &Sim<Pow>) -> f64 {
    let tries: u64 = (0..sim.n()).map(|i| sim.node(i).tries).sum();
    let found: u64 = (0..sim.n()).map(|i| sim.node(i).found).sum();
    if found == 0 {
        0.0
    } else {
        tries as f64 / found as f64
    }
}

/// The node with the highest tip (the lowest id of those): its store gives the orphan count.
fn best(sim: &Sim<Pow>) -> &Pow {
    let mut b = sim.node(0);
    for i in 1..sim.n() {
        if sim.node(i).height() > b.height() {
            b = sim.node(i);
        }
    }
    b
}

/// Blocks the best node stores off its best chain.
fn orphans(sim: &Sim<Pow>) -> u64 {
    let b = best(sim);
    b.blocks.len() as u64 - b.chain.len() as u64
}

impl NetLab for Pow {
    const ID: &'static str = "chain-pow";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const TEXT_PARAMS: &'static [TextSpec] = TEXT_PARAMS;
    const SIZE: &'static str = "miners";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;

    fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
        check_params(p, errors);
    }

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.miners + 1;
        (cfg, net_config(p), n)
    }

    fn role(&self) -> &'static str {
        if !self.is_miner() {
            "pow.client"
        } else if self.attack.is_some() {
            "pow.attacking"
        } else {
            "pow.mining"
        }
    }

    fn badge(&self) -> String {
        match &self.attack {
            Some(a) => format!("h{}/{}", self.height(), a.height()),
            None => format!("h{}", self.height()),
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let mut d = vec![
            ("pow.height", self.height().to_string()),
            ("pow.tip", short(self.tip(), 8)),
            ("pow.reorgs", self.reorgs.to_string()),
        ];
        if self.is_miner() {
            d.push((
                "pow.share",
                format!("{:.0}%", self.config().share(self.id) * 100.0),
            ));
            d.push(("pow.found", self.found.to_string()));
        }
        d
    }

    fn panels(&self) -> Vec<Panel> {
        let mut panels = Vec::new();
        if self.is_miner() {
            panels.extend(self.miner_panels());
        }
        panels.extend(self.chain_panel());
        panels.push(self.payments_panel());
        panels
    }

    fn arc_timer(_timer: super::Timer) -> bool {
        false
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let cfg = sim.node(0).config();
        let b = best(sim);
        json!({
            "difficulty": cfg.difficulty,
            "expected_tries": expected_tries(cfg.difficulty),
            "mean_tries": mean_tries(sim),
            "hashes": (0..sim.n()).map(|i| sim.node(i).tries).sum::<u64>(),
            "blocks_mined": m.mined,
            "height": b.height(),
            "orphaned": orphans(sim),
            "orphan_rate": if m.mined == 0 { 0.0 } else { orphans(sim) as f64 / m.mined as f64 },
            "reorgs": m.reorgs,
            "deepest_reorg": m.deepest_reorg,
            "payments": m.payments,
            "confirmed": m.confirmed,
            "reversed": m.reversed,
            "expected_interval_ms": cfg.expected_interval() as f64 / MS as f64,
            "shares": cfg.power.iter().enumerate().map(|(i, _)| cfg.share(i)).collect::<Vec<_>>(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let cfg = sim.node(0).config();
        let attacker = (0..sim.n())
            .map(|i| sim.node(i))
            .find(|p| p.attack.is_some());
        if m.reversed > 0 {
            Headline {
                key: "pow.headline.reversed",
                args: vec![m.reversed.to_string(), m.deepest_reorg.to_string()],
            }
        } else if let Some(a) = attacker {
            Headline {
                key: "pow.headline.attack",
                args: vec![
                    label(a.id, a),
                    a.attack.as_ref().map_or(0, |x| x.height()).to_string(),
                    a.height().to_string(),
                ],
            }
        } else {
            Headline {
                key: "pow.headline.ok",
                args: vec![
                    best(sim).height().to_string(),
                    cfg.difficulty.to_string(),
                    format!("{:.0}", expected_tries(cfg.difficulty)),
                    format!("{:.0}", mean_tries(sim)),
                    orphans(sim).to_string(),
                ],
            }
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let cfg = sim.node(0).config();
        vec![
            Stat::new("pow.height", best(sim).height() as f64),
            Stat::new("pow.blocks_mined", m.mined as f64),
            Stat::new("pow.orphaned", orphans(sim) as f64),
            Stat::new("pow.reorgs", m.reorgs as f64),
            Stat::new("pow.deepest_reorg", m.deepest_reorg as f64),
            Stat::new("pow.expected_tries", expected_tries(cfg.difficulty)),
            Stat::new("pow.mean_tries", mean_tries(sim).round()),
            Stat::new(
                "pow.hashes",
                (0..sim.n()).map(|i| sim.node(i).tries).sum::<u64>() as f64,
            ),
            Stat::new("pow.confirmed", m.confirmed as f64),
            Stat::new("pow.reversed", m.reversed as f64),
        ]
    }
}
