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

/// Whether a planned action (a preset's step) due at `time` was already applied: the log (a
/// replayed share link, or the run before a scrub back) holds more entries equal to it than the
/// plan has before it. So a step is skipped once per logged copy, and a preset that plans the
/// same action twice at one instant gets it twice.
fn replayed<'a, A: PartialEq + 'a>(
    log: impl Iterator<Item = (crate::Time, &'a A)>,
    planned_before: impl Iterator<Item = (crate::Time, &'a A)>,
    time: crate::Time,
    action: &A,
) -> bool {
    let same = |(t, a): &(crate::Time, &A)| *t == time && *a == action;
    log.filter(same).count() > planned_before.filter(same).count()
}
