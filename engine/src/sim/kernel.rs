//! The kernel proper: nodes, the event queue, the network and the trace.

use super::action::{Action, ActionError};
use super::base::{arrival_record, Arrival, Base, EventKind, Records};
use super::network::{NetConfig, Network};
use super::protocol::{Clock, Ctx, Effect, Found, Message, NodeKind, Observed, Protocol};
use super::trace::{DropReason, TraceKind, TraceRecord, Violation};
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

/// The part of a simulation that a checkpoint copies. Append-only logs live in [`Sim`]; what
/// knows no protocol is in [`Base`].
#[derive(Clone, Debug)]
pub(crate) struct Core<P: Protocol> {
    base: Base,
    /// Each node's pending timers.
    timers: Vec<Vec<TimerSlot<P::Timer>>>,
    states: Vec<P>,
    /// The contents of the messages on the wire, in their envelopes' slots ([`Base::wire`]).
    msgs: Vec<Option<P::Msg>>,
    monitor: P::Monitor,
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
    records: Records,
    sent: Vec<SentMsg<P::Msg>>,
    /// Whether records and sent messages are kept (records are always hashed). Benchmarks and
    /// the runner turn this off before running.
    pub keep_trace: bool,
    /// How much of `sent` belongs to the present (with `records.len` for the trace). After
    /// scrubbing back, the records past these cursors are the run's recorded future:
    /// re-running writes the same records again (the run is deterministic), so they are kept
    /// and the cursors advance over them, which lets a later jump forward restore a
    /// checkpoint instead of re-running.
    sent_len: usize,
    /// Id of the first kept sent message: the oldest history can be dropped
    /// ([`Sim::drop_history_before`]), ids stay absolute.
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
        let mut sim = Sim {
            core: Core {
                base: Base::new(kinds, net, seed),
                timers: vec![Vec::new(); n],
                states,
                msgs: Vec::new(),
                monitor: P::Monitor::default(),
            },
            records: Records::default(),
            sent: Vec::new(),
            keep_trace: true,
            sent_len: 0,
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
        self.core.base.now
    }

    /// Events taken from the queue so far (including stale timers and deferred deliveries).
    pub fn events(&self) -> u64 {
        self.core.base.events
    }

    pub fn n(&self) -> usize {
        self.core.states.len()
    }

    pub fn node(&self, id: NodeId) -> &P {
        &self.core.states[id]
    }

    pub fn status(&self, id: NodeId) -> NodeStatus {
        self.core.base.status[id]
    }

    /// Every node's status, by id.
    pub fn statuses(&self) -> &[NodeStatus] {
        &self.core.base.status
    }

    /// A node's kind, an index into [`Protocol::KINDS`].
    pub fn kind(&self, id: NodeId) -> usize {
        usize::from(self.core.base.kinds[id])
    }

    /// A node's kind as declared ([`Protocol::KINDS`]).
    pub fn node_kind(&self, id: NodeId) -> &'static NodeKind {
        self.core.base.node_kind(P::KINDS, id)
    }

    /// A node's local clock.
    pub fn clock(&self, id: NodeId) -> Clock {
        self.core.base.clocks[id]
    }

    /// Every node's state, by id.
    pub fn nodes(&self) -> &[P] {
        &self.core.states
    }

    pub fn timers(&self, id: NodeId) -> impl Iterator<Item = &TimerView<P::Timer>> {
        self.core.timers[id].iter().map(|t| &t.view)
    }

    pub fn network(&self) -> &Network {
        &self.core.base.net
    }

    /// Messages on the wire, in id order.
    pub fn inflight(&self) -> impl Iterator<Item = &InFlight> {
        self.core.base.wire.sorted().into_iter()
    }

    /// Messages on the wire in no particular order (but the same order on every run): cheaper
    /// than [`Sim::inflight`] when the order does not matter.
    pub fn inflight_unordered(&self) -> impl Iterator<Item = &InFlight> {
        self.core.base.wire.slots.iter().flatten()
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
                let slot = self.core.base.wire.find(id)?;
                self.core.msgs.get(slot as usize)?.as_ref()
            }
        }
    }

    pub fn monitor(&self) -> &P::Monitor {
        &self.core.monitor
    }

    pub fn violations(&self) -> &[Violation] {
        &self.core.base.violations
    }

    /// The kept trace records up to now, in order; their ids are dense from
    /// [`Sim::first_record`] (0 unless the oldest history was dropped).
    pub fn trace(&self) -> &[TraceRecord] {
        self.records.present()
    }

    /// The kept messages sent so far, indexed by message id minus [`Sim::first_message`]
    /// (empty when `keep_trace` is off).
    pub fn sent(&self) -> &[SentMsg<P::Msg>] {
        &self.sent[..self.sent_len]
    }

    /// Id of the first kept trace record (records before it were dropped).
    pub fn first_record(&self) -> u64 {
        self.records.base
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
        let records = self.records.before(keep_from);
        let msgs = self.sent[..self.sent_len].partition_point(|m| m.sent_at < keep_from);
        self.drop_history_before(
            self.records.base + records as u64,
            self.sent_base + msgs as u64,
        );
    }

    /// Drops the trace records with ids below `record` and the logged messages with ids below
    /// `msg` (both at most up to the present), keeping ids absolute.
    pub fn drop_history_before(&mut self, record: u64, msg: u64) {
        self.records.drop_before(record);
        let msgs = self.sent[..self.sent_len]
            .partition_point(|m| m.id < msg)
            .min(self.sent_len);
        if msgs > 0 {
            let gone: usize = self.sent[..msgs].iter().map(|m| m.msg.heap_bytes()).sum();
            self.sent_heap -= gone;
            self.sent.drain(..msgs);
            self.sent_len -= msgs;
            self.sent_base = self.sent.first().map_or(msg, |m| m.id);
        }
    }

    /// Appends to the sent log, or steps over the identical entry of the recorded future.
    fn log_sent(&mut self, id: u64, from: NodeId, to: NodeId, msg: &P::Msg) {
        if !self.keep_trace {
            return;
        }
        if self.sent_len == self.sent.len() {
            self.sent_heap += msg.heap_bytes();
            self.sent.push(SentMsg {
                id,
                from,
                to,
                sent_at: self.now(),
                msg: msg.clone(),
            });
        } else {
            debug_assert_eq!(
                self.sent[self.sent_len].id, id,
                "replay diverged from the recorded future"
            );
        }
        self.sent_len += 1;
    }

    /// The notes with `key` in the kept trace, as (time, node, value), in order (for tests and
    /// summaries: "who announced victory, when").
    pub fn notes<'a>(&'a self, key: &'a str) -> impl Iterator<Item = (Time, NodeId, u64)> + 'a {
        self.records.notes(key)
    }

    pub fn trace_hash(&self) -> String {
        self.core.base.hasher.hex()
    }

    /// An estimate of the memory the recorded history takes (kept trace records and sent
    /// messages, present and recorded future; the vectors' spare room, up to as much again, is
    /// not counted, as it is reused), so a session can drop its oldest history before a long
    /// fast run exhausts the tab's memory ([`super::Session::set_history_budget`]). The run's
    /// state and checkpoints are not counted: they stay bounded however long the run.
    pub fn history_bytes(&self) -> usize {
        self.records.trace.len() * std::mem::size_of::<TraceRecord>()
            + self.sent.len() * std::mem::size_of::<SentMsg<P::Msg>>()
            + self.sent_heap
    }

    /// Number of trace records written so far (also the next record's id).
    pub fn records(&self) -> u64 {
        self.core.base.next_record
    }

    /// Time of the next queued event.
    pub fn next_event_time(&self) -> Option<Time> {
        self.core.base.next_event_time()
    }

    /// Processes the next event; false when the queue is empty.
    pub fn step(&mut self) -> bool {
        let Some(kind) = self.core.base.pop() else {
            return false;
        };
        self.dispatch(kind);
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
        self.step_through(t);
        self.set_now(t);
    }

    /// Moves the clock forward to `t` without processing events (used by replay).
    pub(crate) fn set_now(&mut self, t: Time) {
        let base = &mut self.core.base;
        base.now = base.now.max(t);
    }

    fn dispatch(&mut self, kind: EventKind) {
        match kind {
            EventKind::Deliver { id, slot } => {
                if let Arrival::Left { slot, info, reason } = self.core.base.arrive(id, slot) {
                    let msg = self.take_msg(slot);
                    self.record(arrival_record(&info, reason));
                    if let (None, Some(msg)) = (reason, msg) {
                        self.run_handler(info.to, |p, ctx| p.on_msg(info.from, msg, ctx));
                    }
                }
            }
            EventKind::Timer { node, generation } => {
                let node = node as NodeId;
                let timers = &mut self.core.timers[node];
                let Some(pos) = timers.iter().position(|t| t.generation == generation) else {
                    return;
                };
                let base = &mut self.core.base;
                if base.status[node] == NodeStatus::Paused {
                    base.deferred[node].push(kind);
                    return;
                }
                let key = timers.remove(pos).view.key;
                self.record(TraceKind::Timer {
                    node,
                    name: P::timer_name(key),
                });
                self.run_handler(node, |p, ctx| p.on_timer(key, ctx));
            }
        }
    }

    /// The content of the message in wire slot `slot`, taken off the wire.
    fn take_msg(&mut self, slot: u32) -> Option<P::Msg> {
        self.core.msgs.get_mut(slot as usize)?.take()
    }

    /// Puts a message on the wire (its envelope in [`Base`], its content beside it).
    fn launch(&mut self, id: u64, from: NodeId, to: NodeId, msg: P::Msg) -> u32 {
        let slot = self.core.base.launch(id, from, to, msg.kind());
        let msgs = &mut self.core.msgs;
        if msgs.len() <= slot as usize {
            msgs.resize_with(slot as usize + 1, || None);
        }
        msgs[slot as usize] = Some(msg);
        slot
    }

    /// Runs a handler on a node and applies its effects.
    fn run_handler(&mut self, id: NodeId, f: impl FnOnce(&mut P, &mut Ctx<P>)) {
        let mut out = std::mem::take(&mut self.scratch);
        {
            let core = &mut self.core;
            let base = &mut core.base;
            let mut ctx = Ctx {
                id,
                now: base.now,
                n: base.status.len(),
                kinds: &base.kinds,
                clock: base.clocks[id],
                rng: &mut base.rng,
                out: &mut out,
                next_call: &mut base.next_call,
            };
            f(&mut core.states[id], &mut ctx);
        }
        self.apply_effects(id, out);
    }

    /// Applies what a handler of node `id` did, then checks the always-properties. Kept out of
    /// line: every handler call site (a closure type each) shares this one copy per protocol,
    /// which keeps each lab's share of the wasm small.
    #[inline(never)]
    fn apply_effects(&mut self, id: NodeId, mut out: Vec<Effect<P>>) {
        for effect in out.drain(..) {
            match effect {
                Effect::Send(to, msg) => self.send(id, to, msg),
                Effect::SetTimer(key, after) => {
                    let set_at = self.now();
                    let (generation, fires_at) = self.core.base.timer_event(id, after);
                    let timers = &mut self.core.timers[id];
                    timers.retain(|t| t.view.key != key);
                    timers.push(TimerSlot {
                        view: TimerView {
                            key,
                            set_at,
                            fires_at,
                        },
                        generation,
                    });
                }
                Effect::CancelTimer(key) => self.core.timers[id].retain(|t| t.view.key != key),
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
        let id = self.core.base.new_msg_id();
        let kind = msg.kind();
        msg.hash_into(&mut self.core.base.hasher);
        self.log_sent(id, from, to, &msg);
        self.record(TraceKind::Send {
            msg: id,
            from,
            to,
            kind,
        });
        // A message to itself never touches the network: it arrives after this handler.
        if to != from {
            if let Err(reason) = self.core.base.route(from, to) {
                self.record(TraceKind::Drop {
                    msg: id,
                    from,
                    to,
                    kind,
                    reason,
                });
                return;
            }
        }
        let slot = self.launch(id, from, to, msg);
        if to == from || !self.core.base.duplicate() {
            return;
        }
        let Some(copy) = self.core.msgs[slot as usize].clone() else {
            return;
        };
        let dup = self.core.base.new_msg_id();
        self.log_sent(dup, from, to, &copy);
        self.record(TraceKind::Duplicate {
            msg: dup,
            of: id,
            from,
            to,
            kind,
        });
        self.launch(dup, from, to, copy);
    }

    /// Takes the message in wire slot `slot` off the wire with a drop record.
    fn drop_slot(&mut self, slot: u32, id: u64, reason: DropReason) {
        if let Some(info) = self.core.base.wire.take(slot, id) {
            self.take_msg(slot);
            self.record(arrival_record(&info, Some(reason)));
        }
    }

    fn record(&mut self, kind: TraceKind) {
        let r = self.core.base.stamp(kind);
        if !matches!(r.kind, TraceKind::Violation { .. }) {
            let core = &mut self.core;
            let seen = Observed {
                record: &r,
                nodes: &core.states,
                status: &core.base.status,
            };
            P::observe(&mut core.monitor, &seen, &mut self.found);
        }
        if self.keep_trace {
            self.records.keep(r);
        }
        if !self.found.is_empty() {
            self.report_found();
        }
    }

    /// Records the violations a checker put in `found`.
    fn report_found(&mut self) {
        let found = std::mem::take(&mut self.found);
        for (invariant, text) in found {
            let base = &mut self.core.base;
            base.violations.push(Violation {
                invariant,
                time: base.now,
                record: base.next_record,
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
            core.base.now,
            &core.states,
            &core.base.status,
            &mut self.found,
        );
        let n = self.found.len();
        self.report_found();
        n
    }

    fn check(&mut self, node: NodeId) {
        let core = &mut self.core;
        let found = P::check(&mut core.monitor, core.base.now, node, &core.states);
        if !found.is_empty() {
            self.found.extend(found);
            self.report_found();
        }
    }

    /// Checks an action without applying it.
    pub fn validate(&self, action: &Action) -> Result<(), ActionError> {
        self.core.base.validate(P::KINDS, action, true)
    }

    /// Checks what can be checked of an action before the run reaches it (node ids, command
    /// names); messages in flight are only known when the action is due.
    pub fn validate_static(&self, action: &Action) -> Result<(), ActionError> {
        self.core.base.validate(P::KINDS, action, false)
    }

    /// Applies a user action now. Actions that change nothing (crashing a crashed node) are
    /// accepted and leave no trace record.
    pub fn apply(&mut self, action: &Action) -> Result<(), ActionError> {
        self.validate(action)?;
        let base = &mut self.core.base;
        match action {
            Action::Crash { node } => {
                let node = *node;
                if base.status[node] != NodeStatus::Down {
                    base.status[node] = NodeStatus::Down;
                    let held = std::mem::take(&mut base.deferred[node]);
                    self.core.timers[node].clear();
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
                if base.status[node] == NodeStatus::Down {
                    base.status[node] = NodeStatus::Up;
                    self.record(TraceKind::Restart { node });
                    self.run_handler(node, |p, ctx| p.on_start(ctx));
                }
            }
            Action::Pause { node } => {
                let node = *node;
                if base.status[node] == NodeStatus::Up {
                    base.status[node] = NodeStatus::Paused;
                    self.record(TraceKind::Pause { node });
                }
            }
            Action::Resume { node } => {
                let node = *node;
                if base.status[node] == NodeStatus::Paused {
                    base.status[node] = NodeStatus::Up;
                    self.record(TraceKind::Resume { node });
                    let base = &mut self.core.base;
                    let deferred = std::mem::take(&mut base.deferred[node]);
                    let now = base.now;
                    for kind in deferred {
                        base.push_event(now, kind);
                    }
                }
            }
            Action::Drop { msg } => {
                if let Some(slot) = base.wire.find(*msg) {
                    self.drop_slot(slot, *msg, DropReason::User);
                }
            }
            Action::Command { node, name, arg } => {
                let node = *node;
                if base.status[node] == NodeStatus::Up {
                    self.record(TraceKind::Command {
                        node,
                        name: name.clone(),
                        arg: arg.clone(),
                    });
                    self.run_handler(node, |p, ctx| p.on_command(name, arg.as_deref(), ctx));
                }
            }
            other => {
                if let Some(record) = base.apply_net(other) {
                    self.record(record);
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
        self.records.seek(trace_len);
        self.sent_len = usize::try_from(sent_len.saturating_sub(self.sent_base))
            .unwrap_or(0)
            .min(self.sent.len());
    }

    /// Forgets the recorded future: the run branches here (a user action after scrubbing back).
    pub(crate) fn discard_future(&mut self) {
        self.records.trace.truncate(self.records.len);
        self.sent.truncate(self.sent_len);
        self.sent_heap = self.sent.iter().map(|m| m.msg.heap_bytes()).sum();
    }

    /// The logs' cursors as absolute counts (kept plus dropped), for checkpoints.
    pub(crate) fn log_lengths(&self) -> (u64, u64) {
        (
            self.records.base + self.records.len as u64,
            self.sent_base + self.sent_len as u64,
        )
    }
}
