//! Events a lab labels on the space-time diagram's lanes (the clocks lab: every event with its
//! Lamport time and vector clock, `3 (2,1,0)`): their dots and labels, hit tests for picking
//! them, and the panel that picks two, by click or from the keyboard, and shows the lab's
//! verdict (happened-before either way, or concurrent) with its explanation.
//!
//! The diagram names no lab: it draws whatever [`View::events`] holds, and the verdict comes
//! from the engine ([`distlab_engine::labs::LabSession::event_order`]), never from the UI.

use std::collections::HashSet;
use std::f64::consts::TAU;
use std::fmt::Write as _;

use distlab_engine::input::Lang;
use distlab_engine::labs::{Causality, EventRef, LaneEvent, View};
use web_sys::CanvasRenderingContext2d;
use yew::prelude::*;

use crate::app::{on, on_value};
use crate::controller::Shared;
use crate::i18n::{tr, trf};
use crate::timeline::{escape, Frame};

/// A dot's radius, and how near a click must come to pick it.
const DOT: f64 = 3.5;
const HIT: f64 = 7.0;
/// The labels' font, and at most how wide one of its characters is (for the overlap check).
const FONT: &str = "10px system-ui, sans-serif";
const CHAR_W: f64 = 5.8;
/// The least space between two labels on a lane.
const GAP: f64 = 4.0;
/// Lanes at least this tall get labels above their dots, and also below at twice it.
const LABEL_LANE: f64 = 16.0;
/// At most this many events are offered in each of the picker's menus.
const MENU_MAX: usize = 200;

/// Where an event's label goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    Above,
    Below,
    /// No room beside its neighbours: the event is a bare dot (picking it shows its clocks).
    Hidden,
}

/// One event as drawn.
#[derive(Clone, Copy, Debug)]
pub struct Placed<'a> {
    pub event: &'a LaneEvent,
    pub x: f64,
    pub y: f64,
    pub slot: Slot,
}

/// The events inside the frame's window, where they are drawn, and where their labels go: on
/// each lane a label goes above its dot if it clears the previous label above, else below if
/// the lane is tall enough and it clears the previous one there, else it is left out.
/// `events` are oldest first, as the view gives them.
pub fn place<'a>(events: &'a [LaneEvent], f: &Frame) -> Vec<Placed<'a>> {
    let lane = f.lane_height();
    let mut above = vec![f64::NEG_INFINITY; f.n];
    let mut below = vec![f64::NEG_INFINITY; f.n];
    events
        .iter()
        .filter(|e| e.time >= f.start && e.time <= f.end && e.at.node < f.n)
        .map(|e| {
            let (x, y) = (f.x(e.time), f.y(e.at.node));
            let w = e.label.chars().count() as f64 * CHAR_W;
            let left = x - w / 2.0;
            let node = e.at.node;
            let slot = if lane >= LABEL_LANE && left >= above[node] + GAP {
                above[node] = left + w;
                Slot::Above
            } else if lane >= 2.0 * LABEL_LANE && left >= below[node] + GAP {
                below[node] = left + w;
                Slot::Below
            } else {
                Slot::Hidden
            };
            Placed {
                event: e,
                x,
                y,
                slot,
            }
        })
        .collect()
}

/// The event whose dot is nearest (x, y), within [`HIT`] px.
pub fn hit(placed: &[Placed], x: f64, y: f64) -> Option<EventRef> {
    placed
        .iter()
        .map(|p| (p.event.at, (p.x - x).hypot(p.y - y)))
        .filter(|(_, d)| *d <= HIT)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(e, _)| e)
}

/// Where each event in the window is drawn on a diagram of CSS size (w, h) right now, for
/// tests that click them as a user would.
pub fn points(ctl: &Shared, w: f64, h: f64) -> Vec<(EventRef, f64, f64)> {
    let f = crate::canvas::timeline_frame(ctl, w, h);
    let view = ctl.borrow().view();
    place(&view.events, &f)
        .iter()
        .map(|p| (p.event.at, p.x, p.y))
        .collect()
}

/// The causal past of the first picked event (events that happened before it), from the lab.
pub fn past_of_first(ctl: &Shared) -> HashSet<EventRef> {
    let c = ctl.borrow();
    c.picked
        .first()
        .map(|&a| c.session.causal_past(a).into_iter().collect())
        .unwrap_or_default()
}

const COLOR: &str = "#c8cde6";
const PAST: &str = "#ff8c42";
const PICKED: &str = "#ffffff";
/// The diagram's background, behind a picked event's label.
const BACKDROP: &str = "#0b0e1c";

/// The letter a picked event is tagged with.
fn tag(picked: &[EventRef], e: EventRef) -> Option<&'static str> {
    match picked.iter().position(|&p| p == e) {
        Some(0) => Some("a"),
        Some(_) => Some("b"),
        None => None,
    }
}

/// Draws the events' dots and labels, the causal past of a in orange, a and b ringed.
pub fn draw(
    ctx: &CanvasRenderingContext2d,
    placed: &[Placed],
    picked: &[EventRef],
    past: &HashSet<EventRef>,
) {
    ctx.set_font(FONT);
    ctx.set_text_align("center");
    // The picked events last, over their neighbours.
    let (mine, rest): (Vec<&Placed>, Vec<&Placed>) = placed
        .iter()
        .partition(|p| tag(picked, p.event.at).is_some());
    for p in rest.into_iter().chain(mine) {
        let e = p.event.at;
        let tagged = tag(picked, e);
        let color = if tagged.is_some() {
            PICKED
        } else if past.contains(&e) {
            PAST
        } else {
            COLOR
        };
        ctx.begin_path();
        let _ = ctx.arc(p.x, p.y, DOT, 0.0, TAU);
        ctx.set_fill_style_str(color);
        ctx.fill();
        let slot = match (p.slot, tagged) {
            (Slot::Hidden, Some(_)) => Slot::Above,
            (s, _) => s,
        };
        let top = match slot {
            Slot::Above => Some(p.y - DOT - 12.5),
            Slot::Below => Some(p.y + DOT + 1.5),
            Slot::Hidden => None,
        };
        if let Some(top) = top {
            if tagged.is_some() {
                // A picked event's label stays readable over its neighbours'.
                let w = ctx
                    .measure_text(&p.event.label)
                    .map_or(p.event.label.len() as f64 * CHAR_W, |m| m.width());
                ctx.set_fill_style_str(BACKDROP);
                ctx.fill_rect(p.x - w / 2.0 - 2.0, top - 1.0, w + 4.0, 13.0);
                ctx.set_fill_style_str(color);
            }
            ctx.set_text_baseline("top");
            let _ = ctx.fill_text(&p.event.label, p.x, top);
        }
        if let Some(t) = tagged {
            ctx.begin_path();
            let _ = ctx.arc(p.x, p.y, DOT + 3.0, 0.0, TAU);
            ctx.set_stroke_style_str(PICKED);
            ctx.set_line_width(1.5);
            ctx.stroke();
            // The letter left of the ring, on the lane, clear of the labels above and below.
            ctx.set_font("bold 12px system-ui, sans-serif");
            ctx.set_text_baseline("middle");
            ctx.set_text_align("right");
            let _ = ctx.fill_text(t, p.x - DOT - 5.0, p.y);
            ctx.set_text_align("center");
            ctx.set_font(FONT);
        }
    }
}

/// The same as SVG elements.
pub fn svg(placed: &[Placed], picked: &[EventRef]) -> String {
    let mut s = String::new();
    for p in placed {
        let tagged = tag(picked, p.event.at);
        let color = if tagged.is_some() { PICKED } else { COLOR };
        let _ = write!(
            s,
            r#"<circle cx="{:.1}" cy="{:.1}" r="{DOT}" fill="{color}"/>"#,
            p.x, p.y
        );
        let dy = match (p.slot, tagged) {
            (Slot::Above, _) | (Slot::Hidden, Some(_)) => -DOT - 3.0,
            (Slot::Below, _) => DOT + 10.0,
            (Slot::Hidden, None) => continue,
        };
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" fill="{color}" font-size="10" text-anchor="middle">{}{}</text>"#,
            p.x,
            p.y + dy,
            tagged.map(|t| format!("{t}: ")).unwrap_or_default(),
            escape(&p.event.label)
        );
    }
    s
}

/// An event's name: its node's name as drawn and its number there (`p1#3`).
fn name(view: &View, e: EventRef) -> String {
    let node = view
        .nodes
        .get(e.node)
        .map_or_else(|| format!("n{}", e.node + 1), |n| n.label.clone());
    format!("{node}#{}", e.seq)
}

/// An event's name and label, for the picker's menus and the verdict (`p1#3 · 3 (2,1,0)`).
fn describe(view: &View, e: EventRef) -> String {
    match view.events.iter().find(|x| x.at == e) {
        Some(x) => format!("{} · {}", name(view, e), x.label),
        None => name(view, e),
    }
}

fn encode(e: EventRef) -> String {
    format!("{}-{}", e.node, e.seq)
}

fn decode(v: &str) -> Option<EventRef> {
    let (node, seq) = v.split_once('-')?;
    Some(EventRef {
        node: node.parse().ok()?,
        seq: seq.parse().ok()?,
    })
}

/// The picker and verdict under the diagram (labs that mark lane events only): two menus of
/// the events in the diagram's window, newest first, for keyboard users; the verdict with the
/// lab's explanation. `compact` (embed mode) keeps it to a few short lines.
pub fn panel(ctl: &Shared, l: Lang, on_change: &Callback<()>, compact: bool) -> Html {
    let c = ctl.borrow();
    if !c.session.has_lane_events() {
        return html! {};
    }
    let view = c.view();
    let picked = c.picked.clone();
    let (start, end) = (
        c.session.now().saturating_sub(c.timeline_span),
        c.session.now(),
    );
    let order = match picked[..] {
        [a, b] => Some(c.session.event_order(a, b)),
        _ => None,
    };
    drop(c);
    let mut offered: Vec<EventRef> = view
        .events
        .iter()
        .rev()
        .filter(|e| e.time >= start && e.time <= end)
        .take(MENU_MAX)
        .map(|e| e.at)
        .collect();
    for &p in &picked {
        if !offered.contains(&p) {
            offered.insert(0, p);
        }
    }
    let menu = |slot: usize| {
        let current = picked.get(slot).copied();
        let onchange = on_value(ctl, on_change, move |c, v| c.set_pick(slot, decode(&v)));
        let disabled = slot == 1 && picked.is_empty();
        html! {
            <label>{ tr(l, if slot == 0 { "events.a" } else { "events.b" }) }{ " " }
                <select data-testid={if slot == 0 { "pick-a" } else { "pick-b" }} {onchange} {disabled}>
                    <option value="" selected={current.is_none()}>{ tr(l, "events.none") }</option>
                    { for offered.iter().map(|&e| html! {
                        <option value={encode(e)} selected={current == Some(e)}>{ describe(&view, e) }</option>
                    }) }
                </select>
            </label>
        }
    };
    let clear = on(ctl, on_change, |c| c.set_pick(0, None));
    let picked_lines = picked.iter().enumerate().map(|(i, &e)| {
        let letter = if i == 0 { "a" } else { "b" };
        html! {
            <li data-testid={format!("event-{letter}")}>
                { trf(l, "events.picked", &[letter, &describe(&view, e)]) }</li>
        }
    });
    let (verdict, why) = match (&picked[..], order) {
        ([], _) => (tr(l, "events.pick_a").to_string(), Vec::new()),
        ([_], _) => (tr(l, "events.pick_b").to_string(), Vec::new()),
        (_, Some(Some(o))) => {
            let key = match o.order {
                Causality::Before => "events.before",
                Causality::After => "events.after",
                Causality::Concurrent => "events.concurrent",
                Causality::Same => "events.same",
            };
            let why = o
                .why
                .iter()
                .map(|h| {
                    let args: Vec<&str> = h.args.iter().map(String::as_str).collect();
                    trf(l, h.key, &args)
                })
                .collect();
            (tr(l, key).to_string(), why)
        }
        _ => (tr(l, "events.gone").to_string(), Vec::new()),
    };
    html! {
        <div class={classes!("event-panel", compact.then_some("compact"))} data-testid="event-panel">
            if !compact {
                <h4>{ tr(l, "events.title") }</h4>
                <p class="hint">{ tr(l, "events.help") }</p>
            }
            <div class="row">
                { menu(0) }
                { menu(1) }
                <button data-testid="pick-clear" onclick={clear} disabled={picked.is_empty()}>{ tr(l, "events.clear") }</button>
            </div>
            <div class="verdict" aria-live="polite">
                <ul class="picked">{ for picked_lines }</ul>
                <strong data-testid="event-verdict">{ verdict }</strong>
                <ul class="why" data-testid="event-why">{ for why.iter().map(|w| html! { <li>{ w.clone() }</li> }) }</ul>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distlab_engine::MS;

    fn event(node: usize, seq: u64, ms: u64, label: &str) -> LaneEvent {
        LaneEvent {
            at: EventRef { node, seq },
            time: ms * MS,
            label: label.to_string(),
        }
    }

    fn frame(w: f64, h: f64, n: usize) -> Frame {
        Frame {
            w,
            h,
            n,
            start: 0,
            end: 1_000 * MS,
            names: Vec::new(),
        }
    }

    /// Labels on a lane never overlap: crowded events alternate above and below, and the
    /// rest are bare dots; in a short lane only the room above is used.
    #[test]
    fn labels_on_a_lane_never_overlap() {
        let events: Vec<LaneEvent> = (0..40)
            .map(|i| event(i % 2, i as u64 / 2 + 1, 20 * i as u64, "12 (3,4,5)"))
            .collect();
        for (h, n) in [(240.0, 2), (110.0, 3), (60.0, 3)] {
            let f = frame(600.0, h, n);
            let placed = place(&events, &f);
            assert_eq!(placed.len(), 40);
            for slot in [Slot::Above, Slot::Below] {
                for lane in 0..2 {
                    let mut spans: Vec<(f64, f64)> = placed
                        .iter()
                        .filter(|p| p.slot == slot && p.event.at.node == lane)
                        .map(|p| {
                            let w = p.event.label.len() as f64 * CHAR_W;
                            (p.x - w / 2.0, p.x + w / 2.0)
                        })
                        .collect();
                    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
                    assert!(spans.windows(2).all(|s| s[0].1 + GAP <= s[1].0), "{h}");
                }
            }
            let labelled = placed.iter().filter(|p| p.slot != Slot::Hidden).count();
            let lane = f.lane_height();
            if lane < LABEL_LANE {
                assert_eq!(labelled, 0, "{h}: no room for labels");
            } else {
                assert!(labelled >= 10, "{h}: {labelled}");
            }
            if lane < 2.0 * LABEL_LANE {
                assert!(placed.iter().all(|p| p.slot != Slot::Below));
            }
        }
        // Sparse events are all labelled.
        let sparse: Vec<LaneEvent> = (0..6)
            .map(|i| event(i % 3, 1, 150 * i as u64, "1 (1,0,0)"))
            .collect();
        let f = frame(600.0, 110.0, 3);
        assert!(place(&sparse, &f).iter().all(|p| p.slot == Slot::Above));
    }

    #[test]
    fn a_click_picks_the_nearest_dot_and_nothing_far_away() {
        let events = vec![event(0, 1, 100, "1 (1,0)"), event(1, 1, 110, "1 (0,1)")];
        let f = frame(600.0, 200.0, 2);
        let placed = place(&events, &f);
        let (x, y) = (placed[1].x, placed[1].y);
        assert_eq!(
            hit(&placed, x + 2.0, y - 2.0),
            Some(EventRef { node: 1, seq: 1 })
        );
        assert_eq!(hit(&placed, x + 30.0, y), None);
        // Outside the window: not drawn, not hit.
        let late = vec![event(0, 1, 2_000, "1 (1,0)")];
        assert!(place(&late, &f).is_empty());
        let svg = svg(&placed, &[EventRef { node: 0, seq: 1 }]);
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("a: 1 (1,0)"));
    }

    #[test]
    fn menu_values_round_trip() {
        let e = EventRef { node: 3, seq: 17 };
        assert_eq!(decode(&encode(e)), Some(e));
        assert_eq!(decode(""), None);
        assert_eq!(decode("x-1"), None);
    }
}
