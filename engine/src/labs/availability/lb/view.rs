//! What the lab shows (the generic scene view, `distlab calc lb`): per balancer its servers
//! as bars (requests queued, light and heavy, against the queue limit; and each server's
//! share of the requests sent), the smooth balancer's picks step by step (the notes' table of
//! current weights), the servers with their weights, each balancer's last picks, the clients
//! the last change moved under the hash balancers, the counters and curves.

use super::balancer::{Algo, SmoothStep};
use super::model::{LbModel, Pattern};
use super::texts::{ALGO_NAMES, LANE_TITLES, STAT_KEYS};
use super::SERIES;
use crate::labs::scene::{curve, Bar, BarPanel, Scene, SCENE_BARS};
use crate::labs::{Headline, Panel, Stat};

/// `{4, -2, 4}` (a removed server as `–`).
fn vector(v: &[Option<i64>]) -> String {
    let parts: Vec<String> = v
        .iter()
        .map(|x| x.map_or("–".to_string(), |x| x.to_string()))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

fn step_row(s: &SmoothStep) -> Vec<String> {
    vec![
        format!("#{}", s.n),
        vector(&s.effective),
        vector(&s.added),
        format!("s{}", s.chosen + 1),
        format!("−{}", s.total),
        vector(&s.after),
    ]
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

pub fn scene(m: &LbModel) -> Scene {
    let mut scene = Scene::default();
    let down = m.hw.iter().filter(|h| !h.up).count();
    let removed = m.hw.iter().filter(|h| !h.member).count();
    scene.headline = Some(match m.costs.pattern {
        Pattern::Even => Headline {
            key: "lb.headline.even",
            args: vec![
                m.requests.to_string(),
                m.rate.to_string(),
                down.to_string(),
                removed.to_string(),
            ],
        },
        p => Headline {
            key: "lb.headline.uneven",
            args: vec![
                m.requests.to_string(),
                m.rate.to_string(),
                down.to_string(),
                removed.to_string(),
                if p == Pattern::Periodic {
                    "lb.pattern.periodic".into()
                } else {
                    "lb.pattern.random".into()
                },
                m.costs.every.to_string(),
                m.costs.heavy.to_string(),
            ],
        },
    });
    let cap = m.cfg.queue as f64;
    for l in &m.lanes {
        let ai = l.bal.algo.index();
        let n = m.hw.len().min(SCENE_BARS);
        let bars = (0..n)
            .map(|s| {
                let heavy = l.queues[s].iter().filter(|r| r.cost > 1).count() as f64;
                let light = l.queues[s].len() as f64 - heavy;
                let share = if l.counts.routed == 0 {
                    0.0
                } else {
                    l.routed_to[s] as f64 / l.counts.routed as f64
                };
                Bar {
                    label: format!("s{}", s + 1),
                    fill: vec![vec![(light / cap, 0), (heavy / cap, 1)], vec![(share, 2)]],
                    down: !m.hw[s].up || !m.hw[s].member,
                }
            })
            .collect();
        scene.bars.push(BarPanel {
            title: LANE_TITLES[ai],
            dims: vec!["lb.dim.queue", "lb.dim.share"],
            legend: vec![("lb.light", 0), ("lb.heavy", 1), ("lb.share", 2)],
            bars,
            hidden: m.hw.len() - n,
        });
        let c = &l.counts;
        let mut values = vec![
            c.routed as f64,
            c.served as f64,
            c.failed() as f64,
            l.in_flight() as f64,
            l.max_queue() as f64,
            c.peak_queue as f64,
            round1(l.latency_ms()),
            round1(l.affinity_pct()),
            f64::from(c.longest_run),
        ];
        if l.bal.algo.sticky() {
            values.extend([c.remapped as f64, c.needless as f64]);
        }
        scene.stats.extend(
            STAT_KEYS[ai]
                .iter()
                .zip(values)
                .map(|(&key, v)| Stat::new(key, v)),
        );
    }
    for (k, spec) in SERIES.iter().enumerate() {
        for l in &m.lanes {
            scene
                .series
                .push(curve(spec, ALGO_NAMES[l.bal.algo.index()], &l.series[k]));
        }
    }
    scene.stats.extend([
        Stat::new("lb_requests", m.requests as f64),
        Stat::new("lb_heavy", m.heavy as f64),
        Stat::new("lb_down", down as f64),
        Stat::new("lb_removed", removed as f64),
    ]);
    // The servers, with the smooth balancer's weights now.
    let smooth = m.lane(Algo::Smooth);
    let rows =
        m.hw.iter()
            .enumerate()
            .map(|(s, h)| {
                let state = if !h.member {
                    "lb.state.removed"
                } else if !h.up {
                    "lb.state.down"
                } else if h.speed_pct < 100 {
                    "lb.state.slow"
                } else {
                    "lb.state.up"
                };
                let (ew, cw) = smooth.map_or((String::new(), String::new()), |l| {
                    (
                        l.bal.effective[s].to_string(),
                        if h.member {
                            l.bal.current[s].to_string()
                        } else {
                            "–".into()
                        },
                    )
                });
                vec![
                    format!("s{}", s + 1),
                    h.weight.to_string(),
                    format!("{}%", h.speed_pct),
                    state.to_string(),
                    ew,
                    cw,
                ]
            })
            .collect();
    scene.panels.push(Panel::Table {
        title: "lb.servers",
        columns: vec![
            "lb.col.server",
            "lb.col.weight",
            "lb.col.speed",
            "lb.col.state",
            "lb.col.effective",
            "lb.col.current",
        ],
        rows,
    });
    if let Some(l) = smooth {
        scene.panels.push(Panel::Table {
            title: "lb.smooth.steps",
            columns: vec![
                "lb.col.pick",
                "lb.col.effective",
                "lb.col.added",
                "lb.col.chosen",
                "lb.col.total",
                "lb.col.after",
            ],
            rows: l.bal.steps.iter().rev().map(step_row).collect(),
        });
    }
    scene.panels.push(Panel::Rows {
        title: "lb.picks",
        rows: m
            .lanes
            .iter()
            .map(|l| {
                let picks: Vec<String> = l.recent.iter().map(|&s| (s + 1).to_string()).collect();
                (ALGO_NAMES[l.bal.algo.index()], picks.join(" "))
            })
            .collect(),
    });
    let sticky: Vec<(&'static str, String)> = m
        .lanes
        .iter()
        .filter(|l| l.bal.algo.sticky())
        .map(|l| {
            (
                ALGO_NAMES[l.bal.algo.index()],
                format!("{} / {}", l.counts.remapped, m.cfg.clients),
            )
        })
        .collect();
    if !sticky.is_empty() {
        scene.panels.push(Panel::Rows {
            title: "lb.remap",
            rows: sticky,
        });
    }
    scene
}
