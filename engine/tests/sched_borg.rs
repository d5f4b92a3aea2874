//! The Borg lab (`sched-borg`): each preset shows its weakness, the invariants hold under
//! hundreds of random schedules of the lab's controls, runs are deterministic, bad actions
//! are refused with a reason, and the scheduler at scale places its tasks.

use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs::scheduling::sched_borg::{self, BorgModel, SECOND};
use distlab_engine::labs::{self, LabDef};
use distlab_engine::sim::{ActionError, ModelSession, TimeModel};
use distlab_engine::{Time, MS};

fn lab() -> &'static LabDef {
    labs::find("sched-borg").expect("sched-borg is in the registry")
}

/// The lab's session for a query (`lab=sched-borg&…`), with its preset planned.
fn session(q: &str) -> ModelSession<BorgModel> {
    let (cfg, errors) = RunConfig::parse(&split_query(&format!("lab=sched-borg&{q}")));
    assert!(errors.iter().all(|e| e.is_warning()), "{q}: {errors:?}");
    let mut s = sched_borg::session(&cfg.params, cfg.seed).expect("builds");
    if let Some(info) = cfg.scenario.and_then(|id| lab().scenario(id)) {
        s.plan(info).expect("plans");
    }
    s
}

/// The counter `borg_<fit>_<what>` now.
fn stat(s: &ModelSession<BorgModel>, fit: &str, what: &str) -> f64 {
    let key = format!("borg_{fit}_{what}");
    s.model()
        .scene()
        .stats
        .iter()
        .find(|st| st.key == key)
        .map(|st| st.value)
        .unwrap_or_else(|| panic!("no stat {key}"))
}

#[test]
#[ignore]
fn tune() {
    let qs = std::env::var("TUNE").unwrap_or_default();
    for q in qs.split(';') {
        let mut s = session(q);
        for t in [29, 44, 59, 75, 99] {
            s.run_until(t * SECOND);
            let m = s.model();
            let per: Vec<Vec<usize>> = m.cells.iter().map(|c| c.on.iter().map(Vec::len).collect()).collect();
            println!("{q} t={t}");
            for f in ["best", "worst", "hybrid"] {
                println!(
                    "  {f}: run {} pend {} strand {} big {} head {} over {} hit {} pre {} req {}",
                    stat(&s, f, "running"),
                    stat(&s, f, "pending"),
                    stat(&s, f, "stranded"),
                    stat(&s, f, "big_room"),
                    stat(&s, f, "headroom"),
                    stat(&s, f, "overloaded"),
                    stat(&s, f, "hit"),
                    stat(&s, f, "preempted"),
                    stat(&s, f, "requeued"),
                );
            }
            println!("  per machine {per:?}");
        }
    }
}
