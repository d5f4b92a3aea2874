//! Raft's scenario presets: each runs the real protocol from `?scenario=` and shows its lesson;
//! the scheduled faults become ordinary logged actions, so replay and scrubbing work.

mod common;

use common::{assert_no_violations, config, leader, notes, raft_session_with, sim};
use distlab_engine::input::{split_query, InputError, RunConfig};
use distlab_engine::labs::coordination::raft::{self, Entry, Raft, Role};
use distlab_engine::labs::{self, NetSession};
use distlab_engine::scenario;
use distlab_engine::sim::{Action, NodeStatus};
use distlab_engine::{NodeId, MS};

fn scenario_session(id: &str) -> NetSession<Raft> {
    let cfg = config(&format!("lab=raft&scenario={id}"));
    assert_eq!(cfg.scenario, Some(scenario::find("raft", id).unwrap().id));
    let info = scenario::find("raft", id).unwrap();
    let mut s = raft::session(&cfg.params, cfg.seed);
    scenario::apply(info, &mut s.session).unwrap();
    s
}

#[test]
fn every_preset_parses_and_an_unknown_one_is_reported() {
    for info in scenario::list("raft") {
        assert!(info.actions().is_ok(), "{}", info.id);
    }
    let (cfg, errors) = RunConfig::parse(&split_query("lab=raft&scenario=nope"));
    assert_eq!(cfg.scenario, None);
    assert!(matches!(&errors[0], InputError::UnknownScenario { value, .. } if value == "nope"));
    assert!(errors[0].to_string().contains("no scenario `nope`"));
    // The URL's own values win over the preset's; share links carry the scenario.
    let (cfg, _) = RunConfig::parse(&split_query("scenario=leader-crash&seed=9&clients=7"));
    assert_eq!((cfg.seed, cfg.params.get("clients")), (9, 7.0));
    assert!(cfg.share_query(&[]).contains("scenario=leader-crash"));
}

#[test]
fn leader_crash_elects_a_new_leader_and_repairs_the_old_one() {
    let mut s = scenario_session("leader-crash");
    s.session.run_until(1_999 * MS);
    assert_eq!(s.session.sim.node(2).role, Role::Leader);
    let term = s.session.sim.node(2).current_term;
    s.session.run_until(3_500 * MS);
    assert_eq!(s.session.sim.status(2), NodeStatus::Down);
    let m = s.session.sim.monitor();
    let (&t, &(l, at)) = m.leaders.iter().next_back().unwrap();
    assert!(t > term && l != 2 && at > 2_000 * MS);
    s.session.run_until(6_000 * MS);
    let (old, new) = (s.session.sim.node(2), s.session.sim.node(l));
    assert_eq!(old.role, Role::Follower);
    assert!(old.commit_index + 2 >= new.commit_index && new.commit_index > 10);
    assert!(s.session.sim.violations().is_empty());
    // The schedule became ordinary logged actions: a replay from the log alone is identical.
    assert_eq!(s.session.log().len(), 2);
    let (cfg, _) = RunConfig::parse(&split_query("lab=raft&scenario=leader-crash"));
    let (mut replay, err) = labs::create(&cfg);
    assert!(err.is_none());
    replay.run_until(6_000 * MS);
    assert_eq!(replay.trace_hash(), s.session.sim.trace_hash());
    // Scrubbing back before the crash and forward again does not crash the node twice.
    replay.seek(1_000 * MS);
    replay.run_until(6_000 * MS);
    assert_eq!(replay.trace_hash(), s.session.sim.trace_hash());
    assert_eq!(replay.actions().len(), 2);
    // A share link carrying both the scenario and its logged actions does not double them.
    let q = format!(
        "{}&actions={}",
        cfg.share_query(&[]),
        distlab_engine::sim::LoggedAction::encode_log(replay.actions())
    );
    let (cfg2, errors) = RunConfig::parse(&split_query(&q));
    assert!(errors.is_empty(), "{errors:?}");
    let (mut again, _) = labs::create(&cfg2);
    again.run_until(6_000 * MS);
    assert_eq!(again.trace_hash(), s.session.sim.trace_hash());
    assert_eq!(again.actions().len(), 2);
}

#[test]
fn split_vote_wins_no_term_1_and_a_later_term_elects() {
    let mut s = scenario_session("split-vote");
    s.session.run_until(2_000 * MS);
    let m = s.session.sim.monitor();
    assert!(!m.leaders.contains_key(&1), "{:?}", m.leaders);
    assert!(!m.leaders.is_empty());
    assert!(s.session.sim.violations().is_empty());
}

#[test]
fn partitioned_leader_accepts_writes_it_never_commits_and_they_are_rolled_back() {
    let mut s = scenario_session("partitioned-leader");
    s.session.run_until(1_999 * MS);
    assert_eq!(s.session.sim.node(2).role, Role::Leader);
    let committed = s.session.sim.node(2).commit_index;
    s.session.run_until(4_999 * MS);
    let old = s.session.sim.node(2);
    assert_eq!(old.role, Role::Leader, "still believes it leads");
    assert_eq!(old.commit_index, committed, "it can never commit");
    let stale = old.log.last_index() - committed;
    assert!(stale >= 20, "it kept accepting writes: {stale}");
    s.session.run_until(8_000 * MS);
    let (old, buddy) = (s.session.sim.node(2), s.session.sim.node(1));
    assert_eq!(old.role, Role::Follower);
    let l = (0..5)
        .find(|&i| s.session.sim.node(i).role == Role::Leader)
        .unwrap();
    let new = s.session.sim.node(l);
    for r in [old, buddy] {
        // Every entry it holds now is the new leader's: its own were truncated.
        assert!(r.log.last_index() <= new.log.last_index() + 1);
        assert!(r
            .log
            .iter()
            .all(|(i, a)| new.log.get(i).is_none_or(|b| a == b)));
        assert!(r.commit_index + 2 >= new.commit_index);
    }
    assert!(s.session.sim.violations().is_empty());
}

#[test]
fn lagging_follower_is_repaired_by_walking_back() {
    let mut s = scenario_session("lagging-follower");
    s.session.run_until(7_000 * MS);
    let walks = notes(&s, "raft.walk_back");
    assert!(walks >= 3, "{walks} walk-backs");
    let l = (0..5)
        .find(|&i| s.session.sim.node(i).role == Role::Leader)
        .unwrap();
    let (lag, new) = (s.session.sim.node(4), s.session.sim.node(l));
    assert!(lag.commit_index + 2 >= new.commit_index && new.commit_index > 10);
    assert!(s.session.sim.violations().is_empty());
}

/// Runs a preset's schedule (`id`) on a session (`set` may break the configuration) with
/// `seed`.
fn scenario_session_with(id: &str, seed: u64, set: impl Fn(&mut raft::Config)) -> NetSession<Raft> {
    let mut s = raft_session_with(&format!("lab=raft&scenario={id}&seed={seed}"), set);
    scenario::apply(scenario::find("raft", id).unwrap(), &mut s.session).unwrap();
    s
}

fn terms(r: &Raft) -> Vec<u64> {
    r.log.iter().map(|(_, e)| e.term).collect()
}

/// Figure 8's panels (a)-(c), shared by both figure-8 presets, checked up to `until` ms: n1
/// leads term 4 and its term-2 entry at index 2 is on a majority, yet not committed.
fn check_figure_8_a_to_c(s: &mut NetSession<Raft>, ctx: &str, until: u64) {
    // (a) n1 leads term 2; its index 2 (term 2) reached n2 only.
    s.session.run_until(430 * MS);
    let sim = &s.session.sim;
    assert_eq!(sim.node(0).role, Role::Leader, "{ctx}");
    assert_eq!(sim.node(0).current_term, 2, "{ctx}");
    assert_eq!(terms(sim.node(0)), [1, 2], "{ctx}");
    assert_eq!(terms(sim.node(1)), [1, 2], "{ctx}");
    assert_eq!(terms(sim.node(2)), [1], "{ctx}");
    // (b) n5 leads term 3 and holds its own index 2 (term 3) alone.
    s.session.run_until(509 * MS);
    let sim = &s.session.sim;
    assert_eq!(sim.node(4).role, Role::Leader, "{ctx}");
    assert_eq!(sim.node(4).current_term, 3, "{ctx}");
    assert_eq!(terms(sim.node(4)), [1, 3], "{ctx}");
    // (c) n1 leads term 4; the term-2 entry is on a majority but not committed.
    s.session.run_until(until * MS);
    let sim = &s.session.sim;
    let n1 = sim.node(0);
    assert_eq!((n1.role, n1.current_term), (Role::Leader, 4), "{ctx}");
    let holders = (0..5)
        .filter(|&i| sim.node(i).log.get(2).is_some_and(|e| e.term == 2))
        .count();
    assert!(holders >= 3, "{ctx}: on a majority ({holders})");
    assert!(n1.match_index.iter().filter(|&&m| m >= 2).count() + 1 >= 3);
    assert!(n1.commit_index < 2, "{ctx}: old-term entry not committed");
    assert!((0..5).all(|i| sim.node(i).commit_index < 2), "{ctx}");
    assert_eq!(sim.monitor().committed(), 1, "{ctx}");
}

/// Figure 8 with the correct rule: n1, leader of term 4, has its term-2 entry at index 2 on
/// four of five nodes and still does not commit it; n5 then leads term 5 and overwrites it
/// everywhere with its own term-3 entry, which commits with a term-5 write. No violation.
fn check_figure_8(seed: u64) {
    let mut s = scenario_session_with("figure-8", seed, |_| {});
    let ctx = format!("seed {seed}");
    check_figure_8_a_to_c(&mut s, &ctx, 899);
    // (d) n5 leads term 5 and overwrites index 2 everywhere; it commits with a term-5 write.
    s.session.run_until(2_500 * MS);
    let sim = &s.session.sim;
    assert_eq!(sim.monitor().leaders.get(&5).map(|l| l.0), Some(4), "{ctx}");
    for i in 0..5 {
        let r = sim.node(i);
        assert_eq!(terms(r), [1, 3, 5], "{ctx}: n{}", i + 1);
        assert_eq!(r.commit_index, 3, "{ctx}: n{}", i + 1);
    }
    assert!(sim.violations().is_empty(), "{ctx}: {:?}", sim.violations());
}

#[test]
fn figure_8_an_old_term_entry_on_a_majority_is_not_committed_and_is_overwritten() {
    check_figure_8(scenario::find("raft", "figure-8").unwrap().seed);
    // The schedule does not depend on a lucky seed.
    for seed in 2..40 {
        check_figure_8(seed);
    }
    // It runs from `?scenario=` like any other preset.
    let mut s = scenario_session("figure-8");
    s.session.run_until(2_500 * MS);
    assert!(s.session.sim.violations().is_empty());
    assert_eq!(s.session.log().len(), 21);
}

#[test]
fn figure_8_with_replica_counting_commits_an_entry_that_is_then_lost() {
    for seed in 1..40 {
        let mut s = scenario_session_with("figure-8", seed, |c| c.broken_commit_old_term = true);
        s.session.run_until(899 * MS);
        assert_eq!(
            s.session.sim.node(0).commit_index,
            2,
            "seed {seed}: n1 counted replicas of its term-2 entry"
        );
        assert!(s.session.sim.violations().is_empty());
        s.session.run_until(2_500 * MS);
        let v = s.session.sim.violations();
        assert!(
            v.iter().any(|v| v.invariant == "leader-completeness"),
            "seed {seed}: {v:?}"
        );
        assert!(
            v.iter().any(|v| v.invariant == "state-machine-safety"),
            "seed {seed}: {v:?}"
        );
    }
}

/// Runs to `until` ms one event time at a time, checking after each that no node holds an entry
/// other than `kept` at index 2 once it has held `kept` (`had`, per node) or committed index 2.
fn run_keeping_index_2(
    s: &mut NetSession<Raft>,
    ctx: &str,
    until: u64,
    kept: Entry,
    had: &mut [bool],
) {
    while let Some(t) = s.session.sim.next_event_time().filter(|&t| t <= until * MS) {
        s.session.run_until(t);
        let sim = &s.session.sim;
        for (i, had) in had.iter_mut().enumerate() {
            match sim.node(i).log.get(2) {
                Some(e) if *e == kept => *had = true,
                e => assert!(
                    !*had && sim.node(i).commit_index < 2,
                    "{ctx}: n{} holds {e:?} at index 2 at {} ms",
                    i + 1,
                    sim.now() / MS
                ),
            }
        }
    }
    s.session.run_until(until * MS);
}

/// Figure 8 (e): as in (c), but n1 first commits a write of its own term 4, and with it the
/// term-2 entry at index 2. When n1 crashes, n5 (last entry term 3) cannot win against the
/// majority's term-4 entries; a later leader holds entries 2 and 3, and index 2 is never
/// overwritten. No violation.
fn check_figure_8_commit(seed: u64) {
    let mut s = scenario_session_with("figure-8-commit", seed, |_| {});
    let ctx = format!("seed {seed}");
    check_figure_8_a_to_c(&mut s, &ctx, 699);
    let kept = *s.session.sim.node(0).log.get(2).unwrap();
    let mut had = [false; 5];
    // (c) The write of term 4 (700 ms) commits entries 2 and 3 on n1 in term 4.
    run_keeping_index_2(&mut s, &ctx, 899, kept, &mut had);
    let sim = &s.session.sim;
    let n1 = sim.node(0);
    assert_eq!((n1.role, n1.current_term), (Role::Leader, 4), "{ctx}");
    assert_eq!(terms(n1), [1, 2, 4], "{ctx}");
    assert_eq!(n1.commit_index, 3, "{ctx}: committed in term 4");
    assert_eq!(sim.monitor().committed(), 3, "{ctx}");
    // (e) n1 crashes; n5 stands for term 5 but is refused.
    run_keeping_index_2(&mut s, &ctx, 921, kept, &mut had);
    let n5 = s.session.sim.node(4);
    assert_eq!((n5.role, n5.current_term), (Role::Candidate, 5), "{ctx}");
    run_keeping_index_2(&mut s, &ctx, 2_500, kept, &mut had);
    let sim = &s.session.sim;
    let leaders = &sim.monitor().leaders;
    assert!(
        leaders.range(5..).all(|(_, &(l, _))| l != 4),
        "{ctx}: n5 never leads again: {leaders:?}"
    );
    let (&term, &(l, _)) = leaders.iter().next_back().unwrap();
    assert!(term > 4, "{ctx}: {leaders:?}");
    assert_eq!(sim.node(l).role, Role::Leader, "{ctx}");
    // Every node, the new leader and the repaired n5 and n1 too, holds entries 2 and 3.
    for i in 0..5 {
        let r = sim.node(i);
        assert_eq!(terms(r), [1, 2, 4], "{ctx}: n{}", i + 1);
        assert_eq!(r.log.get(2), Some(&kept), "{ctx}: n{}", i + 1);
    }
    assert!(sim.violations().is_empty(), "{ctx}: {:?}", sim.violations());
}

#[test]
fn figure_8_commit_an_old_term_entry_commits_with_a_current_term_entry_and_survives() {
    let info = scenario::find("raft", "figure-8-commit").unwrap();
    check_figure_8_commit(info.seed);
    // The schedule does not depend on a lucky seed.
    for seed in 2..40 {
        check_figure_8_commit(seed);
    }
    // It runs from `?scenario=` like any other preset.
    let mut s = scenario_session(info.id);
    s.session.run_until(info.duration_ms * MS);
    assert!(s.session.sim.violations().is_empty());
    assert_eq!(s.session.log().len(), info.steps.len());
}

/// `removed-server` (with `set` applied) at the moment the network heals.
struct AtHeal {
    /// The leader, and its term and commit index.
    leader: NodeId,
    term: u64,
    committed: u64,
    /// The removed node and its term.
    gone: NodeId,
    gone_term: u64,
    /// Step-downs, new leaders and withheld votes so far.
    counts: [usize; 3],
}

/// Step-downs, new leaders and withheld votes in the trace.
fn disruption_counts(s: &NetSession<Raft>) -> [usize; 3] {
    ["raft.step_down", "raft.leader", "raft.vote_withheld"].map(|k| notes(s, k))
}

/// Runs `removed-server` (with `set` applied) to just before its heal, checking its setup: a
/// follower asks to be removed and is cut off after its request reached the leader but before
/// the new configuration reached it, so the removal commits among the other four while it,
/// never learning of it, keeps electing itself alone.
fn removed_server_until_heal(set: impl Fn(&mut raft::Config)) -> (NetSession<Raft>, AtHeal) {
    let info = scenario::find("raft", "removed-server").unwrap();
    let mut s = scenario_session_with(info.id, info.seed, set);
    let steps = info.actions().unwrap();
    let (asked, cut, healed) = (steps[0].0, steps[1].0, steps[2].0);
    let Action::Command { node: gone, .. } = steps[0].1 else {
        panic!("first the `remove` command: {steps:?}");
    };
    assert!(matches!(steps[1].1, Action::Partition { .. }) && steps[2].1 == Action::HealAll);
    s.session.run_until(asked - MS);
    let l = leader(&s);
    assert_ne!(l, gone);
    assert!(sim(&s).node(l).is_member_node(gone));
    // At the cut the leader has appended the removal, and the removed node does not hold it.
    s.session.run_until(cut);
    assert_eq!(notes(&s, "raft.remove"), 1);
    assert!(
        !sim(&s).node(l).is_member_node(gone),
        "the leader removed it"
    );
    assert_eq!(sim(&s).node(gone).config_index, 0);
    s.session.run_until(healed - MS);
    assert_eq!(leader(&s), l);
    let (old, new) = (sim(&s).node(l), sim(&s).node(gone));
    assert!(
        old.commit_index >= old.config_index,
        "the removal committed"
    );
    assert!(new.is_member() && new.config_index == 0, "it never learnt");
    assert!(
        new.current_term > old.current_term,
        "it kept electing itself"
    );
    let at = AtHeal {
        leader: l,
        term: old.current_term,
        committed: old.commit_index,
        gone,
        gone_term: new.current_term,
        counts: disruption_counts(&s),
    };
    (s, at)
}

#[test]
fn removed_server_never_learns_of_its_removal_and_cannot_disrupt_the_leader() {
    let (mut s, at) = removed_server_until_heal(|_| {});
    let info = scenario::find("raft", "removed-server").unwrap();
    s.session.run_until(info.duration_ms * MS);
    let [step_downs, leaders, withheld] = disruption_counts(&s);
    let (l, gone) = (sim(&s).node(at.leader), sim(&s).node(at.gone));
    // Still unaware of its removal, it kept timing out: its term rose further, above the
    // cluster's, and its RequestVotes reached the members, who withheld their votes.
    assert!(
        gone.is_member() && gone.config_index == 0,
        "it never learnt"
    );
    assert!(gone.current_term > at.gone_term + 3 && gone.current_term > l.current_term);
    assert!(withheld - at.counts[2] > 10, "{withheld} votes withheld");
    // The leader is the same node in the same term; no member adopted a higher term.
    assert_eq!(leader(&s), at.leader);
    assert_eq!((step_downs, leaders), (at.counts[0], at.counts[1]));
    for i in (0..5).filter(|&i| l.is_member_node(i)) {
        assert_eq!(sim(&s).node(i).current_term, at.term, "n{}", i + 1);
    }
    // Writes kept committing: 5 a second for 3 s.
    assert!(
        l.commit_index >= at.committed + 12,
        "{} -> {}",
        at.committed,
        l.commit_index
    );
    assert_no_violations(&s, info.id);
    // The schedule became ordinary logged actions.
    assert_eq!(s.session.log().len(), info.steps.len());
    // It runs from `?scenario=` like any other preset, identically.
    let mut again = scenario_session(info.id);
    again.session.run_until(info.duration_ms * MS);
    assert_eq!(again.session.sim.trace_hash(), s.session.sim.trace_hash());
}

#[test]
fn removed_server_without_the_guard_deposes_the_leader() {
    let (mut s, at) = removed_server_until_heal(|c| c.broken_no_disrupt_guard = true);
    let info = scenario::find("raft", "removed-server").unwrap();
    s.session.run_until(info.duration_ms * MS);
    let [step_downs, leaders, withheld] = disruption_counts(&s);
    assert_eq!(withheld, 0);
    // Its higher terms depose the leader again and again, and the members elect anew (it
    // cannot win itself: its log lacks the committed entries).
    assert!(step_downs >= at.counts[0] + 3, "{step_downs} step-downs");
    assert!(leaders >= at.counts[1] + 3, "{leaders} leaders");
    let (&term, _) = sim(&s).monitor().leaders.iter().next_back().unwrap();
    assert!(term > at.term + 3, "leader term {} -> {term}", at.term);
    assert_no_violations(&s, info.id);
}
