//! Browser benchmarks: they print figures (engine speed in wasm: Raft, and every networked lab
//! of the registry at 5 and 51 nodes; frame cost with 51 nodes and hundreds of messages in
//! flight) and assert only what must hold regardless of speed.
//! Run: `wasm-pack test --headless --chrome -- --test bench_web` (scripts/bench.sh runs them).
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use distlab_app::canvas::{draw_frame, draw_timeline};
use distlab_app::controller::Controller;
use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::MS;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlCanvasElement;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn timed(f: &mut dyn FnMut()) -> f64 {
    let t = now_ms();
    f();
    (now_ms() - t) / 1000.0
}

#[wasm_bindgen_test]
fn bench_engine_speed_wasm() {
    // Writes against election-only, measured alternately as the native bench does.
    let (quiet, w, slowdown) = distlab_engine::bench::writes_vs_election(5, 60, 100, 15, timed);
    assert!(w.commits > 0 && quiet.commits == 0);
    console_log!(
        "BENCH wasm raft nodes=5 writes=100/s simulated=60s wall={:.4}s {:.0}x real time {:.0} commits/s (median of 15)",
        w.wall_seconds,
        w.sim_per_wall,
        w.commits_per_second
    );
    console_log!(
        "BENCH wasm writes vs election-only, measured alternately: {:.0}x vs {:.0}x real time = {:.2}x slower",
        w.sim_per_wall,
        quiet.sim_per_wall,
        slowdown
    );
    for n in [5u32, 51] {
        let r = distlab_engine::bench::repeat(if n == 5 { 15 } else { 5 }, || {
            distlab_engine::bench::raft_election(n, 60, timed)
        });
        assert!(r.events > 0);
        console_log!(
            "BENCH wasm raft nodes={} simulated={}s wall={:.4}s {:.0}x real time {:.0} events/s (median)",
            r.nodes,
            r.simulated_seconds,
            r.wall_seconds,
            r.sim_per_wall,
            r.events_per_second
        );
    }
}

/// Every networked lab of the registry at 5 and 51 nodes (its size parameter, as natively in
/// `distlab bench`): events per wall second in wasm, as a table. Each figure is the median of
/// as many 10-simulated-second runs as fit in about a quarter of a second (3 to 25), so the
/// whole table takes a few seconds.
#[wasm_bindgen_test]
fn bench_every_lab_wasm() {
    const SECONDS: u64 = 10;
    let t0 = now_ms();
    let figures = distlab_engine::bench::every_lab(&[5, 51], SECONDS, 0.25, timed);
    let networked = distlab_engine::labs::LABS
        .iter()
        .filter(|l| l.is_network())
        .count();
    assert_eq!(
        figures.len(),
        2 * networked,
        "every networked lab, two sizes"
    );
    console_log!(
        "BENCH wasm {:<20} {:>5} {:>5} {:>9} {:>10} {:>12} {:>5}",
        "lab",
        "size",
        "nodes",
        "wall_s",
        "x_real",
        "events/s",
        "runs"
    );
    for f in &figures {
        let r = &f.result;
        assert!(r.events > 0, "{} at {}: no events", f.lab, f.size);
        console_log!(
            "BENCH wasm {:<20} {:>5} {:>5} {:>9.4} {:>10.0} {:>12.0} {:>5}",
            f.lab,
            f.size,
            r.nodes,
            r.wall_seconds,
            r.sim_per_wall,
            r.events_per_second,
            f.runs
        );
    }
    console_log!(
        "BENCH wasm every lab: simulated={}s each, table took {:.1}s",
        SECONDS,
        (now_ms() - t0) / 1000.0
    );
}

/// chain-pow's mining in wasm: SHA-256 of a block header per try (natively: `distlab bench`).
#[wasm_bindgen_test]
fn bench_pow_hashing_wasm() {
    let hashes = distlab_engine::bench::pow_hashes_per_second(50_000, 5, timed);
    assert!(hashes > 1_000.0, "{hashes}");
    console_log!(
        "BENCH wasm chain-pow hashing: {hashes:.0} SHA-256 headers/s (best of 5 runs of 50000)"
    );
}

/// The scheduler labs at the scale in wasm: 100,000 tasks on 10,000 machines
/// (natively: `distlab bench`).
#[wasm_bindgen_test]
fn bench_schedulers_at_scale_wasm() {
    for f in distlab_engine::bench::every_scale(10_000, 100_000, 1.0, timed) {
        assert!(f.placed > 0, "{} placed nothing", f.lab);
        console_log!(
            "BENCH wasm {} at scale: machines={} tasks={} placed={} wall={:.4}s (median of {} runs)",
            f.lab,
            f.machines,
            f.tasks,
            f.placed,
            f.wall_seconds,
            f.runs
        );
    }
}

#[wasm_bindgen_test]
fn bench_frame_cost_51_nodes() {
    // 51 nodes is beyond the URL's range (3–15) on purpose; long latencies keep 500+ messages
    // in flight.
    let (mut cfg, _) = RunConfig::parse(&split_query("lab=raft&seed=11&latency_min=100&latency_max=200&timeout_min=1000&timeout_max=2000&heartbeat=20"));
    let i = cfg
        .params
        .specs
        .iter()
        .position(|s| s.key == "nodes")
        .unwrap();
    cfg.params.values[i] = 51.0;
    let (c, _) = Controller::from_config(cfg);
    let ctl = Rc::new(RefCell::new(c));
    ctl.borrow_mut().speed = 1.0;
    ctl.borrow_mut().session.run_until(3_000 * MS);

    let doc = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = doc.create_element("canvas").unwrap().unchecked_into();
    canvas
        .set_attribute("style", "width:1000px;height:700px;display:block")
        .unwrap();
    doc.body().unwrap().append_child(&canvas).unwrap();

    let mut costs = Vec::new();
    let mut in_flight = Vec::new();
    for _ in 0..240 {
        let t = now_ms();
        ctl.borrow_mut().advance_real(16.7);
        draw_frame(&ctl, &canvas);
        costs.push(now_ms() - t);
        in_flight.push(ctl.borrow().session.view().messages.len());
    }
    canvas.remove();
    costs.sort_by(f64::total_cmp);
    in_flight.sort_unstable();
    let min_in_flight = in_flight[0];
    assert!(
        min_in_flight >= 500,
        "the scenario keeps 500+ messages in flight ({min_in_flight})"
    );
    console_log!(
        "BENCH frame nodes=51 in_flight>={} frames=240 median={:.2}ms p90={:.2}ms max={:.2}ms",
        min_in_flight,
        costs[costs.len() / 2],
        costs[costs.len() * 9 / 10],
        costs[costs.len() - 1]
    );
}

/// Scrubbing back to any point of a 10-minute run (5 nodes, 100 client writes per second, the
/// full trace kept as in the app), and the space-time diagram with 5,000+ arrows in view.
#[wasm_bindgen_test]
fn bench_scrub_and_space_time_diagram() {
    let (cfg, _) = RunConfig::parse(&split_query("lab=raft&seed=5&clients=100"));
    let (c, _) = Controller::from_config(cfg);
    let ctl = Rc::new(RefCell::new(c));
    let t = now_ms();
    ctl.borrow_mut().session.run_until(600_000 * MS);
    let run_ms = now_ms() - t;
    let mut seeks = Vec::new();
    // Points spread over the run, visited out of order.
    for k in [7u64, 1, 9, 3, 5, 0, 8, 2, 6, 4] {
        let target = 600_000 * MS * k / 10 + 12_345 * MS;
        let t = now_ms();
        ctl.borrow_mut().session.seek(target.min(600_000 * MS));
        seeks.push(now_ms() - t);
        assert_eq!(ctl.borrow().session.now(), target.min(600_000 * MS));
    }
    seeks.sort_by(f64::total_cmp);
    console_log!(
        "BENCH scrub 10-minute run (5 nodes, 100 writes/s, run took {:.0} ms): seeks median={:.1}ms max={:.1}ms",
        run_ms,
        seeks[seeks.len() / 2],
        seeks[seeks.len() - 1]
    );

    // Space-time diagram: a window wide enough for 5,000+ messages.
    ctl.borrow_mut().session.seek(600_000 * MS);
    ctl.borrow_mut().timeline_span = 40_000 * MS;
    let doc = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = doc.create_element("canvas").unwrap().unchecked_into();
    canvas
        .set_attribute("style", "width:1000px;height:240px;display:block")
        .unwrap();
    doc.body().unwrap().append_child(&canvas).unwrap();
    let net: HtmlCanvasElement = doc.create_element("canvas").unwrap().unchecked_into();
    net.set_attribute("style", "width:600px;height:400px;display:block")
        .unwrap();
    doc.body().unwrap().append_child(&net).unwrap();
    draw_frame(&ctl, &net);
    draw_timeline(&ctl, &canvas); // syncs the diagram's index with the trace
    let visible = {
        let c = ctl.borrow();
        let end = c.session.now();
        c.timeline.visible(end - c.timeline_span, end).len()
    };
    assert!(visible >= 5_000, "{visible} arrows in view");
    let mut costs = Vec::new();
    for _ in 0..120 {
        let t = now_ms();
        draw_timeline(&ctl, &canvas);
        costs.push(now_ms() - t);
    }
    canvas.remove();
    net.remove();
    costs.sort_by(f64::total_cmp);
    console_log!(
        "BENCH space-time diagram arrows_in_view={} frames=120 median={:.2}ms p90={:.2}ms",
        visible,
        costs[costs.len() / 2],
        costs[costs.len() * 9 / 10]
    );
}
