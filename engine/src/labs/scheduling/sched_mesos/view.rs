//! What the lab shows now ([`Scene`]): the agents as bars coloured by framework (an
//! outstanding offer drawn on top), a table of the frameworks, the offers outstanding, the
//! dominant share and the waiting tasks of each framework over time, and the counters.

use super::model::{MesosModel, SECOND};
use super::state::{Allocator, State, FRAMEWORKS, WHOLE};
use super::SERIES;
use crate::labs::scene::{self, BarPanel, Scene, SCENE_BARS};
use crate::labs::scheduling::cell::Res;
use crate::labs::{Headline, Panel, Stat};

/// Colour of an outstanding offer's segment.
const OFFERED: u8 = 3;

fn cores(m: u32) -> String {
    let c = f64::from(m) / 1000.0;
    if c.fract() == 0.0 {
        format!("{c}")
    } else {
        format!("{c:.2}")
    }
}

fn gib(m: u32) -> String {
    let g = f64::from(m) / 1024.0;
    if g.fract() == 0.0 {
        format!("{g}")
    } else {
        format!("{g:.2}")
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", 100.0 * v)
}

/// `⟨2 CPU, 4 GiB⟩`.
pub fn shape(r: Res) -> String {
    format!("⟨{} CPU, {} GiB⟩", cores(r.cpu), gib(r.mem))
}

/// The largest difference of dominant share between the frameworks that want more (tasks
/// waiting) or hold something: how far from DRF's even split the allocation is.
pub fn share_gap(st: &State) -> f64 {
    let shares: Vec<f64> = (0..st.fws.len())
        .filter(|&f| st.fws[f].waiting > 0 || st.fws[f].running > 0)
        .map(|f| st.dominant_share(f))
        .collect();
    let max = shares.iter().copied().fold(0.0, f64::max);
    let min = shares.iter().copied().fold(f64::INFINITY, f64::min);
    if shares.len() < 2 {
        0.0
    } else {
        max - min
    }
}

pub fn scene(m: &MesosModel) -> Scene {
    let st = &m.st;
    let n = st.agents();
    let bars = (0..n.min(SCENE_BARS))
        .map(|a| {
            let mut segs: Vec<(Res, u8)> = (0..3).map(|f| (st.on_agent[a][f], f as u8)).collect();
            if let Some(o) = st.offers.iter().find(|o| o.agent == a) {
                segs.push((o.res, OFFERED));
            }
            let label = match st.reserved[a] {
                Some(f) => format!("a{} mesos.fws.{}", a + 1, FRAMEWORKS[f]),
                None => format!("a{}", a + 1),
            };
            st.cell.bar(a, label, &segs)
        })
        .collect();
    let panel = BarPanel {
        title: "mesos.cell",
        dims: vec!["mesos.cpu", "mesos.mem"],
        legend: vec![
            ("mesos.fw.batch", 0),
            ("mesos.fw.service", 1),
            ("mesos.fw.whole", 2),
            ("mesos.offered", OFFERED),
        ],
        bars,
        hidden: n.saturating_sub(SCENE_BARS),
    };
    let mut series = Vec::new();
    for (f, name) in FRAMEWORKS.iter().enumerate() {
        let pts: Vec<_> = m
            .samples
            .iter()
            .map(|s| (s.t, 100.0 * s.share[f]))
            .collect();
        series.push(scene::curve(&SERIES[0], name, &pts));
    }
    for (f, name) in FRAMEWORKS.iter().enumerate() {
        let pts: Vec<_> = m
            .samples
            .iter()
            .map(|s| (s.t, s.waiting[f] as f64))
            .collect();
        series.push(scene::curve(&SERIES[1], name, &pts));
    }
    let total = |g: &dyn Fn(usize) -> u64| (0..3).map(g).sum::<u64>() as f64;
    let (cpu, mem) = st.cell.used().share_of(st.cap_up);
    let up = st.cell.machines.iter().filter(|m| m.up).count();
    let stats = vec![
        Stat::new("mesos_running", total(&|f| st.fws[f].running)),
        Stat::new("mesos_waiting", total(&|f| st.fws[f].waiting)),
        Stat::new("mesos_offers_out", st.offers.len() as f64),
        Stat::new("mesos_offers", total(&|f| st.fws[f].offers)),
        Stat::new("mesos_accepted", total(&|f| st.fws[f].accepted)),
        Stat::new("mesos_declined", total(&|f| st.fws[f].declined)),
        Stat::new("mesos_lost", total(&|f| st.fws[f].lost)),
        Stat::new("mesos_share_batch", st.dominant_share(0)),
        Stat::new("mesos_share_service", st.dominant_share(1)),
        Stat::new("mesos_share_whole", st.dominant_share(WHOLE)),
        Stat::new("mesos_share_gap", share_gap(st)),
        Stat::new("mesos_whole_running", st.fws[WHOLE].running as f64),
        Stat::new("mesos_whole_waiting", st.fws[WHOLE].waiting as f64),
        Stat::new(
            "mesos_whole_wait_s",
            st.oldest_wait(WHOLE) as f64 / SECOND as f64,
        ),
        Stat::new("mesos_util_cpu", cpu),
        Stat::new("mesos_util_mem", mem),
        Stat::new("mesos_agents_up", up as f64),
        Stat::new("mesos_violations", st.violations().len() as f64),
    ];
    let rows = (0..3)
        .map(|f| {
            let fw = &st.fws[f];
            let (c, r) = fw.alloc.share_of(st.cap_up);
            vec![
                format!("mesos.fw.{}", FRAMEWORKS[f]),
                shape(fw.shape),
                pct(c),
                pct(r),
                pct(st.dominant_share(f)),
                fw.running.to_string(),
                fw.waiting.to_string(),
                fw.accepted.to_string(),
                fw.declined.to_string(),
                fw.lost.to_string(),
            ]
        })
        .collect();
    let offers = st
        .offers
        .iter()
        .map(|o| {
            format!(
                "o{} a{} → mesos.fws.{} {}",
                o.id + 1,
                o.agent + 1,
                FRAMEWORKS[o.fw],
                shape(o.res)
            )
        })
        .collect();
    let waiting = st.fws[WHOLE].waiting;
    let headline = if waiting > 0 && st.oldest_wait(WHOLE) >= 10 * SECOND {
        Headline {
            key: "mesos.headline.starving",
            args: vec![
                waiting.to_string(),
                format!("{}", st.oldest_wait(WHOLE) / SECOND),
            ],
        }
    } else {
        Headline {
            key: "mesos.headline",
            args: vec![
                match st.allocator {
                    Allocator::Drf => "mesos.alloc.drf".to_string(),
                    Allocator::MaxMin => "mesos.alloc.maxmin".to_string(),
                },
                total(&|f| st.fws[f].running).to_string(),
                total(&|f| st.fws[f].waiting).to_string(),
                st.offers.len().to_string(),
            ],
        }
    };
    Scene {
        headline: Some(headline),
        bars: vec![panel],
        series,
        stats,
        panels: vec![
            Panel::Table {
                title: "mesos.frameworks",
                columns: vec![
                    "mesos.col.framework",
                    "mesos.col.task",
                    "mesos.col.cpu",
                    "mesos.col.mem",
                    "mesos.col.dominant",
                    "mesos.col.running",
                    "mesos.col.waiting",
                    "mesos.col.accepted",
                    "mesos.col.declined",
                    "mesos.col.lost",
                ],
                rows,
            },
            Panel::Queue {
                title: "mesos.offers",
                items: offers,
            },
        ],
    }
}
