//! The failure-detection lab (`failure-detect`): the φ formula (Akka's logistic
//! approximation), the notes' comparison on a steady link worked out to the tick, each preset's
//! lesson, the properties under thousands of random fault schedules (completeness checked
//! after a final crash; heartbeats always clear suspicion), two test-only broken detectors
//! caught, determinism, bad input, and the runner (run and the trade-off batch).

mod common;

use common::{config, distlab, fault_rates, fault_seed, faulted_hash, run_json, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::availability::failure_detect::{
    self, normal_cdf, phi, y_bound, Config, Fd, Phi, PhiParams, MONITOR_NODE, SENDER_NODE,
};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{notes, Action, NodeStatus};
use distlab_engine::{Time, MS};

const LAB: &str = "failure-detect";

fn session(q: &str) -> NetSession<Fd> {
    let cfg = config(q);
    failure_detect::session(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Fd> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    failure_detect::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, run to its end.
fn preset(id: &str) -> NetSession<Fd> {
    let mut s = session(&format!("lab={LAB}&scenario={id}"));
    let info = labs::find(LAB)
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s.run_until(info.duration_ms * MS);
    s.check_eventually();
    s
}

fn monitor(s: &NetSession<Fd>) -> &Fd {
    s.session.sim.node(MONITOR_NODE)
}

/// Violations other than the lesson (false suspicions).
fn bugs(s: &NetSession<Fd>) -> Vec<String> {
    s.violations()
        .iter()
        .filter(|v| v.invariant != "failure-detect.accuracy")
        .map(|v| format!("{} at {} ms: {}", v.invariant, v.time / MS, v.text))
        .collect()
}

/// Times (ms) at which a detector started suspecting, from the monitor's notes.
fn suspicions(s: &NetSession<Fd>, key: &str) -> Vec<Time> {
    notes(s.trace(), key).map(|n| n.0 / MS).collect()
}

#[test]
fn the_logistic_cdf_and_phi_are_akkas() {
    // Within 2·10⁻⁴ of the normal CDF's table values.
    for (y, f) in [
        (0.0, 0.5),
        (1.0, 0.841_345),
        (2.0, 0.977_250),
        (3.0, 0.998_650),
        (-1.0, 0.158_655),
    ] {
        assert!(
            (normal_cdf(y) - f).abs() < 2e-4,
            "F({y}) = {}",
            normal_cdf(y)
        );
    }
    // φ = −log10(1 − F(y)), as Akka computes it, where that is representable.
    for d in [50.0, 100.0, 130.0, 160.0, 200.0] {
        let y = (d - 100.0) / 20.0;
        let direct = -(1.0 - normal_cdf(y)).log10();
        assert!((phi(d, 100.0, 20.0) - direct).abs() < 1e-6, "{d}");
    }
    // At the mean φ = log10 2; it grows without bound and stays finite.
    assert!((phi(100.0, 100.0, 10.0) - 2f64.log10()).abs() < 1e-12);
    let far = phi(100_000.0, 100.0, 10.0);
    assert!(far.is_finite() && far > 1e6);
    // Past y_bound(t) φ is at least t.
    for t in [0.5, 1.0, 3.0, 8.0, 12.0, 50.0] {
        assert!(phi(100.0 + y_bound(t) * 10.0, 100.0, 10.0) >= t);
    }
}

/// The detector alone: a window of regular 100 ms intervals; min_std floors σ; a pause shifts
/// the mean; an interval that ends while suspected does not join the window (Akka).
#[test]
fn the_phi_detector_learns_its_window() {
    let p = PhiParams {
        threshold: 8.0,
        window: 10,
        min_std: 10 * MS,
        pause: 0,
    };
    let mut d = Phi::new(0, 100 * MS);
    for i in 1..=20 {
        d.heartbeat(i * 100 * MS, &p);
    }
    assert_eq!(d.intervals.len(), 10);
    let (mean, std) = d.estimate(&p);
    assert_eq!((mean, std), (100.0, 10.0));
    // 152 ms of silence is under the threshold, 153 ms over (y ≈ 5.23).
    assert!(d.phi_at(2_152 * MS, &p) < 8.0);
    assert!(d.phi_at(2_153 * MS, &p) >= 8.0);
    // An acceptable pause of 1 s moves the same point by 1 s.
    let paused = PhiParams {
        pause: 1_000 * MS,
        ..p
    };
    assert!(d.phi_at(3_152 * MS, &paused) < 8.0);
    assert!(d.phi_at(3_153 * MS, &paused) >= 8.0);
    // A 5 s gap: suspected, and the gap does not join the window.
    d.heartbeat(7_000 * MS, &p);
    assert!(d.intervals.iter().all(|&i| i == 100 * MS));
    assert!(!d.suspected);
}

/// The notes' comparison on a steady link (every heartbeat 20 ms on the wire, none lost):
/// h1 crashes at 10,050 ms, its last heartbeat (sent at 10,000 ms) arrived at 10,020 ms. The
/// fixed timeout suspects once 3 periods passed, at the tick of 10,320 ms (270 ms after the
/// crash); φ has learnt intervals of exactly 100 ms (σ floored at min_std = 10 ms) and crosses
/// 8 at 152.3 ms of silence, the tick of 10,180 ms (130 ms). No false suspicion before.
#[test]
fn worked_example_steady_link() {
    let mut s = session(&format!("lab={LAB}&seed=1&latency_min=20&latency_max=20"));
    s.session
        .schedule(10_050 * MS, Action::Crash { node: SENDER_NODE })
        .unwrap();
    s.run_until(12_000 * MS);
    s.check_eventually();
    assert_eq!(stat(&s, "failure-detect.detect_ms_fixed"), 270.0);
    assert_eq!(stat(&s, "failure-detect.detect_ms_phi"), 130.0);
    assert_eq!(stat(&s, "failure-detect.false_fixed"), 0.0);
    assert_eq!(stat(&s, "failure-detect.false_phi"), 0.0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(suspicions(&s, "failure-detect.suspect_fixed"), vec![10_320]);
    assert_eq!(suspicions(&s, "failure-detect.suspect_phi"), vec![10_180]);
    // The charts: φ and the counter, with their thresholds.
    let series = s.series();
    assert_eq!(series.len(), 2);
    assert_eq!(series[0].threshold, Some(8.0));
    assert_eq!(series[1].threshold, Some(3.0));
    assert!(series[0].points.iter().any(|p| p.1 >= 8.0));
    assert!(series[1].points.iter().any(|p| p.1 >= 3.0));
}

#[test]
fn preset_crash_both_detect() {
    let s = preset("fd-crash");
    assert!(bugs(&s).is_empty(), "{:?}", bugs(&s));
    assert_eq!(s.session.sim.monitor().crashes, 1);
    let (fixed, phi) = (
        stat(&s, "failure-detect.detect_ms_fixed"),
        stat(&s, "failure-detect.detect_ms_phi"),
    );
    assert!(fixed > 0.0 && fixed <= 300.0 + 20.0, "{fixed}");
    assert!(phi > 0.0 && phi < 1_000.0, "{phi}");
    assert!(monitor(&s).fixed.suspected && monitor(&s).phi.suspected);
}

#[test]
fn preset_jitter_fixed_errs_phi_adapts() {
    let s = preset("fd-jitter");
    assert!(bugs(&s).is_empty(), "{:?}", bugs(&s));
    let fixed = suspicions(&s, "failure-detect.suspect_fixed");
    let phi = suspicions(&s, "failure-detect.suspect_phi");
    // Nothing before the jitter; φ errs only while its window still holds the calm link.
    assert!(fixed.iter().chain(&phi).all(|&t| t > 5_000));
    assert!(
        !phi.is_empty() && phi.iter().all(|&t| t < 20_000),
        "{phi:?}"
    );
    let late_fixed = fixed.iter().filter(|&&t| t >= 20_000).count();
    assert!(late_fixed >= 3, "{fixed:?}");
    assert!(fixed.len() > phi.len(), "{fixed:?} {phi:?}");
}

#[test]
fn preset_gc_pause_both_suspect_then_recover() {
    let mut s = session(&format!("lab={LAB}&scenario=fd-gc-pause"));
    let info = labs::find(LAB)
        .and_then(|l| l.scenario("fd-gc-pause"))
        .unwrap();
    s.schedule(info).unwrap();
    s.run_until(6_500 * MS);
    assert!(monitor(&s).fixed.suspected && monitor(&s).phi.suspected);
    s.run_until(info.duration_ms * MS);
    s.check_eventually();
    assert!(!monitor(&s).fixed.suspected && !monitor(&s).phi.suspected);
    assert_eq!(stat(&s, "failure-detect.false_fixed"), 1.0);
    assert_eq!(stat(&s, "failure-detect.false_phi"), 1.0);
    assert!(bugs(&s).is_empty(), "{:?}", bugs(&s));
    assert!(s
        .violations()
        .iter()
        .any(|v| v.invariant == "failure-detect.accuracy"));
}

#[test]
fn preset_loss_fixed_errs_more() {
    let s = preset("fd-loss");
    assert!(bugs(&s).is_empty(), "{:?}", bugs(&s));
    let (fixed, phi) = (
        stat(&s, "failure-detect.false_fixed"),
        stat(&s, "failure-detect.false_phi"),
    );
    assert!(fixed >= 3.0 && fixed > phi, "{fixed} {phi}");
}

#[test]
fn preset_hiccup_false_suspicions_then_trust() {
    let s = preset("fd-hiccup");
    assert!(bugs(&s).is_empty(), "{:?}", bugs(&s));
    assert_eq!(stat(&s, "failure-detect.false_fixed"), 1.0);
    assert_eq!(stat(&s, "failure-detect.false_phi"), 1.0);
    assert!(!monitor(&s).fixed.suspected && !monitor(&s).phi.suspected);
    let per_hour = stat(&s, "failure-detect.false_per_hour_fixed");
    assert!((per_hour - 360.0).abs() < 1e-6, "{per_hour}");
}

const SCHEDULES: u64 = 2_000;
const FAULTY: Time = 3_000 * MS;

/// Schedule `i`: random parameters, 3 s of random crashes, restarts, pauses, partitions and
/// drops (plus the network's own loss and duplicates), then calm; in two of three runs h1
/// crashes for good, and the run goes on 4 s for completeness to be checked.
fn random_run(i: u64, set: impl Fn(&mut Config)) -> (NetSession<Fd>, bool) {
    let period = [50, 100, 200][(i % 3) as usize];
    let q = format!(
        "lab={LAB}&seed={i}&period={period}&k={}&threshold={}&window={}&min_std={}&pause={}&tick={}&latency_min=5&latency_max={}&loss={}&dup={}",
        1 + i % 5,
        [1.0, 3.0, 8.0, 12.0][(i / 3 % 4) as usize],
        [5, 20, 100][(i / 2 % 3) as usize],
        [5, 20, 50][(i / 5 % 3) as usize],
        [0, 100][(i / 7 % 2) as usize],
        [1, 10, 25][(i / 11 % 3) as usize],
        10 + i % 4 * 30,
        [0, 10, 30][(i / 13 % 3) as usize],
        [0, 10][(i / 17 % 2) as usize],
    );
    let mut s = session_with(&q, set);
    s.set_keep_trace(false);
    let k = 0.5 + (i % 4) as f64 * 0.5;
    FaultDriver::new(fault_rates(k, 0.6, 0.4, 0.6), fault_seed(i)).run(&mut s, FAULTY);
    distlab_engine::faults::calm(&mut s);
    let crash = !i.is_multiple_of(3);
    if crash {
        s.act(Action::Crash { node: SENDER_NODE }).unwrap();
    }
    s.run_until(FAULTY + 4_000 * MS);
    s.check_eventually();
    (s, crash)
}

/// Whether the run ended with both completeness bounds passed (so the property was tested).
fn checked(s: &NetSession<Fd>) -> bool {
    let sim = &s.session.sim;
    let (f, p) = sim.monitor().deadlines(sim.node(MONITOR_NODE));
    sim.status(SENDER_NODE) == NodeStatus::Down && s.now() >= f.max(p)
}

#[test]
fn properties_hold_under_random_faults() {
    let (mut crashes, mut pauses, mut partitions, mut drops) = (0, 0, 0, 0);
    let (mut tested, mut false_f, mut false_p, mut detected) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let (s, crash) = random_run(i, |_| {});
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => crashes += 1,
                Action::Pause { .. } => pauses += 1,
                Action::Partition { .. } => partitions += 1,
                Action::Drop { .. } => drops += 1,
                _ => {}
            }
        }
        let m = s.session.sim.monitor();
        false_f += m.false_n[0];
        false_p += m.false_n[1];
        if crash && checked(&s) {
            tested += 1;
            detected += u64::from(m.detect_n[0] > 0 && m.detect_n[1] > 0);
        }
        if !bugs(&s).is_empty() {
            failures.push(format!("schedule {i}: {:?}", bugs(&s)));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes, {pauses} pauses, {partitions} partitions, \
         {drops} drops; completeness tested in {tested} runs ({detected} detected by both); \
         false suspicions: fixed {false_f}, φ {false_p}"
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    // Two thirds end crashed; the bound has passed in most of them.
    assert!(
        tested > SCHEDULES / 2,
        "completeness tested in {tested} runs"
    );
    assert!(crashes > 1_000 && pauses > 500 && partitions > 500);
    assert!(false_f > 100 && false_p > 100);
}

/// A φ detector that never suspects breaks completeness (caught after the crash), and a fixed
/// detector that forgets to reset on a heartbeat breaks heartbeat-clears.
#[test]
fn broken_detectors_are_caught() {
    let mut s = session_with(
        &format!("lab={LAB}&seed=1&latency_min=20&latency_max=20"),
        |c| c.broken_phi_never_suspects = true,
    );
    s.session
        .schedule(2_000 * MS, Action::Crash { node: SENDER_NODE })
        .unwrap();
    s.run_until(5_000 * MS);
    s.check_eventually();
    let v: Vec<_> = s.violations().iter().map(|v| v.invariant).collect();
    assert_eq!(v, vec!["failure-detect.completeness"]);

    let mut s = session_with(&format!("lab={LAB}&seed=1"), |c| {
        c.broken_fixed_no_reset = true
    });
    s.run_until(2_000 * MS);
    assert!(s
        .violations()
        .iter()
        .any(|v| v.invariant == "failure-detect.heartbeat-clears"));

    // Under random faults too, in most runs.
    let (mut phi_caught, mut reset_caught) = (0, 0);
    for i in 0..100 {
        let (s, _) = random_run(i, |c| c.broken_phi_never_suspects = true);
        phi_caught += usize::from(
            s.violations()
                .iter()
                .any(|v| v.invariant == "failure-detect.completeness"),
        );
        let (s, _) = random_run(i, |c| c.broken_fixed_no_reset = true);
        reset_caught += usize::from(
            s.violations()
                .iter()
                .any(|v| v.invariant == "failure-detect.heartbeat-clears"),
        );
    }
    assert!(phi_caught >= 40, "{phi_caught}");
    assert!(reset_caught >= 60, "{reset_caught}");
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    let a = hash(&format!("lab={LAB}&seed=4&loss=10&latency_max=80"));
    assert_eq!(a, hash(&format!("lab={LAB}&seed=4&loss=10&latency_max=80")));
    assert_ne!(a, hash(&format!("lab={LAB}&seed=5&loss=10&latency_max=80")));
}

#[test]
fn bad_input_is_refused() {
    let mut s = session(&format!("lab={LAB}&seed=1"));
    let jitter = |node, arg: &str| Action::Command {
        node,
        name: "fd_jitter".into(),
        arg: Some(arg.into()),
    };
    for bad in ["-1", "5001", "x", "", "1e3"] {
        assert!(s.act(jitter(SENDER_NODE, bad)).is_err(), "{bad:?} accepted");
    }
    assert!(s.act(jitter(MONITOR_NODE, "100")).is_err());
    assert!(s.act(jitter(SENDER_NODE, "250")).is_ok());
    s.run_until(500 * MS);
    assert_eq!(s.session.sim.node(SENDER_NODE).jitter, 250 * MS);
    for p in [
        "threshold=0.1",
        "k=0",
        "period=5",
        "window=1",
        "tick=0",
        "threshold=x",
    ] {
        let r = distlab(&["run", LAB, "--param", p]);
        assert_eq!(r.code, Some(2), "{p}: {}", r.out);
        assert!(r.err.starts_with("error: "), "{p}: {}", r.err);
        assert!(!r.err.contains("panicked"));
    }
}

#[test]
fn the_runner_runs_it_and_batches_the_trade_off() {
    let out = run_json(&["run", LAB, "--scenario", "fd-crash", "--until", "35s"]);
    assert_eq!(out["lab"], LAB);
    let stats = &out["summary"]["stats"];
    for key in [
        "detect_ms_fixed",
        "detect_ms_phi",
        "false_per_hour_fixed",
        "false_per_hour_phi",
    ] {
        assert!(
            stats[format!("failure-detect.{key}")].as_f64().is_some(),
            "{key}"
        );
    }
    let r = distlab(&[
        "batch",
        LAB,
        "--seeds",
        "1..3",
        "--param",
        "threshold=1,12",
        "--scenario",
        "fd-crash",
        "--until",
        "35s",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(r.out.contains("failure-detect.detect_ms_phi"), "{}", r.out);
}

/// A monitor whose clock is set back 5 s trusts a crashed node for 5 s longer (every timeout
/// runs on the local clock): real, and not reported as a completeness bug; the clock setting
/// is a fault the property does not cover. Nothing panics on the clock going back.
#[test]
fn a_clock_set_back_delays_detection_without_a_false_alarm() {
    let mut s = session(&format!("lab={LAB}&seed=1&latency_min=20&latency_max=20"));
    s.session
        .schedule(
            2_000 * MS,
            Action::Clock {
                node: MONITOR_NODE,
                drift_ppm: 0,
                offset: -5_000_000,
            },
        )
        .unwrap();
    s.session
        .schedule(2_050 * MS, Action::Crash { node: SENDER_NODE })
        .unwrap();
    s.run_until(4_000 * MS);
    s.check_eventually();
    assert!(
        !monitor(&s).fixed.suspected,
        "the local clock has not caught up"
    );
    assert!(bugs(&s).is_empty(), "{:?}", bugs(&s));
    s.run_until(9_000 * MS);
    assert!(monitor(&s).fixed.suspected && monitor(&s).phi.suspected);
}
