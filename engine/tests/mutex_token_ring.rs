//! The token ring mutex (`mutex-token-ring`): the notes' worked behaviour (service in ring
//! order, a lone requester waits a rotation, every process gets the token each round), ring
//! repair, token regeneration, the partition lesson (two tokens), the checkers against a
//! broken variant, random crash schedules, determinism, the presets and the runner.

mod common;

use common::{config, fault_seed, run_json};
use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::labs::coordination::mutex_token_ring::{self as ring, RingNode};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::scenario;
use distlab_engine::sim::{Action, TraceKind};
use distlab_engine::{NodeId, Time, MS};

const LAB: &str = "mutex-token-ring";

fn session(q: &str) -> NetSession<RingNode> {
    let cfg = config(&format!("lab={LAB}&{q}"));
    labs::new_session::<RingNode>(&cfg.params, cfg.seed)
}

fn broken_session(q: &str) -> NetSession<RingNode> {
    let cfg = config(&format!("lab={LAB}&{q}"));
    let mut rc = ring::Config::from_params(&cfg.params);
    rc.broken_pass_early = true;
    ring::session_with(&cfg.params, &rc, cfg.seed)
}

fn scenario_session(id: &str) -> NetSession<RingNode> {
    let info = scenario::find(LAB, id).unwrap_or_else(|| panic!("no preset {id}"));
    let cfg = config(&format!("lab={LAB}&scenario={id}"));
    assert_eq!(cfg.seed, info.seed);
    let mut s = labs::new_session::<RingNode>(&cfg.params, cfg.seed);
    scenario::apply(info, &mut s.session).unwrap();
    s
}

/// (time, node, wait in ms) of every critical-section entry.
fn entries(s: &NetSession<RingNode>) -> Vec<(Time, NodeId, u64)> {
    s.session
        .sim
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            TraceKind::Note { node, key, value } if *key == "tokenring.enter" => {
                Some((r.time, *node, *value))
            }
            _ => None,
        })
        .collect()
}

fn count_notes(s: &NetSession<RingNode>, key: &str) -> usize {
    s.session
        .sim
        .trace()
        .iter()
        .filter(|r| matches!(&r.kind, TraceKind::Note { key: k, .. } if *k == key))
        .count()
}

fn violated(s: &NetSession<RingNode>, id: &str) -> usize {
    s.session
        .sim
        .violations()
        .iter()
        .filter(|v| v.invariant == id)
        .count()
}

fn sends(s: &NetSession<RingNode>, kind: &str, from: Time, to: Time) -> usize {
    s.session
        .sim
        .trace()
        .iter()
        .filter(|r| {
            r.time >= from
                && r.time < to
                && matches!(&r.kind, TraceKind::Send { kind: k, .. } if *k == kind)
        })
        .count()
}

#[test]
fn all_requesting_at_once_are_served_in_ring_order_with_waits_growing_by_position() {
    let mut s = scenario_session("tokenring-all-request");
    s.session.run_until(1_000 * MS);
    let e = entries(&s);
    let order: Vec<NodeId> = e.iter().map(|x| x.1).collect();
    assert_eq!(order, vec![1, 2, 3, 4, 0], "{e:?}");
    let waits: Vec<u64> = e.iter().map(|x| x.2).collect();
    // Each waits one more critical section (100 ms) and one more hop than the one before.
    for w in waits.windows(2) {
        assert!(w[1] >= w[0] + 100 + 10, "{waits:?}");
        assert!(w[1] <= w[0] + 100 + 30 + 1, "{waits:?}");
    }
    eprintln!("waits by service order n2..n5, n1: {waits:?}");
    assert!(s.session.sim.violations().is_empty());
    // Afterwards nobody asks, yet the token keeps visiting everyone: each 100 ms brings a
    // few passes, each a Token and an Ack.
    let (tokens, acks) = (
        sends(&s, "Token", 700 * MS, 1_000 * MS),
        sends(&s, "Ack", 700 * MS, 1_000 * MS),
    );
    assert!(
        tokens >= 10 && acks.abs_diff(tokens) <= 1,
        "{tokens} {acks}"
    );
}

#[test]
fn a_lone_requester_just_passed_waits_a_whole_rotation() {
    let mut s = scenario_session("tokenring-lone-requester");
    s.session.run_until(500 * MS);
    let e = entries(&s);
    assert_eq!(e.len(), 1);
    let (at, node, wait) = e[0];
    assert_eq!(node, 0);
    // Eight hops of 10–30 ms: the token went round seven others who did not want it.
    assert!((80..=240).contains(&wait), "{wait}");
    let tokens = sends(&s, "Token", 0, at + 1);
    let acks = sends(&s, "Ack", 0, at + 1);
    assert_eq!((tokens, acks), (8, 8), "one rotation: 8 Tokens and 8 Acks");
    let m = s.session.sim.monitor();
    assert_eq!(m.entries, 1);
    eprintln!(
        "lone requester: wait {wait} ms, {} messages for 1 entry in 500 ms",
        m.messages
    );
}

/// Mean wait per ring position at a given load (requests per process per second).
fn waits_at(rate: f64, weight: u32, seeds: u64) -> Vec<f64> {
    let mut sum = [0.0; 5];
    for seed in 1..=seeds {
        let mut s = session(&format!("seed={seed}&rate={rate}&weight={weight}"));
        s.session.run_until(30_000 * MS);
        assert!(s.session.sim.violations().is_empty());
        let m = s.session.sim.monitor();
        for (i, x) in sum.iter_mut().enumerate() {
            *x += m.mean_wait_ms(i) / seeds as f64;
        }
    }
    sum.to_vec()
}

#[test]
fn waiting_time_by_ring_position_as_load_varies() {
    // Under random arrivals the steady state is symmetric: no position is favoured over a
    // long run (the notes' “position” effect is about where the token is when one asks, as in
    // the presets above). The wait grows with load; weighted turns favour n1.
    let low = waits_at(0.5, 1, 12);
    let high = waits_at(1.5, 1, 12);
    let weighted = waits_at(1.5, 3, 12);
    eprintln!("mean wait (ms) by position n1..n5");
    eprintln!("  rate 0.5/s:             {low:.1?}");
    eprintln!("  rate 1.5/s:             {high:.1?}");
    eprintln!("  rate 1.5/s, n1 weight 3: {weighted:.1?}");
    let spread = |v: &[f64]| {
        let (lo, hi) = v
            .iter()
            .fold((f64::MAX, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        hi / lo
    };
    assert!(spread(&low) < 1.25, "{low:?}");
    assert!(spread(&high) < 1.25, "{high:?}");
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(mean(&high) > 1.5 * mean(&low), "{low:?} {high:?}");
    assert!(weighted[0] < weighted[1..].iter().cloned().fold(f64::MAX, f64::min));
}

#[test]
fn messages_per_entry_fall_as_load_rises() {
    let per_entry = |rate: f64| {
        let mut s = session(&format!("seed=2&rate={rate}"));
        s.session.run_until(20_000 * MS);
        let m = s.session.sim.monitor();
        m.messages as f64 / m.entries.max(1) as f64
    };
    let (low, high) = (per_entry(0.2), per_entry(3.0));
    eprintln!("messages per entry: rate 0.2/s {low:.1}, rate 3/s {high:.1}");
    // The token visits everyone whether or not they need it: at low load many passes per
    // entry; at saturation about one pass (a Token and an Ack) per entry.
    assert!(low > 20.0, "{low}");
    assert!(high < 3.0, "{high}");
}

#[test]
fn a_dead_successor_is_skipped_and_served_again_after_restart() {
    let mut s = scenario_session("tokenring-dead-successor");
    s.session.run_until(4_000 * MS);
    let e = entries(&s);
    let skips: Vec<(Time, NodeId, u64)> = s
        .session
        .sim
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            TraceKind::Note { node, key, value } if *key == "tokenring.skip" => {
                Some((r.time, *node, *value))
            }
            _ => None,
        })
        .collect();
    assert!(skips.len() >= 4, "{skips:?}");
    assert!(skips
        .iter()
        .all(|&(t, n, v)| n == 1 && v == 3 && (1_000 * MS..3_200 * MS).contains(&t)));
    // Service goes on meanwhile, and n3 is served again after its restart.
    assert!(e
        .iter()
        .any(|&(t, n, _)| n != 2 && t > 1_200 * MS && t < 3_000 * MS));
    assert!(e.iter().any(|&(t, n, _)| n == 2 && t > 3_000 * MS));
    assert_eq!(s.session.sim.monitor().regenerations, 0);
    assert!(s.session.sim.violations().is_empty());
}

#[test]
fn a_lost_token_is_regenerated_once_after_the_loss_timeout() {
    let mut s = scenario_session("tokenring-holder-crash");
    s.session.run_until(1_800 * MS - 1);
    assert!(
        s.session.sim.node(2).in_cs,
        "the preset crashes n3 in its critical section"
    );
    s.session.run_until(8_000 * MS);
    let m = s.session.sim.monitor();
    assert_eq!(m.regenerations, 1);
    let regen = s
        .session
        .sim
        .trace()
        .iter()
        .find(|r| matches!(&r.kind, TraceKind::Note { key, .. } if *key == "tokenring.regenerate"))
        .map(|r| r.time)
        .unwrap();
    // The loss timeout (2 s + jitter) runs from when each process last saw the token; the
    // first claims are refused by processes that saw it less than 2 s ago, and those
    // claimers wait a whole timeout again before the next claim succeeds.
    assert!((3_800 * MS..6_000 * MS).contains(&regen), "{regen}");
    assert!(count_notes(&s, "tokenring.refused") >= 1);
    // Service resumes after regeneration.
    assert!(entries(&s).iter().any(|&(t, _, _)| t > regen));
    assert!(
        s.session.sim.violations().is_empty(),
        "{:?}",
        s.session.sim.violations()
    );
    assert_eq!(s.check_eventually(), 0);
}

#[test]
fn a_partitioned_token_is_regenerated_and_mutual_exclusion_breaks() {
    let mut s = scenario_session("tokenring-partition-two-tokens");
    s.session.run_until(7_000 * MS);
    let m = s.session.sim.monitor();
    assert_eq!(m.regenerations, 1, "one side regenerates");
    assert!(violated(&s, "one-token") >= 1);
    assert!(violated(&s, "mutual-exclusion") >= 1, "the lesson");
    // Every violation is during the partition; after the heal the old token is discarded.
    assert!(s
        .session
        .sim
        .violations()
        .iter()
        .all(|v| v.time > 1_000 * MS && v.time < 5_200 * MS));
    assert!(m.stale >= 1);
    let holders = (0..5)
        .filter(|&i| s.session.sim.node(i).holding.is_some())
        .count();
    assert!(holders <= 1 && m.tokens_on_wire() + holders == 1);
}

#[test]
fn weighted_turns_give_n1_about_three_times_the_entries() {
    let mut s = scenario_session("tokenring-weighted");
    s.session.run_until(5_000 * MS);
    let m = s.session.sim.monitor();
    let e: Vec<u64> = m.waits.iter().map(|w| w.0).collect();
    eprintln!("entries by node with n1 weight 3: {e:?}");
    for &other in &e[1..] {
        assert!(e[0] >= 5 * other / 2 && e[0] <= 3 * other + 3, "{e:?}");
    }
    assert!(s.session.sim.violations().is_empty());
}

#[test]
fn every_preset_parses_and_replays_from_its_log() {
    for info in scenario::list(LAB) {
        assert!(info.actions().is_ok(), "{}", info.id);
        let mut s = scenario_session(info.id);
        s.session.run_until(info.duration_ms * MS);
        let cfg = config(&format!("lab={LAB}&scenario={}", info.id));
        let (mut replay, err) = labs::create(&cfg);
        assert!(err.is_none());
        replay.run_until(info.duration_ms * MS);
        assert_eq!(replay.trace_hash(), s.trace_hash(), "{}", info.id);
        // By each preset's end every waiting process is being served again.
        assert_eq!(s.check_eventually(), 0, "{}: {:?}", info.id, s.violations());
    }
}

#[test]
fn the_request_command_queues_a_request() {
    let mut s = session("rate=0");
    s.session.run_until(50 * MS);
    s.act(Action::command(3, "request")).unwrap();
    s.session.run_until(500 * MS);
    assert_eq!(entries(&s).iter().map(|e| e.1).collect::<Vec<_>>(), [3]);
    assert_eq!(s.check_eventually(), 0);
}

/// Random crash/restart schedules: on reliable FIFO links with crash-stop processes the
/// algorithm promises mutual exclusion and one token.
fn crash_schedule(i: u64) -> (String, FaultSpec, u64) {
    let n = 2 + i % 7;
    let rate = [0.5, 2.0, 6.0][(i / 7 % 3) as usize];
    let weight = 1 + i / 21 % 3;
    let q = format!("lab={LAB}&seed={i}&nodes={n}&rate={rate}&weight={weight}&cs=50");
    let k = [0.5, 1.0, 2.0][(i % 3) as usize];
    let spec = FaultSpec {
        crash: 0.4 * k,
        restart: 1.0,
        partition: 0.0,
        heal: 0.0,
        drop: 0.0,
        pause: 0.0,
    };
    (q, spec, fault_seed(i))
}

#[test]
fn mutual_exclusion_and_one_token_hold_under_2000_random_crash_schedules() {
    const RUNS: u64 = 2_000;
    let (mut crashes, mut regens, mut entries_total) = (0, 0, 0u64);
    let mut failures = Vec::new();
    for i in 0..RUNS {
        let (q, spec, fs) = crash_schedule(i);
        let cfg = config(&q);
        let mut s = labs::new_session::<RingNode>(&cfg.params, cfg.seed);
        FaultDriver::new(spec, fs).run(&mut s, 4_000 * MS);
        crashes += s
            .actions()
            .iter()
            .filter(|a| matches!(a.action, Action::Crash { .. }))
            .count();
        let m = s.session.sim.monitor();
        regens += m.regenerations;
        entries_total += m.entries;
        if !s.violations().is_empty() {
            failures.push(format!("{q} faults {fs}: {:?}", s.violations()));
        }
    }
    eprintln!(
        "{RUNS} schedules: {crashes} crashes, {regens} regenerations, {entries_total} entries"
    );
    assert!(failures.is_empty(), "{}: {failures:#?}", failures.len());
    assert!(crashes > 5_000 && regens > 200 && entries_total > 20_000);
}

#[test]
fn partitions_pauses_and_drops_do_break_it_sometimes() {
    // Outside the promise (the timeouts' assumptions fail): the checkers must see it.
    let mut broken = 0;
    for i in 0..300 {
        let cfg = config(&format!("lab={LAB}&seed={i}&rate=4"));
        let mut s = labs::new_session::<RingNode>(&cfg.params, cfg.seed);
        let spec = FaultSpec::parse("crash=0.2,restart=1,partition=0.3,heal=0.3,drop=2,pause=0.2")
            .unwrap();
        FaultDriver::new(spec, fault_seed(i)).run(&mut s, 5_000 * MS);
        broken += usize::from(violated(&s, "mutual-exclusion") > 0);
    }
    eprintln!("300 schedules with partitions, pauses and drops: {broken} broke mutual exclusion");
    assert!(broken > 10, "{broken}");
}

#[test]
fn every_request_is_granted_without_faults() {
    for seed in 1..=20 {
        let mut s = session(&format!("seed={seed}&rate=1.5&nodes={}", 2 + seed % 6));
        s.session.run_until(10_000 * MS);
        assert_eq!(s.check_eventually(), 0, "seed {seed}");
        assert!(s.session.sim.violations().is_empty(), "seed {seed}");
        assert_eq!(s.session.sim.monitor().regenerations, 0, "seed {seed}");
    }
}

#[test]
fn the_checker_catches_a_ring_that_passes_the_token_on_entry() {
    let mut caught = 0;
    for seed in 1..=20 {
        let mut s = broken_session(&format!("seed={seed}&rate=3"));
        s.session.run_until(3_000 * MS);
        if violated(&s, "mutual-exclusion") > 0 {
            caught += 1;
        }
        assert_eq!(violated(&s, "one-token"), 0, "the token is still unique");
    }
    assert_eq!(caught, 20);
}

#[test]
fn same_seed_same_trace_and_another_seed_differs() {
    let run = |seed: u64| {
        let mut s = session(&format!("seed={seed}&rate=2"));
        FaultDriver::new(FaultSpec::parse("crash=0.3,restart=1").unwrap(), 7)
            .run(&mut s, 3_000 * MS);
        s.trace_hash()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
    assert_eq!(count_notes(&session("seed=1"), "tokenring.enter"), 0);
}

#[test]
fn the_runner_runs_it() {
    let v = run_json(&["run", LAB, "--seed", "3", "--until", "5s"]);
    assert_eq!(v["lab"], LAB);
    assert_eq!(v["violations"].as_array().map(Vec::len), Some(0));
    let stats = &v["summary"]["stats"];
    assert!(stats["tokenring.entries"].as_f64().unwrap() > 0.0);
    assert!(stats["tokenring.messages_per_entry"].as_f64().unwrap() > 1.0);
    assert_eq!(
        v["summary"]["mean_wait_ms_by_position"]
            .as_array()
            .map(Vec::len),
        Some(5)
    );
}

#[test]
fn a_ring_of_one_keeps_the_token_and_serves_every_request() {
    let mut s = session("nodes=1&rate=2");
    s.session.run_until(10_000 * MS);
    assert!(s.session.sim.monitor().entries >= 10);
    assert_eq!(s.session.sim.monitor().messages, 0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.session.sim.violations().is_empty());
}

/// The id of a message of `kind` on the wire.
fn on_wire(s: &NetSession<RingNode>, kind: &str) -> Option<(u64, NodeId, NodeId)> {
    s.session
        .sim
        .inflight()
        .find(|m| m.kind == kind)
        .map(|m| (m.id, m.from, m.to))
}

/// Runs in 1 ms steps until a message of `kind` is on the wire.
fn until_on_wire(s: &mut NetSession<RingNode>, kind: &str) -> (u64, NodeId, NodeId) {
    for _ in 0..1_000 {
        if let Some(m) = on_wire(s, kind) {
            return m;
        }
        let t = s.session.now() + MS;
        s.session.run_until(t);
    }
    panic!("no {kind} on the wire");
}

#[test]
fn a_dropped_token_is_resent_past_its_receiver() {
    let mut s = session("rate=0");
    s.session.run_until(500 * MS);
    let (id, from, to) = until_on_wire(&mut s, "Token");
    s.act(Action::Drop { msg: id }).unwrap();
    s.session.run_until(1_500 * MS);
    // No Ack came: the sender skipped the receiver and the token lives on; nothing broke.
    let skipped: Vec<(NodeId, u64)> = s
        .session
        .sim
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            TraceKind::Note { node, key, value } if *key == "tokenring.skip" => {
                Some((*node, *value))
            }
            _ => None,
        })
        .collect();
    assert_eq!(skipped, vec![(from, to as u64 + 1)]);
    assert_eq!(s.session.sim.monitor().regenerations, 0);
    assert!(s.session.sim.violations().is_empty());
}

#[test]
fn a_dropped_ack_makes_a_second_copy_that_is_discarded_as_a_duplicate() {
    let mut s = session("rate=0");
    s.session.run_until(500 * MS);
    let (id, _, _) = until_on_wire(&mut s, "Ack");
    s.act(Action::Drop { msg: id }).unwrap();
    s.session.run_until(1_500 * MS);
    // The sender believes its successor dead and passes its copy further on: two copies,
    // until the older one reaches a process that has seen a later hop.
    assert_eq!(violated(&s, "one-token"), 1);
    assert_eq!(count_notes(&s, "tokenring.duplicate"), 1);
    let held = (0..5)
        .filter(|&i| s.session.sim.node(i).holding.is_some())
        .count();
    assert_eq!(held + s.session.sim.monitor().tokens_on_wire(), 1);
}

#[test]
fn the_dropped_token_preset_skips_n2_once() {
    let mut s = scenario_session("tokenring-dropped-token");
    s.session.run_until(1_000 * MS);
    let dropped = s.session.sim.trace().iter().any(|r| {
        matches!(
            &r.kind,
            TraceKind::Drop {
                msg: 50,
                from: 0,
                to: 1,
                kind: "Token",
                ..
            }
        )
    });
    assert!(dropped, "the preset drops n1's Token to n2");
    assert_eq!(count_notes(&s, "tokenring.skip"), 1);
    assert_eq!(s.session.sim.monitor().regenerations, 0);
    assert!(s.session.sim.violations().is_empty());
}

#[test]
fn the_liveness_checker_catches_a_process_that_is_always_skipped() {
    // Cut n1 → n2 one way: n1's Tokens never reach n2, so n1 skips it every round and n2's
    // requests wait for ever (outside the lab's fault-free promise; the checker must say so).
    let mut s = session("rate=2");
    s.session.run_until(100 * MS);
    s.act(Action::decode("y0-1").unwrap()).unwrap();
    s.session.run_until(10_000 * MS);
    assert!(s.check_eventually() >= 1);
    let v = s.session.sim.violations();
    assert!(v
        .iter()
        .any(|v| v.invariant == "every-request-granted" && v.text.starts_with("n2 ")));
}
