//! The bridge from a generic [`Session`] of a networked protocol to the object-safe
//! [`LabSession`] the app and the runner use.

use super::view::{LinkView, LogView, MsgView, NodeView, PeerProgress, View};
use super::LabSession;
use crate::sim::{
    Action, ActionError, LoggedAction, Message, NodeStatus, Protocol, Session, Sim, TraceRecord,
    Violation,
};
use crate::{NodeId, Time};

/// What a networked lab adds to its protocol for drawing and summaries.
pub trait NetLab: Protocol {
    const ID: &'static str;
    /// Role key of a node (`"follower"`); crashed nodes are drawn grey whatever it says.
    fn role(&self) -> &'static str;
    fn badge(&self) -> String;
    fn details(&self) -> Vec<(&'static str, String)>;
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
    fn summary(sim: &Sim<Self>) -> serde_json::Value;
    fn leader(sim: &Sim<Self>) -> Option<NodeId>;
}

/// A networked lab's session.
pub struct NetSession<P: NetLab> {
    pub session: Session<P>,
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
                NodeView {
                    id,
                    role: p.role(),
                    status: status_key(sim.status(id)),
                    badge: p.badge(),
                    timer,
                    details: p.details(),
                    log: p.log_view(),
                    progress: p.progress(),
                }
            })
            .collect();
        let net = sim.network();
        let mut links = Vec::new();
        for a in 0..n {
            for b in a + 1..n {
                let (cut, slow) = (net.is_cut(a, b), net.slow(a, b));
                if cut || slow > 0 {
                    links.push(LinkView { a, b, cut, slow });
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

    fn invariants(&self) -> &'static [&'static str] {
        P::INVARIANTS
    }

    fn commands(&self) -> &'static [&'static str] {
        P::COMMANDS
    }

    fn trace_hash(&self) -> String {
        self.session.sim.trace_hash()
    }

    fn history_bytes(&self) -> usize {
        self.session.sim.history_bytes()
    }

    fn summary(&self) -> serde_json::Value {
        P::summary(&self.session.sim)
    }

    fn leader(&self) -> Option<NodeId> {
        P::leader(&self.session.sim)
    }

    fn set_keep_trace(&mut self, keep: bool) {
        self.session.sim.keep_trace = keep;
    }

    fn status(&self, node: NodeId) -> NodeStatus {
        self.session.sim.status(node)
    }

    fn partitioned(&self) -> bool {
        self.session.sim.network().is_partitioned()
    }

    fn inflight_ids(&self, out: &mut Vec<u64>) {
        out.clear();
        out.extend(self.session.sim.inflight_unordered().map(|m| m.id));
    }
}
