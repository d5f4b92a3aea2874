//! The DPoS lab's presets (see [`crate::scenario`]); `engine/tests/chain_dpos/` checks that
//! each plays its lesson. Node ids are 0-based (`v1` is node 0). Defaults: 7 holders with
//! stakes 100, 80, 64, 51, 41, 33, 26 (skew 20%), each voting for itself, so v1–v4 are the
//! delegates and v5 the first standby; slots of 200 ms, a re-vote every 3 rounds (2.4 s),
//! 2 missed slots set a delegate aside, a block final once 3 of the 4 delegates built on it.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // v1–v4 produce in turn, one block a slot, a block final about three slots later.
    ScenarioInfo {
        id: "dpos-normal",
        seed: 1,
        params: &[],
        steps: &[],
        duration_ms: 10_000,
    },
    // Delegate v2 crashes at 2.6 s (term 1, 2.4–4.8 s): its slots stay empty until the
    // re-vote at 4.8 s sets it aside and the standby v5 takes its seat; restarted at 7 s it
    // announces it is back and is elected again at 9.6 s.
    ScenarioInfo {
        id: "dpos-delegate-fails",
        seed: 1,
        params: &[],
        steps: &[(2_600, "c1"), (7_000, "r1")],
        duration_ms: 12_000,
    },
    // v1 and v2 withdraw their votes for v4 and vote for v6 at 1 s: at the re-vote (2.4 s)
    // v6 replaces v4.
    ScenarioInfo {
        id: "dpos-vote-out",
        seed: 1,
        params: &[],
        steps: &[
            (1_000, "k0-unvote:4"),
            (1_000, "k0-vote:6"),
            (1_100, "k1-unvote:4"),
            (1_100, "k1-vote:6"),
        ],
        duration_ms: 6_000,
    },
    // A partition at 1 s cuts delegate v4 (with v6, v7) from v1–v3: both sides produce, only
    // the side with 3 of the 4 delegates finalizes; healed at 5 s, the minority's blocks are
    // dropped, and no final block ever is.
    ScenarioInfo {
        id: "dpos-partition",
        seed: 1,
        params: &[],
        steps: &[(1_000, "P0-0-0-1-0-1-1"), (5_000, "H")],
        duration_ms: 8_000,
    },
    // The whale v1 (a quarter of the stake) approves v5, v6 and v7 as well as itself; the
    // other holders keep voting only for themselves: at the re-vote the whale's four
    // candidates take every seat.
    ScenarioInfo {
        id: "dpos-whale",
        seed: 1,
        params: &[],
        steps: &[(500, "k0-vote:5"), (500, "k0-vote:6"), (500, "k0-vote:7")],
        duration_ms: 6_000,
    },
    // Finality that two delegates can contradict (found by `distlab check chain-dpos --lesson
    // chain-dpos.final-agreement`, seed 19, shrunk to these steps): v2 is down 5.68–7.2 s; a
    // partition at 7.23 s splits {v1, v4, v6, v7} from {v2, v3, v5}, and on v2's side three
    // distinct producers make a block final; v5 restarts briefly. Healed at 9.25 s, v2 crashes
    // again, forgets the branch it built on, adopts the longer one and builds on it: a third
    // distinct producer there too. At 9.8 s v2 and v5 hold different final blocks at 35.
    ScenarioInfo {
        id: "dpos-finality-conflict",
        seed: 19,
        params: &[],
        steps: &[
            (5_680, "c1"),
            (7_200, "r1"),
            (7_230, "P1-0-0-1-0-1-1"),
            (7_940, "c4"),
            (8_180, "r4"),
            (9_250, "H"),
            (9_380, "c1"),
            (9_730, "r1"),
        ],
        duration_ms: 12_000,
    },
];
