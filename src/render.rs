//! Canvas drawing of a networked lab's [`View`], and hit-testing for mouse clicks.
//!
//! Drawing reads only the view model (plus the UI's own overlay state); it never touches
//! protocol internals. Coordinates are CSS pixels; the caller scales for HiDPI.

use std::f64::consts::{PI, TAU};

use distlab_engine::labs::{MsgView, View};
use distlab_engine::{NodeId, Time};
use web_sys::CanvasRenderingContext2d;

/// Where the nodes sit: on a circle fitted to the canvas.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub centers: Vec<(f64, f64)>,
    pub node_r: f64,
}

impl Layout {
    pub fn new(n: usize, w: f64, h: f64) -> Layout {
        let cx = w / 2.0;
        let cy = h / 2.0;
        let ring = (w.min(h) / 2.0 - 44.0).max(30.0);
        let node_r = (ring * PI / n.max(3) as f64 * 0.42).clamp(7.0, 26.0);
        let centers = (0..n)
            .map(|i| {
                let a = -PI / 2.0 + TAU * i as f64 / n.max(1) as f64;
                (cx + ring * a.cos(), cy + ring * a.sin())
            })
            .collect();
        Layout { centers, node_r }
    }

    /// Where a message in flight is drawn at `now`: moving along its link, or, with reduced
    /// motion (`still`), standing at the link's middle for its whole flight.
    pub fn msg_pos(&self, m: &MsgView, now: Time, still: bool) -> (f64, f64) {
        let progress = if still { 0.5 } else { m.progress(now) };
        self.along(m.from, m.to, progress)
    }

    /// Position of a message `progress` of the way from `a` to `b`.
    pub fn along(&self, a: NodeId, b: NodeId, progress: f64) -> (f64, f64) {
        let (ax, ay) = self.centers[a];
        let (bx, by) = self.centers[b];
        (ax + (bx - ax) * progress, ay + (by - ay) * progress)
    }
}

/// What a click hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Node(NodeId),
    Message(u64),
    Link(NodeId, NodeId),
    Nothing,
}

/// Distance from point `p` to the segment `a`–`b`.
pub fn dist_to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - qx).powi(2) + (p.1 - qy).powi(2)).sqrt()
}

/// Finds what is under (x, y): nodes first, then messages (drawn still when `still`), then
/// links.
pub fn hit(layout: &Layout, view: &View, x: f64, y: f64, still: bool) -> Hit {
    let d = |(px, py): (f64, f64)| ((px - x).powi(2) + (py - y).powi(2)).sqrt();
    if let Some(i) =
        (0..layout.centers.len()).find(|&i| d(layout.centers[i]) <= layout.node_r + 4.0)
    {
        return Hit::Node(i);
    }
    let best = view
        .messages
        .iter()
        .map(|m| (m.id, d(layout.msg_pos(m, view.time, still))))
        .filter(|(_, dd)| *dd <= 9.0)
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((id, _)) = best {
        return Hit::Message(id);
    }
    let n = layout.centers.len();
    let mut link = None;
    let mut best_d = 6.0;
    for a in 0..n {
        for b in a + 1..n {
            let dd = dist_to_segment((x, y), layout.centers[a], layout.centers[b]);
            if dd < best_d {
                best_d = dd;
                link = Some((a, b));
            }
        }
    }
    link.map_or(Hit::Nothing, |(a, b)| Hit::Link(a, b))
}

/// Fill colour of a role key.
pub fn role_color(role: &str) -> &'static str {
    match role {
        "leader" => "#2eb872",
        "candidate" => "#f0a030",
        "follower" => "#7b86a8",
        "spare" => "#3a3f5c",
        _ => "#8a8fb0",
    }
}

/// Colour of a message kind.
pub fn msg_color(kind: &str) -> &'static str {
    match kind {
        "RequestVote" => "#f0a030",
        "Vote" => "#d16ba5",
        "AppendEntries" => "#5b8def",
        "AppendReply" => "#2bb5b8",
        other => {
            const PALETTE: [&str; 6] = [
                "#e76f51", "#8ab17d", "#9c6ade", "#e9c46a", "#4ea8de", "#f28482",
            ];
            PALETTE[other.bytes().map(usize::from).sum::<usize>() % PALETTE.len()]
        }
    }
}

const GROUP_COLORS: [&str; 3] = ["#5b8def", "#e76f51", "#2eb872"];

/// UI overlay state the drawing needs besides the view.
pub struct Overlay<'a> {
    pub partition_draft: Option<&'a [u32]>,
    pub selected: Option<NodeId>,
    pub hover: Hit,
    /// Reduced motion: messages stand still (see [`Layout::msg_pos`]).
    pub still: bool,
}

/// Draws one frame.
pub fn draw(
    ctx: &CanvasRenderingContext2d,
    w: f64,
    h: f64,
    view: &View,
    layout: &Layout,
    ov: &Overlay,
) {
    ctx.clear_rect(0.0, 0.0, w, h);
    draw_links(ctx, view, layout, ov);
    draw_messages(ctx, view, layout, ov);
    draw_nodes(ctx, view, layout, ov);
}

fn draw_links(ctx: &CanvasRenderingContext2d, view: &View, layout: &Layout, ov: &Overlay) {
    let n = layout.centers.len();
    let special = |a: NodeId, b: NodeId| view.links.iter().find(|l| l.a == a && l.b == b);
    let split = |a: NodeId, b: NodeId| view.groups.get(a) != view.groups.get(b);
    // Normal links in one path.
    ctx.begin_path();
    for a in 0..n {
        for b in a + 1..n {
            if special(a, b).is_none() && !split(a, b) {
                let (ax, ay) = layout.centers[a];
                let (bx, by) = layout.centers[b];
                ctx.move_to(ax, ay);
                ctx.line_to(bx, by);
            }
        }
    }
    ctx.set_stroke_style_str("rgba(140,150,180,0.28)");
    ctx.set_line_width(1.0);
    ctx.stroke();
    // Cut, slowed and partitioned links.
    for a in 0..n {
        for b in a + 1..n {
            let l = special(a, b);
            let cut = l.is_some_and(|l| l.cut);
            let slow = l.is_some_and(|l| l.slow > 0);
            let parted = split(a, b);
            if !(cut || slow || parted) {
                continue;
            }
            let (ax, ay) = layout.centers[a];
            let (bx, by) = layout.centers[b];
            ctx.begin_path();
            ctx.move_to(ax, ay);
            ctx.line_to(bx, by);
            if cut || parted {
                let _ = ctx.set_line_dash(&dash(&[5.0, 6.0]));
                ctx.set_stroke_style_str(if cut {
                    "rgba(220,70,70,0.75)"
                } else {
                    "rgba(220,70,70,0.3)"
                });
            } else {
                ctx.set_stroke_style_str("rgba(240,160,48,0.8)");
                ctx.set_line_width(3.0);
            }
            ctx.stroke();
            let _ = ctx.set_line_dash(&dash(&[]));
            ctx.set_line_width(1.0);
        }
    }
    if let Hit::Link(a, b) = ov.hover {
        let (ax, ay) = layout.centers[a];
        let (bx, by) = layout.centers[b];
        ctx.begin_path();
        ctx.move_to(ax, ay);
        ctx.line_to(bx, by);
        ctx.set_stroke_style_str("rgba(255,255,255,0.7)");
        ctx.set_line_width(3.0);
        ctx.stroke();
        ctx.set_line_width(1.0);
    }
}

fn dash(v: &[f64]) -> wasm_bindgen::JsValue {
    let arr = js_sys::Array::new();
    for x in v {
        arr.push(&wasm_bindgen::JsValue::from_f64(*x));
    }
    arr.into()
}

fn draw_messages(ctx: &CanvasRenderingContext2d, view: &View, layout: &Layout, ov: &Overlay) {
    let r = (layout.node_r * 0.28).clamp(3.0, 6.0);
    let mut kinds: Vec<&str> = view.messages.iter().map(|m| m.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    // One path per kind keeps the draw calls few with hundreds of messages.
    for kind in kinds {
        ctx.begin_path();
        for m in view.messages.iter().filter(|m| m.kind == kind) {
            let (x, y) = layout.msg_pos(m, view.time, ov.still);
            ctx.move_to(x + r, y);
            let _ = ctx.arc(x, y, r, 0.0, TAU);
        }
        ctx.set_fill_style_str(msg_color(kind));
        ctx.fill();
    }
    if let Hit::Message(id) = ov.hover {
        if let Some(m) = view.messages.iter().find(|m| m.id == id) {
            let (x, y) = layout.msg_pos(m, view.time, ov.still);
            ctx.begin_path();
            let _ = ctx.arc(x, y, r + 3.0, 0.0, TAU);
            ctx.set_stroke_style_str("#fff");
            ctx.set_line_width(2.0);
            ctx.stroke();
            ctx.set_line_width(1.0);
        }
    }
}

fn timer_fraction(now: Time, (set_at, fires_at): (Time, Time)) -> f64 {
    let span = fires_at.saturating_sub(set_at).max(1) as f64;
    (fires_at.saturating_sub(now) as f64 / span).clamp(0.0, 1.0)
}

fn draw_nodes(ctx: &CanvasRenderingContext2d, view: &View, layout: &Layout, ov: &Overlay) {
    let r = layout.node_r;
    let font_px = (r * 0.62).clamp(9.0, 14.0);
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    for node in &view.nodes {
        let (x, y) = layout.centers[node.id];
        // Partition groups: a coloured halo.
        let group = ov.partition_draft.map(|d| d[node.id]).or_else(|| {
            let whole = view.groups.iter().all(|&g| g == view.groups[0]);
            (!whole).then(|| view.groups[node.id])
        });
        if let Some(g) = group {
            ctx.begin_path();
            let _ = ctx.arc(x, y, r + 9.0, 0.0, TAU);
            ctx.set_fill_style_str(GROUP_COLORS[(g as usize) % GROUP_COLORS.len()]);
            ctx.set_global_alpha(0.28);
            ctx.fill();
            ctx.set_global_alpha(1.0);
        }
        // Timer arc: the remaining fraction of the election timeout.
        if let (Some(timer), "up") = (node.timer, node.status) {
            let f = timer_fraction(view.time, timer);
            ctx.begin_path();
            let _ = ctx.arc(x, y, r + 4.5, -PI / 2.0, -PI / 2.0 + TAU * f);
            ctx.set_stroke_style_str("rgba(230,230,240,0.85)");
            ctx.set_line_width(2.5);
            ctx.stroke();
            ctx.set_line_width(1.0);
        }
        ctx.begin_path();
        let _ = ctx.arc(x, y, r, 0.0, TAU);
        let fill = if node.status == "down" {
            "#4a4d5c"
        } else {
            role_color(node.role)
        };
        ctx.set_fill_style_str(fill);
        ctx.fill();
        if node.status == "paused" {
            let _ = ctx.set_line_dash(&dash(&[3.0, 3.0]));
            ctx.set_stroke_style_str("#fff");
            ctx.set_line_width(2.0);
            ctx.stroke();
            let _ = ctx.set_line_dash(&dash(&[]));
        }
        if ov.selected == Some(node.id) || ov.hover == Hit::Node(node.id) {
            ctx.set_stroke_style_str("#ffffff");
            ctx.set_line_width(2.0);
            ctx.stroke();
        }
        ctx.set_line_width(1.0);
        ctx.set_fill_style_str(if node.status == "down" {
            "#a0a3b0"
        } else {
            "#0d1020"
        });
        ctx.set_font(&format!("bold {font_px:.0}px system-ui, sans-serif"));
        let _ = ctx.fill_text(&format!("n{}", node.id + 1), x, y - font_px * 0.35);
        ctx.set_font(&format!("{:.0}px system-ui, sans-serif", font_px * 0.85));
        let _ = ctx.fill_text(&node.badge, x, y + font_px * 0.6);
        if node.status == "down" {
            ctx.set_stroke_style_str("#e05555");
            ctx.set_line_width(2.5);
            ctx.begin_path();
            let k = r * 0.55;
            ctx.move_to(x - k, y - k);
            ctx.line_to(x + k, y + k);
            ctx.move_to(x + k, y - k);
            ctx.line_to(x - k, y + k);
            ctx.stroke();
            ctx.set_line_width(1.0);
        }
    }
}
