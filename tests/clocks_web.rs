//! Browser tests of the clocks lab's space-time diagram: every event drawn on its lane with its
//! Lamport time and vector clock; two events picked by clicking their dots (or from the
//! keyboard through the picker's menus) give the engine's verdict, happened-before or
//! concurrent, with both clocks compared; in English and Chinese, full and embedded at 640×400.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{mount, mount_framed, Mounted};
use distlab_app::lane_events;
use distlab_engine::labs::{Causality, EventRef};
use distlab_engine::MS;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn ev(node: usize, seq: u64) -> EventRef {
    EventRef { node, seq }
}

/// Where event `e` is drawn on the diagram right now (CSS px inside the canvas), from the same
/// layout the drawing uses.
fn point(m: &Mounted, e: EventRef) -> (f64, f64) {
    let canvas = m.find("timeline").expect("the diagram is shown");
    let (w, h) = (canvas.client_width() as f64, canvas.client_height() as f64);
    let points = lane_events::points(m.ctl.shared(), w, h);
    let &(_, x, y) = points
        .iter()
        .find(|(p, _, _)| *p == e)
        .unwrap_or_else(|| panic!("{e:?} is drawn: {points:?}"));
    (x, y)
}

/// Clicks the diagram at (x, y) inside its canvas, as a mouse would (a bubbling `click` at
/// those client coordinates).
fn click_at(canvas: &Element, x: f64, y: f64) {
    let rect = canvas.get_bounding_client_rect();
    let (cx, cy) = (
        rect.left() + canvas.client_left() as f64 + x,
        rect.top() + canvas.client_top() as f64 + y,
    );
    let window = web_sys::window().unwrap();
    let ctor: js_sys::Function = js_sys::Reflect::get(&window, &"MouseEvent".into())
        .unwrap()
        .unchecked_into();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"clientX".into(), &JsValue::from_f64(cx)).unwrap();
    js_sys::Reflect::set(&init, &"clientY".into(), &JsValue::from_f64(cy)).unwrap();
    js_sys::Reflect::set(&init, &"bubbles".into(), &JsValue::TRUE).unwrap();
    let args = js_sys::Array::of2(&"click".into(), &init);
    let event: web_sys::Event = js_sys::Reflect::construct(&ctor, &args)
        .unwrap()
        .unchecked_into();
    canvas.dispatch_event(&event).unwrap();
}

/// Clicks event `e`'s dot on the diagram.
fn click_event(m: &Mounted, e: EventRef) {
    let (x, y) = point(m, e);
    click_at(&m.find("timeline").unwrap(), x, y);
}

/// Pauses and runs the lab to `ms` of simulated time, then lets the page redraw.
async fn run_to(m: &Mounted, ms: u64) {
    {
        let mut c = m.ctl.borrow_mut();
        c.playing = false;
        c.session.run_until(ms * MS);
        c.version += 1;
    }
    TimeoutFuture::new(100).await;
}

/// The verdict and explanation as shown.
fn verdict(m: &Mounted) -> String {
    format!("{} | {}", m.text("event-verdict"), m.text("event-why"))
}

/// The classic three processes (a, b on p1; c, d on p2; e, f on p3): their labels, two
/// clicks for b and e (concurrent, though L(b) > L(e)), a third click starting a new pair
/// (a, f: happened before), and the same from the keyboard's menus; in both languages.
#[wasm_bindgen_test]
async fn clicking_two_events_of_the_classic_example_gives_the_verdict() {
    for lang in ["en", "zh"] {
        let m = mount(&format!("?lab=clocks&scenario=three-processes&lang={lang}")).await;
        run_to(&m, 700).await;
        {
            let view = m.ctl.borrow().view();
            let labels: Vec<&str> = view.events.iter().map(|e| e.label.as_str()).collect();
            assert_eq!(
                labels,
                [
                    "1 (0,0,1)",
                    "1 (1,0,0)",
                    "2 (2,0,0)",
                    "3 (2,1,0)",
                    "4 (2,2,0)",
                    "5 (2,2,2)"
                ]
            );
        }
        assert!(m.drawn_soon("timeline").await);
        let (a, b, e, f) = (ev(0, 1), ev(0, 2), ev(2, 1), ev(2, 2));
        let en = lang == "en";
        m.expect_text(
            1_000,
            "event-verdict",
            if en { "Pick event a" } else { "选择事件 a" },
        )
        .await;

        // b, then e: concurrent, though L(b) = 2 > L(e) = 1.
        click_event(&m, b);
        m.expect_text(
            1_000,
            "event-verdict",
            if en {
                "pick event b"
            } else {
                "再选择事件 b"
            },
        )
        .await;
        assert_eq!(lane_events::past_of_first(m.ctl.shared()), [a].into());
        click_event(&m, e);
        assert_eq!(m.ctl.borrow().picked, vec![b, e]);
        m.expect_text(
            1_000,
            "event-verdict",
            if en {
                "a ∥ b (concurrent)"
            } else {
                "a ∥ b（并发）"
            },
        )
        .await;
        let shown = verdict(&m);
        for needle in ["L(a) = 2 > L(b) = 1", "V(a) = (2,0,0) ∥ V(b) = (0,0,1)"] {
            assert!(shown.contains(needle), "{lang}: {shown}");
        }
        let lesson = if en {
            "Lamport order does not mean causality"
        } else {
            "Lamport 顺序并不代表因果"
        };
        assert!(shown.contains(lesson), "{lang}: {shown}");
        let a_line = m.text("event-a");
        assert!(
            a_line.contains("p1#2") && a_line.contains("2 (2,0,0)"),
            "{a_line}"
        );

        // A third click starts a new pair: a, then f.
        click_event(&m, a);
        click_event(&m, f);
        m.expect_text(
            1_000,
            "event-verdict",
            if en {
                "a → b (a happened before b)"
            } else {
                "a → b（a 先于 b 发生）"
            },
        )
        .await;
        assert!(
            verdict(&m).contains("L(a) = 1 < L(b) = 5"),
            "{}",
            verdict(&m)
        );

        // From the keyboard: the menus pick f as a and a as b.
        m.choose("pick-a", "2-2").await;
        m.choose("pick-b", "0-1").await;
        assert_eq!(m.ctl.borrow().picked, vec![f, a]);
        m.expect_text(
            1_000,
            "event-verdict",
            if en {
                "b → a (b happened before a)"
            } else {
                "b → a（b 先于 a 发生）"
            },
        )
        .await;
        // Clicking empty space still jumps to that time; before b the pick is explained.
        m.click("pick-clear");
        assert!(m.ctl.borrow().picked.is_empty());
        m.choose("pick-a", "0-2").await;
        m.choose("pick-b", "1-1").await;
        let canvas = m.find("timeline").unwrap();
        let (x, _) = point(&m, a);
        click_at(&canvas, x, 4.0);
        assert!(m.ctl.borrow().session.now() < 300 * MS);
        m.expect_text(
            1_000,
            "event-verdict",
            if en {
                "not in the run at this time"
            } else {
                "不属于这次运行"
            },
        )
        .await;
    }
}

/// A random workload run for a few hundred milliseconds: two clicks on drawn events give the
/// same verdict the engine gives, both clocks shown; over several pairs both kinds of verdict
/// come up.
#[wasm_bindgen_test]
async fn on_a_random_workload_clicks_agree_with_the_engine() {
    let m = mount("?lab=clocks&seed=4&rate=8&send_pct=60&lang=en&speed=1").await;
    assert!(
        m.wait_for(5_000, |m| m.ctl.borrow().session.now() > 400 * MS)
            .await,
        "the run plays"
    );
    m.ctl.borrow_mut().playing = false;
    m.ctl.borrow_mut().version += 1;
    TimeoutFuture::new(100).await;
    let drawn: Vec<EventRef> = {
        let canvas = m.find("timeline").unwrap();
        let (w, h) = (canvas.client_width() as f64, canvas.client_height() as f64);
        lane_events::points(m.ctl.shared(), w, h)
            .into_iter()
            .map(|(e, _, _)| e)
            .collect()
    };
    assert!(drawn.len() >= 6, "{} events drawn", drawn.len());
    // Up to three pairs of each kind, as the engine orders them.
    let (mut ordered, mut concurrent) = (Vec::new(), Vec::new());
    for (i, &early) in drawn.iter().enumerate() {
        for &late in &drawn[i + 1..] {
            let order_of = |a, b| {
                m.ctl
                    .borrow()
                    .session
                    .event_order(a, b)
                    .expect("drawn events are kept")
                    .order
            };
            let list = if order_of(early, late) == Causality::Concurrent {
                &mut concurrent
            } else {
                &mut ordered
            };
            // Alternately the earlier and the later event first.
            let (a, b) = if list.len() % 2 == 0 {
                (early, late)
            } else {
                (late, early)
            };
            if list.len() < 3 {
                list.push((a, b, order_of(a, b)));
            }
        }
    }
    assert!(
        !ordered.is_empty() && !concurrent.is_empty(),
        "{ordered:?} {concurrent:?}"
    );
    for (x, y, want) in ordered.into_iter().chain(concurrent) {
        m.click("pick-clear");
        click_event(&m, x);
        click_event(&m, y);
        assert_eq!(m.ctl.borrow().picked, vec![x, y]);
        let text = match want {
            Causality::Before => "a → b (a happened before b)",
            Causality::After => "b → a (b happened before a)",
            Causality::Concurrent => "a ∥ b (concurrent)",
            Causality::Same => "a = b",
        };
        m.expect_text(1_000, "event-verdict", text).await;
        let shown = verdict(&m);
        assert!(
            shown.contains("Lamport: L(a) =") && shown.contains("Vector: V(a) ="),
            "{shown}"
        );
    }
}

/// Embedded at 640×400: the diagram and the picker fit under the network view, above the
/// bar; clicks pick events and the verdict shows, in both languages.
#[wasm_bindgen_test]
async fn embedded_at_640_by_400_the_diagram_still_picks_events() {
    for lang in ["en", "zh"] {
        let m = mount_framed(
            &format!("?lab=clocks&scenario=three-processes&embed=1&lang={lang}"),
            640,
            400,
        )
        .await;
        run_to(&m, 700).await;
        assert!(m.drawn_soon("net-canvas").await && m.drawn_soon("timeline").await);
        for id in ["net-canvas", "timeline", "event-panel", "play"] {
            let r = m.find(id).unwrap().get_bounding_client_rect();
            assert!(
                r.top() >= 0.0 && r.bottom() <= 400.5 && r.height() > 0.0,
                "{lang}: {id} at {}..{}",
                r.top(),
                r.bottom()
            );
        }
        let net = m.find("net-canvas").unwrap().get_bounding_client_rect();
        assert!(
            net.height() >= 150.0,
            "{lang}: network view {}",
            net.height()
        );
        let (b, e) = (ev(0, 2), ev(2, 1));
        click_event(&m, b);
        click_event(&m, e);
        m.expect_text(
            1_000,
            "event-verdict",
            if lang == "en" {
                "a ∥ b (concurrent)"
            } else {
                "a ∥ b（并发）"
            },
        )
        .await;
        assert!(
            verdict(&m).contains("L(a) = 2 > L(b) = 1"),
            "{}",
            verdict(&m)
        );
        // The verdict line itself is inside the frame.
        let v = m.find("event-verdict").unwrap().get_bounding_client_rect();
        assert!(
            v.bottom() <= 400.5 && v.height() > 0.0,
            "{lang}: verdict at {}",
            v.bottom()
        );
    }
}
