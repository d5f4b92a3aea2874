//! The Borg lab (`sched-borg`): each preset shows its weakness, the invariants hold under
//! hundreds of random schedules of the lab's controls, runs are deterministic, bad actions
//! are refused with a reason, and the scheduler at scale places its tasks.

mod common;

use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs::scheduling::sched_borg::{self, BorgModel, SECOND};
use distlab_engine::labs::{self, LabDef};
use distlab_engine::sim::{ActionError, ModelSession, TimeModel};
use distlab_engine::Time;

fn lab() -> &'static LabDef {
    labs::find("sched-borg").expect("sched-borg is in the registry")
}

/// The lab's session for a query (`lab=sched-borg&…`), with its preset planned.
fn session(q: &str) -> ModelSession<BorgModel> {
    let (cfg, errors) = RunConfig::parse(&split_query(&format!("lab=sched-borg&{q}")));
    assert!(errors.iter().all(|e| e.is_warning()), "{q}: {errors:?}");
    let mut s = sched_borg::session(&cfg.params, cfg.seed).expect("builds");
    if let Some(info) = cfg.scenario.and_then(|id| lab().scenario(id)) {
        s.plan(info).expect("plans");
    }
    s
}

/// The counter `borg_<fit>_<what>` now.
fn stat(s: &ModelSession<BorgModel>, fit: &str, what: &str) -> f64 {
    let key = format!("borg_{fit}_{what}");
    s.model()
        .scene()
        .stats
        .iter()
        .find(|st| st.key == key)
        .map(|st| st.value)
        .unwrap_or_else(|| panic!("no stat {key}"))
}

/// Runs to `t` seconds and checks every cell's invariants there.
fn run_to(s: &mut ModelSession<BorgModel>, t: f64) {
    s.run_until((t * SECOND as f64) as Time);
    if let Err(e) = s.model().check() {
        panic!("at {t} s: {e}");
    }
}

#[test]
fn feasibility_then_scoring_best_fit_packs_and_worst_fit_spreads() {
    // Three empty machines, no stream: a job of three small tasks, then a whole-machine one.
    let mut s = session("machines=3&rate=0&fits=best,worst");
    run_to(&mut s, 1.0);
    s.act(BorgModel::decode("job:prio=batch,tasks=3,cpu=1000,mem=4096").unwrap())
        .unwrap();
    run_to(&mut s, 2.0);
    let per = |s: &ModelSession<BorgModel>, c: usize| -> Vec<usize> {
        let mut v: Vec<usize> = s.model().cells[c].on.iter().map(Vec::len).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(
        per(&s, 0),
        vec![0, 0, 3],
        "best fit packs them on one machine"
    );
    assert_eq!(per(&s, 1), vec![1, 1, 1], "worst fit spreads them");
    // A task larger than any machine's room is infeasible everywhere: it waits.
    s.act(BorgModel::decode("job:prio=batch,tasks=1,cpu=4000,mem=16384").unwrap())
        .unwrap();
    run_to(&mut s, 3.0);
    assert_eq!(
        stat(&s, "best", "running"),
        4.0,
        "an empty machine remains under best fit"
    );
    assert_eq!(
        stat(&s, "worst", "pending"),
        1.0,
        "no machine is empty under worst fit"
    );
}

#[test]
fn worst_fit_strands_resources_a_large_job_finds_room_only_under_best_fit() {
    let mut s = session("scenario=borg-fragmentation");
    run_to(&mut s, 44.0);
    let (b, w) = (stat(&s, "best", "stranded"), stat(&s, "worst", "stranded"));
    assert!(w > 3.0 * b, "stranded: best {b}%, worst {w}%");
    let (b, w) = (stat(&s, "best", "big_room"), stat(&s, "worst", "big_room"));
    assert!(
        b >= 4.0 * w && b >= 8.0,
        "half-machine room: best {b}, worst {w}"
    );
    run_to(&mut s, 60.0);
    assert_eq!(stat(&s, "best", "pending"), 0.0);
    assert!(stat(&s, "worst", "pending") >= 3.0);
}

#[test]
fn a_burst_overloads_best_fit_more_than_worst_fit() {
    let mut s = session("scenario=borg-burst");
    run_to(&mut s, 59.0);
    for f in ["best", "worst", "hybrid"] {
        assert_eq!(stat(&s, f, "overloaded"), 0.0, "{f}: no burst yet");
    }
    let (hb, hw) = (stat(&s, "best", "headroom"), stat(&s, "worst", "headroom"));
    assert!(hw > 3.0 * hb, "burst headroom: best {hb}%, worst {hw}%");
    run_to(&mut s, 75.0);
    let (b, w) = (
        stat(&s, "best", "overloaded"),
        stat(&s, "worst", "overloaded"),
    );
    assert!(
        b >= 2.0 * w && b >= 5.0,
        "overloaded machines: best {b}, worst {w}"
    );
    let (b, w) = (stat(&s, "best", "hit"), stat(&s, "worst", "hit"));
    assert!(
        b >= 3.0 * w,
        "tasks on overloaded machines: best {b}, worst {w}"
    );
    run_to(&mut s, 95.0);
    for f in ["best", "worst", "hybrid"] {
        assert_eq!(stat(&s, f, "overloaded"), 0.0, "{f}: the burst is over");
    }
}

#[test]
fn a_prod_job_preempts_batch_tasks_which_wait_again() {
    let mut s = session("scenario=borg-preemption");
    run_to(&mut s, 39.9);
    for f in ["best", "worst", "hybrid"] {
        assert_eq!(stat(&s, f, "preempted"), 0.0, "{f}");
        assert!(stat(&s, f, "pending") > 20.0, "{f}: the cell is full");
    }
    run_to(&mut s, 40.0);
    let m = s.model();
    let prod: Vec<usize> = (0..m.specs.len())
        .filter(|&t| m.specs[t].prio == sched_borg::Prio::Prod)
        .collect();
    assert_eq!(prod.len(), 6);
    for c in &m.cells {
        assert!(
            c.counts.preempted >= 6,
            "{:?}: {}",
            c.fit,
            c.counts.preempted
        );
        for &t in &prod {
            assert!(
                matches!(c.state[t], sched_borg::TaskState::Running { .. }),
                "{:?}: prod task {t} runs at once",
                c.fit
            );
        }
    }
}

#[test]
fn the_broken_variant_that_never_preempts_is_caught() {
    // The preemption preset's cells just before the prod job arrives, run on once as they are
    // and once with the test-only bug: only the broken one leaves prod waiting, and the
    // check says so.
    let mut s = session("scenario=borg-preemption");
    run_to(&mut s, 39.9);
    let job = s
        .scheduled()
        .iter()
        .find(|a| a.time == 40 * SECOND)
        .expect("the preset submits a prod job at 40 s")
        .action
        .clone();
    let run = |broken: bool| {
        let mut m = s.model().snapshot();
        for c in &mut m.cells {
            c.broken_no_preempt = broken;
        }
        m.advance_to(40 * SECOND);
        m.apply(&job).expect("applies");
        m.advance_to(40 * SECOND);
        m.check()
    };
    assert_eq!(run(false), Ok(()));
    let err = run(true).expect_err("a prod task waiting beside batch victims is caught");
    assert!(err.contains("preempting batch"), "{err}");
}

#[test]
fn a_failed_machines_tasks_are_pending_again_and_placed_elsewhere() {
    let mut s = session("scenario=borg-machine-failure");
    run_to(&mut s, 29.9);
    let before: Vec<usize> = s.model().cells.iter().map(|c| c.on[12].len()).collect();
    let finished: Vec<u64> = s.model().cells.iter().map(|c| c.counts.finished).collect();
    run_to(&mut s, 30.0);
    let m = s.model();
    for (i, c) in m.cells.iter().enumerate() {
        assert!(!c.cell.machines[12].up);
        assert!(c.on[12].is_empty());
        assert_eq!(c.counts.requeued, before[i] as u64, "{:?}", c.fit);
        assert_eq!(c.pending_len(), 0, "{:?}: placed elsewhere at once", c.fit);
        assert_eq!(c.counts.finished, finished[i]);
    }
    assert!(
        before[0] >= 3 * before[1],
        "tasks on machine 13: best {}, worst {}",
        before[0],
        before[1]
    );
    run_to(&mut s, 50.0);
    assert!(s.model().cells.iter().all(|c| c.cell.machines[12].up));
    assert_eq!(stat_down(&s), 0.0);
}

fn stat_down(s: &ModelSession<BorgModel>) -> f64 {
    s.model()
        .scene()
        .stats
        .iter()
        .find(|st| st.key == "borg_down")
        .map_or(-1.0, |st| st.value)
}

/// A small deterministic generator for the random schedules.
struct Xs(u64);

impl Xs {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A random press of one of the lab's controls, in its share-link form.
fn random_action(x: &mut Xs, machines: u64) -> String {
    match x.below(6) {
        0 | 1 => format!(
            "job:prio={},tasks={},cpu={},mem={}",
            if x.below(2) == 0 { "prod" } else { "batch" },
            1 + x.below(12),
            1 + x.below(4000),
            1 + x.below(16_384)
        ),
        2 => format!("burst:pct={}", x.below(201)),
        3 => format!("fail:machine={}", 1 + x.below(machines)),
        4 => format!("restore:machine={}", 1 + x.below(machines)),
        _ => format!("rate:per_min={}", x.below(120)),
    }
}

/// How many random schedules the invariant test plays (`BORG_SEEDS`, default 300).
fn seeds() -> u64 {
    std::env::var("BORG_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

#[test]
fn invariants_hold_under_random_schedules_of_the_controls() {
    // Committed estimates never exceed a machine; every task is exactly once pending,
    // running (on one machine), finished or rejected; after every step nothing pending fits,
    // and no prod task waits while preempting batch tasks would place it.
    for seed in 1..=seeds() {
        let mut x = Xs(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let machines = 2 + x.below(14);
        let fits = ["best,worst,hybrid", "best", "worst,best", "hybrid,worst"][x.below(4) as usize];
        let q = format!(
            "machines={machines}&rate={}&prod={}&duration={}&sample={}&fits={fits}&seed={seed}",
            x.below(90),
            x.below(101),
            1 + x.below(60),
            x.below(4),
        );
        let mut s = session(&q);
        let mut t = 0.0;
        for _ in 0..12 {
            t += (x.below(5_000) as f64) / 1000.0;
            run_to(&mut s, t);
            let a = random_action(&mut x, machines);
            s.act(BorgModel::decode(&a).unwrap_or_else(|e| panic!("{q}: {a}: {e}")))
                .unwrap_or_else(|e| panic!("{q}: {a}: {e}"));
            if let Err(e) = s.model().check() {
                panic!("{q}: after {a} at {t} s: {e}");
            }
        }
        run_to(&mut s, t + 20.0);
        // Scrubbing back lands on a state that satisfies them too.
        s.seek((t / 2.0 * SECOND as f64) as Time);
        s.model()
            .check()
            .unwrap_or_else(|e| panic!("{q}: after a seek: {e}"));
    }
}

#[test]
fn runs_are_deterministic_and_replay_from_their_share_link() {
    let run = |seed: u64| {
        let mut s = session(&format!("seed={seed}"));
        let mut x = Xs(seed | 1);
        for i in 1..=8 {
            run_to(&mut s, f64::from(i) * 3.0);
            s.act(BorgModel::decode(&random_action(&mut x, 16)).unwrap())
                .unwrap();
        }
        run_to(&mut s, 40.0);
        s
    };
    common::assert_replays_from_share_link("sched-borg", run, 40 * SECOND);
}

#[test]
fn bad_actions_and_parameters_are_refused_with_a_reason() {
    for bad in [
        "job:prio=urgent,tasks=1,cpu=1,mem=1",
        "job:prio=prod,tasks=0,cpu=1,mem=1",
        "job:prio=prod,tasks=1,cpu=5000,mem=1",
        "job:prio=prod,tasks=1,cpu=1",
        "job:prio=prod,tasks=1.5,cpu=1,mem=1",
        "burst:pct=-1",
        "burst:pct=201",
        "fail:machine=0",
        "fail:machine=x",
        "restore",
        "rate:per_min=1e9",
        "reboot:machine=1",
        "",
    ] {
        match BorgModel::decode(bad) {
            Err(ActionError::BadArgument { reason, .. }) => assert!(!reason.is_empty(), "{bad}"),
            Err(ActionError::Malformed(_)) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }
    // A machine the cell does not have: refused, nothing changes.
    let mut s = session("machines=4");
    run_to(&mut s, 5.0);
    let h = s.state_hash();
    for a in ["fail:machine=5", "restore:machine=2000"] {
        let e = s.act(BorgModel::decode(a).unwrap()).unwrap_err();
        assert!(
            matches!(&e, ActionError::BadArgument { reason, .. } if reason.contains("1…4")),
            "{a}: {e:?}"
        );
    }
    assert_eq!(s.state_hash(), h);
    assert!(s.log().is_empty());
    // A bad `fits` list is refused at input and replaced by the default.
    for fits in ["best,best", "tight", ","] {
        let (cfg, errors) = RunConfig::parse(&split_query(&format!("lab=sched-borg&fits={fits}")));
        assert!(!errors.is_empty(), "{fits}");
        assert_eq!(cfg.params.text("fits"), "best,worst,hybrid");
    }
}

#[test]
fn the_scheduler_at_scale_places_its_tasks() {
    let placed = sched_borg::scale(1_000, 10_000, 1);
    assert!(placed >= 9_500, "placed {placed} of 10,000");
    assert_eq!(placed, sched_borg::scale(1_000, 10_000, 1));
}

#[test]
#[ignore]
fn tune() {
    let qs = std::env::var("TUNE").unwrap_or_default();
    for q in qs.split(';') {
        let mut s = session(q);
        for t in [29, 44, 59, 75, 99] {
            s.run_until(t * SECOND);
            let m = s.model();
            let per: Vec<Vec<usize>> = m
                .cells
                .iter()
                .map(|c| c.on.iter().map(Vec::len).collect())
                .collect();
            println!("{q} t={t}");
            for f in ["best", "worst", "hybrid"] {
                println!(
                    "  {f}: run {} pend {} strand {} big {} head {} over {} hit {} pre {} req {}",
                    stat(&s, f, "running"),
                    stat(&s, f, "pending"),
                    stat(&s, f, "stranded"),
                    stat(&s, f, "big_room"),
                    stat(&s, f, "headroom"),
                    stat(&s, f, "overloaded"),
                    stat(&s, f, "hit"),
                    stat(&s, f, "preempted"),
                    stat(&s, f, "requeued"),
                );
            }
            println!("  per machine {per:?}");
        }
    }
}
