//! The membership state Akka nodes gossip (seed 001, "非集中式结构 … Gossip 协议"): each
//! member's status, the reachability marks of the failure detectors, a vector clock that
//! versions the whole state and the seen-by set the leader reads convergence from.
//!
//! Merging is a join: a member's status only moves forward (joining → up → leaving →
//! exiting → down → removed, so the later one wins), and each observer's reachability row is
//! taken from the side with its higher version. Members are never deleted: a removed one
//! stays as a tombstone, so an old gossip cannot bring it back.

use crate::sim::TraceHasher;
use crate::NodeId;

/// A member's status, in the only order it may move.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Joining,
    Up,
    Leaving,
    Exiting,
    Down,
    Removed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Joining,
        Status::Up,
        Status::Leaving,
        Status::Exiting,
        Status::Down,
        Status::Removed,
    ];

    pub fn rank(self) -> u8 {
        self as u8
    }

    /// Translation key of the status (`arch-akka.st.up`).
    pub fn key(self) -> &'static str {
        match self {
            Status::Joining => "arch-akka.st.joining",
            Status::Up => "arch-akka.st.up",
            Status::Leaving => "arch-akka.st.leaving",
            Status::Exiting => "arch-akka.st.exiting",
            Status::Down => "arch-akka.st.down",
            Status::Removed => "arch-akka.st.removed",
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Status::Joining => "joining",
            Status::Up => "up",
            Status::Leaving => "leaving",
            Status::Exiting => "exiting",
            Status::Down => "down",
            Status::Removed => "removed",
        }
    }

    /// Still part of the cluster (watched on the ring, gossiped to).
    pub fn active(self) -> bool {
        self <= Status::Exiting
    }
}

/// One member: a node's incarnation (`uid`, its boot number) and its status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub node: NodeId,
    pub uid: u64,
    pub status: Status,
}

/// One observer's reachability row: the members its failure detector finds unreachable,
/// versioned by the observer itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub node: NodeId,
    pub uid: u64,
    pub version: u64,
    pub unreachable: Vec<(NodeId, u64)>,
}

/// How two vector clocks compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    Same,
    Before,
    After,
    Concurrent,
}

/// Compares vector clocks `a` and `b` (`Before`: `a` happened before `b`).
pub fn compare(a: &[u64], b: &[u64]) -> Order {
    let (mut less, mut more) = (false, false);
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        less |= x < y;
        more |= x > y;
    }
    match (less, more) {
        (false, false) => Order::Same,
        (true, false) => Order::Before,
        (false, true) => Order::After,
        (true, true) => Order::Concurrent,
    }
}

/// The gossiped state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Gossip {
    /// Sorted by (node, uid).
    pub members: Vec<Member>,
    /// Sorted by (node, uid) of the observer.
    pub rows: Vec<Row>,
    /// Vector clock, one entry per node id.
    pub vc: Vec<u64>,
    /// Bit i: node i has seen this version.
    pub seen: u64,
}

pub fn bit(node: NodeId) -> u64 {
    1u64.checked_shl(node as u32).unwrap_or(0)
}

impl Gossip {
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The member entry of incarnation `uid` of `node`.
    pub fn get(&self, node: NodeId, uid: u64) -> Option<&Member> {
        self.members.iter().find(|m| m.node == node && m.uid == uid)
    }

    /// The newest incarnation of `node`.
    pub fn latest(&self, node: NodeId) -> Option<&Member> {
        self.members.iter().rev().find(|m| m.node == node)
    }

    /// Adds a member (kept sorted) or moves it forward; never back.
    pub fn set(&mut self, node: NodeId, uid: u64, status: Status) -> bool {
        match self
            .members
            .binary_search_by_key(&(node, uid), |m| (m.node, m.uid))
        {
            Ok(i) if self.members[i].status < status => {
                self.members[i].status = status;
                true
            }
            Ok(_) => false,
            Err(i) => {
                self.members.insert(i, Member { node, uid, status });
                true
            }
        }
    }

    /// Whether member (`node`, `uid`) is marked unreachable by an observer still in the
    /// cluster.
    pub fn unreachable(&self, node: NodeId, uid: u64) -> bool {
        self.rows.iter().any(|r| {
            self.get(r.node, r.uid)
                .is_some_and(|o| o.status < Status::Down)
                && r.unreachable.contains(&(node, uid))
        })
    }

    /// Members that block convergence by being unreachable (only down and exiting members
    /// may be unreachable).
    pub fn blocking(&self) -> impl Iterator<Item = &Member> + '_ {
        self.members.iter().filter(move |m| {
            matches!(m.status, Status::Joining | Status::Up | Status::Leaving)
                && self.unreachable(m.node, m.uid)
        })
    }

    /// Members that must have seen a version for convergence: up and leaving ones.
    pub fn needed(&self) -> u64 {
        self.members
            .iter()
            .filter(|m| matches!(m.status, Status::Up | Status::Leaving))
            .fold(0, |acc, m| acc | bit(m.node))
    }

    /// Akka's convergence: no member unreachable unless down or exiting, and every up or
    /// leaving member has seen this version.
    pub fn converged(&self) -> bool {
        self.blocking().next().is_none() && self.needed() & !self.seen == 0
    }

    /// The leader: the first member by node id among the reachable up or leaving ones (the
    /// reachable joining ones while none is up, which is how the first seed node leads
    /// itself up).
    pub fn leader(&self) -> Option<NodeId> {
        let reachable = |m: &&Member| !self.unreachable(m.node, m.uid);
        self.members
            .iter()
            .filter(|m| matches!(m.status, Status::Up | Status::Leaving))
            .find(reachable)
            .or_else(|| {
                self.members
                    .iter()
                    .filter(|m| m.status == Status::Joining)
                    .find(reachable)
            })
            .map(|m| m.node)
    }

    /// Joins `other`'s content into this one (members by status, rows by version) and the
    /// vector clocks pointwise; the seen set is the caller's business.
    pub fn merge(&mut self, other: &Gossip) {
        for m in &other.members {
            self.set(m.node, m.uid, m.status);
        }
        for r in &other.rows {
            match self
                .rows
                .binary_search_by_key(&(r.node, r.uid), |x| (x.node, x.uid))
            {
                Ok(i) if self.rows[i].version < r.version => self.rows[i] = r.clone(),
                Ok(_) => {}
                Err(i) => self.rows.insert(i, r.clone()),
            }
        }
        if self.vc.len() < other.vc.len() {
            self.vc.resize(other.vc.len(), 0);
        }
        for (a, b) in self.vc.iter_mut().zip(&other.vc) {
            *a = (*a).max(*b);
        }
    }

    /// A fingerprint of the content (members and rows; not the clock nor the seen set): two
    /// nodes with the same digest hold the same state.
    pub fn digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |v: u64| {
            for b in v.to_le_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for m in &self.members {
            eat(m.node as u64);
            eat(m.uid);
            eat(u64::from(m.status.rank()));
        }
        eat(u64::MAX);
        for r in &self.rows {
            eat(r.node as u64);
            eat(r.uid);
            eat(r.version);
            for &(n, u) in &r.unreachable {
                eat(n as u64);
                eat(u);
            }
        }
        h
    }

    /// Members in the cluster now (joining to exiting).
    pub fn active(&self) -> impl Iterator<Item = &Member> + '_ {
        self.members.iter().filter(|m| m.status.active())
    }

    pub fn hash_into(&self, h: &mut TraceHasher) {
        h.u64(self.members.len() as u64);
        for m in &self.members {
            h.node(m.node);
            h.u64(m.uid);
            h.u64(u64::from(m.status.rank()));
        }
        h.u64(self.rows.len() as u64);
        for r in &self.rows {
            h.node(r.node);
            h.u64(r.uid);
            h.u64(r.version);
            h.u64(r.unreachable.len() as u64);
            for &(n, u) in &r.unreachable {
                h.node(n);
                h.u64(u);
            }
        }
        self.vc.iter().for_each(|&v| h.u64(v));
        h.u64(self.seen);
    }

    pub fn heap_bytes(&self) -> usize {
        self.members.len() * 24
            + self.vc.len() * 8
            + self
                .rows
                .iter()
                .map(|r| 32 + r.unreachable.len() * 16)
                .sum::<usize>()
    }
}
