//! The lab catalog and the object-safe [`LabSession`] interface that the app and the runner
//! drive. One module per lab, grouped like `CATALOG.md`.

pub mod availability;
pub mod catalog;
pub mod coordination;
mod netlab;
pub mod plot_params;
pub mod scheduling;
pub mod storage;
mod view;

pub use catalog::{find, LabInfo, CATALOG, GROUPS};
pub use netlab::{NetLab, NetSession};
pub use view::{LinkView, LogView, MsgView, NodeView, PeerProgress, View, LOG_TAIL};

use crate::input::{InputError, Params, RunConfig};
use crate::sim::{Action, ActionError, LoggedAction, NodeStatus, TraceRecord, Violation};
use crate::{NodeId, Time};

/// A lab parameter: key (as in URLs), default, range, and whether it is a whole number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    pub key: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    pub integer: bool,
}

impl ParamSpec {
    pub const fn int(key: &'static str, default: f64, min: f64, max: f64) -> ParamSpec {
        ParamSpec {
            key,
            default,
            min,
            max,
            integer: true,
        }
    }

    pub const fn float(key: &'static str, default: f64, min: f64, max: f64) -> ParamSpec {
        ParamSpec {
            key,
            default,
            min,
            max,
            integer: false,
        }
    }

    /// A value as it appears in a URL.
    pub fn format(&self, v: f64) -> String {
        if self.integer {
            format!("{}", v.round() as i64)
        } else {
            format!("{v}")
        }
    }
}

/// Network parameters every networked lab has.
pub const NET_PARAMS: [ParamSpec; 4] = [
    ParamSpec::int("latency_min", 10.0, 0.0, 10_000.0),
    ParamSpec::int("latency_max", 30.0, 0.0, 10_000.0),
    ParamSpec::float("loss", 0.0, 0.0, 100.0),
    ParamSpec::float("dup", 0.0, 0.0, 100.0),
];

/// The parameter set of a lab with its defaults.
pub fn params_for(lab: &str) -> Params {
    if let Some(p) = plot_params::params_for(lab) {
        return p;
    }
    Params::defaults(match lab {
        "raft" => coordination::raft::PARAMS,
        _ => &[],
    })
}

/// Cross-parameter checks (a minimum above its maximum, and so on).
pub fn check_params(lab: &str, params: &mut Params, errors: &mut Vec<InputError>) {
    params.order_pair("latency_min", "latency_max", errors);
    if lab == "raft" {
        params.order_pair("timeout_min", "timeout_max", errors);
    }
    plot_params::check_params(lab, params, errors);
}

/// Builds a running lab from a parsed configuration. The action log is loaded for replay; a
/// log that names nodes the lab does not have is refused with the reason.
pub fn create(cfg: &RunConfig) -> (Box<dyn LabSession>, Option<InputError>) {
    // Only raft runs on the network so far; `RunConfig::parse` never yields an unimplemented
    // lab. A plotted lab has no simulation (the app and the runner compute it instead): asked
    // for one anyway, this gives Raft with its own defaults and says so, rather than a Raft
    // built from another lab's parameters.
    if cfg.lab != "raft" {
        let (raft_cfg, _) = RunConfig::parse(&crate::input::split_query("lab=raft"));
        let (s, _) = create(&RunConfig {
            seed: cfg.seed,
            ..raft_cfg
        });
        let err = InputError::LabNotReady {
            lab: cfg.lab.to_string(),
            used: "raft",
        };
        return (s, Some(err));
    }
    let mut raft = coordination::raft::session(&cfg.params, cfg.seed);
    if let Some(info) = cfg
        .scenario
        .and_then(|id| crate::scenario::find(cfg.lab, id))
    {
        // The presets' schedules are checked by the tests; a bad one would only be skipped.
        let _ = crate::scenario::apply(info, &mut raft.session);
    }
    let mut s: Box<dyn LabSession> = Box::new(raft);
    let err = s
        .load_actions(cfg.actions.clone())
        .err()
        .map(|error| InputError::BadActions { error });
    (s, err)
}

/// A running lab, as the app and the runner see it.
pub trait LabSession {
    fn lab(&self) -> &'static str;
    fn now(&self) -> Time;
    /// The furthest time computed; the scrubber's range.
    fn horizon(&self) -> Time;
    fn events(&self) -> u64;
    fn n(&self) -> usize;
    /// One event (or due action); false when nothing is left to do.
    fn step(&mut self) -> bool;
    fn run_until(&mut self, t: Time);
    /// Moves to any time, back (via checkpoints) or forward.
    fn seek(&mut self, t: Time);
    /// A user action now; refused actions change nothing.
    fn act(&mut self, action: Action) -> Result<(), ActionError>;
    fn load_actions(&mut self, log: Vec<LoggedAction>) -> Result<(), ActionError>;
    fn actions(&self) -> &[LoggedAction];
    fn view(&self) -> View;
    fn trace(&self) -> &[TraceRecord];
    /// A message's kind and fields by id.
    fn message(&self, id: u64) -> Option<(&'static str, Vec<(&'static str, String)>)>;
    fn violations(&self) -> &[Violation];
    fn invariants(&self) -> &'static [&'static str];
    fn commands(&self) -> &'static [&'static str];
    fn trace_hash(&self) -> String;
    /// An estimate of the memory the recorded history takes, in bytes (see
    /// [`crate::sim::Sim::history_bytes`]).
    fn history_bytes(&self) -> usize;
    /// Lab-specific results as JSON (raft: first leader time, leaders by term, elections).
    fn summary(&self) -> serde_json::Value;
    /// The node the lab considers in charge (raft: the leader with the highest term).
    fn leader(&self) -> Option<NodeId>;
    /// Whether records are kept in memory (always hashed).
    fn set_keep_trace(&mut self, keep: bool);
    /// A node's status, without building a whole [`View`].
    fn status(&self, node: NodeId) -> NodeStatus;
    /// Whether the network is split into partition groups right now.
    fn partitioned(&self) -> bool;
    /// Replaces `out` with the ids of the messages in flight, in no particular order (but the
    /// same on every run). Cheaper than [`LabSession::view`].
    fn inflight_ids(&self, out: &mut Vec<u64>);
}
