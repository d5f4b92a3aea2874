//! Raft membership changes (single-server add and remove, the Raft dissertation's §4.1):
//! configuration entries take effect when appended, one change at a time, spare nodes stay
//! out of elections until added, a removed leader steps down once its removal commits, and
//! the safety properties (one leader per term across old and new configurations, and a
//! leader's configuration at most one server away from the committed one) hold under random
//! faults with random adds and removes. A broken variant that overlaps changes is caught.

mod common;

use common::{command, fault_rates, leader, notes, raft_session_with, sim};
use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::raft::{self, Raft, Role};
use distlab_engine::labs::{LabSession, NetSession};
use distlab_engine::sim::{Action, NodeStatus};
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
    assert_eq!(n4.log.len(), sim(&s).node(l).log.len(), "n4 caught up");
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
    assert!(
        sim(&s).violations().is_empty(),
        "{:?}",
        sim(&s).violations()
    );
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
        s.act(Action::Command {
            node,
            name: name.into(),
        })
        .unwrap();
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
        assert!(
            sim(&s).violations().is_empty(),
            "seed {seed}: {:?}",
            sim(&s).violations()
        );
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
    assert!(sim(&s).violations().is_empty());
}
