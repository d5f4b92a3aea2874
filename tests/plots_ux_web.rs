//! Browser tests of the plotted labs as people meet them (issue 13): typing while a lab
//! animates, the 640×400 embed, phones and tablets, error feedback at the field, and the
//! small ones (headings per strategy, kept changes, ignored inputs, the MMF table, DRF's Step
//! button and resource names, plurals).
#![cfg(target_arch = "wasm32")]

mod common;

use common::{mount, mount_framed, Mounted};
use distlab_engine::labs::plot_params::PLOTTED_LABS;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Element, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Types `text` into the field `testid` as a keyboard would: its value changes and an
/// `input` event follows (no commit).
fn type_text(m: &Mounted, testid: &str, text: &str) {
    let el = m
        .find(testid)
        .unwrap_or_else(|| panic!("no field {testid}"));
    el.clone()
        .unchecked_into::<HtmlInputElement>()
        .set_value(text);
    let ev = web_sys::Event::new("input").unwrap();
    el.dispatch_event(&ev).unwrap();
}

/// Presses a key in the field `testid` (a bubbling `keydown`).
fn press(m: &Mounted, testid: &str, key: &str) {
    let el = m
        .find(testid)
        .unwrap_or_else(|| panic!("no field {testid}"));
    let window = web_sys::window().unwrap();
    let ctor: js_sys::Function = js_sys::Reflect::get(&window, &"KeyboardEvent".into())
        .unwrap()
        .unchecked_into();
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"key".into(), &key.into()).unwrap();
    js_sys::Reflect::set(&init, &"bubbles".into(), &JsValue::TRUE).unwrap();
    let args = js_sys::Array::of2(&"keydown".into(), &init);
    let ev: web_sys::Event = js_sys::Reflect::construct(&ctor, &args)
        .unwrap()
        .unchecked_into();
    el.dispatch_event(&ev).unwrap();
}

fn value(m: &Mounted, testid: &str) -> String {
    m.find(testid)
        .map(|e| e.unchecked_into::<HtmlInputElement>().value())
        .unwrap_or_default()
}

/// The document the app is mounted in (the iframe's for [`mount_framed`]).
fn doc(m: &Mounted) -> web_sys::Document {
    m.root.owner_document().unwrap()
}

/// Whether the page scrolls sideways.
fn scrolls_sideways(m: &Mounted) -> Option<String> {
    let s = doc(m).scrolling_element().unwrap();
    if s.scroll_width() <= s.client_width() {
        return None;
    }
    // Name the widest culprits.
    let w = s.client_width() as f64;
    let culprits: Vec<String> = all(m, "*")
        .iter()
        .filter(|e| e.get_bounding_client_rect().right() > w + 0.5)
        .take(6)
        .map(|e| format!("{}.{}", e.tag_name(), e.class_name()))
        .collect();
    Some(format!(
        "scrollWidth {} > {}: {culprits:?}",
        s.scroll_width(),
        s.client_width()
    ))
}

fn rect(e: &Element) -> (f64, f64, f64, f64) {
    let r = e.get_bounding_client_rect();
    (r.left(), r.top(), r.right(), r.bottom())
}

fn all(m: &Mounted, selector: &str) -> Vec<Element> {
    let list = m.root.query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into())
        .collect()
}

fn share_has(m: &Mounted, plain: &str) -> bool {
    let url = m.share();
    url.contains(plain)
        || url.contains(
            &plain
                .replace(',', "%2C")
                .replace(':', "%3A")
                .replace('/', "%2F"),
        )
}

// ---- 2. typing while the lab animates ----

#[wasm_bindgen_test]
async fn typing_into_mmf_demands_while_it_animates_keeps_the_text_until_enter() {
    // 0.3×: a round every 333 ms, so the page re-renders while the user types.
    let m = mount("?lab=fair-mmf&speed=0.3&lang=en").await;
    type_text(&m, "mmf-demands", "35,10,25,45,");
    TimeoutFuture::new(800).await;
    assert!(
        m.count("mmf-steps", "li.done") > 0,
        "the animation went on meanwhile"
    );
    assert_eq!(value(&m, "mmf-demands"), "35,10,25,45,");
    assert!(
        m.text("mmf-demands-hint").contains("Enter"),
        "the field says how to apply"
    );
    type_text(&m, "mmf-demands", "35,10,25,45,50");
    TimeoutFuture::new(400).await;
    assert_eq!(value(&m, "mmf-demands"), "35,10,25,45,50");
    assert!(m.find("mmf-alloc-E").is_none(), "not applied before Enter");
    // Enter applies it and the run restarts from it.
    press(&m, "mmf-demands", "Enter");
    assert!(m.wait_for(1_000, |m| m.find("mmf-alloc-E").is_some()).await);
    assert_eq!(m.count("mmf-steps", "li.done"), 0, "restarted");
    assert_eq!(value(&m, "mmf-demands"), "35,10,25,45,50");
    assert!(m.find("mmf-demands-hint").is_none());
    assert!(share_has(&m, "demands=35,10,25,45,50"), "{}", m.share());
    // 100 over 35, 10, 25, 45, 50: B takes 10, the other four 22.5 each.
    m.click("mmf-end");
    assert!(
        m.wait_for(1_000, |m| m.text("mmf-alloc-A") == "22.5").await,
        "{}",
        m.text("mmf-alloc-A")
    );
}

#[wasm_bindgen_test]
async fn typing_a_new_drf_user_while_it_animates_keeps_the_text() {
    let m = mount("?lab=fair-drf&speed=0.1&lang=en").await;
    type_text(&m, "drf-new-demand", "2,");
    TimeoutFuture::new(600).await;
    type_text(&m, "drf-new-demand", "2,3");
    TimeoutFuture::new(600).await;
    assert_eq!(value(&m, "drf-new-demand"), "2,3");
    press(&m, "drf-new-demand", "Enter");
    TimeoutFuture::new(50).await;
    m.click("drf-join");
    assert!(m.wait_for(1_000, |m| m.find("drf-tasks-C").is_some()).await);
    assert!(share_has(&m, "join:2/3"), "{}", m.share());
}

#[wasm_bindgen_test]
async fn ratelimit_fields_keep_their_digits_while_it_runs() {
    let m = mount("?lab=ratelimit&speed=10&lang=en").await;
    type_text(&m, "rl-limiter-rate", "1");
    TimeoutFuture::new(500).await;
    type_text(&m, "rl-limiter-rate", "12");
    TimeoutFuture::new(500).await;
    assert_eq!(value(&m, "rl-limiter-rate"), "12");
    assert_eq!(m.text("rl-limiter-spec"), "token:rate=10,burst=5");
    press(&m, "rl-limiter-rate", "Enter");
    m.expect_text(1_000, "rl-limiter-spec", "rate=12").await;
    assert_eq!(value(&m, "rl-limiter-rate"), "12");
}

// ---- 6. every plotted lab fits a 640×400 embed ----

#[wasm_bindgen_test]
async fn every_plotted_lab_fits_and_works_at_640_by_400_embedded() {
    for lab in PLOTTED_LABS {
        let m = mount_framed(&format!("?lab={lab}&embed=1&lang=en"), 640, 400).await;
        TimeoutFuture::new(300).await;
        assert_eq!(scrolls_sideways(&m), None, "{lab}");
        for e in all(&m, "button, input, select") {
            let (l, t, r, b) = rect(&e);
            let id = e.get_attribute("data-testid").unwrap_or_default();
            assert!(
                l >= -0.5 && t >= -0.5 && r <= 640.5 && b <= 400.5,
                "{lab}: {id} at ({l}, {t})–({r}, {b}) is outside the 640×400 frame"
            );
        }
    }
    // DRF's Leave buttons are reachable and work.
    let m = mount_framed("?lab=fair-drf&embed=1&lang=en", 640, 400).await;
    let table = m.find("drf-table").unwrap();
    assert!(rect(&table).2 <= 640.5, "table fits: {:?}", rect(&table));
    m.click("drf-leave-B");
    assert!(m.wait_for(1_000, |m| m.find("drf-tasks-B").is_none()).await);
    assert_eq!(m.text("drf-tasks-A"), "4 tasks");
}

// ---- 5. phones and tablets ----

#[wasm_bindgen_test]
async fn plotted_labs_fit_a_phone_with_the_canvas_before_the_long_panels() {
    for lab in PLOTTED_LABS {
        let m = mount_framed(&format!("?lab={lab}&lang=en"), 390, 844).await;
        TimeoutFuture::new(300).await;
        assert_eq!(scrolls_sideways(&m), None, "{lab} at 390 px");
        let canvas = all(&m, ".plot-lab canvas")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{lab}: a canvas"));
        let (cl, ct, cr, _) = rect(&canvas);
        assert!(cl >= 0.0 && cr <= 390.5, "{lab}: canvas {cl}–{cr}");
        assert!(
            ct < 844.0,
            "{lab}: the canvas starts on the first screen ({ct})"
        );
        for panel in all(&m, ".plot-lab .plot-table, .plot-lab .plot-params, .picker") {
            let (_, t, _, _) = rect(&panel);
            assert!(
                t > ct,
                "{lab}: {} at {t} comes before the canvas at {ct}",
                panel.class_name()
            );
        }
    }
}

#[wasm_bindgen_test]
async fn plotted_labs_get_the_whole_width_of_a_tablet() {
    for lab in PLOTTED_LABS {
        let m = mount_framed(&format!("?lab={lab}&lang=en"), 768, 1024).await;
        TimeoutFuture::new(300).await;
        assert_eq!(scrolls_sideways(&m), None, "{lab} at 768 px");
        let main = all(&m, "main.main").into_iter().next().unwrap();
        let (ml, _, mr, mb) = rect(&main);
        assert!(mr - ml >= 700.0, "{lab}: main is {} px wide", mr - ml);
        let picker = m.find("picker").unwrap();
        assert!(rect(&picker).1 >= mb - 1.0, "{lab}: the lab list is below");
    }
}

// ---- 10. every bad value is explained next to its field ----

/// Commits `text` to `testid` and returns the explanation shown next to it.
async fn refused(m: &Mounted, testid: &str, text: &str) -> String {
    type_text(m, testid, text);
    press(m, testid, "Enter");
    let err = format!("{testid}-error");
    assert!(
        m.wait_for(1_000, |m| m.find(&err).is_some()).await,
        "{testid}={text}: no explanation; {}",
        m.all_text()
    );
    let e = m.find(&err).unwrap();
    assert!(
        e.class_name().split(' ').any(|c| c == "field-error"),
        "one shared way"
    );
    assert_eq!(value(m, testid), text, "the text stays to be fixed");
    e.text_content().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn bad_values_are_explained_next_to_their_field() {
    let m = mount("?lab=fair-mmf&lang=en").await;
    let e = refused(&m, "mmf-demands", "10,x,-5").await;
    assert!(e.contains("“x” is not a number"), "{e}");
    let e = refused(&m, "mmf-capacity", "-5").await;
    assert!(e.contains("-5") && e.contains("outside"), "{e}");
    m.click("mmf-end");
    assert!(m.wait_for(1_000, |m| m.text("mmf-alloc-A") == "32.5").await);
    assert!(!share_has(&m, "capacity=0"), "{}", m.share());

    let m = mount("?lab=fair-drf&lang=en").await;
    let e = refused(&m, "drf-demand-A", "x").await;
    assert!(e.contains("“x”"), "{e}");
    let e = refused(&m, "drf-capacity", "18").await;
    assert_eq!(e, "Every task needs 1 amount, one per resource (2 given)");

    let m = mount("?lab=placement-vnodes&lang=en").await;
    let e = refused(&m, "pl-weights", "1,x,3").await;
    assert!(e.contains("“x”"), "{e}");
    let e = refused(&m, "pl-nodes", "0").await;
    assert!(e.contains("1") && e.contains("64"), "{e}");

    let m = mount("?lab=ratelimit&lang=en").await;
    let e = refused(&m, "rl-limiter-rate", "x").await;
    assert!(e.contains("“x”"), "{e}");

    // Translated.
    let m = mount("?lab=fair-mmf&lang=zh").await;
    let e = refused(&m, "mmf-demands", "10,x").await;
    assert!(e.contains("不是"), "{e}");
}

// ---- the small ones ----

#[wasm_bindgen_test]
async fn placement_heading_follows_the_strategy_and_keeps_changes() {
    let m = mount("?lab=placement-ring&lang=en").await;
    assert_eq!(m.text("pl-title"), "Consistent hashing");
    m.click("pl-add");
    m.expect_text(1_000, "pl-moved", "%").await;
    m.choose("pl-strategy", "mod").await;
    assert_eq!(m.text("pl-title"), "Hash mod N");
    // The added node is still there (replayed under the new strategy), and the share
    // link still carries it.
    m.expect_text(1_000, "pl-moved", "%").await;
    assert!(m.find("pl-dropped").is_none());
    m.click("pl-share");
    assert!(m.wait_for(1_000, |m| m.find("share-url").is_some()).await);
    assert!(share_has(&m, "changes=add:1"), "{}", m.share());
    assert!(share_has(&m, "strategy=mod"), "{}", m.share());
}

#[wasm_bindgen_test]
async fn inputs_the_strategy_ignores_are_disabled() {
    let disabled = |m: &Mounted, id: &str| {
        m.find(id)
            .map(|e| e.unchecked_into::<HtmlInputElement>().disabled())
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let m = mount("?lab=placement-ring&lang=en").await;
    assert!(disabled(&m, "pl-c") && disabled(&m, "pl-vnodes") && disabled(&m, "pl-weights"));
    assert!(!disabled(&m, "pl-nodes") && !disabled(&m, "pl-keys"));
    m.choose("pl-strategy", "bounded").await;
    assert!(!disabled(&m, "pl-c") && !disabled(&m, "pl-vnodes"));
    m.choose("pl-strategy", "vnodes").await;
    assert!(disabled(&m, "pl-c") && !disabled(&m, "pl-vnodes") && !disabled(&m, "pl-weights"));
}

#[wasm_bindgen_test]
async fn the_mmf_table_follows_the_animation() {
    let m = mount("?lab=fair-mmf&lang=en").await;
    assert_ne!(
        m.text("mmf-alloc-A"),
        "32.5",
        "not the final allocation yet"
    );
    m.click("mmf-step");
    TimeoutFuture::new(50).await;
    // After the first round everyone has 25 at most: B its 10, C its 25, A and D 25.
    assert_eq!(m.text("mmf-alloc-A"), "25");
    assert_eq!(m.text("mmf-alloc-B"), "10");
    m.click("mmf-end");
    TimeoutFuture::new(50).await;
    assert_eq!(m.text("mmf-alloc-A"), "32.5");
}

#[wasm_bindgen_test]
async fn drf_steps_and_names_its_resources_one_way() {
    let m = mount("?lab=fair-drf&speed=0.1&lang=en").await;
    m.click("drf-step");
    TimeoutFuture::new(50).await;
    assert_eq!(m.text("drf-play"), "Play", "a step pauses");
    let pending = |m: &Mounted| m.count("drf-table", "td.pending");
    assert!(pending(&m) > 0);
    for _ in 0..20 {
        if pending(&m) == 0 {
            break;
        }
        m.click("drf-step");
        TimeoutFuture::new(30).await;
    }
    assert_eq!(pending(&m), 0, "stepping reaches the end");
    let table = m.text("drf-table");
    assert!(table.contains("CPU, GB"), "{table}");
    let used = m.text("drf-used");
    assert!(used.contains("CPU") && used.contains("GB"), "{used}");
    assert!(!m.all_text().contains("R 1"));
}
