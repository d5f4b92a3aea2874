//! DistLab's web app: a Yew shell around the engine's labs, drawing on canvas.
//!
//! `start()` mounts the app on the page; browser tests mount [`app::App`] with their own
//! query string and drive it through the same [`controller::Controller`] the UI uses.

pub mod app;
pub mod canvas;
pub mod controller;
pub mod i18n;
pub mod lane_events;
pub mod logs;
pub mod plots;
pub mod render;
pub mod timeline;

use std::cell::Cell;

use distlab_engine::input::Lang;
use wasm_bindgen::JsCast;

thread_local! {
    static LANG: Cell<Lang> = const { Cell::new(Lang::En) };
}

/// Records the interface language (the panic overlay reads it).
pub fn set_lang(l: Lang) {
    LANG.with(|c| c.set(l));
}

pub fn lang() -> Lang {
    LANG.with(Cell::get)
}

/// The `lang` parameter to carry over to lab links, if the page was given one.
pub fn current_lang_param() -> Option<&'static str> {
    let search = web_sys::window()?.location().search().ok()?;
    search.contains("lang=").then(|| lang().code())
}

/// The page's address with a new query string.
pub fn share_url(query: &str) -> String {
    let Some(loc) = web_sys::window().map(|w| w.location()) else {
        return format!("?{query}");
    };
    let origin = loc.origin().unwrap_or_default();
    let path = loc.pathname().unwrap_or_default();
    format!("{origin}{path}?{query}")
}

/// Copies text to the clipboard when the browser allows it, and says whether it did.
///
/// `navigator.clipboard` exists only in secure contexts (https, or http on localhost): over
/// plain http from any other host it is undefined, and calling it would throw. A browser may
/// also refuse the write (no permission, page not focused); the promise then rejects. Neither
/// raises an uncaught error here: the answer is simply `false`.
pub async fn try_copy(text: &str) -> bool {
    use wasm_bindgen::JsValue;
    let Some(w) = web_sys::window() else {
        return false;
    };
    let clip = js_sys::Reflect::get(&w.navigator(), &"clipboard".into()).unwrap_or(JsValue::NULL);
    if clip.is_undefined() || clip.is_null() {
        return false;
    }
    let Some(write) = js_sys::Reflect::get(&clip, &"writeText".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return false;
    };
    let Ok(ret) = write.call1(&clip, &JsValue::from_str(text)) else {
        return false;
    };
    match ret.dyn_into::<js_sys::Promise>() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p).await.is_ok(),
        Err(_) => false,
    }
}

/// Copies text to the clipboard when the browser allows it, in the background (callers that
/// must say whether it worked use [`try_copy`]).
pub fn copy_text(text: &str) {
    let text = text.to_string();
    wasm_bindgen_futures::spawn_local(async move {
        let _ = try_copy(&text).await;
    });
}

/// The `localStorage` key of the interface language the user chose.
pub const LANG_STORAGE_KEY: &str = "distlab.lang";

/// The interface language the user chose earlier in this browser, if any.
pub fn stored_lang() -> Option<Lang> {
    let storage = web_sys::window()?.local_storage().ok()??;
    Lang::parse(&storage.get_item(LANG_STORAGE_KEY).ok()??)
}

/// Remembers the interface language for the next visit (a `lang=` URL parameter still wins).
pub fn store_lang(l: Lang) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(LANG_STORAGE_KEY, l.code());
    }
}

/// The value of `<html lang>` for an interface language.
pub fn html_lang(l: Lang) -> &'static str {
    match l {
        Lang::En => "en",
        Lang::Zh => "zh-CN",
    }
}

/// Whether the user asked the system for less motion (`prefers-reduced-motion: reduce`).
pub fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

/// Offers `content` to the user as a downloaded file.
pub fn download(filename: &str, mime: &str, content: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(content));
    let props = web_sys::BlobPropertyBag::new();
    props.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &props) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    download_url(&doc, filename, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Offers a URL (for example a canvas's data URL) as a downloaded file.
pub fn download_url(doc: &web_sys::Document, filename: &str, url: &str) {
    let Ok(a) = doc.create_element("a") else {
        return;
    };
    let a: web_sys::HtmlAnchorElement = a.unchecked_into();
    a.set_href(url);
    a.set_download(filename);
    a.click();
}

/// Shows a panic as an overlay with the message and a copy button, instead of a frozen page.
pub fn show_panic(message: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else { return };
    let l = lang();
    let Ok(overlay) = doc.create_element("div") else {
        return;
    };
    overlay.set_class_name("panic-overlay");
    overlay.set_attribute("role", "alertdialog").ok();
    overlay.set_attribute("data-testid", "panic").ok();
    let h = doc.create_element("h2").ok();
    let p = doc.create_element("p").ok();
    let pre = doc.create_element("pre").ok();
    let button = doc.create_element("button").ok();
    if let (Some(h), Some(p), Some(pre), Some(button)) = (h, p, pre, button) {
        h.set_text_content(Some(i18n::tr(l, "err.panic")));
        p.set_text_content(Some(i18n::tr(l, "err.panic_help")));
        pre.set_text_content(Some(message));
        button.set_text_content(Some(i18n::tr(l, "err.copy")));
        let text = message.to_string();
        let cb = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || copy_text(&text));
        button
            .add_event_listener_with_callback("click", cb.as_ref().unchecked_ref())
            .ok();
        cb.forget();
        for el in [&h, &p, &pre, &button] {
            overlay.append_child(el).ok();
        }
    }
    body.append_child(&overlay).ok();
}

/// Installs the panic hook: console message plus the visible overlay.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_panic(&info.to_string());
    }));
}

/// Mounts the app on the page's body, configured by the page's query string, running `labs`
/// (a web bundle's, `distlab_engine::labs::bundle`) drawn with `views` (their model views,
/// [`plots::views_for`]).
pub fn start(labs: &'static [distlab_engine::labs::LabDef], views: &'static plots::Views) {
    distlab_engine::labs::install(labs);
    plots::install_views(views);
    install_panic_hook();
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
    else {
        yew::Renderer::<app::App>::with_props(app::AppProps { query }).render();
        return;
    };
    yew::Renderer::<app::App>::with_root_and_props(root, app::AppProps { query }).render();
}

/// Hooks for browser tests: the controller of the most recently mounted app.
pub mod testing {
    use std::cell::RefCell;

    use crate::controller::Shared;

    thread_local! {
        static LAST: RefCell<Option<Shared>> = const { RefCell::new(None) };
    }

    /// Records the controller of the app being mounted (`None` for a plotted lab, which has
    /// no network controller).
    pub(crate) fn register(c: Option<&Shared>) {
        LAST.with(|l| *l.borrow_mut() = c.cloned());
    }

    /// Every lab and every model view, for tests that mount the app without a bundle.
    pub fn install_all() {
        static ALL: crate::plots::Views = crate::plots::views_for(distlab_engine::labs::LABS);
        distlab_engine::labs::install(distlab_engine::labs::LABS);
        crate::plots::install_views(&ALL);
    }

    /// The network controller of the app mounted last (`None` if it shows a plotted lab).
    pub fn last_controller() -> Option<Shared> {
        LAST.with(|l| l.borrow().clone())
    }
}
