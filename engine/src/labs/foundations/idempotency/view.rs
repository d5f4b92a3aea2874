//! What the app draws of the idempotency lab: roles (a client whose request timed out is
//! *unknown*), badges, details, the panels (the server's account, dedupe table and journal;
//! each client's outstanding request, queue and finished requests), the tiered layout
//! (clients | server), the headline, the stats and the run summary.

use serde_json::json;

use super::{
    scenarios, texts, Config, Idem, Outcome, ReqState, CLIENT, MAX_CLIENTS, PARAMS, SERVER,
    SERVER_NODE,
};
use crate::input::Params;
use crate::labs::{net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Stat, Text};
use crate::sim::{NetConfig, Protocol, Sim};
use crate::{Time, MS};

/// Dedupe table rows the inspector shows (the newest).
const TABLE_SHOWN: usize = 12;
/// Requests listed per outcome row (the newest).
const REQ_SHOWN: usize = 8;

fn ms(t: Time) -> f64 {
    t as f64 / MS as f64
}

fn req_list(reqs: impl DoubleEndedIterator<Item = u64>) -> String {
    let mut v: Vec<String> = reqs
        .rev()
        .take(REQ_SHOWN + 1)
        .map(|r| format!("#{r}"))
        .collect();
    if v.is_empty() {
        return "-".into();
    }
    if v.len() > REQ_SHOWN {
        v.truncate(REQ_SHOWN);
        v.push("…".into());
    }
    v.reverse();
    v.join(" ")
}

impl Idem {
    fn state_key(&self) -> &'static str {
        match self.client.current.map(|o| o.state) {
            None => "idempotency.st.none",
            Some(ReqState::Sent) => "idempotency.st.sent",
            Some(ReqState::TimedOut) => "idempotency.st.timed_out",
            Some(ReqState::Retrying) => "idempotency.st.retrying",
        }
    }

    fn finished_with(&self, pick: impl Fn(&Outcome) -> bool) -> String {
        req_list(
            self.client
                .finished
                .iter()
                .filter(|f| pick(&f.outcome))
                .map(|f| f.req),
        )
    }

    fn server_panels(&self) -> Vec<Panel> {
        let s = &self.server;
        let cfg = self.config();
        let mut panels = vec![Panel::Rows {
            title: "idempotency.panel.account",
            rows: vec![
                ("idempotency.row.balance", s.balance.to_string()),
                ("idempotency.row.applied", s.applied.to_string()),
                ("idempotency.row.hits", s.hits.to_string()),
                ("idempotency.row.expired", s.expired.to_string()),
            ],
        }];
        if cfg.ids {
            let skip = s.order.len().saturating_sub(TABLE_SHOWN);
            let rows = s
                .order
                .iter()
                .skip(skip)
                .filter_map(|(stored, k)| s.table.get(k).filter(|e| e.stored == *stored))
                .map(|e| {
                    vec![
                        format!("#{}", e.req),
                        format!("{:+}", e.amount),
                        format!("c{}", e.client + 1),
                        e.balance.to_string(),
                        format!("{:.0}", ms(e.stored)),
                        format!("{:.0}", ms(e.stored.saturating_add(cfg.retention))),
                    ]
                })
                .collect();
            panels.push(Panel::Table {
                title: "idempotency.panel.table",
                columns: vec![
                    "idempotency.col.key",
                    "idempotency.col.amount",
                    "idempotency.col.client",
                    "idempotency.col.reply",
                    "idempotency.col.stored",
                    "idempotency.col.expires",
                ],
                rows,
            });
        } else {
            panels.push(Panel::Rows {
                title: "idempotency.panel.table",
                rows: vec![("idempotency.row.ids_off", "-".into())],
            });
        }
        panels.push(Panel::Table {
            title: "idempotency.panel.journal",
            columns: vec![
                "idempotency.col.request",
                "idempotency.col.amount",
                "idempotency.col.balance",
            ],
            rows: s
                .journal
                .iter()
                .map(|a| {
                    vec![
                        format!("#{}", a.req),
                        format!("{:+}", a.amount),
                        a.balance.to_string(),
                    ]
                })
                .collect(),
        });
        panels
    }

    fn client_panels(&self) -> Vec<Panel> {
        let c = &self.client;
        let cfg = self.config();
        let mut rows = vec![(
            self.state_key(),
            c.current.map_or("-".into(), |o| format!("#{}", o.req)),
        )];
        if let Some(o) = c.current {
            rows.push(("idempotency.row.amount", format!("{:+}", o.amount)));
            rows.push((
                "idempotency.row.attempts",
                format!("{} / {}", o.attempts, cfg.retries + 1),
            ));
            rows.push((
                "idempotency.row.last_retry_by",
                format!("{:.0}", ms(o.first_sent.saturating_add(cfg.retry_span()))),
            ));
        }
        vec![
            Panel::Rows {
                title: "idempotency.panel.outstanding",
                rows,
            },
            Panel::Queue {
                title: "idempotency.panel.queue",
                items: c.queue.iter().map(|(r, a)| format!("#{r} {a:+}")).collect(),
            },
            Panel::Rows {
                title: "idempotency.panel.finished",
                rows: vec![
                    (
                        "idempotency.st.answered",
                        self.finished_with(|o| matches!(o, Outcome::Answered { .. })),
                    ),
                    (
                        "idempotency.st.replayed",
                        self.finished_with(|o| {
                            matches!(o, Outcome::Answered { replayed: true, .. })
                        }),
                    ),
                    (
                        "idempotency.st.unknown",
                        self.finished_with(|o| *o == Outcome::Unknown),
                    ),
                    (
                        "idempotency.st.late",
                        self.finished_with(|o| matches!(o, Outcome::LateAnswer { .. })),
                    ),
                ],
            },
        ]
    }
}

impl NetLab for Idem {
    const ID: &'static str = "idempotency";
    const GROUP: Group = Group::Foundations;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "clients";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const DEMO: &'static [(&'static str, f64)] = &[("loss", 15.0)];

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = 1 + cfg.clients.min(MAX_CLIENTS);
        (cfg, net_config(p), n)
    }

    fn role(&self) -> &'static str {
        if self.is_server() {
            if self.config().ids {
                "idempotency.server_ids"
            } else {
                "idempotency.server_plain"
            }
        } else {
            match self.client.current.map(|o| o.state) {
                None => "idempotency.idle",
                Some(ReqState::Sent) => "idempotency.waiting",
                Some(ReqState::TimedOut | ReqState::Retrying) => "idempotency.unknown",
            }
        }
    }

    fn badge(&self) -> String {
        if self.is_server() {
            self.server.balance.to_string()
        } else {
            match self.client.current {
                Some(o) if o.state == ReqState::Sent => format!("#{}", o.req),
                Some(o) => format!("#{}?", o.req),
                None => "-".into(),
            }
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let cfg = self.config();
        if self.is_server() {
            vec![
                ("idempotency.balance", self.server.balance.to_string()),
                ("idempotency.entries", self.server.table.len().to_string()),
                (
                    "idempotency.retention_ms",
                    format!("{:.0}", ms(cfg.retention)),
                ),
                (
                    "idempotency.horizon_ms",
                    format!("{:.0}", ms(cfg.horizon())),
                ),
            ]
        } else {
            let c = &self.client;
            vec![
                ("idempotency.issued", c.issued.to_string()),
                ("idempotency.answered", c.answered.to_string()),
                ("idempotency.unknown", c.unknown.len().to_string()),
                ("idempotency.retries", c.retries.to_string()),
                ("idempotency.queue", c.queue.len().to_string()),
            ]
        }
    }

    fn panels(&self) -> Vec<Panel> {
        if self.is_server() {
            self.server_panels()
        } else {
            self.client_panels()
        }
    }

    fn arc_timer(timer: super::Timer) -> bool {
        matches!(timer, super::Timer::Timeout(_) | super::Timer::Retry(_))
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec![Self::KINDS[CLIENT].id, Self::KINDS[SERVER].id],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let s = &sim.node(SERVER_NODE).server;
        let cfg = sim.node(SERVER_NODE).config();
        json!({
            "ids": cfg.ids,
            "retention_ms": ms(cfg.retention),
            "horizon_ms": ms(cfg.horizon()),
            "safe": cfg.safe(),
            "balance": s.balance,
            "intended": m.intended,
            "applied": m.applied,
            "double_applied": m.double_applied,
            "requests_doubled": m.requests_doubled,
            "retries": m.retries,
            "dedupe_hits": m.dedupe_hits,
            "answered": m.answered,
            "unknown": m.gave_up.saturating_sub(m.late_answers),
            "answered_not_once": m.answered_not_once().count(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let cfg = sim.node(SERVER_NODE).config();
        let waiting = (1..sim.n())
            .map(|i| sim.node(i))
            .find(|p| p.client.current.is_some_and(|o| o.state != ReqState::Sent));
        if m.double_applied > 0 {
            Headline {
                key: "idempotency.headline.double",
                args: vec![
                    m.requests_doubled.to_string(),
                    m.applied.to_string(),
                    m.intended.to_string(),
                ],
            }
        } else if let Some(p) = waiting {
            Headline {
                key: "idempotency.headline.unknown",
                args: vec![
                    format!("c{}", p.id + 1),
                    p.client.current.map_or(0, |o| o.req).to_string(),
                ],
            }
        } else if cfg.ids && !cfg.safe() {
            Headline {
                key: "idempotency.headline.short_retention",
                args: vec![
                    format!("{:.0}", ms(cfg.retention)),
                    format!("{:.0}", ms(cfg.horizon())),
                ],
            }
        } else if !cfg.ids {
            Headline {
                key: "idempotency.headline.no_ids",
                args: vec![m.intended.to_string(), m.applied.to_string()],
            }
        } else {
            Headline {
                key: "idempotency.headline.ok",
                args: vec![
                    m.intended.to_string(),
                    m.applied.to_string(),
                    m.dedupe_hits.to_string(),
                ],
            }
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let s = &sim.node(SERVER_NODE).server;
        vec![
            Stat::new("idempotency.intended", m.intended as f64),
            Stat::new("idempotency.applied", m.applied as f64),
            Stat::new("idempotency.double_applied", m.double_applied as f64),
            Stat::new("idempotency.retries", m.retries as f64),
            Stat::new("idempotency.dedupe_hits", m.dedupe_hits as f64),
            Stat::new("idempotency.answered", m.answered as f64),
            Stat::new(
                "idempotency.unknown",
                m.gave_up.saturating_sub(m.late_answers) as f64,
            ),
            Stat::new("idempotency.expired", m.expired as f64),
            Stat::new("idempotency.balance", s.balance as f64),
        ]
    }
}
