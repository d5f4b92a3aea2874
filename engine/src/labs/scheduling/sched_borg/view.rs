//! What the Borg lab shows (the generic scene view, `distlab calc sched-borg`): per policy a
//! cell of machines as packed bars (prod and batch estimates, and what a burst uses beyond
//! them, drawn past the top when a machine is overloaded), its pending queue, its counters;
//! the declared series with one curve per policy.

use super::model::BorgModel;
use super::texts::{CELL_TITLES, FIT_NAMES, QUEUE_TITLES, STAT_KEYS};
use super::{BIG, SERIES};
use crate::labs::scene::{curve, BarPanel, Scene, SCENE_BARS};
use crate::labs::scheduling::cell::Fit;
use crate::labs::{Headline, Panel, Stat};

/// Pending tasks listed per queue panel.
const QUEUE_ITEMS: usize = 10;

fn fit_index(f: Fit) -> usize {
    Fit::ALL.iter().position(|&x| x == f).unwrap_or(0)
}

pub fn scene(m: &BorgModel) -> Scene {
    let mut scene = Scene::default();
    let down = m
        .cells
        .first()
        .map_or(0, |c| c.cell.machines.iter().filter(|x| !x.up).count());
    scene.headline = Some(Headline {
        key: "borg.headline",
        args: vec![
            m.specs.len().to_string(),
            m.burst.to_string(),
            down.to_string(),
        ],
    });
    for c in &m.cells {
        let fi = fit_index(c.fit);
        let n = c.cell.machines.len().min(SCENE_BARS);
        let bars = (0..n)
            .map(|i| {
                let (prod, batch) = c.committed_by_prio(i, &m.specs);
                let extra = c.usage(i, m.burst, &m.specs) - c.cell.machines[i].used;
                c.cell.bar(
                    i,
                    format!("m{}", i + 1),
                    &[(prod, 0), (batch, 1), (extra, 3)],
                )
            })
            .collect();
        scene.bars.push(BarPanel {
            title: CELL_TITLES[fi],
            dims: vec!["borg.cpu", "borg.mem"],
            legend: vec![("borg.prod", 0), ("borg.batch", 1), ("borg.burst_use", 3)],
            bars,
            hidden: c.cell.machines.len() - n,
        });
        let (over, hit) = c.overloaded(m.burst, &m.specs);
        let k = &STAT_KEYS[fi];
        let values = [
            c.running_len() as f64,
            c.pending_len() as f64,
            (c.stranded_pct(BIG) * 10.0).round() / 10.0,
            c.cell.headroom(BIG) as f64,
            (c.burst_headroom() * 10.0).round() / 10.0,
            over as f64,
            hit as f64,
            c.counts.preempted as f64,
            c.counts.requeued as f64,
            c.counts.rejected as f64,
        ];
        scene
            .stats
            .extend(k.iter().zip(values).map(|(&key, v)| Stat::new(key, v)));
        let mut items: Vec<String> = c
            .pending
            .iter()
            .flatten()
            .take(QUEUE_ITEMS)
            .map(|&t| {
                let s = &m.specs[t as usize];
                format!(
                    "t{t} j{} {} {}m/{}Mi",
                    s.job,
                    s.prio.key(),
                    s.est.cpu,
                    s.est.mem
                )
            })
            .collect();
        let more = c.pending_len().saturating_sub(QUEUE_ITEMS);
        if more > 0 {
            items.push(format!("+{more}"));
        }
        scene.panels.push(Panel::Queue {
            title: QUEUE_TITLES[fi],
            items,
        });
    }
    for (k, spec) in SERIES.iter().enumerate() {
        for (c, rec) in m.cells.iter().zip(&m.series) {
            scene
                .series
                .push(curve(spec, FIT_NAMES[fit_index(c.fit)], &rec[k]));
        }
    }
    scene.stats.extend([
        Stat::new("borg_submitted", m.specs.len() as f64),
        Stat::new("borg_burst", f64::from(m.burst)),
        Stat::new("borg_down", down as f64),
    ]);
    scene
}
