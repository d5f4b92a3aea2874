//! The simulation kernel: virtual clock, event queue, seeded randomness, the network model,
//! faults, the trace, invariants and replay.
//!
//! A [`Sim`] runs one [`Protocol`] on `n` nodes. A [`Session`] wraps a `Sim` with the
//! user-action log and checkpoints, so a run can be scrubbed back and forth and replayed; a
//! [`ModelSession`] gives a time-only model (a lab without a network) the same.

mod action;
mod base;
mod kernel;
pub mod linearizability;
pub mod model;
mod network;
mod protocol;
pub mod quiet;
mod session;
#[doc(hidden)]
pub mod testproto;
mod trace;

pub use action::{Action, ActionError, LoggedAction};
pub use kernel::{InFlight, NodeStatus, Sim, TimerView};
pub use model::{ModelRun, ModelSession, TimeModel, Timed};
pub use network::{NetConfig, Network};
pub use protocol::{
    valid_text_arg, Arg, Clock, CommandSpec, Ctx, Found, Message, NodeKind, Observed, Property,
    Protocol, Shape, When, MAX_ARG_LEN, SERVER,
};
pub use session::Session;
pub use trace::{notes, DropReason, TraceHasher, TraceKind, TraceRecord, Violation};
