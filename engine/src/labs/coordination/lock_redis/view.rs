//! What the app draws of the Redis lock: roles (the key free or held, a client idle,
//! acquiring, queued or holding), badges, details, panels (the key and the queue on the Redis
//! node, the storage's recent writes), the headline, the stats and the run summary.

use serde_json::json;

use super::{
    scenarios, texts, Config, LockRedis, Phase, CLIENT, FIRST_CLIENT, KEYS, PARAMS, REDIS,
    REDIS_NODE, STORAGE, STORAGE_NODE,
};
use crate::input::Params;
use crate::labs::coordination::lock_storage::section_name;
use crate::labs::{net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Stat, Text};
use crate::sim::{NetConfig, Protocol, Sim};

fn ms(t: crate::Time) -> String {
    format!("{} ms", t / 1_000)
}

impl LockRedis {
    /// Who holds the key, as the Redis node says (`c3 #2 t5`).
    fn key_text(&self) -> String {
        self.key.map_or("-".into(), |e| {
            format!("{} t{}", section_name(e.owner), e.token)
        })
    }
}

impl NetLab for LockRedis {
    const ID: &'static str = "lock-redis";
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

    /// Without fencing nothing stops a holder whose lock expired from writing after the next
    /// holder began: the violation is the lesson. With fencing it would be a bug.
    fn lessons(cfg: &Config) -> Vec<&'static str> {
        if cfg.fencing {
            Vec::new()
        } else {
            vec![KEYS.property]
        }
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            REDIS if self.key.is_some() => "lock-redis.locked",
            REDIS => "lock-redis.free",
            STORAGE => self.storage.role(&KEYS),
            _ => match self.phase {
                Phase::Idle => "lock-redis.idle",
                Phase::Acquiring { .. } => "lock-redis.acquiring",
                Phase::Queued { .. } => "lock-redis.waiting",
                Phase::Holding { .. } => "lock-redis.holding",
            },
        }
    }

    fn badge(&self) -> String {
        match self.kind() {
            REDIS => self.key.map_or("-".into(), |e| format!("t{}", e.token)),
            STORAGE => self.storage.badge(),
            _ => match self.phase {
                Phase::Holding { token, step, .. } => format!("t{token}·{step}"),
                Phase::Queued { position, .. } => format!("#{position}"),
                Phase::Acquiring { .. } => "…".into(),
                Phase::Idle => String::new(),
            },
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        match self.kind() {
            REDIS => vec![
                ("lock-redis.key", self.key_text()),
                (
                    "lock-redis.expires",
                    self.key.map_or("-".into(), |e| ms(e.expire_at)),
                ),
                ("lock-redis.fence", self.fence.to_string()),
                ("lock-redis.queue_len", self.queue.len().to_string()),
            ],
            STORAGE => self.storage.details(&KEYS),
            _ => {
                let token = match self.phase {
                    Phase::Holding { token, .. } => token.to_string(),
                    _ => "-".into(),
                };
                vec![
                    ("lock-redis.value", section_name(self.owner())),
                    ("lock-redis.token", token),
                    ("lock-redis.grants", self.grants.to_string()),
                    ("lock-redis.refusals", self.refusals.to_string()),
                ]
            }
        }
    }

    fn panels(&self) -> Vec<Panel> {
        match self.kind() {
            REDIS => {
                let mut out = vec![Panel::Rows {
                    title: "lock-redis.panel.key",
                    rows: vec![
                        ("lock-redis.key", self.key_text()),
                        (
                            "lock-redis.expires",
                            self.key.map_or("-".into(), |e| ms(e.expire_at)),
                        ),
                        ("lock-redis.fence", self.fence.to_string()),
                    ],
                }];
                if self.config().queue {
                    out.push(Panel::Queue {
                        title: "lock-redis.panel.queue",
                        items: self.queue.iter().map(|&(_, o)| section_name(o)).collect(),
                    });
                }
                out
            }
            STORAGE => self.storage.panels(&KEYS),
            _ => Vec::new(),
        }
    }

    fn arc_timer(timer: super::Timer) -> bool {
        matches!(timer, super::Timer::Expire)
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec!["client", "lock-redis.redis", KEYS.kind],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let st = &sim.node(STORAGE_NODE).storage;
        let grants: Vec<u64> = (FIRST_CLIENT..sim.n())
            .map(|i| sim.node(i).grants)
            .collect();
        json!({
            "requests": m.requests,
            "refusals": m.refusals,
            "grants": m.grants,
            "grants_per_client": grants,
            "queued": m.queued,
            "expired": m.expired,
            "deleted_other": m.del_other,
            "writes_accepted": st.accepted,
            "writes_rejected": st.rejected,
            "max_believed_holders": m.beliefs.max_believers,
            "max_wait_ms": m.beliefs.max_wait / 1_000,
            "faults": m.faults,
            "violations": m.violations(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        if m.violations() > 0 {
            Headline {
                key: "lock-redis.headline.overlap",
                args: vec![
                    m.violations().to_string(),
                    m.beliefs.max_believers.to_string(),
                ],
            }
        } else {
            Headline {
                key: "lock-redis.headline.ok",
                args: vec![
                    sim.node(REDIS_NODE).key_text(),
                    m.grants.to_string(),
                    m.refusals.to_string(),
                    sim.node(STORAGE_NODE).storage.rejected.to_string(),
                ],
            }
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let per: Vec<u64> = (FIRST_CLIENT..sim.n())
            .filter(|&i| sim.node(i).kind() == CLIENT)
            .map(|i| sim.node(i).grants)
            .collect();
        let min = per.iter().copied().min().unwrap_or(0);
        let max = per.iter().copied().max().unwrap_or(0);
        vec![
            Stat::new("lock-redis.requests", m.requests as f64),
            Stat::new("lock-redis.refusals", m.refusals as f64),
            Stat::new("lock-redis.grants", m.grants as f64),
            Stat::new("lock-redis.queued", m.queued as f64),
            Stat::new("lock-redis.grants_min", min as f64),
            Stat::new("lock-redis.grants_max", max as f64),
            Stat::new(
                "lock-redis.max_wait_ms",
                (m.beliefs.max_wait / 1_000) as f64,
            ),
            Stat::new("lock-redis.expired", m.expired as f64),
            Stat::new("lock-redis.deleted_other", m.del_other as f64),
            Stat::new("lock-redis.del_refused", m.del_refused as f64),
            Stat::new("lock-redis.renewals", m.renewals as f64),
            Stat::new("lock-redis.writes", m.writes as f64),
            Stat::new("lock-redis.rejected", m.rejected as f64),
            Stat::new("lock-redis.max_holders", m.beliefs.max_believers as f64),
            Stat::new("lock-redis.overlaps", m.violations() as f64),
        ]
    }
}
