//! Plotted labs (no network): placement rings, fair allocation, rate limiters. Each is a
//! deterministic engine model drawn with live charts on the shared [`chart`] layer.
//!
//! State is reproducible from the URL: every parameter (numbers and text lists) lives in the
//! lab's [`RunConfig`], and what the user changed is recorded in its `changes` parameter
//! (placement: `add:1,remove:3,fail:0`; DRF: `join:2/8~leave:B~demand:A:1/4`), so a share link
//! replays it. The rate limiter runs on the time-only model session instead: its changes are
//! logged actions at virtual times, carried by the link's `actions=` and scrubbed through.

pub mod chart;
pub mod fair;
pub mod field;
pub mod placement;
pub mod ratelimit;
mod ratelimit_chart;
mod ratelimit_edit;
pub mod scene;
pub mod series;

use std::cell::RefCell;
use std::rc::Rc;

use distlab_engine::input::{Lang, RunConfig, SPEED_MAX};
use distlab_engine::labs::{find, LabDef, LabKind, ModelView};
use web_sys::{HtmlInputElement, MouseEvent};
use yew::prelude::*;

use crate::i18n::tr;

/// The model view that draws `lab`, from its registry row (None for a networked lab).
fn view_of(lab: &str) -> Option<ModelView> {
    find(lab).and_then(|l| l.model_view())
}

/// Whether `lab` is drawn by this module instead of the network view.
pub fn is_plot_lab(lab: &str) -> bool {
    view_of(lab).is_some()
}

/// Whether the lab shows its own heading (a placement lab's follows its chosen strategy), so
/// the page leaves it out.
pub fn has_own_heading(lab: &str) -> bool {
    view_of(lab) == Some(ModelView::Placement)
}

/// Draws one model view's lab area.
pub type ViewFn = fn(RunConfig, Lang) -> Html;

/// The app's model views, indexed by [`ModelView`] (as `usize`): the ones a bundle's labs use
/// are filled in ([`views_for`]), so a bundle without placement labs holds no placement code.
pub type Views = [Option<ViewFn>; 5];

fn placement_view(cfg: RunConfig, lang: Lang) -> Html {
    html! { <placement::PlacementLab {cfg} {lang} /> }
}

fn mmf_view(cfg: RunConfig, lang: Lang) -> Html {
    html! { <fair::MmfLab {cfg} {lang} /> }
}

fn drf_view(cfg: RunConfig, lang: Lang) -> Html {
    html! { <fair::DrfLab {cfg} {lang} /> }
}

fn ratelimit_view(cfg: RunConfig, lang: Lang) -> Html {
    html! { <ratelimit::RateLimitLab {cfg} {lang} /> }
}

fn scene_view(cfg: RunConfig, lang: Lang) -> Html {
    html! { <scene::SceneLab {cfg} {lang} /> }
}

const fn view_fn(view: ModelView) -> ViewFn {
    match view {
        ModelView::Placement => placement_view,
        ModelView::MaxMin => mmf_view,
        ModelView::DominantResource => drf_view,
        ModelView::RateLimit => ratelimit_view,
        ModelView::Scene => scene_view,
    }
}

/// The model views `labs` need, at compile time (see [`Views`]).
pub const fn views_for(labs: &[LabDef]) -> Views {
    let mut views: Views = [None; 5];
    let mut i = 0;
    while i < labs.len() {
        if let LabKind::Model { view, .. } = labs[i].kind {
            views[view as usize] = Some(view_fn(view));
        }
        i += 1;
    }
    views
}

thread_local! {
    /// The views this program draws: none until [`install_views`] (the page's bundle, or
    /// [`crate::testing::install_all`] in the tests) says which.
    static VIEWS: std::cell::Cell<&'static Views> = const { std::cell::Cell::new(&[None; 5]) };
}

/// Sets the model views this program draws (a web bundle's own).
pub fn install_views(views: &'static Views) {
    VIEWS.with(|v| v.set(views));
}

#[derive(Properties, PartialEq)]
pub struct PlotLabProps {
    pub cfg: RunConfig,
    pub lang: Lang,
}

/// The lab area of a plotted lab: its controls and charts.
#[function_component(PlotLab)]
pub fn plot_lab(props: &PlotLabProps) -> Html {
    let (cfg, lang) = (props.cfg.clone(), props.lang);
    let draw = view_of(cfg.lab).and_then(|v| VIEWS.with(|views| views.get()[v as usize]));
    match draw {
        Some(draw) => draw(cfg, lang),
        None => html! { <div class="plot-lab" data-lab={props.cfg.lab}></div> },
    }
}

/// Records the first drawn frame on `<body data-first-frame-ms>` (as the network view does),
/// for the load-time measurement and the tests.
pub fn mark_first_frame() {
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    if !body.has_attribute("data-first-frame-ms") {
        let at = web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now());
        let _ = body.set_attribute("data-first-frame-ms", &format!("{at:.1}"));
    }
}

/// Wall-clock milliseconds (the page's performance clock).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Wall milliseconds since the previous animation frame (0 on the first, at most 100 after a
/// pause), remembering `ts` as the new previous frame.
pub fn frame_dt(last_ts: &mut Option<f64>, ts: f64) -> f64 {
    last_ts
        .replace(ts)
        .map_or(0.0, |t| (ts - t).clamp(0.0, 100.0))
}

/// The text of the input element an event came from.
pub fn input_text(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

/// A callback that applies `f` (with the callback's argument) to a lab's state, then
/// re-renders the lab.
pub fn update<S: 'static, T: 'static>(
    state: &Rc<RefCell<S>>,
    force: &UseForceUpdateHandle,
    f: impl Fn(&mut S, T) + 'static,
) -> Callback<T> {
    let (state, force) = (state.clone(), force.clone());
    Callback::from(move |x: T| {
        f(&mut state.borrow_mut(), x);
        force.force_update();
    })
}

/// A button's callback: applies `f` to a lab's state, then re-renders the lab.
pub fn act<S: 'static>(
    state: &Rc<RefCell<S>>,
    force: &UseForceUpdateHandle,
    f: impl Fn(&mut S) + 'static,
) -> Callback<MouseEvent> {
    update(state, force, move |s, _: MouseEvent| f(s))
}

/// A value for a number input: plain digits (no `k` suffix), at most three decimals.
pub fn fmt_plain(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The speed's label, as the network labs' toolbar writes it (`0.1×`, `10×`).
pub fn fmt_speed(s: f64) -> String {
    if s < 1.0 {
        format!("{s:.1}×")
    } else {
        format!("{s:.0}×")
    }
}

/// The speed slider of the network labs' toolbar (log scale, `min`..=100×), for a plotted
/// lab; `on` gets the new speed. Its value is the run configuration's `speed`, so the URL's
/// `speed=` sets it and the share link carries it.
pub fn speed_control(
    l: Lang,
    speed: f64,
    min: f64,
    testid: &'static str,
    on: Callback<f64>,
) -> Html {
    let oninput = Callback::from(move |e: InputEvent| {
        if let Ok(x) = input_text(&e).parse::<f64>() {
            on.emit(snap_speed(10f64.powf(x)).clamp(min, SPEED_MAX));
        }
    });
    html! {
        <label class="speed">{ tr(l, "ctl.speed") }
            <input type="range" min={min.log10().to_string()} max={SPEED_MAX.log10().to_string()} step="0.1"
                value={speed.log10().to_string()} {oninput} data-testid={testid} />
            <span class="num" data-testid={format!("{testid}-value")}>{ fmt_speed(speed) }</span>
        </label>
    }
}

/// A slider speed rounded to two significant digits (10^0.3 → 2, not 1.995…).
pub fn snap_speed(s: f64) -> f64 {
    if !(s.is_finite() && s > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(s.log10().floor() - 1.0);
    (s / mag).round() * mag
}

/// The share button and the link it copies (the lab's whole state).
pub fn share_row(l: Lang, cfg: &RunConfig) -> Html {
    let url = crate::share_url(&cfg.share_query(&[]));
    let onclick = {
        let url = url.clone();
        Callback::from(move |_: MouseEvent| crate::copy_text(&url))
    };
    html! {
        <div class="plot-controls">
            <button {onclick} data-testid="share">{ tr(l, "ctl.share") }</button>
            <input readonly=true value={url} data-testid="share-url" class="share-out" />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slider_speeds_snap_to_round_values() {
        assert_eq!(snap_speed(10f64.powf(0.3)), 2.0);
        assert_eq!(snap_speed(10f64.powf(2.0)), 100.0);
        assert_eq!(snap_speed(10f64.powf(-1.0)), 0.1);
        assert_eq!(fmt_speed(0.1), "0.1×");
        assert_eq!(fmt_speed(10.0), "10×");
    }
}
