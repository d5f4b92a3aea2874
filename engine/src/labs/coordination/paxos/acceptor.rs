//! The acceptor (promise and accept; its state on disk, written before it answers) and the
//! learner (counts acceptors per proposal; the distinguished learner passes the value on)
//! (Paxos Made Simple §2.2–2.3; seed 004, "Prepare 阶段", "Accept 阶段", "Learn 阶段").

use super::{Ballot, Msg, Paxos, Timer, Vote, LEARNER};
use crate::sim::Ctx;
use crate::NodeId;

impl Paxos {
    /// Whether this acceptor may take a request numbered `b`: it promised nothing higher.
    fn allows(&self, b: Ballot) -> bool {
        self.promised.is_none_or(|p| b >= p)
    }

    /// Sends answers once the disk write that precedes them is done.
    fn answer(&mut self, out: Vec<(NodeId, Msg)>, ctx: &mut Ctx<Self>) {
        if self.cfg.disk == 0 {
            for (to, m) in out {
                ctx.send(to, m);
            }
        } else {
            self.writes += 1;
            self.pending.insert(self.writes, out);
            ctx.set_timer(Timer::Flush(self.writes), self.cfg.disk);
        }
    }

    pub(super) fn flush(&mut self, w: u64, ctx: &mut Ctx<Self>) {
        for (to, m) in self.pending.remove(&w).unwrap_or_default() {
            ctx.send(to, m);
        }
    }

    pub(super) fn acceptor_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Prepare { ballot, from: slot } => {
                if self.allows(ballot) {
                    self.promised = Some(ballot);
                    let accepted: Vec<Vote> = if self.cfg.broken_forget_accepted {
                        Vec::new()
                    } else {
                        self.accepted.range(slot..).map(|(_, v)| *v).collect()
                    };
                    ctx.note("paxos.promise", ballot.round);
                    self.answer(vec![(from, Msg::Promise { ballot, accepted })], ctx);
                } else {
                    self.refuse(from, ballot, ctx);
                }
            }
            Msg::Accept {
                ballot,
                slot,
                value,
            } => {
                if self.allows(ballot) {
                    self.promised = Some(ballot);
                    self.accepted.insert(
                        slot,
                        Vote {
                            slot,
                            ballot,
                            value,
                        },
                    );
                    ctx.note("paxos.accept", slot);
                    let mut out = vec![(
                        from,
                        Msg::Accepted {
                            ballot,
                            slot,
                            value,
                        },
                    )];
                    let learn = Msg::Learn {
                        ballot,
                        slot,
                        value,
                    };
                    let first = self.cfg.first_learner();
                    let learners = if self.cfg.distinguished_learner {
                        first..first + 1
                    } else {
                        first..first + self.cfg.learners
                    };
                    out.extend(learners.map(|l| (l, learn.clone())));
                    self.answer(out, ctx);
                } else {
                    self.refuse(from, ballot, ctx);
                }
            }
            _ => {}
        }
    }

    /// A request numbered below the promise: a Nack, or (as in the notes) nothing at all.
    fn refuse(&mut self, from: NodeId, ballot: Ballot, ctx: &mut Ctx<Self>) {
        ctx.note("paxos.refuse", ballot.round);
        if let (true, Some(promised)) = (self.cfg.nack, self.promised) {
            ctx.send(from, Msg::Nack { ballot, promised });
        }
    }

    pub(super) fn learner_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Learn {
                ballot,
                slot,
                value,
            } => {
                if self.log.contains_key(&slot) {
                    return;
                }
                let bit = self.cfg.acceptor_bit(from);
                let t = self.tally.entry((slot, ballot)).or_insert((value, 0));
                t.1 |= bit;
                if t.1.count_ones() >= self.cfg.majority() {
                    self.tally.retain(|(s, _), _| *s != slot);
                    self.learn(slot, value, ctx);
                    if self.cfg.distinguished_learner {
                        let first = self.cfg.first_learner();
                        for l in first + 1..first + self.cfg.learners {
                            if l != self.id && ctx.kind_of(l) == LEARNER {
                                ctx.send(l, Msg::Chosen { slot, value });
                            }
                        }
                    }
                }
            }
            Msg::Chosen { slot, value } if !self.log.contains_key(&slot) => {
                self.learn(slot, value, ctx);
            }
            _ => {}
        }
    }

    fn learn(&mut self, slot: u64, value: u64, ctx: &mut Ctx<Self>) {
        self.log.insert(slot, value);
        ctx.note("paxos.learn", slot);
    }
}
