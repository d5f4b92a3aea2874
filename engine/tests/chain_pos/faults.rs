//! Random fault schedules (the always properties hold, the eventual agreement holds once
//! quiet) and the test-only broken validators the checker catches.

use std::time::Instant;

use super::common::{calm, fault_rates, fault_seed};
use super::{invariants, node, preset_with, session_with};
use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::chain_pos::{Config, Pos};
use distlab_engine::labs::{LabSession, NetSession};
use distlab_engine::sim::Action;
use distlab_engine::{Time, MS};

const SCHEDULES: u64 = 2_000;
const FAULTY: Time = 2_000 * MS;
const QUIET: Time = 4_000 * MS;

/// A random run: `i` picks the parameters (2–5 validators with mixed stakes, slot 100–300 ms,
/// coin-age cap or none, latency under a ranking step, loss up to 10% and duplicates), then 2 s of random
/// crashes, restarts, pauses, partitions and drops, then calm for 4 s. (With a steady 20%
/// loss a node can, rarely — 1 run in 2,000 — still be on its own branch 6 blocks deep at the
/// check: every lost block makes the next in the ranking mint a fallback.)
fn random_run(i: u64, set: impl Fn(&mut Config)) -> NetSession<Pos> {
    let n = 2 + i % 4;
    let stakes: Vec<String> = (0..n)
        .map(|v| (10 + (i * 7 + v * 13) % 90).to_string())
        .collect();
    let slot = [100, 200, 300][(i % 3) as usize];
    // Blocks reach everyone within a step of the ranking (slot / validators): else the next
    // in line mints before the first choice's block arrives, every slot.
    let latency = (10 + i % 5 * 15).min(slot / n);
    let q = format!(
        "lab=chain-pos&seed={i}&validators={n}&stakes={}&slot={}&day={}&rate={}&max_age={}&latency_min=5&latency_max={}&loss={}&dup={}",
        stakes.join(","),
        slot,
        [10, 100][(i / 2 % 2) as usize],
        [5, 50][(i / 4 % 2) as usize],
        [0, 30, 90][(i / 3 % 3) as usize],
        latency,
        [0, 5, 10][(i / 3 % 3) as usize],
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

/// Under random faults every node's chain stays valid with rightful minters, and once quiet
/// the nodes agree on every block deep enough.
#[test]
fn properties_hold_under_random_faults() {
    let start = Instant::now();
    let (mut crashes, mut partitions, mut drops, mut pauses) = (0, 0, 0, 0);
    let (mut blocks, mut fallback, mut reorgs) = (0, 0, 0);
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
        blocks += m.minted;
        fallback += m.fallback;
        reorgs += m.reorgs;
        if !s.violations().is_empty() {
            failures.push(format!("schedule {i}: {:?}", s.violations()));
        }
    }
    println!(
        "{SCHEDULES} schedules in {:.1} s: {crashes} crashes, {pauses} pauses, {partitions} partitions, \
         {drops} drops; {blocks} blocks minted, {fallback} by a fallback, {reorgs} branch switches",
        start.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(crashes > 1_000 && partitions > 500 && drops > 1_000 && pauses > 300);
    assert!(blocks > 50_000 && fallback > 1_000 && reorgs > 500);
}

/// v1 mints at the start of every slot, claiming first place: its own chain holds a block it
/// had no right to — caught by rightful-minter; the others reject it. When every node also
/// skips the check, the bad blocks spread and are caught all the same.
#[test]
fn a_validator_minting_out_of_turn_is_caught() {
    let mut s = preset_with("pos-normal", |c| c.broken_out_of_turn = true);
    s.run_until(3_000 * MS);
    assert!(
        invariants(&s).contains(&"rightful-minter"),
        "{:?}",
        s.violations()
    );
    let v = s
        .violations()
        .iter()
        .find(|v| v.invariant == "rightful-minter")
        .expect("caught");
    assert!(v.text.starts_with("v1's chain"), "{}", v.text);
    assert!(s.session.sim.notes("pos.rejected").count() > 0);
    let mut s = preset_with("pos-normal", |c| {
        c.broken_out_of_turn = true;
        c.broken_accept_any = true;
    });
    s.run_until(3_000 * MS);
    assert!(invariants(&s).contains(&"rightful-minter"));
    let caught = (0..50)
        .filter(|&i| {
            invariants(&random_run(i, |c| c.broken_out_of_turn = true)).contains(&"rightful-minter")
        })
        .count();
    assert!(caught >= 45, "{caught} of 50");
}

/// Every node ranks by coins alone, ignoring coin age: they agree with each other, but the
/// checker's ranking by coin age disagrees — caught by rightful-minter.
#[test]
fn a_lottery_ignoring_coin_age_is_caught() {
    let mut s = preset_with("pos-normal", |c| c.broken_ignore_age = true);
    s.run_until(10_000 * MS);
    assert!(
        invariants(&s).contains(&"rightful-minter"),
        "{:?}",
        s.violations()
    );
    assert!(!invariants(&s).contains(&"chain-pos.valid-chain"));
    // Their chains still agree with each other: the fault is the rule, not a fork.
    assert_eq!(node(&s, 0).chain[..40], node(&s, 1).chain[..40]);
}
