//! Section 1 of the catalog: coordination and synchronization.

pub mod bully;
pub mod raft;
