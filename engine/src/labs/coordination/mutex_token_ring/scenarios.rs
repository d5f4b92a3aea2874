//! The token ring's presets: parameter overrides, a seed and a schedule of ordinary user
//! actions (see [`crate::scenario`]); `engine/tests/mutex_token_ring.rs` checks each lesson.

use crate::scenario::ScenarioInfo;

pub const SCENARIOS: &[ScenarioInfo] = &[
    // The notes' weakness: all five ask at once, just after the token left n1. They are
    // served in ring order, each waiting one more critical section than its predecessor:
    // waiting time grows with ring position, and n1 waits longest.
    ScenarioInfo {
        id: "tokenring-all-request",
        seed: 1,
        params: &[("rate", 0.0)],
        steps: &[
            (1, "k0-request"),
            (1, "k1-request"),
            (1, "k2-request"),
            (1, "k3-request"),
            (1, "k4-request"),
        ],
        duration_ms: 1_000,
    },
    // Nobody else wants the resource, yet n1 (whose token just left) waits a whole rotation
    // of eight processes: sixteen messages (eight Tokens, eight Acks) for one entry.
    ScenarioInfo {
        id: "tokenring-lone-requester",
        seed: 1,
        params: &[("rate", 0.0), ("nodes", 8.0)],
        steps: &[(1, "k0-request")],
        duration_ms: 500,
    },
    // The user drops the Token n1 sends to n2 at 499 ms (message 50). It is not lost: n1 gets
    // no Ack, skips n2 and sends its copy to n3 — the same rule as for a dead successor.
    ScenarioInfo {
        id: "tokenring-dropped-token",
        seed: 1,
        params: &[("rate", 0.0)],
        steps: &[(510, "d50")],
        duration_ms: 1_000,
    },
    // n3 crashes at 1 s: n2 gets no Ack, skips it and passes the token to n4 (ring repair),
    // every round until n3 restarts at 3 s and is served again.
    ScenarioInfo {
        id: "tokenring-dead-successor",
        seed: 1,
        params: &[("rate", 2.0)],
        steps: &[(1_000, "c2"), (3_000, "r2")],
        duration_ms: 4_000,
    },
    // n3 crashes at 1.8 s in its critical section (entered at 1.735 s), with the token: the
    // token is lost. The loss timeout (2 s) runs from when each process last saw the token;
    // the first claims (about 3 s) are refused by processes that saw it less than 2 s ago;
    // at about 5.4 s a claim is not refused and the new token circulates.
    ScenarioInfo {
        id: "tokenring-holder-crash",
        seed: 1,
        params: &[("rate", 5.0), ("cs", 300.0)],
        steps: &[(1_800, "c2"), (6_000, "r2")],
        duration_ms: 8_000,
    },
    // The lesson: {n1, n2} and {n3, n4, n5} are split at 1 s while n5 holds the token.
    // n1 and n2, not seeing it for the loss timeout, regenerates: two tokens, two
    // processes in the critical section at once. After the heal at 5 s, the older
    // generation is discarded where the newer one is known.
    ScenarioInfo {
        id: "tokenring-partition-two-tokens",
        seed: 1,
        params: &[("rate", 5.0)],
        steps: &[(1_000, "P0-0-1-1-1"), (5_000, "H")],
        duration_ms: 7_000,
    },
    // Weighted turns (the notes' improvement): n1 may enter three times per visit. Under
    // heavy load it gets about three times the entries of each other process.
    ScenarioInfo {
        id: "tokenring-weighted",
        seed: 1,
        params: &[("rate", 10.0), ("weight", 3.0)],
        steps: &[],
        duration_ms: 5_000,
    },
];
