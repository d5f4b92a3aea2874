//! The Borg lab's presets: each is ordinary scheduled actions on the seeded stream, and
//! `engine/tests/sched_borg.rs` checks that each shows its weakness.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // Batch jobs of the stream fill about half the cell, then arrivals stop. Best fit packed
    // them onto few machines and left others empty; worst fit spread them, leaving a little
    // on every machine. A job of four near-whole-machine tasks then finds room under best
    // fit only.
    ScenarioInfo {
        id: "borg-fragmentation",
        seed: 1,
        params: &[("rate", 12.0), ("prod", 0.0), ("duration", 600.0)],
        steps: &[
            (40_000, "rate:per_min=0"),
            (45_000, "job:prio=batch,tasks=4,cpu=3000,mem=12288"),
        ],
        duration_ms: 60_000,
    },
    // A steady stream fills about three quarters of the cell. At 60 s every task starts
    // using up to 45% more (30% × its spike) than its estimate: best fit's tightly packed machines overload,
    // worst fit's spread ones mostly absorb it. The burst ends at 90 s.
    ScenarioInfo {
        id: "borg-burst",
        seed: 1,
        params: &[("rate", 16.0), ("prod", 30.0), ("duration", 60.0)],
        steps: &[(60_000, "burst:pct=30"), (90_000, "burst:pct=0")],
        duration_ms: 100_000,
    },
    // Batch jobs fill the cell and queue up. At 40 s a prod job of six half-machine tasks
    // arrives: nothing fits, so each prod task evicts batch tasks (as few as possible) and
    // runs at once; the victims are pending again.
    ScenarioInfo {
        id: "borg-preemption",
        seed: 1,
        params: &[("rate", 60.0), ("prod", 0.0), ("duration", 300.0)],
        steps: &[(40_000, "job:prio=prod,tasks=6,cpu=2000,mem=8192")],
        duration_ms: 50_000,
    },
    // A light load. At 30 s machine 13 fails in every cell: its tasks are pending again and
    // placed elsewhere. Best fit had packed many tasks onto it, worst fit few: one machine
    // is a bigger single point of failure under best fit. It comes back empty at 50 s.
    ScenarioInfo {
        id: "borg-machine-failure",
        seed: 1,
        params: &[("rate", 12.0), ("prod", 30.0), ("duration", 300.0)],
        steps: &[(30_000, "fail:machine=13"), (50_000, "restore:machine=13")],
        duration_ms: 60_000,
    },
];
