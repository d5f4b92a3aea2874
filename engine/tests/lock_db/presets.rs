//! Each preset's lesson.

use super::*;

#[test]
fn preset_basic_one_writer_at_a_time() {
    let s = played("db-basic");
    assert_eq!(stat(&s, "lock-db.grants"), 2.0);
    assert_eq!(stat(&s, "lock-db.failed"), 4.0);
    assert_eq!(stat(&s, "lock-db.max_holders"), 1.0);
    assert_eq!(stat(&s, "lock-db.writes"), 6.0);
    assert!(s.violations().is_empty());
    assert!(!s.is_lesson(&s.properties()[0]));
}

/// The holder crashes: its row stays for good; c4 and c5 poll until the end, the database
/// lists both as waiting, and their wait grows with the run (no violation: nobody writes).
#[test]
fn preset_holder_crash_the_row_stays_and_everyone_waits() {
    let s = played("db-holder-crash");
    assert_eq!(stat(&s, "lock-db.grants"), 1.0);
    assert_eq!(stat(&s, "lock-db.stuck"), 2.0);
    assert_eq!(stat(&s, "lock-db.longest_wait_ms"), 3_850.0);
    assert!(stat(&s, "lock-db.failed") > 100.0);
    assert_eq!(stat(&s, "lock-db.writes"), 2.0);
    let db = node(&s, DB);
    assert_eq!(db.rows.len(), 1);
    assert_eq!(db.waiters.keys().copied().collect::<Vec<_>>(), [C4, C5]);
    assert!(db
        .waiters
        .values()
        .all(|w| w.fails > 50 && w.last > 3_900 * MS));
    assert_eq!(s.headline().key, "lock-db.headline.stuck");
    assert_eq!(s.headline().args[0], "2");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// Polling every 20 ms against every 200 ms: the fast poll loads the database with many
/// times the INSERTs (most of them failing) for somewhat more grants and shorter waits.
#[test]
fn preset_polling_load_against_a_slow_poll() {
    let fast = played("db-polling");
    let slow = played("db-polling-slow");
    let (fi, si) = (
        stat(&fast, "lock-db.inserts_per_s"),
        stat(&slow, "lock-db.inserts_per_s"),
    );
    println!(
        "poll 20 ms: {fi} INSERTs/s, {} failed per grant, {} grants, longest wait {} ms; \
         poll 200 ms: {si} INSERTs/s, {} failed per grant, {} grants, longest wait {} ms",
        stat(&fast, "lock-db.polls_per_grant"),
        stat(&fast, "lock-db.grants"),
        stat(&fast, "lock-db.longest_wait_ms"),
        stat(&slow, "lock-db.polls_per_grant"),
        stat(&slow, "lock-db.grants"),
        stat(&slow, "lock-db.longest_wait_ms"),
    );
    assert!(fi > 150.0 && fi > 4.0 * si, "{fi} {si}");
    assert!(stat(&fast, "lock-db.polls_per_grant") > 15.0);
    assert!(stat(&fast, "lock-db.failed") > 0.9 * stat(&fast, "lock-db.inserts"));
    assert!(stat(&fast, "lock-db.grants") > stat(&slow, "lock-db.grants"));
    assert!(stat(&slow, "lock-db.longest_wait_ms") > stat(&fast, "lock-db.longest_wait_ms"));
    assert!(fast.violations().is_empty() && slow.violations().is_empty());
}

/// Not re-entrant: c3's second INSERT fails on its own row; it polls itself for ever and c4
/// waits behind it.
#[test]
fn preset_not_reentrant_the_holder_waits_for_itself() {
    let s = played("db-not-reentrant");
    assert_eq!(noted(&s, "lock-db.reenter"), vec![(140 * MS, C3, 0)]);
    let blocked = noted(&s, "lock-db.self_blocked");
    assert_eq!(blocked[0], (160 * MS, C3, 0));
    assert!(blocked.len() > 30 && blocked.iter().all(|n| n.1 == C3));
    assert_eq!(stat(&s, "lock-db.grants"), 1.0);
    assert_eq!(stat(&s, "lock-db.reentered"), 0.0);
    assert_eq!(stat(&s, "lock-db.writes"), 1.0);
    assert_eq!(stat(&s, "lock-db.stuck"), 1.0);
    assert_eq!(s.view().nodes[C3].role, "lock-db.self_blocked");
    assert!(s.violations().is_empty());
}

/// The owner column: c3's second INSERT raises the count to 2; both releases bring it back
/// to 0 and delete the row; c4 then does the same.
#[test]
fn preset_owner_column_makes_it_reentrant() {
    let s = played("db-reentrant-owner");
    let up = noted(&s, "lock-db.count_up");
    assert_eq!(up.len(), 2);
    assert_eq!(up[0], (150 * MS, DB, 2));
    assert_eq!(noted(&s, "lock-db.count_down")[0].2, 1);
    assert_eq!(stat(&s, "lock-db.reentered"), 2.0);
    assert_eq!(stat(&s, "lock-db.self_blocked"), 0.0);
    assert_eq!(stat(&s, "lock-db.grants"), 2.0);
    assert_eq!(
        accepted(&s),
        vec![(C3, 1), (C3, 2), (C3, 3), (C4, 1), (C4, 2), (C4, 3)]
    );
    assert!(node(&s, DB).rows.is_empty());
    assert!(s.violations().is_empty());
}

/// The database down for a second with its table on disk: c4 waits over a second, c3's
/// DELETE is retried until the restart, the row survives the restart; no violation.
#[test]
fn preset_db_crash_everyone_stalls_but_the_lock_is_kept() {
    let s = played("db-crash");
    assert_eq!(noted(&s, "lock-db.recovered"), vec![(1_200 * MS, DB, 1)]);
    assert!(stat(&s, "lock-db.longest_wait_ms") >= 1_000.0);
    assert!(count(&s, "Delete") >= 5, "{}", count(&s, "Delete"));
    let got = noted(&s, "lock-db.acquired");
    assert_eq!(got.len(), 2);
    assert!(got[1].0 > 1_200 * MS && got[1].1 == C4, "{got:?}");
    assert_eq!(stat(&s, "lock-db.max_holders"), 1.0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert!(!s.is_lesson(&s.properties()[0]));
}

/// The same crash with a MEMORY table: the restart empties it while c3 writes; c4 gets the
/// lock and the two sections interleave (a lesson).
#[test]
fn preset_db_crash_with_an_in_memory_table_loses_the_lock() {
    let s = played("db-crash-memory");
    assert_eq!(noted(&s, "lock-db.recovered"), vec![(400 * MS, DB, 0)]);
    assert_eq!(stat(&s, "lock-db.max_holders"), 2.0);
    let v = s.violations();
    assert!(!v.is_empty());
    assert!(v.iter().all(|v| v.invariant == "lock-db.mutual-exclusion"));
    assert!(v[0].text.starts_with("c3's section"), "{}", v[0].text);
    assert!(s.is_lesson(&s.properties()[0]));
    assert_eq!(s.headline().key, "lock-db.headline.overlap");
}

/// The expiry job deletes the crashed holder's row at 700 ms; c4 gets the lock.
#[test]
fn preset_expiry_frees_a_crashed_holders_lock() {
    let s = played("db-expiry-crash");
    assert_eq!(noted(&s, "lock-db.swept"), vec![(700 * MS, DB, 3)]);
    let got = noted(&s, "lock-db.acquired");
    assert_eq!(got.len(), 2);
    assert!(got[1].0 > 700 * MS && got[1].1 == C4, "{got:?}");
    assert_eq!(stat(&s, "lock-db.stuck"), 0.0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert!(s.is_lesson(&s.properties()[0]));
}

/// The expiry job deletes a paused holder's row too: c3 wakes up and writes into c4's section.
#[test]
fn preset_expiry_with_a_paused_holder_two_writers() {
    let s = played("db-expiry-pause");
    assert_eq!(noted(&s, "lock-db.swept"), vec![(700 * MS, DB, 3)]);
    assert_eq!(stat(&s, "lock-db.max_holders"), 2.0);
    let v = s.violations();
    assert!(!v.is_empty());
    assert_eq!(v[0].time, 1_010 * MS);
    assert!(v[0].text.starts_with("c3's section"), "{}", v[0].text);
    assert!(s.is_lesson(&s.properties()[0]));
    let order = accepted(&s);
    let c3_late = order.iter().position(|&x| x == (C3, 3)).unwrap();
    let c4_first = order.iter().position(|&x| x == (C4, 1)).unwrap();
    assert!(c4_first < c3_late, "{order:?}");
}

/// The lock command on a client already acquiring or holding is noted, not repeated.
#[test]
fn a_second_lock_command_while_busy_is_noted() {
    let mut s = session(CALM_Q);
    s.act(lock(C3)).unwrap();
    s.run_until(50 * MS);
    s.act(lock(C3)).unwrap();
    s.run_until(1_000 * MS);
    assert_eq!(noted(&s, "lock-db.busy").len(), 1);
    assert_eq!(noted(&s, "lock-db.acquire").len(), 1);
}
