//! What every lock lab counts beside the storage's own check
//! ([`lock_storage`](super::lock_storage)): which clients *believe* they hold the lock (the
//! most at once is the lesson's number: two believers is two writers waiting to happen), and
//! how long each waited for it. A lock lab's monitor feeds it the lab's acquire, acquired and
//! released notes and the crashes.

use crate::{NodeId, Time};

/// Clients tracked (more than any lock lab's configuration has).
const MAX_NODES: usize = 16;

#[derive(Clone, Debug, Default)]
pub struct Beliefs {
    holders: [bool; MAX_NODES],
    /// Clients believing they hold the lock now, and at most at once.
    pub believers: u64,
    pub max_believers: u64,
    /// When each client began its current acquire.
    since: [Option<Time>; MAX_NODES],
    /// The longest and the total wait of the grants so far.
    pub max_wait: Time,
    pub total_wait: Time,
}

impl Beliefs {
    fn believe(&mut self, node: NodeId, holds: bool) {
        let Some(h) = self.holders.get_mut(node) else {
            return;
        };
        if *h != holds {
            *h = holds;
            if holds {
                self.believers += 1;
                self.max_believers = self.max_believers.max(self.believers);
            } else {
                self.believers = self.believers.saturating_sub(1);
            }
        }
    }

    /// `node` began to acquire at `t`.
    pub fn acquiring(&mut self, node: NodeId, t: Time) {
        if let Some(s) = self.since.get_mut(node) {
            *s = Some(t);
        }
    }

    /// `node` was granted the lock at `t` and believes it holds it.
    pub fn acquired(&mut self, node: NodeId, t: Time) {
        if let Some(s) = self.since.get_mut(node).and_then(|s| s.take()) {
            let w = t.saturating_sub(s);
            self.max_wait = self.max_wait.max(w);
            self.total_wait += w;
        }
        self.believe(node, true);
    }

    /// `node` released the lock (or gave up its section).
    pub fn released(&mut self, node: NodeId) {
        self.believe(node, false);
    }

    /// `node` crashed: it believes nothing and waits for nothing.
    pub fn crashed(&mut self, node: NodeId) {
        self.believe(node, false);
        if let Some(s) = self.since.get_mut(node) {
            *s = None;
        }
    }

    /// When each waiting client began to wait.
    pub fn waiting_since(&self) -> impl Iterator<Item = Time> + '_ {
        self.since.iter().flatten().copied()
    }
}
