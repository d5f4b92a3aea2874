//! Each preset's lesson.

use super::*;

/// Two holders and interleaved writes: the lesson, shown as such (fencing off).
fn assert_two_writers(s: &NetSession<LockRedlock>) {
    assert_eq!(stat(s, "lock-redlock.max_holders"), 2.0);
    let v = s.violations();
    assert!(!v.is_empty());
    assert!(v
        .iter()
        .all(|v| v.invariant == "lock-redlock.mutual-exclusion"));
    assert!(v[0].text.starts_with("c7's section"), "{}", v[0].text);
    assert!(s.is_lesson(&s.properties()[0]));
    assert_eq!(s.headline().key, "lock-redlock.headline.overlap");
    // The chart of believed holders goes above its dashed 1.
    let chart = s.series();
    assert_eq!(chart[0].key, "lock-redlock.holders");
    assert!(chart[0].points.iter().any(|p| p.1 == 2.0));
}

/// One holder at a time, both clients served.
fn assert_one_writer(s: &NetSession<LockRedlock>, writes: f64) {
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(stat(s, "lock-redlock.max_holders"), 1.0);
    assert_eq!(stat(s, "lock-redlock.won"), 2.0);
    assert_eq!(stat(s, "lock-redlock.writes"), writes);
    assert!(s.series()[0].points.iter().all(|p| p.1 <= 1.0));
}

#[test]
fn preset_basic_one_writer_at_a_time() {
    let s = played("redlock-basic");
    assert_one_writer(&s, 6.0);
    assert_eq!(noted(&s, "lock-redlock.acquired")[0], (200 * MS, C7, 5));
    assert!(stat(&s, "lock-redlock.no_majority") >= 1.0);
}

/// Two of five down: c7's SETs to R1 and R2 time out; R3–R5 grant, 3 of 5, valid 333 ms.
#[test]
fn preset_minority_down_the_lock_still_works() {
    let s = played("redlock-minority-down");
    assert_one_writer(&s, 6.0);
    assert_eq!(noted(&s, "lock-redlock.acquired")[0], (260 * MS, C7, 3));
    let Phase::Idle = node(&s, C7).phase else {
        panic!("c7 should have released");
    };
    assert!(stat(&s, "lock-redlock.timeouts") >= 4.0);
}

/// R3 restarts without its data; c8 assembles R3, R4, R5 while c7 holds R1–R3.
#[test]
fn preset_restart_without_persistence_gives_two_holders() {
    let s = played("redlock-restart");
    assert_eq!(
        noted(&s, "lock-redlock.restarted_empty"),
        vec![(320 * MS, 2, 0)]
    );
    let got = noted(&s, "lock-redlock.acquired");
    assert_eq!(got[0], (260 * MS, C7, 3));
    assert_eq!(got[1], (450 * MS, C8, 3));
    assert_two_writers(&s);
    assert_eq!(stat(&s, "lock-redlock.wiped"), 1.0);
    // c7's step 3 lies between c8's writes.
    let order = accepted(&s);
    let c8_first = order.iter().position(|&x| x == (C8, 1)).unwrap();
    let c7_late = order.iter().position(|&x| x == (C7, 3)).unwrap();
    assert!(c8_first < c7_late, "{order:?}");
}

/// With persistence R3 reloads c7's key: c8 gets two of five and waits.
#[test]
fn preset_restart_with_persistence_keeps_one_holder() {
    let s = played("redlock-restart-persist");
    assert_eq!(noted(&s, "lock-redlock.aof_loaded"), vec![(320 * MS, 2, 1)]);
    assert_eq!(noted(&s, "lock-redlock.no_majority")[0].2, 2);
    assert_one_writer(&s, 8.0);
}

/// A delayed restart: R3 refuses every SET for 500 ms, so c8 has only R4 and R5.
#[test]
fn preset_restart_delay_keeps_one_holder() {
    let s = played("redlock-restart-delay");
    assert_eq!(noted(&s, "lock-redlock.delaying"), vec![(320 * MS, 2, 500)]);
    assert!(!noted(&s, "lock-redlock.quiet").is_empty());
    assert_eq!(noted(&s, "lock-redlock.no_majority")[0].2, 2);
    assert_one_writer(&s, 8.0);
}

/// R3's clock jumps 400 ms ahead: c7's key there is due at once, c8 gets a majority.
#[test]
fn preset_clock_jump_expires_the_key_early() {
    let s = played("redlock-clock-jump");
    // c8's SET reaches R3 at 400 ms, before the key's true-time expiry (650 ms).
    let expired = noted(&s, "lock-redlock.expired");
    assert_eq!(expired[0], (400 * MS, 2, 7));
    assert_eq!(noted(&s, "lock-redlock.acquired")[1], (450 * MS, C8, 3));
    assert_two_writers(&s);
}

/// c7 paused past its validity: its keys expire, c8 gets the lock, c7 writes into c8's section.
#[test]
fn preset_gc_pause_two_writers_on_the_storage() {
    let s = played("redlock-gc-pause");
    assert_two_writers(&s);
    assert_eq!(s.violations()[0].time, 1_010 * MS);
    assert!(stat(&s, "lock-redlock.validity_over") >= 1.0);
    assert_eq!(stat(&s, "lock-redlock.rejected"), 0.0);
    assert_eq!(stat(&s, "lock-redlock.expired"), 5.0);
}

/// The same pause with fencing: token 1 (c7) after token 2 (c8) is rejected.
#[test]
fn preset_gc_pause_fenced_the_stale_write_is_rejected() {
    let s = played("redlock-gc-pause-fenced");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(stat(&s, "lock-redlock.max_holders"), 2.0);
    assert_eq!(stat(&s, "lock-redlock.rejected"), 1.0);
    assert_eq!(noted(&s, KEYS.note_reject), vec![(1_010 * MS, STORAGE, 1)]);
    assert_eq!(noted(&s, "lock-redlock.fenced_off").len(), 1);
    assert_eq!(node(&s, STORAGE).storage.highest, 2);
    assert!(!s.is_lesson(&s.properties()[0]));
    assert_eq!(s.view().nodes[STORAGE].role, KEYS.role_fenced);
}

/// Fencing is the remedy for all three ways to two holders: with it, each two-holder preset
/// ends with the stale writes rejected and no interleaving; with a storage that ignores the
/// tokens, the checker catches each one.
#[test]
fn fencing_remedies_every_two_holder_preset() {
    for id in ["redlock-restart", "redlock-clock-jump", "redlock-gc-pause"] {
        let s = preset_with(id, "fencing=1", |_| {});
        assert!(s.violations().is_empty(), "{id}: {:?}", s.violations());
        assert_eq!(stat(&s, "lock-redlock.max_holders"), 2.0, "{id}");
        assert!(stat(&s, "lock-redlock.rejected") >= 1.0, "{id}");
        let s = preset_with(id, "fencing=1", |c| c.broken_storage_ignores_tokens = true);
        assert!(
            !s.violations().is_empty(),
            "{id}: the broken storage not caught"
        );
        assert!(!s.is_lesson(&s.properties()[0]), "{id}");
    }
}
