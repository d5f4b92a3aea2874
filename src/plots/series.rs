//! The chart panel of the networked labs: the time series a lab declares
//! (`NetLab::SERIES`), one plot per chart on one time axis from the kept history's start to
//! now, drawn with the shared [`chart`] layer (the plotted labs' own charts use the same).
//! The curves come from the session as of its present, so the panel follows the time slider.

use distlab_engine::input::Lang;
use distlab_engine::labs::{Series, SeriesKind, SeriesSpec};
use distlab_engine::Time;
use web_sys::CanvasRenderingContext2d as Ctx;

use super::chart::{self, Plot, Rect};
use crate::i18n::tr;

/// The height of one chart in CSS pixels.
pub const ROW_H: f64 = 118.0;

/// The canvas height for `charts` charts.
pub fn height(charts: usize) -> f64 {
    ROW_H * charts.max(1) as f64
}

/// A chart's title with its unit in brackets, unless the title already names it in brackets
/// (`… (% of the cell)`, `…（%）`).
fn with_unit(title: &str, unit: &str) -> String {
    let named = [format!("({unit}"), format!("（{unit}")]
        .iter()
        .any(|u| title.contains(u.as_str()));
    if unit.is_empty() || named {
        title.to_string()
    } else {
        format!("{title} ({unit})")
    }
}

fn secs(t: Time) -> f64 {
    t as f64 / 1e6
}

/// The y range of some curves: from 0 (or their lowest value, if below) to a little above
/// their highest value or the threshold.
fn y_range(curves: &[&Series], threshold: Option<f64>) -> (f64, f64) {
    let values = curves.iter().flat_map(|c| c.points.iter().map(|p| p.1));
    let (lo, hi) = values
        .chain(threshold)
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    (lo * 1.1, if hi > 0.0 { hi * 1.1 } else { 1.0 })
}

/// Draws every declared chart, stacked, with the curves of `all` that belong to it, on the
/// time axis `start..=now`; returns how many points it drew.
pub fn draw(
    ctx: &Ctx,
    w: f64,
    h: f64,
    specs: &[SeriesSpec],
    all: &[Series],
    (start, now): (Time, Time),
    l: Lang,
) -> usize {
    chart::clear(ctx, w, h);
    let row_h = (h / specs.len().max(1) as f64).floor();
    let x = (secs(start), secs(now.max(start + 1_000)));
    let mut drawn = 0;
    for (i, spec) in specs.iter().enumerate() {
        let curves: Vec<&Series> = all.iter().filter(|c| c.key == spec.key).collect();
        let threshold = curves.iter().find_map(|c| c.threshold).or(spec.threshold);
        let plot = Plot::new(
            Rect::new(0.0, i as f64 * row_h, w, row_h),
            x,
            y_range(&curves, threshold),
        );
        let key = format!("series.{}", spec.key);
        let title = tr(l, &key);
        let title = with_unit(title, spec.unit);
        plot.axes_with_unit(ctx, &title, tr(l, "chart.unit_s"));
        if let Some(t) = threshold {
            plot.hline(ctx, t, chart::BAD, true);
        }
        for (j, c) in curves.iter().enumerate() {
            let color = chart::color(j);
            let pts = c.points.iter().map(|&(t, v)| (secs(t), v));
            match c.kind {
                SeriesKind::Line => plot.line(ctx, pts, color),
                SeriesKind::Step => plot.steps(ctx, pts, x.1, color),
                SeriesKind::Scatter => plot.dots(ctx, pts, color),
            }
            drawn += c.points.len();
        }
        let named: Vec<(String, &str)> = curves
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.name.is_empty())
            .map(|(j, c)| (crate::i18n::tr_words(l, &c.name), chart::color(j)))
            .collect();
        if !named.is_empty() {
            chart::legend(ctx, plot.area.x + 6.0, plot.area.y + 8.0, &named);
        }
    }
    drawn
}

#[cfg(test)]
mod tests {
    use super::*;
    use distlab_engine::labs::SeriesSpec;

    #[test]
    fn the_y_range_starts_at_zero_and_holds_the_threshold() {
        let spec = SeriesSpec::line("x", "");
        let c = Series::of(&spec, "", vec![(0, 2.0), (1, 5.0)]);
        assert_eq!(y_range(&[&c], None), (0.0, 5.5));
        assert_eq!(y_range(&[&c], Some(10.0)), (0.0, 11.0));
        assert_eq!(y_range(&[], None), (0.0, 1.0));
        let neg = Series::of(&spec, "", vec![(0, -2.0)]);
        assert_eq!(y_range(&[&neg], None), (-2.2, 1.0));
    }

    #[test]
    fn a_title_that_names_its_unit_does_not_get_it_twice() {
        assert_eq!(with_unit("Conflicts", "%"), "Conflicts (%)");
        assert_eq!(
            with_unit("Stranded (% of the cell)", "%"),
            "Stranded (% of the cell)"
        );
        assert_eq!(with_unit("余量（%）", "%"), "余量（%）");
        assert_eq!(with_unit("Tasks waiting", ""), "Tasks waiting");
    }
}
