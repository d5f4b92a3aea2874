//! The checker ([`super::Monitor`]) proven able to fail on each property, from hand-made node
//! states (the integration tests reach some of them only through broken protocol variants),
//! and still checking compacted logs after it forgot what every node compacted away.

use super::{Config, Entry, Monitor, Raft, RaftLog, Role};
use crate::sim::Protocol;

fn entries(log: &[(u64, u64)]) -> RaftLog {
    RaftLog::from_entries(0, log.iter().map(|&(t, c)| Entry::write(t, c)))
}

fn nodes(logs: &[&[(u64, u64)]]) -> Vec<Raft> {
    logs.iter()
        .enumerate()
        .map(|(id, log)| {
            let mut r = <Raft as Protocol>::new(id, logs.len(), &Config::default());
            r.log = entries(log);
            r.current_term = log.last().map_or(0, |e| e.0);
            r
        })
        .collect()
}

fn check_all(m: &mut Monitor, ns: &[Raft]) -> Vec<&'static str> {
    (0..ns.len())
        .flat_map(|i| m.check(0, i, ns))
        .map(|(inv, _)| inv)
        .collect()
}

#[test]
fn log_matching_fails_on_equal_entries_after_different_prefixes() {
    // Entry 2 of term 2 on both, but entry 1 is of another term: the logs do not match.
    let mut ns = nodes(&[&[(1, 10), (2, 20)], &[(2, 11), (2, 20)]]);
    let mut m = Monitor::default();
    assert_eq!(check_all(&mut m, &ns), ["log-matching"]);
    // Logs that agree pass, also when they grow by slices across leaves and pages, and an
    // entry of another term at a known index is looked up on its own.
    let long: Vec<(u64, u64)> = (0..5000).map(|i| (1 + i / 2000, i)).collect();
    ns = nodes(&[&long, &long[..4097], &long[..64]]);
    let mut m = Monitor::default();
    assert!(check_all(&mut m, &ns).is_empty());
    let mut forked = long[..4097].to_vec();
    forked.push((9, 1));
    forked.push((9, 2));
    ns[1] = nodes(&[&forked])[0].clone();
    ns[1].id = 1;
    assert!(check_all(&mut m, &ns).is_empty());
    // Entry 4099 of term 9 again, after another entry 4098 (of term 8): caught.
    forked[4097] = (8, 7);
    ns[2] = nodes(&[&forked])[0].clone();
    ns[2].id = 2;
    assert_eq!(check_all(&mut m, &ns), ["log-matching"]);
}

#[test]
fn log_matching_resumes_after_a_truncation_and_still_fails() {
    // n1 holds 100 entries of term 1; n2 holds the same first 60 and then is cut back to
    // 50 (a truncation) and regrows with entries of term 9.
    let base: Vec<(u64, u64)> = (0..100).map(|i| (1, i)).collect();
    let mut ns = nodes(&[&base, &base[..60]]);
    let mut m = Monitor::default();
    assert!(check_all(&mut m, &ns).is_empty());
    let mut regrown = base[..50].to_vec();
    regrown.extend((0..20).map(|i| (9, 500 + i)));
    ns[1].log = entries(&regrown);
    ns[1].resets = 1;
    ns[1].reset_to = 50;
    assert!(check_all(&mut m, &ns).is_empty(), "a consistent regrowth");
    // n3 holds entry 60 of term 9 too, but after a different entry 51: caught at 60 only
    // if the checker resumed n2's hashing from the right prefix.
    let mut other = base[..50].to_vec();
    other.push((8, 1));
    other.extend((1..10).map(|i| (9, 500 + i)));
    ns.push(nodes(&[&other])[0].clone());
    let found = check_all(&mut m, &ns);
    assert!(
        !found.is_empty() && found.iter().all(|v| *v == "log-matching"),
        "{found:?}"
    );
    // A fresh node holding n2's log, hashed from its start, agrees with what the checker
    // resumed for n2 (a wrong resume point would make them differ).
    let mut fresh = nodes(&[&regrown])[0].clone();
    fresh.id = 3;
    ns.push(fresh);
    assert!(m.check(0, 3, &ns).is_empty());
}

#[test]
fn state_machine_safety_fails_on_different_commands_applied_at_one_index() {
    let mut ns = nodes(&[&[(1, 10), (1, 20)], &[(1, 10), (1, 21)]]);
    for r in &mut ns {
        r.last_applied = 2;
    }
    let mut m = Monitor::default();
    let found = check_all(&mut m, &ns);
    assert!(found.contains(&"state-machine-safety"), "{found:?}");
    // Applying the same commands passes.
    let mut ns = nodes(&[&[(1, 10), (1, 20)], &[(1, 10), (1, 20)]]);
    for r in &mut ns {
        r.last_applied = 2;
    }
    assert!(check_all(&mut Monitor::default(), &ns).is_empty());
}

#[test]
fn leader_completeness_and_election_safety_fail() {
    // n1 commits entry 1 in term 1; n2 then leads term 2 without it.
    let mut ns = nodes(&[&[(1, 10)], &[]]);
    ns[0].commit_index = 1;
    let mut m = Monitor::default();
    assert!(check_all(&mut m, &ns).is_empty());
    ns[1].role = Role::Leader;
    ns[1].current_term = 2;
    assert_eq!(check_all(&mut m, &ns), ["leader-completeness"]);
    // Two leaders of one term.
    let mut ns = nodes(&[&[(3, 1)], &[(3, 1)]]);
    for r in &mut ns {
        r.role = Role::Leader;
    }
    assert_eq!(check_all(&mut Monitor::default(), &ns), ["election-safety"]);
}

/// `r` compacted through index `k` of its own log, as the protocol does.
fn compact(r: &mut Raft, k: u64) {
    let s = r.log.snapshot_through(k);
    r.log.compact(s);
}

#[test]
fn a_snapshot_of_uncommitted_entries_or_of_another_state_fails() {
    let mut ns = nodes(&[&[(1, 10), (1, 21), (1, 32)], &[(1, 10), (1, 21), (1, 32)]]);
    ns[0].commit_index = 2;
    ns[0].last_applied = 2;
    let mut m = Monitor::default();
    assert!(check_all(&mut m, &ns).is_empty());
    // n1 snapshots its applied entries: fine, and its log now starts at 3.
    compact(&mut ns[0], 2);
    assert!(m.check(0, 0, &ns).is_empty());
    assert_eq!(m.snapshots, 1);
    // n2 snapshots all three, one of them uncommitted.
    compact(&mut ns[1], 3);
    let found: Vec<_> = m.check(0, 1, &ns);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "state-machine-safety");
    assert!(
        found[0].1.contains("only 2 are committed"),
        "{}",
        found[0].1
    );
    // A snapshot through committed entries but holding another state.
    let mut ns = nodes(&[&[(1, 10), (1, 21), (1, 32)]]);
    ns[0].commit_index = 3;
    let mut m = Monitor::default();
    assert!(check_all(&mut m, &ns).is_empty());
    let mut s = ns[0].log.snapshot_through(2);
    s.kv[5] = 77;
    ns[0].log.compact(s);
    let found = m.check(0, 0, &ns);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("f=77"), "{}", found[0].1);
}

#[test]
fn an_installed_snapshot_under_a_conflicting_suffix_breaks_log_matching() {
    // n1 leads with entries 3..5 of term 2 and commits through 4; n2 holds its own entries
    // 3..5 of term 3 from a deposed leader.
    let mut ns = nodes(&[
        &[(1, 10), (1, 11), (2, 12), (2, 13), (2, 14)],
        &[(1, 10), (1, 11), (3, 90), (3, 91), (3, 92)],
    ]);
    ns[0].commit_index = 4;
    let mut m = Monitor::default();
    assert!(check_all(&mut m, &ns).is_empty());
    let leader = ns[0].log.snapshot_through(4);
    // Installing it correctly discards n2's whole log: nothing to report.
    let mut ok = ns.clone();
    assert!(!ok[1].log.install(leader.clone(), false));
    ok[1].resets += 1;
    ok[1].reset_to = 4;
    ok[1].commit_index = 4;
    ok[1].last_applied = 4;
    assert!(m.clone().check(0, 1, &ok).is_empty());
    // The same when n2's log ends right at the snapshot's index, with another term there; and
    // n1's entry 5 then follows on n2 as on n1.
    let mut short = ns.clone();
    short[1].log.truncate_after(4);
    short[1].resets += 1;
    short[1].reset_to = 4;
    let mut m2 = m.clone();
    assert!(m2.check(0, 1, &short).is_empty());
    assert!(!short[1].log.install(leader.clone(), false));
    short[1].resets += 1;
    short[1].commit_index = 4;
    short[1].last_applied = 4;
    assert!(m2.check(0, 1, &short).is_empty());
    short[1].log.push(Entry::write(2, 14));
    assert!(m2.check(0, 1, &short).is_empty());
    // Keeping entry 5 of term 3 after the snapshot's entry 4 of term 2: that entry 5 followed
    // another prefix before.
    assert!(ns[1].log.install(leader, true));
    ns[1].resets += 1;
    ns[1].reset_to = 4;
    ns[1].commit_index = 4;
    ns[1].last_applied = 4;
    let found: Vec<_> = m.check(0, 1, &ns).into_iter().map(|(inv, _)| inv).collect();
    assert_eq!(found, ["log-matching"]);
}

#[test]
fn what_every_node_compacted_is_forgotten_and_checks_go_on() {
    // Three nodes with 20,000 committed entries each, compacted through 19,000: the checker
    // keeps less than two pages of each history, and still catches a bad entry after.
    let long: Vec<(u64, u64)> = (0..20_000).map(|i| (1 + i / 5000, i)).collect();
    let mut ns = nodes(&[&long, &long, &long]);
    for r in &mut ns {
        r.commit_index = 20_000;
        r.last_applied = 20_000;
    }
    let mut m = Monitor::default();
    assert!(check_all(&mut m, &ns).is_empty());
    for r in &mut ns {
        compact(r, 19_000);
    }
    assert!(check_all(&mut m, &ns).is_empty());
    assert_eq!(m.snapshots, 3);
    let (prefixes, committed, applied, base) = m.kept_from();
    assert!(prefixes > 14_000, "{prefixes}");
    assert_eq!(
        (committed, applied, base),
        (prefixes, prefixes, prefixes as u64)
    );
    assert_eq!(m.committed(), 20_000);
    // A later snapshot is still checked against the forgotten prefix's state.
    let mut bad = ns[2].log.snapshot_through(19_500);
    bad.kv[0] += 1;
    ns[2].log.compact(bad);
    assert_eq!(m.check(0, 2, &ns).len(), 1);
    // And new entries are still compared.
    ns[0].log.push(Entry::write(9, 1));
    ns[1].log.push(Entry::write(8, 2));
    ns[1].log.push(Entry::write(9, 1));
    ns[0].log.push(Entry::write(9, 1));
    let found = check_all(&mut m, &ns);
    assert_eq!(found, ["log-matching"]);
}
