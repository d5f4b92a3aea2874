//! The database lock's presets (see [`crate::scenario`]). Node ids are 0-based: the database
//! is node 0 (D1), the storage node 1 (S2), clients nodes 2, 3, … (c3, c4, …). Every preset
//! fixes the latency at 10 ms so each step lands where its explanation says; all but the
//! polling ones drive the clients by command (`auto` off). `engine/tests/lock_db/presets.rs`
//! checks each lesson.

use crate::scenario::ScenarioInfo;

/// Latency fixed at 10 ms, clients by command, a 50 ms poll.
macro_rules! calm {
    ($($p:expr),* $(,)?) => {
        &[
            ("auto", 0.0),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
            ("poll", 50.0),
            ("work", 100.0),
            $($p,)*
        ]
    };
}

/// Eight clients that want the lock all the time, polling every `poll` ms.
macro_rules! busy {
    ($poll:expr) => {
        &[
            ("clients", 8.0),
            ("auto", 1.0),
            ("think", 50.0),
            ("steps", 2.0),
            ("work", 50.0),
            ("poll", $poll),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
        ]
    };
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    // c3's INSERT makes the row at 110 ms; it writes 3 steps and DELETEs it at 390 ms. c4's
    // INSERTs from 160 ms fail; its poll after the DELETE succeeds.
    ScenarioInfo {
        id: "db-basic",
        seed: 1,
        params: calm![("clients", 2.0), ("steps", 3.0)],
        steps: &[(100, "k2-db_lock"), (150, "k3-db_lock")],
        duration_ms: 1_500,
    },
    // c3 holds the lock and crashes at 300 ms: its row stays; c4 and c5 poll for ever.
    ScenarioInfo {
        id: "db-holder-crash",
        seed: 1,
        params: calm![("clients", 3.0), ("steps", 3.0)],
        steps: &[
            (100, "k2-db_lock"),
            (150, "k3-db_lock"),
            (200, "k4-db_lock"),
            (300, "c2"),
        ],
        duration_ms: 4_000,
    },
    ScenarioInfo {
        id: "db-polling",
        seed: 1,
        params: busy!(20.0),
        steps: &[],
        duration_ms: 6_000,
    },
    ScenarioInfo {
        id: "db-polling-slow",
        seed: 1,
        params: busy!(200.0),
        steps: &[],
        duration_ms: 6_000,
    },
    // c3 holds the lock; after its first write it locks again and its own row refuses it.
    ScenarioInfo {
        id: "db-not-reentrant",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("steps", 3.0),
            ("reenter", 1.0),
            ("owner", 0.0)
        ],
        steps: &[(100, "k2-db_lock"), (150, "k3-db_lock")],
        duration_ms: 3_000,
    },
    // The same with the owner column: the count goes to 2 and back to 0.
    ScenarioInfo {
        id: "db-reentrant-owner",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("steps", 3.0),
            ("reenter", 1.0),
            ("owner", 1.0)
        ],
        steps: &[(100, "k2-db_lock"), (150, "k3-db_lock")],
        duration_ms: 3_000,
    },
    // The database is down from 200 to 1,200 ms; the table is on disk.
    ScenarioInfo {
        id: "db-crash",
        seed: 1,
        params: calm![("clients", 2.0), ("steps", 3.0), ("persist", 1.0)],
        steps: &[
            (100, "k2-db_lock"),
            (150, "k3-db_lock"),
            (200, "c0"),
            (1_200, "r0"),
        ],
        duration_ms: 2_500,
    },
    // The database is down from 200 to 400 ms and its MEMORY table comes back empty while
    // c3 (six steps, until 730 ms) still writes; c4 gets the lock at once.
    ScenarioInfo {
        id: "db-crash-memory",
        seed: 1,
        params: calm![("clients", 2.0), ("steps", 6.0), ("persist", 0.0)],
        steps: &[
            (100, "k2-db_lock"),
            (150, "k3-db_lock"),
            (200, "c0"),
            (400, "r0"),
        ],
        duration_ms: 2_500,
    },
    // The row (inserted at 110 ms, ttl 500) expires at 610 ms; the 100 ms job deletes it at
    // 700 ms, after c3's crash at 300 ms.
    ScenarioInfo {
        id: "db-expiry-crash",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("steps", 3.0),
            ("expiry", 1.0),
            ("ttl", 500.0),
            ("sweep", 100.0)
        ],
        steps: &[(100, "k2-db_lock"), (150, "k3-db_lock"), (300, "c2")],
        duration_ms: 2_000,
    },
    // c3 is paused from 300 to 1,000 ms; its row is swept at 700 ms, c4 gets the lock, and
    // c3's third step lands among c4's writes.
    ScenarioInfo {
        id: "db-expiry-pause",
        seed: 1,
        params: calm![
            ("clients", 2.0),
            ("steps", 4.0),
            ("expiry", 1.0),
            ("ttl", 500.0),
            ("sweep", 100.0)
        ],
        steps: &[
            (100, "k2-db_lock"),
            (200, "k3-db_lock"),
            (300, "p2"),
            (1_000, "u2"),
        ],
        duration_ms: 2_000,
    },
];
