//! One cell under one scoring policy: Borg's scheduler as seed 001 describes it ("应用(google
//! borg 单体调度)": the scheduler scans the pending queue asynchronously, task by task; for
//! each task a feasibility check, then scoring). Pending tasks are scanned in priority order
//! (prod before batch), first come first served within a priority (Verma et al., *Large-scale
//! cluster management at Google with Borg*, §3.2). A prod task that fits nowhere preempts
//! batch tasks: on the machine that needs the fewest victims (the notes' "最小化被抢占的任务
//! 数"), the victims going back to the pending queue (§2.5).
//!
//! Every state change (an arrival, a finish, a user action) is followed by a pass at that same
//! virtual time, so after every step of the model the cell is *settled*: no pending task fits
//! on any machine that is up, and no pending prod task could be placed by preempting batch
//! tasks ([`CellSim::check`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::hash::{Hash, Hasher};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::labs::scheduling::cell::{Cell, Fit, Res};
use crate::Time;

/// A task's priority band: Borg's production (prod) and non-production (batch) jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Prio {
    Batch,
    Prod,
}

impl Prio {
    pub fn name(self) -> &'static str {
        match self {
            Prio::Prod => "prod",
            Prio::Batch => "batch",
        }
    }

    /// Its translation key (shown in the pending queue).
    pub fn key(self) -> &'static str {
        match self {
            Prio::Prod => "borg.prod",
            Prio::Batch => "borg.batch",
        }
    }
}

/// What every cell knows of a task: the same in each cell (one arrival stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TaskSpec {
    pub job: u32,
    pub prio: Prio,
    /// The user's estimate: what placement reserves.
    pub est: Res,
    /// How long it runs once placed (a preempted or failed task starts over).
    pub duration: Time,
    /// Its share of a burst, in percent (50..=150): during a burst of `b`% its usage is its
    /// estimate × (1 + b/100 × spike/100).
    pub spike: u32,
}

impl TaskSpec {
    /// What the task uses during a burst of `burst` percent over the estimates.
    pub fn usage(&self, burst: u32) -> Res {
        let grow = |v: u32| {
            let f = 10_000 + u64::from(burst) * u64::from(self.spike);
            (u64::from(v) * f / 10_000).min(u64::from(u32::MAX)) as u32
        };
        Res::new(grow(self.est.cpu), grow(self.est.mem))
    }
}

/// Where a task is in one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskState {
    Pending,
    Running {
        machine: u32,
        ends: Time,
    },
    Done,
    /// Not queued: the pending queue was full ([`MAX_PENDING`]).
    Rejected,
}

/// The most tasks one cell's pending queue holds; later arrivals are rejected (counted).
pub const MAX_PENDING: usize = 5_000;

/// Counters of one cell (cumulative).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counts {
    pub preempted: u64,
    /// Tasks put back in the queue by a machine failure.
    pub requeued: u64,
    pub finished: u64,
    pub rejected: u64,
}

/// One cell of machines scheduled with one scoring policy.
#[derive(Clone, Debug)]
pub struct CellSim {
    pub fit: Fit,
    pub cell: Cell,
    /// By task id (the model's task list; tasks submitted later are appended).
    pub state: Vec<TaskState>,
    /// Pending prod and batch tasks, oldest first.
    pub pending: [VecDeque<u32>; 2],
    /// Tasks running on each machine.
    pub on: Vec<Vec<u32>>,
    finishes: BinaryHeap<Reverse<(Time, u32)>>,
    rng: ChaCha8Rng,
    /// Feasible machines scored per task (0: all).
    sample: usize,
    pub counts: Counts,
    /// The most tasks the pending queue holds ([`MAX_PENDING`] unless set otherwise).
    pub max_pending: usize,
    /// Something changed since the last pass.
    dirty: bool,
    /// Test-only broken variant: a prod task that fits nowhere waits instead of preempting
    /// batch tasks (the check's "prod never waits where preemption would place it" must catch
    /// it). Not reachable from parameters or share links.
    pub broken_no_preempt: bool,
}

fn band(p: Prio) -> usize {
    match p {
        Prio::Prod => 0,
        Prio::Batch => 1,
    }
}

impl CellSim {
    pub fn new(fit: Fit, machines: usize, cap: Res, sample: usize, seed: u64) -> CellSim {
        CellSim {
            fit,
            cell: Cell::uniform(machines, cap),
            state: Vec::new(),
            pending: [VecDeque::new(), VecDeque::new()],
            on: vec![Vec::new(); machines],
            finishes: BinaryHeap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            sample,
            counts: Counts::default(),
            max_pending: MAX_PENDING,
            dirty: false,
            broken_no_preempt: false,
        }
    }

    pub fn pending_len(&self) -> usize {
        self.pending[0].len() + self.pending[1].len()
    }

    pub fn running_len(&self) -> usize {
        self.on.iter().map(Vec::len).sum()
    }

    /// Queues newly submitted tasks (ids `state.len()..specs.len()`).
    pub fn submit(&mut self, specs: &[TaskSpec]) {
        for (id, spec) in specs.iter().enumerate().skip(self.state.len()) {
            if self.pending_len() >= self.max_pending {
                self.state.push(TaskState::Rejected);
                self.counts.rejected += 1;
                continue;
            }
            self.state.push(TaskState::Pending);
            self.pending[band(spec.prio)].push_back(id as u32);
            self.dirty = true;
        }
    }

    /// The earliest finish still recorded (possibly of a task preempted since: a no-op then).
    pub fn next_finish(&self) -> Option<Time> {
        self.finishes.peek().map(|Reverse((t, _))| *t)
    }

    /// Tasks whose run ends at or before `t` finish and free their machine.
    pub fn finish_until(&mut self, t: Time, specs: &[TaskSpec]) {
        while let Some(&Reverse((end, id))) = self.finishes.peek() {
            if end > t {
                break;
            }
            self.finishes.pop();
            if let Some(TaskState::Running { machine, ends }) = self.state.get(id as usize) {
                if *ends == end {
                    let m = *machine as usize;
                    self.unplace(id, m, specs);
                    self.state[id as usize] = TaskState::Done;
                    self.counts.finished += 1;
                    self.dirty = true;
                }
            }
        }
    }

    fn unplace(&mut self, id: u32, m: usize, specs: &[TaskSpec]) {
        self.cell.machines[m].release(specs[id as usize].est);
        if let Some(k) = self.on[m].iter().position(|&x| x == id) {
            self.on[m].swap_remove(k);
        }
    }

    fn place(&mut self, id: u32, m: usize, now: Time, specs: &[TaskSpec]) -> bool {
        let spec = &specs[id as usize];
        if !self.cell.machines[m].commit(spec.est) {
            return false;
        }
        let ends = now.saturating_add(spec.duration.max(1));
        self.state[id as usize] = TaskState::Running {
            machine: m as u32,
            ends,
        };
        self.on[m].push(id);
        self.finishes.push(Reverse((ends, id)));
        true
    }

    /// Puts a running task back in the pending queue (preempted or its machine failed).
    fn requeue(&mut self, id: u32, m: usize, specs: &[TaskSpec]) {
        self.unplace(id, m, specs);
        self.state[id as usize] = TaskState::Pending;
        self.pending[band(specs[id as usize].prio)].push_back(id);
    }

    /// Machine `m` fails: its tasks go back to the pending queue.
    pub fn fail(&mut self, m: usize, specs: &[TaskSpec]) {
        if !self.cell.machines.get(m).is_some_and(|x| x.up) {
            return;
        }
        for id in self.on[m].clone() {
            self.requeue(id, m, specs);
            self.counts.requeued += 1;
        }
        self.cell.machines[m].up = false;
        self.dirty = true;
    }

    /// Machine `m` is back, empty.
    pub fn restore(&mut self, m: usize) {
        if let Some(x) = self.cell.machines.get_mut(m) {
            if !x.up {
                x.up = true;
                self.dirty = true;
            }
        }
    }

    /// The largest free CPU and free memory over the machines that are up (each on its own):
    /// a task larger than this in either fits nowhere, without a scan.
    fn max_free(&self) -> Res {
        self.cell
            .machines
            .iter()
            .filter(|m| m.up)
            .fold(Res::ZERO, |a, m| {
                let f = m.free();
                Res::new(a.cpu.max(f.cpu), a.mem.max(f.mem))
            })
    }

    /// One pass over the pending queue if anything changed since the last: prod first (with
    /// preemption of batch), then batch. Returns whether it ran.
    pub fn pass(&mut self, now: Time, specs: &[TaskSpec]) -> bool {
        if !self.dirty {
            return false;
        }
        self.dirty = false;
        let mut bound = self.max_free();
        for b in 0..2 {
            let queue = std::mem::take(&mut self.pending[b]);
            let mut kept = VecDeque::with_capacity(queue.len());
            for id in queue {
                let d = specs[id as usize].est;
                let feasible = d.fits_in(bound);
                let picked = if feasible {
                    self.cell.pick(d, self.fit, self.sample, &mut self.rng)
                } else {
                    None
                };
                if let Some(m) = picked {
                    if self.place(id, m, now, specs) {
                        continue;
                    }
                } else if b == 0 && !self.broken_no_preempt {
                    // Nothing fits: a prod task preempts batch tasks.
                    if let Some((m, victims)) = self.preemption_for(d, specs) {
                        for v in victims {
                            self.requeue(v, m, specs);
                            self.counts.preempted += 1;
                        }
                        if self.place(id, m, now, specs) {
                            bound = self.max_free();
                            continue;
                        }
                    }
                }
                kept.push_back(id);
            }
            // Batch tasks preempted during the prod pass were queued behind the kept ones.
            kept.extend(self.pending[b].drain(..));
            self.pending[b] = kept;
        }
        true
    }

    /// The batch tasks on machine `m` that would have to go for `d` to fit, as few as this
    /// greedy finds (largest first, then any that turn out unneeded are spared); `None` if even
    /// evicting every batch task leaves too little room.
    fn victims_on(&self, m: usize, d: Res, specs: &[TaskSpec]) -> Option<Vec<u32>> {
        let mach = &self.cell.machines[m];
        if !mach.up {
            return None;
        }
        let mut batch: Vec<u32> = self.on[m]
            .iter()
            .copied()
            .filter(|&t| specs[t as usize].prio == Prio::Batch)
            .collect();
        let all = batch
            .iter()
            .fold(mach.free(), |a, &t| a + specs[t as usize].est);
        if !d.fits_in(all) {
            return None;
        }
        let size = |t: u32| {
            let (c, r) = specs[t as usize].est.share_of(mach.cap);
            c + r
        };
        batch.sort_by(|&a, &b| size(b).total_cmp(&size(a)).then(a.cmp(&b)));
        let mut room = mach.free();
        let mut victims = Vec::new();
        for t in batch {
            if d.fits_in(room) {
                break;
            }
            room += specs[t as usize].est;
            victims.push(t);
        }
        // Spare the smallest victims that turn out not to be needed.
        let mut k = victims.len();
        while k > 0 {
            k -= 1;
            let e = specs[victims[k] as usize].est;
            if d.fits_in(room - e) {
                room -= e;
                victims.remove(k);
            }
        }
        Some(victims)
    }

    /// Where a prod task of demand `d` goes by preempting batch tasks: the up machine needing
    /// the fewest victims, ties by the cell's scoring after eviction, then machine order.
    fn preemption_for(&self, d: Res, specs: &[TaskSpec]) -> Option<(usize, Vec<u32>)> {
        let mut best: Option<(usize, f64, usize, Vec<u32>)> = None;
        for m in 0..self.cell.machines.len() {
            let Some(v) = self.victims_on(m, d, specs) else {
                continue;
            };
            if v.is_empty() {
                continue;
            }
            let mut after = self.cell.machines[m];
            for &t in &v {
                after.release(specs[t as usize].est);
            }
            let score = self.fit.score(&after, d);
            let better = best
                .as_ref()
                .is_none_or(|(n, s, _, _)| v.len() < *n || (v.len() == *n && score < *s));
            if better {
                best = Some((v.len(), score, m, v));
            }
        }
        best.map(|(_, _, m, v)| (m, v))
    }

    /// What machine `m`'s tasks use now, during a burst of `burst` percent.
    pub fn usage(&self, m: usize, burst: u32, specs: &[TaskSpec]) -> Res {
        self.on[m]
            .iter()
            .fold(Res::ZERO, |a, &t| a + specs[t as usize].usage(burst))
    }

    /// Committed estimates on machine `m`, prod and batch.
    pub fn committed_by_prio(&self, m: usize, specs: &[TaskSpec]) -> (Res, Res) {
        self.on[m]
            .iter()
            .fold((Res::ZERO, Res::ZERO), |(p, b), &t| {
                let s = &specs[t as usize];
                match s.prio {
                    Prio::Prod => (p + s.est, b),
                    Prio::Batch => (p, b + s.est),
                }
            })
    }

    /// Machines whose tasks use more than the machine has (in either resource) during a burst
    /// of `burst` percent, and the tasks running on them.
    pub fn overloaded(&self, burst: u32, specs: &[TaskSpec]) -> (usize, usize) {
        if burst == 0 {
            return (0, 0);
        }
        let (mut machines, mut tasks) = (0, 0);
        for (m, mach) in self.cell.machines.iter().enumerate() {
            if mach.up && !self.usage(m, burst, specs).fits_in(mach.cap) {
                machines += 1;
                tasks += self.on[m].len();
            }
        }
        (machines, tasks)
    }

    /// Headroom for a burst, in percent: the free resources on the machines that run tasks,
    /// over what is committed on them (the scarcer resource counts). A uniform burst of this
    /// size fits on average; best fit, packing machines full, leaves little.
    pub fn burst_headroom(&self) -> f64 {
        let (free, used) = self
            .cell
            .machines
            .iter()
            .filter(|m| m.up && m.used != Res::ZERO)
            .fold((Res::ZERO, Res::ZERO), |(f, u), m| {
                (f + m.free(), u + m.used)
            });
        if used == Res::ZERO {
            return 100.0;
        }
        let pct = |f: u32, u: u32| {
            if u == 0 {
                f64::INFINITY
            } else {
                100.0 * f64::from(f) / f64::from(u)
            }
        };
        pct(free.cpu, used.cpu)
            .min(pct(free.mem, used.mem))
            .min(100.0)
    }

    /// Stranded resources for a task of shape `big`, in percent of the cell's capacity
    /// (the mean of CPU and memory): free resources on machines where such a task no longer
    /// fits (the notes' "少量的无法使用的剩余资源").
    pub fn stranded_pct(&self, big: Res) -> f64 {
        let (c, m) = self.cell.stranded(big).share_of(self.cell.capacity());
        50.0 * (c + m)
    }

    /// The cell's invariants (see the module doc); the first broken one, explained.
    pub fn check(&self, specs: &[TaskSpec]) -> Result<(), String> {
        let name = self.fit.name();
        if self.state.len() != specs.len() {
            return Err(format!(
                "{name}: {} tasks known of {}",
                self.state.len(),
                specs.len()
            ));
        }
        let mut seen = vec![0u8; specs.len()];
        for (m, mach) in self.cell.machines.iter().enumerate() {
            if !mach.used.fits_in(mach.cap) {
                return Err(format!("{name}: machine {} over-committed", m + 1));
            }
            let sum = self.on[m]
                .iter()
                .fold(Res::ZERO, |a, &t| a + specs[t as usize].est);
            if sum != mach.used {
                return Err(format!(
                    "{name}: machine {} books {:?}, runs {sum:?}",
                    m + 1,
                    mach.used
                ));
            }
            if !mach.up && !self.on[m].is_empty() {
                return Err(format!("{name}: failed machine {} runs tasks", m + 1));
            }
            for &t in &self.on[m] {
                seen[t as usize] += 1;
                if !matches!(self.state[t as usize], TaskState::Running { machine, .. } if machine as usize == m)
                {
                    return Err(format!(
                        "{name}: task {t} on machine {} is not running there",
                        m + 1
                    ));
                }
            }
        }
        for (b, q) in self.pending.iter().enumerate() {
            for &t in q {
                seen[t as usize] += 1;
                if self.state[t as usize] != TaskState::Pending || band(specs[t as usize].prio) != b
                {
                    return Err(format!(
                        "{name}: task {t} queued but {:?}",
                        self.state[t as usize]
                    ));
                }
            }
        }
        for (t, s) in self.state.iter().enumerate() {
            let want = u8::from(matches!(s, TaskState::Pending | TaskState::Running { .. }));
            if seen[t] != want {
                return Err(format!(
                    "{name}: task {t} ({s:?}) is held {} times",
                    seen[t]
                ));
            }
        }
        if self.dirty {
            return Ok(());
        }
        // Settled: nothing pending fits, and no pending prod task could preempt its way in.
        for &t in self.pending.iter().flatten() {
            let s = &specs[t as usize];
            if let Some(m) = self.cell.machines.iter().position(|m| m.fits(s.est)) {
                return Err(format!(
                    "{name}: pending task {t} fits on machine {}",
                    m + 1
                ));
            }
            if s.prio == Prio::Prod {
                if let Some(m) =
                    (0..self.on.len()).find(|&m| self.victims_on(m, s.est, specs).is_some())
                {
                    return Err(format!(
                        "{name}: prod task {t} waits though preempting batch on machine {} would place it",
                        m + 1
                    ));
                }
            }
        }
        Ok(())
    }

    /// Feeds the cell's state into a hasher (determinism and replay tests).
    pub fn hash_into(&self, h: &mut dyn Hasher) {
        let mut w = HashWriter(h);
        self.cell.hash(&mut w);
        self.state.hash(&mut w);
        self.pending.hash(&mut w);
        self.on.hash(&mut w);
        self.counts.hash(&mut w);
        w.0.write_u128(self.rng.get_word_pos());
    }

    /// About how many bytes a copy takes.
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.state.len() * std::mem::size_of::<TaskState>()
            + self.pending_len() * 4
            + self.finishes.len() * 16
            + self.cell.machines.len()
                * (std::mem::size_of::<crate::labs::scheduling::cell::Machine>() + 24)
            + self.running_len() * 4
    }
}

/// Lets `Hash` values feed a `&mut dyn Hasher`.
pub struct HashWriter<'a>(pub &'a mut dyn Hasher);

impl Hasher for HashWriter<'_> {
    fn finish(&self) -> u64 {
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes)
    }
}
