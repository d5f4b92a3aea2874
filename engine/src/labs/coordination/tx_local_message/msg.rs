//! The local-message lab's messages. An order's number is also its message id: the outbox row,
//! the queue entries that carry it and the inventory's processed-table row all use it.

use crate::sim::{Message, TraceHasher};

/// Messages between the client, the order service, the broker and the inventory service.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Client → order service: place order `order` for `qty` units.
    Order { order: u64, qty: u64 },
    /// Order service → client: the order is committed.
    Placed { order: u64 },
    /// Order service (its relay) → broker: put message `msg` (take `qty` units) on the queue.
    Publish { msg: u64, qty: u64 },
    /// Broker → order service: message `msg` is on the queue (durably).
    PubAck { msg: u64 },
    /// Broker → inventory service: queue entry `tag` carries message `msg`.
    Deliver { tag: u64, msg: u64, qty: u64 },
    /// Inventory service → broker: entry `tag` is handled; do not deliver it again.
    Ack { tag: u64 },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Order { .. } => "Order",
            Msg::Placed { .. } => "Placed",
            Msg::Publish { .. } => "Publish",
            Msg::PubAck { .. } => "PubAck",
            Msg::Deliver { .. } => "Deliver",
            Msg::Ack { .. } => "Ack",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Order { order: a, qty: b } | Msg::Publish { msg: a, qty: b } => {
                h.u64(*a);
                h.u64(*b);
            }
            Msg::Deliver { tag, msg, qty } => {
                h.u64(*tag);
                h.u64(*msg);
                h.u64(*qty);
            }
            Msg::Placed { order: a } | Msg::PubAck { msg: a } | Msg::Ack { tag: a } => h.u64(*a),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Order { order, qty } => {
                vec![("order", format!("#{order}")), ("qty", qty.to_string())]
            }
            Msg::Placed { order } => vec![("order", format!("#{order}"))],
            Msg::Publish { msg, qty } => {
                vec![("msg", format!("#{msg}")), ("qty", qty.to_string())]
            }
            Msg::PubAck { msg } => vec![("msg", format!("#{msg}"))],
            Msg::Deliver { tag, msg, qty } => vec![
                ("tag", tag.to_string()),
                ("msg", format!("#{msg}")),
                ("qty", qty.to_string()),
            ],
            Msg::Ack { tag } => vec![("tag", tag.to_string())],
        }
    }
}
