//! `distlab check`'s search and shrinking (`distlab_engine::check`), on the test-only broken
//! Raft variants and on every correct lab: the search must find and shrink the broken ones'
//! violations, and find nothing in the correct labs.

mod common;

use common::config;
use distlab_engine::check::{self, Hit, DEFAULT_FAULTS};
use distlab_engine::faults::FaultSpec;
use distlab_engine::input::RunConfig;
use distlab_engine::labs::coordination::raft;
use distlab_engine::labs::{self, LabSession, LABS};
use distlab_engine::{Time, MS};

const UNTIL: Time = 10_000 * MS;
const QUIET: Time = 20_000 * MS;

fn faults() -> FaultSpec {
    FaultSpec::parse(DEFAULT_FAULTS).expect("the default faults parse")
}

/// Fast elections, many client writes and frequent partitions: the figure-8 pattern (an old
/// term's entry replicated by a returning leader, then overwritten) needs several elections
/// in a few seconds.
const BUSY: &str = "lab=raft&nodes=5&clients=200&timeout_min=50&timeout_max=100&heartbeat=20";
const STORMY: &str = "crash=0.5,restart=1,partition=1,heal=1,drop=10,pause=0.5";

fn make_correct(cfg: &RunConfig) -> Box<dyn LabSession> {
    labs::create(cfg).0
}

fn broken_no_log_check(cfg: &RunConfig) -> Box<dyn LabSession> {
    let mut rc = raft::Config::from_params(&cfg.params);
    rc.broken_no_log_check = true;
    Box::new(raft::session_with(&cfg.params, &rc, cfg.seed))
}

fn broken_commit_old_term(cfg: &RunConfig) -> Box<dyn LabSession> {
    let mut rc = raft::Config::from_params(&cfg.params);
    rc.broken_commit_old_term = true;
    Box::new(raft::session_with(&cfg.params, &rc, cfg.seed))
}

/// Searches, shrinks, and checks what shrinking promises: the same property still breaks, on
/// a schedule no longer than the first hit's, and the shrunk schedule replays to it.
fn find_and_shrink(make: check::Make, q: &str, faults: &FaultSpec, seeds: u64) -> (Hit, Hit) {
    let cfg = config(q);
    let t = std::time::Instant::now();
    let (hit, tried) = check::search(make, &cfg, faults, 1..=seeds, (UNTIL, QUIET), None, |_| {
        true
    });
    let searching = t.elapsed().as_secs_f64();
    let hit = hit.unwrap_or_else(|| panic!("{q}: nothing found in {tried} seeds"));
    let shrunk = check::shrink(make, &hit, Some("nodes"), 3_000).hit;
    assert_eq!(shrunk.found.invariant, hit.found.invariant);
    assert!(shrunk.actions.len() <= hit.actions.len());
    assert!(shrunk.until <= hit.until);
    assert!(shrunk.cfg.params.get("nodes") <= hit.cfg.params.get("nodes"));
    let (again, _) = check::replay(
        make,
        &shrunk.cfg,
        &shrunk.actions,
        (shrunk.until, QUIET),
        None,
    )
    .expect("the shrunk schedule still violates");
    assert_eq!(
        again, shrunk.found,
        "replaying the shrunk schedule gives the same violation"
    );
    eprintln!(
        "{q}: seed {} after {tried} seeds in {searching:.2} s ({:.0} schedules/s), {} faults → {} ({} nodes → {}), until {} → {} ms: {}",
        hit.cfg.seed,
        tried as f64 / searching.max(1e-9),
        hit.actions.len(),
        shrunk.actions.len(),
        hit.cfg.params.get("nodes"),
        shrunk.cfg.params.get("nodes"),
        hit.until / MS,
        shrunk.until / MS,
        shrunk.found.invariant
    );
    (hit, shrunk)
}

#[test]
fn finds_and_shrinks_a_vote_without_the_log_check() {
    let (hit, shrunk) = find_and_shrink(
        &broken_no_log_check,
        "lab=raft&nodes=5&clients=20",
        &faults(),
        200,
    );
    assert!(
        shrunk.actions.len() < hit.actions.len(),
        "shrinking removed faults"
    );
    // The share link carries the shrunk schedule and replays it.
    let q = check::share_query(&shrunk);
    let cfg = config(&q);
    assert_eq!(cfg.seed, shrunk.cfg.seed);
    assert!(q.contains("actions="), "{q}");
}

#[test]
fn finds_and_shrinks_the_figure_8_commit_rule() {
    let stormy = FaultSpec::parse(STORMY).expect("faults parse");
    find_and_shrink(&broken_commit_old_term, BUSY, &stormy, 400);
}

/// The correct labs at their defaults: no counterexample in a few seeds each (the tests of
/// each lab run thousands of schedules of their own).
#[test]
fn finds_nothing_in_the_correct_labs() {
    for lab in LABS.iter().filter(|l| l.is_network()) {
        let cfg = config(&format!("lab={}", lab.id));
        let (hit, tried) = check::search(
            &make_correct,
            &cfg,
            &faults(),
            1..=8,
            (UNTIL, QUIET),
            None,
            |_| true,
        );
        assert_eq!(tried, 8);
        if let Some(h) = hit {
            panic!(
                "{}: seed {} broke {} at {} ms: {}\n?{}",
                lab.id,
                h.cfg.seed,
                h.found.invariant,
                h.found.at / MS,
                h.found.text,
                check::share_query(&h)
            );
        }
    }
}

/// Same search, same result: the first hit's seed and the shrunk schedule do not change.
#[test]
fn search_and_shrinking_are_deterministic() {
    let cfg = config("lab=raft&nodes=5&clients=20");
    let run = || {
        let (hit, _) = check::search(
            &broken_no_log_check,
            &cfg,
            &faults(),
            1..=200,
            (UNTIL, QUIET),
            None,
            |_| true,
        );
        let hit = hit.expect("a hit");
        let s = check::shrink(&broken_no_log_check, &hit, Some("nodes"), 500).hit;
        (hit.cfg.seed, check::share_query(&s))
    };
    assert_eq!(run(), run());
}
