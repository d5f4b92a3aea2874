//! What the app draws of two-phase commit: roles (a cohort in doubt, and *blocked* once it has
//! asked in vain), badges, details, the panels (each node's write-ahead log, a cohort's rows
//! with their locks and waiters, every node's transactions by outcome), the tiered layout
//! (client | coordinator | cohorts), the headline, the stats (with each cohort's time in
//! doubt, messages per transaction) and the run summary. The list, log and rows helpers are
//! shared with `tx-3pc` (`tx_common`).

use serde_json::json;

use super::{
    scenarios, texts, CState, Config, Phase, Timer, Tx2pc, CLIENT, COHORT, COORDINATOR,
    MAX_COHORTS, PARAMS,
};
use crate::input::Params;
use crate::labs::coordination::tx_common::{
    ms, rows_differ as shared_rows_differ, tx_list, wal_panel,
};
use crate::labs::{
    net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::sim::{NetConfig, Protocol, Sim};
use crate::Time;

/// Stat keys of the cohorts' time in doubt, by cohort index (R3 is the first cohort).
pub const DOUBT_KEYS: [&str; MAX_COHORTS] = [
    "tx-2pc.doubt.R3",
    "tx-2pc.doubt.R4",
    "tx-2pc.doubt.R5",
    "tx-2pc.doubt.R6",
    "tx-2pc.doubt.R7",
    "tx-2pc.doubt.R8",
    "tx-2pc.doubt.R9",
    "tx-2pc.doubt.R10",
    "tx-2pc.doubt.R11",
    "tx-2pc.doubt.R12",
    "tx-2pc.doubt.R13",
    "tx-2pc.doubt.R14",
];

impl Tx2pc {
    /// Transactions of a cohort in one state.
    fn cohort_txs(&self, pick: impl Fn(&CState) -> bool) -> Vec<u64> {
        self.txs
            .iter()
            .filter(|(_, s)| pick(s))
            .map(|(&t, _)| t)
            .collect()
    }

    fn co_txs(&self, pick: impl Fn(&Phase) -> bool) -> Vec<u64> {
        self.co
            .iter()
            .filter(|(_, t)| pick(&t.phase))
            .map(|(&t, _)| t)
            .collect()
    }

    fn locks_held(&self) -> usize {
        self.data.locks_held()
    }
}

/// The chart: each cohort's time in doubt (how long its oldest undecided transaction has
/// waited since it voted Yes), one curve per cohort.
const SERIES: &[SeriesSpec] = &[SeriesSpec::line("tx-2pc.doubt", "ms")];

impl NetLab for Tx2pc {
    const ID: &'static str = "tx-2pc";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "cohorts";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const SERIES: &'static [SeriesSpec] = SERIES;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = super::FIRST_COHORT + cfg.cohorts;
        (cfg, net_config(p), n)
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            CLIENT => {
                if self.pending() > 0 {
                    "tx-2pc.client_waiting"
                } else {
                    "tx-2pc.client_idle"
                }
            }
            COORDINATOR => {
                if self
                    .co
                    .values()
                    .any(|t| matches!(t.phase, Phase::Voting { .. }))
                {
                    "tx-2pc.voting"
                } else if self
                    .co
                    .values()
                    .any(|t| matches!(t.phase, Phase::Decided { .. }))
                {
                    "tx-2pc.deciding"
                } else {
                    "tx-2pc.co_idle"
                }
            }
            _ => {
                if self.blocked {
                    "tx-2pc.blocked"
                } else if !self.doubt.is_empty() {
                    "tx-2pc.in_doubt"
                } else if self.locks_held() > 0 || self.data.anyone_waiting() {
                    "tx-2pc.working"
                } else {
                    "tx-2pc.rm_idle"
                }
            }
        }
    }

    fn badge(&self) -> String {
        match self.kind() {
            CLIENT => format!("T{}", self.seq),
            COORDINATOR => format!("{}", self.co.len()),
            _ => match self.doubt.keys().next() {
                Some(tx) => format!("T{tx}?"),
                None => format!("L{}", self.locks_held()),
            },
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
                    ("tx-2pc.issued", self.seq.to_string()),
                    ("tx-2pc.committed", done(true)),
                    ("tx-2pc.aborted", done(false)),
                    ("tx-2pc.pending", self.pending().to_string()),
                ]
            }
            COORDINATOR => vec![
                (
                    "tx-2pc.open",
                    self.co
                        .values()
                        .filter(|t| !matches!(t.phase, Phase::Ended { .. }))
                        .count()
                        .to_string(),
                ),
                (
                    "tx-2pc.outbox",
                    tx_list(&self.outbox.keys().copied().collect::<Vec<_>>()),
                ),
                ("tx-2pc.wal_len", self.wal.len().to_string()),
            ],
            _ => vec![
                ("tx-2pc.locks", self.locks_held().to_string()),
                (
                    "tx-2pc.in_doubt",
                    tx_list(&self.doubt.keys().copied().collect::<Vec<_>>()),
                ),
                (
                    "tx-2pc.blocked",
                    if self.blocked { "yes" } else { "no" }.into(),
                ),
                ("tx-2pc.doubt_ms", format!("{:.0}", ms(self.doubt_total))),
                ("tx-2pc.wal_len", self.wal.len().to_string()),
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
                    title: "tx-2pc.panel.txs",
                    rows: vec![
                        ("tx-2pc.st.pending", tx_list(&pick(None))),
                        ("tx-2pc.st.committed", tx_list(&pick(Some(true)))),
                        ("tx-2pc.st.aborted", tx_list(&pick(Some(false)))),
                    ],
                }]
            }
            COORDINATOR => vec![
                Panel::Rows {
                    title: "tx-2pc.panel.txs",
                    rows: vec![
                        (
                            "tx-2pc.st.voting",
                            tx_list(&self.co_txs(|p| matches!(p, Phase::Voting { .. }))),
                        ),
                        (
                            "tx-2pc.st.committing",
                            tx_list(
                                &self.co_txs(|p| matches!(p, Phase::Decided { commit: true, .. })),
                            ),
                        ),
                        (
                            "tx-2pc.st.aborting",
                            tx_list(
                                &self.co_txs(|p| matches!(p, Phase::Decided { commit: false, .. })),
                            ),
                        ),
                        (
                            "tx-2pc.st.committed",
                            tx_list(&self.co_txs(|p| *p == Phase::Ended { commit: true })),
                        ),
                        (
                            "tx-2pc.st.aborted",
                            tx_list(&self.co_txs(|p| *p == Phase::Ended { commit: false })),
                        ),
                    ],
                },
                wal_panel("tx-2pc.panel.wal", &self.wal),
            ],
            _ => vec![
                self.data.panel(
                    "tx-2pc.panel.rows",
                    vec![
                        "tx-2pc.col.row",
                        "tx-2pc.col.value",
                        "tx-2pc.col.lock",
                        "tx-2pc.col.waiting",
                    ],
                ),
                Panel::Rows {
                    title: "tx-2pc.panel.txs",
                    rows: vec![
                        (
                            "tx-2pc.st.waiting",
                            tx_list(&self.cohort_txs(|s| matches!(s, CState::Waiting { .. }))),
                        ),
                        (
                            "tx-2pc.st.executing",
                            tx_list(&self.cohort_txs(|s| matches!(s, CState::Executing { .. }))),
                        ),
                        (
                            "tx-2pc.st.in_doubt",
                            tx_list(&self.doubt.keys().copied().collect::<Vec<_>>()),
                        ),
                        (
                            "tx-2pc.st.committed",
                            tx_list(&self.cohort_txs(|s| *s == CState::Committed)),
                        ),
                        (
                            "tx-2pc.st.aborted",
                            tx_list(&self.cohort_txs(|s| *s == CState::Aborted)),
                        ),
                    ],
                },
                wal_panel("tx-2pc.panel.wal", &self.wal),
            ],
        }
    }

    fn arc_timer(timer: Timer) -> bool {
        matches!(timer, Timer::Votes(_) | Timer::Exec(_) | Timer::Ask)
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec![
                Self::KINDS[CLIENT].id,
                Self::KINDS[COORDINATOR].id,
                Self::KINDS[COHORT].id,
            ],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let cohorts: Vec<serde_json::Value> = (0..sim.n())
            .map(|i| sim.node(i))
            .filter(|p| p.is_cohort())
            .map(|p| {
                json!({
                    "node": format!("R{}", p.id + 1),
                    "rows": p.data.values,
                    "in_doubt": p.doubt.keys().collect::<Vec<_>>(),
                    "blocked": p.blocked,
                    "doubt_ms": ms(p.doubt_time(sim.now())),
                    "locks": p.locks_held(),
                })
            })
            .collect();
        json!({
            "committed": m.committed,
            "aborted": m.aborted,
            "faults": m.faults,
            "messages_per_tx": m.traffic.per_tx(),
            "atomicity_violations": m.violations,
            "cohorts": cohorts,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let differ = rows_differ(sim);
        let doubt = cohorts_where(sim, |p| !p.doubt.is_empty());
        let blocked = cohorts_where(sim, |p| p.blocked);
        if differ > 0 {
            Headline {
                key: "tx-2pc.headline.differ",
                args: vec![differ.to_string(), doubt.to_string()],
            }
        } else if doubt > 0 {
            Headline {
                key: "tx-2pc.headline.doubt",
                args: vec![doubt.to_string(), blocked.to_string()],
            }
        } else {
            Headline {
                key: "tx-2pc.headline.ok",
                args: vec![m.committed.to_string(), m.aborted.to_string()],
            }
        }
    }

    fn series(sim: &Sim<Self>) -> Vec<Series> {
        sim.monitor()
            .doubt_curves
            .iter()
            .enumerate()
            .map(|(i, curve)| {
                let id = super::FIRST_COHORT + i;
                let name = format!("{}{}", sim.node_kind(id).prefix, id + 1);
                Series::of(&SERIES[0], name, curve.points().to_vec())
            })
            .collect()
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let now = sim.now();
        let lock_wait: Time = (0..sim.n()).map(|i| sim.node(i).lock_wait_total).sum();
        let mut stats = vec![
            Stat::new("tx-2pc.committed", m.committed as f64),
            Stat::new("tx-2pc.aborted", m.aborted as f64),
            Stat::new(
                "tx-2pc.in_doubt",
                cohorts_where(sim, |p| !p.doubt.is_empty()) as f64,
            ),
            Stat::new("tx-2pc.blocked", cohorts_where(sim, |p| p.blocked) as f64),
            Stat::new("tx-2pc.rows_differ", rows_differ(sim) as f64),
            Stat::new("tx-2pc.lock_waits", m.lock_waits as f64),
            Stat::new("tx-2pc.lock_wait_ms", ms(lock_wait)),
            Stat::new("tx-2pc.msgs_per_tx", m.traffic.per_tx()),
        ];
        for i in (0..sim.n()).filter(|&i| sim.node(i).is_cohort()) {
            if let Some(key) = DOUBT_KEYS.get(i - super::FIRST_COHORT) {
                stats.push(Stat::new(key, ms(sim.node(i).doubt_time(now))));
            }
        }
        stats
    }
}

fn cohorts_where(sim: &Sim<Tx2pc>, pick: impl Fn(&Tx2pc) -> bool) -> usize {
    (0..sim.n())
        .map(|i| sim.node(i))
        .filter(|p| p.is_cohort() && pick(p))
        .count()
}

/// Rows whose committed value is not the same on every cohort.
pub fn rows_differ(sim: &Sim<Tx2pc>) -> usize {
    shared_rows_differ(
        (0..sim.n())
            .map(|i| sim.node(i))
            .filter(|p| p.is_cohort())
            .map(|p| p.data.values.as_slice()),
    )
}
