//! `distlab calc phi` and `distlab calc phi-curve`: φ for a known series against a hand
//! computation, φ rising with the silence after the last heartbeat, the trade-off curve
//! (a higher threshold or k: fewer false suspicions, slower detection), determinism, the
//! text form, and bad input refused with exit 2 (never a panic).

use serde_json::Value;

use distlab_runner::run_captured as distlab;

fn json(args: &[&str]) -> Value {
    let (code, out, err) = distlab(args);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

fn close(a: f64, b: f64, eps: f64) -> bool {
    (a - b).abs() <= eps
}

/// Heartbeats at 0, 1000, 2010 and 2990 ms with a window of 3 intervals, asked at 4000 ms.
///
/// The window starts with Akka's first estimate T ± T/4 = 750, 1250 (T = the median interval,
/// 1000). Each heartbeat's row is φ at its arrival against the window before it:
/// - at 1000 ms: window {750, 1250}, μ = 1000, σ = 250, silence 1000 → y = 0, z = 0,
///   φ = log10(1 + e⁰) = log10 2 = 0.30103; the interval 1000 joins: {750, 1250, 1000}.
/// - at 2010 ms: the interval 1010 joins, dropping 750: {1250, 1000, 1010}.
/// - at 2990 ms: the interval 980 joins, dropping 1250: {1000, 1010, 980}.
///
/// At 4000 ms (1010 ms of silence): μ = 2990 / 3 = 996.667; deviations 3.333, 13.333,
/// −16.667, squares 11.111 + 177.778 + 277.778 = 466.667, variance 155.556, σ = 12.4722
/// (above min-std 10); y = (1010 − 996.667) / 12.4722 = 1.06904;
/// z = y (1.5976 + 0.070566 y²) = 1.06904 × 1.67825 = 1.79412; e^z = 6.01419;
/// φ = log10(1 + 6.01419) = log10 7.01419 = 0.84598: not suspected (threshold 8).
/// The fixed timeout (k 3 × T 1000 = 3000 ms): at 4000 ms one whole period missed; at
/// 5990 ms (2990 + 3000) three: suspected; at 5989 ms two.
#[test]
fn phi_of_a_known_series_matches_the_hand_computation() {
    let v = json(&[
        "calc",
        "phi",
        "--heartbeats",
        "0,1000,2010,2990",
        "--window",
        "3",
        "--at",
        "4000,5989",
        "--at",
        "5990",
    ]);
    assert_eq!(v["period_ms"], 1000.0);
    assert_eq!(v["period_from"], "median");
    assert_eq!(v["first_estimate_ms"], serde_json::json!([750.0, 1250.0]));
    assert_eq!(v["timeout_ms"], 3000.0);
    let rows = v["rows"].as_array().expect("rows");
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "first",
            "heartbeat",
            "heartbeat",
            "heartbeat",
            "at",
            "at",
            "at"
        ]
    );
    let at1000 = &rows[1];
    assert_eq!(at1000["window"], 2);
    assert_eq!(
        (f(&at1000["mean_ms"]), f(&at1000["std_ms"])),
        (1000.0, 250.0)
    );
    assert!(close(f(&at1000["phi"]), 2f64.log10(), 1e-12));
    assert_eq!(at1000["accepted"], true);
    // Before 2990 ms the window is {1250, 1000, 1010}: μ = 1086.667.
    assert!(close(f(&rows[3]["mean_ms"]), 3260.0 / 3.0, 1e-9));
    let at4000 = &rows[4];
    assert_eq!(f(&at4000["t_ms"]), 4000.0);
    assert_eq!(f(&at4000["since_last_ms"]), 1010.0);
    assert_eq!(at4000["window"], 3);
    assert!(close(f(&at4000["mean_ms"]), 996.667, 1e-3));
    assert!(close(f(&at4000["std_ms"]), 12.4722, 1e-4));
    assert!(close(f(&at4000["y"]), 1.06904, 1e-5));
    assert!(close(f(&at4000["phi"]), 0.84598, 1e-4), "{}", at4000["phi"]);
    assert_eq!(at4000["suspected"], false);
    assert_eq!(
        (at4000["missed"].as_u64(), &at4000["fixed_suspected"]),
        (Some(1), &Value::Bool(false))
    );
    assert_eq!(rows[5]["missed"], 2);
    assert_eq!(rows[5]["fixed_suspected"], false);
    assert_eq!(rows[6]["missed"], 3);
    assert_eq!(rows[6]["fixed_suspected"], true);
    assert_eq!(
        rows[6]["suspected"], true,
        "1.5 periods of silence is far past φ = 8"
    );
    let fin = &v["final"];
    assert_eq!(
        (fin["window"].as_u64(), f(&fin["last_heartbeat_ms"])),
        (Some(3), 2990.0)
    );
    assert_eq!(f(&fin["fixed_suspects_after_ms"]), 3000.0);
}

/// φ never falls while the silence after the last heartbeat grows, crosses the threshold once,
/// exactly at the reported `phi_suspects_after_ms`; the pause and min-std shift it as Akka's do.
#[test]
fn phi_rises_with_silence() {
    let beats = "0,100,205,298,401,497,610,702,799,905,1001,1098,1203";
    let asks: Vec<String> = (0..400).map(|i| (1203 + i * 2).to_string()).collect();
    let asks = asks.join(",");
    let v = json(&["calc", "phi", "--heartbeats", beats, "--at", &asks]);
    let after: Vec<&Value> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "at")
        .collect();
    assert_eq!(after.len(), 400);
    let phis: Vec<f64> = after.iter().map(|r| f(&r["phi"])).collect();
    for w in phis.windows(2) {
        assert!(w[1] >= w[0], "φ fell: {w:?}");
    }
    assert!(phis[0] < 0.01 && *phis.last().unwrap() > 100.0, "{phis:?}");
    // Suspected from one ask on, and never trusted again.
    let first = after
        .iter()
        .position(|r| r["suspected"] == true)
        .expect("suspected");
    assert!(after[first..].iter().all(|r| r["suspected"] == true));
    assert!(after.iter().all(|r| r["window"] == after[0]["window"]));
    // The reported crossing is where φ reaches the threshold, to the µs.
    let cross = f(&v["final"]["phi_suspects_after_ms"]);
    let at = |silence: f64| {
        let t = format!("{}", 1203.0 + silence);
        let w = json(&["calc", "phi", "--heartbeats", beats, "--at", &t]);
        w["rows"].as_array().unwrap().last().unwrap()["phi"]
            .as_f64()
            .unwrap()
    };
    assert!(at(cross) >= 8.0 && at(cross - 0.001) < 8.0, "{cross}");
    assert!(
        f(&after[first]["since_last_ms"]) >= cross && f(&after[first - 1]["since_last_ms"]) < cross
    );
    // An acceptable pause of 500 ms moves the crossing by 500 ms; a larger min-std later.
    let paused = json(&["calc", "phi", "--heartbeats", beats, "--pause", "500"]);
    assert!(close(
        f(&paused["final"]["phi_suspects_after_ms"]),
        cross + 500.0,
        0.002
    ));
    let wide = json(&["calc", "phi", "--heartbeats", beats, "--min-std", "100"]);
    assert!(f(&wide["final"]["phi_suspects_after_ms"]) > cross + 100.0);
}

/// A gap long enough to be suspected does not join the window (Akka).
#[test]
fn a_suspected_gap_stays_out_of_the_window() {
    let v = json(&[
        "calc",
        "phi",
        "--heartbeats",
        "0,100,200,300,400,5000,5100",
        "--period",
        "100",
    ]);
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows[5]["accepted"], false);
    assert_eq!(rows[5]["suspected"], true);
    assert_eq!(rows[5]["fixed_suspected"], true);
    assert_eq!(rows[6]["accepted"], true);
    assert_eq!(rows[6]["window"], rows[5]["window"]);
    assert_eq!(v["period_from"], "given");
}

fn rows<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().expect("rows")
}

fn mean_detect(r: &Value) -> f64 {
    f(&r["detect_ms"]["mean"])
}

/// The curve at a fixed seed: every crash detected by every detector; a higher k detects
/// exactly (k₂ − k₁) periods later with no more false suspicions (same arrivals); a higher φ
/// threshold detects later with fewer false suspicions (within noise).
#[test]
fn the_curve_trades_false_suspicions_for_detection_time() {
    let args = ["calc", "phi-curve", "--hours", "0.25", "--seed", "3"];
    let v = json(&args);
    assert_eq!(v["runs"], 6);
    let crashes = v["crashes"].as_u64().unwrap();
    assert!(crashes >= 5, "{crashes}");
    let phi = rows(&v, "phi");
    let fixed = rows(&v, "fixed");
    assert_eq!((phi.len(), fixed.len()), (6, 4));
    for r in phi.iter().chain(fixed) {
        assert_eq!(r["detections"].as_u64(), Some(crashes), "{r}");
        assert_eq!(r["undetected"], 0);
    }
    for w in fixed.windows(2) {
        let dk = (w[1]["k"].as_u64().unwrap() - w[0]["k"].as_u64().unwrap()) as f64;
        let later = mean_detect(&w[1]) - mean_detect(&w[0]);
        assert!(close(later, dk * 100.0, 10.0), "{later} for Δk {dk}");
        assert!(w[1]["false_suspicions"].as_u64() <= w[0]["false_suspicions"].as_u64());
    }
    for w in phi.windows(2) {
        assert!(mean_detect(&w[1]) > mean_detect(&w[0]), "{} {}", w[0], w[1]);
        let (a, b) = (
            w[0]["false_suspicions"].as_u64().unwrap(),
            w[1]["false_suspicions"].as_u64().unwrap(),
        );
        assert!(b <= a + 2 + a / 10, "{a} then {b}");
    }
    let fp = |r: &Value| f(&r["false_per_hour"]);
    assert!(fp(&phi[0]) > 100.0 * fp(&phi[5]).max(1.0));
    assert!(fp(&fixed[0]) > 10.0 * fp(&fixed[3]).max(1.0));
    // Deterministic at a seed; another seed draws other heartbeats.
    assert_eq!(json(&args), v);
    assert_ne!(
        json(&["calc", "phi-curve", "--hours", "0.25", "--seed", "4"]),
        v
    );
}

/// Heavier loss and jitter: more false suspicions at the same threshold and k.
#[test]
fn loss_and_jitter_raise_false_suspicions() {
    let base = [
        "calc",
        "phi-curve",
        "--hours",
        "0.1",
        "--thresholds",
        "8",
        "--ks",
        "3",
    ];
    let calm = json(&[&base[..], &["--loss", "0", "--jitter", "20"]].concat());
    let rough = json(&[&base[..], &["--loss", "10", "--jitter", "200"]].concat());
    let false_of = |v: &Value, k: &str| rows(v, k)[0]["false_suspicions"].as_u64().unwrap();
    assert_eq!(calm["runs"], 1);
    assert_eq!(false_of(&calm, "fixed"), 0);
    assert!(false_of(&rough, "fixed") > 10, "{rough}");
    assert!(false_of(&rough, "phi") > false_of(&calm, "phi"));
}

#[test]
fn text_output_is_a_table() {
    let (code, out, _) = distlab(&[
        "calc",
        "phi",
        "--heartbeats",
        "0,1000,2010,2990",
        "--at",
        "4000",
        "--format",
        "text",
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("φ-accrual: threshold 8"), "{out}");
    assert!(out.contains("fixed timeout: k 3 × T 1000 ms (median) = 3000 ms"));
    let lines: Vec<&str> = out.lines().collect();
    let table: Vec<&&str> = lines
        .iter()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(table.len(), 5, "{out}");
    assert!(table[1].contains("heartbeat") && table[4].contains(" at "));
    assert!(out.contains("φ reaches 8 after"));
    let (code, out, _) = distlab(&[
        "calc",
        "phi-curve",
        "--hours",
        "0.05",
        "--thresholds",
        "4,8",
        "--ks",
        "3",
        "--format=text",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("φ-accrual (window 100") && out.contains("fixed timeout (T = 100"));
    assert_eq!(out.lines().count(), 10, "{out}");
}

#[test]
fn bad_input_exits_2() {
    let many: Vec<String> = (0..100_001).map(|i| i.to_string()).collect();
    let many = many.join(",");
    let phi_cases: &[&[&str]] = &[
        &[],
        &["--heartbeats", ""],
        &["--heartbeats", "0,1000,1000"],
        &["--heartbeats", "0,1000,900"],
        &["--heartbeats", "-5,0"],
        &["--heartbeats", "0,NaN"],
        &["--heartbeats", "0,inf"],
        &["--heartbeats", "0,1e30"],
        &["--heartbeats", "0,,2"],
        &["--heartbeats", "0,1s"],
        &["--heartbeats", &many],
        &["--heartbeats", "100,200", "--at", "50"],
        &["--heartbeats", "0,100", "--at", "-1"],
        &["--heartbeats", "0,100", "--at", "NaN"],
        &["--heartbeats", "0,100", "--threshold", "0"],
        &["--heartbeats", "0,100", "--threshold", "NaN"],
        &["--heartbeats", "0,100", "--threshold", "1000"],
        &["--heartbeats", "0,100", "--window", "1"],
        &[
            "--heartbeats",
            "0,100",
            "--window",
            "99999999999999999999999",
        ],
        &["--heartbeats", "0,100", "--min-std", "0"],
        &["--heartbeats", "0,100", "--pause", "-3"],
        &["--heartbeats", "0,100", "--period", "0"],
        &["--heartbeats", "0,100", "--k", "0"],
        &["--heartbeats", "0,100", "--format", "xml"],
        &["--heartbeats", "0,100", "--no-such-flag", "1"],
        &["--heartbeats"],
    ];
    let curve_cases: &[&[&str]] = &[
        &["--hours", "0"],
        &["--hours", "1000"],
        &["--hours", "NaN"],
        &["--thresholds", "0.1"],
        &["--thresholds", "8,NaN"],
        &["--thresholds", ""],
        &["--ks", "0"],
        &["--ks", "3,x"],
        &["--ks", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33"],
        &["--jitter", "20000"],
        &["--jitter", "-1"],
        &["--loss", "-1"],
        &["--loss", "101"],
        &["--seed", "x"],
        &["--period", "1"],
        &["--window", "5000"],
        &["--format", "csv"],
        &["stray"],
    ];
    for (sub, cases) in [("phi", phi_cases), ("phi-curve", curve_cases)] {
        for case in cases {
            let args: Vec<&str> = ["calc", sub].iter().chain(case.iter()).copied().collect();
            let (code, out, err) = distlab(&args);
            assert_eq!(code, 2, "{case:?}: {out}");
            assert!(err.starts_with("error: "), "{case:?}: {err}");
            assert!(
                err.lines().count() == 1,
                "{case:?}: a one-line message: {err}"
            );
            assert!(out.is_empty());
        }
    }
    // A text table is only for these two.
    let (code, _, err) = distlab(&["calc", "pow", "--format", "text"]);
    assert_eq!(code, 2, "{err}");
}
