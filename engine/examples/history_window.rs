//! The history window over a long run: 5-node Raft with client writes, a history budget, and
//! the recorded history's size, the window and the process's resident memory printed every
//! few simulated minutes. With the budget the history stays flat; without it, it grows.
//!
//! `cargo run --release -p distlab-engine --example history_window -- 120 200 64`
//! (simulated minutes, client writes per simulated second, budget in MiB; 0 = no budget).

use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs;
use distlab_engine::MS;

/// The process's resident memory in MiB (Linux), if known.
fn rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap_or(0))
        .collect();
    let arg = |i: usize, d: u64| args.get(i).copied().unwrap_or(d);
    let (minutes, writes, budget_mib) = (arg(0, 120), arg(1, 200), arg(2, 64));
    let (cfg, errors) = RunConfig::parse(&split_query(&format!(
        "lab=raft&seed=42&nodes=5&clients={writes}"
    )));
    assert!(errors.is_empty(), "{errors:?}");
    let (mut s, _) = labs::create(&cfg);
    let budget = (budget_mib > 0).then_some((budget_mib as usize) << 20);
    s.set_history_budget(budget);
    println!(
        "5-node Raft, {writes} writes/s, {minutes} simulated minutes, budget {}",
        budget.map_or("none".into(), |b| format!("{} MiB", b >> 20))
    );
    println!("sim min | history MiB | window start s | window s | trace records | RSS MiB");
    let started = std::time::Instant::now();
    let mut peak = 0usize;
    let step = 5;
    for m in (step..=minutes).step_by(step as usize) {
        s.run_until(m * 60_000 * MS);
        let bytes = s.history_bytes();
        peak = peak.max(bytes);
        println!(
            "{m:7} | {:11.1} | {:14.1} | {:8.1} | {:13} | {:7.1}",
            bytes as f64 / (1u64 << 20) as f64,
            s.window_start() as f64 / 1e6,
            (s.now() - s.window_start()) as f64 / 1e6,
            s.trace().len(),
            rss_mib().unwrap_or(f64::NAN)
        );
    }
    println!(
        "peak history {:.1} MiB; {} events; trace hash {}; {:.1} s wall",
        peak as f64 / (1u64 << 20) as f64,
        s.events(),
        s.trace_hash(),
        started.elapsed().as_secs_f64()
    );
}
