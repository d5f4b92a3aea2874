//! Redlock's presets (see [`crate::scenario`]). Node ids are 0-based: with five instances,
//! R1…R5 are nodes 0–4, the storage S6 is node 5, the clients c7 and c8 nodes 6 and 7. Every
//! preset fixes the latency at 10 ms so each step lands where its explanation says, and
//! drives the clients by command (`auto` off). `engine/tests/lock_redlock/presets.rs` checks
//! each lesson.

use crate::scenario::ScenarioInfo;

/// Five instances, two clients by command, latency 10 ms, PX 500, four steps 100 ms apart.
macro_rules! calm {
    ($($p:expr),* $(,)?) => {
        &[
            ("instances", 5.0),
            ("clients", 2.0),
            ("auto", 0.0),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
            ("ttl", 500.0),
            ("timeout", 50.0),
            ("steps", 4.0),
            ("work", 100.0),
            ("backoff", 100.0),
            $($p,)*
        ]
    };
}

/// c7 cannot reach R4 and R5, so its lock rests on R1–R3 alone (a bare majority); c8 asks
/// at 350 ms, after whatever happens to R3 at 300 ms.
const BARE_MAJORITY: [(u64, &str); 4] = [
    (0, "x6-3"),
    (0, "x6-4"),
    (100, "k6-redlock_lock"),
    (350, "k7-redlock_lock"),
];

pub const SCENARIOS: &[ScenarioInfo] = &[
    // c7 asks R1…R5 one by one (20 ms each) and holds from 200 ms with validity 500 − 100 −
    // 7 = 393 ms; c8 asks from 150 ms, is refused by all five, releases everywhere and
    // retries until c7 has released.
    ScenarioInfo {
        id: "redlock-basic",
        seed: 1,
        params: calm![("steps", 3.0)],
        steps: &[(100, "k6-redlock_lock"), (150, "k7-redlock_lock")],
        duration_ms: 1_500,
    },
    // R1 and R2 are down: c7's SETs to them time out (50 ms each), R3–R5 grant: 3 of 5 is a
    // majority, so the lock still works — the reason for N instances.
    ScenarioInfo {
        id: "redlock-minority-down",
        seed: 1,
        params: calm![("steps", 3.0)],
        steps: &[
            (50, "c0"),
            (50, "c1"),
            (100, "k6-redlock_lock"),
            (150, "k7-redlock_lock"),
        ],
        duration_ms: 2_000,
    },
    // c7 holds R1–R3; R3 crashes at 300 ms and restarts at 320 ms without persistence, its
    // key forgotten. c8 gets R3, R4, R5 — a majority — while c7 is still writing.
    ScenarioInfo {
        id: "redlock-restart",
        seed: 1,
        params: calm![("persist", 0.0)],
        steps: &[
            BARE_MAJORITY[0],
            BARE_MAJORITY[1],
            BARE_MAJORITY[2],
            (300, "c2"),
            (320, "r2"),
            BARE_MAJORITY[3],
        ],
        duration_ms: 2_000,
    },
    // The same with persistence (AOF, fsync always): R3 reloads c7's key; c8 gets only R4
    // and R5 and waits for c7's release.
    ScenarioInfo {
        id: "redlock-restart-persist",
        seed: 1,
        params: calm![("persist", 1.0)],
        steps: &[
            BARE_MAJORITY[0],
            BARE_MAJORITY[1],
            BARE_MAJORITY[2],
            (300, "c2"),
            (320, "r2"),
            BARE_MAJORITY[3],
        ],
        duration_ms: 2_000,
    },
    // Without persistence but with a delayed restart: R3 refuses every SET for one TTL after
    // it comes back, so c8 has only R4 and R5 until c7's lock is gone everywhere.
    ScenarioInfo {
        id: "redlock-restart-delay",
        seed: 1,
        params: calm![("persist", 0.0), ("restart_delay", 1.0)],
        steps: &[
            BARE_MAJORITY[0],
            BARE_MAJORITY[1],
            BARE_MAJORITY[2],
            (300, "c2"),
            (320, "r2"),
            BARE_MAJORITY[3],
        ],
        duration_ms: 2_000,
    },
    // c7 holds R1–R3; at 300 ms R3's clock jumps 400 ms ahead, so its key (set at 150 ms,
    // PX 500, expiring at 650 on its clock) is due at once. c8 gets R3, R4, R5.
    ScenarioInfo {
        id: "redlock-clock-jump",
        seed: 1,
        params: calm![],
        steps: &[
            BARE_MAJORITY[0],
            BARE_MAJORITY[1],
            BARE_MAJORITY[2],
            (300, "t2-0-400000"),
            BARE_MAJORITY[3],
        ],
        duration_ms: 2_000,
    },
    // c7 holds all five from 200 ms (valid until 593 ms) and is paused at 300 ms for 700 ms.
    // The keys expire at 610–690 ms; c8, retrying, gets a majority and writes; c7 wakes at
    // 1,000 ms and writes its next step into c8's section.
    ScenarioInfo {
        id: "redlock-gc-pause",
        seed: 1,
        params: calm![("fencing", 0.0)],
        steps: &[
            (100, "k6-redlock_lock"),
            (300, "p6"),
            (400, "k7-redlock_lock"),
            (1_000, "u6"),
        ],
        duration_ms: 2_000,
    },
    // The same pause with fencing: c7 got token 1 from the counter beside the storage, c8
    // token 2; the storage rejects c7's late write.
    ScenarioInfo {
        id: "redlock-gc-pause-fenced",
        seed: 1,
        params: calm![("fencing", 1.0)],
        steps: &[
            (100, "k6-redlock_lock"),
            (300, "p6"),
            (400, "k7-redlock_lock"),
            (1_000, "u6"),
        ],
        duration_ms: 2_000,
    },
];
