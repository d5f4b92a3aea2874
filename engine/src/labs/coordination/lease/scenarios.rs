//! The lease lab's presets (see [`crate::scenario`]); `engine/tests/lease/presets.rs` checks
//! that each plays its lesson. Node ids are 0-based: the server is node 0 (S1), the caches
//! nodes 1 and 2 (c2, c3). Every preset has two caches, one key (`x`), no random traffic, a
//! fixed 10 ms latency, a 1,000 ms lease and a 50 ms margin: a fetch sent at 100 ms is granted
//! at 110 ms (the server's lease ends at 1,110 ms) and answered at 120 ms; the cache counts
//! 950 ms from 100 ms (its lease ends at 1,050 ms).

use crate::scenario::ScenarioInfo;

macro_rules! preset_params {
    ($($k:literal => $v:expr),* $(,)?) => {
        &[
            ("caches", 2.0),
            ("keys", 1.0),
            ("reads", 0.0),
            ("writes", 0.0),
            ("lease", 1_000.0),
            ("margin", 50.0),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
            $(($k, $v),)*
        ]
    };
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' steps 1–4: c2 and c3 fetch x with leases (ending at 1,110 and 1,160 ms on the
    // server); c2's second read is local. The server's write at 400 ms waits for both leases:
    // installed at 1,160 ms (760 ms later), pushed to c2 and c3. c2's read at 1,300 ms asks for
    // a lease again and, its copy being current, gets a renewal.
    ScenarioInfo {
        id: "lease-read-write",
        seed: 1,
        params: preset_params!["mode" => 0.0],
        steps: &[
            (100, "k1-read:x"),
            (150, "k2-read:x"),
            (300, "k1-read:x"),
            (400, "k0-set:x,5"),
            (1_300, "k1-read:x"),
        ],
        duration_ms: 2_000,
    },
    // Step 5: the data does not change. c2's lease from its read at 100 ms ends at 1,050 ms;
    // its read at 1,200 ms sends the version it holds and gets a renewal: a lease, no data.
    ScenarioInfo {
        id: "lease-renewal",
        seed: 1,
        params: preset_params!["mode" => 0.0],
        steps: &[
            (100, "k1-read:x"),
            (500, "k1-read:x"),
            (1_200, "k1-read:x"),
            (1_500, "k1-read:x"),
        ],
        duration_ms: 2_500,
    },
    // c2's clock runs 10% slow (100,000 ppm; the margin covers 25,641). Its 950 ms lease from
    // 100 ms lasts until 1,155 ms of true time; the server's ended at 1,110 ms and it installs
    // the write made at 200 ms then. The push to c2 is lost (the link S1 → c2 is cut at
    // 1,000 ms), so c2 serves its read at 1,130 ms from its lease: the old value, a stale read.
    ScenarioInfo {
        id: "lease-slow-clock",
        seed: 1,
        params: preset_params!["mode" => 0.0],
        steps: &[
            (0, "t1-m100000-0"),
            (100, "k1-read:x"),
            (200, "k0-set:x,5"),
            (1_000, "y0-1"),
            (1_130, "k1-read:x"),
            (1_500, "g0-1"),
        ],
        duration_ms: 2_000,
    },
    // c2 takes a lease at 100 ms and crashes at 200 ms. The server cannot tell a crashed cache
    // from a slow one: the write at 300 ms waits for c2's lease to expire, and no longer — it
    // is installed at 1,110 ms.
    ScenarioInfo {
        id: "lease-cache-crash",
        seed: 1,
        params: preset_params!["mode" => 0.0],
        steps: &[
            (100, "k1-read:x"),
            (200, "c1"),
            (300, "k0-set:x,5"),
            (1_200, "k2-read:x"),
            (1_500, "r1"),
        ],
        duration_ms: 2_000,
    },
    // Version numbers instead of leases: every read of c2 checks its version with the server
    // (two messages per read); the write at 400 ms is installed at once; the read at 500 ms
    // gets the new data.
    ScenarioInfo {
        id: "lease-version-mode",
        seed: 1,
        params: preset_params!["mode" => 1.0],
        steps: &[
            (100, "k1-read:x"),
            (200, "k1-read:x"),
            (300, "k1-read:x"),
            (400, "k0-set:x,5"),
            (500, "k1-read:x"),
        ],
        duration_ms: 1_000,
    },
    // Chubby's sequencer: c2 and c3 hold leases on generation 0 of x. c3 writes at 200 ms, c2
    // at 300 ms, both carrying generation 0. c3's write is installed at 1,160 ms (generation
    // 1); c2's, behind it, now comes from an old lease holder: rejected.
    ScenarioInfo {
        id: "lease-sequencer",
        seed: 1,
        params: preset_params!["mode" => 0.0, "sequencer" => 1.0],
        steps: &[
            (100, "k1-read:x"),
            (150, "k2-read:x"),
            (200, "k2-set:x,5"),
            (300, "k1-set:x,7"),
        ],
        duration_ms: 2_000,
    },
    // The same without the sequencer: c2's write overwrites c3's, which it never saw.
    ScenarioInfo {
        id: "lease-no-sequencer",
        seed: 1,
        params: preset_params!["mode" => 0.0, "sequencer" => 0.0],
        steps: &[
            (100, "k1-read:x"),
            (150, "k2-read:x"),
            (200, "k2-set:x,5"),
            (300, "k1-set:x,7"),
        ],
        duration_ms: 2_000,
    },
];
