//! The Redis lock lab (`lock-redis`). Here: the helpers, the notes' SETNX lock step by step,
//! the lessons per configuration, and the shared storage's checker on hand-made histories. In
//! `presets.rs`: each preset's lesson. In `faults.rs`: mutual exclusion under thousands of
//! random fault schedules with fencing on, a test-only broken storage the checker catches,
//! determinism, bad commands and the runner.

#[path = "../common/mod.rs"]
mod common;
mod faults;
#[path = "../common/locks.rs"]
mod locks;
mod presets;

use common::{config, stat};

use distlab_engine::labs::coordination::lock_redis::{self, Config, LockRedis, Phase, KEYS};
use distlab_engine::labs::coordination::lock_storage::{section_id, MutexChecker, WriteRec};
use distlab_engine::labs::{LabSession, NetSession, Panel};
use distlab_engine::sim::Action;
use distlab_engine::{NodeId, Time, MS};
use locks::{count, invariants, node, noted};

pub const REDIS: NodeId = 0;
pub const STORAGE: NodeId = 1;
pub const C3: NodeId = 2;
pub const C4: NodeId = 3;
pub const C5: NodeId = 4;

pub const LAB: &str = "lock-redis";

pub fn session(q: &str) -> NetSession<LockRedis> {
    let cfg = config(q);
    lock_redis::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<LockRedis> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    lock_redis::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
pub fn preset(id: &str) -> NetSession<LockRedis> {
    locks::preset(LAB, id, session)
}

/// A preset's session played to its end.
pub fn played(id: &str) -> NetSession<LockRedis> {
    locks::played(LAB, id, session)
}

pub fn lock(node: NodeId) -> Action {
    Action::command(node, "redis_lock")
}

/// The storage's accepted writes in order: (client, step).
pub fn accepted(s: &NetSession<LockRedis>) -> Vec<(NodeId, u32)> {
    locks::accepted(&node(s, STORAGE).storage)
}

pub const CALM_Q: &str =
    "lab=lock-redis&auto=0&clients=2&ttl=500&steps=3&work=100&latency_min=10&latency_max=10&backoff=50";

/// The notes' SETNX lock (seed 001: "返回 1, 说明该服务器成功获得锁 … 再删除这个锁的 key 进行
/// 释放锁. 返回 0, 说明其他服务器已经获得了锁 … 可以不断尝试 setnx 操作"): c3's SET NX succeeds
/// at 110 ms (token 1); it writes three steps (130, 250, 370 ms at the storage) and deletes the
/// key at 390 ms. c4's SET NX at 160 ms fails; it backs off, retries, and gets the key (token 2)
/// only after the delete. One writer at a time.
#[test]
fn the_notes_setnx_lock_step_by_step() {
    let mut s = session(CALM_Q);
    s.run_until(100 * MS);
    s.act(lock(C3)).unwrap();
    s.run_until(150 * MS);
    s.act(lock(C4)).unwrap();
    s.run_until(200 * MS);
    assert_eq!(noted(&s, "lock-redis.set"), vec![(110 * MS, REDIS, 1)]);
    assert_eq!(noted(&s, "lock-redis.acquired"), vec![(120 * MS, C3, 1)]);
    assert_eq!(noted(&s, "lock-redis.refused"), vec![(160 * MS, REDIS, 4)]);
    assert_eq!(
        node(&s, C3).phase,
        Phase::Holding {
            token: 1,
            step: 1,
            since: 120 * MS
        }
    );
    assert!(matches!(node(&s, C4).phase, Phase::Acquiring { .. }));
    // The Redis node's inspector: the key, its value and token, and its expiry.
    let view = s.view();
    assert_eq!(view.nodes[REDIS].role, "lock-redis.locked");
    assert!(view.nodes[REDIS].panels.contains(&Panel::Rows {
        title: "lock-redis.panel.key",
        rows: vec![
            ("lock-redis.key", "c3#1 t1".into()),
            ("lock-redis.expires", "610 ms".into()),
            ("lock-redis.fence", "1".into()),
        ],
    }));
    assert_eq!(view.nodes[C3].role, "lock-redis.holding");
    s.run_until(1_500 * MS);
    let writes: Vec<Time> = noted(&s, KEYS.note_accept).iter().map(|n| n.0).collect();
    assert_eq!(&writes[..3], &[130 * MS, 250 * MS, 370 * MS]);
    assert_eq!(noted(&s, "lock-redis.deleted")[0], (390 * MS, REDIS, 3));
    let got = noted(&s, "lock-redis.acquired");
    assert_eq!(got.len(), 2);
    assert!(
        got[1].0 > 390 * MS && got[1].1 == C4 && got[1].2 == 2,
        "{got:?}"
    );
    assert_eq!(
        accepted(&s),
        vec![(C3, 1), (C3, 2), (C3, 3), (C4, 1), (C4, 2), (C4, 3)]
    );
    assert_eq!(count(&s, "CompareDel"), 2);
    assert_eq!(count(&s, "Write"), 6);
    assert!(count(&s, "Taken") >= 1);
    assert_eq!(stat(&s, "lock-redis.grants"), 2.0);
    assert_eq!(stat(&s, "lock-redis.max_holders"), 1.0);
    assert_eq!(stat(&s, "lock-redis.refusals"), count(&s, "Taken") as f64);
    assert!(node(&s, REDIS).key.is_none());
    assert_eq!(s.headline().key, "lock-redis.headline.ok");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// Mutual exclusion is the lesson only without fencing; with it, a violation is a bug.
#[test]
fn mutual_exclusion_is_a_lesson_only_without_fencing() {
    let lessons = |q: &str| locks::lessons(&session(&format!("lab=lock-redis&{q}")));
    assert_eq!(lessons("fencing=0"), ["lock-redis.mutual-exclusion"]);
    assert!(lessons("fencing=1").is_empty());
    assert!(lessons("fencing=1&release=0&watchdog=0").is_empty());
}

fn w(client: NodeId, seq: u64, step: u32, last: bool, at: Time) -> WriteRec {
    WriteRec {
        at: at * MS,
        client,
        section: section_id(client, seq),
        step,
        last,
        token: None,
        accepted: true,
        read: false,
    }
}

/// The shared checker on hand-made histories: sections one after another pass; an abandoned
/// section followed by another passes; A B A (A resumes after B wrote) fails; a stale write
/// landing inside B's section fails when B writes again.
#[test]
fn the_storage_checker_flags_interleaved_sections_only() {
    let run = |ws: &[WriteRec]| -> usize {
        let mut c = MutexChecker::default();
        let mut found = Vec::new();
        for x in ws {
            c.accept(&KEYS, x, &mut found);
        }
        assert_eq!(found.len() as u64, c.violations);
        found.len()
    };
    let ok = [
        w(2, 1, 1, false, 1),
        w(2, 1, 2, true, 2),
        w(3, 1, 1, false, 3),
        w(3, 1, 2, true, 4),
        w(2, 2, 1, true, 5),
    ];
    assert_eq!(run(&ok), 0);
    let abandoned = [
        w(2, 1, 1, false, 1),
        w(3, 1, 1, false, 2),
        w(3, 1, 2, true, 3),
    ];
    assert_eq!(run(&abandoned), 0);
    let interleaved = [
        w(2, 1, 1, false, 1),
        w(3, 1, 1, false, 2),
        w(2, 1, 2, true, 3),
        w(3, 1, 2, true, 4),
    ];
    assert_eq!(run(&interleaved), 2);
    let stale = [
        w(2, 1, 1, false, 1),
        w(2, 1, 2, true, 2),
        w(3, 1, 1, false, 3),
        w(2, 1, 1, false, 4),
        w(3, 1, 2, true, 5),
    ];
    assert_eq!(run(&stale), 1);
}
