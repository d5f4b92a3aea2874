//! `distlab bench`: engine speed, printed as figures (text or JSON lines).

use distlab_engine::bench;
use serde_json::json;

use crate::{clock, progress, Io, OK};

/// Measure engine speed: Raft election only at 5 and 51 nodes, every networked lab at 5 and 51
/// (its size parameter), chain-pow's SHA-256 header hashes per second, every scheduler lab
/// placing 100,000 tasks on 10,000 machines, then 5-node Raft with W
/// client writes per simulated second measured alternately with election-only runs (the
/// slowdown)
///
/// Each figure is the median of as many runs as fit in about a second (3 to 25).
#[derive(clap::Args)]
pub struct BenchArgs {
    /// Simulated seconds per run
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub seconds: u64,
    /// Client writes per simulated second in the last figure (0 skips it)
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(0..=1000))]
    pub writes: u64,
    /// One JSON object per line instead of text
    #[arg(long)]
    pub json: bool,
}

pub fn bench(a: BenchArgs, io: &mut Io) -> u8 {
    let seconds = a.seconds;
    let bar = progress::bar(io.progress, 0, "bench runs");
    let time = |f: &mut dyn FnMut()| {
        bar.inc(1);
        clock(f)
    };
    let runs_in_a_second = |one_run: f64| bench::runs_within(1.0, one_run);
    let mut lines = Vec::new();
    for n in [5u32, 51] {
        let runs = runs_in_a_second(bench::raft_election(n, seconds, time).wall_seconds);
        let r = bench::repeat(runs, || bench::raft_election(n, seconds, time));
        lines.push(if a.json {
            let mut v = json!(r);
            v["runs"] = json!(runs);
            v.to_string()
        } else {
            format!(
                "raft nodes={n:<3} simulated={seconds}s wall={:.4}s  {:.0}x real time  {:.0} events/s  (median of {runs} runs)",
                r.wall_seconds, r.sim_per_wall, r.events_per_second
            )
        });
    }
    // Every networked lab of the registry at its defaults, scaled by its size parameter.
    for f in bench::every_lab(&[5, 51], seconds, 1.0, time) {
        let (r, runs) = (&f.result, f.runs);
        lines.push(if a.json {
            let mut v = json!(r);
            v["lab"] = json!(f.lab);
            v["runs"] = json!(runs);
            v.to_string()
        } else {
            format!(
                "{:<20} nodes={:<3} simulated={seconds}s wall={:.4}s  {:.0}x real time  {:.0} events/s  (median of {runs} runs)",
                f.lab, r.nodes, r.wall_seconds, r.sim_per_wall, r.events_per_second
            )
        });
    }
    // chain-pow's mining: SHA-256 of a header per try.
    let hashes = bench::pow_hashes_per_second(200_000, 5, time);
    lines.push(if a.json {
        json!({ "pow_hashes_per_second": hashes }).to_string()
    } else {
        format!("chain-pow hashing: {hashes:.0} SHA-256 headers/s (best of 5 runs of 200000)")
    });
    // The schedulers at scale: 10,000 machines, 100,000 tasks.
    for f in bench::every_scale(10_000, 100_000, 1.0, time) {
        lines.push(if a.json {
            json!(f).to_string()
        } else {
            format!(
                "{:<20} machines={} tasks={} placed={} wall={:.4}s  (median of {} runs)",
                f.lab, f.machines, f.tasks, f.placed, f.wall_seconds, f.runs
            )
        });
    }
    if a.writes > 0 {
        let writes = a.writes;
        // Against an election-only run measured alternately with it; a trial pair tells how
        // many pairs fit in about a second.
        let (trial_quiet, trial_busy, _) = bench::writes_vs_election(5, seconds, writes, 1, time);
        let pairs = runs_in_a_second(trial_quiet.wall_seconds + trial_busy.wall_seconds);
        let (quiet, r, slowdown) = bench::writes_vs_election(5, seconds, writes, pairs, time);
        if a.json {
            let mut v = json!(r);
            v["runs"] = json!(pairs);
            v["election_only_sim_per_wall"] = json!(quiet.sim_per_wall);
            v["slowdown_vs_election"] = json!(slowdown);
            lines.push(v.to_string());
        } else {
            lines.push(format!(
                "raft nodes=5   writes={writes}/s simulated={seconds}s wall={:.4}s  {:.0}x real time  {:.0} events/s  {} commits, {:.0} commits/s wall  (median of {pairs} runs)",
                r.wall_seconds, r.sim_per_wall, r.events_per_second, r.commits, r.commits_per_second
            ));
            lines.push(format!(
                "  writes vs election-only, measured alternately: {:.0}x vs {:.0}x real time = {slowdown:.2}x slower",
                r.sim_per_wall, quiet.sim_per_wall
            ));
        }
    }
    bar.finish_and_clear();
    for l in &lines {
        io.emit(l);
    }
    OK
}
