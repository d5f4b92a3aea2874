//! Plotted labs (no network): placement rings, fair allocation, rate limiters. Each is a
//! deterministic engine model drawn with live charts on the shared [`chart`] layer.
//!
//! State is reproducible from the URL: every parameter (numbers and text lists) lives in the
//! lab's [`RunConfig`], and what the user changed is recorded in its `changes` parameter
//! (placement: `add:1,remove:3,fail:0`; DRF: `join:2/8~leave:B~demand:A:1/4`), so a share link
//! replays it.

pub mod chart;
pub mod fair;
pub mod placement;
pub mod ratelimit;

use distlab_engine::input::{Lang, RunConfig};
use distlab_engine::labs::plot_params::is_placement;
use yew::prelude::*;

/// Whether `lab` is drawn by this module instead of the network view.
pub fn is_plot_lab(lab: &str) -> bool {
    is_placement(lab) || matches!(lab, "fair-mmf" | "fair-drf" | "ratelimit")
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
    match props.cfg.lab {
        l if is_placement(l) => html! { <placement::PlacementLab {cfg} {lang} /> },
        "fair-mmf" => html! { <fair::MmfLab {cfg} {lang} /> },
        "fair-drf" => html! { <fair::DrfLab {cfg} {lang} /> },
        "ratelimit" => html! { <ratelimit::RateLimitLab {cfg} {lang} /> },
        _ => html! { <div class="plot-lab" data-lab={props.cfg.lab}></div> },
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
