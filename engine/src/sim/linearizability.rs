//! Linearizability of client histories on a key-value store of registers (placeholder: the
//! checker itself lands with its tests).

use serde::Serialize;

/// An operation on one key's register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    Read,
    Write(u64),
    Cas { expect: u64, new: u64 },
}

/// What the store answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Ret {
    Ok,
    Value(u64),
    Fail,
}
