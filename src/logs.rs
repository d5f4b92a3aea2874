//! Replicated logs drawn as rows of boxes: one row per node, one box per entry coloured by
//! term, committed entries solid and uncommitted ones faint, and the leader's nextIndex (▲)
//! and matchIndex (underline) for each follower. A compacted log's snapshot is a chip before
//! its row ("snapshot ≤ k · Tt"), and the indices it covers are grey boxes without a term.

use distlab_engine::labs::View;
use distlab_engine::NodeId;
use web_sys::CanvasRenderingContext2d;

use crate::i18n::tr;
use crate::render::role_color;

const TERM_COLORS: [&str; 8] = [
    "#5b8def", "#e76f51", "#2eb872", "#f0a030", "#9c6ade", "#2bb5b8", "#d16ba5", "#8ab17d",
];

/// Colour of entries of a term.
pub fn term_color(term: u64) -> &'static str {
    TERM_COLORS[(term % TERM_COLORS.len() as u64) as usize]
}

const LABEL: f64 = 44.0;
const BOX: f64 = 24.0;
const GAP: f64 = 3.0;
/// Width of the snapshot chips' column (only when some log has a snapshot).
const SNAPSHOT: f64 = 76.0;
/// Fill of a compacted index.
const COMPACTED: &str = "#2a2f45";

/// Where the entries start: after the labels, and the snapshot chips if any log has one.
fn left(view: &View) -> f64 {
    let snapshots = view
        .nodes
        .iter()
        .any(|n| n.log.as_ref().is_some_and(|l| l.snapshot > 0));
    LABEL + if snapshots { SNAPSHOT + GAP } else { 0.0 }
}

/// The first and last log index shown for a canvas `w` wide: the newest entries.
pub fn window(view: &View, w: f64) -> (u64, u64) {
    let hi = view
        .nodes
        .iter()
        .filter_map(|n| n.log.as_ref())
        .map(|l| l.len)
        .max()
        .unwrap_or(0);
    let cols = ((w - left(view) - 8.0) / (BOX + GAP)).floor().max(1.0) as u64;
    let lo = hi.saturating_sub(cols - 1).max(1);
    (lo, hi.max(lo + cols - 1))
}

/// Height the panel needs for `n` nodes.
pub fn height(n: usize) -> f64 {
    n as f64 * (BOX + 12.0) + 22.0
}

/// Draws every node's log.
pub fn draw(ctx: &CanvasRenderingContext2d, w: f64, h: f64, view: &View) {
    ctx.clear_rect(0.0, 0.0, w, h);
    let (lo, hi) = window(view, w);
    let left = left(view);
    let x = |i: u64| left + (i - lo) as f64 * (BOX + GAP);
    let y = |n: NodeId| 16.0 + n as f64 * (BOX + 12.0);
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    ctx.set_font("10px system-ui, sans-serif");
    ctx.set_fill_style_str("#9aa0bd");
    for i in (lo..=hi).filter(|i| i % 5 == 0 || *i == lo) {
        let _ = ctx.fill_text(&i.to_string(), x(i) + BOX / 2.0, 7.0);
    }
    let leader = view.nodes.iter().find(|n| !n.progress.is_empty());
    for node in &view.nodes {
        let yy = y(node.id);
        let color = if node.status == "down" {
            "#4a4d5c"
        } else {
            role_color(node.role)
        };
        ctx.set_fill_style_str(color);
        ctx.begin_path();
        let _ = ctx.arc(10.0, yy + BOX / 2.0, 5.0, 0.0, std::f64::consts::TAU);
        ctx.fill();
        ctx.set_font("bold 12px system-ui, sans-serif");
        ctx.set_fill_style_str("#e4e6f0");
        let _ = ctx.fill_text(&format!("n{}", node.id + 1), 29.0, yy + BOX / 2.0);
        let Some(log) = &node.log else { continue };
        if log.snapshot > 0 {
            draw_snapshot(ctx, yy, log.snapshot, log.snapshot_term);
            ctx.set_fill_style_str(COMPACTED);
            for i in lo..=log.snapshot.min(hi) {
                ctx.fill_rect(x(i), yy, BOX, BOX);
            }
        }
        ctx.set_font("11px system-ui, sans-serif");
        for (k, term) in log.tail.iter().enumerate() {
            let i = log.start + k as u64;
            if i < lo || i > hi {
                continue;
            }
            let committed = i <= log.commit;
            ctx.set_global_alpha(if committed { 1.0 } else { 0.35 });
            ctx.set_fill_style_str(term_color(*term));
            ctx.fill_rect(x(i), yy, BOX, BOX);
            ctx.set_global_alpha(1.0);
            if !committed {
                ctx.set_stroke_style_str(term_color(*term));
                ctx.stroke_rect(x(i) + 0.5, yy + 0.5, BOX - 1.0, BOX - 1.0);
            }
            ctx.set_fill_style_str(if committed { "#0d1020" } else { "#e4e6f0" });
            let _ = ctx.fill_text(&term.to_string(), x(i) + BOX / 2.0, yy + BOX / 2.0);
        }
        if let Some(p) = leader.and_then(|l| l.progress.iter().find(|p| p.peer == node.id)) {
            if p.matched >= lo && p.matched <= hi {
                ctx.set_fill_style_str("#2eb872");
                ctx.fill_rect(x(p.matched), yy + BOX + 2.0, BOX, 3.0);
            }
            if p.next >= lo && p.next <= hi + 1 {
                let cx = x(p.next) + BOX / 2.0;
                ctx.set_fill_style_str("#f0c060");
                ctx.begin_path();
                ctx.move_to(cx, yy + BOX + 1.0);
                ctx.line_to(cx - 5.0, yy + BOX + 9.0);
                ctx.line_to(cx + 5.0, yy + BOX + 9.0);
                ctx.close_path();
                ctx.fill();
            }
        }
    }
}

/// A log's snapshot as a chip before its row: "snapshot" over "≤ k · Tt", edged in the
/// colour of its last included term.
fn draw_snapshot(ctx: &CanvasRenderingContext2d, y: f64, index: u64, term: u64) {
    let x = LABEL;
    ctx.set_fill_style_str(COMPACTED);
    ctx.fill_rect(x, y, SNAPSHOT, BOX);
    ctx.set_stroke_style_str(term_color(term));
    ctx.stroke_rect(x + 0.5, y + 0.5, SNAPSHOT - 1.0, BOX - 1.0);
    ctx.set_fill_style_str("#e4e6f0");
    ctx.set_font("9px system-ui, sans-serif");
    let mid = x + SNAPSHOT / 2.0;
    let _ = ctx.fill_text(tr(crate::lang(), "log.snapshot"), mid, y + 7.0);
    ctx.set_font("10px system-ui, sans-serif");
    let _ = ctx.fill_text(&format!("≤ {index} · T{term}"), mid, y + 17.0);
}
