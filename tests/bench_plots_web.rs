//! Browser benchmarks of the plotted labs. They print figures with `console_log!` and assert
//! nothing about speed: reassigning 1,000,000 keys after a membership change, and the cost of
//! drawing a ring of 64 nodes × 200 virtual nodes with 10,000 key dots.
//! Run: `wasm-pack test --headless --chrome --release . --test bench_plots_web -- --nocapture`.
#![cfg(target_arch = "wasm32")]

use distlab_app::plots::placement::{draw_ring, RingScene};
use distlab_engine::labs::storage::placement::{
    bench_reassign, Change, HashFn, Placement, PlacementConfig, Strategy,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::HtmlCanvasElement;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

#[wasm_bindgen_test]
fn bench_reassign_one_million_keys() {
    for strategy in [
        Strategy::Ring,
        Strategy::VNodes,
        Strategy::Mod,
        Strategy::Jump,
        Strategy::Bounded,
        Strategy::Rendezvous,
    ] {
        let cfg = PlacementConfig {
            strategy,
            hash: HashFn::Xxh3,
            nodes: 16,
            keys: 1_000_000,
            vnodes: 100,
            ..PlacementConfig::default()
        };
        let r = bench_reassign(&cfg, 6, &mut |f| {
            let t = now_ms();
            f();
            (now_ms() - t) / 1000.0
        })
        .expect("a valid configuration");
        console_log!(
            "BENCH wasm reassign strategy={} nodes=16 vnodes=100 keys=1000000 median={:.1}ms best={:.1}ms runs={:?}",
            strategy.name(),
            r.median_ms,
            r.best_ms,
            r.runs_ms.iter().map(|x| (x * 10.0).round() / 10.0).collect::<Vec<_>>()
        );
    }
}

#[wasm_bindgen_test]
fn bench_ring_frame_64x200_10000_dots() {
    let cfg = PlacementConfig {
        strategy: Strategy::VNodes,
        hash: HashFn::Xxh3,
        nodes: 64,
        keys: 100_000,
        vnodes: 200,
        ..PlacementConfig::default()
    };
    let mut p = Placement::new(&cfg).expect("a valid configuration");
    let before = p.ring_view();
    p.apply(Change::Add { weight: 1 }).expect("a node joins");
    let scene = RingScene::of(&p, Some(&before), 10_000);
    let doc = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = doc.create_element("canvas").unwrap().unchecked_into();
    canvas
        .set_attribute("style", "width:600px;height:600px")
        .unwrap();
    doc.body().unwrap().append_child(&canvas).unwrap();
    let (ctx, w, h) = distlab_app::canvas::prepare(&canvas).expect("a sized canvas");
    for (label, progress) in [("settled", 1.0), ("moving", 0.5)] {
        let mut costs = Vec::new();
        for _ in 0..200 {
            let t = now_ms();
            draw_ring(&ctx, w, h, &scene, progress);
            costs.push(now_ms() - t);
        }
        costs.sort_by(f64::total_cmp);
        console_log!(
            "BENCH wasm ring-frame {} nodes=65 vnodes=200 points={} dots={} moved={} median={:.2}ms p90={:.2}ms",
            label,
            scene.view.points.len(),
            scene.dots.len(),
            scene.moved.len(),
            costs[costs.len() / 2],
            costs[costs.len() * 9 / 10]
        );
    }
    canvas.remove();
}
