//! Section 1 of the catalog: coordination and synchronization.

pub mod raft;
pub mod zab;
