//! What the app draws of TCC: roles (a service holding reservations, one whose books do not
//! balance), badges, details, the panels (each service's books and branch table, the
//! coordinator's transactions and log, the client's purchases), the headline, the stats and
//! the run summary.

use serde_json::json;

use super::{
    scenarios, service_index, texts, BState, Config, TxTcc, ACCOUNT, CLIENT, COORDINATOR,
    COORDINATOR_NODE, INVENTORY, NODES, ORDER, PARAMS, SERVICES,
};
use crate::input::Params;
use crate::labs::{net_config, Group, Headline, NetLab, Panel, ParamSpec, Stat, Text};
use crate::sim::{NetConfig, Protocol, Sim};

/// Log records and branch rows the inspector shows (the newest).
const ROWS_SHOWN: usize = 12;
/// Transactions listed per state (the newest).
const TX_SHOWN: usize = 8;

fn tx_list(txs: &[u64]) -> String {
    if txs.is_empty() {
        return "-".into();
    }
    let skip = txs.len().saturating_sub(TX_SHOWN);
    let shown = txs[skip..]
        .iter()
        .map(|t| format!("T{t}"))
        .collect::<Vec<_>>()
        .join(" ");
    if skip > 0 {
        format!("… {shown}")
    } else {
        shown
    }
}

/// The branch-table code of a state, as a log would print it.
fn code(s: BState) -> &'static str {
    match s {
        BState::Tried => "TRIED",
        BState::Confirmed => "CONFIRMED",
        BState::Cancelled => "CANCELLED",
        BState::EmptyRollback => "EMPTY-ROLLBACK",
    }
}

/// Stat keys of each service's available and frozen amounts, by service index.
const AVAILABLE_KEYS: [&str; 3] = [
    "tx-tcc.available.order",
    "tx-tcc.available.inventory",
    "tx-tcc.available.account",
];
const FROZEN_KEYS: [&str; 3] = [
    "tx-tcc.frozen.order",
    "tx-tcc.frozen.inventory",
    "tx-tcc.frozen.account",
];

impl TxTcc {
    /// The books do not match the branch table (or the starting total).
    pub fn damaged(&self) -> bool {
        let b = self.books;
        self.is_service()
            && (b.available + b.frozen + b.spent != self.initial()
                || b.frozen != self.tried_sum
                || b.spent != self.confirmed_sum)
    }

    fn branches_in(&self, state: BState) -> Vec<u64> {
        self.branches
            .iter()
            .filter(|(_, b)| b.state == state)
            .map(|(&t, _)| t)
            .collect()
    }

    fn co_txs(&self, pick: impl Fn(Option<bool>, bool) -> bool) -> Vec<u64> {
        self.txs
            .iter()
            .filter(|(_, t)| pick(t.decision, t.ended))
            .map(|(&t, _)| t)
            .collect()
    }

    fn open(&self) -> usize {
        self.txs.values().filter(|t| !t.ended).count()
    }
}

impl NetLab for TxTcc {
    const ID: &'static str = "tx-tcc";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "rate";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        (Config::from_params(p), net_config(p), NODES)
    }

    /// With a safeguard off, the damage it prevents is the lesson: a Confirm applied twice or
    /// a Cancel of nothing breaks conservation; an unrecorded empty rollback lets a late Try
    /// freeze for good. With both on, either violation would be a bug.
    fn lessons(cfg: &Config) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !cfg.idempotent || cfg.guard == 0 {
            out.push("tx-tcc.conservation");
        }
        if cfg.guard < 2 {
            out.push("tx-tcc.nothing-left-frozen");
        }
        out
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            CLIENT if self.pending() > 0 => "tx-tcc.client_waiting",
            CLIENT => "tx-tcc.client_idle",
            COORDINATOR if self.txs.values().any(|t| t.decision.is_none()) => "tx-tcc.trying",
            COORDINATOR if self.open() > 0 => "tx-tcc.deciding",
            COORDINATOR => "tx-tcc.co_idle",
            _ if self.damaged() => "tx-tcc.damaged",
            _ if self.books.frozen != 0 => "tx-tcc.frozen",
            _ => "tx-tcc.svc_idle",
        }
    }

    fn badge(&self) -> String {
        match self.kind() {
            CLIENT => format!("T{}", self.seq),
            COORDINATOR => self.open().to_string(),
            _ => format!("{}|{}", self.books.available, self.books.frozen),
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        match self.kind() {
            CLIENT => {
                let done = |c: bool| {
                    self.ledger
                        .values()
                        .filter(|t| t.outcome == Some(c))
                        .count()
                        .to_string()
                };
                vec![
                    ("tx-tcc.issued", self.seq.to_string()),
                    ("tx-tcc.confirmed", done(true)),
                    ("tx-tcc.cancelled", done(false)),
                    ("tx-tcc.pending", self.pending().to_string()),
                ]
            }
            COORDINATOR => vec![
                ("tx-tcc.open", self.open().to_string()),
                ("tx-tcc.wal_len", self.wal.len().to_string()),
            ],
            _ => vec![
                ("tx-tcc.available", self.books.available.to_string()),
                ("tx-tcc.frozen", self.books.frozen.to_string()),
                ("tx-tcc.spent", self.books.spent.to_string()),
                (
                    "tx-tcc.balanced",
                    if self.damaged() { "no" } else { "yes" }.into(),
                ),
            ],
        }
    }

    fn panels(&self) -> Vec<Panel> {
        match self.kind() {
            CLIENT => {
                let pick = |o: Option<bool>| -> Vec<u64> {
                    self.ledger
                        .iter()
                        .filter(|(_, t)| t.outcome == o)
                        .map(|(&tx, _)| tx)
                        .collect()
                };
                vec![Panel::Rows {
                    title: "tx-tcc.panel.purchases",
                    rows: vec![
                        ("tx-tcc.st.pending", tx_list(&pick(None))),
                        ("tx-tcc.st.confirmed", tx_list(&pick(Some(true)))),
                        ("tx-tcc.st.cancelled", tx_list(&pick(Some(false)))),
                    ],
                }]
            }
            COORDINATOR => {
                let skip = self.wal.len().saturating_sub(ROWS_SHOWN);
                let mut items: Vec<String> = self.wal[skip..].iter().map(|w| w.text()).collect();
                if skip > 0 {
                    items.insert(0, format!("… ({skip})"));
                }
                vec![
                    Panel::Rows {
                        title: "tx-tcc.panel.txs",
                        rows: vec![
                            (
                                "tx-tcc.st.trying",
                                tx_list(&self.co_txs(|d, _| d.is_none())),
                            ),
                            (
                                "tx-tcc.st.confirming",
                                tx_list(&self.co_txs(|d, e| d == Some(true) && !e)),
                            ),
                            (
                                "tx-tcc.st.cancelling",
                                tx_list(&self.co_txs(|d, e| d == Some(false) && !e)),
                            ),
                            (
                                "tx-tcc.st.confirmed",
                                tx_list(&self.co_txs(|d, e| d == Some(true) && e)),
                            ),
                            (
                                "tx-tcc.st.cancelled",
                                tx_list(&self.co_txs(|d, e| d == Some(false) && e)),
                            ),
                        ],
                    },
                    Panel::List {
                        title: "tx-tcc.panel.wal",
                        items,
                    },
                ]
            }
            _ => {
                let skip = self.branches.len().saturating_sub(ROWS_SHOWN);
                vec![
                    Panel::Rows {
                        title: "tx-tcc.panel.books",
                        rows: vec![
                            ("tx-tcc.available", self.books.available.to_string()),
                            ("tx-tcc.frozen", self.books.frozen.to_string()),
                            ("tx-tcc.spent", self.books.spent.to_string()),
                            ("tx-tcc.initial", self.initial().to_string()),
                        ],
                    },
                    Panel::Rows {
                        title: "tx-tcc.panel.branches",
                        rows: vec![
                            ("tx-tcc.st.tried", tx_list(&self.branches_in(BState::Tried))),
                            (
                                "tx-tcc.st.confirmed",
                                tx_list(&self.branches_in(BState::Confirmed)),
                            ),
                            (
                                "tx-tcc.st.cancelled",
                                tx_list(&self.branches_in(BState::Cancelled)),
                            ),
                            (
                                "tx-tcc.st.empty_rollback",
                                tx_list(&self.branches_in(BState::EmptyRollback)),
                            ),
                        ],
                    },
                    Panel::Table {
                        title: "tx-tcc.panel.table",
                        columns: vec!["tx-tcc.col.tx", "tx-tcc.col.state", "tx-tcc.col.amount"],
                        rows: self
                            .branches
                            .iter()
                            .skip(skip)
                            .map(|(tx, b)| {
                                vec![format!("T{tx}"), code(b.state).into(), b.amount.to_string()]
                            })
                            .collect(),
                    },
                ]
            }
        }
    }

    fn arc_timer(timer: super::Timer) -> bool {
        matches!(timer, super::Timer::TryWait(_))
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let services: Vec<serde_json::Value> = SERVICES
            .iter()
            .map(|&i| {
                let p = sim.node(i);
                let service = ["order", "inventory", "account"][service_index(i).unwrap_or(0)];
                json!({
                    "node": format!("{}{}", Self::KINDS[i].prefix, i + 1),
                    "service": service,
                    "available": p.books.available,
                    "frozen": p.books.frozen,
                    "spent": p.books.spent,
                    "initial": p.initial(),
                    "balanced": !p.damaged(),
                    "tried": p.branches_in(BState::Tried),
                    "empty_rollback_markers": p.branches_in(BState::EmptyRollback).len(),
                })
            })
            .collect();
        json!({
            "confirmed": m.confirmed,
            "cancelled": m.cancelled,
            "retries": m.retries,
            "empty_rollbacks": m.empty_rollbacks,
            "suspensions_refused": m.suspensions_refused,
            "hung_reservations": m.hung,
            "double_applied": m.damage,
            "faults": m.faults,
            "violations": m.violations,
            "services": services,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let damaged = SERVICES.iter().filter(|&&i| sim.node(i).damaged()).count();
        let co = sim.node(COORDINATOR_NODE);
        let hanging = hanging(sim);
        if damaged > 0 {
            Headline {
                key: "tx-tcc.headline.damaged",
                args: vec![damaged.to_string(), m.damage.to_string()],
            }
        } else if hanging > 0 {
            Headline {
                key: "tx-tcc.headline.hanging",
                args: vec![hanging.to_string()],
            }
        } else {
            Headline {
                key: "tx-tcc.headline.ok",
                args: vec![
                    m.confirmed.to_string(),
                    m.cancelled.to_string(),
                    co.open().to_string(),
                ],
            }
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let mut stats = vec![
            Stat::new("tx-tcc.confirmed", m.confirmed as f64),
            Stat::new("tx-tcc.cancelled", m.cancelled as f64),
            Stat::new("tx-tcc.try_timeouts", m.try_timeouts as f64),
            Stat::new("tx-tcc.try_failures", m.try_failures as f64),
            Stat::new("tx-tcc.retries", m.retries as f64),
            Stat::new("tx-tcc.empty_rollbacks", m.empty_rollbacks as f64),
            Stat::new("tx-tcc.suspensions_refused", m.suspensions_refused as f64),
            Stat::new("tx-tcc.hung", m.hung as f64),
            Stat::new("tx-tcc.absorbed", m.absorbed as f64),
            Stat::new("tx-tcc.double_applied", m.damage as f64),
        ];
        for (i, &s) in SERVICES.iter().enumerate() {
            let b = sim.node(s).books;
            stats.push(Stat::new(AVAILABLE_KEYS[i], b.available as f64));
            stats.push(Stat::new(FROZEN_KEYS[i], b.frozen as f64));
        }
        stats
    }
}

/// Reservations still frozen for transactions the coordinator has ended.
pub fn hanging(sim: &Sim<TxTcc>) -> usize {
    let co = sim.node(COORDINATOR_NODE);
    [ORDER, INVENTORY, ACCOUNT]
        .iter()
        .map(|&i| {
            sim.node(i)
                .branches
                .iter()
                .filter(|(tx, b)| {
                    b.state == BState::Tried && co.txs.get(tx).is_some_and(|t| t.ended)
                })
                .count()
        })
        .sum()
}
