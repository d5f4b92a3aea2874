//! Bad input never panics: URL parameters, share-link action logs and whatever they make the
//! engine do. Random inputs come from a seeded generator, so a failure is reproducible.

use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs;
use distlab_engine::sim::{Action, LoggedAction};
use distlab_engine::MS;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const ALPHABET: &[char] = &[
    'a',
    'b',
    'c',
    'd',
    'h',
    'k',
    'p',
    'r',
    's',
    'u',
    'x',
    'z',
    'H',
    'P',
    'A',
    'F',
    '0',
    '1',
    '2',
    '3',
    '4',
    '5',
    '7',
    '9',
    '=',
    '&',
    '%',
    '+',
    '-',
    '.',
    '~',
    '_',
    ' ',
    '?',
    '#',
    'e',
    'E',
    'é',
    '你',
    '\u{0}',
    '\u{feff}',
    '\u{1F600}',
];

fn random_string(rng: &mut ChaCha8Rng, max_len: u64) -> String {
    let len = rng.gen_range(0..=max_len);
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len() as u64) as usize])
        .collect()
}

const KEYS: &[&str] = &[
    "lab",
    "seed",
    "nodes",
    "timeout_min",
    "timeout_max",
    "heartbeat",
    "latency_min",
    "latency_max",
    "loss",
    "dup",
    "speed",
    "lang",
    "embed",
    "debug",
    "actions",
    "bogus",
    "",
];

fn random_number(rng: &mut ChaCha8Rng) -> String {
    match rng.gen_range(0..12u32) {
        0 => "NaN".into(),
        1 => "inf".into(),
        2 => "-inf".into(),
        3 => "1e308".into(),
        4 => "-0".into(),
        5 => "18446744073709551615".into(),
        6 => "99999999999999999999999".into(),
        7 => format!("{}", rng.gen_range(-100..200i64)),
        8 => format!("{:.3}", rng.gen_range(-5.0..50.0f64)),
        9 => String::new(),
        10 => " 7 ".into(),
        _ => format!("{}", rng.gen_range(0..20_000u64)),
    }
}

fn random_action(rng: &mut ChaCha8Rng) -> String {
    let node = |rng: &mut ChaCha8Rng| -> String {
        if rng.gen_bool(0.1) {
            random_number(rng)
        } else {
            rng.gen_range(0..12u32).to_string()
        }
    };
    match rng.gen_range(0..14u32) {
        0 => format!("c{}", node(rng)),
        1 => format!("r{}", node(rng)),
        2 => format!("p{}", node(rng)),
        3 => format!("u{}", node(rng)),
        4 => format!("x{}-{}", node(rng), node(rng)),
        5 => format!("h{}-{}", node(rng), node(rng)),
        6 => format!("s{}-{}-{}", node(rng), node(rng), random_number(rng)),
        7 => {
            let n = rng.gen_range(0..10u32);
            let g: Vec<String> = (0..n).map(|_| rng.gen_range(0..3u32).to_string()).collect();
            format!("P{}", g.join("-"))
        }
        8 => "H".into(),
        9 => format!("d{}", rng.gen_range(0..400u32)),
        10 => format!("k{}-timeout", node(rng)),
        11 => format!("k{}-{}", node(rng), random_string(rng, 6)),
        _ => random_string(rng, 8),
    }
}

/// A log that is mostly well-formed: increasing times and event counts, random actions.
fn random_log(rng: &mut ChaCha8Rng) -> String {
    let mut t = 0u64;
    let mut e = 0u64;
    let n = rng.gen_range(0..8u32);
    let mut parts = Vec::new();
    for _ in 0..n {
        t += rng.gen_range(0..400_000u64);
        e += rng.gen_range(0..200u64);
        let entry = if rng.gen_bool(0.1) {
            random_string(rng, 12)
        } else if rng.gen_bool(0.05) {
            format!(
                "{}.{}.{}",
                random_number(rng),
                random_number(rng),
                random_action(rng)
            )
        } else {
            format!("{t}.{e}.{}", random_action(rng))
        };
        parts.push(entry);
    }
    parts.join(if rng.gen_bool(0.9) { "~" } else { "~~" })
}

fn random_query(rng: &mut ChaCha8Rng) -> String {
    if rng.gen_bool(0.2) {
        return random_string(rng, 60);
    }
    let n = rng.gen_range(0..8u32);
    let mut parts = Vec::new();
    for _ in 0..n {
        let key = KEYS[rng.gen_range(0..KEYS.len() as u64) as usize];
        let value = match key {
            "lab" => ["raft", "paxos", "nope", "", "RAFT"][rng.gen_range(0..5u64) as usize].into(),
            "lang" => ["en", "zh-CN", "fr", ""][rng.gen_range(0..4u64) as usize].into(),
            "actions" => random_log(rng),
            _ if rng.gen_bool(0.1) => random_string(rng, 10),
            _ => random_number(rng),
        };
        parts.push(format!("{key}={value}"));
    }
    parts.join("&")
}

/// Exercises a parsed configuration the way the app would: build, run, look, act, scrub.
fn exercise(cfg: &RunConfig, rng: &mut ChaCha8Rng) {
    let (mut s, _err) = labs::create(cfg);
    s.run_until(rng.gen_range(0..600u64) * MS);
    let v = s.view();
    assert_eq!(v.nodes.len(), s.n());
    let _ = s.summary();
    let _ = s.act(Action::Crash {
        node: rng.gen_range(0..20u64) as usize,
    });
    if let Some(m) = v.messages.first() {
        let _ = s.act(Action::Drop { msg: m.id });
        let _ = s.message(m.id);
    }
    s.run_until(s.now() + 300 * MS);
    s.seek(s.now() / 2);
    let _ = cfg.share_query(s.actions());
}

#[test]
fn random_queries_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let mut with_errors = 0;
    let mut clean = 0;
    for i in 0..10_000 {
        let q = random_query(&mut rng);
        let (cfg, errors) = RunConfig::parse(&split_query(&q));
        // Every error renders to a message.
        for e in &errors {
            assert!(!e.to_string().is_empty());
        }
        if errors.is_empty() {
            clean += 1;
        } else {
            with_errors += 1;
        }
        // Whatever came in, the result is within the declared ranges.
        for (spec, v) in cfg.params.specs.iter().zip(&cfg.params.values) {
            assert!(
                v.is_finite() && *v >= spec.min && *v <= spec.max,
                "{q:?}: {} = {v}",
                spec.key
            );
        }
        assert!(cfg.params.get("latency_min") <= cfg.params.get("latency_max"));
        assert!(cfg.params.get("timeout_min") <= cfg.params.get("timeout_max"));
        assert!((0.1..=100.0).contains(&cfg.speed));
        // A share link of the parsed config reads back to the same config.
        let (mut again, errs) = RunConfig::parse(&split_query(&cfg.share_query(&cfg.actions)));
        assert!(errs.is_empty(), "{q:?} -> {errs:?}");
        // `debug` is a local developer switch that share links leave out on purpose.
        again.debug = cfg.debug;
        assert_eq!(again, cfg, "{q:?}");
        if i % 2 == 0 {
            exercise(&cfg, &mut rng);
        }
    }
    assert!(with_errors > 1_000 && clean > 500, "{with_errors} {clean}");
}

#[test]
fn random_action_logs_never_panic_and_round_trip() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut ok = 0;
    for _ in 0..10_000 {
        let s = if rng.gen_bool(0.3) {
            random_string(&mut rng, 40)
        } else {
            random_log(&mut rng)
        };
        if let Ok(log) = LoggedAction::decode_log(&s) {
            ok += 1;
            let encoded = LoggedAction::encode_log(&log);
            assert_eq!(LoggedAction::decode_log(&encoded), Ok(log), "{s:?}");
        }
    }
    assert!(ok > 2_000, "only {ok} logs parsed");
}

#[test]
fn extreme_but_well_formed_actions_do_not_panic() {
    let max = u64::MAX;
    for log in [
        format!("0.0.s0-1-{max}"),
        format!("10.0.s0-1-{}", max / 2),
        format!("{max}.0.c1"),
        format!("0.{max}.c1"),
        format!("5.5.d{max}"),
        "0.0.P0-1-2-3-4~0.0.H~0.0.p1~0.0.u1~0.0.c0~0.0.r0".into(),
        "0.0.P4294967295-0-0-0-0".into(),
        "1.1.k0-timeout~1.1.k0-timeout~1.1.k0-timeout".into(),
    ] {
        for q in [
            format!("lab=raft&actions={log}"),
            format!("lab=raft&latency_max=10000&timeout_min=10000&actions={log}"),
            format!("lab=raft&nodes=15&latency_min=0&latency_max=0&heartbeat=5&actions={log}"),
        ] {
            let (cfg, _) = RunConfig::parse(&split_query(&q));
            let (mut s, _) = labs::create(&cfg);
            s.run_until(2_000 * MS);
            for _ in 0..100 {
                s.step();
            }
            s.seek(1_000 * MS);
            s.run_until(3_000 * MS);
            let _ = s.view();
        }
    }
}

/// A plotted lab has no network simulation: asked for one anyway, `labs::create` says so and
/// gives a Raft with Raft's own defaults that runs normally (it once built a Raft from the
/// plotted lab's parameters, with zero timeouts, that never left time 0).
#[test]
fn creating_a_plotted_lab_session_says_so_and_still_runs() {
    for lab in labs::plot_params::PLOTTED_LABS {
        let (cfg, errors) = RunConfig::parse(&split_query(&format!("lab={lab}&seed=3")));
        assert!(errors.is_empty(), "{lab}: {errors:?}");
        let (mut s, err) = labs::create(&cfg);
        assert!(
            matches!(
                err,
                Some(distlab_engine::input::InputError::LabNotReady { .. })
            ),
            "{lab}: {err:?}"
        );
        s.run_until(2_000 * MS);
        assert_eq!(s.now(), 2_000 * MS, "{lab}");
        assert_eq!(s.lab(), "raft");
    }
}

/// A free run in the app starts with the lab's demo values where the URL sets none (Raft: a
/// trickle of client writes); a preset, a shared run or an explicit value keeps its own.
#[test]
fn free_runs_start_with_the_labs_demo_values() {
    use distlab_engine::input::{split_query, RunConfig};
    let demo = |q: &str| {
        let pairs = split_query(q);
        let (mut cfg, _) = RunConfig::parse(&pairs);
        let set = cfg.apply_demo(&pairs);
        (cfg.params.get("clients"), set)
    };
    assert_eq!(demo("lab=raft"), (2.0, vec!["clients=2".to_string()]));
    assert_eq!(demo("lab=raft&clients=0"), (0.0, vec![]));
    assert_eq!(demo("lab=raft&scenario=split-vote"), (0.0, vec![]));
    assert_eq!(
        demo("lab=raft&actions=100.3.c1&v=3").1,
        Vec::<String>::new()
    );
    // The runner's and the tests' defaults are unchanged.
    let (cfg, _) = RunConfig::parse(&split_query("lab=raft"));
    assert_eq!(cfg.params.get("clients"), 0.0);
}

/// A truncated share link replays the actions it still has and says where it stopped; a
/// garbage action log is refused without claiming to come from another engine version.
#[test]
fn a_truncated_action_log_keeps_its_valid_prefix() {
    use distlab_engine::input::{split_query, InputError, RunConfig};
    let (cfg, errors) = RunConfig::parse(&split_query(&format!(
        "lab=raft&actions=100.3.c1~200.9.r1~300.1&v={}",
        distlab_engine::ENGINE_VERSION
    )));
    assert_eq!(cfg.actions.len(), 2);
    assert!(
        matches!(&errors[..], [InputError::PartialActions { kept: 2, .. }]),
        "{errors:?}"
    );
    let (cfg, errors) = RunConfig::parse(&split_query("lab=raft&actions=zz~qq"));
    assert!(cfg.actions.is_empty());
    assert!(
        matches!(&errors[..], [InputError::BadActions { .. }]),
        "garbage is refused and claims no engine version: {errors:?}"
    );
}
