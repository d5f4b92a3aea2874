//! The ZAB election lab (`election-zab`): the notes' walk-throughs (three servers → n3 leads;
//! ZK1 + ZK2 → ZK2 leads, ZK3 joins without an election; the newest zxid wins), the
//! `n·(n−1)` votes of a broadcast wave, re-election after a leader crash in the next round,
//! both properties under thousands of random fault schedules, broken variants the checker
//! must catch, determinism, every preset's lesson and the runner.

mod common;

use common::{config, fault_seed, run_json};

use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::labs::coordination::zab::{self, Config, State, Zab};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{NodeStatus, Sim, TraceKind};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<Zab> {
    let cfg = config(q);
    zab::session(&cfg.params, cfg.seed)
}

fn scenario(id: &str) -> NetSession<Zab> {
    let cfg = config(&format!("lab=election-zab&scenario={id}"));
    let mut s = zab::session(&cfg.params, cfg.seed);
    let info = labs::find("election-zab")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("schedule");
    s
}

fn sim(s: &NetSession<Zab>) -> &Sim<Zab> {
    &s.session.sim
}

/// The up, established leaders.
fn leaders(s: &Sim<Zab>) -> Vec<NodeId> {
    (0..s.n())
        .filter(|&i| {
            s.status(i) == NodeStatus::Up
                && s.node(i).state == State::Leading
                && s.node(i).established
        })
        .collect()
}

fn the_leader(s: &Sim<Zab>, what: &str) -> NodeId {
    let l = leaders(s);
    assert_eq!(l.len(), 1, "{what}: leaders {l:?}");
    l[0]
}

/// Every up, started server follows (or observes) `leader`, synced.
fn assert_all_follow(s: &Sim<Zab>, leader: NodeId, what: &str) {
    for i in (0..s.n()).filter(|&i| i != leader && s.status(i) == NodeStatus::Up) {
        let z = s.node(i);
        let want = if z.observer {
            State::Observing
        } else {
            State::Following
        };
        assert_eq!(z.state, want, "{what}: n{} state", i + 1);
        assert_eq!(z.leader, Some(leader), "{what}: n{} leader", i + 1);
        assert!(z.synced, "{what}: n{} synced", i + 1);
    }
}

fn notes(s: &Sim<Zab>, key: &str) -> Vec<(Time, NodeId, u64)> {
    s.notes(key).collect()
}

#[test]
fn three_servers_at_round_1_zxid_0_elect_server_3() {
    let mut s = scenario("zab-three-start");
    s.run_until(1_000 * MS);
    let l = the_leader(sim(&s), "three-start");
    assert_eq!(l, 2, "n3 leads");
    assert_all_follow(sim(&s), l, "three-start");
    for i in 0..3 {
        assert_eq!(sim(&s).node(i).round, 1, "n{} round", i + 1);
        assert_eq!(sim(&s).node(i).current_epoch, 1, "n{} epoch", i + 1);
    }
    // Step 2 of the notes: n1 and n2 change their vote to n3; n3 never changes its own.
    let adopt = notes(sim(&s), "zab.adopt");
    let mut who: Vec<(NodeId, u64)> = adopt.iter().map(|&(_, n, v)| (n, v)).collect();
    who.sort_unstable();
    who.dedup();
    assert_eq!(who, vec![(0, 3), (1, 3)], "{adopt:?}");
    assert_eq!(s.violations(), &[]);
}

#[test]
fn a_broadcast_wave_is_n_times_n_minus_1_votes() {
    // The first wave: every voter votes for itself and tells the n−1 others; each change of
    // vote adds one more broadcast of n−1. In the three-server example n1 and n2 change once:
    // 3·2 + 2·2 = 10 votes in round 1.
    let mut s = scenario("zab-three-start");
    s.run_until(1_000 * MS);
    let m = sim(&s).monitor();
    assert_eq!(
        m.votes_by_round.get(&1),
        Some(&10),
        "{:?}",
        m.votes_by_round
    );
    let stat = |k: &str| {
        s.stats()
            .iter()
            .find(|st| st.key == k)
            .map(|st| st.value)
            .unwrap_or(-1.0)
    };
    assert_eq!(stat("zab.n_n_1"), 6.0);
    assert_eq!(stat("zab.round_votes"), 10.0);
    // For every n the first wave alone is n·(n−1) votes, sent before anyone decides: count
    // the votes sent at time 0.
    for n in 3..=9u64 {
        let mut s = session(&format!("lab=election-zab&nodes={n}&seed={n}"));
        s.run_until(2_000 * MS);
        let at_start = sim(&s)
            .trace()
            .iter()
            .filter(|r| r.time == 0 && matches!(&r.kind, TraceKind::Send { kind: "Vote", .. }))
            .count() as u64;
        assert_eq!(at_start, n * (n - 1), "{n} servers");
        let l = the_leader(sim(&s), &format!("{n} servers"));
        assert_eq!(l as u64, n - 1, "{n} servers: the highest id leads");
        // Then each of the n−1 others changes its vote at least once (to n), and at most once
        // per higher id it hears of (a vote only ever gets better), each change one more
        // broadcast of n−1 votes.
        let votes = sim(&s)
            .monitor()
            .votes_by_round
            .get(&1)
            .copied()
            .unwrap_or(0);
        let (least, most) = (
            n * (n - 1) + (n - 1) * (n - 1),
            n * (n - 1) + (n - 1) * n * (n - 1) / 2,
        );
        assert!(
            (least..=most).contains(&votes),
            "{n} servers: {votes} votes, not in {least}..={most}"
        );
    }
}

#[test]
fn zk3_started_later_follows_without_an_election() {
    let mut s = scenario("zab-late-join");
    // ZK1 alone: no leader, however long it waits.
    s.run_until(290 * MS);
    assert!(leaders(sim(&s)).is_empty());
    assert_eq!(sim(&s).node(0).state, State::Looking);
    assert!(!sim(&s).node(2).started);
    // ZK2 starts at 0.3 s: ZK2 leads.
    s.run_until(1_400 * MS);
    let l = the_leader(sim(&s), "ZK1+ZK2");
    assert_eq!(l, 1, "ZK2 leads");
    assert_eq!(sim(&s).node(0).state, State::Following);
    let before: Vec<(u64, u64)> = (0..2)
        .map(|i| (sim(&s).node(i).round, sim(&s).node(i).current_epoch))
        .collect();
    let lookings = sim(&s).monitor().lookings;
    // ZK3 starts at 1.5 s and follows ZK2 at once.
    s.run_until(2_500 * MS);
    assert_eq!(the_leader(sim(&s), "after ZK3"), 1);
    assert_all_follow(sim(&s), 1, "after ZK3");
    let after: Vec<(u64, u64)> = (0..2)
        .map(|i| (sim(&s).node(i).round, sim(&s).node(i).current_epoch))
        .collect();
    assert_eq!(before, after, "no new round or epoch for ZK1, ZK2");
    // Only ZK3 itself was LOOKING (once, when it started); it joined, no decision was made.
    assert_eq!(sim(&s).monitor().lookings, lookings + 1);
    assert_eq!(notes(sim(&s), "zab.join").len(), 1);
    assert_eq!(notes(sim(&s), "zab.join")[0].1, 2);
    assert_eq!(notes(sim(&s), "zab.decide_lead").len(), 1);
    assert_eq!(sim(&s).monitor().leaders.len(), 1);
    assert_eq!(sim(&s).node(2).current_epoch, 1);
    assert_eq!(s.violations(), &[]);
}

#[test]
fn the_newest_data_wins_before_the_highest_id() {
    let mut s = scenario("zab-newest-data");
    s.run_until(1_000 * MS);
    assert_eq!(
        (0..3).map(|i| sim(&s).node(i).zxid).collect::<Vec<_>>(),
        vec![10, 5, 0]
    );
    assert_eq!(the_leader(sim(&s), "newest data"), 0, "n1 (zxid 10) leads");
    // An explicit list: the middle server has the newest data.
    let mut s = session("lab=election-zab&nodes=5&zxids=3,4,9,1,9");
    s.run_until(1_500 * MS);
    assert_eq!(
        the_leader(sim(&s), "zxids list"),
        4,
        "zxid 9 tie: higher id"
    );
    let mut s = session("lab=election-zab&nodes=5&zxids=3,4,9,1,2");
    s.run_until(1_500 * MS);
    assert_eq!(the_leader(sim(&s), "zxids list"), 2);
    assert_eq!(s.violations(), &[]);
}

#[test]
fn a_zxid_list_of_the_wrong_length_is_refused() {
    let (_, errors) = distlab_engine::input::RunConfig::parse(&distlab_engine::input::split_query(
        "lab=election-zab&nodes=3&zxids=1,2",
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (_, errors) = distlab_engine::input::RunConfig::parse(&distlab_engine::input::split_query(
        "lab=election-zab&zxids=1,x,2",
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
}

#[test]
fn a_crashed_leader_is_replaced_in_the_next_round_and_does_not_take_over_again() {
    let mut s = scenario("zab-leader-crash");
    s.run_until(990 * MS);
    assert_eq!(the_leader(sim(&s), "before"), 2);
    s.run_until(2_400 * MS);
    let l = the_leader(sim(&s), "after the crash");
    assert_eq!(l, 1, "n2 leads");
    assert_eq!(sim(&s).node(l).current_epoch, 2);
    for i in 0..2 {
        assert_eq!(
            sim(&s).node(i).round,
            2,
            "n{}: LOOKING again in round 2",
            i + 1
        );
    }
    s.run_until(3_500 * MS);
    assert_eq!(the_leader(sim(&s), "n3 back"), 1, "n3 does not take over");
    assert_all_follow(sim(&s), 1, "n3 back");
    assert!(notes(sim(&s), "zab.join").iter().any(|&(_, n, _)| n == 2));
    assert_eq!(s.violations(), &[]);
}

#[test]
fn observers_never_vote() {
    let mut s = scenario("zab-observers");
    s.run_until(990 * MS);
    let l = the_leader(sim(&s), "start");
    assert_eq!(l, 2);
    assert_all_follow(sim(&s), l, "start");
    // Observers sent no vote that counted, and no LOOKING voter recorded one from them.
    s.run_until(2_400 * MS);
    assert!(leaders(sim(&s)).is_empty(), "1 voter of 3 plus observers");
    assert_eq!(sim(&s).node(0).state, State::Looking);
    s.run_until(4_000 * MS);
    assert_eq!(the_leader(sim(&s), "n2 back"), 1);
    assert_all_follow(sim(&s), 1, "n2 back");
    assert_eq!(s.violations(), &[]);
}

#[test]
fn a_partitioned_leader_steps_down_and_the_majority_elects_a_new_epoch() {
    let mut s = scenario("zab-partition");
    s.run_until(990 * MS);
    assert_eq!(the_leader(sim(&s), "start"), 4);
    s.run_until(2_900 * MS);
    let l = the_leader(sim(&s), "partitioned");
    assert_eq!(l, 2, "n3 leads the majority");
    assert_eq!(sim(&s).node(l).current_epoch, 2);
    assert!([3, 4]
        .iter()
        .all(|&i| sim(&s).node(i).state == State::Looking));
    s.run_until(4_500 * MS);
    assert_eq!(the_leader(sim(&s), "healed"), 2);
    assert_all_follow(sim(&s), 2, "healed");
    assert_eq!(s.violations(), &[]);
}

const SCHEDULES: u64 = 2_000;
const SCHEDULE_TIME: Time = 3_000 * MS;

fn schedule(i: u64) -> (String, FaultSpec, u64) {
    let nodes = 3 + i % 5;
    let observers = (i / 5) % 3;
    let spread = if i.is_multiple_of(4) { 2 } else { 0 };
    let q = format!(
        "lab=election-zab&seed={i}&nodes={nodes}&observers={observers}&zxid_spread={spread}"
    );
    let spec = FaultSpec {
        crash: 0.4,
        restart: 1.5,
        partition: 0.4,
        heal: 1.0,
        drop: 4.0,
        pause: if i.is_multiple_of(3) { 0.2 } else { 0.0 },
    };
    (q, spec, fault_seed(i))
}

#[test]
fn no_violation_under_random_fault_schedules() {
    let mut failures = Vec::new();
    let (mut crashes, mut leaders_total, mut reelections) = (0, 0, 0);
    for i in 0..SCHEDULES {
        let (q, spec, seed) = schedule(i);
        let mut s = session(&q);
        FaultDriver::new(spec, seed).run(&mut s, SCHEDULE_TIME);
        if !s.violations().is_empty() {
            failures.push(format!("{q}: {:?}", s.violations()));
        }
        crashes += s
            .actions()
            .iter()
            .filter(|a| matches!(a.action, distlab_engine::sim::Action::Crash { .. }))
            .count();
        let m = sim(&s).monitor();
        leaders_total += m.leaders.len();
        reelections += usize::from(m.leaders.len() >= 2);
        // Every new epoch's leader was elected in a later round than the one before.
        let lead = notes(sim(&s), "zab.leader");
        for w in lead.windows(2) {
            assert!(w[1].2 > w[0].2, "{q}: epochs {lead:?}");
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures: {failures:#?}",
        failures.len()
    );
    assert!(crashes > 1_000, "{crashes} crashes");
    assert!(
        leaders_total > SCHEDULES as usize,
        "{leaders_total} leaders"
    );
    assert!(reelections > 300, "{reelections} runs with re-elections");
}

fn broken(q: &str, set: impl Fn(&mut Config)) -> NetSession<Zab> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    zab::session_with(&cfg.params, &c, cfg.seed)
}

#[test]
fn the_checker_catches_a_vote_that_compares_the_id_first() {
    let mut s = broken("lab=election-zab&nodes=3&zxid_spread=5", |c| {
        c.broken_sid_first = true
    });
    s.run_until(1_000 * MS);
    assert_eq!(the_leader(sim(&s), "broken"), 2, "n3 (zxid 0) leads");
    assert!(
        s.violations()
            .iter()
            .any(|v| v.invariant == "leader-has-highest-zxid"),
        "{:?}",
        s.violations()
    );
}

#[test]
fn the_checker_catches_leaders_that_skip_the_epoch_acknowledgement() {
    let mut caught = 0;
    for i in 0..300 {
        let (q, spec, seed) = schedule(i);
        let mut s = broken(&q, |c| c.broken_no_epoch_ack = true);
        FaultDriver::new(spec, seed).run(&mut s, SCHEDULE_TIME);
        caught += usize::from(
            s.violations()
                .iter()
                .any(|v| v.invariant == "one-leader-per-epoch"),
        );
    }
    assert!(caught > 0, "no schedule caught two leaders of one epoch");
}

#[test]
fn same_seed_same_trace_other_seed_differs() {
    let run = |seed: u64| {
        let q = format!("lab=election-zab&nodes=5&observers=1&seed={seed}");
        let mut s = session(&q);
        FaultDriver::new(
            FaultSpec::parse("crash=0.3,restart=1,partition=0.2,heal=1,drop=2").expect("spec"),
            seed,
        )
        .run(&mut s, 3_000 * MS);
        s.trace_hash()
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8));
}

#[test]
fn the_runner_runs_it() {
    let v = run_json(&["run", "election-zab", "--seed", "3", "--until", "5s"]);
    assert_eq!(v["lab"], "election-zab");
    assert_eq!(v["violations"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["summary"]["leader"], 3);
    assert_eq!(v["summary"]["stats"]["zab.n_n_1"], 6.0);
    assert_eq!(v["summary"]["stats"]["zab.notifications"], 10.0);
    let v = run_json(&[
        "run",
        "election-zab",
        "--seed",
        "4",
        "--until",
        "3s",
        "--param",
        "nodes=5",
        "--param",
        "zxids=1,7,3,7,2",
        "--faults",
        "crash=0.2,restart=1,drop=2",
    ]);
    assert_eq!(v["violations"].as_array().map(Vec::len), Some(0));
}
