//! What the app draws of the cluster: roles (master, master without slots, replica, replica
//! in an election, client idle or waiting), badges, details, panels (a node's slot table with
//! epochs, its keys, its peers' flags; a client's lookup and table), the layout (each master
//! beside its replica, clients apart), the headline, the stats and the run summary.

use serde_json::json;

use super::{scenarios, texts, Config, Flag, RedisCluster, CLIENT, MASTER, ONE_OWNER, PARAMS};
use crate::input::{InputError, Params};
use crate::labs::{net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Stat, Text};
use crate::sim::{NetConfig, Protocol, Sim};
use crate::NodeId;

/// A node's label as the app draws it (M1, R4, c7).
pub fn label(cfg: &Config, n: NodeId) -> String {
    let prefix = if n < cfg.masters {
        "M"
    } else if n < cfg.cluster() {
        "R"
    } else {
        "c"
    };
    format!("{prefix}{}", n + 1)
}

impl RedisCluster {
    fn runs(&self, node: NodeId) -> String {
        let v: Vec<String> = self
            .slots
            .owned_by(node)
            .iter()
            .map(|(a, b)| {
                if a == b {
                    a.to_string()
                } else {
                    format!("{a}–{b}")
                }
            })
            .collect();
        if v.is_empty() {
            "-".into()
        } else {
            v.join(", ")
        }
    }

    fn pairs(&self, v: &[(u16, NodeId)]) -> String {
        let s: Vec<String> = v
            .iter()
            .map(|&(s, n)| format!("{s} ↔ {}", label(&self.cfg, n)))
            .collect();
        if s.is_empty() {
            "-".into()
        } else {
            s.join(", ")
        }
    }
}

impl NetLab for RedisCluster {
    const ID: &'static str = "redis-cluster";
    const GROUP: Group = Group::Scheduling;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "masters";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.n();
        (cfg, net_config(p), n)
    }

    fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
        // At most one replica per master.
        p.order_pair("replicas", "masters", errors);
    }

    fn role(&self) -> &'static str {
        if self.is_client() {
            return if self.pending.is_some() {
                "redis-cluster.waiting"
            } else {
                "redis-cluster.idle"
            };
        }
        match self.replica_of {
            None if self.slots.count(self.id) > 0 => "redis-cluster.master",
            None => "redis-cluster.master_empty",
            Some(_) if self.election.is_some() => "redis-cluster.candidate",
            Some(_) => "redis-cluster.replica",
        }
    }

    fn badge(&self) -> String {
        if self.is_client() {
            return self
                .pending
                .as_ref()
                .map_or(String::new(), |p| format!("{}", p.slot));
        }
        match self.replica_of {
            None => format!("e{}·{}", self.config_epoch, self.slots.count(self.id)),
            Some(m) => format!("→{}", label(&self.cfg, m)),
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        if self.is_client() {
            let lookup = self.lookup.as_ref().map_or("-".into(), |l| {
                let owner = l.owner.map_or("?".into(), |o| label(&self.cfg, o));
                format!("{} → slot {} → {owner}", l.key, l.slot)
            });
            let last = self
                .last
                .as_ref()
                .map_or("-".into(), |(k, r)| format!("{k}: {r}"));
            return vec![
                ("redis-cluster.lookup", lookup),
                ("redis-cluster.last", last),
                ("redis-cluster.answered", self.ok.to_string()),
                ("redis-cluster.failed", self.failed.to_string()),
            ];
        }
        vec![
            (
                "redis-cluster.role_of",
                self.replica_of.map_or("master".into(), |m| {
                    format!("replica of {}", label(&self.cfg, m))
                }),
            ),
            ("redis-cluster.slots", self.runs(self.id)),
            (
                "redis-cluster.epochs",
                format!("{} / {}", self.current_epoch, self.config_epoch),
            ),
            ("redis-cluster.last_vote", self.last_vote_epoch.to_string()),
            ("redis-cluster.keys", self.data.len().to_string()),
            ("redis-cluster.migrating", self.pairs(&self.migrating)),
            ("redis-cluster.importing", self.pairs(&self.importing)),
        ]
    }

    fn panels(&self) -> Vec<Panel> {
        if self.is_client() {
            let mut rows: Vec<Vec<String>> = self
                .cache
                .iter()
                .map(|(s, n)| vec![s.to_string(), s.to_string(), label(&self.cfg, *n)])
                .collect();
            rows.extend(
                self.table
                    .iter()
                    .map(|&(a, b, n)| vec![a.to_string(), b.to_string(), label(&self.cfg, n)]),
            );
            return vec![Panel::Table {
                title: "redis-cluster.panel.client_table",
                columns: vec![
                    "redis-cluster.col.from",
                    "redis-cluster.col.to",
                    "redis-cluster.col.owner",
                ],
                rows,
            }];
        }
        let slots = self
            .slots
            .ranges
            .iter()
            .map(|r| {
                vec![
                    r.start.to_string(),
                    r.end.to_string(),
                    label(&self.cfg, r.owner),
                    r.epoch.to_string(),
                ]
            })
            .collect();
        let keys = self
            .data
            .iter()
            .map(|(k, v)| format!("{k} = {v} (slot {})", super::key_slot(k)))
            .collect();
        let peers = (0..self.flags.len())
            .filter(|&i| i != self.id)
            .map(|i| {
                let f = match self.flags[i] {
                    Flag::Ok => "ok",
                    Flag::PFail => "PFAIL",
                    Flag::Fail => "FAIL",
                };
                let role = match self.roles.get(i).copied().flatten() {
                    Some(m) => format!("replica of {}", label(&self.cfg, m)),
                    None => "master".into(),
                };
                vec![label(&self.cfg, i), role, f.into()]
            })
            .collect();
        vec![
            Panel::Table {
                title: "redis-cluster.panel.slots",
                columns: vec![
                    "redis-cluster.col.from",
                    "redis-cluster.col.to",
                    "redis-cluster.col.owner",
                    "redis-cluster.col.epoch",
                ],
                rows: slots,
            },
            Panel::List {
                title: "redis-cluster.panel.keys",
                items: keys,
            },
            Panel::Table {
                title: "redis-cluster.panel.peers",
                columns: vec![
                    "redis-cluster.col.node",
                    "redis-cluster.col.role",
                    "redis-cluster.col.flag",
                ],
                rows: peers,
            },
        ]
    }

    fn arc_timer(timer: super::Timer) -> bool {
        matches!(timer, super::Timer::Election | super::Timer::Migrate)
    }

    /// Each master with its replica in a group; the clients in one more.
    fn layout(sim: &Sim<Self>) -> Layout {
        let cfg = sim.node(0).config();
        let of = (0..sim.n())
            .map(|i| match sim.node(i).kind() {
                MASTER => i as u32,
                CLIENT => cfg.masters as u32,
                _ => (i - cfg.masters) as u32,
            })
            .collect();
        Layout::Clusters { of }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let cfg = sim.node(0).config();
        let owners: Vec<serde_json::Value> = (0..cfg.cluster())
            .filter(|&i| sim.node(i).is_master())
            .map(|i| {
                let n = sim.node(i);
                json!({"node": label(cfg, i), "config_epoch": n.config_epoch,
                       "slots": n.slots.count(i), "keys": n.data.len()})
            })
            .collect();
        json!({
            "answered": m.ok,
            "writes": m.stored,
            "moved": m.moved,
            "ask": m.asks,
            "tryagain": m.tryagain,
            "clusterdown": m.down,
            "gave_up": m.gave_up,
            "pfail": m.pfail,
            "fail": m.fail,
            "elections": m.elections,
            "promotions": m.promotions,
            "keys_migrated": m.keys_migrated,
            "slots_claimed": m.slots_claimed,
            "masters": owners,
            "failover_ms": match (m.first_fail, m.first_promotion) {
                (Some(a), Some(b)) if b >= a => Some((b - a) / 1_000),
                _ => None,
            },
            "detect_ms": m.detect_ms(),
            "faults": m.faults,
            "violations": m.violations,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        if m.violations > 0 {
            return Headline {
                key: "redis-cluster.headline.conflict",
                args: vec![m.violations.to_string()],
            };
        }
        let masters = (0..sim.node(0).config().cluster())
            .filter(|&i| sim.node(i).is_master() && sim.node(i).slots.count(i) > 0)
            .count();
        Headline {
            key: "redis-cluster.headline.ok",
            args: vec![
                masters.to_string(),
                m.ok.to_string(),
                m.moved.to_string(),
                m.asks.to_string(),
                m.promotions.to_string(),
                m.down.to_string(),
            ],
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let failover = match (m.first_fail, m.first_promotion) {
            (Some(a), Some(b)) if b >= a => ((b - a) / 1_000) as f64,
            _ => 0.0,
        };
        let _ = ONE_OWNER;
        vec![
            Stat::new("redis-cluster.answered", m.ok as f64),
            Stat::new("redis-cluster.writes", m.stored as f64),
            Stat::new("redis-cluster.moved", m.moved as f64),
            Stat::new("redis-cluster.ask", m.asks as f64),
            Stat::new("redis-cluster.tryagain", m.tryagain as f64),
            Stat::new("redis-cluster.clusterdown", m.down as f64),
            Stat::new("redis-cluster.timeouts", m.timeouts as f64),
            Stat::new("redis-cluster.pfail", m.pfail as f64),
            Stat::new("redis-cluster.fail", m.fail as f64),
            Stat::new("redis-cluster.elections", m.elections as f64),
            Stat::new("redis-cluster.votes", m.votes as f64),
            Stat::new("redis-cluster.promotions", m.promotions as f64),
            Stat::new(
                "redis-cluster.detect_ms",
                m.detect_ms().map_or(0.0, |d| d as f64),
            ),
            Stat::new("redis-cluster.failover_ms", failover),
            Stat::new("redis-cluster.keys_migrated", m.keys_migrated as f64),
            Stat::new("redis-cluster.slots_claimed", m.slots_claimed as f64),
            Stat::new("redis-cluster.conflicts", m.violations as f64),
        ]
    }
}
