//! Section 5 of the catalog: storage. Data placement (hash mod N, consistent-hash rings,
//! bounded loads, virtual nodes, rendezvous and jump hashing) as plain deterministic models
//! that the app plots and the `distlab calc placement` command prints; gossip (anti-entropy
//! and rumor mongering) on the simulated network.

pub mod gossip;
pub mod placement;
