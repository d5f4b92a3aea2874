//! Mounting helpers shared by the browser tests: mount the app with a query string (on the
//! page, or in an iframe with the app's stylesheet to check layout), find elements by
//! `data-testid`, click, wait, reach the app's network controller, and check a canvas was
//! drawn.
#![cfg(target_arch = "wasm32")]
#![allow(dead_code)]

use std::cell::{Ref, RefMut};

use distlab_app::app::{App, AppProps};
use distlab_app::controller::{Controller, Shared};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlCanvasElement, HtmlElement};
use yew::AppHandle;

pub struct Mounted {
    pub handle: Option<AppHandle<App>>,
    pub root: Element,
    /// The mounted app's network controller (the same one its buttons and menus drive).
    pub ctl: Ctl,
    /// The iframe [`mount_framed`] created for the app (removed on drop), if any.
    pub frame: Option<Element>,
}

/// The network controller of a mounted app, borrowed like the `RefCell` it is; a plotted lab
/// has none (borrowing it then fails the test).
pub struct Ctl(pub Option<Shared>);

impl Ctl {
    pub fn borrow(&self) -> Ref<'_, Controller> {
        self.shared().borrow()
    }

    pub fn borrow_mut(&self) -> RefMut<'_, Controller> {
        self.shared().borrow_mut()
    }

    pub fn shared(&self) -> &Shared {
        self.0
            .as_ref()
            .expect("a network lab's app has a controller (a plotted lab has none)")
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.destroy();
        }
        self.root.remove();
        // Mounted in an iframe ([`mount_framed`]): remove that frame too (and only it).
        if let Some(frame) = self.frame.take() {
            frame.remove();
        }
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

    /// The leader shown in the status line (1-based), if any.
    pub fn leader(&self) -> Option<usize> {
        self.find("leader")?
            .get_attribute("data-leader")?
            .parse()
            .ok()
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

    /// Sets an input's value and fires `event` on it (`input` for sliders, `change` for
    /// text fields and menus).
    pub fn set(&self, testid: &str, value: &str, event: &str) {
        let el = self
            .find(testid)
            .unwrap_or_else(|| panic!("no element {testid}"));
        if let Some(i) = el.dyn_ref::<web_sys::HtmlInputElement>() {
            i.set_value(value);
        } else if let Some(s) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
            s.set_value(value);
        }
        el.dispatch_event(&web_sys::Event::new(event).unwrap())
            .unwrap();
    }

    /// The share link shown by the lab (empty when none is shown).
    pub fn share(&self) -> String {
        self.find("share-url")
            .map(|e| e.unchecked_into::<web_sys::HtmlInputElement>().value())
            .unwrap_or_default()
    }

    /// How many elements match a CSS selector inside the element `testid`.
    pub fn count(&self, testid: &str, selector: &str) -> u32 {
        self.find(testid)
            .and_then(|e| e.query_selector_all(selector).ok())
            .map_or(0, |l| l.length())
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
    mount_at(root, query, None).await
}

/// Mounts the app the way course notes embed it: alone in an iframe of `w`×`h` CSS pixels,
/// styled by the app's stylesheet, so tests can check what fits.
pub async fn mount_framed(query: &str, w: u32, h: u32) -> Mounted {
    let doc = web_sys::window().unwrap().document().unwrap();
    let frame = doc.create_element("iframe").unwrap();
    frame
        .set_attribute("style", &format!("width:{w}px;height:{h}px;border:0"))
        .unwrap();
    doc.body().unwrap().append_child(&frame).unwrap();
    let inner: web_sys::Document = js_sys::Reflect::get(&frame, &"contentDocument".into())
        .unwrap()
        .unchecked_into();
    let style = inner.create_element("style").unwrap();
    style.set_text_content(Some(include_str!("../../www/style.css")));
    let body = inner.body().unwrap();
    body.append_child(&style).unwrap();
    let root = inner.create_element("div").unwrap();
    body.append_child(&root).unwrap();
    mount_at(root, query, Some(frame)).await
}

async fn mount_at(root: Element, query: &str, frame: Option<Element>) -> Mounted {
    distlab_app::testing::install_all();
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
        ctl: Ctl(distlab_app::testing::last_controller()),
        frame,
    }
}

impl Mounted {
    /// Waits up to `ms` for the text of `testid` to contain `needle`; fails showing that text.
    pub async fn expect_text(&self, ms: u32, testid: &str, needle: &str) {
        assert!(
            self.wait_for(ms, |m| m.text(testid).contains(needle)).await,
            "{}",
            self.text(testid)
        );
    }

    /// Waits up to `ms` for the share link to contain `needle`; fails showing the link.
    pub async fn expect_share(&self, ms: u32, needle: &str) {
        assert!(
            self.wait_for(ms, |m| m.share().contains(needle)).await,
            "{}",
            self.share()
        );
    }

    /// Whether the canvas `testid` is drawn within two seconds.
    pub async fn drawn_soon(&self, testid: &str) -> bool {
        self.wait_for(2_000, |m| m.drawn(testid)).await
    }

    /// Picks `value` in the menu or text field `testid` (a `change` event) and lets the page
    /// re-render.
    pub async fn choose(&self, testid: &str, value: &str) {
        self.set(testid, value, "change");
        TimeoutFuture::new(50).await;
    }
}

/// The query string (with its `?`) of a share link, empty when it has none.
pub fn query_of(url: &str) -> String {
    url.split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default()
}

/// The percentage a text starts with (`12.5% (…)` → 12.5).
pub fn percent(text: &str) -> f64 {
    text.split('%').next().unwrap().trim().parse().unwrap()
}
