//! What the app draws of three-phase commit: roles (a cohort that voted Yes and would abort on
//! its timeout, one pre-committed that would commit on it, one *blocked* after a restart),
//! badges, details, the panels (each node's write-ahead log, a cohort's rows with their locks
//! and waiters, every node's transactions by state), the tiered layout (client | coordinator |
//! cohorts), the headline, the stats (outcomes, decisions taken on a timeout, each cohort's
//! time in doubt, messages per transaction) and the run summary.

use serde_json::json;

use super::{
    scenarios, texts, CState, Config, Phase, Timer, Tx3pc, CLIENT, COHORT, COORDINATOR,
    FIRST_COHORT, MAX_COHORTS, PARAMS,
};
use crate::input::Params;
use crate::labs::coordination::tx_common::{ms, rows_differ, tx_list, wal_panel};
use crate::labs::{net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Stat, Text};
use crate::sim::{NetConfig, Protocol, Sim};
use crate::Time;

/// Stat keys of the cohorts' time in doubt, by cohort index (R3 is the first cohort).
pub const DOUBT_KEYS: [&str; MAX_COHORTS] = [
    "tx-3pc.doubt.R3",
    "tx-3pc.doubt.R4",
    "tx-3pc.doubt.R5",
    "tx-3pc.doubt.R6",
    "tx-3pc.doubt.R7",
    "tx-3pc.doubt.R8",
    "tx-3pc.doubt.R9",
    "tx-3pc.doubt.R10",
    "tx-3pc.doubt.R11",
    "tx-3pc.doubt.R12",
    "tx-3pc.doubt.R13",
    "tx-3pc.doubt.R14",
];

impl Tx3pc {
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

    fn any_state(&self, pick: impl Fn(&CState) -> bool) -> bool {
        self.txs.values().any(pick)
    }
}

impl NetLab for Tx3pc {
    const ID: &'static str = "tx-3pc";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "cohorts";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = FIRST_COHORT + cfg.cohorts;
        (cfg, net_config(p), n)
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            CLIENT => {
                if self.pending() > 0 {
                    "tx-3pc.client_waiting"
                } else {
                    "tx-3pc.client_idle"
                }
            }
            COORDINATOR => {
                let any = |f: fn(&Phase) -> bool| self.co.values().any(|t| f(&t.phase));
                if any(|p| matches!(p, Phase::Voting { .. })) {
                    "tx-3pc.voting"
                } else if any(|p| matches!(p, Phase::PreCommitting { .. })) {
                    "tx-3pc.precommitting"
                } else if any(|p| matches!(p, Phase::Decided { .. })) {
                    "tx-3pc.deciding"
                } else {
                    "tx-3pc.co_idle"
                }
            }
            _ => {
                if self.blocked {
                    "tx-3pc.blocked"
                } else if self.any_state(|s| {
                    matches!(s, CState::PreCommitted { .. } | CState::Executing { .. })
                }) {
                    "tx-3pc.precommitted"
                } else if !self.doubt.is_empty() {
                    "tx-3pc.ready"
                } else if self.data.locks_held() > 0 || self.data.anyone_waiting() {
                    "tx-3pc.waiting"
                } else {
                    "tx-3pc.rm_idle"
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
                None => format!("L{}", self.data.locks_held()),
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
                    ("tx-3pc.issued", self.seq.to_string()),
                    ("tx-3pc.committed", done(true)),
                    ("tx-3pc.aborted", done(false)),
                    ("tx-3pc.pending", self.pending().to_string()),
                ]
            }
            COORDINATOR => vec![
                (
                    "tx-3pc.open",
                    self.co
                        .values()
                        .filter(|t| !matches!(t.phase, Phase::Ended { .. }))
                        .count()
                        .to_string(),
                ),
                (
                    "tx-3pc.outbox",
                    tx_list(&self.outbox.keys().copied().collect::<Vec<_>>()),
                ),
                ("tx-3pc.wal_len", self.wal.len().to_string()),
            ],
            _ => vec![
                ("tx-3pc.locks", self.data.locks_held().to_string()),
                (
                    "tx-3pc.in_doubt",
                    tx_list(&self.doubt.keys().copied().collect::<Vec<_>>()),
                ),
                (
                    "tx-3pc.blocked",
                    if self.blocked { "yes" } else { "no" }.into(),
                ),
                (
                    "tx-3pc.timeouts",
                    format!("{} / {}", self.timeout_commits, self.timeout_aborts),
                ),
                ("tx-3pc.doubt_ms", format!("{:.0}", ms(self.doubt_total))),
                ("tx-3pc.wal_len", self.wal.len().to_string()),
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
                            "tx-3pc.st.precommitting",
                            tx_list(&self.co_txs(|p| matches!(p, Phase::PreCommitting { .. }))),
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
                            "tx-3pc.st.ready",
                            tx_list(&self.cohort_txs(|s| matches!(s, CState::Ready { .. }))),
                        ),
                        (
                            "tx-3pc.st.executing",
                            tx_list(&self.cohort_txs(|s| matches!(s, CState::Executing { .. }))),
                        ),
                        (
                            "tx-3pc.st.precommitted",
                            tx_list(&self.cohort_txs(|s| matches!(s, CState::PreCommitted { .. }))),
                        ),
                        (
                            "tx-3pc.st.asking",
                            tx_list(&self.asking.iter().copied().collect::<Vec<_>>()),
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
        matches!(
            timer,
            Timer::Votes(_) | Timer::Acks(_) | Timer::Exec(_) | Timer::Wait(_) | Timer::Ask
        )
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
        let cohorts: Vec<serde_json::Value> = cohorts(sim)
            .map(|p| {
                json!({
                    "node": format!("R{}", p.id + 1),
                    "rows": p.data.values,
                    "in_doubt": p.doubt.keys().collect::<Vec<_>>(),
                    "blocked": p.blocked,
                    "doubt_ms": ms(p.doubt_time(sim.now())),
                    "locks": p.data.locks_held(),
                    "timeout_commits": p.timeout_commits,
                    "timeout_aborts": p.timeout_aborts,
                })
            })
            .collect();
        json!({
            "committed": m.committed,
            "aborted": m.aborted,
            "timeout_commits": m.timeout_commits,
            "timeout_aborts": m.timeout_aborts,
            "messages_per_tx": m.traffic.per_tx(),
            "faults": m.faults,
            "atomicity_violations": m.atomicity.violations,
            "cohorts": cohorts,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let differ = differ(sim);
        let doubt = cohorts(sim).filter(|p| !p.doubt.is_empty()).count();
        let blocked = cohorts(sim).filter(|p| p.blocked).count();
        if differ > 0 {
            Headline {
                key: "tx-3pc.headline.differ",
                args: vec![differ.to_string(), doubt.to_string()],
            }
        } else if doubt > 0 {
            Headline {
                key: "tx-3pc.headline.doubt",
                args: vec![doubt.to_string(), blocked.to_string()],
            }
        } else {
            Headline {
                key: "tx-3pc.headline.ok",
                args: vec![m.committed.to_string(), m.aborted.to_string()],
            }
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let now = sim.now();
        let lock_wait: Time = cohorts(sim).map(|p| p.lock_wait_total).sum();
        let mut stats = vec![
            Stat::new("tx-3pc.committed", m.committed as f64),
            Stat::new("tx-3pc.aborted", m.aborted as f64),
            Stat::new("tx-3pc.timeout_commits", m.timeout_commits as f64),
            Stat::new("tx-3pc.timeout_aborts", m.timeout_aborts as f64),
            Stat::new(
                "tx-3pc.in_doubt",
                cohorts(sim).filter(|p| !p.doubt.is_empty()).count() as f64,
            ),
            Stat::new(
                "tx-3pc.blocked",
                cohorts(sim).filter(|p| p.blocked).count() as f64,
            ),
            Stat::new("tx-3pc.rows_differ", differ(sim) as f64),
            Stat::new("tx-3pc.lock_waits", m.lock_waits as f64),
            Stat::new("tx-3pc.lock_wait_ms", ms(lock_wait)),
            Stat::new("tx-3pc.msgs_per_tx", m.traffic.per_tx()),
        ];
        for p in cohorts(sim) {
            if let Some(key) = DOUBT_KEYS.get(p.id - FIRST_COHORT) {
                stats.push(Stat::new(key, ms(p.doubt_time(now))));
            }
        }
        stats
    }
}

fn cohorts(sim: &Sim<Tx3pc>) -> impl Iterator<Item = &Tx3pc> {
    (0..sim.n()).map(|i| sim.node(i)).filter(|p| p.is_cohort())
}

/// Rows whose committed value is not the same on every cohort.
pub fn differ(sim: &Sim<Tx3pc>) -> usize {
    rows_differ(cohorts(sim).map(|p| p.data.values.as_slice()))
}
