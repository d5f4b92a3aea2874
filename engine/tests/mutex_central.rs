//! The central mutex lab (`mutex-central`): the notes' worked example (request → grant or
//! queue first come first served → release → the front is granted; 3 messages per entry), the
//! coordinator's load growing linearly with clients, mutual exclusion under thousands of random
//! fault schedules with one coordinator, deliberately broken coordinators the checker must
//! catch, determinism, the presets' lessons (a crash stalls everyone; a standby takes over; a
//! standby taking over from a coordinator that is only cut off breaks mutual exclusion), and
//! the runner.

mod common;

use common::{config, fault_rates, fault_seed, faulted_hash, run_json, sends_of as sends, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::mutex_central::{self, Config, MutexCentral};
use distlab_engine::labs::{self, LabSession, NetSession, Panel};
use distlab_engine::sim::{notes, Action, TraceKind};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<MutexCentral> {
    let cfg = config(q);
    mutex_central::session(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<MutexCentral> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    mutex_central::session_with(&cfg.params, &c, cfg.seed)
}

fn queue_panel(s: &NetSession<MutexCentral>, node: NodeId) -> Vec<String> {
    s.view().nodes[node]
        .panels
        .iter()
        .find_map(|p| match p {
            Panel::Queue { items, .. } => Some(items.clone()),
            _ => None,
        })
        .expect("the coordinator shows its queue")
}

/// The notes' steps (seed 000): p2, p3 and p4 ask one after another. The lock is free, so the
/// coordinator grants p2 at once; p3 and p4 get queue numbers 1 and 2 in arrival order. When p2
/// releases, the coordinator grants the front of the queue (p3), then p4. Three entries, nine
/// messages: each a Request, a Grant and a Release.
#[test]
fn the_notes_worked_example_request_grant_queue_release() {
    let mut s = session("lab=mutex-central&clients=3&rate=0&cs=100&latency_min=10&latency_max=10");
    for (t, node) in [(0, 1), (1, 2), (2, 3)] {
        s.run_until(t * MS);
        s.act(Action::command(node, "request")).unwrap();
    }
    s.run_until(20 * MS);
    // p2 holds the lock; p3 and p4 wait in the coordinator's queue, first come first served.
    assert!(s.session.sim.node(1).holding());
    assert_eq!(queue_panel(&s, 0), vec!["p3 #1", "p4 #1"]);
    let queued: Vec<u64> = notes(s.trace(), "mutex-central.queued")
        .map(|n| n.2)
        .collect();
    assert_eq!(queued, vec![1, 2], "queue numbers in arrival order");
    // The command on a client already waiting is refused with a note, no message.
    s.act(Action::command(2, "request")).unwrap();
    assert_eq!(notes(s.trace(), "mutex-central.busy").count(), 1);
    s.run_until(1_000 * MS);
    let grants: Vec<NodeId> = sends(s.trace(), "Grant").map(|g| g.2).collect();
    assert_eq!(grants, vec![1, 2, 3], "granted in request order");
    let entered: Vec<(Time, NodeId)> = notes(s.trace(), "mutex-central.enter")
        .map(|n| (n.0, n.1))
        .collect();
    // Entry k+1 follows entry k by the critical section plus a Release and a Grant (10 ms each).
    assert_eq!(
        entered,
        vec![(20 * MS, 1), (140 * MS, 2), (260 * MS, 3)],
        "entries one after another"
    );
    for kind in ["Request", "Grant", "Release"] {
        assert_eq!(sends(s.trace(), kind).count(), 3, "{kind}");
    }
    let all = s
        .trace()
        .iter()
        .filter(|r| matches!(r.kind, TraceKind::Send { .. }))
        .count();
    assert_eq!(all, 9, "3 entries × 3 messages, nothing else");
    assert_eq!(stat(&s, "messages_per_entry"), 3.0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert!(queue_panel(&s, 0).is_empty());
}

#[test]
fn a_fault_free_run_costs_exactly_three_messages_per_entry() {
    for seed in 1..=20 {
        let mut s = session(&format!("lab=mutex-central&seed={seed}&clients=5&rate=3"));
        s.run_until(10_000 * MS);
        assert_eq!(s.check_eventually(), 0, "seed {seed}: {:?}", s.violations());
        assert!(s.violations().is_empty());
        assert!(stat(&s, "cs_entries") > 50.0, "seed {seed}");
        assert_eq!(stat(&s, "messages_per_entry"), 3.0, "seed {seed}");
    }
}

/// The notes' first weakness: every message of every entry passes the coordinator, so its load
/// grows linearly with the number of clients (3 messages × rate × clients per second).
#[test]
fn coordinator_load_grows_linearly_with_clients() {
    let load = |clients: usize| {
        let mut s = session(&format!(
            "lab=mutex-central&clients={clients}&rate=2&cs=1&latency_min=1&latency_max=2&seed=7"
        ));
        s.run_until(30_000 * MS);
        assert!(s.violations().is_empty());
        stat(&s, "coordinator_msgs_per_s")
    };
    let loads: Vec<(usize, f64)> = [2, 4, 8, 16].iter().map(|&c| (c, load(c))).collect();
    for &(c, l) in &loads {
        let expected = 3.0 * 2.0 * c as f64;
        assert!(
            (l - expected).abs() / expected < 0.12,
            "{c} clients: {l:.1} messages/s, expected about {expected}"
        );
    }
    let per_client: Vec<f64> = loads.iter().map(|&(c, l)| l / c as f64).collect();
    let (lo, hi) = per_client
        .iter()
        .fold((f64::MAX, 0.0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    assert!(hi / lo < 1.15, "load per client stays flat: {per_client:?}");
    assert!(
        loads[3].1 > 6.0 * loads[0].1,
        "8× the clients, ~8× the load: {loads:?}"
    );
}

const SCHEDULES: u64 = 2_000;
const SCHEDULE_TIME: Time = 3_000 * MS;

/// With one coordinator, mutual exclusion holds whatever happens: crashes and restarts of the
/// coordinator and of clients (in or out of the critical section), pauses, partitions, lost
/// messages.
#[test]
fn mutual_exclusion_holds_under_random_faults_with_one_coordinator() {
    let (mut entries, mut crashes, mut partitions, mut pauses, mut drops) = (0.0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let clients = 2 + i % 5;
        let q = format!(
            "lab=mutex-central&seed={i}&clients={clients}&rate={}&cs={}",
            2 + i % 4,
            20 + (i % 7) * 20
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        let k = 0.5 + (i % 4) as f64 * 0.5;
        FaultDriver::new(fault_rates(k, 0.3, 0.3, 0.2), fault_seed(i)).run(&mut s, SCHEDULE_TIME);
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => crashes += 1,
                Action::Partition { .. } => partitions += 1,
                Action::Pause { .. } => pauses += 1,
                Action::Drop { .. } => drops += 1,
                _ => {}
            }
        }
        entries += stat(&s, "cs_entries");
        if !s.violations().is_empty() {
            failures.push(format!("{q}: {:?}", s.violations()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        crashes > 1_000 && partitions > 500 && pauses > 500 && drops > 1_000,
        "faults: {crashes} crashes, {partitions} partitions, {pauses} pauses, {drops} drops"
    );
    // Lost grants and releases stall a client until its retry, so faults slow the lock down a
    // lot; it still moves.
    assert!(
        entries > 3.0 * SCHEDULES as f64,
        "the lock kept moving: {entries} entries"
    );
}

/// Without faults every request is granted within the fault-free bound.
#[test]
fn every_request_is_granted_without_faults() {
    for i in 0..300u64 {
        let q = format!(
            "lab=mutex-central&seed={i}&clients={}&rate={}&cs={}&standby={}",
            1 + i % 8,
            1 + i % 6,
            10 + (i % 5) * 40,
            i % 2
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        s.run_until(SCHEDULE_TIME);
        s.check_eventually();
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
    }
}

#[test]
fn the_checker_catches_a_coordinator_that_grants_while_the_lock_is_held() {
    let mut s = session_with("lab=mutex-central&clients=4&rate=4", |c| {
        c.broken_grant_while_held = true
    });
    s.run_until(3_000 * MS);
    let v = s.violations();
    assert!(!v.is_empty(), "no violation found");
    assert!(v.iter().all(|v| v.invariant == "mutual-exclusion"), "{v:?}");
    // The same run with the real coordinator is clean.
    let mut ok = session("lab=mutex-central&clients=4&rate=4");
    ok.run_until(3_000 * MS);
    assert!(ok.violations().is_empty());
}

#[test]
fn the_checker_catches_a_coordinator_that_forgets_queued_requests() {
    let mut s = session_with("lab=mutex-central&clients=4&rate=4", |c| {
        c.broken_no_queue = true
    });
    s.run_until(3_000 * MS);
    assert!(
        s.violations().is_empty(),
        "a safety property is not what breaks"
    );
    assert!(s.check_eventually() > 0);
    assert!(s
        .violations()
        .iter()
        .all(|v| v.invariant == "every-request-granted"));
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    let a = hash("lab=mutex-central&seed=4&standby=1");
    assert_eq!(a, hash("lab=mutex-central&seed=4&standby=1"));
    assert_ne!(a, hash("lab=mutex-central&seed=5&standby=1"));
}

fn preset(id: &str) -> Box<dyn LabSession> {
    preset_until(id, None)
}

fn preset_until(id: &str, until: Option<Time>) -> Box<dyn LabSession> {
    let cfg = config(&format!("lab=mutex-central&scenario={id}"));
    let (mut s, err) = labs::create(&cfg);
    assert!(err.is_none(), "{err:?}");
    let info = labs::find("mutex-central")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.run_until(until.unwrap_or(info.duration_ms * MS));
    s
}

/// The coordinator crashes at 2 s and restarts at 5 s: nothing is granted in between and the
/// requests pile up; after the restart the queue moves again.
#[test]
fn preset_central_crash_stalls_everyone_until_the_coordinator_returns() {
    let s = preset("central-crash");
    let grants: Vec<Time> = sends(s.trace(), "Grant").map(|g| g.0).collect();
    assert!(grants.iter().any(|&t| t < 2_000 * MS));
    assert!(
        !grants
            .iter()
            .any(|&t| (2_000 * MS..5_000 * MS).contains(&t)),
        "a dead coordinator grants nothing"
    );
    assert!(
        grants.iter().filter(|&&t| t > 5_000 * MS).count() >= 5,
        "the queue moves again"
    );
    // Just before the restart, every client is waiting.
    let before = preset_until("central-crash", Some(4_990 * MS));
    assert_eq!(before.summary()["waiting"], 4, "{}", before.summary());
    let dropped = s
        .trace()
        .iter()
        .filter(|r| {
            matches!(
                &r.kind,
                TraceKind::Drop {
                    kind: "Request",
                    ..
                }
            )
        })
        .count();
    assert!(dropped >= 4, "requests to the dead coordinator are lost");
    assert!(s.violations().is_empty());
}

/// With a standby, the crash costs a failover: C2 takes over within the failover time, the
/// clients follow it, and grants resume without two holders.
#[test]
fn preset_central_standby_takes_over_after_missed_heartbeats() {
    let s = preset("central-standby");
    let takeover: Vec<(Time, NodeId, u64)> = notes(s.trace(), "mutex-central.takeover").collect();
    assert_eq!(takeover.len(), 1, "{takeover:?}");
    let (t, node, epoch) = takeover[0];
    assert_eq!((node, epoch), (1, 2));
    assert!(t > 2_000 * MS && t < 2_300 * MS, "takeover at {t}");
    assert_eq!(
        notes(s.trace(), "mutex-central.follow").count(),
        4,
        "every client follows C2"
    );
    let by_c2 = sends(s.trace(), "Grant").filter(|g| g.1 == 1).count();
    assert!(by_c2 >= 10, "C2 grants: {by_c2}");
    assert!(!sends(s.trace(), "Grant").any(|g| g.1 == 0 && g.0 > 2_000 * MS));
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(s.leader(), Some(1));
}

/// The lesson: C1 is only cut off, C2 takes over anyway, both grant, and two clients are in
/// the critical section at once. After the heal C1 steps down.
#[test]
fn preset_central_split_brain_breaks_mutual_exclusion() {
    let s = preset("central-split-brain");
    let v: Vec<Time> = s
        .violations()
        .iter()
        .filter(|v| v.invariant == "mutual-exclusion")
        .map(|v| v.time)
        .collect();
    assert!(!v.is_empty(), "mutual exclusion should break");
    assert!(v.iter().all(|&t| t > 2_000 * MS && t < 5_100 * MS), "{v:?}");
    let during = |c: NodeId| {
        sends(s.trace(), "Grant")
            .filter(|g| g.1 == c && (2_300 * MS..5_000 * MS).contains(&g.0))
            .count()
    };
    assert!(during(0) > 0 && during(1) > 0, "both coordinators grant");
    let step_down: Vec<(Time, NodeId, u64)> = notes(s.trace(), "mutex-central.step_down").collect();
    assert!(
        step_down
            .iter()
            .any(|&(t, n, e)| n == 0 && e == 2 && t >= 5_000 * MS),
        "C1 steps down after the heal: {step_down:?}"
    );
    assert!(!sends(s.trace(), "Grant").any(|g| g.1 == 0 && g.0 > 5_200 * MS));
    assert_eq!(s.leader(), Some(1));
    // The property is the lab's lesson.
    let p = s
        .properties()
        .iter()
        .find(|p| p.id == "mutual-exclusion")
        .expect("property");
    assert!(p.lesson);
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&["run", "mutex-central", "--seed", "3", "--until", "5s"]);
    assert_eq!(out["lab"], "mutex-central");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let stats = &out["summary"]["stats"];
    assert_eq!(stats["messages_per_entry"], 3.0);
    assert!(stats["coordinator_msgs_per_s"].as_f64().unwrap_or(0.0) > 10.0);
    assert!(out["summary"]["entries"].as_u64().unwrap_or(0) > 10);
}
