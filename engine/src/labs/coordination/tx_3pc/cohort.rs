//! A cohort: locking and voting (CanCommit), executing and acknowledging (PreCommit), applying
//! the decision, the notes' timeouts (abort if PreCommit never comes, commit if the decision
//! never comes after it), answering peers, and recovery from its log (a restarted cohort asks
//! instead of trusting a timeout).

use super::{CState, Msg, Rec, Timer, Tx3pc, COORDINATOR_NODE};
use crate::sim::Ctx;
use crate::NodeId;

impl Tx3pc {
    pub(super) fn cohort_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::CanCommit { tx, row } => self.can_commit(tx, row, ctx),
            Msg::PreCommit { tx } => self.pre_commit(tx, ctx),
            Msg::DoCommit { tx } => self.apply(tx, true, ctx),
            Msg::Abort { tx } => self.apply(tx, false, ctx),
            Msg::Query { tx } => self.answer_peer(from, tx, ctx),
            Msg::Uncertain { tx } => ctx.note("tx-3pc.peer_uncertain", tx),
            _ => {}
        }
    }

    /// Phase 1: lock the row (or queue for it) and vote; nothing is executed yet.
    fn can_commit(&mut self, tx: u64, row: usize, ctx: &mut Ctx<Self>) {
        match self.txs.get(&tx) {
            Some(CState::Waiting { .. }) => return,
            Some(CState::Aborted) => {
                ctx.send(COORDINATOR_NODE, Msg::No { tx });
                return;
            }
            Some(_) => {
                ctx.send(COORDINATOR_NODE, Msg::Yes { tx });
                return;
            }
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
            self.vote_yes(tx, row, ctx);
        } else {
            self.txs.insert(
                tx,
                CState::Waiting {
                    row,
                    since: ctx.now,
                },
            );
            ctx.note("tx-3pc.lock_wait", tx);
        }
    }

    /// The row is locked for `tx`: log the vote, vote Yes and wait for PreCommit.
    fn vote_yes(&mut self, tx: u64, row: usize, ctx: &mut Ctx<Self>) {
        self.log(tx, Rec::Voted { row }, ctx);
        self.txs.insert(tx, CState::Ready { row });
        self.doubt.insert(tx, ctx.now);
        ctx.note("tx-3pc.vote_yes", tx);
        ctx.send(COORDINATOR_NODE, Msg::Yes { tx });
        ctx.set_timer(Timer::Wait(tx), self.cfg.wait);
    }

    /// Phase 2: execute the write.
    fn pre_commit(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        match self.txs.get(&tx).copied() {
            Some(CState::Ready { row }) => {
                // Told in time: the timeouts are meaningful again even after a restart.
                self.asking.remove(&tx);
                ctx.cancel_timer(Timer::Wait(tx));
                self.txs.insert(tx, CState::Executing { row });
                ctx.note("tx-3pc.executing", tx);
                ctx.set_timer(Timer::Exec(tx), self.cfg.exec);
            }
            Some(CState::PreCommitted { .. } | CState::Committed) => {
                ctx.send(COORDINATOR_NODE, Msg::Ack { tx });
            }
            Some(CState::Aborted) => ctx.send(COORDINATOR_NODE, Msg::No { tx }),
            _ => {}
        }
    }

    /// The write is executed: log it (redo and undo), acknowledge, and wait for the decision.
    pub(super) fn executed(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        let Some(&CState::Executing { row }) = self.txs.get(&tx) else {
            return;
        };
        self.log(tx, Rec::PreCommit { row }, ctx);
        self.txs.insert(tx, CState::PreCommitted { row });
        ctx.note("tx-3pc.ack", tx);
        ctx.send(COORDINATOR_NODE, Msg::Ack { tx });
        ctx.set_timer(Timer::Wait(tx), self.cfg.wait);
    }

    /// The notes' timeouts: nothing came after the vote (abort) or after the Ack (commit).
    pub(super) fn wait_over(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        if self.asking.contains(&tx) {
            return;
        }
        match self.txs.get(&tx).copied() {
            Some(CState::Ready { row }) if self.cfg.broken_commit_before_precommit => {
                self.timeout_commits += 1;
                ctx.note("tx-3pc.timeout_commit", tx);
                self.commit_here(tx, row, ctx);
            }
            Some(CState::Ready { .. }) => {
                self.timeout_aborts += 1;
                ctx.note("tx-3pc.timeout_abort", tx);
                self.abort_here(tx, ctx);
            }
            Some(CState::PreCommitted { row }) => {
                self.timeout_commits += 1;
                ctx.note("tx-3pc.timeout_commit", tx);
                self.commit_here(tx, row, ctx);
            }
            _ => {}
        }
    }

    fn commit_here(&mut self, tx: u64, row: usize, ctx: &mut Ctx<Self>) {
        self.log(tx, Rec::Commit, ctx);
        self.txs.insert(tx, CState::Committed);
        if let Some(v) = self.data.values.get_mut(row) {
            *v = tx;
        }
        self.end_doubt(tx, ctx);
        ctx.note("tx-3pc.commit", tx);
        self.unlock(row, ctx);
    }

    /// Aborts `tx` here (a No vote, a timeout, or told to): logs it, releases what it held.
    fn abort_here(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        let held = match self.txs.get(&tx).copied() {
            Some(CState::Waiting { row, .. }) => {
                self.data.leave_queue(row, tx);
                None
            }
            Some(s) => s.row(),
            None => None,
        };
        self.log(tx, Rec::Abort, ctx);
        self.txs.insert(tx, CState::Aborted);
        self.end_doubt(tx, ctx);
        ctx.note("tx-3pc.abort", tx);
        if let Some(row) = held {
            self.unlock(row, ctx);
        }
    }

    fn end_doubt(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        ctx.cancel_timer(Timer::Wait(tx));
        ctx.cancel_timer(Timer::Exec(tx));
        self.asking.remove(&tx);
        if let Some(since) = self.doubt.remove(&tx) {
            self.doubt_total += ctx.now.saturating_sub(since);
        }
        if self.asking.is_empty() {
            self.blocked = false;
        }
    }

    /// Releases a row's lock; the first transaction still waiting for it takes it and votes.
    fn unlock(&mut self, row: usize, ctx: &mut Ctx<Self>) {
        let txs = &self.txs;
        let next = self
            .data
            .unlock(row, |t| matches!(txs.get(&t), Some(CState::Waiting { .. })));
        if let Some(next) = next {
            if let Some(&CState::Waiting { since, .. }) = self.txs.get(&next) {
                self.lock_wait_total += ctx.now.saturating_sub(since);
            }
            self.vote_yes(next, row, ctx);
        }
    }

    /// DoCommit / Abort, from the coordinator or from a peer that knows the outcome.
    fn apply(&mut self, tx: u64, commit: bool, ctx: &mut Ctx<Self>) {
        match (self.txs.get(&tx).copied(), commit) {
            (Some(CState::Committed), true) | (Some(CState::Aborted), false) => {
                ctx.send(COORDINATOR_NODE, Msg::HaveCommitted { tx });
            }
            (Some(CState::Committed), false) | (Some(CState::Aborted), true) => {
                // The other outcome is already applied here: never undone.
                ctx.note("tx-3pc.conflict", tx);
            }
            (
                Some(
                    s @ (CState::Ready { .. }
                    | CState::Executing { .. }
                    | CState::PreCommitted { .. }),
                ),
                true,
            ) => {
                if let Some(row) = s.row() {
                    self.commit_here(tx, row, ctx);
                }
                ctx.send(COORDINATOR_NODE, Msg::HaveCommitted { tx });
            }
            (_, false) => {
                self.abort_here(tx, ctx);
                ctx.send(COORDINATOR_NODE, Msg::HaveCommitted { tx });
            }
            // A commit for a transaction this cohort never voted Yes for cannot come from a
            // correct coordinator.
            (_, true) => ctx.note("tx-3pc.conflict", tx),
        }
    }

    /// A restarted peer asks what happened to `tx`.
    fn answer_peer(&mut self, from: NodeId, tx: u64, ctx: &mut Ctx<Self>) {
        match self.txs.get(&tx) {
            Some(CState::Committed) => ctx.send(from, Msg::DoCommit { tx }),
            Some(CState::Aborted) => ctx.send(from, Msg::Abort { tx }),
            Some(CState::Ready { .. } | CState::Executing { .. } | CState::PreCommitted { .. }) => {
                ctx.send(from, Msg::Uncertain { tx })
            }
            // Not voted yet: this cohort may still refuse, so it aborts now; the coordinator
            // can then never collect a Yes from it.
            Some(CState::Waiting { .. }) | None => {
                ctx.note("tx-3pc.unilateral_abort", tx);
                self.abort_here(tx, ctx);
                ctx.send(COORDINATOR_NODE, Msg::No { tx });
                ctx.send(from, Msg::Abort { tx });
            }
        }
    }

    /// A restarted cohort's timer: ask again about what it is still in doubt about.
    pub(super) fn ask(&mut self, ctx: &mut Ctx<Self>) {
        let open: Vec<u64> = self.asking.iter().copied().collect();
        if open.is_empty() {
            return;
        }
        if !self.blocked {
            self.blocked = true;
            ctx.note("tx-3pc.blocked", open[0]);
        }
        for &tx in &open {
            self.query(tx, ctx);
        }
        ctx.set_timer(Timer::Ask, self.cfg.timeout);
    }

    fn query(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        ctx.note("tx-3pc.query", tx);
        ctx.send(COORDINATOR_NODE, Msg::Query { tx });
        for c in self.cohort_ids().filter(|&c| c != self.id) {
            ctx.send(c, Msg::Query { tx });
        }
    }

    /// A restarted cohort rebuilds its transactions from its log and takes the locks of those
    /// in doubt again. It may have missed the outcome while down, so it does not decide on a
    /// timeout: it asks the coordinator and its peers until one of them knows.
    pub(super) fn cohort_recover(&mut self, ctx: &mut Ctx<Self>) {
        self.txs.clear();
        for w in &self.wal {
            let state = match w.rec {
                Rec::Voted { row } => CState::Ready { row },
                Rec::PreCommit { row } => CState::PreCommitted { row },
                Rec::Commit => CState::Committed,
                Rec::Abort => CState::Aborted,
                Rec::Begin { .. } | Rec::End => continue,
            };
            self.txs.insert(w.tx, state);
        }
        let in_doubt: Vec<u64> = self.doubt.keys().copied().collect();
        for &tx in &in_doubt {
            if let Some(row) = self.txs.get(&tx).and_then(CState::row) {
                self.data.relock(row, tx);
            }
            self.asking.insert(tx);
            ctx.note("tx-3pc.recover_doubt", tx);
            self.query(tx, ctx);
        }
        if !in_doubt.is_empty() {
            ctx.set_timer(Timer::Ask, self.cfg.timeout);
        }
    }
}
