//! The Borg lab as a time-only model ([`TimeModel`]): one seeded arrival stream of jobs fed to
//! one cell per scoring policy (best fit, worst fit, hybrid), so the policies are compared on
//! exactly the same work. Jobs arrive at random (uniform gaps around `60 / rate` s) with a
//! random shape (balanced, CPU-heavy or memory-heavy), a priority (prod with probability
//! `prod` %) and 1–3 (prod) or 1–6 (batch) identical tasks; each task runs a seeded duration
//! once placed. The user's actions: submit a job, a burst (every running task uses more than
//! its estimate), fail or restore a machine (the same machine in every cell), change the
//! arrival rate.

use std::hash::Hasher;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::cellsim::{CellSim, HashWriter, Prio, TaskSpec};
use super::{BIG, CAP, CONTROLS, SAMPLE};
use crate::input::Params;
use crate::labs::scene::{arg_u64, parse_action};
use crate::labs::scheduling::cell::{Fit, Res};
use crate::sim::{ActionError, ModelSession, TimeModel};
use crate::{Time, MS};

/// One second of virtual time.
pub const SECOND: Time = 1000 * MS;

/// Something a user (or a preset) does to the cells.
#[derive(Clone, Debug, PartialEq)]
pub enum BorgAction {
    /// A job of `tasks` identical tasks, each estimated at `est`, submitted now.
    Job { prio: Prio, tasks: u32, est: Res },
    /// From now on every running task uses `pct`% × its spike more than its estimate.
    Burst { pct: u32 },
    /// Machine `machine` (1-based) fails in every cell; its tasks are pending again.
    Fail { machine: u32 },
    /// Machine `machine` (1-based) is back, empty.
    Restore { machine: u32 },
    /// Jobs now arrive at `per_min` a minute (0: none).
    Rate { per_min: u32 },
}

impl BorgAction {
    pub fn encode(&self) -> String {
        match self {
            BorgAction::Job { prio, tasks, est } => format!(
                "job:prio={},tasks={tasks},cpu={},mem={}",
                prio.name(),
                est.cpu,
                est.mem
            ),
            BorgAction::Burst { pct } => format!("burst:pct={pct}"),
            BorgAction::Fail { machine } => format!("fail:machine={machine}"),
            BorgAction::Restore { machine } => format!("restore:machine={machine}"),
            BorgAction::Rate { per_min } => format!("rate:per_min={per_min}"),
        }
    }

    /// Reads [`BorgAction::encode`]'s form, checking every argument against the declared
    /// controls (never panics).
    pub fn decode(s: &str) -> Result<BorgAction, ActionError> {
        let (c, v) = parse_action(s, &CONTROLS)?;
        let n = |i: usize| arg_u64(&v, i).min(u64::from(u32::MAX)) as u32;
        Ok(match c.verb {
            "job" => BorgAction::Job {
                prio: if v[0] == "prod" {
                    Prio::Prod
                } else {
                    Prio::Batch
                },
                tasks: n(1),
                est: Res::new(n(2), n(3)),
            },
            "burst" => BorgAction::Burst { pct: n(0) },
            "fail" => BorgAction::Fail { machine: n(0) },
            "restore" => BorgAction::Restore { machine: n(0) },
            _ => BorgAction::Rate { per_min: n(0) },
        })
    }
}

/// The lab's parameters, read.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub machines: usize,
    /// Jobs a minute.
    pub rate: u32,
    /// Percent of arriving jobs that are prod.
    pub prod: u32,
    /// Mean task duration.
    pub duration: Time,
    /// Feasible machines scored per task (0: all).
    pub sample: usize,
    pub fits: Vec<Fit>,
}

/// Parses the `fits` parameter: a comma-separated list of distinct policies.
pub fn parse_fits(s: &str) -> Result<Vec<Fit>, String> {
    let mut fits = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let f = Fit::parse(part)
            .ok_or_else(|| format!("`{part}` is not a policy (best, worst, hybrid)"))?;
        if fits.contains(&f) {
            return Err(format!("`{part}` is listed twice"));
        }
        fits.push(f);
    }
    if fits.is_empty() {
        return Err("name at least one policy: best, worst, hybrid".into());
    }
    Ok(fits)
}

impl Config {
    pub fn from_params(p: &Params) -> Result<Config, String> {
        Ok(Config {
            machines: p.get_u64("machines").max(1) as usize,
            rate: p.get_u64("rate") as u32,
            prod: p.get_u64("prod").min(100) as u32,
            duration: p.get_u64("duration").max(1) * SECOND,
            sample: p.get_u64("sample") as usize,
            fits: parse_fits(p.text("fits"))?,
        })
    }
}

/// A 64-bit mix (splitmix64's finaliser): per-task draws that need no generator state.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A random job shape of the stream: balanced, CPU-heavy or memory-heavy (CPU in steps of
/// 250 millicores, memory in steps of 512 MiB), divided by `div` (the scale benchmark's
/// smaller tasks).
pub fn random_shape(rng: &mut ChaCha8Rng, div: u32) -> Res {
    let (cpu, mem) = match rng.gen_range(0..3) {
        0 => (rng.gen_range(1..=4) * 250, rng.gen_range(2..=8) * 512),
        1 => (rng.gen_range(4..=8) * 250, rng.gen_range(1..=3) * 512),
        _ => (rng.gen_range(1..=2) * 250, rng.gen_range(8..=16) * 512),
    };
    Res::new((cpu / div).max(1), (mem / div).max(1))
}

/// The Borg lab's state: the task list (shared), one cell per policy, the arrival stream.
#[derive(Clone, Debug)]
pub struct BorgModel {
    pub cfg: Config,
    seed: u64,
    now: Time,
    pub specs: Vec<TaskSpec>,
    jobs: u32,
    pub cells: Vec<CellSim>,
    arrivals: ChaCha8Rng,
    next_arrival: Time,
    /// Jobs a minute now.
    pub rate: u32,
    /// Burst now, percent over the estimates.
    pub burst: u32,
    next_sample: Time,
    /// Per cell, per series (see [`super::SERIES`]): (time, value) samples.
    pub series: Vec<[Vec<(Time, f64)>; 5]>,
}

impl BorgModel {
    pub fn new(cfg: Config, seed: u64) -> BorgModel {
        let cells = cfg
            .fits
            .iter()
            .enumerate()
            .map(|(i, &f)| {
                CellSim::new(
                    f,
                    cfg.machines,
                    CAP,
                    cfg.sample,
                    mix(seed ^ ((i as u64 + 1) << 40)),
                )
            })
            .collect::<Vec<_>>();
        let mut m = BorgModel {
            rate: cfg.rate,
            series: vec![Default::default(); cells.len()],
            cfg,
            seed,
            now: 0,
            specs: Vec::new(),
            jobs: 0,
            cells,
            arrivals: ChaCha8Rng::seed_from_u64(seed),
            next_arrival: Time::MAX,
            burst: 0,
            next_sample: 0,
        };
        m.next_arrival = m.gap(0);
        m
    }

    pub fn now(&self) -> Time {
        self.now
    }

    /// When the next job arrives after `now` at the current rate.
    fn gap(&mut self, now: Time) -> Time {
        if self.rate == 0 {
            return Time::MAX;
        }
        let mean = 60 * SECOND / Time::from(self.rate);
        now.saturating_add(self.arrivals.gen_range(1..=2 * mean))
    }

    /// Adds a job's tasks to the task list and to every cell's queue.
    fn submit(&mut self, prio: Prio, tasks: u32, est: Res) {
        self.jobs += 1;
        for _ in 0..tasks {
            let id = self.specs.len() as u64;
            let h = mix(self.seed ^ mix(id));
            let d = self.cfg.duration;
            self.specs.push(TaskSpec {
                job: self.jobs,
                prio,
                est,
                duration: d / 2 + h % d.max(1),
                spike: 50 + ((h >> 32) % 101) as u32,
            });
        }
        for c in &mut self.cells {
            c.submit(&self.specs);
        }
    }

    /// A job of the seeded stream.
    fn arrive(&mut self) {
        let prio = if self.arrivals.gen_range(0..100) < self.cfg.prod {
            Prio::Prod
        } else {
            Prio::Batch
        };
        let tasks = match prio {
            Prio::Prod => self.arrivals.gen_range(1..=3),
            Prio::Batch => self.arrivals.gen_range(1..=6),
        };
        let est = random_shape(&mut self.arrivals, 1);
        self.submit(prio, tasks, est);
        self.next_arrival = self.gap(self.now);
    }

    fn passes(&mut self) {
        for c in &mut self.cells {
            c.pass(self.now, &self.specs);
        }
    }

    fn sample(&mut self) {
        let t = self.now;
        for (c, s) in self.cells.iter().zip(self.series.iter_mut()) {
            let (over, _) = c.overloaded(self.burst, &self.specs);
            s[0].push((t, c.stranded_pct(BIG)));
            s[1].push((t, c.burst_headroom()));
            s[2].push((t, c.pending_len() as f64));
            s[3].push((t, over as f64));
            s[4].push((t, c.counts.preempted as f64));
        }
    }

    /// Every cell's invariants ([`CellSim::check`]).
    pub fn check(&self) -> Result<(), String> {
        self.cells.iter().try_for_each(|c| c.check(&self.specs))
    }

    fn machine(&self, command: &str, machine: u32) -> Result<usize, ActionError> {
        let m = machine as usize;
        if m == 0 || m > self.cfg.machines {
            return Err(ActionError::BadArgument {
                command: command.into(),
                reason: format!(
                    "machine {machine}: the cell has machines 1…{}",
                    self.cfg.machines
                ),
            });
        }
        Ok(m - 1)
    }
}

/// The lab's session from its parameters.
pub fn session(p: &Params, seed: u64) -> Result<ModelSession<BorgModel>, String> {
    let cfg = Config::from_params(p)?;
    Ok(ModelSession::new(BorgModel::new(cfg, seed), 5 * SECOND))
}

impl TimeModel for BorgModel {
    type Action = BorgAction;
    type Snapshot = BorgModel;

    fn advance_to(&mut self, t: Time) {
        // An action just applied is scheduled at its own time.
        self.passes();
        loop {
            let finish = self
                .cells
                .iter()
                .filter_map(CellSim::next_finish)
                .min()
                .unwrap_or(Time::MAX);
            let e = self.next_arrival.min(finish).min(self.next_sample);
            if e > t {
                break;
            }
            self.now = e;
            if self.next_arrival == e {
                self.arrive();
            }
            for c in &mut self.cells {
                c.finish_until(e, &self.specs);
            }
            self.passes();
            if self.next_sample == e {
                self.sample();
                self.next_sample = e + SAMPLE;
            }
        }
        self.now = self.now.max(t);
    }

    fn apply(&mut self, a: &BorgAction) -> Result<(), ActionError> {
        match *a {
            BorgAction::Job { prio, tasks, est } => self.submit(prio, tasks, est),
            BorgAction::Burst { pct } => self.burst = pct,
            BorgAction::Fail { machine } => {
                let m = self.machine("fail", machine)?;
                for c in &mut self.cells {
                    c.fail(m, &self.specs);
                }
            }
            BorgAction::Restore { machine } => {
                let m = self.machine("restore", machine)?;
                for c in &mut self.cells {
                    c.restore(m);
                }
            }
            BorgAction::Rate { per_min } => {
                self.rate = per_min;
                self.next_arrival = self.gap(self.now);
            }
        }
        Ok(())
    }

    fn snapshot(&self) -> BorgModel {
        self.clone()
    }

    fn restore(&mut self, s: &BorgModel) {
        *self = s.clone();
    }

    fn encode(a: &BorgAction) -> String {
        a.encode()
    }

    fn decode(s: &str) -> Result<BorgAction, ActionError> {
        BorgAction::decode(s)
    }

    fn hash_state(&self, h: &mut dyn Hasher) {
        use std::hash::Hash;
        h.write_u64(self.now);
        h.write_u64(self.next_arrival);
        h.write_u32(self.rate);
        h.write_u32(self.burst);
        h.write_u128(self.arrivals.get_word_pos());
        self.specs.hash(&mut HashWriter(h));
        for c in &self.cells {
            c.hash_into(h);
        }
        for s in self.series.iter().flatten() {
            h.write_usize(s.len());
            if let Some(&(t, v)) = s.last() {
                h.write_u64(t);
                h.write_u64(v.to_bits());
            }
        }
    }

    fn snapshot_bytes(s: &BorgModel) -> usize {
        std::mem::size_of::<BorgModel>()
            + s.specs.len() * std::mem::size_of::<TaskSpec>()
            + s.cells.iter().map(CellSim::bytes).sum::<usize>()
            + s.series
                .iter()
                .flatten()
                .map(|v| v.len() * 16)
                .sum::<usize>()
    }

    fn scene(&self) -> crate::labs::scene::Scene {
        super::view::scene(self)
    }
}
