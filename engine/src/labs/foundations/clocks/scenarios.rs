//! The clocks lab's presets (see [`crate::scenario`]); `engine/tests/clocks.rs` checks that
//! each plays its lesson. Node ids in the steps are 0-based (`k0-send:2` is p1 sending to p2).

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The classic three-process example (Coulouris et al., Distributed Systems, §14.4, figures
    // 14.5–14.7): a, b on p1; c, d on p2; e, f on p3; b sends m1 to p2 (received as c), d sends
    // m2 to p3 (received as f). Lamport: a=1 b=2 c=3 d=4 e=1 f=5. Vectors: a=(1,0,0)
    // b=(2,0,0) c=(2,1,0) d=(2,2,0) e=(0,0,1) f=(2,2,2). L(e) < L(b) though e ∥ b: only the
    // vectors show they are concurrent. (The notes, seed 003, name Lamport clocks without a
    // worked example.)
    ScenarioInfo {
        id: "three-processes",
        seed: 1,
        params: &[("nodes", 3.0), ("rate", 0.0)],
        steps: &[
            (100, "k2-local"),
            (200, "k0-local"),
            (300, "k0-send:2"),
            (500, "k1-send:3"),
        ],
        duration_ms: 1_000,
    },
    // p1's clock reads 50 ms behind true time; messages take 10–30 ms. A message p1 receives
    // is stamped, on p1's clock, before the sender stamped its send: physical timestamps put
    // the effect before its cause. Lamport and vector clocks still order every event right.
    ScenarioInfo {
        id: "skewed-clock",
        seed: 1,
        params: &[("rate", 1.0)],
        steps: &[(0, "t0-0-m50000"), (200, "k1-send:1"), (400, "k2-send:1")],
        duration_ms: 3_000,
    },
    // p1's clock runs 2% slow (−20 000 ppm): it falls 20 ms behind each second. At first
    // physical order holds; once p1 lags by more than a message's latency its receives are
    // stamped before their sends.
    ScenarioInfo {
        id: "drifting-clock",
        seed: 1,
        params: &[("rate", 2.0), ("send_pct", 60.0)],
        steps: &[(0, "t0-m20000-0")],
        duration_ms: 5_000,
    },
    // p3 is cut off from 1 s to 3 s. Events on the two sides are concurrent, yet their Lamport
    // times still compare (one is smaller): Lamport order is not causality. The vectors of
    // concurrent events are incomparable; after the heal, messages merge the two histories.
    ScenarioInfo {
        id: "partition-concurrency",
        seed: 1,
        params: &[("rate", 2.0), ("send_pct", 60.0)],
        steps: &[(1_000, "P0-0-1"), (3_000, "H")],
        duration_ms: 4_000,
    },
];
