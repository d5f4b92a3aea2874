//! The proof-of-work lab's presets (see [`crate::scenario`]); `engine/tests/chain_pow/`
//! checks that each plays its lesson. Node ids are 0-based: miners first (`m1` is node 0),
//! the client last.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' four steps: four equal miners, k = 3 (4,096 tries a block on average, one
    // block about every 0.5 s); the client pays at 0.5 s and 2 s; each payment goes into a
    // block and is confirmed 3 blocks deep.
    ScenarioInfo {
        id: "pow-normal",
        seed: 1,
        params: &[
            ("miners", 4.0),
            ("difficulty", 3.0),
            ("hashrate", 20.0),
            ("rate", 0.0),
        ],
        steps: &[(500, "k4-pay:10"), (2_000, "k4-pay:25")],
        duration_ms: 8_000,
    },
    // Two miners over a slow link (300–400 ms one way) find blocks about every 0.4 s: often
    // each finds one before it hears of the other's — a fork. The next block settles it: the
    // longer branch wins everywhere and the other's block is orphaned.
    ScenarioInfo {
        id: "pow-fork",
        seed: 3,
        params: &[
            ("miners", 2.0),
            ("difficulty", 2.0),
            ("hashrate", 3.0),
            ("rate", 0.0),
            ("latency_min", 300.0),
            ("latency_max", 400.0),
        ],
        steps: &[],
        duration_ms: 10_000,
    },
    // Difficulty 2: 256 tries a block on average; with the same hash power as the next preset
    // blocks come 16 times as often.
    ScenarioInfo {
        id: "pow-difficulty-2",
        seed: 1,
        params: &[
            ("miners", 4.0),
            ("difficulty", 2.0),
            ("hashrate", 5.0),
            ("rate", 2.0),
        ],
        steps: &[],
        duration_ms: 20_000,
    },
    // Difficulty 3: 4,096 tries a block, 16 times 256; one block about every 2 s.
    ScenarioInfo {
        id: "pow-difficulty-3",
        seed: 1,
        params: &[
            ("miners", 4.0),
            ("difficulty", 3.0),
            ("hashrate", 5.0),
            ("rate", 2.0),
        ],
        steps: &[],
        duration_ms: 20_000,
    },
    // The 51% attack: m3 holds 60% of the hash power. At 1 s it pays the client 50 in public
    // and mines in private a branch where the same coin pays itself. The client sees the
    // payment 2 blocks deep (confirmed), then m3 publishes its longer branch: every node
    // switches, the payment's block is orphaned — a double spend.
    ScenarioInfo {
        id: "pow-51-attack",
        seed: 2,
        params: &[
            ("miners", 3.0),
            ("difficulty", 3.0),
            ("hashrate", 20.0),
            ("last_share", 60.0),
            ("confirmations", 2.0),
            ("rate", 0.0),
        ],
        steps: &[(1_000, "k2-doublespend:50")],
        duration_ms: 15_000,
    },
    // A partition: m1 and the client on one side (a quarter of the power), m2–m4 on the
    // other. Both sides keep mining their own branch; the client's payment is confirmed on
    // the small side. At the heal (6 s) the longer branch wins: the small side's blocks are
    // orphaned and the confirmed payment leaves the chain (it comes back in a later block).
    ScenarioInfo {
        id: "pow-partition",
        seed: 1,
        params: &[
            ("miners", 4.0),
            ("difficulty", 3.0),
            ("hashrate", 20.0),
            ("confirmations", 2.0),
            ("rate", 0.0),
        ],
        steps: &[(500, "P0-1-1-1-0"), (1_000, "k4-pay:30"), (6_000, "H")],
        duration_ms: 12_000,
    },
];
