//! The kernel proper: nodes, the event queue, the network and the trace.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::action::{Action, ActionError};
use super::network::{NetConfig, Network};
use super::protocol::{Clock, Ctx, Effect, Found, Message, NodeKind, Observed, Protocol};
use super::trace::{DropReason, TraceHasher, TraceKind, TraceRecord, Violation};
use crate::{NodeId, Time};

/// Whether a node runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeStatus {
    Up,
    /// Crashed: volatile state lost, receives nothing, fires no timers.
    Down,
    /// Paused (like SIGSTOP): events addressed to it wait until it resumes.
    Paused,
}

/// A pending timer, for drawing (for example an election-timeout arc).
#[derive(Clone, Copy, Debug)]
pub struct TimerView<T> {
    pub key: T,
    pub set_at: Time,
    pub fires_at: Time,
}

#[derive(Clone, Debug)]
struct TimerSlot<T> {
    view: TimerView<T>,
    generation: u64,
}

#[derive(Clone, Debug)]
struct NodeSlot<P: Protocol> {
    timers: Vec<TimerSlot<P::Timer>>,
    /// Events that arrived while paused, in arrival order.
    deferred: Vec<EventKind>,
}

/// A message on the wire.
#[derive(Clone, Debug)]
pub struct InFlight {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    /// The message's [`Message::kind`].
    pub kind: &'static str,
    pub sent_at: Time,
    pub deliver_at: Time,
}

/// A message on the wire with its content, which moves to the receiver on delivery.
#[derive(Clone, Debug)]
struct Wire<M> {
    info: InFlight,
    msg: M,
}

/// The messages on the wire, in a slab: a delivery event carries its message's slot, so it
/// finds the message at once. Slots are reused; the id in the event tells a reused slot from
/// the message it was meant for. Lookups by id (user drops, descriptions) scan the slab, which
/// is as small as the number of messages in flight at once.
#[derive(Clone, Debug)]
struct Wires<M> {
    slots: Vec<Option<Wire<M>>>,
    /// Free slots, reused last-freed first (deterministic, like everything else).
    free: Vec<u32>,
}

impl<M> Wires<M> {
    fn new() -> Self {
        Wires {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    fn insert(&mut self, w: Wire<M>) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(w);
                slot
            }
            None => {
                self.slots.push(Some(w));
                (self.slots.len() - 1) as u32
            }
        }
    }

    fn get(&self, slot: u32, id: u64) -> Option<&Wire<M>> {
        self.slots
            .get(slot as usize)?
            .as_ref()
            .filter(|w| w.info.id == id)
    }

    fn take(&mut self, slot: u32, id: u64) -> Option<Wire<M>> {
        let cell = self.slots.get_mut(slot as usize)?;
        if cell.as_ref()?.info.id != id {
            return None;
        }
        self.free.push(slot);
        cell.take()
    }

    fn find(&self, id: u64) -> Option<u32> {
        self.slots
            .iter()
            .position(|w| w.as_ref().is_some_and(|w| w.info.id == id))
            .map(|i| i as u32)
    }

    /// Everything on the wire, in id order.
    fn sorted(&self) -> Vec<&Wire<M>> {
        let mut v: Vec<&Wire<M>> = self.slots.iter().flatten().collect();
        v.sort_unstable_by_key(|w| w.info.id);
        v
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum EventKind {
    /// A message arrives: its id and its slot on the wire.
    Deliver { id: u64, slot: u32 },
    /// A timer fires. (`node` is a `u32` to keep queue entries small.)
    Timer { node: u32, generation: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    time: Time,
    seq: u64,
    kind: EventKind,
}

/// The part of a simulation that a checkpoint copies. Append-only logs live in [`Sim`].
#[derive(Clone, Debug)]
pub(crate) struct Core<P: Protocol> {
    now: Time,
    seq: u64,
    events: u64,
    generation: u64,
    queue: BinaryHeap<Reverse<Event>>,
    rng: ChaCha8Rng,
    nodes: Vec<NodeSlot<P>>,
    status: Vec<NodeStatus>,
    /// Each node's kind, an index into [`Protocol::KINDS`].
    kinds: Vec<u8>,
    clocks: Vec<Clock>,
    /// Id of the next client call ([`Ctx::invoke`]).
    next_call: u64,
    states: Vec<P>,
    net: Network,
    inflight: Wires<P::Msg>,
    /// Id of the next message sent.
    next_msg: u64,
    monitor: P::Monitor,
    violations: Vec<Violation>,
    hasher: TraceHasher,
    next_record: u64,
}

/// A message ever sent, kept for descriptions (the log, hover, export).
#[derive(Clone, Debug)]
pub struct SentMsg<M> {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: Time,
    pub msg: M,
}

/// A deterministic simulation of one protocol on `n` nodes.
#[derive(Clone, Debug)]
pub struct Sim<P: Protocol> {
    pub(crate) core: Core<P>,
    trace: Vec<TraceRecord>,
    sent: Vec<SentMsg<P::Msg>>,
    /// Whether records and sent messages are kept (records are always hashed). Benchmarks and
    /// the runner turn this off before running.
    pub keep_trace: bool,
    /// How much of `trace` and `sent` belongs to the present. After scrubbing back, the
    /// records past these cursors are the run's recorded future: re-running writes the same
    /// records again (the run is deterministic), so they are kept and the cursors advance over
    /// them, which lets a later jump forward restore a checkpoint instead of re-running.
    trace_len: usize,
    sent_len: usize,
    /// Ids of the first kept trace record and of the first kept sent message: the oldest
    /// history can be dropped ([`Sim::drop_history_before`]), ids stay absolute.
    trace_base: u64,
    sent_base: u64,
    /// Heap bytes held by the messages in `sent` (see [`Message::heap_bytes`]).
    sent_heap: usize,
    scratch: Vec<Effect<P>>,
    /// Violations a checker reports, reused between events.
    found: Found,
}

impl<P: Protocol> Sim<P> {
    pub fn new(n: usize, cfg: &P::Config, net: NetConfig, seed: u64) -> Self {
        let states: Vec<P> = (0..n).map(|id| P::new(id, n, cfg)).collect();
        let kinds = states
            .iter()
            .map(|p| u8::try_from(p.kind()).unwrap_or(0))
            .collect();
        let nodes = (0..n)
            .map(|_| NodeSlot {
                timers: Vec::new(),
                deferred: Vec::new(),
            })
            .collect();
        let mut sim = Sim {
            core: Core {
                now: 0,
                seq: 0,
                events: 0,
                generation: 0,
                queue: BinaryHeap::new(),
                rng: ChaCha8Rng::seed_from_u64(seed),
                nodes,
                status: vec![NodeStatus::Up; n],
                kinds,
                clocks: vec![Clock::default(); n],
                next_call: 0,
                states,
                net: Network::new(n, net),
                inflight: Wires::new(),
                next_msg: 0,
                monitor: P::Monitor::default(),
                violations: Vec::new(),
                hasher: TraceHasher::default(),
                next_record: 0,
            },
            trace: Vec::new(),
            sent: Vec::new(),
            keep_trace: true,
            trace_len: 0,
            sent_len: 0,
            trace_base: 0,
            sent_base: 0,
            sent_heap: 0,
            scratch: Vec::new(),
            found: Vec::new(),
        };
        for id in 0..n {
            sim.run_handler(id, |p, ctx| p.on_start(ctx));
        }
        sim
    }

    pub fn now(&self) -> Time {
        self.core.now
    }

    /// Events taken from the queue so far (including stale timers and deferred deliveries).
    pub fn events(&self) -> u64 {
        self.core.events
    }

    pub fn n(&self) -> usize {
        self.core.nodes.len()
    }

    pub fn node(&self, id: NodeId) -> &P {
        &self.core.states[id]
    }

    pub fn status(&self, id: NodeId) -> NodeStatus {
        self.core.status[id]
    }

    /// Every node's status, by id.
    pub fn statuses(&self) -> &[NodeStatus] {
        &self.core.status
    }

    /// A node's kind, an index into [`Protocol::KINDS`].
    pub fn kind(&self, id: NodeId) -> usize {
        usize::from(self.core.kinds[id])
    }

    /// A node's kind as declared ([`Protocol::KINDS`]).
    pub fn node_kind(&self, id: NodeId) -> &'static NodeKind {
        &P::KINDS[self.kind(id).min(P::KINDS.len() - 1)]
    }

    /// A node's local clock.
    pub fn clock(&self, id: NodeId) -> Clock {
        self.core.clocks[id]
    }

    /// Every node's state, by id.
    pub fn nodes(&self) -> &[P] {
        &self.core.states
    }

    pub fn timers(&self, id: NodeId) -> impl Iterator<Item = &TimerView<P::Timer>> {
        self.core.nodes[id].timers.iter().map(|t| &t.view)
    }

    pub fn network(&self) -> &Network {
        &self.core.net
    }

    /// Messages on the wire, in id order.
    pub fn inflight(&self) -> impl Iterator<Item = &InFlight> {
        self.core.inflight.sorted().into_iter().map(|w| &w.info)
    }

    /// Messages on the wire in no particular order (but the same order on every run): cheaper
    /// than [`Sim::inflight`] when the order does not matter.
    pub fn inflight_unordered(&self) -> impl Iterator<Item = &InFlight> {
        self.core.inflight.slots.iter().flatten().map(|w| &w.info)
    }

    fn find_inflight(&self, id: u64) -> Option<u32> {
        self.core.inflight.find(id)
    }

    /// A message's content by id: from the sent log, or from the wire if the log is off or
    /// the message's entry was dropped with the oldest history (then `None` once it has left
    /// the wire).
    pub fn message(&self, id: u64) -> Option<&P::Msg> {
        let logged = id
            .checked_sub(self.sent_base)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.sent[..self.sent_len].get(i))
            .filter(|m| m.id == id);
        match logged {
            Some(m) => Some(&m.msg),
            None => {
                let slot = self.find_inflight(id)?;
                self.core.inflight.get(slot, id).map(|w| &w.msg)
            }
        }
    }

    pub fn monitor(&self) -> &P::Monitor {
        &self.core.monitor
    }

    pub fn violations(&self) -> &[Violation] {
        &self.core.violations
    }

    /// The kept trace records up to now, in order; their ids are dense from
    /// [`Sim::first_record`] (0 unless the oldest history was dropped).
    pub fn trace(&self) -> &[TraceRecord] {
        &self.trace[..self.trace_len]
    }

    /// The kept messages sent so far, indexed by message id minus [`Sim::first_message`]
    /// (empty when `keep_trace` is off).
    pub fn sent(&self) -> &[SentMsg<P::Msg>] {
        &self.sent[..self.sent_len]
    }

    /// Id of the first kept trace record (records before it were dropped).
    pub fn first_record(&self) -> u64 {
        self.trace_base
    }

    /// Id of the first kept sent message (messages before it were dropped from the log).
    pub fn first_message(&self) -> u64 {
        self.sent_base
    }

    /// Drops the recorded history before `keep_from`: trace records of earlier times and
    /// messages sent earlier. The run itself is untouched (its state, trace hash and future
    /// are the same as without dropping); ids stay absolute. Only the present is dropped
    /// from, never the recorded future.
    pub fn trim_history(&mut self, keep_from: Time) {
        let records = self.trace[..self.trace_len].partition_point(|r| r.time < keep_from);
        let msgs = self.sent[..self.sent_len].partition_point(|m| m.sent_at < keep_from);
        self.drop_history_before(
            self.trace_base + records as u64,
            self.sent_base + msgs as u64,
        );
    }

    /// Drops the trace records with ids below `record` and the logged messages with ids below
    /// `msg` (both at most up to the present), keeping ids absolute.
    pub fn drop_history_before(&mut self, record: u64, msg: u64) {
        let records = usize::try_from(record.saturating_sub(self.trace_base))
            .unwrap_or(usize::MAX)
            .min(self.trace_len);
        let msgs = self.sent[..self.sent_len]
            .partition_point(|m| m.id < msg)
            .min(self.sent_len);
        if records > 0 {
            self.trace.drain(..records);
            self.trace_len -= records;
            self.trace_base += records as u64;
        }
        if msgs > 0 {
            let gone: usize = self.sent[..msgs].iter().map(|m| m.msg.heap_bytes()).sum();
            self.sent_heap -= gone;
            self.sent.drain(..msgs);
            self.sent_len -= msgs;
            self.sent_base = self.sent.first().map_or(msg, |m| m.id);
        }
    }

    /// Appends to the sent log, or steps over the identical entry of the recorded future.
    fn log_sent(&mut self, m: SentMsg<P::Msg>) {
        if self.sent_len == self.sent.len() {
            self.sent_heap += m.msg.heap_bytes();
            self.sent.push(m);
        } else {
            debug_assert_eq!(
                self.sent[self.sent_len].id, m.id,
                "replay diverged from the recorded future"
            );
        }
        self.sent_len += 1;
    }

    /// The notes with `key` in the kept trace, as (time, node, value), in order (for tests and
    /// summaries: "who announced victory, when").
    pub fn notes<'a>(&'a self, key: &'a str) -> impl Iterator<Item = (Time, NodeId, u64)> + 'a {
        self.trace().iter().filter_map(move |r| match &r.kind {
            TraceKind::Note {
                node,
                key: k,
                value,
            } if *k == key => Some((r.time, *node, *value)),
            _ => None,
        })
    }

    pub fn trace_hash(&self) -> String {
        self.core.hasher.hex()
    }

    /// An estimate of the memory the recorded history takes (kept trace records and sent
    /// messages, present and recorded future; the vectors' spare room, up to as much again, is
    /// not counted, as it is reused), so a session can drop its oldest history before a long
    /// fast run exhausts the tab's memory ([`super::Session::set_history_budget`]). The run's
    /// state and checkpoints are not counted: they stay bounded however long the run.
    pub fn history_bytes(&self) -> usize {
        self.trace.len() * std::mem::size_of::<TraceRecord>()
            + self.sent.len() * std::mem::size_of::<SentMsg<P::Msg>>()
            + self.sent_heap
    }

    /// Number of trace records written so far (also the next record's id).
    pub fn records(&self) -> u64 {
        self.core.next_record
    }

    /// Time of the next queued event.
    pub fn next_event_time(&self) -> Option<Time> {
        self.core.queue.peek().map(|Reverse(e)| e.time)
    }

    /// Processes the next event; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some(Reverse(ev)) = self.core.queue.pop() else {
            return false;
        };
        self.core.now = self.core.now.max(ev.time);
        self.core.events += 1;
        self.dispatch(ev.kind);
        true
    }

    /// Processes every event up to and including `t`, leaving the clock at the last one.
    pub(crate) fn step_through(&mut self, t: Time) {
        while self.next_event_time().is_some_and(|et| et <= t) {
            self.step();
        }
    }

    /// Processes every event up to and including `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: Time) {
        while self.next_event_time().is_some_and(|et| et <= t) {
            self.step();
        }
        self.core.now = self.core.now.max(t);
    }

    /// Moves the clock forward to `t` without processing events (used by replay).
    pub(crate) fn set_now(&mut self, t: Time) {
        self.core.now = self.core.now.max(t);
    }

    fn dispatch(&mut self, kind: EventKind) {
        match kind {
            EventKind::Deliver { id, slot } => {
                let Some(to) = self.core.inflight.get(slot, id).map(|w| w.info.to) else {
                    return;
                };
                if self.core.status[to] == NodeStatus::Paused {
                    self.core.nodes[to].deferred.push(kind);
                    return;
                }
                let Some(Wire { info: m, msg }) = self.core.inflight.take(slot, id) else {
                    return;
                };
                let kind_name = m.kind;
                let reason = if self.core.status[m.to] == NodeStatus::Down {
                    Some(DropReason::NodeDown)
                } else {
                    self.core.net.blocked(m.from, m.to)
                };
                if let Some(reason) = reason {
                    self.record(TraceKind::Drop {
                        msg: id,
                        from: m.from,
                        to: m.to,
                        kind: kind_name,
                        reason,
                    });
                    return;
                }
                self.record(TraceKind::Deliver {
                    msg: id,
                    from: m.from,
                    to: m.to,
                    kind: kind_name,
                });
                self.run_handler(m.to, |p, ctx| p.on_msg(m.from, msg, ctx));
            }
            EventKind::Timer { node, generation } => {
                let node = node as NodeId;
                let paused = self.core.status[node] == NodeStatus::Paused;
                let slot = &mut self.core.nodes[node];
                let Some(pos) = slot.timers.iter().position(|t| t.generation == generation) else {
                    return;
                };
                if paused {
                    slot.deferred.push(kind);
                    return;
                }
                let key = slot.timers.remove(pos).view.key;
                self.record(TraceKind::Timer {
                    node,
                    name: P::timer_name(key),
                });
                self.run_handler(node, |p, ctx| p.on_timer(key, ctx));
            }
        }
    }

    fn push_event(&mut self, time: Time, kind: EventKind) {
        self.core.seq += 1;
        self.core.queue.push(Reverse(Event {
            time,
            seq: self.core.seq,
            kind,
        }));
    }

    /// Runs a handler on a node and applies its effects.
    fn run_handler(&mut self, id: NodeId, f: impl FnOnce(&mut P, &mut Ctx<P>)) {
        let mut out = std::mem::take(&mut self.scratch);
        {
            let core = &mut self.core;
            let n = core.nodes.len();
            let mut ctx = Ctx {
                id,
                now: core.now,
                n,
                kinds: &core.kinds,
                clock: core.clocks[id],
                rng: &mut core.rng,
                out: &mut out,
                next_call: &mut core.next_call,
            };
            f(&mut core.states[id], &mut ctx);
        }
        for effect in out.drain(..) {
            match effect {
                Effect::Send(to, msg) => self.send(id, to, msg),
                Effect::SetTimer(key, after) => {
                    self.core.generation += 1;
                    let generation = self.core.generation;
                    let now = self.core.now;
                    let fires_at = now.saturating_add(self.core.clocks[id].true_duration(after));
                    let view = TimerView {
                        key,
                        set_at: now,
                        fires_at,
                    };
                    let timers = &mut self.core.nodes[id].timers;
                    timers.retain(|t| t.view.key != key);
                    timers.push(TimerSlot { view, generation });
                    self.push_event(
                        fires_at,
                        EventKind::Timer {
                            node: id as u32,
                            generation,
                        },
                    );
                }
                Effect::CancelTimer(key) => {
                    self.core.nodes[id].timers.retain(|t| t.view.key != key)
                }
                Effect::Note(key, value) => self.record(TraceKind::Note {
                    node: id,
                    key,
                    value,
                }),
                Effect::Invoke { call, key, op } => self.record(TraceKind::Invoke {
                    node: id,
                    call,
                    key,
                    op,
                }),
                Effect::Return { call, ret } => self.record(TraceKind::Return {
                    node: id,
                    call,
                    ret,
                }),
            }
        }
        self.scratch = out;
        self.check(id);
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: P::Msg) {
        if to >= self.n() {
            return;
        }
        let id = self.new_msg_id();
        let kind = msg.kind();
        msg.hash_into(&mut self.core.hasher);
        if self.keep_trace {
            self.log_sent(SentMsg {
                id,
                from,
                to,
                sent_at: self.core.now,
                msg: msg.clone(),
            });
        }
        self.record(TraceKind::Send {
            msg: id,
            from,
            to,
            kind,
        });
        if to == from {
            // A message to itself never touches the network: it arrives after this handler.
            let slot = self.core.inflight.insert(Wire {
                info: InFlight {
                    id,
                    from,
                    to,
                    kind,
                    sent_at: self.core.now,
                    deliver_at: self.core.now,
                },
                msg,
            });
            self.push_event(self.core.now, EventKind::Deliver { id, slot });
            return;
        }
        if let Some(reason) = self.core.net.blocked(from, to) {
            self.record(TraceKind::Drop {
                msg: id,
                from,
                to,
                kind,
                reason,
            });
            return;
        }
        if self.core.net.lose(&mut self.core.rng) {
            self.record(TraceKind::Drop {
                msg: id,
                from,
                to,
                kind,
                reason: DropReason::Loss,
            });
            return;
        }
        let slot = self.launch(id, from, to, msg);
        if self.core.net.duplicate(&mut self.core.rng) {
            let Some(copy) = self.core.inflight.get(slot, id).map(|w| w.msg.clone()) else {
                return;
            };
            let dup = self.new_msg_id();
            if self.keep_trace {
                self.log_sent(SentMsg {
                    id: dup,
                    from,
                    to,
                    sent_at: self.core.now,
                    msg: copy.clone(),
                });
            }
            self.record(TraceKind::Duplicate {
                msg: dup,
                of: id,
                from,
                to,
                kind,
            });
            self.launch(dup, from, to, copy);
        }
    }

    fn new_msg_id(&mut self) -> u64 {
        let id = self.core.next_msg;
        self.core.next_msg += 1;
        id
    }

    /// Puts a message on the wire and schedules its arrival; returns its slot.
    fn launch(&mut self, id: u64, from: NodeId, to: NodeId, msg: P::Msg) -> u32 {
        let now = self.core.now;
        // Saturating: a share link may ask for an absurd slowdown; such a message never arrives
        // rather than overflowing the clock.
        let latency = self.core.net.latency(&mut self.core.rng, from, to);
        let deliver_at = self.core.net.arrival(now, latency, from, to);
        let slot = self.core.inflight.insert(Wire {
            info: InFlight {
                id,
                from,
                to,
                kind: msg.kind(),
                sent_at: now,
                deliver_at,
            },
            msg,
        });
        self.push_event(deliver_at, EventKind::Deliver { id, slot });
        slot
    }

    /// Takes a message off the wire with a drop record, if it is still there.
    fn drop_inflight(&mut self, id: u64, reason: DropReason) {
        if let Some(slot) = self.find_inflight(id) {
            self.drop_slot(slot, id, reason);
        }
    }

    /// Takes the message in wire slot `slot` off the wire with a drop record.
    fn drop_slot(&mut self, slot: u32, id: u64, reason: DropReason) {
        if let Some(Wire { info: m, .. }) = self.core.inflight.take(slot, id) {
            self.record(TraceKind::Drop {
                msg: id,
                from: m.from,
                to: m.to,
                kind: m.kind,
                reason,
            });
        }
    }

    fn record(&mut self, kind: TraceKind) {
        let r = TraceRecord {
            id: self.core.next_record,
            time: self.core.now,
            kind,
        };
        self.core.next_record += 1;
        self.core.hasher.record(&r);
        if !matches!(r.kind, TraceKind::Violation { .. }) {
            let core = &mut self.core;
            let seen = Observed {
                record: &r,
                nodes: &core.states,
                status: &core.status,
            };
            P::observe(&mut core.monitor, &seen, &mut self.found);
        }
        if self.keep_trace {
            if self.trace_len == self.trace.len() {
                self.trace.push(r);
            } else {
                debug_assert_eq!(
                    self.trace[self.trace_len], r,
                    "replay diverged from the recorded future"
                );
            }
            self.trace_len += 1;
        }
        if !self.found.is_empty() {
            self.report_found();
        }
    }

    /// Records the violations a checker put in `found`.
    fn report_found(&mut self) {
        let found = std::mem::take(&mut self.found);
        for (invariant, text) in found {
            let record = self.core.next_record;
            self.core.violations.push(Violation {
                invariant,
                time: self.core.now,
                record,
                text: text.clone(),
            });
            self.record(TraceKind::Violation { invariant, text });
        }
    }

    /// Checks the *eventually* properties now (the run ended or went quiet); their violations
    /// are recorded like any other. Returns how many were found.
    pub fn check_eventually(&mut self) -> usize {
        let core = &self.core;
        P::check_eventually(
            &core.monitor,
            core.now,
            &core.states,
            &core.status,
            &mut self.found,
        );
        let n = self.found.len();
        self.report_found();
        n
    }

    fn check(&mut self, node: NodeId) {
        let core = &mut self.core;
        let found = P::check(&mut core.monitor, core.now, node, &core.states);
        if !found.is_empty() {
            self.found.extend(found);
            self.report_found();
        }
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

    /// Checks an action without applying it.
    pub fn validate(&self, action: &Action) -> Result<(), ActionError> {
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
            Action::Drop { msg } if self.find_inflight(*msg).is_none() => {
                Err(ActionError::NotInFlight(*msg))
            }
            Action::Drop { .. } => Ok(()),
            Action::Command { node, name, arg } => {
                self.check_node(*node)?;
                let spec = self
                    .node_kind(*node)
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

    /// Checks what can be checked of an action before the run reaches it (node ids, command
    /// names); messages in flight are only known when the action is due.
    pub fn validate_static(&self, action: &Action) -> Result<(), ActionError> {
        match action {
            Action::Drop { .. } => Ok(()),
            other => self.validate(other),
        }
    }

    /// Applies a user action now. Actions that change nothing (crashing a crashed node) are
    /// accepted and leave no trace record.
    pub fn apply(&mut self, action: &Action) -> Result<(), ActionError> {
        self.validate(action)?;
        match action {
            Action::Crash { node } => {
                let node = *node;
                if self.core.status[node] != NodeStatus::Down {
                    self.core.status[node] = NodeStatus::Down;
                    let slot = &mut self.core.nodes[node];
                    slot.timers.clear();
                    let held = std::mem::take(&mut slot.deferred);
                    self.core.states[node].on_crash();
                    self.record(TraceKind::Crash { node });
                    // Messages held for a paused node die with it. (Dropping the deferred
                    // events alone would leave them on the wire forever.)
                    for kind in held {
                        if let EventKind::Deliver { id, slot } = kind {
                            self.drop_slot(slot, id, DropReason::NodeDown);
                        }
                    }
                    self.check(node);
                }
            }
            Action::Restart { node } => {
                let node = *node;
                if self.core.status[node] == NodeStatus::Down {
                    self.core.status[node] = NodeStatus::Up;
                    self.record(TraceKind::Restart { node });
                    self.run_handler(node, |p, ctx| p.on_start(ctx));
                }
            }
            Action::Pause { node } => {
                let node = *node;
                if self.core.status[node] == NodeStatus::Up {
                    self.core.status[node] = NodeStatus::Paused;
                    self.record(TraceKind::Pause { node });
                }
            }
            Action::Resume { node } => {
                let node = *node;
                if self.core.status[node] == NodeStatus::Paused {
                    self.core.status[node] = NodeStatus::Up;
                    self.record(TraceKind::Resume { node });
                    let deferred = std::mem::take(&mut self.core.nodes[node].deferred);
                    let now = self.core.now;
                    for kind in deferred {
                        self.push_event(now, kind);
                    }
                }
            }
            Action::Cut { a, b } => {
                if !self.core.net.is_cut(*a, *b) {
                    self.core.net.set_cut(*a, *b, true);
                    self.record(TraceKind::Cut { a: *a, b: *b });
                }
            }
            Action::Heal { a, b } => {
                if self.core.net.is_cut_from(*a, *b) || self.core.net.is_cut_from(*b, *a) {
                    self.core.net.set_cut(*a, *b, false);
                    self.record(TraceKind::Heal { a: *a, b: *b });
                }
            }
            Action::Slow { a, b, extra } => {
                self.core.net.set_slow(*a, *b, *extra);
                self.record(TraceKind::Slow {
                    a: *a,
                    b: *b,
                    extra: *extra,
                });
            }
            Action::Partition { groups } => {
                self.core.net.set_groups(groups);
                self.record(TraceKind::Partition {
                    groups: groups.clone(),
                });
            }
            Action::HealAll => {
                self.core.net.heal_all();
                self.record(TraceKind::HealAll);
            }
            Action::Drop { msg } => self.drop_inflight(*msg, DropReason::User),
            Action::Command { node, name, arg } => {
                let node = *node;
                if self.core.status[node] == NodeStatus::Up {
                    self.record(TraceKind::Command {
                        node,
                        name: name.clone(),
                        arg: arg.clone(),
                    });
                    self.run_handler(node, |p, ctx| p.on_command(name, arg.as_deref(), ctx));
                }
            }
            Action::CutOneWay { from, to } => {
                let (from, to) = (*from, *to);
                if !self.core.net.is_cut_from(from, to) {
                    self.core.net.set_cut_from(from, to, true);
                    self.record(TraceKind::CutOneWay { from, to });
                }
            }
            Action::HealOneWay { from, to } => {
                let (from, to) = (*from, *to);
                if self.core.net.is_cut_from(from, to) {
                    self.core.net.set_cut_from(from, to, false);
                    self.record(TraceKind::HealOneWay { from, to });
                }
            }
            Action::Clock {
                node,
                drift_ppm,
                offset,
            } => {
                let clock = Clock {
                    drift_ppm: *drift_ppm,
                    offset: *offset,
                };
                if self.core.clocks[*node] != clock {
                    self.core.clocks[*node] = clock;
                    self.record(TraceKind::Clock {
                        node: *node,
                        drift_ppm: *drift_ppm,
                        offset: *offset,
                    });
                }
            }
        }
        Ok(())
    }

    /// Restores a checkpointed core and moves the logs' cursors to it (back or forward; the
    /// records past the cursor stay as the recorded future).
    /// The cursors are absolute (records and logged messages since the start, see
    /// [`Sim::log_lengths`]); a point before the kept history lands at its start.
    pub(crate) fn restore(&mut self, core: &Core<P>, trace_len: u64, sent_len: u64) {
        self.core = core.clone();
        let rel = |abs: u64, base: u64| usize::try_from(abs.saturating_sub(base)).unwrap_or(0);
        self.trace_len = rel(trace_len, self.trace_base).min(self.trace.len());
        self.sent_len = rel(sent_len, self.sent_base).min(self.sent.len());
    }

    /// Forgets the recorded future: the run branches here (a user action after scrubbing back).
    pub(crate) fn discard_future(&mut self) {
        self.trace.truncate(self.trace_len);
        self.sent.truncate(self.sent_len);
        self.sent_heap = self.sent.iter().map(|m| m.msg.heap_bytes()).sum();
    }

    /// The logs' cursors as absolute counts (kept plus dropped), for checkpoints.
    pub(crate) fn log_lengths(&self) -> (u64, u64) {
        (
            self.trace_base + self.trace_len as u64,
            self.sent_base + self.sent_len as u64,
        )
    }
}
