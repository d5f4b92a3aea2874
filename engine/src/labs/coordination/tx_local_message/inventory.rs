//! The inventory service, the consumer: each delivery applied (stock − qty) and its message id
//! written to the processed-message table in one local transaction, then acknowledged to the
//! broker. Idempotent, it acknowledges a message id it has processed before without applying
//! it again; with `idempotent` = 0 it applies every delivery.

use super::{Msg, TxLocalMessage};
use crate::sim::Ctx;
use crate::NodeId;

impl TxLocalMessage {
    pub(super) fn inventory_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        let Msg::Deliver { tag, msg, qty } = msg else {
            return;
        };
        let seen = self.processed.contains_key(&msg);
        if seen && self.cfg.idempotent {
            ctx.note("tx-local-message.dup_suppressed", msg);
        } else {
            self.stock -= qty as i64;
            self.applied += 1;
            self.processed.entry(msg).or_insert(ctx.now);
            let key = if seen {
                "tx-local-message.apply_again"
            } else {
                "tx-local-message.apply"
            };
            ctx.note(key, msg);
        }
        ctx.send(from, Msg::Ack { tag });
    }
}
