//! One Raft benchmark run, for profilers (`valgrind --tool=callgrind`, `perf`), which want a
//! single run rather than the bench command's median of many:
//! `cargo build --profile bench-native -p distlab-engine --example profile_raft &&
//!  valgrind --tool=callgrind target/bench-native/examples/profile_raft 5 300 100`
//! (nodes, simulated seconds, client writes per simulated second).

fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .map(|a| a.parse().unwrap_or(0))
        .collect();
    let arg = |i: usize, d: u64| args.get(i).copied().filter(|v| *v > 0).unwrap_or(d);
    let (nodes, seconds, writes) = (
        arg(0, 5) as u32,
        arg(1, 300),
        args.get(2).copied().unwrap_or(100),
    );
    let r = distlab_engine::bench::raft_writes(nodes, seconds, writes, |f| {
        let t = std::time::Instant::now();
        f();
        t.elapsed().as_secs_f64()
    });
    println!("{}", serde_json::to_string(&r).unwrap_or_default());
}
