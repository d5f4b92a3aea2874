//! Raft log compaction (the paper's §7): servers snapshot their applied state and discard the
//! log prefix it covers; a follower cut off while the leader compacted is caught up by
//! InstallSnapshot; a restarted server starts from its snapshot; memory stays flat on a long
//! run with many writes; the safety properties hold with a small snapshot interval under
//! thousands of random fault schedules; and broken variants (a snapshot of uncommitted entries,
//! a conflicting suffix kept under an installed snapshot) are caught.

mod common;

use common::{
    agree, assert_no_violations, fault_rates, fault_seed, faults_then_quiet, leader, notes,
    raft_session, raft_session_with, sim,
};
use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::labs::coordination::raft::{self, Raft, Role};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{Action, NodeStatus, TraceKind};
use distlab_engine::{NodeId, Time, MS};

/// Messages of `kind` delivered to `to`, with their times.
fn delivered(s: &NetSession<Raft>, kind: &str, to: NodeId) -> Vec<Time> {
    sim(s)
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            TraceKind::Deliver { kind: k, to: t, .. } if *k == kind && *t == to => Some(r.time),
            _ => None,
        })
        .collect()
}

/// The values of the notes `key` of `node`.
fn note_values(s: &NetSession<Raft>, key: &str, node: NodeId) -> Vec<u64> {
    sim(s)
        .trace()
        .iter()
        .filter_map(|r| match &r.kind {
            TraceKind::Note {
                node: n,
                key: k,
                value,
            } if *k == key && *n == node => Some(*value),
            _ => None,
        })
        .collect()
}

#[test]
fn servers_snapshot_every_n_entries_and_keep_a_trail() {
    let mut s = raft_session("lab=raft&seed=2&clients=40&snapshot_every=10");
    s.run_until(6_000 * MS);
    let l = leader(&s);
    let committed = sim(&s).node(l).commit_index;
    assert!(committed > 150, "{committed}");
    for i in 0..5 {
        let r = sim(&s).node(i);
        let snap = r.log.snapshot();
        // Snapshots every 10 applied entries, the newest 10 to 19 applied ones kept after it.
        let taken = note_values(&s, "raft.snapshot", i);
        assert!(taken.len() >= 10, "n{}: {taken:?}", i + 1);
        assert!(taken.windows(2).all(|w| w[1] >= w[0] + 10), "{taken:?}");
        assert_eq!(snap.index, *taken.last().unwrap());
        // (An event may apply a batch before the next one compacts.)
        let trail = r.last_applied - snap.index;
        assert!((10..20 + 16).contains(&trail), "n{}: trail {trail}", i + 1);
        assert_eq!(r.log.first_index(), snap.index + 1);
        assert!(r.log.get(snap.index).is_none() && r.log.get(snap.index + 1).is_some());
        // The snapshot's state plus the trail give the node's state.
        let mut state = snap.clone();
        for (k, e) in r.log.iter().take(trail as usize) {
            state.apply(k, e);
        }
        assert_eq!(state.kv, r.kv, "n{}", i + 1);
        assert!(agree(&r.log, &sim(&s).node(l).log, r.commit_index));
    }
    assert_eq!(notes(&s, "raft.install_snapshot"), 0, "nobody fell behind");
    assert!(sim(&s).monitor().snapshots >= 50);
    assert_no_violations(&s, "compaction");
    // The view shows it: the log panel's snapshot and the inspector's.
    let v = s.view();
    let log = v.nodes[l].log.as_ref().unwrap();
    let snap = sim(&s).node(l).log.snapshot();
    assert_eq!((log.snapshot, log.snapshot_term), (snap.index, snap.term));
    assert_eq!(log.start, snap.index + 1);
    assert_eq!(log.len, sim(&s).node(l).log.last_index());
    let detail = |k: &str| {
        v.nodes[l]
            .details
            .iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        detail("snapshot"),
        Some(format!("≤ {} (T{})", snap.index, snap.term))
    );
    assert_eq!(v.nodes[l].panels.len(), 1);
}

#[test]
fn without_compaction_logs_grow_and_nothing_is_snapshotted() {
    let mut s = raft_session("lab=raft&seed=2&clients=40&snapshot_every=0");
    s.run_until(6_000 * MS);
    let l = leader(&s);
    assert_eq!(sim(&s).node(l).log.snapshot().index, 0);
    assert_eq!(
        sim(&s).node(l).log.stored() as u64,
        sim(&s).node(l).log.last_index()
    );
    assert_eq!(notes(&s, "raft.snapshot"), 0);
    assert!(s.view().nodes[l].panels.is_empty());
}

/// The worked example: a follower is cut off while the others keep committing and compact
/// their logs past everything it holds. After the heal the entries it needs exist nowhere in
/// a log, and the leader sends its snapshot instead.
#[test]
fn a_follower_cut_off_while_the_leader_compacts_is_caught_up_by_install_snapshot() {
    for seed in 0..20 {
        let what = format!("seed {seed}");
        let mut s = raft_session(&format!(
            "lab=raft&seed={seed}&clients=20&snapshot_every=10"
        ));
        s.run_until(2_000 * MS);
        let l = leader(&s);
        let f = (l + 1) % 5;
        let cut_at = sim(&s).node(f).log.last_index();
        let groups: Vec<u32> = (0..5).map(|i| u32::from(i == f)).collect();
        s.act(Action::Partition { groups }).unwrap();
        s.run_until(5_000 * MS);
        // Everyone else compacted past the end of f's log: AppendEntries cannot repair it.
        for i in (0..5).filter(|&i| i != f) {
            let snap = sim(&s).node(i).log.snapshot().index;
            assert!(
                snap > cut_at,
                "{what}: n{} snapshot {snap} <= {cut_at}",
                i + 1
            );
        }
        assert!(delivered(&s, "InstallSnapshot", f).is_empty());
        s.act(Action::HealAll).unwrap();
        s.run_until(7_000 * MS);
        // f got a snapshot (from whoever leads now: its higher term may have forced an
        // election), discarded its log, which did not reach the snapshot, and caught up.
        let got = delivered(&s, "InstallSnapshot", f);
        assert!(
            !got.is_empty(),
            "{what}: no InstallSnapshot reached n{}",
            f + 1
        );
        let installed = note_values(&s, "raft.install_snapshot", f);
        assert!(
            !installed.is_empty() && installed[0] > cut_at,
            "{what}: {installed:?}"
        );
        assert_eq!(notes(&s, "raft.install_snapshot_keep"), 0, "{what}");
        let (l, r) = (leader(&s), sim(&s).node(f));
        let lr = sim(&s).node(l);
        assert!(
            r.commit_index + 10 >= lr.commit_index,
            "{what}: n{} lags",
            f + 1
        );
        assert!(r.log.snapshot().index >= installed[0]);
        assert!(agree(&r.log, &lr.log, r.commit_index), "{what}");
        assert_no_violations(&s, &what);
    }
}

#[test]
fn a_restarted_server_starts_from_its_snapshot() {
    for seed in 0..20u64 {
        let what = format!("seed {seed}");
        let mut s = raft_session(&format!(
            "lab=raft&seed={seed}&clients=40&snapshot_every=10"
        ));
        s.run_until(3_000 * MS);
        let f = (leader(&s) + 2) % 5;
        let before = sim(&s).node(f).clone();
        assert!(before.log.snapshot().index > 0, "{what}");
        s.act(Action::Crash { node: f }).unwrap();
        // Term, vote, log and snapshot persist; the state machine restarts from the snapshot.
        let r = sim(&s).node(f);
        assert_eq!(r.log, before.log, "{what}");
        assert_eq!(
            (r.current_term, r.voted_for),
            (before.current_term, before.voted_for)
        );
        let snap = r.log.snapshot();
        assert_eq!((r.commit_index, r.last_applied), (snap.index, snap.index));
        assert_eq!(r.kv, snap.kv);
        s.run_until(3_500 * MS);
        s.act(Action::Restart { node: f }).unwrap();
        s.run_until(5_000 * MS);
        let (l, r) = (leader(&s), sim(&s).node(f));
        assert!(
            r.commit_index + 10 >= sim(&s).node(l).commit_index,
            "{what}"
        );
        assert_eq!(r.last_applied, r.commit_index);
        assert_no_violations(&s, &what);
    }
}

#[test]
fn memory_stays_flat_on_a_long_run_with_many_writes() {
    // Ten simulated minutes at 200 writes a second: 120,000 entries.
    let run = |every: u64| {
        let mut s = raft_session(&format!(
            "lab=raft&seed=42&clients=200&snapshot_every={every}"
        ));
        s.set_keep_trace(false);
        let mut most = (0, 0);
        for m in 1..=10 {
            s.run_until(m * 60_000 * MS);
            let stored = (0..5).map(|i| sim(&s).node(i).log.stored()).max();
            most.0 = most.0.max(stored.unwrap_or(0));
            most.1 = most.1.max(sim(&s).monitor().held());
        }
        assert_no_violations(&s, "long run");
        (sim(&s).monitor().committed(), most)
    };
    let (committed, (stored, held)) = run(50);
    assert!(committed > 110_000, "{committed}");
    // A log holds at most 2N applied entries plus what is not applied yet; the checker keeps
    // less than a page (4,096 entries) per history beyond what the logs hold.
    assert!(stored < 200, "{stored}");
    assert!(held < 3 * (4_096 + 200), "{held}");
    // Without compaction both grow with the run.
    let (_, (stored, held)) = run(0);
    assert!(
        stored as u64 >= committed && held as u64 > 3 * committed,
        "{stored} {held}"
    );
}

#[test]
fn compacted_runs_are_deterministic_and_replay_from_share_links_and_checkpoints() {
    let q = "lab=raft&seed=9&nodes=5&loss=5&dup=5&clients=50&snapshot_every=3";
    let spec = fault_rates(1.0, 0.3, 0.3, 0.1);
    let run = || {
        let cfg = common::config(q);
        let (mut s, _) = labs::create(&cfg);
        FaultDriver::new(spec.clone(), 7).run(s.as_mut(), 10_000 * MS);
        s
    };
    let (a, b) = (run(), run());
    assert_eq!(a.trace_hash(), b.trace_hash());
    assert_eq!(a.trace(), b.trace());
    assert!(a.trace().iter().any(|r| matches!(
        &r.kind,
        TraceKind::Deliver {
            kind: "InstallSnapshot",
            ..
        }
    )));
    assert!(a.violations().is_empty(), "{:?}", a.violations());
    // The run's actions as a share link replay it exactly.
    let (cfg, _) = distlab_engine::input::RunConfig::parse(&distlab_engine::input::split_query(q));
    let link = cfg.share_query(a.actions());
    let (cfg2, errors) =
        distlab_engine::input::RunConfig::parse(&distlab_engine::input::split_query(&link));
    assert!(errors.is_empty(), "{errors:?}");
    let (mut c, _) = labs::create(&cfg2);
    c.run_until(10_000 * MS);
    assert_eq!(c.trace_hash(), a.trace_hash());
    // Seeking back to a checkpoint and running again gives the same run.
    c.seek(3_000 * MS);
    c.run_until(10_000 * MS);
    assert_eq!(c.trace_hash(), a.trace_hash());
}

/// One random schedule with compaction on and a small snapshot interval: a query, fault rates
/// and a fault seed.
fn schedule(i: u64) -> (String, FaultSpec, u64) {
    let n = 3 + i % 5;
    let loss = [0, 2, 10][(i / 5 % 3) as usize];
    let dup = [0, 5, 20][(i / 15 % 3) as usize];
    let clients = [20, 50][(i / 45 % 2) as usize];
    let every = [1, 2, 4, 8][(i / 90 % 4) as usize];
    let q = format!(
        "lab=raft&seed={i}&nodes={n}&loss={loss}&dup={dup}&clients={clients}&snapshot_every={every}"
    );
    let k = [0.5, 1.0, 2.0][(i % 3) as usize];
    (q, fault_rates(k, 0.3, 0.3, 0.1), fault_seed(i))
}

const SCHEDULES: u64 = 2_000;
/// Runs schedule `i`: faults, a quiet window, faults, a quiet window (see
/// [`faults_then_quiet`]).
fn run_schedule(s: &mut dyn LabSession, i: u64) -> (Vec<&'static str>, bool) {
    let (_, spec, fault_seed) = schedule(i);
    faults_then_quiet(s, spec, fault_seed)
}

#[test]
fn safety_holds_with_compaction_under_2000_random_fault_schedules() {
    let mut failures = Vec::new();
    let mut stalls = Vec::new();
    let (mut runs_with_installs, mut installs, mut kept, mut snapshots) = (0, 0, 0, 0);
    for i in 0..SCHEDULES {
        let (q, _, _) = schedule(i);
        let mut s = raft_session(&q);
        let (violations, progress) = run_schedule(&mut s, i);
        if !violations.is_empty() {
            failures.push(format!("{q}: {:?}", sim(&s).violations()));
        }
        if !progress {
            stalls.push(q.clone());
        }
        let n = notes(&s, "raft.install_snapshot") + notes(&s, "raft.install_snapshot_keep");
        runs_with_installs += usize::from(n > 0);
        installs += n;
        kept += notes(&s, "raft.install_snapshot_keep");
        snapshots += sim(&s).monitor().snapshots;
    }
    assert!(
        failures.is_empty(),
        "{} runs: {failures:#?}",
        failures.len()
    );
    assert!(
        stalls.is_empty(),
        "no progress in a quiet window: {stalls:#?}"
    );
    eprintln!(
        "runs with installs {runs_with_installs}, installs {installs} ({kept} keeping a \
         suffix), snapshots {snapshots}"
    );
    // The schedules exercised InstallSnapshot often, both ways of installing it.
    assert!(runs_with_installs > 1_000, "{runs_with_installs}");
    assert!(kept > 100, "{kept}");
}

/// The first schedule on which a broken variant violates a property, with the invariants.
fn first_caught(set: impl Fn(&mut raft::Config)) -> Option<(u64, Vec<&'static str>)> {
    (0..SCHEDULES).find_map(|i| {
        let (q, _, _) = schedule(i);
        let mut s = raft_session_with(&q, &set);
        s.set_keep_trace(false);
        let (mut v, _) = run_schedule(&mut s, i);
        v.dedup();
        (!v.is_empty()).then_some((i, v))
    })
}

#[test]
fn the_checker_catches_snapshots_of_uncommitted_entries() {
    let (i, v) = first_caught(|c| c.broken_compact_uncommitted = true)
        .expect("snapshots of uncommitted entries must be caught");
    eprintln!("caught by schedule {i}: {v:?}");
    assert!(v.contains(&"state-machine-safety"), "{v:?}");
}

#[test]
fn the_checker_catches_a_conflicting_suffix_kept_under_an_installed_snapshot() {
    let (i, v) = first_caught(|c| c.broken_snapshot_keeps_suffix = true)
        .expect("a conflicting suffix kept under a snapshot must be caught");
    eprintln!("caught by schedule {i}: {v:?}");
    assert!(v.contains(&"log-matching"), "{v:?}");
}

/// The broken suffix worked through: the old leader, cut off with a follower, keeps appending
/// writes it can never commit; the majority elects a new leader, commits and compacts past the
/// point where the logs part. After the heal the old leader's nextIndex is inside the new
/// leader's snapshot, so it gets InstallSnapshot; its own entry at the last included index is
/// of its old term. Correct Raft discards its log; the broken one keeps the entries after it,
/// which now follow a different prefix.
#[test]
fn a_deposed_leader_installing_a_snapshot_discards_its_conflicting_entries() {
    let run = |set: fn(&mut raft::Config)| {
        let mut s = raft_session_with("lab=raft&seed=1&clients=20&snapshot_every=10", set);
        s.run_until(2_000 * MS);
        let old = leader(&s);
        let buddy = (old + 1) % 5;
        let groups: Vec<u32> = (0..5).map(|i| u32::from(i != old && i != buddy)).collect();
        s.act(Action::Partition { groups }).unwrap();
        s.run_until(5_000 * MS);
        let new = (0..5)
            .find(|&i| i != old && sim(&s).node(i).role == Role::Leader)
            .expect("the majority elects");
        let parted = sim(&s).node(new).log.snapshot().index;
        assert!(
            sim(&s).node(old).log.last_index() > parted,
            "it kept appending"
        );
        assert_ne!(
            sim(&s).node(old).log.term(parted),
            Some(sim(&s).node(new).log.snapshot().term),
            "its entry there is of its own term"
        );
        s.act(Action::HealAll).unwrap();
        s.run_until(6_000 * MS);
        (s, old)
    };
    let (s, old) = run(|_| {});
    assert!(!note_values(&s, "raft.install_snapshot", old).is_empty());
    assert_no_violations(&s, "correct");
    assert_eq!(sim(&s).node(old).role, Role::Follower);
    let (s, old) = run(|c| c.broken_snapshot_keeps_suffix = true);
    assert!(!note_values(&s, "raft.install_snapshot_keep", old).is_empty());
    let v = sim(&s).violations();
    assert!(!v.is_empty() && v[0].invariant == "log-matching", "{v:?}");
}

#[test]
fn snapshot_catch_up_preset_installs_a_snapshot_on_the_restarted_follower() {
    let info = distlab_engine::scenario::find("raft", "snapshot-catch-up").unwrap();
    let cfg = common::config("lab=raft&scenario=snapshot-catch-up");
    let mut s = raft::session(&cfg.params, cfg.seed);
    distlab_engine::scenario::apply(info, &mut s.session).unwrap();
    s.session.run_until(3_999 * MS);
    // n5 is down with a short log; the leader n3 compacted past its end.
    assert_eq!(sim(&s).status(4), NodeStatus::Down);
    assert_eq!(leader(&s), 2);
    let short = sim(&s).node(4).log.last_index();
    let snap = sim(&s).node(2).log.snapshot().index;
    assert!(snap > short, "{snap} <= {short}");
    assert!(sim(&s).node(2).next_index[4] <= snap);
    s.session.run_until(info.duration_ms * MS);
    let installed = note_values(&s, "raft.install_snapshot", 4);
    assert_eq!(installed.len(), 1, "{installed:?}");
    assert!(installed[0] >= snap);
    // Then AppendEntries brought the rest, and n5 compacts on its own.
    let r = sim(&s).node(4);
    assert!(r.commit_index + 5 >= sim(&s).node(2).commit_index);
    assert!(!note_values(&s, "raft.snapshot", 4).is_empty());
    assert!(notes(&s, "raft.walk_back") == 0);
    assert_no_violations(&s, info.id);
}

/// Runs `distlab run raft` with `args` and returns (trace hash, committed entries).
fn cli_run(args: &[&str]) -> (String, u64) {
    let mut all = vec!["run", "raft"];
    all.extend_from_slice(args);
    let v = common::run_json(&all);
    assert_eq!(v["violations"].as_array().map(Vec::len), Some(0), "{v}");
    (
        v["trace_hash"].as_str().unwrap_or_default().to_string(),
        v["summary"]["committed"].as_u64().unwrap_or(0),
    )
}

#[test]
fn without_compaction_runs_replay_engine_version_2_exactly() {
    // Trace hashes of engine version 2 (before compaction) for runs with writes and faults:
    // with `snapshot_every=0` nothing of compaction happens and the runs are the same.
    let faults = "crash=0.3,restart=1,partition=0.3,heal=0.6,drop=3,pause=0.1";
    let a = [
        "--param",
        "clients=50",
        "--faults",
        faults,
        "--seed",
        "7",
        "--param",
        "snapshot_every=0",
    ];
    assert_eq!(cli_run(&a).0, "ffc5327af0f1b3e0762b8efaef27415c");
    let b = [
        "--param",
        "clients=200",
        "--param",
        "loss=5",
        "--param",
        "dup=5",
        "--faults",
        "crash=0.5,restart=1,partition=0.5,heal=0.6,drop=5",
        "--seed",
        "11",
        "--until",
        "30s",
        "--param",
        "snapshot_every=0",
    ];
    let (hash, committed) = cli_run(&b);
    assert_eq!(hash, "d5005467faceb3341ab2bfb2b3933439");
    // With the default interval the same run compacts, and plays out differently.
    let (hash, with) = cli_run(&b[..b.len() - 2]);
    assert_ne!(hash, "d5005467faceb3341ab2bfb2b3933439");
    assert!(with > committed / 2, "{with} vs {committed}");
}

#[test]
fn a_share_link_of_engine_version_2_runs_with_a_note() {
    use distlab_engine::input::{split_query, InputError, RunConfig};
    let q = "lab=raft&seed=4&clients=50&actions=2000.900.c1~4000.1800.r1&v=2";
    let (cfg, errors) = RunConfig::parse(&split_query(q));
    assert_eq!(
        errors,
        [InputError::OtherEngine {
            link: 2,
            current: distlab_engine::ENGINE_VERSION
        }]
    );
    assert!(errors[0].is_warning());
    assert_eq!(distlab_engine::ENGINE_VERSION, 3);
    // It runs, with this engine's rules (compaction on) and the link's actions.
    let (mut s, err) = labs::create(&cfg);
    assert!(err.is_none());
    s.run_until(6_000 * MS);
    assert_eq!(s.actions().len(), 2);
    assert!(s.violations().is_empty());
    assert!(s.trace().iter().any(|r| matches!(
        &r.kind,
        TraceKind::Note {
            key: "raft.snapshot",
            ..
        }
    )));
    // Re-shared, the link carries this version and no note.
    let (_, errors) = RunConfig::parse(&split_query(&cfg.share_query(s.actions())));
    assert!(errors.is_empty(), "{errors:?}");
}
