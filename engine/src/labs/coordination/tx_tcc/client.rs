//! The client: purchases (by command, or `rate` a second with 1 to 3 units), a ledger on disk,
//! and `Buy` sent again for purchases without an outcome (the coordinator answers a known
//! transaction with its outcome instead of starting it twice).

use super::{ClientTx, Msg, Timer, TxTcc, COORDINATOR_NODE};
use crate::sim::Ctx;
use crate::Time;

impl TxTcc {
    pub(super) fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            let mean = (1_000_000.0 / self.cfg.rate) as Time;
            let d = ctx.random_between(mean / 2, mean + mean / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    pub(super) fn buy(&mut self, qty: u64, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        let tx = self.seq;
        self.ledger.insert(
            tx,
            ClientTx {
                qty,
                since: ctx.now,
                outcome: None,
            },
        );
        ctx.note("tx-tcc.buy", tx);
        ctx.send(COORDINATOR_NODE, Msg::Buy { tx, qty });
        ctx.set_timer(Timer::Retry, self.retry_after());
    }

    pub(super) fn retry_after(&self) -> Time {
        4 * self.cfg.timeout
    }

    pub(super) fn client_msg(&mut self, msg: Msg, ctx: &mut Ctx<Self>) {
        if let Msg::Outcome { tx, confirmed } = msg {
            if let Some(t) = self.ledger.get_mut(&tx) {
                if t.outcome.is_none() {
                    t.outcome = Some(confirmed);
                    let key = if confirmed {
                        "tx-tcc.client_confirmed"
                    } else {
                        "tx-tcc.client_cancelled"
                    };
                    ctx.note(key, tx);
                }
            }
        }
    }

    pub(super) fn client_retry(&mut self, ctx: &mut Ctx<Self>) {
        let late: Vec<(u64, u64)> = self
            .ledger
            .iter()
            .filter(|(_, t)| t.outcome.is_none())
            .map(|(&tx, t)| (tx, t.qty))
            .collect();
        for &(tx, qty) in &late {
            ctx.note("tx-tcc.client_retry", tx);
            ctx.send(COORDINATOR_NODE, Msg::Buy { tx, qty });
        }
        if !late.is_empty() {
            ctx.set_timer(Timer::Retry, self.retry_after());
        }
    }
}
