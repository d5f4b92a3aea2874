//! The Redis lock's presets (see [`crate::scenario`]). Node ids are 0-based: the Redis node is
//! node 0 (R1), the storage node 1 (S2), clients nodes 2, 3, … (c3, c4, …). Every preset fixes
//! the latency at 10 ms so each step lands where its explanation says; all but the last two
//! drive the clients by command (`auto` off). `engine/tests/lock_redis/presets.rs` checks
//! each lesson.

use crate::scenario::ScenarioInfo;

/// Latency fixed at 10 ms, clients by command, the lock's defaults the explanations quote.
macro_rules! calm {
    ($($p:expr),* $(,)?) => {
        &[
            ("auto", 0.0),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
            ("backoff", 50.0),
            $($p,)*
        ]
    };
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' SETNX lock: c3 gets it at 110 ms (SET NX returns 1), writes 3 steps and DELs
    // it; c4 asks at 150 ms, is refused (0), retries after back-offs and gets it after the DEL.
    ScenarioInfo {
        id: "redis-basic",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("ttl", 500.0),
            ("steps", 3.0),
            ("work", 100.0)
        ],
        steps: &[(100, "k2-redis_lock"), (150, "k3-redis_lock")],
        duration_ms: 1_500,
    },
    // c3 holds the lock and crashes at 300 ms without releasing: the key expires at 610 ms
    // (set at 110 with PX 500) and c4, retrying, gets it.
    ScenarioInfo {
        id: "redis-holder-crash",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("ttl", 500.0),
            ("steps", 3.0),
            ("work", 100.0)
        ],
        steps: &[(100, "k2-redis_lock"), (150, "k3-redis_lock"), (300, "c2")],
        duration_ms: 2_000,
    },
    // c3 holds the lock (set at 110 ms, PX 500) and is paused at 300 ms — a long GC pause —
    // after its second write. The key expires at 610 ms; c4, retrying since 200 ms, gets it
    // and writes. c3 resumes at 1,000 ms, still believing it holds the lock, and writes its
    // third step into the middle of c4's section: two writers on the storage.
    ScenarioInfo {
        id: "redis-gc-pause",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("ttl", 500.0),
            ("steps", 4.0),
            ("work", 100.0),
            ("fencing", 0.0),
        ],
        steps: &[
            (100, "k2-redis_lock"),
            (200, "k3-redis_lock"),
            (300, "p2"),
            (1_000, "u2"),
        ],
        duration_ms: 2_000,
    },
    // The same with fencing tokens: c3 writes with token 1, c4 with token 2; the storage has
    // accepted 2, so it rejects c3's late write and c3 gives up.
    ScenarioInfo {
        id: "redis-gc-pause-fenced",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("ttl", 500.0),
            ("steps", 4.0),
            ("work", 100.0),
            ("fencing", 1.0),
        ],
        steps: &[
            (100, "k2-redis_lock"),
            (200, "k3-redis_lock"),
            (300, "p2"),
            (1_000, "u2"),
        ],
        duration_ms: 2_000,
    },
    // c3 finishes its section within the TTL, but its DEL is held up 1 s on a congested link
    // (from 300 to 600 ms). Its key expires at 1,110 ms, c4 takes the lock at 1,150 ms, and
    // c3's plain DEL arrives at 1,510 ms and deletes c4's lock. c5 asks at 1,505 ms, gets the
    // lock while c4 is still writing, and their writes interleave.
    ScenarioInfo {
        id: "redis-plain-del",
        seed: 1,
        params: calm![
            ("clients", 3.0),
            ("ttl", 1_000.0),
            ("steps", 4.0),
            ("work", 100.0),
            ("release", 0.0),
        ],
        steps: &[
            (100, "k2-redis_lock"),
            (300, "s2-0-1000000"),
            (600, "s2-0-0"),
            (1_150, "k3-redis_lock"),
            (1_505, "k4-redis_lock"),
        ],
        duration_ms: 2_500,
    },
    // The same with compare-and-delete: c3's late release finds c4's value in the key and
    // deletes nothing; c5 waits its turn.
    ScenarioInfo {
        id: "redis-compare-del",
        seed: 1,
        params: calm![
            ("clients", 3.0),
            ("ttl", 1_000.0),
            ("steps", 4.0),
            ("work", 100.0),
            ("release", 1.0),
        ],
        steps: &[
            (100, "k2-redis_lock"),
            (300, "s2-0-1000000"),
            (600, "s2-0-0"),
            (1_150, "k3-redis_lock"),
            (1_505, "k4-redis_lock"),
        ],
        duration_ms: 2_500,
    },
    // A critical section longer than the TTL (6 steps of 100 ms against PX 300): the key
    // expires at 410 ms while c3 is still writing, c4 gets the lock on a retry, and both write.
    ScenarioInfo {
        id: "redis-no-watchdog",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("ttl", 300.0),
            ("steps", 6.0),
            ("work", 100.0),
            ("watchdog", 0.0),
        ],
        steps: &[(100, "k2-redis_lock"), (200, "k3-redis_lock")],
        duration_ms: 2_000,
    },
    // The same with the watchdog: every 100 ms c3 extends its key by 300 ms, so it keeps the
    // lock through its long section; c4 gets it after c3 releases.
    ScenarioInfo {
        id: "redis-watchdog",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("ttl", 300.0),
            ("steps", 6.0),
            ("work", 100.0),
            ("watchdog", 1.0),
        ],
        steps: &[(100, "k2-redis_lock"), (200, "k3-redis_lock")],
        duration_ms: 2_000,
    },
    // Eight clients want the lock all the time and retry on refusal: count the refused SETs
    // against the grants, and compare the grants per client.
    ScenarioInfo {
        id: "redis-retry-storm",
        seed: 1,
        params: &[
            ("clients", 8.0),
            ("auto", 1.0),
            ("think", 50.0),
            ("ttl", 500.0),
            ("steps", 2.0),
            ("work", 50.0),
            ("backoff", 20.0),
            ("queue", 0.0),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
        ],
        steps: &[],
        duration_ms: 6_000,
    },
    // The same clients with the notes' queue: a refused client waits in FIFO order and is
    // granted the lock when it is released; no retries, and the grants come out even.
    ScenarioInfo {
        id: "redis-fifo-queue",
        seed: 1,
        params: &[
            ("clients", 8.0),
            ("auto", 1.0),
            ("think", 50.0),
            ("ttl", 500.0),
            ("steps", 2.0),
            ("work", 50.0),
            ("backoff", 20.0),
            ("queue", 1.0),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
        ],
        steps: &[],
        duration_ms: 6_000,
    },
];
