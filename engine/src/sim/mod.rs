//! The simulation kernel: virtual clock, event queue, seeded randomness, the network model,
//! faults, the trace, invariants and replay.
//!
//! A [`Sim`] runs one [`Protocol`] on `n` nodes. A [`Session`] wraps a `Sim` with the
//! user-action log and checkpoints, so a run can be scrubbed back and forth and replayed.

mod action;
mod kernel;
mod network;
mod protocol;
mod session;
mod trace;

pub use action::{Action, ActionError, LoggedAction};
pub use kernel::{InFlight, NodeStatus, Sim, TimerView};
pub use network::{NetConfig, Network};
pub use protocol::{Ctx, Message, Protocol};
pub use session::Session;
pub use trace::{DropReason, TraceHasher, TraceKind, TraceRecord, Violation};
