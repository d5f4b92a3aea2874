//! The sans-IO protocol interface: a node is a state machine that reacts to start, message,
//! timer and user command, and answers with effects through its [`Ctx`].

use std::fmt::Debug;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::trace::TraceHasher;
use crate::{NodeId, Time};

/// A message type of a protocol.
pub trait Message: Clone + Debug {
    /// Short type name, used for colours, the event log and the trace (`"RequestVote"`).
    fn kind(&self) -> &'static str;
    /// Feeds the message's fields into the trace hash in a fixed, platform-independent order.
    fn hash_into(&self, h: &mut TraceHasher);
    /// The message's fields as (name, value) pairs for hover read-outs and JSON export.
    fn fields(&self) -> Vec<(&'static str, String)>;
    /// Bytes the message holds on the heap (a batch of log entries, say), for the estimate of
    /// how much memory a run's recorded history takes ([`super::Sim::history_bytes`]).
    fn heap_bytes(&self) -> usize {
        0
    }
}

/// One node's protocol logic.
///
/// The kernel owns the network, the clock and the other nodes; a protocol only sees them
/// through [`Ctx`]. `Clone` is what makes checkpoints (and so scrubbing back in time) cheap.
pub trait Protocol: Clone + Debug + 'static {
    /// Messages exchanged between nodes.
    type Msg: Message;
    /// Timer keys. Setting a timer with a key replaces the pending timer with the same key.
    type Timer: Copy + Eq + Debug;
    /// Lab-wide configuration (timeouts and so on), shared by all nodes.
    type Config: Clone + Debug;
    /// History-keeping invariant checker, one per simulation.
    type Monitor: Clone + Debug + Default;

    /// Invariant ids this protocol checks (`"election-safety"`).
    const INVARIANTS: &'static [&'static str];
    /// User commands a node's menu offers (`"timeout"`).
    const COMMANDS: &'static [&'static str];

    fn new(id: NodeId, n: usize, cfg: &Self::Config) -> Self;
    fn on_start(&mut self, ctx: &mut Ctx<Self>);
    fn on_msg(&mut self, from: NodeId, msg: Self::Msg, ctx: &mut Ctx<Self>);
    fn on_timer(&mut self, timer: Self::Timer, ctx: &mut Ctx<Self>);
    /// A user command from [`Self::COMMANDS`]; unknown names are refused by the kernel.
    fn on_command(&mut self, command: &str, ctx: &mut Ctx<Self>);
    /// A crash: drop volatile state, keep what the protocol declares persistent.
    fn on_crash(&mut self);
    /// Name of a timer for the trace.
    fn timer_name(timer: Self::Timer) -> &'static str;

    /// Checks invariants after an event touched `node`; returns (invariant id, explanation).
    fn check(
        monitor: &mut Self::Monitor,
        now: Time,
        node: NodeId,
        nodes: &[Self],
    ) -> Vec<(&'static str, String)>;
}

/// What a node handler may do.
#[derive(Clone, Debug)]
pub(crate) enum Effect<P: Protocol> {
    Send(NodeId, P::Msg),
    SetTimer(P::Timer, Time),
    CancelTimer(P::Timer),
    Note(&'static str, u64),
}

/// A handler's window on the world: its id, the time, randomness and an effect buffer.
pub struct Ctx<'a, P: Protocol> {
    pub id: NodeId,
    pub now: Time,
    pub n: usize,
    pub(crate) rng: &'a mut ChaCha8Rng,
    pub(crate) out: &'a mut Vec<Effect<P>>,
}

impl<P: Protocol> Ctx<'_, P> {
    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.out.push(Effect::Send(to, msg));
    }

    /// Sends `msg` to every other node, in id order.
    pub fn broadcast(&mut self, msg: P::Msg) {
        for to in (0..self.n).filter(|&to| to != self.id) {
            self.out.push(Effect::Send(to, msg.clone()));
        }
    }

    pub fn set_timer(&mut self, timer: P::Timer, after: Time) {
        self.out.push(Effect::SetTimer(timer, after));
    }

    pub fn cancel_timer(&mut self, timer: P::Timer) {
        self.out.push(Effect::CancelTimer(timer));
    }

    /// A note in the trace: a key (`"raft.leader"`) the app translates, and one number.
    pub fn note(&mut self, key: &'static str, value: u64) {
        self.out.push(Effect::Note(key, value));
    }

    /// A uniformly random time in `lo..=hi` from the simulation's one generator.
    pub fn random_between(&mut self, lo: Time, hi: Time) -> Time {
        if hi <= lo {
            lo
        } else {
            self.rng.gen_range(lo..=hi)
        }
    }
}
