//! The network canvas: an animation-frame loop that advances the run, draws the view, and
//! turns mouse input into controller calls.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, MouseEvent};
use yew::prelude::*;

use crate::controller::Shared;
use crate::render::{self, Hit, Layout, Overlay};
use distlab_engine::sim::Action;

#[derive(Properties)]
pub struct CanvasProps {
    pub ctl: Shared,
    /// Called when the panels should re-render (something changed, or time moved on).
    pub on_change: Callback<()>,
}

impl PartialEq for CanvasProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.ctl, &other.ctl)
    }
}

struct LoopState {
    ctl: Shared,
    canvas: NodeRef,
    on_change: Callback<()>,
    handle: RefCell<Option<AnimationFrame>>,
    alive: Cell<bool>,
    last_ts: Cell<Option<f64>>,
    last_version: Cell<u64>,
    last_notify: Cell<f64>,
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

impl LoopState {
    fn frame(&self, ts: f64) {
        let t0 = now_ms();
        let dt = self.last_ts.replace(Some(ts)).map_or(0.0, |last| ts - last);
        {
            let mut c = self.ctl.borrow_mut();
            c.advance_real(dt);
        }
        self.draw();
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
        let playing = c.playing;
        let debug = c.cfg.debug;
        drop(c);
        let interval = if debug { 250.0 } else { 120.0 };
        if changed || ((playing || debug) && ts - self.last_notify.get() > interval) {
            self.last_version.set(self.ctl.borrow().version);
            self.last_notify.set(ts);
            self.on_change.emit(());
        }
    }

    fn draw(&self) {
        if let Some(canvas) = self.canvas.cast::<HtmlCanvasElement>() {
            draw_frame(&self.ctl, &canvas);
        }
    }
}

/// Draws the controller's current view on `canvas`, sizing it for HiDPI first.
pub fn draw_frame(ctl: &Shared, canvas: &HtmlCanvasElement) {
    let (w, h) = (canvas.client_width() as f64, canvas.client_height() as f64);
    if w <= 0.0 || h <= 0.0 {
        return;
    }
    let dpr = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let (pw, ph) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    let mut c = ctl.borrow_mut();
    let view = c.session.view();
    if c.layout
        .as_ref()
        .is_none_or(|l| l.centers.len() != view.nodes.len() || c.layout_size != (w, h))
    {
        c.layout = Some(Layout::new(view.nodes.len(), w, h));
        c.layout_size = (w, h);
    }
    let Some(layout) = c.layout.as_ref() else {
        return;
    };
    let ov = Overlay {
        partition_draft: c.partition_draft.as_deref(),
        selected: c.menu,
        hover: c.hover,
    };
    render::draw(&ctx, w, h, &view, layout, &ov);
}

fn schedule(state: Rc<LoopState>) {
    if !state.alive.get() {
        return;
    }
    let s = state.clone();
    let handle = request_animation_frame(move |ts| {
        s.frame(ts);
        schedule(s);
    });
    *state.handle.borrow_mut() = Some(handle);
}

/// Where the mouse is over the canvas, and what is there.
fn hit_at(ctl: &Shared, e: &MouseEvent) -> Hit {
    let c = ctl.borrow();
    let Some(layout) = c.layout.as_ref() else {
        return Hit::Nothing;
    };
    render::hit(
        layout,
        &c.session.view(),
        e.offset_x() as f64,
        e.offset_y() as f64,
    )
}

/// What a click on the canvas does: the one place mouse input becomes actions.
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

#[function_component(NetCanvas)]
pub fn net_canvas(props: &CanvasProps) -> Html {
    let canvas = use_node_ref();
    let down = use_mut_ref(|| Hit::Nothing);
    {
        let (ctl, canvas, on_change) = (props.ctl.clone(), canvas.clone(), props.on_change.clone());
        use_effect_with((), move |_| {
            let state = Rc::new(LoopState {
                ctl,
                canvas,
                on_change,
                handle: RefCell::new(None),
                alive: Cell::new(true),
                last_ts: Cell::new(None),
                last_version: Cell::new(u64::MAX),
                last_notify: Cell::new(0.0),
            });
            schedule(state.clone());
            move || {
                state.alive.set(false);
                state.handle.borrow_mut().take();
            }
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
        Callback::from(move |e: MouseEvent| {
            let h = hit_at(&ctl, &e);
            let mut c = ctl.borrow_mut();
            if c.hover != h {
                c.hover = h;
                c.version += 1;
            }
        })
    };
    let onmouseleave = {
        let ctl = props.ctl.clone();
        Callback::from(move |_: MouseEvent| {
            let mut c = ctl.borrow_mut();
            if c.hover != Hit::Nothing {
                c.hover = Hit::Nothing;
                c.version += 1;
            }
        })
    };
    let cursor = if props.ctl.borrow().hover == Hit::Nothing {
        "default"
    } else {
        "pointer"
    };
    html! {
        <canvas ref={canvas} class="net-canvas" style={format!("cursor:{cursor}")}
            data-testid="net-canvas"
            {onmousedown} {onmouseup} {onmousemove} {onmouseleave} />
    }
}
