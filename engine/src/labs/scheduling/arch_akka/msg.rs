//! The Akka cluster's messages: joining through the seed nodes, gossip, and the ring's
//! heartbeats.

use super::gossip::Gossip;
use crate::sim::{Message, TraceHasher};

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// The first seed node, starting, asks the other seeds whether a cluster exists.
    InitJoin,
    /// A seed's answer: whether it is a member of a cluster.
    InitJoinReply { member: bool },
    /// A node asks to join the cluster (incarnation `uid`).
    Join { uid: u64 },
    /// A member accepts a join: the gossip with the new member in it, joining.
    Welcome { gossip: Gossip },
    /// Gossip from member incarnation `from_uid` to incarnation `to_uid`; `reply` when it
    /// answers a gossip (a reply gets no reply).
    Gossip {
        from_uid: u64,
        to_uid: u64,
        reply: bool,
        gossip: Gossip,
    },
    /// A watcher's heartbeat to a node it watches (incarnation `to_uid`).
    Heartbeat { to_uid: u64, seq: u64 },
    /// The watched node's answer.
    HeartbeatRsp { uid: u64, seq: u64 },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::InitJoin => "InitJoin",
            Msg::InitJoinReply { .. } => "InitJoinReply",
            Msg::Join { .. } => "Join",
            Msg::Welcome { .. } => "Welcome",
            Msg::Gossip { .. } => "Gossip",
            Msg::Heartbeat { .. } => "Heartbeat",
            Msg::HeartbeatRsp { .. } => "HeartbeatRsp",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::InitJoin => h.u64(0),
            Msg::InitJoinReply { member } => h.u64(u64::from(*member)),
            Msg::Join { uid } => h.u64(*uid),
            Msg::Welcome { gossip } => gossip.hash_into(h),
            Msg::Gossip {
                from_uid,
                to_uid,
                reply,
                gossip,
            } => {
                h.u64(*from_uid);
                h.u64(*to_uid);
                h.u64(u64::from(*reply));
                gossip.hash_into(h);
            }
            Msg::Heartbeat { to_uid: a, seq } | Msg::HeartbeatRsp { uid: a, seq } => {
                h.u64(*a);
                h.u64(*seq);
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let members = |g: &Gossip| {
            g.members
                .iter()
                .filter(|m| m.status != super::gossip::Status::Removed)
                .map(|m| format!("n{}:{}", m.node + 1, m.status.word()))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let clock = |g: &Gossip| {
            g.vc.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        match self {
            Msg::InitJoin => Vec::new(),
            Msg::InitJoinReply { member } => vec![("member", member.to_string())],
            Msg::Join { uid } => vec![("uid", uid.to_string())],
            Msg::Welcome { gossip } => vec![("members", members(gossip))],
            Msg::Gossip { reply, gossip, .. } => vec![
                ("reply", reply.to_string()),
                ("members", members(gossip)),
                (
                    "unreachable",
                    gossip
                        .rows
                        .iter()
                        .flat_map(|r| r.unreachable.iter())
                        .map(|(n, _)| format!("n{}", n + 1))
                        .collect::<Vec<_>>()
                        .join(" "),
                ),
                ("vc", clock(gossip)),
                ("seen", format!("{:b}", gossip.seen)),
            ],
            Msg::Heartbeat { seq, .. } | Msg::HeartbeatRsp { seq, .. } => {
                vec![("seq", seq.to_string())]
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Msg::Welcome { gossip } | Msg::Gossip { gossip, .. } => gossip.heap_bytes(),
            _ => 0,
        }
    }
}
