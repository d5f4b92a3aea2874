//! The client (the application): issues transactions (at `rate` per second, or one per
//! `begin_tx` command), waits for each outcome, and sends `Begin` again for those it has not
//! heard about (a restarted coordinator answers from its log).

use super::{ClientTx, Msg, Timer, Tx3pc, COORDINATOR_NODE};
use crate::sim::Ctx;
use crate::Time;

impl Tx3pc {
    pub(super) fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            let mean = (1_000_000.0 / self.cfg.rate) as Time;
            let d = ctx.random_between(mean / 2, mean + mean / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    pub(super) fn begin(&mut self, row: usize, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        let tx = self.seq;
        self.ledger.insert(
            tx,
            ClientTx {
                row,
                since: ctx.now,
                outcome: None,
            },
        );
        ctx.note("tx-3pc.begin", tx);
        ctx.send(COORDINATOR_NODE, Msg::Begin { tx, row });
        ctx.set_timer(Timer::Retry, self.retry_after());
    }

    pub(super) fn retry_after(&self) -> Time {
        4 * self.cfg.timeout
    }

    pub(super) fn client_msg(&mut self, msg: Msg, ctx: &mut Ctx<Self>) {
        if let Msg::Outcome { tx, committed } = msg {
            if let Some(t) = self.ledger.get_mut(&tx) {
                if t.outcome.is_none() {
                    t.outcome = Some(committed);
                    let key = if committed {
                        "tx-3pc.client_committed"
                    } else {
                        "tx-3pc.client_aborted"
                    };
                    ctx.note(key, tx);
                }
            }
        }
    }

    pub(super) fn client_retry(&mut self, ctx: &mut Ctx<Self>) {
        let late: Vec<(u64, usize)> = self
            .ledger
            .iter()
            .filter(|(_, t)| t.outcome.is_none())
            .map(|(&tx, t)| (tx, t.row))
            .collect();
        for &(tx, row) in &late {
            ctx.note("tx-3pc.client_retry", tx);
            ctx.send(COORDINATOR_NODE, Msg::Begin { tx, row });
        }
        if !late.is_empty() {
            ctx.set_timer(Timer::Retry, self.retry_after());
        }
    }
}
