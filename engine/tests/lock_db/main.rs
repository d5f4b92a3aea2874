//! The database lock lab (`lock-db`). Here: the helpers, the notes' unique-index lock step by
//! step, and the lessons per configuration. In `presets.rs`: each preset's lesson. In
//! `faults.rs`: mutual exclusion under thousands of random fault schedules with no expiry and a
//! persistent table, a test-only database without its unique index that the checker catches,
//! determinism, bad commands and the runner.

#[path = "../common/mod.rs"]
mod common;
mod faults;
#[path = "../common/locks.rs"]
mod locks;
mod presets;

use common::{config, stat};

use distlab_engine::labs::coordination::lock_db::{self, Config, LockDb, Nested, Phase, KEYS};
use distlab_engine::labs::{LabSession, NetSession, Panel};
use distlab_engine::sim::Action;
use distlab_engine::{NodeId, Time, MS};
use locks::{count, invariants, node, noted};

pub const DB: NodeId = 0;
pub const STORAGE: NodeId = 1;
pub const C3: NodeId = 2;
pub const C4: NodeId = 3;
pub const C5: NodeId = 4;

pub const LAB: &str = "lock-db";

pub fn session(q: &str) -> NetSession<LockDb> {
    let cfg = config(q);
    lock_db::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<LockDb> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    lock_db::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
pub fn preset(id: &str) -> NetSession<LockDb> {
    locks::preset(LAB, id, session)
}

/// A preset's session played to its end.
pub fn played(id: &str) -> NetSession<LockDb> {
    locks::played(LAB, id, session)
}

pub fn lock(node: NodeId) -> Action {
    Action::command(node, "db_lock")
}

/// The storage's accepted writes in order: (client, step).
pub fn accepted(s: &NetSession<LockDb>) -> Vec<(NodeId, u32)> {
    locks::accepted(&node(s, STORAGE).storage)
}

pub const CALM_Q: &str =
    "lab=lock-db&auto=0&clients=2&steps=3&work=100&latency_min=10&latency_max=10&poll=50";

/// The notes' lock (seed 001: "创建一张锁表, 要锁住某个资源时, 就在该表中增加一条记录, 想要释放锁
/// 就删除这条记录 … 数据库会保证只有一个操作可以成功"): c3's INSERT makes the row at 110 ms; it
/// writes three steps (130, 250, 370 ms at the storage) and its DELETE removes the row at
/// 390 ms. c4's INSERT at 160 ms fails with a duplicate key; it polls every 50 ms after each
/// error (160, 230, 300, 370 ms: four failures) and its INSERT at 440 ms succeeds.
#[test]
fn the_notes_unique_index_lock_step_by_step() {
    let mut s = session(CALM_Q);
    s.run_until(100 * MS);
    s.act(lock(C3)).unwrap();
    s.run_until(150 * MS);
    s.act(lock(C4)).unwrap();
    s.run_until(200 * MS);
    assert_eq!(noted(&s, "lock-db.inserted"), vec![(110 * MS, DB, 3)]);
    assert_eq!(noted(&s, "lock-db.acquired"), vec![(120 * MS, C3, 1)]);
    assert_eq!(noted(&s, "lock-db.duplicate"), vec![(160 * MS, DB, 4)]);
    assert_eq!(
        node(&s, C3).phase,
        Phase::Holding {
            step: 1,
            since: 120 * MS,
            nested: Nested::None
        }
    );
    assert!(matches!(node(&s, C4).phase, Phase::Acquiring { .. }));
    // The database's inspector: the row, and c4 in the waiting list.
    let view = s.view();
    assert_eq!(view.nodes[DB].role, "lock-db.locked");
    assert!(view.nodes[DB].panels.contains(&Panel::Table {
        title: "lock-db.panel.table",
        columns: vec![
            "lock-db.col.holder",
            "lock-db.col.owner",
            "lock-db.col.count",
            "lock-db.col.inserted",
            "lock-db.col.expires",
        ],
        rows: vec![vec![
            "c3#1".into(),
            "c3/1".into(),
            "1".into(),
            "110 ms".into(),
            "-".into()
        ]],
    }));
    assert!(view.nodes[DB].panels.iter().any(|p| matches!(
        p,
        Panel::Table { title: "lock-db.panel.waiting", rows, .. } if rows.len() == 1 && rows[0][0] == "c4"
    )));
    assert_eq!(view.nodes[C3].role, "lock-db.holding");
    assert_eq!(view.nodes[C4].role, "lock-db.polling");
    s.run_until(1_500 * MS);
    let writes: Vec<Time> = noted(&s, KEYS.note_accept).iter().map(|n| n.0).collect();
    assert_eq!(&writes[..3], &[130 * MS, 250 * MS, 370 * MS]);
    assert_eq!(noted(&s, "lock-db.deleted")[0], (390 * MS, DB, 3));
    let dups: Vec<Time> = noted(&s, "lock-db.duplicate").iter().map(|n| n.0).collect();
    assert_eq!(dups, [160 * MS, 230 * MS, 300 * MS, 370 * MS]);
    assert_eq!(noted(&s, "lock-db.inserted")[1], (440 * MS, DB, 4));
    assert_eq!(
        accepted(&s),
        vec![(C3, 1), (C3, 2), (C3, 3), (C4, 1), (C4, 2), (C4, 3)]
    );
    assert_eq!(count(&s, "Insert"), 6);
    assert_eq!(count(&s, "DuplicateKey"), 4);
    assert_eq!(count(&s, "Delete"), 2);
    assert_eq!(stat(&s, "lock-db.grants"), 2.0);
    assert_eq!(stat(&s, "lock-db.failed"), 4.0);
    assert_eq!(stat(&s, "lock-db.polls_per_grant"), 2.0);
    assert_eq!(stat(&s, "lock-db.longest_wait_ms"), 300.0);
    assert_eq!(stat(&s, "lock-db.max_holders"), 1.0);
    assert_eq!(stat(&s, "lock-db.stuck"), 0.0);
    assert!(node(&s, DB).rows.is_empty());
    assert_eq!(s.headline().key, "lock-db.headline.ok");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// Mutual exclusion is a lesson only where the configuration is built to break it: the
/// expiry job, or a table that a restart empties.
#[test]
fn mutual_exclusion_is_a_lesson_only_with_expiry_or_an_in_memory_table() {
    let lessons = |q: &str| locks::lessons(&session(&format!("lab=lock-db&{q}")));
    assert!(lessons("expiry=0&persist=1").is_empty());
    assert!(lessons("expiry=0&persist=1&owner=1&reenter=1").is_empty());
    assert_eq!(lessons("expiry=1"), ["lock-db.mutual-exclusion"]);
    assert_eq!(lessons("persist=0"), ["lock-db.mutual-exclusion"]);
}
