//! The idempotency lab's presets (see [`crate::scenario`]); `engine/tests/idempotency.rs`
//! checks that each plays its lesson. Node ids are 0-based: the server is node 0 (S1), the one
//! client node 1 (c2). Every preset has one client, no random deposits and a fixed 50 ms
//! latency, so each step lands where its explanation says: a deposit at 200 ms reaches the
//! server at 250 ms and its reply the client at 300 ms; with a 300 ms timeout and a 100 ms
//! back-off, attempts leave at 200, 600, 1,000 and 1,400 ms.

use crate::scenario::ScenarioInfo;

/// One client, no random traffic, every message 50 ms.
macro_rules! preset_params {
    ($($k:literal => $v:expr),* $(,)?) => {
        &[
            ("clients", 1.0),
            ("rate", 0.0),
            ("timeout", 300.0),
            ("backoff", 100.0),
            ("latency_min", 50.0),
            ("latency_max", 50.0),
            $(($k, $v),)*
        ]
    };
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The request is lost (c2 → S1 cut at 100 ms): the deposit never reaches the server. At
    // 500 ms the client times out, has no retry left and gives up: did it run? Unknown (it
    // did not: the balance is 0).
    ScenarioInfo {
        id: "idem-request-lost",
        seed: 1,
        params: preset_params!["retries" => 0.0, "ids" => 1.0],
        steps: &[(100, "y1-0"), (200, "k1-deposit:10"), (1_000, "g1-0")],
        duration_ms: 1_500,
    },
    // The reply is lost (S1 → c2 cut): the server applies the deposit at 250 ms (balance 10),
    // its reply is dropped; the client sees exactly what it saw when the request was lost.
    ScenarioInfo {
        id: "idem-reply-lost",
        seed: 1,
        params: preset_params!["retries" => 0.0, "ids" => 1.0],
        steps: &[(100, "y0-1"), (200, "k1-deposit:10"), (1_000, "g0-1")],
        duration_ms: 1_500,
    },
    // Blind retries: no request ids, replies lost until 1,300 ms. Every attempt (250, 650,
    // 1,050, 1,450 ms) is applied; the fourth reply gets through. One deposit of 10, balance
    // 40.
    ScenarioInfo {
        id: "idem-blind-retry",
        seed: 1,
        params: preset_params!["retries" => 3.0, "ids" => 0.0],
        steps: &[(100, "y0-1"), (200, "k1-deposit:10"), (1_300, "g0-1")],
        duration_ms: 2_000,
    },
    // The same schedule with request ids: the first attempt is applied and stored in the
    // dedupe table; the three retries are hits answered with the stored reply. Balance 10.
    ScenarioInfo {
        id: "idem-keys",
        seed: 1,
        params: preset_params!["retries" => 3.0, "ids" => 1.0, "retention" => 5_000.0],
        steps: &[(100, "y0-1"), (200, "k1-deposit:10"), (1_300, "g0-1")],
        duration_ms: 2_000,
    },
    // Retention 700 ms, shorter than the retry horizon (3 × 400 + 50 = 1,250 ms): the entry
    // stored at 250 ms expires at 950 ms; the third attempt arrives at 1,050 ms and is applied
    // again. Balance 20 for one deposit of 10.
    ScenarioInfo {
        id: "idem-expired",
        seed: 1,
        params: preset_params!["retries" => 3.0, "ids" => 1.0, "retention" => 700.0],
        steps: &[(100, "y0-1"), (200, "k1-deposit:10"), (1_300, "g0-1")],
        duration_ms: 2_000,
    },
    // No timeout, no retry, no lost message — but the network duplicates 30% of messages
    // (at-least-once delivery): two clients deposit 4 times a second and without request ids
    // every duplicated request is applied twice.
    ScenarioInfo {
        id: "idem-duplicates",
        seed: 2,
        params: &[
            ("clients", 2.0),
            ("rate", 4.0),
            ("timeout", 300.0),
            ("retries", 0.0),
            ("ids", 0.0),
            ("latency_min", 20.0),
            ("latency_max", 60.0),
            ("dup", 30.0),
        ],
        steps: &[],
        duration_ms: 5_000,
    },
    // The client crashes at 280 ms with its deposit applied and the reply in flight (it is
    // dropped at 300 ms). Restarted at 700 ms, within its horizon, it finds the request on
    // disk and retries it with the same key: a dedupe hit, answered with balance 10.
    ScenarioInfo {
        id: "idem-client-restart",
        seed: 1,
        params: preset_params!["retries" => 3.0, "ids" => 1.0, "retention" => 5_000.0],
        steps: &[(200, "k1-deposit:10"), (280, "c1"), (700, "r1")],
        duration_ms: 1_500,
    },
];
