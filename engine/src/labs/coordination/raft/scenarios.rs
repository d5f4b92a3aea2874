//! Raft's scenario presets: parameter overrides, a seed and a schedule of ordinary user
//! actions (see [`crate::scenario`]); `engine/tests/raft_scenarios.rs` checks each lesson.

use crate::scenario::ScenarioInfo;

/// Figure 8's schedule up to n1's term-4 election (panels (a)-(c), up to 540 ms), followed by
/// the steps given; both figure-8 presets play it.
macro_rules! figure_8_steps {
    ($($step:expr),* $(,)?) => {
        &[
            (10, "k0-timeout"),
            (150, "k0-write"),
            (300, "k0-timeout"),
            (400, "P0-0-1-1-1"),
            (400, "k0-write"),
            (431, "c0"),
            (431, "H"),
            (431, "k4-timeout"),
            (500, "P0-0-0-0-1"),
            (500, "k4-write"),
            (510, "c4"),
            (520, "H"),
            (520, "r0"),
            (520, "k0-timeout"),
            (540, "k0-timeout"),
            $($step),*
        ]
    };
}

/// Raft's presets. With seed 1 and 5 nodes, n3 (id 2) is the first leader.
pub const SCENARIOS: &[ScenarioInfo] = &[
    // The leader crashes at 2 s: followers time out, one wins a higher term; the old leader
    // returns at 4 s as a follower and is repaired.
    ScenarioInfo {
        id: "leader-crash",
        seed: 1,
        params: &[("clients", 5.0)],
        steps: &[(2_000, "c2"), (4_000, "r2")],
        duration_ms: 6_000,
    },
    // Two nodes of four start elections at the same moment and split the votes 2–2: nobody
    // wins term 1, and the randomized timeouts break the tie in a later term.
    ScenarioInfo {
        id: "split-vote",
        seed: 1,
        params: &[("nodes", 4.0)],
        steps: &[(60, "k0-timeout"), (60, "k2-timeout")],
        duration_ms: 2_000,
    },
    // The leader and one follower are cut off at 2 s. The old leader keeps accepting writes it
    // can never commit (no majority); the majority elects a new leader and commits. On heal
    // at 5 s the old leader steps down and its uncommitted entries are rolled back.
    ScenarioInfo {
        id: "partitioned-leader",
        seed: 1,
        params: &[("clients", 10.0)],
        steps: &[(2_000, "P0-1-1-0-0"), (5_000, "H")],
        duration_ms: 8_000,
    },
    // n5 crashes at 1 s and misses writes; the leader crashes at 3 s, so the new leader knows
    // nothing of n5 and starts its nextIndex past its own log. When n5 returns at 4 s every
    // AppendEntries is rejected until nextIndex has walked back, one entry per rejection, to
    // where the logs agree; then the missing entries flow.
    ScenarioInfo {
        id: "lagging-follower",
        seed: 1,
        params: &[("clients", 4.0)],
        steps: &[(1_000, "c4"), (3_000, "c2"), (4_000, "r4"), (4_500, "r2")],
        duration_ms: 7_000,
    },
    // The Raft paper's figure 8 (§5.4.2), played by forced timeouts, writes, crashes and one
    // partition; n1..n5 are the paper's S1..S5 and the entry in question is index 2.
    // (a) n1 leads term 1 and commits index 1 everywhere, then leads term 2 (420 ms) and
    //     appends index 2 of term 2 while cut off from n3..n5: only n2 gets it.
    // (b) n1 crashes (431 ms); n5 is elected for term 3 by n3, n4 and itself (n2's log is more
    //     up to date, it refuses) and appends its own index 2 of term 3, alone (500 ms), then
    //     crashes (510 ms).
    // (c) n1 returns and, with a second timeout, wins term 4 (540 ms). It repairs n3 and n4:
    //     its term-2 entry is now on four of five nodes, a majority, yet it is NOT committed,
    //     because it is not of the leader's current term (there is no new write in term 4).
    // (d) n1 crashes again (900 ms); n5 returns and, again with two timeouts, wins term 5
    //     with the votes of n2, n3 and n4 (its last entry, term 3, beats their term 2). It
    //     overwrites index 2 everywhere with its own term-3 entry, commits it together with a
    //     term-5 write (1.3 s), and repairs n1 when it returns (1.5 s). Had n1 counted
    //     replicas in (c), a committed entry would now have been lost.
    ScenarioInfo {
        id: "figure-8",
        seed: 1,
        params: &[("nodes", 5.0), ("clients", 0.0)],
        steps: figure_8_steps![
            (900, "c0"),
            (900, "r4"),
            (900, "k4-timeout"),
            (920, "k4-timeout"),
            (1_300, "k4-write"),
            (1_500, "r0"),
        ],
        duration_ms: 2_500,
    },
    // Figure 8's panel (e) (§5.4.2): the same (a) and (b), then in (c) the term-4 leader
    // commits in its own term before it crashes, and the term-2 entry is safe.
    // (a), (b) as in `figure-8`: n1's index 2 of term 2 is on n1 and n2 only; n5 leads term 3
    //     and holds its own index 2 of term 3, alone, then crashes (510 ms).
    // (c) n1 returns, wins term 4 (540 ms) and repairs n3 and n4, so its term-2 entry is on
    //     four of five nodes and still uncommitted, as in `figure-8`. At 700 ms n1 takes a
    //     client write of its own term, index 3 of term 4; once a majority holds it, n1
    //     commits index 3 and with it index 2 (the current-term rule), and tells the followers.
    // (e) n1 crashes (900 ms); n5 returns and times out twice as in `figure-8`, but n2, n3 and
    //     n4 refuse their votes: their last entry, term 4, is newer than n5's term 3, so n5
    //     cannot win and index 2 is never overwritten. One of n2..n4 times out and leads a
    //     later term holding entries 2 and 3; it replaces n5's uncommitted term-3 entry with
    //     the committed term-2 one and catches n1 up when it returns (1.5 s).
    ScenarioInfo {
        id: "figure-8-commit",
        seed: 1,
        params: &[("nodes", 5.0), ("clients", 0.0)],
        steps: figure_8_steps![
            (700, "k0-write"),
            (900, "c0"),
            (900, "r4"),
            (900, "k4-timeout"),
            (920, "k4-timeout"),
            (1_500, "r0"),
        ],
        duration_ms: 2_500,
    },
    // Log compaction (§7): every server snapshots its applied entries, 20 at a time, keeping
    // the newest 20 as a trail. n5 crashes at 1 s with a short log. While it is down the
    // leader, n3, commits a write every 50 ms and compacts its log twice over, past everything
    // n5 holds: the entries n5 needs are gone. When n5 restarts at 4 s its nextIndex is at or
    // below the leader's snapshot, so n3 sends InstallSnapshot (its state machine and
    // configuration through the last included index) instead of AppendEntries. n5's own entry
    // at that index is missing, so it discards its whole log, resets its state machine from
    // the snapshot and answers; AppendEntries then brings the rest, and n5 soon takes
    // snapshots of its own.
    ScenarioInfo {
        id: "snapshot-catch-up",
        seed: 1,
        params: &[("clients", 20.0), ("snapshot_every", 20.0)],
        steps: &[(1_000, "c4"), (4_000, "r4")],
        duration_ms: 6_000,
    },
    // A removed server that never learnt of its removal cannot disrupt the cluster (§4.2.3 of
    // Ongaro's dissertation). n5 asks to be removed at 1.8 s: its RemoveMe reaches the leader,
    // n3, 17 ms later, and n3 appends the four-node configuration at once; its next
    // AppendEntries to n5, which would carry that entry, leaves at 1.847 s. At 1.84 s, between
    // the two, n5 is cut off from everyone: the removal commits among the other four (a
    // majority of the new configuration) and nobody will ever tell n5, who still believes it
    // is a member. Alone, it times out again and again with ever higher terms. When the network
    // heals at 3 s its RequestVotes reach the members; each has heard from its leader within
    // `timeout_min`, so it withholds its vote and keeps its term (the `raft.vote_withheld`
    // notes). n3 stays leader in term 1, writes keep committing, and n5's term keeps rising.
    // The cut at 1.84 s relies on seed 1's message delays: it must fall after the RemoveMe
    // arrives (1.817 s) and before the configuration reaches n5 (1.868 s).
    ScenarioInfo {
        id: "removed-server",
        seed: 1,
        params: &[("clients", 5.0)],
        steps: &[(1_800, "k4-remove"), (1_840, "P0-0-0-0-1"), (3_000, "H")],
        duration_ms: 6_000,
    },
];
