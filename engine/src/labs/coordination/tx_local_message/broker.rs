//! The broker: a durable queue (its log survives crashes) that acknowledges a `Publish` once
//! the entry is in its log, delivers each entry to the inventory service and redelivers it
//! until the consumer acknowledges — at-least-once, so the consumer must be idempotent.

use super::{Entry, Msg, Timer, TxLocalMessage, INVENTORY};
use crate::sim::Ctx;
use crate::NodeId;

impl TxLocalMessage {
    pub(super) fn broker_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Publish { msg, qty } => {
                // Every Publish is a new entry: the broker does not deduplicate.
                let tag = self.queue.len() as u64 + 1;
                self.queue.push(Entry {
                    tag,
                    msg,
                    qty,
                    acked: false,
                    deliveries: 1,
                });
                ctx.note("tx-local-message.enqueue", msg);
                ctx.send(from, Msg::PubAck { msg });
                ctx.send(INVENTORY, Msg::Deliver { tag, msg, qty });
                ctx.set_timer(Timer::Redeliver(tag), self.cfg.redeliver);
            }
            Msg::Ack { tag } => {
                if let Some(e) = self.entry(tag) {
                    e.acked = true;
                    ctx.cancel_timer(Timer::Redeliver(tag));
                }
            }
            _ => {}
        }
    }

    fn entry(&mut self, tag: u64) -> Option<&mut Entry> {
        let i = usize::try_from(tag).ok()?.checked_sub(1)?;
        self.queue.get_mut(i)
    }

    fn deliver_again(&mut self, tag: u64, ctx: &mut Ctx<Self>) {
        let redeliver = self.cfg.redeliver;
        let Some(e) = self.entry(tag).filter(|e| !e.acked) else {
            return;
        };
        e.deliveries += 1;
        let (msg, qty) = (e.msg, e.qty);
        ctx.note("tx-local-message.redeliver", msg);
        ctx.send(INVENTORY, Msg::Deliver { tag, msg, qty });
        ctx.set_timer(Timer::Redeliver(tag), redeliver);
    }

    pub(super) fn redeliver(&mut self, tag: u64, ctx: &mut Ctx<Self>) {
        self.deliver_again(tag, ctx);
    }

    /// After a restart: every entry not acknowledged is delivered again.
    pub(super) fn broker_recover(&mut self, ctx: &mut Ctx<Self>) {
        let tags: Vec<u64> = self.unacked().map(|e| e.tag).collect();
        for tag in tags {
            self.deliver_again(tag, ctx);
        }
    }
}
