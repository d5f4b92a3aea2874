//! Raft's own batch measures (`distlab batch raft`): with them a teacher can redo the Raft
//! paper's figure 16, the time from a leader crash to a new leader, for different
//! election-timeout ranges (§9.3 of the paper).
//!
//! Each seed is an ordinary run (the lab's parameters, an optional scenario preset, that seed)
//! with one measured user action:
//!
//! - **election-time**: once the first leader has led for [`SETTLE`] plus a jitter (below),
//!   the current leader is crashed; the value is the time from the crash until a leader of a
//!   later term takes office.
//! - **commit-latency**: at the same moment one client write is submitted on the current
//!   leader; the value is the time until that entry is committed (by anyone).
//!
//! The jitter is uniform in `0..heartbeat` and drawn from a generator seeded by the run's seed
//! alone, so the crash falls anywhere between two heartbeats (as it would in a real cluster)
//! while the whole batch stays deterministic. A run that has no result by the time limit
//! counts as `missing`. Everything here is pure: no clock, no I/O.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::input::Params;
use crate::labs::coordination::raft::{self, Raft};
use crate::labs::{NetLab, NetSession};
use crate::scenario::{self, ScenarioInfo};
use crate::sim::Action;
use crate::{Time, MS};

/// The lab these measures belong to.
pub const LAB: &str = Raft::ID;

/// How long the first leader leads before the measured action.
pub const SETTLE: Time = 1_000 * MS;

/// What each run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    ElectionTime,
    CommitLatency,
}

impl Measure {
    pub const ALL: [Measure; 2] = [Measure::ElectionTime, Measure::CommitLatency];

    pub fn id(self) -> &'static str {
        match self {
            Measure::ElectionTime => "election-time",
            Measure::CommitLatency => "commit-latency",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.id() == s)
    }
}

/// One seed's run.
#[derive(Clone, Debug, PartialEq)]
pub struct SeedResult {
    pub seed: u64,
    /// The measured time in ms (`None`: no result before the time limit).
    pub value_ms: Option<f64>,
    /// When the measured action happened (crash or write), ms.
    pub start_ms: Option<f64>,
    /// Elections started between the action and the result (split votes show as more than 1).
    pub elections: u64,
    /// Safety violations the checker saw in the run.
    pub violations: usize,
}

/// One seed's run and measurement.
pub fn run_seed(
    params: &Params,
    scenario: Option<&'static ScenarioInfo>,
    measure: Measure,
    until: Time,
    seed: u64,
) -> SeedResult {
    let mut s: NetSession<Raft> = raft::session(params, seed);
    s.session.sim.keep_trace = false;
    if let Some(info) = scenario {
        // The presets' schedules are checked by the tests; a bad one would only be skipped.
        let _ = scenario::apply(info, &mut s.session);
    }
    let mut result = SeedResult {
        seed,
        value_ms: None,
        start_ms: None,
        elections: 0,
        violations: 0,
    };
    let ms = |t: Time| t as f64 / MS as f64;
    // The first leader.
    let Some(first) = step_until(&mut s, until, |s| s.session.sim.monitor().first_leader) else {
        result.violations = s.session.sim.violations().len();
        return result;
    };
    let heartbeat = params.get_u64("heartbeat").max(1) * MS;
    let jitter = ChaCha8Rng::seed_from_u64(seed ^ 0xBA7C_4E5E).gen_range(0..heartbeat);
    let at = first + SETTLE + jitter;
    if at > until {
        return result;
    }
    s.session.run_until(at);
    let Some(leader) = Raft::leader(&s.session.sim) else {
        result.violations = s.session.sim.violations().len();
        return result;
    };
    result.start_ms = Some(ms(at));
    let elections = s.session.sim.monitor().elections;
    let end = match measure {
        Measure::ElectionTime => {
            let term = s.session.sim.node(leader).current_term;
            let _ = s.session.act(Action::Crash { node: leader });
            step_until(&mut s, until, |s| {
                let m = s.session.sim.monitor();
                m.leaders
                    .range(term + 1..)
                    .map(|(_, &(_, t))| t)
                    .find(|&t| t >= at)
            })
        }
        Measure::CommitLatency => {
            let _ = s.session.act(Action::command(leader, "write"));
            let index = s.session.sim.node(leader).log.last_index();
            step_until(&mut s, until, |s| {
                let m = s.session.sim.monitor();
                (m.committed() >= index).then(|| m.last_commit.unwrap_or(at))
            })
        }
    };
    result.value_ms = end.map(|t| ms(t - at));
    result.elections = s.session.sim.monitor().elections - elections;
    result.violations = s.session.sim.violations().len();
    result
}

/// Steps the run until `found` gives a time, or the next event is past `until`.
fn step_until(
    s: &mut NetSession<Raft>,
    until: Time,
    found: impl Fn(&NetSession<Raft>) -> Option<Time>,
) -> Option<Time> {
    loop {
        if let Some(t) = found(s) {
            return Some(t);
        }
        if s.session.sim.next_event_time().is_none_or(|t| t > until) {
            return None;
        }
        s.session.step();
    }
}
