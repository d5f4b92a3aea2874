//! The ZAB election's messages: notifications (votes) and the discovery phase's epoch
//! exchange and heartbeats.

use super::{State, Vote};
use crate::sim::{Message, TraceHasher};

/// The messages.
#[derive(Clone, Debug, PartialEq)]
pub enum ZabMsg {
    /// A notification: the sender's vote, its round and state; `established` when the sender
    /// is (or follows) a leader whose epoch a majority acknowledged.
    Vote {
        vote: Vote,
        round: u64,
        state: State,
        established: bool,
    },
    /// A follower (or observer) to its leader: the epoch it last accepted and its zxid.
    FollowerInfo {
        accepted_epoch: u64,
        zxid: u64,
    },
    /// The leader proposes its epoch.
    NewEpoch {
        epoch: u64,
    },
    /// A follower accepts it.
    AckEpoch {
        epoch: u64,
        zxid: u64,
    },
    /// The leader's heartbeat, and the answer.
    Ping {
        epoch: u64,
    },
    PingAck {
        epoch: u64,
    },
}

impl Message for ZabMsg {
    fn kind(&self) -> &'static str {
        match self {
            ZabMsg::Vote { .. } => "Vote",
            ZabMsg::FollowerInfo { .. } => "FollowerInfo",
            ZabMsg::NewEpoch { .. } => "NewEpoch",
            ZabMsg::AckEpoch { .. } => "AckEpoch",
            ZabMsg::Ping { .. } => "Ping",
            ZabMsg::PingAck { .. } => "PingAck",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            ZabMsg::Vote {
                vote,
                round,
                state,
                established,
            } => {
                h.node(vote.leader);
                h.u64(vote.zxid);
                h.u64(*round);
                h.u64(state.code());
                h.u64(u64::from(*established));
            }
            ZabMsg::FollowerInfo {
                accepted_epoch,
                zxid,
            } => {
                h.u64(*accepted_epoch);
                h.u64(*zxid);
            }
            ZabMsg::AckEpoch { epoch, zxid } => {
                h.u64(*epoch);
                h.u64(*zxid);
            }
            ZabMsg::NewEpoch { epoch } | ZabMsg::Ping { epoch } | ZabMsg::PingAck { epoch } => {
                h.u64(*epoch)
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            ZabMsg::Vote {
                vote,
                round,
                state,
                established,
            } => vec![
                ("vote", format!("(n{}, {})", vote.leader + 1, vote.zxid)),
                ("round", round.to_string()),
                ("state", state.name().to_string()),
                ("established", established.to_string()),
            ],
            ZabMsg::FollowerInfo {
                accepted_epoch,
                zxid,
            } => vec![
                ("acceptedEpoch", accepted_epoch.to_string()),
                ("zxid", zxid.to_string()),
            ],
            ZabMsg::AckEpoch { epoch, zxid } => {
                vec![("epoch", epoch.to_string()), ("zxid", zxid.to_string())]
            }
            ZabMsg::NewEpoch { epoch } | ZabMsg::Ping { epoch } | ZabMsg::PingAck { epoch } => {
                vec![("epoch", epoch.to_string())]
            }
        }
    }
}
