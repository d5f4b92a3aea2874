//! The rate limiter on the time-only model session: changes mid-run are logged actions applied
//! at the current virtual time without restarting, the notes' uniform-queueing example as a
//! burst sent mid-run, a session that is deterministic, seeks back and forward to identical
//! samples and outcomes, and replays from its share link (a truncated one keeps its prefix),
//! and bad actions refused with a message.

mod common;

use distlab_engine::input::{split_query, InputError, RunConfig};
use distlab_engine::labs::availability::ratelimit::{
    session, Decision, Outcome, RateAction, RateModel, Sample, SECOND,
};
use distlab_engine::sim::model::{decode_log, read_log};
use distlab_engine::sim::{ActionError, ModelSession};
use distlab_engine::{Time, MS};

fn run(q: &str) -> ModelSession<RateModel> {
    let cfg = common::config(&format!(
        "lab=ratelimit&{q}&v={}",
        distlab_engine::ENGINE_VERSION
    ));
    let mut s = session(&cfg.params, cfg.seed).expect("specs build");
    s.load_log(decode_log::<RateModel>(&cfg.model_log).0)
        .expect("log in order");
    s
}

fn act(s: &mut ModelSession<RateModel>, at: Time, action: &str) {
    s.run_until(at);
    s.act(RateAction::decode(action).expect("a valid action"))
        .expect("applies");
}

/// What the lab shows: each limiter's outcomes and samples so far.
fn shown(s: &ModelSession<RateModel>) -> Vec<(usize, Vec<Outcome>, Vec<Sample>)> {
    s.model()
        .sides()
        .map(|(i, side)| (i, side.outcomes().to_vec(), side.series().to_vec()))
        .collect()
}

/// A run with every kind of action: limiter A of the same kind and of another, B off and on,
/// new traffic (jittered, so the seed matters), the service time, and a burst.
fn busy(seed: u64) -> ModelSession<RateModel> {
    let mut s = run(&format!("seed={seed}&limiter=threads:max=4"));
    act(&mut s, 3 * SECOND, "traffic=jitter:rate=30");
    act(&mut s, 5 * SECOND, "burst=25");
    act(&mut s, 7 * SECOND + 3, "limiter2=none");
    act(&mut s, 9 * SECOND, "service=400");
    act(
        &mut s,
        12 * SECOND,
        "limiter2=uniform:interval=40ms,wait=200ms",
    );
    act(&mut s, 14 * SECOND, "limiter=threads:max=2");
    act(&mut s, 16 * SECOND, "limiter=token:rate=20,burst=8");
    s.run_until(30 * SECOND);
    s
}

#[test]
fn a_session_is_deterministic_and_its_seed_matters() {
    let (a, b) = (busy(3), busy(3));
    assert_eq!(a.state_hash(), b.state_hash());
    assert_eq!(shown(&a), shown(&b));
    assert_eq!(a.log().len(), 7);
    assert_ne!(busy(4).state_hash(), a.state_hash(), "jittered traffic");
}

#[test]
fn seeking_back_and_forward_lands_on_identical_samples_and_outcomes() {
    let mut s = busy(5);
    let end = (s.state_hash(), shown(&s));
    for t in [
        8 * SECOND,
        0,
        5 * SECOND,
        5 * SECOND - 1,
        16 * SECOND,
        29_999 * MS,
        12_345 * MS,
        30 * SECOND,
    ] {
        s.seek(t);
        let mut fresh = run("seed=5&limiter=threads:max=4");
        fresh.load_log(s.log().to_vec()).expect("in order");
        fresh.run_until(t);
        assert_eq!(shown(&s), shown(&fresh), "at {t}");
        assert_eq!(s.state_hash(), fresh.state_hash(), "at {t}");
        assert!(s
            .model()
            .sides()
            .all(|(_, side)| side.outcomes().iter().all(|o| o.arrival <= t)));
    }
    assert_eq!((s.state_hash(), shown(&s)), end);
    assert_eq!(s.horizon(), 30 * SECOND);
}

#[test]
fn a_share_link_round_trips_and_replays_exactly() {
    let s = busy(6);
    let mut cfg = common::config("lab=ratelimit&seed=6&limiter=threads:max=4");
    cfg.model_log = s.encode_log();
    let q = cfg.share_query(&[]);
    assert!(
        q.contains("actions=3000000.traffic=jitter:rate=30~5000000.burst=25~7000003.limiter2=none"),
        "{q}"
    );
    let (again, errors) = RunConfig::parse(&split_query(&q));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(again, cfg);
    let mut replay = run(&q);
    replay.run_until(30 * SECOND);
    assert_eq!(replay.state_hash(), s.state_hash());
    assert_eq!(shown(&replay), shown(&s));
    // A link from before the model session (no log) still runs as it did.
    let mut old = run("limiter=uniform:interval=100ms,wait=600ms&limiter2=none&traffic=bursts:base=0,size=8,every=2s");
    old.run_until(3 * SECOND);
    let a = old.model().side(0).expect("A");
    assert_eq!(a.outcomes().len(), 8);
    assert_eq!(a.outcomes()[7].decision, Decision::Rejected);
}

#[test]
fn a_truncated_link_keeps_its_prefix_and_says_where_it_stopped() {
    let s = busy(7);
    let log = s.encode_log();
    let cut = &log[..log.find("service=").expect("a service entry") + 8];
    let (cfg, errors) = RunConfig::parse(&split_query(&format!(
        "lab=ratelimit&seed=7&limiter=threads:max=4&actions={cut}&v={}",
        distlab_engine::ENGINE_VERSION
    )));
    match &errors[..] {
        [InputError::PartialActions { kept: 3, error }] => {
            assert!(error.to_string().contains("service"), "{error}")
        }
        other => panic!("{other:?}"),
    }
    let (kept, n, _) = read_log::<RateModel>(cut);
    assert_eq!((cfg.model_log.as_str(), n), (kept.as_str(), 3));
    let mut replay = run(&format!("seed=7&limiter=threads:max=4&actions={kept}"));
    replay.run_until(9 * SECOND - 1);
    let mut original = busy(7);
    original.seek(9 * SECOND - 1);
    assert_eq!(replay.state_hash(), original.state_hash());
    // Out of order: the first entry only.
    let (cfg, errors) = RunConfig::parse(&split_query(&format!(
        "lab=ratelimit&actions=5000000.burst=3~4000000.burst=2&v={}",
        distlab_engine::ENGINE_VERSION
    )));
    assert_eq!(cfg.model_log, "5000000.burst=3");
    assert!(matches!(
        &errors[..],
        [InputError::PartialActions {
            kept: 1,
            error: ActionError::OutOfOrder(_)
        }]
    ));
}

#[test]
fn bad_actions_are_refused_with_a_message() {
    for (s, want) in [
        ("limiter=bogus:x=1", "unknown limiter kind `bogus`"),
        ("limiter=none", "unknown limiter kind `none`"),
        ("limiter2=token:rate=0", "not a number in 0.001"),
        (
            "limiter=warmup:count=1,cold=100,period=1s",
            "count × period is too small",
        ),
        ("traffic=steady", "needs rate"),
        ("burst=0", "at least 1"),
        ("burst=10001", "0..10000"),
        ("service=abc", "not a whole number"),
        ("speed=3", "cannot read"),
        ("burst", "cannot read"),
    ] {
        let e = RateAction::decode(s).expect_err(s);
        assert!(e.to_string().contains(want), "{s}: {e}");
    }
    // A refused action changes nothing.
    let mut s = run("");
    s.run_until(SECOND);
    let before = s.state_hash();
    let off = RateAction::Limiter {
        side: 0,
        spec: None,
        text: "none".into(),
    };
    assert!(matches!(s.act(off), Err(ActionError::BadArgument { .. })));
    assert!(s.log().is_empty());
    assert_eq!(s.state_hash(), before);
}

/// The notes' uniform queueing (interval T = 100 ms, maximum wait 6T), with the burst of eight
/// sent by hand mid-run: the fifth finds three queued and passes at t1 + 4T, the eighth would
/// wait 7T and is rejected.
#[test]
fn the_notes_example_as_a_burst_sent_mid_run() {
    let mut s =
        run("limiter=uniform:interval=100ms,wait=600ms&limiter2=none&traffic=steady:rate=0.001");
    act(&mut s, 2 * SECOND, "burst=8");
    s.run_until(3 * SECOND);
    let out = s.model().side(0).expect("A").outcomes();
    assert_eq!(out.len(), 9, "the steady request at 0 and the burst");
    let t1 = 2 * SECOND;
    assert!(out[1..].iter().all(|o| o.arrival == t1));
    assert_eq!(out[1].decision, Decision::Admitted);
    assert_eq!(
        out[5].decision,
        Decision::Queued {
            delay: 4 * 100 * MS
        }
    );
    assert_eq!(
        out[7].decision,
        Decision::Queued {
            delay: 6 * 100 * MS
        }
    );
    assert_eq!(out[8].decision, Decision::Rejected);
}

#[test]
fn a_change_applies_now_and_keeps_what_came_before() {
    let q = "limiter=token:rate=10,burst=5&limiter2=none&traffic=steady:rate=20";
    let mut plain = run(q);
    plain.run_until(20 * SECOND);
    let mut changed = run(q);
    act(&mut changed, 10 * SECOND, "limiter=token:rate=10,burst=50");
    changed.run_until(20 * SECOND);
    let (p, c) = (
        plain.model().side(0).expect("A"),
        changed.model().side(0).expect("A"),
    );
    let before = |o: &&Outcome| o.arrival <= 10 * SECOND;
    assert_eq!(
        p.outcomes().iter().filter(before).count(),
        c.outcomes().iter().filter(before).count()
    );
    assert_eq!(&p.outcomes()[..201], &c.outcomes()[..201], "no restart");
    // Same kind: the drained bucket carries over, it does not refill to the new burst at once.
    let at_change = &c.series()[(10 * SECOND / (100 * MS)) as usize + 1];
    assert!(at_change.gauge < 1.0, "{at_change:?}");
    assert_eq!(c.outcomes().len(), p.outcomes().len());
    // Then it refills at 10/s and, with room for 50, still admits 10/s of the 20/s.
    let after: Vec<&Outcome> = c
        .outcomes()
        .iter()
        .filter(|o| o.arrival > 10 * SECOND)
        .collect();
    let admitted = after.iter().filter(|o| o.decision.passes()).count();
    assert!((95..=105).contains(&admitted), "{admitted}");
    // Another kind starts fresh: a leaky bucket with an empty queue admits the next request.
    let mut leaky = run(q);
    act(&mut leaky, 10 * SECOND, "limiter=leaky:capacity=2,rate=5");
    leaky.run_until(11 * SECOND);
    let next = leaky
        .model()
        .side(0)
        .expect("A")
        .outcomes()
        .iter()
        .find(|o| o.arrival > 10 * SECOND)
        .copied();
    assert_eq!(next.map(|o| o.decision), Some(Decision::Admitted));
    assert_eq!(leaky.model().limiter_text(0), "leaky:capacity=2,rate=5");
}

#[test]
fn limiter_b_switched_on_sees_the_same_requests_and_traffic_starts_now() {
    let mut s = run("limiter2=none&traffic=steady:rate=10");
    act(&mut s, 4 * SECOND, "limiter2=sliding:limit=100,window=1s");
    act(&mut s, 6_050 * MS, "traffic=steady:rate=4");
    s.run_until(10 * SECOND);
    let (a, b) = (s.model().side(0).expect("A"), s.model().side(1).expect("B"));
    assert_eq!(a.series().len(), b.series().len(), "one time axis");
    assert!(b.series()[..40].iter().all(|p| p.offered == 0));
    let from = |o: &&Outcome| o.arrival > 4 * SECOND;
    let arrivals = |v: &[Outcome]| v.iter().filter(from).map(|o| o.arrival).collect::<Vec<_>>();
    assert_eq!(arrivals(a.outcomes()), arrivals(b.outcomes()));
    // The new pattern's first request comes at the moment of the change, then every 250 ms.
    let later: Vec<Time> = arrivals(a.outcomes())
        .into_iter()
        .filter(|&t| t >= 6_050 * MS)
        .take(3)
        .collect();
    assert_eq!(later, [6_050 * MS, 6_300 * MS, 6_550 * MS]);
    assert_eq!(s.model().traffic_text(), "steady:rate=4");
}

#[test]
fn the_preset_schedules_ordinary_actions() {
    let cfg = common::config("lab=ratelimit&scenario=traffic-surge");
    let mut s = session(&cfg.params, cfg.seed).expect("builds");
    let info = distlab_engine::scenario::find("ratelimit", "traffic-surge").expect("preset");
    s.plan(info).expect("steps decode");
    s.run_until(40 * SECOND);
    assert_eq!(
        s.encode_log(),
        "0.traffic=steady:rate=8~10000000.traffic=steady:rate=25~\
         20000000.limiter=token:rate=30,burst=5~30000000.burst=40"
    );
    // Before the surge A passes everything; in it A rejects about 15/s; once raised, none.
    let a = s.model().side(0).expect("A");
    let rejected = |from: u64, to: u64| {
        a.outcomes()
            .iter()
            .filter(|o| (from * SECOND..to * SECOND).contains(&o.arrival))
            .filter(|o| !o.decision.passes())
            .count()
    };
    assert_eq!(rejected(0, 10), 0);
    assert!(
        (125..=145).contains(&rejected(11, 20)),
        "{}",
        rejected(11, 20)
    );
    assert_eq!(rejected(21, 30), 0);
    assert!(
        rejected(30, 31) >= 30,
        "the burst of 40 finds at most 5 tokens"
    );
}

#[test]
fn a_huge_sliding_window_keeps_checkpoints_within_the_memory_budget() {
    // A log of up to a million admissions is in every snapshot: the session keeps fewer.
    let q = "limiter=sliding:limit=1000000,window=1h&limiter2=none&traffic=steady:rate=50000";
    let mut s = run(q);
    s.run_until(30 * SECOND);
    assert!(
        s.checkpoint_bytes() <= distlab_engine::sim::model::MAX_CHECKPOINT_BYTES,
        "{}",
        s.checkpoint_bytes()
    );
    let end = s.state_hash();
    s.seek(10 * SECOND);
    let mut fresh = run(q);
    fresh.run_until(10 * SECOND);
    assert_eq!(s.state_hash(), fresh.state_hash());
    assert_eq!(s.model().side(0).expect("A").outcomes().len(), 500_001);
    s.seek(30 * SECOND);
    assert_eq!(s.state_hash(), end);
}
