//! The client's orders, and the order service with its relay: the local transaction that
//! writes the order and its outbox row together (本地事务保证消息一定会被写入本地消息表), the
//! relay that forwards outbox rows to the broker and retries until it acknowledges (转发成功
//! 则…删除，否则继续重新转发; here the row is kept and marked *sent* so the learner sees it),
//! and the two naive services the `mode` parameter swaps in.

use super::{ClientOrder, Mode, Msg, OrderRow, OutboxRow, Timer, TxLocalMessage, BROKER, CLIENT};
use crate::sim::Ctx;
use crate::{NodeId, Time};

impl TxLocalMessage {
    pub(super) fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            let mean = (1_000_000.0 / self.cfg.rate) as Time;
            let d = ctx.random_between(mean / 2, mean + mean / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    /// The client places an order (sent once: the lab is about what happens after it).
    pub(super) fn place(&mut self, qty: u64, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        let order = self.seq;
        self.ledger.insert(
            order,
            ClientOrder {
                qty,
                since: ctx.now,
                placed: None,
            },
        );
        ctx.note("tx-local-message.place", order);
        ctx.send(super::ORDER, Msg::Order { order, qty });
    }

    pub(super) fn order_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Order { order, qty } => {
                if self.orders.contains_key(&order) {
                    // A repeated request: the order is already committed.
                    ctx.send(from, Msg::Placed { order });
                    return;
                }
                if self.open.contains_key(&order) {
                    return;
                }
                self.open.insert(order, qty);
                ctx.note("tx-local-message.begin", order);
                if self.cfg.mode == Mode::PublishThenCommit {
                    ctx.note("tx-local-message.publish_first", order);
                    ctx.send(BROKER, Msg::Publish { msg: order, qty });
                }
                ctx.set_timer(Timer::Commit(order), self.cfg.db);
            }
            Msg::PubAck { msg } => match self.cfg.mode {
                Mode::Outbox => {
                    if let Some(row) = self.outbox.get_mut(&msg) {
                        if !row.sent {
                            row.sent = true;
                            ctx.note("tx-local-message.marked_sent", msg);
                        }
                    }
                }
                Mode::CommitThenPublish => {
                    self.unsent.remove(&msg);
                }
                Mode::PublishThenCommit => {}
            },
            _ => {}
        }
    }

    /// The local transaction commits: the order row (and, with the outbox, its message row).
    pub(super) fn commit(&mut self, order: u64, ctx: &mut Ctx<Self>) {
        let Some(qty) = self.open.remove(&order) else {
            return;
        };
        self.orders.insert(order, OrderRow { qty, at: ctx.now });
        ctx.note("tx-local-message.commit", order);
        match self.cfg.mode {
            Mode::Outbox => {
                let sent = self.cfg.broken_mark_before_ack;
                self.outbox.insert(
                    order,
                    OutboxRow {
                        qty,
                        sent,
                        attempts: 1,
                        last: ctx.now,
                    },
                );
                ctx.send(BROKER, Msg::Publish { msg: order, qty });
            }
            Mode::CommitThenPublish => {
                self.unsent.insert(order, (qty, ctx.now));
                ctx.send(BROKER, Msg::Publish { msg: order, qty });
            }
            Mode::PublishThenCommit => {}
        }
        ctx.send(CLIENT, Msg::Placed { order });
    }

    /// The relay's poll: publish again what the broker has not acknowledged for `relay`.
    pub(super) fn relay(&mut self, ctx: &mut Ctx<Self>) {
        let now = ctx.now;
        let wait = self.cfg.relay;
        let mut again: Vec<(u64, u64)> = Vec::new();
        for (&msg, row) in self.outbox.iter_mut() {
            if !row.sent && now.saturating_sub(row.last) + wait / 10 >= wait {
                row.attempts += 1;
                row.last = now;
                again.push((msg, row.qty));
            }
        }
        for (&msg, (qty, last)) in self.unsent.iter_mut() {
            if now.saturating_sub(*last) + wait / 10 >= wait {
                *last = now;
                again.push((msg, *qty));
            }
        }
        for (msg, qty) in again {
            ctx.note("tx-local-message.republish", msg);
            ctx.send(BROKER, Msg::Publish { msg, qty });
        }
        ctx.set_timer(Timer::Relay, wait);
    }
}
