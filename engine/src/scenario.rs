//! Scenario presets: a lab, parameter overrides, a seed and a fault schedule of ordinary user
//! actions at given virtual times. Nothing is canned: the protocol runs for real, and each
//! scheduled action becomes a logged action when the run reaches it (see
//! [`Session::schedule`]), so share links and scrubbing work as for any run.
//!
//! A lab declares its presets in its registry row (Raft's are in
//! `labs/coordination/raft/scenarios.rs`). `?scenario=<id>` selects one
//! ([`crate::input::RunConfig`]); explicit URL parameters and `seed` override the preset's.
//! Node ids in the schedules are 0-based (`c2` crashes n3), and each preset's seed is chosen
//! so that the schedule hits the intended node (for example the leader); each lab's tests
//! check that its presets show their lessons.

use crate::input::Params;
use crate::sim::{Action, ActionError, Protocol, Session};
use crate::{Time, MS};

/// One preset.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScenarioInfo {
    /// As in `?scenario=` (`leader-crash`).
    pub id: &'static str,
    pub seed: u64,
    /// Parameter overrides (URL keys).
    pub params: &'static [(&'static str, f64)],
    /// (virtual time in ms, action in the share-link form of [`Action::encode`]).
    pub steps: &'static [(u64, &'static str)],
    /// How long the lesson takes to play out, in ms (a hint for the app and the runner).
    pub duration_ms: u64,
}

impl ScenarioInfo {
    /// The fault schedule as actions at virtual times.
    pub fn actions(&self) -> Result<Vec<(Time, Action)>, ActionError> {
        self.steps
            .iter()
            .map(|(ms, a)| Ok((ms * MS, Action::decode(a)?)))
            .collect()
    }
}

/// The presets of a lab (empty for labs without any).
pub fn list(lab: &str) -> &'static [ScenarioInfo] {
    crate::labs::find(lab).map_or(&[], |l| l.scenarios)
}

pub fn find(lab: &str, id: &str) -> Option<&'static ScenarioInfo> {
    list(lab).iter().find(|s| s.id == id)
}

/// Sets a preset's parameter overrides (before the URL's own values are parsed).
pub fn apply_params(info: &ScenarioInfo, params: &mut Params) {
    for (k, v) in info.params {
        params.set_value(k, *v);
    }
}

/// Plans a preset's fault schedule on a session.
pub fn apply<P: Protocol>(
    info: &ScenarioInfo,
    session: &mut Session<P>,
) -> Result<(), ActionError> {
    for (t, a) in info.actions()? {
        session.schedule(t, a)?;
    }
    Ok(())
}
