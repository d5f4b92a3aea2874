//! DistLab's engine: a deterministic, sans-IO simulation kernel and the labs that run on it.
//!
//! Nothing in this crate touches the web, the wall clock or OS randomness: the same lab,
//! parameters, seed and user-action log always give the same trace, natively and in wasm.
//! The web app (the workspace's root package) and the `distlab` command-line runner both
//! drive labs through [`labs::LabSession`].

pub mod bench;
pub mod faults;
pub mod input;
pub mod labs;
pub mod sim;

/// Virtual time in microseconds.
pub type Time = u64;

/// One millisecond of virtual time.
pub const MS: Time = 1_000;

/// Index of a node in a simulation (0-based; shown to users as `n1`, `n2`, ...).
pub type NodeId = usize;
