//! `distlab check`: random fault schedules until a property breaks, then the schedule shrunk
//! to a small one and printed with the share link that replays it.

use std::time::Instant;

use distlab_engine::check::{self, Goal, Hit, DEFAULT_FAULTS};
use distlab_engine::faults::FaultSpec;
use distlab_engine::input::RunConfig;
use distlab_engine::labs::{self, LabSession};
use distlab_engine::{Time, MS};
use rayon::prelude::*;
use serde_json::{json, Value};

use super::run::{first_error, not_runnable, parse_faults};
use crate::{
    parse_lab, parse_pair, parse_positive_time, parse_seeds, parse_time, progress, usage_error, Io,
    OK, VIOLATED,
};

/// Search random fault schedules for a violation of a lab's properties and shrink it
///
/// Each seed runs the lab under random faults until --until, then heals the network, restarts
/// and resumes every node and runs --quiet more before the eventually-properties are checked.
/// On the first violation (lowest seed) the schedule is shrunk (end just after the violation,
/// fewer faults, a smaller lab) and printed as JSON with the share link that replays it.
/// Properties a configuration is built to break (lessons) are not counterexamples; --lesson
/// looks for a break of one property (a lesson too), to make the preset that shows it.
/// Exit 1 with a counterexample, 0 when none was found within the seeds or --budget.
#[derive(clap::Args)]
pub struct CheckArgs {
    /// The lab's id (a networked lab; see below)
    #[arg(value_parser = parse_lab)]
    pub lab: &'static str,
    /// The seeds to search, inclusive
    #[arg(long, value_parser = parse_seeds, default_value = "1..1000")]
    pub seeds: (u64, u64),
    /// Stop searching after this much wall time (e.g. 60s, 5m)
    #[arg(long, value_parser = parse_positive_time)]
    pub budget: Option<Time>,
    /// A lab parameter (repeatable), as for `distlab run`
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub params: Vec<(String, String)>,
    /// Fault rates per simulated second
    #[arg(long, value_parser = parse_faults, default_value = DEFAULT_FAULTS)]
    pub faults: FaultSpec,
    /// Length of the faulty period of each run
    #[arg(long, value_parser = parse_positive_time, default_value = "10s")]
    pub until: Time,
    /// Calm time after the faults, before the eventually-properties are checked
    #[arg(long, value_parser = parse_time, default_value = "20s")]
    pub quiet: Time,
    /// At most this many replays while shrinking
    #[arg(long, default_value_t = 3000)]
    pub max_shrink: usize,
    /// Base URL of the app for the share link (default: the query alone)
    #[arg(long)]
    pub url: Option<String>,
    /// Look for a break of this one property, a lesson included (the schedule of a preset
    /// that shows it), instead of any property the configuration does not expect to break
    #[arg(long, value_name = "PROPERTY")]
    pub lesson: Option<String>,
    /// Worker threads (default: every core)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub jobs: Option<u32>,
}

/// The registry's session for a configuration, without its action log (the search loads its
/// own).
fn make(cfg: &RunConfig) -> Box<dyn LabSession> {
    labs::create(&RunConfig {
        actions: Vec::new(),
        ..cfg.clone()
    })
    .0
}

/// Searches `seeds` a chunk at a time on every core; the lowest seed of the first chunk with
/// a hit wins, so the result does not depend on the core count. Returns the hit and how many
/// seeds were searched.
fn search(
    a: &CheckArgs,
    cfg: &RunConfig,
    goal: Goal,
    show: bool,
    started: Instant,
) -> (Option<Hit>, u64) {
    let (from, to) = a.seeds;
    let bar = progress::bar(show, to - from + 1, a.lab);
    let chunk = (rayon::current_num_threads() as u64 * 4).max(1);
    let mut searched = 0;
    let mut start = from;
    while start <= to {
        if a.budget
            .is_some_and(|b| started.elapsed().as_micros() as u64 >= b)
        {
            break;
        }
        let end = to.min(start.saturating_add(chunk - 1));
        let hits: Vec<Hit> = (start..=end)
            .into_par_iter()
            .filter_map(|seed| {
                let hit = check::try_seed(&make, cfg, &a.faults, seed, (a.until, a.quiet), goal);
                bar.inc(1);
                hit
            })
            .collect();
        searched += end - start + 1;
        if let Some(hit) = hits.into_iter().min_by_key(|h| h.cfg.seed) {
            bar.finish_and_clear();
            return (Some(hit), searched);
        }
        if end == u64::MAX {
            break;
        }
        start = end + 1;
    }
    bar.finish_and_clear();
    (None, searched)
}

/// The parameters a configuration sets away from their defaults.
fn non_default(cfg: &RunConfig) -> Value {
    let m: serde_json::Map<String, Value> = cfg
        .params
        .non_default()
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Value::Object(m)
}

/// A hit as JSON.
fn describe(hit: &Hit, url: &str) -> Value {
    let size = labs::find(hit.cfg.lab).map_or("nodes", |l| l.size);
    json!({
        "seed": hit.cfg.seed,
        "invariant": hit.found.invariant,
        "at_ms": hit.found.at as f64 / MS as f64,
        "text": hit.found.text,
        "faults": hit.actions.len(),
        "until_ms": hit.until as f64 / MS as f64,
        "quiet_ms": hit.quiet as f64 / MS as f64,
        "size": { size: hit.cfg.params.get(size) },
        "params": non_default(&hit.cfg),
        "actions_log": distlab_engine::sim::LoggedAction::encode_log(&hit.log),
        "link": format!("{url}?{}", check::share_query(hit)),
    })
}

pub fn check(a: CheckArgs, io: &mut Io) -> u8 {
    if let Some(e) = not_runnable(a.lab) {
        return usage_error(io, "check", e);
    }
    let mut pairs = vec![("lab".to_string(), a.lab.to_string())];
    pairs.extend(a.params.iter().cloned());
    pairs.push(("v".into(), distlab_engine::ENGINE_VERSION.to_string()));
    let (cfg, errors) = RunConfig::parse(&pairs);
    if let Some(e) = first_error(io, &errors) {
        return usage_error(io, "check", e);
    }
    let goal = match &a.lesson {
        None => None,
        Some(id) => {
            let props = labs::find(a.lab).map_or(&[][..], |l| l.properties);
            match props.iter().find(|p| p.id == id.as_str()) {
                Some(p) => Some(p.id),
                None => {
                    let ids: Vec<&str> = props.iter().map(|p| p.id).collect();
                    return usage_error(
                        io,
                        "check",
                        format!(
                            "`{}` has no property `{id}` (it has: {})",
                            a.lab,
                            ids.join(", ")
                        ),
                    );
                }
            }
        }
    };
    let started = Instant::now();
    let show = io.progress;
    let pool = a.jobs.and_then(|n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n as usize)
            .build()
            .ok()
    });
    let (hit, searched) = match &pool {
        Some(p) => p.install(|| search(&a, &cfg, goal, show, started)),
        None => search(&a, &cfg, goal, show, started),
    };
    let search_wall = started.elapsed().as_secs_f64();
    let url = a.url.clone().unwrap_or_default();
    let mut out = json!({
        "lab": a.lab,
        "params": non_default(&cfg),
        "faults": a.faults,
        "until_ms": a.until as f64 / MS as f64,
        "quiet_ms": a.quiet as f64 / MS as f64,
        "seeds": { "from": a.seeds.0, "to": a.seeds.1 },
        "searched": searched,
        "search_seconds": search_wall,
        "schedules_per_second": searched as f64 / search_wall.max(1e-9),
        "lesson": goal,
        "found": hit.is_some(),
        "first": null,
        "shrunk": null,
    });
    let Some(hit) = hit else {
        io.emit(&out.to_string());
        return OK;
    };
    let size = labs::find(a.lab).map(|l| l.size);
    let t = Instant::now();
    let shrunk = check::shrink(&make, &hit, size, a.max_shrink);
    out["first"] = describe(&hit, &url);
    out["shrunk"] = describe(&shrunk.hit, &url);
    out["shrunk"]["replays"] = json!(shrunk.replays);
    out["shrink_seconds"] = json!(t.elapsed().as_secs_f64());
    io.emit(&out.to_string());
    VIOLATED
}
