//! Section 1 of the catalog: coordination and synchronization.

pub mod mutex_token_ring;
pub mod raft;
