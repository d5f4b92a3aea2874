//! Random fault schedules (the always properties hold, the eventual agreement holds once
//! quiet), the test-only broken miners the checker catches, and the native hashing speed.

use std::time::Instant;

use super::common::{calm, fault_rates, fault_seed};
use super::{invariants, node, preset_with, session_with};
use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::chain_pow::{
    hash_with_nonce, header_state, meets, Block, Config,
};
use distlab_engine::labs::LabSession;
use distlab_engine::sim::Action;
use distlab_engine::{Time, MS};

const SCHEDULES: u64 = 2_000;
const FAULTY: Time = 2_000 * MS;
const QUIET: Time = 4_000 * MS;

/// A random run: `i` picks the parameters (2–5 miners with mixed powers, difficulty 1 or 2,
/// latency, loss and duplicates), then 2 s of random crashes, restarts, pauses, partitions
/// and drops, then calm for 3 s.
fn random_run(
    i: u64,
    set: impl Fn(&mut Config),
) -> distlab_engine::labs::NetSession<distlab_engine::labs::coordination::chain_pow::Pow> {
    let miners = 2 + i % 4;
    let power: Vec<String> = (0..miners).map(|m| (1 + (i + m) % 3).to_string()).collect();
    let k = 1 + i % 2;
    let (hashrate, tick) = if k == 1 { (1, 200) } else { (1, 10) };
    let q = format!(
        "lab=chain-pow&seed={i}&miners={miners}&power={}&difficulty={k}&hashrate={hashrate}&tick={tick}&rate={}&confirmations={}&latency_min=5&latency_max={}&loss={}&dup={}",
        power.join(","),
        [2, 5, 10][(i % 3) as usize],
        1 + i % 4,
        10 + i % 5 * 15,
        [0, 5, 20][(i / 3 % 3) as usize],
        [0, 5, 20][(i / 5 % 3) as usize],
    );
    let mut s = session_with(&q, set);
    s.set_keep_trace(false);
    let intensity = 0.5 + (i % 4) as f64 * 0.5;
    FaultDriver::new(fault_rates(intensity, 0.6, 0.5, 0.3), fault_seed(i)).run(&mut s, FAULTY);
    calm(&mut s);
    s.run_until(FAULTY + QUIET);
    s.check_eventually();
    s
}

/// Under random faults every node's chain stays valid and on its longest branch, and once
/// quiet the nodes agree on every block deep enough. Reversed payments (a partition's lesson)
/// are counted, not failures.
#[test]
fn properties_hold_under_random_faults() {
    let start = Instant::now();
    let (mut crashes, mut partitions, mut drops, mut pauses) = (0, 0, 0, 0);
    let (mut blocks, mut reorgs, mut reversed, mut deepest) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let s = random_run(i, |_| {});
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => crashes += 1,
                Action::Partition { .. } => partitions += 1,
                Action::Drop { .. } => drops += 1,
                Action::Pause { .. } => pauses += 1,
                _ => {}
            }
        }
        let m = s.session.sim.monitor();
        blocks += m.mined;
        reorgs += m.reorgs;
        reversed += m.reversed;
        deepest = deepest.max(m.deepest_reorg);
        let bad: Vec<_> = s
            .violations()
            .iter()
            .filter(|v| v.invariant != "no-reversal")
            .collect();
        if !bad.is_empty() {
            failures.push(format!("schedule {i}: {bad:?}"));
        }
    }
    println!(
        "{SCHEDULES} schedules in {:.1} s: {crashes} crashes, {pauses} pauses, {partitions} partitions, \
         {drops} drops; {blocks} blocks mined, {reorgs} reorganizations (deepest {deepest}), \
         {reversed} confirmed payments reversed (the lesson, not a failure)",
        start.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(crashes > 1_000 && partitions > 500 && drops > 1_000 && pauses > 300);
    assert!(blocks > 20_000 && reorgs > 1_000);
}

/// A miner that takes the first nonce it tries, whatever the hash: its own chain holds a
/// block that misses the difficulty — caught by valid-chain. The others reject the block.
#[test]
fn a_cheating_miner_is_caught() {
    let s = random_run(3, |c| c.broken_cheat = true);
    assert!(
        invariants(&s).contains(&"valid-chain"),
        "{:?}",
        s.violations()
    );
    let v = s
        .violations()
        .iter()
        .find(|v| v.invariant == "valid-chain")
        .expect("caught");
    assert!(v.text.starts_with("m1's chain"), "{}", v.text);
    // The other miners rejected its blocks: their chains meet the difficulty.
    for i in 1..s.n() {
        let n = node(&s, i);
        assert!(n.chain[1..].iter().all(|h| meets(h, n.config().difficulty)));
    }
    // When every node also skips the proof-of-work check, the bad blocks spread to every
    // chain (each bad block is reported once, at the first chain seen holding it).
    let mut s = preset_with("pow-normal", |c| {
        c.broken_cheat = true;
        c.broken_accept_any = true;
    });
    s.run_until(3_000 * MS);
    assert!(invariants(&s).contains(&"valid-chain"));
    for i in 0..s.n() {
        let n = node(&s, i);
        assert!(n.chain[1..].iter().any(|h| !meets(h, 3)), "node {i}");
    }
}

/// Nodes that never switch to a longer branch (only extend their own tip): caught by
/// longest-chain in the fork preset, and under random faults.
#[test]
fn a_miner_that_keeps_its_branch_is_caught() {
    let mut s = preset_with("pow-fork", |c| c.broken_no_switch = true);
    s.run_until(10_000 * MS);
    assert!(
        invariants(&s).contains(&"longest-chain"),
        "{:?}",
        s.violations()
    );
    let caught = (0..50)
        .filter(|&i| {
            random_run(i, |c| c.broken_no_switch = true)
                .violations()
                .iter()
                .any(|v| v.invariant == "longest-chain" || v.invariant == "prefix-agreement")
        })
        .count();
    assert!(caught >= 25, "{caught} of 50");
}

/// Hashes per second natively (one SHA-256 of a block header per try, as the miners do);
/// printed for the report (run with --nocapture, preferably with --release).
#[test]
fn native_hash_rate() {
    let mut s = preset_with("pow-normal", |_| {});
    let start = Instant::now();
    s.run_until(30_000 * MS);
    let secs = start.elapsed().as_secs_f64();
    let hashes: u64 = (0..4).map(|i| node(&s, i).tries).sum();
    println!(
        "lab: {hashes} hashes in {secs:.3} s of wall time for 30 s simulated: {:.0} hashes/s (with the simulation)",
        hashes as f64 / secs
    );
    let mut b = Block::genesis();
    let start = Instant::now();
    let n = 300_000u64;
    let mut zeros = 0;
    for nonce in 0..n {
        b.nonce = nonce;
        if b.compute_hash()[0] == 0 {
            zeros += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "raw: {n} header hashes in {secs:.3} s: {:.0} hashes/s ({zeros} with a zero first byte)",
        n as f64 / secs
    );
    // The miners' inner loop: the header's other fields absorbed once, one nonce per try.
    let state = header_state(1, &b.hash, 0, 0, &[]);
    let start = Instant::now();
    let n = 2_000_000u64;
    let mut found = 0;
    for nonce in 0..n {
        if meets(&hash_with_nonce(&state, nonce), 3) {
            found += 1;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "mining loop: {n} tries in {secs:.3} s: {:.0} hashes/s ({found} hashes with 3 leading zero digits, expected {:.0})",
        n as f64 / secs,
        n as f64 / 4096.0
    );
    assert!(zeros > 0 && hashes > 0 && found > 0);
}
