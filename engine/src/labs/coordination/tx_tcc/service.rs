//! A service (order, inventory or account): its Try, Confirm and Cancel, each one local
//! transaction on its database (the books and the branch table change together), with the
//! `idempotent` and `guard` toggles deciding how it treats a repeated Confirm or Cancel, a
//! Cancel that finds no Try (空回滚) and a Try that arrives after its Cancel (悬挂).

use super::{BState, Branch, Msg, TxTcc, COORDINATOR_NODE};
use crate::sim::Ctx;

impl TxTcc {
    /// Sets a branch-table row, keeping the sums over tried and confirmed branches.
    fn set_branch(&mut self, tx: u64, state: BState, amount: i64, ctx: &Ctx<Self>) {
        let row = Branch {
            state,
            amount,
            since: ctx.now,
        };
        if let Some(old) = self.branches.insert(tx, row) {
            self.count(old, -1);
        }
        self.count(row, 1);
    }

    fn count(&mut self, b: Branch, sign: i64) {
        match b.state {
            BState::Tried => self.tried_sum += sign * b.amount,
            BState::Confirmed => self.confirmed_sum += sign * b.amount,
            BState::Cancelled | BState::EmptyRollback => {}
        }
    }

    /// Frozen → spent: the book moves of a Confirm.
    fn spend(&mut self, amount: i64) {
        self.books.frozen -= amount;
        self.books.spent += amount;
    }

    /// Frozen → available: the book moves of a Cancel.
    fn release(&mut self, amount: i64) {
        self.books.frozen -= amount;
        self.books.available += amount;
    }

    pub(super) fn service_msg(&mut self, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Try { tx, amount } => self.on_try(tx, amount, ctx),
            Msg::Confirm { tx, amount } => {
                self.on_confirm(tx, amount, ctx);
                ctx.send(COORDINATOR_NODE, Msg::ConfirmOk { tx });
            }
            Msg::Cancel { tx, amount } => {
                self.on_cancel(tx, amount, ctx);
                ctx.send(COORDINATOR_NODE, Msg::CancelOk { tx });
            }
            _ => {}
        }
    }

    fn on_try(&mut self, tx: u64, amount: i64, ctx: &mut Ctx<Self>) {
        let prior = self.branches.get(&tx).map(|b| b.state);
        match prior {
            // A repeated Try (a duplicate): already reserved, or already spent.
            Some(BState::Tried | BState::Confirmed) => {
                ctx.send(COORDINATOR_NODE, Msg::TryOk { tx });
                return;
            }
            // The suspension guard: this transaction was already cancelled here.
            Some(BState::Cancelled | BState::EmptyRollback) if self.cfg.guard >= 2 => {
                ctx.note("tx-tcc.suspension_refused", tx);
                ctx.send(COORDINATOR_NODE, Msg::TryFail { tx });
                return;
            }
            _ => {}
        }
        let refused = std::mem::take(&mut self.fail_next)
            || (self.cfg.fail_per_10k > 0 && ctx.random_index(10_000) < self.cfg.fail_per_10k);
        if refused {
            ctx.note("tx-tcc.try_refused", tx);
            ctx.send(COORDINATOR_NODE, Msg::TryFail { tx });
        } else if self.books.available < amount {
            ctx.note("tx-tcc.insufficient", tx);
            ctx.send(COORDINATOR_NODE, Msg::TryFail { tx });
        } else {
            self.books.available -= amount;
            self.books.frozen += amount;
            self.set_branch(tx, BState::Tried, amount, ctx);
            ctx.note(
                if prior.is_some() {
                    "tx-tcc.reserve_after_cancel"
                } else {
                    "tx-tcc.reserve"
                },
                tx,
            );
            ctx.send(COORDINATOR_NODE, Msg::TryOk { tx });
        }
    }

    fn on_confirm(&mut self, tx: u64, amount: i64, ctx: &mut Ctx<Self>) {
        match self.branches.get(&tx).copied() {
            Some(b) if b.state == BState::Tried => {
                self.spend(b.amount);
                self.set_branch(tx, BState::Confirmed, b.amount, ctx);
                ctx.note("tx-tcc.confirm", tx);
            }
            Some(b) if b.state == BState::Confirmed => {
                if self.cfg.idempotent {
                    ctx.note("tx-tcc.dup_confirm", tx);
                } else {
                    // Not idempotent: "frozen -= amount, spent += amount" again.
                    self.spend(amount);
                    ctx.note("tx-tcc.confirm_again", tx);
                }
            }
            // Nothing reserved, or already released: a Confirm cannot apply.
            _ => ctx.note("tx-tcc.conflict", tx),
        }
    }

    fn on_cancel(&mut self, tx: u64, amount: i64, ctx: &mut Ctx<Self>) {
        match self.branches.get(&tx).copied() {
            Some(b) if b.state == BState::Tried => {
                self.release(b.amount);
                self.set_branch(tx, BState::Cancelled, b.amount, ctx);
                ctx.note("tx-tcc.cancel", tx);
            }
            Some(b) if matches!(b.state, BState::Cancelled | BState::EmptyRollback) => {
                if self.cfg.idempotent {
                    ctx.note("tx-tcc.dup_cancel", tx);
                } else {
                    // Not idempotent: "frozen -= amount, available += amount" again.
                    self.release(amount);
                    ctx.note("tx-tcc.cancel_again", tx);
                }
            }
            Some(_) => ctx.note("tx-tcc.conflict", tx),
            // No Try ran here: the empty rollback.
            None => match self.cfg.guard {
                2 => {
                    self.set_branch(tx, BState::EmptyRollback, amount, ctx);
                    ctx.note("tx-tcc.empty_rollback", tx);
                }
                1 => ctx.note("tx-tcc.empty_rollback_unrecorded", tx),
                _ => {
                    // The naive compensation releases what the Cancel names.
                    self.release(amount);
                    ctx.note("tx-tcc.blind_cancel", tx);
                }
            },
        }
    }
}
