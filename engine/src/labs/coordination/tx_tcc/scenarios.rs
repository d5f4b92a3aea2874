//! TCC's presets (see [`crate::scenario`]): the purchase of the notes, a failed Try cancelling
//! the others, and each well-known pitfall (a retried Confirm, the empty rollback, the
//! suspension) once with the service guarded and once without, so the damage shows.
//! `engine/tests/tx_tcc.rs` checks each lesson. Node ids are 0-based: the client is node 0
//! (c1), the coordinator node 1 (C2), the order, inventory and account services nodes 2, 3
//! and 4 (O3, I4, A5). Every preset fixes the latency at 20 ms and turns off random purchases
//! and random refusals, so each step lands where its explanation says.

use crate::scenario::ScenarioInfo;

/// Latency fixed, no random purchases or refusals, the starting totals the explanations
/// quote (quota 50, stock 100, money 1,000 at 10 a unit).
macro_rules! calm {
    ($($p:expr),* $(,)?) => {
        &[
            ("rate", 0.0),
            ("fail", 0.0),
            ("price", 10.0),
            ("quota", 50.0),
            ("stock", 100.0),
            ("balance", 1_000.0),
            ("timeout", 300.0),
            ("latency_min", 20.0),
            ("latency_max", 20.0),
            $($p,)*
        ]
    };
}

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' purchase: 2 units at 100 ms (Try at the services at 140, all TryOk at the
    // coordinator at 160: CONFIRM; Confirm at 180; END at 200), 3 more at 500 ms.
    ScenarioInfo {
        id: "tcc-purchase",
        seed: 1,
        params: calm![],
        steps: &[(100, "k0-tcc_buy:2"), (500, "k0-tcc_buy:3")],
        duration_ms: 1_000,
    },
    // 50 in the account at 10 a unit: T1 (3 units, 30) is confirmed; T2 (3 units) finds only
    // 20 left, the account refuses its Try, the coordinator cancels: the order and inventory
    // services release their reservations, the account records an empty rollback.
    ScenarioInfo {
        id: "tcc-try-fails",
        seed: 1,
        params: &[
            ("rate", 0.0),
            ("fail", 0.0),
            ("price", 10.0),
            ("quota", 50.0),
            ("stock", 100.0),
            ("balance", 50.0),
            ("timeout", 300.0),
            ("latency_min", 20.0),
            ("latency_max", 20.0),
        ],
        steps: &[(100, "k0-tcc_buy:3"), (500, "k0-tcc_buy:3")],
        duration_ms: 1_200,
    },
    // The account's ConfirmOk is lost (A5 → C2 cut from 170 to 700 ms): the coordinator sends
    // Confirm again at 460 and 760 ms; the idempotent account recognises it.
    ScenarioInfo {
        id: "tcc-retry",
        seed: 1,
        params: calm![("idempotent", 1.0)],
        steps: &[(100, "k0-tcc_buy:2"), (170, "y4-1"), (700, "g4-1")],
        duration_ms: 1_200,
    },
    // The same with a Confirm that is not idempotent: each retry charges again.
    ScenarioInfo {
        id: "tcc-retry-not-idempotent",
        seed: 1,
        params: calm![("idempotent", 0.0)],
        steps: &[(100, "k0-tcc_buy:2"), (170, "y4-1"), (700, "g4-1")],
        duration_ms: 1_200,
    },
    // The Try to the inventory is lost (C2 → I4 cut from 50 to 300 ms); the Try phase times
    // out at 420 ms and Cancel reaches I4 at 440 ms, for a Try it never ran.
    ScenarioInfo {
        id: "tcc-empty-rollback",
        seed: 1,
        params: calm![("guard", 2.0)],
        steps: &[(50, "y1-3"), (100, "k0-tcc_buy:2"), (300, "g1-3")],
        duration_ms: 1_000,
    },
    // The same with a Cancel that releases whatever it names.
    ScenarioInfo {
        id: "tcc-empty-rollback-unguarded",
        seed: 1,
        params: calm![("guard", 0.0)],
        steps: &[(50, "y1-3"), (100, "k0-tcc_buy:2"), (300, "g1-3")],
        duration_ms: 1_000,
    },
    // The Try to the inventory is held up in a congested link (1 s extra from 50 to 200 ms):
    // sent at 120 ms, it arrives at 1,140 ms, long after the Cancel (440 ms).
    ScenarioInfo {
        id: "tcc-suspension",
        seed: 1,
        params: calm![("guard", 2.0)],
        steps: &[(50, "s1-3-1000000"), (100, "k0-tcc_buy:2"), (200, "s1-3-0")],
        duration_ms: 2_000,
    },
    // The same when the empty rollback is answered but not recorded: the late Try reserves.
    ScenarioInfo {
        id: "tcc-suspension-unguarded",
        seed: 1,
        params: calm![("guard", 1.0)],
        steps: &[(50, "s1-3-1000000"), (100, "k0-tcc_buy:2"), (200, "s1-3-0")],
        duration_ms: 2_000,
    },
];
