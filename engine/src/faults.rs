//! Random fault schedules: crashes, restarts, partitions and drops at given rates, generated
//! from their own seeded generator and applied as ordinary logged user actions, so a run with
//! random faults replays exactly like one with hand-made faults.

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::labs::LabSession;
use crate::sim::{Action, NodeStatus};
use crate::{Time, MS};

/// Fault rates, each in expected occurrences per simulated second.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FaultSpec {
    /// Per up node.
    pub crash: f64,
    /// Per crashed node.
    pub restart: f64,
    /// For the whole network, while whole: split into two random groups.
    pub partition: f64,
    /// While partitioned: heal everything.
    pub heal: f64,
    /// Drop one random message in flight.
    pub drop: f64,
    /// Per up node: pause; per paused node: resume at the same rate.
    pub pause: f64,
}

/// Why a fault spec could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpecError(pub String);

impl fmt::Display for FaultSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad fault spec: {}", self.0)
    }
}

impl FaultSpec {
    /// Parses `crash=0.2,restart=1,partition=0.1,heal=0.5,drop=2` (rates per simulated second).
    pub fn parse(s: &str) -> Result<FaultSpec, FaultSpecError> {
        let mut f = FaultSpec::default();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| FaultSpecError(format!("`{part}` is not key=rate")))?;
            let v: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0 && *v <= 1000.0)
                .ok_or_else(|| FaultSpecError(format!("`{v}` is not a rate between 0 and 1000")))?;
            match k.trim() {
                "crash" => f.crash = v,
                "restart" => f.restart = v,
                "partition" => f.partition = v,
                "heal" => f.heal = v,
                "drop" => f.drop = v,
                "pause" => f.pause = v,
                other => {
                    return Err(FaultSpecError(format!(
                        "unknown fault `{other}` (use crash, restart, partition, heal, drop, pause)"
                    )))
                }
            }
        }
        Ok(f)
    }
}

/// Drives a session to `until`, injecting random faults every `tick`.
pub struct FaultDriver {
    spec: FaultSpec,
    rng: ChaCha8Rng,
    tick: Time,
    /// Reused buffer for the ids of messages in flight.
    inflight: Vec<u64>,
}

impl FaultDriver {
    pub fn new(spec: FaultSpec, seed: u64) -> Self {
        FaultDriver {
            spec,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_FA17),
            tick: 10 * MS,
            inflight: Vec::new(),
        }
    }

    fn roll(&mut self, rate: f64) -> bool {
        let p = (rate * self.tick as f64 / 1_000_000.0).min(1.0);
        p > 0.0 && self.rng.gen_bool(p)
    }

    /// Runs `s` to `until`, rolling for faults at every tick.
    pub fn run(&mut self, s: &mut dyn LabSession, until: Time) {
        let mut t = s.now();
        while t < until {
            t = (t + self.tick).min(until);
            s.run_until(t);
            self.inject(s);
        }
    }

    /// One tick's dice, against the state at the start of the tick: per node (crash or pause
    /// an up node, restart a crashed one, resume a paused one), then split or heal the network,
    /// then maybe drop one message in flight.
    fn inject(&mut self, s: &mut dyn LabSession) {
        let n = s.n();
        let partitioned = s.partitioned();
        let mut inflight = std::mem::take(&mut self.inflight);
        s.inflight_ids(&mut inflight);
        for id in 0..n {
            // Acting on one node never changes another's status, so reading it now is the
            // same as reading it at the start of the tick.
            let action = match s.status(id) {
                NodeStatus::Up if self.roll(self.spec.crash) => Some(Action::Crash { node: id }),
                NodeStatus::Up if self.roll(self.spec.pause) => Some(Action::Pause { node: id }),
                NodeStatus::Down if self.roll(self.spec.restart) => {
                    Some(Action::Restart { node: id })
                }
                NodeStatus::Paused if self.roll(self.spec.pause) => {
                    Some(Action::Resume { node: id })
                }
                _ => None,
            };
            if let Some(a) = action {
                let _ = s.act(a);
            }
        }
        if !partitioned && n > 1 && self.roll(self.spec.partition) {
            let groups: Vec<u32> = (0..n).map(|_| self.rng.gen_range(0..2u32)).collect();
            let _ = s.act(Action::Partition { groups });
        } else if partitioned && self.roll(self.spec.heal) {
            let _ = s.act(Action::HealAll);
        }
        if !inflight.is_empty() && self.roll(self.spec.drop) {
            inflight.sort_unstable();
            let i = self.rng.gen_range(0..inflight.len() as u64) as usize;
            // Refused if the message left the wire this tick (its receiver crashed while paused).
            let _ = s.act(Action::Drop { msg: inflight[i] });
        }
        self.inflight = inflight;
    }
}

/// Heals everything and brings every node back (restart the crashed, resume the paused): the
/// calm after a faulty period, before the *eventually* properties are checked.
pub fn calm(s: &mut dyn LabSession) {
    let _ = s.act(Action::HealAll);
    for node in 0..s.n() {
        let _ = s.act(Action::Restart { node });
        let _ = s.act(Action::Resume { node });
    }
}
