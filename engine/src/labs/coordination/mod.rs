//! Section 1 of the catalog: coordination and synchronization.

pub mod mutex_two_tier_ring;
pub mod raft;
