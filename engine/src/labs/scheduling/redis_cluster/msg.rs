//! Redis Cluster's messages: the cluster bus (PING/PONG with gossip, FAIL, the failover
//! election's vote request and vote, the resharding's key migration), replication, and the
//! client protocol with its redirections (MOVED, ASK, TRYAGAIN, CLUSTERDOWN).

use crate::sim::{Message, TraceHasher};
use crate::NodeId;

/// What a node tells the others in every PING and PONG: its epochs, whether it is a replica
/// (and of whom), the slots it claims, and the nodes it currently believes down (PFAIL or
/// FAIL), the gossip from which the others count failure reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gossip {
    pub current_epoch: u64,
    pub config_epoch: u64,
    pub replica_of: Option<NodeId>,
    pub slots: Vec<(u16, u16)>,
    pub suspects: Vec<NodeId>,
}

/// A client command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Get,
    Set(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    Ping(Gossip),
    Pong(Gossip),
    /// `node` is FAIL: a majority of masters reported it (broadcast by whoever saw it first).
    Fail {
        node: NodeId,
    },
    /// A replica of failed `master` asks the masters for their vote in `epoch`.
    VoteRequest {
        epoch: u64,
        master: NodeId,
    },
    /// A master's vote (FAILOVER_AUTH_ACK), at most one per epoch.
    Vote {
        epoch: u64,
    },
    /// The target of a resharding asks the slot's owner to migrate it (IMPORTING here,
    /// MIGRATING there).
    Import {
        slot: u16,
    },
    /// One key moved to the importing node (MIGRATE … ), and its acknowledgement.
    MigrateKey {
        slot: u16,
        key: String,
        value: u64,
    },
    KeyMoved {
        slot: u16,
        key: String,
    },
    /// The slot's last key has moved: the importing node may claim it (SETSLOT NODE).
    SlotDone {
        slot: u16,
    },
    /// A master's write streamed to its replica (asynchronously: the client already has its
    /// answer); `None` deletes.
    Replicate {
        key: String,
        value: Option<u64>,
    },
    /// A replica asks its master for everything (SYNC), and the snapshot.
    SyncRequest,
    FullSync {
        data: Vec<(String, u64)>,
    },
    /// Client → node. `asking`: sent after an ASK redirect (the ASKING flag).
    Command {
        id: u64,
        key: String,
        op: Op,
        asking: bool,
    },
    /// Node → client: the value read (or none), or a write done.
    Value {
        id: u64,
        value: Option<u64>,
    },
    Done {
        id: u64,
    },
    /// The slot is served by `to` (the client updates its table and retries there).
    Moved {
        id: u64,
        slot: u16,
        to: NodeId,
    },
    /// The slot is migrating: try this one key at `to`, with ASKING, this once.
    Ask {
        id: u64,
        slot: u16,
        to: NodeId,
    },
    /// The key is being migrated right now: retry shortly.
    TryAgain {
        id: u64,
    },
    /// CLUSTERDOWN: the slot's owner is FAIL and nobody took over.
    Down {
        id: u64,
        slot: u16,
    },
    /// CLUSTER SLOTS: a client asks for the slot table, and gets it.
    SlotsRequest,
    Slots {
        ranges: Vec<(u16, u16, NodeId)>,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Ping(_) => "Ping",
            Msg::Pong(_) => "Pong",
            Msg::Fail { .. } => "Fail",
            Msg::VoteRequest { .. } => "VoteRequest",
            Msg::Vote { .. } => "Vote",
            Msg::Import { .. } => "Import",
            Msg::MigrateKey { .. } => "MigrateKey",
            Msg::KeyMoved { .. } => "KeyMoved",
            Msg::SlotDone { .. } => "SlotDone",
            Msg::Replicate { .. } => "Replicate",
            Msg::SyncRequest => "SyncRequest",
            Msg::FullSync { .. } => "FullSync",
            Msg::Command { op: Op::Get, .. } => "Get",
            Msg::Command { op: Op::Set(_), .. } => "Set",
            Msg::Value { .. } => "Value",
            Msg::Done { .. } => "Done",
            Msg::Moved { .. } => "Moved",
            Msg::Ask { .. } => "Ask",
            Msg::TryAgain { .. } => "TryAgain",
            Msg::Down { .. } => "ClusterDown",
            Msg::SlotsRequest => "SlotsRequest",
            Msg::Slots { .. } => "Slots",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Ping(g) | Msg::Pong(g) => {
                h.u64(g.current_epoch);
                h.u64(g.config_epoch);
                h.u64(g.replica_of.map_or(0, |m| m as u64 + 1));
                for &(a, b) in &g.slots {
                    h.u64(u64::from(a));
                    h.u64(u64::from(b));
                }
                for &s in &g.suspects {
                    h.node(s);
                }
            }
            Msg::Fail { node } => h.node(*node),
            Msg::VoteRequest { epoch, master } => {
                h.u64(*epoch);
                h.node(*master);
            }
            Msg::Vote { epoch } => h.u64(*epoch),
            Msg::Import { slot } | Msg::SlotDone { slot } => h.u64(u64::from(*slot)),
            Msg::MigrateKey { slot, key, value } => {
                h.u64(u64::from(*slot));
                h.str(key);
                h.u64(*value);
            }
            Msg::KeyMoved { slot, key } => {
                h.u64(u64::from(*slot));
                h.str(key);
            }
            Msg::Replicate { key, value } => {
                h.str(key);
                h.u64(value.map_or(0, |v| v + 1));
            }
            Msg::SyncRequest | Msg::SlotsRequest => {}
            Msg::FullSync { data } => {
                for (k, v) in data {
                    h.str(k);
                    h.u64(*v);
                }
            }
            Msg::Command {
                id,
                key,
                op,
                asking,
            } => {
                h.u64(*id);
                h.str(key);
                h.u64(match op {
                    Op::Get => 0,
                    Op::Set(v) => v + 1,
                });
                h.u64(u64::from(*asking));
            }
            Msg::Value { id, value } => {
                h.u64(*id);
                h.u64(value.map_or(0, |v| v + 1));
            }
            Msg::Done { id } | Msg::TryAgain { id } => h.u64(*id),
            Msg::Moved { id, slot, to } | Msg::Ask { id, slot, to } => {
                h.u64(*id);
                h.u64(u64::from(*slot));
                h.node(*to);
            }
            Msg::Down { id, slot } => {
                h.u64(*id);
                h.u64(u64::from(*slot));
            }
            Msg::Slots { ranges } => {
                for &(a, b, n) in ranges {
                    h.u64(u64::from(a));
                    h.u64(u64::from(b));
                    h.node(n);
                }
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let node = |n: &NodeId| format!("#{}", n + 1);
        let runs = |v: &[(u16, u16)]| {
            let s: Vec<String> = v.iter().map(|(a, b)| format!("{a}-{b}")).collect();
            s.join(" ")
        };
        match self {
            Msg::Ping(g) | Msg::Pong(g) => {
                let sus: Vec<String> = g.suspects.iter().map(node).collect();
                vec![
                    ("current_epoch", g.current_epoch.to_string()),
                    ("config_epoch", g.config_epoch.to_string()),
                    ("replica_of", g.replica_of.as_ref().map_or("-".into(), node)),
                    ("slots", runs(&g.slots)),
                    ("suspects", sus.join(" ")),
                ]
            }
            Msg::Fail { node: n } => vec![("node", node(n))],
            Msg::VoteRequest { epoch, master } => {
                vec![("epoch", epoch.to_string()), ("master", node(master))]
            }
            Msg::Vote { epoch } => vec![("epoch", epoch.to_string())],
            Msg::Import { slot } | Msg::SlotDone { slot } => vec![("slot", slot.to_string())],
            Msg::MigrateKey { slot, key, value } => vec![
                ("slot", slot.to_string()),
                ("key", key.clone()),
                ("value", value.to_string()),
            ],
            Msg::KeyMoved { slot, key } => vec![("slot", slot.to_string()), ("key", key.clone())],
            Msg::Replicate { key, value } => vec![
                ("key", key.clone()),
                ("value", value.map_or("(deleted)".into(), |v| v.to_string())),
            ],
            Msg::SyncRequest | Msg::SlotsRequest => Vec::new(),
            Msg::FullSync { data } => vec![("keys", data.len().to_string())],
            Msg::Command {
                id,
                key,
                op,
                asking,
            } => {
                let mut v = vec![("id", id.to_string()), ("key", key.clone())];
                if let Op::Set(x) = op {
                    v.push(("value", x.to_string()));
                }
                if *asking {
                    v.push(("asking", "true".into()));
                }
                v
            }
            Msg::Value { id, value } => vec![
                ("id", id.to_string()),
                ("value", value.map_or("(nil)".into(), |v| v.to_string())),
            ],
            Msg::Done { id } | Msg::TryAgain { id } => vec![("id", id.to_string())],
            Msg::Moved { id, slot, to } | Msg::Ask { id, slot, to } => vec![
                ("id", id.to_string()),
                ("slot", slot.to_string()),
                ("to", node(to)),
            ],
            Msg::Down { id, slot } => vec![("id", id.to_string()), ("slot", slot.to_string())],
            Msg::Slots { ranges } => {
                let s: Vec<String> = ranges
                    .iter()
                    .map(|(a, b, n)| format!("{a}-{b}:{}", node(n)))
                    .collect();
                vec![("ranges", s.join(" "))]
            }
        }
    }
}
