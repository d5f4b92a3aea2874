//! Browser tests of the networked labs' chart panel (a lab's `NetLab::SERIES`): the
//! local-message lab with a preset shows its charts with data, in English and Chinese; the
//! charts follow the time slider (a seek back empties them, forward fills them again); the
//! embedded page keeps them folded in its bar; a lab without series has no panel.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{mount, mount_framed, Mounted};
use distlab_engine::MS;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// How many points the chart canvas drew last (its `data-points`).
fn points(m: &Mounted) -> u32 {
    m.find("series-canvas")
        .and_then(|c| c.get_attribute("data-points"))
        .and_then(|p| p.parse().ok())
        .unwrap_or(0)
}

#[wasm_bindgen_test]
async fn a_preset_of_the_local_message_lab_charts_its_window_and_follows_the_slider() {
    for (lang, title) in [("en", "Charts"), ("zh", "图表")] {
        let m = mount(&format!(
            "?lab=tx-local-message&scenario=lm-broker-down&lang={lang}&speed=10"
        ))
        .await;
        assert!(
            m.find("series").is_some(),
            "{lang}: the chart panel is shown"
        );
        assert!(
            m.text("series").contains(title),
            "{lang}: {}",
            m.text("series")
        );
        assert!(
            m.wait_for(8_000, |m| m.ctl.borrow().session.now() > 1_000 * MS
                && points(m) >= 2)
                .await,
            "{lang}: the window and the backlog are drawn ({} points)",
            points(&m)
        );
        assert!(m.drawn("series-canvas"), "{lang}: something drawn");
        // Back before the first order: nothing to draw; forward again: the same curves.
        m.ctl.borrow_mut().playing = false;
        let before = m.ctl.borrow().session.series();
        let t = m.ctl.borrow().session.now();
        m.ctl.borrow_mut().seek(80 * MS);
        assert!(
            m.wait_for(2_000, |m| points(m) == 0).await,
            "{lang}: at 80 ms"
        );
        m.ctl.borrow_mut().seek(t);
        assert!(
            m.wait_for(2_000, |m| points(m) >= 2).await,
            "{lang}: back at {t}"
        );
        assert_eq!(m.ctl.borrow().session.series(), before, "{lang}");
    }
}

/// `inner` lies inside `outer` (with half a pixel of rounding).
fn inside(inner: &web_sys::DomRect, outer: &web_sys::DomRect) -> bool {
    inner.left() >= outer.left() - 0.5
        && inner.top() >= outer.top() - 0.5
        && inner.right() <= outer.right() + 0.5
        && inner.bottom() <= outer.bottom() + 0.5
}

#[wasm_bindgen_test]
async fn embedded_the_charts_fold_into_the_bar_and_open_on_demand() {
    for (lab, preset) in [
        ("tx-local-message", "lm-broker-down"),
        ("tx-2pc", "2pc-coordinator-crash"),
    ] {
        for lang in ["en", "zh"] {
            let f = mount_framed(
                &format!("?lab={lab}&scenario={preset}&lang={lang}&embed=1&speed=10"),
                640,
                400,
            )
            .await;
            let panel = f
                .find("series")
                .expect("the embedded bar offers the charts");
            assert!(
                !panel.has_attribute("open"),
                "{lab} {lang}: folded by default"
            );
            let frame = f
                .root
                .owner_document()
                .and_then(|d| d.document_element())
                .expect("frame")
                .get_bounding_client_rect();
            let summary = panel.get_bounding_client_rect();
            assert!(inside(&summary, &frame), "{lab} {lang}: fits the bar");
            panel.set_attribute("open", "").expect("open");
            assert!(
                f.wait_for(8_000, |m| points(m) >= 2 && m.drawn("series-canvas"))
                    .await,
                "{lab} {lang}: opened, the charts are drawn ({} points)",
                points(&f)
            );
            let canvas = f.find("series-canvas").expect("canvas");
            assert!(
                inside(&canvas.get_bounding_client_rect(), &frame),
                "{lab} {lang}: the opened charts lie inside the frame"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn a_lab_without_series_has_no_chart_panel() {
    let m = mount("?lab=raft&lang=en").await;
    assert!(m.drawn_soon("net-canvas").await);
    assert!(m.find("series").is_none());
}
