//! The parts of the shared-state model ([`super::shared`]): the commit and detection modes,
//! the settings, jobs, claims and attempts, a scheduler with its private copy and counters,
//! and the sampled curves.

use std::collections::VecDeque;
use std::hash::Hasher;

use super::super::cell::{Cell, Fit, Res};
use crate::{Time, MS};

/// One second of virtual time.
pub const SECOND: Time = 1000 * MS;
/// Every machine's capacity: 4 cores, 8 GiB.
pub const MACHINE: Res = Res::new(4000, 8192);
/// A job is abandoned after this many attempts (Omega's simulator gives up too).
pub const MAX_ATTEMPTS: u32 = 100;
/// The most schedulers.
pub const MAX_SCHEDULERS: usize = 16;

/// How a transaction's claims are kept when some are rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Commit {
    /// Accepted claims stay; the rejected tasks are retried.
    Incremental,
    /// All or nothing: one rejected claim rejects the whole transaction (gang scheduling).
    Gang,
}

impl Commit {
    pub fn name(self) -> &'static str {
        match self {
            Commit::Incremental => "incremental",
            Commit::Gang => "gang",
        }
    }

    pub fn parse(s: &str) -> Option<Commit> {
        [Commit::Incremental, Commit::Gang]
            .into_iter()
            .find(|c| c.name() == s)
    }
}

/// How the master copy decides that a claim conflicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Detect {
    /// The task no longer fits the machine's free resources.
    Fine,
    /// The machine changed at all since the scheduler's copy (its version moved).
    Coarse,
}

impl Detect {
    pub fn name(self) -> &'static str {
        match self {
            Detect::Fine => "fine",
            Detect::Coarse => "coarse",
        }
    }

    pub fn parse(s: &str) -> Option<Detect> {
        [Detect::Fine, Detect::Coarse]
            .into_iter()
            .find(|c| c.name() == s)
    }
}

/// The model's settings (times in µs).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    pub machines: usize,
    pub schedulers: usize,
    /// Jobs arriving per 1,000 s (thousandths of a job per second); 0: none.
    pub rate_milli: u64,
    /// Mean tasks per job of the arrival stream.
    pub tasks: u32,
    pub t_job: Time,
    pub t_task: Time,
    /// Mean task run time.
    pub runtime: Time,
    /// Percent of arriving jobs that are gang jobs (always committed all-or-nothing).
    pub gang_pct: u32,
    pub commit: Commit,
    pub detect: Detect,
    pub fit: Fit,
    /// Feasible machines scored per task (0: all).
    pub sample: usize,
    /// Whether the model samples its curves (off at scale).
    pub sample_every: Time,
    /// Test-only broken variant: commits every claim without any conflict check, so a machine
    /// can be over-committed; the invariant check must catch it.
    #[doc(hidden)]
    pub broken_no_check: bool,
}

/// A job: identical tasks, some still to place.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Job {
    pub id: u64,
    pub shape: Res,
    pub total: u32,
    /// Tasks not placed yet.
    pub left: u32,
    /// All or nothing, whatever the commit mode.
    pub gang: bool,
    pub attempts: u32,
    pub arrived: Time,
}

/// A task claimed on a machine of the private copy, with the version the copy had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Claim {
    pub machine: u32,
    pub seen: u64,
}

/// A decision in progress: the job, its claims, when it commits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Attempt {
    pub job: Job,
    pub claims: Vec<Claim>,
    pub started: Time,
    pub ends: Time,
}

/// A scheduler's counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counts {
    /// Transactions committed (attempts with at least one claim).
    pub txns: u64,
    /// Transactions with at least one rejected claim.
    pub conflicted: u64,
    /// Claims accepted (tasks placed) and rejected.
    pub placed: u64,
    pub rejected: u64,
    /// Rejected claims that would have fit (coarse detection's spurious conflicts).
    pub spurious: u64,
    /// Attempts after a conflict.
    pub retries: u64,
    /// Decision time of completed attempts, and of the part whose claims were rejected.
    pub busy: Time,
    pub wasted: Time,
}

/// One scheduler: its private copy of the cell, its queue and what it is deciding.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scheduler {
    pub view: Cell,
    /// Position in the master's change log up to which `view` is in sync.
    pub(super) synced: usize,
    pub queue: VecDeque<Job>,
    /// Jobs that found no room, waiting for a task to end.
    pub blocked: Vec<Job>,
    pub attempt: Option<Attempt>,
    pub counts: Counts,
}

impl Scheduler {
    /// Decision time spent up to `now`, the attempt in progress included.
    pub fn busy_until(&self, now: Time) -> Time {
        self.counts.busy
            + self
                .attempt
                .as_ref()
                .map_or(0, |a| now.clamp(a.started, a.ends) - a.started)
    }

    pub fn waiting_tasks(&self) -> u64 {
        let q = self.queue.iter().chain(&self.blocked);
        q.chain(self.attempt.as_ref().map(|a| &a.job))
            .map(|j| u64::from(j.left))
            .sum()
    }
}

/// The curves, sampled every [`Config::sample_every`]: append-only, so a checkpoint keeps
/// their lengths and a restore cuts them back.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Curves {
    /// Percent of the interval's transactions with a conflict.
    pub conflicts: Vec<(Time, f64)>,
    /// Percent of the interval each scheduler spent deciding.
    pub busy: Vec<Vec<(Time, f64)>>,
    /// Tasks waiting to be placed.
    pub waiting: Vec<(Time, f64)>,
}

impl Curves {
    pub fn lens(&self) -> (usize, usize, Vec<usize>) {
        (
            self.conflicts.len(),
            self.waiting.len(),
            self.busy.iter().map(Vec::len).collect(),
        )
    }

    pub fn cut(&mut self, lens: &(usize, usize, Vec<usize>)) {
        self.conflicts.truncate(lens.0);
        self.waiting.truncate(lens.1);
        self.busy.truncate(lens.2.len());
        for (b, &n) in self.busy.iter_mut().zip(&lens.2) {
            b.truncate(n);
        }
    }

    pub fn hash_into(&self, h: &mut dyn Hasher) {
        for (t, v) in self
            .conflicts
            .iter()
            .chain(&self.waiting)
            .chain(self.busy.iter().flatten())
        {
            h.write_u64(*t);
            h.write_u64(v.to_bits());
        }
    }
}
