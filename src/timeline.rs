//! The space-time (Lamport) diagram: one lane per node, an arrow from each send to its delivery,
//! dropped messages as cut stubs, crashes, restarts and pauses marked. It reads only the trace,
//! so it works for every networked lab; a lab that labels its events (the clocks lab) has them
//! drawn on the lanes too ([`crate::lane_events`]). It follows the run's clock (the scrubber) and exports
//! as SVG.

use std::f64::consts::TAU;
use std::fmt::Write as _;

use distlab_engine::labs::{EventRef, LaneEvent};
use distlab_engine::sim::{TraceKind, TraceRecord};
use distlab_engine::{NodeId, Time, MS};
use web_sys::CanvasRenderingContext2d;

use crate::render::{dist_to_segment, msg_color};

/// How a message's life ended (so far).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    InFlight,
    Delivered,
    Dropped,
}

/// One message as an arrow.
#[derive(Clone, Copy, Debug)]
pub struct Arrow {
    pub msg: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: &'static str,
    pub sent: Time,
    pub end: Time,
    pub outcome: Outcome,
    /// Delivery time of a message still in flight, when known (from the view).
    pub due: Option<Time>,
}

/// A mark on a node's lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Crash,
    Restart,
    Pause,
    Resume,
    Violation,
}

#[derive(Clone, Copy, Debug)]
pub struct Mark {
    /// The trace record it comes from.
    pub record: u64,
    pub node: Option<NodeId>,
    pub time: Time,
    pub kind: MarkKind,
}

/// Arrows and marks derived from the trace, kept up to date incrementally. The trace may lose
/// its oldest records (the session's history window): the index then drops what came from
/// them too.
#[derive(Default)]
pub struct Timeline {
    /// The last consumed record, to find where to go on in the trace and to notice a trace
    /// that was cut back (and perhaps regrown differently).
    last: Option<TraceRecord>,
    /// Id of the first record of the trace at the last sync.
    first: u64,
    /// Message id of `arrows[0]`.
    base: u64,
    /// Indexed by message id minus `base` (ids are dense and in send order).
    pub arrows: Vec<Arrow>,
    pub marks: Vec<Mark>,
    /// The longest send-to-end span seen, to bound the search for visible arrows.
    max_span: Time,
}

impl Timeline {
    /// Brings the index up to date with `trace` (whose record ids are dense): goes on after
    /// the last consumed record; drops what came from records no longer kept at the trace's
    /// start; rebuilds from the kept trace if the trace was cut back or the last consumed
    /// record is gone.
    pub fn sync(&mut self, trace: &[TraceRecord]) {
        let first = trace.first().map_or(0, |r| r.id);
        let next = match &self.last {
            None => Some(0),
            Some(last) => last
                .id
                .checked_sub(first)
                .and_then(|p| usize::try_from(p).ok())
                .filter(|&p| trace.get(p) == Some(last))
                .map(|p| p + 1),
        };
        let next = match next {
            Some(p) if self.last.is_none() || first == self.first => p,
            Some(p) if first > self.first => {
                self.drop_before(trace);
                p
            }
            _ => {
                *self = Timeline::default();
                0
            }
        };
        for r in &trace[next..] {
            self.consume(r);
        }
        self.first = first;
        if let Some(r) = trace.last() {
            self.last = Some(r.clone());
        }
    }

    /// Drops the arrows and marks of records before the (kept) trace's start.
    fn drop_before(&mut self, trace: &[TraceRecord]) {
        let first = trace.first().map_or(0, |r| r.id);
        self.marks.retain(|m| m.record >= first);
        // Messages sent before the first kept send lost their send record.
        let first_sent = trace.iter().find_map(|r| match r.kind {
            TraceKind::Send { msg, .. } | TraceKind::Duplicate { msg, .. } => Some(msg),
            _ => None,
        });
        let keep_from = first_sent.unwrap_or(self.base + self.arrows.len() as u64);
        let gone = usize::try_from(keep_from.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.arrows.len());
        self.arrows.drain(..gone);
        self.base = self.arrows.first().map_or(keep_from, |a| a.msg);
    }

    /// The arrow of a message, if its send is in the index.
    pub fn arrow(&self, msg: u64) -> Option<&Arrow> {
        self.arrows
            .get(usize::try_from(msg.checked_sub(self.base)?).ok()?)
    }

    fn arrow_mut(&mut self, msg: u64) -> Option<&mut Arrow> {
        let i = usize::try_from(msg.checked_sub(self.base)?).ok()?;
        self.arrows.get_mut(i)
    }

    fn finish(&mut self, msg: u64, t: Time, outcome: Outcome) {
        let mut span = 0;
        if let Some(a) = self.arrow_mut(msg) {
            a.end = t;
            a.outcome = outcome;
            span = t.saturating_sub(a.sent);
        }
        self.max_span = self.max_span.max(span);
    }

    fn mark(&mut self, r: &TraceRecord, node: Option<NodeId>, kind: MarkKind) {
        self.marks.push(Mark {
            record: r.id,
            node,
            time: r.time,
            kind,
        });
    }

    fn consume(&mut self, r: &TraceRecord) {
        match &r.kind {
            TraceKind::Send {
                msg,
                from,
                to,
                kind,
            }
            | TraceKind::Duplicate {
                msg,
                from,
                to,
                kind,
                ..
            } => {
                // The first arrow (of the kept trace) sets the base.
                if self.arrows.is_empty() {
                    self.base = *msg;
                }
                // Ids are dense; pad defensively if a record was missing.
                while self.base + (self.arrows.len() as u64) <= *msg {
                    let id = self.base + self.arrows.len() as u64;
                    let outcome = if id == *msg {
                        Outcome::InFlight
                    } else {
                        Outcome::Dropped
                    };
                    self.arrows.push(Arrow {
                        msg: id,
                        from: *from,
                        to: *to,
                        kind,
                        sent: r.time,
                        end: r.time,
                        outcome,
                        due: None,
                    });
                }
            }
            TraceKind::Deliver { msg, .. } => self.finish(*msg, r.time, Outcome::Delivered),
            TraceKind::Drop { msg, .. } => self.finish(*msg, r.time, Outcome::Dropped),
            TraceKind::Crash { node } => self.mark(r, Some(*node), MarkKind::Crash),
            TraceKind::Restart { node } => self.mark(r, Some(*node), MarkKind::Restart),
            TraceKind::Pause { node } => self.mark(r, Some(*node), MarkKind::Pause),
            TraceKind::Resume { node } => self.mark(r, Some(*node), MarkKind::Resume),
            TraceKind::Violation { .. } => self.mark(r, None, MarkKind::Violation),
            _ => {}
        }
    }

    /// Records when a message in flight will arrive (the trace only says so on arrival).
    pub fn set_due(&mut self, msg: u64, due: Time) {
        if let Some(a) = self.arrow_mut(msg) {
            a.due = Some(due);
        }
    }

    /// Arrows that overlap the window [start, end].
    pub fn visible(&self, start: Time, end: Time) -> &[Arrow] {
        let hi = self.arrows.partition_point(|a| a.sent <= end);
        let lo = self.arrows[..hi].partition_point(|a| a.sent + self.max_span < start);
        &self.arrows[lo..hi]
    }
}

/// Geometry of the diagram: lanes and the time window.
pub struct Frame {
    pub w: f64,
    pub h: f64,
    pub n: usize,
    pub start: Time,
    pub end: Time,
    /// The lanes' names as the network view draws the nodes (`n1`, `p2`); `n<i>` where none.
    pub names: Vec<String>,
}

const LEFT: f64 = 36.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 18.0;

impl Frame {
    pub fn x(&self, t: Time) -> f64 {
        let span = self.end.saturating_sub(self.start).max(1) as f64;
        LEFT + (t.saturating_sub(self.start) as f64 / span).min(1.0) * (self.w - LEFT - RIGHT)
    }

    pub fn y(&self, node: NodeId) -> f64 {
        TOP + self.lane_height() * (node as f64 + 0.5)
    }

    /// The height of one lane.
    pub fn lane_height(&self) -> f64 {
        (self.h - TOP - BOTTOM) / self.n.max(1) as f64
    }

    /// A lane's name.
    pub fn name(&self, node: NodeId) -> String {
        self.names
            .get(node)
            .cloned()
            .unwrap_or_else(|| format!("n{}", node + 1))
    }

    /// The time under an x coordinate.
    pub fn time_at(&self, x: f64) -> Time {
        let f = ((x - LEFT) / (self.w - LEFT - RIGHT)).clamp(0.0, 1.0);
        self.start + (f * self.end.saturating_sub(self.start) as f64) as Time
    }

    /// Where an arrow ends at time `now` (in flight: part-way along).
    fn arrow_end(&self, a: &Arrow, now: Time) -> (f64, f64) {
        if a.outcome == Outcome::InFlight {
            let y0 = self.y(a.from);
            let progress = a.due.map_or(0.5, |due| {
                let span = due.saturating_sub(a.sent).max(1) as f64;
                (now.saturating_sub(a.sent) as f64 / span).clamp(0.0, 1.0)
            });
            (self.x(now), y0 + (self.y(a.to) - y0) * progress)
        } else if a.outcome == Outcome::Dropped {
            let (y0, y1) = (self.y(a.from), self.y(a.to));
            (self.x(a.end), y0 + (y1 - y0) * 0.6)
        } else {
            (self.x(a.end), self.y(a.to))
        }
    }
}

/// The message whose arrow passes within 5 px of (x, y).
pub fn hit(tl: &Timeline, f: &Frame, now: Time, x: f64, y: f64) -> Option<u64> {
    tl.visible(f.start, f.end)
        .iter()
        .map(|a| {
            (
                a.msg,
                dist_to_segment((x, y), (f.x(a.sent), f.y(a.from)), f.arrow_end(a, now)),
            )
        })
        .filter(|(_, d)| *d <= 5.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(m, _)| m)
}

/// Draws the diagram; `highlight` is the hovered message.
pub fn draw(
    ctx: &CanvasRenderingContext2d,
    tl: &Timeline,
    f: &Frame,
    now: Time,
    highlight: Option<u64>,
) {
    ctx.clear_rect(0.0, 0.0, f.w, f.h);
    // Lanes.
    ctx.set_font("11px system-ui, sans-serif");
    ctx.set_text_align("right");
    ctx.set_text_baseline("middle");
    ctx.begin_path();
    for n in 0..f.n {
        let y = f.y(n);
        ctx.move_to(LEFT, y);
        ctx.line_to(f.w - RIGHT, y);
    }
    ctx.set_stroke_style_str("rgba(140,150,180,0.35)");
    ctx.set_line_width(1.0);
    ctx.stroke();
    ctx.set_fill_style_str("#9aa0bd");
    for n in 0..f.n {
        let _ = ctx.fill_text(&f.name(n), LEFT - 6.0, f.y(n));
    }
    // Time axis ticks.
    let span = f.end.saturating_sub(f.start).max(1);
    let step = nice_step(span);
    ctx.set_text_align("center");
    let mut t = f.start.div_ceil(step) * step;
    while t <= f.end {
        let x = f.x(t);
        let _ = ctx.fill_text(&format!("{}", t / MS), x, f.h - 7.0);
        t += step;
    }
    // Arrows, one path per message kind.
    let visible = tl.visible(f.start, f.end);
    let mut kinds: Vec<&str> = visible.iter().map(|a| a.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    ctx.set_line_width(1.2);
    for kind in kinds {
        ctx.begin_path();
        for a in visible.iter().filter(|a| a.kind == kind) {
            let (x1, y1) = f.arrow_end(a, now);
            ctx.move_to(f.x(a.sent), f.y(a.from));
            ctx.line_to(x1, y1);
            if a.outcome == Outcome::Delivered {
                // Arrow head.
                let (x0, y0) = (f.x(a.sent), f.y(a.from));
                let ang = (y1 - y0).atan2(x1 - x0);
                for s in [-0.45f64, 0.45] {
                    ctx.move_to(x1, y1);
                    ctx.line_to(x1 - 6.0 * (ang + s).cos(), y1 - 6.0 * (ang + s).sin());
                }
            } else if a.outcome == Outcome::Dropped {
                // Cut stub.
                ctx.move_to(x1 - 4.0, y1 - 4.0);
                ctx.line_to(x1 + 4.0, y1 + 4.0);
                ctx.move_to(x1 + 4.0, y1 - 4.0);
                ctx.line_to(x1 - 4.0, y1 + 4.0);
            }
        }
        ctx.set_stroke_style_str(msg_color(kind));
        ctx.stroke();
    }
    if let Some(a) = highlight
        .and_then(|m| tl.arrow(m))
        .filter(|a| a.sent <= f.end)
    {
        let (x1, y1) = f.arrow_end(a, now);
        ctx.begin_path();
        ctx.move_to(f.x(a.sent), f.y(a.from));
        ctx.line_to(x1, y1);
        ctx.set_stroke_style_str("#ffffff");
        ctx.set_line_width(3.0);
        ctx.stroke();
        ctx.set_line_width(1.0);
    }
    // Marks.
    for m in tl
        .marks
        .iter()
        .filter(|m| m.time >= f.start && m.time <= f.end)
    {
        let x = f.x(m.time);
        match (m.kind, m.node) {
            (MarkKind::Violation, _) | (_, None) => {
                ctx.set_fill_style_str("rgba(224,85,85,0.8)");
                ctx.fill_rect(x - 1.0, TOP, 2.0, f.h - TOP - BOTTOM);
            }
            (kind, Some(n)) => {
                let y = f.y(n);
                let color = match kind {
                    MarkKind::Crash => "#e05555",
                    MarkKind::Restart => "#2eb872",
                    _ => "#f0c060",
                };
                ctx.begin_path();
                let _ = ctx.arc(x, y, 5.0, 0.0, TAU);
                ctx.set_fill_style_str(color);
                ctx.fill();
            }
        }
    }
    // Now.
    let x = f.x(now);
    ctx.set_fill_style_str("rgba(255,255,255,0.5)");
    ctx.fill_rect(x - 0.5, TOP, 1.0, f.h - TOP - BOTTOM);
}

/// A round tick interval giving 4–10 ticks over `span`.
fn nice_step(span: Time) -> Time {
    let mut step = MS;
    for m in [1, 2, 5].iter().cycle().scan(MS, |base, &k| {
        let v = *base * k;
        if k == 5 {
            *base *= 10;
        }
        Some(v)
    }) {
        step = m;
        if span / m <= 10 {
            break;
        }
    }
    step
}

/// The diagram of the window as a standalone SVG document, with the lab's labelled lane
/// events (none for most labs) and the picked ones marked.
pub fn to_svg(
    tl: &Timeline,
    f: &Frame,
    now: Time,
    events: &[LaneEvent],
    picked: &[EventRef],
) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="#0b0e1c"/>"##,
        w = f.w,
        h = f.h
    );
    for n in 0..f.n {
        let y = f.y(n);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#8c96b4" stroke-opacity="0.4"/><text x="{:.1}" y="{:.1}" fill="#9aa0bd" text-anchor="end">{}</text>"##,
            f.w - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            escape(&f.name(n))
        );
    }
    for a in tl.visible(f.start, f.end) {
        let (x0, y0) = (f.x(a.sent), f.y(a.from));
        let (x1, y1) = f.arrow_end(a, now);
        let dash = if a.outcome == Outcome::Dropped {
            r#" stroke-dasharray="4 3""#
        } else {
            ""
        };
        let _ = write!(
            s,
            r#"<line x1="{x0:.1}" y1="{y0:.1}" x2="{x1:.1}" y2="{y1:.1}" stroke="{}"{dash}><title>#{} {} n{}→n{}</title></line>"#,
            msg_color(a.kind),
            a.msg,
            a.kind,
            a.from + 1,
            a.to + 1
        );
        if a.outcome == Outcome::Dropped {
            let _ = write!(
                s,
                r##"<text x="{x1:.1}" y="{:.1}" fill="#e05555" text-anchor="middle">✕</text>"##,
                y1 + 4.0
            );
        }
    }
    for m in tl
        .marks
        .iter()
        .filter(|m| m.time >= f.start && m.time <= f.end)
    {
        if let Some(n) = m.node {
            let color = match m.kind {
                MarkKind::Crash => "#e05555",
                MarkKind::Restart => "#2eb872",
                _ => "#f0c060",
            };
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="5" fill="{color}"/>"#,
                f.x(m.time),
                f.y(n)
            );
        }
    }
    s.push_str(&crate::lane_events::svg(
        &crate::lane_events::place(events, f),
        picked,
    ));
    s.push_str("</svg>");
    s
}

/// Text made safe for SVG: `&`, `<` and `>` escaped.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use distlab_engine::input::{split_query, RunConfig};
    use distlab_engine::labs;
    use distlab_engine::sim::Action;

    fn run(ms: Time) -> Box<dyn labs::LabSession> {
        let (cfg, _) = RunConfig::parse(&split_query("lab=raft&seed=4"));
        let (mut s, _) = labs::create(&cfg);
        s.run_until(ms * MS);
        s
    }

    fn count_sends(s: &dyn labs::LabSession) -> usize {
        s.trace()
            .iter()
            .filter(|r| matches!(r.kind, TraceKind::Send { .. }))
            .count()
    }

    #[test]
    fn arrows_follow_the_trace_and_rebuild_after_seeking_back() {
        let mut s = run(2_000);
        let mut tl = Timeline::default();
        tl.sync(s.trace());
        let sends = count_sends(s.as_ref());
        assert_eq!(tl.arrows.len(), sends);
        assert!(tl
            .arrows
            .iter()
            .all(|a| a.outcome != Outcome::InFlight || a.sent + 30 * MS >= s.now()));
        let delivered = tl
            .arrows
            .iter()
            .filter(|a| a.outcome == Outcome::Delivered)
            .count();
        assert!(delivered > 0 && delivered <= sends);
        // A crash and a user drop appear as a mark and a dropped arrow.
        let inflight = s.view().messages[0].id;
        s.act(Action::Drop { msg: inflight }).unwrap();
        s.act(Action::Crash { node: 1 }).unwrap();
        tl.sync(s.trace());
        assert_eq!(tl.arrow(inflight).unwrap().outcome, Outcome::Dropped);
        assert!(tl
            .marks
            .iter()
            .any(|m| m.kind == MarkKind::Crash && m.node == Some(1)));
        // Seeking back cuts the trace; the index rebuilds to match.
        s.seek(500 * MS);
        tl.sync(s.trace());
        let sends = count_sends(s.as_ref());
        assert_eq!(tl.arrows.len(), sends);
        assert!(tl.marks.is_empty());
    }

    /// The history window drops the oldest records: the index drops their arrows and marks
    /// and matches one built afresh from the kept trace.
    #[test]
    fn the_index_follows_the_trace_as_its_start_moves() {
        let (cfg, _) = RunConfig::parse(&split_query("lab=raft&seed=4&clients=200"));
        let (mut s, _) = labs::create(&cfg);
        s.set_history_budget(Some(256 << 10));
        let mut tl = Timeline::default();
        let mut moved = 0;
        let mut start = 0;
        for k in 1..=80u64 {
            if k % 10 == 5 {
                s.act(Action::Crash {
                    node: (k % 5) as usize,
                })
                .unwrap();
            }
            if k % 10 == 8 {
                s.act(Action::Restart {
                    node: (k % 5) as usize - 3,
                })
                .unwrap();
            }
            s.run_until(k * 500 * MS);
            tl.sync(s.trace());
            if s.window_start() > start {
                start = s.window_start();
                moved += 1;
                let mut fresh = Timeline::default();
                fresh.sync(s.trace());
                assert_eq!(format!("{:?}", tl.arrows), format!("{:?}", fresh.arrows));
                assert_eq!(format!("{:?}", tl.marks), format!("{:?}", fresh.marks));
                assert!(tl.arrows.first().is_some_and(|a| a.sent >= start));
                assert!(tl.arrow(0).is_none(), "message 0's send was dropped");
            }
        }
        assert!(moved >= 3, "the window moved {moved} times");
        assert!(!tl.marks.is_empty());
        // Seeking back within the window and on again keeps it consistent.
        s.seek(start + 100 * MS);
        tl.sync(s.trace());
        s.run_until(45_000 * MS);
        tl.sync(s.trace());
        let mut fresh = Timeline::default();
        fresh.sync(s.trace());
        assert_eq!(format!("{:?}", tl.arrows), format!("{:?}", fresh.arrows));
    }

    #[test]
    fn visible_window_and_svg() {
        let s = run(3_000);
        let mut tl = Timeline::default();
        tl.sync(s.trace());
        let f = Frame {
            w: 1000.0,
            h: 200.0,
            n: 5,
            start: 2_000 * MS,
            end: 3_000 * MS,
            names: Vec::new(),
        };
        let vis = tl.visible(f.start, f.end);
        assert!(!vis.is_empty());
        assert!(vis.iter().all(|a| a.sent <= f.end));
        // Nothing that overlaps the window is left out.
        let overlapping = tl
            .arrows
            .iter()
            .filter(|a| a.sent <= f.end && a.end >= f.start)
            .count();
        assert!(vis.len() >= overlapping);
        let svg = to_svg(&tl, &f, s.now(), &[], &[]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<title>").count(), vis.len());
        let a = vis[vis.len() / 2];
        let (x0, y0) = (f.x(a.sent), f.y(a.from));
        assert!(hit(&tl, &f, s.now(), x0 + 0.5, y0).is_some());
    }
}
