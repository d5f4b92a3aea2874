//! Smoke test for the browser-test pipeline itself, not for the app.
//!
//! It proves that `wasm-pack test --headless --chrome` compiles the tests to wasm, starts headless
//! Chromium through chromedriver and runs them against a real DOM, both sync and async. If this
//! fails while the app's own browser tests fail too, look at the toolchain first
//! (scripts/tools.sh, webdriver.json), not at the app.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn dom_element_round_trip() {
    let document = web_sys::window()
        .expect("a browser window")
        .document()
        .expect("a document");
    let body = document.body().expect("a <body>");

    let element = document.create_element("div").expect("create <div>");
    element.set_id("pipeline-smoke");
    element.set_text_content(Some("DistLab 分布式实验室"));
    body.append_child(&element).expect("append to <body>");

    let found = document
        .get_element_by_id("pipeline-smoke")
        .expect("the appended element is in the document");
    assert_eq!(found.tag_name(), "DIV");
    assert_eq!(
        found.text_content().as_deref(),
        Some("DistLab 分布式实验室")
    );

    let html: web_sys::HtmlElement = found.dyn_into().expect("a <div> is an HtmlElement");
    assert_eq!(html.inner_text(), "DistLab 分布式实验室");

    body.remove_child(&html).expect("remove from <body>");
    assert!(document.get_element_by_id("pipeline-smoke").is_none());
}

#[wasm_bindgen_test]
async fn promises_resolve() {
    let value = JsFuture::from(js_sys::Promise::resolve(&JsValue::from(42)))
        .await
        .expect("a resolved promise");
    assert_eq!(value.as_f64(), Some(42.0));
}
