//! The Akka cluster's checker and measures.
//!
//! The monitor keeps, for every node, the digest of the state it holds after each event and
//! a ring of the last [`HELD`] distinct digests it has held: what "node m has seen state D"
//! means, read from the history rather than from any node's own seen-by set.
//!
//! - `arch-akka.converged-moves` (always, history-aware): when the leader moves members
//!   (`arch-akka.move` notes) the state it acted on (its state before that event) has been
//!   held by every up and leaving member of it, and no member of it is unreachable unless
//!   down or exiting.
//! - `arch-akka.one-leader` (always): two different nodes never act as leader on the same
//!   state.
//! - `arch-akka.forward` (always): in every node's view, each member's status only moves
//!   forward (joining → up → leaving → exiting → down → removed) and no member vanishes.
//!
//! Measures: the cluster **agrees** when every node in a cluster holds the same state; each
//! stretch of disagreement is one episode, measured in gossip rounds (a chart and the
//! `akka_rounds_*` stats), and `akka_formed_rounds` is how long after the last node's first
//! start every node is up in every node's view.

use super::gossip::{bit, Status};
use super::ArchAkka;
use crate::labs::SeriesBuf;
use crate::sim::{Found, Observed, TraceKind};
use crate::{NodeId, Time};

/// How many distinct states per node the history keeps.
pub const HELD: usize = 64;

/// What the monitor knows of one node.
#[derive(Clone, Debug)]
pub struct NodeRecord {
    /// The digest of its state after its last event, and what that state requires for
    /// convergence: the up and leaving members (bits) and whether one is blocking.
    pub digest: u64,
    pub needed: u64,
    pub blocked: bool,
    pub in_cluster: bool,
    held: [u64; HELD],
    held_len: usize,
    held_pos: usize,
    /// Its incarnation and its view (node, uid, status rank), for the forward check.
    uid: u64,
    view: Vec<(NodeId, u64, u8)>,
}

impl Default for NodeRecord {
    fn default() -> Self {
        NodeRecord {
            digest: 0,
            needed: 0,
            blocked: false,
            in_cluster: false,
            held: [0; HELD],
            held_len: 0,
            held_pos: 0,
            uid: 0,
            view: Vec::new(),
        }
    }
}

impl NodeRecord {
    fn hold(&mut self, d: u64) {
        if self.held_len > 0 && self.held[(self.held_pos + HELD - 1) % HELD] == d {
            return;
        }
        self.held[self.held_pos] = d;
        self.held_pos = (self.held_pos + 1) % HELD;
        self.held_len = (self.held_len + 1).min(HELD);
    }

    pub fn has_held(&self, d: u64) -> bool {
        (0..self.held_len).any(|i| self.held[(self.held_pos + HELD - 1 - i) % HELD] == d)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    pub nodes: Vec<NodeRecord>,
    /// (digest, leader) of the last states leaders acted on.
    acted: Vec<(u64, NodeId)>,
    /// The last (time, node) whose move was checked (one check per leader event).
    last_move: Option<(Time, NodeId)>,
    pub faults: bool,
    pub moves: u64,
    pub bad_moves: u64,
    pub downs: u64,
    pub unreachable_marks: u64,
    pub joins: u64,
    /// Whether the cluster agrees now, and since when it does not.
    pub agreed: bool,
    open: bool,
    since: Time,
    pub episodes: u64,
    pub rounds_sum: f64,
    pub rounds_max: f64,
    pub rounds_last: f64,
    pub formed_at: Option<Time>,
    pub gossip: Time,
    pub rounds: SeriesBuf,
}

impl Monitor {
    fn ensure(&mut self, n: usize) {
        if self.nodes.len() < n {
            self.nodes.resize_with(n, NodeRecord::default);
        }
    }

    pub(super) fn check(&mut self, now: Time, node: NodeId, nodes: &[ArchAkka]) -> Found {
        let mut found = Vec::new();
        self.ensure(nodes.len());
        let Some(p) = nodes.get(node) else {
            return found;
        };
        self.gossip = p.config().gossip;
        let d = p.g.digest();
        let rec = &mut self.nodes[node];
        let changed = d != rec.digest || rec.in_cluster != p.in_cluster();
        rec.digest = d;
        rec.in_cluster = p.in_cluster();
        if changed {
            rec.needed = p.g.needed();
            rec.blocked = p.g.blocking().next().is_some();
            rec.hold(d);
            // Forward only, within one incarnation's view.
            if rec.uid != p.uid() || p.g.is_empty() {
                rec.uid = p.uid();
                rec.view.clear();
            }
            for &(n, u, r) in &rec.view {
                match p.g.get(n, u) {
                    Some(m) if m.status.rank() >= r => {}
                    other => found.push((
                        "arch-akka.forward",
                        format!(
                            "n{} sees n{} go back from {} to {}",
                            node + 1,
                            n + 1,
                            Status::ALL[usize::from(r).min(5)].word(),
                            other.map_or("nothing", |m| m.status.word())
                        ),
                    )),
                }
            }
            rec.view.clear();
            rec.view
                .extend(p.g.members.iter().map(|m| (m.node, m.uid, m.status.rank())));
            self.agreement(now, nodes);
        }
        found
    }

    /// Updates whether every node in a cluster holds the same state, and the episodes.
    fn agreement(&mut self, now: Time, nodes: &[ArchAkka]) {
        let mut first = None;
        let mut agreed = true;
        for r in self.nodes.iter().filter(|r| r.in_cluster) {
            match first {
                None => first = Some(r.digest),
                Some(d) if d != r.digest => {
                    agreed = false;
                    break;
                }
                _ => {}
            }
        }
        if agreed && self.open {
            self.open = false;
            let rounds = now.saturating_sub(self.since) as f64 / self.gossip.max(1) as f64;
            self.episodes += 1;
            self.rounds_sum += rounds;
            self.rounds_max = self.rounds_max.max(rounds);
            self.rounds_last = rounds;
            self.rounds.push(now, rounds);
        } else if !agreed && !self.open {
            self.open = true;
            self.since = now;
        }
        self.agreed = agreed;
        if agreed && self.formed_at.is_none() && !nodes.is_empty() {
            let all_up = nodes.iter().all(|p| {
                p.in_cluster()
                    && (0..nodes.len()).all(|j| {
                        p.g.latest(j)
                            .is_some_and(|m| m.status == Status::Up && m.uid == nodes[j].uid())
                    })
            });
            if all_up {
                self.formed_at = Some(now);
            }
        }
    }

    pub(super) fn observe(&mut self, seen: &Observed<ArchAkka>, found: &mut Found) {
        self.ensure(seen.nodes.len());
        let t = seen.record.time;
        match &seen.record.kind {
            TraceKind::Note { key, node, value } => match *key {
                "arch-akka.move" => {
                    self.moves += 1;
                    if self.last_move != Some((t, *node)) {
                        self.last_move = Some((t, *node));
                        self.check_move(*node, *value, found);
                    }
                }
                "arch-akka.down" => self.downs += 1,
                "arch-akka.unreachable" => self.unreachable_marks += 1,
                "arch-akka.welcome" => self.joins += 1,
                _ => {}
            },
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    /// A leader's move: was the state it acted on converged, and is it the only leader that
    /// acted on it?
    fn check_move(&mut self, leader: NodeId, value: u64, found: &mut Found) {
        let Some(rec) = self.nodes.get(leader) else {
            return;
        };
        let (d, needed, blocked) = (rec.digest, rec.needed, rec.blocked);
        let moved = value / 8 + 1;
        let unseen =
            (0..self.nodes.len()).find(|&m| needed & bit(m) != 0 && !self.nodes[m].has_held(d));
        if blocked || unseen.is_some() {
            self.bad_moves += 1;
            let why = match unseen {
                Some(m) => format!("n{} has not seen that state", m + 1),
                None => "a member of it is unreachable".to_string(),
            };
            found.push((
                "arch-akka.converged-moves",
                format!(
                    "leader n{} moves n{moved} without convergence: {why}",
                    leader + 1
                ),
            ));
        }
        match self.acted.iter().find(|a| a.0 == d) {
            Some(&(_, other)) if other != leader => found.push((
                "arch-akka.one-leader",
                format!(
                    "n{} and n{} both act as leader on the same converged state",
                    other + 1,
                    leader + 1
                ),
            )),
            Some(_) => {}
            None => {
                if self.acted.len() >= 32 {
                    self.acted.remove(0);
                }
                self.acted.push((d, leader));
            }
        }
    }
}
