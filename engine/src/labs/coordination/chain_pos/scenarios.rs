//! The proof-of-stake lab's presets (see [`crate::scenario`]); `engine/tests/chain_pos/`
//! checks that each plays its lesson. Node ids are 0-based (`v1` is node 0).

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // Four validators with 100, 60, 36 and 22 coins (skew 40%), a slot of 200 ms, a day of 100 ms, the
    // notes' 5% a year: each slot's minter drawn by coin age, its age reset, interest paid.
    ScenarioInfo {
        id: "pos-normal",
        seed: 1,
        params: &[
            ("validators", 4.0),
            ("slot", 200.0),
            ("day", 100.0),
            ("rate", 5.0),
        ],
        steps: &[],
        duration_ms: 10_000,
    },
    // The same unequal stakes over a long run (300 slots of 200 ms, a day of 20 ms: 10 days
    // a slot) with coin age capped at 30 days and an accelerated 20% a year: small holders wait
    // longer than the cap for their turns and forfeit interest, the large ones do not — the
    // Gini coefficient rises (0.30 → 0.45 with seed 1).
    ScenarioInfo {
        id: "pos-rich-get-richer",
        seed: 1,
        params: &[
            ("validators", 4.0),
            ("slot", 200.0),
            ("day", 20.0),
            ("rate", 20.0),
            ("max_age", 30.0),
        ],
        steps: &[],
        duration_ms: 60_000,
    },
    // The richest validator v1 goes offline at 2 s and comes back at 6 s: its turns are
    // missed, the next in each slot's ranking mints; on restart it catches up.
    ScenarioInfo {
        id: "pos-offline",
        seed: 1,
        params: &[
            ("validators", 4.0),
            ("slot", 200.0),
            ("day", 100.0),
            ("rate", 5.0),
        ],
        steps: &[(2_000, "c0"), (6_000, "r0")],
        duration_ms: 10_000,
    },
    // Equal stakes, the same long run, cap and interest as the rich-get-richer preset: the
    // Gini coefficient stays low (under 0.05).
    ScenarioInfo {
        id: "pos-equal",
        seed: 1,
        params: &[
            ("validators", 4.0),
            ("slot", 200.0),
            ("day", 20.0),
            ("rate", 20.0),
            ("max_age", 30.0),
            ("skew", 0.0),
        ],
        steps: &[],
        duration_ms: 60_000,
    },
];
