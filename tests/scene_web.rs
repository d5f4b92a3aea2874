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

trait Playing {
    fn playing_scene(&self) -> bool;
}

impl Playing for common::Mounted {
    /// Whether the play button offers Pause.
    fn playing_scene(&self) -> bool {
        self.text("sc-play").contains("Pause")
    }
}
