//! The ZooKeeper lock lab (`lock-zk`). Here: the helpers, the notes' recipe step by step, the
//! lessons per configuration, the read/write rules and the shared storage's checker on reads.
//! In `presets.rs`: each preset's lesson, and the herd effect growing with n. In `faults.rs`:
//! mutual exclusion under thousands of random fault schedules with fencing on, the recipe
//! without fencing under crashes and loss, test-only broken variants the checker catches,
//! determinism, bad commands and the runner.

#[path = "../common/mod.rs"]
mod common;
mod faults;
#[path = "../common/locks.rs"]
mod locks;
mod presets;

use common::{calm, config, fault_rates, fault_seed, sends_of, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::lock_storage::{section_id, MutexChecker, WriteRec};
use distlab_engine::labs::coordination::lock_zk::{self, Config, LockZk, Mode, Phase, KEYS};
use distlab_engine::labs::{LabSession, NetSession, Panel};
use distlab_engine::sim::Action;
use distlab_engine::{NodeId, Time, MS};
use locks::{count, node, noted};

pub const SERVER: NodeId = 0;
pub const STORAGE: NodeId = 1;
pub const C3: NodeId = 2;
pub const C4: NodeId = 3;
pub const C5: NodeId = 4;
pub const C6: NodeId = 5;

pub const LAB: &str = "lock-zk";

pub fn session(q: &str) -> NetSession<LockZk> {
    let cfg = config(q);
    lock_zk::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<LockZk> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    lock_zk::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
pub fn preset(id: &str) -> NetSession<LockZk> {
    locks::preset(LAB, id, session)
}

/// A preset's session played to its end.
pub fn played(id: &str) -> NetSession<LockZk> {
    locks::played(LAB, id, session)
}

pub fn lock(node: NodeId) -> Action {
    Action::command(node, "zk_lock")
}

pub fn read_lock(node: NodeId) -> Action {
    Action::command(node, "zk_read")
}

pub fn create(node: NodeId, mode: u64) -> Action {
    Action::Command {
        node,
        name: "zk_create".into(),
        arg: Some(mode.to_string()),
    }
}

/// The paths of the server's tree.
pub fn paths(s: &NetSession<LockZk>) -> Vec<String> {
    node(s, SERVER).tree.keys().cloned().collect()
}

/// The storage's accepted accesses in order: (client, step).
pub fn accepted(s: &NetSession<LockZk>) -> Vec<(NodeId, u32)> {
    locks::accepted(&node(s, STORAGE).storage)
}

pub const CALM_Q: &str =
    "lab=lock-zk&auto=0&clients=3&session=600&steps=3&work=100&latency_min=10&latency_max=10";

/// The notes' recipe (seed 004: "在 /lock 下创建临时的且有序的子节点 … 判断自己创建的子节点是否为
/// 当前子节点列表中序号最小的子节点，如果是则认为获得锁；否则监听自己的前一个子节点"): sessions open
/// at 20 ms; c3 creates /lock/lock-0000000000 at 110 ms and, listing at 130 ms, is the smallest:
/// it holds the lock at 140 ms. c4's lock-0000000001 (160 ms) sees c3's before it and sets an
/// exists watch on it; c5's …02 watches c4's. c3's delete wakes c4 alone, c4's wakes c5.
#[test]
fn the_notes_recipe_step_by_step() {
    let mut s = session(CALM_Q);
    s.run_until(100 * MS);
    assert_eq!(noted(&s, "lock-zk.connected").len(), 3);
    s.act(lock(C3)).unwrap();
    s.run_until(150 * MS);
    s.act(lock(C4)).unwrap();
    s.run_until(200 * MS);
    s.act(lock(C5)).unwrap();
    s.run_until(260 * MS);
    assert_eq!(noted(&s, "lock-zk.acquired").len(), 1);
    assert_eq!(noted(&s, "lock-zk.acquired")[0].0, 140 * MS);
    assert_eq!(noted(&s, "lock-zk.acquired")[0].1, C3);
    assert_eq!(
        node(&s, C3).node.as_ref().map(|n| n.0.as_str()),
        Some("/lock/lock-0000000000")
    );
    assert_eq!(
        node(&s, C4).phase,
        Phase::Waiting {
            since: 150 * MS,
            on: "/lock/lock-0000000000".into()
        }
    );
    assert!(matches!(
        &node(&s, C5).phase,
        Phase::Waiting { on, .. } if on == "/lock/lock-0000000001"
    ));
    // The tree panel: the three ephemeral sequential children, owners and watches.
    let view = s.view();
    let Some(Panel::Table { rows, .. }) = view.nodes[SERVER].panels.iter().find(|p| {
        matches!(
            p,
            Panel::Table {
                title: "lock-zk.panel.tree",
                ..
            }
        )
    }) else {
        panic!("no tree panel");
    };
    let row = |p: &str| rows.iter().find(|r| r[0] == p).cloned().unwrap_or_default();
    assert_eq!(row("/lock")[1], "persistent");
    assert_eq!(row("/lock/lock-0000000000")[1], "ephemeral sequential");
    assert_eq!(row("/lock/lock-0000000000")[2], "c3");
    assert_eq!(row("/lock/lock-0000000000")[4], "exists: c4");
    assert_eq!(row("/lock/lock-0000000001")[4], "exists: c5");
    assert_eq!(view.nodes[C3].role, "lock-zk.holding");
    assert_eq!(view.nodes[C4].role, "lock-zk.waiting");
    s.run_until(2_500 * MS);
    let got: Vec<NodeId> = noted(&s, "lock-zk.acquired").iter().map(|n| n.1).collect();
    assert_eq!(got, vec![C3, C4, C5]);
    let order: Vec<(NodeId, u32)> = [C3, C4, C5]
        .iter()
        .flat_map(|&c| (1..=3).map(move |k| (c, k)))
        .collect();
    assert_eq!(accepted(&s), order);
    // One notification per release, one child-list read per client and release.
    assert_eq!(count(&s, "WatchEvent"), 2);
    assert_eq!(count(&s, "GetChildren"), 5);
    assert_eq!(count(&s, "Exists"), 2);
    assert_eq!(stat(&s, "lock-zk.max_holders"), 1.0);
    assert_eq!(stat(&s, "lock-zk.releases"), 3.0);
    assert!(paths(&s).iter().all(|p| !p.starts_with("/lock/")));
    assert_eq!(s.headline().key, "lock-zk.headline.ok");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// Mutual exclusion is the lesson only without fencing; with it, a violation is a bug.
#[test]
fn mutual_exclusion_is_a_lesson_only_without_fencing() {
    let lessons = |q: &str| locks::lessons(&session(&format!("lab=lock-zk&{q}")));
    assert_eq!(lessons("fencing=0"), ["lock-zk.mutual-exclusion"]);
    assert!(lessons("fencing=1").is_empty());
}

/// The recipe's rule on hand-made children: a write waits for the last earlier node, a read
/// for the last earlier write.
#[test]
fn read_and_write_nodes_watch_their_last_conflicting_predecessor() {
    let kids = |names: &[&str]| -> Vec<(u64, bool, String)> {
        names
            .iter()
            .filter_map(|n| lock_zk::parse_child(n).map(|(s, r)| (s, r, n.to_string())))
            .collect()
    };
    let k = kids(&[
        "read-0000000000",
        "lock-0000000001",
        "read-0000000002",
        "read-0000000003",
        "lock-0000000004",
    ]);
    let b = |seq, read| lock_zk::blocker(&k, seq, read);
    assert_eq!(b(0, true), None);
    assert_eq!(b(1, false), Some("read-0000000000"));
    assert_eq!(b(2, true), Some("lock-0000000001"));
    assert_eq!(b(3, true), Some("lock-0000000001"));
    assert_eq!(b(4, false), Some("read-0000000003"));
}

fn w(client: NodeId, seq: u64, step: u32, last: bool, read: bool) -> WriteRec {
    WriteRec {
        at: 0,
        client,
        section: section_id(client, seq),
        step,
        last,
        token: None,
        accepted: true,
        read,
    }
}

/// The shared checker with reads: two readers interleave freely; a reader that reads again
/// after a writer wrote, or a writer that writes again after a reader read, is caught.
#[test]
fn the_storage_checker_lets_readers_share_only() {
    let run = |ws: &[WriteRec]| -> usize {
        let mut c = MutexChecker::default();
        let mut found = Vec::new();
        for x in ws {
            c.accept(&KEYS, x, &mut found);
        }
        found.len()
    };
    let readers = [
        w(2, 1, 1, false, true),
        w(3, 1, 1, false, true),
        w(2, 1, 2, true, true),
        w(3, 1, 2, true, true),
        w(4, 1, 1, true, false),
    ];
    assert_eq!(run(&readers), 0);
    let stale_reader = [
        w(2, 1, 1, false, true),
        w(4, 1, 1, false, false),
        w(2, 1, 2, true, true),
    ];
    assert_eq!(run(&stale_reader), 1);
    let writer_mid_read = [
        w(4, 1, 1, false, false),
        w(2, 1, 1, true, true),
        w(4, 1, 2, true, false),
    ];
    assert_eq!(run(&writer_mid_read), 1);
    let reader_then_write_then_reader = [
        w(2, 1, 1, false, true),
        w(3, 1, 1, false, true),
        w(2, 1, 2, true, true),
        w(4, 1, 1, false, false),
        w(3, 1, 2, true, true),
    ];
    assert_eq!(run(&reader_then_write_then_reader), 1);
}

/// The node-type commands make the four modes; a second persistent create of the same name
/// fails with NodeExists.
#[test]
fn the_four_znode_modes() {
    let mut s = session(CALM_Q);
    s.run_until(100 * MS);
    for i in 0..4 {
        s.act(create(C3, i)).unwrap();
        s.run_until((150 + 50 * i) * MS);
    }
    s.act(create(C3, 0)).unwrap();
    s.run_until(400 * MS);
    let z = &node(&s, SERVER).tree;
    assert_eq!(z["/app/p-c3"].mode, Mode::Persistent);
    assert_eq!(z["/app/ps-0000000000"].mode, Mode::PersistentSequential);
    assert_eq!(z["/app/e-c3"].mode, Mode::Ephemeral);
    assert_eq!(z["/app/es-0000000001"].mode, Mode::EphemeralSequential);
    assert!(z["/app/e-c3"].owner.is_some() && z["/app/p-c3"].owner.is_none());
    assert_eq!(noted(&s, "lock-zk.demo_exists").len(), 1);
}
