//! Rate limiters: the notes' uniform-queueing example, the token bucket's bound on random
//! traffic, each limiter's own limit, the traffic generator, and `distlab calc ratelimit`.

mod common;

use distlab_engine::labs::availability::ratelimit::{
    decide_all, Decision, Limiter, LimiterSpec, RateSim, Traffic, TrafficSpec, SECOND,
};
use distlab_engine::{Time, MS};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn spec(s: &str) -> LimiterSpec {
    LimiterSpec::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn pass_times(arrivals: &[Time], decisions: &[Decision]) -> Vec<Time> {
    let mut t: Vec<Time> = arrivals
        .iter()
        .zip(decisions)
        .filter(|(_, d)| d.passes())
        .map(|(a, d)| a + d.delay())
        .collect();
    t.sort_unstable();
    t
}

/// The notes (Sentinel's uniform queueing): interval T, maximum wait 6T. The last request
/// passed at t1; with 3 requests queued behind it a new request is expected to pass at
/// t1 + 4T, and waits for it; one that would wait more than 6T is rejected.
#[test]
fn notes_uniform_queueing_example() {
    const T: Time = 100 * MS;
    let t1 = 1000 * MS;
    let s = LimiterSpec::Uniform {
        interval: T,
        max_wait: 6 * T,
    };
    let mut l = Limiter::new(&s).unwrap();
    assert_eq!(l.offer(t1, 0), Decision::Admitted, "passes at t1");
    for k in 1..=3 {
        assert_eq!(
            l.offer(t1 + k * MS, 0),
            Decision::Queued {
                delay: t1 + k * T - (t1 + k * MS)
            },
            "queued request {k} passes at t1 + {k}T"
        );
    }
    assert_eq!(l.gauge(t1 + 10 * MS), 3.0, "3 queued");
    let t2 = t1 + 10 * MS;
    assert_eq!(
        l.offer(t2, 0),
        Decision::Queued {
            delay: t1 + 4 * T - t2
        },
        "the new request passes at exactly t1 + 4T"
    );
    // Requests 5 and 6 pass at t1 + 5T and t1 + 6T (waits of at most 6T); the next would
    // wait 7T − 10 ms > 6T and is rejected.
    assert_eq!(l.offer(t2, 0).delay(), t1 + 5 * T - t2);
    assert_eq!(l.offer(t2, 0).delay(), t1 + 6 * T - t2);
    assert_eq!(l.offer(t2, 0), Decision::Rejected);
}

/// Without a queue: t2 − t1 ≥ T passes at once; t2 − t1 < T waits until t1 + T.
#[test]
fn uniform_queueing_without_a_queue() {
    let s = spec("uniform:interval=100ms,wait=600ms");
    let d = decide_all(&s, &[0, 150 * MS, 200 * MS], 0).unwrap();
    assert_eq!(
        d,
        [
            Decision::Admitted,
            Decision::Admitted,
            Decision::Queued { delay: 50 * MS }
        ]
    );
    // rate=10 means the same interval.
    assert_eq!(spec("uniform:rate=10,wait=600ms"), s);
    // No waiting allowed: a request inside the interval is rejected.
    let d = decide_all(&spec("uniform:interval=100ms"), &[0, 50 * MS], 0).unwrap();
    assert_eq!(d, [Decision::Admitted, Decision::Rejected]);
}

/// Random traffic (clusters and gaps), random rates, bursts and waits: in every window of
/// any length t, the passes number at most burst + rate·t. Checked exactly in integers over
/// every pair of passes (the token bucket counts in 10⁻⁹ tokens, rates in thousandths).
#[test]
fn token_bucket_never_exceeds_burst_plus_rate_times_t() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut total_passes = 0;
    for case in 0..300 {
        let rate_milli = rng.gen_range(500..=50_000u64);
        let burst = rng.gen_range(1..=20u32);
        let wait = if rng.gen_bool(0.5) {
            0
        } else {
            rng.gen_range(1..=2000u64) * MS
        };
        let s = spec(&format!(
            "token:rate={},burst={burst},wait={}us",
            rate_milli as f64 / 1000.0,
            wait
        ));
        let mut t: Time = 0;
        let arrivals: Vec<Time> = (0..rng.gen_range(50..=400u32))
            .map(|_| {
                t += match rng.gen_range(0..4u32) {
                    0 => 0,
                    1 => rng.gen_range(0..=2000u64),
                    2 => rng.gen_range(0..=200_000u64),
                    _ => rng.gen_range(0..=3_000_000u64),
                };
                t
            })
            .collect();
        let passes = pass_times(&arrivals, &decide_all(&s, &arrivals, 0).unwrap());
        total_passes += passes.len();
        for i in 0..passes.len() {
            for j in i..passes.len() {
                let count = (j - i + 1) as u128;
                let window = (passes[j] - passes[i]) as u128;
                assert!(
                    count * 1_000_000_000 <= burst as u128 * 1_000_000_000 + rate_milli as u128 * window,
                    "case {case}: {count} passes in {window} µs with rate {rate_milli}/1000 s⁻¹, burst {burst}"
                );
            }
        }
    }
    assert!(total_passes > 10_000, "the property was exercised");
}

/// A full bucket lets a burst through, then exactly the refill rate.
#[test]
fn token_bucket_burst_then_rate() {
    let arrivals: Vec<Time> = (0..200).map(|k| k * 50 * MS).collect();
    let d = decide_all(&spec("token:rate=10,burst=5"), &arrivals, 0).unwrap();
    let admitted = d.iter().filter(|d| d.passes()).count();
    // 5 at once, then one per 100 ms over 9.95 s: 5 + 99.
    assert_eq!(admitted, 104);
    // With a wait, requests queue for the next token instead of failing.
    let d = decide_all(&spec("token:rate=10,burst=1,wait=1s"), &[0, 0, 0], 0).unwrap();
    assert_eq!(
        d,
        [
            Decision::Admitted,
            Decision::Queued { delay: 100 * MS },
            Decision::Queued { delay: 200 * MS }
        ]
    );
}

#[test]
fn leaky_bucket_drains_at_a_fixed_rate_and_holds_at_most_its_capacity() {
    let s = spec("leaky:capacity=4,rate=10");
    let arrivals: Vec<Time> = (0..100).map(|k| k * 20 * MS).collect();
    let mut l = Limiter::new(&s).unwrap();
    let mut passes = Vec::new();
    for &a in &arrivals {
        let d = l.offer(a, 0);
        assert!(l.gauge(a) <= 4.0, "queue over capacity at {a}");
        if d.passes() {
            passes.push(a + d.delay());
        }
    }
    assert!(
        passes.windows(2).all(|w| w[1] - w[0] >= 100 * MS),
        "fixed outflow"
    );
    // 2 s at 10/s out, plus what is still queued.
    assert!((20..=25).contains(&passes.len()), "{}", passes.len());
    // Capacity 0: only a request finding the bucket idle passes.
    let d = decide_all(
        &spec("leaky:capacity=0,rate=10"),
        &[0, 50 * MS, 100 * MS],
        0,
    )
    .unwrap();
    assert_eq!(
        d,
        [Decision::Admitted, Decision::Rejected, Decision::Admitted]
    );
}

/// Every window of `window` after a pass holds at most `limit` passes.
fn max_in_window(passes: &[Time], window: Time) -> usize {
    (0..passes.len())
        .map(|i| {
            passes[i..]
                .iter()
                .take_while(|&&t| t < passes[i] + window)
                .count()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn windows_count_their_limits() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut t = 0;
    let arrivals: Vec<Time> = (0..2000)
        .map(|_| {
            t += rng.gen_range(0..=20_000u64);
            t
        })
        .collect();
    let sliding = spec("sliding:limit=10,window=1s");
    let p = pass_times(&arrivals, &decide_all(&sliding, &arrivals, 0).unwrap());
    assert_eq!(
        max_in_window(&p, SECOND),
        10,
        "sliding: never more than 10 in any 1 s"
    );
    // The fixed window's weakness: up to twice the limit across a boundary.
    let fixed = spec("fixed:limit=10,window=1s");
    let p = pass_times(&arrivals, &decide_all(&fixed, &arrivals, 0).unwrap());
    for k in 0..(t / SECOND + 1) {
        let inside = p.iter().filter(|&&x| x / SECOND == k).count();
        assert!(inside <= 10);
    }
    let edge = [900 * MS, 950 * MS, 1000 * MS, 1050 * MS];
    let d = decide_all(&spec("fixed:limit=2,window=1s"), &edge, 0).unwrap();
    assert!(
        d.iter().all(|d| d.passes()),
        "4 passes within 150 ms across the edge"
    );
}

#[test]
fn thread_limit_caps_requests_in_service() {
    let s = spec("threads:max=3");
    // One request every 10 ms, each in service for 45 ms: at most 3 at once.
    let arrivals: Vec<Time> = (0..100).map(|k| k * 10 * MS).collect();
    let d = decide_all(&s, &arrivals, 45 * MS).unwrap();
    let admitted: Vec<Time> = arrivals
        .iter()
        .zip(&d)
        .filter(|(_, d)| d.passes())
        .map(|(a, _)| *a)
        .collect();
    for &a in &arrivals {
        let busy = admitted
            .iter()
            .filter(|&&s| s <= a && a < s + 45 * MS)
            .count();
        assert!(busy <= 3, "{busy} in service at {a}");
    }
    assert!(d.contains(&Decision::Rejected));
}

#[test]
fn qps_reject_uses_a_one_second_leap_array() {
    let s = spec("qps:count=5");
    let arrivals: Vec<Time> = (0..100).map(|k| k * 30 * MS).collect();
    let d = decide_all(&s, &arrivals, 0).unwrap();
    let p = pass_times(&arrivals, &d);
    // Two 500 ms buckets: at most 5 in the current and previous bucket together.
    for &x in &p {
        let bucket = x / (500 * MS);
        let recent = p
            .iter()
            .filter(|&&y| y <= x && y / (500 * MS) + 1 >= bucket)
            .count();
        assert!(recent <= 5, "{recent} passes counted at {x}");
    }
    assert!(p.len() >= 5 * 3 - 1, "{}", p.len());
}

/// Warm-up starts cold at about count / cold factor and reaches count after the period.
#[test]
fn warm_up_rises_from_cold_to_the_threshold() {
    let s = spec("warmup:count=30,cold=3,period=10s");
    let steady = TrafficSpec::parse("steady:rate=100", 0).unwrap();
    let mut sim = RateSim::new(&s, &steady, 1, 0, SECOND).unwrap();
    sim.run_until(30 * SECOND);
    let per_second: Vec<u64> = sim.series()[1..].iter().map(|x| x.admitted).collect();
    assert!(
        (9..=12).contains(&per_second[0]),
        "first second ≈ 30/3: {per_second:?}"
    );
    assert!(
        per_second.windows(2).take(12).all(|w| w[1] + 1 >= w[0]),
        "{per_second:?}"
    );
    assert!(
        per_second[20..].iter().all(|&x| (29..=31).contains(&x)),
        "warm after the period: {per_second:?}"
    );
    assert_eq!(sim.limiter().gauge(30 * SECOND), 30.0);
}

#[test]
fn traffic_patterns() {
    let count = |s: &str, until: Time| {
        let mut t = Traffic::new(&TrafficSpec::parse(s, until).unwrap(), 9);
        std::iter::from_fn(|| t.next_arrival())
            .take_while(|&a| a < until)
            .count()
    };
    assert_eq!(count("steady:rate=20", 10 * SECOND), 200);
    assert_eq!(count("bursts:size=30,every=2s", 10 * SECOND), 4 * 30);
    assert_eq!(
        count("bursts:base=5,size=30,every=2s", 10 * SECOND),
        50 + 120
    );
    assert_eq!(count("onoff:rate=40,on=1s,off=1s", 10 * SECOND), 5 * 40);
    // A ramp from 0 to 50/s over 10 s carries its area: 250 requests.
    let ramp = count("ramp:from=0,to=50", 10 * SECOND);
    assert!((249..=251).contains(&ramp), "{ramp}");
    assert_eq!(count("ramp:from=10,to=10,over=5s", 10 * SECOND), 100);
    let jitter = count("jitter:rate=50", 10 * SECOND);
    assert!((430..=570).contains(&jitter), "{jitter}");
    // Seeded: the same seed repeats, another differs.
    let arrivals = |seed| {
        let mut t = Traffic::new(&TrafficSpec::parse("jitter:rate=50", 0).unwrap(), seed);
        (0..50)
            .map(|_| t.next_arrival().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(arrivals(1), arrivals(1));
    assert_ne!(arrivals(1), arrivals(2));
}

#[test]
fn the_series_adds_up() {
    let s = spec("token:rate=10,burst=5");
    let traffic = TrafficSpec::parse("bursts:base=5,size=20,every=2s", 0).unwrap();
    let mut sim = RateSim::new(&s, &traffic, 1, 0, 100 * MS).unwrap();
    sim.run_until(5 * SECOND);
    sim.run_until(10 * SECOND);
    let series = sim.series();
    assert_eq!(series.len(), 100, "samples at 0, 100 ms, …, 9.9 s");
    let t = sim.totals();
    assert_eq!(series.iter().map(|x| x.offered).sum::<u64>(), t.offered);
    assert_eq!(series.iter().map(|x| x.rejected).sum::<u64>(), t.rejected);
    assert_eq!(t.offered, t.admitted + t.rejected);
    assert!(series.iter().all(|x| (0.0..=5.0).contains(&x.gauge)));
    assert_eq!(
        series[0].gauge, 4.0,
        "starts full; the request at 0 took a token"
    );
}

#[test]
fn bad_specs_are_refused() {
    for (s, msg) in [
        ("bucket:rate=1", "unknown limiter kind"),
        ("token:rate=0", "not a number in 0.001.."),
        ("token:rate=0.0001", "not a number in 0.001.."),
        ("token:burst=5", "needs rate"),
        ("token:rate=10,colour=red", "not a parameter"),
        ("token:rate=ten", "not a number"),
        ("token:rate", "not key=value"),
        ("fixed:limit=2.5", "whole number"),
        ("uniform:interval=0ms", "above 0"),
        ("uniform:interval=1s,rate=3", "not both"),
        ("warmup:count=1,cold=3,period=1s", "too small"),
    ] {
        let e = LimiterSpec::parse(s).and_then(|l| Limiter::new(&l).map(|_| ()));
        let e = e.expect_err(s).to_string();
        assert!(e.contains(msg), "{s}: {e}");
    }
}

#[test]
fn calc_ratelimit_prints_admitted_rejected_and_delays() {
    let v = common::calc_json(&[
        "ratelimit",
        "--limiter",
        "token:rate=10,burst=5",
        "--traffic",
        "steady:rate=20",
        "--until",
        "10s",
    ]);
    assert_eq!(
        (v["offered"].as_u64(), v["admitted"].as_u64()),
        (Some(200), Some(104))
    );
    assert_eq!(v["rejected"], 96);

    let v = common::calc_json(&[
        "ratelimit",
        "--limiter=uniform:interval=100ms,wait=600ms",
        "--traffic=bursts:size=10,every=2s",
        "--until=3s",
        "--series",
        "--outcomes",
    ]);
    assert_eq!(
        (v["admitted"].as_u64(), v["rejected"].as_u64()),
        (Some(7), Some(3))
    );
    assert_eq!(v["delay_ms"]["max"], 600.0);
    assert_eq!(v["outcomes"].as_array().unwrap().len(), 10);
    assert!(!v["series"].as_array().unwrap().is_empty());
}

#[test]
fn calc_ratelimit_refuses_bad_arguments() {
    for (args, msg) in [
        (
            &["ratelimit", "--traffic", "steady:rate=1"][..],
            "--limiter` is required",
        ),
        (
            &["ratelimit", "--limiter", "token:rate=1"],
            "--traffic` is required",
        ),
        (
            &[
                "ratelimit",
                "--limiter",
                "nope",
                "--traffic",
                "steady:rate=1",
            ],
            "unknown limiter kind",
        ),
        (
            &[
                "ratelimit",
                "--limiter",
                "qps:count=1",
                "--traffic",
                "flood:rate=1",
            ],
            "unknown traffic kind",
        ),
        (
            &[
                "ratelimit",
                "--limiter",
                "qps:count=1",
                "--traffic",
                "steady:rate=1",
                "--until",
                "soon",
            ],
            "not a time",
        ),
        (
            &[
                "ratelimit",
                "--limiter",
                "qps:count=1",
                "--traffic",
                "steady:rate=-4",
            ],
            "not a number",
        ),
        (
            &[
                "ratelimit",
                "--limiter=qps:count=1",
                "--traffic=steady:rate=1",
                "--sample=1us",
            ],
            "at most 100000 samples",
        ),
    ] {
        common::assert_calc_refuses(args, msg);
    }
}
