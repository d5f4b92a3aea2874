//! What the app draws of the ZooKeeper lock: roles (a client idle, creating, listing, watching,
//! holding a read or the exclusive lock, releasing), badges, details, panels (the znode tree
//! with owners and watches, the sessions, a client's own view, the storage's recent accesses),
//! the headline, the stats and the run summary.

use serde_json::json;

use super::{
    scenarios, texts, Config, LockZk, Phase, CLIENT, FIRST_CLIENT, KEYS, PARAMS, SERVER,
    SERVER_NODE, STORAGE, STORAGE_NODE,
};
use crate::input::Params;
use crate::labs::{Group, Headline, Layout, NetLab, Panel, ParamSpec, Stat, Text};
use crate::sim::{NetConfig, Protocol, Sim};

fn ms(t: crate::Time) -> String {
    format!("{} ms", t / 1_000)
}

impl LockZk {
    /// The client that owns session `id` (`c3`), as the server knows it.
    fn session_client(&self, id: u64) -> String {
        self.sessions
            .get(&id)
            .map_or(format!("0x{id:x}"), |s| format!("c{}", s.client + 1))
    }

    /// Who watches `path`: `exists: c4 · children: c5 c6`.
    fn watchers(&self, path: &str) -> String {
        let list = |m: &std::collections::BTreeMap<String, Vec<u64>>| -> Vec<String> {
            m.get(path)
                .map(|l| l.iter().map(|&s| self.session_client(s)).collect())
                .unwrap_or_default()
        };
        let (d, c) = (list(&self.data_watches), list(&self.child_watches));
        let mut out = Vec::new();
        if !d.is_empty() {
            out.push(format!("exists: {}", d.join(" ")));
        }
        if !c.is_empty() {
            out.push(format!("children: {}", c.join(" ")));
        }
        if out.is_empty() {
            "-".into()
        } else {
            out.join(" · ")
        }
    }

    /// The lock's holders as the tree says: the children no earlier child blocks.
    pub fn tree_holders(&self) -> Vec<String> {
        let names = self.children(super::LOCK_DIR);
        let kids: Vec<(u64, bool, String)> = names
            .iter()
            .filter_map(|n| super::client::parse_child(n).map(|(s, r)| (s, r, n.clone())))
            .collect();
        kids.iter()
            .filter(|(s, r, _)| super::client::blocker(&kids, *s, *r).is_none())
            .filter_map(|(_, _, n)| {
                let z = self.tree.get(&format!("{}/{n}", super::LOCK_DIR))?;
                Some(format!(
                    "{n} ({})",
                    z.owner.map_or("-".into(), |o| self.session_client(o))
                ))
            })
            .collect()
    }

    fn client_on(&self) -> String {
        match &self.phase {
            Phase::Checking { on, .. } | Phase::Waiting { on, .. } => on.clone(),
            _ => "-".into(),
        }
    }
}

impl NetLab for LockZk {
    const ID: &'static str = "lock-zk";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "clients";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = FIRST_CLIENT + cfg.clients;
        (cfg, super::net(p), n)
    }

    /// Without fencing nothing stops a holder whose session expired from writing after the
    /// next holder began: the violation is the lesson. With fencing it would be a bug.
    fn lessons(cfg: &Config) -> Vec<&'static str> {
        if cfg.fencing {
            Vec::new()
        } else {
            vec![KEYS.property]
        }
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            SERVER => "lock-zk.server",
            STORAGE => self.storage.role(&KEYS),
            _ => match self.phase {
                Phase::Idle if self.session.is_none() => "lock-zk.no_session",
                Phase::Idle => "lock-zk.idle",
                Phase::Creating { .. } | Phase::Listing { .. } | Phase::Checking { .. } => {
                    "lock-zk.acquiring"
                }
                Phase::Waiting { .. } => "lock-zk.waiting",
                Phase::Holding { .. } if self.read => "lock-zk.reading",
                Phase::Holding { .. } => "lock-zk.holding",
                Phase::Releasing => "lock-zk.releasing",
            },
        }
    }

    fn badge(&self) -> String {
        match self.kind() {
            SERVER => format!("z{}", self.zxid),
            STORAGE => self.storage.badge(),
            _ => match &self.phase {
                Phase::Holding { token, step, .. } => format!("t{token}·{step}"),
                Phase::Waiting { on, .. } => {
                    format!("→{}", on.rsplit('/').next().unwrap_or(on))
                }
                Phase::Idle | Phase::Releasing => String::new(),
                _ => "…".into(),
            },
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        match self.kind() {
            SERVER => vec![
                ("lock-zk.zxid", self.zxid.to_string()),
                ("lock-zk.znodes", self.tree.len().to_string()),
                ("lock-zk.sessions", self.sessions.len().to_string()),
                ("lock-zk.holders", self.tree_holders().join(", ")),
            ],
            STORAGE => self.storage.details(&KEYS),
            _ => {
                let token = match self.phase {
                    Phase::Holding { token, .. } => token.to_string(),
                    _ => "-".into(),
                };
                vec![
                    (
                        "lock-zk.session",
                        self.session.map_or("-".into(), |s| format!("0x{s:x}")),
                    ),
                    (
                        "lock-zk.node",
                        self.node.as_ref().map_or("-".into(), |n| n.0.clone()),
                    ),
                    ("lock-zk.watching", self.client_on()),
                    ("lock-zk.token", token),
                    ("lock-zk.grants", self.grants.to_string()),
                ]
            }
        }
    }

    fn panels(&self) -> Vec<Panel> {
        match self.kind() {
            SERVER => vec![
                Panel::Table {
                    title: "lock-zk.panel.tree",
                    columns: vec![
                        "lock-zk.col.path",
                        "lock-zk.col.mode",
                        "lock-zk.col.owner",
                        "lock-zk.col.czxid",
                        "lock-zk.col.watches",
                    ],
                    rows: self
                        .tree
                        .iter()
                        .map(|(p, z)| {
                            vec![
                                p.clone(),
                                z.mode.label().into(),
                                z.owner.map_or("-".into(), |o| self.session_client(o)),
                                z.czxid.to_string(),
                                self.watchers(p),
                            ]
                        })
                        .collect(),
                },
                Panel::Table {
                    title: "lock-zk.panel.sessions",
                    columns: vec![
                        "lock-zk.col.session",
                        "lock-zk.col.client",
                        "lock-zk.col.timeout",
                        "lock-zk.col.deadline",
                    ],
                    rows: self
                        .sessions
                        .iter()
                        .map(|(id, s)| {
                            vec![
                                format!("0x{id:x}"),
                                format!("c{}", s.client + 1),
                                ms(s.timeout),
                                ms(s.deadline),
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
        matches!(timer, super::Timer::Sessions)
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec!["client", "lock-zk.server", KEYS.kind],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let st = &sim.node(STORAGE_NODE).storage;
        let grants: Vec<u64> = (FIRST_CLIENT..sim.n())
            .map(|i| sim.node(i).grants)
            .collect();
        json!({
            "grants": m.grants,
            "read_grants": m.read_grants,
            "grants_per_client": grants,
            "releases": m.releases,
            "notifications": m.notifications,
            "child_reads": m.child_reads,
            "notifications_per_release": m.per_release(m.notifications),
            "child_reads_per_release": m.per_release(m.child_reads),
            "sessions_expired": m.expired,
            "accesses_accepted": st.accepted,
            "accesses_rejected": st.rejected,
            "max_believed_holders": m.beliefs.max_believers,
            "max_believed_writers": m.writers.max_believers,
            "faults": m.faults,
            "violations": m.violations(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        if m.violations() > 0 {
            Headline {
                key: "lock-zk.headline.overlap",
                args: vec![
                    m.violations().to_string(),
                    m.writers.max_believers.to_string(),
                ],
            }
        } else {
            let holders = sim.node(SERVER_NODE).tree_holders();
            Headline {
                key: "lock-zk.headline.ok",
                args: vec![
                    if holders.is_empty() {
                        "-".into()
                    } else {
                        holders.join(", ")
                    },
                    m.grants.to_string(),
                    format!("{:.1}", m.per_release(m.notifications)),
                    format!("{:.1}", m.per_release(m.child_reads)),
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
        vec![
            Stat::new("lock-zk.grants", m.grants as f64),
            Stat::new("lock-zk.read_grants", m.read_grants as f64),
            Stat::new(
                "lock-zk.grants_min",
                per.iter().copied().min().unwrap_or(0) as f64,
            ),
            Stat::new("lock-zk.releases", m.releases as f64),
            Stat::new("lock-zk.notifications", m.notifications as f64),
            Stat::new("lock-zk.child_reads", m.child_reads as f64),
            Stat::new("lock-zk.exists_calls", m.exists_calls as f64),
            Stat::new(
                "lock-zk.notifications_per_release",
                m.per_release(m.notifications),
            ),
            Stat::new(
                "lock-zk.child_reads_per_release",
                m.per_release(m.child_reads),
            ),
            Stat::new("lock-zk.max_wait_ms", (m.beliefs.max_wait / 1_000) as f64),
            Stat::new("lock-zk.sessions_expired", m.expired as f64),
            Stat::new("lock-zk.ephemerals_deleted", m.ephemerals_deleted as f64),
            Stat::new("lock-zk.writes", m.writes as f64),
            Stat::new("lock-zk.reads", m.reads as f64),
            Stat::new("lock-zk.rejected", m.rejected as f64),
            Stat::new("lock-zk.max_holders", m.beliefs.max_believers as f64),
            Stat::new("lock-zk.max_writers", m.writers.max_believers as f64),
            Stat::new("lock-zk.overlaps", m.violations() as f64),
        ]
    }
}
