//! A simulation with its user-action log and checkpoints: run, act, scrub back and forth,
//! and replay a shared run exactly.

use super::action::{Action, ActionError, LoggedAction};
use super::kernel::{Core, Sim};
use super::protocol::Protocol;
use crate::Time;

/// At most this many checkpoints are kept; beyond it they are thinned out.
pub(super) const MAX_CHECKPOINTS: usize = 256;

/// Drops every other checkpoint, keeping the first (at the window start); the caller doubles
/// its interval, so scrubbing anywhere re-runs at most two intervals. Shared with the
/// time-only models' session ([`super::model::ModelSession`]).
pub(super) fn thin_out<T>(checkpoints: &mut Vec<T>) {
    let mut i = 0;
    checkpoints.retain(|_| {
        i += 1;
        i % 2 == 1
    });
}

#[derive(Clone, Debug)]
struct Checkpoint<P: Protocol> {
    time: Time,
    core: Core<P>,
    /// The logs' absolute cursors ([`Sim::log_lengths`]).
    trace_len: u64,
    sent_len: u64,
    /// How many entries of the action log had been applied.
    applied: usize,
    /// How many scheduled actions had come due.
    scheduled: usize,
}

/// A [`Sim`] plus everything needed to move through its history.
#[derive(Clone, Debug)]
pub struct Session<P: Protocol> {
    pub sim: Sim<P>,
    log: Vec<LoggedAction>,
    applied: usize,
    checkpoints: Vec<Checkpoint<P>>,
    every: Time,
    /// Time up to which the run has been computed (the scrubber's end).
    horizon: Time,
    /// Actions planned for given times (a scenario's fault schedule), in time order; each
    /// becomes an ordinary logged action when the run reaches its time.
    schedule: Vec<(Time, Action)>,
    /// How many scheduled actions have come due.
    scheduled: usize,
    /// The most history bytes to keep ([`Sim::history_bytes`]); `None` keeps everything.
    budget: Option<usize>,
    /// The earliest time one can seek to: older history was dropped to stay in the budget.
    window_start: Time,
}

impl<P: Protocol> Session<P> {
    /// `every` is the checkpoint interval in virtual time.
    pub fn new(sim: Sim<P>, every: Time) -> Self {
        let mut s = Session {
            sim,
            log: Vec::new(),
            applied: 0,
            checkpoints: Vec::new(),
            every: every.max(1),
            horizon: 0,
            schedule: Vec::new(),
            scheduled: 0,
            budget: None,
            window_start: 0,
        };
        s.take_checkpoint();
        s
    }

    /// Loads a recorded action log (a share link's) to be replayed as the run advances.
    pub fn load_log(&mut self, log: Vec<LoggedAction>) -> Result<(), ActionError> {
        for entry in &log {
            self.sim.validate_static(&entry.action)?;
        }
        self.log = log;
        self.applied = 0;
        Ok(())
    }

    /// Plans `action` for virtual time `time`. When the run reaches that time the action is
    /// applied and logged like a user's, so share links and scrubbing treat it like any other;
    /// an identical action already in the log at that time (a replayed share link, a scrub
    /// back) is not applied twice. Actions planned for the same time keep their order.
    pub fn schedule(&mut self, time: Time, action: Action) -> Result<(), ActionError> {
        self.sim.validate_static(&action)?;
        let at = self.schedule.partition_point(|(t, _)| *t <= time);
        self.schedule.insert(at, (time, action));
        Ok(())
    }

    /// The planned actions, in time order.
    pub fn scheduled(&self) -> &[(Time, Action)] {
        &self.schedule
    }

    /// Applies the next scheduled action if it is due: its time is within `limit` and not
    /// after the next event.
    fn apply_scheduled(&mut self, limit: Time) -> bool {
        let Some((time, action)) = self.schedule.get(self.scheduled) else {
            return false;
        };
        let bound = self.sim.next_event_time().map_or(limit, |et| et.min(limit));
        if *time > bound {
            return false;
        }
        let (time, action) = (*time, action.clone());
        self.scheduled += 1;
        let logged = self.log.iter().map(|e| (e.time, &e.action));
        let planned = self.schedule[..self.scheduled - 1]
            .iter()
            .map(|(t, a)| (*t, a));
        if super::replayed(logged, planned, time, &action) {
            return true;
        }
        self.sim.set_now(time);
        let entry = LoggedAction {
            time,
            events: self.sim.events(),
            action,
        };
        if self.sim.apply(&entry.action).is_ok() {
            self.log.insert(self.applied, entry);
            self.applied += 1;
        }
        true
    }

    pub fn log(&self) -> &[LoggedAction] {
        &self.log
    }

    pub fn now(&self) -> Time {
        self.sim.now()
    }

    /// The furthest time this run has reached; scrubbing can go anywhere up to it.
    pub fn horizon(&self) -> Time {
        self.horizon.max(self.sim.now())
    }

    /// Keeps the recorded history within `budget` bytes ([`Sim::history_bytes`]) from now on:
    /// when a checkpoint finds it past 7/8 of the budget (the rest leaves room for the growth
    /// until the next checkpoint), about the oldest half of the present is dropped, up to a
    /// checkpoint, which becomes the [`Session::window_start`]. `None` (the default) keeps
    /// everything. The run itself never changes: only what can be looked back at.
    pub fn set_history_budget(&mut self, budget: Option<usize>) {
        self.budget = budget;
        self.trim_if_over();
    }

    pub fn history_budget(&self) -> Option<usize> {
        self.budget
    }

    /// The earliest time one can seek to (0 unless older history was dropped).
    pub fn window_start(&self) -> Time {
        self.window_start
    }

    /// Drops about the oldest half of the present history if it is past the budget's high
    /// water mark. The cut is at a checkpoint, so seeking to the new window start restores it
    /// and the kept trace starts exactly there.
    fn trim_if_over(&mut self) {
        let Some(budget) = self.budget else {
            return;
        };
        if self.sim.history_bytes() <= budget - budget / 8 {
            return;
        }
        let first = self.sim.first_record();
        let (present, _) = self.sim.log_lengths();
        let middle = first + (present - first) / 2;
        let now = self.sim.now();
        let Some(idx) = self
            .checkpoints
            .iter()
            .position(|c| c.time > self.window_start && c.time <= now && c.trace_len >= middle)
        else {
            return;
        };
        let cp = &self.checkpoints[idx];
        self.sim.drop_history_before(cp.trace_len, cp.sent_len);
        self.window_start = cp.time;
        self.checkpoints.drain(..idx);
    }

    fn take_checkpoint(&mut self) {
        let (trace_len, sent_len) = self.sim.log_lengths();
        self.checkpoints.push(Checkpoint {
            time: self.sim.now(),
            core: self.sim.core.clone(),
            trace_len,
            sent_len,
            applied: self.applied,
            scheduled: self.scheduled,
        });
        if self.checkpoints.len() > MAX_CHECKPOINTS {
            self.thin_checkpoints();
        }
        self.trim_if_over();
    }

    /// Keeps memory bounded on long runs: drops every other checkpoint (the first, at the
    /// window start, stays) and
    /// doubles the interval, so scrubbing anywhere re-runs at most two intervals.
    fn thin_checkpoints(&mut self) {
        thin_out(&mut self.checkpoints);
        self.every = self.every.saturating_mul(2);
    }

    fn next_checkpoint_time(&self) -> Time {
        self.checkpoints.last().map_or(0, |c| c.time) + self.every
    }

    /// Applies the next logged action if it is due: its event count is reached and its time is
    /// within `limit`. (A hand-made entry whose count is already passed applies once the
    /// events before its time are processed.)
    fn apply_due(&mut self, limit: Time) -> bool {
        let Some(entry) = self.log.get(self.applied) else {
            return false;
        };
        // Never jump the clock over pending events: a hand-made entry whose event count is
        // already passed applies once every event before its time is processed, so where it
        // lands does not depend on how the run was cut into `run_until` calls. (A recorded
        // entry always meets this: the next event was not earlier than the action.)
        let pending_before = self.sim.next_event_time().is_some_and(|et| et < entry.time);
        if entry.events > self.sim.events() || entry.time > limit || pending_before {
            return false;
        }
        self.sim.set_now(entry.time);
        let action = entry.action.clone();
        self.applied += 1;
        // A logged action that no longer applies (a message already gone) is skipped.
        let _ = self.sim.apply(&action);
        true
    }

    /// Processes one event (or one due action); false when nothing is left.
    pub fn step(&mut self) -> bool {
        let limit = self.sim.next_event_time().unwrap_or(Time::MAX);
        if self.apply_due(limit) || self.apply_scheduled(limit) {
            self.horizon = self.horizon.max(self.sim.now());
            return true;
        }
        let stepped = self.sim.step();
        self.checkpoint_if_due();
        self.horizon = self.horizon.max(self.sim.now());
        stepped
    }

    fn checkpoint_if_due(&mut self) {
        if self.sim.now() >= self.next_checkpoint_time()
            && self.sim.now() > self.checkpoints.last().map_or(0, |c| c.time)
        {
            self.take_checkpoint();
        }
    }

    /// Runs forward to `t`, applying logged actions at their points and taking checkpoints.
    pub fn run_until(&mut self, t: Time) {
        loop {
            if self.apply_due(t) || self.apply_scheduled(t) {
                continue;
            }
            let cp = self.next_checkpoint_time();
            match self.sim.next_event_time() {
                Some(et) if et <= t => {
                    if et > cp {
                        // Checkpoint in the gap before the next event: at the checkpoint time,
                        // or now if a logged action already moved the clock past it.
                        self.sim.set_now(cp);
                        self.take_checkpoint();
                        continue;
                    }
                    if self.applied < self.log.len() {
                        self.sim.step();
                    } else {
                        // No logged action can fall due: run straight to the next stop (a
                        // scheduled action applies before the events of its time).
                        let stop = match self.schedule.get(self.scheduled) {
                            Some((st, _)) => t.min(cp).min(st.saturating_sub(1)),
                            None => t.min(cp),
                        };
                        if stop < et {
                            self.sim.step();
                        } else {
                            self.sim.step_through(stop);
                        }
                    }
                }
                _ => break,
            }
        }
        self.sim.set_now(t);
        if t >= self.next_checkpoint_time() {
            self.take_checkpoint();
        }
        self.horizon = self.horizon.max(t);
    }

    /// Moves to any time: back by restoring the nearest checkpoint and re-running, forward by
    /// running. The action log is kept, so the future replays the same way. A time before the
    /// [`Session::window_start`] (dropped history) goes to the window start.
    pub fn seek(&mut self, t: Time) {
        let t = t.max(self.window_start);
        // The nearest checkpoint at or before `t`. Checkpoints past the current time stay valid
        // until the user acts (the action log still describes that future), so a jump forward
        // restores one too instead of re-running the whole way.
        let idx = self
            .checkpoints
            .iter()
            .rposition(|c| c.time <= t)
            .unwrap_or(0);
        let cp_time = self.checkpoints[idx].time;
        if t < self.sim.now() || cp_time > self.sim.now() {
            let cp = &self.checkpoints[idx];
            let (core, trace_len, sent_len, applied, scheduled) = (
                cp.core.clone(),
                cp.trace_len,
                cp.sent_len,
                cp.applied,
                cp.scheduled,
            );
            self.sim.restore(&core, trace_len, sent_len);
            self.applied = applied;
            self.scheduled = scheduled;
        }
        self.run_until(t);
    }

    /// A user action now. If the user had scrubbed back, the recorded future is discarded
    /// (the run branches here).
    pub fn act(&mut self, action: Action) -> Result<(), ActionError> {
        self.sim.validate(&action)?;
        self.log.truncate(self.applied);
        self.horizon = self.sim.now();
        // Checkpoints and records of the discarded future no longer describe this run.
        let now = self.sim.now();
        self.checkpoints.retain(|c| c.time <= now);
        self.sim.discard_future();
        let entry = LoggedAction {
            time: self.sim.now(),
            events: self.sim.events(),
            action,
        };
        self.sim.apply(&entry.action)?;
        self.log.push(entry);
        self.applied = self.log.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::RunConfig;
    use crate::labs::coordination::raft::{self, Raft};
    use crate::MS;

    fn raft_session(seed: u64) -> Session<Raft> {
        let (cfg, _) = RunConfig::parse(&[]);
        raft::session(&cfg.params, seed).session
    }

    fn max_gap(s: &Session<Raft>) -> Time {
        let times: Vec<Time> = s.checkpoints.iter().map(|c| c.time).collect();
        times.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
    }

    #[test]
    fn replayed_actions_do_not_stop_checkpoints() {
        // Actions just past checkpoint times: on replay they move the clock past the next
        // checkpoint time before any event does.
        let mut s = raft_session(3);
        for k in 1..6u64 {
            s.run_until(k * 500 * MS + 1);
            s.act(Action::command((k % 5) as usize, "timeout")).unwrap();
        }
        s.run_until(10_000 * MS);
        let mut replay = raft_session(3);
        replay.load_log(s.log().to_vec()).unwrap();
        replay.run_until(10_000 * MS);
        assert_eq!(replay.sim.trace_hash(), s.sim.trace_hash());
        assert!(
            replay.checkpoints.len() >= 19,
            "{}",
            replay.checkpoints.len()
        );
        // A checkpoint may come 1 µs late (right after an action), never a whole interval.
        assert!(max_gap(&replay) <= 500 * MS + 1, "gap {}", max_gap(&replay));
    }

    #[test]
    fn long_runs_keep_a_bounded_number_of_checkpoints() {
        let mut s = raft_session(4);
        s.sim.keep_trace = false;
        s.run_until(600_000 * MS);
        assert!(s.checkpoints.len() <= MAX_CHECKPOINTS);
        assert!(s.checkpoints.len() > MAX_CHECKPOINTS / 4);
        // Evenly spread: no gap wider than the (doubled) interval.
        assert!(max_gap(&s) <= s.every, "{} > {}", max_gap(&s), s.every);
        assert_eq!(s.checkpoints[0].time, 0);
        // Scrubbing still lands exactly.
        for t in [123_456 * MS, 7 * MS, 599_999 * MS] {
            s.seek(t);
            let mut fresh = raft_session(4);
            fresh.sim.keep_trace = false;
            fresh.run_until(t);
            assert_eq!(s.sim.trace_hash(), fresh.sim.trace_hash(), "at {t}");
        }
    }

    #[test]
    fn a_jump_forward_restores_a_later_checkpoint_and_keeps_the_recorded_trace() {
        let mut s = raft_session(6);
        s.run_until(20_000 * MS);
        s.seek(1_000 * MS);
        assert!(s.sim.trace().iter().all(|r| r.time <= 1_000 * MS));
        // Forward again: restored from a checkpoint near 15 s, not re-run from 1 s.
        s.seek(15_000 * MS);
        let mut fresh = raft_session(6);
        fresh.run_until(15_000 * MS);
        assert_eq!(s.sim.trace(), fresh.sim.trace());
        assert_eq!(s.sim.trace_hash(), fresh.sim.trace_hash());
        assert_eq!(s.sim.sent().len(), fresh.sim.sent().len());
        // Acting after scrubbing back discards the recorded future.
        s.seek(2_000 * MS);
        s.act(Action::Crash { node: 0 }).unwrap();
        assert!(s.checkpoints.iter().all(|c| c.time <= 2_000 * MS));
        s.seek(15_000 * MS);
        assert_ne!(
            s.sim.trace_hash(),
            fresh.sim.trace_hash(),
            "the branch differs from the old future"
        );
        let crashes = s
            .sim
            .trace()
            .iter()
            .filter(|r| matches!(r.kind, crate::sim::TraceKind::Crash { .. }))
            .count();
        assert_eq!(crashes, 1);
    }
}
