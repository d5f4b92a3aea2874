//! Raft membership changes (single-server add and remove, the Raft dissertation's §4.1):
//! configuration entries take effect when appended, one change at a time, spare nodes stay
//! out of elections until added, a removed leader steps down once its removal commits, and
//! the safety properties (one leader per term across old and new configurations, and a
//! leader's configuration at most one server away from the committed one) hold under random
//! faults with random adds and removes. A broken variant that overlaps changes is caught.
//! A server removed while cut off, which never learns of its removal, cannot disrupt the
//! cluster when it returns (the dissertation's §4.2.3); without that rule it can.

mod common;

use common::{assert_no_violations, command, fault_rates, leader, notes, raft_session_with, sim};
use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::raft::{self, Raft, Role};
use distlab_engine::labs::{LabSession, NetSession};
use distlab_engine::sim::{Action, Message, NodeStatus};
use distlab_engine::{NodeId, Time, MS};

fn detail(s: &NetSession<Raft>, node: NodeId, key: &str) -> String {
    let v = s.view();
    v.nodes[node]
        .details
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no detail {key}"))
}

#[test]
fn spares_stay_out_until_added_one_change_at_a_time() {
    let mut s = raft_session_with("lab=raft&seed=3&nodes=3&spare=2", |_| {});
    assert_eq!(sim(&s).n(), 5);
    s.run_until(2_000 * MS);
    let l = leader(&s);
    assert!(l < 3, "a spare never leads");
    let v = s.view();
    for i in 0..5 {
        let spare = i >= 3;
        assert_eq!(v.nodes[i].role == "spare", spare, "n{}", i + 1);
        assert_eq!(detail(&s, i, "member"), if spare { "no" } else { "yes" });
        // Spares take no part: no election timer, an empty log, term 0.
        assert_eq!(sim(&s).node(i).current_term == 0, spare);
    }
    assert_eq!(detail(&s, l, "members"), "n1 n2 n3");
    // No change until an entry of the leader's term is committed.
    command(&mut s, l, "add");
    assert_eq!(notes(&s, "raft.config_wait_commit"), 1);
    command(&mut s, l, "write");
    s.run_until(2_200 * MS);
    command(&mut s, l, "add");
    assert_eq!(notes(&s, "raft.add"), 1);
    assert_eq!(sim(&s).node(l).members, 0b1111);
    // A second change waits for the first to commit.
    command(&mut s, l, "add");
    assert_eq!(notes(&s, "raft.config_busy"), 1);
    assert_eq!(sim(&s).node(l).members, 0b1111);
    // A follower cannot change the configuration itself.
    command(&mut s, (l + 1) % 3, "add");
    assert_eq!(notes(&s, "raft.config_not_leader"), 1);
    s.run_until(3_000 * MS);
    let n4 = sim(&s).node(3);
    assert!(n4.is_member() && n4.current_term > 0);
    assert_eq!(
        n4.log.last_index(),
        sim(&s).node(l).log.last_index(),
        "n4 caught up"
    );
    assert_eq!(s.view().nodes[3].role, "follower");
    command(&mut s, l, "add");
    s.run_until(3_500 * MS);
    assert!((0..5).all(|i| sim(&s).node(i).members == 0b11111));
    command(&mut s, l, "add");
    assert_eq!(notes(&s, "raft.config_no_spare"), 1);

    // A follower asks to be removed; the leader removes it.
    let f = (0..5).find(|&i| i != l).unwrap();
    command(&mut s, f, "remove");
    s.run_until(4_000 * MS);
    assert_eq!(notes(&s, "raft.remove"), 1);
    assert!(!sim(&s).node(l).is_member_node(f));
    assert_eq!(s.view().nodes[f].role, "spare");
    // It stays quiet: it never starts an election, even long after.
    let term = sim(&s).node(l).current_term;
    s.run_until(6_000 * MS);
    assert_eq!(leader(&s), l);
    assert_eq!(sim(&s).node(l).current_term, term);

    // The leader removes itself: it steps down once that commits, and the rest elect.
    command(&mut s, l, "remove");
    s.run_until(8_000 * MS);
    assert_eq!(notes(&s, "raft.removed"), 1);
    let l2 = leader(&s);
    assert!(l2 != l && l2 != f);
    assert_eq!(s.view().nodes[l].role, "spare");
    assert_eq!(sim(&s).node(l2).members.count_ones(), 3);
    // Writes still commit in the three-node configuration, and the removed can be re-added.
    command(&mut s, l2, "write");
    s.run_until(8_500 * MS);
    command(&mut s, l2, "add");
    s.run_until(9_500 * MS);
    assert_eq!(sim(&s).node(l2).members.count_ones(), 4);
    assert_no_violations(&s, "membership");
    // Membership survives a crash: it is read from the log.
    let before = sim(&s).node(l2).members;
    s.act(Action::Crash { node: l2 }).unwrap();
    assert_eq!(sim(&s).node(l2).members, before);
}

/// splitmix64: the test's own dice for commands.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Runs random faults plus, every 100 ms, a random command (write, add, remove or timeout) on
/// a random node (the leader more often); then a calm period. Returns the session.
fn random_membership_run(seed: u64, set: impl Fn(&mut raft::Config)) -> NetSession<Raft> {
    let nodes = 3 + seed % 3;
    let spare = 1 + seed % 4;
    let loss = [0, 5][(seed % 2) as usize];
    let q = format!("lab=raft&seed={seed}&nodes={nodes}&spare={spare}&loss={loss}&dup={loss}");
    let mut s = raft_session_with(&q, set);
    s.set_keep_trace(false);
    let k = [0.5, 1.0][(seed / 2 % 2) as usize];
    let spec = fault_rates(k, 0.3, 0.3, 0.0);
    let mut driver = FaultDriver::new(spec, seed);
    let n = sim(&s).n();
    let mut t: Time = 0;
    let mut dice = seed;
    while t < 8_000 * MS {
        t += 100 * MS;
        driver.run(&mut s, t);
        dice = mix(dice);
        let leader = (0..n)
            .find(|&i| sim(&s).status(i) == NodeStatus::Up && sim(&s).node(i).role == Role::Leader);
        let node = match leader {
            Some(l) if !dice.is_multiple_of(3) => l,
            _ => (dice >> 8) as usize % n,
        };
        let name = ["write", "write", "add", "remove", "timeout"][(dice >> 20) as usize % 5];
        s.act(Action::command(node, name)).unwrap();
    }
    s.act(Action::HealAll).unwrap();
    for i in 0..n {
        s.act(Action::Restart { node: i }).unwrap();
    }
    s.run_until(t + 3_000 * MS);
    s
}

#[test]
fn random_faults_with_random_adds_and_removes_violate_nothing() {
    let (mut changes, mut grown, mut shrunk) = (0, 0, 0);
    for seed in 0..300 {
        let s = random_membership_run(seed, |_| {});
        assert_no_violations(&s, &format!("seed {seed}"));
        let m = sim(&s).monitor();
        assert!(m.committed() > 0, "seed {seed}: nothing committed");
        let initial = sim(&s).node(0).initial_members().count_ones();
        let max = (0..sim(&s).n())
            .map(|i| sim(&s).node(i).members.count_ones())
            .max()
            .unwrap();
        let min = (0..sim(&s).n())
            .map(|i| sim(&s).node(i).members.count_ones())
            .min()
            .unwrap();
        grown += usize::from(max > initial);
        shrunk += usize::from(min < initial);
        changes += (0..sim(&s).n())
            .map(|i| sim(&s).node(i).config_index)
            .max()
            .map_or(0, |c| usize::from(c > 0));
    }
    eprintln!("runs with changes {changes}, grown {grown}, shrunk {shrunk}");
    assert!(changes > 200 && grown > 50 && shrunk > 50);
}

#[test]
fn random_adds_and_removes_with_compaction_violate_nothing() {
    // A snapshot every 2 entries: configurations end up inside snapshots, and added servers
    // (empty logs) are caught up by InstallSnapshot.
    let (mut compacted, mut config_in_snapshot) = (0, 0);
    for seed in 0..300 {
        let s = random_membership_run(seed, |c| c.snapshot_every = 2);
        assert_no_violations(&s, &format!("seed {seed}"));
        let nodes = (0..sim(&s).n()).map(|i| sim(&s).node(i));
        compacted += usize::from(sim(&s).monitor().snapshots > 0);
        config_in_snapshot += usize::from(nodes.clone().any(|r| r.log.snapshot().config_index > 0));
        // A node's configuration is its snapshot's unless its log holds a later entry.
        for r in nodes {
            let snap = r.log.snapshot();
            if r.config_index <= snap.index {
                assert_eq!(
                    (r.config_index, r.members),
                    (snap.config_index, snap.members),
                    "seed {seed}"
                );
            }
        }
    }
    eprintln!(
        "runs compacted {compacted}, with a configuration in a snapshot {config_in_snapshot}"
    );
    assert!(compacted > 250 && config_in_snapshot > 100);
}

#[test]
fn overlapping_changes_are_caught() {
    // Two adds in a row without waiting for the first to commit.
    let mut s = raft_session_with("lab=raft&seed=3&nodes=3&spare=2", |c| {
        c.broken_config_overlap = true
    });
    s.run_until(2_000 * MS);
    let l = leader(&s);
    command(&mut s, l, "add");
    command(&mut s, l, "add");
    let v = sim(&s).violations();
    assert!(
        v.iter().any(|v| v.invariant == "config-one-change"),
        "{v:?}"
    );
    // The correct rule refuses the second add on the same schedule.
    let mut s = raft_session_with("lab=raft&seed=3&nodes=3&spare=2", |_| {});
    s.run_until(2_000 * MS);
    let l = leader(&s);
    command(&mut s, l, "write");
    s.run_until(2_100 * MS);
    command(&mut s, l, "add");
    command(&mut s, l, "add");
    assert_no_violations(&s, "membership");
}

/// What a run of [`removed_while_cut_off`] showed after the heal.
struct AfterHeal {
    /// The leader and its term when the network healed.
    leader: NodeId,
    term: u64,
    /// The removed node's term at the heal and at the end (it keeps electing itself).
    removed_terms: (u64, u64),
    /// How many step-downs, new leaders and withheld votes the trace gained after the heal.
    step_downs: usize,
    new_leaders: usize,
    withheld: usize,
    /// The leader's commit index at the heal, and the highest commit index at the end.
    commits: (u64, u64),
}

/// Five nodes with client writes: a follower asks to be removed, and it is cut off from the
/// others the moment the leader appends its removal, so it never learns of it. The removal
/// commits without it; it keeps timing out, with ever higher terms, where nobody hears it.
/// Then the network heals and the run goes on for 3 s.
fn removed_while_cut_off(
    seed: u64,
    set: impl Fn(&mut raft::Config),
) -> (NetSession<Raft>, AfterHeal) {
    let mut s = raft_session_with(&format!("lab=raft&seed={seed}&nodes=5&clients=10"), set);
    s.run_until(1_500 * MS);
    let l = leader(&s);
    let gone = (l + 1) % 5;
    command(&mut s, gone, "remove");
    while sim(&s).node(l).config_index == 0 {
        assert!(s.session.step());
    }
    let groups = (0..5).map(|i| u32::from(i == gone)).collect();
    s.act(Action::Partition { groups }).unwrap();
    s.run_until(3_000 * MS);
    let (old, new) = (sim(&s).node(l), sim(&s).node(gone));
    assert!(
        old.commit_index >= old.config_index,
        "the removal committed"
    );
    assert!(
        !old.is_member_node(gone) && new.is_member(),
        "n{} never learnt",
        gone + 1
    );
    assert!(
        new.current_term > old.current_term,
        "it kept electing itself"
    );
    let (term, committed) = (old.current_term, old.commit_index);
    let removed_term = new.current_term;
    let counts = |s: &NetSession<Raft>| {
        [
            notes(s, "raft.step_down"),
            notes(s, "raft.leader"),
            notes(s, "raft.vote_withheld"),
        ]
    };
    let at_heal = counts(&s);
    s.act(Action::HealAll).unwrap();
    s.run_until(6_000 * MS);
    let at_end = counts(&s);
    let commits = (0..5).map(|i| sim(&s).node(i).commit_index).max().unwrap();
    let after = AfterHeal {
        leader: l,
        term,
        removed_terms: (removed_term, sim(&s).node(gone).current_term),
        step_downs: at_end[0] - at_heal[0],
        new_leaders: at_end[1] - at_heal[1],
        withheld: at_end[2] - at_heal[2],
        commits: (committed, commits),
    };
    (s, after)
}

#[test]
fn a_removed_server_that_never_learnt_it_cannot_disrupt_the_leader() {
    for seed in 1..=8 {
        let (s, a) = removed_while_cut_off(seed, |_| {});
        // Its RequestVotes reached the members (its term kept rising), who refused them.
        assert!(a.removed_terms.1 > a.removed_terms.0 + 3, "seed {seed}");
        assert!(
            a.withheld > 10,
            "seed {seed}: {} votes withheld",
            a.withheld
        );
        // The leader stays leader in the same term: no member adopted a higher term.
        assert_eq!(leader(&s), a.leader, "seed {seed}");
        assert_eq!((a.step_downs, a.new_leaders), (0, 0), "seed {seed}");
        for i in (0..5).filter(|&i| sim(&s).node(a.leader).is_member_node(i)) {
            assert_eq!(
                sim(&s).node(i).current_term,
                a.term,
                "seed {seed}: n{}",
                i + 1
            );
        }
        // Writes kept committing: 10 a second for 3 s.
        assert!(
            a.commits.1 >= a.commits.0 + 25,
            "seed {seed}: {:?}",
            a.commits
        );
        assert_no_violations(&s, &format!("seed {seed}"));
    }
}

#[test]
fn without_the_guard_the_removed_server_deposes_leader_after_leader() {
    for seed in 1..=8 {
        let (s, a) = removed_while_cut_off(seed, |c| c.broken_no_disrupt_guard = true);
        assert_eq!(a.withheld, 0);
        // Every time it times out, its higher term makes the leader step down, and the
        // members elect again (it cannot win itself: its log lacks the committed entries).
        assert!(
            a.step_downs >= 3,
            "seed {seed}: {} step-downs",
            a.step_downs
        );
        assert!(
            a.new_leaders >= 3,
            "seed {seed}: {} new leaders",
            a.new_leaders
        );
        let term = sim(&s).node(a.leader).current_term;
        assert!(term > a.term + 3, "seed {seed}: term {} -> {term}", a.term);
        // Each election leaves the cluster leaderless for a while: writes fall behind.
        assert!(
            a.commits.1 < a.commits.0 + 20,
            "seed {seed}: {:?}",
            a.commits
        );
        assert_no_violations(&s, &format!("seed {seed}"));
    }
}

#[test]
fn a_forced_timeout_may_disrupt_and_says_so_in_its_request_vote() {
    let (mut s, a) = removed_while_cut_off(1, |_| {});
    let rebel = (0..5)
        .find(|&i| i != a.leader && sim(&s).node(a.leader).is_member_node(i))
        .unwrap();
    let first = sim(&s).sent().len();
    command(&mut s, rebel, "timeout");
    s.run_until(7_000 * MS);
    // The user's timeout, like leadership transfer, is heard although the members have just
    // heard from their leader: a new leader of a later term.
    let l = leader(&s);
    assert!(sim(&s).node(l).current_term > a.term);
    let flags = |from: NodeId, since: usize| -> Vec<(bool, String)> {
        sim(&s).sent()[since..]
            .iter()
            .filter(|m| m.from == from)
            .filter_map(|m| match m.msg {
                raft::Msg::RequestVote { may_disrupt, .. } => {
                    let shown = m.msg.fields().into_iter().find(|(k, _)| *k == "mayDisrupt");
                    Some((may_disrupt, shown.expect("the flag is shown").1))
                }
                _ => None,
            })
            .collect()
    };
    let forced = flags(rebel, first);
    assert!(!forced.is_empty());
    assert_eq!(forced[0], (true, "true".to_string()));
    // The removed server's elections come from its timer: never flagged.
    let gone = (a.leader + 1) % 5;
    let natural = flags(gone, 0);
    assert!(natural.len() > 10);
    assert!(natural.iter().all(|f| *f == (false, "false".to_string())));
    assert_no_violations(&s, "membership");
}
