//! Engine speed measurement shared by the native runner and the wasm benchmark page.

use crate::input::{split_query, RunConfig};
use crate::labs;
use crate::MS;

/// Figures of one benchmark run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BenchResult {
    pub nodes: u32,
    pub simulated_seconds: u64,
    pub events: u64,
    pub wall_seconds: f64,
    pub sim_per_wall: f64,
    pub events_per_second: f64,
    /// Client writes per simulated second (0: election only).
    pub writes: u64,
    /// Entries committed (the committed prefix's length at the end).
    pub commits: u64,
    pub commits_per_second: f64,
}

/// Runs election-only Raft with `n` nodes for `seconds` of simulated time. `time` runs the
/// closure it is given and returns the wall seconds it took (the caller owns the clock, so
/// the engine itself never reads one).
pub fn raft_election(
    n: u32,
    seconds: u64,
    time: impl FnOnce(&mut dyn FnMut()) -> f64,
) -> BenchResult {
    raft_writes(n, seconds, 0, time)
}

/// Like [`raft_election`], with `writes` client writes per simulated second (the `clients`
/// parameter); `commits_per_second` is per wall second.
pub fn raft_writes(
    n: u32,
    seconds: u64,
    writes: u64,
    time: impl FnOnce(&mut dyn FnMut()) -> f64,
) -> BenchResult {
    let nodes = n.clamp(1, 1000);
    let (cfg, _) = RunConfig::parse(&split_query(&format!("lab=raft&seed=7&clients={writes}")));
    let mut cfg = cfg;
    // The URL range is 3..15; the benchmark goes beyond it on purpose.
    if let Some(i) = cfg.params.specs.iter().position(|s| s.key == "nodes") {
        cfg.params.values[i] = nodes as f64;
    }
    let (mut s, _) = labs::create(&cfg);
    s.set_keep_trace(false);
    let until = seconds * 1000 * MS;
    let wall = time(&mut || s.run_until(until)).max(1e-9);
    let commits = s.summary()["committed"].as_u64().unwrap_or(0);
    BenchResult {
        nodes,
        simulated_seconds: seconds,
        events: s.events(),
        wall_seconds: wall,
        sim_per_wall: seconds as f64 / wall,
        events_per_second: s.events() as f64 / wall,
        writes,
        commits,
        commits_per_second: commits as f64 / wall,
    }
}

/// Runs a networked lab at its defaults with its size parameter ([`crate::labs::LabDef::size`])
/// set to `size` (beyond the URL's range if need be) for `seconds` of simulated time; the
/// result's `nodes` is how many nodes actually ran. None for a lab without a network.
pub fn lab_run(
    lab: &str,
    size: u32,
    seconds: u64,
    time: impl FnOnce(&mut dyn FnMut()) -> f64,
) -> Option<BenchResult> {
    let def = labs::find(lab).filter(|l| l.is_network())?;
    let (mut cfg, _) = RunConfig::parse(&split_query(&format!("lab={lab}&seed=7")));
    if let Some(i) = cfg.params.specs.iter().position(|s| s.key == def.size) {
        cfg.params.values[i] = f64::from(size.clamp(1, 1000));
    }
    let (mut s, _) = labs::create(&cfg);
    s.set_keep_trace(false);
    let until = seconds * 1000 * MS;
    let wall = time(&mut || s.run_until(until)).max(1e-9);
    Some(BenchResult {
        nodes: s.n() as u32,
        simulated_seconds: seconds,
        events: s.events(),
        wall_seconds: wall,
        sim_per_wall: seconds as f64 / wall,
        events_per_second: s.events() as f64 / wall,
        writes: 0,
        commits: 0,
        commits_per_second: 0.0,
    })
}

/// How many runs of a case fit in `budget` wall seconds, judged from one trial run that took
/// `one_run`: at least 3, at most 25 (one run of a small lab takes well under a millisecond,
/// too short to time once on a busy machine).
pub fn runs_within(budget: f64, one_run: f64) -> usize {
    ((budget / one_run.max(1e-6)) as usize).clamp(3, 25)
}

/// One networked lab's figure in [`every_lab`].
#[derive(Clone, Debug)]
pub struct LabFigure {
    pub lab: &'static str,
    /// The size asked for (the lab's size parameter); `result.nodes` is how many ran.
    pub size: u32,
    /// The median of this many runs.
    pub runs: usize,
    pub result: BenchResult,
}

/// Every networked lab of the registry at its defaults, at each of `sizes` (its size
/// parameter, [`lab_run`]), for `seconds` of simulated time: the median of as many runs as fit
/// in about `budget` wall seconds ([`runs_within`], judged from a trial run). The native
/// runner (`distlab bench`) and the wasm benchmark (`tests/bench_web.rs`) both print these.
pub fn every_lab(
    sizes: &[u32],
    seconds: u64,
    budget: f64,
    mut time: impl FnMut(&mut dyn FnMut()) -> f64,
) -> Vec<LabFigure> {
    let mut out = Vec::new();
    for lab in labs::LABS.iter().filter(|l| l.is_network()) {
        for &size in sizes {
            let Some(trial) = lab_run(lab.id, size, seconds, &mut time) else {
                continue;
            };
            let runs = runs_within(budget, trial.wall_seconds);
            let result = repeat(runs, || {
                lab_run(lab.id, size, seconds, &mut time).unwrap_or_else(|| trial.clone())
            });
            out.push(LabFigure {
                lab: lab.id,
                size,
                runs,
                result,
            });
        }
    }
    out
}

/// One scheduler lab's figure in [`every_scale`].
#[derive(Clone, Debug, serde::Serialize)]
pub struct ScaleFigure {
    pub lab: &'static str,
    pub machines: u32,
    pub tasks: u32,
    /// Tasks placed (the rest found no machine).
    pub placed: u64,
    /// Median wall seconds of `runs` runs.
    pub wall_seconds: f64,
    pub runs: usize,
}

/// Every model lab of the registry with a scheduler at scale ([`labs::TimedModel::scale`]):
/// `tasks` tasks on `machines` machines, the median of as many runs as fit in about `budget`
/// wall seconds (at least 3). The figure is 10,000 machines and 100,000 tasks in at
/// most a second in wasm.
pub fn every_scale(
    machines: u32,
    tasks: u32,
    budget: f64,
    mut time: impl FnMut(&mut dyn FnMut()) -> f64,
) -> Vec<ScaleFigure> {
    let mut out = Vec::new();
    for lab in labs::LABS.iter() {
        let Some(scale) = lab.timed.and_then(|t| t.scale) else {
            continue;
        };
        let mut placed = 0;
        let trial = time(&mut || placed = scale(machines, tasks, 1));
        let runs = runs_within(budget, trial);
        let mut walls: Vec<f64> = (0..runs)
            .map(|_| time(&mut || placed = scale(machines, tasks, 1)))
            .collect();
        walls.sort_by(f64::total_cmp);
        out.push(ScaleFigure {
            lab: lab.id,
            machines,
            tasks,
            placed,
            wall_seconds: walls[walls.len() / 2],
            runs,
        });
    }
    out
}

/// Proof-of-work hashing as chain-pow's miners do it (SHA-256 of a block header with each
/// nonce, the other fields absorbed once): hashes per wall second over `tries` tries, the best
/// of `runs` timings.
pub fn pow_hashes_per_second(
    tries: u64,
    runs: usize,
    mut time: impl FnMut(&mut dyn FnMut()) -> f64,
) -> f64 {
    use crate::labs::coordination::chain_pow::{hash_with_nonce, header_state};
    let state = header_state(1, &[0; 32], 0, 0, &[]);
    let mut sink = 0u8;
    let best = (0..runs.max(1))
        .map(|_| {
            time(&mut || {
                for nonce in 0..tries {
                    sink ^= hash_with_nonce(&state, nonce)[0];
                }
            })
        })
        .fold(f64::INFINITY, f64::min);
    std::hint::black_box(sink);
    tries as f64 / best.max(1e-9)
}

/// The median run by wall time; `runs` is never empty (every caller runs a case at least
/// once).
fn median(mut runs: Vec<BenchResult>) -> BenchResult {
    runs.sort_by(|a, b| a.wall_seconds.total_cmp(&b.wall_seconds));
    let mid = runs.len() / 2;
    runs.swap_remove(mid)
}

/// Repeats one case `runs` times (at least once) and returns the median run: one 60 s run of
/// 5 nodes takes milliseconds, so a single timing is mostly noise.
pub fn repeat(runs: usize, mut one: impl FnMut() -> BenchResult) -> BenchResult {
    median((0..runs.max(1)).map(|_| one()).collect())
}

/// The figure the Raft issue asks for: `nodes`-node Raft with `writes` client writes per
/// simulated second against the same cluster with no writes. The two runs alternate, `pairs`
/// times, so a busy machine slows both alike; returns (election-only median, writes median,
/// how many times slower the writes run is in simulated/wall time).
pub fn writes_vs_election(
    nodes: u32,
    seconds: u64,
    writes: u64,
    pairs: usize,
    mut time: impl FnMut(&mut dyn FnMut()) -> f64,
) -> (BenchResult, BenchResult, f64) {
    let mut quiet = Vec::new();
    let mut busy = Vec::new();
    for _ in 0..pairs.max(1) {
        quiet.push(raft_writes(nodes, seconds, 0, &mut time));
        busy.push(raft_writes(nodes, seconds, writes, &mut time));
    }
    let (quiet, busy) = (median(quiet), median(busy));
    let slowdown = quiet.sim_per_wall / busy.sim_per_wall.max(1e-9);
    (quiet, busy, slowdown)
}
