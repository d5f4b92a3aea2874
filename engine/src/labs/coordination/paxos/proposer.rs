//! The proposer: phase 1 (`Prepare`, collect a majority of `Promise`s, adopt the value of the
//! highest-numbered accepted proposal reported), phase 2 (`Accept`, collect a majority of
//! `Accepted`), pre-emption by a `Nack` or a timeout with an optional random back-off, the
//! distinguished proposer (others forward to P1), and Multi-Paxos's stable leader that skips
//! phase 1 for later slots (Paxos Made Simple §2.2, §2.4, §3).

use std::collections::BTreeMap;

use super::{Ballot, InFlight, Msg, Paxos, Phase, Timer, Vote, ACCEPTOR, NOOP};
use crate::sim::Ctx;
use crate::NodeId;

/// The distinguished proposer when `leader` is on.
pub const LEADER: NodeId = 0;

impl Paxos {
    /// A value to propose: from the menu, from `auto`, or forwarded to the leader.
    pub(super) fn propose(&mut self, v: u64, ctx: &mut Ctx<Self>) {
        ctx.note("paxos.propose", v);
        if self.cfg.leader && self.id != LEADER {
            ctx.send(LEADER, Msg::Forward { value: v });
            return;
        }
        self.want(v, ctx);
    }

    fn want(&mut self, v: u64, ctx: &mut Ctx<Self>) {
        if self.cfg.multi {
            match self.phase {
                Phase::Leading { ballot } => {
                    // A stable leader: phase 1 already covers every later slot.
                    let slot = self.next_slot;
                    self.next_slot += 1;
                    self.skipped += 1;
                    ctx.note("paxos.skip_phase1", slot);
                    self.send_accept(ballot, slot, v, true, ctx);
                    self.arm_timeout(ctx);
                }
                Phase::Preparing { .. } => self.queue.push_back(v),
                Phase::Idle => {
                    self.queue.push_back(v);
                    if !self.backing_off {
                        self.start_round(ctx);
                    }
                }
            }
        } else if let Some(&c) = self.log.get(&0) {
            ctx.note("paxos.already_chosen", c);
        } else if let Some(&current) = self.queue.front() {
            // Single-decree: one value at a time; the round under way keeps its value.
            ctx.note("paxos.busy", current);
        } else {
            self.queue.push_back(v);
            if self.phase == Phase::Idle && !self.backing_off {
                self.start_round(ctx);
            }
        }
        self.touch(ctx);
    }

    /// The first slot this proposer does not know to be chosen.
    fn first_open_slot(&self) -> u64 {
        if !self.cfg.multi {
            return 0;
        }
        let mut s = 0;
        while self.log.contains_key(&s) {
            s += 1;
        }
        s
    }

    /// Phase 1 with a new proposal number: higher than any this proposer used or saw refused.
    fn start_round(&mut self, ctx: &mut Ctx<Self>) {
        self.backing_off = false;
        let round = match self.next_round.take() {
            Some(n) if n > self.max_round => n,
            _ => self.max_round + 1,
        };
        self.max_round = round;
        let ballot = Ballot::new(round, self.id);
        self.rounds += 1;
        if self.cfg.multi {
            // Own values not yet chosen go back to the queue, to be placed again.
            let own: Vec<u64> = self
                .inflight
                .values()
                .filter(|f| f.own)
                .map(|f| f.value)
                .collect();
            for v in own.into_iter().rev() {
                self.queue.push_front(v);
            }
        }
        self.inflight.clear();
        self.phase = Phase::Preparing {
            ballot,
            promises: 0,
            reported: BTreeMap::new(),
        };
        let from = self.first_open_slot();
        ctx.note("paxos.prepare", round);
        ctx.broadcast_kind(ACCEPTOR, Msg::Prepare { ballot, from });
        self.arm_timeout(ctx);
    }

    fn arm_timeout(&mut self, ctx: &mut Ctx<Self>) {
        let jitter = if self.cfg.backoff > 0 {
            ctx.random_between(0, self.cfg.backoff)
        } else {
            0
        };
        ctx.set_timer(Timer::Retry, self.cfg.timeout + jitter);
    }

    /// Pre-empted: try again at once, or after a random back-off.
    fn back_off(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.backoff == 0 {
            self.start_round(ctx);
        } else {
            self.backing_off = true;
            let d = ctx.random_between(1, self.cfg.backoff);
            ctx.note("paxos.back_off", d / 1_000);
            ctx.set_timer(Timer::Retry, d);
        }
    }

    fn send_accept(
        &mut self,
        ballot: Ballot,
        slot: u64,
        value: u64,
        own: bool,
        ctx: &mut Ctx<Self>,
    ) {
        self.inflight.insert(
            slot,
            InFlight {
                value,
                own,
                acks: 0,
            },
        );
        ctx.broadcast_kind(
            ACCEPTOR,
            Msg::Accept {
                ballot,
                slot,
                value,
            },
        );
    }

    /// The current proposal number, if a round is on.
    pub fn ballot(&self) -> Option<Ballot> {
        match &self.phase {
            Phase::Idle => None,
            Phase::Preparing { ballot, .. } | Phase::Leading { ballot } => Some(*ballot),
        }
    }

    pub(super) fn proposer_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        let bit = self.cfg.acceptor_bit(from);
        let majority = self.cfg.majority();
        match msg {
            Msg::Promise { ballot, accepted } => {
                let Phase::Preparing {
                    ballot: b,
                    promises,
                    reported,
                } = &mut self.phase
                else {
                    return;
                };
                if *b != ballot {
                    return;
                }
                *promises |= bit;
                for v in accepted {
                    let r = reported.entry(v.slot).or_insert(v);
                    if v.ballot > r.ballot {
                        *r = v;
                    }
                }
                if promises.count_ones() >= majority {
                    let reported = std::mem::take(reported);
                    self.phase1_done(ballot, reported, ctx);
                }
            }
            Msg::Accepted {
                ballot,
                slot,
                value,
            } => {
                if self.phase != (Phase::Leading { ballot }) {
                    return;
                }
                let Some(f) = self.inflight.get_mut(&slot) else {
                    return;
                };
                if f.value != value {
                    return;
                }
                f.acks |= bit;
                if f.acks.count_ones() >= majority {
                    self.inflight.remove(&slot);
                    self.log.insert(slot, value);
                    if self.cfg.multi {
                        ctx.note("paxos.chosen_slot", slot);
                        if self.inflight.is_empty() && self.queue.is_empty() {
                            ctx.cancel_timer(Timer::Retry);
                        }
                    } else {
                        ctx.note("paxos.chosen", value);
                        self.queue.clear();
                        self.phase = Phase::Idle;
                        ctx.cancel_timer(Timer::Retry);
                    }
                }
            }
            Msg::Nack { ballot, promised } => {
                if self.ballot() != Some(ballot) {
                    return;
                }
                self.max_round = self.max_round.max(promised.round);
                self.preempted += 1;
                ctx.note("paxos.preempted", promised.round);
                self.phase = Phase::Idle;
                if self.has_work() {
                    self.back_off(ctx);
                } else {
                    ctx.cancel_timer(Timer::Retry);
                }
            }
            Msg::Forward { value } if self.id == LEADER => self.want(value, ctx),
            _ => {}
        }
        self.touch(ctx);
    }

    /// A majority promised: phase 2 for every slot that needs it.
    fn phase1_done(&mut self, ballot: Ballot, reported: BTreeMap<u64, Vote>, ctx: &mut Ctx<Self>) {
        self.phase = Phase::Leading { ballot };
        ctx.note("paxos.promised", ballot.round);
        if !self.cfg.multi {
            let (v, own) = match (reported.get(&0), self.queue.front()) {
                (Some(vote), _) => (vote.value, false),
                (None, Some(&v)) => (v, true),
                (None, None) => return,
            };
            if !own {
                ctx.note("paxos.adopt", v);
            }
            self.send_accept(ballot, 0, v, own, ctx);
        } else {
            let from = self.first_open_slot();
            let end = reported
                .keys()
                .next_back()
                .map_or(from, |&t| t + 1)
                .max(from);
            for s in from..end {
                if self.log.contains_key(&s) {
                    continue;
                }
                match reported.get(&s) {
                    Some(vote) => {
                        ctx.note("paxos.adopt_slot", s);
                        self.send_accept(ballot, s, vote.value, false, ctx);
                    }
                    None => self.send_accept(ballot, s, NOOP, false, ctx),
                }
            }
            let after_log = self.log.keys().next_back().map_or(0, |&s| s + 1);
            self.next_slot = end.max(after_log);
            while let Some(v) = self.queue.pop_front() {
                let s = self.next_slot;
                self.next_slot += 1;
                self.send_accept(ballot, s, v, true, ctx);
            }
        }
        self.arm_timeout(ctx);
    }

    /// The wait for a majority ran out, or the back-off did.
    pub(super) fn retry(&mut self, ctx: &mut Ctx<Self>) {
        let was_backing_off = self.backing_off;
        self.backing_off = false;
        if !self.has_work() {
            return;
        }
        if !was_backing_off {
            ctx.note("paxos.timeout", self.ballot().map_or(0, |b| b.round));
        }
        self.start_round(ctx);
        self.touch(ctx);
    }

    /// Keeps `busy_since` (for the progress check) in step with whether a value waits.
    pub(super) fn touch(&mut self, ctx: &Ctx<Self>) {
        if self.has_work() {
            self.busy_since.get_or_insert(ctx.now);
        } else {
            self.busy_since = None;
        }
    }
}
