//! Canvas drawing of a networked lab's [`View`], and hit-testing for mouse clicks.
//!
//! Drawing reads only the view model (plus the UI's own overlay state); it never touches
//! protocol internals. Coordinates are CSS pixels; the caller scales for HiDPI.

use std::f64::consts::{PI, TAU};

use std::cell::Cell;

use distlab_engine::labs::{Layout as Placement, Looks, MsgView, View};
use distlab_engine::sim::Shape;
use distlab_engine::{NodeId, Time};
use web_sys::CanvasRenderingContext2d;

/// Where the nodes sit, fitted to the canvas in the lab's placement (circle, ring order,
/// tiers by kind, clusters).
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub centers: Vec<(f64, f64)>,
    pub node_r: f64,
    /// A ring's successor order, drawn as arcs (empty for other placements).
    pub ring: Vec<NodeId>,
}

/// `k` points evenly on a circle of radius `r` around `(cx, cy)`, the first at the top.
fn on_circle(k: usize, cx: f64, cy: f64, r: f64) -> impl Iterator<Item = (f64, f64)> {
    (0..k).map(move |i| {
        let a = -PI / 2.0 + TAU * i as f64 / k.max(1) as f64;
        (cx + r * a.cos(), cy + r * a.sin())
    })
}

impl Layout {
    /// Nodes evenly on a circle, in id order.
    pub fn new(n: usize, w: f64, h: f64) -> Layout {
        let ring = (w.min(h) / 2.0 - 44.0).max(30.0);
        let node_r = (ring * PI / n.max(3) as f64 * 0.42).clamp(7.0, 26.0);
        let centers = on_circle(n, w / 2.0, h / 2.0, ring).collect();
        Layout {
            centers,
            node_r,
            ring: Vec::new(),
        }
    }

    /// The placement a view asks for.
    pub fn for_view(view: &View, w: f64, h: f64) -> Layout {
        let n = view.nodes.len();
        match &view.layout {
            Placement::Circle => Layout::new(n, w, h),
            Placement::Ring { order } => {
                let mut l = Layout::new(n, w, h);
                let mut centers = l.centers.clone();
                for (slot, (&node, c)) in order.iter().zip(&l.centers).enumerate() {
                    if node < n && slot < n {
                        centers[node] = *c;
                    }
                }
                l.centers = centers;
                l.ring = order.iter().copied().filter(|&i| i < n).collect();
                l
            }
            Placement::Tiers { kinds } => {
                let cols: Vec<Vec<NodeId>> = kinds
                    .iter()
                    .map(|k| {
                        view.nodes
                            .iter()
                            .filter(|v| v.kind == *k)
                            .map(|v| v.id)
                            .collect()
                    })
                    .collect();
                let tallest = cols.iter().map(Vec::len).max().unwrap_or(1).max(1);
                let node_r = (h / tallest as f64 * 0.3).clamp(7.0, 24.0);
                let mut centers = vec![(w / 2.0, h / 2.0); n];
                for (c, ids) in cols.iter().enumerate() {
                    let x = w * (c as f64 + 0.5) / cols.len().max(1) as f64;
                    for (i, &id) in ids.iter().enumerate() {
                        centers[id] = (x, h * (i as f64 + 0.5) / ids.len() as f64);
                    }
                }
                Layout {
                    centers,
                    node_r,
                    ring: Vec::new(),
                }
            }
            Placement::Clusters { of } => {
                let k = of.iter().copied().max().map_or(1, |m| m as usize + 1);
                let big = (w.min(h) / 2.0 - 60.0).max(30.0);
                let hubs: Vec<(f64, f64)> = if k == 1 {
                    vec![(w / 2.0, h / 2.0)]
                } else {
                    on_circle(k, w / 2.0, h / 2.0, big * 0.62).collect()
                };
                let small = (big * 0.62 * PI / k.max(2) as f64 * 0.62).max(24.0);
                let mut centers = vec![(w / 2.0, h / 2.0); n];
                let mut node_r: f64 = 22.0;
                for (c, hub) in hubs.iter().enumerate() {
                    let ids: Vec<NodeId> =
                        (0..n).filter(|&i| of.get(i) == Some(&(c as u32))).collect();
                    for (&id, p) in ids.iter().zip(on_circle(ids.len(), hub.0, hub.1, small)) {
                        centers[id] = p;
                    }
                    node_r = node_r.min((small * PI / ids.len().max(3) as f64 * 0.42).max(7.0));
                }
                Layout {
                    centers,
                    node_r,
                    ring: Vec::new(),
                }
            }
        }
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

thread_local! {
    /// The running lab's colours (set when its controller is made).
    static LOOKS: Cell<&'static Looks> = const { Cell::new(&Looks::NONE) };
}

/// Uses a lab's colours for roles and message kinds from now on.
pub fn set_looks(looks: &'static Looks) {
    LOOKS.with(|l| l.set(looks));
}

const PALETTE: [&str; 8] = [
    "#e76f51", "#8ab17d", "#9c6ade", "#e9c46a", "#4ea8de", "#f28482", "#2bb5b8", "#d16ba5",
];

/// A stable palette colour for a name the lab gave no colour.
fn palette(name: &str) -> &'static str {
    PALETTE[name.bytes().map(usize::from).sum::<usize>() % PALETTE.len()]
}

/// Fill colour of a role key: the lab's, else a palette colour.
pub fn role_color(role: &str) -> &'static str {
    LOOKS
        .with(|l| l.get().role(role))
        .unwrap_or_else(|| palette(role))
}

/// Colour of a message kind: the lab's, else a palette colour.
pub fn msg_color(kind: &str) -> &'static str {
    LOOKS
        .with(|l| l.get().message(kind))
        .unwrap_or_else(|| palette(kind))
}

/// Traces a node's outline (its kind's shape) as the current path.
fn shape_path(ctx: &CanvasRenderingContext2d, shape: Shape, x: f64, y: f64, r: f64) {
    ctx.begin_path();
    let polygon = |sides: usize, turn: f64| {
        for i in 0..sides {
            let a = turn + TAU * i as f64 / sides as f64;
            let (px, py) = (x + r * a.cos(), y + r * a.sin());
            if i == 0 {
                ctx.move_to(px, py);
            } else {
                ctx.line_to(px, py);
            }
        }
        ctx.close_path();
    };
    match shape {
        Shape::Circle => {
            let _ = ctx.arc(x, y, r, 0.0, TAU);
        }
        Shape::Square => ctx.rect(x - r * 0.88, y - r * 0.88, r * 1.76, r * 1.76),
        Shape::Diamond => polygon(4, -PI / 2.0),
        Shape::Hexagon => polygon(6, 0.0),
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
    draw_ring(ctx, layout);
    draw_messages(ctx, view, layout, ov);
    draw_nodes(ctx, view, layout, ov);
}

/// A ring placement's successor order, drawn over the links (a token ring's path).
fn draw_ring(ctx: &CanvasRenderingContext2d, layout: &Layout) {
    if layout.ring.len() < 2 {
        return;
    }
    ctx.begin_path();
    for (i, &node) in layout.ring.iter().enumerate() {
        let (x, y) = layout.centers[node];
        if i == 0 {
            ctx.move_to(x, y);
        } else {
            ctx.line_to(x, y);
        }
    }
    ctx.close_path();
    ctx.set_stroke_style_str("rgba(91,141,239,0.75)");
    ctx.set_line_width(2.5);
    ctx.stroke();
    ctx.set_line_width(1.0);
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
            let cut = l.is_some_and(|l| l.cut || l.one_way.is_some());
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
        shape_path(ctx, node.shape, x, y, r);
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
        let badge_font = format!("{:.0}px system-ui, sans-serif", font_px * 0.85);
        ctx.set_font(&badge_font);
        let badge_w = ctx.measure_text(&node.badge).map_or(0.0, |m| m.width());
        let inside = badge_w <= r * 1.7;
        ctx.set_font(&format!("bold {font_px:.0}px system-ui, sans-serif"));
        let label_y = if inside { y - font_px * 0.35 } else { y };
        let _ = ctx.fill_text(&node.label, x, label_y);
        ctx.set_font(&badge_font);
        if inside {
            let _ = ctx.fill_text(&node.badge, x, y + font_px * 0.6);
        } else {
            // Wider than the node (a slot range, φ and a counter): a caption under it, on a
            // backing so the links behind stay out of the way.
            let by = y + r + font_px * 0.7;
            ctx.set_fill_style_str("rgba(13,16,32,0.8)");
            ctx.fill_rect(
                x - badge_w / 2.0 - 3.0,
                by - font_px * 0.55,
                badge_w + 6.0,
                font_px * 1.1,
            );
            ctx.set_fill_style_str(if node.status == "down" {
                "#a0a3b0"
            } else {
                "#dfe2f0"
            });
            let _ = ctx.fill_text(&node.badge, x, by);
        }
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
