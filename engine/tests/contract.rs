//! Contract tests over the lab registry: every networked lab gets them without writing them
//! again. Determinism (same seed and actions, same trace hash; other seeds differ), share-link
//! replay of a run with random faults, seeking back and forward, running in chunks, fuzzed
//! parameters, and the runner (valid JSON, exit 2 on bad arguments). Every lab with presets
//! plays each preset without panicking.
//!
//! Model labs on the time-only model session (a [`labs::TimedModel`] in their row) get the
//! same: determinism, share-link replay of random actions, a truncated link's prefix, seeking,
//! chunked runs and their presets.

mod common;

use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::input::InputError;
use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs::{self, LabSession, LABS};
use distlab_engine::sim::ModelRun;
use distlab_engine::{Time, MS};

fn network_labs() -> impl Iterator<Item = &'static labs::LabDef> {
    LABS.iter().filter(|l| l.is_network())
}

fn session(q: &str) -> Box<dyn LabSession> {
    let (cfg, errors) = RunConfig::parse(&split_query(q));
    assert!(errors.iter().all(|e| e.is_warning()), "{q}: {errors:?}");
    let (s, err) = labs::create(&cfg);
    assert!(err.is_none(), "{q}: {err:?}");
    s
}

fn faulty_run(lab: &str, seed: u64, until: Time) -> Box<dyn LabSession> {
    let mut s = session(&format!("lab={lab}&seed={seed}"));
    let spec = FaultSpec::parse("crash=0.5,restart=1,partition=0.3,heal=1,drop=3,pause=0.2")
        .expect("fault spec");
    FaultDriver::new(spec, seed).run(s.as_mut(), until);
    s
}

#[test]
fn same_seed_same_run_other_seeds_differ() {
    for lab in network_labs() {
        let run = |seed: u64| {
            let mut s = session(&format!("lab={}&seed={seed}", lab.id));
            s.run_until(3_000 * MS);
            s.trace_hash()
        };
        assert_eq!(run(5), run(5), "{}", lab.id);
        let distinct: std::collections::BTreeSet<String> = (1..5).map(run).collect();
        assert!(
            distinct.len() > 1,
            "{}: every seed gives the same run",
            lab.id
        );
    }
}

#[test]
fn a_shared_run_with_random_faults_replays_exactly() {
    for lab in network_labs() {
        for seed in 1..4 {
            let s = faulty_run(lab.id, seed, 4_000 * MS);
            let log = distlab_engine::sim::LoggedAction::encode_log(s.actions());
            let mut replay = session(&format!(
                "lab={}&seed={seed}&actions={log}&v={}",
                lab.id,
                distlab_engine::ENGINE_VERSION
            ));
            replay.run_until(4_000 * MS);
            assert_eq!(
                replay.trace_hash(),
                s.trace_hash(),
                "{} seed {seed}",
                lab.id
            );
            assert_eq!(replay.violations(), s.violations(), "{}", lab.id);
        }
    }
}

#[test]
fn seeking_back_and_forward_lands_on_the_same_state() {
    for lab in network_labs() {
        let mut s = faulty_run(lab.id, 9, 6_000 * MS);
        let end = s.trace_hash();
        for t in [1_234 * MS, 0, 4_321 * MS, 6_000 * MS] {
            s.seek(t);
            let mut fresh = session(&format!("lab={}&seed=9", lab.id));
            fresh.load_actions(s.actions().to_vec()).expect("actions");
            fresh.run_until(t);
            assert_eq!(s.trace_hash(), fresh.trace_hash(), "{} at {t}", lab.id);
        }
        assert_eq!(s.trace_hash(), end, "{}", lab.id);
    }
}

#[test]
fn running_in_chunks_equals_one_run() {
    for lab in network_labs() {
        let mut whole = session(&format!("lab={}&seed=4", lab.id));
        whole.run_until(3_000 * MS);
        let mut chunks = session(&format!("lab={}&seed=4", lab.id));
        let mut t = 0;
        while t < 3_000 * MS {
            t = (t + 37 * MS).min(3_000 * MS);
            chunks.run_until(t);
        }
        assert_eq!(chunks.trace_hash(), whole.trace_hash(), "{}", lab.id);
        let mut steps = session(&format!("lab={}&seed=4", lab.id));
        while steps.step() && steps.now() < 200 * MS {}
        assert!(steps.events() > 0, "{}", lab.id);
    }
}

/// Random keys and values (numbers out of range, garbage, the lab's own keys, other labs'
/// keys): parsing never panics, every value ends in its range, and the lab runs.
#[test]
fn fuzzed_parameters_never_break_a_lab() {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let junk = [
        "",
        "abc",
        "-1",
        "1e309",
        "NaN",
        "99999999999",
        "0.5",
        "7",
        "%zz",
        "3,4",
    ];
    for lab in LABS.iter().filter(|l| l.implemented()) {
        let keys: Vec<&str> = lab
            .params
            .iter()
            .map(|p| p.key)
            .chain(lab.text_params.iter().map(|t| t.key))
            .chain(["nodes", "seed", "speed", "bogus"])
            .collect();
        for _ in 0..40 {
            let mut q = format!("lab={}", lab.id);
            for _ in 0..3 {
                let k = keys[(next() % keys.len() as u64) as usize];
                let v = junk[(next() % junk.len() as u64) as usize];
                q.push_str(&format!("&{k}={v}"));
            }
            let (cfg, _errors) = RunConfig::parse(&split_query(&q));
            for (spec, v) in cfg.params.specs.iter().zip(&cfg.params.values) {
                assert!((spec.min..=spec.max).contains(v), "{q}: {} = {v}", spec.key);
            }
            if lab.is_network() {
                let (mut s, _) = labs::create(&cfg);
                s.run_until(300 * MS);
            }
            if let Some(Ok(mut s)) = labs::create_model(&cfg) {
                s.run_until(3_000 * MS);
            }
        }
    }
}

#[test]
fn every_preset_plays() {
    for lab in network_labs() {
        for sc in lab.scenarios {
            let mut s = session(&format!("lab={}&scenario={}", lab.id, sc.id));
            s.run_until(sc.duration_ms * MS);
            assert!(s.events() > 0, "{} {}", lab.id, sc.id);
        }
    }
}

#[test]
fn the_runner_prints_json_and_refuses_bad_arguments() {
    for lab in network_labs() {
        let out = common::run_json(&["run", lab.id, "--seed", "3", "--until", "2s"]);
        assert_eq!(out["lab"], lab.id);
        assert!(out["trace_hash"].as_str().is_some_and(|h| h.len() == 32));
        assert!(out["summary"].is_object(), "{}", lab.id);
        for bad in [
            vec!["run", lab.id, "--seed", "x"],
            vec!["run", lab.id, "--param", "nodes=abc"],
            vec!["run", lab.id, "--until", "forever"],
            vec!["run", lab.id, "--bogus"],
        ] {
            let r = common::distlab(&bad);
            assert_eq!(r.code, Some(2), "{bad:?}: {}", r.err);
            assert!(r.err.starts_with("error: "), "{bad:?}: {}", r.err);
        }
    }
    let labs_json: serde_json::Value =
        serde_json::from_str(&common::distlab(&["labs"]).out).expect("labs is JSON");
    assert_eq!(labs_json.as_array().map(Vec::len), Some(LABS.len()));
}

/// Every networked lab batches: its stats as distributions over the seeds, the same output
/// twice.
#[test]
fn every_lab_batches_its_stats() {
    for lab in network_labs() {
        let args = [
            "batch",
            lab.id,
            "--seeds",
            "1..3",
            "--until",
            "2s",
            "--measure",
            "stats",
        ];
        let out = common::run_json(&args);
        assert_eq!(out["runs"], 3, "{}", lab.id);
        let measures = out["measures"].as_object().expect("measures");
        for (k, d) in measures {
            assert_eq!(
                d["count"].as_u64().unwrap_or(0) + d["missing"].as_u64().unwrap_or(0),
                3,
                "{}: {k}",
                lab.id
            );
        }
        assert_eq!(common::run_json(&args), out, "{}", lab.id);
    }
}

#[test]
fn the_labs_list_has_every_lab() {
    let labs_json: serde_json::Value =
        serde_json::from_str(&common::distlab(&["labs"]).out).expect("labs is JSON");
    assert_eq!(labs_json.as_array().map(Vec::len), Some(LABS.len()));
}

// ---- model labs on the time-only model session ----

fn timed_labs() -> impl Iterator<Item = (&'static labs::LabDef, labs::TimedModel)> {
    LABS.iter().filter_map(|l| l.timed.map(|t| (l, t)))
}

fn model(q: &str) -> Box<dyn ModelRun> {
    let (cfg, errors) = RunConfig::parse(&split_query(q));
    assert!(errors.iter().all(|e| e.is_warning()), "{q}: {errors:?}");
    labs::create_model(&cfg)
        .expect("a timed model lab")
        .unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// A run with a few of the lab's example actions at random times up to `until`.
fn acted_run(
    lab: &labs::LabDef,
    timed: labs::TimedModel,
    seed: u64,
    until: Time,
) -> Box<dyn ModelRun> {
    let mut s = model(&format!("lab={}&seed={seed}", lab.id));
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut t = 0;
    for _ in 0..6 {
        t += next() % (until / 6);
        s.run_until(t);
        let a = timed.examples[(next() % timed.examples.len() as u64) as usize];
        s.act_encoded(a)
            .unwrap_or_else(|e| panic!("{}: example {a} refused: {e}", lab.id));
    }
    s.run_until(until);
    s
}

#[test]
fn timed_labs_have_examples_that_round_trip() {
    assert!(
        timed_labs().count() > 0,
        "the rate limiter runs on the model session"
    );
    for (lab, timed) in timed_labs() {
        assert!(lab.is_model(), "{}", lab.id);
        assert!(!timed.examples.is_empty(), "{}", lab.id);
        // Each declared control's action (the scene view's buttons) reads back as written.
        for c in timed.controls {
            let a = c.example();
            let (log, kept, error) = (timed.read_log)(&format!("5.{a}"));
            assert_eq!(
                (log, kept, error),
                (format!("5.{a}"), 1, None),
                "{}",
                lab.id
            );
        }
        for a in timed.examples {
            let (log, kept, error) = (timed.read_log)(&format!("5.{a}"));
            assert_eq!(
                (log.as_str(), kept, error),
                (format!("5.{a}").as_str(), 1, None)
            );
        }
    }
}

#[test]
fn timed_labs_are_deterministic() {
    for (lab, timed) in timed_labs() {
        let a = acted_run(lab, timed, 5, 20_000 * MS);
        let b = acted_run(lab, timed, 5, 20_000 * MS);
        assert_eq!(a.encoded_log(), b.encoded_log(), "{}", lab.id);
        assert_eq!(a.state_hash(), b.state_hash(), "{}", lab.id);
        assert_eq!(a.actions(), 6, "{}", lab.id);
    }
}

#[test]
fn a_timed_labs_shared_run_replays_exactly() {
    for (lab, timed) in timed_labs() {
        for seed in 1..4 {
            let s = acted_run(lab, timed, seed, 20_000 * MS);
            let q = format!(
                "lab={}&seed={seed}&actions={}&v={}",
                lab.id,
                s.encoded_log(),
                distlab_engine::ENGINE_VERSION
            );
            let (cfg, errors) = RunConfig::parse(&split_query(&q));
            assert!(errors.is_empty(), "{q}: {errors:?}");
            // The share link the app writes carries the same log.
            let again = cfg.share_query(&[]);
            assert!(again.contains("actions="), "{again}");
            let mut replay = model(&again);
            replay.run_until(20_000 * MS);
            assert_eq!(
                replay.state_hash(),
                s.state_hash(),
                "{} seed {seed}",
                lab.id
            );
            assert_eq!(replay.encoded_log(), s.encoded_log(), "{}", lab.id);
        }
    }
}

#[test]
fn a_timed_labs_truncated_link_replays_its_prefix_and_says_so() {
    for (lab, timed) in timed_labs() {
        let s = acted_run(lab, timed, 7, 20_000 * MS);
        let log = s.encoded_log();
        let entries: Vec<&str> = log.split('~').collect();
        // Cut inside the fourth entry's action.
        let keep = entries[..3].join("~");
        let cut = format!(
            "{keep}~{}",
            &entries[3][..entries[3].find('.').map_or(1, |i| i + 1)]
        );
        let (cfg, errors) = RunConfig::parse(&split_query(&format!(
            "lab={}&seed=7&actions={cut}",
            lab.id
        )));
        assert!(
            matches!(
                &errors[..],
                [InputError::PartialActions { kept: 3, .. }, ..]
            ),
            "{}: {errors:?}",
            lab.id
        );
        assert_eq!(cfg.model_log, keep, "{}", lab.id);
        // It replays the first three actions exactly: the same state up to the fourth.
        let mut replay = labs::create_model(&cfg).expect("timed").expect("builds");
        let fourth: Time = entries[3]
            .split('.')
            .next()
            .and_then(|t| t.parse().ok())
            .expect("time");
        let mut s = s;
        s.seek(fourth.saturating_sub(1));
        replay.run_until(fourth.saturating_sub(1));
        assert_eq!(replay.state_hash(), s.state_hash(), "{}", lab.id);
        replay.run_until(20_000 * MS);
        assert_eq!(replay.actions(), 3, "{}", lab.id);
        // Garbage keeps nothing; both are translated input errors the app lists.
        let (cfg, errors) =
            RunConfig::parse(&split_query(&format!("lab={}&actions=zz~1.2.3", lab.id)));
        assert!(cfg.model_log.is_empty());
        assert!(
            matches!(&errors[..], [InputError::BadActions { .. }]),
            "{errors:?}"
        );
    }
}

#[test]
fn seeking_a_timed_lab_lands_on_the_same_state() {
    for (lab, timed) in timed_labs() {
        let mut s = acted_run(lab, timed, 9, 30_000 * MS);
        let end = s.state_hash();
        for t in [12_345 * MS, 0, 29_999 * MS, 4_321 * MS, 30_000 * MS] {
            s.seek(t);
            let mut fresh = model(&format!("lab={}&seed=9", lab.id));
            fresh.load_encoded(&s.encoded_log()).expect("log");
            fresh.run_until(t);
            assert_eq!(s.state_hash(), fresh.state_hash(), "{} at {t}", lab.id);
            assert_eq!(s.now(), t);
        }
        assert_eq!(s.state_hash(), end, "{}", lab.id);
        assert_eq!(s.horizon(), 30_000 * MS);
    }
}

#[test]
fn running_a_timed_lab_in_chunks_equals_one_run() {
    for (lab, _) in timed_labs() {
        let mut whole = model(&format!("lab={}&seed=4", lab.id));
        whole.run_until(10_000 * MS);
        let mut chunks = model(&format!("lab={}&seed=4", lab.id));
        let mut t = 0;
        while t < 10_000 * MS {
            t = (t + 37 * MS).min(10_000 * MS);
            chunks.run_until(t);
        }
        assert_eq!(chunks.state_hash(), whole.state_hash(), "{}", lab.id);
    }
}

#[test]
fn every_timed_preset_plays_its_steps_as_logged_actions() {
    for (lab, _) in timed_labs() {
        for sc in lab.scenarios {
            let mut s = model(&format!("lab={}&scenario={}", lab.id, sc.id));
            assert_eq!(s.planned(), sc.steps.len(), "{} {}", lab.id, sc.id);
            s.run_until(sc.duration_ms * MS);
            assert_eq!(s.actions(), sc.steps.len(), "{} {}", lab.id, sc.id);
            // Its share link replays the same run without doubling the steps.
            let mut replay = model(&format!(
                "lab={}&scenario={}&actions={}",
                lab.id,
                sc.id,
                s.encoded_log()
            ));
            replay.run_until(sc.duration_ms * MS);
            assert_eq!(replay.actions(), sc.steps.len(), "{} {}", lab.id, sc.id);
            assert_eq!(replay.state_hash(), s.state_hash(), "{} {}", lab.id, sc.id);
        }
    }
}
