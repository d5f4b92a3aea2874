//! The coordinator (transaction manager): the Try phase (log `BEGIN`, send `Try` to the three
//! services, collect the answers or time out), the decision (log `CONFIRM` or `CANCEL`, tell
//! the client, send `Confirm` or `Cancel`), retries until every service has acknowledged
//! (then `END`), and recovery from its log after a crash.

use super::{service_index, CoTx, Msg, Rec, Timer, TxTcc, Wal, CLIENT_NODE, SERVICES};
use crate::sim::Ctx;
use crate::NodeId;

/// A bit per service: all three answered.
const ALL: u8 = 0b111;

fn bit(s: NodeId) -> u8 {
    service_index(s).map_or(0, |i| 1 << i)
}

impl TxTcc {
    fn log(&mut self, tx: u64, rec: Rec, ctx: &Ctx<Self>) {
        self.wal.push(Wal {
            tx,
            rec,
            at: ctx.now,
        });
    }

    /// The decision's message to service `s`.
    fn decision_msg(&self, tx: u64, qty: u64, confirm: bool, s: NodeId) -> Msg {
        let amount = self.cfg.amount(s, qty);
        if confirm {
            Msg::Confirm { tx, amount }
        } else {
            Msg::Cancel { tx, amount }
        }
    }

    pub(super) fn coordinator_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Buy { tx, qty } => match self.txs.get(&tx).map(|t| t.decision) {
                None => self.begin(tx, qty, ctx),
                Some(None) => {}
                Some(Some(confirmed)) => ctx.send(CLIENT_NODE, Msg::Outcome { tx, confirmed }),
            },
            Msg::TryOk { tx } => {
                let Some(t) = self.txs.get_mut(&tx) else {
                    return;
                };
                if t.decision.is_none() {
                    t.ok |= bit(from);
                    if t.ok == ALL {
                        self.decide(tx, true, ctx);
                    }
                }
            }
            Msg::TryFail { tx } if self.txs.get(&tx).is_some_and(|t| t.decision.is_none()) => {
                ctx.note("tx-tcc.try_failed", tx);
                self.decide(tx, false, ctx);
            }
            Msg::ConfirmOk { tx } | Msg::CancelOk { tx } => {
                let confirm = matches!(msg, Msg::ConfirmOk { .. });
                let Some(t) = self.txs.get_mut(&tx) else {
                    return;
                };
                if t.decision != Some(confirm) || t.ended {
                    return;
                }
                t.acked |= bit(from);
                if t.acked == ALL {
                    t.ended = true;
                    self.log(tx, Rec::End, ctx);
                    ctx.cancel_timer(Timer::Resend(tx));
                    ctx.note("tx-tcc.end", tx);
                }
            }
            _ => {}
        }
    }

    fn begin(&mut self, tx: u64, qty: u64, ctx: &mut Ctx<Self>) {
        self.log(tx, Rec::Begin { qty }, ctx);
        self.txs.insert(
            tx,
            CoTx {
                qty,
                decision: None,
                ok: 0,
                acked: 0,
                ended: false,
            },
        );
        ctx.note("tx-tcc.begin", tx);
        for s in SERVICES {
            let amount = self.cfg.amount(s, qty);
            ctx.send(s, Msg::Try { tx, amount });
        }
        ctx.set_timer(Timer::TryWait(tx), self.cfg.timeout);
    }

    pub(super) fn try_timeout(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        if self.txs.get(&tx).is_some_and(|t| t.decision.is_none()) {
            ctx.note("tx-tcc.try_timeout", tx);
            self.decide(tx, false, ctx);
        }
    }

    /// Logs the decision (it is on disk before anything announces it), tells the client and
    /// sends it to every service.
    fn decide(&mut self, tx: u64, confirm: bool, ctx: &mut Ctx<Self>) {
        let Some(t) = self.txs.get_mut(&tx) else {
            return;
        };
        t.decision = Some(confirm);
        t.acked = 0;
        let qty = t.qty;
        if !self.cfg.broken_unlogged_decision {
            self.log(tx, if confirm { Rec::Confirm } else { Rec::Cancel }, ctx);
        }
        ctx.cancel_timer(Timer::TryWait(tx));
        ctx.note(
            if confirm {
                "tx-tcc.decide_confirm"
            } else {
                "tx-tcc.decide_cancel"
            },
            tx,
        );
        ctx.send(
            CLIENT_NODE,
            Msg::Outcome {
                tx,
                confirmed: confirm,
            },
        );
        for s in SERVICES {
            ctx.send(s, self.decision_msg(tx, qty, confirm, s));
        }
        ctx.set_timer(Timer::Resend(tx), self.cfg.timeout);
    }

    /// Sends the decision again to every service that has not acknowledged it.
    pub(super) fn resend(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        let Some(&t) = self.txs.get(&tx) else {
            return;
        };
        let Some(confirm) = t.decision else {
            return;
        };
        if t.ended {
            return;
        }
        for s in SERVICES {
            if t.acked & bit(s) == 0 {
                ctx.note("tx-tcc.retry", tx);
                ctx.send(s, self.decision_msg(tx, t.qty, confirm, s));
            }
        }
        ctx.set_timer(Timer::Resend(tx), self.cfg.timeout);
    }

    /// After a restart: a logged decision is sent again to every service; a transaction begun
    /// without one is cancelled (nobody can have confirmed it).
    pub(super) fn coordinator_recover(&mut self, ctx: &mut Ctx<Self>) {
        let open: Vec<(u64, Option<bool>)> = self
            .txs
            .iter()
            .filter(|(_, t)| !t.ended)
            .map(|(&tx, t)| (tx, t.decision))
            .collect();
        for (tx, decision) in open {
            match decision {
                None => {
                    ctx.note("tx-tcc.presumed_cancel", tx);
                    self.decide(tx, false, ctx);
                }
                Some(confirm) => {
                    ctx.note("tx-tcc.redo", tx);
                    let qty = self.txs.get(&tx).map_or(0, |t| t.qty);
                    for s in SERVICES {
                        ctx.send(s, self.decision_msg(tx, qty, confirm, s));
                    }
                    ctx.set_timer(Timer::Resend(tx), self.cfg.timeout);
                }
            }
        }
    }
}
