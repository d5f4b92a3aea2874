//! The bridge from a generic [`Session`] of a networked protocol to the object-safe
//! [`LabSession`] the app and the runner use, and the [`NetLab`] trait a networked lab
//! implements: its registry row's parts, how to build it from parameters, and what it draws.

use super::registry::{Group, LabDef, LabKind, Text};
use super::view::{
    downsample, EventOrder, EventRef, Headline, LaneEvent, Layout, LinkView, LogView, Looks,
    MsgView, NodeView, Panel, PeerProgress, Series, SeriesSpec, Stat, View, SERIES_POINTS,
};
use super::LabSession;
use crate::params::{InputError, ParamSpec, Params, TextSpec};
use crate::scenario::ScenarioInfo;
use crate::sim::{
    Action, ActionError, CommandSpec, LoggedAction, Message, NetConfig, NodeKind, NodeStatus,
    Property, Protocol, Session, Sim, TraceRecord, Violation,
};
use crate::{NodeId, Time, MS};

/// Network parameters every networked lab has.
pub const NET_PARAMS: [ParamSpec; 4] = [
    ParamSpec::int("latency_min", 10.0, 0.0, 10_000.0),
    ParamSpec::int("latency_max", 30.0, 0.0, 10_000.0),
    ParamSpec::float("loss", 0.0, 0.0, 100.0),
    ParamSpec::float("dup", 0.0, 0.0, 100.0),
];

/// A networked lab's parameter list: its own, then the network's ([`NET_PARAMS`]).
#[macro_export]
macro_rules! lab_params {
    ($($p:expr),* $(,)?) => {
        &[
            $($p,)*
            $crate::labs::NET_PARAMS[0],
            $crate::labs::NET_PARAMS[1],
            $crate::labs::NET_PARAMS[2],
            $crate::labs::NET_PARAMS[3],
        ]
    };
}

/// Builds the network configuration from the [`NET_PARAMS`] values of a parameter set.
pub fn net_config(p: &Params) -> NetConfig {
    NetConfig {
        latency_min: p.get_u64("latency_min") * MS,
        latency_max: p.get_u64("latency_max") * MS,
        loss_ppm: (p.get("loss") * 10_000.0).round() as u32,
        dup_ppm: (p.get("dup") * 10_000.0).round() as u32,
        fifo: false,
    }
}

/// The check every networked lab's parameters get: the latency range in order.
pub fn check_net_params(p: &mut Params, errors: &mut Vec<InputError>) {
    p.order_pair("latency_min", "latency_max", errors);
}

/// What a networked lab adds to its protocol: its registry row's parts, how it is built from
/// parameters, and what the app draws of it.
pub trait NetLab: Protocol {
    const ID: &'static str;
    const GROUP: Group;
    /// Parameters (include [`NET_PARAMS`]).
    const PARAMS: &'static [ParamSpec];
    /// String-valued parameters (a list with one value per node, say).
    const TEXT_PARAMS: &'static [TextSpec] = &[];
    const SCENARIOS: &'static [ScenarioInfo] = &[];
    /// The lab's UI strings, English and Chinese.
    const TEXTS: &'static [Text] = &[];
    /// Colours of roles and message kinds.
    const LOOKS: Looks = Looks::NONE;
    /// Values a free run in the app starts with where the URL sets none ([`LabDef::demo`]).
    const DEMO: &'static [(&'static str, f64)] = &[];
    /// The parameter that sets how many nodes run (`nodes`; a lab whose size is its clients
    /// names that); benchmarks scale labs with it.
    const SIZE: &'static str = "nodes";
    /// Checkpoint interval in virtual time.
    const CHECKPOINT_EVERY: Time = 500 * MS;

    /// Cross-parameter checks beyond the network's.
    fn check_params(_p: &mut Params, _errors: &mut Vec<InputError>) {}
    /// The protocol's configuration, the network's and the node count, from parameters.
    /// The properties this configuration is built to break, beyond those always marked
    /// [`Property::lesson`]: a toggle that turns a safeguard off (idempotency's `ids=0`) makes
    /// the violation the lesson; with the safeguard on, the same violation is a bug.
    fn lessons(_cfg: &Self::Config) -> Vec<&'static str> {
        Vec::new()
    }

    fn build(p: &Params) -> (Self::Config, NetConfig, usize);

    /// Role key of a node (`"follower"`); crashed nodes are drawn grey whatever it says.
    fn role(&self) -> &'static str;
    /// The role the app draws for node `id`: [`NetLab::role`] unless the lab colours nodes by
    /// something only the whole run knows (the gossip lab: who holds the newest write).
    fn role_in(sim: &Sim<Self>, id: NodeId) -> &'static str {
        sim.node(id).role()
    }
    fn badge(&self) -> String;
    fn details(&self) -> Vec<(&'static str, String)>;
    /// Generic panels of the node's inspector (a queue, a table, key-value rows).
    fn panels(&self) -> Vec<Panel> {
        Vec::new()
    }
    /// The timer drawn as an arc around the node, if any.
    fn arc_timer(timer: Self::Timer) -> bool;
    /// The node's log, if the protocol keeps one.
    fn log_view(&self) -> Option<LogView> {
        None
    }
    /// A leader's replication progress per follower (empty otherwise).
    fn progress(&self) -> Vec<PeerProgress> {
        Vec::new()
    }
    /// How the nodes are placed.
    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Circle
    }
    fn summary(sim: &Sim<Self>) -> serde_json::Value;
    /// The status line's text: a translation key of the lab's and its arguments.
    fn headline(sim: &Sim<Self>) -> Headline;
    /// Counters shown in the stats panel and carried in the runner's summary.
    fn stats(_sim: &Sim<Self>) -> Vec<Stat> {
        Vec::new()
    }
    /// The time series the lab plots, one chart each (see [`SeriesSpec`]); the app shows a
    /// chart panel only for a lab that declares some.
    const SERIES: &'static [SeriesSpec] = &[];
    /// The curves of [`NetLab::SERIES`] as of now, computed from the simulation's state (the
    /// monitor's records, or a [`super::SeriesBuf`] kept there): never from anything outside
    /// it, so a seek back or forward gives the curve of a straight run. The session keeps each
    /// to [`SERIES_POINTS`] points ([`downsample`]).
    fn series(_sim: &Sim<Self>) -> Vec<Series> {
        Vec::new()
    }
    /// The node the lab considers in charge, if that means anything for it.
    fn leader(_sim: &Sim<Self>) -> Option<NodeId> {
        None
    }
    /// Whether the lab marks events on the space-time diagram's lanes (then it implements
    /// the three methods below).
    const LANE_EVENTS: bool = false;
    /// The events to mark and label on the nodes' lanes, oldest first.
    fn lane_events(_sim: &Sim<Self>) -> Vec<LaneEvent> {
        Vec::new()
    }
    /// How two lane events are ordered, and why; None if either is not kept.
    fn event_order(_sim: &Sim<Self>, _a: EventRef, _b: EventRef) -> Option<EventOrder> {
        None
    }
    /// The kept lane events that happened before `e`.
    fn causal_past(_sim: &Sim<Self>, _e: EventRef) -> Vec<EventRef> {
        Vec::new()
    }
}

fn check_net_lab<P: NetLab>(p: &mut Params, errors: &mut Vec<InputError>) {
    check_net_params(p, errors);
    P::check_params(p, errors);
}

/// A new session of a networked lab.
pub fn new_session<P: NetLab>(p: &Params, seed: u64) -> NetSession<P> {
    let (cfg, net, n) = P::build(p);
    NetSession::new(n.max(1), &cfg, net, seed)
}

fn create_boxed<P: NetLab>(p: &Params, seed: u64) -> Box<dyn LabSession> {
    Box::new(new_session::<P>(p, seed))
}

/// The registry row of a networked lab: everything comes from its [`NetLab`] impl.
pub const fn lab_def<P: NetLab>() -> LabDef {
    LabDef {
        id: P::ID,
        group: P::GROUP,
        kind: LabKind::Network {
            create: create_boxed::<P>,
        },
        params: P::PARAMS,
        text_params: P::TEXT_PARAMS,
        check: check_net_lab::<P>,
        scenarios: P::SCENARIOS,
        properties: P::PROPERTIES,
        kinds: P::KINDS,
        texts: P::TEXTS,
        demo: P::DEMO,
        size: P::SIZE,
        timed: None,
        series: P::SERIES,
    }
}

/// A networked lab's session.
pub struct NetSession<P: NetLab> {
    pub session: Session<P>,
    /// Properties this configuration is expected to break ([`NetLab::lessons`]).
    lessons: Vec<&'static str>,
}

impl<P: NetLab> NetSession<P> {
    /// A session of `n` nodes built from `cfg` (the labs' `session_with`, which the tests use
    /// for their broken variants, and [`new_session`]).
    pub fn new(n: usize, cfg: &P::Config, net: NetConfig, seed: u64) -> Self {
        NetSession {
            session: Session::new(Sim::new(n, cfg, net, seed), P::CHECKPOINT_EVERY),
            lessons: P::lessons(cfg),
        }
    }
}

/// The runner's digest of the lab's curves: per curve its points and their last, lowest,
/// highest and mean value (the points themselves stay in the app).
#[cfg(feature = "summaries")]
fn series_summary(all: &[Series]) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = all
        .iter()
        .map(|s| {
            let values = s.points.iter().map(|p| p.1);
            let n = s.points.len();
            let (lo, hi) = values
                .clone()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                });
            let mean = if n > 0 {
                values.sum::<f64>() / n as f64
            } else {
                0.0
            };
            let last = s.points.last().map(|p| p.1);
            serde_json::json!({
                "key": s.key, "name": s.name, "unit": s.unit, "points": n,
                "last": last, "min": if n > 0 { Some(lo) } else { None },
                "max": if n > 0 { Some(hi) } else { None }, "mean": mean,
            })
        })
        .collect();
    serde_json::Value::Array(rows)
}

fn status_key(s: NodeStatus) -> &'static str {
    match s {
        NodeStatus::Up => "up",
        NodeStatus::Down => "down",
        NodeStatus::Paused => "paused",
    }
}

impl<P: NetLab> LabSession for NetSession<P> {
    fn lab(&self) -> &'static str {
        P::ID
    }

    fn now(&self) -> Time {
        self.session.now()
    }

    fn horizon(&self) -> Time {
        self.session.horizon()
    }

    fn events(&self) -> u64 {
        self.session.sim.events()
    }

    fn n(&self) -> usize {
        self.session.sim.n()
    }

    fn step(&mut self) -> bool {
        self.session.step()
    }

    fn run_until(&mut self, t: Time) {
        self.session.run_until(t)
    }

    fn seek(&mut self, t: Time) {
        self.session.seek(t)
    }

    fn act(&mut self, action: Action) -> Result<(), ActionError> {
        self.session.act(action)
    }

    fn load_actions(&mut self, log: Vec<LoggedAction>) -> Result<(), ActionError> {
        self.session.load_log(log)
    }

    fn actions(&self) -> &[LoggedAction] {
        self.session.log()
    }

    fn view(&self) -> View {
        let sim = &self.session.sim;
        let n = sim.n();
        let nodes = (0..n)
            .map(|id| {
                let p = sim.node(id);
                let timer = sim
                    .timers(id)
                    .find(|t| P::arc_timer(t.key))
                    .map(|t| (t.set_at, t.fires_at));
                let kind = sim.node_kind(id);
                NodeView {
                    id,
                    kind: kind.id,
                    shape: kind.shape,
                    label: format!("{}{}", kind.prefix, id + 1),
                    role: P::role_in(sim, id),
                    status: status_key(sim.status(id)),
                    badge: p.badge(),
                    timer,
                    details: p.details(),
                    log: p.log_view(),
                    progress: p.progress(),
                    panels: p.panels(),
                }
            })
            .collect();
        let net = sim.network();
        let mut links = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                let (ab, ba, slow) = (net.is_cut_from(a, b), net.is_cut_from(b, a), net.slow(a, b));
                if ab || ba || slow > 0 {
                    links.push(LinkView {
                        a,
                        b,
                        cut: ab && ba,
                        one_way: match (ab, ba) {
                            (true, false) => Some(a),
                            (false, true) => Some(b),
                            _ => None,
                        },
                        slow,
                    });
                }
            }
        }
        let messages = sim
            .inflight()
            .map(|m| MsgView {
                id: m.id,
                from: m.from,
                to: m.to,
                kind: m.kind,
                sent_at: m.sent_at,
                deliver_at: m.deliver_at,
            })
            .collect();
        View {
            time: sim.now(),
            nodes,
            links,
            messages,
            groups: net.groups().to_vec(),
            layout: P::layout(sim),
            events: P::lane_events(sim),
        }
    }

    fn trace(&self) -> &[TraceRecord] {
        self.session.sim.trace()
    }

    fn message(&self, id: u64) -> Option<(&'static str, Vec<(&'static str, String)>)> {
        let m = self.session.sim.message(id)?;
        Some((m.kind(), m.fields()))
    }

    fn violations(&self) -> &[Violation] {
        self.session.sim.violations()
    }

    fn properties(&self) -> &'static [Property] {
        P::PROPERTIES
    }

    fn is_lesson(&self, property: &Property) -> bool {
        property.lesson || self.lessons.contains(&property.id)
    }

    fn kinds(&self) -> &'static [NodeKind] {
        P::KINDS
    }

    fn node_kind(&self, node: NodeId) -> &'static NodeKind {
        self.session.sim.node_kind(node)
    }

    fn commands(&self, node: NodeId) -> &'static [CommandSpec] {
        if node < self.session.sim.n() {
            self.node_kind(node).commands
        } else {
            &[]
        }
    }

    fn looks(&self) -> &'static Looks {
        &P::LOOKS
    }

    fn headline(&self) -> Headline {
        P::headline(&self.session.sim)
    }

    fn stats(&self) -> Vec<Stat> {
        P::stats(&self.session.sim)
    }

    fn check_eventually(&mut self) -> usize {
        self.session.sim.check_eventually()
    }

    fn trace_hash(&self) -> String {
        self.session.sim.trace_hash()
    }

    fn history_bytes(&self) -> usize {
        self.session.sim.history_bytes()
    }

    fn set_history_budget(&mut self, budget: Option<usize>) {
        self.session.set_history_budget(budget)
    }

    fn window_start(&self) -> Time {
        self.session.window_start()
    }

    #[cfg(feature = "summaries")]
    fn summary(&self) -> serde_json::Value {
        let mut summary = P::summary(&self.session.sim);
        let stats = P::stats(&self.session.sim);
        if let (Some(obj), false) = (summary.as_object_mut(), stats.is_empty()) {
            let map: serde_json::Map<String, serde_json::Value> = stats
                .iter()
                .map(|s| (s.key.to_string(), serde_json::json!(s.value)))
                .collect();
            obj.insert("stats".into(), serde_json::Value::Object(map));
        }
        if let (Some(obj), false) = (summary.as_object_mut(), P::SERIES.is_empty()) {
            obj.insert("series".into(), series_summary(&self.series()));
        }
        summary
    }

    fn leader(&self) -> Option<NodeId> {
        P::leader(&self.session.sim)
    }

    fn set_keep_trace(&mut self, keep: bool) {
        self.session.sim.keep_trace = keep;
    }

    fn clock_drift(&self, node: NodeId) -> i64 {
        if node < self.session.sim.n() {
            self.session.sim.clock(node).drift_ppm
        } else {
            0
        }
    }

    fn status(&self, node: NodeId) -> NodeStatus {
        self.session.sim.status(node)
    }

    fn partitioned(&self) -> bool {
        self.session.sim.network().is_partitioned()
    }

    fn schedule(&mut self, info: &ScenarioInfo) -> Result<(), ActionError> {
        crate::scenario::apply(info, &mut self.session)
    }

    fn schedule_at(&mut self, time: Time, action: Action) -> Result<(), ActionError> {
        self.session.schedule(time, action)
    }

    fn has_lane_events(&self) -> bool {
        P::LANE_EVENTS
    }

    fn event_order(&self, a: EventRef, b: EventRef) -> Option<EventOrder> {
        P::event_order(&self.session.sim, a, b)
    }

    fn causal_past(&self, e: EventRef) -> Vec<EventRef> {
        P::causal_past(&self.session.sim, e)
    }

    fn series_specs(&self) -> &'static [SeriesSpec] {
        P::SERIES
    }

    fn series(&self) -> Vec<Series> {
        let mut all = P::series(&self.session.sim);
        for s in &mut all {
            downsample(&mut s.points, SERIES_POINTS);
        }
        all
    }

    fn inflight_ids(&self, out: &mut Vec<u64>) {
        out.clear();
        out.extend(self.session.sim.inflight_unordered().map(|m| m.id));
    }
}
