//! Time-only models: labs without a network (limiters, schedulers, placement, fair share) get
//! what the networked labs' [`Session`](super::Session) gives: an action log with times,
//! checkpoints, seeking back and forward to identical states, scheduled actions (a preset's)
//! and share links that replay a run exactly.
//!
//! A model implements [`TimeModel`]: a state advanced in virtual time and changed by actions
//! with a compact share-link form. [`ModelSession`] does everything else. [`ModelRun`] is the
//! same session behind an object-safe interface, for the registry's contract tests.
//!
//! A share link's log is `time.action` entries (time in µs) joined by `~`, in time order;
//! [`read_log`] reads a damaged one as far as it is readable, as the networked log is read.

use std::fmt::Debug;
use std::hash::Hasher;

use super::action::{decode_entries, ActionError};
use super::session::{thin_out, MAX_CHECKPOINTS};
use crate::labs::scene::Scene;
use crate::scenario::ScenarioInfo;
use crate::{Time, MS};

/// A lab's model as [`ModelSession`] drives it.
///
/// The state at time `t` is everything at times up to and including `t` processed, and the
/// actions logged at times up to `t` applied (in log order). An action applies at the time the
/// model was last advanced to; the session then advances the model to that same time again,
/// so what the action starts there (requests sent "now") is processed before anything later.
pub trait TimeModel {
    /// What a user (or a preset) does to the model.
    type Action: Clone + PartialEq + Debug;
    /// What a checkpoint keeps: the whole state for a small model, or the state without its
    /// append-only records plus their lengths (records are cut back on restore).
    type Snapshot: Clone;

    /// Processes everything at times up to and including `t` (nothing if `t` is already
    /// reached).
    fn advance_to(&mut self, t: Time);
    /// Applies an action now; a refused one changes nothing and says why.
    fn apply(&mut self, action: &Self::Action) -> Result<(), ActionError>;
    fn snapshot(&self) -> Self::Snapshot;
    /// Goes back to a snapshot taken earlier in this same run. The session never restores a
    /// snapshot from later than the current time.
    fn restore(&mut self, snapshot: &Self::Snapshot);
    /// The action's share-link form: URL-safe once percent-encoded, without `~` (it separates
    /// entries).
    fn encode(action: &Self::Action) -> String;
    /// Parses [`TimeModel::encode`]'s form and checks the action as far as it can be checked
    /// without a state; never panics.
    fn decode(s: &str) -> Result<Self::Action, ActionError>;
    /// Feeds everything that tells two runs apart into `h` (determinism and replay tests).
    fn hash_state(&self, h: &mut dyn Hasher);
    /// About how much memory a snapshot takes, heap included; the session keeps its
    /// checkpoints within [`MAX_CHECKPOINT_BYTES`].
    fn snapshot_bytes(snapshot: &Self::Snapshot) -> usize {
        std::mem::size_of_val(snapshot)
    }
    /// What the lab shows now, for the generic scene view and `distlab calc <lab>` (see
    /// [`crate::labs::scene`]); a model with its own view keeps the empty default.
    fn scene(&self) -> Scene {
        Scene::default()
    }
}

/// The most memory a session's checkpoints may take (by [`TimeModel::snapshot_bytes`]); beyond
/// it they are thinned out, so scrubbing re-runs longer stretches instead.
pub const MAX_CHECKPOINT_BYTES: usize = 32 << 20;

/// An action at a virtual time.
#[derive(Clone, Debug, PartialEq)]
pub struct Timed<A> {
    pub time: Time,
    pub action: A,
}

#[derive(Clone)]
struct Checkpoint<S> {
    time: Time,
    snapshot: S,
    /// [`TimeModel::snapshot_bytes`] of the snapshot.
    bytes: usize,
    /// How many entries of the action log had been applied.
    applied: usize,
    /// How many scheduled actions had come due.
    scheduled: usize,
}

/// A [`TimeModel`] plus its action log and checkpoints: run, act, scrub back and forth, and
/// replay a shared run exactly.
pub struct ModelSession<M: TimeModel> {
    model: M,
    now: Time,
    log: Vec<Timed<M::Action>>,
    applied: usize,
    checkpoints: Vec<Checkpoint<M::Snapshot>>,
    every: Time,
    /// Time up to which the run has been computed (the scrubber's end).
    horizon: Time,
    /// Actions planned for given times (a preset's), in time order; each becomes an ordinary
    /// logged action when the run reaches its time.
    schedule: Vec<Timed<M::Action>>,
    scheduled: usize,
}

impl<M: TimeModel> ModelSession<M> {
    /// Starts at time 0 (with what happens at 0 processed); `every` is the checkpoint interval
    /// in virtual time.
    pub fn new(mut model: M, every: Time) -> Self {
        model.advance_to(0);
        let mut s = ModelSession {
            model,
            now: 0,
            log: Vec::new(),
            applied: 0,
            checkpoints: Vec::new(),
            every: every.max(1),
            horizon: 0,
            schedule: Vec::new(),
            scheduled: 0,
        };
        s.take_checkpoint();
        s
    }

    pub fn model(&self) -> &M {
        &self.model
    }

    pub fn now(&self) -> Time {
        self.now
    }

    /// The furthest time this run has reached; scrubbing can go anywhere up to it.
    pub fn horizon(&self) -> Time {
        self.horizon.max(self.now)
    }

    pub fn log(&self) -> &[Timed<M::Action>] {
        &self.log
    }

    /// Loads a recorded action log (a share link's) to be replayed as the run advances; the
    /// entries must be in time order.
    pub fn load_log(&mut self, log: Vec<Timed<M::Action>>) -> Result<(), ActionError> {
        if let Some(w) = log.windows(2).find(|w| w[1].time < w[0].time) {
            return Err(ActionError::OutOfOrder(encode_entry::<M>(&w[1])));
        }
        self.log = log;
        self.applied = 0;
        Ok(())
    }

    /// Plans `action` for virtual time `time`. When the run reaches that time the action is
    /// applied and logged like a user's; an identical action already in the log at that time
    /// (a replayed share link, a scrub back) is not applied twice. Actions planned for the
    /// same time keep their order.
    pub fn schedule(&mut self, time: Time, action: M::Action) {
        let at = self.schedule.partition_point(|e| e.time <= time);
        self.schedule.insert(at, Timed { time, action });
    }

    /// Plans a preset's steps (times in ms, actions in their share-link form).
    pub fn plan(&mut self, info: &ScenarioInfo) -> Result<(), ActionError> {
        for (ms, a) in info.steps {
            self.schedule(ms.saturating_mul(MS), M::decode(a)?);
        }
        Ok(())
    }

    /// The planned actions, in time order.
    pub fn scheduled(&self) -> &[Timed<M::Action>] {
        &self.schedule
    }

    fn next_checkpoint_time(&self) -> Time {
        self.checkpoints
            .last()
            .map_or(0, |c| c.time)
            .saturating_add(self.every)
    }

    fn take_checkpoint(&mut self) {
        let snapshot = self.model.snapshot();
        self.checkpoints.push(Checkpoint {
            time: self.now,
            bytes: M::snapshot_bytes(&snapshot),
            snapshot,
            applied: self.applied,
            scheduled: self.scheduled,
        });
        // Bounded in number and in memory (a model's state can be large: a sliding window's
        // log of a million admissions); thinning doubles the interval each time.
        while self.checkpoints.len() > MAX_CHECKPOINTS
            || (self.checkpoints.len() > 2 && self.checkpoint_bytes() > MAX_CHECKPOINT_BYTES)
        {
            thin_out(&mut self.checkpoints);
            self.every = self.every.saturating_mul(2);
        }
    }

    /// The memory the checkpoints take, as the model estimates it.
    pub fn checkpoint_bytes(&self) -> usize {
        self.checkpoints.iter().map(|c| c.bytes).sum()
    }

    fn advance(&mut self, t: Time) {
        let t = t.max(self.now);
        self.model.advance_to(t);
        self.now = t;
    }

    /// Runs forward to `t`, applying logged and scheduled actions at their times and taking
    /// checkpoints. (A time before now changes nothing: use [`ModelSession::seek`].)
    pub fn run_until(&mut self, t: Time) {
        loop {
            let logged = self.log.get(self.applied).map(|e| e.time);
            let planned = self.schedule.get(self.scheduled).map(|e| e.time);
            let action = match (logged, planned) {
                (Some(l), Some(p)) => Some(l.min(p)),
                (l, p) => l.or(p),
            };
            let cp = self.next_checkpoint_time();
            match action {
                // At one time: logged actions, then scheduled ones, then the checkpoint.
                Some(at) if at <= t && at <= cp => {
                    self.advance(at);
                    if logged.is_some_and(|l| l <= at) {
                        self.apply_logged();
                    } else {
                        self.apply_scheduled();
                    }
                }
                _ if cp <= t && cp != Time::MAX => {
                    self.advance(cp);
                    self.take_checkpoint();
                }
                _ => break,
            }
        }
        self.advance(t);
        self.horizon = self.horizon.max(self.now);
    }

    fn apply_logged(&mut self) {
        let action = self.log[self.applied].action.clone();
        self.applied += 1;
        // A logged action that no longer applies is skipped, as a networked one is.
        if self.model.apply(&action).is_ok() {
            self.model.advance_to(self.now);
        }
    }

    fn apply_scheduled(&mut self) {
        let action = self.schedule[self.scheduled].action.clone();
        self.scheduled += 1;
        let now = self.now;
        let logged = self.log.iter().map(|e| (e.time, &e.action));
        let planned = self.schedule[..self.scheduled - 1]
            .iter()
            .map(|e| (e.time, &e.action));
        if super::replayed(logged, planned, now, &action) {
            return;
        }
        if self.model.apply(&action).is_ok() {
            self.model.advance_to(now);
            self.log.insert(self.applied, Timed { time: now, action });
            self.applied += 1;
        }
    }

    /// Moves to any time: back by restoring the nearest checkpoint and re-running, forward by
    /// running. The action log is kept, so the future replays the same way.
    pub fn seek(&mut self, t: Time) {
        if t < self.now {
            let idx = self
                .checkpoints
                .iter()
                .rposition(|c| c.time <= t)
                .unwrap_or(0);
            let cp = &self.checkpoints[idx];
            self.model.restore(&cp.snapshot);
            (self.now, self.applied, self.scheduled) = (cp.time, cp.applied, cp.scheduled);
        }
        self.run_until(t);
    }

    /// A user action now. If the user had scrubbed back, the recorded future is discarded
    /// (the run branches here). A refused action changes nothing.
    pub fn act(&mut self, action: M::Action) -> Result<(), ActionError> {
        self.model.apply(&action)?;
        self.model.advance_to(self.now);
        self.log.truncate(self.applied);
        let now = self.now;
        self.checkpoints.retain(|c| c.time <= now);
        self.horizon = now;
        self.log.push(Timed { time: now, action });
        self.applied = self.log.len();
        Ok(())
    }

    /// The action log in its share-link form.
    pub fn encode_log(&self) -> String {
        encode_log::<M>(&self.log)
    }

    /// A fingerprint of the run so far (32 hex digits).
    pub fn state_hash(&self) -> String {
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        h.write_u64(self.now);
        self.model.hash_state(&mut h);
        format!("{:032x}", h.digest128())
    }
}

/// `time.action`.
fn encode_entry<M: TimeModel>(e: &Timed<M::Action>) -> String {
    format!("{}.{}", e.time, M::encode(&e.action))
}

/// A log in its share-link form: `time.action` entries joined by `~`.
pub fn encode_log<M: TimeModel>(log: &[Timed<M::Action>]) -> String {
    let parts: Vec<String> = log.iter().map(encode_entry::<M>).collect();
    parts.join("~")
}

fn decode_entry<M: TimeModel>(s: &str) -> Result<Timed<M::Action>, ActionError> {
    let bad = || ActionError::Malformed(s.chars().take(40).collect());
    let (time, action) = s.split_once('.').ok_or_else(bad)?;
    Ok(Timed {
        time: time.parse().map_err(|_| bad())?,
        action: M::decode(action)?,
    })
}

/// Decodes as much of a share link's log as is readable: the valid entries (in time order)
/// before the first bad one, and why that one is bad.
pub fn decode_log<M: TimeModel>(s: &str) -> (Vec<Timed<M::Action>>, Option<ActionError>) {
    decode_entries(s, decode_entry::<M>, |e| e.time)
}

/// What a share link's log of a model lab holds: the readable entries again in share-link
/// form, how many there are, and why reading stopped early (if it did).
pub type LogPrefix = (String, usize, Option<ActionError>);

/// Reads a model's share-link log as far as it is readable ([`decode_log`]).
pub fn read_log<M: TimeModel>(s: &str) -> LogPrefix {
    let (log, error) = decode_log::<M>(s);
    (encode_log::<M>(&log), log.len(), error)
}

/// A [`ModelSession`] behind an object-safe interface, as the registry builds it (the app
/// uses the concrete session of its lab).
pub trait ModelRun {
    fn now(&self) -> Time;
    fn horizon(&self) -> Time;
    fn run_until(&mut self, t: Time);
    fn seek(&mut self, t: Time);
    /// A user action now, in its share-link form.
    fn act_encoded(&mut self, action: &str) -> Result<(), ActionError>;
    /// The action log in its share-link form.
    fn encoded_log(&self) -> String;
    /// How many actions are in the log.
    fn actions(&self) -> usize;
    /// How many actions are planned (a preset's).
    fn planned(&self) -> usize;
    /// Plans a preset's steps.
    fn plan(&mut self, info: &ScenarioInfo) -> Result<(), ActionError>;
    /// Loads a whole share-link log; a damaged one is refused.
    fn load_encoded(&mut self, log: &str) -> Result<(), ActionError>;
    fn state_hash(&self) -> String;
    /// What the lab shows now ([`TimeModel::scene`]).
    fn scene(&self) -> Scene;
    /// The logged actions' times and share-link forms, oldest first.
    fn logged(&self) -> Vec<(Time, String)>;
}

impl<M: TimeModel> ModelRun for ModelSession<M> {
    fn now(&self) -> Time {
        self.now
    }

    fn horizon(&self) -> Time {
        ModelSession::horizon(self)
    }

    fn run_until(&mut self, t: Time) {
        ModelSession::run_until(self, t);
    }

    fn seek(&mut self, t: Time) {
        ModelSession::seek(self, t);
    }

    fn act_encoded(&mut self, action: &str) -> Result<(), ActionError> {
        self.act(M::decode(action)?)
    }

    fn encoded_log(&self) -> String {
        self.encode_log()
    }

    fn actions(&self) -> usize {
        self.log.len()
    }

    fn planned(&self) -> usize {
        self.schedule.len()
    }

    fn plan(&mut self, info: &ScenarioInfo) -> Result<(), ActionError> {
        ModelSession::plan(self, info)
    }

    fn load_encoded(&mut self, log: &str) -> Result<(), ActionError> {
        match decode_log::<M>(log) {
            (log, None) => self.load_log(log),
            (_, Some(e)) => Err(e),
        }
    }

    fn state_hash(&self) -> String {
        ModelSession::state_hash(self)
    }

    fn scene(&self) -> Scene {
        self.model.scene()
    }

    fn logged(&self) -> Vec<(Time, String)> {
        self.log
            .iter()
            .map(|e| (e.time, M::encode(&e.action)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A counter that ticks every 10 µs by `step`; `Step(k)` changes the step. Its history of
    /// values is an append-only record, cut back on restore.
    #[derive(Clone, Debug, Default)]
    struct Counter {
        t: Time,
        ticks: u64,
        value: i64,
        step: i64,
        history: Vec<i64>,
    }

    impl TimeModel for Counter {
        type Action = i64;
        type Snapshot = (Time, u64, i64, i64, usize);

        fn advance_to(&mut self, t: Time) {
            while self.ticks * 10 <= t {
                self.value += self.step;
                self.history.push(self.value);
                self.ticks += 1;
            }
            self.t = self.t.max(t);
        }

        fn apply(&mut self, k: &i64) -> Result<(), ActionError> {
            if k.abs() > 100 {
                return Err(ActionError::BadArgument {
                    command: "step".into(),
                    reason: "at most 100".into(),
                });
            }
            self.step = *k;
            Ok(())
        }

        fn snapshot(&self) -> Self::Snapshot {
            (
                self.t,
                self.ticks,
                self.value,
                self.step,
                self.history.len(),
            )
        }

        fn restore(&mut self, s: &Self::Snapshot) {
            (self.t, self.ticks, self.value, self.step) = (s.0, s.1, s.2, s.3);
            self.history.truncate(s.4);
        }

        fn encode(k: &i64) -> String {
            format!("s{k}")
        }

        fn decode(s: &str) -> Result<i64, ActionError> {
            let k: i64 = s
                .strip_prefix('s')
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| ActionError::Malformed(s.into()))?;
            if k.abs() > 100 {
                return Err(ActionError::BadArgument {
                    command: "step".into(),
                    reason: "at most 100".into(),
                });
            }
            Ok(k)
        }

        fn hash_state(&self, h: &mut dyn Hasher) {
            for v in &self.history {
                h.write_i64(*v);
            }
            h.write_i64(self.step);
        }
    }

    fn session() -> ModelSession<Counter> {
        ModelSession::new(
            Counter {
                step: 1,
                ..Counter::default()
            },
            100,
        )
    }

    #[test]
    fn actions_replay_and_seeking_lands_on_the_same_state() {
        let mut s = session();
        s.run_until(55);
        s.act(3).unwrap();
        s.run_until(1_000);
        s.act(-2).unwrap();
        s.run_until(5_000);
        assert_eq!(s.encode_log(), "55.s3~1000.s-2");
        let end = s.state_hash();
        let mut replay = session();
        replay
            .load_log(decode_log::<Counter>(&s.encode_log()).0)
            .unwrap();
        replay.run_until(5_000);
        assert_eq!(replay.state_hash(), end);
        for t in [3_333, 0, 55, 999, 1_000, 4_321, 5_000] {
            s.seek(t);
            let mut fresh = session();
            fresh.load_log(s.log().to_vec()).unwrap();
            fresh.run_until(t);
            assert_eq!(s.state_hash(), fresh.state_hash(), "at {t}");
            assert_eq!(s.model().history, fresh.model().history, "at {t}");
        }
        assert_eq!(s.state_hash(), end);
        // Acting after scrubbing back branches: the later action is gone.
        s.seek(500);
        s.act(7).unwrap();
        assert_eq!(s.encode_log(), "55.s3~500.s7");
        assert_eq!(s.horizon(), 500);
        // A refused action changes nothing.
        assert!(s.act(1_000).is_err());
        assert_eq!(s.log().len(), 2);
    }

    #[test]
    fn scheduled_actions_are_logged_once() {
        let mut s = session();
        s.schedule(200, 5);
        s.schedule(100, 2);
        s.run_until(1_000);
        assert_eq!(s.encode_log(), "100.s2~200.s5");
        s.seek(150);
        s.run_until(1_000);
        assert_eq!(s.log().len(), 2, "not applied twice after a scrub back");
        let mut replay = session();
        replay.schedule(100, 2);
        replay.schedule(200, 5);
        replay
            .load_log(decode_log::<Counter>(&s.encode_log()).0)
            .unwrap();
        replay.run_until(1_000);
        assert_eq!(replay.log().len(), 2, "a replayed preset is not doubled");
        assert_eq!(replay.state_hash(), s.state_hash());
    }

    #[test]
    fn a_damaged_log_keeps_its_readable_prefix() {
        let (log, err) = decode_log::<Counter>("5.s1~9.s2~9.s");
        assert_eq!(log.len(), 2);
        assert!(matches!(err, Some(ActionError::Malformed(_))));
        let (kept, n, err) = read_log::<Counter>("5.s1~3.s2");
        assert_eq!((kept.as_str(), n), ("5.s1", 1));
        assert!(matches!(err, Some(ActionError::OutOfOrder(_))));
        let (_, n, err) = read_log::<Counter>("5.s1~7.s500");
        assert_eq!(n, 1);
        assert!(matches!(err, Some(ActionError::BadArgument { .. })));
        assert_eq!(read_log::<Counter>(""), (String::new(), 0, None));
        let mut s = session();
        assert!(s
            .load_log(vec![
                Timed { time: 9, action: 1 },
                Timed { time: 2, action: 1 }
            ])
            .is_err());
    }

    #[test]
    fn the_same_step_planned_twice_at_one_instant_is_applied_twice_and_replayed_once_each() {
        let plan = |s: &mut ModelSession<Counter>| {
            s.schedule(30, 2);
            s.schedule(30, 2);
            s.schedule(50, 4);
        };
        let mut s = session();
        plan(&mut s);
        s.run_until(120);
        let times: Vec<Time> = s.log().iter().map(|e| e.time).collect();
        assert_eq!(times, [30, 30, 50]);
        // Scrubbing back and forth does not apply them again.
        s.seek(35);
        s.seek(120);
        assert_eq!(s.log().len(), 3);
        // Nor does the share link replayed with the preset planned again.
        let mut r = session();
        r.load_log(decode_log::<Counter>(&s.encode_log()).0)
            .expect("in order");
        plan(&mut r);
        r.run_until(120);
        assert_eq!(r.log().len(), 3);
        assert_eq!(r.state_hash(), s.state_hash());
    }

    #[test]
    fn large_snapshots_are_thinned_to_the_memory_budget() {
        struct Big(Counter);
        impl TimeModel for Big {
            type Action = i64;
            type Snapshot = <Counter as TimeModel>::Snapshot;
            fn advance_to(&mut self, t: Time) {
                self.0.advance_to(t)
            }
            fn apply(&mut self, k: &i64) -> Result<(), ActionError> {
                self.0.apply(k)
            }
            fn snapshot(&self) -> Self::Snapshot {
                self.0.snapshot()
            }
            fn restore(&mut self, s: &Self::Snapshot) {
                self.0.restore(s)
            }
            fn encode(k: &i64) -> String {
                Counter::encode(k)
            }
            fn decode(s: &str) -> Result<i64, ActionError> {
                Counter::decode(s)
            }
            fn hash_state(&self, h: &mut dyn Hasher) {
                self.0.hash_state(h)
            }
            fn snapshot_bytes(_: &Self::Snapshot) -> usize {
                MAX_CHECKPOINT_BYTES / 10
            }
        }
        let mut s = ModelSession::new(
            Big(Counter {
                step: 1,
                ..Counter::default()
            }),
            100,
        );
        s.run_until(100 * 100);
        assert!(s.checkpoint_bytes() <= MAX_CHECKPOINT_BYTES);
        assert!(s.checkpoints.len() >= 5, "{}", s.checkpoints.len());
        let end = s.state_hash();
        s.seek(1_234);
        let mut fresh = session();
        fresh.run_until(1_234);
        assert_eq!(s.model().0.history, fresh.model().history);
        s.seek(100 * 100);
        assert_eq!(s.state_hash(), end);
    }

    #[test]
    fn long_runs_keep_a_bounded_number_of_checkpoints() {
        let mut s = session();
        s.run_until(100 * 600);
        assert!(s.checkpoints.len() <= MAX_CHECKPOINTS);
        assert!(s.checkpoints.len() > MAX_CHECKPOINTS / 4);
        let end = s.state_hash();
        s.seek(12_345);
        s.seek(100 * 600);
        assert_eq!(s.state_hash(), end);
    }
}
