//! Each preset's lesson, and the herd effect growing with the number of clients.

use super::*;

fn grants(s: &NetSession<LockZk>) -> Vec<(Time, NodeId)> {
    let mut g: Vec<(Time, NodeId)> = noted(s, "lock-zk.acquired")
        .into_iter()
        .chain(noted(s, "lock-zk.acquired_read"))
        .map(|n| (n.0, n.1))
        .collect();
    g.sort();
    g
}

#[test]
fn preset_basic_the_smallest_holds_in_creation_order() {
    let s = played("zk-basic");
    assert_eq!(
        grants(&s),
        vec![(140 * MS, C3), (440 * MS, C4), (740 * MS, C5)]
    );
    assert_eq!(stat(&s, "lock-zk.notifications"), 2.0);
    assert_eq!(stat(&s, "lock-zk.max_holders"), 1.0);
    assert_eq!(stat(&s, "lock-zk.writes"), 9.0);
    assert!(s.violations().is_empty());
}

/// The herd: every change wakes every waiter; watching the predecessor wakes one.
#[test]
fn preset_herd_against_predecessor() {
    let herd = played("zk-herd");
    let pred = played("zk-predecessor");
    let n = |s: &NetSession<LockZk>| stat(s, "lock-zk.notifications_per_release");
    let r = |s: &NetSession<LockZk>| stat(s, "lock-zk.child_reads_per_release");
    println!(
        "herd: {:.2} notifications, {:.2} reads per release; predecessor: {:.2}, {:.2}",
        n(&herd),
        r(&herd),
        n(&pred),
        r(&pred)
    );
    assert!(
        n(&herd) > 8.0 && r(&herd) > 8.0,
        "{} {}",
        n(&herd),
        r(&herd)
    );
    assert!(
        n(&pred) <= 1.0 && r(&pred) < 2.5,
        "{} {}",
        n(&pred),
        r(&pred)
    );
    assert!(stat(&herd, "lock-zk.grants") >= 40.0);
    assert!(stat(&pred, "lock-zk.grants") >= 40.0);
    assert!(herd.violations().is_empty() && pred.violations().is_empty());
    assert_eq!(stat(&pred, "lock-zk.max_holders"), 1.0);
    // The tree panel shows the herd's child watches on /lock.
    assert!(node(&herd, SERVER).child_watches.contains_key("/lock"));
}

/// The herd's cost per release grows with n; the predecessor's stays about one.
#[test]
fn the_herd_grows_with_the_number_of_clients() {
    let per = |clients: u64, herd: u64| -> f64 {
        let mut s = session(&format!(
            "lab=lock-zk&clients={clients}&herd={herd}&think=50&steps=2&work=50&latency_min=10&latency_max=10&seed=1"
        ));
        s.set_keep_trace(false);
        s.run_until(5_000 * MS);
        assert!(s.violations().is_empty());
        stat(&s, "lock-zk.notifications_per_release")
    };
    let herd: Vec<f64> = [2, 4, 8].iter().map(|&c| per(c, 1)).collect();
    let pred: Vec<f64> = [2, 4, 8].iter().map(|&c| per(c, 0)).collect();
    println!("herd {herd:?}, predecessor {pred:?}");
    assert!(herd[0] < herd[1] && herd[1] < herd[2], "{herd:?}");
    assert!(herd[2] > 3.0 * herd[0], "{herd:?}");
    assert!(pred.iter().all(|&p| p <= 1.0), "{pred:?}");
}

/// The holder crashes; the server last heard from it at 210 ms, so its session expires at
/// 810 ms, its znode is deleted and c4 holds.
#[test]
fn preset_holder_crash_the_session_expiry_frees_the_lock() {
    let s = played("zk-holder-crash");
    assert_eq!(
        noted(&s, "lock-zk.session_expired"),
        vec![(810 * MS, SERVER, 3)]
    );
    assert_eq!(noted(&s, "lock-zk.ephemeral_deleted").len(), 1);
    assert_eq!(grants(&s), vec![(140 * MS, C3), (840 * MS, C4)]);
    assert_eq!(stat(&s, "lock-zk.max_holders"), 1.0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// A pause past the session timeout: c3 resumes believing it holds the lock and writes into
/// c4's section before a heartbeat tells it its session expired.
#[test]
fn preset_pause_two_writers_on_the_storage() {
    let s = played("zk-pause");
    assert_eq!(grants(&s), vec![(140 * MS, C3), (840 * MS, C4)]);
    assert_eq!(stat(&s, "lock-zk.max_writers"), 2.0);
    let v = s.violations();
    assert!(!v.is_empty());
    assert!(v[0].text.starts_with("c3's section"), "{}", v[0].text);
    assert_eq!(v[0].time, 1_010 * MS);
    assert!(s.is_lesson(&s.properties()[0]));
    // c3 learns only after its write went out.
    assert_eq!(noted(&s, "lock-zk.expired_told"), vec![(1_020 * MS, C3, 1)]);
    assert_eq!(s.headline().key, "lock-zk.headline.overlap");
}

/// The same pause, fenced by the czxid: the storage rejects c3's late write.
#[test]
fn preset_pause_fenced_the_stale_write_is_rejected() {
    let s = played("zk-pause-fenced");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let c3 = noted(&s, "lock-zk.acquired")[0].2;
    let c4 = noted(&s, "lock-zk.acquired")[1].2;
    assert!(c3 < c4);
    assert_eq!(noted(&s, KEYS.note_reject), vec![(1_010 * MS, STORAGE, c3)]);
    assert_eq!(noted(&s, "lock-zk.fenced_off").len(), 1);
    assert_eq!(node(&s, STORAGE).storage.highest, c4);
    assert!(!s.is_lesson(&s.properties()[0]));
}

/// Cut off from the server (not the storage), c3 writes on after its session expired.
#[test]
fn preset_partition_the_cut_off_holder_writes_on() {
    let s = played("zk-partition");
    assert_eq!(
        noted(&s, "lock-zk.session_expired").first().map(|n| n.0),
        Some(810 * MS)
    );
    assert!(!s.violations().is_empty());
    assert_eq!(stat(&s, "lock-zk.max_writers"), 2.0);
    let told = noted(&s, "lock-zk.expired_told");
    assert!(told.len() == 1 && told[0].0 > 1_600 * MS, "{told:?}");
}

/// Readers share, the writer waits for both, the last reader waits only for the writer.
#[test]
fn preset_rw_lock_readers_share_and_a_writer_waits() {
    let s = played("zk-rw-lock");
    let g = grants(&s);
    assert_eq!(g.iter().map(|x| x.1).collect::<Vec<_>>(), [C3, C4, C5, C6]);
    let released: Vec<(Time, NodeId)> = noted(&s, "lock-zk.released")
        .iter()
        .map(|n| (n.0, n.1))
        .collect();
    let at = |c: NodeId, v: &[(Time, NodeId)]| v.iter().find(|x| x.1 == c).map(|x| x.0);
    // c4 reads before c3 releases; c5 after both; c6 after c5.
    assert!(at(C4, &g) < at(C3, &released));
    assert!(at(C5, &g) > at(C3, &released) && at(C5, &g) > at(C4, &released));
    assert!(at(C6, &g) > at(C5, &released));
    assert_eq!(stat(&s, "lock-zk.max_holders"), 2.0);
    assert_eq!(stat(&s, "lock-zk.max_writers"), 1.0);
    assert_eq!(stat(&s, "lock-zk.read_grants"), 3.0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    // c6 set one exists watch (on c5's node, the last write before it), not one per reader.
    let c6_exists = sends_of(s.trace(), "Exists").filter(|x| x.1 == C6).count();
    assert_eq!(c6_exists, 1);
}

/// The four types: the ephemeral ones vanish with the session, the persistent ones stay.
#[test]
fn preset_node_types_ephemerals_go_with_the_session() {
    let s = played("zk-node-types");
    let p = paths(&s);
    assert!(p.contains(&"/app/p-c3".to_string()));
    assert!(p.contains(&"/app/ps-0000000000".to_string()));
    assert!(!p.iter().any(|x| x.starts_with("/app/e")));
    assert_eq!(
        noted(&s, "lock-zk.ephemeral_deleted")
            .iter()
            .map(|n| n.0)
            .collect::<Vec<_>>(),
        vec![860 * MS, 860 * MS]
    );
}

/// The lock command on a client already acquiring or holding is noted, not repeated.
#[test]
fn a_second_lock_command_while_busy_is_noted() {
    let mut s = session(CALM_Q);
    s.run_until(50 * MS);
    s.act(lock(C3)).unwrap();
    s.run_until(60 * MS);
    s.act(read_lock(C3)).unwrap();
    s.run_until(1_000 * MS);
    assert_eq!(noted(&s, "lock-zk.busy").len(), 1);
    assert_eq!(noted(&s, "lock-zk.acquire").len(), 1);
}
