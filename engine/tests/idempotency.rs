//! The idempotency lab (`idempotency`): one deposit step by step; the notes' uncertainty after
//! a timeout (a lost request and a lost reply look the same to the client, one ran and one did
//! not); the client's panel saying "unknown" until it learns; blind retries double-applying;
//! request ids and the dedupe table making them safe; a retry past its entry's retention
//! applied twice; duplicates from the network; a restarted client retrying with its key;
//! determinism and the runner. Random fault schedules and the broken variants are in
//! `idempotency_faults.rs`.

mod common;

use common::{config, fault_rates, run_json, sends_of as sends, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::foundations::idempotency::{self, Config, Idem, Outcome, ReqState};
use distlab_engine::labs::{self, LabSession, NetSession, Panel};
use distlab_engine::sim::{notes, Action, ActionError, TraceKind};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<Idem> {
    let cfg = config(q);
    idempotency::session(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Idem> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    idempotency::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session (optionally with its configuration changed), its schedule planned.
fn preset_with(id: &str, set: impl Fn(&mut Config)) -> NetSession<Idem> {
    let mut s = session_with(&format!("lab=idempotency&scenario={id}"), set);
    let info = labs::find("idempotency")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

fn preset(id: &str) -> NetSession<Idem> {
    preset_with(id, |_| {})
}

fn deposit(node: NodeId, amount: &str) -> Action {
    Action::Command {
        node,
        name: "deposit".into(),
        arg: Some(amount.into()),
    }
}

fn node(s: &NetSession<Idem>, id: NodeId) -> &Idem {
    s.session.sim.node(id)
}

fn times(s: &NetSession<Idem>, key: &str) -> Vec<Time> {
    notes(s.trace(), key).map(|n| n.0 / MS).collect()
}

fn invariants(s: &NetSession<Idem>) -> Vec<(&'static str, Time)> {
    s.violations()
        .iter()
        .map(|v| (v.invariant, v.time / MS))
        .collect()
}

/// The client's panel rows (the outstanding request's), as (key, value).
fn outstanding(s: &NetSession<Idem>, client: NodeId) -> Vec<(&'static str, String)> {
    let view = s.view();
    match view.nodes[client].panels.first() {
        Some(Panel::Rows { rows, .. }) => rows.clone(),
        other => panic!("no outstanding panel: {other:?}"),
    }
}

/// One deposit, no fault: Request, applied at the server (balance, journal, dedupe entry with
/// the reply), Reply, answered; the entry expires `retention` after it was stored.
#[test]
fn one_deposit_step_by_step() {
    let mut s =
        session("lab=idempotency&clients=1&rate=0&retention=2000&latency_min=20&latency_max=20");
    s.act(deposit(1, "25")).unwrap();
    s.run_until(30 * MS);
    let srv = &node(&s, 0).server;
    assert_eq!(srv.balance, 25);
    let e = srv.table[&1];
    assert_eq!((e.req, e.amount, e.balance, e.stored), (1, 25, 25, 20 * MS));
    assert_eq!(
        node(&s, 1).client.current.map(|o| o.state),
        Some(ReqState::Sent)
    );
    s.run_until(3_000 * MS);
    let t = s.trace();
    assert_eq!(
        sends(t, "Request")
            .map(|m| (m.0 / MS, m.1, m.2))
            .collect::<Vec<_>>(),
        vec![(0, 1, 0)]
    );
    assert_eq!(
        sends(t, "Reply")
            .map(|m| (m.0 / MS, m.1, m.2))
            .collect::<Vec<_>>(),
        vec![(20, 0, 1)]
    );
    assert_eq!(times(&s, "idempotency.answered"), vec![40]);
    assert_eq!(times(&s, "idempotency.expired"), vec![2_020]);
    assert!(node(&s, 0).server.table.is_empty());
    let c = &node(&s, 1).client;
    assert_eq!(
        c.finished.back().map(|f| f.outcome),
        Some(Outcome::Answered {
            balance: 25,
            replayed: false
        })
    );
    for (k, v) in [
        ("idempotency.intended", 1.0),
        ("idempotency.applied", 1.0),
        ("idempotency.answered", 1.0),
        ("idempotency.retries", 0.0),
        ("idempotency.double_applied", 0.0),
        ("idempotency.balance", 25.0),
    ] {
        assert_eq!(stat(&s, k), v, "{k}");
    }
    assert_eq!(s.headline().key, "idempotency.headline.ok");
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// Request numbers are unique across clients (c2: 1, 4, …; c3: 2, 5, …; c4: 3, 6, …), and a
/// client works through its deposits one at a time.
#[test]
fn request_numbers_are_unique_and_deposits_queue() {
    let mut s = session("lab=idempotency&clients=3&rate=0&latency_min=50&latency_max=50");
    for c in 1..4 {
        s.act(deposit(c, "10")).unwrap();
        s.act(deposit(c, "20")).unwrap();
    }
    assert_eq!(
        node(&s, 2).client.queue.iter().copied().collect::<Vec<_>>(),
        vec![(5, 20)]
    );
    s.run_until(1_000 * MS);
    let mut applied: Vec<u64> = notes(s.trace(), "idempotency.apply").map(|n| n.2).collect();
    applied.sort_unstable();
    assert_eq!(applied, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(node(&s, 0).server.balance, 90);
    // The second deposit of each client left only after the first was answered (100 ms).
    assert!(sends(s.trace(), "Request").skip(3).all(|m| m.0 == 100 * MS));
    assert_eq!(s.check_eventually(), 0);
}

/// Bad input: the kernel refuses an amount out of range or not a number, and nothing runs.
#[test]
fn a_bad_amount_is_refused() {
    let mut s = session("lab=idempotency&clients=1&rate=0");
    for bad in ["0", "1001", "abc", "-5"] {
        let r = s.act(deposit(1, bad));
        assert!(
            matches!(r, Err(ActionError::BadArgument { .. })),
            "{bad}: {r:?}"
        );
    }
    assert!(matches!(
        s.act(Action::command(0, "deposit")),
        Err(ActionError::UnknownCommand(_))
    ));
    // A full queue refuses further deposits with a note, never a panic.
    for _ in 0..40 {
        s.act(deposit(1, "1")).unwrap();
    }
    assert_eq!(node(&s, 1).client.queue.len(), idempotency::MAX_QUEUE);
    assert!(notes(s.trace(), "idempotency.busy").count() > 0);
}

/// The notes' 不可靠的网络: after a timeout the client cannot tell whether the request ran. A
/// lost request (it did not run) and a lost reply (it ran) look exactly the same to it.
#[test]
fn presets_a_lost_request_and_a_lost_reply_look_the_same_to_the_client() {
    let mut lost_req = preset("idem-request-lost");
    let mut lost_reply = preset("idem-reply-lost");
    for s in [&mut lost_req, &mut lost_reply] {
        s.run_until(450 * MS);
        assert_eq!(
            outstanding(s, 1)[0],
            ("idempotency.st.sent", "#1".to_string())
        );
        s.run_until(1_500 * MS);
    }
    // What the client saw: the same notes at the same times, the same state.
    let client_notes = |s: &NetSession<Idem>| -> Vec<(Time, &'static str, u64)> {
        s.trace()
            .iter()
            .filter_map(|r| match &r.kind {
                TraceKind::Note {
                    node: 1,
                    key,
                    value,
                } => Some((r.time, *key, *value)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(client_notes(&lost_req), client_notes(&lost_reply));
    assert_eq!(
        client_notes(&lost_req),
        vec![
            (200 * MS, "idempotency.issue", 1),
            (500 * MS, "idempotency.give_up", 1)
        ]
    );
    assert_eq!(
        node(&lost_req, 1).client.finished,
        node(&lost_reply, 1).client.finished
    );
    for s in [&lost_req, &lost_reply] {
        assert_eq!(node(s, 1).client.finished[0].outcome, Outcome::Unknown);
        assert_eq!(stat(s, "idempotency.unknown"), 1.0);
        let view = s.view();
        match &view.nodes[1].panels[2] {
            Panel::Rows { rows, .. } => {
                assert!(rows.contains(&("idempotency.st.unknown", "#1".to_string())))
            }
            other => panic!("{other:?}"),
        }
    }
    // What happened: one did not run, the other did.
    assert_eq!(node(&lost_req, 0).server.balance, 0);
    assert_eq!(times(&lost_req, "idempotency.apply"), Vec::<Time>::new());
    assert_eq!(node(&lost_reply, 0).server.balance, 10);
    assert_eq!(times(&lost_reply, "idempotency.apply"), vec![250]);
    for s in [&mut lost_req, &mut lost_reply] {
        assert_eq!(s.check_eventually(), 0);
        assert!(s.violations().is_empty());
    }
}

/// The client's panel and role say "unknown" from the first timeout until a reply tells it.
#[test]
fn the_client_says_unknown_until_it_learns() {
    let mut s = preset("idem-keys");
    let at = |s: &mut NetSession<Idem>, t: Time| {
        s.run_until(t * MS);
        let role = s.view().nodes[1].role;
        (role, outstanding(s, 1)[0].0)
    };
    assert_eq!(
        at(&mut s, 300),
        ("idempotency.waiting", "idempotency.st.sent")
    );
    assert_eq!(
        at(&mut s, 550),
        ("idempotency.unknown", "idempotency.st.timed_out")
    );
    assert_eq!(s.headline().key, "idempotency.headline.unknown");
    assert_eq!(
        at(&mut s, 700),
        ("idempotency.unknown", "idempotency.st.retrying")
    );
    assert_eq!(
        at(&mut s, 1_450),
        ("idempotency.unknown", "idempotency.st.retrying")
    );
    assert_eq!(
        at(&mut s, 1_600),
        ("idempotency.idle", "idempotency.st.none")
    );
    // A client that gave up learns from a late reply: its deposit did run.
    let mut s = session(
        "lab=idempotency&clients=1&rate=0&retries=0&timeout=300&latency_min=50&latency_max=50",
    );
    s.act(Action::Slow {
        a: 0,
        b: 1,
        extra: 400 * MS,
    })
    .unwrap();
    s.act(deposit(1, "10")).unwrap();
    s.run_until(2_000 * MS);
    assert_eq!(times(&s, "idempotency.give_up"), vec![300]);
    assert_eq!(times(&s, "idempotency.late_answer"), vec![900]);
    assert_eq!(
        node(&s, 1).client.finished[0].outcome,
        Outcome::LateAnswer { balance: 10 }
    );
    assert_eq!(stat(&s, "idempotency.unknown"), 0.0);
    assert_eq!(stat(&s, "idempotency.answered"), 1.0);
}

/// Blind retries: without request ids every attempt is applied. One deposit of 10, four
/// applications, balance 40; never-twice breaks at the second, answered-once at the end.
#[test]
fn preset_blind_retries_apply_a_deposit_four_times() {
    let mut s = preset("idem-blind-retry");
    s.run_until(2_000 * MS);
    assert_eq!(times(&s, "idempotency.apply"), vec![250, 650, 1_050, 1_450]);
    assert_eq!(times(&s, "idempotency.retry"), vec![600, 1_000, 1_400]);
    assert_eq!(sends(s.trace(), "RequestNoKey").count(), 4);
    assert_eq!(node(&s, 0).server.balance, 40);
    assert_eq!(
        node(&s, 1).client.finished[0].outcome,
        Outcome::Answered {
            balance: 40,
            replayed: false
        }
    );
    for (k, v) in [
        ("idempotency.intended", 1.0),
        ("idempotency.applied", 4.0),
        ("idempotency.double_applied", 3.0),
        ("idempotency.retries", 3.0),
        ("idempotency.dedupe_hits", 0.0),
    ] {
        assert_eq!(stat(&s, k), v, "{k}");
    }
    assert_eq!(s.headline().key, "idempotency.headline.double");
    assert_eq!(invariants(&s), vec![("never-twice", 650)]);
    s.check_eventually();
    assert_eq!(
        invariants(&s),
        vec![("never-twice", 650), ("answered-once", 2_000)]
    );
    // The properties are lessons: the runner exits 0.
    assert!(s.properties().iter().all(|p| p.lesson));
}

/// The same schedule with request ids: one application, three dedupe hits, the reply replayed
/// from the table.
#[test]
fn preset_request_ids_make_the_retries_safe() {
    let mut s = preset("idem-keys");
    s.run_until(2_000 * MS);
    assert_eq!(times(&s, "idempotency.apply"), vec![250]);
    assert_eq!(times(&s, "idempotency.dedupe_hit"), vec![650, 1_050, 1_450]);
    assert_eq!(sends(s.trace(), "ReplyReplayed").count(), 3);
    assert_eq!(node(&s, 0).server.balance, 10);
    assert_eq!(
        node(&s, 1).client.finished[0].outcome,
        Outcome::Answered {
            balance: 10,
            replayed: true
        }
    );
    assert_eq!(stat(&s, "idempotency.dedupe_hits"), 3.0);
    assert_eq!(stat(&s, "idempotency.double_applied"), 0.0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
    assert_eq!(s.headline().key, "idempotency.headline.ok");
}

/// A retention shorter than the retry horizon: the entry expires at 950 ms, the third attempt
/// (1,050 ms) is applied again.
#[test]
fn preset_a_retry_after_its_entry_expired_is_applied_twice() {
    let mut s = preset("idem-expired");
    s.run_until(150 * MS);
    assert_eq!(s.headline().key, "idempotency.headline.short_retention");
    assert_eq!(s.headline().args, vec!["700", "1250"]);
    s.run_until(2_000 * MS);
    assert_eq!(times(&s, "idempotency.expired"), vec![950, 1_750]);
    assert_eq!(times(&s, "idempotency.apply"), vec![250, 1_050]);
    assert_eq!(times(&s, "idempotency.dedupe_hit"), vec![650, 1_450]);
    assert_eq!(node(&s, 0).server.balance, 20);
    assert_eq!(invariants(&s), vec![("never-twice", 1_050)]);
    assert_eq!(stat(&s, "idempotency.double_applied"), 1.0);
    // With a retention past the horizon the same schedule is safe.
    let mut ok = preset_with("idem-expired", |c| c.retention = 1_251 * MS);
    ok.run_until(2_000 * MS);
    assert!(ok.violations().is_empty());
    assert_eq!(node(&ok, 0).server.balance, 10);
}

/// The network duplicates requests: with no retry at all, duplicated requests are applied
/// twice; with request ids the copies are dedupe hits.
#[test]
fn preset_duplicates_from_the_network_are_applied_twice_without_ids() {
    let mut s = preset("idem-duplicates");
    s.run_until(5_000 * MS);
    let dup_requests = s
        .trace()
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                TraceKind::Duplicate {
                    kind: "RequestNoKey",
                    ..
                }
            )
        })
        .count();
    assert!(dup_requests >= 3, "{dup_requests} requests duplicated");
    assert_eq!(stat(&s, "idempotency.retries"), 0.0);
    assert!(times(&s, "idempotency.timeout").is_empty());
    // Every duplicated request that arrived was applied a second time.
    assert_eq!(stat(&s, "idempotency.double_applied"), dup_requests as f64);
    assert!(s.violations().iter().all(|v| v.invariant == "never-twice"));
    assert!(!s.violations().is_empty());
    let mut ids = preset_with("idem-duplicates", |c| c.ids = true);
    ids.run_until(5_000 * MS);
    assert!(ids.violations().is_empty());
    assert!(stat(&ids, "idempotency.dedupe_hits") >= 3.0);
    assert_eq!(ids.check_eventually(), 0);
}

/// A client that crashed with its request on disk retries it with the same key on restart.
#[test]
fn preset_a_restarted_client_retries_with_its_key() {
    let mut s = preset("idem-client-restart");
    s.run_until(1_500 * MS);
    assert!(s
        .trace()
        .iter()
        .any(|r| matches!(r.kind, TraceKind::Drop { to: 1, .. }) && r.time == 300 * MS));
    assert_eq!(times(&s, "idempotency.restart_retry"), vec![700]);
    assert_eq!(times(&s, "idempotency.dedupe_hit"), vec![750]);
    assert_eq!(times(&s, "idempotency.apply"), vec![250]);
    assert_eq!(node(&s, 0).server.balance, 10);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
    // Restarted past its horizon it gives up instead of retrying.
    let mut late = preset_with("idem-client-restart", |c| c.retries = 1);
    late.run_until(1_500 * MS);
    assert_eq!(times(&late, "idempotency.give_up"), vec![700]);
    assert!(times(&late, "idempotency.restart_retry").is_empty());
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| {
        let mut s = session(q);
        FaultDriver::new(fault_rates(1.0, 0.5, 0.3, 0.2), 5).run(&mut s, 3_000 * MS);
        s.trace_hash()
    };
    let a = hash("lab=idempotency&seed=4&rate=5&dup=10&loss=10");
    assert_eq!(a, hash("lab=idempotency&seed=4&rate=5&dup=10&loss=10"));
    assert_ne!(a, hash("lab=idempotency&seed=5&rate=5&dup=10&loss=10"));
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&[
        "run",
        "idempotency",
        "--seed",
        "3",
        "--until",
        "10s",
        "--param",
        "loss=20",
    ]);
    assert_eq!(out["lab"], "idempotency");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let sum = &out["summary"];
    assert!(sum["intended"].as_u64().unwrap_or(0) >= 10);
    assert_eq!(sum["double_applied"], 0);
    assert!(sum["stats"]["idempotency.dedupe_hits"].as_f64().is_some());
    let out = run_json(&["run", "idempotency", "--scenario", "idem-blind-retry"]);
    assert_eq!(out["summary"]["double_applied"], 3);
    assert_eq!(out["summary"]["balance"], 40);
}
