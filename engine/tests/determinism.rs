//! Determinism and replay: the same lab, parameters, seed and action log always give the same
//! trace; share links replay exactly; scrubbing back and forth changes nothing; acting after a
//! scrub branches the run. One golden hash pins the whole engine's behaviour.

mod common;

use common::config;
use distlab_engine::input::RunConfig;
use distlab_engine::labs::{self, LabSession};
use distlab_engine::sim::{Action, TraceKind, TraceRecord};
use distlab_engine::{Time, GOLDEN_RAFT_SEED42_5S, MS};

fn create(cfg: &RunConfig) -> Box<dyn LabSession> {
    let (s, err) = labs::create(cfg);
    assert!(err.is_none(), "{err:?}");
    s
}

fn run(q: &str, until: Time) -> Box<dyn LabSession> {
    let mut s = create(&config(q));
    s.run_until(until);
    s
}

const END: Time = 6_000 * MS;

/// A run with every kind of user action, at awkward moments. Returns the session at `END`.
fn scripted(cfg: &RunConfig) -> Box<dyn LabSession> {
    let mut s = create(cfg);
    s.run_until(1_000 * MS);
    let leader = s.leader().expect("a leader after 1 s");
    s.act(Action::Crash { node: leader }).unwrap();
    s.run_until(1_500 * MS);
    let other = (leader + 1) % s.n();
    s.act(Action::Cut {
        a: other,
        b: (other + 1) % s.n(),
    })
    .unwrap();
    s.run_until(2_000 * MS + 3);
    s.act(Action::Partition {
        groups: vec![0, 0, 1, 1, 1],
    })
    .unwrap();
    // Step event by event for a while, as the app does, and drop a message mid-flight.
    for _ in 0..25 {
        s.step();
    }
    let victim = s.view().messages.first().map(|m| m.id);
    if let Some(msg) = victim {
        s.act(Action::Drop { msg }).unwrap();
    }
    s.run_until(2_400 * MS);
    s.act(Action::command(3, "timeout")).unwrap();
    s.act(Action::Slow {
        a: 3,
        b: 4,
        extra: 25 * MS,
    })
    .unwrap();
    s.run_until(3_000 * MS);
    s.act(Action::HealAll).unwrap();
    s.act(Action::Restart { node: leader }).unwrap();
    s.run_until(3_200 * MS);
    s.act(Action::Pause { node: 2 }).unwrap();
    s.run_until(3_500 * MS);
    s.act(Action::Resume { node: 2 }).unwrap();
    s.run_until(END);
    assert!(victim.is_some(), "there was a message to drop");
    assert!(s.actions().len() >= 9, "{:?}", s.actions());
    s
}

fn kinds(trace: &[TraceRecord]) -> usize {
    let mut seen = std::collections::HashSet::new();
    for r in trace {
        seen.insert(std::mem::discriminant(&r.kind));
    }
    seen.len()
}

#[test]
fn golden_hash_of_the_reference_run() {
    let cfg = config("lab=raft&seed=42");
    assert_eq!(cfg.params.get("nodes"), 5.0);
    let mut s = create(&cfg);
    s.run_until(5_000 * MS);
    assert_eq!(
        s.trace_hash(),
        GOLDEN_RAFT_SEED42_5S,
        "the reference run changed: if the engine's behaviour changed on purpose, update \
         GOLDEN_RAFT_SEED42_5S (and say why); otherwise this is a determinism bug"
    );
    // Same value without keeping records (the hash never depends on that).
    let mut s = create(&cfg);
    s.set_keep_trace(false);
    s.run_until(5_000 * MS);
    assert!(s.trace().is_empty());
    assert_eq!(s.trace_hash(), GOLDEN_RAFT_SEED42_5S);
}

#[test]
fn same_inputs_give_the_same_trace() {
    for q in ["lab=raft&seed=1", "lab=raft&seed=9&nodes=7&loss=20&dup=10"] {
        let a = run(q, 8_000 * MS);
        let b = run(q, 8_000 * MS);
        assert_eq!(a.trace_hash(), b.trace_hash(), "{q}");
        assert_eq!(a.trace(), b.trace(), "{q}");
        assert_eq!(a.events(), b.events());
        assert!(a.trace().len() > 500);
    }
}

#[test]
fn different_seeds_give_different_hashes() {
    let mut hashes = std::collections::BTreeSet::new();
    for seed in 0..40 {
        let h = run(&format!("lab=raft&seed={seed}"), 2_000 * MS).trace_hash();
        assert!(hashes.insert(h), "seed {seed} repeated an earlier hash");
    }
    // Parameters matter too.
    let a = run("lab=raft&seed=3", 2_000 * MS).trace_hash();
    let b = run("lab=raft&seed=3&latency_max=31", 2_000 * MS).trace_hash();
    assert_ne!(a, b);
}

#[test]
fn how_a_run_is_chunked_does_not_matter() {
    let q = "lab=raft&seed=5&loss=5";
    let straight = run(q, 4_000 * MS);
    let mut chunked = create(&config(q));
    let mut t = 0;
    while t < 4_000 * MS {
        t = (t + 7 * MS + 311).min(4_000 * MS);
        chunked.run_until(t);
    }
    assert_eq!(straight.trace_hash(), chunked.trace_hash());
    assert_eq!(straight.trace(), chunked.trace());
    // Stepping event by event to the same point agrees as well.
    let mut stepped = create(&config(q));
    while stepped.now() <= 4_000 * MS {
        assert!(stepped.step());
    }
    let straight_records: Vec<_> = straight
        .trace()
        .iter()
        .filter(|r| r.time <= 4_000 * MS)
        .collect();
    let stepped_records: Vec<_> = stepped
        .trace()
        .iter()
        .filter(|r| r.time <= 4_000 * MS)
        .collect();
    assert_eq!(straight_records, stepped_records);
}

#[test]
fn a_run_with_user_actions_replays_from_its_share_link() {
    let cfg = config("lab=raft&seed=77&nodes=5&timeout_min=160");
    let original = scripted(&cfg);
    assert!(
        kinds(original.trace()) >= 14,
        "the script exercises most record kinds"
    );
    let user_drop = original.trace().iter().any(|r| {
        matches!(
            r.kind,
            TraceKind::Drop {
                reason: distlab_engine::sim::DropReason::User,
                ..
            }
        )
    });
    assert!(user_drop);

    let query = cfg.share_query(original.actions());
    assert!(query.contains("actions="), "{query}");
    let replay_cfg = config(&query);
    assert_eq!(replay_cfg.actions, original.actions());
    let mut replay = create(&replay_cfg);
    replay.run_until(END);
    assert_eq!(replay.trace_hash(), original.trace_hash());
    assert_eq!(replay.trace(), original.trace());
    assert_eq!(replay.actions(), original.actions());

    // Replaying in small chunks gives the same run too.
    let mut chunked = create(&replay_cfg);
    let mut t = 0;
    while t < END {
        t += 13 * MS;
        chunked.run_until(t.min(END));
    }
    assert_eq!(chunked.trace_hash(), original.trace_hash());

    // Without the actions the run is different.
    let plain = run(&cfg.share_query(&[]), END);
    assert_ne!(plain.trace_hash(), original.trace_hash());
}

/// The scripted run, its configuration with the script's logged actions, and a session
/// replaying those actions up to `END`, checked to give the same trace hash.
fn scripted_and_replayed() -> (Box<dyn LabSession>, RunConfig, Box<dyn LabSession>) {
    let cfg = config("lab=raft&seed=77&nodes=5&timeout_min=160");
    let original = scripted(&cfg);
    let mut replay_cfg = cfg.clone();
    replay_cfg.actions = original.actions().to_vec();
    let mut s = create(&replay_cfg);
    s.run_until(END);
    assert_eq!(s.trace_hash(), original.trace_hash());
    (original, replay_cfg, s)
}

#[test]
fn seeking_back_and_forward_changes_nothing() {
    let (straight, replay_cfg, mut s) = scripted_and_replayed();
    for &back in &[2_200 * MS, 450 * MS, 3_333 * MS, 0, 1_000 * MS, 5_999 * MS] {
        s.seek(back);
        assert_eq!(s.now(), back);
        assert_eq!(s.horizon(), END, "scrubbing back keeps the horizon");
        // The state at `back` is exactly that of a run stopped there.
        let mut fresh = create(&replay_cfg);
        fresh.run_until(back);
        assert_eq!(s.trace_hash(), fresh.trace_hash(), "at {back}");
        assert_eq!(s.trace(), fresh.trace(), "at {back}");
        assert!(s.trace().iter().all(|r| r.time <= back));
        assert_eq!(s.view(), fresh.view());
        s.seek(END);
        assert_eq!(
            s.trace_hash(),
            straight.trace_hash(),
            "back to {back} and forward"
        );
        assert_eq!(s.trace(), straight.trace());
    }
}

#[test]
fn acting_after_scrubbing_back_branches_the_run() {
    let (original, replay_cfg, mut s) = scripted_and_replayed();

    let branch_at = 1_700 * MS;
    s.seek(branch_at);
    let kept: Vec<_> = original
        .actions()
        .iter()
        .filter(|a| a.time <= branch_at)
        .cloned()
        .collect();
    assert_eq!(kept.len(), 2, "crash and cut happened before 1.7 s");
    s.act(Action::command(4, "timeout")).unwrap();
    assert_eq!(s.actions().len(), 3, "the old future is discarded");
    assert_eq!(&s.actions()[..2], &kept[..]);
    assert_eq!(s.horizon(), branch_at, "the branch has no future yet");
    s.run_until(END);
    assert!(
        !s.trace()
            .iter()
            .any(|r| matches!(r.kind, TraceKind::Partition { .. })),
        "the discarded partition never happens"
    );
    assert_ne!(s.trace_hash(), original.trace_hash());

    // The branched run is itself a replayable run.
    let q = replay_cfg.share_query(s.actions());
    let mut again = create(&config(&q));
    again.run_until(END);
    assert_eq!(again.trace_hash(), s.trace_hash());
    assert_eq!(again.trace(), s.trace());
}

/// The estimate of the recorded history's memory, which a session's history budget keeps
/// bounded by dropping the oldest history (see `history_window.rs`): it grows with the run, counts the log entries AppendEntries carry, drops
/// when a branch discards the recorded future, and is zero when nothing is kept.
#[test]
fn history_bytes_follow_what_is_recorded() {
    let run = |q: &str, until: Time| {
        let (mut s, _) = labs::create(&config(q));
        s.run_until(until);
        s
    };
    let early = run("lab=raft&seed=3&clients=50", 1_000 * MS);
    let mut s = run("lab=raft&seed=3&clients=50", 5_000 * MS);
    let quiet = run("lab=raft&seed=3", 5_000 * MS);
    assert!(early.history_bytes() > 0);
    assert!(s.history_bytes() > 3 * early.history_bytes());
    // Same events and messages (writes ride on heartbeats), plus the entries they carry.
    assert!(s.history_bytes() > quiet.history_bytes() + 50 * 4 * 4 * 24);
    // Scrub back to 1 s: the recorded future is kept (and counted) until a branch drops it.
    let full = s.history_bytes();
    s.seek(1_000 * MS);
    assert_eq!(s.history_bytes(), full);
    s.act(Action::Crash { node: 0 }).unwrap();
    let branched = s.history_bytes();
    assert!(branched < full / 3, "{branched} of {full}");
    assert!(branched >= early.history_bytes());
    // The runner keeps nothing.
    let (mut off, _) = labs::create(&config("lab=raft&seed=3&clients=50"));
    off.set_keep_trace(false);
    off.run_until(5_000 * MS);
    assert_eq!(off.history_bytes(), 0);
}
