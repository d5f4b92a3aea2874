//! The `ratelimit` lab: one or two rate limiters (leaky bucket, token bucket, fixed and
//! sliding windows, and Sentinel's thread-count, QPS-reject, warm-up and uniform-queueing
//! modes) on the same generated traffic, driven by virtual time with play/pause, step and
//! speed.
//!
//! Everything comes from the URL: `limiter`, `limiter2` (`none` for one limiter), `traffic`
//! (spec strings, see [`LimiterSpec::parse`] and [`TrafficSpec::parse`]), `service` (ms in
//! service, for the thread limit), `seed` and `speed`. Editing a parameter rewrites the spec
//! string in the lab's [`RunConfig`], so the share link replays exactly what is shown.
//!
//! Per frame the work is incremental: each [`RateSim`] advances with `run_until` to the new
//! virtual time, only the outcomes since the last frame are folded into the running totals,
//! and the charts draw the last [`WINDOW`] of samples (a bounded number of points). The p99
//! delay (a linear-time selection) and the DOM are refreshed a few times a second only.

use std::rc::Rc;

use distlab_engine::input::{Lang, RunConfig, SPEED_MAX};
use distlab_engine::labs::availability::ratelimit::{
    parse_duration, Decision, LimiterSpec, Outcome, RateSim, Sample, TrafficSpec, SECOND,
};
use distlab_engine::{Time, MS};
use web_sys::{CanvasRenderingContext2d as Ctx, HtmlCanvasElement, HtmlSelectElement, MouseEvent};
use yew::prelude::*;

use super::chart::{self, fmt_num, Plot, Rect};
use super::field::{self, Bad, CommittedField, FieldErrors};
use super::{act, frame_dt, now_ms, update};
use crate::canvas::{prepare, RafLoop};
use crate::i18n::{tr, trf};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cfg: RunConfig,
    pub lang: Lang,
}

/// Virtual time between two samples (one chart step).
pub const STEP: Time = 100 * MS;
/// The virtual time shown on the charts (a sliding window once the run is longer).
pub const WINDOW: Time = 30 * SECOND;
/// Where a run stops.
pub const HORIZON: Time = 600 * SECOND;
/// Requests listed one by one (the notes' example needs the first eight).
pub const LISTED: usize = 10;
/// Wall milliseconds between DOM refreshes while running.
const UI_EVERY_MS: f64 = 200.0;

/// The notes' worked example: uniform queueing with interval T = 100 ms and a maximum wait of
/// 6T; a burst of eight requests arrives at once at 2 s, so the fifth finds three queued
/// and passes at t1 + 4T, and the eighth would wait 7T and is rejected.
pub const EXAMPLE: [(&str, &str); 3] = [
    ("limiter", "uniform:interval=100ms,wait=600ms"),
    ("limiter2", "none"),
    ("traffic", "bursts:base=0,size=8,every=2s"),
];

/// Limiter kinds with their parameters and the defaults used when switching to a kind.
const LIMITER_KINDS: [(&str, &[(&str, &str)]); 8] = [
    ("leaky", &[("capacity", "10"), ("rate", "10")]),
    ("token", &[("rate", "10"), ("burst", "5"), ("wait", "0ms")]),
    ("fixed", &[("limit", "10"), ("window", "1s")]),
    ("sliding", &[("limit", "10"), ("window", "1s")]),
    ("threads", &[("max", "5")]),
    ("qps", &[("count", "10")]),
    (
        "warmup",
        &[("count", "10"), ("cold", "3"), ("period", "10s")],
    ),
    ("uniform", &[("interval", "100ms"), ("wait", "600ms")]),
];

const TRAFFIC_KINDS: [(&str, &[(&str, &str)]); 5] = [
    ("steady", &[("rate", "10")]),
    ("bursts", &[("base", "5"), ("size", "30"), ("every", "2s")]),
    ("ramp", &[("from", "0"), ("to", "40"), ("over", "30s")]),
    ("onoff", &[("rate", "30"), ("on", "1s"), ("off", "2s")]),
    ("jitter", &[("rate", "10")]),
];

/// `kind:k=v,…` → kind and pairs (the spec was validated when it was set).
fn split(spec: &str) -> (String, Vec<(String, String)>) {
    let (kind, rest) = spec.trim().split_once(':').unwrap_or((spec.trim(), ""));
    let pairs = rest
        .split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (kind.trim().to_string(), pairs)
}

/// The parameter values shown for `spec`: its own, or the kind's defaults where it has none.
fn fields(spec: &str, kinds: &[(&str, &[(&str, &str)])]) -> (String, Vec<(String, String)>) {
    let (kind, pairs) = split(spec);
    let Some((_, keys)) = kinds.iter().find(|(k, _)| *k == kind) else {
        return (kind, pairs);
    };
    let mut out: Vec<(String, String)> = keys
        .iter()
        .map(|(k, d)| {
            let v = pairs.iter().rev().find(|(pk, _)| pk == k);
            (k.to_string(), v.map_or(d.to_string(), |p| p.1.clone()))
        })
        .collect();
    // Keys outside the table (uniform's `rate=` form) are kept as given.
    for (k, v) in pairs {
        if !out.iter().any(|(ok, _)| *ok == k) {
            out.push((k, v));
        }
    }
    if kind == "uniform" && out.iter().any(|(k, _)| k == "rate") {
        out.retain(|(k, _)| k != "interval");
    }
    (kind, out)
}

fn join(kind: &str, pairs: &[(String, String)]) -> String {
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{kind}:{}", body.join(","))
}

fn defaults_of(kind: &str, kinds: &[(&str, &[(&str, &str)])]) -> String {
    let pairs: Vec<(String, String)> = kinds
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, ps)| {
            ps.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    join(kind, &pairs)
}

/// Running totals of one limiter, folded in as outcomes arrive.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Running {
    pub offered: u64,
    pub admitted: u64,
    pub queued: u64,
    pub rejected: u64,
    delay_sum: u128,
    delays: Vec<Time>,
    /// The p99 delay as of the last [`Running::refresh`], ms.
    pub p99_ms: f64,
}

impl Running {
    pub fn fold(&mut self, outcomes: &[Outcome]) {
        for o in outcomes {
            self.offered += 1;
            match o.decision {
                Decision::Rejected => self.rejected += 1,
                d => {
                    self.admitted += 1;
                    self.queued += matches!(d, Decision::Queued { .. }) as u64;
                    self.delay_sum += d.delay() as u128;
                    self.delays.push(d.delay());
                }
            }
        }
    }

    pub fn mean_ms(&self) -> f64 {
        if self.admitted == 0 {
            return 0.0;
        }
        self.delay_sum as f64 / self.admitted as f64 / MS as f64
    }

    /// Recomputes the p99 (nearest rank, as the engine's totals) in linear time.
    pub fn refresh(&mut self) {
        let n = self.delays.len();
        self.p99_ms = if n == 0 {
            0.0
        } else {
            let i = (n * 99).div_ceil(100).saturating_sub(1);
            let (_, v, _) = self.delays.select_nth_unstable(i);
            *v as f64 / MS as f64
        };
    }
}

/// One limiter on the shared traffic.
pub struct Side {
    pub spec: LimiterSpec,
    pub sim: RateSim,
    pub totals: Running,
    seen: usize,
    /// Largest per-step offered count, gauge and delay so far (chart scales).
    max: (f64, f64, f64),
    scanned: usize,
}

impl Side {
    fn new(
        spec: LimiterSpec,
        traffic: &TrafficSpec,
        seed: u64,
        service: Time,
    ) -> Result<Side, String> {
        let sim = RateSim::new(&spec, traffic, seed, service, STEP).map_err(|e| e.0)?;
        Ok(Side {
            spec,
            sim,
            totals: Running::default(),
            seen: 0,
            max: (1.0, 1.0, 1.0),
            scanned: 0,
        })
    }

    /// Advances to `t` and folds in what happened.
    fn advance(&mut self, t: Time) {
        self.sim.run_until(t);
        let out = self.sim.outcomes();
        self.totals.fold(&out[self.seen..]);
        self.seen = out.len();
        for s in &self.sim.series()[self.scanned..] {
            self.max.0 = self.max.0.max(s.offered as f64);
            self.max.1 = self.max.1.max(s.gauge);
            self.max.2 = self.max.2.max(s.mean_delay_ms);
        }
        self.scanned = self.sim.series().len();
    }
}

/// The lab's state.
pub struct RateLab {
    pub cfg: RunConfig,
    pub sides: Vec<Side>,
    pub error: Option<String>,
    /// Refused field values, by the field's test id.
    pub field_errors: FieldErrors,
    /// Virtual time reached.
    pub t: Time,
    pub playing: bool,
    last_ts: Option<f64>,
    last_ui: f64,
    dirty: bool,
    hover: Option<(f64, f64)>,
    /// Wall milliseconds of the last frame's work (advance + draw), for the figures.
    pub frame_ms: f64,
}

impl RateLab {
    pub fn new(cfg: RunConfig) -> RateLab {
        let mut s = RateLab {
            cfg,
            sides: Vec::new(),
            error: None,
            field_errors: FieldErrors::default(),
            t: 0,
            playing: true,
            last_ts: None,
            last_ui: 0.0,
            dirty: true,
            hover: None,
            frame_ms: 0.0,
        };
        s.rebuild();
        s
    }

    /// Virtual seconds per wall second (1, 10 or 100 in the menu; below 1 plays at 1).
    pub fn speed(&self) -> f64 {
        self.cfg.speed.clamp(1.0, SPEED_MAX)
    }

    /// Restarts the run from the configuration.
    pub fn rebuild(&mut self) {
        let p = &self.cfg.params;
        let service = p.get_u64("service") * MS;
        self.sides.clear();
        self.t = 0;
        self.playing = true;
        self.dirty = true;
        let traffic = match TrafficSpec::parse(p.text("traffic"), 10 * SECOND) {
            Ok(t) => t,
            Err(e) => {
                self.error = Some(e.0);
                return;
            }
        };
        let mut errors = Vec::new();
        for key in ["limiter", "limiter2"] {
            let spec = p.text(key).trim();
            if key == "limiter2" && (spec.is_empty() || spec == "none") {
                continue;
            }
            match LimiterSpec::parse(spec)
                .map_err(|e| e.0)
                .and_then(|l| Side::new(l, &traffic, self.cfg.seed, service))
            {
                Ok(side) => self.sides.push(side),
                Err(e) => errors.push(e),
            }
        }
        self.error = (!errors.is_empty()).then(|| errors.join("; "));
        self.advance_to(0);
    }

    /// Advances every limiter to virtual time `t` (at most the horizon).
    pub fn advance_to(&mut self, t: Time) {
        self.t = t.min(HORIZON);
        // Samples up to and including `t`.
        let until = self.t + 1;
        for s in &mut self.sides {
            s.advance(until);
        }
        if self.t >= HORIZON {
            self.playing = false;
        }
        self.dirty = true;
    }

    /// Refreshes the totals' p99 (called with DOM updates, not every frame).
    pub fn refresh(&mut self) {
        for s in &mut self.sides {
            s.totals.refresh();
        }
    }

    /// Sets a spec string; refused values leave everything as it was and say why.
    pub fn set_text(&mut self, key: &str, v: &str) {
        match self.cfg.params.set_text(key, v) {
            Ok(()) => {
                self.error = None;
                self.rebuild();
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// A field's edit of spec `key`: applied (the run restarts), or refused with the reason at
    /// the field `field`.
    pub fn edit(&mut self, key: &str, spec: Result<String, Bad>, field: &str) {
        let r = spec.and_then(|v| self.cfg.params.set_text(key, &v).map_err(Bad::Other));
        self.field_errors.record(field, &r);
        if r.is_ok() {
            self.field_errors.clear_prefix(&format!("rl-{key}-"));
            self.error = None;
            self.rebuild();
        }
    }

    pub fn load_example(&mut self) {
        for (k, v) in EXAMPLE {
            let _ = self.cfg.params.set_text(k, v);
        }
        self.field_errors.clear_all();
        self.error = None;
        self.rebuild();
    }
}

/// `A` for the first limiter, `B` for the second.
fn side_letter(i: usize) -> &'static str {
    if i == 0 {
        "A"
    } else {
        "B"
    }
}

fn gauge_key(spec: &LimiterSpec) -> String {
    format!("rl.gauge.{}", spec.gauge_name())
}

fn kind_name(l: Lang, kind: &str) -> String {
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
    let n = s.sides.len().max(1);
    let col_w = (w / n as f64).floor();
    let legend_h = 18.0;
    let row_h = ((h - legend_h) / 3.0).floor();
    let (first, start) = window_start(s.t);
    let x = (start as f64 / 1e6, (start + WINDOW) as f64 / 1e6);
    let top = |f: fn(&Side) -> f64| s.sides.iter().map(f).fold(1.0f64, f64::max) * 1.1;
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
    for (c, side) in s.sides.iter().enumerate() {
        let ox = c as f64 * col_w;
        let series = side.sim.series();
        let shown = &series[first.min(series.len())..];
        let letter = side_letter(c);
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
            (0.0, side.max.1 * 1.1),
        );
        p2.axes(
            ctx,
            &format!("{letter} · {}", tr(l, &gauge_key(&side.spec))),
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
            tr(l, "rl.unit_s"),
        );
        p3.line(
            ctx,
            shown.iter().map(|p| (sec(p), p.mean_delay_ms)),
            chart::color(1),
        );
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
                    format!("{}: {}", tr(l, &gauge_key(&side.spec)), fmt_num(smp.gauge)),
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
pub fn listed(side: &Side, l: Lang) -> Vec<Listed> {
    let interval = match side.spec {
        LimiterSpec::Uniform { interval, .. } => Some(interval),
        LimiterSpec::Leaky { rate, .. } => Some(rate.interval()),
        _ => None,
    };
    let out = side.sim.outcomes();
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

fn ms(t: Time) -> String {
    fmt_num(t as f64 / MS as f64)
}

/// Parameters given as durations (`500ms`, `2s`); the others are numbers.
const DURATIONS: [&str; 8] = [
    "window", "wait", "period", "interval", "every", "over", "on", "off",
];

/// A parameter's new value, checked before the spec is rebuilt.
fn check_value(k: &str, v: &str) -> Result<(), Bad> {
    if DURATIONS.contains(&k) {
        return parse_duration(v)
            .map(|_| ())
            .ok_or_else(|| Bad::Duration(v.to_string()));
    }
    field::number(v, 0.0, 1e12, false).map(|_| ())
}

/// Kinds of a spec with their parameters and defaults ([`LIMITER_KINDS`], [`TRAFFIC_KINDS`]).
type Kinds = &'static [(&'static str, &'static [(&'static str, &'static str)])];

/// A spec edit: the spec key, the new spec (or why the value is refused), and the field.
pub type SpecEdit = (&'static str, Result<String, Bad>, String);

/// A kind menu and one input per parameter, rewriting the spec string when one is committed.
fn spec_editor(
    l: Lang,
    key: &'static str,
    spec: &str,
    (kinds, kind_prefix): (Kinds, &'static str),
    optional: bool,
    errors: &FieldErrors,
    on_set: Callback<SpecEdit>,
) -> Html {
    let none = optional && (spec.trim().is_empty() || spec.trim() == "none");
    let (kind, pairs) = if none {
        ("none".to_string(), Vec::new())
    } else {
        fields(spec, kinds)
    };
    let on_kind = {
        let on_set = on_set.clone();
        Callback::from(move |e: Event| {
            let k = e.target_unchecked_into::<HtmlSelectElement>().value();
            let v = if k == "none" {
                k
            } else {
                defaults_of(&k, kinds)
            };
            on_set.emit((key, Ok(v), format!("rl-{key}-kind")));
        })
    };
    let inputs = pairs.iter().enumerate().map(|(i, (k, v))| {
        let (on_set, kind, pairs) = (on_set.clone(), kind.clone(), pairs.clone());
        let testid = format!("rl-{key}-{k}");
        let on_commit = {
            let (testid, k) = (testid.clone(), k.clone());
            Callback::from(move |text: String| {
                let mut p = pairs.clone();
                p[i].1 = text.trim().to_string();
                let spec = check_value(&k, &p[i].1).map(|_| join(&kind, &p));
                on_set.emit((key, spec, testid.clone()));
            })
        };
        html! {
            <CommittedField key={testid.clone()} testid={testid.clone()} class={classes!("short")}
                label={Some(AttrValue::from(tr(l, &format!("rl.p.{k}")).to_string()))}
                value={v.clone()} {on_commit} error={errors.get(&testid, l)} lang={l} />
        }
    });
    html! {
        <div class="plot-controls rl-spec">
            <label class="rl-what">{ tr(l, &format!("rl.{key}")) }
                <select onchange={on_kind} data-testid={format!("rl-{key}-kind")}>
                    if optional {
                        <option value="none" selected={none}>{ tr(l, "rl.kind.none") }</option>
                    }
                    { for kinds.iter().map(|(k, _)| html! {
                        <option value={*k} selected={*k == kind}>{ tr(l, &format!("{kind_prefix}{k}")) }</option>
                    }) }
                </select>
            </label>
            { for inputs }
            if !none {
                <code class="rl-code" data-testid={format!("rl-{key}-spec")}>{ spec.to_string() }</code>
            }
        </div>
    }
}

#[function_component(RateLimitLab)]
pub fn ratelimit_lab(props: &Props) -> Html {
    let l = props.lang;
    let state = use_mut_ref(|| RateLab::new(props.cfg.clone()));
    let canvas = use_node_ref();
    let force = use_force_update();
    let listed_side = use_state(|| 0usize);
    {
        let (state, canvas, force) = (state.clone(), canvas.clone(), force.clone());
        use_effect_with((), move |_| {
            let lp = RafLoop::start(Rc::new(move |ts| {
                let mut s = state.borrow_mut();
                let dt = frame_dt(&mut s.last_ts, ts);
                let t0 = now_ms();
                let was_playing = s.playing;
                if s.playing {
                    let next = s.t + (dt * s.speed() * MS as f64) as Time;
                    s.advance_to(next);
                }
                let mut ui = false;
                if s.dirty {
                    s.dirty = false;
                    if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                        if let Some((ctx, w, h)) = prepare(&c) {
                            draw(&ctx, w, h, &s, crate::lang());
                            super::mark_first_frame();
                        }
                        s.frame_ms = now_ms() - t0;
                        let _ = c.set_attribute("data-frame-ms", &format!("{:.2}", s.frame_ms));
                    }
                    if ts - s.last_ui >= UI_EVERY_MS || (was_playing && !s.playing) {
                        s.last_ui = ts;
                        s.refresh();
                        ui = true;
                    }
                }
                drop(s);
                if ui {
                    force.force_update();
                }
            }));
            move || drop(lp)
        });
    }
    let act = |f: Rc<dyn Fn(&mut RateLab)>| {
        act(&state, &force, move |s| {
            f(s);
            s.refresh();
            s.dirty = true;
        })
    };
    let on_play = act(Rc::new(|s| {
        if s.t >= HORIZON {
            s.rebuild();
        } else {
            s.playing = !s.playing;
        }
    }));
    let on_step = act(Rc::new(|s| {
        s.playing = false;
        let next = (s.t / STEP + 1) * STEP;
        s.advance_to(next);
    }));
    let on_end = act(Rc::new(|s| {
        s.playing = false;
        s.advance_to(HORIZON);
    }));
    let on_restart = act(Rc::new(|s| s.rebuild()));
    let on_example = act(Rc::new(|s| s.load_example()));
    let on_speed = update(&state, &force, |s, x: f64| {
        s.cfg.speed = x.clamp(1.0, SPEED_MAX)
    });
    let on_set = update(
        &state,
        &force,
        |s: &mut RateLab, (key, spec, field): SpecEdit| {
            s.edit(key, spec, &field);
            s.refresh();
        },
    );
    let on_service = update(&state, &force, |s: &mut RateLab, text: String| {
        let r = field::param(&s.cfg.params, "service", &text);
        s.field_errors.record("rl-service", &r);
        if let Ok(x) = r {
            s.cfg.params.set_value("service", x);
            s.rebuild();
        }
    });
    let on_move = {
        let state = state.clone();
        Callback::from(move |e: MouseEvent| {
            let mut s = state.borrow_mut();
            s.hover = Some((e.offset_x() as f64, e.offset_y() as f64));
            s.dirty = true;
        })
    };
    let on_leave = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let mut s = state.borrow_mut();
            s.hover = None;
            s.dirty = true;
        })
    };

    let s = state.borrow();
    let speed = s.speed();
    let controls = html! {
        <div class="plot-controls plot-play">
            <button onclick={on_play} data-testid="rl-play">{ tr(l, if s.playing { "ctl.pause" } else { "ctl.play" }) }</button>
            <button onclick={on_step} data-testid="rl-step">{ tr(l, "ctl.step") }</button>
            <button onclick={on_end} data-testid="rl-end">{ tr(l, "fair.to_end") }</button>
            { super::speed_control(l, speed, 1.0, "rl-speed", on_speed) }
            <span class="rl-time" data-testid="rl-time">{ trf(l, "rl.time", &[&fmt_num(s.t as f64 / 1e6)]) }</span>
        </div>
    };
    let error = s.error.as_ref().map_or(html! {}, |e| {
        html! { <p class="plot-error" role="alert" data-testid="rl-error">{ trf(l, "pl.refused", &[e]) }</p> }
    });
    let totals = html! {
        <div class="plot-table-wrap">
        <table class="plot-table" data-testid="rl-totals">
            <tr>
                <th>{ tr(l, "rl.limiter") }</th><th>{ tr(l, "rl.offered") }</th><th>{ tr(l, "rl.admitted") }</th>
                <th>{ tr(l, "rl.queued") }</th><th>{ tr(l, "rl.rejected") }</th>
                <th>{ tr(l, "rl.mean_delay") }</th><th>{ tr(l, "rl.p99") }</th>
            </tr>
            { for s.sides.iter().enumerate().map(|(i, d)| {
                let letter = side_letter(i);
                let t = &d.totals;
                html! {
                    <tr data-testid={format!("rl-totals-{letter}")}>
                        <td>{ format!("{letter} · {}", kind_name(l, split(s.cfg.params.text(if i == 0 { "limiter" } else { "limiter2" })).0.as_str())) }</td>
                        <td>{ t.offered }</td>
                        <td data-testid={format!("rl-admitted-{letter}")}>{ t.admitted }</td>
                        <td>{ t.queued }</td>
                        <td data-testid={format!("rl-rejected-{letter}")}>{ t.rejected }</td>
                        <td>{ format!("{} ms", fmt_num(t.mean_ms())) }</td>
                        <td>{ format!("{} ms", fmt_num(t.p99_ms)) }</td>
                    </tr>
                }
            }) }
        </table>
        </div>
    };
    let chart_html = html! {
        <canvas ref={canvas} class="plot-chart rl-chart" data-testid="rl-chart"
            onmousemove={on_move} onmouseleave={on_leave} />
    };
    if props.cfg.embed {
        return html! {
            <div class="plot-lab plot-embed" data-lab={props.cfg.lab}>{ chart_html }{ controls }{ error }{ totals }</div>
        };
    }
    let shown_side = (*listed_side).min(s.sides.len().saturating_sub(1));
    let requests = s.sides.get(shown_side).map_or(html! {}, |side| {
        let rows = listed(side, l);
        let key = if shown_side == 0 { "limiter" } else { "limiter2" };
        let pick = s.sides.len() > 1;
        html! {
            <>
            if pick {
                <div class="plot-controls" role="tablist">
                    { for (0..s.sides.len()).map(|i| {
                        let letter = side_letter(i);
                        let onclick = { let ls = listed_side.clone(); Callback::from(move |_: MouseEvent| ls.set(i)) };
                        html! {
                            <button {onclick} role="tab" aria-selected={(i == shown_side).to_string()}
                                class={classes!((i == shown_side).then_some("active"))} data-testid={format!("rl-requests-{letter}")}>
                                { format!("{letter} · {}", kind_name(l, split(s.cfg.params.text(if i == 0 { "limiter" } else { "limiter2" })).0.as_str())) }
                            </button>
                        }
                    }) }
                </div>
            }
            <div class="plot-table-wrap">
            <table class="plot-table rl-requests" data-testid="rl-requests">
                <caption>{ trf(l, "rl.requests", &[&format!("{} · {}", side_letter(shown_side), kind_name(l, split(s.cfg.params.text(key)).0.as_str()))]) }</caption>
                <tr>
                    <th>{ "#" }</th><th>{ tr(l, "rl.req.arrival") }</th><th>{ tr(l, "rl.req.ahead") }</th>
                    <th>{ tr(l, "rl.req.pass") }</th><th>{ tr(l, "rl.req.when") }</th>
                </tr>
                { for rows.iter().enumerate().map(|(i, r)| html! {
                    <tr data-testid={format!("rl-req-{}", i + 1)} class={classes!((!r.decision.passes()).then_some("rl-rejected"))}>
                        <td>{ i + 1 }</td>
                        <td>{ ms(r.arrival) }</td>
                        <td>{ r.ahead }</td>
                        <td>{ if r.decision.passes() { ms(r.arrival + r.decision.delay()) } else { "–".to_string() } }</td>
                        <td data-testid={format!("rl-when-{}", i + 1)}>{ r.when.clone() }</td>
                    </tr>
                }) }
            </table>
            </div>
            </>
        }
    });
    let p = &s.cfg.params;
    html! {
        <div class="plot-lab" data-lab={props.cfg.lab}>
            <div class="plot-params">
            { spec_editor(l, "limiter", p.text("limiter"), (&LIMITER_KINDS, "rl.kind."), false, &s.field_errors, on_set.clone()) }
            { spec_editor(l, "limiter2", p.text("limiter2"), (&LIMITER_KINDS, "rl.kind."), true, &s.field_errors, on_set.clone()) }
            { spec_editor(l, "traffic", p.text("traffic"), (&TRAFFIC_KINDS, "rl.tr."), false, &s.field_errors, on_set) }
            <div class="plot-controls">
                <CommittedField testid="rl-service" label={Some(AttrValue::from(tr(l, "rl.service").to_string()))}
                    value={p.get_u64("service").to_string()} on_commit={on_service} error={s.field_errors.get("rl-service", l)}
                    lang={l} inputmode={Some(AttrValue::from("numeric"))} class={classes!("short")} />
                <button onclick={on_example} data-testid="rl-example">{ tr(l, "rl.example") }</button>
                <button onclick={on_restart} data-testid="rl-restart">{ tr(l, "rl.restart") }</button>
            </div>
            </div>
            { controls }
            { error }
            { chart_html }
            { totals }
            { requests }
            <p class="help">{ tr(l, "rl.help") }</p>
            { super::share_row(l, &s.cfg) }
        </div>
    }
}
