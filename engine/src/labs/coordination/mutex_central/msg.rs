//! The central mutex's messages and the coordinator's lock table they carry.

use std::collections::VecDeque;

use crate::sim::{Message, TraceHasher};
use crate::NodeId;

/// Messages. `seq` numbers a client's requests (1, 2, …).
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Request {
        seq: u64,
    },
    Grant {
        seq: u64,
    },
    Release {
        seq: u64,
    },
    /// Client → a new coordinator: "I am in the critical section with request `seq`".
    Held {
        seq: u64,
    },
    /// Active coordinator → the other coordinator: "I am alive", with its lock table.
    Heartbeat {
        epoch: u64,
        table: Table,
    },
    /// A coordinator → clients: `coordinator` is in charge from `epoch` on.
    Takeover {
        epoch: u64,
        coordinator: NodeId,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Request { .. } => "Request",
            Msg::Grant { .. } => "Grant",
            Msg::Release { .. } => "Release",
            Msg::Held { .. } => "Held",
            Msg::Heartbeat { .. } => "Heartbeat",
            Msg::Takeover { .. } => "Takeover",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Request { seq }
            | Msg::Grant { seq }
            | Msg::Release { seq }
            | Msg::Held { seq } => h.u64(*seq),
            Msg::Heartbeat { epoch, table } => {
                h.u64(*epoch);
                table.hash_into(h);
            }
            Msg::Takeover { epoch, coordinator } => {
                h.u64(*epoch);
                h.node(*coordinator);
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Request { seq }
            | Msg::Grant { seq }
            | Msg::Release { seq }
            | Msg::Held { seq } => {
                vec![("seq", seq.to_string())]
            }
            Msg::Heartbeat { epoch, table } => vec![
                ("epoch", epoch.to_string()),
                ("holder", table.holder_text()),
                ("queue", table.queue_items().join(" ")),
            ],
            Msg::Takeover { epoch, coordinator } => vec![
                ("epoch", epoch.to_string()),
                ("coordinator", format!("C{}", coordinator + 1)),
            ],
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Msg::Heartbeat { table, .. } => table.heap_bytes(),
            _ => 0,
        }
    }
}

/// A coordinator's lock table (on its disk: it survives a crash).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Who holds the lock, with the request number it was granted for.
    pub holder: Option<(NodeId, u64)>,
    /// Waiting requests, front first.
    pub queue: VecDeque<(NodeId, u64)>,
    /// Highest request number seen per node (stale and duplicate requests are ignored).
    pub last_seq: Vec<u64>,
}

impl Table {
    fn hash_into(&self, h: &mut TraceHasher) {
        match self.holder {
            Some((c, s)) => {
                h.u64(1);
                h.node(c);
                h.u64(s);
            }
            None => h.u64(0),
        }
        h.u64(self.queue.len() as u64);
        for &(c, s) in &self.queue {
            h.node(c);
            h.u64(s);
        }
        for &s in &self.last_seq {
            h.u64(s);
        }
    }

    fn heap_bytes(&self) -> usize {
        self.queue.len() * 16 + self.last_seq.len() * 8
    }

    pub fn holder_text(&self) -> String {
        self.holder
            .map_or("-".into(), |(c, s)| format!("p{} #{s}", c + 1))
    }

    pub fn queue_items(&self) -> Vec<String> {
        self.queue
            .iter()
            .map(|(c, s)| format!("p{} #{s}", c + 1))
            .collect()
    }
}
