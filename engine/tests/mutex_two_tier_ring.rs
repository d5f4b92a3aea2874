//! The two-tier token ring (`mutex-two-tier-ring`, notes 001 分布式互斥 (4)): the notes'
//! structure played step by step (entries LAN by LAN, one lap of messages), the comparison
//! with a flat ring of the same size, mutual exclusion under thousands of random fault
//! schedules, liveness without faults, the broken variant caught, determinism, the presets'
//! lessons and the runner.

mod common;

use common::{config, fault_rates, fault_seed, run_json, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::mutex_two_tier_ring::{self as twotier, Config, Node};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{Action, NodeStatus, TraceKind, TraceRecord};
use distlab_engine::{NodeId, Time, MS};

const LAB: &str = "mutex-two-tier-ring";

/// A session from a lab query (scenario presets included).
fn session(q: &str) -> Box<dyn LabSession> {
    let (s, err) = labs::create(&config(q));
    assert!(err.is_none(), "{q}: {err:?}");
    s
}

/// A session with an explicit configuration (flat ring, broken variant).
fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Node> {
    let cfg = config(q);
    let mut c = twotier::config(&cfg.params);
    set(&mut c);
    twotier::session_with(&cfg.params, &c, cfg.seed)
}

/// (record index, node) of every entry into the critical section.
fn entries(trace: &[TraceRecord]) -> Vec<(usize, NodeId)> {
    trace
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match &r.kind {
            TraceKind::Note { node, key, .. } if *key == "twotier.enter" => Some((i, *node)),
            _ => None,
        })
        .collect()
}

/// Token messages sent in records `from..to`: (local, global).
fn sends(trace: &[TraceRecord], from: usize, to: usize) -> (usize, usize) {
    let mut c = (0, 0);
    for r in &trace[from..to] {
        if let TraceKind::Send { kind, .. } = &r.kind {
            match *kind {
                "LocalToken" => c.0 += 1,
                "GlobalToken" => c.1 += 1,
                other => panic!("unexpected message {other}"),
            }
        }
    }
    c
}

fn summary_u64(s: &dyn LabSession, key: &str) -> u64 {
    s.summary()[key].as_u64().unwrap_or_else(|| panic!("{key}"))
}

#[test]
fn everyone_asks_entries_go_lan_by_lan_in_one_lap() {
    // The notes' structure: 3 LANs of 3 (coordinators n1, n4, n7). All nine ask at 100 ms.
    let mut s = session(&format!("lab={LAB}&scenario=twotier-all-request"));
    s.run_until(2_000 * MS);
    let e = entries(s.trace());
    let order: Vec<NodeId> = e.iter().map(|&(_, n)| n).collect();
    println!(
        "entry order: {:?}",
        order.iter().map(|n| n + 1).collect::<Vec<_>>()
    );
    assert_eq!(order.len(), 9, "{order:?}");
    // Visit order is n1 n2 n3 | n4 n5 n6 | n7 n8 n9, starting wherever the tokens were.
    let start = order[0];
    for (k, &n) in order.iter().enumerate() {
        assert_eq!(n, (start + k) % 9, "{order:?}");
    }
    // Between the first and the ninth entry the tokens walk one lap short of the hops back
    // into the first: a lap is 3 × 3 local hops (back to each coordinator) + 3 global hops.
    let (local, global) = sends(s.trace(), e[0].0, e[8].0);
    println!("first → ninth entry: {local} local, {global} global token messages");
    if start.is_multiple_of(3) {
        // Starts at a coordinator: the last LAN's return hop and its global hop are not walked.
        assert_eq!((local, global), (8, 2));
    } else {
        assert_eq!((local, global), (8, 3));
    }
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(s.check_eventually(), 0);
    // No more entries: nobody asks again, and the tokens keep circulating.
    assert!(summary_u64(s.as_ref(), "global_token_messages") > 3);
}

#[test]
fn a_lone_requester_pays_a_whole_lap() {
    let mut s = session(&format!("lab={LAB}&scenario=twotier-lone-requester"));
    s.run_until(1_500 * MS);
    let e = entries(s.trace());
    assert_eq!(e.iter().map(|&(_, n)| n).collect::<Vec<_>>(), vec![8]);
    let asked = s
        .trace()
        .iter()
        .position(|r| matches!(&r.kind, TraceKind::Command { node: 8, .. }))
        .expect("n9's request");
    let (local, global) = sends(s.trace(), asked, e[0].0);
    println!("n9 asked, then {local} local and {global} global messages before it entered");
    // At most one lap (9 local + 3 global) before the token reaches n9.
    assert!(local <= 9 && global <= 3, "{local} {global}");
    // And the lap goes on while nobody wants it: the token ring's weakness, on two levels.
    let (l_all, g_all) = sends(s.trace(), 0, s.trace().len());
    assert!(l_all + g_all > 5 * 12, "{l_all} {g_all}");
    assert!(stat(s.as_ref(), "twotier.messages_per_entry") > 60.0);
}

/// Messages per entry and mean wait of a run.
fn measure(s: &mut NetSession<Node>, until: Time) -> (f64, f64, f64, f64, u64) {
    s.run_until(until);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(s.check_eventually(), 0);
    let m = s.session.sim.monitor();
    let (local, global, total) = m.per_entry();
    (local, global, total, m.wait_mean_ms(), m.entries)
}

#[test]
fn two_tier_against_a_flat_ring_of_the_same_size() {
    // The flat ring is this lab with one LAN (no global token): n local hops per lap.
    println!(
        "{:>5} {:>9} {:>6} | {:>8} {:>8} {:>8} {:>8} | {:>8} {:>8}",
        "n", "rate/s", "shape", "local/e", "WAN/e", "total/e", "wait ms", "flat/e", "flat wt"
    );
    for (lans, per_lan) in [(3usize, 3usize), (3, 4), (4, 5)] {
        let n = lans * per_lan;
        for rate in [0.5, 20.0] {
            let q = format!("lab={LAB}&lans={lans}&per_lan={per_lan}&rate={rate}&cs=5&seed=7");
            let mut two = session_with(&q, |_| {});
            let (local, global, total, wait, e2) = measure(&mut two, 20_000 * MS);
            let mut flat = session_with(&q, |c| {
                c.lans = 1;
                c.per_lan = n;
            });
            let (f_local, f_global, f_total, f_wait, e1) = measure(&mut flat, 20_000 * MS);
            println!(
                "{n:>5} {rate:>9} {:>6} | {local:>8.2} {global:>8.2} {total:>8.2} {wait:>8.1} | {f_total:>8.2} {f_wait:>8.1}",
                format!("{lans}x{per_lan}")
            );
            assert!(e2 > 0 && e1 > 0);
            assert_eq!(f_global, 0.0, "a flat ring has no global token");
            assert_eq!(f_local, f_total);
            if rate >= 20.0 {
                // Saturated: everyone enters at every visit, so a lap gives n entries. The
                // flat ring pays 1 message per entry; the two-tier ring 1 local message per
                // entry plus lans/n global ones.
                assert!((f_total - 1.0).abs() < 0.05, "{f_total}");
                assert!((local - 1.0).abs() < 0.05, "{local}");
                let expect = lans as f64 / n as f64;
                assert!((global - expect).abs() < 0.05, "{global} vs {expect}");
            } else {
                // Light load: a lap costs n (flat) or n + lans (two-tier) messages whoever
                // wants it, so an entry costs several laps' worth of hops in both.
                assert!(total > 1.5 && f_total > 1.5, "{total} {f_total}");
                let lap_ratio = total / f_total;
                let expect = (n + lans) as f64 / n as f64;
                println!("      light load: two-tier/flat messages per entry {lap_ratio:.2} (laps: {expect:.2})");
            }
        }
    }
}

/// Random schedule `i`: shape, load, duplication and fault rates vary with `i`.
fn schedule(i: u64) -> (String, distlab_engine::faults::FaultSpec) {
    let lans = 2 + i % 3;
    let per_lan = 2 + (i / 3) % 4;
    let dup = if i.is_multiple_of(5) { 20 } else { 0 };
    // Gentle enough that tokens often survive a while (a lost token ends all entries).
    let k = 0.05 + (i % 8) as f64 * 0.05;
    let q = format!(
        "lab={LAB}&lans={lans}&per_lan={per_lan}&rate=4&cs=20&dup={dup}&seed={}",
        i + 1
    );
    (q, fault_rates(k, 0.3, 0.4, 0.5))
}

#[test]
fn mutual_exclusion_holds_under_2000_random_fault_schedules() {
    const SCHEDULES: u64 = 2_000;
    const UNTIL: Time = 4_000 * MS;
    let (mut entered, mut faults, mut with_dups, mut overlapping) = (0u64, 0usize, 0u64, 0u64);
    for i in 0..SCHEDULES {
        let (q, spec) = schedule(i);
        let mut s = session(&q);
        s.set_keep_trace(false);
        FaultDriver::new(spec, fault_seed(i)).run(s.as_mut(), UNTIL);
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
        let e = summary_u64(s.as_ref(), "entries");
        entered += e;
        // Runs where entries went on after the first fault.
        let first_fault = s.actions().first().map(|a| a.time);
        let last = s.summary()["last_entry_ms"].as_f64().unwrap_or(0.0);
        if first_fault.is_some_and(|t| (t / MS) as f64 <= last) {
            overlapping += 1;
        }
        faults += s.actions().len();
        if q.contains("dup=20") {
            with_dups += 1;
        }
    }
    println!(
        "{SCHEDULES} schedules ({with_dups} with 20% duplication): {faults} fault actions, \
         {entered} entries ({overlapping} runs with entries after their first fault), 0 violations"
    );
    assert!(faults > 2 * SCHEDULES as usize, "{faults}");
    assert!(entered > 10 * SCHEDULES, "{entered}");
    assert!(overlapping > SCHEDULES / 2, "{overlapping}");
}

#[test]
fn without_faults_every_request_is_granted() {
    for i in 0..200u64 {
        let lans = 2 + i % 3;
        let per_lan = 2 + (i / 3) % 4;
        let rate = [0.5, 2.0, 8.0][(i % 3) as usize];
        let q = format!("lab={LAB}&lans={lans}&per_lan={per_lan}&rate={rate}&seed={i}");
        let mut s = session(&q);
        s.set_keep_trace(false);
        s.run_until(5_000 * MS);
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
        assert_eq!(s.check_eventually(), 0, "{q}: {:?}", s.violations());
        assert!(summary_u64(s.as_ref(), "entries") > 0, "{q}");
    }
}

#[test]
fn a_starved_process_is_flagged_and_faults_excuse_a_stall() {
    // A broken variant whose last process of each LAN never enters: without faults the
    // eventually-check must flag it (n3, n6, n9 in three LANs of three).
    let q = format!("lab={LAB}&rate=2&seed=4");
    let mut s = session_with(&q, |c| c.broken_starve_last = true);
    s.run_until(5_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert!(s.check_eventually() > 0);
    let v = s.violations();
    assert!(
        v.iter().all(|v| v.invariant == "every-request-granted"),
        "{v:?}"
    );
    assert!(
        v[0].text.starts_with("n3 ")
            || v[0].text.starts_with("n6 ")
            || v[0].text.starts_with("n9 "),
        "{v:?}"
    );
    // A pause is a fault: a request stuck behind it is not judged.
    let mut s = session_with(&format!("lab={LAB}&rate=0&seed=2"), |_| {});
    s.act(Action::decode("p3").unwrap()).unwrap();
    s.act(Action::decode("k4-request").unwrap()).unwrap();
    s.run_until(5_000 * MS);
    assert_eq!(s.session.sim.node(4).pending.len(), 1, "n5 never got in");
    assert_eq!(s.check_eventually(), 0);
}

#[test]
fn the_broken_variant_lets_two_lans_in_at_once() {
    for seed in 1..=20u64 {
        let q = format!("lab={LAB}&rate=5&cs=30&seed={seed}");
        let mut broken = session_with(&q, |c| c.broken_ignore_global = true);
        broken.run_until(5_000 * MS);
        let v = broken.violations();
        assert!(
            !v.is_empty(),
            "seed {seed}: the checker missed the broken variant"
        );
        assert_eq!(v[0].invariant, "mutual-exclusion");
        assert!(v[0].text.contains("at once"), "{}", v[0].text);
        let mut good = session_with(&q, |_| {});
        good.run_until(5_000 * MS);
        assert!(good.violations().is_empty(), "{:?}", good.violations());
    }
}

#[test]
fn same_seed_same_trace_other_seed_differs() {
    let run = |seed: u64| {
        let mut s = session(&format!("lab={LAB}&rate=2&seed={seed}"));
        FaultDriver::new(fault_rates(1.0, 0.2, 0.2, 0.2), seed).run(s.as_mut(), 3_000 * MS);
        s.trace_hash()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn a_crashed_coordinator_stalls_every_lan() {
    let mut s = session(&format!("lab={LAB}&scenario=twotier-coordinator-crash"));
    s.run_until(4_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let before = entries(s.trace())
        .iter()
        .filter(|&&(i, _)| s.trace()[i].time < 1_000 * MS)
        .count();
    assert!(before > 5, "{before} entries before the crash");
    let summary = s.summary();
    let last = summary["last_entry_ms"].as_f64().expect("some entry");
    // The lap in progress may finish; after that nobody enters again, even after n4 returns.
    assert!(last < 1_600.0, "last entry at {last} ms");
    assert_eq!(s.headline().key, "twotier.headline.lost");
    assert_eq!(s.status(3), NodeStatus::Up, "n4 restarted");
    let waiting = summary_u64(s.as_ref(), "waiting_requests");
    assert!(waiting >= 6, "{waiting} requests waiting");
    // Faults excuse the stall: every-request-granted is not judged.
    assert_eq!(s.check_eventually(), 0);
}

#[test]
fn duplicated_tokens_are_discarded() {
    let mut s = session(&format!("lab={LAB}&scenario=twotier-duplicates"));
    s.run_until(4_000 * MS);
    let dups = s
        .trace()
        .iter()
        .filter(|r| matches!(r.kind, TraceKind::Duplicate { .. }))
        .count();
    let stale = s
        .trace()
        .iter()
        .filter(|r| matches!(&r.kind, TraceKind::Note { key, .. } if *key == "twotier.stale"))
        .count();
    println!("{dups} duplicated messages, {stale} discarded tokens");
    assert!(dups > 20 && stale > 20, "{dups} {stale}");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert!(summary_u64(s.as_ref(), "entries") > 20);
    assert_eq!(s.check_eventually(), 0, "duplicates delay nobody");
}

#[test]
fn the_runner_runs_it() {
    let v = run_json(&["run", LAB, "--seed", "3", "--until", "5s"]);
    assert_eq!(v["lab"], LAB);
    assert_eq!(v["violations"].as_array().map(Vec::len), Some(0));
    let summary = &v["summary"];
    assert!(summary["entries"].as_u64().unwrap_or(0) > 0, "{summary}");
    let stats = &summary["stats"];
    for k in [
        "twotier.local_per_entry",
        "twotier.global_per_entry",
        "twotier.messages_per_entry",
        "twotier.wait_mean",
    ] {
        assert!(stats[k].as_f64().is_some(), "{k}: {stats}");
    }
}

#[test]
fn every_key_shown_is_in_the_lab_texts_or_the_shared_table() {
    // The app's contract test checks all tables; here, the lab's own rows plus the keys the
    // app's shared table provides (cmd.request and the two properties).
    const SHARED: &[&str] = &[
        "cmd.request",
        "inv.mutual-exclusion",
        "inv.every-request-granted",
    ];
    let def = labs::find(LAB).expect("registered");
    let has = |k: &str| SHARED.contains(&k) || def.texts.iter().any(|(key, _, _)| *key == k);
    for (k, en, zh) in def.texts {
        assert!(!en.is_empty() && !zh.is_empty(), "{k}");
        assert!(!SHARED.contains(k), "{k} belongs to the shared table");
    }
    let mut queries = vec![format!("lab={LAB}&rate=3")];
    queries.extend(
        def.scenarios
            .iter()
            .map(|sc| format!("lab={LAB}&scenario={}", sc.id)),
    );
    for q in queries {
        let mut s = session(&q);
        FaultDriver::new(fault_rates(0.3, 0.3, 0.3, 0.3), 3).run(s.as_mut(), 4_000 * MS);
        s.check_eventually();
        for p in s.properties() {
            assert!(has(&format!("inv.{}", p.id)), "{q}: inv.{}", p.id);
        }
        for k in s.kinds() {
            assert!(has(&format!("kind.{}", k.id)), "{q}: kind.{}", k.id);
            for c in k.commands {
                assert!(has(&format!("cmd.{}", c.name)), "{q}: cmd.{}", c.name);
            }
        }
        assert!(has(s.headline().key), "{q}: {}", s.headline().key);
        for st in s.stats() {
            assert!(has(&format!("stat.{}", st.key)), "{q}: stat.{}", st.key);
        }
        for node in s.view().nodes {
            assert!(
                has(&format!("role.{}", node.role)),
                "{q}: role.{}",
                node.role
            );
            for (k, _) in node.details {
                assert!(has(&format!("detail.{k}")), "{q}: detail.{k}");
            }
            for p in node.panels {
                if let labs::Panel::Queue { title, .. } = p {
                    assert!(has(title), "{q}: {title}");
                }
            }
        }
        for r in s.trace() {
            match &r.kind {
                TraceKind::Note { key, .. } => assert!(has(&format!("note.{key}")), "{q}: {key}"),
                TraceKind::Timer { name, .. } => {
                    assert!(has(&format!("timer.{name}")), "{q}: timer.{name}")
                }
                _ => {}
            }
        }
    }
    for sc in def.scenarios {
        assert!(has(&format!("scenario.{}", sc.id)) && has(&format!("scenario.{}.about", sc.id)));
    }
    assert!(has(&format!("lab.{LAB}.about")));
    for k in [
        "twotier.headline.lan",
        "twotier.headline.lan_moving",
        "twotier.headline.moving",
    ] {
        assert!(has(k), "{k}");
    }
}
