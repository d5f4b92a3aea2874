//! The local-message lab's presets (see [`crate::scenario`]): the notes' order step by step,
//! the relay retrying while the broker is down, a lost `PubAck` making duplicates that the
//! idempotent consumer suppresses (and that one that is not applies twice), a consumer crash
//! stretching the inconsistency window, the outbox surviving a crash after commit, and the two
//! naive services losing or inventing an order on the same crash. `engine/tests/tx_local_message`
//! checks each lesson. Node ids are 0-based: the client is node 0 (c1), the order service
//! node 1 (O2), the broker node 2 (B3), the inventory node 3 (I4). Every preset fixes the
//! latency at 20 ms, the local transaction at 30 ms, the relay period at 200 ms and the
//! redelivery timeout at 400 ms, and turns off random orders, so each step lands where its
//! explanation says.

use crate::scenario::ScenarioInfo;

macro_rules! calm {
    ($($p:expr),* $(,)?) => {
        &[
            ("rate", 0.0),
            ("stock", 100.0),
            ("db", 30.0),
            ("relay", 200.0),
            ("redeliver", 400.0),
            ("latency_min", 20.0),
            ("latency_max", 20.0),
            $($p,)*
        ]
    };
}

/// An order whose Publish is lost (O2 → B3 cut), the order service crashing after the commit
/// and coming back; then an order whose local transaction a crash interrupts.
const CRASH_STEPS: &[(u64, &str)] = &[
    (100, "y1-2"),
    (100, "k0-lm_order:2"),
    (200, "c1"),
    (400, "r1"),
    (400, "g1-2"),
    (1_000, "k0-lm_order:3"),
    (1_030, "c1"),
    (1_200, "r1"),
];

/// B3's PubAck to O2 is lost from 50 to 600 ms: the relay publishes the message again.
const PUBACK_LOST: &[(u64, &str)] = &[(50, "y2-1"), (100, "k0-lm_order:2"), (600, "g2-1")];

pub const SCENARIOS: &[ScenarioInfo] = &[
    // Order at 100 ms: O2 begins at 120, commits order + outbox row at 150 and publishes; B3
    // enqueues at 170; the PubAck marks the row sent and the Deliver is applied at 190
    // (window 40 ms); B3 has the Ack at 210. A second order at 500 ms.
    ScenarioInfo {
        id: "lm-order",
        seed: 1,
        params: calm![],
        steps: &[(100, "k0-lm_order:2"), (500, "k0-lm_order:3")],
        duration_ms: 1_000,
    },
    // The broker is down from 50 to 700 ms: the Publish at 150 and the relay's retries at 400
    // and 600 are lost; the retry at 800 reaches it, applied at 840 (window 690 ms).
    ScenarioInfo {
        id: "lm-broker-down",
        seed: 1,
        params: calm![],
        steps: &[(50, "c2"), (100, "k0-lm_order:2"), (700, "r2")],
        duration_ms: 1_500,
    },
    // PubAck lost: the relay publishes #1 again at 400 and 600 ms; B3 enqueues it three times;
    // the consumer applies the first and suppresses the two repeats.
    ScenarioInfo {
        id: "lm-duplicate-suppressed",
        seed: 1,
        params: calm![("idempotent", 1.0)],
        steps: PUBACK_LOST,
        duration_ms: 1_200,
    },
    // The same with a consumer that does not consult its processed table: applied 3 times.
    ScenarioInfo {
        id: "lm-not-idempotent",
        seed: 1,
        params: calm![("idempotent", 0.0)],
        steps: PUBACK_LOST,
        duration_ms: 1_200,
    },
    // The consumer is down from 150 to 2,000 ms: B3 redelivers at 570, 970, 1,370, 1,770 and
    // 2,170 ms, applied at 2,190 (window 2,040 ms).
    ScenarioInfo {
        id: "lm-consumer-crash",
        seed: 1,
        params: calm![],
        steps: &[(100, "k0-lm_order:2"), (150, "c3"), (2_000, "r3")],
        duration_ms: 3_000,
    },
    // The outbox: #1's row survives O2's crash and the relay publishes it at 600 ms; #2's
    // transaction is cut short by the crash at 1,030 ms, so neither its order nor its row exist.
    ScenarioInfo {
        id: "lm-outbox-crash",
        seed: 1,
        params: calm![("mode", 0.0)],
        steps: CRASH_STEPS,
        duration_ms: 3_000,
    },
    // Commit, then publish from memory: the crash at 200 ms loses #1's message for good.
    ScenarioInfo {
        id: "lm-commit-then-publish",
        seed: 1,
        params: calm![("mode", 1.0)],
        steps: CRASH_STEPS,
        duration_ms: 3_000,
    },
    // Publish, then commit: #1 is published at 120 ms and applied at 160; O2 crashes at 130,
    // before its commit at 150, so the inventory took stock for an order that does not exist.
    ScenarioInfo {
        id: "lm-publish-then-commit",
        seed: 1,
        params: calm![("mode", 2.0)],
        steps: &[(100, "k0-lm_order:2"), (130, "c1"), (400, "r1")],
        duration_ms: 1_500,
    },
];
