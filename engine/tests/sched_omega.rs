//! `sched-omega`: each preset shows its weakness (a hot-spot conflict and its retry, coarse
//! detection's spurious conflicts, a gang job retried under load), the master copy is never
//! over-committed under random control presses over hundreds of seeds while a broken variant
//! without the conflict check is caught, one scheduler never conflicts with fine detection,
//! more schedulers conflict more, runs are deterministic, the scheduler scales, and bad
//! actions and parameters are refused with a reason.

use distlab_engine::input::Params;
use distlab_engine::labs::scheduling::cell::{Fit, Res};
use distlab_engine::labs::scheduling::sched_omega::{
    self, config, session, Commit, Config, Core, Curves, Detect, OmegaAction, OmegaModel, LAB,
    SECOND,
};
use distlab_engine::sim::{ActionError, ModelSession, TimeModel};
use distlab_engine::{Time, MS};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn params(over: &[(&str, f64)], texts: &[(&str, &str)]) -> Params {
    let mut p = LAB.defaults();
    for &(k, v) in over {
        p.set_value(k, v);
    }
    for &(k, v) in texts {
        p.set_text(k, v).expect("a known text parameter");
    }
    p
}

/// A preset's session, run to `until`.
fn preset(id: &str, until: Time) -> ModelSession<OmegaModel> {
    let info = LAB.scenario(id).expect("preset");
    let over: Vec<(&str, f64)> = info.params.to_vec();
    let mut s = session(&params(&over, &[]), info.seed).expect("builds");
    s.plan(info).expect("steps decode");
    s.run_until(until);
    s
}

fn stat(s: &ModelSession<OmegaModel>, key: &str) -> f64 {
    s.model()
        .scene()
        .stats
        .iter()
        .find(|st| st.key == key)
        .map(|st| st.value)
        .expect("a stat")
}

#[test]
fn hot_spot_two_schedulers_collide_and_the_loser_retries() {
    let s = preset("omega-hot-spot", 5 * SECOND);
    let c = &s.model().core;
    // The two one-task jobs claimed the same last core: one transaction conflicted, its
    // scheduler (S1, the later one) refreshed and retried, and everything got placed.
    assert_eq!(c.scheds[0].counts.conflicted, 1);
    assert_eq!(c.scheds[0].counts.retries, 1);
    assert_eq!(c.scheds[1].counts.conflicted, 0);
    assert_eq!((c.jobs, c.done, c.waiting_tasks()), (3, 3, 0));
    assert_eq!(stat(&s, "omega.placed"), 5.0);
    assert_eq!(c.violation_count, 0);
    // The hot machine is exactly full; the retried task went elsewhere.
    let full = c
        .cell
        .machines
        .iter()
        .filter(|m| m.used.cpu == 4000)
        .count();
    assert_eq!(full, 1);
}

#[test]
fn coarse_detection_rejects_claims_that_would_fit_and_fine_does_not() {
    let mut s = preset("omega-coarse-spurious", 5 * SECOND);
    let t = s.model().core.totals();
    assert_eq!(
        (t.conflicted, t.spurious),
        (1, 1),
        "coarse: one spurious conflict"
    );
    s.run_until(10 * SECOND);
    let c = &s.model().core;
    let t = c.totals();
    // The same pair under fine-grained detection: no new conflict, both placed.
    assert_eq!((t.conflicted, t.spurious), (1, 1));
    assert_eq!((c.jobs, c.done), (5, 5));
    assert_eq!(c.cfg.detect, Detect::Fine);
}

#[test]
fn a_gang_job_retries_repeatedly_under_load_with_coarse_detection() {
    let s = preset("omega-gang-retries", 60 * SECOND);
    let c = &s.model().core;
    let gangs: Vec<_> = c.gangs_finished.clone();
    assert_eq!(gangs.len(), 2, "{gangs:?}");
    let (coarse, fine) = (gangs[0], gangs[1]);
    assert!(coarse.1 >= 5, "coarse gang attempts {coarse:?}");
    assert!(fine.1 < coarse.1, "fine {fine:?} vs coarse {coarse:?}");
    assert!(fine.2, "the second gang job is placed");
    assert!(c.totals().wasted > 0);
    assert_eq!(c.violation_count, 0);
}

/// The state's invariants: no machine over-committed in the master copy (nor in a private
/// copy), the owners' shares add up to what is committed, placed = running + ended.
fn check(core: &Core, what: &str) {
    assert_eq!(core.over_committed(), None, "{what}");
    assert_eq!(core.violation_count, 0, "{what}");
    for (i, s) in core.scheds.iter().enumerate() {
        assert!(
            s.view.machines.iter().all(|m| m.used.fits_in(m.cap)),
            "{what}: S{} copy",
            i + 1
        );
    }
    for (m, owners) in core.cell.machines.iter().zip(&core.owners) {
        let sum = owners.iter().fold(Res::ZERO, |a, r| a + *r);
        assert_eq!(sum, m.used, "{what}");
    }
    assert!(core.running() as u64 <= core.totals().placed, "{what}");
}

#[test]
fn the_master_copy_is_never_over_committed_under_random_presses() {
    let seeds: u64 = std::env::var("OMEGA_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let examples = LAB.timed.expect("timed").examples;
    let (mut txns, mut conflicted) = (0, 0);
    for seed in 0..seeds {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let p = params(
            &[
                ("machines", rng.gen_range(1..24) as f64),
                ("schedulers", rng.gen_range(1..6) as f64),
                ("rate", rng.gen_range(0..8) as f64),
                ("runtime", rng.gen_range(1..10) as f64),
                ("gang", rng.gen_range(0..50) as f64),
                ("sample", rng.gen_range(0..4) as f64),
            ],
            &[("detect", if rng.gen_bool(0.5) { "coarse" } else { "fine" })],
        );
        let mut s = session(&p, seed).expect("builds");
        let mut t = 0;
        while t < 20 * SECOND {
            t += rng.gen_range(1..800) * MS;
            s.run_until(t);
            check(&s.model().core, &format!("seed {seed} at {t}"));
            if rng.gen_bool(0.5) {
                let a = examples[rng.gen_range(0..examples.len())];
                s.act(OmegaAction::decode(a).expect("example decodes"))
                    .expect("applies");
            }
        }
        check(&s.model().core, &format!("seed {seed} at the end"));
        let t = s.model().core.totals();
        (txns, conflicted) = (txns + t.txns, conflicted + t.conflicted);
    }
    // The schedules did contend: many transactions, some of them conflicting.
    assert!(
        txns > 20 * seeds && conflicted > seeds,
        "{txns} {conflicted}"
    );
}

fn contended(broken: bool) -> Core {
    let cfg = Config {
        broken_no_check: broken,
        ..config(&params(
            &[("machines", 4.0), ("schedulers", 4.0), ("rate", 0.0)],
            &[],
        ))
    };
    let mut core = Core::new(cfg, 3);
    let mut curves = Curves::default();
    // Four schedulers fill the same tight machines at once.
    for _ in 0..8 {
        core.submit(3, Res::new(1500, 1024), false);
    }
    core.advance_to(10 * SECOND, &mut curves);
    core
}

#[test]
fn the_broken_variant_without_the_conflict_check_is_caught() {
    let ok = contended(false);
    assert_eq!(ok.violation_count, 0);
    assert!(ok.totals().conflicted > 0, "the contention does conflict");
    let broken = contended(true);
    assert!(broken.violation_count > 0, "over-commit not caught");
    assert!(broken.over_committed().is_some());
    let (t, m) = broken.violations[0];
    assert!(t > 0 && (m as usize) < 4);
}

fn run_stats(over: &[(&str, f64)], texts: &[(&str, &str)], seed: u64, until: Time) -> Core {
    let mut s = session(&params(over, texts), seed).expect("builds");
    s.run_until(until);
    s.model().core.clone()
}

#[test]
fn one_scheduler_never_conflicts_with_fine_detection_and_more_schedulers_conflict_more() {
    for seed in 1..6 {
        let one = run_stats(
            &[("schedulers", 1.0), ("rate", 6.0)],
            &[],
            seed,
            60 * SECOND,
        );
        assert_eq!(one.totals().conflicted, 0, "seed {seed}");
        assert!(one.totals().txns > 100);
    }
    let frac = |n: f64| {
        let mut c = 0.0;
        for seed in 1..4 {
            let core = run_stats(
                &[("schedulers", n), ("rate", 6.0), ("machines", 32.0)],
                &[],
                seed,
                60 * SECOND,
            );
            let t = core.totals();
            c += t.conflicted as f64 / t.txns.max(1) as f64;
        }
        c / 3.0
    };
    let (f2, f8) = (frac(2.0), frac(8.0));
    assert!(f8 > f2 && f2 > 0.0, "conflict fraction 2: {f2}, 8: {f8}");
}

#[test]
fn coarse_detection_conflicts_more_than_fine_on_the_same_load() {
    let over = [("schedulers", 4.0), ("rate", 6.0)];
    let fine = run_stats(&over, &[("detect", "fine")], 2, 60 * SECOND).totals();
    let coarse = run_stats(&over, &[("detect", "coarse")], 2, 60 * SECOND).totals();
    assert!(
        coarse.conflicted > fine.conflicted,
        "{coarse:?} vs {fine:?}"
    );
    assert!(coarse.spurious > 0 && fine.spurious == 0);
}

fn hash(s: &ModelSession<OmegaModel>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.model().hash_state(&mut h);
    std::hash::Hasher::finish(&h)
}

#[test]
fn runs_are_deterministic_and_seeds_matter() {
    let p = params(&[("rate", 4.0), ("gang", 20.0)], &[]);
    let run = |seed| {
        let mut s = session(&p, seed).expect("builds");
        s.run_until(7 * SECOND);
        s.act(OmegaAction::decode("job:tasks=12,cpu=700,mem=900,gang=1").expect("ok"))
            .expect("applies");
        s.run_until(30 * SECOND);
        s
    };
    assert_eq!(hash(&run(4)), hash(&run(4)));
    assert_ne!(hash(&run(4)), hash(&run(5)));
    // Seeking back lands on the same state as the straight run.
    let mut s = run(4);
    let straight = {
        let mut b = session(&p, 4).expect("builds");
        b.run_until(7 * SECOND);
        b.act(OmegaAction::decode("job:tasks=12,cpu=700,mem=900,gang=1").expect("ok"))
            .expect("applies");
        b.run_until(13 * SECOND);
        hash(&b)
    };
    s.seek(13 * SECOND);
    assert_eq!(hash(&s), straight);
}

#[test]
fn the_scheduler_places_a_big_cell() {
    let placed = sched_omega::scale(500, 5_000, 1);
    assert!(placed >= 4_900, "placed {placed}");
    assert_eq!(sched_omega::scale(500, 5_000, 1), placed, "deterministic");
}

#[test]
fn actions_round_trip_and_bad_ones_are_refused_with_a_reason() {
    for a in LAB.timed.expect("timed").examples {
        let action = OmegaAction::decode(a).expect("decodes");
        assert_eq!(&action.encode(), a);
    }
    assert_eq!(
        OmegaAction::decode("mode:commit=gang"),
        Ok(OmegaAction::Mode(Commit::Gang))
    );
    assert_eq!(
        OmegaAction::decode("fit:kind=worst"),
        Ok(OmegaAction::Fit(Fit::Worst))
    );
    for bad in [
        "job:tasks=0,cpu=100,mem=100,gang=0",
        "job:tasks=5",
        "job:tasks=1,cpu=99999,mem=1,gang=0",
        "job:tasks=1,cpu=1,mem=1,gang=2",
        "job:tasks=1.5,cpu=1,mem=1,gang=0",
        "mode:commit=maybe",
        "detect:kind=",
        "rate:jobs=-1",
        "rate:jobs=51",
        "fit:kind=first",
        "job:tasks=1,cpu=1,mem=1,gang=0,x=1",
        "nope",
        "",
    ] {
        match OmegaAction::decode(bad) {
            Err(ActionError::BadArgument { reason, .. }) => assert!(!reason.is_empty(), "{bad}"),
            Err(ActionError::Malformed(_)) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }
    // A bad mode in the parameters is refused, not defaulted.
    let mut p = LAB.defaults();
    assert!(p.set_text("commit", "sometimes").is_err() || session(&p, 1).is_err());
    let mut p = LAB.defaults();
    p.texts[1] = "medium".into();
    let e = session(&p, 1).err().expect("refused");
    assert!(e.contains("detect"), "{e}");
}

#[test]
fn calc_prints_the_counters_the_batch_sweeps() {
    let args: Vec<String> = [
        "--schedulers",
        "4",
        "--rate",
        "5",
        "--detect",
        "coarse",
        "--until",
        "30s",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = distlab_engine::labs::scene::calc(&LAB, &args).expect("runs");
    let stats = &out["stats"];
    for key in [
        "omega.conflict_pct",
        "omega.retries",
        "omega.busy_pct",
        "omega.txns",
        "omega.overcommitted",
    ] {
        assert!(stats[key].is_number(), "{key}: {out}");
    }
    assert_eq!(stats["omega.overcommitted"], 0.0);
    assert!(distlab_engine::labs::scene::calc(&LAB, &["--commit".into(), "x".into()]).is_err());
}
