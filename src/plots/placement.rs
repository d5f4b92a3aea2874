//! The placement labs (`placement-hash`, `-ring`, `-bounded`, `-vnodes`): a ring with node and
//! virtual-node points at their hash angles, ownership arcs coloured by physical node, sampled
//! keys as dots (statistics always cover all keys), membership changes whose moved keys travel
//! from the old owner to the new one, load bars, and a key look-up.
//!
//! Drawing ([`RingScene`], [`draw_ring`]) is kept apart from the component's state and input
//! handling so the benchmark can draw a scene without mounting anything.

use std::cell::RefCell;
use std::f64::consts::{FRAC_PI_2, TAU};
use std::rc::Rc;

use distlab_engine::input::{Lang, RunConfig};
use distlab_engine::labs::plot_params::{parse_changes, parse_weights};
use distlab_engine::labs::storage::placement::{
    Change, ChangeReport, HashFn, KeyDot, KeyLookup, LoadStats, NodeInfo, Placement,
    PlacementConfig, PlacementError, RingView, Strategy, MAX_WEIGHT,
};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d as Ctx, HtmlCanvasElement, MouseEvent};
use yew::prelude::*;

use super::chart::{self, fmt_num, Plot, Rect};
use super::field::{self, Bad, CommittedField, FieldErrors};
use super::{act, input_text, now_ms, update};
use crate::canvas::{prepare, RafLoop};
use crate::i18n::{tr, trf};

/// Key dots drawn at most (a stride through all keys).
pub const MAX_DOTS: u32 = 2_000;
/// How long a moved key takes to travel, in ms.
const TRAVEL_MS: f64 = 1_200.0;

/// Everything the ring drawing needs, rebuilt after each change.
pub struct RingScene {
    pub strategy: Strategy,
    /// Node slots: (name, alive).
    pub nodes: Vec<(String, bool)>,
    pub view: RingView,
    /// Each node's point turns, sorted (for where a moved key goes).
    turns: Vec<Vec<f64>>,
    prev_turns: Vec<Vec<f64>>,
    pub dots: Vec<KeyDot>,
    /// Indices into `dots` of keys that moved in the last change.
    pub moved: Vec<usize>,
    pub lookup: Option<KeyLookup>,
    /// Failed node slots (drawn as a crossed-out label where they were), with where their
    /// label stood when they were alive; removed nodes simply disappear.
    pub failed: Vec<(usize, f64)>,
    /// The drawn static layer and the CSS size it was drawn for.
    cache: RefCell<Option<(HtmlCanvasElement, f64, f64)>>,
}

fn node_turns(view: &RingView, slots: usize) -> Vec<Vec<f64>> {
    let mut t = vec![Vec::new(); slots];
    for p in &view.points {
        if let Some(v) = t.get_mut(p.node as usize) {
            v.push(p.turn);
        }
    }
    for v in &mut t {
        v.sort_by(f64::total_cmp);
    }
    t
}

impl RingScene {
    /// The scene of a placement; `prev_view` is the ring before the last change.
    pub fn of(p: &Placement, prev_view: Option<&RingView>, max_dots: u32) -> RingScene {
        let view = p.ring_view();
        let slots = p.nodes().len();
        let turns = node_turns(&view, slots);
        let prev_turns = prev_view.map_or_else(|| turns.clone(), |v| node_turns(v, slots));
        let dots = p.key_dots(max_dots);
        let moved = dots
            .iter()
            .enumerate()
            .filter(|(_, d)| d.owner != d.previous_owner)
            .map(|(i, _)| i)
            .collect();
        RingScene {
            strategy: p.strategy(),
            nodes: p
                .nodes()
                .iter()
                .map(|n| (n.name.clone(), n.alive))
                .collect(),
            view,
            turns,
            prev_turns,
            dots,
            moved,
            lookup: None,
            failed: Vec::new(),
            cache: RefCell::new(None),
        }
    }

    /// Where node `n` receives a key at `turn`: its next point clockwise (ring strategies),
    /// or its evenly spaced place on the circle.
    fn anchor(&self, n: u32, turn: f64, prev: bool) -> f64 {
        let turns = if prev { &self.prev_turns } else { &self.turns };
        match turns.get(n as usize) {
            Some(v) if !v.is_empty() && self.strategy.has_ring() => {
                let i = v.partition_point(|&t| t < turn);
                v[i % v.len()]
            }
            _ => n as f64 / self.nodes.len().max(1) as f64,
        }
    }
}

/// Where each node's label wants to be, in turns: the middle of its largest ownership arc
/// (ring strategies), or its evenly spaced place (strategies without a ring). `None` for
/// nodes without an arc (removed or failed).
pub fn label_homes(view: &RingView, nodes: &[(String, bool)], has_ring: bool) -> Vec<Option<f64>> {
    let slots = nodes.len();
    if !has_ring {
        return nodes
            .iter()
            .enumerate()
            .map(|(n, (_, alive))| alive.then_some(n as f64 / slots.max(1) as f64))
            .collect();
    }
    let mut best: Vec<Option<(f64, f64)>> = vec![None; slots];
    for a in &view.arcs {
        if let Some(b) = best.get_mut(a.node as usize) {
            if b.is_none_or(|(len, _)| a.len > len) {
                *b = Some((a.len, (a.start + a.len / 2.0).rem_euclid(1.0)));
            }
        }
    }
    best.into_iter().map(|b| b.map(|(_, mid)| mid)).collect()
}

/// Spreads labels (node, wanted turn) around the circle so that no two are closer than
/// `sep` turns, moving each as little as it can; `None` when they cannot all fit.
pub fn spread_labels(wanted: &[(usize, f64)], sep: f64) -> Option<Vec<(usize, f64)>> {
    let k = wanted.len();
    if k as f64 * sep > 1.0 + 1e-9 {
        return None;
    }
    let mut t: Vec<(usize, f64)> = wanted
        .iter()
        .map(|&(n, x)| (n, x.rem_euclid(1.0)))
        .collect();
    t.sort_by(|a, b| a.1.total_cmp(&b.1));
    if k < 2 {
        return Some(t);
    }
    // Push overlapping neighbours apart, half each, until nothing overlaps.
    for _ in 0..400 {
        let mut moved = false;
        for i in 0..k {
            // Signed, in the sorted order (the last wraps to the first one turn on), so a
            // label pushed past its neighbour is pulled back rather than skipped.
            let j = (i + 1) % k;
            let gap = t[j].1 - t[i].1 + if j == 0 { 1.0 } else { 0.0 };
            if gap < sep - 1e-9 {
                let push = (sep - gap) / 2.0 + 1e-7;
                t[i].1 -= push;
                t[j].1 += push;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    for x in &mut t {
        x.1 = x.1.rem_euclid(1.0);
    }
    if labels_overlap(&t, sep) {
        // Crowded: evenly spaced, in the wanted order, starting at the first.
        let (first, step) = (t[0].1, 1.0 / k as f64);
        let mut even: Vec<(usize, f64)> = wanted.to_vec();
        even.sort_by(|a, b| a.1.rem_euclid(1.0).total_cmp(&b.1.rem_euclid(1.0)));
        for (i, x) in even.iter_mut().enumerate() {
            x.1 = (first + i as f64 * step).rem_euclid(1.0);
        }
        return Some(even);
    }
    Some(t)
}

/// Whether any two labels (turns) are closer than `sep` around the circle.
pub fn labels_overlap(labels: &[(usize, f64)], sep: f64) -> bool {
    let mut t: Vec<f64> = labels.iter().map(|x| x.1.rem_euclid(1.0)).collect();
    t.sort_by(f64::total_cmp);
    let k = t.len();
    k > 1
        && (0..k).any(|i| {
            let gap = (t[(i + 1) % k] - t[i]).rem_euclid(1.0);
            gap < sep - 1e-6
        })
}

/// Radius of a node label's disc, CSS px.
const LABEL_R: f64 = 10.0;

/// The turns between two label centres on a circle of `radius` (two discs and 2 px apart).
pub fn label_sep(radius: f64) -> f64 {
    let half = ((LABEL_R + 1.0) / radius.max(1.0)).min(1.0);
    2.0 * half.asin() / TAU
}

fn angle(turn: f64) -> f64 {
    turn * TAU - FRAC_PI_2
}

/// The ring's centre and radius on a canvas of CSS size (w, h).
fn geometry(w: f64, h: f64) -> (f64, f64, f64) {
    (w / 2.0, h / 2.0, (w.min(h) / 2.0 - 34.0).max(20.0))
}

/// Draws the ring: arcs, points, key dots, travelling keys (`progress` 0..1 of the travel,
/// 1 when settled) and the looked-up key. The static part (arcs, points, labels, keys that
/// did not move) is drawn once per scene and size into an off-screen canvas and copied.
pub fn draw_ring(ctx: &Ctx, w: f64, h: f64, s: &RingScene, progress: f64) {
    chart::clear(ctx, w, h);
    let mut cache = s.cache.borrow_mut();
    if cache
        .as_ref()
        .is_none_or(|(_, cw, ch)| (*cw, *ch) != (w, h))
    {
        *cache = background(w, h, s).map(|c| (c, w, h));
    }
    match cache.as_ref() {
        Some((bg, _, _)) => {
            let _ = ctx.draw_image_with_html_canvas_element_and_dw_and_dh(bg, 0.0, 0.0, w, h);
        }
        None => draw_background(ctx, w, h, s),
    }
    draw_overlay(ctx, w, h, s, progress);
}

fn background(w: f64, h: f64, s: &RingScene) -> Option<HtmlCanvasElement> {
    let doc = web_sys::window()?.document()?;
    let c: HtmlCanvasElement = doc.create_element("canvas").ok()?.dyn_into().ok()?;
    let dpr = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    c.set_width((w * dpr).round() as u32);
    c.set_height((h * dpr).round() as u32);
    let ctx: Ctx = c.get_context("2d").ok()??.dyn_into().ok()?;
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    draw_background(&ctx, w, h, s);
    Some(c)
}

fn draw_background(ctx: &Ctx, w: f64, h: f64, s: &RingScene) {
    let (cx, cy, r) = geometry(w, h);
    let at = |turn: f64, rad: f64| {
        let a = angle(turn);
        (cx + rad * a.cos(), cy + rad * a.sin())
    };
    let slots = s.nodes.len();
    ctx.set_stroke_style_str(chart::FAINT);
    ctx.set_line_width(1.0);
    ctx.begin_path();
    let _ = ctx.arc(cx, cy, r, 0.0, TAU);
    ctx.stroke();
    if s.strategy.has_ring() {
        // Ownership arcs, one path per node.
        ctx.set_line_width(9.0);
        let mut by_node: Vec<Vec<(f64, f64)>> = vec![Vec::new(); slots];
        for a in &s.view.arcs {
            if let Some(v) = by_node.get_mut(a.node as usize) {
                v.push((a.start, a.len));
            }
        }
        for (n, arcs) in by_node.iter().enumerate() {
            if arcs.is_empty() {
                continue;
            }
            ctx.set_stroke_style_str(chart::color(n));
            ctx.begin_path();
            for &(start, len) in arcs {
                let (x, y) = at(start, r);
                ctx.move_to(x, y);
                let _ = ctx.arc(cx, cy, r, angle(start), angle(start + len));
            }
            ctx.stroke();
        }
        // Points as radial ticks, one path per node.
        ctx.set_line_width(1.0);
        for (n, turns) in s.turns.iter().enumerate() {
            if turns.is_empty() {
                continue;
            }
            ctx.set_stroke_style_str(chart::color(n));
            ctx.begin_path();
            for &t in turns {
                let (x0, y0) = at(t, r - 7.0);
                let (x1, y1) = at(t, r + 8.0);
                ctx.move_to(x0, y0);
                ctx.line_to(x1, y1);
            }
            ctx.stroke();
        }
    }
    // Node labels: each at the middle of its node's largest arc (or its evenly spaced
    // place), spread so that none overlap; failed nodes crossed out where they stood.
    ctx.set_font(chart::FONT);
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    let lr = r + 20.0;
    let homes = label_homes(&s.view, &s.nodes, s.strategy.has_ring());
    let wanted: Vec<(usize, f64)> = homes
        .iter()
        .enumerate()
        .filter_map(|(n, h)| h.map(|t| (n, t)))
        .chain(s.failed.iter().copied())
        .collect();
    for (n, t) in spread_labels(&wanted, label_sep(lr)).unwrap_or_default() {
        let (x, y) = at(t, lr);
        let name = s.nodes.get(n).map_or("", |x| x.0.as_str());
        let failed = s.nodes.get(n).is_some_and(|x| !x.1);
        ctx.begin_path();
        let _ = ctx.arc(x, y, LABEL_R, 0.0, TAU);
        if failed {
            ctx.set_fill_style_str(chart::PANEL);
            ctx.fill();
            ctx.set_stroke_style_str(chart::BAD);
            ctx.set_line_width(1.5);
            ctx.stroke();
            ctx.begin_path();
            ctx.move_to(x - LABEL_R * 0.7, y + LABEL_R * 0.7);
            ctx.line_to(x + LABEL_R * 0.7, y - LABEL_R * 0.7);
            ctx.stroke();
            ctx.set_fill_style_str(chart::BAD);
            let _ = ctx.fill_text(name, x, y);
        } else {
            ctx.set_fill_style_str(chart::color(n));
            ctx.fill();
            ctx.set_fill_style_str(chart::PANEL);
            let _ = ctx.fill_text(name, x, y);
        }
    }
    // Key dots that did not move, one path per owner.
    let mut moved_mask = vec![false; s.dots.len()];
    for &i in &s.moved {
        moved_mask[i] = true;
    }
    let mut by_owner: Vec<Vec<usize>> = vec![Vec::new(); slots];
    for (i, d) in s.dots.iter().enumerate() {
        if moved_mask[i] {
            continue;
        }
        if let Some(v) = by_owner.get_mut(d.owner as usize) {
            v.push(i);
        }
    }
    for (n, idx) in by_owner.iter().enumerate() {
        if idx.is_empty() {
            continue;
        }
        ctx.set_fill_style_str(chart::color(n));
        ctx.begin_path();
        for &i in idx {
            let d = &s.dots[i];
            let (x, y) = at(d.turn, r - 16.0 - (d.key % 6) as f64 * 4.0);
            ctx.rect(x - 1.25, y - 1.25, 2.5, 2.5);
        }
        ctx.fill();
    }
}

/// Moved keys and the looked-up key, drawn every frame over the background.
fn draw_overlay(ctx: &Ctx, w: f64, h: f64, s: &RingScene, progress: f64) {
    let (cx, cy, r) = geometry(w, h);
    let at = |turn: f64, rad: f64| {
        let a = angle(turn);
        (cx + rad * a.cos(), cy + rad * a.sin())
    };
    let travelling = progress < 1.0;
    ctx.set_font(chart::FONT);
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    // Moved keys: travel from the old owner's point to the new one's, then stay ringed.
    if !s.moved.is_empty() {
        let e = progress.clamp(0.0, 1.0);
        let e = e * e * (3.0 - 2.0 * e);
        ctx.set_line_width(1.0);
        for &i in &s.moved {
            let d = &s.dots[i];
            let (x, y) = if travelling {
                let (x0, y0) = at(s.anchor(d.previous_owner, d.turn, true), r - 12.0);
                let (x1, y1) = at(s.anchor(d.owner, d.turn, false), r - 12.0);
                // Bow the path towards the centre so it reads as a jump.
                let (mx, my) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
                let (qx, qy) = (mx + (cx - mx) * 0.35, my + (cy - my) * 0.35);
                let u = 1.0 - e;
                (
                    u * u * x0 + 2.0 * u * e * qx + e * e * x1,
                    u * u * y0 + 2.0 * u * e * qy + e * e * y1,
                )
            } else {
                at(d.turn, r - 16.0 - (d.key % 6) as f64 * 4.0)
            };
            let c = if e < 0.5 { d.previous_owner } else { d.owner };
            ctx.set_fill_style_str(chart::color(c as usize));
            ctx.set_stroke_style_str(chart::TEXT);
            ctx.begin_path();
            let _ = ctx.arc(x, y, 3.0, 0.0, TAU);
            ctx.fill();
            ctx.stroke();
        }
    }
    if let Some(l) = &s.lookup {
        let (x0, y0) = at(l.turn, r - 45.0);
        let (x1, y1) = at(l.turn, r + 10.0);
        ctx.set_stroke_style_str(chart::TEXT);
        ctx.set_line_width(2.0);
        ctx.begin_path();
        ctx.move_to(x0, y0);
        ctx.line_to(x1, y1);
        ctx.stroke();
        let owner = s.anchor(l.owner, l.turn, false);
        let (x2, y2) = at(owner, r);
        ctx.set_line_width(1.0);
        let _ = ctx.set_line_dash(&js_sys::Array::of2(&3.0.into(), &3.0.into()));
        ctx.begin_path();
        ctx.move_to(x0, y0);
        ctx.line_to(x2, y2);
        ctx.stroke();
        let _ = ctx.set_line_dash(&js_sys::Array::new());
        ctx.set_fill_style_str(chart::TEXT);
        let _ = ctx.fill_text(&l.key, x0 + (cx - x0) * 0.15, y0 + (cy - y0) * 0.15);
    }
}

/// A node's name with its state: `n3 ✕` failed, `n3 –` removed, `n3` live.
pub fn node_label(n: &NodeInfo, failed: &[(usize, f64)]) -> String {
    if n.alive {
        n.name.clone()
    } else if n.failed || failed.iter().any(|f| f.0 == n.id as usize) {
        format!("{} ✕", n.name)
    } else {
        format!("{} –", n.name)
    }
}

/// Keys per node as bars (every slot; removed and failed ones at 0), with the mean dashed and
/// the keys that arrived in the last change outlined on top of each bar.
#[allow(clippy::too_many_arguments)]
pub fn draw_bars(
    ctx: &Ctx,
    w: f64,
    h: f64,
    st: &LoadStats,
    nodes: &[NodeInfo],
    failed: &[(usize, f64)],
    last: Option<&ChangeReport>,
    hover: Option<(f64, f64)>,
    l: Lang,
) {
    chart::clear(ctx, w, h);
    let values: Vec<f64> = st.per_node.iter().map(|&k| k as f64).collect();
    let names: Vec<String> = nodes.iter().map(|n| node_label(n, failed)).collect();
    let top = (st.max as f64 * 1.1).max(1.0);
    let plot = Plot::new(Rect::new(0.0, 0.0, w, h), (0.0, 1.0), (0.0, top));
    plot.axes(ctx, tr(l, "pl.bars"), false);
    plot.bars(ctx, &values, &chart::color);
    if let Some(r) = last {
        ctx.set_stroke_style_str(chart::TEXT);
        ctx.set_line_width(1.0);
        let _ = ctx.set_line_dash(&js_sys::Array::of2(&2.0.into(), &2.0.into()));
        for (i, (&v, &to)) in values.iter().zip(&r.moved_to).enumerate() {
            if to > 0 {
                let (x, bw) = plot.column(i, values.len());
                let (y0, y1) = (plot.py(v), plot.py(v - to as f64));
                ctx.stroke_rect(x + 0.5, y0 + 0.5, bw - 1.0, y1 - y0);
            }
        }
        let _ = ctx.set_line_dash(&js_sys::Array::new());
    }
    plot.hline(ctx, st.mean, chart::TEXT, true);
    plot.column_labels(ctx, &names);
    if let Some((mx, my)) = hover {
        if let Some(i) = plot.column_at(mx, values.len()) {
            let mut lines = vec![
                names.get(i).cloned().unwrap_or_default(),
                format!("{}: {}", tr(l, "pl.keys"), values[i]),
                format!("{}: {}", tr(l, "pl.mean"), fmt_num(st.mean)),
            ];
            if let Some(n) = nodes.get(i) {
                lines.push(format!("{}: {}", tr(l, "pl.weight"), n.weight));
            }
            if st.weighted {
                let (e, r) = (st.expected.get(i), st.load_ratio.get(i));
                lines.push(format!(
                    "{}: {} (× {:.3})",
                    tr(l, "pl.expected"),
                    fmt_num(e.copied().unwrap_or(0.0)),
                    r.copied().unwrap_or(0.0)
                ));
            }
            if let Some(r) = last {
                let (from, to) = (r.moved_from.get(i), r.moved_to.get(i));
                lines.push(trf(
                    l,
                    "pl.moved_in_out",
                    &[
                        &to.copied().unwrap_or(0).to_string(),
                        &from.copied().unwrap_or(0).to_string(),
                    ],
                ));
            }
            chart::readout(ctx, mx, my, &lines, plot.area);
        }
    }
}

/// Builds the engine configuration from URL parameters.
pub fn config_of(cfg: &RunConfig) -> PlacementConfig {
    let p = &cfg.params;
    PlacementConfig {
        strategy: Strategy::parse(p.text("strategy")).unwrap_or(Strategy::Ring),
        hash: HashFn::parse(p.text("hash")).unwrap_or(HashFn::Xxh3),
        nodes: p.get_u64("nodes").clamp(1, 64) as u32,
        keys: p.get_u64("keys").min(1_000_000) as u32,
        vnodes: p.get_u64("vnodes").clamp(1, 1000) as u32,
        c_milli: (p.get("c") * 1000.0).round().clamp(1000.0, 3000.0) as u32,
        weights: parse_weights(p.text("weights")).unwrap_or_default(),
        seed: 0,
    }
}

/// The lab's state: the run configuration (what a share link carries), the placement and
/// the scene drawn from it.
struct State {
    cfg: RunConfig,
    placement: Option<Placement>,
    scene: Option<RingScene>,
    error: Option<String>,
    changed_at: f64,
    dirty: bool,
    hover: Option<(f64, f64)>,
    lookup: String,
    /// Failed nodes and where their label stood before they failed.
    failed: Vec<(usize, f64)>,
    /// Refused field values, by parameter.
    errors: FieldErrors,
    /// Recorded membership changes the last parameter edit could not replay (dropped).
    dropped: Vec<String>,
}

impl State {
    fn new(cfg: RunConfig) -> State {
        let mut s = State {
            cfg,
            placement: None,
            scene: None,
            error: None,
            changed_at: f64::NEG_INFINITY,
            dirty: true,
            hover: None,
            lookup: String::new(),
            failed: Vec::new(),
            errors: FieldErrors::default(),
            dropped: Vec::new(),
        };
        s.rebuild();
        s
    }

    /// The user committed `text` to the field of parameter `key`: the placement is rebuilt
    /// with it and the recorded membership changes replayed (those that no longer apply are
    /// dropped, and the lab says which), or the value is refused with the reason at the field.
    fn commit(&mut self, key: &str, text: &str) {
        let r = (|| {
            let mut cfg = self.cfg.clone();
            if key == "weights" {
                let nodes = cfg.params.get_u64("nodes") as usize;
                let t = text.trim();
                if !t.is_empty() {
                    let n = t.split(',').count();
                    for w in t.split(',') {
                        field::number(w, 1.0, MAX_WEIGHT as f64, true)?;
                    }
                    if n != nodes {
                        return Err(Bad::Count {
                            got: n,
                            want: nodes,
                            per: "node",
                        });
                    }
                }
                cfg.params.set_text(key, text).map_err(Bad::Other)?;
            } else if cfg.params.specs.iter().any(|s| s.key == key) {
                let v = field::param(&cfg.params, key, text)?;
                cfg.params.set_value(key, v);
            } else {
                cfg.params.set_text(key, text).map_err(Bad::Other)?;
            }
            Placement::new(&config_of(&cfg)).map_err(|e| Bad::Other(e.to_string()))?;
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

    /// Builds the placement from the parameters and replays the recorded changes.
    fn rebuild(&mut self) {
        self.error = None;
        self.dropped.clear();
        match Placement::new(&config_of(&self.cfg)) {
            Ok(mut p) => {
                let changes = parse_changes(self.cfg.params.text("changes")).unwrap_or_default();
                let mut kept = Vec::new();
                let mut prev = None;
                self.failed.clear();
                for c in changes {
                    let before = p.ring_view();
                    if p.apply(c).is_ok() {
                        kept.push(c);
                        self.note_failure(&p, c, &before);
                        prev = Some(before);
                    } else {
                        self.dropped.push(c.to_string());
                    }
                }
                self.record(&kept);
                let mut scene = RingScene::of(&p, prev.as_ref(), MAX_DOTS);
                scene.failed = self.failed.clone();
                self.scene = Some(scene);
                self.placement = Some(p);
            }
            Err(e) => {
                self.error = Some(e.to_string());
                self.placement = None;
                self.scene = None;
            }
        }
        self.changed_at = f64::NEG_INFINITY;
        self.refresh_lookup();
        self.dirty = true;
    }

    /// Remembers where a node that just failed was labelled (`before` is the ring before), and
    /// forgets it once it recovers or is removed.
    fn note_failure(&mut self, p: &Placement, c: Change, before: &RingView) {
        if let Change::Recover { node } | Change::Remove { node } = c {
            self.failed.retain(|f| f.0 != node as usize);
        }
        if let Change::Fail { node } = c {
            let mut nodes: Vec<(String, bool)> = p
                .nodes()
                .iter()
                .map(|n| (n.name.clone(), n.alive))
                .collect();
            if let Some(n) = nodes.get_mut(node as usize) {
                n.1 = true;
            }
            let homes = label_homes(before, &nodes, p.strategy().has_ring());
            if let Some(Some(t)) = homes.get(node as usize) {
                self.failed.push((node as usize, *t));
            }
        }
    }

    fn record(&mut self, changes: &[Change]) {
        let s: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
        let _ = self.cfg.params.set_text("changes", &s.join(","));
    }

    fn apply(&mut self, c: Change, now: f64) {
        let Some(p) = self.placement.as_mut() else {
            return;
        };
        let before = p.ring_view();
        match p.apply(c) {
            Ok(_) => {
                let mut all = parse_changes(self.cfg.params.text("changes")).unwrap_or_default();
                all.push(c);
                self.record(&all);
                self.error = None;
                if let Some(p) = self.placement.take() {
                    self.note_failure(&p, c, &before);
                    let mut scene = RingScene::of(&p, Some(&before), MAX_DOTS);
                    scene.failed = self.failed.clone();
                    self.scene = Some(scene);
                    self.placement = Some(p);
                }
                self.changed_at = now;
                self.refresh_lookup();
            }
            Err(e) => self.error = Some(e.to_string()),
        }
        self.dirty = true;
    }

    fn refresh_lookup(&mut self) {
        let l = (!self.lookup.is_empty())
            .then(|| self.placement.as_ref().map(|p| p.lookup(&self.lookup)))
            .flatten();
        if let Some(s) = self.scene.as_mut() {
            s.lookup = l;
        }
        self.dirty = true;
    }
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub cfg: RunConfig,
    pub lang: Lang,
}

/// The node menu's choice among the members (live and failed nodes) and why the engine
/// would refuse to remove it or fail it (`None`: allowed).
#[derive(Clone, Debug, PartialEq)]
struct NodeChoice {
    /// The picked node while it is a member, else the newest live node.
    node: u32,
    /// Why removing it is refused ([`Placement::check_change`]).
    remove: Option<PlacementError>,
    /// Why failing it is refused ([`Placement::check_change`]).
    fail: Option<PlacementError>,
}

impl NodeChoice {
    /// The choice among `p`'s members when the user picked `pick` (with no placement,
    /// node 0 and nothing refused: the buttons then do nothing).
    fn of(p: Option<&Placement>, pick: u32) -> NodeChoice {
        let Some(p) = p else {
            return NodeChoice {
                node: 0,
                remove: None,
                fail: None,
            };
        };
        let nodes = p.nodes();
        let node = nodes
            .iter()
            .find(|n| n.id == pick && n.is_member())
            .or_else(|| nodes.iter().rev().find(|n| n.alive))
            .map_or(0, |n| n.id);
        NodeChoice {
            node,
            remove: p.check_change(Change::Remove { node }).err(),
            fail: p.check_change(Change::Fail { node }).err(),
        }
    }
}

/// The tooltip of a button whose change the engine refuses with `e`; `name_of` names a node.
fn why_not(l: Lang, e: &PlacementError, name_of: impl Fn(u32) -> String) -> String {
    match e {
        PlacementError::LastNode => tr(l, "pl.last_live").to_string(),
        PlacementError::NodeAlreadyFailed(node) => trf(l, "pl.already_failed", &[&name_of(*node)]),
        e => trf(l, "pl.refused", &[&e.to_string()]),
    }
}

/// The explanation of a strategy: the lab's own for the four placement labs' strategies.
fn about_key(s: Strategy) -> String {
    match s {
        Strategy::Mod => "lab.placement-hash.about".into(),
        Strategy::Rendezvous | Strategy::Jump => format!("pl.about.{}", s.name()),
        s => format!("lab.placement-{}.about", s.name()),
    }
}

#[function_component(PlacementLab)]
pub fn placement_lab(props: &Props) -> Html {
    let l = props.lang;
    let state = use_mut_ref(|| State::new(props.cfg.clone()));
    let ring = use_node_ref();
    let bars = use_node_ref();
    let force = use_force_update();
    let share = use_state(|| None::<String>);
    let pick = use_state(|| 0u32);
    {
        let (state, ring, bars) = (state.clone(), ring.clone(), bars.clone());
        use_effect_with((), move |_| {
            let size = Rc::new(RefCell::new((0.0, 0.0, 0.0, 0.0)));
            let lp = RafLoop::start(Rc::new(move |_ts| {
                let mut st = state.borrow_mut();
                let now = now_ms();
                let progress = ((now - st.changed_at) / TRAVEL_MS).clamp(0.0, 1.0);
                let (rw, rh, bw, bh) = {
                    let r = ring.cast::<HtmlCanvasElement>();
                    let b = bars.cast::<HtmlCanvasElement>();
                    (
                        r.as_ref().map_or(0.0, |c| c.client_width() as f64),
                        r.as_ref().map_or(0.0, |c| c.client_height() as f64),
                        b.as_ref().map_or(0.0, |c| c.client_width() as f64),
                        b.as_ref().map_or(0.0, |c| c.client_height() as f64),
                    )
                };
                let resized = *size.borrow() != (rw, rh, bw, bh);
                if !(st.dirty || resized || progress < 1.0) {
                    return;
                }
                *size.borrow_mut() = (rw, rh, bw, bh);
                st.dirty = progress < 1.0;
                if let (Some(c), Some(scene)) =
                    (ring.cast::<HtmlCanvasElement>(), st.scene.as_ref())
                {
                    if let Some((ctx, w, h)) = prepare(&c) {
                        draw_ring(&ctx, w, h, scene, progress);
                        super::mark_first_frame();
                    }
                }
                if let (Some(c), Some(p)) =
                    (bars.cast::<HtmlCanvasElement>(), st.placement.as_ref())
                {
                    if let Some((ctx, w, h)) = prepare(&c) {
                        draw_bars(
                            &ctx,
                            w,
                            h,
                            &p.stats(),
                            p.nodes(),
                            &st.failed,
                            p.last_change(),
                            st.hover,
                            crate::lang(),
                        );
                    }
                }
            }));
            move || drop(lp)
        });
    }

    let st = state.borrow();
    let act = |f: Rc<dyn Fn(&mut State)>| act(&state, &force, move |s| f(s));
    let on_add = act(Rc::new(|s: &mut State| {
        s.apply(Change::Add { weight: 1 }, now_ms())
    }));
    // The menu lists the members, failed ones too: a failed node can be removed for good
    // (or recovered), while the last live node may neither fail nor leave.
    let members: Vec<NodeInfo> = st.placement.as_ref().map_or_else(Vec::new, |p| {
        p.nodes()
            .iter()
            .filter(|n| n.is_member())
            .cloned()
            .collect()
    });
    let choice = NodeChoice::of(st.placement.as_ref(), *pick);
    let chosen = choice.node;
    let on_remove = act(Rc::new(move |s: &mut State| {
        s.apply(Change::Remove { node: chosen }, now_ms())
    }));
    let on_fail = act(Rc::new(move |s: &mut State| {
        s.apply(Change::Fail { node: chosen }, now_ms())
    }));
    let refused = |e: &Option<PlacementError>| {
        e.as_ref().map(|e| {
            why_not(l, e, |id| {
                members
                    .iter()
                    .find(|n| n.id == id)
                    .map_or_else(String::new, |n| n.name.clone())
            })
        })
    };
    let recover_buttons: Vec<Html> = members
        .iter()
        .filter(|n| n.failed)
        .map(|n| {
            let node = n.id;
            let on_recover = act(Rc::new(move |s: &mut State| {
                s.apply(Change::Recover { node }, now_ms())
            }));
            html! {
                <button onclick={on_recover} data-testid={format!("pl-recover-{node}")}>
                    { trf(l, "pl.recover", &[&n.name]) }
                </button>
            }
        })
        .collect();
    let failed_count = members.iter().filter(|n| n.failed).count();
    let on_reset = act(Rc::new(|s: &mut State| {
        let _ = s.cfg.params.set_text("changes", "");
        s.rebuild();
    }));
    let on_pick = {
        let pick = pick.clone();
        Callback::from(move |e: Event| {
            if let Ok(v) = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value()
                .parse()
            {
                pick.set(v);
            }
        })
    };
    let stats = st.placement.as_ref().map(|p| p.stats());
    let last = st.placement.as_ref().and_then(|p| p.last_change().cloned());
    let last_change = last
        .as_ref()
        .and_then(|r| parse_changes(&r.change).ok())
        .and_then(|c| c.first().copied());
    let name_of = |id: u32| {
        st.placement
            .as_ref()
            .and_then(|p| p.nodes().get(id as usize).map(|n| n.name.clone()))
            .unwrap_or_default()
    };
    let what = match last_change {
        Some(Change::Add { .. }) => {
            let newest = st
                .placement
                .as_ref()
                .map_or(0, |p| p.nodes().len().saturating_sub(1));
            trf(l, "pl.did.add", &[&name_of(newest as u32)])
        }
        Some(Change::Remove { node }) => trf(l, "pl.did.remove", &[&name_of(node)]),
        Some(Change::Fail { node }) => trf(l, "pl.did.fail", &[&name_of(node)]),
        Some(Change::Recover { node }) => trf(l, "pl.did.recover", &[&name_of(node)]),
        None => String::new(),
    };
    let moved = last.as_ref().map_or("–".to_string(), |r| {
        format!(
            "{:.1}% ({} {}) · {what}",
            r.moved_fraction * 100.0,
            r.moved,
            tr(l, "pl.keys")
        )
    });
    let fail_note = match last_change {
        Some(Change::Fail { node }) => html! {
            <p class="help pl-failed" data-testid="pl-fail-note">{ trf(l, "pl.fail_note", &[&name_of(node)]) }</p>
        },
        _ => html! {},
    };
    let unweighted = if stats.as_ref().is_some_and(|s| s.weighted) {
        format!(" ({})", tr(l, "pl.unweighted"))
    } else {
        String::new()
    };
    let stats_html = match &stats {
        Some(s) => html! {
            <>
            <div class="plot-stats" data-testid="pl-stats">
                <span>{ tr(l, "pl.keys") }{": "}<b>{ s.keys }</b></span>
                <span>{ tr(l, "pl.live") }{": "}<b data-testid="pl-live">{ s.live_nodes }</b></span>
                if failed_count > 0 {
                    <span class="pl-failed">{ tr(l, "pl.failed_nodes") }{": "}<b data-testid="pl-failed-count">{ failed_count }</b></span>
                }
                <span>{ tr(l, "pl.max_mean") }{ unweighted.clone() }{": "}<b>{ format!("{} / {} = {:.3}", s.max, fmt_num(s.mean), s.max_over_mean) }</b></span>
                <span>{ tr(l, "pl.stddev") }{ unweighted }{": "}<b>{ format!("{:.1} ({:.1}%)", s.stddev, s.relative_stddev * 100.0) }</b></span>
                if s.weighted {
                    <span data-testid="pl-max-ratio">{ tr(l, "pl.max_ratio") }{": "}<b>{ format!("{:.3}", s.max_ratio) }</b></span>
                    <span data-testid="pl-ratio-stddev">{ tr(l, "pl.ratio_stddev") }{": "}<b>{ format!("{:.3} ({:.1}%)", s.ratio_stddev, s.ratio_stddev * 100.0) }</b></span>
                }
                <span>{ tr(l, "pl.moved") }{": "}<b data-testid="pl-moved">{ moved }</b></span>
            </div>
            { fail_note }
            if s.weighted {
                <p class="help" data-testid="pl-weighted-help">{ tr(l, "pl.weighted_help") }</p>
            }
            </>
        },
        None => html! {},
    };
    let error = st.error.as_ref().map_or(html! {}, |e| html! {
        <p class="plot-error" role="alert" data-testid="pl-error">{ trf(l, "pl.refused", &[e]) }</p>
    });
    let membership = html! {
        <div class="plot-controls plot-play">
            <button onclick={on_add} data-testid="pl-add">{ tr(l, "pl.add") }</button>
            <select onchange={on_pick} data-testid="pl-node" aria-label={tr(l, "pl.node").to_string()}>
                { for members.iter().map(|n| {
                    let label = if n.failed { trf(l, "pl.node_failed", &[&n.name]) } else { n.name.clone() };
                    html! { <option value={n.id.to_string()} selected={n.id == chosen}>{ label }</option> }
                }) }
            </select>
            <button onclick={on_remove} disabled={choice.remove.is_some()} title={refused(&choice.remove)} data-testid="pl-remove">{ tr(l, "pl.remove") }</button>
            <button onclick={on_fail} disabled={choice.fail.is_some()} title={refused(&choice.fail)} data-testid="pl-fail">{ tr(l, "pl.fail") }</button>
            { for recover_buttons }
            <button onclick={on_reset} data-testid="pl-reset">{ tr(l, "pl.reset") }</button>
        </div>
    };
    // The ring and, beside it, the keys per node with a readout under the mouse (redrawn by
    // the frame loop, without re-rendering the page).
    let hover = |at: fn(&MouseEvent) -> Option<(f64, f64)>| {
        let state = state.clone();
        Callback::from(move |e: MouseEvent| {
            let mut s = state.borrow_mut();
            s.hover = at(&e);
            s.dirty = true;
        })
    };
    let canvases = html! {
        <div class="plot-row">
            <canvas ref={ring.clone()} class="plot-ring" data-testid="pl-ring" />
            <canvas ref={bars.clone()} class="plot-bars" data-testid="pl-bars"
                onmousemove={hover(|e| Some((e.offset_x() as f64, e.offset_y() as f64)))}
                onmouseleave={hover(|_| None)} />
        </div>
    };
    if props.cfg.embed {
        return html! {
            <div class="plot-lab plot-embed" data-lab={props.cfg.lab}>
                { canvases }{ membership }{ stats_html }{ error }
            </div>
        };
    }

    // Parameters: each commit rebuilds and replays the recorded membership changes.
    let commit = |key: &'static str| {
        update(&state, &force, move |s: &mut State, text: String| {
            s.commit(key, &text)
        })
    };
    let strategy = Strategy::parse(st.cfg.params.text("strategy")).unwrap_or(Strategy::Ring);
    let strategy_name = tr(l, &format!("pl.strategy.{}", strategy.name())).to_string();
    // Inputs the chosen strategy ignores are disabled, and say why.
    let used = |key: &str| match key {
        "vnodes" => matches!(strategy, Strategy::VNodes | Strategy::Bounded),
        "c" => strategy == Strategy::Bounded,
        "weights" => strategy.supports_weights(),
        _ => true,
    };
    let field = |key: &'static str, label: &str, placeholder: Option<&'static str>| {
        let value = if key == "weights" {
            st.cfg.params.text(key).to_string()
        } else {
            super::fmt_plain(st.cfg.params.get(key))
        };
        let off = !used(key);
        html! {
            <CommittedField testid={format!("pl-{key}")} label={Some(AttrValue::from(label.to_string()))}
                {value} on_commit={commit(key)} error={st.errors.get(key, l)} lang={l}
                disabled={off} class={classes!("short")}
                title={off.then(|| AttrValue::from(trf(l, "pl.unused", &[&strategy_name])))}
                placeholder={placeholder.map(AttrValue::from)}
                inputmode={(key != "weights").then_some(AttrValue::from("decimal"))} />
        }
    };
    let select = |key: &'static str, label: &str, options: &[(&str, String)]| {
        let cur = st.cfg.params.text(key).to_string();
        let onchange = update(&state, &force, move |s: &mut State, e: Event| {
            s.commit(key, &input_text(&e))
        });
        html! {
            <label>{ label }
                <select {onchange} data-testid={format!("pl-{key}")}>
                    { for options.iter().map(|(v, name)| html! { <option value={v.to_string()} selected={cur == *v}>{ name.clone() }</option> }) }
                </select>
            </label>
        }
    };
    let strategies: Vec<(&str, String)> = Strategy::ALL
        .iter()
        .map(|s| {
            (
                s.name(),
                tr(l, &format!("pl.strategy.{}", s.name())).to_string(),
            )
        })
        .collect();
    let hashes: Vec<(&str, String)> = HashFn::ALL
        .iter()
        .map(|h| (h.name(), h.name().to_string()))
        .collect();
    let on_lookup = update(&state, &force, |s: &mut State, e: InputEvent| {
        s.lookup = input_text(&e).chars().take(200).collect();
        s.refresh_lookup();
    });
    let lookup_html = st.scene.as_ref().and_then(|s| s.lookup.as_ref()).map_or(html! {}, |k| {
        let owner = st
            .placement
            .as_ref()
            .and_then(|p| p.nodes().get(k.owner as usize).map(|n| n.name.clone()))
            .unwrap_or_default();
        html! {
            <span data-testid="pl-lookup-out">
                { trf(l, "pl.lookup_out", &[&format!("{:016x}", k.hash), &format!("{:.4}", k.turn), &owner]) }
            </span>
        }
    });
    let on_share = {
        let (state, share) = (state.clone(), share.clone());
        Callback::from(move |_: MouseEvent| {
            let q = state.borrow().cfg.share_query(&[]);
            let url = crate::share_url(&q);
            crate::copy_text(&url);
            share.set(Some(url));
        })
    };
    let dropped = (!st.dropped.is_empty()).then(|| html! {
        <p class="help pl-failed" role="status" data-testid="pl-dropped">
            { trf(l, if st.dropped.len() == 1 { "pl.dropped_one" } else { "pl.dropped_many" }, &[&st.dropped.len().to_string(), &st.dropped.join(", ")]) }
        </p>
    });
    html! {
        <div class="plot-lab" data-lab={props.cfg.lab}>
            <div class="lab-head pl-head">
                <h2 data-testid="pl-title">{ tr(l, &format!("pl.title.{}", strategy.name())) }</h2>
                <p class="about">{ tr(l, &about_key(strategy)) }</p>
            </div>
            <div class="plot-controls plot-params">
                { select("strategy", tr(l, "pl.strategy"), &strategies) }
                { select("hash", tr(l, "pl.hash"), &hashes) }
                { field("nodes", tr(l, "pl.nodes"), None) }
                { field("vnodes", tr(l, "pl.vnodes"), None) }
                { field("keys", tr(l, "pl.keys"), None) }
                { field("c", tr(l, "pl.c"), None) }
                { field("weights", tr(l, "pl.weights"), Some("1,2,3")) }
            </div>
            { membership }
            { error }
            { dropped }
            { canvases }
            { stats_html }
            <div class="plot-controls">
                <label>{ tr(l, "pl.lookup") }
                    <input type="text" placeholder="user:42" oninput={on_lookup} data-testid="pl-lookup" />
                </label>
                { lookup_html }
            </div>
            <p class="help">{ tr(l, "pl.help") }{" "}{ trf(l, "pl.sample", &[&MAX_DOTS.to_string()]) }</p>
            <div class="plot-controls">
                <button onclick={on_share} data-testid="pl-share">{ tr(l, "ctl.share") }</button>
                if let Some(url) = (*share).clone() {
                    <input readonly=true value={url} data-testid="share-url" class="share-out" />
                }
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(strategy: Strategy, nodes: u32, vnodes: u32, weights: Vec<u32>) -> Placement {
        Placement::new(&PlacementConfig {
            strategy,
            hash: HashFn::Xxh3,
            nodes,
            keys: 1_000,
            vnodes,
            c_milli: 1_250,
            weights,
            seed: 0,
        })
        .expect("a valid placement")
    }

    fn names(p: &Placement) -> Vec<(String, bool)> {
        p.nodes()
            .iter()
            .map(|n| (n.name.clone(), n.alive))
            .collect()
    }

    #[test]
    fn vnode_labels_sit_at_their_largest_arc_and_never_overlap() {
        let sep = label_sep(200.0);
        for (nodes, vnodes, weights) in [
            (3, 100, vec![1, 2, 3]),
            (8, 200, vec![]),
            (24, 50, vec![]),
            (40, 100, vec![]),
        ] {
            let p = placement(Strategy::VNodes, nodes, vnodes, weights);
            let view = p.ring_view();
            let homes = label_homes(&view, &names(&p), true);
            // Each home is the middle of that node's largest arc.
            for (n, h) in homes.iter().enumerate() {
                let best = view
                    .arcs
                    .iter()
                    .filter(|a| a.node as usize == n)
                    .max_by(|a, b| a.len.total_cmp(&b.len))
                    .map(|a| (a.start + a.len / 2.0).rem_euclid(1.0));
                assert_eq!(*h, best, "node {n}");
            }
            let wanted: Vec<(usize, f64)> = homes
                .iter()
                .enumerate()
                .filter_map(|(n, h)| h.map(|t| (n, t)))
                .collect();
            let placed = spread_labels(&wanted, sep).expect("labels fit");
            assert_eq!(placed.len(), nodes as usize);
            assert!(!labels_overlap(&placed, sep), "{nodes} nodes: {placed:?}");
        }
    }

    #[test]
    fn the_node_menu_offers_failed_nodes_but_never_the_last_live_one() {
        let mut p = placement(Strategy::Ring, 3, 1, vec![]);
        let choice = |p: &Placement, pick| NodeChoice::of(Some(p), pick);
        assert_eq!(
            choice(&p, 1),
            NodeChoice {
                node: 1,
                remove: None,
                fail: None
            }
        );
        p.apply(Change::Fail { node: 1 }).expect("n2 fails");
        // Still picked after failing: it may be removed, not fail again.
        let c = choice(&p, 1);
        assert_eq!(c.node, 1);
        assert_eq!(c.remove, None);
        assert_eq!(c.fail, Some(PlacementError::NodeAlreadyFailed(1)));
        p.apply(Change::Remove { node: 2 }).expect("n3 leaves");
        // n3 is gone: the pick falls back to the newest live node, n1, now the last live one.
        let c = choice(&p, 2);
        assert_eq!(c.node, 0);
        assert_eq!(c.remove, Some(PlacementError::LastNode));
        assert_eq!(c.fail, Some(PlacementError::LastNode));
        // The failed n2 can still be removed.
        assert_eq!(choice(&p, 1).remove, None);
        p.apply(Change::Remove { node: 1 })
            .expect("failed n2 leaves");
        assert_eq!(choice(&p, 1).node, 0);
        // No placement (a refused configuration): nothing to refuse.
        assert_eq!(NodeChoice::of(None, 3).remove, None);
    }

    #[test]
    fn spreading_moves_only_crowded_labels() {
        let sep = 0.05;
        // Far apart: unchanged.
        let apart = [(0, 0.1), (1, 0.5), (2, 0.8)];
        assert_eq!(spread_labels(&apart, sep), Some(apart.to_vec()));
        // Bunched near 12 o'clock (across the wrap): pushed apart, still near the top.
        let bunched = [(0, 0.99), (1, 0.0), (2, 0.01), (3, 0.5)];
        let out = spread_labels(&bunched, sep).expect("fits");
        assert!(!labels_overlap(&out, sep), "{out:?}");
        let far_from_top = |t: f64| t.min(1.0 - t);
        for (n, t) in &out {
            if *n != 3 {
                assert!(far_from_top(*t) < 0.1, "{n}: {t}");
            }
        }
        // Too many for the circle: none drawn (the bars name them).
        let many: Vec<(usize, f64)> = (0..30).map(|i| (i, 0.0)).collect();
        assert_eq!(spread_labels(&many, sep), None);
        // Exactly fitting, all wanting the same place: evenly spaced.
        let full: Vec<(usize, f64)> = (0..20).map(|i| (i, 0.3)).collect();
        let out = spread_labels(&full, sep).expect("fits");
        assert!(!labels_overlap(&out, sep * 0.999), "{out:?}");
    }
}
