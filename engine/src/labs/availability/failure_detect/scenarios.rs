//! The failure-detection lab's presets (see [`crate::scenario`]); `engine/tests/failure_detect`
//! checks that each plays its lesson. Node 0 is the monitored node h1, node 1 the monitor m2.
//! Defaults unless a preset says otherwise: a heartbeat every 100 ms, k = 3 (a 300 ms
//! timeout), φ threshold 8 over a window of 100 intervals, min_std 10 ms, no acceptable pause,
//! the monitor evaluating every 10 ms.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // A jittery link (10–110 ms) with 2% loss; h1 crashes at 30 s. Both detectors notice:
    // the fixed one 3 periods after the last heartbeat, φ once the silence is improbable for
    // what it learnt. Also the batch's trade-off run: vary threshold and k.
    ScenarioInfo {
        id: "fd-crash",
        seed: 1,
        params: &[("latency_min", 10.0), ("latency_max", 110.0), ("loss", 2.0)],
        steps: &[(30_000, "c0")],
        duration_ms: 35_000,
    },
    // A calm link, then at 5 s h1 gets busy: each heartbeat leaves 0–700 ms late. Gaps of
    // more than 300 ms become common and the fixed timeout suspects h1 again and again; φ
    // suspects a few times while its window (100 intervals, 10 s) still describes the calm
    // link, then adapts and stops.
    ScenarioInfo {
        id: "fd-jitter",
        seed: 1,
        params: &[("latency_min", 10.0), ("latency_max", 30.0)],
        steps: &[(5_000, "k0-fd_jitter:700")],
        duration_ms: 40_000,
    },
    // h1 stops for 2 s (a garbage-collection pause) at 5 s: both detectors suspect it, and
    // both trust it again when its heartbeats resume. A paused node looks exactly like a dead
    // one.
    ScenarioInfo {
        id: "fd-gc-pause",
        seed: 1,
        params: &[("latency_min", 10.0), ("latency_max", 30.0)],
        steps: &[(5_000, "p0"), (7_000, "u0")],
        duration_ms: 10_000,
    },
    // The link loses 30% of the heartbeats. Three losses in a row (2.7% of the time) make
    // the fixed timeout suspect; φ has learnt that gaps of two or three periods happen.
    ScenarioInfo {
        id: "fd-loss",
        seed: 1,
        params: &[("latency_min", 10.0), ("latency_max", 30.0), ("loss", 30.0)],
        steps: &[],
        duration_ms: 30_000,
    },
    // The link h1–m2 is cut for one second at 5 s: a network hiccup, not a crash. Both
    // detectors suspect h1 — false suspicions — and trust it again after the heal.
    ScenarioInfo {
        id: "fd-hiccup",
        seed: 1,
        params: &[("latency_min", 10.0), ("latency_max", 30.0)],
        steps: &[(5_000, "x0-1"), (6_000, "h0-1")],
        duration_ms: 10_000,
    },
];
