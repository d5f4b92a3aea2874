//! The coordinator: CanCommit (log `BEGIN`, collect votes), PreCommit (log `PRECOMMIT`, send
//! it to every cohort at once, collect Acks), DoCommit (log `COMMIT`, send it one cohort every
//! `gap` ms) or Abort (log `ABORT`, send it to every cohort at once), `HaveCommitted` and
//! `END`, the notes' timeouts (no votes, or no Acks, in time: abort), answers to restarted
//! cohorts, and recovery from its log.

use super::{CoTx, Msg, Phase, Rec, Timer, Tx3pc, CLIENT_NODE, COHORT, FIRST_COHORT};
use crate::sim::Ctx;
use crate::NodeId;

impl Tx3pc {
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
            Msg::Abort { tx }
        }
    }

    fn phase(&self, tx: u64) -> Option<Phase> {
        self.co.get(&tx).map(|t| t.phase)
    }

    pub(super) fn coordinator_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Begin { tx, row } => match self.phase(tx) {
                None => {
                    self.log(tx, Rec::Begin { row }, ctx);
                    self.co.insert(
                        tx,
                        CoTx {
                            row,
                            phase: Phase::Voting { yes: 0 },
                        },
                    );
                    ctx.note("tx-3pc.can_commit", tx);
                    ctx.broadcast_kind(COHORT, Msg::CanCommit { tx, row });
                    ctx.set_timer(Timer::Votes(tx), self.cfg.timeout);
                }
                Some(Phase::Decided { commit, .. } | Phase::Ended { commit }) => {
                    ctx.send(
                        CLIENT_NODE,
                        Msg::Outcome {
                            tx,
                            committed: commit,
                        },
                    );
                }
                Some(_) => {}
            },
            Msg::Yes { tx } => {
                let bit = self.bit(from);
                let all = self.all_cohorts();
                match self.co.get_mut(&tx) {
                    Some(CoTx {
                        row,
                        phase: Phase::Voting { yes },
                    }) => {
                        *yes |= bit;
                        if *yes == all {
                            let row = *row;
                            self.pre_commit_all(tx, row, ctx);
                        }
                    }
                    // A late or repeated vote: PreCommit again (the Ack deadline still runs).
                    Some(CoTx {
                        phase: Phase::PreCommitting { .. },
                        ..
                    }) => ctx.send(from, Msg::PreCommit { tx }),
                    Some(CoTx {
                        phase: Phase::Decided { commit, .. } | Phase::Ended { commit },
                        ..
                    }) => {
                        let commit = *commit;
                        ctx.send(from, Self::decision(tx, commit));
                    }
                    None => ctx.send(from, Msg::Abort { tx }),
                }
            }
            Msg::No { tx } => {
                if matches!(
                    self.phase(tx),
                    Some(Phase::Voting { .. } | Phase::PreCommitting { .. })
                ) {
                    ctx.note("tx-3pc.got_no", from as u64 + 1);
                    self.decide(tx, false, ctx);
                }
            }
            Msg::Ack { tx } => {
                let bit = self.bit(from);
                let all = self.all_cohorts();
                if let Some(t) = self.co.get_mut(&tx) {
                    if let Phase::PreCommitting { acked } = &mut t.phase {
                        *acked |= bit;
                        if *acked == all {
                            self.decide(tx, true, ctx);
                        }
                    }
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
                            ctx.note("tx-3pc.end", tx);
                        }
                    }
                }
            }
            Msg::Query { tx } => match self.phase(tx) {
                Some(Phase::Decided { commit, .. } | Phase::Ended { commit }) => {
                    ctx.send(from, Self::decision(tx, commit));
                }
                Some(_) => {}
                None => ctx.send(from, Msg::Abort { tx }),
            },
            _ => {}
        }
    }

    /// Every cohort voted Yes: log PRECOMMIT and send PreCommit to all of them at once.
    fn pre_commit_all(&mut self, tx: u64, row: usize, ctx: &mut Ctx<Self>) {
        ctx.cancel_timer(Timer::Votes(tx));
        self.log(tx, Rec::PreCommit { row }, ctx);
        if let Some(t) = self.co.get_mut(&tx) {
            t.phase = Phase::PreCommitting { acked: 0 };
        }
        ctx.note("tx-3pc.pre_commit", tx);
        ctx.broadcast_kind(COHORT, Msg::PreCommit { tx });
        ctx.set_timer(Timer::Acks(tx), self.cfg.ack_wait);
    }

    /// Logs the decision, tells the client, and sends it: an abort to every cohort at once (a
    /// cohort left out would commit on its timeout after PreCommit), a commit one cohort every
    /// `gap` ms (a cohort left out commits on its timeout anyway).
    fn decide(&mut self, tx: u64, commit: bool, ctx: &mut Ctx<Self>) {
        let Some(t) = self.co.get_mut(&tx) else {
            return;
        };
        t.phase = Phase::Decided { commit, acked: 0 };
        ctx.cancel_timer(Timer::Votes(tx));
        ctx.cancel_timer(Timer::Acks(tx));
        self.log(tx, if commit { Rec::Commit } else { Rec::Abort }, ctx);
        ctx.note(
            if commit {
                "tx-3pc.decide_commit"
            } else {
                "tx-3pc.decide_abort"
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
        self.send_decision(tx, commit, ctx);
        ctx.set_timer(Timer::Resend, self.cfg.timeout);
    }

    fn send_decision(&mut self, tx: u64, commit: bool, ctx: &mut Ctx<Self>) {
        if !commit || self.cfg.gap == 0 {
            for c in self.cohort_ids() {
                ctx.send(c, Self::decision(tx, commit));
            }
        } else {
            self.outbox.insert(tx, 0);
            ctx.set_timer(Timer::Send(tx), self.cfg.gap);
        }
    }

    /// Sends a transaction's DoCommit to its next cohort.
    pub(super) fn send_next(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        let commit = match self.phase(tx) {
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
        if matches!(self.phase(tx), Some(Phase::Voting { .. })) {
            ctx.note("tx-3pc.vote_timeout", tx);
            self.decide(tx, false, ctx);
        }
    }

    pub(super) fn ack_timeout(&mut self, tx: u64, ctx: &mut Ctx<Self>) {
        if matches!(self.phase(tx), Some(Phase::PreCommitting { .. })) {
            ctx.note("tx-3pc.ack_timeout", tx);
            self.decide(tx, false, ctx);
        }
    }

    /// Re-sends each decision to the cohorts that have not acknowledged it.
    pub(super) fn resend(&mut self, ctx: &mut Ctx<Self>) {
        let open: Vec<(u64, bool, u64)> = self
            .co
            .iter()
            .filter_map(|(&tx, t)| match t.phase {
                Phase::Decided { commit, acked } => Some((tx, commit, acked)),
                _ => None,
            })
            .collect();
        for &(tx, commit, acked) in &open {
            for c in self.cohort_ids() {
                if acked & self.bit(c) == 0 {
                    ctx.send(c, Self::decision(tx, commit));
                }
            }
        }
        if !open.is_empty() {
            ctx.set_timer(Timer::Resend, self.cfg.timeout);
        }
    }

    /// A restarted coordinator rebuilds its transactions from its log and finishes them: a
    /// logged decision goes out again; PRECOMMIT without a decision commits (every cohort
    /// voted Yes, and those that acknowledged commit on their timeout); BEGIN alone aborts (no
    /// cohort can commit without PreCommit, and those waiting for it abort on their timeout).
    pub(super) fn coordinator_recover(&mut self, ctx: &mut Ctx<Self>) {
        self.co.clear();
        for w in &self.wal {
            let phase = match w.rec {
                Rec::Begin { row } => {
                    self.co.insert(
                        w.tx,
                        CoTx {
                            row,
                            phase: Phase::Voting { yes: 0 },
                        },
                    );
                    continue;
                }
                Rec::PreCommit { .. } => Phase::PreCommitting { acked: 0 },
                Rec::Commit | Rec::Abort => Phase::Decided {
                    commit: w.rec == Rec::Commit,
                    acked: 0,
                },
                Rec::End => match self.phase(w.tx) {
                    Some(Phase::Decided { commit, .. }) => Phase::Ended { commit },
                    _ => continue,
                },
                Rec::Voted { .. } => continue,
            };
            if let Some(t) = self.co.get_mut(&w.tx) {
                t.phase = phase;
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
                    ctx.note("tx-3pc.presumed_abort", tx);
                    self.decide(tx, false, ctx);
                }
                Phase::PreCommitting { .. } => {
                    let commit = !self.cfg.broken_presumed_abort;
                    ctx.note("tx-3pc.recover_precommit", tx);
                    self.decide(tx, commit, ctx);
                }
                Phase::Decided { commit, .. } => {
                    ctx.note("tx-3pc.redo_decision", tx);
                    ctx.send(
                        CLIENT_NODE,
                        Msg::Outcome {
                            tx,
                            committed: commit,
                        },
                    );
                    self.send_decision(tx, commit, ctx);
                    ctx.set_timer(Timer::Resend, self.cfg.timeout);
                }
                Phase::Ended { .. } => {}
            }
        }
    }
}
