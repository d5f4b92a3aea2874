//! The protocol-independent half of the kernel: the clock, the event queue, randomness, node
//! statuses and clocks, the network, the wire's bookkeeping, the trace's stamping and hashing,
//! and every user action that does not run protocol code.
//!
//! [`super::Sim`] is generic over the protocol, so its code is compiled once per lab. What
//! lives here is compiled once for all labs: the generic kernel only glues a protocol's
//! handlers, messages and timers to it. This keeps a lab's share of the WebAssembly small.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::action::{Action, ActionError};
use super::kernel::{InFlight, NodeStatus};
use super::network::{NetConfig, Network};
use super::protocol::{Clock, NodeKind};
use super::trace::{DropReason, TraceHasher, TraceKind, TraceRecord, Violation};
use crate::{NodeId, Time};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum EventKind {
    /// A message arrives: its id and its slot on the wire.
    Deliver { id: u64, slot: u32 },
    /// A timer fires. (`node` is a `u32` to keep queue entries small.)
    Timer { node: u32, generation: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Event {
    pub time: Time,
    seq: u64,
    pub kind: EventKind,
}

/// The messages on the wire (their envelopes; the contents live beside them in the generic
/// kernel, in the same slots), in a slab: a delivery event carries its message's slot, so it
/// finds the message at once. Slots are reused; the id in the event tells a reused slot from
/// the message it was meant for. Lookups by id (user drops, descriptions) scan the slab, which
/// is as small as the number of messages in flight at once.
#[derive(Clone, Debug, Default)]
pub(crate) struct Wire {
    pub slots: Vec<Option<InFlight>>,
    /// Free slots, reused last-freed first (deterministic, like everything else).
    free: Vec<u32>,
}

impl Wire {
    pub fn insert(&mut self, info: InFlight) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(info);
                slot
            }
            None => {
                self.slots.push(Some(info));
                (self.slots.len() - 1) as u32
            }
        }
    }

    pub fn get(&self, slot: u32, id: u64) -> Option<&InFlight> {
        self.slots
            .get(slot as usize)?
            .as_ref()
            .filter(|w| w.id == id)
    }

    pub fn take(&mut self, slot: u32, id: u64) -> Option<InFlight> {
        let cell = self.slots.get_mut(slot as usize)?;
        if cell.as_ref()?.id != id {
            return None;
        }
        self.free.push(slot);
        cell.take()
    }

    pub fn find(&self, id: u64) -> Option<u32> {
        self.slots
            .iter()
            .position(|w| w.as_ref().is_some_and(|w| w.id == id))
            .map(|i| i as u32)
    }

    /// Everything on the wire, in id order.
    pub fn sorted(&self) -> Vec<&InFlight> {
        let mut v: Vec<&InFlight> = self.slots.iter().flatten().collect();
        v.sort_unstable_by_key(|w| w.id);
        v
    }
}

/// What becomes of a message taken off the queue for delivery.
pub(crate) enum Arrival {
    /// Gone already (dropped by the user), or a stale event.
    Gone,
    /// The receiver is paused: the event waits.
    Deferred,
    /// Off the wire: delivered (no reason) or dropped on arrival; its content is in `slot`.
    Left {
        slot: u32,
        info: InFlight,
        reason: Option<DropReason>,
    },
}

/// The part of a simulation's state that knows no protocol (copied by checkpoints with the
/// rest of [`super::kernel::Core`]).
#[derive(Clone, Debug)]
pub(crate) struct Base {
    pub now: Time,
    seq: u64,
    pub events: u64,
    generation: u64,
    queue: BinaryHeap<Reverse<Event>>,
    pub rng: ChaCha8Rng,
    pub status: Vec<NodeStatus>,
    /// Each node's kind, an index into the protocol's `KINDS`.
    pub kinds: Vec<u8>,
    pub clocks: Vec<Clock>,
    /// Events that arrived for each node while it was paused, in arrival order.
    pub deferred: Vec<Vec<EventKind>>,
    /// Id of the next client call.
    pub next_call: u64,
    pub net: Network,
    pub wire: Wire,
    /// Id of the next message sent.
    next_msg: u64,
    pub violations: Vec<Violation>,
    pub hasher: TraceHasher,
    pub next_record: u64,
}

impl Base {
    pub fn new(kinds: Vec<u8>, net: NetConfig, seed: u64) -> Self {
        let n = kinds.len();
        Base {
            now: 0,
            seq: 0,
            events: 0,
            generation: 0,
            queue: BinaryHeap::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            status: vec![NodeStatus::Up; n],
            kinds,
            clocks: vec![Clock::default(); n],
            deferred: vec![Vec::new(); n],
            next_call: 0,
            net: Network::new(n, net),
            wire: Wire::default(),
            next_msg: 0,
            violations: Vec::new(),
            hasher: TraceHasher::default(),
            next_record: 0,
        }
    }

    pub fn n(&self) -> usize {
        self.status.len()
    }

    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek().map(|Reverse(e)| e.time)
    }

    /// Takes the next event off the queue and moves the clock to it.
    pub fn pop(&mut self) -> Option<EventKind> {
        let Reverse(ev) = self.queue.pop()?;
        self.now = self.now.max(ev.time);
        self.events += 1;
        Some(ev.kind)
    }

    pub fn push_event(&mut self, time: Time, kind: EventKind) {
        self.seq += 1;
        self.queue.push(Reverse(Event {
            time,
            seq: self.seq,
            kind,
        }));
    }

    pub fn new_msg_id(&mut self) -> u64 {
        let id = self.next_msg;
        self.next_msg += 1;
        id
    }

    /// Schedules a timer of `node` due `after` units of its local clock from now; returns
    /// its generation and when it fires.
    pub fn timer_event(&mut self, node: NodeId, after: Time) -> (u64, Time) {
        self.generation += 1;
        let generation = self.generation;
        let fires_at = self
            .now
            .saturating_add(self.clocks[node].true_duration(after));
        self.push_event(
            fires_at,
            EventKind::Timer {
                node: node as u32,
                generation,
            },
        );
        (generation, fires_at)
    }

    /// The next trace record, numbered, timed and hashed.
    pub fn stamp(&mut self, kind: TraceKind) -> TraceRecord {
        let r = TraceRecord {
            id: self.next_record,
            time: self.now,
            kind,
        };
        self.next_record += 1;
        self.hasher.record(&r);
        r
    }

    /// Takes the message of a delivery event off the wire and decides its fate.
    pub fn arrive(&mut self, id: u64, slot: u32) -> Arrival {
        let Some(to) = self.wire.get(slot, id).map(|w| w.to) else {
            return Arrival::Gone;
        };
        if self.status[to] == NodeStatus::Paused {
            self.deferred[to].push(EventKind::Deliver { id, slot });
            return Arrival::Deferred;
        }
        let Some(info) = self.wire.take(slot, id) else {
            return Arrival::Gone;
        };
        let reason = if self.status[info.to] == NodeStatus::Down {
            Some(DropReason::NodeDown)
        } else {
            self.net.blocked(info.from, info.to)
        };
        Arrival::Left { slot, info, reason }
    }

    /// Whether a message sent now from `from` to `to` gets on the wire: `Err` with the reason
    /// it is lost at once (a cut link, random loss).
    pub fn route(&mut self, from: NodeId, to: NodeId) -> Result<(), DropReason> {
        if let Some(reason) = self.net.blocked(from, to) {
            return Err(reason);
        }
        if self.net.lose(&mut self.rng) {
            return Err(DropReason::Loss);
        }
        Ok(())
    }

    /// Puts a message's envelope on the wire and schedules its arrival (after the network's
    /// latency, or at once for a message to itself); returns its slot.
    pub fn launch(&mut self, id: u64, from: NodeId, to: NodeId, kind: &'static str) -> u32 {
        let now = self.now;
        let deliver_at = if from == to {
            now
        } else {
            // Saturating: a share link may ask for an absurd slowdown; such a message never
            // arrives rather than overflowing the clock.
            let latency = self.net.latency(&mut self.rng, from, to);
            self.net.arrival(now, latency, from, to)
        };
        let slot = self.wire.insert(InFlight {
            id,
            from,
            to,
            kind,
            sent_at: now,
            deliver_at,
        });
        self.push_event(deliver_at, EventKind::Deliver { id, slot });
        slot
    }

    /// Whether the network duplicates the message just launched.
    pub fn duplicate(&mut self) -> bool {
        self.net.duplicate(&mut self.rng)
    }

    fn check_node(&self, node: NodeId) -> Result<(), ActionError> {
        if node < self.n() {
            Ok(())
        } else {
            Err(ActionError::NoSuchNode(node))
        }
    }

    fn check_link(&self, a: NodeId, b: NodeId) -> Result<(), ActionError> {
        self.check_node(a)?;
        self.check_node(b)?;
        if a == b {
            Err(ActionError::SameNode)
        } else {
            Ok(())
        }
    }

    /// A node's declared kind in `kinds` (the protocol's `KINDS`).
    pub fn node_kind(&self, kinds: &'static [NodeKind], id: NodeId) -> &'static NodeKind {
        &kinds[usize::from(self.kinds[id]).min(kinds.len() - 1)]
    }

    /// Checks an action without applying it; `kinds` is the protocol's `KINDS`.
    pub fn validate(
        &self,
        kinds: &'static [NodeKind],
        action: &Action,
        check_inflight: bool,
    ) -> Result<(), ActionError> {
        match action {
            Action::Crash { node }
            | Action::Restart { node }
            | Action::Pause { node }
            | Action::Resume { node } => self.check_node(*node),
            Action::Cut { a, b } | Action::Heal { a, b } | Action::Slow { a, b, .. } => {
                self.check_link(*a, *b)
            }
            Action::CutOneWay { from, to } | Action::HealOneWay { from, to } => {
                self.check_link(*from, *to)
            }
            Action::Clock {
                node, drift_ppm, ..
            } => {
                self.check_node(*node)?;
                if (-900_000..=10_000_000).contains(drift_ppm) {
                    Ok(())
                } else {
                    Err(ActionError::BadArgument {
                        command: "clock".into(),
                        reason: "drift must be between -900000 and 10000000 ppm".into(),
                    })
                }
            }
            Action::Partition { groups } if groups.len() != self.n() => {
                Err(ActionError::BadPartition)
            }
            Action::Partition { .. } | Action::HealAll => Ok(()),
            Action::Drop { msg } if check_inflight && self.wire.find(*msg).is_none() => {
                Err(ActionError::NotInFlight(*msg))
            }
            Action::Drop { .. } => Ok(()),
            Action::Command { node, name, arg } => {
                self.check_node(*node)?;
                let spec = self
                    .node_kind(kinds, *node)
                    .command(name)
                    .ok_or_else(|| ActionError::UnknownCommand(name.clone()))?;
                spec.arg
                    .check(arg.as_deref())
                    .map_err(|reason| ActionError::BadArgument {
                        command: name.clone(),
                        reason,
                    })
            }
        }
    }

    /// Applies an action on the network or a clock (one that runs no protocol code); returns
    /// the record to write if it changed anything. `None` for other actions too.
    pub fn apply_net(&mut self, action: &Action) -> Option<TraceKind> {
        let net = &mut self.net;
        match action {
            Action::Cut { a, b } => (!net.is_cut(*a, *b)).then(|| {
                net.set_cut(*a, *b, true);
                TraceKind::Cut { a: *a, b: *b }
            }),
            Action::Heal { a, b } => {
                (net.is_cut_from(*a, *b) || net.is_cut_from(*b, *a)).then(|| {
                    net.set_cut(*a, *b, false);
                    TraceKind::Heal { a: *a, b: *b }
                })
            }
            Action::Slow { a, b, extra } => {
                net.set_slow(*a, *b, *extra);
                Some(TraceKind::Slow {
                    a: *a,
                    b: *b,
                    extra: *extra,
                })
            }
            Action::Partition { groups } => {
                net.set_groups(groups);
                Some(TraceKind::Partition {
                    groups: groups.clone(),
                })
            }
            Action::HealAll => {
                net.heal_all();
                Some(TraceKind::HealAll)
            }
            Action::CutOneWay { from, to } => (!net.is_cut_from(*from, *to)).then(|| {
                net.set_cut_from(*from, *to, true);
                TraceKind::CutOneWay {
                    from: *from,
                    to: *to,
                }
            }),
            Action::HealOneWay { from, to } => net.is_cut_from(*from, *to).then(|| {
                net.set_cut_from(*from, *to, false);
                TraceKind::HealOneWay {
                    from: *from,
                    to: *to,
                }
            }),
            Action::Clock {
                node,
                drift_ppm,
                offset,
            } => {
                let clock = Clock {
                    drift_ppm: *drift_ppm,
                    offset: *offset,
                };
                (self.clocks[*node] != clock).then(|| {
                    self.clocks[*node] = clock;
                    TraceKind::Clock {
                        node: *node,
                        drift_ppm: *drift_ppm,
                        offset: *offset,
                    }
                })
            }
            _ => None,
        }
    }
}

/// The record of a message leaving the wire: delivered, or dropped for `reason`.
pub(crate) fn arrival_record(m: &InFlight, reason: Option<DropReason>) -> TraceKind {
    match reason {
        Some(reason) => TraceKind::Drop {
            msg: m.id,
            from: m.from,
            to: m.to,
            kind: m.kind,
            reason,
        },
        None => TraceKind::Deliver {
            msg: m.id,
            from: m.from,
            to: m.to,
            kind: m.kind,
        },
    }
}

/// The trace records kept for display and export (the hash covers every record, kept or not).
#[derive(Clone, Debug, Default)]
pub(crate) struct Records {
    pub trace: Vec<TraceRecord>,
    /// How much of `trace` belongs to the present; past it is the recorded future (see
    /// [`super::Sim`]'s cursors).
    pub len: usize,
    /// Id of the first kept record.
    pub base: u64,
}

impl Records {
    /// Appends a record, or steps over the identical entry of the recorded future.
    pub fn keep(&mut self, r: TraceRecord) {
        if self.len == self.trace.len() {
            self.trace.push(r);
        } else {
            debug_assert_eq!(
                self.trace[self.len], r,
                "replay diverged from the recorded future"
            );
        }
        self.len += 1;
    }

    /// The kept records up to now.
    pub fn present(&self) -> &[TraceRecord] {
        &self.trace[..self.len]
    }

    /// How many kept records of the present are older than `t`.
    pub fn before(&self, t: Time) -> usize {
        self.present().partition_point(|r| r.time < t)
    }

    /// Drops the records with ids below `record` (at most up to the present).
    pub fn drop_before(&mut self, record: u64) {
        let records = usize::try_from(record.saturating_sub(self.base))
            .unwrap_or(usize::MAX)
            .min(self.len);
        if records > 0 {
            self.trace.drain(..records);
            self.len -= records;
            self.base += records as u64;
        }
    }

    /// Moves the cursor to the absolute count `abs` (clamped to what is kept).
    pub fn seek(&mut self, abs: u64) {
        self.len = usize::try_from(abs.saturating_sub(self.base))
            .unwrap_or(0)
            .min(self.trace.len());
    }

    /// The notes with `key` among the present records, as (time, node, value).
    pub fn notes<'a>(&'a self, key: &'a str) -> impl Iterator<Item = (Time, NodeId, u64)> + 'a {
        super::trace::notes(self.present(), key)
    }
}
