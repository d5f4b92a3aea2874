//! Plotted labs (no network): placement rings, fair allocation, rate limiters. Each is a
//! deterministic engine model drawn with live charts.

use distlab_engine::input::{Lang, RunConfig};
use yew::prelude::*;

/// Whether `lab` is drawn by this module instead of the network view.
pub fn is_plot_lab(_lab: &str) -> bool {
    false
}

#[derive(Properties, PartialEq)]
pub struct PlotLabProps {
    pub cfg: RunConfig,
    pub lang: Lang,
}

/// The lab area of a plotted lab: its controls and charts.
#[function_component(PlotLab)]
pub fn plot_lab(props: &PlotLabProps) -> Html {
    html! { <div class="plot-lab" data-lab={props.cfg.lab}></div> }
}
