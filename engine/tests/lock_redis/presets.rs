//! Each preset's lesson.

use super::*;

#[test]
fn preset_basic_one_writer_at_a_time() {
    let s = played("redis-basic");
    assert_eq!(stat(&s, "lock-redis.grants"), 2.0);
    assert!(stat(&s, "lock-redis.refusals") >= 1.0);
    assert_eq!(stat(&s, "lock-redis.max_holders"), 1.0);
    assert_eq!(stat(&s, "lock-redis.writes"), 6.0);
    assert!(s.violations().is_empty());
}

/// The holder crashes; the key expires at 610 ms (set at 110, PX 500) and c4 gets the lock.
#[test]
fn preset_holder_crash_the_expiry_frees_the_lock() {
    let s = played("redis-holder-crash");
    assert_eq!(noted(&s, "lock-redis.expired"), vec![(610 * MS, REDIS, 3)]);
    let got = noted(&s, "lock-redis.acquired");
    assert_eq!(got.len(), 2);
    assert!(got[1].0 > 610 * MS && got[1].1 == C4, "{got:?}");
    assert_eq!(stat(&s, "lock-redis.max_holders"), 1.0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// A GC pause past the expiry: c3 resumes believing it holds the lock and writes into c4's
/// section; the checker shows it (a lesson, as fencing is off).
#[test]
fn preset_gc_pause_two_writers_on_the_storage() {
    let s = played("redis-gc-pause");
    assert_eq!(stat(&s, "lock-redis.max_holders"), 2.0);
    let v = s.violations();
    assert!(!v.is_empty());
    assert!(v
        .iter()
        .all(|v| v.invariant == "lock-redis.mutual-exclusion"));
    assert!(v[0].text.starts_with("c3's section"), "{}", v[0].text);
    assert_eq!(v[0].time, 1_010 * MS);
    assert!(s.is_lesson(&s.properties()[0]));
    assert_eq!(stat(&s, "lock-redis.rejected"), 0.0);
    assert_eq!(s.headline().key, "lock-redis.headline.overlap");
    // c3's late step 3 lies between c4's writes.
    let order = accepted(&s);
    let c3_late = order.iter().position(|&x| x == (C3, 3)).unwrap();
    let c4_first = order.iter().position(|&x| x == (C4, 1)).unwrap();
    assert!(c4_first < c3_late, "{order:?}");
}

/// The same pause with fencing: the storage rejects c3's token 1 after c4's token 2; no
/// violation, and c3 gives up.
#[test]
fn preset_gc_pause_fenced_the_stale_write_is_rejected() {
    let s = played("redis-gc-pause-fenced");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(stat(&s, "lock-redis.rejected"), 1.0);
    assert_eq!(noted(&s, KEYS.note_reject), vec![(1_010 * MS, STORAGE, 1)]);
    assert_eq!(noted(&s, "lock-redis.fenced_off").len(), 1);
    assert_eq!(node(&s, STORAGE).storage.highest, 2);
    assert!(!s.is_lesson(&s.properties()[0]));
    assert_eq!(s.view().nodes[STORAGE].role, KEYS.role_fenced);
}

/// A late plain DEL deletes c4's lock, c5 gets it while c4 writes: interleaved.
#[test]
fn preset_plain_del_deletes_another_clients_lock() {
    let s = played("redis-plain-del");
    let del = noted(&s, "lock-redis.del_other");
    assert_eq!(del.first(), Some(&(1_510 * MS, REDIS, 4)));
    assert!(stat(&s, "lock-redis.deleted_other") >= 1.0);
    assert_eq!(stat(&s, "lock-redis.max_holders"), 2.0);
    let v = s.violations();
    assert!(!v.is_empty());
    assert!(v[0].text.starts_with("c4's section"), "{}", v[0].text);
}

/// Compare-and-delete: c3's late release deletes nothing; one writer at a time.
#[test]
fn preset_compare_del_keeps_the_other_clients_lock() {
    let s = played("redis-compare-del");
    assert_eq!(
        noted(&s, "lock-redis.del_refused").first().map(|n| n.0),
        Some(1_510 * MS)
    );
    assert_eq!(stat(&s, "lock-redis.deleted_other"), 0.0);
    assert_eq!(stat(&s, "lock-redis.max_holders"), 1.0);
    assert_eq!(stat(&s, "lock-redis.grants"), 3.0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// A section longer than the TTL without a watchdog: the key expires under c3, both write.
#[test]
fn preset_no_watchdog_the_key_expires_under_a_long_section() {
    let s = played("redis-no-watchdog");
    assert_eq!(
        noted(&s, "lock-redis.expired").first().map(|n| n.0),
        Some(410 * MS)
    );
    assert!(!s.violations().is_empty());
    assert_eq!(stat(&s, "lock-redis.renewals"), 0.0);
}

/// With the watchdog the key is renewed every 100 ms and never expires under c3.
#[test]
fn preset_watchdog_keeps_the_lock_through_a_long_section() {
    let s = played("redis-watchdog");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert!(stat(&s, "lock-redis.renewals") >= 5.0);
    assert_eq!(stat(&s, "lock-redis.expired"), 0.0);
    assert_eq!(stat(&s, "lock-redis.grants"), 2.0);
    assert_eq!(stat(&s, "lock-redis.max_holders"), 1.0);
    // The storage keeps the newest ten writes: c3's last four, then all of c4's.
    let c3 = (3..=6).map(|k| (C3, k));
    let c4 = (1..=6).map(|k| (C4, k));
    assert_eq!(accepted(&s), c3.chain(c4).collect::<Vec<_>>());
}

/// Retry storm vs FIFO queue: retries against none, uneven grants against even ones.
#[test]
fn preset_retry_storm_against_the_fifo_queue() {
    let storm = played("redis-retry-storm");
    let fifo = played("redis-fifo-queue");
    let refused = stat(&storm, "lock-redis.refusals");
    let grants = stat(&storm, "lock-redis.grants");
    println!(
        "storm: {refused} refused, {grants} grants, per client {}..{}; queue: {} refused, {} grants, per client {}..{}",
        stat(&storm, "lock-redis.grants_min"),
        stat(&storm, "lock-redis.grants_max"),
        stat(&fifo, "lock-redis.refusals"),
        stat(&fifo, "lock-redis.grants"),
        stat(&fifo, "lock-redis.grants_min"),
        stat(&fifo, "lock-redis.grants_max"),
    );
    assert!(refused > 2.0 * grants, "{refused} refused, {grants} grants");
    assert!(
        stat(&storm, "lock-redis.grants_max")
            >= 3.0 * stat(&storm, "lock-redis.grants_min").max(1.0)
    );
    assert_eq!(stat(&fifo, "lock-redis.refusals"), 0.0);
    assert!(stat(&fifo, "lock-redis.queued") > 50.0);
    assert!(stat(&fifo, "lock-redis.grants") > grants);
    assert!(stat(&fifo, "lock-redis.grants_max") - stat(&fifo, "lock-redis.grants_min") <= 1.0);
    assert!(storm.violations().is_empty() && fifo.violations().is_empty());
    // The queue panel lists the waiters, front first.
    let view = fifo.view();
    assert!(view.nodes[REDIS].panels.iter().any(|p| matches!(
        p,
        Panel::Queue {
            title: "lock-redis.panel.queue",
            ..
        }
    )));
}

/// The lock command on a client already acquiring or holding is noted, not repeated.
#[test]
fn a_second_lock_command_while_busy_is_noted() {
    let mut s = session(CALM_Q);
    s.act(lock(C3)).unwrap();
    s.run_until(50 * MS);
    s.act(lock(C3)).unwrap();
    s.run_until(1_000 * MS);
    assert_eq!(noted(&s, "lock-redis.busy").len(), 1);
    assert_eq!(noted(&s, "lock-redis.acquire").len(), 1);
}
