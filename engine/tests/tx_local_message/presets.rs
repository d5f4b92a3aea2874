//! Each preset's lesson.

use super::*;

fn summary(s: &NetSession<TxLocalMessage>) -> serde_json::Value {
    s.summary()
}

/// The order preset: two orders, each applied once, window 40 ms.
#[test]
fn preset_order_applies_both_once() {
    let mut s = preset("lm-order");
    s.run_until(1_000 * MS);
    assert_eq!(node(&s, INVENTORY).stock, 95);
    assert_eq!(note_times(&s, "tx-local-message.apply"), vec![190, 590]);
    assert_eq!(stat(&s, "tx-local-message.window_max_ms"), 40.0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// The broker is down: the row stays pending in the outbox and the relay retries until the
/// broker is back; the order is applied once, late.
#[test]
fn preset_broker_down_relay_retries_until_acknowledged() {
    let mut s = preset("lm-broker-down");
    s.run_until(700 * MS);
    assert!(!node(&s, ORDER).outbox[&1].sent);
    assert_eq!(node(&s, ORDER).outbox[&1].attempts, 3);
    assert_eq!(node(&s, INVENTORY).stock, 100);
    s.run_until(1_500 * MS);
    assert_eq!(
        note_times(&s, "tx-local-message.republish"),
        vec![400, 600, 800]
    );
    assert_eq!(note_times(&s, "tx-local-message.apply"), vec![840]);
    assert!(node(&s, ORDER).outbox[&1].sent);
    assert_eq!(node(&s, INVENTORY).stock, 98);
    assert_eq!(stat(&s, "tx-local-message.window_max_ms"), 690.0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// A lost PubAck: the relay publishes again, the broker queues three copies, the idempotent
/// consumer applies one and suppresses two.
#[test]
fn preset_lost_puback_duplicates_are_suppressed() {
    let mut s = preset("lm-duplicate-suppressed");
    s.run_until(1_200 * MS);
    assert_eq!(
        note_times(&s, "tx-local-message.enqueue"),
        vec![170, 420, 620]
    );
    assert_eq!(note_times(&s, "tx-local-message.apply"), vec![190]);
    assert_eq!(
        note_times(&s, "tx-local-message.dup_suppressed"),
        vec![440, 640]
    );
    assert_eq!(node(&s, BROKER).queue.len(), 3);
    assert_eq!(node(&s, INVENTORY).stock, 98);
    assert_eq!(stat(&s, "tx-local-message.suppressed"), 2.0);
    assert_eq!(stat(&s, "tx-local-message.double_applied"), 0.0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// The same, not idempotent: order #1 applied three times, each repeat caught and counted.
#[test]
fn preset_not_idempotent_applies_twice_and_is_caught() {
    let mut s = preset("lm-not-idempotent");
    s.run_until(1_200 * MS);
    assert_eq!(
        note_times(&s, "tx-local-message.apply_again"),
        vec![440, 640]
    );
    assert_eq!(node(&s, INVENTORY).stock, 94);
    assert_eq!(stat(&s, "tx-local-message.double_applied"), 2.0);
    assert_eq!(summary(&s)["double_applied"], 2);
    assert_eq!(
        invariants(&s),
        vec![
            "tx-local-message.at-most-once",
            "tx-local-message.at-most-once"
        ]
    );
    assert_eq!(s.violations()[0].time, 440 * MS);
    assert_eq!(s.headline().key, "tx-local-message.headline.double");
    s.check_eventually();
    assert!(invariants(&s).contains(&"tx-local-message.exactly-once"));
}

/// The consumer is down: the broker redelivers until it is back; applied once, 2,040 ms after
/// the commit.
#[test]
fn preset_consumer_crash_makes_a_long_window() {
    let mut s = preset("lm-consumer-crash");
    s.run_until(3_000 * MS);
    assert_eq!(
        note_times(&s, "tx-local-message.redeliver"),
        vec![570, 970, 1_370, 1_770, 2_170]
    );
    assert_eq!(note_times(&s, "tx-local-message.apply"), vec![2_190]);
    assert_eq!(stat(&s, "tx-local-message.window_max_ms"), 2_040.0);
    assert_eq!(summary(&s)["window_max_ms"], 2_040.0);
    assert_eq!(node(&s, INVENTORY).stock, 98);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// The outbox: the row survives the crash after commit and is published after the restart;
/// the transaction a crash interrupts leaves neither order nor row.
#[test]
fn preset_outbox_survives_the_crash() {
    let mut s = preset("lm-outbox-crash");
    s.run_until(3_000 * MS);
    let o = node(&s, ORDER);
    assert_eq!(o.orders.keys().copied().collect::<Vec<_>>(), vec![1]);
    assert_eq!(o.outbox.keys().copied().collect::<Vec<_>>(), vec![1]);
    assert!(o.outbox[&1].sent);
    assert_eq!(note_times(&s, "tx-local-message.republish"), vec![600]);
    assert_eq!(note_times(&s, "tx-local-message.apply"), vec![640]);
    assert_eq!(node(&s, INVENTORY).stock, 98);
    assert_eq!(node(&s, CLIENT).ledger[&2].placed, None);
    assert_eq!(stat(&s, "tx-local-message.window_max_ms"), 490.0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// Commit, then publish from memory: the same crash loses order #1's message for good; the
/// checker reports the committed order that never reached the inventory — but only once the
/// run has been healthy for longer than any retry needs.
#[test]
fn preset_commit_then_publish_loses_an_order() {
    let mut s = preset("lm-commit-then-publish");
    s.run_until(1_500 * MS);
    assert_eq!(s.check_eventually(), 0, "too early to call it lost");
    s.run_until(3_000 * MS);
    assert!(node(&s, ORDER).orders.contains_key(&1));
    assert!(node(&s, ORDER).outbox.is_empty());
    assert_eq!(node(&s, CLIENT).ledger[&1].placed, Some(170 * MS));
    assert_eq!(node(&s, INVENTORY).stock, 100);
    assert_eq!(stat(&s, "tx-local-message.unapplied"), 1.0);
    assert!(s.check_eventually() > 0);
    assert_eq!(invariants(&s), vec!["tx-local-message.exactly-once"]);
    assert!(s.violations()[0]
        .text
        .contains("never reached the inventory"));
}

/// Publish, then commit: the crash before the commit leaves the inventory applying an order
/// that was never placed.
#[test]
fn preset_publish_then_commit_invents_an_order() {
    let mut s = preset("lm-publish-then-commit");
    s.run_until(1_500 * MS);
    assert_eq!(note_times(&s, "tx-local-message.apply"), vec![160]);
    assert!(node(&s, ORDER).orders.is_empty());
    assert_eq!(node(&s, INVENTORY).stock, 98);
    assert_eq!(stat(&s, "tx-local-message.phantoms"), 1.0);
    assert_eq!(s.headline().key, "tx-local-message.headline.phantom");
    assert!(s.check_eventually() > 0);
    assert_eq!(invariants(&s), vec!["tx-local-message.exactly-once"]);
    assert!(s.violations()[0].text.contains("never committed"));
}
