//! The history window: with a budget, a session drops its oldest recorded history instead of
//! growing without end. The run itself never changes (same trace hash, events and state as an
//! untrimmed run, also after seeks within the window and a branch); only what can be looked
//! back at: the window start moves forward, seeking below it lands on it, dropped messages
//! have no content any more, and the history's memory stays under the budget.

mod common;

use common::{raft_session, sim};
use distlab_engine::labs::{self, LabSession};
use distlab_engine::sim::{Action, TraceKind};
use distlab_engine::{Time, MS};

const Q: &str = "lab=raft&seed=7&clients=200";

fn lab(q: &str, budget: Option<usize>) -> Box<dyn LabSession> {
    let (mut s, err) = labs::create(&common::config(q));
    assert!(err.is_none(), "{err:?}");
    s.set_history_budget(budget);
    s
}

/// The kept trace is exactly the untrimmed trace from the first kept record on.
fn assert_suffix(trimmed: &dyn LabSession, full: &dyn LabSession) {
    let kept = trimmed.trace();
    if kept.is_empty() {
        // Nothing happened between the window start and now.
        let ws = trimmed.window_start();
        assert!(full.trace().iter().all(|r| r.time <= ws));
        return;
    }
    let first = kept.first().map_or(0, |r| r.id) as usize;
    let tail = &full.trace()[first..];
    assert_eq!(
        (kept.len(), kept.first(), kept.last()),
        (tail.len(), tail.first(), tail.last()),
        "the kept trace is the full one's tail"
    );
    assert!(kept == tail, "the kept trace is the full one's tail");
}

#[test]
fn trimmed_runs_hash_like_untrimmed_ones_through_seeks_and_a_branch() {
    const BUDGET: usize = 256 << 10;
    let mut trimmed = lab(Q, Some(BUDGET));
    let mut full = lab(Q, None);
    let mut starts = vec![];
    for k in 1..=30u64 {
        let t = k * 1_000 * MS;
        trimmed.run_until(t);
        full.run_until(t);
        assert_eq!(trimmed.trace_hash(), full.trace_hash(), "at {t}");
        assert_eq!(trimmed.events(), full.events());
        assert!(
            trimmed.history_bytes() <= BUDGET,
            "{}",
            trimmed.history_bytes()
        );
        starts.push(trimmed.window_start());
    }
    assert_eq!(full.window_start(), 0, "no budget, nothing dropped");
    let moves = starts.windows(2).filter(|w| w[1] > w[0]).count();
    assert!(
        moves >= 5,
        "the window start moved forward {moves} times: {starts:?}"
    );
    assert!(starts.windows(2).all(|w| w[1] >= w[0]));
    println!(
        "30 s, 200 writes/s, 256 KiB budget: untrimmed {} bytes, trimmed {} bytes, window {} ms .. {} ms",
        full.history_bytes(),
        trimmed.history_bytes(),
        trimmed.window_start() / MS,
        trimmed.now() / MS
    );
    assert_suffix(trimmed.as_ref(), full.as_ref());
    // Seek back within the window, forward, and back again: same states as the full run.
    let ws = trimmed.window_start();
    for t in [ws + 700 * MS, 29_000 * MS, ws + 1] {
        trimmed.seek(t);
        full.seek(t);
        assert_eq!(trimmed.now(), t);
        assert_eq!(
            trimmed.trace_hash(),
            full.trace_hash(),
            "after seeking to {t}"
        );
        assert_suffix(trimmed.as_ref(), full.as_ref());
    }
    // Branch there: the recorded future goes, the run goes on and is trimmed again.
    trimmed.act(Action::Crash { node: 1 }).unwrap();
    full.act(Action::Crash { node: 1 }).unwrap();
    for t in [40_000 * MS, 60_000 * MS] {
        trimmed.run_until(t);
        full.run_until(t);
        assert_eq!(
            trimmed.trace_hash(),
            full.trace_hash(),
            "after the branch, at {t}"
        );
    }
    assert!(
        trimmed.window_start() > ws,
        "the window moved on after the branch"
    );
    assert!(trimmed.history_bytes() <= BUDGET);
    assert_suffix(trimmed.as_ref(), full.as_ref());
    // A share link of the trimmed run replays the same run from the start.
    let mut replay = lab(Q, None);
    replay.load_actions(trimmed.actions().to_vec()).unwrap();
    replay.run_until(60_000 * MS);
    assert_eq!(replay.trace_hash(), trimmed.trace_hash());
}

#[test]
fn seeking_below_the_window_lands_on_its_start() {
    let mut s = lab(Q, Some(512 << 10));
    s.run_until(20_000 * MS);
    let ws = s.window_start();
    assert!(ws > 0, "history was dropped");
    let first = s.trace()[0].time;
    assert!(
        first >= ws,
        "the kept trace starts at the window: {first} < {ws}"
    );
    s.seek(0);
    assert_eq!(s.now(), ws, "seek(0) clamps to the window start");
    // The state there is the untrimmed run's at the same time.
    let mut full = lab(Q, None);
    full.run_until(20_000 * MS);
    full.seek(ws);
    assert_eq!(s.trace_hash(), full.trace_hash());
    assert_eq!(
        s.horizon(),
        20_000 * MS,
        "the scrubber still reaches the end"
    );
    // And forward again to the end.
    s.seek(20_000 * MS);
    full.seek(20_000 * MS);
    assert_eq!(s.trace_hash(), full.trace_hash());
}

#[test]
fn dropped_messages_have_no_content_and_ids_stay_absolute() {
    let mut s = raft_session(Q);
    let mut full = raft_session(Q);
    s.session.set_history_budget(Some(512 << 10));
    s.run_until(15_000 * MS);
    full.run_until(15_000 * MS);
    let (trimmed, whole) = (sim(&s), sim(&full));
    let first_msg = trimmed.first_message();
    assert!(first_msg > 0 && trimmed.first_record() > 0);
    assert!(whole.message(0).is_some());
    assert!(
        trimmed.message(0).is_none(),
        "message 0 was delivered long ago and dropped"
    );
    // A kept message is found by its absolute id, with the same content.
    let kept = trimmed.sent()[trimmed.sent().len() / 2].id;
    assert!(kept >= first_msg);
    assert_eq!(
        format!("{:?}", trimmed.message(kept)),
        format!("{:?}", whole.message(kept))
    );
    // Every message in flight still has its content, dropped from the log or not.
    for m in trimmed.inflight() {
        assert!(trimmed.message(m.id).is_some(), "in flight: {}", m.id);
    }
    // Trace ids are dense from the first kept record.
    let t = trimmed.trace();
    assert_eq!(t[0].id, trimmed.first_record());
    assert!(t.windows(2).all(|w| w[1].id == w[0].id + 1));
    assert_eq!(t.last().unwrap().id + 1, trimmed.records());
}

#[test]
fn sim_trim_history_by_time_changes_nothing_but_the_kept_history() {
    let mut s = raft_session(Q);
    let mut full = raft_session(Q);
    s.run_until(5_000 * MS);
    full.run_until(5_000 * MS);
    let keep_from: Time = 3_000 * MS;
    s.session.sim.trim_history(keep_from);
    let trimmed = sim(&s);
    assert!(trimmed.trace().iter().all(|r| r.time >= keep_from));
    assert!(trimmed.sent().iter().all(|m| m.sent_at >= keep_from));
    let dropped = full
        .session
        .sim
        .trace()
        .iter()
        .filter(|r| r.time < keep_from)
        .count() as u64;
    assert_eq!(trimmed.first_record(), dropped);
    assert!(trimmed.history_bytes() < sim(&full).history_bytes());
    // The run goes on exactly as before.
    s.run_until(8_000 * MS);
    full.run_until(8_000 * MS);
    assert_eq!(sim(&s).trace_hash(), sim(&full).trace_hash());
    let deliveries = |t: &[distlab_engine::sim::TraceRecord]| {
        t.iter()
            .filter(|r| r.time >= keep_from && matches!(r.kind, TraceKind::Deliver { .. }))
            .count()
    };
    assert_eq!(deliveries(sim(&s).trace()), deliveries(sim(&full).trace()));
}

/// Memory stays flat over a long run: the history estimate never passes the budget however
/// long the run goes, while an untrimmed run's grows without end.
#[test]
fn history_memory_stays_under_the_budget_over_a_long_run() {
    const BUDGET: usize = 4 << 20;
    let mut s = lab(Q, Some(BUDGET));
    let mut peak = 0;
    let mut samples = vec![];
    for k in 1..=24u64 {
        s.run_until(k * 10_000 * MS);
        let b = s.history_bytes();
        peak = peak.max(b);
        samples.push(b >> 10);
    }
    println!(
        "4 minutes of 5-node Raft at 200 writes/s, budget {} KiB: history KiB every 10 s {:?}; peak {} KiB; window {} s .. {} s",
        BUDGET >> 10,
        samples,
        peak >> 10,
        s.window_start() / 1_000 / MS,
        s.now() / 1_000 / MS
    );
    assert!(peak <= BUDGET, "peak {peak} > {BUDGET}");
    // Flat: the second half of the run keeps no more than the budget, and not much less.
    assert!(samples[12..].iter().all(|&kib| kib >= (BUDGET >> 10) / 4));
    assert!(s.window_start() >= 180_000 * MS, "{}", s.window_start());
}
