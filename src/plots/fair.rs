//! The fair-allocation labs: `fair-mmf` animates progressive filling round by round (the
//! notes' example: capacity 100 over demands 35/10/25/45); `fair-drf` launches tasks one at a
//! time for the user with the lowest dominant share, live as users join, leave or change
//! their demand, with asset fairness and per-resource max-min on the same inputs beside it.

use std::cell::RefCell;
use std::rc::Rc;

use distlab_engine::input::{Lang, RunConfig, SPEED_MAX, SPEED_MIN};
use distlab_engine::labs::plot_params::{
    parse_drf_changes, parse_numbers, parse_vectors, DrfChange,
};
use distlab_engine::labs::scheduling::fair::{
    asset_fair, max_min_fair, per_resource_max_min, user_name, Drf, DrfEventKind, FairError,
    MmfResult, Policy, MAX_RESOURCES, MAX_USERS,
};
use web_sys::{CanvasRenderingContext2d as Ctx, HtmlCanvasElement};
use yew::prelude::*;

use super::chart::{self, fmt_num, Plot, Rect};
use super::field::{self, Bad, CommittedField, FieldErrors};
use super::{act, frame_dt, update};
use crate::canvas::{prepare, RafLoop};
use crate::i18n::{tr, trf};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cfg: RunConfig,
    pub lang: Lang,
}

/// Virtual milliseconds one progressive-filling round takes: at the URL's default speed
/// (0.1×) a round animates in one wall second, at 1× in 100 ms, at 100× in 1 ms.
pub const MMF_STEP_MS: f64 = 100.0;
/// Virtual milliseconds one DRF task launch takes (four per MMF round).
pub const DRF_STEP_MS: f64 = 25.0;

/// Steps advanced in `dt` wall milliseconds at `speed` (virtual seconds per wall second).
pub fn steps_in(dt: f64, speed: f64, step_ms: f64) -> f64 {
    dt * speed.clamp(SPEED_MIN, SPEED_MAX) / step_ms
}

fn weights_of(cfg: &RunConfig) -> Vec<f64> {
    parse_numbers(cfg.params.text("weights"), ',').unwrap_or_default()
}

/// A fair lab's playback: a cursor over the lab's steps (fractional while a step animates),
/// whether it plays, the previous animation frame, and whether the chart needs redrawing.
struct Playback {
    cursor: f64,
    playing: bool,
    last_ts: Option<f64>,
    dirty: bool,
}

impl Playback {
    /// At the first step, playing.
    fn new() -> Playback {
        Playback {
            cursor: 0.0,
            playing: true,
            last_ts: None,
            dirty: true,
        }
    }

    /// Back to the first step, playing (after the inputs changed).
    fn restart(&mut self) {
        self.cursor = 0.0;
        self.playing = true;
        self.dirty = true;
    }

    /// Play or pause; playing again at the end starts over.
    fn toggle(&mut self, end: f64) {
        if self.cursor >= end {
            self.cursor = 0.0;
        }
        self.playing = !self.playing;
    }

    /// Plays on from step `from`, or from where it stands if that is further (a live change
    /// appended its steps at `from`).
    fn play_from(&mut self, from: f64) {
        self.cursor = self.cursor.max(from);
        self.playing = true;
    }

    /// Pauses showing step `at` (a step forward, or the end).
    fn pause_at(&mut self, at: f64) {
        self.playing = false;
        self.cursor = at;
        self.dirty = true;
    }

    /// One animation frame at `ts`: moves the cursor on at `speed` (steps of `step_ms`
    /// virtual ms) while playing, stopping at `end`.
    fn advance(&mut self, ts: f64, speed: f64, step_ms: f64, end: f64) {
        let dt = frame_dt(&mut self.last_ts, ts);
        if self.playing {
            self.cursor = (self.cursor + steps_in(dt, speed, step_ms)).min(end);
            if self.cursor >= end {
                self.playing = false;
            }
            self.dirty = true;
        }
    }
}

/// What the fair labs' shared animation loop needs of a lab's state.
trait Animated: 'static {
    /// Virtual milliseconds one step takes.
    const STEP_MS: f64;
    /// Steps in the whole run (where the cursor stops).
    fn end(&self) -> f64;
    /// The step a fractional cursor shows: the page re-renders when it changes.
    fn shown(cursor: f64) -> f64;
    /// The playback, and the speed it plays at (the run configuration's, so share links
    /// carry it).
    fn playback(&mut self) -> (&mut Playback, f64);
    fn draw(&self, ctx: &Ctx, w: f64, h: f64, l: Lang);
}

/// One animation frame of a fair lab: advances its cursor at the lab's speed, redraws the
/// chart when something changed and re-renders the page when the shown step changes.
fn frame<S: Animated>(
    state: Rc<RefCell<S>>,
    canvas: NodeRef,
    force: UseForceUpdateHandle,
) -> Rc<dyn Fn(f64)> {
    Rc::new(move |ts| {
        let mut s = state.borrow_mut();
        let end = s.end();
        let (play, speed) = s.playback();
        let before = S::shown(play.cursor);
        play.advance(ts, speed, S::STEP_MS, end);
        let crossed = S::shown(play.cursor) != before;
        if std::mem::take(&mut play.dirty) {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                if let Some((ctx, w, h)) = prepare(&c) {
                    s.draw(&ctx, w, h, crate::lang());
                    super::mark_first_frame();
                }
            }
        }
        drop(s);
        if crossed {
            force.force_update();
        }
    })
}

/// Runs a fair lab's animation loop while the lab is mounted.
#[hook]
fn use_animation<S: Animated>(
    state: &Rc<RefCell<S>>,
    canvas: &NodeRef,
    force: &UseForceUpdateHandle,
) {
    let frame = frame(state.clone(), canvas.clone(), force.clone());
    use_effect_with((), move |_| {
        let lp = RafLoop::start(frame);
        move || drop(lp)
    });
}

// ---- max-min fairness ----

struct Mmf {
    cfg: RunConfig,
    result: Result<MmfResult, FairError>,
    /// Over the rounds.
    play: Playback,
    /// Refused field values, by parameter.
    errors: FieldErrors,
}

/// The progressive filling of a configuration.
fn mmf_of(cfg: &RunConfig) -> Result<MmfResult, FairError> {
    let p = &cfg.params;
    let demands = parse_numbers(p.text("demands"), ',').unwrap_or_default();
    max_min_fair(p.get("capacity"), &demands, &weights_of(cfg))
}

impl Mmf {
    fn new(cfg: RunConfig) -> Mmf {
        let mut m = Mmf {
            cfg,
            result: Err(FairError::NoUsers),
            play: Playback::new(),
            errors: FieldErrors::default(),
        };
        m.rebuild();
        m
    }

    fn rebuild(&mut self) {
        self.result = mmf_of(&self.cfg);
        self.play.restart();
    }

    /// The user committed `text` to the field of parameter `key`: applied and the run
    /// restarts from it, or refused with the reason shown at the field.
    fn commit(&mut self, key: &str, text: &str) {
        let users = parse_numbers(self.cfg.params.text("demands"), ',').map_or(0, |d| d.len());
        let r = (|| {
            let mut cfg = self.cfg.clone();
            match key {
                "capacity" => {
                    let v = field::param(&cfg.params, key, text)?;
                    cfg.params.set_value(key, v);
                }
                "demands" => {
                    field::numbers(text, false, MAX_USERS)?;
                    cfg.params.set_text(key, text).map_err(Bad::Other)?;
                }
                _ => {
                    field::weights(text, users, MAX_USERS)?;
                    cfg.params.set_text(key, text).map_err(Bad::Other)?;
                }
            }
            mmf_of(&cfg).map_err(Bad::Fair)?;
            Ok(cfg)
        })();
        match r {
            Ok(cfg) => {
                self.errors.clear(key);
                self.cfg = cfg;
                self.rebuild();
            }
            Err(b) => self.errors.set(key, b),
        }
    }

    /// Allocation and the filling level (share per unit of weight) at the cursor.
    fn at_cursor(&self) -> (Vec<f64>, f64) {
        let Ok(r) = &self.result else {
            return (Vec::new(), 0.0);
        };
        let k = (self.play.cursor.floor() as usize).min(r.steps.len());
        let f = self.play.cursor - k as f64;
        let mut alloc = if k == 0 {
            vec![0.0; r.demands.len()]
        } else {
            r.steps[k - 1].allocation.clone()
        };
        let mut level: f64 = r.steps[..k].iter().map(|s| s.share).sum();
        if let Some(s) = r.steps.get(k) {
            for (a, g) in alloc.iter_mut().zip(&s.given) {
                *a += g * f;
            }
            level += s.share * f;
        }
        (alloc, level)
    }
}

fn draw_mmf(ctx: &Ctx, w: f64, h: f64, m: &Mmf, l: Lang) {
    chart::clear(ctx, w, h);
    let Ok(r) = &m.result else {
        return;
    };
    let (alloc, level) = m.at_cursor();
    let top = r.demands.iter().fold(1.0f64, |a, &b| a.max(b)) * 1.1;
    let plot = Plot::new(Rect::new(0.0, 0.0, w, h - 16.0), (0.0, 1.0), (0.0, top));
    plot.axes(ctx, tr(l, "mmf.chart"), false);
    let n = r.demands.len();
    for (i, &d) in r.demands.iter().enumerate() {
        let (x, bw) = plot.column(i, n);
        ctx.set_stroke_style_str(chart::color(i));
        ctx.set_line_width(1.5);
        let _ = ctx.set_line_dash(&js_sys::Array::of2(&4.0.into(), &3.0.into()));
        ctx.stroke_rect(x, plot.py(d), bw, plot.py(0.0) - plot.py(d));
        let _ = ctx.set_line_dash(&js_sys::Array::new());
    }
    plot.bars(ctx, &alloc, &chart::color);
    let names: Vec<String> = (0..n).map(user_name).collect();
    plot.column_labels(ctx, &names);
    ctx.set_fill_style_str(chart::TEXT);
    ctx.set_text_align("center");
    ctx.set_text_baseline("bottom");
    for (i, a) in alloc.iter().enumerate() {
        let (x, bw) = plot.column(i, n);
        let _ = ctx.fill_text(&fmt_num(*a), x + bw / 2.0, plot.py(*a) - 2.0);
    }
    if m.play.cursor > 0.0 {
        plot.hline(ctx, level.min(top), chart::TEXT, true);
    }
    chart::legend(
        ctx,
        plot.area.x,
        h - 8.0,
        &[
            (tr(l, "mmf.allocated").to_string(), chart::color(0)),
            (tr(l, "mmf.level").to_string(), chart::TEXT),
        ],
    );
}

impl Animated for Mmf {
    const STEP_MS: f64 = MMF_STEP_MS;
    fn end(&self) -> f64 {
        self.result.as_ref().map_or(0, |r| r.steps.len()) as f64
    }
    fn shown(cursor: f64) -> f64 {
        cursor.floor()
    }
    fn playback(&mut self) -> (&mut Playback, f64) {
        (&mut self.play, self.cfg.speed)
    }
    fn draw(&self, ctx: &Ctx, w: f64, h: f64, l: Lang) {
        draw_mmf(ctx, w, h, self, l);
    }
}

#[function_component(MmfLab)]
pub fn mmf_lab(props: &Props) -> Html {
    let l = props.lang;
    let state = use_mut_ref(|| Mmf::new(props.cfg.clone()));
    let canvas = use_node_ref();
    let force = use_force_update();
    use_animation(&state, &canvas, &force);
    let m = state.borrow();
    let act = |f: fn(&mut Mmf)| act(&state, &force, f);
    let on_play = act(|m| m.play.toggle(m.end()));
    let on_step = act(|m| {
        let next = (m.play.cursor.floor() + 1.0).min(m.end());
        m.play.pause_at(next);
    });
    let on_end = act(|m| m.play.pause_at(m.end()));
    let on_speed = update(&state, &force, |s, x: f64| s.cfg.speed = x);
    let shown = m.play.cursor.floor() as usize;
    // The table follows the animation: each user's allocation at the step shown.
    let (alloc_now, _) = m.at_cursor();
    let body = match &m.result {
        Err(e) => {
            html! { <p class="plot-error" role="alert">{ trf(l, "pl.refused", &[&field::fair_error(l, e)]) }</p> }
        }
        Ok(r) => {
            let names: Vec<String> = (0..r.demands.len()).map(user_name).collect();
            let list = |v: &[usize]| {
                if v.is_empty() {
                    return "–".to_string();
                }
                v.iter()
                    .map(|&i| names[i].clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            html! {
                <>
                <div class="plot-table-wrap">
                <table class="plot-table" data-testid="mmf-table">
                    <tr><th>{ tr(l, "fair.user") }</th><th>{ tr(l, "fair.demand") }</th><th>{ tr(l, "fair.weight") }</th><th>{ tr(l, "mmf.allocation") }</th></tr>
                    { for r.order.iter().map(|&i| {
                        let a = alloc_now.get(i).copied().unwrap_or(0.0);
                        let done = (a - r.allocation[i]).abs() < 1e-9;
                        html! {
                            <tr>
                                <td>{ names[i].clone() }</td>
                                <td>{ fmt_num(r.demands[i]) }</td>
                                <td>{ fmt_num(r.weights[i]) }</td>
                                <td data-testid={format!("mmf-alloc-{}", names[i])} class={classes!((!done).then_some("pending"))}>{ fmt_num(a) }</td>
                            </tr>
                        }
                    }) }
                </table>
                </div>
                <ol class="plot-steps" data-testid="mmf-steps">
                    { for r.steps.iter().enumerate().map(|(k, s)| html! {
                        <li class={classes!((k < shown).then_some("done"), (k == shown).then_some("current"))}>
                            { trf(l, "mmf.round", &[&fmt_num(s.available), &s.active.len().to_string(), &fmt_num(s.share), &list(&s.satisfied)]) }
                        </li>
                    }) }
                </ol>
                <p class="help">{ trf(l, "mmf.unallocated", &[&fmt_num(r.unallocated)]) }</p>
                </>
            }
        }
    };
    let controls = html! {
        <div class="plot-controls plot-play">
            <button onclick={on_play} data-testid="mmf-play">{ tr(l, if m.play.playing { "ctl.pause" } else { "ctl.play" }) }</button>
            <button onclick={on_step} data-testid="mmf-step">{ tr(l, "ctl.step") }</button>
            <button onclick={on_end} data-testid="mmf-end">{ tr(l, "fair.to_end") }</button>
            { super::speed_control(l, m.cfg.speed, SPEED_MIN, "mmf-speed", on_speed) }
        </div>
    };
    let chart_html = html! { <canvas ref={canvas} class="plot-chart" data-testid="mmf-chart" /> };
    if props.cfg.embed {
        return html! { <div class="plot-lab plot-embed" data-lab={props.cfg.lab}>{ chart_html }{ controls }{ body }</div> };
    }
    let field = |key: &'static str,
                 label: &str,
                 value: String,
                 placeholder: Option<&'static str>| {
        let on_commit = update(&state, &force, move |m: &mut Mmf, text: String| {
            m.commit(key, &text)
        });
        html! {
            <CommittedField testid={format!("mmf-{key}")} label={Some(AttrValue::from(label.to_string()))}
                value={value} {on_commit} error={m.errors.get(key, l)} lang={l}
                placeholder={placeholder.map(AttrValue::from)}
                inputmode={(key == "capacity").then_some(AttrValue::from("decimal"))} />
        }
    };
    let p = &m.cfg.params;
    html! {
        <div class="plot-lab" data-lab={props.cfg.lab}>
            <div class="plot-controls plot-params">
                { field("capacity", tr(l, "mmf.capacity"), super::fmt_plain(p.get("capacity")), None) }
                { field("demands", tr(l, "fair.demands"), p.text("demands").to_string(), None) }
                { field("weights", tr(l, "fair.weights"), p.text("weights").to_string(), Some("1,2,1,1")) }
            </div>
            { controls }
            { chart_html }
            { body }
            { super::share_row(l, &m.cfg) }
        </div>
    }
}

// ---- dominant resource fairness ----

struct DrfState {
    cfg: RunConfig,
    drf: Result<Drf, FairError>,
    /// Over the task launches (and joins and leaves).
    play: Playback,
    /// Refused field values: `capacity`, `demands`, `weights`, `new` (the new user's task)
    /// and `demand-A` (a user's demand).
    errors: FieldErrors,
    /// The new user's task, as last committed (read when Join is clicked).
    new_demand: String,
}

/// The allocation of a configuration before any live change.
fn drf_of(cfg: &RunConfig) -> Result<Drf, FairError> {
    let p = &cfg.params;
    let capacity = parse_numbers(p.text("capacity"), ',').unwrap_or_default();
    let demands = parse_vectors(p.text("demands")).unwrap_or_default();
    let weights = weights_of(cfg);
    let mut d = Drf::new(Policy::Drf, &capacity)?;
    for (i, dm) in demands.iter().enumerate() {
        d.add_user(dm, weights.get(i).copied().unwrap_or(1.0))?;
    }
    d.fill();
    Ok(d)
}

/// `1,4` or `1/4`, optionally `*2` for a weight: a joining user.
fn parse_join(text: &str) -> Result<DrfChange, Bad> {
    let (demand, weight) = match text.split_once('*') {
        Some((d, w)) => (d, field::number(w, 0.0, 1e12, false)?),
        None => (text, 1.0),
    };
    if weight <= 0.0 {
        return Err(Bad::Positive(fmt_num(weight)));
    }
    let demand = field::numbers(&demand.replace('/', ","), false, MAX_RESOURCES)?;
    Ok(DrfChange::Join { demand, weight })
}

impl DrfState {
    fn new(cfg: RunConfig) -> DrfState {
        let mut s = DrfState {
            cfg,
            drf: Err(FairError::NoResources),
            play: Playback::new(),
            errors: FieldErrors::default(),
            new_demand: "1,4".to_string(),
        };
        s.rebuild();
        s
    }

    fn rebuild(&mut self) {
        let changes = parse_drf_changes(self.cfg.params.text("changes")).unwrap_or_default();
        self.drf = drf_of(&self.cfg);
        let mut kept = Vec::new();
        for c in changes {
            if self.change(&c).is_ok() {
                kept.push(c);
            }
        }
        self.record(&kept);
        self.play.restart();
    }

    /// The user committed `text` to the field of parameter `key` (capacity, demands,
    /// weights): applied and the run restarts from it (without the live changes, which were
    /// made for the old users), or refused with the reason shown at the field.
    fn commit(&mut self, key: &str, text: &str) {
        let users = self.cfg.params.text("demands").split(';').count();
        let r = (|| {
            match key {
                "capacity" => {
                    field::numbers(text, false, MAX_RESOURCES)?;
                }
                "demands" => {
                    for u in text.split(';') {
                        field::numbers(u, false, MAX_RESOURCES)?;
                    }
                }
                _ => {
                    field::weights(text, users, MAX_USERS)?;
                }
            }
            let mut cfg = self.cfg.clone();
            cfg.params.set_text(key, text).map_err(Bad::Other)?;
            let _ = cfg.params.set_text("changes", "");
            drf_of(&cfg).map_err(Bad::Fair)?;
            Ok(cfg)
        })();
        match r {
            Ok(cfg) => {
                self.errors.clear_all();
                self.cfg = cfg;
                self.rebuild();
            }
            Err(b) => self.errors.set(key, b),
        }
    }

    fn change(&mut self, c: &DrfChange) -> Result<(), Bad> {
        let Ok(d) = self.drf.as_mut() else {
            return Err(Bad::Fair(FairError::NoResources));
        };
        match c {
            DrfChange::Join { demand, weight } => d.add_user(demand, *weight).map(|_| ()),
            DrfChange::Leave { user } => d.remove_user(*user),
            DrfChange::Demand { user, demand } => d.set_demand(*user, demand),
        }
        .map_err(Bad::Fair)?;
        d.fill();
        Ok(())
    }

    fn record(&mut self, changes: &[DrfChange]) {
        let s: Vec<String> = changes.iter().map(DrfChange::encode).collect();
        let _ = self.cfg.params.set_text("changes", &s.join("~"));
    }

    /// A live change: applied, filled, recorded, and animated from where the run stands.
    fn live(&mut self, c: DrfChange) -> Result<(), Bad> {
        let from = self.total_steps();
        self.play.dirty = true;
        self.change(&c)?;
        let mut all = parse_drf_changes(self.cfg.params.text("changes")).unwrap_or_default();
        all.push(c);
        self.record(&all);
        self.play.play_from(from as f64);
        Ok(())
    }

    /// The new user's task was committed: kept for Join, checked now.
    fn set_new_demand(&mut self, text: &str) {
        self.new_demand = text.trim().to_string();
        let r = parse_join(&self.new_demand);
        self.errors.record("new", &r);
    }

    /// Join with the new user's task.
    fn join(&mut self) {
        let r = parse_join(&self.new_demand).and_then(|c| self.live(c));
        self.errors.record("new", &r);
    }

    /// A user's demand was committed.
    fn set_demand(&mut self, user: u32, name: &str, text: &str) {
        let field = format!("demand-{name}");
        let r = field::numbers(&text.replace('/', ","), false, MAX_RESOURCES)
            .and_then(|demand| self.live(DrfChange::Demand { user, demand }));
        self.errors.record(&field, &r);
    }

    fn total_steps(&self) -> usize {
        self.drf.as_ref().map_or(0, |d| d.steps().len())
    }
}

/// The name of resource `r`: the notes' CPU and GB, then R3, R4, …
fn resource_name(l: Lang, r: usize) -> String {
    match r {
        0 => tr(l, "drf.res.cpu").to_string(),
        1 => tr(l, "drf.res.mem").to_string(),
        _ => format!("R{}", r + 1),
    }
}

/// Tasks per user after the first `k` steps.
fn tasks_at(d: &Drf, k: usize) -> Vec<u64> {
    let mut t = vec![0; d.users().len()];
    for s in &d.steps()[..k.min(d.steps().len())] {
        if let Some(x) = t.get_mut(s.user as usize) {
            *x = if s.kind == DrfEventKind::Leave {
                0
            } else {
                s.tasks
            };
        }
    }
    t
}

fn draw_drf(ctx: &Ctx, w: f64, h: f64, s: &DrfState, l: Lang) {
    chart::clear(ctx, w, h);
    let Ok(d) = &s.drf else {
        return;
    };
    let k = s.play.cursor.ceil() as usize;
    let tasks = tasks_at(d, k);
    let half = (w / 2.0).floor();
    // Stacked allocation per resource, as a share of capacity.
    let stacks: Vec<Vec<f64>> = d
        .capacity()
        .iter()
        .enumerate()
        .map(|(r, cap)| {
            d.users()
                .iter()
                .zip(&tasks)
                .map(|(u, &t)| u.demand[r] * t as f64 / cap)
                .collect()
        })
        .collect();
    let bars = Plot::new(Rect::new(0.0, 0.0, half, h - 16.0), (0.0, 1.0), (0.0, 1.0));
    bars.axes(ctx, tr(l, "drf.bars"), false);
    bars.stacked_bars(ctx, &stacks, &chart::color);
    let labels: Vec<String> = (0..d.capacity().len())
        .map(|r| format!("{} ({})", resource_name(l, r), fmt_num(d.capacity()[r])))
        .collect();
    bars.column_labels(ctx, &labels);
    // Dominant share of each user over the steps.
    let series = d.share_series();
    let n = d.steps().len().max(1) as f64;
    let top = series.iter().flatten().fold(0.1f64, |a, &b| a.max(b)) * 1.1;
    let lines = Plot::new(
        Rect::new(half, 0.0, w - half, h - 16.0),
        (0.0, n),
        (0.0, top.min(1.0)),
    );
    lines.axes(ctx, tr(l, "drf.lines"), true);
    for (u, row) in series.iter().enumerate() {
        let pts = std::iter::once((0.0, 0.0)).chain(
            row.iter()
                .take(k)
                .enumerate()
                .map(|(i, &v)| ((i + 1) as f64, v)),
        );
        lines.line(ctx, pts, chart::color(u));
    }
    let items: Vec<(String, &str)> = d
        .users()
        .iter()
        .map(|u| (u.name.clone(), chart::color(u.id as usize)))
        .collect();
    chart::legend(ctx, bars.area.x, h - 6.0, &items);
}

impl Animated for DrfState {
    const STEP_MS: f64 = DRF_STEP_MS;
    fn end(&self) -> f64 {
        self.total_steps() as f64
    }
    fn shown(cursor: f64) -> f64 {
        cursor.ceil()
    }
    fn playback(&mut self) -> (&mut Playback, f64) {
        (&mut self.play, self.cfg.speed)
    }
    fn draw(&self, ctx: &Ctx, w: f64, h: f64, l: Lang) {
        draw_drf(ctx, w, h, self, l);
    }
}

#[function_component(DrfLab)]
pub fn drf_lab(props: &Props) -> Html {
    let l = props.lang;
    let embed = props.cfg.embed;
    let state = use_mut_ref(|| DrfState::new(props.cfg.clone()));
    let canvas = use_node_ref();
    let force = use_force_update();
    use_animation(&state, &canvas, &force);
    let s = state.borrow();
    let act = |f: Rc<dyn Fn(&mut DrfState)>| act(&state, &force, move |s| f(s));
    let on_play = act(Rc::new(|s| s.play.toggle(s.end())));
    let on_step = act(Rc::new(|s| {
        let next = (s.play.cursor.floor() + 1.0).min(s.end());
        s.play.pause_at(next);
    }));
    let on_end = act(Rc::new(|s| s.play.pause_at(s.end())));
    let on_join = act(Rc::new(|s| s.join()));
    let on_new_demand = update(&state, &force, |s: &mut DrfState, text: String| {
        s.set_new_demand(&text)
    });
    let on_speed = update(&state, &force, |s, x: f64| s.cfg.speed = x);
    let body = match &s.drf {
        Err(e) => {
            html! { <p class="plot-error" role="alert">{ trf(l, "pl.refused", &[&field::fair_error(l, e)]) }</p> }
        }
        Ok(d) => {
            let active: Vec<_> = d.users().iter().filter(|u| u.active).collect();
            let demands: Vec<Vec<f64>> = active.iter().map(|u| u.demand.clone()).collect();
            let weights: Vec<f64> = active.iter().map(|u| u.weight).collect();
            let asset = asset_fair(d.capacity(), &demands, &weights).ok();
            let per = per_resource_max_min(d.capacity(), &demands, &weights).ok();
            let names: Vec<String> = (0..d.capacity().len())
                .map(|r| resource_name(l, r))
                .collect();
            let used = d
                .capacity()
                .iter()
                .zip(d.used())
                .zip(&names)
                .map(|((c, u), n)| format!("{n} {} / {}", fmt_num(*u), fmt_num(*c)))
                .collect::<Vec<_>>()
                .join(" · ");
            let shown = tasks_at(d, s.play.cursor.ceil() as usize);
            let cols = if embed { 4 } else { 7 };
            html! {
                <div class="plot-table-wrap">
                <table class="plot-table drf-table" data-testid="drf-table">
                    <tr>
                        <th>{ tr(l, "fair.user") }</th><th>{ trf(l, "drf.demand_of", &[&names.join(", ")]) }</th>
                        if !embed { <th>{ tr(l, "fair.weight") }</th> }
                        <th>{ tr(l, "drf.tasks") }</th><th>{ tr(l, "drf.dominant") }</th>
                        if !embed { <th>{ tr(l, "drf.asset") }</th><th>{ tr(l, "drf.per_resource") }</th> }
                        <th></th>
                    </tr>
                    { for active.iter().enumerate().map(|(j, u)| {
                        let (id, name) = (u.id, u.name.clone());
                        let on_leave = act(Rc::new(move |s| {
                            let _ = s.live(DrfChange::Leave { user: id });
                        }));
                        let on_demand = {
                            let name = name.clone();
                            update(&state, &force, move |s: &mut DrfState, text: String| {
                                s.set_demand(id, &name, &text)
                            })
                        };
                        let done = shown.get(id as usize).copied().unwrap_or(0) == u.tasks;
                        let value = u.demand.iter().map(|x| fmt_num(*x)).collect::<Vec<_>>().join(",");
                        html! {
                            <tr key={id.to_string()}>
                                <td><span class="swatch" style={format!("background:{}", chart::color(id as usize))}></span>{ name.clone() }</td>
                                <td>
                                    <CommittedField testid={format!("drf-demand-{name}")} class={classes!("short")}
                                        aria_label={Some(AttrValue::from(format!("{} {name}", tr(l, "fair.demand"))))}
                                        {value} on_commit={on_demand} error={s.errors.get(&format!("demand-{name}"), l)} lang={l} />
                                </td>
                                if !embed { <td>{ fmt_num(u.weight) }</td> }
                                <td data-testid={format!("drf-tasks-{name}")} class={classes!((!done).then_some("pending"))}>{ trf(l, "drf.n_tasks", &[&u.tasks.to_string()]) }</td>
                                <td>{ format!("{:.3}", d.dominant_share(id)) }</td>
                                if !embed {
                                    <td data-testid={format!("asset-tasks-{name}")}>{ asset.as_ref().and_then(|a| a.users.get(j)).map_or("–".into(), |a| a.tasks.to_string()) }</td>
                                    <td data-testid={format!("perres-tasks-{name}")}>{ per.as_ref().and_then(|a| a.users.get(j)).map_or("–".into(), |a| a.tasks.to_string()) }</td>
                                }
                                <td><button onclick={on_leave} data-testid={format!("drf-leave-{name}")}>{ tr(l, "drf.leave") }</button></td>
                            </tr>
                        }
                    }) }
                    <tr class="totals"><td>{ tr(l, "drf.used") }</td><td colspan={cols.to_string()} data-testid="drf-used">{ used }</td></tr>
                </table>
                </div>
            }
        }
    };
    let controls = html! {
        <div class="plot-controls plot-play">
            <button onclick={on_play} data-testid="drf-play">{ tr(l, if s.play.playing { "ctl.pause" } else { "ctl.play" }) }</button>
            <button onclick={on_step} data-testid="drf-step">{ tr(l, "ctl.step") }</button>
            <button onclick={on_end} data-testid="drf-end">{ tr(l, "fair.to_end") }</button>
            { super::speed_control(l, s.cfg.speed, SPEED_MIN, "drf-speed", on_speed) }
            <CommittedField testid="drf-new-demand" class={classes!("short")} label={Some(AttrValue::from(tr(l, "drf.new_user").to_string()))}
                value={s.new_demand.clone()} on_commit={on_new_demand} error={s.errors.get("new", l)} lang={l}
                title={Some(AttrValue::from(tr(l, "drf.weight_hint").to_string()))} />
            <button onclick={on_join} data-testid="drf-join" title={tr(l, "drf.weight_hint").to_string()}>{ tr(l, "drf.join") }</button>
        </div>
    };
    let chart_html = html! { <canvas ref={canvas} class="plot-chart" data-testid="drf-chart" /> };
    if embed {
        return html! { <div class="plot-lab plot-embed" data-lab={props.cfg.lab}>{ chart_html }{ controls }{ body }</div> };
    }
    let field = |key: &'static str, label: &str, placeholder: Option<&'static str>| {
        let on_commit = update(&state, &force, move |s: &mut DrfState, text: String| {
            s.commit(key, &text)
        });
        html! {
            <CommittedField testid={format!("drf-{key}")} label={Some(AttrValue::from(label.to_string()))}
                value={s.cfg.params.text(key).to_string()} {on_commit} error={s.errors.get(key, l)} lang={l}
                placeholder={placeholder.map(AttrValue::from)} />
        }
    };
    html! {
        <div class="plot-lab" data-lab={props.cfg.lab}>
            <div class="plot-controls plot-params">
                { field("capacity", &trf(l, "drf.capacity_of", &[&resource_name(l, 0), &resource_name(l, 1)]), None) }
                { field("demands", tr(l, "drf.demands"), None) }
                { field("weights", tr(l, "fair.weights"), Some("1,2")) }
            </div>
            { controls }
            { chart_html }
            { body }
            <p class="help">{ tr(l, "drf.help") }</p>
            { super::share_row(l, &s.cfg) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playback_moves_at_the_speed_stops_at_the_end_and_starts_over() {
        let mut p = Playback::new();
        // The first frame only sets the clock.
        p.advance(1_000.0, 1.0, MMF_STEP_MS, 3.0);
        assert_eq!((p.cursor, p.playing), (0.0, true));
        // 50 wall ms at 1×: half a 100 ms round.
        p.dirty = false;
        p.advance(1_050.0, 1.0, MMF_STEP_MS, 3.0);
        assert_eq!(p.cursor, 0.5);
        assert!(p.dirty);
        // At 100× everything is done at once, and playback stops at the end.
        p.advance(1_100.0, 100.0, MMF_STEP_MS, 3.0);
        assert_eq!((p.cursor, p.playing), (3.0, false));
        // Play at the end starts over; a step or the end pauses there.
        p.toggle(3.0);
        assert_eq!((p.cursor, p.playing), (0.0, true));
        p.pause_at(2.0);
        p.advance(1_150.0, 1.0, MMF_STEP_MS, 3.0);
        assert_eq!((p.cursor, p.playing), (2.0, false));
        // A live change plays on from its first step, never backwards.
        p.play_from(1.0);
        assert_eq!((p.cursor, p.playing), (2.0, true));
        p.play_from(2.5);
        assert_eq!(p.cursor, 2.5);
        p.restart();
        assert_eq!((p.cursor, p.playing, p.dirty), (0.0, true, true));
    }
}
