//! Section 2 of the catalog: scheduling. The cell of machines the scheduler labs share
//! ([`cell`]). Fair allocation of shared resources (max-min
//! fairness and dominant resource fairness) as plain deterministic models with their steps,
//! for the app's charts and the `distlab calc mmf|drf` commands.

pub mod arch_akka;
pub mod arch_central;
pub mod cell;
pub mod fair;
pub mod redis_cluster;
pub mod sched_borg;
pub mod sched_mesos;
pub mod sched_omega;
