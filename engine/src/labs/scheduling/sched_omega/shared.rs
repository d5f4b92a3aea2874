//! The shared-state scheduler itself (Schwarzkopf et al., *Omega: flexible, scalable
//! schedulers for large compute clusters*, EuroSys 2013, §3.4 and §4; seed 001, "共享状态调度"):
//! the cell state's master copy, several schedulers with a private copy each, jobs arriving,
//! optimistic transactions committed to the master copy with conflict detection.
//!
//! A scheduler takes the next job of its queue, brings its private copy up to date (only the
//! machines changed since its last sync, from the master's change log), places the job's
//! tasks on that copy (feasibility then scoring, [`Cell::pick`]) and is busy for the decision
//! time `t_job + t_task × tasks`. It then commits its claims to the master copy:
//! **fine-grained** detection rejects a claim only if the task no longer fits the machine,
//! **coarse-grained** detection if the machine changed at all since the copy was taken (its
//! `version`). With an **all-or-nothing** (gang) transaction one rejected claim rejects them
//! all; an **incremental** one keeps the accepted ones. The scheduler then refreshes the
//! machines it claimed and retries the job's remaining tasks; a job whose tasks found no room
//! in the copy waits until a task ends on a machine where one of them fits. The notes' weakness, "很可能会产生资源冲突,
//! 从而导致任务调度失败, 需要对调度失败的任务进行处理, 比如重新调度", is what the counters
//! measure: conflicts, retries and the busyness they cost.
//!
//! The invariant, no machine of the master copy over-committed, is checked after every
//! commit on the machines the commit touched ([`Core::violations`]).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};

use super::super::cell::{Cell, Res};
pub use super::parts::{
    Attempt, Claim, Commit, Config, Counts, Curves, Detect, Job, Scheduler, MACHINE, MAX_ATTEMPTS,
    MAX_SCHEDULERS, SECOND,
};
use crate::Time;

/// A running task: when it ends, where, what it holds, whose it is.
type Running = (Time, u64, u32, Res, u8);

/// The whole state: master copy, schedulers, arrivals, running tasks.
#[derive(Clone, Debug)]
pub struct Core {
    pub cfg: Config,
    pub now: Time,
    pub cell: Cell,
    /// Per machine shown in the scene, what each scheduler has committed on it.
    pub owners: Vec<Vec<Res>>,
    /// Machines changed in the master copy, in order; `log_base` is the position of its
    /// first entry.
    log: Vec<u32>,
    log_base: usize,
    pub scheds: Vec<Scheduler>,
    running: BTreeSet<Running>,
    seq: u64,
    next_arrival: Time,
    next_job: u64,
    rr: usize,
    rng: ChaCha8Rng,
    pub jobs: u64,
    pub done: u64,
    pub abandoned: u64,
    /// Sum of done jobs' waits (arrival to the last task placed).
    pub wait_sum: Time,
    /// Most attempts any job took (done or not), and the most a gang job took.
    pub max_attempts: u32,
    pub gang_max_attempts: u32,
    /// Gang jobs that left, the last few: (job id, attempts, placed rather than abandoned).
    pub gangs_finished: Vec<(u64, u32, bool)>,
    /// Over-committed machines found after a commit: (time, machine), the first few.
    pub violations: Vec<(Time, u32)>,
    pub violation_count: u64,
    /// The next sample's time, and the counters at the last one (transactions, conflicted
    /// ones, busy time per scheduler).
    pub next_sample: Time,
    pub last: (u64, u64, Vec<Time>),
}

/// How many machines have per-scheduler colours in the scene.
pub const OWNED: usize = crate::labs::scene::SCENE_BARS;

impl Core {
    pub fn new(cfg: Config, seed: u64) -> Core {
        let n = cfg.machines.max(1);
        let s = cfg.schedulers.clamp(1, MAX_SCHEDULERS);
        let cell = Cell::uniform(n, MACHINE);
        let sched = Scheduler {
            view: cell.clone(),
            synced: 0,
            queue: VecDeque::new(),
            blocked: Vec::new(),
            attempt: None,
            counts: Counts::default(),
        };
        let mut core = Core {
            owners: vec![vec![Res::ZERO; s]; n.min(OWNED)],
            cell,
            log: Vec::new(),
            log_base: 0,
            scheds: vec![sched; s],
            running: BTreeSet::new(),
            seq: 0,
            next_arrival: Time::MAX,
            next_job: 1,
            rr: 0,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x0E6A_5C4E_D000_0001),
            jobs: 0,
            done: 0,
            abandoned: 0,
            wait_sum: 0,
            max_attempts: 0,
            gang_max_attempts: 0,
            gangs_finished: Vec::new(),
            violations: Vec::new(),
            violation_count: 0,
            next_sample: if cfg.sample_every > 0 {
                cfg.sample_every
            } else {
                Time::MAX
            },
            last: (0, 0, vec![0; s]),
            now: 0,
            cfg: Config {
                machines: n,
                schedulers: s,
                ..cfg
            },
        };
        core.next_arrival = core.gap(0);
        core
    }

    /// The next arrival after `t` (a uniform gap with the rate's mean, so the stream is
    /// exact integer arithmetic on every platform).
    fn gap(&mut self, t: Time) -> Time {
        if self.cfg.rate_milli == 0 {
            return Time::MAX;
        }
        let mean = 1_000 * SECOND / self.cfg.rate_milli;
        t.saturating_add(self.rng.gen_range(0..=2 * mean.max(1)))
    }

    /// Sets the arrival rate from now on.
    pub fn set_rate(&mut self, milli: u64) {
        self.cfg.rate_milli = milli;
        let now = self.now;
        self.next_arrival = self.gap(now);
    }

    /// A job of the arrival stream, drawn from the generator.
    fn random_job(&mut self) -> (u32, Res, bool) {
        let mean = self.cfg.tasks.max(1);
        let tasks = self.rng.gen_range(1..=2 * mean - 1);
        let shape = Res::new(
            250 * self.rng.gen_range(1..=4u32),
            512 * self.rng.gen_range(1..=4u32),
        );
        let gang = self.rng.gen_range(0..100) < self.cfg.gang_pct;
        (tasks, shape, gang)
    }

    /// A job arrives now and goes to the next scheduler (round robin).
    pub fn submit(&mut self, tasks: u32, shape: Res, gang: bool) {
        let job = Job {
            id: self.next_job,
            shape,
            total: tasks,
            left: tasks,
            gang,
            attempts: 0,
            arrived: self.now,
        };
        self.next_job += 1;
        self.jobs += 1;
        let s = self.rr % self.scheds.len();
        self.rr = (self.rr + 1) % self.scheds.len();
        self.scheds[s].queue.push_back(job);
        self.dispatch();
    }

    /// Processes everything up to and including `t`.
    pub fn advance_to(&mut self, t: Time, curves: &mut Curves) {
        loop {
            let end = self.running.first().map_or(Time::MAX, |r| r.0);
            let (decide, who) = self
                .scheds
                .iter()
                .enumerate()
                .filter_map(|(i, s)| s.attempt.as_ref().map(|a| (a.ends, i)))
                .min()
                .unwrap_or((Time::MAX, 0));
            let next = end.min(decide).min(self.next_arrival).min(self.next_sample);
            if next > t || next == Time::MAX {
                break;
            }
            self.now = next;
            // At one time: tasks end, then commits (by scheduler), then arrivals, then the
            // sample.
            if end == next {
                if let Some(r) = self.running.pop_first() {
                    self.finish(r);
                }
            } else if decide == next {
                self.commit(who);
            } else if self.next_arrival == next {
                let (tasks, shape, gang) = self.random_job();
                self.next_arrival = self.gap(next);
                self.submit(tasks, shape, gang);
            } else {
                self.sample(curves);
            }
            self.dispatch();
        }
        self.now = self.now.max(t);
    }

    /// A task ends: its resources go back, and the jobs waiting for room that one of their
    /// tasks now fits on that machine try again.
    fn finish(&mut self, (_, _, m, shape, s): Running) {
        let machine = &mut self.cell.machines[m as usize];
        machine.release(shape);
        let machine = *machine;
        self.log.push(m);
        if let Some(o) = self.owners.get_mut(m as usize) {
            o[s as usize] -= shape;
        }
        for sch in &mut self.scheds {
            if sch.blocked.iter().any(|j| machine.fits(j.shape)) {
                let (woken, still): (Vec<Job>, Vec<Job>) = std::mem::take(&mut sch.blocked)
                    .into_iter()
                    .partition(|j| machine.fits(j.shape));
                sch.blocked = still;
                sch.queue.extend(woken);
            }
        }
    }

    /// Every idle scheduler with work starts its next attempt.
    fn dispatch(&mut self) {
        for i in 0..self.scheds.len() {
            if self.scheds[i].attempt.is_none() {
                if let Some(job) = self.scheds[i].queue.pop_front() {
                    self.start(i, job);
                }
            }
        }
        self.compact_log();
    }

    /// Brings scheduler `i`'s private copy up to date from the change log.
    fn sync(&mut self, i: usize) {
        let end = self.log_base + self.log.len();
        let s = &mut self.scheds[i];
        if s.synced < self.log_base {
            s.view.clone_from(&self.cell);
        } else {
            for &m in &self.log[s.synced - self.log_base..] {
                s.view.machines[m as usize] = self.cell.machines[m as usize];
            }
        }
        s.synced = end;
    }

    /// Keeps the change log short: entries every scheduler has seen go, and a log longer
    /// than twice the cell keeps its last cell's worth (a scheduler behind that copies all).
    fn compact_log(&mut self) {
        let n = self.cell.machines.len();
        if self.log.len() <= (2 * n).max(1024) {
            return;
        }
        let min = self.scheds.iter().map(|s| s.synced).min().unwrap_or(0);
        let keep_from = min.max(self.log_base + self.log.len() - n);
        self.log.drain(..keep_from - self.log_base);
        self.log_base = keep_from;
    }

    /// Scheduler `i` starts deciding `job` on its refreshed private copy.
    fn start(&mut self, i: usize, mut job: Job) {
        self.sync(i);
        job.attempts += 1;
        self.max_attempts = self.max_attempts.max(job.attempts);
        if job.gang {
            self.gang_max_attempts = self.gang_max_attempts.max(job.attempts);
        }
        let (fit, sample) = (self.cfg.fit, self.cfg.sample);
        let s = &mut self.scheds[i];
        let mut claims: Vec<Claim> = Vec::new();
        for _ in 0..job.left {
            let Some(m) = s.view.pick(job.shape, fit, sample, &mut self.rng) else {
                break;
            };
            let seen = claims
                .iter()
                .find(|c| c.machine as usize == m)
                .map_or(s.view.machines[m].version, |c| c.seen);
            s.view.machines[m].commit(job.shape);
            claims.push(Claim {
                machine: m as u32,
                seen,
            });
        }
        let all_or_nothing = job.gang || self.cfg.commit == Commit::Gang;
        if all_or_nothing && (claims.len() as u32) < job.left {
            // The gang does not fit in this copy: nothing is claimed.
            for c in claims.drain(..) {
                let m = c.machine as usize;
                s.view.machines[m] = self.cell.machines[m];
            }
        }
        let decide = self.cfg.t_job + self.cfg.t_task * Time::from(job.left);
        s.attempt = Some(Attempt {
            job,
            claims,
            started: self.now,
            ends: self.now.saturating_add(decide),
        });
    }

    /// Scheduler `i`'s decision is made: its claims go to the master copy.
    fn commit(&mut self, i: usize) {
        let Some(Attempt {
            mut job,
            claims,
            started,
            ends,
        }) = self.scheds[i].attempt.take()
        else {
            return;
        };
        let all_or_nothing = job.gang || self.cfg.commit == Commit::Gang;
        let mut accepted = vec![false; claims.len()];
        let mut spurious = 0;
        // Master copies of the machines touched, to undo a rejected all-or-nothing commit.
        let mut before: Vec<(u32, super::super::cell::Machine)> = Vec::new();
        for (k, c) in claims.iter().enumerate() {
            let m = c.machine as usize;
            if !before.iter().any(|(b, _)| *b == c.machine) {
                before.push((c.machine, self.cell.machines[m]));
            }
            let original = before
                .iter()
                .find(|(b, _)| *b == c.machine)
                .map_or(self.cell.machines[m], |b| b.1);
            let machine = &mut self.cell.machines[m];
            accepted[k] = if self.cfg.broken_no_check {
                machine.used += job.shape;
                machine.version += 1;
                true
            } else {
                match self.cfg.detect {
                    Detect::Fine => machine.commit(job.shape),
                    Detect::Coarse => {
                        // The version as the copy saw it: the master's before this commit.
                        if original.version == c.seen {
                            machine.commit(job.shape)
                        } else {
                            spurious += u64::from(machine.fits(job.shape));
                            false
                        }
                    }
                }
            };
        }
        let rejected = accepted.iter().filter(|a| !**a).count() as u64;
        let conflict = rejected > 0;
        if all_or_nothing && rejected > 0 {
            for (m, orig) in &before {
                self.cell.machines[*m as usize] = *orig;
            }
            accepted.iter_mut().for_each(|a| *a = false);
        }
        let placed = accepted.iter().filter(|a| **a).count() as u64;
        for (c, ok) in claims.iter().zip(&accepted) {
            if *ok {
                self.log.push(c.machine);
                let t = self.task_runtime();
                self.seq += 1;
                self.running.insert((
                    ends.saturating_add(t),
                    self.seq,
                    c.machine,
                    job.shape,
                    i as u8,
                ));
                if let Some(o) = self.owners.get_mut(c.machine as usize) {
                    o[i] += job.shape;
                }
            }
        }
        // The invariant, on every machine this commit touched.
        for (m, _) in &before {
            let machine = &self.cell.machines[*m as usize];
            if !machine.used.fits_in(machine.cap) {
                self.violation_count += 1;
                if self.violations.len() < 16 {
                    self.violations.push((ends, *m));
                }
            }
        }
        let s = &mut self.scheds[i];
        // The scheduler's copy of what it claimed is refreshed (its tentative placements
        // there go, the master's state comes in).
        for (m, _) in &before {
            s.view.machines[*m as usize] = self.cell.machines[*m as usize];
        }
        let spent = ends - started;
        s.counts.busy += spent;
        if !claims.is_empty() {
            s.counts.txns += 1;
            s.counts.conflicted += u64::from(rejected > 0);
            s.counts.placed += placed;
            s.counts.rejected += claims.len() as u64 - placed;
            s.counts.spurious += spurious;
            s.counts.wasted += spent * (claims.len() as u64 - placed) / claims.len() as u64;
        }
        job.left -= placed as u32;
        let leaves = job.left == 0 || job.attempts >= MAX_ATTEMPTS;
        if job.gang && leaves {
            if self.gangs_finished.len() >= 16 {
                self.gangs_finished.remove(0);
            }
            self.gangs_finished
                .push((job.id, job.attempts, job.left == 0));
        }
        let s = &mut self.scheds[i];
        if job.left == 0 {
            self.done += 1;
            self.wait_sum += ends - job.arrived;
        } else if job.attempts >= MAX_ATTEMPTS {
            self.abandoned += 1;
        } else if conflict {
            // A conflict: refresh and try again at once.
            s.counts.retries += 1;
            s.queue.push_front(job);
        } else {
            // What was claimed was placed, the rest found no room in the copy: wait for a
            // task to end.
            s.blocked.push(job);
        }
    }

    /// A task's run time: uniform around the mean (half to one and a half times it).
    fn task_runtime(&mut self) -> Time {
        let mean = self.cfg.runtime.max(1);
        self.rng.gen_range(mean / 2..=mean + mean / 2)
    }

    /// Samples the curves at `now`: over the last interval, the share of transactions that
    /// conflicted and each scheduler's busyness; the tasks waiting now.
    fn sample(&mut self, curves: &mut Curves) {
        let every = self.cfg.sample_every.max(1);
        self.next_sample = self.now.saturating_add(every);
        let t = self.totals();
        let (txns, conflicted) = (t.txns - self.last.0, t.conflicted - self.last.1);
        let rate = if txns == 0 {
            0.0
        } else {
            100.0 * conflicted as f64 / txns as f64
        };
        curves.conflicts.push((self.now, rate));
        curves.waiting.push((self.now, self.waiting_tasks() as f64));
        curves.busy.resize(self.scheds.len(), Vec::new());
        for (i, s) in self.scheds.iter().enumerate() {
            let b = s.busy_until(self.now);
            let prev = self.last.2.get(i).copied().unwrap_or(0);
            curves.busy[i].push((self.now, 100.0 * (b - prev) as f64 / every as f64));
            if let Some(p) = self.last.2.get_mut(i) {
                *p = b;
            }
        }
        (self.last.0, self.last.1) = (t.txns, t.conflicted);
    }

    /// Totals over the schedulers.
    pub fn totals(&self) -> Counts {
        self.scheds.iter().fold(Counts::default(), |a, s| Counts {
            txns: a.txns + s.counts.txns,
            conflicted: a.conflicted + s.counts.conflicted,
            placed: a.placed + s.counts.placed,
            rejected: a.rejected + s.counts.rejected,
            spurious: a.spurious + s.counts.spurious,
            retries: a.retries + s.counts.retries,
            busy: a.busy + s.counts.busy,
            wasted: a.wasted + s.counts.wasted,
        })
    }

    /// Tasks waiting in queues, blocked or being decided.
    pub fn waiting_tasks(&self) -> u64 {
        self.scheds.iter().map(Scheduler::waiting_tasks).sum()
    }

    /// Tasks running now.
    pub fn running(&self) -> usize {
        self.running.len()
    }

    /// Every machine of the master copy within its capacity (tests check it after each
    /// step too).
    pub fn over_committed(&self) -> Option<usize> {
        self.cell
            .machines
            .iter()
            .position(|m| !m.used.fits_in(m.cap))
    }

    /// Whether nothing is being decided or queued (waiting jobs may be blocked).
    pub fn idle(&self) -> bool {
        self.scheds
            .iter()
            .all(|s| s.attempt.is_none() && s.queue.is_empty())
    }

    /// Feeds the whole state into `h`.
    pub fn hash_into(&self, mut h: &mut dyn Hasher) {
        self.cfg.hash(&mut h);
        self.now.hash(&mut h);
        self.cell.hash(&mut h);
        self.owners.hash(&mut h);
        self.scheds.hash(&mut h);
        self.running.hash(&mut h);
        (self.next_arrival, self.next_job, self.rr, self.jobs).hash(&mut h);
        (self.done, self.abandoned, self.wait_sum).hash(&mut h);
        (self.max_attempts, self.gang_max_attempts).hash(&mut h);
        self.gangs_finished.hash(&mut h);
        self.violations.hash(&mut h);
        self.rng.get_word_pos().hash(&mut h);
    }

    /// About how many bytes a copy of this state takes.
    pub fn bytes(&self) -> usize {
        let machines =
            self.cell.machines.len() * std::mem::size_of::<super::super::cell::Machine>();
        let jobs: usize = self
            .scheds
            .iter()
            .map(|s| s.queue.len() + s.blocked.len() + 1)
            .sum();
        std::mem::size_of::<Core>()
            + machines * (1 + self.scheds.len())
            + self.log.len() * 4
            + self.running.len() * 48
            + jobs * std::mem::size_of::<Job>()
            + self.owners.len() * self.scheds.len() * 8
    }
}
