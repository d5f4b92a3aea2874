//! The three-phase commit lab (`tx-3pc`): a fault-free transaction step by step (three rounds
//! of messages, write-ahead logs, rows, locks, six messages per cohort against two-phase
//! commit's four), a No vote aborting everywhere, each preset's lesson beside its `tx-2pc`
//! counterpart on the same fault (a crashed coordinator no longer blocks the cohorts; a crash
//! while sending DoCommit leaves the data different only until the cohorts' timeout; a
//! partition after PreCommit breaks atomicity, where 2PC would block instead), atomicity under
//! thousands of random crash schedules, two deliberately broken variants the checker must
//! catch, every transaction ending without faults, determinism, and the runner.

mod common;

use common::{config, run_json, sends_of as sends, stat};

use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::labs::coordination::tx_3pc::{Config, Rec, Tx3pc};
use distlab_engine::labs::coordination::{tx_2pc, tx_3pc};
use distlab_engine::labs::{self, LabSession, NetLab, NetSession};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<Tx3pc> {
    let cfg = config(q);
    tx_3pc::session(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Tx3pc> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    tx_3pc::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session of lab `P`, its schedule planned, not yet run.
fn preset_of<P: NetLab>(
    id: &str,
    make: impl Fn(&distlab_engine::input::Params, u64) -> NetSession<P>,
) -> NetSession<P> {
    let cfg = config(&format!("lab={}&scenario={id}", P::ID));
    let mut s = make(&cfg.params, cfg.seed);
    let info = labs::find(P::ID)
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

fn preset(id: &str) -> NetSession<Tx3pc> {
    preset_of(id, tx_3pc::session)
}

fn preset_2pc(id: &str) -> NetSession<tx_2pc::Tx2pc> {
    preset_of(id, tx_2pc::session)
}

/// The client's `begin_tx` command with a row number.
fn begin(node: NodeId, row: &str) -> Action {
    Action::Command {
        node,
        name: "begin_tx".into(),
        arg: Some(row.into()),
    }
}

fn node(s: &NetSession<Tx3pc>, id: NodeId) -> &Tx3pc {
    s.session.sim.node(id)
}

fn recs(p: &Tx3pc) -> Vec<(u64, Rec)> {
    p.wal.iter().map(|w| (w.tx, w.rec)).collect()
}

const ONE_TX: &str = "rate=0&abort=0&exec=20&gap=5&latency_min=10&latency_max=10";

/// The notes' protocol, one transaction, no fault: Begin; CanCommit to the three cohorts, each
/// locks the row (executing nothing) and votes Yes; the coordinator logs PRECOMMIT and sends
/// PreCommit, each cohort executes, logs PRECOMMIT and answers Ack; the coordinator logs
/// COMMIT and sends DoCommit, each commits, unlocks and answers HaveCommitted; END.
#[test]
fn one_transaction_step_by_step() {
    let mut s = session(&format!("lab=tx-3pc&cohorts=3&{ONE_TX}"));
    s.act(begin(0, "2")).unwrap();
    // After the votes, before PreCommit arrives: locked, voted, nothing executed.
    s.run_until(35 * MS);
    for c in 2..5 {
        let p = node(&s, c);
        assert_eq!(p.data.locks, vec![None, Some(1), None, None], "R{}", c + 1);
        assert_eq!(recs(p), vec![(1, Rec::Voted { row: 1 })]);
        assert_eq!(p.txs[&1], tx_3pc::CState::Ready { row: 1 });
    }
    // After the Acks: pre-committed, still locked, value not yet written.
    s.run_until(65 * MS);
    for c in 2..5 {
        let p = node(&s, c);
        assert_eq!(p.txs[&1], tx_3pc::CState::PreCommitted { row: 1 });
        assert_eq!(p.data.values, vec![0, 0, 0, 0]);
    }
    s.run_until(1_000 * MS);
    let t = s.trace();
    let count = |k: &str| sends(t, k).count();
    assert_eq!(
        [
            count("Begin"),
            count("CanCommit"),
            count("Yes"),
            count("PreCommit"),
            count("Ack"),
            count("DoCommit"),
            count("HaveCommitted"),
            count("Outcome")
        ],
        [1, 3, 3, 3, 3, 3, 3, 1]
    );
    assert_eq!(count("No") + count("Abort") + count("Query"), 0);
    // Timings: Begin 10 ms, CanCommit and the votes 20, PreCommit 30, executed and Ack 60,
    // COMMIT at 70 (the commit point), then one DoCommit every 5 ms.
    let at = |k: &str| notes(t, k).map(|n| n.0).collect::<Vec<Time>>();
    assert_eq!(at("tx-3pc.pre_commit"), vec![30 * MS]);
    assert_eq!(at("tx-3pc.decide_commit"), vec![70 * MS]);
    let docommit: Vec<(Time, NodeId)> = sends(t, "DoCommit").map(|m| (m.0, m.2)).collect();
    assert_eq!(docommit, vec![(75 * MS, 2), (80 * MS, 3), (85 * MS, 4)]);
    assert_eq!(
        recs(node(&s, 1)),
        vec![
            (1, Rec::Begin { row: 1 }),
            (1, Rec::PreCommit { row: 1 }),
            (1, Rec::Commit),
            (1, Rec::End)
        ]
    );
    for c in 2..5 {
        let p = node(&s, c);
        assert_eq!(
            recs(p),
            vec![
                (1, Rec::Voted { row: 1 }),
                (1, Rec::PreCommit { row: 1 }),
                (1, Rec::Commit)
            ]
        );
        assert_eq!(p.data.values, vec![0, 1, 0, 0]);
        assert!(p.data.locks.iter().all(Option::is_none) && p.doubt.is_empty());
    }
    // In doubt from the vote (20 ms) to DoCommit (85, 90, 95 ms).
    assert_eq!(stat(&s, "tx-3pc.doubt.R3"), 65.0);
    assert_eq!(stat(&s, "tx-3pc.doubt.R5"), 75.0);
    assert_eq!(node(&s, 0).ledger[&1].outcome, Some(true));
    assert_eq!(stat(&s, "tx-3pc.timeout_commits"), 0.0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// The extra round is visible in the message count: 6 per cohort + 2 against two-phase
/// commit's 4 per cohort + 2, on the same transaction.
#[test]
fn three_phases_cost_two_more_messages_per_cohort_than_two() {
    for n in [1u64, 3, 10] {
        let q = format!("cohorts={n}&{ONE_TX}");
        let mut s3 = session(&format!("lab=tx-3pc&{q}"));
        s3.act(begin(0, "1")).unwrap();
        s3.run_until(1_000 * MS);
        let cfg = config(&format!("lab=tx-2pc&{q}"));
        let mut s2 = tx_2pc::session(&cfg.params, cfg.seed);
        s2.act(begin(0, "1")).unwrap();
        s2.run_until(1_000 * MS);
        assert_eq!(stat(&s3, "tx-3pc.msgs_per_tx"), (6 * n + 2) as f64);
        assert_eq!(stat(&s2, "tx-2pc.msgs_per_tx"), (4 * n + 2) as f64);
    }
}

/// A cohort armed with `vote_no` votes No: it aborts at once, the coordinator logs ABORT and
/// sends Abort; no PreCommit is sent and nothing is written anywhere.
#[test]
fn one_no_vote_aborts_everywhere() {
    let mut s = session("lab=tx-3pc&cohorts=4&rate=0&abort=0&latency_min=10&latency_max=20");
    s.act(Action::command(4, "vote_no")).unwrap();
    s.act(begin(0, "1")).unwrap();
    s.run_until(1_000 * MS);
    assert_eq!(
        sends(s.trace(), "No").map(|m| m.1).collect::<Vec<_>>(),
        vec![4]
    );
    assert_eq!(sends(s.trace(), "PreCommit").count(), 0);
    assert_eq!(notes(s.trace(), "tx-3pc.decide_abort").count(), 1);
    assert_eq!(node(&s, 1).wal.last().map(|w| w.rec), Some(Rec::End));
    for c in 2..6 {
        let p = node(&s, c);
        assert_eq!(p.wal.last().map(|w| w.rec), Some(Rec::Abort), "R{}", c + 1);
        assert!(p.data.values.iter().all(|&v| v == 0));
        assert!(p.data.locks.iter().all(Option::is_none));
    }
    assert_eq!(node(&s, 0).ledger[&1].outcome, Some(false));
    s.act(begin(0, "1")).unwrap();
    s.run_until(2_000 * MS);
    assert_eq!(node(&s, 0).ledger[&2].outcome, Some(true));
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// The coordinator crashes after PreCommit went out and returns at 3 s — the fault of tx-2pc's
/// `2pc-coordinator-crash`. The cohorts commit on their own timeout at 1,050 ms and release
/// their locks; in 2PC they stay blocked, locks held, until 3 s.
#[test]
fn preset_coordinator_crash_the_cohorts_commit_alone_where_2pc_blocks() {
    let mut s = preset("3pc-coordinator-crash");
    s.run_until(1_040 * MS);
    for c in 2..5 {
        let p = node(&s, c);
        assert_eq!(p.txs[&1], tx_3pc::CState::PreCommitted { row: 0 });
        assert_eq!(p.data.locks[0], Some(1));
    }
    s.run_until(2_990 * MS);
    assert_eq!(
        recs(node(&s, 1)),
        vec![(1, Rec::Begin { row: 0 }), (1, Rec::PreCommit { row: 0 })]
    );
    assert_eq!(sends(s.trace(), "DoCommit").count(), 0, "nothing sent");
    let commits: Vec<(Time, NodeId)> = notes(s.trace(), "tx-3pc.timeout_commit")
        .map(|n| (n.0, n.1))
        .collect();
    assert_eq!(
        commits,
        vec![(1_050 * MS, 2), (1_050 * MS, 3), (1_050 * MS, 4)]
    );
    for c in 2..5 {
        let p = node(&s, c);
        assert_eq!(p.data.values[0], 1, "R{} committed alone", c + 1);
        assert!(!p.blocked && p.doubt.is_empty() && p.data.locks[0].is_none());
        assert_eq!(stat(&s, &format!("tx-3pc.doubt.R{}", c + 1)), 850.0);
    }
    assert_eq!(stat(&s, "tx-3pc.timeout_commits"), 3.0);
    assert_eq!(stat(&s, "tx-3pc.blocked"), 0.0);
    assert_eq!(s.headline().key, "tx-3pc.headline.ok");
    // The same fault in two-phase commit: still blocked, locks held, at 2,990 ms.
    let mut s2 = preset_2pc("2pc-coordinator-crash");
    s2.run_until(2_990 * MS);
    assert_eq!(stat(&s2, "tx-2pc.blocked"), 3.0);
    assert!(stat(&s2, "tx-2pc.doubt.R3") > 3.0 * stat(&s, "tx-3pc.doubt.R3"));
    // The coordinator returns, finds PRECOMMIT without a decision, commits; the cohorts
    // already have, and acknowledge.
    s.run_until(4_000 * MS);
    assert_eq!(notes(s.trace(), "tx-3pc.recover_precommit").count(), 1);
    assert_eq!(node(&s, 1).wal.last().map(|w| w.rec), Some(Rec::End));
    assert_eq!(notes(s.trace(), "tx-3pc.conflict").count(), 0);
    assert!(s.violations().is_empty());
}

/// The coordinator crashes before the votes arrive: no PreCommit. The cohorts abort on their
/// own at 930 ms; the restarted coordinator presumes abort.
#[test]
fn preset_crash_before_precommit_the_cohorts_abort_alone() {
    let mut s = preset("3pc-crash-before-precommit");
    s.run_until(2_990 * MS);
    let aborts: Vec<Time> = notes(s.trace(), "tx-3pc.timeout_abort")
        .map(|n| n.0)
        .collect();
    assert_eq!(aborts, vec![930 * MS; 3]);
    assert_eq!(sends(s.trace(), "PreCommit").count(), 0);
    for c in 2..5 {
        let p = node(&s, c);
        assert_eq!(p.data.values[0], 0);
        assert!(p.data.locks[0].is_none() && p.doubt.is_empty() && !p.blocked);
    }
    s.run_until(4_000 * MS);
    assert_eq!(notes(s.trace(), "tx-3pc.presumed_abort").count(), 1);
    assert_eq!(node(&s, 0).ledger[&1].outcome, Some(false));
    assert_eq!(node(&s, 1).wal.last().map(|w| w.rec), Some(Rec::End));
    assert!(s.violations().is_empty());
}

/// The notes' ten cohorts, the coordinator crashing after five DoCommits: the other five
/// commit on their timeout at 1,050 ms, so the data agree again long before the coordinator
/// returns; in 2PC they still differ at 2,990 ms.
#[test]
fn preset_partial_commit_the_uninformed_commit_on_their_timeout() {
    let mut s = preset("3pc-partial-commit");
    s.run_until(1_000 * MS);
    let informed: Vec<NodeId> = sends(s.trace(), "DoCommit").map(|m| m.2).collect();
    assert_eq!(informed, vec![2, 3, 4, 5, 6]);
    assert_eq!(stat(&s, "tx-3pc.rows_differ"), 1.0);
    assert_eq!(s.headline().key, "tx-3pc.headline.differ");
    s.run_until(1_100 * MS);
    assert!((2..12).all(|c| node(&s, c).data.values[0] == 1));
    assert_eq!(stat(&s, "tx-3pc.rows_differ"), 0.0);
    assert_eq!(stat(&s, "tx-3pc.timeout_commits"), 5.0);
    let mut s2 = preset_2pc("2pc-partial-commit");
    s2.run_until(2_990 * MS);
    assert_eq!(stat(&s2, "tx-2pc.rows_differ"), 1.0);
    s.run_until(4_000 * MS);
    assert_eq!(node(&s, 1).wal.last().map(|w| w.rec), Some(Rec::End));
    assert!(s.violations().is_empty());
}

/// The lesson: a partition after PreCommit. The coordinator, hearing only R3's Ack, aborts;
/// R4 and R5, hearing nothing, take the silence for a crash and commit. Atomicity breaks.
/// Under the same partition two-phase commit blocks instead, and stays atomic.
#[test]
fn preset_partition_after_precommit_breaks_atomicity() {
    let mut s = preset("3pc-partition");
    s.run_until(3_000 * MS);
    let v = s.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].invariant, "atomicity");
    assert_eq!(v[0].time, 1_050 * MS);
    assert!(s
        .properties()
        .iter()
        .any(|p| p.id == "atomicity" && p.lesson));
    assert_eq!(
        notes(s.trace(), "tx-3pc.ack_timeout")
            .map(|n| n.0)
            .collect::<Vec<_>>(),
        vec![870 * MS]
    );
    assert_eq!(node(&s, 2).data.values[0], 0, "R3 rolled back");
    assert_eq!(node(&s, 3).data.values[0], 1, "R4 committed alone");
    assert_eq!(node(&s, 4).data.values[0], 1, "R5 committed alone");
    assert_eq!(node(&s, 0).ledger[&1].outcome, Some(false));
    assert_eq!(stat(&s, "tx-3pc.rows_differ"), 1.0);
    // After the heal the coordinator's Abort reaches them: too late.
    assert!(notes(s.trace(), "tx-3pc.conflict").any(|n| n.1 == 3 && n.0 > 2_000 * MS));
    // Two-phase commit under the same partition, at the same moment of its own protocol
    // (after the decision, before it reached R4 and R5): blocked, not divergent.
    let cfg = config("lab=tx-2pc&scenario=2pc-coordinator-crash");
    let mut s2 = tx_2pc::session(&cfg.params, cfg.seed);
    s2.act(begin(0, "1")).unwrap();
    s2.run_until(300 * MS);
    s2.act(Action::Partition {
        groups: vec![0, 0, 0, 1, 1],
    })
    .unwrap();
    s2.run_until(2_000 * MS);
    assert_eq!(stat(&s2, "tx-2pc.blocked"), 2.0);
    assert!(s2.violations().is_empty());
}

const SCHEDULES: u64 = 2_000;
const SCHEDULE_TIME: Time = 3_000 * MS;

/// The faults three-phase commit is designed for: nodes that crash (fail-stop) and restart
/// with their logs, on a network that delivers every message within `latency_max` (possibly
/// twice). Any node crashes — the coordinator while collecting votes or Acks or sending
/// DoCommit, cohorts voted or pre-committed — and no transaction is committed anywhere while
/// it is aborted somewhere. Partitions, lost messages and pauses are left out on purpose:
/// they are silences that are not crashes, which 3PC's timeouts cannot tell apart (the
/// `3pc-partition` preset and `lost_messages_break_it_too` show them breaking atomicity).
#[test]
fn atomicity_holds_under_random_crashes() {
    let (mut crashes, mut dups) = (0, 0);
    let (mut committed, mut aborted, mut alone) = (0.0, 0.0, 0.0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let q = format!(
            "lab=tx-3pc&seed={i}&cohorts={}&rows={}&rate={}&abort={}&gap={}&timeout={}&dup={}&latency_min={}&latency_max={}",
            1 + i % 6,
            1 + i % 3,
            3 + i % 8,
            [0, 10, 30][(i % 3) as usize],
            [0, 5, 40][(i / 3 % 3) as usize],
            100 + (i % 4) * 100,
            [0, 5, 20][(i / 5 % 3) as usize],
            [1, 5, 20][(i / 7 % 3) as usize],
            [10, 30, 60][(i / 7 % 3) as usize],
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        let k = 0.5 + (i % 4) as f64 * 0.5;
        let spec = FaultSpec {
            crash: 0.6 * k,
            restart: 1.0,
            ..FaultSpec::default()
        };
        FaultDriver::new(spec, common::fault_seed(i)).run(&mut s, SCHEDULE_TIME);
        crashes += s
            .actions()
            .iter()
            .filter(|a| matches!(a.action, Action::Crash { .. }))
            .count();
        dups += s.session.sim.monitor().duplicates;
        committed += stat(&s, "tx-3pc.committed");
        aborted += stat(&s, "tx-3pc.aborted");
        alone += stat(&s, "tx-3pc.timeout_commits") + stat(&s, "tx-3pc.timeout_aborts");
        if !s.violations().is_empty() {
            failures.push(format!("{q}: {:?}", s.violations()));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes, {dups} duplicates; {committed} committed, \
         {aborted} aborted, {alone} decided alone on a timeout"
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        crashes > 2_000 && dups > 1_000,
        "{crashes} crashes, {dups} duplicates"
    );
    assert!(
        committed > SCHEDULES as f64 && aborted > SCHEDULES as f64 && alone > 500.0,
        "{committed} committed, {aborted} aborted, {alone} alone"
    );
}

/// Lost messages are partitions in miniature: a lost Ack makes the coordinator abort, a lost
/// Abort leaves a pre-committed cohort to commit on its timeout. Random drops do break
/// atomicity in some runs — which is why the safety test above leaves them out.
#[test]
fn lost_messages_break_it_too() {
    let mut broken = 0;
    for i in 0..200u64 {
        let q = format!("lab=tx-3pc&seed={i}&cohorts=3&rate=10&abort=0&timeout=100");
        let mut s = session(&q);
        s.set_keep_trace(false);
        let spec = FaultSpec {
            drop: 20.0,
            ..FaultSpec::default()
        };
        FaultDriver::new(spec, common::fault_seed(i)).run(&mut s, SCHEDULE_TIME);
        let v = s.violations();
        assert!(v.iter().all(|v| v.invariant == "atomicity"), "{v:?}");
        broken += usize::from(!v.is_empty());
    }
    assert!(broken >= 5, "atomicity broke in {broken} of 200 runs");
}

/// Without faults every transaction ends within the fault-free bound, under contention and
/// random No votes.
#[test]
fn every_transaction_ends_without_faults() {
    for i in 0..300u64 {
        let q = format!(
            "lab=tx-3pc&seed={i}&cohorts={}&rows={}&rate={}&abort={}&exec={}&gap={}",
            1 + i % 10,
            1 + i % 4,
            1 + i % 10,
            (i % 4) * 10,
            (i % 5) * 20,
            i % 3 * 10
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        s.run_until(SCHEDULE_TIME);
        s.check_eventually();
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
    }
}

/// A cohort that commits on a timeout *before* PreCommit (it only voted Yes) breaks
/// atomicity as soon as the coordinator dies before PreCommit and comes back to abort, or
/// another cohort voted No. The checker catches it in the preset and under random crashes.
#[test]
fn the_checker_catches_a_cohort_that_commits_before_precommit() {
    let cfg = config("lab=tx-3pc&scenario=3pc-crash-before-precommit");
    let mut c = Config::from_params(&cfg.params);
    c.broken_commit_before_precommit = true;
    let mut s = tx_3pc::session_with(&cfg.params, &c, cfg.seed);
    let info = labs::find("tx-3pc")
        .and_then(|l| l.scenario("3pc-crash-before-precommit"))
        .expect("preset");
    s.schedule(info).expect("schedule");
    s.run_until(4_000 * MS);
    let v = s.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].invariant, "atomicity");
    let mut caught = 0;
    for seed in 0..40 {
        let mut s = session_with(
            &format!("lab=tx-3pc&seed={seed}&cohorts=3&rows=1&rate=10&abort=0&timeout=100&latency_min=20&latency_max=60"),
            |c| c.broken_commit_before_precommit = true,
        );
        let spec = FaultSpec {
            crash: 2.0,
            restart: 2.0,
            ..FaultSpec::default()
        };
        FaultDriver::new(spec, common::fault_seed(seed)).run(&mut s, 3_000 * MS);
        let v = s.violations();
        assert!(v.iter().all(|v| v.invariant == "atomicity"), "{v:?}");
        caught += usize::from(!v.is_empty());
    }
    assert!(caught >= 10, "caught in {caught} of 40 runs");
}

/// A restarted coordinator that presumes abort for a transaction it had PreCommitted (2PC's
/// rule, wrong here) contradicts the cohorts that committed on their timeout.
#[test]
fn the_checker_catches_a_coordinator_that_presumes_abort_after_precommit() {
    let cfg = config("lab=tx-3pc&scenario=3pc-coordinator-crash");
    let mut c = Config::from_params(&cfg.params);
    c.broken_presumed_abort = true;
    let mut s = tx_3pc::session_with(&cfg.params, &c, cfg.seed);
    let info = labs::find("tx-3pc")
        .and_then(|l| l.scenario("3pc-coordinator-crash"))
        .expect("preset");
    s.schedule(info).expect("schedule");
    s.run_until(4_000 * MS);
    let v = s.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].invariant, "atomicity");
    assert!(v[0].time >= 3_000 * MS);
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| {
        let mut s = session(q);
        FaultDriver::new(common::fault_rates(1.0, 0.3, 0.3, 0.2), 5).run(&mut s, 3_000 * MS);
        s.trace_hash()
    };
    let a = hash("lab=tx-3pc&seed=4&rate=5&dup=10");
    assert_eq!(a, hash("lab=tx-3pc&seed=4&rate=5&dup=10"));
    assert_ne!(a, hash("lab=tx-3pc&seed=5&rate=5&dup=10"));
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&["run", "tx-3pc", "--seed", "3", "--until", "10s"]);
    assert_eq!(out["lab"], "tx-3pc");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let stats = &out["summary"]["stats"];
    assert!(stats["tx-3pc.committed"].as_f64().unwrap_or(0.0) >= 5.0);
    assert!(stats["tx-3pc.doubt.R3"].as_f64().is_some());
    assert!(stats["tx-3pc.msgs_per_tx"].as_f64().unwrap_or(0.0) >= 10.0);
    assert_eq!(out["summary"]["cohorts"].as_array().map(Vec::len), Some(3));
    // The partition preset breaks atomicity, the lesson: the runner still exits 0.
    let out = run_json(&["run", "tx-3pc", "--scenario", "3pc-partition"]);
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(1));
}
