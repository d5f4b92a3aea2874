//! `sched-mesos`: the notes' DRF example, each preset's lesson, the invariants under random
//! actions, determinism and refused input.

use distlab_engine::labs::scene::{self, ArgKind};
use distlab_engine::labs::scheduling::sched_mesos::{
    self as mesos, MesosAction, MesosModel, LAB, SECOND, WHOLE,
};
use distlab_engine::sim::{ActionError, ModelSession, TimeModel};
use distlab_engine::Time;

/// Random schedules per test run (CI keeps it modest; raise it locally with MESOS_SEEDS).
fn seeds() -> u64 {
    std::env::var("MESOS_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300)
}

fn preset(id: &str) -> ModelSession<MesosModel> {
    let info = LAB.scenario(id).expect("preset");
    let mut p = LAB.defaults();
    for &(k, v) in info.params {
        p.set_value(k, v);
    }
    let mut s = mesos::session(&p, info.seed);
    s.plan(info).expect("plan");
    s
}

fn st(s: &ModelSession<MesosModel>) -> &mesos::State {
    &s.model().st
}

fn assert_sound(s: &ModelSession<MesosModel>, what: &str) {
    let v = st(s).violations();
    assert!(v.is_empty(), "{what} at {} µs: {v:?}", s.now());
}

#[test]
fn the_notes_drf_example_gives_a_three_tasks_and_b_two() {
    let mut s = preset("mesos-drf-notes");
    s.run_until(10 * SECOND);
    let m = st(&s);
    // Framework A of the notes is `service` ⟨2 CPU, 8 GB⟩, B is `batch` ⟨6 CPU, 2 GB⟩.
    assert_eq!(m.fws[1].running, 3, "A");
    assert_eq!(m.fws[0].running, 2, "B");
    assert!((m.dominant_share(0) - 2.0 / 3.0).abs() < 1e-9);
    assert!((m.dominant_share(1) - 2.0 / 3.0).abs() < 1e-9);
    // The leftover 8 GB with no CPU is offered and declined.
    assert!(m.fws[0].declined + m.fws[1].declined > 0);
    assert_sound(&s, "notes");
}

#[test]
fn the_broken_variant_that_offers_an_agent_twice_is_caught() {
    // Frameworks contending under the DRF-evens preset, answering slower than the allocation
    // rounds come: from the same state, the sound allocator keeps every agent in at most one
    // offer; the test-only bug offers an agent again, and the invariants name it.
    let mut s = preset("mesos-drf-evens");
    s.run_until(5 * SECOND);
    let run = |broken: bool| {
        let mut m = s.model().clone();
        m.st.broken_double_offer = broken;
        // Frameworks slower to answer than a round: offers are outstanding when it comes.
        m.st.think = 3 * m.st.interval;
        let mut seen = Vec::new();
        for k in 1..=400 {
            m.advance_to(5 * SECOND + k * SECOND / 40);
            seen.extend(m.st.violations());
        }
        seen
    };
    assert_eq!(run(false), Vec::<String>::new());
    let v = run(true);
    assert!(v.iter().any(|r| r.contains("two offers")), "{v:?}");
}

#[test]
fn drf_evens_dominant_shares() {
    let mut drf = preset("mesos-drf-evens");
    drf.run_until(60 * SECOND);
    let shares = |s: &ModelSession<MesosModel>| (st(s).dominant_share(0), st(s).dominant_share(1));
    let d = shares(&drf);
    eprintln!("DRF {d:?} util {:?}", st(&drf).cell.utilisation());
    assert!((d.0 - d.1).abs() < 0.1, "DRF evens dominant shares: {d:?}");
    assert!(d.0 > 0.5 && d.1 > 0.5, "and fills the cell: {d:?}");
    assert_sound(&drf, "drf");
}

#[test]
fn a_failed_agent_loses_its_tasks_and_they_are_placed_again() {
    let mut s = preset("mesos-agent-failure");
    s.run_until(30 * SECOND - 1);
    let on_a3: u64 = st(&s).tasks.values().filter(|t| t.agent == 2).count() as u64;
    assert!(on_a3 > 0, "a3 runs tasks before it fails");
    s.run_until(30 * SECOND);
    let m = st(&s);
    let lost: u64 = m.fws.iter().map(|f| f.lost).sum();
    assert_eq!(lost, on_a3, "every task of a3 is lost and counted");
    assert!(m.tasks.values().all(|t| t.agent != 2));
    assert!(!m.cell.machines[2].up);
    assert_sound(&s, "failure");
    // The frameworks reschedule: the lost tasks' work runs on the other agents.
    s.run_until(40 * SECOND);
    let m = st(&s);
    let running: u64 = m.fws.iter().map(|f| f.running).sum();
    assert!(running > 0 && m.tasks.values().all(|t| t.agent != 2));
    s.run_until(75 * SECOND);
    assert!(st(&s).cell.machines[2].up);
    assert!(
        st(&s).tasks.values().any(|t| t.agent == 2),
        "a3 is used again"
    );
    assert_sound(&s, "failure end");
}

#[test]
fn a_whole_machine_task_waits_forever_while_others_take_the_pieces() {
    let mut s = preset("mesos-whole-starves");
    let mut t = 20;
    while t <= 180 {
        s.run_until(t * SECOND);
        assert_eq!(st(&s).fws[WHOLE].running, 0, "at {t} s");
        t += 5;
    }
    let m = st(&s);
    let w = &m.fws[WHOLE];
    eprintln!(
        "whole: offers {} declined {} wait {} s; util {:?}",
        w.offers,
        w.declined,
        m.oldest_wait(WHOLE) / SECOND,
        m.cell.utilisation()
    );
    assert_eq!((w.waiting, w.finished), (2, 0));
    assert!(w.declined > 10, "it is offered pieces and declines them");
    assert!(m.oldest_wait(WHOLE) >= 160 * SECOND);
    assert!(
        m.cell.utilisation().0 > 0.6,
        "the others keep the cell busy"
    );
    assert_sound(&s, "starves");
}

#[test]
fn reserved_agents_let_the_whole_machine_framework_run() {
    let mut s = preset("mesos-whole-reserved");
    s.run_until(120 * SECOND);
    let m = st(&s);
    let w = &m.fws[WHOLE];
    eprintln!(
        "whole: running {} finished {} waiting {}",
        w.running, w.finished, w.waiting
    );
    assert_eq!(w.waiting, 0, "both whole-machine tasks launched");
    assert!(m
        .tasks
        .values()
        .filter(|t| t.fw != WHOLE)
        .all(|t| t.agent >= 2 || t.end < 120 * SECOND));
    assert_sound(&s, "reserved");
}

#[test]
fn without_a_refusal_filter_the_decliner_drains_agents_and_wastes_the_cell() {
    let mut s = preset("mesos-no-filter");
    let declined = |s: &ModelSession<MesosModel>| st(s).fws[WHOLE].declined;
    let launched = |s: &ModelSession<MesosModel>| {
        let w = &st(s).fws[WHOLE];
        w.submitted - w.waiting
    };
    s.run_until(30 * SECOND);
    let (util30, d30) = (st(&s).cell.utilisation().0, declined(&s));
    assert_eq!(launched(&s), 0, "with a filter it starves");
    let mut low: f64 = 1.0;
    for t in 31..=90 {
        s.run_until(t * SECOND);
        low = low.min(st(&s).cell.utilisation().0);
    }
    let (d90, l90) = (declined(&s), launched(&s));
    s.run_until(150 * SECOND);
    let util150 = st(&s).cell.utilisation().0;
    eprintln!(
        "CPU util {util30:.2} → low {low:.2} → {util150:.2}; whole declines 20–30 s {d30}, 30–90 s {}; launched by 90 s {l90}",
        d90 - d30
    );
    assert!(l90 >= 1, "drained agents go to the whole-machine framework");
    assert!(low < util30 - 0.15, "the cell idles: {util30} → {low}");
    assert!(d90 > d30, "it declines pieces without a filter too");
    assert!(
        util150 > low + 0.1,
        "the filter back, the cell fills: {util150}"
    );
    assert_sound(&s, "no-filter");
}

/// xorshift, seeded.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    }
}

/// A random action from the declared controls, with random argument values.
fn random_action(next: &mut impl FnMut() -> u64, agents: u64) -> String {
    let c = &mesos::CONTROLS[(next() % mesos::CONTROLS.len() as u64) as usize];
    let values: Vec<String> = c
        .args
        .iter()
        .map(|a| match a.kind {
            ArgKind::Choice { options } => options[(next() % options.len() as u64) as usize]
                .0
                .to_string(),
            ArgKind::Number { .. } if a.name == "agent" => (1 + next() % agents).to_string(),
            ArgKind::Number { .. } if a.name == "agents" => (next() % (agents / 2 + 1)).to_string(),
            ArgKind::Number { .. } if a.name == "secs" => (next() % 12).to_string(),
            ArgKind::Number { .. } => (1 + next() % 30).to_string(),
        })
        .collect();
    c.encode(&values)
}

#[test]
fn invariants_hold_under_random_actions() {
    for seed in 0..seeds() {
        let mut next = rng(seed + 1);
        let mut p = LAB.defaults();
        let agents = 2 + next() % 10;
        p.set_value("agents", agents as f64);
        p.set_value("think", (next() % 400) as f64);
        p.set_value("per_offer", (next() % 3) as f64);
        p.set_value("whole_tasks", (next() % 3) as f64);
        let mut s = mesos::session(&p, seed);
        let mut t: Time = 0;
        while t < 60 * SECOND {
            t += (next() % 3000 + 1) * 1000;
            s.run_until(t);
            assert_sound(&s, &format!("seed {seed}"));
            let a = random_action(&mut next, agents);
            let action = MesosModel::decode(&a).expect("a control's action decodes");
            s.act(action)
                .unwrap_or_else(|e| panic!("seed {seed}: {a}: {e}"));
            assert_sound(&s, &format!("seed {seed} after {a}"));
        }
        // No task ever runs on a failed agent, and a failed agent holds nothing.
        let m = st(&s);
        for (a, mach) in m.cell.machines.iter().enumerate() {
            if !mach.up {
                assert!(m.tasks.values().all(|t| t.agent != a));
            }
        }
    }
}

#[test]
fn runs_are_deterministic_and_seeds_differ() {
    let hash = |seed: u64| {
        let mut s = mesos::session(&LAB.defaults(), seed);
        s.run_until(5 * SECOND);
        s.act(MesosModel::decode("agent-fail:agent=2").unwrap())
            .unwrap();
        s.run_until(40 * SECOND);
        s.state_hash()
    };
    assert_eq!(hash(3), hash(3));
    assert_ne!(hash(3), hash(4));
}

#[test]
fn bad_actions_are_refused_with_a_reason() {
    for bad in [
        "agent-fail:agent=0",
        "agent-fail:agent=x",
        "agent-fail",
        "framework:name=foo,tasks=1",
        "framework:name=whole,tasks=0",
        "allocator:kind=fifo",
        "filter:secs=-1",
        "filter:secs=1e309",
        "reserve:name=whole",
        "bogus:x=1",
        "",
    ] {
        assert!(MesosModel::decode(bad).is_err(), "{bad}");
    }
    let mut s = mesos::session(&LAB.defaults(), 1);
    s.run_until(3 * SECOND);
    let before = s.state_hash();
    for a in ["agent-fail:agent=13", "reserve:name=whole,agents=13"] {
        let e = s.act(MesosModel::decode(a).expect("in range")).unwrap_err();
        assert!(matches!(e, ActionError::BadArgument { .. }), "{a}: {e:?}");
    }
    assert_eq!(s.state_hash(), before, "a refused action changes nothing");
    // Each control's example reads back as written.
    for c in mesos::CONTROLS {
        let a = MesosModel::decode(&c.example()).unwrap();
        assert_eq!(MesosAction::encode(&a), c.example());
    }
}

#[test]
fn the_allocator_places_everything_at_scale() {
    assert_eq!(mesos::scale(1_000, 10_000, 1), 10_000);
    // Each agent is offered whole to one framework and filled by it: DRF alternates, so 5
    // agents hold 8 batch tasks each and 5 hold 16 service tasks each.
    assert_eq!(mesos::scale(10, 1_000, 1), 120);
}

#[test]
fn calc_prints_the_counters() {
    let out = scene::calc(
        &LAB,
        &[
            "--scenario".into(),
            "mesos-whole-starves".into(),
            "--until".into(),
            "60s".into(),
        ],
    )
    .expect("calc");
    assert_eq!(out["stats"]["mesos_whole_running"], 0.0);
    assert_eq!(out["stats"]["mesos_violations"], 0.0);
}
