//! The sans-IO protocol interface: a node is a state machine that reacts to start, message,
//! timer and user command, and answers with effects through its [`Ctx`].
//!
//! A lab declares its node kinds ([`NodeKind`]: client, server, coordinator, …, each with the
//! commands its menu offers) and its properties ([`Property`]: checked *always*, after every
//! event, or *eventually*, when the run ends or goes quiet). Checkers see node states after
//! every handler ([`Protocol::check`]) and every trace record with the node statuses
//! ([`Protocol::observe`]).

use std::fmt::Debug;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::kernel::NodeStatus;
use super::linearizability::{Op, Ret};
use super::trace::{TraceHasher, TraceRecord};
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

/// The argument a command takes, typed in the node's menu and carried in the action log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arg {
    None,
    /// A whole number in `min..=max` (a value to propose, a demand).
    Int {
        min: i64,
        max: i64,
        default: i64,
    },
    /// A short word of letters, digits, `_`, `,`, `.` and `{`/`}` (a key — Redis hash tags
    /// like `{user1000}.following` —, a list); at most [`MAX_ARG_LEN`] characters.
    Text {
        default: &'static str,
    },
}

/// Longest command argument, in characters.
pub const MAX_ARG_LEN: usize = 32;

impl Arg {
    /// Checks a value typed or read from a share link; the reason is English.
    pub fn check(&self, value: Option<&str>) -> Result<(), String> {
        match (self, value) {
            (Arg::None, None) => Ok(()),
            (Arg::None, Some(_)) => Err("this command takes no argument".into()),
            (_, None) => Err("this command needs an argument".into()),
            (Arg::Int { min, max, .. }, Some(v)) => match v.parse::<i64>() {
                Ok(x) if (*min..=*max).contains(&x) => Ok(()),
                _ => Err(format!("a whole number from {min} to {max}")),
            },
            (Arg::Text { .. }, Some(v)) => {
                if valid_text_arg(v) {
                    Ok(())
                } else {
                    Err(format!(
                        "letters, digits, `_`, `,`, `.`, `{{` and `}}`, at most {MAX_ARG_LEN} characters"
                    ))
                }
            }
        }
    }

    /// The value the menu proposes.
    pub fn default_value(&self) -> Option<String> {
        match self {
            Arg::None => None,
            Arg::Int { default, .. } => Some(default.to_string()),
            Arg::Text { default } => Some((*default).to_string()),
        }
    }
}

/// The punctuation a text argument may hold besides letters and digits (none of it a
/// separator of the action log: `~` between entries, `-` and `:` before the argument).
pub const TEXT_ARG_PUNCTUATION: &[char] = &['_', ',', '.', '{', '}'];

/// Whether `v` can be a text argument (and so travel in a share link unescaped).
pub fn valid_text_arg(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_ARG_LEN
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || TEXT_ARG_PUNCTUATION.contains(&c))
}

/// A user command a node kind's menu offers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CommandSpec {
    /// As in the action log and the translation keys (`cmd.<name>`).
    pub name: &'static str,
    pub arg: Arg,
}

impl CommandSpec {
    pub const fn plain(name: &'static str) -> CommandSpec {
        CommandSpec {
            name,
            arg: Arg::None,
        }
    }

    pub const fn int(name: &'static str, min: i64, max: i64, default: i64) -> CommandSpec {
        CommandSpec {
            name,
            arg: Arg::Int { min, max, default },
        }
    }
}

/// How a node kind is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Diamond,
    Hexagon,
}

/// A kind of node: its id (translated as `kind.<id>`), the short label prefix of its nodes
/// (`n` → n1, n2; `C` → C1), its shape and its menu's commands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NodeKind {
    pub id: &'static str,
    pub prefix: &'static str,
    pub shape: Shape,
    pub commands: &'static [CommandSpec],
}

impl NodeKind {
    pub const fn new(
        id: &'static str,
        prefix: &'static str,
        shape: Shape,
        commands: &'static [CommandSpec],
    ) -> NodeKind {
        NodeKind {
            id,
            prefix,
            shape,
            commands,
        }
    }

    pub fn command(&self, name: &str) -> Option<&'static CommandSpec> {
        self.commands.iter().find(|c| c.name == name)
    }
}

/// When a property is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    /// After every event (a safety property).
    Always,
    /// When the run ends or goes quiet (a liveness property, under the lab's assumptions).
    Eventually,
}

/// A property a lab checks (translated as `inv.<id>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Property {
    pub id: &'static str,
    pub when: When,
    /// The lab's lesson is a fault that breaks it (a partition giving two coordinators): the
    /// app shows its violation as the expected outcome, not as a bug.
    pub lesson: bool,
}

impl Property {
    pub const fn always(id: &'static str) -> Property {
        Property {
            id,
            when: When::Always,
            lesson: false,
        }
    }

    pub const fn eventually(id: &'static str) -> Property {
        Property {
            id,
            when: When::Eventually,
            lesson: false,
        }
    }

    /// The same property, marked as one the lab shows breaking.
    pub const fn lesson(self) -> Property {
        Property {
            lesson: true,
            ..self
        }
    }
}

/// The one kind of node of a lab whose nodes are all alike.
pub const SERVER: NodeKind = NodeKind::new("server", "n", Shape::Circle, &[]);

/// Violations a checker reports: (property id, explanation). Reused between events, so
/// checking allocates nothing while nothing is violated.
pub type Found = Vec<(&'static str, String)>;

/// What a history-aware checker sees of the world with each trace record.
pub struct Observed<'a, P: Protocol> {
    pub record: &'a TraceRecord,
    pub nodes: &'a [P],
    pub status: &'a [NodeStatus],
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

    /// The properties this protocol checks.
    const PROPERTIES: &'static [Property];
    /// Node kinds; [`Protocol::kind`] indexes this list.
    const KINDS: &'static [NodeKind] = &[SERVER];

    fn new(id: NodeId, n: usize, cfg: &Self::Config) -> Self;
    /// This node's kind, an index into [`Self::KINDS`]; fixed for the node's life.
    fn kind(&self) -> usize {
        0
    }
    fn on_start(&mut self, ctx: &mut Ctx<Self>);
    fn on_msg(&mut self, from: NodeId, msg: Self::Msg, ctx: &mut Ctx<Self>);
    fn on_timer(&mut self, timer: Self::Timer, ctx: &mut Ctx<Self>);
    /// A user command from the node kind's list, with its checked argument; the kernel
    /// refuses unknown names and bad arguments.
    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>);
    /// A crash: drop volatile state, keep what the protocol declares persistent.
    fn on_crash(&mut self);
    /// Name of a timer for the trace.
    fn timer_name(timer: Self::Timer) -> &'static str;

    /// Checks *always* properties on node states after an event touched `node`.
    fn check(
        _monitor: &mut Self::Monitor,
        _now: Time,
        _node: NodeId,
        _nodes: &[Self],
    ) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Sees every trace record (sends, deliveries, drops, faults, commands, notes, client
    /// invocations and returns) with the node states and statuses; pushes violations of
    /// *always* properties to `found`.
    fn observe(_monitor: &mut Self::Monitor, _seen: &Observed<Self>, _found: &mut Found) {}

    /// Checks *eventually* properties when the run ends or goes quiet.
    fn check_eventually(
        _monitor: &Self::Monitor,
        _now: Time,
        _nodes: &[Self],
        _status: &[NodeStatus],
        _found: &mut Found,
    ) {
    }
}

/// Forwards [`Protocol`]'s checking hooks to the lab monitor's methods of the same names and
/// arguments, so a lab names the hooks its monitor has instead of restating each signature:
/// `crate::monitor_hooks!(observe, check_eventually);` inside `impl Protocol for Lab`.
#[macro_export]
macro_rules! monitor_hooks {
    ($($hook:ident),+ $(,)?) => { $( $crate::monitor_hooks!(@ $hook); )+ };
    (@ check) => {
        fn check(
            monitor: &mut Self::Monitor,
            now: $crate::Time,
            node: $crate::NodeId,
            nodes: &[Self],
        ) -> Vec<(&'static str, String)> {
            monitor.check(now, node, nodes)
        }
    };
    (@ observe) => {
        fn observe(
            monitor: &mut Self::Monitor,
            seen: &$crate::sim::Observed<Self>,
            found: &mut $crate::sim::Found,
        ) {
            monitor.observe(seen, found);
        }
    };
    (@ check_eventually) => {
        fn check_eventually(
            monitor: &Self::Monitor,
            now: $crate::Time,
            nodes: &[Self],
            status: &[$crate::sim::NodeStatus],
            found: &mut $crate::sim::Found,
        ) {
            monitor.check_eventually(now, nodes, status, found);
        }
    };
}

/// A node's local clock: `local = offset + true time × (1 + drift_ppm / 10⁶)`. Timers a node
/// sets run on its local clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    pub drift_ppm: i64,
    pub offset: i64,
}

impl Clock {
    /// Local time at true time `t` (never below zero).
    pub fn local(&self, t: Time) -> Time {
        let scaled = t as i128 * (1_000_000 + self.drift_ppm as i128) / 1_000_000;
        (scaled + self.offset as i128).clamp(0, Time::MAX as i128) as Time
    }

    /// True duration of a local duration `d`.
    pub fn true_duration(&self, d: Time) -> Time {
        if self.drift_ppm == 0 {
            return d;
        }
        let rate = (1_000_000 + self.drift_ppm).max(1) as i128;
        (d as i128 * 1_000_000 / rate).clamp(0, Time::MAX as i128) as Time
    }
}

/// What a node handler may do.
#[derive(Clone, Debug)]
pub(crate) enum Effect<P: Protocol> {
    Send(NodeId, P::Msg),
    SetTimer(P::Timer, Time),
    CancelTimer(P::Timer),
    Note(&'static str, u64),
    Invoke { call: u64, key: u64, op: Op },
    Return { call: u64, ret: Ret },
}

/// A handler's window on the world: its id, the time, randomness and an effect buffer.
pub struct Ctx<'a, P: Protocol> {
    pub id: NodeId,
    /// True (simulation) time. A protocol whose lesson is clocks reads [`Ctx::local_now`].
    pub now: Time,
    pub n: usize,
    pub(crate) kinds: &'a [u8],
    pub(crate) clock: Clock,
    pub(crate) rng: &'a mut ChaCha8Rng,
    pub(crate) out: &'a mut Vec<Effect<P>>,
    pub(crate) next_call: &'a mut u64,
}

impl<P: Protocol> Ctx<'_, P> {
    /// Sends `msg` to `to`; a message to itself is delivered at once (after this handler),
    /// with trace records like any other.
    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.out.push(Effect::Send(to, msg));
    }

    /// Sends `msg` to every other node, in id order.
    pub fn broadcast(&mut self, msg: P::Msg) {
        for to in (0..self.n).filter(|&to| to != self.id) {
            self.out.push(Effect::Send(to, msg.clone()));
        }
    }

    /// Sends `msg` to every other node of kind `kind` (an index into [`Protocol::KINDS`]).
    pub fn broadcast_kind(&mut self, kind: usize, msg: P::Msg) {
        for to in 0..self.n {
            if to != self.id && usize::from(self.kinds[to]) == kind {
                self.out.push(Effect::Send(to, msg.clone()));
            }
        }
    }

    /// The nodes of a kind, in id order.
    pub fn nodes_of(&self, kind: usize) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.n).filter(move |&i| usize::from(self.kinds[i]) == kind)
    }

    /// Kind of a node (an index into [`Protocol::KINDS`]).
    pub fn kind_of(&self, node: NodeId) -> usize {
        self.kinds.get(node).map_or(0, |&k| usize::from(k))
    }

    /// Sets a timer `after` units of this node's local clock from now.
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

    /// This node's local clock reading (true time unless a clock fault skews it).
    pub fn local_now(&self) -> Time {
        self.clock.local(self.now)
    }

    /// A client invokes `op` on `key`: an `invoke` record in the trace, for history checkers
    /// (see [`super::linearizability`]). Returns the call's id, for [`Ctx::respond`].
    pub fn invoke(&mut self, key: u64, op: Op) -> u64 {
        let call = *self.next_call;
        *self.next_call += 1;
        self.out.push(Effect::Invoke { call, key, op });
        call
    }

    /// The client got the answer to call `call`.
    pub fn respond(&mut self, call: u64, ret: Ret) {
        self.out.push(Effect::Return { call, ret });
    }

    /// A uniformly random time in `lo..=hi` from the simulation's one generator.
    pub fn random_between(&mut self, lo: Time, hi: Time) -> Time {
        if hi <= lo {
            lo
        } else {
            self.rng.gen_range(lo..=hi)
        }
    }

    /// A uniformly random index below `n` (0 when `n` is 0).
    pub fn random_index(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.rng.gen_range(0..n)
        }
    }
}
