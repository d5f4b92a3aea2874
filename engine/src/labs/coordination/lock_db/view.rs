//! What the app draws of the database lock: roles (the table empty or locked, a client idle,
//! polling, holding or blocked by its own row), badges, details, panels (the lock table and
//! the waiting clients on the database, the storage's recent writes), the headline, the stats
//! and the run summary.

use serde_json::json;

use super::{
    scenarios, texts, Config, LockDb, Nested, Phase, CLIENT, DB, DB_NODE, FIRST_CLIENT, KEYS,
    PARAMS, STORAGE, STORAGE_NODE,
};
use crate::input::Params;
use crate::labs::coordination::lock_storage::section_name;
use crate::labs::{net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Stat, Text};
use crate::sim::{NetConfig, Protocol, Sim};
use crate::{Time, MS};

/// A client waiting longer than this counts as stuck.
pub const STUCK: Time = 1_000 * MS;

fn ms(t: Time) -> String {
    format!("{} ms", t / 1_000)
}

impl LockDb {
    /// The lock table's row, as the database shows it (`c3#2 ×1`).
    fn row_text(&self) -> String {
        match self.rows.as_slice() {
            [] => "-".into(),
            rows => rows
                .iter()
                .map(|r| {
                    let h = r.holders.first().copied().unwrap_or(0);
                    format!("{} ×{}", section_name(h), r.holders.len())
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

impl NetLab for LockDb {
    const ID: &'static str = "lock-db";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "clients";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = FIRST_CLIENT + cfg.clients;
        (cfg, net_config(p), n)
    }

    /// With no expiry and a table on disk a row lives from the grant to the holder's delete,
    /// so a violation would be a bug. The expiry job deletes a paused holder's row, and a
    /// MEMORY table loses it on a restart: there the violation is the lesson.
    fn lessons(cfg: &Config) -> Vec<&'static str> {
        if cfg.expiry || !cfg.persist {
            vec![KEYS.property]
        } else {
            Vec::new()
        }
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            DB if self.rows.is_empty() => "lock-db.free",
            DB => "lock-db.locked",
            STORAGE => self.storage.role(&KEYS),
            _ => match self.phase {
                Phase::Idle => "lock-db.idle",
                Phase::Acquiring { .. } => "lock-db.polling",
                Phase::Holding {
                    nested: Nested::Asking(_),
                    ..
                } => "lock-db.self_blocked",
                Phase::Holding { .. } => "lock-db.holding",
            },
        }
    }

    fn badge(&self) -> String {
        match self.kind() {
            DB => format!("{}|{}", self.rows.len(), self.waiters.len()),
            STORAGE => self.storage.badge(),
            _ => match self.phase {
                Phase::Holding { step, .. } => format!("·{step}"),
                Phase::Acquiring { .. } => format!("✗{}", self.fails),
                Phase::Idle => String::new(),
            },
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        match self.kind() {
            DB => vec![
                ("lock-db.row", self.row_text()),
                ("lock-db.inserts", self.inserts.to_string()),
                ("lock-db.failed", self.failed.to_string()),
                ("lock-db.swept", self.swept.to_string()),
                ("lock-db.waiters", self.waiters.len().to_string()),
            ],
            STORAGE => self.storage.details(&KEYS),
            _ => vec![
                ("lock-db.holder", section_name(self.holder())),
                ("lock-db.grants", self.grants.to_string()),
                ("lock-db.fails", self.fails.to_string()),
                ("lock-db.pending", self.pending.len().to_string()),
            ],
        }
    }

    fn panels(&self) -> Vec<Panel> {
        match self.kind() {
            DB => vec![
                Panel::Table {
                    title: "lock-db.panel.table",
                    columns: vec![
                        "lock-db.col.holder",
                        "lock-db.col.owner",
                        "lock-db.col.count",
                        "lock-db.col.inserted",
                        "lock-db.col.expires",
                    ],
                    rows: self
                        .rows
                        .iter()
                        .map(|r| {
                            vec![
                                section_name(r.holders.first().copied().unwrap_or(0)),
                                format!("c{}/{}", (r.owner >> 16) + 1, r.owner & 0xFFFF),
                                r.holders.len().to_string(),
                                ms(r.inserted_at),
                                r.expires_at.map_or("-".into(), ms),
                            ]
                        })
                        .collect(),
                },
                Panel::Table {
                    title: "lock-db.panel.waiting",
                    columns: vec![
                        "lock-db.col.client",
                        "lock-db.col.since",
                        "lock-db.col.last",
                        "lock-db.col.fails",
                    ],
                    rows: self
                        .waiters
                        .iter()
                        .map(|(&c, w)| {
                            vec![
                                format!("c{}", c + 1),
                                ms(w.since),
                                ms(w.last),
                                w.fails.to_string(),
                            ]
                        })
                        .collect(),
                },
            ],
            STORAGE => self.storage.panels(&KEYS),
            _ => Vec::new(),
        }
    }

    fn arc_timer(timer: super::Timer) -> bool {
        matches!(timer, super::Timer::Sweep)
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec!["client", "lock-db.db", KEYS.kind],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let st = &sim.node(STORAGE_NODE).storage;
        let grants: Vec<u64> = (FIRST_CLIENT..sim.n())
            .map(|i| sim.node(i).grants)
            .collect();
        json!({
            "inserts": m.inserts,
            "failed_inserts": m.failed,
            "grants": m.grants,
            "grants_per_client": grants,
            "longest_wait_ms": m.longest_wait(sim.now()) / 1_000,
            "stuck_clients": m.waiting(sim.now(), STUCK),
            "swept": m.swept,
            "reentered": m.reentered,
            "self_blocked": m.self_blocked,
            "writes_accepted": st.accepted,
            "max_believed_holders": m.beliefs.max_believers,
            "faults": m.faults,
            "violations": m.violations(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let now = sim.now();
        if m.violations() > 0 {
            Headline {
                key: "lock-db.headline.overlap",
                args: vec![
                    m.violations().to_string(),
                    m.beliefs.max_believers.to_string(),
                ],
            }
        } else if m.waiting(now, STUCK) > 0 {
            Headline {
                key: "lock-db.headline.stuck",
                args: vec![
                    m.waiting(now, STUCK).to_string(),
                    (m.longest_wait(now) / 1_000).to_string(),
                    sim.node(DB_NODE).row_text(),
                ],
            }
        } else {
            Headline {
                key: "lock-db.headline.ok",
                args: vec![
                    sim.node(DB_NODE).row_text(),
                    m.grants.to_string(),
                    m.failed.to_string(),
                ],
            }
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let now = sim.now();
        let secs = (now as f64 / 1e6).max(1e-3);
        let per: Vec<u64> = (FIRST_CLIENT..sim.n())
            .filter(|&i| sim.node(i).kind() == CLIENT)
            .map(|i| sim.node(i).grants)
            .collect();
        let polls = if m.grants > 0 {
            m.failed as f64 / m.grants as f64
        } else {
            m.failed as f64
        };
        vec![
            Stat::new("lock-db.grants", m.grants as f64),
            Stat::new("lock-db.inserts", m.inserts as f64),
            Stat::new(
                "lock-db.inserts_per_s",
                (m.inserts as f64 / secs * 10.0).round() / 10.0,
            ),
            Stat::new("lock-db.failed", m.failed as f64),
            Stat::new("lock-db.polls_per_grant", (polls * 100.0).round() / 100.0),
            Stat::new(
                "lock-db.grants_min",
                per.iter().copied().min().unwrap_or(0) as f64,
            ),
            Stat::new(
                "lock-db.longest_wait_ms",
                (m.longest_wait(now) / 1_000) as f64,
            ),
            Stat::new("lock-db.stuck", m.waiting(now, STUCK) as f64),
            Stat::new("lock-db.swept", m.swept as f64),
            Stat::new("lock-db.reentered", m.reentered as f64),
            Stat::new("lock-db.self_blocked", m.self_blocked as f64),
            Stat::new("lock-db.writes", m.writes as f64),
            Stat::new("lock-db.max_holders", m.beliefs.max_believers as f64),
            Stat::new("lock-db.overlaps", m.violations() as f64),
        ]
    }
}
