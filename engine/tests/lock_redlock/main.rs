//! The Redlock lab (`lock-redlock`). Here: the helpers, the notes' three rules step by step
//! (a majority of N/2 + 1, within the validity time, released everywhere on failure), parallel
//! asking, and the lessons per configuration. In `presets.rs`: each preset's lesson. In
//! `faults.rs`: mutual exclusion under thousands of random fault schedules with fencing on,
//! the test-only broken variants the checker catches, determinism, bad input and the runner.

#[path = "../common/mod.rs"]
mod common;
mod faults;
#[path = "../common/locks.rs"]
mod locks;
mod presets;

use common::{config, sends_of as sends, stat};

use distlab_engine::labs::coordination::lock_redlock::{self, Config, LockRedlock, Phase, KEYS};
use distlab_engine::labs::{self, LabSession, NetSession, Panel};
use distlab_engine::sim::Action;
use distlab_engine::{NodeId, Time, MS};
use locks::{node, noted};

/// With five instances: R1…R5 are nodes 0–4, the storage node 5, clients c7, c8 nodes 6, 7.
pub const STORAGE: NodeId = 5;
pub const C7: NodeId = 6;
pub const C8: NodeId = 7;

pub const LAB: &str = "lock-redlock";

pub fn session(q: &str) -> NetSession<LockRedlock> {
    let cfg = config(q);
    lock_redlock::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<LockRedlock> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    lock_redlock::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
pub fn preset(id: &str) -> NetSession<LockRedlock> {
    locks::preset(LAB, id, session)
}

/// A preset's session played to its end.
pub fn played(id: &str) -> NetSession<LockRedlock> {
    locks::played(LAB, id, session)
}

/// A preset's session with parameters changed (`fencing=1`), and the storage set up by `set`.
pub fn preset_with(id: &str, extra: &str, set: impl Fn(&mut Config)) -> NetSession<LockRedlock> {
    let info = labs::find("lock-redlock")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    let params: Vec<String> = info
        .params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let q = format!(
        "lab=lock-redlock&seed={}&{}&{extra}",
        info.seed,
        params.join("&")
    );
    let mut s = session_with(&q, set);
    s.schedule(info).expect("the preset's schedule");
    s.run_until(info.duration_ms * MS);
    s
}

pub fn lock(node: NodeId) -> Action {
    Action::command(node, "redlock_lock")
}

/// (time, from, to) of every message of `kind`.
pub fn sent(s: &NetSession<LockRedlock>, kind: &str) -> Vec<(Time, NodeId, NodeId)> {
    sends(s.trace(), kind).collect()
}

/// The storage's accepted writes in order: (client, step).
pub fn accepted(s: &NetSession<LockRedlock>) -> Vec<(NodeId, u32)> {
    locks::accepted(&node(s, STORAGE).storage)
}

pub const CALM_Q: &str = "lab=lock-redlock&auto=0&instances=5&clients=2&ttl=500&timeout=50&steps=3\
     &work=100&latency_min=10&latency_max=10&backoff=100";

/// The notes' algorithm (seed 004: "尝试从 N 个互相独立 Redis 实例获取锁 · 计算获取锁消耗的时间，
/// 只有当这个时间小于锁的过期时间，并且从大多数（N / 2 + 1）实例上获取了锁，那么就认为锁获取成功
/// 了 · 如果锁获取失败，就到每个实例上释放锁"): c7 asks R1…R5 one by one, 20 ms each, from
/// 100 ms; all five grant, acquiring took 100 ms, the drift allowance is 500 × 1% + 2 = 7 ms,
/// so the lock is valid until 200 + 393 = 593 ms. c8 asks from 150 ms, is refused by all
/// five, sends a release to all five and retries; it gets the lock only after c7 released.
#[test]
fn the_notes_redlock_step_by_step() {
    let mut s = session(CALM_Q);
    s.run_until(100 * MS);
    s.act(lock(C7)).unwrap();
    s.run_until(150 * MS);
    s.act(lock(C8)).unwrap();
    s.run_until(260 * MS);
    // One instance at a time: each SET goes out when the previous answer is in.
    let sets: Vec<(Time, NodeId)> = sent(&s, "Set")
        .into_iter()
        .filter(|x| x.1 == C7)
        .map(|x| (x.0, x.2))
        .collect();
    assert_eq!(
        sets,
        vec![
            (100 * MS, 0),
            (120 * MS, 1),
            (140 * MS, 2),
            (160 * MS, 3),
            (180 * MS, 4)
        ]
    );
    assert_eq!(noted(&s, "lock-redlock.acquired"), vec![(200 * MS, C7, 5)]);
    assert_eq!(
        node(&s, C7).phase,
        Phase::Holding {
            granted: 0b11111,
            valid_until: 593 * MS,
            token: 0,
            step: 1
        }
    );
    assert_eq!(node(&s, C7).last_round, 100 * MS);
    // c8: nil from all five, no majority, a release sent to every instance.
    assert_eq!(
        noted(&s, "lock-redlock.no_majority"),
        vec![(250 * MS, C8, 0)]
    );
    let dels: Vec<NodeId> = sent(&s, "Del")
        .into_iter()
        .filter(|x| x.1 == C8)
        .map(|x| x.2)
        .collect();
    assert_eq!(dels, vec![0, 1, 2, 3, 4]);
    assert_eq!(node(&s, C8).phase, Phase::Backoff);
    // The inspector: each instance's key, the holder's instances and validity.
    let view = s.view();
    assert_eq!(view.nodes[2].role, "lock-redlock.locked");
    assert_eq!(view.nodes[C7].role, "lock-redlock.holding");
    assert_eq!(view.nodes[C8].role, "lock-redlock.backoff");
    assert!(view.nodes[C7].panels.contains(&Panel::Rows {
        title: "lock-redlock.panel.client",
        rows: vec![
            ("lock-redlock.value", "c7#1".into()),
            ("lock-redlock.granted", "R1 R2 R3 R4 R5".into()),
            ("lock-redlock.valid_until", "593 ms".into()),
            ("lock-redlock.token", "0".into()),
            ("lock-redlock.rounds", "1".into()),
            ("lock-redlock.grants", "1".into()),
        ],
    }));
    s.run_until(1_500 * MS);
    let got = noted(&s, "lock-redlock.acquired");
    assert_eq!(got.len(), 2);
    let released = noted(&s, "lock-redlock.released")[0];
    assert_eq!(released.1, C7);
    assert!(got[1].1 == C8 && got[1].0 > released.0, "{got:?}");
    assert_eq!(
        accepted(&s),
        vec![(C7, 1), (C7, 2), (C7, 3), (C8, 1), (C8, 2), (C8, 3)]
    );
    assert_eq!(stat(&s, "lock-redlock.won"), 2.0);
    assert!(stat(&s, "lock-redlock.no_majority") >= 1.0);
    assert_eq!(stat(&s, "lock-redlock.max_holders"), 1.0);
    assert_eq!(stat(&s, "lock-redlock.round_ms"), 100.0);
    assert!((0..5).all(|i| node(&s, i).key.is_none()));
    assert_eq!(s.headline().key, "lock-redlock.headline.ok");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// "只有当这个时间小于锁的过期时间": slow links make acquiring take longer than the TTL. Every
/// instance grants, but no validity is left, so the client releases on all of them.
#[test]
fn a_majority_too_late_is_no_lock() {
    let mut s = session(&format!("{CALM_Q}&ttl=100&timeout=500"));
    for i in 0..5 {
        s.act(Action::Slow {
            a: C7,
            b: i,
            extra: 20 * MS,
        })
        .unwrap();
    }
    s.act(lock(C7)).unwrap();
    s.run_until(320 * MS);
    // Five round trips of 60 ms: 300 ms > 100 − 3 ms.
    assert_eq!(noted(&s, "lock-redlock.set").len(), 5);
    assert!(noted(&s, "lock-redlock.acquired").is_empty());
    assert_eq!(
        noted(&s, "lock-redlock.too_slow"),
        vec![(300 * MS, C7, 300)]
    );
    assert_eq!(
        sent(&s, "Del").iter().map(|x| x.2).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
    assert_eq!(stat(&s, "lock-redlock.too_slow"), 1.0);
    assert_eq!(stat(&s, "lock-redlock.won"), 0.0);
}

/// Asking all instances at once: one round trip, decided at the third OK.
#[test]
fn parallel_asking_takes_one_round_trip() {
    let mut s = session(&format!("{CALM_Q}&parallel=1"));
    s.act(lock(C7)).unwrap();
    s.run_until(100 * MS);
    assert_eq!(sent(&s, "Set").len(), 5);
    assert_eq!(noted(&s, "lock-redlock.acquired"), vec![(20 * MS, C7, 3)]);
    assert_eq!(node(&s, C7).last_round, 20 * MS);
}

/// The majority is N/2 + 1, and the storage sits after the instances whatever N is.
#[test]
fn majority_and_node_layout_follow_n() {
    for (n, m) in [(1, 1), (2, 2), (3, 2), (4, 3), (5, 3), (7, 4), (9, 5)] {
        let s = session(&format!("lab=lock-redlock&instances={n}&clients=3"));
        let c = node(&s, 0).config();
        assert_eq!(c.majority(), m, "N = {n}");
        assert_eq!(s.view().nodes.len(), n + 1 + 3);
        assert_eq!(s.view().nodes[n].role, KEYS.role_idle);
    }
}

/// Mutual exclusion is the lesson only without fencing; with it, a violation is a bug.
#[test]
fn mutual_exclusion_is_a_lesson_only_without_fencing() {
    let lessons = |q: &str| locks::lessons(&session(&format!("lab=lock-redlock&{q}")));
    assert_eq!(lessons("fencing=0"), ["lock-redlock.mutual-exclusion"]);
    assert!(lessons("fencing=1").is_empty());
    assert!(lessons("fencing=1&persist=1").is_empty());
}

/// The figure's shape in one line each: asking one by one costs a round trip per instance
/// (20 ms × N here), asking all at once one round trip whatever N.
#[test]
fn a_round_costs_n_round_trips_one_by_one_and_one_in_parallel() {
    for n in [3usize, 5, 7] {
        for parallel in [0, 1] {
            let mut s = session(&format!("{CALM_Q}&instances={n}&parallel={parallel}"));
            s.act(lock(n + 1)).unwrap();
            s.run_until(300 * MS);
            let want = if parallel == 1 { 20 } else { 20 * n as u64 };
            assert_eq!(
                node(&s, n + 1).last_round,
                want * MS,
                "N = {n}, parallel {parallel}"
            );
        }
    }
}
