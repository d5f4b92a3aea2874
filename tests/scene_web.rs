//! Browser tests of the generic scene view, over the registry: every model lab drawn by it
//! opens full and embedded in both languages and draws its bars and charts with translated
//! counters; each declared control, pressed with its default arguments, becomes a logged
//! action that the share link carries and that replays; the time slider goes back; each
//! preset plays its steps.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{mount, mount_framed, query_of};
use distlab_engine::labs::scene::is_scene_lab;
use distlab_engine::labs::{LabDef, LABS};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn scene_labs() -> impl Iterator<Item = &'static LabDef> {
    LABS.iter().filter(|l| is_scene_lab(l))
}

/// Whether a text shows a translation key instead of its text (`stat.x`, `sched-borg.y`).
fn has_key(text: &str, lab: &str) -> bool {
    text.contains("stat.") || text.contains(&format!("{lab}.")) || text.contains("series.")
}

#[wasm_bindgen_test]
async fn every_scene_lab_opens_full_and_embedded_in_both_languages() {
    // The three schedulers at least: a loop over nothing would pass without testing anything.
    assert!(scene_labs().count() >= 3, "scene labs in the registry");
    for lab in scene_labs() {
        for lang in ["en", "zh"] {
            let m = mount(&format!("?lab={}&lang={lang}&speed=10", lab.id)).await;
            assert!(
                m.find("input-errors").is_none(),
                "{}: {}",
                lab.id,
                m.all_text()
            );
            let canvas = if m.find("sc-bars").is_some() {
                "sc-bars"
            } else {
                "sc-chart"
            };
            assert!(
                m.drawn_soon(canvas).await,
                "{} {lang}: {canvas} drawn",
                lab.id
            );
            m.click("sc-end");
            assert!(
                m.wait_for(3_000, |m| !m.text("sc-stats").is_empty()).await,
                "{} {lang}: counters shown",
                lab.id
            );
            let text = m.all_text();
            assert!(
                !has_key(&text, lab.id),
                "{} {lang}: an untranslated key in {text}",
                lab.id
            );
            drop(m);
            let f = mount_framed(&format!("?lab={}&lang={lang}&embed=1", lab.id), 640, 400).await;
            assert!(
                f.drawn_soon(canvas).await,
                "{} {lang}: embedded {canvas}",
                lab.id
            );
            assert!(
                f.find("picker").is_none(),
                "{}: embed hides the picker",
                lab.id
            );
            assert!(f.find("sc-play").is_some(), "{}: embed keeps play", lab.id);
        }
    }
}

#[wasm_bindgen_test]
async fn each_control_is_a_logged_action_that_the_share_link_replays() {
    for lab in scene_labs() {
        let Some(timed) = lab.timed else { continue };
        let m = mount(&format!("?lab={}&lang=en", lab.id)).await;
        m.click("sc-play"); // pause
        m.click("sc-step");
        let mut pressed = 0;
        for c in timed.controls {
            m.click("sc-step");
            m.click(&format!("sc-{}", c.verb));
            TimeoutFuture::new(30).await;
            // A control the state refuses now says why; none breaks the page.
            if m.find("sc-error").is_none() {
                pressed += 1;
            }
        }
        assert!(pressed > 0, "{}: some control applies at the start", lab.id);
        assert!(
            m.wait_for(1_000, |m| m.count("sc-log", "li") as usize >= pressed)
                .await,
            "{}: {pressed} logged in {}",
            lab.id,
            m.text("sc-log")
        );
        let link = m.share();
        assert!(link.contains("actions="), "{}: {link}", lab.id);
        let want = m.text("sc-log");
        drop(m);
        let r = mount(&query_of(&link)).await;
        assert!(
            r.wait_for(1_000, |r| r.text("sc-log") == want).await,
            "{}: the link replays its log: {} vs {want}",
            lab.id,
            r.text("sc-log")
        );
    }
}

#[wasm_bindgen_test]
async fn the_time_slider_goes_back_and_presets_play_their_steps() {
    for lab in scene_labs() {
        let m = mount(&format!("?lab={}&lang=en", lab.id)).await;
        m.click("sc-end");
        assert!(
            m.wait_for(3_000, |m| !m.playing_scene()).await,
            "{}: at the end",
            lab.id
        );
        m.set("sc-scrubber", "1000", "input");
        assert!(
            m.wait_for(1_000, |m| m.text("sc-time").contains(" 1 s"))
                .await,
            "{}: back to 1 s: {}",
            lab.id,
            m.text("sc-time")
        );
        drop(m);
        for sc in lab.scenarios {
            let m = mount(&format!("?lab={}&scenario={}&lang=zh", lab.id, sc.id)).await;
            assert!(
                m.find("scenario-about").is_some(),
                "{} {}: explained",
                lab.id,
                sc.id
            );
            m.click("sc-end");
            assert!(
                m.wait_for(3_000, |m| m.count("sc-log", "li") as usize
                    >= sc.steps.len().min(1))
                    .await,
                "{} {}: its steps logged: {}",
                lab.id,
                sc.id,
                m.text("sc-log")
            );
        }
    }
}

/// Whether `e` lies inside a `w`×`h` frame.
fn in_frame(e: &web_sys::Element, w: f64, h: f64) -> bool {
    let r = e.get_bounding_client_rect();
    r.left() >= -0.5 && r.top() >= -0.5 && r.right() <= w + 0.5 && r.bottom() <= h + 0.5
}

#[wasm_bindgen_test]
async fn embedded_at_640_by_400_the_play_bar_stays_in_sight_and_every_control_is_reachable() {
    use wasm_bindgen::JsCast;
    for lab in scene_labs() {
        let f = mount_framed(&format!("?lab={}&lang=en&embed=1", lab.id), 640, 400).await;
        TimeoutFuture::new(300).await;
        let page = f
            .root
            .owner_document()
            .unwrap()
            .scrolling_element()
            .unwrap();
        assert!(
            page.scroll_height() <= page.client_height() + 1,
            "{}: the frame itself scrolls ({} > {})",
            lab.id,
            page.scroll_height(),
            page.client_height()
        );
        for id in ["sc-play", "sc-end", "sc-scrubber"] {
            let e = f.find(id).unwrap_or_else(|| panic!("{}: {id}", lab.id));
            assert!(in_frame(&e, 640.0, 400.0), "{}: {id} in sight", lab.id);
        }
        // The bars keep their drawn height (a squeezed canvas cut off the lower cells).
        if let Some(bars) = f.find("sc-bars") {
            let style = bars.get_attribute("style").unwrap_or_default();
            let want: f64 = style
                .trim_start_matches("height:")
                .trim_end_matches("px")
                .parse()
                .unwrap_or_else(|_| panic!("{}: bars style {style}", lab.id));
            let got = bars.unchecked_ref::<web_sys::HtmlElement>().offset_height() as f64;
            assert!(
                (got - want).abs() < 1.0,
                "{}: bars {got} px of {want}",
                lab.id
            );
        }
        // Folded, the controls leave most of the frame to the drawing.
        let view = f
            .find("sc-view")
            .unwrap()
            .get_bounding_client_rect()
            .height();
        assert!(
            view >= 240.0,
            "{}: the drawing gets {view} px of 400",
            lab.id
        );
        // The lab's controls fold away below the play bar; unfolded, each can be reached.
        f.click("sc-tools-open");
        TimeoutFuture::new(100).await;
        let tools = f
            .root
            .query_selector_all(".sc-tools button, .sc-tools input, .sc-tools select")
            .unwrap();
        assert!(tools.length() > 0, "{}: controls in the strip", lab.id);
        for i in 0..tools.length() {
            let e: web_sys::Element = tools.item(i).unwrap().unchecked_into();
            e.scroll_into_view();
            let id = e.get_attribute("data-testid").unwrap_or_default();
            assert!(in_frame(&e, 640.0, 400.0), "{}: {id} reachable", lab.id);
        }
    }
}

trait Playing {
    fn playing_scene(&self) -> bool;
}

impl Playing for common::Mounted {
    /// Whether the play button offers Pause.
    fn playing_scene(&self) -> bool {
        self.text("sc-play").contains("Pause")
    }
}
