//! A cohort (resource manager): row locks and their wait queues, executing and voting,
//! applying the decision, the in-doubt wait (asking the coordinator, and the other cohorts
//! when `cooperative`), answering peers, and recovery from its log.

use super::{CState, Msg, Rec, Timer, Tx2pc, COORDINATOR_NODE};
use crate::sim::Ctx;
use crate::NodeId;

impl Tx2pc {
    pub(super) fn cohort_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::CanCommit { tx, row } => self.can_commit(tx, row, ctx),
            Msg::DoCommit { tx } => self.apply(tx, true, ctx),
            Msg::DoAbort { tx } => self.apply(tx, false, ctx),
            Msg::Query { tx } => self.answer_peer(from, tx, ctx),
            Msg::Uncertain { tx } => ctx.note("tx-2pc.peer_uncertain", tx),
            _ => {}
        }
    }

    fn can_commit(&mut self, tx: u64, row: usize, ctx: &mut Ctx<Self>) {
        match self.txs.get(&tx) {
            Some(CState::Prepared { .. } | CState::Committed) => {
                ctx.send(COORDINATOR_NODE, Msg::Yes { tx });
                return;
            }
            Some(CState::Aborted) => {
                ctx.send(COORDINATOR_NODE, Msg::No { tx });
                return;
            }
            Some(CState::Waiting { .. } | CState::Executing { .. }) => return,
            None => {}
        }
        let refuse = row >= self.cfg.rows
            || std::mem::take(&mut self.vote_no)
            || ctx.random_index(10_000) < self.cfg.abort_per_10k;
        if refuse {
            self.abort_here(tx, ctx);
            ctx.send(COORDINATOR_NODE, Msg::No { tx });
            return;
        }
        if self.data.lock_or_queue(row, tx) {
            self.start_exec(tx, row, ctx);
        } else {
            self.txs.insert(
                tx,
                CState::Waiting {
                    row,
                    since: ctx.now,
                },
            );
            ctx.note("tx-2pc.lock_wait", tx);
        }
    }

    /// `tx` holds `row`'s lock: execute its write.
    fn start_exec(&mut self, tx: u64, row: usize, ctx: &mut Ctx<Self>) {
        self.txs.insert(tx, CState::Executing { row });
        ctx.note("tx-2pc.lock", tx);
        ctx.set_timer(Timer::Exec(tx), self.cfg.exec);
    }

    /// The write is executed: log it (redo and undo), then vote Yes. From here on the cohort
    /// is in doubt.
    pub(super) fn executed(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        let Some(&CState::Executing { row }) = self.txs.get(&tx) else {
            return;
        };
        self.log(tx, Rec::Prepared { row }, ctx);
        self.txs.insert(tx, CState::Prepared { row });
        self.doubt.insert(tx, ctx.now);
        ctx.note("tx-2pc.vote_yes", tx);
        ctx.send(COORDINATOR_NODE, Msg::Yes { tx });
        ctx.set_timer(Timer::Ask, self.cfg.timeout);
    }

    /// Aborts `tx` here (before voting Yes, or on DoAbort): logs it, releases what it held.
    fn abort_here(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        let held = match self.txs.get(&tx) {
            Some(CState::Executing { row } | CState::Prepared { row }) => Some(*row),
            Some(CState::Waiting { row, .. }) => {
                let row = *row;
                self.data.leave_queue(row, tx);
                None
            }
            _ => None,
        };
        self.log(tx, Rec::Abort, ctx);
        self.txs.insert(tx, CState::Aborted);
        self.end_doubt(tx, ctx);
        ctx.note("tx-2pc.abort", tx);
        if let Some(row) = held {
            self.unlock(row, ctx);
        }
    }

    fn end_doubt(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        if let Some(since) = self.doubt.remove(&tx) {
            self.doubt_total += ctx.now.saturating_sub(since);
        }
        if self.doubt.is_empty() {
            self.blocked = false;
        }
    }

    /// Releases a row's lock and hands it to the first transaction waiting for it.
    fn unlock(&mut self, row: usize, ctx: &mut Ctx<Self>) {
        let txs = &self.txs;
        let next = self
            .data
            .unlock(row, |t| matches!(txs.get(&t), Some(CState::Waiting { .. })));
        if let Some(next) = next {
            if let Some(&CState::Waiting { since, .. }) = self.txs.get(&next) {
                self.lock_wait_total += ctx.now.saturating_sub(since);
            }
            self.start_exec(next, row, ctx);
        }
    }

    /// DoCommit / DoAbort, from the coordinator or from a peer that knows the outcome.
    fn apply(&mut self, tx: u64, commit: bool, ctx: &mut Ctx<Self>) {
        match (self.txs.get(&tx).copied(), commit) {
            (Some(CState::Prepared { row }), true) => {
                self.log(tx, Rec::Commit, ctx);
                self.txs.insert(tx, CState::Committed);
                if let Some(v) = self.data.values.get_mut(row) {
                    *v = tx;
                }
                self.end_doubt(tx, ctx);
                ctx.note("tx-2pc.commit", tx);
                self.unlock(row, ctx);
                ctx.send(COORDINATOR_NODE, Msg::HaveCommitted { tx });
            }
            (Some(CState::Committed), true) | (Some(CState::Aborted), false) => {
                ctx.send(COORDINATOR_NODE, Msg::HaveCommitted { tx });
            }
            (Some(CState::Committed), false) | (Some(CState::Aborted), true) => {
                // The other outcome is already applied here: never undone.
                ctx.note("tx-2pc.conflict", tx);
            }
            (_, false) => {
                self.abort_here(tx, ctx);
                ctx.send(COORDINATOR_NODE, Msg::HaveCommitted { tx });
            }
            // A commit for a transaction this cohort never voted Yes for cannot come from a
            // correct coordinator.
            (_, true) => ctx.note("tx-2pc.conflict", tx),
        }
    }

    /// A peer in doubt asks what happened to `tx`.
    fn answer_peer(&mut self, from: NodeId, tx: u64, ctx: &mut Ctx<Self>) {
        match self.txs.get(&tx) {
            Some(CState::Committed) => ctx.send(from, Msg::DoCommit { tx }),
            Some(CState::Aborted) => ctx.send(from, Msg::DoAbort { tx }),
            Some(CState::Prepared { .. }) => ctx.send(from, Msg::Uncertain { tx }),
            // Not voted yet (or never asked): this cohort may still refuse, so it aborts now;
            // the coordinator can then never collect a Yes from it.
            _ => {
                ctx.note("tx-2pc.unilateral_abort", tx);
                self.abort_here(tx, ctx);
                ctx.send(COORDINATOR_NODE, Msg::No { tx });
                ctx.send(from, Msg::DoAbort { tx });
            }
        }
    }

    /// The in-doubt timer: ask the coordinator (and the peers, if cooperative) about every
    /// transaction still in doubt after the timeout.
    pub(super) fn ask(&mut self, ctx: &mut Ctx<Self>) {
        let late: Vec<u64> = self
            .doubt
            .iter()
            .filter(|(_, &since)| ctx.now.saturating_sub(since) >= self.cfg.timeout)
            .map(|(&tx, _)| tx)
            .collect();
        for &tx in &late {
            if self.cfg.broken_commit_on_timeout {
                if let Some(&CState::Prepared { row }) = self.txs.get(&tx) {
                    self.log(tx, Rec::Commit, ctx);
                    self.txs.insert(tx, CState::Committed);
                    if let Some(v) = self.data.values.get_mut(row) {
                        *v = tx;
                    }
                    self.end_doubt(tx, ctx);
                    ctx.note("tx-2pc.commit", tx);
                    self.unlock(row, ctx);
                }
                continue;
            }
            self.query(tx, ctx);
        }
        if !late.is_empty() && !self.doubt.is_empty() && !self.blocked {
            self.blocked = true;
            ctx.note("tx-2pc.blocked", late[0]);
        }
        if !self.doubt.is_empty() {
            ctx.set_timer(Timer::Ask, self.cfg.timeout);
        }
    }

    fn query(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        ctx.note("tx-2pc.query", tx);
        ctx.send(COORDINATOR_NODE, Msg::Query { tx });
        if self.cfg.cooperative {
            for c in self.cohort_ids().filter(|&c| c != self.id) {
                ctx.send(c, Msg::Query { tx });
            }
        }
    }

    /// A restarted cohort rebuilds its transactions from its log, takes the locks of those in
    /// doubt again, and asks about them at once.
    pub(super) fn cohort_recover(&mut self, ctx: &mut Ctx<Self>) {
        self.txs.clear();
        for w in &self.wal {
            let state = match w.rec {
                Rec::Prepared { row } => CState::Prepared { row },
                Rec::Commit => CState::Committed,
                Rec::Abort => CState::Aborted,
                Rec::Begin { .. } | Rec::End => continue,
            };
            self.txs.insert(w.tx, state);
        }
        let in_doubt: Vec<u64> = self.doubt.keys().copied().collect();
        for &tx in &in_doubt {
            if let Some(&CState::Prepared { row }) = self.txs.get(&tx) {
                self.data.relock(row, tx);
            }
            ctx.note("tx-2pc.recover_doubt", tx);
            self.query(tx, ctx);
        }
        if !in_doubt.is_empty() {
            self.blocked = true;
            ctx.set_timer(Timer::Ask, self.cfg.timeout);
        }
    }
}
