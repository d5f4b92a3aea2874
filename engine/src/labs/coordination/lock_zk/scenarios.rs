//! The ZooKeeper lock's presets (see [`crate::scenario`]). Node ids are 0-based: the server is
//! node 0 (Z1), the storage node 1 (S2), clients nodes 2, 3, … (c3, c4, …). Every preset fixes
//! the latency at 10 ms and the session timeout at 600 ms (heartbeats every 200 ms) so each
//! step lands where its explanation says; all but the two herd presets drive the clients by
//! command (`auto` off). `engine/tests/lock_zk/presets.rs` checks each lesson.

use crate::scenario::ScenarioInfo;

/// Latency fixed at 10 ms, clients by command, the defaults the explanations quote.
macro_rules! calm {
    ($($p:expr),* $(,)?) => {
        &[
            ("auto", 0.0),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
            ("session", 600.0),
            ("herd", 0.0),
            $($p,)*
        ]
    };
}

/// Eight clients wanting the lock all the time (the herd presets).
macro_rules! busy {
    ($herd:expr) => {
        &[
            ("clients", 8.0),
            ("auto", 1.0),
            ("think", 50.0),
            ("steps", 2.0),
            ("work", 50.0),
            ("session", 600.0),
            ("herd", $herd),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
        ]
    };
}

/// c3 holds the lock, c4 asks, c3 is paused (or cut off) at 300 ms.
const PAUSE: &[(u64, &str)] = &[
    (100, "k2-zk_lock"),
    (200, "k3-zk_lock"),
    (300, "p2"),
    (1_000, "u2"),
];

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' recipe: c3, c4, c5 create lock-0000000000, …01, …02 under /lock; c3's is the
    // smallest and holds; c4 watches c3's znode, c5 watches c4's; each release wakes only the
    // next client.
    ScenarioInfo {
        id: "zk-basic",
        seed: 1,
        params: calm![("clients", 3.0), ("steps", 3.0), ("work", 100.0)],
        steps: &[
            (100, "k2-zk_lock"),
            (150, "k3-zk_lock"),
            (200, "k4-zk_lock"),
        ],
        duration_ms: 2_500,
    },
    // Eight clients watching the whole /lock directory: every create and every delete wakes
    // every waiter, and each lists the children again.
    ScenarioInfo {
        id: "zk-herd",
        seed: 1,
        params: busy!(1.0),
        steps: &[],
        duration_ms: 6_000,
    },
    // The same eight clients each watching only its predecessor: one notification and one
    // child-list read per release.
    ScenarioInfo {
        id: "zk-predecessor",
        seed: 1,
        params: busy!(0.0),
        steps: &[],
        duration_ms: 6_000,
    },
    // c3 holds the lock and crashes at 300 ms. The server last heard from it at 210 ms, so
    // its session expires at 810 ms: its ephemeral znode is deleted and c4, watching it, holds.
    ScenarioInfo {
        id: "zk-holder-crash",
        seed: 1,
        params: calm![("clients", 2.0), ("steps", 3.0), ("work", 100.0)],
        steps: &[(100, "k2-zk_lock"), (200, "k3-zk_lock"), (300, "c2")],
        duration_ms: 2_000,
    },
    // c3 holds the lock and is paused at 300 ms (a long GC pause) after two writes. Its session
    // expires at 810 ms, its znode is deleted, and c4 holds the lock. c3 resumes at 1,000 ms
    // still believing it holds the lock and writes its third step into c4's section.
    ScenarioInfo {
        id: "zk-pause",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("steps", 4.0),
            ("work", 100.0),
            ("fencing", 0.0)
        ],
        steps: PAUSE,
        duration_ms: 2_000,
    },
    // The same with the znode's czxid as a fencing token: the storage has accepted c4's larger
    // one and rejects c3's late write.
    ScenarioInfo {
        id: "zk-pause-fenced",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("steps", 4.0),
            ("work", 100.0),
            ("fencing", 1.0)
        ],
        steps: PAUSE,
        duration_ms: 2_000,
    },
    // c3 holds the lock for a long section (ten writes) and is cut off from the server, not
    // from the storage, at 300 ms. Its session expires at 810 ms and c4 holds; c3, hearing
    // nothing, goes on writing, and both write the storage. The link heals at 1,600 ms and c3
    // is told its session expired.
    ScenarioInfo {
        id: "zk-partition",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("steps", 10.0),
            ("work", 100.0),
            ("fencing", 0.0)
        ],
        steps: &[
            (100, "k2-zk_lock"),
            (200, "k3-zk_lock"),
            (300, "x0-2"),
            (1_600, "h0-2"),
        ],
        duration_ms: 2_500,
    },
    // The read/write lock: c3 and c4 take read locks (read-…00, read-…01), c5 a write lock
    // (lock-…02), c6 a read lock (read-…03). c3 and c4 read together; c5 waits for every earlier
    // node, c6 only for c5 (the last write before it).
    ScenarioInfo {
        id: "zk-rw-lock",
        seed: 1,
        params: calm![("clients", 4.0), ("steps", 3.0), ("work", 100.0)],
        steps: &[
            (100, "k2-zk_read"),
            (120, "k3-zk_read"),
            (140, "k4-zk_lock"),
            (160, "k5-zk_read"),
        ],
        duration_ms: 2_500,
    },
    // The four znode types: c3 creates a persistent, a persistent sequential, an ephemeral and
    // an ephemeral sequential znode under /app, then crashes at 400 ms. When its session
    // expires (860 ms) the two ephemeral znodes go; the persistent ones stay.
    ScenarioInfo {
        id: "zk-node-types",
        seed: 1,
        params: calm![("clients", 2.0)],
        steps: &[
            (100, "k2-zk_create:0"),
            (150, "k2-zk_create:1"),
            (200, "k2-zk_create:2"),
            (250, "k2-zk_create:3"),
            (400, "c2"),
        ],
        duration_ms: 1_500,
    },
];
