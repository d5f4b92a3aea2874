//! The labs and the object-safe [`LabSession`] interface that the app and the runner drive.
//! One module per lab, grouped like `CATALOG.md`; every lab has one row in [`registry`].

pub mod availability;
pub mod coordination;
pub mod foundations;
mod netlab;
pub mod plot_params;
pub mod registry;
pub mod scene;
pub mod scheduling;
pub mod storage;
mod view;

pub use crate::params::ParamSpec;
pub use netlab::{
    check_net_params, lab_def, net_config, new_session, NetLab, NetSession, NET_PARAMS,
};
pub use registry::{
    bundle, catalog_entry, default_lab, find, install, installed, Bundle, CatalogEntry, Group,
    LabDef, LabKind, ModelView, Text, TimedModel, BUNDLES, CATALOG, DEFAULT_LAB, LABS,
};
pub use view::{
    downsample, key_words, Causality, EventOrder, EventRef, Headline, LaneEvent, Layout, LinkView,
    LogView, Looks, MsgView, NodeView, Panel, PeerProgress, Series, SeriesBuf, SeriesKind,
    SeriesSpec, Stat, View, LOG_TAIL, SERIES_POINTS,
};

use crate::input::{InputError, Params, RunConfig};
use crate::sim::{
    Action, ActionError, CommandSpec, LoggedAction, ModelRun, NodeKind, NodeStatus, Property,
    TraceRecord, Violation,
};
use crate::{NodeId, Time};

/// The parameter set of a lab with its defaults (none for an unknown id).
pub fn params_for(lab: &str) -> Params {
    find(lab).map_or_else(|| Params::defaults(&[]), LabDef::defaults)
}

/// Cross-parameter checks (a minimum above its maximum, and so on).
pub fn check_params(lab: &str, params: &mut Params, errors: &mut Vec<InputError>) {
    if let Some(def) = find(lab) {
        (def.check)(params, errors);
    }
}

/// Builds a running networked lab from a parsed configuration: its scenario's schedule is
/// planned and the action log loaded for replay (a log that names nodes the lab does not have
/// is refused with the reason). A lab without a simulation (a model, or one still to come)
/// gives the default lab with its own defaults, and says so.
pub fn create(cfg: &RunConfig) -> (Box<dyn LabSession>, Option<InputError>) {
    let def = find(cfg.lab);
    let Some(LabKind::Network { create: build }) = def.map(|d| d.kind) else {
        let (default_cfg, _) = RunConfig::parse(&[]);
        let (s, _) = create(&RunConfig {
            seed: cfg.seed,
            ..default_cfg
        });
        let err = InputError::LabNotReady {
            lab: cfg.lab.to_string(),
            used: default_lab(),
        };
        return (s, Some(err));
    };
    let mut s = build(&cfg.params, cfg.seed);
    if let Some(info) = cfg.scenario.and_then(|id| def.and_then(|d| d.scenario(id))) {
        // The presets' schedules are checked by the tests; a bad one would only be skipped.
        let _ = s.schedule(info);
    }
    let err = s
        .load_actions(cfg.actions.clone())
        .err()
        .map(|error| InputError::BadActions { error });
    (s, err)
}

/// Builds a running time-only model lab ([`TimedModel`]) from a parsed configuration: its
/// preset's schedule planned and the link's action log loaded for replay. `None` for a lab that
/// is not one; the reason if the lab's specs cannot be built.
pub fn create_model(cfg: &RunConfig) -> Option<Result<Box<dyn ModelRun>, String>> {
    let def = find(cfg.lab)?;
    let timed = def.timed?;
    let build = || {
        let mut s = (timed.create)(&cfg.params, cfg.seed)?;
        if let Some(info) = cfg.scenario.and_then(|id| def.scenario(id)) {
            s.plan(info).map_err(|e| e.to_string())?;
        }
        s.load_encoded(&cfg.model_log).map_err(|e| e.to_string())?;
        Ok(s)
    };
    Some(build())
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
    fn properties(&self) -> &'static [Property];
    /// Whether a violation of `property` is what this run is built to show (a lesson), not a
    /// bug: marked so for the lab ([`Property::lesson`]) or for this configuration.
    fn is_lesson(&self, property: &Property) -> bool {
        property.lesson
    }
    fn kinds(&self) -> &'static [NodeKind];
    /// A node's kind.
    fn node_kind(&self, node: NodeId) -> &'static NodeKind;
    /// The commands a node's menu offers (its kind's).
    fn commands(&self, node: NodeId) -> &'static [CommandSpec];
    fn looks(&self) -> &'static Looks;
    /// The status line.
    fn headline(&self) -> Headline;
    /// The lab's counters.
    fn stats(&self) -> Vec<Stat>;
    /// Checks the *eventually* properties now; returns how many violations it found.
    fn check_eventually(&mut self) -> usize;
    /// Plans a scenario preset's schedule.
    fn schedule(&mut self, info: &crate::scenario::ScenarioInfo) -> Result<(), ActionError>;
    /// Plans one action at a virtual time, as a preset's step is (`distlab batch --at`).
    fn schedule_at(&mut self, time: Time, action: Action) -> Result<(), ActionError>;
    fn trace_hash(&self) -> String;
    /// An estimate of the memory the recorded history takes, in bytes (see
    /// [`crate::sim::Sim::history_bytes`]).
    fn history_bytes(&self) -> usize;
    /// Keeps the recorded history within this many bytes by dropping the oldest (see
    /// [`crate::sim::Session::set_history_budget`]); `None`, the default, keeps it all.
    fn set_history_budget(&mut self, budget: Option<usize>);
    /// The earliest time one can seek to: where the kept history starts (0 unless older
    /// history was dropped).
    fn window_start(&self) -> Time;
    /// Lab-specific results as JSON (raft: first leader time, leaders by term, elections).
    /// Only the runner, the benchmarks and the tests read it, so the web app is built without
    /// it (feature `summaries`): each lab's JSON-building code stays out of the wasm.
    #[cfg(feature = "summaries")]
    fn summary(&self) -> serde_json::Value;
    /// The node the lab considers in charge (raft: the leader with the highest term), if any.
    fn leader(&self) -> Option<NodeId>;
    /// Whether records are kept in memory (always hashed).
    fn set_keep_trace(&mut self, keep: bool);
    /// A node's clock drift in parts per million (0 unless a clock fault set it).
    fn clock_drift(&self, node: NodeId) -> i64;
    /// A node's status, without building a whole [`View`].
    fn status(&self, node: NodeId) -> NodeStatus;
    /// Whether the network is split into partition groups right now.
    fn partitioned(&self) -> bool;
    /// Whether the lab marks events on the space-time diagram's lanes ([`View::events`]) and
    /// can order any two of them ([`LabSession::event_order`]).
    fn has_lane_events(&self) -> bool {
        false
    }
    /// How two of the lab's lane events are ordered by causality, from the lab's own record
    /// of them (the clocks lab: their vector clocks, which its checker holds to the trace's
    /// true happened-before relation); None if either is not (or no longer) kept.
    fn event_order(&self, _a: EventRef, _b: EventRef) -> Option<EventOrder> {
        None
    }
    /// The kept lane events that happened before `e` (its causal past), oldest first.
    fn causal_past(&self, _e: EventRef) -> Vec<EventRef> {
        Vec::new()
    }
    /// The time series the lab plots ([`crate::labs::NetLab::SERIES`]); empty for most labs.
    fn series_specs(&self) -> &'static [SeriesSpec] {
        &[]
    }
    /// The lab's curves as of now, each at most [`SERIES_POINTS`] points. A pure function of
    /// the run's state, so after any seek they are those of a straight run to the same time.
    fn series(&self) -> Vec<Series> {
        Vec::new()
    }
    /// Replaces `out` with the ids of the messages in flight, in no particular order (but the
    /// same on every run). Cheaper than [`LabSession::view`].
    fn inflight_ids(&self, out: &mut Vec<u64>);
}
