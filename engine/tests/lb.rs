//! The load-balancing lab (`lb`): the notes' worked example step by step, each preset shows
//! its lesson, the invariants hold under hundreds of random schedules of the lab's controls,
//! runs are deterministic and replay from their share link, bad input is refused.

mod common;

use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs::availability::lb::{self, Algo, Lane, LbModel, SECOND};
use distlab_engine::labs::{self, LabDef};
use distlab_engine::sim::{ActionError, ModelSession, TimeModel};
use distlab_engine::Time;

fn lab() -> &'static LabDef {
    labs::find("lb").expect("lb is in the registry")
}

/// The lab's session for a query (`lab=lb&…`), with its preset planned.
fn session(q: &str) -> ModelSession<LbModel> {
    let (cfg, errors) = RunConfig::parse(&split_query(&format!("lab=lb&{q}")));
    assert!(errors.iter().all(|e| e.is_warning()), "{q}: {errors:?}");
    let mut s = lb::session(&cfg.params, cfg.seed).expect("builds");
    if let Some(info) = cfg.scenario.and_then(|id| lab().scenario(id)) {
        s.plan(info).expect("plans");
    }
    s
}

/// Runs to `t` seconds and checks the invariants there.
fn run_to(s: &mut ModelSession<LbModel>, t: f64) {
    s.run_until((t * SECOND as f64) as Time);
    if let Err(e) = s.model().check() {
        panic!("at {t} s: {e}");
    }
}

fn lane(s: &ModelSession<LbModel>, a: Algo) -> &Lane {
    s.model().lane(a).expect("the run has this balancer")
}

/// The counter `lb_<algo>_<what>` now.
fn stat(s: &ModelSession<LbModel>, a: Algo, what: &str) -> f64 {
    let key = format!("lb_{}_{what}", a.name());
    s.model()
        .scene()
        .stats
        .iter()
        .find(|st| st.key == key)
        .map(|st| st.value)
        .unwrap_or_else(|| panic!("no stat {key}"))
}

fn picks(l: &Lane) -> Vec<usize> {
    l.recent.iter().map(|&s| usize::from(s) + 1).collect()
}

#[test]
fn the_notes_worked_example_smooth_weighted_round_robin_4_1_1() {
    let mut s = session("scenario=lb-notes");
    let v = |x: [i64; 3]| x.map(Some).to_vec();
    // (current weights after adding the effective weights, server picked, after − total)
    let want = [
        ([4, 1, 1], 1, [-2, 1, 1]),
        ([2, 2, 2], 1, [-4, 2, 2]),
        ([0, 3, 3], 2, [0, -3, 3]),
        ([4, -2, 4], 1, [-2, -2, 4]),
        ([2, -1, 5], 3, [2, -1, -1]),
        ([6, 0, 0], 1, [0, 0, 0]),
    ];
    for (i, (added, chosen, after)) in want.iter().enumerate() {
        run_to(&mut s, i as f64 + 1.5);
        let step = lane(&s, Algo::Smooth)
            .bal
            .steps
            .back()
            .expect("a pick")
            .clone();
        assert_eq!(step.n, i as u64 + 1);
        assert_eq!(step.effective, v([4, 1, 1]), "pick {}", i + 1);
        assert_eq!(step.total, 6);
        assert_eq!(step.added, v(*added), "pick {}", i + 1);
        assert_eq!(step.chosen + 1, *chosen, "pick {}", i + 1);
        assert_eq!(step.after, v(*after), "pick {}", i + 1);
    }
    run_to(&mut s, 13.0);
    assert_eq!(
        picks(lane(&s, Algo::Smooth)),
        [1, 1, 2, 1, 3, 1, 1, 1, 2, 1, 3, 1]
    );
    assert_eq!(
        picks(lane(&s, Algo::Weighted)),
        [1, 1, 1, 1, 2, 3, 1, 1, 1, 1, 2, 3]
    );
    assert_eq!(
        picks(lane(&s, Algo::Rr)),
        [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]
    );
    // The step table is in the scene, newest first.
    let scene = s.model().scene();
    let steps = scene
        .panels
        .iter()
        .find_map(|p| match p {
            labs::Panel::Table { title, rows, .. } if *title == "lb.smooth.steps" => Some(rows),
            _ => None,
        })
        .expect("the smooth table");
    assert_eq!(steps.len(), 12);
    assert_eq!(steps[11][2], "{4, 1, 1}");
    assert_eq!(steps[11][5], "{-2, 1, 1}");
    assert_eq!(steps[10][2], "{2, 2, 2}");
}

#[test]
fn naive_weighted_sends_a_burst_to_one_server_smooth_interleaves() {
    let mut s = session("scenario=lb-naive-burst");
    run_to(&mut s, 12.0);
    assert_eq!(stat(&s, Algo::Weighted, "longest_run"), 4.0);
    assert_eq!(stat(&s, Algo::Weighted, "peak_queue"), 4.0);
    assert_eq!(stat(&s, Algo::Smooth, "longest_run"), 1.0);
    assert_eq!(stat(&s, Algo::Smooth, "peak_queue"), 2.0);
    assert_eq!(
        // The last 18 of 24 picks: from the 7th; one period of 9 from the 10th.
        &picks(lane(&s, Algo::Smooth))[3..12],
        [1, 2, 1, 2, 3, 1, 2, 1, 2]
    );
    assert_eq!(
        &picks(lane(&s, Algo::Weighted))[3..12],
        [1, 1, 1, 1, 2, 2, 2, 2, 3]
    );
    let (w, sm) = (
        stat(&s, Algo::Weighted, "latency"),
        stat(&s, Algo::Smooth, "latency"),
    );
    assert!(sm < 0.9 * w, "mean response: smooth {sm} ms, naive {w} ms");
}

#[test]
fn a_failing_server_loses_effective_weight_under_smooth_and_regains_it() {
    let mut s = session("scenario=lb-failing-server");
    run_to(&mut s, 9.9);
    for a in Algo::ALL {
        assert_eq!(stat(&s, a, "failed"), 0.0, "{a:?} before the failure");
    }
    let before = lane(&s, Algo::Smooth).routed_to[0];
    let routed = lane(&s, Algo::Smooth).counts.routed;
    let mut lowest = i64::MAX;
    let mut t = 10.0;
    while t < 29.9 {
        t += 0.1;
        run_to(&mut s, t);
        lowest = lowest.min(lane(&s, Algo::Smooth).bal.effective[0]);
    }
    assert_eq!(lowest, 0, "each failure drops s1's effective weight to 0");
    let sm = lane(&s, Algo::Smooth);
    let share = (sm.routed_to[0] - before) as f64 / (sm.counts.routed - routed) as f64;
    assert!(
        (0.2..0.45).contains(&share),
        "smooth sends s1 {share:.2} of the outage's requests (4/6 before)"
    );
    let (w, r, m) = (
        stat(&s, Algo::Weighted, "failed"),
        stat(&s, Algo::Rr, "failed"),
        stat(&s, Algo::Smooth, "failed"),
    );
    assert!(m < 0.6 * w, "failed: smooth {m}, naive weighted {w}");
    assert!(r > 30.0 && w > 70.0, "failed: rr {r}, naive weighted {w}");
    // Restored at 30 s: a few picks later the effective weight is back to 4 and nothing
    // fails any more.
    run_to(&mut s, 33.0);
    assert_eq!(lane(&s, Algo::Smooth).bal.effective[0], 4);
    let failed = stat(&s, Algo::Smooth, "failed");
    run_to(&mut s, 40.0);
    assert_eq!(stat(&s, Algo::Smooth, "failed"), failed);
}

#[test]
fn uneven_costs_defeat_round_robin_not_random() {
    let mut s = session("scenario=lb-uneven-costs");
    run_to(&mut s, 60.0);
    let rr = lane(&s, Algo::Rr);
    let (lo, hi) = (
        rr.routed_to.iter().min().copied().unwrap_or(0),
        rr.routed_to.iter().max().copied().unwrap_or(0),
    );
    assert!(
        hi - lo <= 1,
        "round robin counts are even: {:?}",
        rr.routed_to
    );
    assert_eq!(rr.queues[2].len(), 20, "s3 has every heavy request: full");
    assert!(rr.queues[2].iter().all(|r| r.cost == 10));
    assert!(rr.queues[0].len() + rr.queues[1].len() <= 2);
    for a in [Algo::Rr, Algo::Weighted, Algo::Smooth] {
        assert!(stat(&s, a, "failed") > 5.0, "{a:?} fails requests");
    }
    for a in [Algo::Random, Algo::Hash, Algo::Chash] {
        assert_eq!(stat(&s, a, "failed"), 0.0, "{a:?} keeps up");
    }
    let (r, x) = (
        stat(&s, Algo::Rr, "latency"),
        stat(&s, Algo::Random, "latency"),
    );
    assert!(r > 2.0 * x, "mean response: rr {r} ms, random {x} ms");
}

#[test]
fn removing_a_server_remaps_most_clients_under_hash_few_under_consistent_hash() {
    let mut s = session("scenario=lb-hash-removal");
    run_to(&mut s, 9.9);
    let owners = |s: &ModelSession<LbModel>, a: Algo| -> Vec<Option<usize>> {
        let m = s.model();
        (0..100)
            .map(|c| m.lane(a).unwrap().bal.owner(&m.hw, c))
            .collect()
    };
    let chash_before = owners(&s, Algo::Chash);
    let on_s2 = chash_before.iter().filter(|o| **o == Some(1)).count() as f64;
    run_to(&mut s, 20.0);
    let (h, c) = (
        stat(&s, Algo::Hash, "remapped"),
        stat(&s, Algo::Chash, "remapped"),
    );
    assert!(h >= 60.0, "hash moves {h} of 100 clients");
    assert!(stat(&s, Algo::Hash, "needless") >= 50.0);
    assert_eq!(c, on_s2, "consistent hashing moves exactly s2's clients");
    assert!((1.0..=20.0).contains(&c), "consistent hash moves {c}");
    assert_eq!(stat(&s, Algo::Chash, "needless"), 0.0);
    // Clients keep their server between changes: hash balancers have affinity, round robin
    // and random do not.
    assert!(stat(&s, Algo::Chash, "affinity") > 90.0);
    assert!(stat(&s, Algo::Rr, "affinity") < 40.0);
    run_to(&mut s, 40.0);
    assert_eq!(stat(&s, Algo::Chash, "remapped"), on_s2, "and back again");
    assert_eq!(owners(&s, Algo::Chash), chash_before);
    assert_eq!(stat(&s, Algo::Chash, "needless"), 0.0);
    assert!(stat(&s, Algo::Hash, "remapped") >= 60.0);
}

#[test]
fn by_default_the_balancers_that_ignore_weights_overload_the_small_servers() {
    // Weights {4,1,1} are also the capacities; the stream uses two thirds of them.
    let mut s = session("");
    run_to(&mut s, 60.0);
    for a in [Algo::Rr, Algo::Random, Algo::Hash] {
        assert!(stat(&s, a, "failed") > 50.0, "{a:?} overloads s2 and s3");
    }
    for a in [Algo::Weighted, Algo::Smooth, Algo::Chash] {
        assert_eq!(stat(&s, a, "failed"), 0.0, "{a:?} keeps up");
    }
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
fn random_action(x: &mut Xs, servers: u64) -> String {
    let s = 1 + x.below(servers);
    match x.below(9) {
        0 => format!("fail:server={s}"),
        1 | 2 => format!("restore:server={s}"),
        3 => format!("remove:server={s}"),
        4 => format!("slow:server={s},pct={}", 1 + x.below(100)),
        5 => format!("weight:server={s},w={}", 1 + x.below(10)),
        6 => format!("burst:requests={}", 1 + x.below(60)),
        7 => format!(
            "costs:pattern={},every={},heavy={}",
            ["even", "random", "periodic"][x.below(3) as usize],
            1 + x.below(10),
            1 + x.below(30)
        ),
        _ => format!("rate:per_s={}", x.below(80)),
    }
}

/// How many random schedules the invariant test plays (`LB_SEEDS`, default 300).
fn seeds() -> u64 {
    std::env::var("LB_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

#[test]
fn invariants_hold_under_random_schedules_of_the_controls() {
    // Every request is given a server in every lane or counted failed (no server); every
    // routed one is served by exactly one server, queued on one, or counted failed; a server
    // that is down holds nothing; smooth's current weights sum to 0 after each pick and its
    // effective weights stay within 0…weight; the hash balancers send every client to a
    // member; consistent hashing never moves a client between servers that stayed.
    for seed in 1..=seeds() {
        let mut x = Xs(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let servers = 1 + x.below(8);
        let algos = [
            "rr,weighted,smooth,random,hash,chash",
            "smooth",
            "chash,hash",
            "weighted,random,smooth",
        ][x.below(4) as usize];
        let weights = ["4,1,1", "1", "3,2,5,1", "10,1,1,1,2,2,7,1"][x.below(4) as usize];
        let q = format!(
            "servers={servers}&weights={weights}&algos={algos}&rate={}&capacity={}&queue={}&clients={}&seed={seed}",
            x.below(60),
            1 + x.below(10),
            1 + x.below(30),
            1 + x.below(200),
        );
        let mut s = session(&q);
        let mut t = 0.0;
        for _ in 0..10 {
            t += (x.below(3_000) as f64) / 1000.0;
            run_to(&mut s, t);
            let a = random_action(&mut x, servers);
            s.act(LbModel::decode(&a).unwrap_or_else(|e| panic!("{q}: {a}: {e}")))
                .unwrap_or_else(|e| panic!("{q}: {a}: {e}"));
            if let Err(e) = s.model().check() {
                panic!("{q}: after {a} at {t} s: {e}");
            }
            if let Some(l) = s.model().lane(Algo::Chash) {
                assert_eq!(l.counts.needless, 0, "{q}: after {a}");
            }
        }
        run_to(&mut s, t + 5.0);
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
            run_to(&mut s, f64::from(i) * 2.0);
            s.act(LbModel::decode(&random_action(&mut x, 3)).unwrap())
                .unwrap();
        }
        run_to(&mut s, 25.0);
        s
    };
    common::assert_replays_from_share_link("lb", run, 25 * SECOND);
}

#[test]
fn bad_actions_and_parameters_are_refused_with_a_reason() {
    for bad in [
        "fail:server=0",
        "fail:server=13",
        "fail:server=x",
        "fail",
        "slow:server=1,pct=0",
        "slow:server=1,pct=101",
        "slow:server=1",
        "weight:server=1,w=11",
        "weight:server=1,w=1.5",
        "burst:requests=0",
        "burst:requests=1e9",
        "costs:pattern=sometimes,every=3,heavy=10",
        "costs:pattern=random,every=0,heavy=10",
        "rate:per_s=-1",
        "reboot:server=1",
        "",
    ] {
        match LbModel::decode(bad) {
            Err(ActionError::BadArgument { reason, .. }) => assert!(!reason.is_empty(), "{bad}"),
            Err(ActionError::Malformed(_)) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }
    // A server the run does not have: refused, nothing changes.
    let mut s = session("servers=3");
    run_to(&mut s, 3.0);
    let h = s.state_hash();
    for a in ["fail:server=4", "remove:server=12", "weight:server=5,w=2"] {
        let e = s.act(LbModel::decode(a).unwrap()).unwrap_err();
        assert!(
            matches!(&e, ActionError::BadArgument { reason, .. } if reason.contains("1…3")),
            "{a}: {e:?}"
        );
    }
    assert_eq!(s.state_hash(), h);
    assert!(s.log().is_empty());
    // Bad lists are refused at input and replaced by the default.
    for (key, v, default) in [
        ("weights", "4,0,1", "4,1,1"),
        ("weights", "a,b", "4,1,1"),
        ("weights", ",", "4,1,1"),
        ("weights", "1,1,1,1,1,1,1,1,1,1,1,1,1", "4,1,1"),
        ("algos", "rr,rr", "rr,weighted,smooth,random,hash,chash"),
        ("algos", "leastconn", "rr,weighted,smooth,random,hash,chash"),
    ] {
        let (cfg, errors) = RunConfig::parse(&split_query(&format!("lab=lb&{key}={v}")));
        assert!(!errors.is_empty(), "{key}={v}");
        assert_eq!(cfg.params.text(key), default);
    }
    // Weights beyond `servers` are unused, missing ones are 1.
    let s = session("servers=5&weights=3,2");
    let w: Vec<u32> = s.model().hw.iter().map(|h| h.weight).collect();
    assert_eq!(w, [3, 2, 1, 1, 1]);
    let s = session("servers=2&weights=4,1,1");
    assert_eq!(s.model().hw.len(), 2);
}

#[test]
fn the_broken_variant_that_keeps_the_total_is_caught() {
    let mut s = session("seed=3");
    run_to(&mut s, 2.0);
    let run = |broken: bool| {
        let mut m = s.model().clone();
        for l in m.lanes.iter_mut().filter(|l| l.bal.algo == Algo::Smooth) {
            l.bal.broken_keep_total = broken;
        }
        (1..=40).find_map(|k| {
            m.advance_to(2 * SECOND + k * SECOND / 10);
            m.check().err()
        })
    };
    assert_eq!(run(false), None);
    let caught = run(true).expect("the checker catches the broken pick");
    assert!(caught.contains("current weights sum"), "{caught}");
}
