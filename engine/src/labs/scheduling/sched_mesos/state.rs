//! The Mesos master's state and its events in virtual time: agents (the machines of a shared
//! [`Cell`]) with what their tasks hold, registered frameworks with their queues of waiting
//! tasks, the offers outstanding, and the running tasks (seed 001, "分布式调度架构--两层调度",
//! 过程 第一步–第四步; Hindman et al., *Mesos*, NSDI 2011, §3).
//!
//! - Every `interval` the allocator runs a round: the agents in a seeded random order (as
//!   Mesos's hierarchical allocator shuffles them); an up agent with free resources and no
//!   offer outstanding is offered whole (all its free resources) to the framework furthest
//!   below its share (DRF: the dominant share of what it holds and is offered, computed by
//!   [`fair::dominant_share`]; max-min: its share of CPU alone), among the frameworks with
//!   tasks waiting that have not filtered that agent and that the agent is not reserved
//!   against. Offered resources count as the framework's until it answers, and are offered to
//!   nobody else.
//! - `think` later the framework answers: it launches as many waiting tasks as fit the offer
//!   (at most `per_offer`, if set) and the rest returns to the pool; or it launches none and
//!   declines, and the agent is filtered for that framework for the refusal time `filter`.
//! - A task runs for a seeded time around its framework's mean (or forever, a service); when
//!   it ends its resources are free for the next round.
//! - A failed agent loses its tasks (counted as lost; each framework queues them again, as it
//!   would on TASK_LOST) and its outstanding offer is rescinded.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};

use crate::labs::scheduling::cell::{Cell, Res};
use crate::labs::scheduling::fair;
use crate::{Time, MS};

/// The frameworks, in order (colour index = position): a CPU-heavy batch framework, a
/// memory-heavy service and one whose tasks need a whole machine.
pub const FRAMEWORKS: [&str; 3] = ["batch", "service", "whole"];
pub const WHOLE: usize = 2;
/// Resources smaller than this in both dimensions are not offered (Mesos's MIN_CPUS and
/// MIN_MEM).
pub const MIN_OFFER: Res = Res::new(10, 32);

/// How the allocator orders frameworks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Allocator {
    /// Dominant resource fairness: lowest dominant share first.
    Drf,
    /// Max-min fairness on one resource (CPU): lowest CPU share first.
    MaxMin,
}

impl Allocator {
    pub fn name(self) -> &'static str {
        match self {
            Allocator::Drf => "drf",
            Allocator::MaxMin => "maxmin",
        }
    }
}

/// One framework's workload as configured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FwSpec {
    pub shape: Res,
    /// Tasks waiting at the start.
    pub tasks: u64,
    /// Mean run time of a task (0: runs until its agent fails).
    pub mean: Time,
}

/// The lab's set-up.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub agents: usize,
    pub agent: Res,
    pub interval: Time,
    pub think: Time,
    pub filter: Time,
    /// The most tasks a framework launches on one offer (0: as many as fit).
    pub per_offer: u64,
    pub allocator: Allocator,
    pub frameworks: [FwSpec; 3],
}

/// A framework registered with the master.
#[derive(Clone, Debug, PartialEq)]
pub struct Framework {
    pub shape: Res,
    pub mean: Time,
    /// Waiting tasks as (queued at, how many), oldest first.
    pub queue: VecDeque<(Time, u64)>,
    pub waiting: u64,
    pub running: u64,
    /// Resources its running tasks hold.
    pub alloc: Res,
    /// Resources in its outstanding offers.
    pub offered: Res,
    pub submitted: u64,
    pub finished: u64,
    pub lost: u64,
    pub offers: u64,
    pub accepted: u64,
    pub declined: u64,
    /// Per agent: filtered (not offered to this framework) until this time.
    pub filters: Vec<Time>,
}

/// An offer outstanding: an agent's free resources, sent to one framework.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    pub id: u64,
    pub fw: usize,
    pub agent: usize,
    pub res: Res,
    /// When the framework answers.
    pub due: Time,
}

/// A running task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task {
    pub fw: usize,
    pub agent: usize,
    /// `Time::MAX`: runs until its agent fails.
    pub end: Time,
}

/// The master's state (everything but the plotted record).
#[derive(Clone, Debug)]
pub struct State {
    pub interval: Time,
    pub think: Time,
    pub filter: Time,
    pub per_offer: u64,
    pub allocator: Allocator,
    pub cell: Cell,
    /// Per agent: its outstanding offer's id.
    pub offer_on: Vec<Option<u64>>,
    /// Per agent: the framework it is reserved for.
    pub reserved: Vec<Option<usize>>,
    /// Per agent and framework: what that framework's tasks hold there.
    pub on_agent: Vec<[Res; 3]>,
    /// Capacity of the agents that are up.
    pub cap_up: Res,
    pub fws: Vec<Framework>,
    pub offers: VecDeque<Offer>,
    pub tasks: BTreeMap<u64, Task>,
    ends: BinaryHeap<Reverse<(Time, u64)>>,
    next_task: u64,
    next_offer: u64,
    pub next_round: Time,
    pub rounds: u64,
    pub rescinded: u64,
    /// Launches refused by an agent (never expected: offered resources are held for the
    /// offer). Counted so the tests can assert it stays 0.
    pub refused_launches: u64,
    pub now: Time,
    rng: ChaCha8Rng,
    /// Test-only broken variant: an allocation round offers an agent that already has an
    /// offer outstanding (the same resources in two offers), which the invariants must catch.
    /// Not reachable from parameters or share links.
    pub broken_double_offer: bool,
}

impl State {
    pub fn new(cfg: &Config, seed: u64) -> State {
        let n = cfg.agents.max(1);
        let cell = Cell::uniform(n, cfg.agent);
        let fws = cfg
            .frameworks
            .iter()
            .map(|f| {
                let mut fw = Framework {
                    shape: f.shape,
                    mean: f.mean,
                    queue: VecDeque::new(),
                    waiting: 0,
                    running: 0,
                    alloc: Res::ZERO,
                    offered: Res::ZERO,
                    submitted: 0,
                    finished: 0,
                    lost: 0,
                    offers: 0,
                    accepted: 0,
                    declined: 0,
                    filters: vec![0; n],
                };
                fw.enqueue(0, f.tasks);
                fw.submitted = f.tasks;
                fw
            })
            .collect();
        State {
            interval: cfg.interval.max(MS),
            think: cfg.think,
            filter: cfg.filter,
            per_offer: cfg.per_offer,
            allocator: cfg.allocator,
            cap_up: cell.capacity(),
            cell,
            offer_on: vec![None; n],
            reserved: vec![None; n],
            on_agent: vec![[Res::ZERO; 3]; n],
            fws,
            offers: VecDeque::new(),
            tasks: BTreeMap::new(),
            ends: BinaryHeap::new(),
            next_task: 0,
            next_offer: 0,
            next_round: 0,
            rounds: 0,
            rescinded: 0,
            refused_launches: 0,
            broken_double_offer: false,
            now: 0,
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6d65_736f_735f_6c61),
        }
    }

    pub fn agents(&self) -> usize {
        self.cell.machines.len()
    }

    /// The share the allocator orders framework `f` by (what it holds and is offered).
    pub fn share(&self, f: usize) -> f64 {
        let held = self.fws[f].alloc + self.fws[f].offered;
        match self.allocator {
            Allocator::Drf => self.dominant_share_of(held),
            Allocator::MaxMin => held.share_of(self.cap_up).0,
        }
    }

    /// The dominant share of `held` in the capacity that is up.
    pub fn dominant_share_of(&self, held: Res) -> f64 {
        fair::dominant_share(
            &[f64::from(held.cpu), f64::from(held.mem)],
            &[f64::from(self.cap_up.cpu), f64::from(self.cap_up.mem)],
        )
    }

    /// Framework `f`'s dominant share of what its running tasks hold.
    pub fn dominant_share(&self, f: usize) -> f64 {
        self.dominant_share_of(self.fws[f].alloc)
    }

    /// When the next event is due (a task's end, an answer, a round).
    fn next_event(&self) -> Time {
        let end = self.ends.peek().map_or(Time::MAX, |Reverse((t, _))| *t);
        let answer = self.offers.front().map_or(Time::MAX, |o| o.due);
        end.min(answer).min(self.next_round)
    }

    /// Processes every event at times up to and including `t`: task ends first, then answers
    /// to offers, then the allocation round, at equal times.
    pub fn advance_to(&mut self, t: Time) {
        loop {
            let next = self.next_event();
            if next > t {
                break;
            }
            self.now = next;
            if let Some(&Reverse((e, id))) = self.ends.peek() {
                if e == next {
                    self.ends.pop();
                    self.finish(id, e);
                    continue;
                }
            }
            if self.offers.front().is_some_and(|o| o.due == next) {
                if let Some(o) = self.offers.pop_front() {
                    self.answer(o);
                }
                continue;
            }
            self.round();
            self.rounds += 1;
            self.next_round = self.next_round.saturating_add(self.interval);
        }
        self.now = self.now.max(t);
    }

    fn finish(&mut self, id: u64, end: Time) {
        // A task lost with its agent leaves a stale entry behind.
        let Some(task) = self.tasks.get(&id).copied().filter(|t| t.end == end) else {
            return;
        };
        self.tasks.remove(&id);
        let fw = &mut self.fws[task.fw];
        fw.running -= 1;
        fw.finished += 1;
        fw.alloc -= fw.shape;
        let shape = fw.shape;
        self.cell.machines[task.agent].release(shape);
        self.on_agent[task.agent][task.fw] -= shape;
    }

    /// One allocation round.
    fn round(&mut self) {
        let n = self.agents();
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.rng.gen_range(0..=i);
            order.swap(i, j);
        }
        for a in order {
            let m = &self.cell.machines[a];
            if !m.up || (self.offer_on[a].is_some() && !self.broken_double_offer) {
                continue;
            }
            let free = m.free();
            if free.cpu < MIN_OFFER.cpu && free.mem < MIN_OFFER.mem {
                continue;
            }
            let pick = (0..self.fws.len())
                .filter(|&f| {
                    let fw = &self.fws[f];
                    fw.waiting > 0
                        && fw.filters[a] <= self.now
                        && self.reserved[a].is_none_or(|r| r == f)
                })
                .min_by(|&x, &y| self.share(x).total_cmp(&self.share(y)).then(x.cmp(&y)));
            let Some(f) = pick else { continue };
            let id = self.next_offer;
            self.next_offer += 1;
            self.offer_on[a] = Some(id);
            let fw = &mut self.fws[f];
            fw.offered += free;
            fw.offers += 1;
            self.offers.push_back(Offer {
                id,
                fw: f,
                agent: a,
                res: free,
                due: self.now.saturating_add(self.think),
            });
        }
    }

    /// Framework `o.fw` answers offer `o`: launches what fits, or declines and filters.
    fn answer(&mut self, o: Offer) {
        self.offer_on[o.agent] = None;
        let cap = if self.per_offer == 0 {
            u64::MAX
        } else {
            self.per_offer
        };
        let fw = &mut self.fws[o.fw];
        fw.offered -= o.res;
        let n = fw
            .waiting
            .min(u64::from(o.res.copies_of(fw.shape)))
            .min(cap);
        if n == 0 {
            fw.declined += 1;
            fw.filters[o.agent] = self.now.saturating_add(self.filter);
            return;
        }
        fw.accepted += 1;
        for _ in 0..n {
            self.launch(o.fw, o.agent);
        }
    }

    fn launch(&mut self, f: usize, a: usize) {
        let shape = self.fws[f].shape;
        if !self.cell.machines[a].commit(shape) {
            self.refused_launches += 1;
            return;
        }
        self.fws[f].dequeue();
        let mean = self.fws[f].mean;
        let end = if mean == 0 {
            Time::MAX
        } else {
            // Uniform in [mean/2, 3·mean/2], to the millisecond.
            let ms = (mean / MS).max(2);
            self.now + (ms / 2 + self.rng.gen_range(0..=ms)) * MS
        };
        let id = self.next_task;
        self.next_task += 1;
        self.tasks.insert(
            id,
            Task {
                fw: f,
                agent: a,
                end,
            },
        );
        if end != Time::MAX {
            self.ends.push(Reverse((end, id)));
        }
        let fw = &mut self.fws[f];
        fw.running += 1;
        fw.alloc += shape;
        self.on_agent[a][f] += shape;
    }

    /// Agent `a` fails: its tasks are lost (and queued again by their frameworks), its
    /// outstanding offer rescinded. Failing a failed agent changes nothing.
    pub fn fail(&mut self, a: usize) {
        if !self.cell.machines[a].up {
            return;
        }
        if let Some(id) = self.offer_on[a].take() {
            if let Some(i) = self.offers.iter().position(|o| o.id == id) {
                if let Some(o) = self.offers.remove(i) {
                    self.fws[o.fw].offered -= o.res;
                    self.rescinded += 1;
                }
            }
        }
        let lost: Vec<(u64, Task)> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.agent == a)
            .map(|(&id, &t)| (id, t))
            .collect();
        for (id, t) in lost {
            self.tasks.remove(&id);
            let fw = &mut self.fws[t.fw];
            fw.running -= 1;
            fw.lost += 1;
            fw.alloc -= fw.shape;
            fw.queue.push_front((self.now, 1));
            fw.waiting += 1;
        }
        let m = &mut self.cell.machines[a];
        let used = m.used;
        m.release(used);
        m.up = false;
        self.on_agent[a] = [Res::ZERO; 3];
        self.cap_up -= m.cap;
    }

    /// Agent `a` is back, empty. Restoring an agent that is up changes nothing.
    pub fn restore(&mut self, a: usize) {
        let m = &mut self.cell.machines[a];
        if m.up {
            return;
        }
        m.up = true;
        m.version += 1;
        self.cap_up += m.cap;
    }

    /// `tasks` more tasks for framework `f`, waiting from now.
    pub fn submit(&mut self, f: usize, tasks: u64) {
        let fw = &mut self.fws[f];
        fw.enqueue(self.now, tasks);
        fw.submitted += tasks;
    }

    /// Reserves the first `k` agents for framework `f` (its earlier reservations end).
    pub fn reserve(&mut self, f: usize, k: usize) {
        for (i, r) in self.reserved.iter_mut().enumerate() {
            if i < k {
                *r = Some(f);
            } else if *r == Some(f) {
                *r = None;
            }
        }
    }

    /// How long framework `f`'s oldest waiting task has waited.
    pub fn oldest_wait(&self, f: usize) -> Time {
        self.fws[f]
            .queue
            .front()
            .map_or(0, |(t, _)| self.now.saturating_sub(*t))
    }

    pub fn rng_pos(&self) -> u128 {
        self.rng.get_word_pos()
    }

    /// Every invariant the lab promises, as the reasons of those broken (empty: all hold).
    pub fn violations(&self) -> Vec<String> {
        let mut bad = Vec::new();
        let mut held = vec![Res::ZERO; self.agents()];
        let mut per_fw = [(0u64, Res::ZERO); 3];
        for (id, t) in &self.tasks {
            let shape = self.fws[t.fw].shape;
            held[t.agent] += shape;
            per_fw[t.fw].0 += 1;
            per_fw[t.fw].1 += shape;
            if !self.cell.machines[t.agent].up {
                bad.push(format!("task {id} runs on failed agent a{}", t.agent + 1));
            }
        }
        let mut offered = vec![Res::ZERO; self.agents()];
        let mut offered_fw = [Res::ZERO; 3];
        for o in &self.offers {
            if offered[o.agent] != Res::ZERO || self.offer_on[o.agent] != Some(o.id) {
                bad.push(format!("agent a{} is in two offers", o.agent + 1));
            }
            offered[o.agent] += o.res;
            offered_fw[o.fw] += o.res;
        }
        if self.offer_on.iter().flatten().count() != self.offers.len() {
            bad.push("an agent names an offer that is not outstanding".into());
        }
        for (a, m) in self.cell.machines.iter().enumerate() {
            if !m.used.fits_in(m.cap) || !(m.used + offered[a]).fits_in(m.cap) {
                bad.push(format!("agent a{} is over-committed", a + 1));
            }
            let on: Res = self.on_agent[a].iter().fold(Res::ZERO, |x, r| x + *r);
            if m.used != held[a] || on != held[a] {
                bad.push(format!("agent a{}'s committed resources disagree", a + 1));
            }
            if !m.up && (m.used != Res::ZERO || offered[a] != Res::ZERO) {
                bad.push(format!("failed agent a{} holds resources", a + 1));
            }
        }
        for (f, fw) in self.fws.iter().enumerate() {
            let name = FRAMEWORKS[f];
            if (fw.running, fw.alloc) != per_fw[f] || fw.offered != offered_fw[f] {
                bad.push(format!(
                    "{name}'s accounts disagree with its tasks and offers"
                ));
            }
            if fw.queue.iter().map(|q| q.1).sum::<u64>() != fw.waiting
                || fw.submitted != fw.waiting + fw.running + fw.finished
            {
                bad.push(format!("{name}'s tasks are not all counted"));
            }
        }
        if self.refused_launches > 0 {
            bad.push(format!("{} launches refused", self.refused_launches));
        }
        bad
    }
}

impl Framework {
    fn enqueue(&mut self, at: Time, n: u64) {
        if n == 0 {
            return;
        }
        match self.queue.back_mut() {
            Some(last) if last.0 == at => last.1 += n,
            _ => self.queue.push_back((at, n)),
        }
        self.waiting += n;
    }

    fn dequeue(&mut self) {
        if let Some(front) = self.queue.front_mut() {
            front.1 -= 1;
            if front.1 == 0 {
                self.queue.pop_front();
            }
            self.waiting -= 1;
        }
    }
}
