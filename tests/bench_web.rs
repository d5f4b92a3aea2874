//! Browser benchmarks: they print figures (engine speed in wasm, frame cost with 51 nodes and
//! hundreds of messages in flight) and assert only what must hold regardless of speed.
//! Run: `wasm-pack test --headless --chrome -- --test bench_web` (scripts/bench.sh runs them).
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use distlab_app::canvas::draw_frame;
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

#[wasm_bindgen_test]
fn bench_engine_speed_wasm() {
    for n in [5u32, 51] {
        let r = distlab_engine::bench::raft_election(n, 60, |f| {
            let t = now_ms();
            f();
            (now_ms() - t) / 1000.0
        });
        assert!(r.events > 0);
        console_log!(
            "BENCH wasm raft nodes={} simulated={}s wall={:.3}s {:.0}x real time {:.0} events/s",
            r.nodes,
            r.simulated_seconds,
            r.wall_seconds,
            r.sim_per_wall,
            r.events_per_second
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
