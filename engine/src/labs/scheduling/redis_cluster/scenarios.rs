//! The cluster's presets (see [`crate::scenario`]). Node ids are 0-based: with three masters
//! and three replicas, M1–M3 are nodes 0–2, R4–R6 nodes 3–5 (R4 replicates M1, R5 M2, R6
//! M3) and the clients c7, c8 nodes 6, 7; with two replicas, c6 and c7 are nodes 5 and 6.
//! Every preset fixes the latency at 10 ms and drives the clients by command.
//! `engine/tests/redis_cluster/presets.rs` checks each lesson.

use crate::scenario::ScenarioInfo;

macro_rules! calm {
    ($($p:expr),* $(,)?) => {
        &[
            ("auto", 0.0),
            ("latency_min", 10.0),
            ("latency_max", 10.0),
            ("node_timeout", 500.0),
            ("ping", 100.0),
            $($p,)*
        ]
    };
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' three masters. c7 writes foo (slot 12182, M3's) to M1: MOVED to M3, retried
    // there; its GET goes straight to M3. c8 looks up {user1000}.following (slot 3443, M1's)
    // and writes {user1000}.followers — same hash tag, same slot — straight to M1.
    ScenarioInfo {
        id: "cluster-moved",
        seed: 1,
        params: calm![("masters", 3.0), ("replicas", 3.0), ("clients", 2.0)],
        steps: &[
            (100, "k6-rc_set:foo"),
            (400, "k6-rc_get:foo"),
            (700, "k7-rc_lookup:{user1000}.following"),
            (1_000, "k7-rc_set:{user1000}.followers"),
        ],
        duration_ms: 1_500,
    },
    // Three keys in slot 3443 on M1, then M2 reshards the slot (migrate: a key every 300 ms).
    // c7 reads a key already moved: M1 answers ASK M2, c7 asks M2 with ASKING. c8 reads one
    // not yet moved: M1 answers. When the slot is empty M2 claims it with a new config epoch,
    // and M1 answers MOVED M2 from then on.
    ScenarioInfo {
        id: "cluster-reshard-ask",
        seed: 1,
        params: calm![
            ("masters", 3.0),
            ("replicas", 3.0),
            ("clients", 2.0),
            ("migrate", 300.0)
        ],
        steps: &[
            (50, "k6-rc_lookup:{user1000}.following"),
            (60, "k7-rc_lookup:{user1000}.posts"),
            (100, "k6-rc_set:{user1000}.following"),
            (250, "k6-rc_set:{user1000}.followers"),
            (400, "k7-rc_set:{user1000}.posts"),
            (600, "k1-rc_reshard:3443"),
            (1_000, "k6-rc_get:{user1000}.followers"),
            (1_100, "k7-rc_get:{user1000}.posts"),
            (2_400, "k6-rc_get:{user1000}.following"),
        ],
        duration_ms: 3_000,
    },
    // c7 writes foo to M3, which crashes at 300 ms. M1 and M2 mark it PFAIL after
    // node_timeout, then FAIL (two masters of three agree); its replica R6 waits a moment,
    // asks for votes in epoch 4, gets M1's and M2's and becomes master of 11001–16383 with
    // config epoch 4. c7's GET foo finds M3 silent, tries another node, is sent to R6 by
    // MOVED and reads the value. M3 restarts at 3 s and becomes a replica of R6.
    ScenarioInfo {
        id: "cluster-failover",
        seed: 1,
        params: calm![("masters", 3.0), ("replicas", 3.0), ("clients", 2.0)],
        steps: &[
            (100, "k6-rc_set:foo"),
            (300, "c2"),
            (2_000, "k6-rc_get:foo"),
            (3_000, "r2"),
        ],
        duration_ms: 4_000,
    },
    // M3 has no replica. It crashes; M1 and M2 mark it FAIL, nobody can take over, and its
    // slots 11001–16383 are down: c6's SET foo gets CLUSTERDOWN, while c7's SET bar (slot
    // 5061, M1's) still works.
    ScenarioInfo {
        id: "cluster-slots-down",
        seed: 1,
        params: calm![("masters", 3.0), ("replicas", 2.0), ("clients", 2.0)],
        steps: &[
            (100, "k5-rc_set:foo"),
            (300, "c2"),
            (2_000, "k5-rc_set:foo"),
            (2_100, "k6-rc_set:bar"),
        ],
        duration_ms: 3_000,
    },
];
