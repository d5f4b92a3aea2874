//! The two-phase commit lab (`tx-2pc`): a fault-free transaction step by step (messages,
//! write-ahead logs, rows, locks), a No vote aborting everywhere, the four presets' lessons
//! (synchronous blocking; cohorts blocked by a crashed coordinator until it returns; a crash
//! while sending DoCommit leaving the data different; the coordinator and the only informed
//! cohort both down, the others unable to learn the outcome from each other), atomicity under
//! thousands of random fault schedules, two deliberately broken variants the checker must
//! catch, every transaction ending without faults, determinism, and the runner.

mod common;

use common::{config, fault_rates, fault_seed, faulted_hash, run_json, sends_of as sends, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::tx_2pc::{self, Config, Rec, Tx2pc};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<Tx2pc> {
    let cfg = config(q);
    tx_2pc::session(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Tx2pc> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    tx_2pc::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
fn preset(id: &str) -> NetSession<Tx2pc> {
    let mut s = session(&format!("lab=tx-2pc&scenario={id}"));
    let info = labs::find("tx-2pc")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

/// The client's `begin_tx` command with a row number.
fn begin(node: NodeId, row: &str) -> Action {
    Action::Command {
        node,
        name: "begin_tx".into(),
        arg: Some(row.into()),
    }
}

fn node(s: &NetSession<Tx2pc>, id: NodeId) -> &Tx2pc {
    s.session.sim.node(id)
}

fn recs(p: &Tx2pc) -> Vec<(u64, Rec)> {
    p.wal.iter().map(|w| (w.tx, w.rec)).collect()
}

/// The notes' protocol, one transaction, no fault: Begin; CanCommit to the three cohorts;
/// each locks the row, executes, logs PREPARED and votes Yes; the coordinator logs COMMIT,
/// sends DoCommit; each commits, unlocks and answers HaveCommitted; the coordinator logs END.
#[test]
fn one_transaction_step_by_step() {
    let mut s =
        session("lab=tx-2pc&cohorts=3&rate=0&abort=0&exec=20&gap=5&latency_min=10&latency_max=10");
    s.act(begin(0, "2")).unwrap();
    // Mid-way, after the votes are sent: every cohort is in doubt and holds r2's lock.
    s.run_until(45 * MS);
    for c in 2..5 {
        let p = node(&s, c);
        assert_eq!(p.data.locks, vec![None, Some(1), None, None], "R{}", c + 1);
        assert_eq!(p.doubt.keys().copied().collect::<Vec<_>>(), vec![1]);
        assert_eq!(recs(p), vec![(1, Rec::Prepared { row: 1 })]);
    }
    s.run_until(1_000 * MS);
    let t = s.trace();
    let count = |k: &str| sends(t, k).count();
    assert_eq!(
        [
            count("Begin"),
            count("CanCommit"),
            count("Yes"),
            count("DoCommit"),
            count("HaveCommitted"),
            count("Outcome")
        ],
        [1, 3, 3, 3, 3, 1]
    );
    assert_eq!(count("No") + count("DoAbort") + count("Query"), 0);
    // Timings: Begin 10 ms, CanCommit 20, execution until 40, Yes at the coordinator at 50
    // (the commit point), then one DoCommit every 5 ms.
    let decided: Vec<Time> = notes(t, "tx-2pc.decide_commit").map(|n| n.0).collect();
    assert_eq!(decided, vec![50 * MS]);
    let docommit: Vec<(Time, NodeId)> = sends(t, "DoCommit").map(|m| (m.0, m.2)).collect();
    assert_eq!(docommit, vec![(55 * MS, 2), (60 * MS, 3), (65 * MS, 4)]);
    assert_eq!(
        recs(node(&s, 1)),
        vec![(1, Rec::Begin { row: 1 }), (1, Rec::Commit), (1, Rec::End)]
    );
    for c in 2..5 {
        let p = node(&s, c);
        assert_eq!(
            recs(p),
            vec![(1, Rec::Prepared { row: 1 }), (1, Rec::Commit)]
        );
        assert_eq!(p.data.values, vec![0, 1, 0, 0]);
        assert!(p.data.locks.iter().all(Option::is_none) && p.doubt.is_empty());
    }
    // In doubt from the vote (40 ms) to DoCommit (65, 70, 75 ms).
    assert_eq!(stat(&s, "tx-2pc.doubt.R3"), 25.0);
    assert_eq!(stat(&s, "tx-2pc.doubt.R5"), 35.0);
    assert_eq!(node(&s, 0).ledger[&1].outcome, Some(true));
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// A cohort armed with `vote_no` votes No: it aborts at once, the coordinator logs ABORT and
/// the cohorts that voted Yes roll back; nothing is written anywhere.
#[test]
fn one_no_vote_aborts_everywhere() {
    let mut s = session("lab=tx-2pc&cohorts=4&rate=0&abort=0&latency_min=10&latency_max=20");
    s.act(Action::command(4, "vote_no")).unwrap();
    s.act(begin(0, "1")).unwrap();
    s.run_until(1_000 * MS);
    assert_eq!(
        sends(s.trace(), "No").map(|m| m.1).collect::<Vec<_>>(),
        vec![4]
    );
    assert_eq!(notes(s.trace(), "tx-2pc.decide_abort").count(), 1);
    assert_eq!(node(&s, 1).wal.last().map(|w| w.rec), Some(Rec::End));
    for c in 2..6 {
        let p = node(&s, c);
        assert_eq!(p.wal.last().map(|w| w.rec), Some(Rec::Abort), "R{}", c + 1);
        assert!(p.data.values.iter().all(|&v| v == 0));
        assert!(p.data.locks.iter().all(Option::is_none));
    }
    assert_eq!(node(&s, 0).ledger[&1].outcome, Some(false));
    // The command is used up: the next transaction commits.
    s.act(begin(0, "1")).unwrap();
    s.run_until(2_000 * MS);
    assert_eq!(node(&s, 0).ledger[&2].outcome, Some(true));
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// (1) Synchronous blocking: T1 holds r1's lock on every cohort from CanCommit (300 ms) until
/// DoCommit (about 560 ms), across a whole round of votes and decision; T2, on the same row,
/// waits for it; T3 on r2 does not, and commits first.
#[test]
fn preset_blocking_a_second_transaction_waits_for_the_first_ones_locks() {
    let mut s = preset("2pc-blocking");
    s.run_until(2_000 * MS);
    let t = s.trace();
    for c in 2..5 {
        let at = |key: &str, tx: u64| {
            notes(t, key)
                .find(|n| n.1 == c && n.2 == tx)
                .map(|n| n.0)
                .unwrap_or_else(|| panic!("R{}: no {key} T{tx}", c + 1))
        };
        // T1 locks at 300 ms, T2 arrives at 350 ms and queues behind it.
        assert_eq!(at("tx-2pc.lock", 1), 300 * MS);
        assert_eq!(at("tx-2pc.lock_wait", 2), 350 * MS);
        // The lock passes to T2 exactly when T1 commits, after its decision came back.
        let t1_commit = at("tx-2pc.commit", 1);
        assert!(t1_commit >= 555 * MS, "T1 holds r1 until DoCommit arrives");
        assert_eq!(at("tx-2pc.lock", 2), t1_commit);
        // T3 never waits.
        assert!(!notes(t, "tx-2pc.lock_wait").any(|n| n.2 == 3));
        assert!(at("tx-2pc.commit", 3) < at("tx-2pc.commit", 2));
    }
    assert_eq!(stat(&s, "tx-2pc.lock_waits"), 3.0);
    assert!(
        stat(&s, "tx-2pc.lock_wait_ms") >= 3.0 * 205.0,
        "{}",
        stat(&s, "tx-2pc.lock_wait_ms")
    );
    assert_eq!(stat(&s, "tx-2pc.committed"), 3.0);
    assert!(node(&s, 0).ledger.values().all(|t| t.outcome == Some(true)));
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// (2) The coordinator crashes after logging COMMIT, before sending it: the cohorts stay in
/// doubt holding the lock (blocked, asking in vain) until it restarts at 3 s and finishes what
/// its log says.
#[test]
fn preset_coordinator_crash_blocks_the_cohorts_until_it_returns() {
    let mut s = preset("2pc-coordinator-crash");
    s.run_until(2_990 * MS);
    assert_eq!(
        recs(node(&s, 1)),
        vec![(1, Rec::Begin { row: 0 }), (1, Rec::Commit)]
    );
    assert_eq!(sends(s.trace(), "DoCommit").count(), 0, "nothing sent");
    for c in 2..5 {
        let p = node(&s, c);
        assert!(p.blocked, "R{} blocked", c + 1);
        assert_eq!(p.data.locks[0], Some(1), "R{} still holds r1", c + 1);
        assert_eq!(p.data.values[0], 0);
    }
    assert_eq!(stat(&s, "tx-2pc.blocked"), 3.0);
    // Each cohort asked at 720 ms and every 500 ms since: all lost on the dead coordinator.
    let queries = notes(s.trace(), "tx-2pc.query")
        .filter(|n| n.1 == 2)
        .count();
    assert_eq!(queries, 5);
    assert!(s.headline().key == "tx-2pc.headline.doubt");
    s.run_until(4_000 * MS);
    assert_eq!(notes(s.trace(), "tx-2pc.redo_decision").count(), 1);
    for c in 2..5 {
        let p = node(&s, c);
        assert_eq!(p.data.values[0], 1, "R{} committed T1", c + 1);
        assert!(!p.blocked && p.doubt.is_empty() && p.data.locks[0].is_none());
        // In doubt from 220 ms until DoCommit arrives at 3,150 and 3,250 ms (R3, R4); R5 asks
        // again at 3,220 ms and has the answer at 3,320 ms, before its turn in the resending.
        let d = stat(&s, &format!("tx-2pc.doubt.R{}", c + 1));
        assert_eq!(d, [2_930.0, 3_030.0, 3_100.0][c - 2], "R{}", c + 1);
    }
    assert_eq!(node(&s, 1).wal.last().map(|w| w.rec), Some(Rec::End));
    assert!(s.violations().is_empty());
}

/// (3) Ten cohorts; the coordinator crashes after sending DoCommit to five. Those commit, the
/// other five wait in doubt: the data differ until the coordinator returns.
#[test]
fn preset_partial_commit_leaves_the_data_different_until_recovery() {
    let mut s = preset("2pc-partial-commit");
    s.run_until(2_990 * MS);
    let informed: Vec<NodeId> = sends(s.trace(), "DoCommit").map(|m| m.2).collect();
    assert_eq!(informed, vec![2, 3, 4, 5, 6]);
    for c in 2..12 {
        let p = node(&s, c);
        if c < 7 {
            assert_eq!(
                (p.data.values[0], p.data.locks[0]),
                (1, None),
                "R{} committed",
                c + 1
            );
        } else {
            assert_eq!(
                (p.data.values[0], p.data.locks[0]),
                (0, Some(1)),
                "R{} waits",
                c + 1
            );
            assert!(p.blocked);
        }
    }
    assert_eq!(stat(&s, "tx-2pc.rows_differ"), 1.0);
    assert_eq!(stat(&s, "tx-2pc.in_doubt"), 5.0);
    assert_eq!(s.headline().key, "tx-2pc.headline.differ");
    // The client already knows T1 committed; half the data says otherwise.
    assert_eq!(node(&s, 0).ledger[&1].outcome, Some(true));
    assert!(
        s.violations().is_empty(),
        "no cohort aborted: atomicity holds"
    );
    s.run_until(4_000 * MS);
    assert!((2..12).all(|c| node(&s, c).data.values[0] == 1));
    assert_eq!(stat(&s, "tx-2pc.rows_differ"), 0.0);
    assert_eq!(stat(&s, "tx-2pc.in_doubt"), 0.0);
    assert!(s.violations().is_empty());
}

/// (4) The coordinator and R3, the only cohort it told, both crash. R4 and R5 ask the
/// coordinator and each other, but each voted Yes and can only answer Uncertain: they stay
/// blocked until R3 returns and tells them.
#[test]
fn preset_informed_crash_the_others_cannot_learn_the_outcome_from_each_other() {
    let mut s = preset("2pc-informed-crash");
    s.run_until(3_990 * MS);
    assert_eq!(
        sends(s.trace(), "DoCommit")
            .map(|m| (m.1, m.2))
            .collect::<Vec<_>>(),
        vec![(1, 2)],
        "only R3 was told"
    );
    assert_eq!(
        node(&s, 2).data.values[0],
        1,
        "R3 committed before crashing"
    );
    for c in [3, 4] {
        let p = node(&s, c);
        assert!(p.blocked && p.data.locks[0] == Some(1) && p.data.values[0] == 0);
        // It asked the coordinator, R3 and its other peer each round.
        let asked: Vec<NodeId> = sends(s.trace(), "Query")
            .filter(|m| m.1 == c)
            .map(|m| m.2)
            .collect();
        assert!(asked.len() >= 18 && [1, 2, 7 - c].iter().all(|x| asked.contains(x)));
        // The live peer answered every time, and only "Uncertain".
        let answers = sends(s.trace(), "Uncertain").filter(|m| m.2 == c).count();
        assert!(answers >= 6, "R{}: {answers} answers", c + 1);
    }
    assert_eq!(
        sends(s.trace(), "DoCommit").count() + sends(s.trace(), "DoAbort").count(),
        1
    );
    s.run_until(5_000 * MS);
    for c in [3, 4] {
        assert_eq!(node(&s, c).data.values[0], 1, "R{} learns from R3", c + 1);
        assert!(!node(&s, c).blocked);
    }
    assert!(sends(s.trace(), "DoCommit").any(|m| m.1 == 2 && m.0 >= 4_000 * MS));
    assert!(s.violations().is_empty());
}

const SCHEDULES: u64 = 2_000;
const SCHEDULE_TIME: Time = 3_000 * MS;

/// Whatever happens — crashes and restarts of any node (the coordinator mid-send, cohorts in
/// doubt), pauses, partitions, dropped and duplicated messages — no transaction is committed
/// anywhere while it is aborted somewhere.
#[test]
fn atomicity_holds_under_random_faults() {
    let (mut crashes, mut partitions, mut drops, mut dups) = (0, 0, 0, 0);
    let (mut committed, mut aborted) = (0.0, 0.0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let q = format!(
            "lab=tx-2pc&seed={i}&cohorts={}&rows={}&rate={}&abort={}&gap={}&timeout={}&cooperative={}&dup={}",
            1 + i % 6,
            1 + i % 3,
            3 + i % 8,
            [0, 10, 30][(i % 3) as usize],
            [0, 5, 40][(i / 3 % 3) as usize],
            100 + (i % 4) * 100,
            i / 2 % 2,
            [0, 5, 20][(i / 5 % 3) as usize],
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        let k = 0.5 + (i % 4) as f64 * 0.5;
        FaultDriver::new(fault_rates(k, 0.4, 0.3, 0.2), fault_seed(i)).run(&mut s, SCHEDULE_TIME);
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => crashes += 1,
                Action::Partition { .. } => partitions += 1,
                Action::Drop { .. } => drops += 1,
                _ => {}
            }
        }
        dups += s.session.sim.monitor().duplicates;
        committed += stat(&s, "tx-2pc.committed");
        aborted += stat(&s, "tx-2pc.aborted");
        if !s.violations().is_empty() {
            failures.push(format!("{q}: {:?}", s.violations()));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes, {partitions} partitions, {drops} drops, \
         {dups} duplicates; {committed} committed, {aborted} aborted"
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        crashes > 1_000 && partitions > 500 && drops > 1_000 && dups > 1_000,
        "faults: {crashes} crashes, {partitions} partitions, {drops} drops, {dups} duplicates"
    );
    // Faults abort many transactions (a lost vote, a crashed cohort); some still commit.
    assert!(
        committed > SCHEDULES as f64 && aborted > SCHEDULES as f64,
        "transactions kept ending: {committed} committed, {aborted} aborted"
    );
}

/// Without faults every transaction ends within the fault-free bound, under contention and
/// random No votes.
#[test]
fn every_transaction_ends_without_faults() {
    for i in 0..300u64 {
        let q = format!(
            "lab=tx-2pc&seed={i}&cohorts={}&rows={}&rate={}&abort={}&exec={}&gap={}",
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

/// A cohort that commits on its own when in doubt too long (a "heuristic" decision) breaks
/// atomicity as soon as the coordinator aborts: the checker catches it.
#[test]
fn the_checker_catches_a_cohort_that_commits_on_timeout() {
    let q = "lab=tx-2pc&seed=2&cohorts=3&rate=5&abort=20&timeout=100";
    let mut caught = 0;
    for seed in 0..20 {
        let mut s = session_with(&q.replace("seed=2", &format!("seed={seed}")), |c| {
            c.broken_commit_on_timeout = true
        });
        FaultDriver::new(fault_rates(1.0, 0.4, 0.3, 0.0), fault_seed(seed)).run(&mut s, 3_000 * MS);
        let v = s.violations();
        assert!(v.iter().all(|v| v.invariant == "atomicity"), "{v:?}");
        caught += usize::from(!v.is_empty());
    }
    assert!(caught >= 10, "caught in {caught} of 20 runs");
}

/// A coordinator that sends its decision before logging it forgets it in a crash; restarted,
/// it presumes abort while some cohorts have committed. The checker catches it.
#[test]
fn the_checker_catches_a_coordinator_that_does_not_log_its_decision() {
    let q = "lab=tx-2pc&scenario=2pc-partial-commit";
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    c.broken_unlogged_decision = true;
    let mut s = tx_2pc::session_with(&cfg.params, &c, cfg.seed);
    let info = labs::find("tx-2pc")
        .and_then(|l| l.scenario("2pc-partial-commit"))
        .expect("preset");
    s.schedule(info).expect("schedule");
    s.run_until(4_000 * MS);
    let v = s.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].invariant, "atomicity");
    assert!(v[0].time >= 3_000 * MS);
    // Under random faults too.
    let mut caught = 0;
    for seed in 0..40 {
        let mut s = session_with(
            &format!("lab=tx-2pc&seed={seed}&cohorts=5&rate=5&abort=0&gap=40"),
            |c| c.broken_unlogged_decision = true,
        );
        FaultDriver::new(fault_rates(1.0, 0.5, 0.0, 0.0), fault_seed(seed)).run(&mut s, 3_000 * MS);
        caught += usize::from(!s.violations().is_empty());
    }
    assert!(caught >= 5, "caught in {caught} of 40 runs");
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    let a = hash("lab=tx-2pc&seed=4&rate=5&dup=10");
    assert_eq!(a, hash("lab=tx-2pc&seed=4&rate=5&dup=10"));
    assert_ne!(a, hash("lab=tx-2pc&seed=5&rate=5&dup=10"));
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&["run", "tx-2pc", "--seed", "3", "--until", "10s"]);
    assert_eq!(out["lab"], "tx-2pc");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let stats = &out["summary"]["stats"];
    assert!(stats["tx-2pc.committed"].as_f64().unwrap_or(0.0) >= 5.0);
    assert!(stats["tx-2pc.doubt.R3"].as_f64().is_some());
    assert_eq!(out["summary"]["cohorts"].as_array().map(Vec::len), Some(3));
}
