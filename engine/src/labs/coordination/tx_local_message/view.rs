//! What the app draws of the local-message lab: roles, badges, details, the panels (the order
//! service's orders and outbox, the broker's queue, the inventory's stock and processed table,
//! the client's orders), the headline, the counters and the run summary.

use serde_json::json;

use super::{
    scenarios, texts, Config, Mode, TxLocalMessage, BROKER, CLIENT, INVENTORY, NODES, ORDER, PARAMS,
};
use crate::input::Params;
use crate::labs::{
    net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::sim::{NetConfig, Protocol, Sim};
use crate::{Time, MS};

/// Rows a table or queue shows (the newest).
const ROWS_SHOWN: usize = 12;

fn ms(t: Time) -> String {
    format!("{}", t / MS)
}

fn list(ids: impl Iterator<Item = u64>) -> String {
    let all: Vec<String> = ids.map(|n| format!("#{n}")).collect();
    if all.is_empty() {
        return "-".into();
    }
    let skip = all.len().saturating_sub(ROWS_SHOWN);
    let shown = all[skip..].join(" ");
    if skip > 0 {
        format!("… {shown}")
    } else {
        shown
    }
}

/// The lab's charts: each order's inconsistency window (commit → stock taken) when the
/// inventory applied it, and the committed orders not yet applied over time.
const SERIES: &[SeriesSpec] = &[
    SeriesSpec::scatter("tx-local-message.window", "ms"),
    SeriesSpec::step("tx-local-message.backlog", ""),
];

fn mode_key(m: Mode) -> &'static str {
    match m {
        Mode::Outbox => "outbox",
        Mode::CommitThenPublish => "commit-then-publish",
        Mode::PublishThenCommit => "publish-then-commit",
    }
}

/// Committed orders the inventory has not applied yet.
pub fn unapplied(sim: &Sim<TxLocalMessage>) -> usize {
    let m = sim.monitor();
    sim.node(ORDER)
        .orders
        .keys()
        .filter(|&&n| m.applies(n) == 0)
        .count()
}

/// Orders applied that the order service has not committed (and is not committing).
pub fn phantoms(sim: &Sim<TxLocalMessage>) -> usize {
    let o = sim.node(ORDER);
    sim.monitor()
        .applied_orders()
        .filter(|n| !o.orders.contains_key(n) && !o.open.contains_key(n))
        .count()
}

impl NetLab for TxLocalMessage {
    const ID: &'static str = "tx-local-message";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "rate";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const SERIES: &'static [SeriesSpec] = SERIES;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        (Config::from_params(p), net_config(p), NODES)
    }

    /// The outbox with an idempotent consumer is safe under every fault the lab has; each
    /// toggle away from it is built to break a property: a consumer that is not idempotent
    /// applies twice, and the naive modes lose or invent orders.
    fn lessons(cfg: &Config) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !cfg.idempotent {
            out.push("tx-local-message.at-most-once");
        }
        if !cfg.idempotent || cfg.mode != Mode::Outbox {
            out.push("tx-local-message.exactly-once");
        }
        out
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            CLIENT => "tx-local-message.client",
            ORDER if !self.open.is_empty() => "tx-local-message.in_tx",
            ORDER if self.pending() > 0 || !self.unsent.is_empty() => "tx-local-message.relaying",
            ORDER => "tx-local-message.order_idle",
            BROKER if self.unacked().next().is_some() => "tx-local-message.unacked",
            BROKER => "tx-local-message.broker_idle",
            _ => "tx-local-message.consumer",
        }
    }

    fn badge(&self) -> String {
        match self.kind() {
            CLIENT => format!("#{}", self.seq),
            ORDER => self.pending().to_string(),
            BROKER => self.unacked().count().to_string(),
            _ => self.stock.to_string(),
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        match self.kind() {
            CLIENT => vec![
                ("tx-local-message.placed_n", self.seq.to_string()),
                (
                    "tx-local-message.confirmed_n",
                    self.ledger
                        .values()
                        .filter(|o| o.placed.is_some())
                        .count()
                        .to_string(),
                ),
            ],
            ORDER => vec![
                ("tx-local-message.mode", mode_key(self.cfg.mode).into()),
                ("tx-local-message.orders", self.orders.len().to_string()),
                (
                    "tx-local-message.outbox_pending",
                    self.pending().to_string(),
                ),
                ("tx-local-message.open_tx", self.open.len().to_string()),
            ],
            BROKER => vec![
                ("tx-local-message.entries", self.queue.len().to_string()),
                (
                    "tx-local-message.unacked_n",
                    self.unacked().count().to_string(),
                ),
            ],
            _ => vec![
                ("tx-local-message.stock", self.stock.to_string()),
                (
                    "tx-local-message.processed",
                    self.processed.len().to_string(),
                ),
                (
                    "tx-local-message.idempotent",
                    if self.cfg.idempotent { "yes" } else { "no" }.into(),
                ),
            ],
        }
    }

    fn panels(&self) -> Vec<Panel> {
        match self.kind() {
            CLIENT => {
                let pick = |placed: bool| {
                    list(
                        self.ledger
                            .iter()
                            .filter(move |(_, o)| o.placed.is_some() == placed)
                            .map(|(&n, _)| n),
                    )
                };
                vec![Panel::Rows {
                    title: "tx-local-message.panel.client",
                    rows: vec![
                        ("tx-local-message.st.confirmed", pick(true)),
                        ("tx-local-message.st.no_answer", pick(false)),
                    ],
                }]
            }
            ORDER => {
                let skip = self.orders.len().saturating_sub(ROWS_SHOWN);
                let oskip = self.outbox.len().saturating_sub(ROWS_SHOWN);
                vec![
                    Panel::Rows {
                        title: "tx-local-message.panel.open",
                        rows: vec![
                            ("tx-local-message.st.open", list(self.open.keys().copied())),
                            (
                                "tx-local-message.st.unsent",
                                list(self.unsent.keys().copied()),
                            ),
                        ],
                    },
                    Panel::Table {
                        title: "tx-local-message.panel.orders",
                        columns: vec![
                            "tx-local-message.col.order",
                            "tx-local-message.col.qty",
                            "tx-local-message.col.at",
                        ],
                        rows: self
                            .orders
                            .iter()
                            .skip(skip)
                            .map(|(n, r)| vec![format!("#{n}"), r.qty.to_string(), ms(r.at)])
                            .collect(),
                    },
                    Panel::Table {
                        title: "tx-local-message.panel.outbox",
                        columns: vec![
                            "tx-local-message.col.msg",
                            "tx-local-message.col.state",
                            "tx-local-message.col.attempts",
                        ],
                        rows: self
                            .outbox
                            .iter()
                            .skip(oskip)
                            .map(|(n, r)| {
                                vec![
                                    format!("#{n}"),
                                    if r.sent { "SENT" } else { "PENDING" }.into(),
                                    r.attempts.to_string(),
                                ]
                            })
                            .collect(),
                    },
                ]
            }
            BROKER => {
                let unacked: Vec<String> = self
                    .unacked()
                    .take(ROWS_SHOWN)
                    .map(|e| format!("{}: #{} ×{} ({}×)", e.tag, e.msg, e.qty, e.deliveries))
                    .collect();
                let skip = self.queue.len().saturating_sub(ROWS_SHOWN);
                vec![
                    Panel::Queue {
                        title: "tx-local-message.panel.unacked",
                        items: unacked,
                    },
                    Panel::Table {
                        title: "tx-local-message.panel.log",
                        columns: vec![
                            "tx-local-message.col.tag",
                            "tx-local-message.col.msg",
                            "tx-local-message.col.state",
                            "tx-local-message.col.deliveries",
                        ],
                        rows: self
                            .queue
                            .iter()
                            .skip(skip)
                            .map(|e| {
                                vec![
                                    e.tag.to_string(),
                                    format!("#{}", e.msg),
                                    if e.acked { "ACKED" } else { "IN-FLIGHT" }.into(),
                                    e.deliveries.to_string(),
                                ]
                            })
                            .collect(),
                    },
                ]
            }
            _ => {
                let skip = self.processed.len().saturating_sub(ROWS_SHOWN);
                vec![
                    Panel::Rows {
                        title: "tx-local-message.panel.stock",
                        rows: vec![
                            ("tx-local-message.stock", self.stock.to_string()),
                            ("tx-local-message.initial", self.cfg.stock.to_string()),
                            ("tx-local-message.applied", self.applied.to_string()),
                        ],
                    },
                    Panel::Table {
                        title: "tx-local-message.panel.processed",
                        columns: vec!["tx-local-message.col.msg", "tx-local-message.col.at"],
                        rows: self
                            .processed
                            .iter()
                            .skip(skip)
                            .map(|(n, at)| vec![format!("#{n}"), ms(*at)])
                            .collect(),
                    },
                ]
            }
        }
    }

    fn arc_timer(timer: super::Timer) -> bool {
        matches!(timer, super::Timer::Commit(_))
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Ring {
            order: vec![CLIENT, ORDER, BROKER, INVENTORY],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let o = sim.node(ORDER);
        let inv = sim.node(INVENTORY);
        json!({
            "mode": mode_key(o.cfg.mode),
            "idempotent": o.cfg.idempotent,
            "orders_committed": o.orders.len(),
            "applied_once": o.orders.keys().filter(|&&n| m.applies(n) == 1).count(),
            "unapplied": unapplied(sim),
            "phantoms": phantoms(sim),
            "published": m.published,
            "relay_retries": m.relay_retries,
            "redeliveries": m.redeliveries,
            "duplicates_suppressed": m.suppressed,
            "double_applied": m.double_applied,
            "window_mean_ms": m.window_mean() as f64 / MS as f64,
            "window_max_ms": m.window_max as f64 / MS as f64,
            "outbox_pending": o.pending(),
            "broker_unacked": sim.node(BROKER).unacked().count(),
            "stock": inv.stock,
            "faults": m.faults,
            "violations": m.violations,
        })
    }

    fn series(sim: &Sim<Self>) -> Vec<Series> {
        let m = sim.monitor();
        let windows = m
            .windows()
            .into_iter()
            .map(|(t, w)| (t, w as f64 / MS as f64))
            .collect();
        vec![
            Series::of(&SERIES[0], "", windows),
            Series::of(&SERIES[1], "", m.backlog_curve.points().to_vec()),
        ]
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let phantom = phantoms(sim);
        if m.double_applied > 0 {
            Headline {
                key: "tx-local-message.headline.double",
                args: vec![m.double_applied.to_string()],
            }
        } else if phantom > 0 {
            Headline {
                key: "tx-local-message.headline.phantom",
                args: vec![phantom.to_string()],
            }
        } else {
            Headline {
                key: "tx-local-message.headline.ok",
                args: vec![
                    m.committed.to_string(),
                    m.applied.to_string(),
                    unapplied(sim).to_string(),
                    ms(m.window_mean()),
                    ms(m.window_max),
                ],
            }
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        vec![
            Stat::new("tx-local-message.orders", m.committed as f64),
            Stat::new("tx-local-message.applied", m.applied as f64),
            Stat::new("tx-local-message.unapplied", unapplied(sim) as f64),
            Stat::new("tx-local-message.published", m.published as f64),
            Stat::new("tx-local-message.relay_retries", m.relay_retries as f64),
            Stat::new("tx-local-message.redeliveries", m.redeliveries as f64),
            Stat::new("tx-local-message.suppressed", m.suppressed as f64),
            Stat::new("tx-local-message.double_applied", m.double_applied as f64),
            Stat::new("tx-local-message.phantoms", phantoms(sim) as f64),
            Stat::new(
                "tx-local-message.window_mean_ms",
                m.window_mean() as f64 / MS as f64,
            ),
            Stat::new(
                "tx-local-message.window_max_ms",
                m.window_max as f64 / MS as f64,
            ),
            Stat::new("tx-local-message.stock", sim.node(INVENTORY).stock as f64),
        ]
    }
}
