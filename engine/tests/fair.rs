//! Fair allocation: the notes' max-min and DRF examples, properties on random inputs, users
//! joining and leaving, and the `distlab calc mmf|drf` commands.

mod common;

use distlab_engine::labs::scheduling::fair::{
    asset_fair, drf, max_min_fair, per_resource_max_min, user_name, Drf, DrfEventKind, FairError,
    Policy,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The notes: 100 shared by A 35, B 10, C 25, D 45 → B 10, C 25, A 32.5, D 32.5, in two
/// rounds: 25 each (B takes only 10, C exactly 25), then the 15 left as 7.5 to A and to D.
#[test]
fn notes_max_min_example() {
    let r = max_min_fair(100.0, &[35.0, 10.0, 25.0, 45.0], &[]).unwrap();
    assert_eq!(r.allocation, [32.5, 10.0, 25.0, 32.5]);
    assert_eq!(r.order, [1, 2, 0, 3], "B, C, A, D by demand");
    assert_eq!(r.steps.len(), 2);
    let (s1, s2) = (&r.steps[0], &r.steps[1]);
    assert_eq!((s1.available, s1.share), (100.0, 25.0));
    assert_eq!(s1.given, [25.0, 10.0, 25.0, 25.0]);
    assert_eq!(s1.satisfied, [1, 2]);
    assert_eq!((s2.available, s2.share), (15.0, 7.5));
    assert_eq!(s2.active, [0, 3]);
    assert_eq!(s2.given, [7.5, 0.0, 0.0, 7.5]);
    assert!(s2.satisfied.is_empty());
    assert_eq!(r.unallocated, 0.0);
    // What each user still needs after the rounds, as the notes list it: (0, 0, 2.5, 12.5).
    let still: Vec<f64> = [1, 2, 0, 3]
        .iter()
        .map(|&i| r.demands[i] - r.allocation[i])
        .collect();
    assert_eq!(still, [0.0, 0.0, 2.5, 12.5]);
}

#[test]
fn weighted_max_min_shares_by_weight() {
    let r = max_min_fair(100.0, &[100.0, 100.0, 10.0], &[1.0, 3.0, 1.0]).unwrap();
    assert_eq!(r.allocation, [22.5, 67.5, 10.0]);
    let r = max_min_fair(60.0, &[10.0, 20.0], &[]).unwrap();
    assert_eq!(
        (r.allocation.clone(), r.unallocated),
        (vec![10.0, 20.0], 30.0)
    );
}

/// Random inputs: never more than capacity or demand; capacity is left only when everyone is
/// satisfied; and every unsatisfied user has the largest allocation per weight.
#[test]
fn max_min_properties_on_random_inputs() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..500 {
        let n = rng.gen_range(1..=8u32) as usize;
        let capacity = rng.gen_range(0..=200u32) as f64;
        let demands: Vec<f64> = (0..n).map(|_| rng.gen_range(0..=100u32) as f64).collect();
        let weights: Vec<f64> = (0..n).map(|_| rng.gen_range(1..=4u32) as f64).collect();
        let r = max_min_fair(capacity, &demands, &weights).unwrap();
        let total: f64 = r.allocation.iter().sum();
        assert!(total <= capacity + 1e-9);
        let unsatisfied: Vec<usize> = (0..n)
            .filter(|&i| r.allocation[i] < demands[i] - 1e-9)
            .collect();
        for (a, d) in r.allocation.iter().zip(&demands) {
            assert!(a <= &(d + 1e-9));
        }
        if !unsatisfied.is_empty() {
            assert!((total - capacity).abs() < 1e-9, "capacity left over: {r:?}");
        }
        for &u in &unsatisfied {
            for j in 0..n {
                assert!(
                    r.allocation[u] / weights[u] >= r.allocation[j] / weights[j] - 1e-9,
                    "{r:?}"
                );
            }
        }
    }
}

/// The notes: 18 CPUs and 36 GB; A's tasks need ⟨2 CPU, 8 GB⟩ (2/18 of the CPUs and 8/36 of
/// the memory, so memory is A's dominant resource), B's ⟨6 CPU, 2 GB⟩ (6/18 and 2/36: CPU).
/// The notes stop at "equalise the dominant shares"; progressive filling gives A 3 tasks
/// ⟨6 CPU, 24 GB⟩ and B 2 tasks ⟨12 CPU, 4 GB⟩, both at a dominant share of 2/3, with all
/// 18 CPUs in use and neither able to launch another task.
#[test]
fn notes_drf_example() {
    let r = drf(&[18.0, 36.0], &[vec![2.0, 8.0], vec![6.0, 2.0]], &[]).unwrap();
    let (a, b) = (&r.users[0], &r.users[1]);
    assert_eq!((a.dominant_resource, b.dominant_resource), (1, 0));
    assert_eq!((a.tasks, b.tasks), (3, 2));
    assert_eq!(a.allocation, [6.0, 24.0]);
    assert_eq!(b.allocation, [12.0, 4.0]);
    assert!((a.dominant_share - 2.0 / 3.0).abs() < 1e-12);
    assert!((b.dominant_share - 2.0 / 3.0).abs() < 1e-12);
    assert_eq!(r.used, [18.0, 28.0]);
    assert!(r.saturated && !r.truncated);
    let launches: Vec<u32> = r
        .steps
        .iter()
        .filter(|s| s.kind == DrfEventKind::Launch)
        .map(|s| s.user)
        .collect();
    assert_eq!(launches, [0, 1, 0, 1, 0], "A, B, A, B, A");
    let shares: Vec<f64> = r
        .steps
        .iter()
        .filter(|s| s.kind == DrfEventKind::Launch)
        .map(|s| s.dominant_share)
        .collect();
    let want = [2.0 / 9.0, 1.0 / 3.0, 4.0 / 9.0, 2.0 / 3.0, 2.0 / 3.0];
    for (got, want) in shares.iter().zip(want) {
        assert!((got - want).abs() < 1e-12, "{shares:?}");
    }
}

/// Beside DRF on the same inputs: asset fairness happens to land on the same tasks here;
/// per-resource max-min gives each user half of each resource as it can use it
/// (A: 8 CPU, 28 GB; B: 10 CPU, 6 GB after max-min) and so runs A 3 and B only 1 task.
#[test]
fn notes_example_under_asset_fairness_and_per_resource_max_min() {
    let demands = [vec![2.0, 8.0], vec![6.0, 2.0]];
    let asset = asset_fair(&[18.0, 36.0], &demands, &[]).unwrap();
    assert_eq!(asset.policy, Policy::Asset);
    assert_eq!((asset.users[0].tasks, asset.users[1].tasks), (3, 2));
    let per = per_resource_max_min(&[18.0, 36.0], &demands, &[]).unwrap();
    assert_eq!(per.users[0].entitlement, [8.0, 30.0]);
    assert_eq!(per.users[1].entitlement, [10.0, 6.0]);
    assert_eq!((per.users[0].tasks, per.users[1].tasks), (3, 1));
    assert_eq!(per.used, [12.0, 26.0]);
    assert_eq!(per.idle, [6.0, 10.0]);
}

#[test]
fn weighted_drf_gives_more_to_heavier_users() {
    let demands = [vec![1.0, 1.0], vec![1.0, 1.0]];
    let r = drf(&[30.0, 30.0], &demands, &[2.0, 1.0]).unwrap();
    assert_eq!((r.users[0].tasks, r.users[1].tasks), (20, 10));
}

fn assert_within_capacity_and_saturated(d: &Drf) {
    let cap = d.capacity();
    let mut used = vec![0.0; cap.len()];
    for u in d.users().iter().filter(|u| u.active) {
        for (r, x) in u.demand.iter().enumerate() {
            used[r] += x * u.tasks as f64;
        }
    }
    for r in 0..cap.len() {
        assert!(used[r] <= cap[r] + 1e-9, "resource {r}: {used:?} > {cap:?}");
        assert!(
            (used[r] - d.used()[r]).abs() < 1e-6,
            "{used:?} vs {:?}",
            d.used()
        );
    }
    // Non-wasteful: no active user can launch one more task within capacity.
    for u in d.users().iter().filter(|u| u.active) {
        let fits = (0..cap.len()).all(|r| used[r] + u.demand[r] <= cap[r] + 1e-9);
        assert!(!fits, "user {} could still launch a task", u.name);
    }
}

/// Random resources, users and demands, with users joining, leaving and changing demands
/// between fills: DRF never exceeds capacity and always ends with no room for another task.
#[test]
fn drf_never_exceeds_capacity_and_wastes_nothing() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for _ in 0..300 {
        let resources = rng.gen_range(1..=4u32) as usize;
        let capacity: Vec<f64> = (0..resources)
            .map(|_| rng.gen_range(1..=64u32) as f64)
            .collect();
        let demand = |rng: &mut ChaCha8Rng| -> Vec<f64> {
            loop {
                let d: Vec<f64> = (0..resources)
                    .map(|_| rng.gen_range(0..=8u32) as f64 / 2.0)
                    .collect();
                if d.iter().any(|&x| x > 0.0) {
                    return d;
                }
            }
        };
        let policy = if rng.gen_bool(0.5) {
            Policy::Drf
        } else {
            Policy::Asset
        };
        let mut d = Drf::new(policy, &capacity).unwrap();
        for _ in 0..rng.gen_range(1..=6u32) {
            let dem = demand(&mut rng);
            d.add_user(&dem, rng.gen_range(1..=3u32) as f64).unwrap();
        }
        d.fill();
        assert_within_capacity_and_saturated(&d);
        for _ in 0..4 {
            let active: Vec<u32> = d
                .users()
                .iter()
                .filter(|u| u.active)
                .map(|u| u.id)
                .collect();
            match rng.gen_range(0..3u32) {
                0 => {
                    let dem = demand(&mut rng);
                    d.add_user(&dem, 1.0).unwrap();
                }
                1 if active.len() > 1 => {
                    let who = active[rng.gen_range(0..active.len() as u32) as usize];
                    d.remove_user(who).unwrap();
                }
                _ => {
                    let who = active[rng.gen_range(0..active.len() as u32) as usize];
                    let dem = demand(&mut rng);
                    d.set_demand(who, &dem).unwrap();
                }
            }
            d.fill();
            assert_within_capacity_and_saturated(&d);
        }
    }
}

/// Leaving frees resources for the others; a newcomer gets only what is free (no
/// preemption of running tasks).
#[test]
fn users_join_and_leave() {
    let mut d = Drf::new(Policy::Drf, &[18.0, 36.0]).unwrap();
    let a = d.add_user(&[2.0, 8.0], 1.0).unwrap();
    let b = d.add_user(&[6.0, 2.0], 1.0).unwrap();
    d.fill();
    d.remove_user(b).unwrap();
    d.fill();
    assert_eq!(
        d.users()[a as usize].tasks,
        4,
        "A alone: min(18/2, 36/8) = 4 tasks"
    );
    let c = d.add_user(&[6.0, 2.0], 1.0).unwrap();
    d.fill();
    assert_eq!(d.users()[c as usize].tasks, 1);
    assert_eq!(d.used(), [14.0, 34.0]);
    assert_eq!(d.remove_user(b), Err(FairError::NoSuchUser(b)));
    let kinds: Vec<DrfEventKind> = d.steps().iter().map(|s| s.kind).collect();
    assert_eq!(kinds[..2], [DrfEventKind::Join, DrfEventKind::Join]);
    assert!(kinds.contains(&DrfEventKind::Leave));
    let series = d.share_series();
    assert_eq!(series.len(), 3);
    assert!(series.iter().all(|row| row.len() == d.steps().len()));
}

#[test]
fn bad_inputs_are_refused() {
    assert_eq!(max_min_fair(10.0, &[], &[]).err(), Some(FairError::NoUsers));
    assert!(matches!(
        max_min_fair(f64::NAN, &[1.0], &[]),
        Err(FairError::BadCapacity(_))
    ));
    assert!(matches!(
        max_min_fair(10.0, &[-1.0], &[]),
        Err(FairError::BadDemand { user: 0, .. })
    ));
    assert!(matches!(
        drf(&[1.0, 1.0], &[vec![0.0, 0.0]], &[]),
        Err(FairError::EmptyTask { user: 0 })
    ));
    assert!(matches!(
        drf(&[1.0, 1.0], &[vec![1.0]], &[]),
        Err(FairError::WrongLength { .. })
    ));
    assert!(matches!(
        drf(&[1.0], &[vec![1.0]], &[0.0]),
        Err(FairError::BadWeight { .. })
    ));
    assert_eq!(user_name(0), "A");
    assert_eq!(user_name(26), "AA");
}

#[test]
fn calc_mmf_and_drf_print_json() {
    let v = common::calc_json(&["mmf", "--capacity", "100", "--demands", "35,10,25,45"]);
    assert_eq!(v["allocation"], serde_json::json!([32.5, 10.0, 25.0, 32.5]));
    assert_eq!(v["steps"].as_array().unwrap().len(), 2);

    let v = common::calc_json(&["drf", "--capacity", "18,36", "--demands", "2,8/6,2"]);
    assert_eq!(v["drf"]["users"][0]["tasks"], 3);
    assert_eq!(v["drf"]["users"][1]["tasks"], 2);
    assert_eq!(v["per_resource"]["users"][1]["tasks"], 1);
    assert_eq!(v["asset"]["policy"], "asset");
}

#[test]
fn calc_mmf_and_drf_refuse_bad_arguments() {
    for (args, msg) in [
        (&["mmf", "--demands", "1,2"][..], "--capacity` is required"),
        (
            &["mmf", "--capacity", "x", "--demands", "1"],
            "not a number",
        ),
        (
            &["mmf", "--capacity", "10", "--demands", "1,,2"],
            "not a number",
        ),
        (
            &[
                "mmf",
                "--capacity",
                "10",
                "--demands",
                "1,2",
                "--weights",
                "1",
            ],
            "1 weights given",
        ),
        (
            &["drf", "--capacity", "18,36", "--demands", "2,8/6"],
            "demand amounts given",
        ),
        (
            &["drf", "--capacity", "18,-1", "--demands", "2,8"],
            "capacity -1",
        ),
        (&["drf", "--capacity", "18", "--demands", "0"], "needs none"),
    ] {
        common::assert_calc_refuses(args, msg);
    }
}
