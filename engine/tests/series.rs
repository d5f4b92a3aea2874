//! The kit's time series ([`labs::NetLab::SERIES`]): a lab's curves are a function of the
//! run's state, so seeking back and forward gives the curves of a straight run; every
//! declared chart is translated; the bounded record and the downsampling keep memory small.

use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs::{self, downsample, LabSession, Series, SeriesBuf, LABS, SERIES_POINTS};
use distlab_engine::{Time, MS};

fn session(q: &str) -> Box<dyn LabSession> {
    let (cfg, errors) = RunConfig::parse(&split_query(q));
    assert!(errors.iter().all(|e| e.is_warning()), "{q}: {errors:?}");
    let (s, err) = labs::create(&cfg);
    assert!(err.is_none(), "{q}: {err:?}");
    s
}

fn plotted_labs() -> impl Iterator<Item = &'static labs::LabDef> {
    LABS.iter()
        .filter(|l| l.is_network() && !l.series.is_empty())
}

/// A run of `lab` with random faults to `until`, its action log kept for replays.
fn faulty_run(q: &str, seed: u64, until: Time) -> Box<dyn LabSession> {
    let mut s = session(&format!("{q}&seed={seed}"));
    let spec = FaultSpec::parse("crash=0.5,restart=1,partition=0.3,heal=1,drop=3,pause=0.2")
        .expect("fault spec");
    FaultDriver::new(spec, seed).run(s.as_mut(), until);
    s
}

fn straight(q: &str, seed: u64, log: &[distlab_engine::sim::LoggedAction], t: Time) -> Vec<Series> {
    let mut s = session(&format!("{q}&seed={seed}"));
    s.load_actions(log.to_vec()).expect("actions");
    s.run_until(t);
    s.series()
}

#[test]
fn series_after_a_seek_are_those_of_a_straight_run() {
    for lab in plotted_labs() {
        // Labs with a traffic rate get some traffic; others (failure-detect) run as they are.
        let q = if lab.params.iter().any(|p| p.key == "rate") {
            format!("lab={}&rate=8", lab.id)
        } else {
            format!("lab={}", lab.id)
        };
        let end = 8_000 * MS;
        let mut s = faulty_run(&q, 11, end);
        let at_end = s.series();
        assert_eq!(
            at_end.len(),
            lab.series.len().max(at_end.len()),
            "{}",
            lab.id
        );
        assert!(
            at_end.iter().any(|c| !c.points.is_empty()),
            "{}: a faulted run of 8 s draws something",
            lab.id
        );
        let log = s.actions().to_vec();
        assert_eq!(straight(&q, 11, &log, end), at_end, "{}: replayed", lab.id);
        for t in [2_345 * MS, 0, 6_789 * MS, 1_000 * MS, end] {
            s.seek(t);
            let here = s.series();
            assert_eq!(here, straight(&q, 11, &log, t), "{} at {t}", lab.id);
            for c in &here {
                assert!(
                    c.points.iter().all(|p| p.0 <= t),
                    "{} at {t}: {}",
                    lab.id,
                    c.key
                );
                assert!(c.points.len() <= SERIES_POINTS);
            }
        }
        assert_eq!(s.series(), at_end, "{}: back at the end", lab.id);
        // Stepping and running in chunks draw the same curves.
        let mut chunks = session(&format!("{q}&seed=11"));
        chunks.load_actions(log.clone()).expect("actions");
        let mut t = 0;
        while t < end {
            t = (t + 333 * MS).min(end);
            chunks.run_until(t);
        }
        assert_eq!(chunks.series(), at_end, "{}: chunks", lab.id);
    }
}

#[test]
fn every_curve_is_declared_and_every_chart_translated() {
    for lab in LABS.iter().filter(|l| l.is_network()) {
        for spec in lab.series {
            let key = format!("series.{}", spec.key);
            let row = lab.texts.iter().find(|(k, _, _)| *k == key);
            assert!(
                row.is_some_and(|(_, en, zh)| !en.trim().is_empty() && !zh.trim().is_empty()),
                "{}: {key} needs English and Chinese in the lab's texts",
                lab.id
            );
            assert!(!spec.unit.contains('.'), "{}: a unit is a symbol", lab.id);
        }
        let mut s = faulty_run(&format!("lab={}", lab.id), 3, 3_000 * MS);
        assert_eq!(s.series_specs(), lab.series, "{}", lab.id);
        for c in s.series() {
            assert!(
                lab.series.iter().any(|spec| spec.key == c.key),
                "{}: curve {} is not declared in SERIES",
                lab.id,
                c.key
            );
            assert!(c.points.windows(2).all(|w| w[0].0 <= w[1].0), "{}", c.key);
            assert!(c.points.iter().all(|p| p.1.is_finite()), "{}", c.key);
        }
        s.seek(0);
    }
}

#[test]
fn the_local_message_window_is_plotted_per_order() {
    // lm-broker-down: the broker is down from 50 to 700 ms; the order committed at 150 is
    // applied at 840 (window 690 ms).
    let mut s = session("lab=tx-local-message&scenario=lm-broker-down");
    s.run_until(1_500 * MS);
    let all = s.series();
    let window = all
        .iter()
        .find(|c| c.key == "tx-local-message.window")
        .expect("window curve");
    assert_eq!(window.points.len(), 1, "{:?}", window.points);
    let (at, ms) = window.points[0];
    assert!((600.0..800.0).contains(&ms), "{ms} ms at {at}");
    let backlog = all
        .iter()
        .find(|c| c.key == "tx-local-message.backlog")
        .expect("backlog curve");
    assert_eq!(backlog.points.last().map(|p| p.1), Some(0.0));
    assert_eq!(backlog.points.iter().map(|p| p.1).fold(0.0, f64::max), 1.0);
    #[cfg(feature = "summaries")]
    {
        let summary = s.summary();
        let series = summary["series"].as_array().expect("series in the summary");
        assert_eq!(series[0]["key"], "tx-local-message.window");
        assert_eq!(series[0]["points"], 1);
    }
}

#[test]
fn downsampling_keeps_ends_and_spikes_within_the_cap() {
    let mut pts: Vec<(Time, f64)> = (0..10_000u64).map(|i| (i * MS, (i % 7) as f64)).collect();
    pts[5_003].1 = 1_000.0;
    let copy = pts.clone();
    downsample(&mut pts, SERIES_POINTS);
    assert!(pts.len() <= SERIES_POINTS + 1, "{}", pts.len());
    assert_eq!(pts.first(), copy.first());
    assert_eq!(pts.last(), copy.last());
    assert!(pts.iter().any(|p| p.1 == 1_000.0), "the spike survives");
    assert!(pts.windows(2).all(|w| w[0].0 <= w[1].0));
    let mut same = copy.clone();
    downsample(&mut same, SERIES_POINTS);
    assert_eq!(same, pts, "deterministic");
    let mut few = copy[..50].to_vec();
    downsample(&mut few, SERIES_POINTS);
    assert_eq!(few, copy[..50].to_vec());
}

#[test]
fn a_series_record_stays_bounded_and_keeps_its_peaks() {
    let mut b = SeriesBuf::new(64, 0);
    for i in 0..100_000u64 {
        b.push(i * MS, if i == 77_777 { 500.0 } else { (i % 10) as f64 });
        assert!(b.len() <= 64);
    }
    assert!(b.points().iter().any(|p| p.1 == 500.0));
    assert!(b.points()[0].0 < 6_000 * MS, "still spans the run");
    assert!(b.points().last().is_some_and(|p| p.0 > 95_000 * MS));
}
