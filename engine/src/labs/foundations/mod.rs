//! Section 7 of the catalog: foundations (time and order, idempotency, isolation, joins).

pub mod clocks;
pub mod idempotency;
