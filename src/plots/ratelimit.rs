//! The `ratelimit` lab: one or two rate limiters (leaky bucket, token bucket, fixed and
//! sliding windows, and Sentinel's thread-count, QPS-reject, warm-up and uniform-queueing
//! modes) on the same generated traffic, driven by virtual time with play/pause, step, speed
//! and a time slider.
//!
//! The run starts from the URL: `limiter`, `limiter2` (`none` for one limiter), `traffic`
//! (spec strings, see `LimiterSpec::parse` and `TrafficSpec::parse`), `service` (ms in
//! service, for the thread limit), `seed`, `speed` and a preset (`scenario`). It runs on the
//! time-only model session ([`ModelSession`] of a [`RateModel`]): editing a spec, the service
//! time or sending a burst mid-run is a logged action at the current virtual time (nothing
//! restarts), the time slider goes back and forth through the run, and the share link carries
//! the log (`actions=`), so it replays exactly. Links without a log run as before.
//!
//! Per frame the work is incremental: the session advances to the new virtual time, only the
//! outcomes since the last frame are folded into the running totals ([`Shown`]), and the charts
//! draw the last [`WINDOW`] of samples (a bounded number of points). The p99 delay (a
//! linear-time selection) and the DOM are refreshed a few times a second only.

use std::rc::Rc;

use distlab_engine::input::{Lang, RunConfig, SPEED_MAX};
use distlab_engine::labs::availability::ratelimit::{
    self as engine, Decision, Outcome, RateAction, RateModel, RateSim, MAX_BURST, SECOND,
};
use distlab_engine::sim::model::decode_log;
use distlab_engine::sim::{ActionError, ModelSession};
use distlab_engine::{Time, MS};
use web_sys::{HtmlCanvasElement, MouseEvent};
use yew::prelude::*;

use super::chart::fmt_num;
use super::field::{self, Bad, CommittedField, FieldErrors};
use super::ratelimit_chart::{draw, kind_name, listed, ms, side_letter};
use super::ratelimit_edit::{spec_editor, split, SpecEdit, LIMITER_KINDS, TRAFFIC_KINDS};
use super::{act, frame_dt, input_text, now_ms, update};
use crate::canvas::{prepare, RafLoop};
use crate::i18n::{tr, trf};

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cfg: RunConfig,
    pub lang: Lang,
}

/// Virtual time between two samples (one chart step).
pub const STEP: Time = engine::STEP;
/// The virtual time shown on the charts (a sliding window once the run is longer).
pub const WINDOW: Time = 30 * SECOND;
/// Where a run stops.
pub const HORIZON: Time = 600 * SECOND;
/// Requests listed one by one (the notes' example needs the first eight).
pub const LISTED: usize = 10;
/// Wall milliseconds between DOM refreshes while running.
const UI_EVERY_MS: f64 = 200.0;
/// The burst field's first value.
const DEFAULT_BURST: &str = "10";

/// The notes' worked example: uniform queueing with interval T = 100 ms and a maximum wait of
/// 6T; a burst of eight requests arrives at once at 2 s, so the fifth finds three queued
/// and passes at t1 + 4T, and the eighth would wait 7T and is rejected.
pub const EXAMPLE: [(&str, &str); 3] = [
    ("limiter", "uniform:interval=100ms,wait=600ms"),
    ("limiter2", "none"),
    ("traffic", "bursts:base=0,size=8,every=2s"),
];

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

/// What the page keeps of one limiter's records: its running totals and chart scales, folded
/// in as the run goes on and rebuilt when it moves back.
#[derive(Clone, Debug)]
pub struct Shown {
    pub totals: Running,
    seen: usize,
    /// Largest per-step offered count, gauge and delay so far (chart scales).
    pub max: (f64, f64, f64),
    scanned: usize,
}

impl Default for Shown {
    fn default() -> Shown {
        Shown {
            totals: Running::default(),
            seen: 0,
            max: (1.0, 1.0, 1.0),
            scanned: 0,
        }
    }
}

impl Shown {
    /// Folds in what `sim` recorded since the last call (everything, if it went back).
    fn sync(&mut self, sim: &RateSim) {
        let (out, series) = (sim.outcomes(), sim.series());
        if out.len() < self.seen || series.len() < self.scanned {
            *self = Shown::default();
        }
        self.totals.fold(&out[self.seen..]);
        self.seen = out.len();
        for s in &series[self.scanned..] {
            self.max.0 = self.max.0.max(s.offered as f64);
            self.max.1 = self.max.1.max(s.gauge);
            self.max.2 = self.max.2.max(s.mean_delay_ms);
        }
        self.scanned = series.len();
    }
}

/// The lab's state.
pub struct RateLab {
    /// The run's set-up (the share link's parameters); what changed since is in the session's
    /// log.
    pub cfg: RunConfig,
    pub session: Option<ModelSession<RateModel>>,
    pub shown: [Shown; 2],
    pub error: Option<String>,
    /// Refused field values, by the field's test id.
    pub field_errors: FieldErrors,
    /// Virtual time reached.
    pub t: Time,
    pub playing: bool,
    /// The burst field's value.
    pub burst: String,
    last_ts: Option<f64>,
    last_ui: f64,
    dirty: bool,
    pub hover: Option<(f64, f64)>,
    /// Wall milliseconds of the last frame's work (advance + draw), for the figures.
    pub frame_ms: f64,
}

impl RateLab {
    pub fn new(cfg: RunConfig) -> RateLab {
        let mut s = RateLab {
            cfg,
            session: None,
            shown: Default::default(),
            error: None,
            field_errors: FieldErrors::default(),
            t: 0,
            playing: true,
            burst: DEFAULT_BURST.to_string(),
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

    /// Starts the run from the set-up: its preset's schedule planned and the link's log loaded.
    pub fn rebuild(&mut self) {
        self.shown = Default::default();
        self.t = 0;
        self.playing = true;
        self.dirty = true;
        let preset = self
            .cfg
            .scenario
            .and_then(|id| distlab_engine::scenario::find(self.cfg.lab, id));
        self.session = match engine::session(&self.cfg.params, self.cfg.seed) {
            Ok(mut s) => {
                // Presets are checked by the tests; the link's log was read when it was parsed.
                if let Some(info) = preset {
                    let _ = s.plan(info);
                }
                let _ = s.load_log(decode_log::<RateModel>(&self.cfg.model_log).0);
                self.error = None;
                Some(s)
            }
            Err(e) => {
                self.error = Some(e);
                None
            }
        };
        self.advance_to(0);
    }

    /// The limiters that are on: their side (0 for A), simulation and what the page keeps.
    pub fn columns(&self) -> Vec<(usize, &RateSim, &Shown)> {
        self.session.as_ref().map_or(Vec::new(), |s| {
            s.model()
                .sides()
                .map(|(i, sim)| (i, sim, &self.shown[i]))
                .collect()
        })
    }

    /// The times of the logged actions.
    pub fn log_times(&self) -> impl Iterator<Item = Time> + '_ {
        self.session
            .iter()
            .flat_map(|s| s.log().iter().map(|e| e.time))
    }

    fn sync(&mut self) {
        if let Some(s) = &self.session {
            self.t = s.now();
            for (i, sim) in s.model().sides() {
                self.shown[i].sync(sim);
            }
        }
        self.dirty = true;
    }

    /// Advances the run to virtual time `t` (at most the horizon).
    pub fn advance_to(&mut self, t: Time) {
        if let Some(s) = &mut self.session {
            s.run_until(t.min(HORIZON));
        }
        self.sync();
        if self.t >= HORIZON {
            self.playing = false;
        }
    }

    /// Moves to any time the run has reached (the time slider), back or forward.
    pub fn seek(&mut self, t: Time) {
        self.playing = false;
        if let Some(s) = &mut self.session {
            s.seek(t.min(s.horizon()));
        }
        self.shown = Default::default();
        self.sync();
        self.refresh();
    }

    /// Refreshes the totals' p99 (called with DOM updates, not every frame).
    pub fn refresh(&mut self) {
        for s in &mut self.shown {
            s.totals.refresh();
        }
    }

    /// A change at the current virtual time, in its share-link form (`limiter=…`, `burst=5`).
    /// If the run had been scrubbed back, what followed is discarded: the run branches here.
    pub fn act(&mut self, action: &str) -> Result<(), ActionError> {
        let Some(s) = &mut self.session else {
            return Err(ActionError::Malformed(action.chars().take(40).collect()));
        };
        s.act(RateAction::decode(action)?)?;
        self.sync();
        Ok(())
    }

    /// A field's edit of spec `key`: applied now as an action, or refused with the reason at
    /// the field `field`. (Without a running session, a bad set-up, it changes the set-up.)
    pub fn edit(&mut self, key: &str, spec: Result<String, Bad>, field: &str) {
        let r = spec.and_then(|v| {
            if self.session.is_some() {
                self.act(&format!("{key}={v}")).map_err(refusal)
            } else {
                let r = self.cfg.params.set_text(key, &v).map_err(Bad::Other);
                self.rebuild();
                r
            }
        });
        self.field_errors.record(field, &r);
        if r.is_ok() {
            self.field_errors.clear_prefix(&format!("rl-{key}-"));
            self.error = None;
        }
    }

    /// The service time's field: applied now as an action.
    pub fn set_service(&mut self, text: &str) {
        let r = field::param(&self.cfg.params, "service", text)
            .and_then(|x| self.act(&format!("service={x}")).map_err(refusal));
        self.field_errors.record("rl-service", &r);
    }

    /// Sends `text` requests at once, now.
    pub fn send_burst(&mut self, text: &str) {
        let r = field::number(text, 1.0, MAX_BURST as f64, true)
            .and_then(|k| self.act(&format!("burst={k}")).map_err(refusal));
        self.field_errors.record("rl-burst-size", &r);
        if r.is_ok() {
            self.burst = text.trim().to_string();
        }
    }

    /// Starts again from time 0 with the limiters and traffic in force now as the set-up.
    pub fn restart(&mut self) {
        if let Some(s) = &self.session {
            let m = s.model();
            let texts = [
                ("limiter", m.limiter_text(0)),
                ("limiter2", m.limiter_text(1)),
                ("traffic", m.traffic_text()),
            ];
            for (k, v) in texts.map(|(k, v)| (k, v.to_string())) {
                let _ = self.cfg.params.set_text(k, &v);
            }
            self.cfg
                .params
                .set_value("service", (m.service() / MS) as f64);
        }
        self.start_over();
    }

    fn start_over(&mut self) {
        self.cfg.scenario = None;
        self.cfg.model_log.clear();
        self.field_errors.clear_all();
        self.rebuild();
    }

    pub fn load_example(&mut self) {
        for (k, v) in EXAMPLE {
            let _ = self.cfg.params.set_text(k, v);
        }
        self.start_over();
    }

    /// The spec in force for `key` (`limiter`, `limiter2`, `traffic`).
    pub fn spec_text(&self, key: &str) -> String {
        match &self.session {
            Some(s) => {
                let m = s.model();
                match key {
                    "limiter" => m.limiter_text(0),
                    "limiter2" => m.limiter_text(1),
                    _ => m.traffic_text(),
                }
                .to_string()
            }
            None => self.cfg.params.text(key).to_string(),
        }
    }

    /// The share link's configuration: the set-up and the action log.
    pub fn share_cfg(&self) -> RunConfig {
        let mut cfg = self.cfg.clone();
        cfg.model_log = self
            .session
            .as_ref()
            .map_or_else(String::new, |s| s.encode_log());
        cfg
    }
}

/// A refused action as a field's error: the engine's reason for a bad value.
fn refusal(e: ActionError) -> Bad {
    match e {
        ActionError::BadArgument { reason, .. } => Bad::Other(reason),
        e => Bad::Other(e.to_string()),
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
            // Replays the run from the start, changes included.
            s.seek(0);
            s.playing = true;
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
    let on_restart = act(Rc::new(|s| s.restart()));
    let on_example = act(Rc::new(|s| s.load_example()));
    let on_burst = act(Rc::new(|s| {
        let k = s.burst.clone();
        s.send_burst(&k);
    }));
    let on_speed = update(&state, &force, |s, x: f64| {
        s.cfg.speed = x.clamp(1.0, SPEED_MAX)
    });
    let on_seek = update(&state, &force, |s: &mut RateLab, e: InputEvent| {
        if let Ok(ms) = input_text(&e).parse::<f64>() {
            s.seek((ms.max(0.0) * MS as f64) as Time);
        }
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
        s.set_service(&text);
        s.refresh();
    });
    let on_burst_size = update(&state, &force, |s: &mut RateLab, text: String| {
        let r = field::number(&text, 1.0, MAX_BURST as f64, true);
        s.field_errors.record("rl-burst-size", &r);
        if r.is_ok() {
            s.burst = text.trim().to_string();
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
    let horizon = s.session.as_ref().map_or(0, |x| x.horizon());
    let to_ms = |t: Time| (t as f64 / MS as f64).to_string();
    let controls = html! {
        <div class="plot-controls plot-play">
            <button onclick={on_play} data-testid="rl-play">{ tr(l, if s.playing { "ctl.pause" } else { "ctl.play" }) }</button>
            <button onclick={on_step} data-testid="rl-step">{ tr(l, "ctl.step") }</button>
            <button onclick={on_end} data-testid="rl-end">{ tr(l, "fair.to_end") }</button>
            { super::speed_control(l, speed, 1.0, "rl-speed", on_speed) }
            <label class="scrub">{ tr(l, "ctl.time") }
                <input type="range" min="0" max={to_ms(horizon)} step="any" value={to_ms(s.t)}
                    oninput={on_seek} data-testid="rl-scrubber" aria-valuetext={format!("{} s", fmt_num(s.t as f64 / 1e6))} />
            </label>
            <span class="rl-time" data-testid="rl-time">{ trf(l, "rl.time", &[&fmt_num(s.t as f64 / 1e6)]) }</span>
        </div>
    };
    let error = s.error.as_ref().map_or(html! {}, |e| {
        html! { <p class="plot-error" role="alert" data-testid="rl-error">{ trf(l, "pl.refused", &[e]) }</p> }
    });
    let cols = s.columns();
    let name = |i: usize| {
        let key = if i == 0 { "limiter" } else { "limiter2" };
        format!(
            "{} · {}",
            side_letter(i),
            kind_name(l, split(&s.spec_text(key)).0.as_str())
        )
    };
    let totals = html! {
        <div class="plot-table-wrap">
        <table class="plot-table" data-testid="rl-totals">
            <tr>
                <th>{ tr(l, "rl.limiter") }</th><th>{ tr(l, "rl.offered") }</th><th>{ tr(l, "rl.admitted") }</th>
                <th>{ tr(l, "rl.queued") }</th><th>{ tr(l, "rl.rejected") }</th>
                <th>{ tr(l, "rl.mean_delay") }</th><th>{ tr(l, "rl.p99") }</th>
            </tr>
            { for cols.iter().map(|&(i, _, d)| {
                let letter = side_letter(i);
                let t = &d.totals;
                html! {
                    <tr data-testid={format!("rl-totals-{letter}")}>
                        <td>{ name(i) }</td>
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
    let pick = (*listed_side).min(cols.len().saturating_sub(1));
    let requests = cols.get(pick).map_or(html! {}, |&(side, sim, _)| {
        let rows = listed(sim, l);
        html! {
            <>
            if cols.len() > 1 {
                <div class="plot-controls" role="tablist">
                    { for cols.iter().enumerate().map(|(c, &(i, _, _))| {
                        let onclick = { let ls = listed_side.clone(); Callback::from(move |_: MouseEvent| ls.set(c)) };
                        html! {
                            <button {onclick} role="tab" aria-selected={(c == pick).to_string()}
                                class={classes!((c == pick).then_some("active"))} data-testid={format!("rl-requests-{}", side_letter(i))}>
                                { name(i) }
                            </button>
                        }
                    }) }
                </div>
            }
            <div class="plot-table-wrap">
            <table class="plot-table rl-requests" data-testid="rl-requests">
                <caption>{ trf(l, "rl.requests", &[&name(side)]) }</caption>
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
    // The logged changes (what the share link carries); those after the current time are
    // still to replay.
    let changes = s.session.as_ref().map_or(html! {}, |x| {
        if x.log().is_empty() {
            return html! {};
        }
        html! {
            <div class="rl-log" data-testid="rl-log">
                <span class="label">{ tr(l, "rl.changes") }</span>
                <ol>
                    { for x.log().iter().enumerate().map(|(i, e)| html! {
                        <li class={classes!((e.time > s.t).then_some("rl-later"))} data-testid={format!("rl-log-{}", i + 1)}>
                            { format!("{} s · {}", fmt_num(e.time as f64 / 1e6), e.action.encode()) }
                        </li>
                    }) }
                </ol>
            </div>
        }
    });
    let service = s
        .session
        .as_ref()
        .map_or(s.cfg.params.get_u64("service"), |x| {
            x.model().service() / MS
        });
    html! {
        <div class="plot-lab" data-lab={props.cfg.lab}>
            <div class="plot-params">
            { spec_editor(l, "limiter", &s.spec_text("limiter"), (&LIMITER_KINDS, "rl.kind."), false, &s.field_errors, on_set.clone()) }
            { spec_editor(l, "limiter2", &s.spec_text("limiter2"), (&LIMITER_KINDS, "rl.kind."), true, &s.field_errors, on_set.clone()) }
            { spec_editor(l, "traffic", &s.spec_text("traffic"), (&TRAFFIC_KINDS, "rl.tr."), false, &s.field_errors, on_set) }
            <div class="plot-controls">
                <CommittedField testid="rl-service" label={Some(AttrValue::from(tr(l, "rl.service").to_string()))}
                    value={service.to_string()} on_commit={on_service} error={s.field_errors.get("rl-service", l)}
                    lang={l} inputmode={Some(AttrValue::from("numeric"))} class={classes!("short")} />
                <CommittedField testid="rl-burst-size" label={Some(AttrValue::from(tr(l, "rl.burst_size").to_string()))}
                    value={s.burst.clone()} on_commit={on_burst_size} error={s.field_errors.get("rl-burst-size", l)}
                    lang={l} inputmode={Some(AttrValue::from("numeric"))} class={classes!("short")} />
                <button onclick={on_burst} data-testid="rl-burst">{ tr(l, "rl.burst") }</button>
            </div>
            <div class="plot-controls">
                <button onclick={on_example} data-testid="rl-example">{ tr(l, "rl.example") }</button>
                <button onclick={on_restart} data-testid="rl-restart" title={tr(l, "rl.restart_title").to_string()}>{ tr(l, "rl.restart") }</button>
            </div>
            </div>
            { controls }
            { error }
            { chart_html }
            { changes }
            { totals }
            { requests }
            <p class="help">{ tr(l, "rl.help") }</p>
            { super::share_row(l, &s.share_cfg()) }
        </div>
    }
}
