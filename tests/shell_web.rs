//! Browser tests of the app shell as people meet it (issue 13): the node menu at every size,
//! sharing without a clipboard, keyboard shortcuts, links that keep the user's settings, the
//! event log, branching after scrubbing back, and accessibility. Run with
//! `wasm-pack test --headless --chrome . --test shell_web`.
#![cfg(target_arch = "wasm32")]

use distlab_app::app::summary_text;
use distlab_engine::input::Lang;
use distlab_engine::sim::{Action, TraceKind};
use distlab_engine::MS;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{DomRect, Element, HtmlElement, HtmlInputElement, KeyboardEvent, KeyboardEventInit};

mod common;

use common::{mount, mount_framed, Mounted};

wasm_bindgen_test_configure!(run_in_browser);

fn eval(js: &str) -> JsValue {
    js_sys::eval(js).unwrap_or_else(|e| panic!("{js}: {e:?}"))
}

fn rect(el: &Element) -> DomRect {
    el.get_bounding_client_rect()
}

/// `inner` lies inside `outer` (with half a pixel of rounding).
fn inside(inner: &DomRect, outer: &DomRect) -> bool {
    inner.left() >= outer.left() - 0.5
        && inner.top() >= outer.top() - 0.5
        && inner.right() <= outer.right() + 0.5
        && inner.bottom() <= outer.bottom() + 0.5
}

/// The document the app is mounted in (the iframe's for a framed mount).
fn doc_of(m: &Mounted) -> web_sys::Document {
    m.root.owner_document().unwrap()
}

/// Opens node `n`'s menu (0-based) and waits until it is placed.
async fn open_menu(m: &Mounted, n: usize) {
    {
        let mut c = m.ctl.borrow_mut();
        c.menu = Some(n);
        c.version += 1;
    }
    let title = format!("n{}", n + 1);
    let ok = m
        .wait_for(2_000, |m| {
            m.find("node-menu").is_some_and(|e| {
                e.get_attribute("data-placed").as_deref() == Some("true")
                    && e.query_selector(".title")
                        .ok()
                        .flatten()
                        .and_then(|t| t.text_content())
                        .as_deref()
                        == Some(title.as_str())
            })
        })
        .await;
    assert!(ok, "node {title}'s menu opens");
    // Let the placement settle (one more render after measuring).
    TimeoutFuture::new(60).await;
}

/// Defect 1: every node's menu lies wholly inside the canvas and the page, and every one of
/// its buttons can be clicked (nothing covers or clips it), at each size people use.
#[wasm_bindgen_test]
async fn node_menu_stays_inside_the_canvas_at_every_size() {
    let sizes: [(&str, u32, u32); 5] = [
        ("?lab=raft&lang=en", 1280, 900),
        ("?lab=raft&lang=en&embed=1", 640, 400),
        ("?lab=raft&lang=en", 390, 844),
        ("?lab=raft&lang=en&nodes=15&spare=2", 390, 844),
        ("?lab=raft&lang=en", 768, 1024),
    ];
    for (query, w, h) in sizes {
        let m = mount_framed(query, w, h).await;
        m.ctl.borrow_mut().playing = false;
        assert!(m.drawn_soon("net-canvas").await, "{query} at {w}×{h}");
        let doc = doc_of(&m);
        let view_w = doc.document_element().unwrap().client_width() as f64;
        let n = m.ctl.borrow().session.n();
        for node in 0..n {
            open_menu(&m, node).await;
            let menu = m.find("node-menu").unwrap();
            let stage = menu.parent_element().unwrap();
            let (mr, sr) = (rect(&menu), rect(&stage));
            let at = format!("{query} at {w}×{h}, n{}", node + 1);
            assert!(
                inside(&mr, &sr),
                "{at}: menu {:?} outside the canvas {:?}",
                (mr.left(), mr.top(), mr.right(), mr.bottom()),
                (sr.left(), sr.top(), sr.right(), sr.bottom())
            );
            assert!(
                mr.left() >= 0.0 && mr.right() <= view_w + 0.5,
                "{at}: beyond the page's width"
            );
            if query.contains("embed=1") {
                assert!(mr.bottom() <= h as f64 + 0.5, "{at}: below the frame");
            }
            let buttons = menu.query_selector_all("button").unwrap();
            assert!(buttons.length() >= 2, "{at}");
            for i in 0..buttons.length() {
                let b: Element = buttons.item(i).unwrap().unchecked_into();
                b.scroll_into_view_with_bool(false);
                let r = rect(&b);
                let (x, y) = (r.left() + r.width() / 2.0, r.top() + r.height() / 2.0);
                let top = doc.element_from_point(x as f32, y as f32);
                assert!(
                    top.is_some_and(|t| b.contains(Some(&t))),
                    "{at}: button {:?} is covered or clipped",
                    b.text_content()
                );
            }
        }
        // The menu's buttons work: crash the last node from its menu.
        open_menu(&m, n - 1).await;
        m.click("menu-crash");
        assert_eq!(m.ctl.borrow().session.view().nodes[n - 1].status, "down");
    }
}

/// A popover is placed beside its node when there is room and always inside its area.
#[wasm_bindgen_test]
fn popover_placement_stays_in_its_area() {
    use distlab_app::app::place_popover;
    let area = (358.0, 300.0);
    for &(x, y) in &[(10.0, 10.0), (350.0, 290.0), (179.0, 150.0), (340.0, 20.0)] {
        let (l, t, max) = place_popover((x, y), 20.0, (170.0, 250.0), area);
        assert!(l >= 4.0 && l + 170.0 <= area.0 - 4.0 + 1e-9, "{x},{y}: {l}");
        assert!(t >= 4.0 && t + 250.0 <= area.1 - 4.0 + 1e-9, "{x},{y}: {t}");
        assert_eq!(max, None);
    }
    // Taller than the area: limited to it (and scrolls).
    let (_, t, max) = place_popover((100.0, 100.0), 20.0, (170.0, 500.0), area);
    assert_eq!((t, max), (4.0, Some(292.0)));
}

/// Installs counters of uncaught errors and unhandled rejections on the page.
fn count_errors() {
    eval(
        "window.__shellErrors = 0; if (!window.__shellErrorsHooked) { window.__shellErrorsHooked = true; \
         window.addEventListener('error', () => window.__shellErrors++); \
         window.addEventListener('unhandledrejection', () => window.__shellErrors++); }",
    );
}

fn errors_seen() -> f64 {
    eval("window.__shellErrors").as_f64().unwrap_or(-1.0)
}

/// Clicks "Copy share link" and waits for the copy attempt to end as `expected` ("true":
/// copied, "false": not); each call expects the other outcome than the one before it.
async fn share_expect(m: &Mounted, expected: &str) {
    m.click("share");
    let state = |m: &Mounted| {
        m.find("share-status")
            .and_then(|e| e.get_attribute("data-copied"))
            .unwrap_or_default()
    };
    m.wait_for(2_000, |m| state(m) == expected).await;
    assert_eq!(state(m), expected, "{}", m.text("share-status"));
}

/// Defect 3: without a clipboard API (plain http from a non-localhost host) the link is still
/// shown in a selectable field, nothing throws, and the page says it was not copied; with one
/// that works it says copied; with one that refuses or throws, not copied.
#[wasm_bindgen_test]
async fn share_link_is_shown_and_honest_about_copying() {
    count_errors();
    let m = mount("?lab=raft&seed=4&lang=en").await;
    m.ctl.borrow_mut().playing = false;
    let resolve = "Object.defineProperty(navigator, 'clipboard', { configurable: true, value: \
         { writeText: (t) => { window.__copied = t; return Promise.resolve(); } } })";

    eval("Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true })");
    share_expect(&m, "false").await;
    let field: HtmlInputElement = m.find("share-url").unwrap().unchecked_into();
    assert!(field.read_only(), "a read-only field");
    assert!(field.value().contains("lab=raft") && field.value().contains("seed=4"));
    assert!(
        field.labels().is_some_and(|l| l.length() > 0),
        "the field is labelled"
    );
    assert!(
        m.text("share-status").contains("Not copied"),
        "{}",
        m.text("share-status")
    );
    assert!(!m.all_text().contains("Link copied"));

    eval(resolve);
    share_expect(&m, "true").await;
    assert!(m.text("share-status").contains("Link copied"));
    assert_eq!(
        eval("window.__copied").as_string().unwrap_or_default(),
        m.share()
    );

    eval(
        "Object.defineProperty(navigator, 'clipboard', { configurable: true, value: \
         { writeText: () => { throw new Error('boom'); } } })",
    );
    share_expect(&m, "false").await;
    eval(resolve);
    share_expect(&m, "true").await;
    eval(
        "Object.defineProperty(navigator, 'clipboard', { configurable: true, value: \
         { writeText: () => Promise.reject(new Error('denied')) } })",
    );
    share_expect(&m, "false").await;
    eval("delete navigator.clipboard");
    TimeoutFuture::new(50).await;
    assert_eq!(errors_seen(), 0.0, "no uncaught error");
}

/// Dispatches a keydown of `key` on `target`; returns whether its default was prevented.
fn key(target: &web_sys::EventTarget, key: &str) -> bool {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let e = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&e).unwrap();
    e.default_prevented()
}

fn scroll_y() -> f64 {
    web_sys::window().unwrap().scroll_y().unwrap_or(0.0)
}

/// Defect 4: Space and → act only when the focus is not on a control, and then do not also
/// scroll the page (the listener is not passive: it can and does prevent the default).
#[wasm_bindgen_test]
async fn space_and_arrow_leave_controls_alone_and_do_not_scroll() {
    let m = mount("?lab=raft&seed=2&lang=en").await;
    m.ctl.borrow_mut().playing = false;
    for testid in ["step", "heal-all", "speed", "lang", "scrubber", "share"] {
        let el: HtmlElement = m.find(testid).unwrap().unchecked_into();
        el.focus().unwrap();
        let events = m.ctl.borrow().session.events();
        let prevented = key(&el, " ");
        assert!(!m.ctl.borrow().playing, "Space on {testid} does not play");
        assert!(!prevented, "Space on {testid} keeps its own meaning");
        let prevented = key(&el, "ArrowRight");
        assert_eq!(
            m.ctl.borrow().session.events(),
            events,
            "→ on {testid} does not step"
        );
        assert!(!prevented, "→ on {testid} keeps its own meaning");
    }
    let body: web_sys::EventTarget = doc_of(&m).body().unwrap().into();
    let y0 = scroll_y();
    assert!(key(&body, " "), "Space on the page does not scroll it");
    assert!(m.ctl.borrow().playing, "Space on the page plays");
    assert!(key(&body, " "));
    assert!(!m.ctl.borrow().playing, "and pauses");
    let events = m.ctl.borrow().session.events();
    assert!(key(&body, "ArrowRight"));
    assert!(m.ctl.borrow().session.events() > events, "→ steps");
    // The canvas (focusable) takes the shortcuts too.
    let canvas: HtmlElement = m.find("net-canvas").unwrap().unchecked_into();
    assert_eq!(scroll_y(), y0, "the page did not scroll");
    canvas.focus().unwrap();
    let y0 = scroll_y();
    assert!(key(&canvas, " "));
    assert!(m.ctl.borrow().playing);
    assert_eq!(scroll_y(), y0, "the page did not scroll");
}

fn href_of(m: &Mounted, selector: &str) -> String {
    m.root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .get_attribute("href")
        .unwrap_or_default()
}

fn html_lang() -> String {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .document_element()
        .unwrap()
        .get_attribute("lang")
        .unwrap_or_default()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

/// Defect 8 (and 7's `<html lang>`): lab and scenario links keep the user's speed, seed and
/// language; the language persists in local storage, and a `lang=` parameter still wins.
#[wasm_bindgen_test]
async fn links_keep_the_users_settings_and_the_language_persists() {
    let _ = storage().remove_item(distlab_app::LANG_STORAGE_KEY);
    let m = mount("?lab=raft&seed=42&speed=5&lang=zh").await;
    let lab = href_of(
        &m,
        "[data-testid=picker] li.ready a[href*='placement-ring']",
    );
    for part in ["lab=placement-ring", "seed=42", "speed=5", "lang=zh"] {
        assert!(lab.contains(part), "{lab} keeps {part}");
    }
    let preset = href_of(&m, "[data-scenario=leader-crash]");
    for part in ["scenario=leader-crash", "speed=5", "lang=zh"] {
        assert!(preset.contains(part), "{preset} keeps {part}");
    }
    assert!(
        !preset.contains("seed="),
        "a preset brings its own seed: {preset}"
    );
    assert!(href_of(&m, "[data-testid=scenario-none]").contains("seed=42"));
    // The effect that sets it runs after the first render; on a busy machine give it time.
    m.wait_for(2_000, |_| html_lang() == "zh-CN").await;
    assert_eq!(html_lang(), "zh-CN");

    // The speed the user sets now is what the links carry.
    m.set("speed", "1", "input");
    assert!(
        m.wait_for(1_000, |m| href_of(m, "[data-scenario=split-vote]")
            .contains("speed=10&"))
            .await,
        "{}",
        href_of(&m, "[data-scenario=split-vote]")
    );

    // Switching the language: the page, <html lang>, the links and local storage follow.
    m.choose("lang", "en").await;
    assert!(m.wait_for(1_000, |_| html_lang() == "en").await);
    assert!(href_of(&m, "[data-scenario=split-vote]").contains("lang=en"));
    assert_eq!(
        storage()
            .get_item(distlab_app::LANG_STORAGE_KEY)
            .unwrap()
            .as_deref(),
        Some("en")
    );
    drop(m);

    // A later visit without `lang=` uses the stored language; with one, the parameter wins.
    storage()
        .set_item(distlab_app::LANG_STORAGE_KEY, "zh")
        .unwrap();
    let m = mount("?lab=raft").await;
    assert!(m.text("invariants").contains("不变式"));
    assert_eq!(html_lang(), "zh-CN");
    drop(m);
    let m = mount("?lab=raft&lang=en").await;
    assert!(m.text("invariants").contains("Invariants"));
    assert_eq!(html_lang(), "en");
    drop(m);
    let _ = storage().remove_item(distlab_app::LANG_STORAGE_KEY);
}

/// Defect 8: a preset run with other parameters than its explanation assumes says so, in the
/// user's language; the preset as given does not.
#[wasm_bindgen_test]
async fn a_preset_with_other_parameters_warns() {
    let m = mount("?lab=raft&scenario=split-vote&lang=en").await;
    assert!(m.find("scenario-about").is_some());
    assert!(m.find("scenario-warning").is_none());
    drop(m);
    let m = mount("?lab=raft&scenario=split-vote&nodes=9&lang=en").await;
    let w = m.text("scenario-warning");
    assert!(w.contains("nodes=9 (4)") && w.contains("preset"), "{w}");
    drop(m);
    let m = mount("?lab=raft&scenario=leader-crash&seed=7&lang=zh").await;
    let w = m.text("scenario-warning");
    assert!(w.contains("seed=7 (1)") && w.contains("预设"), "{w}");
}

/// The event log's entries are cut to one line, but each shows its full text on hover
/// (title) and when focused (Tab), where it wraps instead of being cut; Enter jumps there.
#[wasm_bindgen_test]
async fn event_log_entries_can_be_read_in_full() {
    let m = mount_framed("?lab=raft&seed=3&speed=20&lang=en", 1280, 900).await;
    assert!(
        m.wait_for(4_000, |m| m.count("event-log", "li") > 20).await,
        "the log fills"
    );
    m.ctl.borrow_mut().playing = false;
    TimeoutFuture::new(100).await;
    let li: HtmlElement = m
        .find("event-log")
        .unwrap()
        .query_selector("li:nth-child(10)")
        .unwrap()
        .unwrap()
        .unchecked_into();
    let title = li.get_attribute("title").unwrap_or_default();
    let text = li.text_content().unwrap_or_default();
    let body = text
        .split_whitespace()
        .skip(1)
        .collect::<Vec<_>>()
        .join(" ");
    let body = body.rsplit_once(" #").map_or(body.as_str(), |(b, _)| b);
    assert!(title.contains(body), "{title:?} has {body:?}");
    assert_eq!(li.tab_index(), 0, "focusable");
    li.focus().unwrap();
    let win = doc_of(&m).default_view().unwrap();
    let style = win.get_computed_style(&li).unwrap().unwrap();
    assert_eq!(style.get_property_value("white-space").unwrap(), "normal");
    assert!(
        li.scroll_width() <= li.client_width() + 1,
        "the focused entry is not cut"
    );
    // Enter on an entry jumps to its time.
    let time: f64 = text.split_whitespace().next().unwrap().parse().unwrap();
    key(&li, "Enter");
    let now = m.ctl.borrow().session.now() as f64 / MS as f64;
    assert!((now - time).abs() < 0.06, "{now} vs {time}");
}

/// Acting after scrubbing back discards the recorded future: the page says so (translated);
/// acting at the end of the run says nothing.
#[wasm_bindgen_test]
async fn acting_after_scrubbing_back_says_the_future_is_discarded() {
    let m = mount("?lab=raft&seed=3&speed=20&lang=en").await;
    assert!(
        m.wait_for(4_000, |m| m.ctl.borrow().session.now() > 1_200 * MS)
            .await
    );
    m.ctl.borrow_mut().playing = false;
    m.ctl
        .borrow_mut()
        .apply(Action::Cut { a: 0, b: 1 })
        .unwrap();
    TimeoutFuture::new(50).await;
    assert!(m.find("notice").is_none(), "at the end: nothing to say");
    m.set("scrubber", "300", "input");
    assert_eq!(m.ctl.borrow().session.now(), 300 * MS);
    m.click("heal-all");
    TimeoutFuture::new(50).await;
    let text = m.text("notice");
    assert!(
        text.contains("300.0 ms") && text.contains("discarded"),
        "{text}"
    );
    drop(m);
    let m = mount("?lab=raft&seed=3&lang=zh").await;
    m.ctl.borrow_mut().playing = false;
    m.ctl.borrow_mut().session.run_until(800 * MS);
    m.ctl.borrow_mut().seek(200 * MS);
    m.ctl.borrow_mut().apply(Action::Crash { node: 0 }).unwrap();
    assert!(
        m.wait_for(1_000, |m| m.text("notice").contains("丢弃"))
            .await
    );
}

/// "1 event", not "1 events".
#[wasm_bindgen_test]
async fn one_event_is_singular() {
    let m = mount("?lab=raft&seed=3&lang=en").await;
    {
        let mut c = m.ctl.borrow_mut();
        c.playing = false;
        c.restart_run();
        c.step();
    }
    assert_eq!(m.ctl.borrow().session.events(), 1);
    assert!(
        m.wait_for(1_000, |m| m.text("counts").starts_with("1 event ·"))
            .await,
        "{}",
        m.text("counts")
    );
    m.ctl.borrow_mut().step();
    assert!(
        m.wait_for(1_000, |m| m.text("counts").starts_with("2 events"))
            .await
    );
}

/// Chinese text has CJK fonts to fall back on where the system font has no CJK glyphs.
#[wasm_bindgen_test]
async fn the_font_stack_has_cjk_fonts() {
    let m = mount_framed("?lab=raft&lang=zh", 800, 600).await;
    let body = doc_of(&m).body().unwrap();
    let win = doc_of(&m).default_view().unwrap();
    let family = win
        .get_computed_style(&body)
        .unwrap()
        .unwrap()
        .get_property_value("font-family")
        .unwrap();
    for f in [
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "WenQuanYi Micro Hei",
    ] {
        assert!(family.contains(f), "{family} lacks {f}");
    }
}

/// Relative luminance of a CSS `rgb(r, g, b)` colour.
fn luminance(css: &str) -> f64 {
    let inner = css
        .trim_start_matches("rgba(")
        .trim_start_matches("rgb(")
        .trim_end_matches(')');
    let c: Vec<f64> = inner
        .split(',')
        .take(3)
        .map(|x| x.trim().parse::<f64>().unwrap() / 255.0)
        .map(|v| {
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        })
        .collect();
    0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
}

fn contrast(a: &str, b: &str) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// Defect 7: the canvas is an image with a name, a text alternative and the focus; every
/// control has a label; "coming" tags meet AA contrast; a skip link leads to the controls;
/// the speed slider speaks its speed.
#[wasm_bindgen_test]
async fn the_page_is_accessible() {
    let m = mount_framed("?lab=raft&seed=1&lang=en", 1280, 900).await;
    m.ctl.borrow_mut().playing = false;
    let canvas: HtmlElement = m.find("net-canvas").unwrap().unchecked_into();
    assert_eq!(canvas.get_attribute("role").as_deref(), Some("img"));
    assert!(canvas
        .get_attribute("aria-label")
        .is_some_and(|l| l.contains("5 nodes")));
    assert_eq!(canvas.tab_index(), 0);
    let alt = canvas.get_attribute("aria-describedby").unwrap();
    let alt = doc_of(&m)
        .get_element_by_id(&alt)
        .expect("text alternative");
    assert_eq!(alt.get_attribute("aria-live").as_deref(), Some("polite"));
    assert!(alt.text_content().unwrap().contains("5 nodes: 5 up"));

    // Every field, slider and menu has a label.
    let controls = m.root.query_selector_all("input, select").unwrap();
    assert!(controls.length() > 3);
    for i in 0..controls.length() {
        let el: Element = controls.item(i).unwrap().unchecked_into();
        let labels = js_sys::Reflect::get(&el, &"labels".into()).unwrap();
        let n = js_sys::Reflect::get(&labels, &"length".into())
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        assert!(
            n > 0.0 || el.get_attribute("aria-label").is_some(),
            "{} has no label",
            el.outer_html()
        );
    }

    // AA contrast for the "coming" tags and names.
    let win = doc_of(&m).default_view().unwrap();
    let bg = win
        .get_computed_style(&doc_of(&m).body().unwrap())
        .unwrap()
        .unwrap()
        .get_property_value("background-color")
        .unwrap();
    for sel in [".picker li.coming .tag", ".picker li.coming .name"] {
        let el = m.root.query_selector(sel).unwrap().unwrap();
        let fg = win
            .get_computed_style(&el)
            .unwrap()
            .unwrap()
            .get_property_value("color")
            .unwrap();
        let ratio = contrast(&fg, &bg);
        assert!(ratio >= 4.5, "{sel}: {fg} on {bg} is {ratio:.2}:1");
    }

    // The skip link is the first stop of Tab and leads straight to Play.
    let first = m
        .root
        .query_selector("a[href], button, input, select, [tabindex]:not([tabindex='-1'])")
        .unwrap()
        .unwrap();
    assert_eq!(
        first.get_attribute("data-testid").as_deref(),
        Some("skip-link")
    );
    m.click("skip-link");
    let active = doc_of(&m).active_element().unwrap();
    assert_eq!(active.id(), "lab-controls");
    let next = active
        .query_selector("a[href], button, input, select, [tabindex]:not([tabindex='-1'])")
        .unwrap()
        .unwrap();
    assert_eq!(next.get_attribute("data-testid").as_deref(), Some("play"));

    // The speed slider speaks the speed, not its logarithm.
    m.set("speed", "1", "input");
    TimeoutFuture::new(50).await;
    assert_eq!(
        m.find("speed")
            .unwrap()
            .get_attribute("aria-valuetext")
            .as_deref(),
        Some("10×")
    );
}

/// Defect 7: every canvas action from the keyboard panel — a node's menu (focus moves into
/// it and back), cut and heal a link, drop a message, a partition.
#[wasm_bindgen_test]
async fn every_canvas_action_works_from_the_keyboard() {
    let m = mount_framed("?lab=raft&seed=1&lang=en", 1280, 900).await;
    assert!(m.drawn_soon("net-canvas").await);
    m.ctl.borrow_mut().playing = false;
    m.ctl.borrow_mut().session.run_until(400 * MS);
    let doc = doc_of(&m);

    // A node: its entry opens the same menu, with the focus on its first action.
    m.click("node-btn-2");
    assert!(
        m.wait_for(1_000, |_| doc
            .active_element()
            .and_then(|a| a.get_attribute("data-testid"))
            .as_deref()
            == Some("menu-crash"))
            .await,
        "the focus moves into the menu"
    );
    m.click("menu-crash");
    assert_eq!(m.ctl.borrow().session.view().nodes[1].status, "down");
    assert_eq!(
        doc.active_element()
            .and_then(|a| a.get_attribute("data-testid"))
            .as_deref(),
        Some("node-btn-2"),
        "the focus returns to the node's entry"
    );
    // Escape closes a menu.
    m.click("node-btn-3");
    assert!(m.wait_for(1_000, |m| m.find("node-menu").is_some()).await);
    let menu = m.find("node-menu").unwrap();
    key(&menu, "Escape");
    assert!(m.wait_for(1_000, |m| m.find("node-menu").is_none()).await);
    // Escape also closes a menu opened with the mouse (the focus is not in it; the shortcuts
    // listen on the page's document).
    open_menu(&m, 3).await;
    let page = web_sys::window().unwrap().document().unwrap();
    let body: web_sys::EventTarget = page.body().unwrap().into();
    key(&body, "Escape");
    assert!(m.wait_for(1_000, |m| m.find("node-menu").is_none()).await);
    // Restart from the keyboard too.
    m.click("node-btn-2");
    assert!(
        m.wait_for(1_000, |m| m.find("menu-restart").is_some())
            .await
    );
    m.click("menu-restart");
    assert_eq!(m.ctl.borrow().session.view().nodes[1].status, "up");

    // A link: pick it, cut it, heal it.
    m.choose("kbd-link", "2-4").await;
    m.click("kbd-link-toggle");
    let cut = |m: &Mounted| {
        m.ctl
            .borrow()
            .session
            .view()
            .links
            .iter()
            .any(|l| l.cut && (l.a, l.b) == (2, 4))
    };
    assert!(cut(&m), "n3–n5 cut");
    assert!(
        m.wait_for(1_000, |m| m.text("kbd-link-toggle").contains("Heal"))
            .await
    );
    m.click("kbd-link-toggle");
    assert!(!cut(&m), "n3–n5 healed");

    // A message in flight: drop it.
    let has_msgs = |m: &Mounted| !m.ctl.borrow().session.view().messages.is_empty();
    while !has_msgs(&m) {
        m.ctl.borrow_mut().step();
    }
    TimeoutFuture::new(50).await;
    let id = m.ctl.borrow().session.view().messages[0].id;
    m.choose("kbd-msg", &id.to_string()).await;
    m.click("kbd-drop");
    assert!(m.ctl.borrow().session.trace().iter().any(|r| matches!(
        r.kind,
        TraceKind::Drop { msg, .. } if msg == id
    )));

    // A partition: open the tool, choose groups, apply.
    m.click("partition-tool");
    assert!(m.wait_for(1_000, |m| m.find("group-1").is_some()).await);
    m.choose("group-1", "1").await;
    m.choose("group-2", "1").await;
    m.click("apply-partition");
    let groups = m.ctl.borrow().session.view().groups.clone();
    assert!(
        groups[0] == groups[1] && groups[0] != groups[2],
        "{groups:?}"
    );
}

/// Defect 7: the spoken summary follows the state politely: at once when paused, at most
/// every couple of seconds while the run plays (not every frame).
#[wasm_bindgen_test]
async fn the_live_summary_follows_the_state_without_chattering() {
    let m = mount("?lab=raft&seed=1&lang=en").await;
    m.ctl.borrow_mut().playing = false;
    m.ctl.borrow_mut().session.run_until(1_000 * MS);
    m.ctl.borrow_mut().apply(Action::Crash { node: 0 }).unwrap();
    assert!(
        m.wait_for(1_000, |m| m.text("live-summary").contains("1 crashed"))
            .await,
        "{}",
        m.text("live-summary")
    );
    // While playing: a change just after an announcement waits its turn.
    {
        let mut c = m.ctl.borrow_mut();
        c.live.1 = js_sys::Date::now();
        c.playing = true;
        c.apply(Action::Crash { node: 3 }).unwrap();
    }
    TimeoutFuture::new(400).await;
    assert!(m.text("live-summary").contains("1 crashed"), "not yet");
    assert!(
        m.wait_for(3_000, |m| m.text("live-summary").contains("2 crashed"))
            .await,
        "then announced"
    );
    let c = m.ctl.borrow();
    assert!(summary_text(&c, Lang::Zh).contains("已宕机"));
}

/// Defect 7: with reduced motion, messages stand still on their links (and are hit there).
#[wasm_bindgen_test]
async fn reduced_motion_keeps_messages_still() {
    let m = mount("?lab=raft&seed=1&lang=en").await;
    assert!(m.drawn_soon("net-canvas").await);
    m.ctl.borrow_mut().playing = false;
    assert_eq!(
        m.ctl.borrow().reduced_motion,
        distlab_app::prefers_reduced_motion()
    );
    m.ctl.borrow_mut().reduced_motion = true;
    while m.ctl.borrow().session.view().messages.is_empty() {
        m.ctl.borrow_mut().step();
    }
    let c = m.ctl.borrow();
    let view = c.session.view();
    let msg = view.messages[0].clone();
    let layout = distlab_app::render::Layout::new(view.nodes.len(), 600.0, 400.0);
    let a = layout.msg_pos(&msg, msg.sent_at, true);
    let b = layout.msg_pos(&msg, msg.deliver_at, true);
    assert_eq!(a, b, "no motion");
    assert_ne!(
        layout.msg_pos(&msg, msg.sent_at, false),
        layout.msg_pos(&msg, msg.deliver_at, false)
    );
    let hit = distlab_app::render::hit(&layout, &view, a.0, a.1, true);
    assert!(
        matches!(hit, distlab_app::render::Hit::Message(_)),
        "{hit:?}"
    );
}

/// Defect 7 in embed mode: the keyboard panel is folded into the bar; opened, it lies inside the
/// 640×400 frame and opens a node's menu from the keyboard.
#[wasm_bindgen_test]
async fn embedded_labs_offer_every_action_from_the_keyboard() {
    let m = mount_framed("?lab=raft&embed=1&lang=en", 640, 400).await;
    let details = m.find("embed-kbd").expect("the folded keyboard panel");
    let frame = rect(&doc_of(&m).document_element().unwrap());
    assert!(inside(&rect(&details), &frame), "its summary fits the bar");
    details.set_attribute("open", "").unwrap();
    assert!(m.wait_for(1_000, |m| m.find("kbd-panel").is_some()).await);
    let panel = m.find("kbd-panel").unwrap();
    assert!(
        inside(&rect(&panel), &frame),
        "the opened panel lies inside the frame"
    );
    m.click("node-btn-1");
    assert!(
        m.wait_for(1_000, |m| m.find("node-menu").is_some()).await,
        "a node's menu opens from the keyboard panel"
    );
}
