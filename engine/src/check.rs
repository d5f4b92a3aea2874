//! Counterexample search (the runner's `distlab check`): random fault schedules over many
//! seeds until one makes a lab violate a property it does not expect to break, then shrinking
//! that schedule to a small one that still violates the same property, in the spirit of
//! QuickCheck's shrinking and of delta debugging (Zeller and Hildebrandt, "Simplifying and
//! Isolating Failure-Inducing Input", 2002).
//!
//! A schedule is an ordinary action log (crash, restart, pause, partition, drop … at given
//! times), so the result is a share link that replays the violation in the browser. Shrinking
//! tries, while the same property still breaks: ending the run just after the violation;
//! removing chunks of the schedule, halving the chunk size down to single actions (ddmin);
//! then a smaller lab (its size parameter, lowest first). Every step is a full deterministic
//! replay, so the search and the shrinking are pure: no clock, no I/O. Lessons (properties the
//! configuration is built to break, [`crate::labs::LabSession::is_lesson`]) are not
//! counterexamples, unless the search is asked for one (a [`Goal`]): then it looks for a break
//! of that property only, shrinks it the same way, and the result is the schedule of a preset
//! that shows the lesson.

use serde::Serialize;

use crate::faults::{calm, FaultDriver, FaultSpec};
use crate::input::RunConfig;
use crate::labs::LabSession;
use crate::sim::LoggedAction;
use crate::{Time, MS};

/// Builds a fresh session for a configuration (the registry's `labs::create`, or a test's
/// broken variant). It must ignore `cfg.actions`: the search loads its own.
pub type Make<'a> = &'a (dyn Fn(&RunConfig) -> Box<dyn LabSession> + Sync);

/// The share link's query (`lab=…&seed=…&actions=…`) that replays `hit` in the browser.
pub fn share_query(hit: &Hit) -> String {
    hit.cfg.share_query(&hit.log)
}

/// The default fault mix of `distlab check`: every kind the kernel can inject, often enough
/// that a 20 s run sees several of each.
pub const DEFAULT_FAULTS: &str = "crash=0.3,restart=1,partition=0.2,heal=0.5,drop=3,pause=0.1";

/// What the search looks for: any property the configuration does not expect to break
/// (`None`), or a break of this one property, a lesson included (`Some(id)`).
pub type Goal = Option<&'static str>;

/// A violation a schedule produces.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Found {
    pub invariant: &'static str,
    /// Virtual time of the violation (µs).
    pub at: Time,
    pub text: String,
}

/// A schedule that violates a property: the configuration (lab, seed, parameters), the
/// faults (actions before `until`), the end of the faulty period and the calm after it.
///
/// Every run of a schedule goes the same way: the faults until `until`, then [`calm`] (heal
/// the network, restart and resume every node), then `quiet` more time, then the *eventually*
/// properties are checked. The calm is not part of the schedule, so shrinking cannot remove it
/// and blame a property on a network left broken.
#[derive(Clone, Debug)]
pub struct Hit {
    pub cfg: RunConfig,
    pub actions: Vec<LoggedAction>,
    pub until: Time,
    pub quiet: Time,
    pub found: Found,
    /// The whole action log of the run, calm included (the share link's).
    pub log: Vec<LoggedAction>,
    /// What the search looked for (shrinking keeps to it).
    pub goal: Goal,
}

/// The first violation of a property the session does not expect to break, or with a goal,
/// of that property, if any.
pub fn first_bug(s: &dyn LabSession, goal: Goal) -> Option<Found> {
    let props = s.properties();
    s.violations()
        .iter()
        .find(|v| match goal {
            Some(id) => v.invariant == id,
            None => !props.iter().any(|p| p.id == v.invariant && s.is_lesson(p)),
        })
        .map(|v| Found {
            invariant: v.invariant,
            at: v.time,
            text: v.text.clone(),
        })
}

/// Runs seed `seed` of the search: `cfg` with that seed under random faults to `until`.
pub fn try_seed(
    make: Make,
    cfg: &RunConfig,
    faults: &FaultSpec,
    seed: u64,
    (until, quiet): (Time, Time),
    goal: Goal,
) -> Option<Hit> {
    let cfg = RunConfig {
        seed,
        actions: Vec::new(),
        ..cfg.clone()
    };
    let mut s = make(&cfg);
    s.set_keep_trace(false);
    FaultDriver::new(faults.clone(), seed).run(s.as_mut(), until);
    let actions = s.actions().to_vec();
    let found = finish(s.as_mut(), until, quiet, goal)?;
    Some(Hit {
        actions,
        cfg,
        until,
        quiet,
        found,
        log: s.actions().to_vec(),
        goal,
    })
}

/// Searches `seeds` in order for the first schedule that breaks a property; `go` is asked
/// before each seed (a time budget says no). Also returns how many seeds were tried. The
/// runner searches the same way, a chunk of seeds at a time on every core, and keeps the
/// lowest hit of a chunk, so it finds the same seed.
pub fn search(
    make: Make,
    cfg: &RunConfig,
    faults: &FaultSpec,
    seeds: std::ops::RangeInclusive<u64>,
    (until, quiet): (Time, Time),
    goal: Goal,
    mut go: impl FnMut(u64) -> bool,
) -> (Option<Hit>, u64) {
    let mut tried = 0;
    for seed in seeds {
        if !go(seed) {
            break;
        }
        tried += 1;
        if let Some(hit) = try_seed(make, cfg, faults, seed, (until, quiet), goal) {
            return (Some(hit), tried);
        }
    }
    (None, tried)
}

/// The end of every run: calm at `until`, `quiet` more time, the eventually-checks.
fn finish(s: &mut dyn LabSession, until: Time, quiet: Time, goal: Goal) -> Option<Found> {
    s.run_until(until);
    if first_bug(s, goal).is_none() {
        calm(s);
        s.run_until(until + quiet);
        s.check_eventually();
    }
    first_bug(s, goal)
}

/// Replays `actions` on `cfg` (faults to `until`, calm, `quiet`): the first bug and the whole
/// log, if any (None also when the log does not fit the configuration, say a node a smaller
/// lab lacks).
pub fn replay(
    make: Make,
    cfg: &RunConfig,
    actions: &[LoggedAction],
    (until, quiet): (Time, Time),
    goal: Goal,
) -> Option<(Found, Vec<LoggedAction>)> {
    let mut s = make(cfg);
    s.set_keep_trace(false);
    s.load_actions(actions.to_vec()).ok()?;
    let found = finish(s.as_mut(), until, quiet, goal)?;
    Some((found, s.actions().to_vec()))
}

/// What shrinking did.
#[derive(Clone, Debug)]
pub struct Shrunk {
    pub hit: Hit,
    /// Replays tried.
    pub replays: usize,
}

/// Shrinks `hit` to a smaller schedule violating the same property, within `max_replays`.
/// `size` is the lab's size parameter (tried smaller, lowest first) if it has one.
pub fn shrink(make: Make, hit: &Hit, size: Option<&str>, max_replays: usize) -> Shrunk {
    let mut best = hit.clone();
    let replays = std::cell::Cell::new(0);
    let invariant = hit.found.invariant;
    let attempt = |cfg: &RunConfig, actions: &[LoggedAction], until: Time| {
        if replays.get() >= max_replays {
            return None;
        }
        replays.set(replays.get() + 1);
        replay(make, cfg, actions, (until, hit.quiet), hit.goal)
            .filter(|(f, _)| f.invariant == invariant)
    };
    // Actions placed by time alone, so that removing one does not move the others.
    let by_time: Vec<LoggedAction> = best
        .actions
        .iter()
        .map(|a| LoggedAction {
            events: 0,
            ..a.clone()
        })
        .collect();
    if let Some((f, log)) = attempt(&best.cfg, &by_time, best.until) {
        best.actions = by_time;
        best.found = f;
        best.log = log;
    }
    let mut progress = true;
    while progress {
        progress = false;
        // End just after the violation (an eventually-property breaks at the end: no gain).
        let end = (best.found.at + MS).min(best.until);
        if end < best.until {
            let kept: Vec<LoggedAction> = best
                .actions
                .iter()
                .filter(|a| a.time <= end)
                .cloned()
                .collect();
            if let Some((f, log)) = attempt(&best.cfg, &kept, end) {
                best.actions = kept;
                best.until = end;
                best.found = f;
                best.log = log;
                progress = true;
            }
        }
        // Remove chunks of the schedule, halving the chunk size.
        let mut chunk = best.actions.len().div_ceil(2);
        while chunk >= 1 && !best.actions.is_empty() {
            let mut i = 0;
            while i < best.actions.len() {
                let mut cand = best.actions.clone();
                cand.drain(i..(i + chunk).min(cand.len()));
                match attempt(&best.cfg, &cand, best.until) {
                    Some((f, log)) => {
                        best.actions = cand;
                        best.found = f;
                        best.log = log;
                        progress = true;
                    }
                    None => i += chunk,
                }
            }
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
        // A smaller lab, lowest size first.
        if let Some(key) = size {
            let now = best.cfg.params.get(key);
            let lowest = best
                .cfg
                .params
                .specs
                .iter()
                .find(|s| s.key == key)
                .map_or(now, |s| s.min);
            let mut v = lowest.max(1.0);
            while v < now {
                let mut cfg = best.cfg.clone();
                cfg.params.set_value(key, v);
                if let Some((f, log)) = attempt(&cfg, &best.actions, best.until) {
                    best.cfg = cfg;
                    best.found = f;
                    best.log = log;
                    progress = true;
                    break;
                }
                v += 1.0;
            }
        }
        if replays.get() >= max_replays {
            break;
        }
    }
    Shrunk {
        hit: best,
        replays: replays.get(),
    }
}
