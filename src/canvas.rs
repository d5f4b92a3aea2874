//! The canvases: the network view and the space-time diagram. An animation-frame loop advances
//! the run and draws; mouse input becomes controller calls.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use distlab_engine::labs::{EventRef, Series};
use distlab_engine::sim::Action;
use distlab_engine::{Time, MS};
use gloo::render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, MouseEvent};
use yew::prelude::*;

use crate::controller::Shared;
use crate::lane_events;
use crate::render::{self, Hit, Layout, Overlay};
use crate::timeline::{self, Frame};

/// A `requestAnimationFrame` loop that runs until dropped.
pub struct RafLoop {
    alive: Rc<Cell<bool>>,
    handle: Rc<RefCell<Option<AnimationFrame>>>,
}

impl RafLoop {
    pub fn start(f: Rc<dyn Fn(f64)>) -> RafLoop {
        let l = RafLoop {
            alive: Rc::new(Cell::new(true)),
            handle: Rc::new(RefCell::new(None)),
        };
        schedule(f, l.alive.clone(), l.handle.clone());
        l
    }
}

impl Drop for RafLoop {
    fn drop(&mut self) {
        self.alive.set(false);
        self.handle.borrow_mut().take();
    }
}

fn schedule(
    f: Rc<dyn Fn(f64)>,
    alive: Rc<Cell<bool>>,
    handle: Rc<RefCell<Option<AnimationFrame>>>,
) {
    if !alive.get() {
        return;
    }
    let h2 = handle.clone();
    let next = request_animation_frame(move |ts| {
        if alive.get() {
            f(ts);
            schedule(f, alive, h2);
        }
    });
    *handle.borrow_mut() = Some(next);
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Sizes a canvas for its CSS box at the device pixel ratio; returns the context and CSS size.
pub fn prepare(canvas: &HtmlCanvasElement) -> Option<(CanvasRenderingContext2d, f64, f64)> {
    let (w, h) = (canvas.client_width() as f64, canvas.client_height() as f64);
    if w <= 0.0 || h <= 0.0 {
        return None;
    }
    let dpr = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let ctx = canvas
        .get_context("2d")
        .ok()
        .flatten()?
        .dyn_into::<CanvasRenderingContext2d>()
        .ok()?;
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    Some((ctx, w, h))
}

/// Draws the controller's current network view on `canvas`.
pub fn draw_frame(ctl: &Shared, canvas: &HtmlCanvasElement) {
    let Some((ctx, w, h)) = prepare(canvas) else {
        return;
    };
    let mut c = ctl.borrow_mut();
    let view = c.view();
    if c.layout
        .as_ref()
        .is_none_or(|l| l.centers.len() != view.nodes.len() || c.layout_size != (w, h))
    {
        c.layout = Some(Layout::for_view(&view, w, h));
        c.layout_size = (w, h);
    }
    let Some(layout) = c.layout.as_ref() else {
        return;
    };
    let ov = Overlay {
        partition_draft: c.partition_draft.as_deref(),
        selected: c.menu,
        hover: c.hover,
        still: c.reduced_motion,
    };
    render::draw(&ctx, w, h, &view, layout, &ov);
}

/// The space-time diagram's frame for a canvas of CSS size (w, h).
pub fn timeline_frame(ctl: &Shared, w: f64, h: f64) -> Frame {
    let c = ctl.borrow();
    let end = c.session.now();
    Frame {
        w,
        h,
        n: c.session.n(),
        start: end.saturating_sub(c.timeline_span),
        end,
        names: c.view().nodes.iter().map(|v| v.label.clone()).collect(),
    }
}

/// Draws the space-time diagram on `canvas`.
pub fn draw_timeline(ctl: &Shared, canvas: &HtmlCanvasElement) {
    {
        // Bring the diagram's index up to date (only where a diagram is shown).
        let mut c = ctl.borrow_mut();
        let view = c.view();
        let c = &mut *c;
        c.timeline.sync(c.session.trace());
        for m in &view.messages {
            c.timeline.set_due(m.id, m.deliver_at);
        }
    }
    let Some((ctx, w, h)) = prepare(canvas) else {
        return;
    };
    let f = timeline_frame(ctl, w, h);
    let past = lane_events::past_of_first(ctl);
    let c = ctl.borrow();
    let highlight = match c.hover {
        Hit::Message(m) => Some(m),
        _ => None,
    };
    timeline::draw(&ctx, &c.timeline, &f, c.session.now(), highlight);
    let view = c.view();
    if !view.events.is_empty() {
        lane_events::draw(
            &ctx,
            &lane_events::place(&view.events, &f),
            &c.picked,
            &past,
        );
    }
}

/// Draws the replicated logs on `canvas` (nothing for labs without logs).
pub fn draw_logs(ctl: &Shared, canvas: &HtmlCanvasElement) {
    let view = ctl.borrow().view();
    if view.nodes.iter().all(|n| n.log.is_none()) {
        return;
    }
    let Some((ctx, w, h)) = prepare(canvas) else {
        return;
    };
    crate::logs::draw(&ctx, w, h, &view);
}

/// The lab's curves as last computed, and the state they are of (present time, events,
/// actions): recomputed only when that changes.
#[derive(Default)]
pub struct SeriesCache {
    of: Option<(Time, u64, usize)>,
    curves: Vec<Series>,
}

/// Draws the lab's charts on `canvas` (nothing for a lab without series, or while the panel
/// is folded away), and notes on it how many points it drew (`data-points`, for the tests).
pub fn draw_series(ctl: &Shared, canvas: &HtmlCanvasElement, cache: &mut SeriesCache) {
    let Some((ctx, w, h)) = prepare(canvas) else {
        return;
    };
    let c = ctl.borrow();
    let s = c.session.as_ref();
    let specs = s.series_specs();
    if specs.is_empty() {
        return;
    }
    let of = (s.now(), s.events(), s.actions().len());
    if cache.of != Some(of) {
        cache.curves = s.series();
        cache.of = Some(of);
    }
    let span = (s.window_start(), s.now());
    let drawn = crate::plots::series::draw(&ctx, w, h, specs, &cache.curves, span, crate::lang());
    let _ = canvas.set_attribute("data-points", &drawn.to_string());
}

/// Per-frame work of the network canvas: advance the run, draw, tell the panels.
struct NetLoop {
    ctl: Shared,
    canvas: NodeRef,
    timeline: NodeRef,
    logs: NodeRef,
    series: NodeRef,
    series_cache: RefCell<SeriesCache>,
    on_change: Callback<()>,
    last_ts: Cell<Option<f64>>,
    last_version: Cell<u64>,
    last_notify: Cell<f64>,
}

impl NetLoop {
    fn frame(&self, ts: f64) {
        let t0 = now_ms();
        let dt = self.last_ts.replace(Some(ts)).map_or(0.0, |last| ts - last);
        self.ctl.borrow_mut().advance_real(dt);
        if let Some(canvas) = self.canvas.cast::<HtmlCanvasElement>() {
            draw_frame(&self.ctl, &canvas);
        }
        if let Some(canvas) = self.timeline.cast::<HtmlCanvasElement>() {
            draw_timeline(&self.ctl, &canvas);
        }
        if let Some(canvas) = self.logs.cast::<HtmlCanvasElement>() {
            draw_logs(&self.ctl, &canvas);
        }
        if let Some(canvas) = self.series.cast::<HtmlCanvasElement>() {
            draw_series(&self.ctl, &canvas, &mut self.series_cache.borrow_mut());
        }
        let mut c = self.ctl.borrow_mut();
        if c.stats.frames == 0 {
            // Time from navigation to the first drawn frame, for the debug overlay and tests.
            let at = now_ms();
            c.stats.first_frame_ms = at;
            if let Some(body) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.body())
            {
                let _ = body.set_attribute("data-first-frame-ms", &format!("{at:.1}"));
            }
        }
        c.stats.push(now_ms() - t0);
        let changed = c.version != self.last_version.get();
        let (playing, debug, version) = (c.playing, c.cfg.debug, c.version);
        drop(c);
        let interval = if debug { 250.0 } else { 120.0 };
        if changed || ((playing || debug) && ts - self.last_notify.get() > interval) {
            self.last_version.set(version);
            self.last_notify.set(ts);
            self.on_change.emit(());
        }
    }
}

/// Where the mouse is over the network canvas, and what is there.
fn hit_at(ctl: &Shared, e: &MouseEvent) -> Hit {
    let c = ctl.borrow();
    let Some(layout) = c.layout.as_ref() else {
        return Hit::Nothing;
    };
    render::hit(
        layout,
        &c.view(),
        e.offset_x() as f64,
        e.offset_y() as f64,
        c.reduced_motion,
    )
}

/// What a click on the network canvas does: the one place mouse input becomes actions.
pub fn click(ctl: &Shared, down: Hit, up: Hit) {
    let mut c = ctl.borrow_mut();
    if c.partition_draft.is_some() {
        match (down, up) {
            (Hit::Node(a), Hit::Node(b)) if a != b => c.join_group(a, b),
            (_, Hit::Node(n)) => c.cycle_group(n),
            _ => {}
        }
        return;
    }
    match up {
        Hit::Node(n) => {
            c.menu = if c.menu == Some(n) { None } else { Some(n) };
            c.version += 1;
        }
        Hit::Link(a, b) => {
            let _ = c.toggle_link(a, b);
        }
        Hit::Message(msg) => {
            let _ = c.apply(Action::Drop { msg });
        }
        Hit::Nothing => {
            c.menu = None;
            c.version += 1;
        }
    }
}

fn set_hover(ctl: &Shared, h: Hit) {
    let mut c = ctl.borrow_mut();
    if c.hover != h {
        c.hover = h;
        c.version += 1;
    }
}

#[derive(Properties)]
pub struct CanvasProps {
    pub ctl: Shared,
    /// Called when the panels should re-render (something changed, or time moved on).
    pub on_change: Callback<()>,
    /// The space-time diagram's canvas, drawn in the same frame loop (absent in embed mode).
    #[prop_or_default]
    pub timeline: NodeRef,
    /// The replicated-log canvas, drawn in the same loop (labs with logs only).
    #[prop_or_default]
    pub logs: NodeRef,
    /// The chart panel's canvas, drawn in the same loop (labs that declare series only).
    #[prop_or_default]
    pub series: NodeRef,
    /// The canvas's accessible name (it is an image; its text alternative is the element
    /// with id `describedby`).
    #[prop_or_default]
    pub label: AttrValue,
    #[prop_or_default]
    pub describedby: AttrValue,
}

impl PartialEq for CanvasProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.ctl, &other.ctl)
            && self.timeline == other.timeline
            && self.logs == other.logs
            && self.series == other.series
            && self.label == other.label
            && self.describedby == other.describedby
    }
}

#[function_component(NetCanvas)]
pub fn net_canvas(props: &CanvasProps) -> Html {
    let canvas = use_node_ref();
    let down = use_mut_ref(|| Hit::Nothing);
    {
        let state = NetLoop {
            ctl: props.ctl.clone(),
            canvas: canvas.clone(),
            timeline: props.timeline.clone(),
            logs: props.logs.clone(),
            series: props.series.clone(),
            series_cache: RefCell::new(SeriesCache::default()),
            on_change: props.on_change.clone(),
            last_ts: Cell::new(None),
            last_version: Cell::new(u64::MAX),
            last_notify: Cell::new(0.0),
        };
        use_effect_with((), move |_| {
            let l = RafLoop::start(Rc::new(move |ts| state.frame(ts)));
            move || drop(l)
        });
    }
    let onmousedown = {
        let (ctl, down) = (props.ctl.clone(), down.clone());
        Callback::from(move |e: MouseEvent| *down.borrow_mut() = hit_at(&ctl, &e))
    };
    let onmouseup = {
        let (ctl, down) = (props.ctl.clone(), down.clone());
        Callback::from(move |e: MouseEvent| {
            let up = hit_at(&ctl, &e);
            let d = std::mem::replace(&mut *down.borrow_mut(), Hit::Nothing);
            click(&ctl, d, up);
        })
    };
    let onmousemove = {
        let ctl = props.ctl.clone();
        Callback::from(move |e: MouseEvent| set_hover(&ctl, hit_at(&ctl, &e)))
    };
    let onmouseleave = {
        let ctl = props.ctl.clone();
        Callback::from(move |_: MouseEvent| set_hover(&ctl, Hit::Nothing))
    };
    let cursor = if props.ctl.borrow().hover == Hit::Nothing {
        "default"
    } else {
        "pointer"
    };
    html! {
        <canvas ref={canvas} class="net-canvas" style={format!("cursor:{cursor}")}
            data-testid="net-canvas" role="img" tabindex="0" aria-label={props.label.clone()}
            aria-describedby={props.describedby.clone()}
            {onmousedown} {onmouseup} {onmousemove} {onmouseleave} />
    }
}

/// What is under the mouse on the space-time diagram.
struct TimelineHit {
    time: Time,
    /// The message whose arrow is there.
    msg: Option<u64>,
    /// The labelled lane event whose dot is there (labs that mark them).
    event: Option<EventRef>,
}

fn timeline_at(ctl: &Shared, e: &MouseEvent) -> Option<TimelineHit> {
    let canvas: HtmlCanvasElement = e.target()?.dyn_into().ok()?;
    let f = timeline_frame(
        ctl,
        canvas.client_width() as f64,
        canvas.client_height() as f64,
    );
    let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
    let c = ctl.borrow();
    let view = c.view();
    Some(TimelineHit {
        time: f.time_at(x),
        msg: timeline::hit(&c.timeline, &f, c.session.now(), x, y),
        event: lane_events::hit(&lane_events::place(&view.events, &f), x, y),
    })
}

#[derive(Properties)]
pub struct TimelineProps {
    pub ctl: Shared,
    pub canvas: NodeRef,
}

impl PartialEq for TimelineProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.ctl, &other.ctl) && self.canvas == other.canvas
    }
}

/// The space-time diagram canvas: hover shows a message's fields, a click jumps to that time
/// (or, on a labelled lane event's dot, picks that event).
#[function_component(TimelineCanvas)]
pub fn timeline_canvas(props: &TimelineProps) -> Html {
    let onmousemove = {
        let ctl = props.ctl.clone();
        Callback::from(move |e: MouseEvent| {
            let hit = timeline_at(&ctl, &e)
                .and_then(|h| h.msg)
                .map_or(Hit::Nothing, Hit::Message);
            set_hover(&ctl, hit);
        })
    };
    let onclick = {
        let ctl = props.ctl.clone();
        Callback::from(move |e: MouseEvent| {
            match timeline_at(&ctl, &e) {
                // A labelled event's dot picks it (a, then b) ...
                Some(TimelineHit {
                    event: Some(ev), ..
                }) => ctl.borrow_mut().pick_event(ev),
                // ... anywhere else jumps to that time.
                Some(h) => ctl.borrow_mut().seek(h.time),
                None => {}
            }
        })
    };
    let onmouseleave = {
        let ctl = props.ctl.clone();
        Callback::from(move |_: MouseEvent| set_hover(&ctl, Hit::Nothing))
    };
    html! {
        <canvas ref={props.canvas.clone()} class="timeline-canvas" data-testid="timeline"
            {onmousemove} {onclick} {onmouseleave} />
    }
}

/// Default window of the space-time diagram.
pub const TIMELINE_SPAN: Time = 1_000 * MS;
