//! A small charting layer on canvas 2D: plot areas with linear scales, axes with nice ticks,
//! line series, bars, stacked bars, legends and a hover read-out. Everything draws straight
//! into a [`CanvasRenderingContext2d`] prepared by [`crate::canvas::prepare`] (HiDPI), so a
//! chart costs a few dozen canvas calls per frame and nothing in the bundle beyond this file.
//!
//! Why not a charting crate: the canvas backends of the general-purpose crates (plotters and
//! its canvas backend, for example) add an estimated 100 KB or more of wasm for features these
//! labs do not use, and redraw whole figures through their own abstraction each frame; the
//! release bundle has a 400 KB (gzipped) budget and the ring and rate-limiter plots must keep
//! to a few milliseconds per frame at 100× speed. This file is about 300 lines.

use web_sys::CanvasRenderingContext2d as Ctx;

/// Series colours, chosen to stay apart for the first dozen and readable on the app's dark
/// panels (`--panel` #171b30).
pub const PALETTE: [&str; 12] = [
    "#6a9fe0", "#f28e2b", "#59b15f", "#ee6b6d", "#76c7c2", "#edc948", "#c08ee0", "#ff9da7",
    "#c29372", "#a5d6d0", "#e287ab", "#9be08b",
];

/// The colour of series `i`.
pub fn color(i: usize) -> &'static str {
    PALETTE[i % PALETTE.len()]
}

/// The chart theme, matching www/style.css: axes and tick labels in `--muted`, grid lines in
/// `--line`, titles, marks and read-outs in `--text`, read-out boxes on `--panel`.
pub const AXIS: &str = "#9aa0bd";
pub const GRID: &str = "#2a3050";
pub const TEXT: &str = "#e4e6f0";
pub const PANEL: &str = "#171b30";
/// Failures and rejections (`--bad`).
pub const BAD: &str = "#e05555";
/// A faint ring or outline (between grid and axis).
pub const FAINT: &str = "#3a4166";
pub const FONT: &str = "11px system-ui, sans-serif";

/// A rectangle in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }

    pub fn contains(&self, px: f64, py: f64) -> bool {
        px >= self.x && px <= self.x + self.w && py >= self.y && py <= self.y + self.h
    }
}

/// Round tick values covering `lo..=hi`, about `n` of them.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) || n == 0 {
        return vec![lo];
    }
    let raw = span / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= n as f64)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 50 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

/// A number for labels: at most two decimals, no trailing zeros, `k`/`M` for large values.
pub fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let a = v.abs();
    let (v, suffix) = if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}{suffix}")
}

/// `text`, shortened with `…` to fit `room` CSS pixels in the context's current font.
pub fn fit_text(ctx: &Ctx, text: &str, room: f64) -> String {
    let width = |t: &str| ctx.measure_text(t).map_or(0.0, |m| m.width());
    if width(text) <= room {
        return text.to_string();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let t: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if width(&t) <= room {
            return t;
        }
    }
    String::new()
}

/// A plot area with linear x and y scales, leaving room around it for axes and labels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plot {
    pub area: Rect,
    pub x: (f64, f64),
    pub y: (f64, f64),
}

impl Plot {
    /// The plot inside `outer`, with margins for tick labels (left, bottom) and a title (top).
    pub fn new(outer: Rect, x: (f64, f64), y: (f64, f64)) -> Plot {
        let (l, r, t, b) = (40.0, 10.0, 18.0, 20.0);
        let fix = |(a, b): (f64, f64)| if b > a { (a, b) } else { (a, a + 1.0) };
        Plot {
            area: Rect::new(
                outer.x + l,
                outer.y + t,
                (outer.w - l - r).max(10.0),
                (outer.h - t - b).max(10.0),
            ),
            x: fix(x),
            y: fix(y),
        }
    }

    pub fn px(&self, x: f64) -> f64 {
        self.area.x + (x - self.x.0) / (self.x.1 - self.x.0) * self.area.w
    }

    pub fn py(&self, y: f64) -> f64 {
        self.area.y + self.area.h - (y - self.y.0) / (self.y.1 - self.y.0) * self.area.h
    }

    /// The x value under a CSS pixel.
    pub fn x_at(&self, px: f64) -> f64 {
        self.x.0 + (px - self.area.x) / self.area.w * (self.x.1 - self.x.0)
    }

    /// Grid, axes, y tick labels, x tick labels (if `x_ticks`), and a title above.
    pub fn axes(&self, ctx: &Ctx, title: &str, x_ticks: bool) {
        self.draw_axes(ctx, title, x_ticks.then_some(""));
    }

    /// As [`Plot::axes`] with x tick labels, the last one carrying the x unit (`30 s`).
    pub fn axes_with_unit(&self, ctx: &Ctx, title: &str, x_unit: &str) {
        self.draw_axes(ctx, title, Some(x_unit));
    }

    fn draw_axes(&self, ctx: &Ctx, title: &str, x_unit: Option<&str>) {
        let a = self.area;
        ctx.set_font(FONT);
        ctx.set_line_width(1.0);
        ctx.set_stroke_style_str(GRID);
        ctx.set_fill_style_str(AXIS);
        ctx.set_text_align("right");
        ctx.set_text_baseline("middle");
        ctx.begin_path();
        for t in nice_ticks(self.y.0, self.y.1, 4) {
            let y = self.py(t).round() + 0.5;
            ctx.move_to(a.x, y);
            ctx.line_to(a.x + a.w, y);
            let _ = ctx.fill_text(&fmt_num(t), a.x - 4.0, y);
        }
        ctx.stroke();
        if let Some(unit) = x_unit {
            ctx.set_text_baseline("top");
            let ticks = nice_ticks(self.x.0, self.x.1, 6);
            for (i, &t) in ticks.iter().enumerate() {
                let last = i + 1 == ticks.len() && !unit.is_empty();
                // The last label ends at its tick so that the unit stays inside the chart.
                ctx.set_text_align(if last { "right" } else { "center" });
                let label = if last {
                    format!("{} {unit}", fmt_num(t))
                } else {
                    fmt_num(t)
                };
                let x = if last { self.px(t) + 6.0 } else { self.px(t) };
                let _ = ctx.fill_text(&label, x, a.y + a.h + 4.0);
            }
        }
        ctx.set_stroke_style_str(AXIS);
        ctx.begin_path();
        ctx.move_to(a.x + 0.5, a.y);
        ctx.line_to(a.x + 0.5, a.y + a.h + 0.5);
        ctx.line_to(a.x + a.w, a.y + a.h + 0.5);
        ctx.stroke();
        ctx.set_fill_style_str(TEXT);
        ctx.set_text_align("left");
        ctx.set_text_baseline("bottom");
        ctx.set_font(&format!("600 {FONT}"));
        // Within the plot's own width (its right margin included), so that titles of plots
        // side by side never overlap on a narrow screen.
        let room = a.w + 10.0;
        let _ = ctx.fill_text(&fit_text(ctx, title, room), a.x, a.y - 4.0);
        ctx.set_font(FONT);
    }

    /// A polyline through `pts` (data coordinates).
    pub fn line(&self, ctx: &Ctx, pts: impl IntoIterator<Item = (f64, f64)>, color: &str) {
        ctx.set_stroke_style_str(color);
        ctx.set_line_width(1.5);
        ctx.begin_path();
        for (i, (x, y)) in pts.into_iter().enumerate() {
            let (x, y) = (self.px(x), self.py(y.clamp(self.y.0, self.y.1)));
            if i == 0 {
                ctx.move_to(x, y);
            } else {
                ctx.line_to(x, y);
            }
        }
        ctx.stroke();
    }

    /// A step line through `pts`: each value holds until the next point, the last until
    /// `until` (data x; the present of a live curve).
    pub fn steps(
        &self,
        ctx: &Ctx,
        pts: impl IntoIterator<Item = (f64, f64)>,
        until: f64,
        color: &str,
    ) {
        ctx.set_stroke_style_str(color);
        ctx.set_line_width(1.5);
        ctx.begin_path();
        let mut last: Option<f64> = None;
        for (x, y) in pts {
            let (px, py) = (self.px(x), self.py(y.clamp(self.y.0, self.y.1)));
            match last {
                None => ctx.move_to(px, py),
                Some(prev) => {
                    ctx.line_to(px, prev);
                    ctx.line_to(px, py);
                }
            }
            last = Some(py);
        }
        if let Some(prev) = last {
            ctx.line_to(self.px(until.min(self.x.1)), prev);
        }
        ctx.stroke();
    }

    /// A dot per point (one measurement per event).
    pub fn dots(&self, ctx: &Ctx, pts: impl IntoIterator<Item = (f64, f64)>, color: &str) {
        ctx.set_fill_style_str(color);
        for (x, y) in pts {
            let (px, py) = (self.px(x), self.py(y.clamp(self.y.0, self.y.1)));
            ctx.fill_rect(px - 2.0, py - 2.0, 4.0, 4.0);
        }
    }

    /// A horizontal line at `y`, dashed if asked.
    pub fn hline(&self, ctx: &Ctx, y: f64, color: &str, dashed: bool) {
        let py = self.py(y).round() + 0.5;
        ctx.set_stroke_style_str(color);
        ctx.set_line_width(1.0);
        if dashed {
            let _ = ctx.set_line_dash(&js_sys::Array::of2(&4.0.into(), &3.0.into()));
        }
        ctx.begin_path();
        ctx.move_to(self.area.x, py);
        ctx.line_to(self.area.x + self.area.w, py);
        ctx.stroke();
        let _ = ctx.set_line_dash(&js_sys::Array::new());
    }

    /// A dashed vertical line at `x` (a moment marked on a time axis), if it is in range.
    pub fn vline(&self, ctx: &Ctx, x: f64, color: &str) {
        if !(self.x.0..=self.x.1).contains(&x) {
            return;
        }
        let px = self.px(x).round() + 0.5;
        ctx.set_stroke_style_str(color);
        ctx.set_line_width(1.0);
        let _ = ctx.set_line_dash(&js_sys::Array::of2(&4.0.into(), &3.0.into()));
        ctx.begin_path();
        ctx.move_to(px, self.area.y);
        ctx.line_to(px, self.area.y + self.area.h);
        ctx.stroke();
        let _ = ctx.set_line_dash(&js_sys::Array::new());
    }

    /// The slot of column `i` of `n` (x range is ignored): left edge and width.
    pub fn column(&self, i: usize, n: usize) -> (f64, f64) {
        let slot = self.area.w / n.max(1) as f64;
        let w = (slot * 0.7).max(1.0);
        (self.area.x + slot * i as f64 + (slot - w) / 2.0, w)
    }

    /// The column under a CSS x, if any.
    pub fn column_at(&self, px: f64, n: usize) -> Option<usize> {
        if n == 0 || px < self.area.x || px > self.area.x + self.area.w {
            return None;
        }
        Some((((px - self.area.x) / self.area.w * n as f64) as usize).min(n - 1))
    }

    /// One bar per value from 0, coloured by `color_of(i)`.
    pub fn bars(&self, ctx: &Ctx, values: &[f64], color_of: &dyn Fn(usize) -> &'static str) {
        let base = self.py(self.y.0.max(0.0));
        for (i, &v) in values.iter().enumerate() {
            let (x, w) = self.column(i, values.len());
            let top = self.py(v.min(self.y.1));
            ctx.set_fill_style_str(color_of(i));
            ctx.fill_rect(x, top, w, base - top);
        }
    }

    /// Columns of stacked segments: `stacks[column][segment]`, segment colours by index.
    pub fn stacked_bars(
        &self,
        ctx: &Ctx,
        stacks: &[Vec<f64>],
        color_of: &dyn Fn(usize) -> &'static str,
    ) {
        for (i, stack) in stacks.iter().enumerate() {
            let (x, w) = self.column(i, stacks.len());
            let mut acc = 0.0;
            for (s, &v) in stack.iter().enumerate() {
                if v <= 0.0 {
                    continue;
                }
                let (y0, y1) = (self.py(acc), self.py(acc + v));
                ctx.set_fill_style_str(color_of(s));
                ctx.fill_rect(x, y1, w, y0 - y1);
                ctx.set_stroke_style_str(PANEL);
                ctx.set_line_width(1.0);
                ctx.stroke_rect(x, y1, w, y0 - y1);
                acc += v;
            }
        }
    }

    /// Labels under columns.
    pub fn column_labels(&self, ctx: &Ctx, labels: &[String]) {
        ctx.set_font(FONT);
        ctx.set_fill_style_str(AXIS);
        ctx.set_text_align("center");
        ctx.set_text_baseline("top");
        let every = (labels.len() / 24).max(1);
        for (i, l) in labels.iter().enumerate().step_by(every) {
            let (x, w) = self.column(i, labels.len());
            let _ = ctx.fill_text(l, x + w / 2.0, self.area.y + self.area.h + 4.0);
        }
    }
}

/// How wide [`legend`] draws `items`.
pub fn legend_width(ctx: &Ctx, items: &[(String, &str)]) -> f64 {
    ctx.set_font(FONT);
    let names: f64 = items
        .iter()
        .map(|(name, _)| ctx.measure_text(name).map_or(40.0, |m| m.width()) + 26.0)
        .sum();
    // Each item is a swatch, a 13 px step and its name; 26 px separate the items.
    if items.is_empty() {
        0.0
    } else {
        names - 26.0 + 13.0
    }
}

/// A row of colour swatches with names, starting at (x, y).
pub fn legend(ctx: &Ctx, x: f64, y: f64, items: &[(String, &str)]) {
    ctx.set_font(FONT);
    ctx.set_text_align("left");
    ctx.set_text_baseline("middle");
    let mut cx = x;
    for (name, c) in items {
        ctx.set_fill_style_str(c);
        ctx.fill_rect(cx, y - 4.0, 10.0, 8.0);
        ctx.set_fill_style_str(TEXT);
        let _ = ctx.fill_text(name, cx + 13.0, y);
        let w = ctx.measure_text(name).map_or(40.0, |m| m.width());
        cx += w + 26.0;
    }
}

/// A read-out box near (x, y) with one line per entry, kept inside `bounds`.
pub fn readout(ctx: &Ctx, x: f64, y: f64, lines: &[String], bounds: Rect) {
    if lines.is_empty() {
        return;
    }
    ctx.set_font(FONT);
    let w = lines
        .iter()
        .map(|l| ctx.measure_text(l).map_or(60.0, |m| m.width()))
        .fold(0.0, f64::max)
        + 12.0;
    let h = lines.len() as f64 * 14.0 + 8.0;
    let bx = if x + 12.0 + w > bounds.x + bounds.w {
        x - 12.0 - w
    } else {
        x + 12.0
    };
    let by = (y - h / 2.0).clamp(bounds.y, (bounds.y + bounds.h - h).max(bounds.y));
    ctx.set_fill_style_str("rgba(23,27,48,0.95)");
    ctx.fill_rect(bx, by, w, h);
    ctx.set_stroke_style_str(FAINT);
    ctx.set_line_width(1.0);
    ctx.stroke_rect(bx + 0.5, by + 0.5, w, h);
    ctx.set_fill_style_str(TEXT);
    ctx.set_text_align("left");
    ctx.set_text_baseline("top");
    for (i, l) in lines.iter().enumerate() {
        let _ = ctx.fill_text(l, bx + 6.0, by + 4.0 + i as f64 * 14.0);
    }
}

/// Clears the whole canvas (CSS size).
pub fn clear(ctx: &Ctx, w: f64, h: f64) {
    ctx.clear_rect(0.0, 0.0, w, h);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            nice_ticks(0.0, 100.0, 4),
            vec![0.0, 25.0, 50.0, 75.0, 100.0]
        );
        let t = nice_ticks(0.0, 1.0, 5);
        assert_eq!((t.len(), t[1]), (6, 0.2));
        assert_eq!(nice_ticks(5.0, 5.0, 4), vec![5.0]);
        assert_eq!(fmt_num(32.5), "32.5");
        assert_eq!(fmt_num(10.0), "10");
        assert_eq!(fmt_num(250_000.0), "250k");
    }
}
