//! The coordinator (transaction manager): phase 1 (log `BEGIN`, send `CanCommit`, collect
//! votes), phase 2 (log the decision, send it to one cohort every `gap` ms, collect
//! `HaveCommitted`, log `END`), answers to in-doubt cohorts, and recovery from its log.

use super::{CoTx, Msg, Phase, Rec, Timer, Tx2pc, CLIENT_NODE, COHORT, FIRST_COHORT};
use crate::sim::Ctx;
use crate::NodeId;

impl Tx2pc {
    fn all_cohorts(&self) -> u64 {
        (1u64 << self.cfg.cohorts) - 1
    }

    fn bit(&self, cohort: NodeId) -> u64 {
        cohort
            .checked_sub(FIRST_COHORT)
            .filter(|&i| i < self.cfg.cohorts)
            .map_or(0, |i| 1 << i)
    }

    fn decision(tx: u64, commit: bool) -> Msg {
        if commit {
            Msg::DoCommit { tx }
        } else {
            Msg::DoAbort { tx }
        }
    }

    pub(super) fn coordinator_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Begin { tx, row } => match self.co.get(&tx).map(|t| t.phase) {
                None => {
                    self.log(tx, Rec::Begin { row }, ctx);
                    self.co.insert(
                        tx,
                        CoTx {
                            row,
                            phase: Phase::Voting { yes: 0 },
                        },
                    );
                    ctx.note("tx-2pc.can_commit", tx);
                    ctx.broadcast_kind(COHORT, Msg::CanCommit { tx, row });
                    ctx.set_timer(Timer::Votes(tx), self.cfg.timeout);
                }
                Some(Phase::Voting { .. }) => {}
                Some(Phase::Decided { commit, .. } | Phase::Ended { commit }) => {
                    ctx.send(
                        CLIENT_NODE,
                        Msg::Outcome {
                            tx,
                            committed: commit,
                        },
                    );
                }
            },
            Msg::Yes { tx } => {
                let bit = self.bit(from);
                let all = self.all_cohorts();
                match self.co.get_mut(&tx).map(|t| &mut t.phase) {
                    Some(Phase::Voting { yes }) => {
                        *yes |= bit;
                        if *yes == all {
                            self.decide(tx, true, ctx);
                        }
                    }
                    Some(Phase::Decided { commit, .. } | Phase::Ended { commit }) => {
                        let commit = *commit;
                        ctx.send(from, Self::decision(tx, commit));
                    }
                    // Presumed abort: no record, no decision to commit.
                    None => ctx.send(from, Msg::DoAbort { tx }),
                }
            }
            Msg::No { tx } => {
                if matches!(
                    self.co.get(&tx).map(|t| t.phase),
                    Some(Phase::Voting { .. })
                ) {
                    ctx.note("tx-2pc.got_no", from as u64 + 1);
                    self.decide(tx, false, ctx);
                }
            }
            Msg::HaveCommitted { tx } => {
                let bit = self.bit(from);
                let all = self.all_cohorts();
                if let Some(t) = self.co.get_mut(&tx) {
                    if let Phase::Decided { commit, acked } = t.phase {
                        let acked = acked | bit;
                        t.phase = if acked == all {
                            Phase::Ended { commit }
                        } else {
                            Phase::Decided { commit, acked }
                        };
                        if acked == all {
                            self.log(tx, Rec::End, ctx);
                            ctx.note("tx-2pc.end", tx);
                        }
                    }
                }
            }
            Msg::Query { tx } => match self.co.get(&tx).map(|t| t.phase) {
                Some(Phase::Decided { commit, .. } | Phase::Ended { commit }) => {
                    ctx.send(from, Self::decision(tx, commit));
                }
                Some(Phase::Voting { .. }) => {}
                None => ctx.send(from, Msg::DoAbort { tx }),
            },
            _ => {}
        }
    }

    /// Logs the decision (the commit point), tells the client and queues the decision for
    /// every cohort.
    fn decide(&mut self, tx: u64, commit: bool, ctx: &mut Ctx<Self>) {
        let Some(t) = self.co.get_mut(&tx) else {
            return;
        };
        t.phase = Phase::Decided { commit, acked: 0 };
        ctx.cancel_timer(Timer::Votes(tx));
        if !self.cfg.broken_unlogged_decision {
            self.log(tx, if commit { Rec::Commit } else { Rec::Abort }, ctx);
        }
        ctx.note(
            if commit {
                "tx-2pc.decide_commit"
            } else {
                "tx-2pc.decide_abort"
            },
            tx,
        );
        ctx.send(
            CLIENT_NODE,
            Msg::Outcome {
                tx,
                committed: commit,
            },
        );
        self.queue_decision(tx, commit, ctx);
        ctx.set_timer(Timer::Resend, self.cfg.timeout);
    }

    /// Starts sending a transaction's decision: to every cohort at once when `gap` is 0,
    /// otherwise to one cohort every `gap` ms, in id order (each transaction's decision goes
    /// out on its own, so a busy coordinator does not delay one transaction behind another).
    fn queue_decision(&mut self, tx: u64, commit: bool, ctx: &mut Ctx<Self>) {
        if self.cfg.gap == 0 {
            for c in self.cohort_ids() {
                ctx.send(c, Self::decision(tx, commit));
            }
        } else {
            self.outbox.insert(tx, 0);
            ctx.set_timer(Timer::Send(tx), self.cfg.gap);
        }
    }

    /// Sends a transaction's decision to its next cohort.
    pub(super) fn send_next(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        let commit = match self.co.get(&tx).map(|t| t.phase) {
            Some(Phase::Decided { commit, .. } | Phase::Ended { commit }) => commit,
            _ => return,
        };
        let Some(next) = self.outbox.get_mut(&tx) else {
            return;
        };
        let i = *next;
        *next += 1;
        if i + 1 < self.cfg.cohorts {
            ctx.set_timer(Timer::Send(tx), self.cfg.gap);
        } else {
            self.outbox.remove(&tx);
        }
        ctx.send(FIRST_COHORT + i, Self::decision(tx, commit));
    }

    pub(super) fn vote_timeout(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        if matches!(
            self.co.get(&tx).map(|t| t.phase),
            Some(Phase::Voting { .. })
        ) {
            ctx.note("tx-2pc.vote_timeout", tx);
            self.decide(tx, false, ctx);
        }
    }

    /// Re-sends each decision to the cohorts that have not acknowledged it.
    pub(super) fn resend(&mut self, ctx: &mut Ctx<Self>) {
        let mut any = false;
        let open: Vec<(u64, bool, u64)> = self
            .co
            .iter()
            .filter_map(|(&tx, t)| match t.phase {
                Phase::Decided { commit, acked } => Some((tx, commit, acked)),
                _ => None,
            })
            .collect();
        for (tx, commit, acked) in open {
            any = true;
            for c in self.cohort_ids() {
                if acked & self.bit(c) == 0 {
                    ctx.send(c, Self::decision(tx, commit));
                }
            }
        }
        if any {
            ctx.set_timer(Timer::Resend, self.cfg.timeout);
        }
    }

    /// A restarted coordinator rebuilds its transactions from its log and finishes them: a
    /// logged decision goes out again to every cohort; a transaction begun without a decision
    /// is aborted (nobody can have committed it: that needs the decision).
    pub(super) fn coordinator_recover(&mut self, ctx: &mut Ctx<Self>) {
        self.co.clear();
        for w in &self.wal {
            match w.rec {
                Rec::Begin { row } => {
                    self.co.insert(
                        w.tx,
                        CoTx {
                            row,
                            phase: Phase::Voting { yes: 0 },
                        },
                    );
                }
                Rec::Commit | Rec::Abort => {
                    if let Some(t) = self.co.get_mut(&w.tx) {
                        t.phase = Phase::Decided {
                            commit: w.rec == Rec::Commit,
                            acked: 0,
                        };
                    }
                }
                Rec::End => {
                    if let Some(t) = self.co.get_mut(&w.tx) {
                        if let Phase::Decided { commit, .. } = t.phase {
                            t.phase = Phase::Ended { commit };
                        }
                    }
                }
                Rec::Prepared { .. } => {}
            }
        }
        let open: Vec<(u64, Phase)> = self
            .co
            .iter()
            .filter(|(_, t)| !matches!(t.phase, Phase::Ended { .. }))
            .map(|(&tx, t)| (tx, t.phase))
            .collect();
        for (tx, phase) in open {
            match phase {
                Phase::Voting { .. } => {
                    ctx.note("tx-2pc.presumed_abort", tx);
                    self.decide(tx, false, ctx);
                }
                Phase::Decided { commit, .. } => {
                    ctx.note("tx-2pc.redo_decision", tx);
                    ctx.send(
                        CLIENT_NODE,
                        Msg::Outcome {
                            tx,
                            committed: commit,
                        },
                    );
                    self.queue_decision(tx, commit, ctx);
                    ctx.set_timer(Timer::Resend, self.cfg.timeout);
                }
                Phase::Ended { .. } => {}
            }
        }
    }
}
