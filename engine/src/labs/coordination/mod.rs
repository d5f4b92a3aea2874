//! Section 1 of the catalog: coordination and synchronization.

pub mod bully;
pub mod chain_dpos;
pub mod chain_pos;
pub mod chain_pow;
pub mod chain_sync;
pub mod lease;
pub mod lock_beliefs;
pub mod lock_db;
pub mod lock_node;
pub mod lock_redis;
pub mod lock_redlock;
pub mod lock_storage;
pub mod lock_zk;
pub mod mutex_central;
pub mod mutex_ricart;
pub mod mutex_token_ring;
pub mod mutex_two_tier_ring;
pub mod paxos;
pub mod raft;
pub mod tx_2pc;
pub mod tx_3pc;
pub mod tx_common;
pub mod tx_local_message;
pub mod tx_tcc;
pub mod zab;
