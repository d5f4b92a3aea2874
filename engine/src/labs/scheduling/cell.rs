//! A cell of machines with two resources, shared by the scheduler labs (`sched-borg`,
//! `sched-mesos`, `sched-omega`; seed 001, "资源管理与调度").
//!
//! Resources are whole units so every invariant is exact: CPU in millicores and memory in
//! MiB ([`Res`]). A [`Machine`] has a capacity, what is committed on it and a version that
//! changes with every commit (Omega's coarse-grained conflict check). [`Cell::pick`] chooses a
//! machine for a task the way Borg's scheduler does (Verma et al., *Large-scale cluster
//! management at Google with Borg*, §3.2 and §3.4): a feasibility check, then scoring, over
//! machines examined in a random order until enough feasible ones are found ("relaxed
//! randomization"), so a cell of 10,000 machines is scheduled without scanning all of it per
//! task. [`Cell::stranded`] and [`Cell::headroom`] measure fragmentation as the notes describe
//! it: free resources no task of a given shape can use, and how many more such tasks fit.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::ops::{Add, AddAssign, Sub, SubAssign};

use super::super::scene::Bar;

/// CPU (millicores) and memory (MiB).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Res {
    pub cpu: u32,
    pub mem: u32,
}

impl Res {
    pub const ZERO: Res = Res { cpu: 0, mem: 0 };

    pub const fn new(cpu: u32, mem: u32) -> Res {
        Res { cpu, mem }
    }

    /// Whether `self` fits within `room` in both resources.
    pub fn fits_in(self, room: Res) -> bool {
        self.cpu <= room.cpu && self.mem <= room.mem
    }

    pub fn saturating_sub(self, o: Res) -> Res {
        Res::new(
            self.cpu.saturating_sub(o.cpu),
            self.mem.saturating_sub(o.mem),
        )
    }

    /// Each resource as a fraction of `cap` (0 where the capacity is 0).
    pub fn share_of(self, cap: Res) -> (f64, f64) {
        let f = |a: u32, b: u32| {
            if b == 0 {
                0.0
            } else {
                f64::from(a) / f64::from(b)
            }
        };
        (f(self.cpu, cap.cpu), f(self.mem, cap.mem))
    }

    /// How many copies of `shape` fit in `self` (`u32::MAX` for an empty shape).
    pub fn copies_of(self, shape: Res) -> u32 {
        let per = |room: u32, d: u32| room.checked_div(d).unwrap_or(u32::MAX);
        per(self.cpu, shape.cpu).min(per(self.mem, shape.mem))
    }
}

impl Add for Res {
    type Output = Res;
    fn add(self, o: Res) -> Res {
        Res::new(
            self.cpu.saturating_add(o.cpu),
            self.mem.saturating_add(o.mem),
        )
    }
}

impl AddAssign for Res {
    fn add_assign(&mut self, o: Res) {
        *self = *self + o;
    }
}

impl Sub for Res {
    type Output = Res;
    /// Saturating: releasing more than was committed leaves zero (the callers never do).
    fn sub(self, o: Res) -> Res {
        self.saturating_sub(o)
    }
}

impl SubAssign for Res {
    fn sub_assign(&mut self, o: Res) {
        *self = *self - o;
    }
}

/// One machine of a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Machine {
    pub cap: Res,
    /// Resources committed to tasks on it (never above `cap`: see [`Machine::commit`]).
    pub used: Res,
    /// False while failed or drained: nothing is placed on it.
    pub up: bool,
    /// Changes with every commit and release (Omega's coarse conflict detection).
    pub version: u64,
}

impl Machine {
    pub fn new(cap: Res) -> Machine {
        Machine {
            cap,
            used: Res::ZERO,
            up: true,
            version: 0,
        }
    }

    pub fn free(&self) -> Res {
        self.cap - self.used
    }

    /// The feasibility check: up and room for `demand` in both resources.
    pub fn fits(&self, demand: Res) -> bool {
        self.up && demand.fits_in(self.free())
    }

    /// Commits `demand` if it fits; false (and nothing changed) otherwise.
    pub fn commit(&mut self, demand: Res) -> bool {
        if !self.fits(demand) {
            return false;
        }
        self.used += demand;
        self.version += 1;
        true
    }

    pub fn release(&mut self, demand: Res) {
        self.used -= demand;
        self.version += 1;
    }
}

/// How a feasible machine is scored: the notes' best fit (the tightest machine, least left
/// over), worst fit (the emptiest, most left over) and a hybrid that prefers balanced use of
/// CPU and memory (less stranding) before tightness.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fit {
    Best,
    Worst,
    Hybrid,
}

impl Fit {
    pub const ALL: [Fit; 3] = [Fit::Best, Fit::Worst, Fit::Hybrid];

    pub fn name(self) -> &'static str {
        match self {
            Fit::Best => "best",
            Fit::Worst => "worst",
            Fit::Hybrid => "hybrid",
        }
    }

    pub fn parse(s: &str) -> Option<Fit> {
        Fit::ALL.into_iter().find(|f| f.name() == s)
    }

    /// Lower is better. `m` is feasible for `demand`.
    pub fn score(self, m: &Machine, demand: Res) -> f64 {
        let (c, r) = (m.free() - demand).share_of(m.cap);
        match self {
            Fit::Best => c + r,
            Fit::Worst => -(c + r),
            // Unbalanced leftovers strand one resource; then prefer the tighter machine.
            Fit::Hybrid => 2.0 * (c - r).abs() + 0.5 * (c + r),
        }
    }
}

/// A cell: its machines in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cell {
    pub machines: Vec<Machine>,
}

impl Cell {
    /// `n` machines of the same capacity.
    pub fn uniform(n: usize, cap: Res) -> Cell {
        Cell {
            machines: vec![Machine::new(cap); n],
        }
    }

    pub fn capacity(&self) -> Res {
        self.machines
            .iter()
            .filter(|m| m.up)
            .fold(Res::ZERO, |a, m| a + m.cap)
    }

    pub fn used(&self) -> Res {
        self.machines
            .iter()
            .filter(|m| m.up)
            .fold(Res::ZERO, |a, m| a + m.used)
    }

    /// Utilisation of the machines that are up, per resource.
    pub fn utilisation(&self) -> (f64, f64) {
        self.used().share_of(self.capacity())
    }

    /// Free resources on up machines where a task of `shape` no longer fits: capacity nobody
    /// of that shape can use (fragmentation).
    pub fn stranded(&self, shape: Res) -> Res {
        self.machines
            .iter()
            .filter(|m| m.up && !shape.fits_in(m.free()))
            .fold(Res::ZERO, |a, m| a + m.free())
    }

    /// How many more tasks of `shape` the cell can take (headroom for a burst).
    pub fn headroom(&self, shape: Res) -> u64 {
        self.machines
            .iter()
            .filter(|m| m.up)
            .map(|m| u64::from(m.free().copies_of(shape)).min(u64::from(u32::MAX)))
            .sum()
    }

    /// Chooses a machine for `demand`: machines are examined from a random start in a
    /// pseudo-random order (a stride coprime with the cell size) until `sample` feasible ones
    /// were found or every machine was seen, and the best score among the feasible wins (ties:
    /// the first examined). `sample == 0` scores every feasible machine. `None`: no machine
    /// fits.
    pub fn pick(
        &self,
        demand: Res,
        fit: Fit,
        sample: usize,
        rng: &mut ChaCha8Rng,
    ) -> Option<usize> {
        let n = self.machines.len();
        if n == 0 {
            return None;
        }
        let start = rng.gen_range(0..n);
        let stride = coprime_stride(n, rng);
        let want = if sample == 0 { n } else { sample };
        let (mut best, mut found) = (None::<(f64, usize)>, 0);
        for k in 0..n {
            let i = (start + k * stride) % n;
            let m = &self.machines[i];
            if !m.fits(demand) {
                continue;
            }
            let s = fit.score(m, demand);
            if best.is_none_or(|(b, _)| s < b) {
                best = Some((s, i));
            }
            found += 1;
            if found >= want {
                break;
            }
        }
        best.map(|(_, i)| i)
    }

    /// A bar of the scene for machine `i`: its committed resources as segments, given as
    /// (amount, colour) per task group, bottom first.
    pub fn bar(&self, i: usize, label: String, segments: &[(Res, u8)]) -> Bar {
        let m = &self.machines[i];
        let (mut cpu, mut mem) = (Vec::new(), Vec::new());
        for &(r, colour) in segments {
            let (c, me) = r.share_of(m.cap);
            if c > 0.0 {
                cpu.push((c, colour));
            }
            if me > 0.0 {
                mem.push((me, colour));
            }
        }
        Bar {
            label,
            fill: vec![cpu, mem],
            down: !m.up,
        }
    }
}

/// A stride in 1..n coprime with n, so `start + k·stride (mod n)` visits every machine once.
fn coprime_stride(n: usize, rng: &mut ChaCha8Rng) -> usize {
    if n <= 2 {
        return 1;
    }
    for _ in 0..16 {
        let s = rng.gen_range(1..n);
        if gcd(s, n) == 1 {
            return s;
        }
    }
    1
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn best_fit_takes_the_tightest_machine_and_worst_fit_the_emptiest() {
        let mut cell = Cell::uniform(3, Res::new(4000, 8192));
        assert!(cell.machines[0].commit(Res::new(3000, 6000)));
        assert!(cell.machines[1].commit(Res::new(1000, 2000)));
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let d = Res::new(500, 1000);
        assert_eq!(cell.pick(d, Fit::Best, 0, &mut rng), Some(0));
        assert_eq!(cell.pick(d, Fit::Worst, 0, &mut rng), Some(2));
        assert_eq!(cell.pick(Res::new(5000, 1), Fit::Best, 0, &mut rng), None);
    }

    #[test]
    fn a_machine_is_never_over_committed_and_stranding_is_counted() {
        let mut m = Machine::new(Res::new(1000, 1000));
        assert!(m.commit(Res::new(900, 100)));
        assert!(!m.commit(Res::new(200, 10)));
        assert_eq!(m.used, Res::new(900, 100));
        let cell = Cell { machines: vec![m] };
        // 100 CPU left: a 200-CPU task cannot use the 900 MiB still free.
        assert_eq!(cell.stranded(Res::new(200, 100)), Res::new(100, 900));
        assert_eq!(cell.headroom(Res::new(50, 100)), 2);
    }

    #[test]
    fn the_random_order_visits_every_machine() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for n in 1..40 {
            let s = coprime_stride(n, &mut rng);
            let mut seen = vec![false; n];
            for k in 0..n {
                seen[(3 + k * s) % n] = true;
            }
            assert!(seen.iter().all(|&b| b), "n={n} stride={s}");
        }
    }
}
