//! The generic view of a model lab's scene ([`distlab_engine::labs::scene`]): any timed model
//! whose registry row says [`ModelView::Scene`](distlab_engine::labs::ModelView) is drawn here,
//! so a scheduler lab needs no code in the app.
//!
//! The run is the lab's [`ModelBox`] (its time-only session) built from the URL: the set-up
//! parameters, a preset (`scenario`) and the share link's log (`actions=`). Play, step, skip
//! to the end, the speed and the time slider drive it; each declared control is a button with
//! a field per argument, and a press is a logged action at the current virtual time (after a
//! scrub back, the run branches there). The canvas draws the scene's packed bars (machines,
//! one column per resource) and the lab's declared series; the counters, panels and the log
//! of changes are HTML, refreshed a few times a second.

use std::rc::Rc;

use distlab_engine::input::{Lang, RunConfig, SPEED_MAX};
use distlab_engine::labs::registry::ModelBox;
use distlab_engine::labs::scene::{parse_action, ArgKind, BarPanel, Control, Scene};
use distlab_engine::labs::{create_model, find, LabDef, SeriesSpec};
use distlab_engine::{Time, MS};
use web_sys::{HtmlCanvasElement, HtmlSelectElement};
use yew::prelude::*;

use super::chart::{self, fmt_num, Plot, Rect};
use super::field::{self, Bad, CommittedField, FieldErrors};
use super::{act, frame_dt, input_text, now_ms, update};
use crate::canvas::{prepare, RafLoop};
use crate::i18n::{action_error, tr, tr_words, trf};

/// Wall milliseconds between DOM refreshes while running.
const UI_EVERY_MS: f64 = 200.0;
/// The least height of one chart when an embed's frame shares its height out (the canvas
/// flexes there): below it a chart's axis labels overlap. CSS pixels.
const EMBED_CHART_MIN_H: f64 = 72.0;

/// The height of one panel of bars, CSS pixels.
const BARS_H: f64 = 150.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cfg: RunConfig,
    pub lang: Lang,
}

/// The lab's state.
pub struct SceneState {
    /// The set-up (the share link's parameters); what changed since is in the run's log.
    pub cfg: RunConfig,
    def: Option<&'static LabDef>,
    pub run: Option<ModelBox>,
    /// What the run shows now (refreshed with the DOM).
    pub scene: Scene,
    pub error: Option<String>,
    /// Each control's argument fields, as typed.
    pub fields: Vec<Vec<String>>,
    pub field_errors: FieldErrors,
    pub t: Time,
    pub playing: bool,
    last_ts: Option<f64>,
    last_ui: f64,
    dirty: bool,
    pub frame_ms: f64,
}

impl SceneState {
    pub fn new(cfg: RunConfig) -> SceneState {
        let def = find(cfg.lab);
        let fields = controls(def)
            .iter()
            .map(|c| c.args.iter().map(|a| a.default_text()).collect())
            .collect();
        let mut s = SceneState {
            cfg,
            def,
            run: None,
            scene: Scene::default(),
            error: None,
            fields,
            field_errors: FieldErrors::default(),
            t: 0,
            playing: true,
            last_ts: None,
            last_ui: 0.0,
            dirty: true,
            frame_ms: 0.0,
        };
        s.rebuild();
        s
    }

    fn horizon(&self) -> Time {
        self.def
            .and_then(|d| d.timed)
            .map_or(600_000 * MS, |t| t.horizon)
    }

    fn step(&self) -> Time {
        self.def
            .and_then(|d| d.timed)
            .map_or(100 * MS, |t| t.step.max(1))
    }

    pub fn speed(&self) -> f64 {
        self.cfg.speed.clamp(0.1, SPEED_MAX)
    }

    /// Starts the run from the set-up: the preset planned, the link's log loaded.
    pub fn rebuild(&mut self) {
        self.t = 0;
        self.playing = true;
        self.run = match create_model(&self.cfg) {
            Some(Ok(r)) => {
                self.error = None;
                Some(r)
            }
            Some(Err(e)) => {
                self.error = Some(e);
                None
            }
            None => None,
        };
        self.advance_to(0);
        self.refresh();
    }

    pub fn advance_to(&mut self, t: Time) {
        let end = self.horizon();
        if let Some(r) = &mut self.run {
            r.run_until(t.min(end));
            self.t = r.now();
        }
        if self.t >= end {
            self.playing = false;
        }
        self.dirty = true;
    }

    pub fn seek(&mut self, t: Time) {
        self.playing = false;
        if let Some(r) = &mut self.run {
            r.seek(t.min(r.horizon()));
            self.t = r.now();
        }
        self.refresh();
    }

    /// Takes the scene as of now (with the DOM refresh, not every frame).
    pub fn refresh(&mut self) {
        self.scene = self.run.as_ref().map(|r| r.scene()).unwrap_or_default();
        self.dirty = true;
    }

    /// Presses control `i` with its fields' values.
    pub fn press(&mut self, i: usize, l: Lang) {
        let Some(c) = controls(self.def).get(i) else {
            return;
        };
        let mut values = Vec::new();
        for (j, a) in c.args.iter().enumerate() {
            let text = self.fields[i][j].clone();
            let id = field_id(c, j);
            let r = match a.kind {
                ArgKind::Number {
                    min, max, integer, ..
                } => field::number(&text, min, max, integer).map(|_| text.trim().to_string()),
                ArgKind::Choice { .. } => a.check(&text).map_err(Bad::Other),
            };
            self.field_errors.record(&id, &r);
            match r {
                Ok(v) => values.push(v),
                Err(_) => return,
            }
        }
        let action = c.encode(&values);
        let r = self.run.as_mut().map(|run| run.act_encoded(&action));
        self.error = match r {
            Some(Err(e)) => Some(action_error(l, &e)),
            _ => None,
        };
        self.refresh();
    }

    /// The share link's configuration: the set-up and the action log.
    pub fn share_cfg(&self) -> RunConfig {
        let mut cfg = self.cfg.clone();
        cfg.model_log = self
            .run
            .as_ref()
            .map_or_else(String::new, |r| r.encoded_log());
        cfg
    }
}

fn controls(def: Option<&'static LabDef>) -> &'static [Control] {
    def.and_then(|d| d.timed).map_or(&[], |t| t.controls)
}

/// A logged action as the learner pressed it, in their language: the control's button, then
/// each field's label and value (`Submit tasks: framework whole (a whole machine), tasks 2`);
/// the encoded action itself if it is none of the lab's controls.
fn described(l: Lang, def: Option<&'static LabDef>, action: &str) -> String {
    let Ok((c, values)) = parse_action(action, controls(def)) else {
        return action.to_string();
    };
    let args: Vec<String> = c
        .args
        .iter()
        .zip(&values)
        .map(|(a, v)| {
            let shown = match a.kind {
                ArgKind::Choice { options } => options
                    .iter()
                    .find(|(o, _)| o == v)
                    .map_or(v.as_str(), |(_, k)| tr(l, k))
                    .to_string(),
                ArgKind::Number { .. } => v.clone(),
            };
            format!("{} {shown}", tr(l, a.label))
        })
        .collect();
    if args.is_empty() {
        return tr(l, c.label).to_string();
    }
    trf(
        l,
        "sc.logged",
        &[tr(l, c.label), &args.join(tr(l, "sc.arg_sep"))],
    )
}

fn series_specs(def: Option<&'static LabDef>) -> &'static [SeriesSpec] {
    def.map_or(&[], |d| d.series)
}

/// The test id of control `c`'s argument `j`.
fn field_id(c: &Control, j: usize) -> String {
    format!("sc-{}-{}", c.verb, c.args.get(j).map_or("", |a| a.name))
}

/// Draws the bar panels, one above the other: per bar a group of columns (one per resource),
/// filled by coloured segments; a failed machine is crossed out.
fn draw_bars(ctx: &web_sys::CanvasRenderingContext2d, w: f64, panels: &[BarPanel], l: Lang) {
    for (p, panel) in panels.iter().enumerate() {
        let top = p as f64 * BARS_H;
        let plot = Plot::new(
            Rect::new(0.0, top + 16.0, w, BARS_H - 34.0),
            (0.0, 1.0),
            (0.0, 1.0),
        );
        let mut title = tr(l, panel.title).to_string();
        if panel.hidden > 0 {
            title.push_str(&trf(l, "sc.hidden", &[&panel.hidden.to_string()]));
        }
        ctx.set_font(chart::FONT);
        ctx.set_fill_style_str(chart::TEXT);
        ctx.set_text_align("left");
        ctx.set_text_baseline("top");
        let _ = ctx.fill_text(&title, 4.0, top + 2.0);
        let legend: Vec<(String, &str)> = panel
            .legend
            .iter()
            .map(|(k, c)| (tr(l, k).to_string(), chart::color(*c as usize)))
            .collect();
        let dims: Vec<String> = panel.dims.iter().map(|d| tr(l, d).to_string()).collect();
        let dims_text = dims.join(" | ");
        // Title, legend and the resources' names share the first row when they fit; else the
        // legend or the names move to a second row, above the columns' tops.
        let measure = |t: &str| ctx.measure_text(t).map_or(80.0, |m| m.width());
        let (tw, dw) = (measure(&title), measure(&dims_text));
        let lw = chart::legend_width(ctx, &legend);
        let (row1, row2, right) = (top + 8.0, top + 24.0, w - 4.0);
        let lx = tw + 24.0;
        let (legend_at, dims_y) = if lx + lw + 12.0 + dw <= right {
            ((lx, row1), row1)
        } else if lx + lw <= right {
            ((lx, row1), row2)
        } else if tw + 12.0 + dw <= right {
            ((4.0, row2), row1)
        } else {
            ((4.0, row2), row2)
        };
        chart::legend(ctx, legend_at.0, legend_at.1, &legend);
        ctx.set_fill_style_str(chart::AXIS);
        ctx.set_text_align("right");
        ctx.set_text_baseline("middle");
        let _ = ctx.fill_text(&dims_text, right, dims_y);
        let n = panel.bars.len();
        let labels: Vec<String> = panel.bars.iter().map(|b| tr_words(l, &b.label)).collect();
        for (i, bar) in panel.bars.iter().enumerate() {
            let (x, bw) = plot.column(i, n);
            let k = bar.fill.len().max(1) as f64;
            let cw = bw / k;
            for (d, segs) in bar.fill.iter().enumerate() {
                let cx = x + d as f64 * cw;
                ctx.set_stroke_style_str(chart::FAINT);
                ctx.set_line_width(1.0);
                ctx.stroke_rect(
                    cx + 0.5,
                    plot.py(1.0),
                    (cw - 1.0).max(1.0),
                    plot.py(0.0) - plot.py(1.0),
                );
                let mut acc = 0.0;
                for &(v, c) in segs {
                    if v <= 0.0 {
                        continue;
                    }
                    let (y0, y1) = (plot.py(acc), plot.py((acc + v).min(1.2)));
                    ctx.set_fill_style_str(chart::color(c as usize));
                    ctx.fill_rect(cx + 0.5, y1, (cw - 1.0).max(1.0), y0 - y1);
                    acc += v;
                }
                if acc > 1.0 + 1e-9 {
                    ctx.set_fill_style_str(chart::BAD);
                    ctx.fill_rect(cx, plot.py(1.0) - 2.0, cw, 3.0);
                }
            }
            if bar.down {
                ctx.set_stroke_style_str(chart::BAD);
                ctx.set_line_width(1.5);
                ctx.begin_path();
                ctx.move_to(x, plot.py(1.0));
                ctx.line_to(x + bw, plot.py(0.0));
                ctx.move_to(x + bw, plot.py(1.0));
                ctx.line_to(x, plot.py(0.0));
                ctx.stroke();
            }
        }
        plot.column_labels(ctx, &labels);
    }
}

#[function_component(SceneLab)]
pub fn scene_lab(props: &Props) -> Html {
    let l = props.lang;
    let state = use_mut_ref(|| SceneState::new(props.cfg.clone()));
    let bars_ref = use_node_ref();
    let chart_ref = use_node_ref();
    let force = use_force_update();
    {
        let (state, bars_ref, chart_ref, force) = (
            state.clone(),
            bars_ref.clone(),
            chart_ref.clone(),
            force.clone(),
        );
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
                    s.scene = s.run.as_ref().map(|r| r.scene()).unwrap_or_default();
                    let lang = crate::lang();
                    if let Some((ctx, w, _)) = bars_ref
                        .cast::<HtmlCanvasElement>()
                        .as_ref()
                        .and_then(prepare)
                    {
                        chart::clear(&ctx, w, BARS_H * s.scene.bars.len() as f64);
                        draw_bars(&ctx, w, &s.scene.bars, lang);
                    }
                    if let Some((ctx, w, h)) = chart_ref
                        .cast::<HtmlCanvasElement>()
                        .as_ref()
                        .and_then(prepare)
                    {
                        let specs = series_specs(s.def);
                        super::series::draw(&ctx, w, h, specs, &s.scene.series, (0, s.t), lang);
                    }
                    super::mark_first_frame();
                    s.frame_ms = now_ms() - t0;
                    if ts - s.last_ui >= UI_EVERY_MS || (was_playing && !s.playing) {
                        s.last_ui = ts;
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
    let on_play = act(&state, &force, |s: &mut SceneState| {
        if s.t >= s.horizon() {
            s.seek(0);
            s.playing = true;
        } else {
            s.playing = !s.playing;
        }
        s.dirty = true;
    });
    let on_step = act(&state, &force, |s: &mut SceneState| {
        s.playing = false;
        let step = s.step();
        s.advance_to((s.t / step + 1) * step);
        s.refresh();
    });
    let on_end = act(&state, &force, |s: &mut SceneState| {
        s.playing = false;
        let end = s.horizon();
        s.advance_to(end);
        s.refresh();
    });
    let on_speed = update(&state, &force, |s, x: f64| {
        s.cfg.speed = x.clamp(0.1, SPEED_MAX)
    });
    let on_seek = update(&state, &force, |s: &mut SceneState, e: InputEvent| {
        if let Ok(ms) = input_text(&e).parse::<f64>() {
            s.seek((ms.max(0.0) * MS as f64) as Time);
        }
    });

    let s = state.borrow();
    let horizon = s.run.as_ref().map_or(0, |r| r.horizon());
    let to_ms = |t: Time| (t as f64 / MS as f64).to_string();
    let secs = fmt_num(s.t as f64 / 1e6);
    let play = html! {
        <div class="plot-controls plot-play">
            <button onclick={on_play} data-testid="sc-play">{ tr(l, if s.playing { "ctl.pause" } else { "ctl.play" }) }</button>
            <button onclick={on_step} data-testid="sc-step">{ tr(l, "ctl.step") }</button>
            <button onclick={on_end} data-testid="sc-end">{ tr(l, "fair.to_end") }</button>
            { super::speed_control(l, s.speed(), 0.1, "sc-speed", on_speed) }
            <label class="scrub">{ tr(l, "ctl.time") }
                <input type="range" min="0" max={to_ms(horizon)} step="any" value={to_ms(s.t)}
                    oninput={on_seek} data-testid="sc-scrubber" aria-valuetext={format!("{secs} s")} />
            </label>
            <span class="rl-time" data-testid="sc-time">{ trf(l, "rl.time", &[&secs]) }</span>
        </div>
    };
    let buttons = controls(s.def).iter().enumerate().map(|(i, c)| {
        let fields = c.args.iter().enumerate().map(|(j, a)| {
            let id = field_id(c, j);
            let value = s.fields[i][j].clone();
            match a.kind {
                ArgKind::Number { .. } => {
                    let on_commit = update(&state, &force, move |s: &mut SceneState, text: String| {
                        s.fields[i][j] = text;
                    });
                    html! {
                        <CommittedField testid={id.clone()} label={Some(AttrValue::from(tr(l, a.label).to_string()))}
                            {value} {on_commit} error={s.field_errors.get(&id, l)} lang={l}
                            inputmode={Some(AttrValue::from("numeric"))} class={classes!("short")} />
                    }
                }
                ArgKind::Choice { options } => {
                    let onchange = update(&state, &force, move |s: &mut SceneState, e: Event| {
                        s.fields[i][j] = e.target_unchecked_into::<HtmlSelectElement>().value();
                    });
                    html! {
                        <label>{ tr(l, a.label) }
                            <select {onchange} data-testid={id}>
                                { for options.iter().map(|(v, k)| html! {
                                    <option value={*v} selected={*v == value}>{ tr(l, k) }</option>
                                }) }
                            </select>
                        </label>
                    }
                }
            }
        });
        let onclick = act(&state, &force, move |s: &mut SceneState| s.press(i, crate::lang()));
        html! {
            <div class="plot-controls sc-control">
                { for fields }
                <button {onclick} data-testid={format!("sc-{}", c.verb)}>{ tr(l, c.label) }</button>
            </div>
        }
    });
    let error = s.error.as_ref().map_or(html! {}, |e| {
        html! { <p class="plot-error" role="alert" data-testid="sc-error">{ trf(l, "pl.refused", &[e]) }</p> }
    });
    let headline = s.scene.headline.as_ref().map_or(html! {}, |h| {
        html! { <p class="headline" data-testid="sc-headline">{ crate::i18n::tr_headline(l, h) }</p> }
    });
    let stats = html! {
        <div class="plot-table-wrap">
            <table class="plot-table" data-testid="sc-stats">
                { for s.scene.stats.iter().map(|st| html! {
                    <tr data-testid={format!("sc-stat-{}", st.key)}>
                        <td>{ tr(l, &format!("stat.{}", st.key)) }</td><td class="num">{ fmt_num(st.value) }</td>
                    </tr>
                }) }
            </table>
        </div>
    };
    let panels = html! {
        <div class="sc-panels">{ for s.scene.panels.iter().map(|p| crate::app::panel_html(l, p)) }</div>
    };
    let logged = s.run.as_ref().map(|r| r.logged()).unwrap_or_default();
    let changes = if logged.is_empty() {
        html! {}
    } else {
        html! {
            <div class="rl-log" data-testid="sc-log">
                <span class="label">{ tr(l, "rl.changes") }</span>
                <ol>
                    { for logged.iter().map(|(t, a)| html! {
                        <li class={classes!((*t > s.t).then_some("rl-later"))} title={a.clone()}>
                            { format!("{} s · {}", fmt_num(*t as f64 / 1e6), described(l, s.def, a)) }
                        </li>
                    }) }
                </ol>
            </div>
        }
    };
    let n_bars = s.scene.bars.len();
    let n_charts = series_specs(s.def).len();
    // Embedded, the charts start at their minimum height and grow into the room left.
    let chart_h = if props.cfg.embed {
        EMBED_CHART_MIN_H * n_charts as f64
    } else {
        super::series::height(n_charts)
    };
    let canvases = html! {
        <>
            if n_bars > 0 {
                <canvas ref={bars_ref} class="plot-chart sc-bars" data-testid="sc-bars"
                    style={format!("height:{}px", BARS_H * n_bars as f64)} />
            }
            if n_charts > 0 {
                <canvas ref={chart_ref} class="plot-chart sc-chart" data-testid="sc-chart"
                    style={format!("height:{chart_h}px")} />
            }
        </>
    };
    if props.cfg.embed {
        // A frame in the notes is small: the play bar stays in sight, the drawing and its
        // counters scroll in the room above it, the lab's controls fold below it.
        return html! {
            <div class="plot-lab plot-embed sc-embed" data-lab={props.cfg.lab}>
                { headline }
                <div class="sc-view" data-testid="sc-view">{ canvases }{ stats }</div>
                { play }
                { error }
                <details class="sc-tools" data-testid="sc-tools">
                    <summary data-testid="sc-tools-open">{ tr(l, "sc.actions") }</summary>
                    { for buttons }
                </details>
            </div>
        };
    }
    html! {
        <div class="plot-lab sc-lab" data-lab={props.cfg.lab}>
            { headline }
            { play }
            <div class="plot-params">{ for buttons }</div>
            { error }
            { canvases }
            { changes }
            { stats }
            { panels }
            { super::share_row(l, &s.share_cfg()) }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_logged_action_reads_as_the_button_and_fields_pressed() {
        let mesos = find("sched-mesos");
        assert_eq!(
            described(Lang::En, mesos, "framework:name=whole,tasks=2"),
            "Submit tasks: framework whole (a whole machine), tasks 2"
        );
        assert_eq!(
            described(Lang::Zh, mesos, "framework:name=whole,tasks=2"),
            "提交任务：框架 whole（整台机器），任务数 2"
        );
        // Not one of the lab's controls (an old link): shown as it was logged.
        assert_eq!(described(Lang::En, mesos, "nope:x=1"), "nope:x=1");
    }
}
