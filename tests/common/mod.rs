//! Mounting helpers shared by the browser tests of the plotted labs: mount the app with a
//! query string, find elements by `data-testid`, click, wait, and check a canvas was drawn.
#![cfg(target_arch = "wasm32")]
#![allow(dead_code)]

use distlab_app::app::{App, AppProps};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlCanvasElement, HtmlElement};
use yew::AppHandle;

pub struct Mounted {
    pub handle: Option<AppHandle<App>>,
    pub root: Element,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
        self.root.remove();
    }
}

impl Mounted {
    pub fn find(&self, testid: &str) -> Option<Element> {
        self.root
            .query_selector(&format!("[data-testid=\"{testid}\"]"))
            .ok()
            .flatten()
    }

    pub fn text(&self, testid: &str) -> String {
        self.find(testid)
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    }

    pub fn all_text(&self) -> String {
        self.root.text_content().unwrap_or_default()
    }

    pub fn click(&self, testid: &str) {
        self.find(testid)
            .unwrap_or_else(|| panic!("no element {testid}"))
            .unchecked_into::<HtmlElement>()
            .click();
    }

    pub async fn wait_for(&self, ms: u32, mut f: impl FnMut(&Mounted) -> bool) -> bool {
        for _ in 0..ms / 20 {
            if f(self) {
                return true;
            }
            TimeoutFuture::new(20).await;
        }
        f(self)
    }

    /// Whether the canvas has a size and something drawn on it.
    pub fn drawn(&self, testid: &str) -> bool {
        let Some(c) = self.find(testid) else {
            return false;
        };
        let c: HtmlCanvasElement = c.unchecked_into();
        c.width() > 0 && c.height() > 0 && c.to_data_url().map_or(0, |u| u.len()) > 2_000
    }
}

pub async fn mount(query: &str) -> Mounted {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    root.set_attribute("style", "width:1100px;height:900px")
        .unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let handle = yew::Renderer::<App>::with_root_and_props(
        root.clone(),
        AppProps {
            query: query.to_string(),
        },
    )
    .render();
    TimeoutFuture::new(50).await;
    Mounted {
        handle: Some(handle),
        root,
    }
}
