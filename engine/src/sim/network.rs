//! The network model: latency range, random loss and duplication, per-link cuts (both ways or
//! one way) and slowdowns, partitions into groups, and FIFO links for labs that assume
//! TCP-like channels. The kernel asks it, per message, whether and when it arrives.

use std::collections::BTreeMap;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::trace::DropReason;
use crate::{NodeId, Time};

/// Static network settings of a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetConfig {
    pub latency_min: Time,
    pub latency_max: Time,
    /// Probability of losing a message, in parts per million.
    pub loss_ppm: u32,
    /// Probability of delivering a message twice, in parts per million.
    pub dup_ppm: u32,
    /// Links deliver in the order sent (a lab option: ZAB and the token ring assume TCP-like
    /// channels). A message never overtakes an earlier one on the same directed link.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fifo: bool,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            latency_min: 10 * crate::MS,
            latency_max: 30 * crate::MS,
            loss_ppm: 0,
            dup_ppm: 0,
            fifo: false,
        }
    }
}

/// The network's current state: configuration plus the faults in force.
#[derive(Clone, Debug)]
pub struct Network {
    pub cfg: NetConfig,
    n: usize,
    /// `cut[from * n + to]`: messages from `from` to `to` are lost.
    cut: Vec<bool>,
    /// With FIFO links, the latest arrival time scheduled on each directed link.
    last_arrival: Vec<Time>,
    /// Extra one-way latency on a link, keyed by (a, b) with a < b.
    slow: BTreeMap<(NodeId, NodeId), Time>,
    /// Partition group of each node; all zero when healed.
    group: Vec<u32>,
}

fn ordered(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a < b {
        (a, b)
    } else {
        (b, a)
    }
}

impl Network {
    pub fn new(n: usize, cfg: NetConfig) -> Self {
        let fifo = cfg.fifo;
        Network {
            cfg,
            n,
            cut: vec![false; n * n],
            last_arrival: if fifo { vec![0; n * n] } else { Vec::new() },
            slow: BTreeMap::new(),
            group: vec![0; n],
        }
    }

    /// Whether the link is cut in both directions.
    pub fn is_cut(&self, a: NodeId, b: NodeId) -> bool {
        self.is_cut_from(a, b) && self.is_cut_from(b, a)
    }

    /// Whether messages from `from` to `to` are lost.
    pub fn is_cut_from(&self, from: NodeId, to: NodeId) -> bool {
        self.cut[from * self.n + to]
    }

    /// Cuts or heals both directions of a link.
    pub fn set_cut(&mut self, a: NodeId, b: NodeId, cut: bool) {
        self.set_cut_from(a, b, cut);
        self.set_cut_from(b, a, cut);
    }

    /// Cuts or heals one direction of a link.
    pub fn set_cut_from(&mut self, from: NodeId, to: NodeId, cut: bool) {
        self.cut[from * self.n + to] = cut;
    }

    pub fn slow(&self, a: NodeId, b: NodeId) -> Time {
        self.slow.get(&ordered(a, b)).copied().unwrap_or(0)
    }

    pub fn set_slow(&mut self, a: NodeId, b: NodeId, extra: Time) {
        if extra == 0 {
            self.slow.remove(&ordered(a, b));
        } else {
            self.slow.insert(ordered(a, b), extra);
        }
    }

    pub fn groups(&self) -> &[u32] {
        &self.group
    }

    pub fn is_partitioned(&self) -> bool {
        self.group.iter().any(|&g| g != self.group[0])
    }

    pub fn set_groups(&mut self, groups: &[u32]) {
        self.group.copy_from_slice(groups);
    }

    /// Removes every cut, slowdown and partition.
    pub fn heal_all(&mut self) {
        self.cut.iter_mut().for_each(|c| *c = false);
        self.slow.clear();
        self.group.iter_mut().for_each(|g| *g = 0);
    }

    /// Why a message from `a` to `b` cannot pass right now, if it cannot.
    pub fn blocked(&self, a: NodeId, b: NodeId) -> Option<DropReason> {
        if self.group[a] != self.group[b] {
            Some(DropReason::Partition)
        } else if self.is_cut_from(a, b) {
            Some(DropReason::LinkCut)
        } else {
            None
        }
    }

    /// One-way latency of a new message, from the simulation's generator.
    pub fn latency(&self, rng: &mut ChaCha8Rng, a: NodeId, b: NodeId) -> Time {
        let base = if self.cfg.latency_max > self.cfg.latency_min {
            rng.gen_range(self.cfg.latency_min..=self.cfg.latency_max)
        } else {
            self.cfg.latency_min
        };
        base.saturating_add(self.slow(a, b))
    }

    /// When a message sent at `now` with latency `latency` arrives: with FIFO links never
    /// before the link's previous message (events at the same time keep their sending order).
    pub fn arrival(&mut self, now: Time, latency: Time, a: NodeId, b: NodeId) -> Time {
        let at = now.saturating_add(latency);
        if !self.cfg.fifo {
            return at;
        }
        let last = &mut self.last_arrival[a * self.n + b];
        *last = (*last).max(at);
        *last
    }

    /// Rolls the dice for random loss.
    pub fn lose(&self, rng: &mut ChaCha8Rng) -> bool {
        self.cfg.loss_ppm > 0 && rng.gen_range(0..1_000_000u32) < self.cfg.loss_ppm
    }

    /// Rolls the dice for duplication.
    pub fn duplicate(&self, rng: &mut ChaCha8Rng) -> bool {
        self.cfg.dup_ppm > 0 && rng.gen_range(0..1_000_000u32) < self.cfg.dup_ppm
    }
}
