//! The central architecture's messages and the master epoch they carry.

use crate::sim::{Message, TraceHasher};
use crate::{NodeId, Time};

/// A master's epoch: a number raised by each takeover, and the node that raised it (two
/// standbys that take over at once under a partition get distinct epochs; the higher id wins
/// a tie). Workers compare epochs as (number, node).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Epoch {
    pub n: u64,
    pub by: NodeId,
}

impl Epoch {
    /// One number for trace notes and the checker: `n * 64 + by`.
    pub fn code(self) -> u64 {
        self.n * 64 + self.by as u64
    }

    pub fn text(self) -> String {
        format!("{}·M{}", self.n, self.by + 1)
    }

    fn hash_into(self, h: &mut TraceHasher) {
        h.u64(self.n);
        h.node(self.by);
    }
}

/// Messages. Task ids are the client's submission numbers (1, 2, …).
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Client → every master node: run task `task`.
    Submit {
        task: u64,
    },
    /// Worker → every master node, every `period`: its free slots, the tasks it runs and has
    /// finished, the highest master epoch it knows, and its local send time (echoed in Ack).
    Heartbeat {
        seq: u64,
        sent: Time,
        epoch: Epoch,
        free: u64,
        running: Vec<u64>,
        finished: Vec<u64>,
        /// The worker holds a valid lease from a master of `epoch`.
        led: bool,
    },
    /// Active master → worker: heartbeat received; renews the worker's lease from `sent`.
    Ack {
        epoch: Epoch,
        sent: Time,
    },
    /// Active master → worker: start / stop a task.
    Launch {
        epoch: Epoch,
        task: u64,
    },
    Kill {
        epoch: Epoch,
        task: u64,
    },
    /// Worker → a master of a lower epoch: "I follow epoch `epoch`; your order is refused".
    Fenced {
        epoch: Epoch,
    },
    /// Active master → the other master nodes, every `period`: "I am alive and in charge".
    MasterBeat {
        epoch: Epoch,
    },
    /// A new master → workers: in charge from `epoch` on.
    Takeover {
        epoch: Epoch,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Submit { .. } => "Submit",
            Msg::Heartbeat { .. } => "Heartbeat",
            Msg::Ack { .. } => "Ack",
            Msg::Launch { .. } => "Launch",
            Msg::Kill { .. } => "Kill",
            Msg::Fenced { .. } => "Fenced",
            Msg::MasterBeat { .. } => "MasterBeat",
            Msg::Takeover { .. } => "Takeover",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Submit { task } => h.u64(*task),
            Msg::Heartbeat {
                seq,
                sent,
                epoch,
                free,
                running,
                finished,
                led,
            } => {
                h.u64(*led as u64);
                h.u64(*seq);
                h.u64(*sent);
                epoch.hash_into(h);
                h.u64(*free);
                h.u64(running.len() as u64);
                running.iter().for_each(|&t| h.u64(t));
                h.u64(finished.len() as u64);
                finished.iter().for_each(|&t| h.u64(t));
            }
            Msg::Ack { epoch, sent } => {
                epoch.hash_into(h);
                h.u64(*sent);
            }
            Msg::Launch { epoch, task } | Msg::Kill { epoch, task } => {
                epoch.hash_into(h);
                h.u64(*task);
            }
            Msg::Fenced { epoch } | Msg::MasterBeat { epoch } | Msg::Takeover { epoch } => {
                epoch.hash_into(h)
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let list = |v: &[u64]| {
            v.iter()
                .map(|t| format!("t{t}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        match self {
            Msg::Submit { task } => vec![("task", format!("t{task}"))],
            Msg::Heartbeat {
                seq,
                epoch,
                free,
                running,
                finished,
                led,
                ..
            } => vec![
                ("led", led.to_string()),
                ("seq", seq.to_string()),
                ("epoch", epoch.text()),
                ("free", free.to_string()),
                ("running", list(running)),
                ("finished", list(finished)),
            ],
            Msg::Ack { epoch, .. }
            | Msg::Fenced { epoch }
            | Msg::MasterBeat { epoch }
            | Msg::Takeover { epoch } => vec![("epoch", epoch.text())],
            Msg::Launch { epoch, task } | Msg::Kill { epoch, task } => {
                vec![("epoch", epoch.text()), ("task", format!("t{task}"))]
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Msg::Heartbeat {
                running, finished, ..
            } => (running.len() + finished.len()) * 8,
            _ => 0,
        }
    }
}
