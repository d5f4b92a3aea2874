//! The failure-detection lab's one message: a heartbeat from the monitored node.

use crate::sim::{Message, TraceHasher};

/// Messages.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Monitored node → monitor: "I am alive", numbered from 1 per boot.
    Heartbeat { seq: u64 },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        "Heartbeat"
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        let Msg::Heartbeat { seq } = self;
        h.u64(*seq);
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let Msg::Heartbeat { seq } = self;
        vec![("seq", format!("#{seq}"))]
    }
}
