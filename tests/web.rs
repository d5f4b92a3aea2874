//! Browser tests of the app: mount it with a query string in headless Chromium, let it run,
//! and check what a user would see. Run with `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]

use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs;
use distlab_engine::sim::Action;
use distlab_engine::MS;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

mod common;

use common::mount;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn raft_elects_a_leader_and_reelects_after_the_leader_crashes() {
    let m = mount("?lab=raft&seed=5&speed=20&lang=en").await;
    assert!(m.find("net-canvas").is_some());
    assert!(
        m.wait_for(5_000, |m| m.leader().is_some()).await,
        "a leader is shown"
    );
    let first = m.leader().unwrap();
    let first_term = m.ctl.borrow().session.view().nodes[first - 1].badge.clone();
    assert!(m.text("leader").contains(&format!("n{first}")));

    // Crash it through the node menu, exactly as a user would.
    m.ctl.borrow_mut().menu = Some(first - 1);
    m.ctl.borrow_mut().version += 1;
    assert!(
        m.wait_for(1_000, |m| m.find("menu-crash").is_some()).await,
        "the node menu opens"
    );
    m.click("menu-crash");
    assert_eq!(
        m.ctl.borrow().session.view().nodes[first - 1].status,
        "down"
    );
    m.ctl.borrow_mut().playing = true;
    let ok = m
        .wait_for(8_000, |m| m.leader().is_some_and(|l| l != first))
        .await;
    assert!(ok, "a new leader appears after the crash");
    let second = m.leader().unwrap();
    let term = |badge: &str| badge.trim_start_matches('T').parse::<u64>().unwrap();
    let second_term = m.ctl.borrow().session.view().nodes[second - 1]
        .badge
        .clone();
    assert!(
        term(&second_term) > term(&first_term),
        "{second_term} > {first_term}"
    );
    assert!(m.ctl.borrow().session.violations().is_empty());
    assert!(m.text("invariants").contains("holds"));
}

#[wasm_bindgen_test]
async fn play_pause_step_and_scrub() {
    let m = mount("?lab=raft&seed=3&speed=10").await;
    assert!(
        m.wait_for(3_000, |m| m.ctl.borrow().session.now() > 300 * MS)
            .await,
        "time advances while playing"
    );
    m.click("play");
    assert!(!m.ctl.borrow().playing);
    let t = m.ctl.borrow().session.now();
    TimeoutFuture::new(200).await;
    assert_eq!(m.ctl.borrow().session.now(), t, "paused time stands still");
    let events = m.ctl.borrow().session.events();
    m.click("step");
    assert!(
        m.ctl.borrow().session.events() > events,
        "a step processes an event"
    );
    // Scrub back to the start and forward again: the same state as before.
    let hash = m.ctl.borrow().session.trace_hash();
    let now = m.ctl.borrow().session.now();
    m.ctl.borrow_mut().seek(50 * MS);
    assert_eq!(m.ctl.borrow().session.now(), 50 * MS);
    m.ctl.borrow_mut().seek(now);
    assert_eq!(m.ctl.borrow().session.trace_hash(), hash);
}

#[wasm_bindgen_test]
async fn bad_parameters_show_a_message_and_fall_back() {
    let m = mount("?lab=nope&nodes=abc&lang=en").await;
    let msg = m.text("input-errors");
    assert!(
        msg.contains("Unknown lab") && msg.contains("nodes=abc"),
        "{msg}"
    );
    assert_eq!(m.ctl.borrow().session.n(), 5, "falls back to 5 nodes");
    assert!(m.find("net-canvas").is_some(), "the page is not blank");
    drop(m);

    let m = mount("?nodes=999&lang=zh&actions=garbage").await;
    let msg = m.text("input-errors");
    assert!(
        msg.contains("超出范围") && msg.contains("操作记录已损坏"),
        "{msg}"
    );
    assert_eq!(m.ctl.borrow().session.n(), 15);
    drop(m);

    // A share link from before engine versions (actions, no `v`): it replays, with a note.
    let m = mount("?lab=raft&seed=3&actions=500.0.c2&lang=en").await;
    let msg = m.text("input-errors");
    assert!(msg.contains("engine version 1"), "{msg}");
    assert_eq!(m.ctl.borrow().session.actions().len(), 1);
    drop(m);
    let m = mount("?lab=raft&seed=3&actions=500.0.c2&v=1&lang=zh").await;
    assert!(m.text("input-errors").contains("引擎版本 1"));
}

#[wasm_bindgen_test]
async fn embed_mode_hides_the_chrome() {
    let m = mount("?lab=raft&embed=1").await;
    assert!(m.find("net-canvas").is_some());
    assert!(m.find("play").is_some() && m.find("step").is_some());
    for hidden in [
        "picker",
        "event-log",
        "invariants",
        "share",
        "scrubber",
        "lang",
    ] {
        assert!(m.find(hidden).is_none(), "{hidden} is hidden in embed mode");
    }
}

#[wasm_bindgen_test]
async fn language_switches_live() {
    let m = mount("?lang=en").await;
    assert!(m.text("invariants").contains("Invariants"));
    let select: web_sys::HtmlSelectElement = m.find("lang").unwrap().unchecked_into();
    select.set_value("zh");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    assert!(
        m.wait_for(1_000, |m| m.text("invariants").contains("不变式"))
            .await
    );
    // The choice is remembered for the next visit; forget it so other tests see the default.
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let _ = storage.remove_item(distlab_app::LANG_STORAGE_KEY);
}

#[wasm_bindgen_test]
async fn share_link_replays_the_identical_run() {
    let m = mount("?lab=raft&seed=9&nodes=5").await;
    m.ctl.borrow_mut().playing = false;
    {
        let mut c = m.ctl.borrow_mut();
        c.session.run_until(700 * MS);
        let leader = c.session.leader().unwrap_or(0);
        c.apply(Action::Crash { node: leader }).unwrap();
        c.apply(Action::Cut { a: 0, b: 1 }).unwrap();
        c.session.run_until(3_000 * MS);
    }
    let query = m.ctl.borrow().share_query();
    let hash = m.ctl.borrow().session.trace_hash();
    drop(m);
    let m2 = mount(&format!("?{query}")).await;
    m2.ctl.borrow_mut().playing = false;
    m2.ctl.borrow_mut().session.run_until(3_000 * MS);
    assert_eq!(
        m2.ctl.borrow().session.trace_hash(),
        hash,
        "the share link {query} replays the run"
    );
}

#[wasm_bindgen_test]
fn wasm_trace_hash_equals_native() {
    let (cfg, errors) = RunConfig::parse(&split_query("lab=raft&seed=42"));
    assert!(errors.is_empty());
    let (mut s, _) = labs::create(&cfg);
    s.run_until(5_000 * MS);
    assert_eq!(s.trace_hash(), distlab_engine::GOLDEN_RAFT_SEED42_5S);
}

#[wasm_bindgen_test]
fn panic_overlay_shows_the_message() {
    distlab_app::show_panic("test panic: boom");
    let doc = web_sys::window().unwrap().document().unwrap();
    let overlay = doc
        .query_selector("[data-testid=\"panic\"]")
        .unwrap()
        .expect("overlay shown");
    assert!(overlay.text_content().unwrap().contains("boom"));
    assert!(
        overlay.query_selector("button").unwrap().is_some(),
        "copy button"
    );
    overlay.remove();
}

#[wasm_bindgen_test]
async fn scrubber_and_speed_inputs_drive_the_run_and_the_timeline_fills() {
    let m = mount("?lab=raft&seed=8&speed=20").await;
    assert!(
        m.wait_for(3_000, |m| m.ctl.borrow().session.now() > 1_000 * MS)
            .await
    );
    // Let the toolbar re-render so the scrubber's range covers the run.
    TimeoutFuture::new(300).await;
    let set = |testid: &str, value: &str, event: &str| {
        let el: web_sys::HtmlInputElement = m.find(testid).unwrap().unchecked_into();
        el.set_value(value);
        el.dispatch_event(&web_sys::Event::new(event).unwrap())
            .unwrap();
    };
    set("speed", "0", "input");
    assert!(
        (m.ctl.borrow().speed - 1.0).abs() < 1e-9,
        "slider at 10^0 = 1x"
    );
    set("scrubber", "400", "input");
    assert_eq!(m.ctl.borrow().session.now(), 400 * MS, "the scrubber seeks");
    assert!(!m.ctl.borrow().playing, "seeking pauses");
    assert!(m.find("timeline").is_some());
    TimeoutFuture::new(100).await;
    let c = m.ctl.borrow();
    assert!(
        !c.timeline.arrows.is_empty(),
        "the space-time diagram indexed the messages"
    );
    assert!(c.timeline.arrows.iter().all(|a| a.sent <= 400 * MS));
}

#[wasm_bindgen_test]
async fn a_scenario_preset_explains_itself_and_runs_its_faults() {
    let m = mount("?lab=raft&scenario=leader-crash&lang=en").await;
    assert!(m.text("scenario-about").contains("crashes at 2 s"));
    m.ctl.borrow_mut().playing = false;
    m.ctl.borrow_mut().session.run_until(1_900 * MS);
    let first = m
        .ctl
        .borrow()
        .session
        .leader()
        .expect("a leader before the crash");
    m.ctl.borrow_mut().session.run_until(3_500 * MS);
    {
        let c = m.ctl.borrow();
        assert_eq!(
            c.session.view().nodes[first].status,
            "down",
            "the preset crashed the leader at 2 s"
        );
        assert!(
            c.session.leader().is_some_and(|l| l != first),
            "a new leader took over"
        );
        assert!(c.session.violations().is_empty());
    }
    drop(m);
    let m = mount("?lab=raft&scenario=nope&lang=zh").await;
    assert!(m.text("input-errors").contains("nope"));
}

/// A long run at high speed goes on for ever: past the history budget (tiny here) the oldest
/// history is dropped, the scrubber's range starts where the kept history does, the timeline
/// panel says so in visible text, memory stays within the budget, and play and step go on.
/// (Before, the run stopped when the budget was reached, said so only in a tooltip.)
#[wasm_bindgen_test]
async fn a_long_run_keeps_going_with_a_sliding_history_window() {
    const BUDGET: usize = 400_000;
    let m = mount("?lab=raft&seed=3&speed=100&clients=200&lang=en").await;
    m.ctl.borrow_mut().set_history_budget(BUDGET);
    let scrub_min = |m: &common::Mounted| -> f64 {
        m.find("scrubber")
            .and_then(|e| e.get_attribute("min"))
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1.0)
    };
    assert!(
        m.wait_for(20_000, |m| m.ctl.borrow().window_start() > 0)
            .await,
        "older history is dropped once the budget is reached"
    );
    let (first_start, first_now) = {
        let c = m.ctl.borrow();
        (c.window_start(), c.session.now())
    };
    assert!(m.ctl.borrow().playing, "the run did not stop");
    assert!(
        m.wait_for(3_000, |m| m.find("history-window").is_some())
            .await,
        "the timeline panel says the history was trimmed"
    );
    let note = m.find("history-window").unwrap();
    let rect = note.get_bounding_client_rect();
    assert!(
        rect.height() > 0.0 && rect.width() > 0.0,
        "the note is visible"
    );
    let text = note.text_content().unwrap_or_default();
    assert!(text.contains("Keeping the last"), "{text}");
    assert!(
        m.find("history-trimmed").is_some(),
        "the status line says so too"
    );
    assert!(m.find("history-full").is_none(), "no more 'history full'");
    // The run goes on well past where the old budget check stopped it, and the window moves.
    assert!(
        m.wait_for(30_000, |m| {
            let c = m.ctl.borrow();
            c.window_start() > first_start && c.session.now() > first_now * 3
        })
        .await,
        "the run keeps going and the window start moves forward"
    );
    {
        let c = m.ctl.borrow();
        assert!(
            c.session.history_bytes() <= BUDGET,
            "{} bytes of history kept",
            c.session.history_bytes()
        );
    }
    // The scrubber's range starts at the window (after a re-render).
    assert!(
        m.wait_for(2_000, |m| {
            let ws = m.ctl.borrow().window_start() as f64 / MS as f64;
            (scrub_min(m) - ws).abs() < 1e-6 && ws > first_start as f64 / MS as f64
        })
        .await,
        "scrubber min {} vs window start {}",
        scrub_min(&m),
        m.ctl.borrow().window_start()
    );
    // Pause, step: it steps.
    m.click("play");
    assert!(!m.ctl.borrow().playing);
    let events = m.ctl.borrow().session.events();
    m.click("step");
    m.click("step");
    assert!(m.ctl.borrow().session.events() > events, "step goes on");
    // Scrubbing below the window lands on its start; the run can still be scrubbed in it.
    m.set("scrubber", "0", "input");
    {
        let c = m.ctl.borrow();
        assert_eq!(
            c.session.now(),
            c.window_start(),
            "seek clamps to the window start"
        );
    }
    // Act there (a branch) and play on.
    m.ctl.borrow_mut().apply(Action::Crash { node: 0 }).unwrap();
    let at = m.ctl.borrow().session.now();
    m.click("play");
    assert!(m.ctl.borrow().playing);
    assert!(
        m.wait_for(5_000, |m| m.ctl.borrow().session.now() > at + 2_000 * MS)
            .await,
        "play goes on after the branch"
    );
}

/// The wasm memory's size in bytes (it only grows: flat means no growth).
fn wasm_memory_bytes() -> f64 {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buffer: js_sys::ArrayBuffer = memory.buffer().unchecked_into();
    f64::from(buffer.byte_length())
}

/// How much the wasm memory grows (MB) while a 5-node Raft with 200 client writes per second
/// runs at 100× from 30 s to 300 s of simulated time, with a small history window.
async fn memory_growth_of_a_heavy_write_run(extra: &str) -> f64 {
    let m = mount(&format!(
        "?lab=raft&seed=3&speed=100&clients=200&lang=en{extra}"
    ))
    .await;
    m.ctl.borrow_mut().set_history_budget(2_000_000);
    let warm = 30_000 * MS;
    assert!(
        m.wait_for(60_000, |m| m.ctl.borrow().session.now() >= warm)
            .await,
        "the run reaches {warm}"
    );
    let before = wasm_memory_bytes();
    let end = 10 * warm;
    assert!(
        m.wait_for(240_000, |m| m.ctl.borrow().session.now() >= end)
            .await,
        "the run reaches {end}, at {}",
        m.ctl.borrow().session.now()
    );
    let grew = (wasm_memory_bytes() - before) / 1e6;
    assert!(m.ctl.borrow().session.violations().is_empty());
    wasm_bindgen_test::console_log!("{extra:?}: wasm memory grew {grew:.1} MB from 30 s to 300 s");
    grew
}

/// Memory stays flat in a long run with heavy client writes at high speed: the history window
/// bounds the trace, Raft's snapshots bound its logs (and so every checkpoint). Without log
/// compaction (`snapshot_every=0`, the engine before it) the same run grows.
#[wasm_bindgen_test]
async fn memory_stays_flat_in_a_long_heavy_write_run() {
    let without = memory_growth_of_a_heavy_write_run("&snapshot_every=0").await;
    let with = memory_growth_of_a_heavy_write_run("").await;
    assert!(
        with <= 2.0,
        "with compaction the memory grew by {with:.1} MB"
    );
    assert!(
        without > with + 4.0,
        "without compaction it grew by {without:.1} MB only"
    );
}
