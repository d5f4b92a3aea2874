//! The `ratelimit` lab's charts (for each limiter: requests per step, its gauge and the
//! queueing delay on one time axis, with the moments of logged changes marked) and its list of
//! the first requests with their pass times as `t1 + kT`.

use distlab_engine::input::Lang;
use distlab_engine::labs::availability::ratelimit::{
    Decision, LimiterSpec, Outcome, RateSim, Sample,
};
use distlab_engine::{Time, MS};
use web_sys::CanvasRenderingContext2d as Ctx;

use super::chart::{self, fmt_num, Plot, Rect};
use super::ratelimit::{RateLab, Shown, LISTED, STEP, WINDOW};
use crate::i18n::{tr, trf};

/// `A` for the first limiter, `B` for the second.
pub fn side_letter(i: usize) -> &'static str {
    if i == 0 {
        "A"
    } else {
        "B"
    }
}

fn gauge_key(spec: &LimiterSpec) -> String {
    format!("rl.gauge.{}", spec.gauge_name())
}

pub fn kind_name(l: Lang, kind: &str) -> String {
    tr(l, &format!("rl.kind.{kind}")).to_string()
}

/// Index of the first sample in the window ending at `t`.
fn window_start(t: Time) -> (usize, Time) {
    let start = t.saturating_sub(WINDOW);
    ((start / STEP) as usize, start)
}

/// The charts: for each limiter a column of three plots (requests per step, gauge, delay)
/// on one shared time axis, with a crosshair and read-out under the mouse.
pub fn draw(ctx: &Ctx, w: f64, h: f64, s: &RateLab, l: Lang) {
    chart::clear(ctx, w, h);
    let cols = s.columns();
    let n = cols.len().max(1);
    let col_w = (w / n as f64).floor();
    let legend_h = 18.0;
    let row_h = ((h - legend_h) / 3.0).floor();
    let (first, start) = window_start(s.t);
    let x = (start as f64 / 1e6, (start + WINDOW) as f64 / 1e6);
    let top = |f: fn(&Shown) -> f64| cols.iter().map(|c| f(c.2)).fold(1.0f64, f64::max) * 1.1;
    let (top_flow, top_delay) = (top(|d| d.max.0), top(|d| d.max.2));
    let sec = |smp: &Sample| smp.t as f64 / 1e6;
    let hover_t = s.hover.and_then(|(mx, my)| {
        let col = ((mx / col_w) as usize).min(n - 1);
        let plot = Plot::new(
            Rect::new(col as f64 * col_w, 0.0, col_w, row_h),
            x,
            (0.0, 1.0),
        );
        (mx >= plot.area.x && mx <= plot.area.x + plot.area.w && my < 3.0 * row_h)
            .then(|| plot.x_at(mx))
    });
    // The moments the user (or a preset) changed something, on every plot.
    let marks: Vec<f64> = s.log_times().map(|t| t as f64 / 1e6).collect();
    for (c, &(i, sim, cache)) in cols.iter().enumerate() {
        let ox = c as f64 * col_w;
        let series = sim.series();
        let shown = &series[first.min(series.len())..];
        let letter = side_letter(i);
        // Requests per step.
        let p1 = Plot::new(Rect::new(ox, 0.0, col_w, row_h), x, (0.0, top_flow));
        p1.axes(
            ctx,
            &format!(
                "{letter} · {}",
                trf(l, "rl.flow", &[&(STEP / MS).to_string()])
            ),
            false,
        );
        p1.line(
            ctx,
            shown.iter().map(|p| (sec(p), p.offered as f64)),
            chart::color(0),
        );
        p1.line(
            ctx,
            shown.iter().map(|p| (sec(p), p.admitted as f64)),
            chart::color(2),
        );
        p1.line(
            ctx,
            shown.iter().map(|p| (sec(p), p.rejected as f64)),
            chart::color(3),
        );
        // The limiter's gauge.
        let p2 = Plot::new(
            Rect::new(ox, row_h, col_w, row_h),
            x,
            (0.0, cache.max.1 * 1.1),
        );
        p2.axes(
            ctx,
            &format!("{letter} · {}", tr(l, &gauge_key(sim.limiter().spec()))),
            false,
        );
        p2.line(
            ctx,
            shown.iter().map(|p| (sec(p), p.gauge)),
            chart::color(4),
        );
        // Queueing delay.
        let p3 = Plot::new(
            Rect::new(ox, 2.0 * row_h, col_w, row_h),
            x,
            (0.0, top_delay),
        );
        p3.axes_with_unit(
            ctx,
            &format!("{letter} · {}", tr(l, "rl.delay")),
            tr(l, "chart.unit_s"),
        );
        p3.line(
            ctx,
            shown.iter().map(|p| (sec(p), p.mean_delay_ms)),
            chart::color(1),
        );
        for p in [&p1, &p2, &p3] {
            for &m in &marks {
                p.vline(ctx, m, chart::AXIS);
            }
        }
        if let Some(ht) = hover_t {
            let k = ((ht * 1e6) as Time / STEP) as usize;
            if let Some(smp) = series.get(k) {
                ctx.set_stroke_style_str(chart::TEXT);
                ctx.set_line_width(1.0);
                let px = p1.px(sec(smp)).round() + 0.5;
                ctx.begin_path();
                for p in [&p1, &p2, &p3] {
                    ctx.move_to(px, p.area.y);
                    ctx.line_to(px, p.area.y + p.area.h);
                }
                ctx.stroke();
                let lines = vec![
                    format!("{letter} · t = {} s", fmt_num(sec(smp))),
                    format!("{}: {}", tr(l, "rl.offered"), smp.offered),
                    format!("{}: {}", tr(l, "rl.admitted"), smp.admitted),
                    format!("{}: {}", tr(l, "rl.rejected"), smp.rejected),
                    format!(
                        "{}: {}",
                        tr(l, &gauge_key(sim.limiter().spec())),
                        fmt_num(smp.gauge)
                    ),
                    format!(
                        "{}: {} ms",
                        tr(l, "rl.mean_delay"),
                        fmt_num(smp.mean_delay_ms)
                    ),
                ];
                let my = s.hover.map_or(0.0, |h| h.1);
                chart::readout(ctx, px, my, &lines, Rect::new(ox, 0.0, col_w, 3.0 * row_h));
            }
        }
    }
    chart::legend(
        ctx,
        40.0,
        h - legend_h / 2.0,
        &[
            (tr(l, "rl.offered").to_string(), chart::color(0)),
            (tr(l, "rl.admitted").to_string(), chart::color(2)),
            (tr(l, "rl.rejected").to_string(), chart::color(3)),
            (tr(l, "rl.gauge").to_string(), chart::color(4)),
            (tr(l, "rl.mean_delay").to_string(), chart::color(1)),
        ],
    );
}

/// One row of the per-request list: arrival, requests queued ahead, pass time, and the pass
/// time written as `t1 + kT` where t1 is when the last request before it passed.
pub struct Listed {
    pub arrival: Time,
    pub ahead: usize,
    pub decision: Decision,
    pub when: String,
}

/// The first [`LISTED`] requests of a limiter.
pub fn listed(sim: &RateSim, l: Lang) -> Vec<Listed> {
    let interval = match *sim.limiter().spec() {
        LimiterSpec::Uniform { interval, .. } => Some(interval),
        LimiterSpec::Leaky { rate, .. } => Some(rate.interval()),
        _ => None,
    };
    let out = sim.outcomes();
    let first = &out[..out.len().min(LISTED)];
    let pass = |o: &Outcome| o.arrival + o.decision.delay();
    first
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let before = first[..i].iter().filter(|p| p.decision.passes());
            let ahead = before.clone().filter(|p| pass(p) > o.arrival).count();
            let t1 = before
                .map(pass)
                .filter(|&p| p <= o.arrival)
                .max()
                .unwrap_or(o.arrival);
            let when = match o.decision {
                Decision::Rejected => tr(l, "rl.rejected_wait").to_string(),
                Decision::Admitted => tr(l, "rl.now").to_string(),
                Decision::Queued { delay } => match interval {
                    Some(iv) if (pass(o) - t1) % iv == 0 => {
                        format!("t1 + {}T", (pass(o) - t1) / iv)
                    }
                    _ => format!("+{} ms", fmt_num(delay as f64 / MS as f64)),
                },
            };
            Listed {
                arrival: o.arrival,
                ahead,
                decision: o.decision,
                when,
            }
        })
        .collect()
}

pub fn ms(t: Time) -> String {
    fmt_num(t as f64 / MS as f64)
}
