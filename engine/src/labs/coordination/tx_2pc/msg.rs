//! Two-phase commit's messages and the write-ahead log records every node keeps.

use crate::labs::coordination::tx_common::LogRecord;
use crate::sim::{Message, TraceHasher};

/// Messages. `tx` numbers a transaction (1, 2, … as the client issues them); `row` is the row
/// the transaction writes on every cohort (0-based).
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Client → coordinator: run transaction `tx`, which writes `row`.
    Begin { tx: u64, row: usize },
    /// Coordinator → cohorts, phase 1: can you commit `tx`? (execute it, log it, do not commit)
    CanCommit { tx: u64, row: usize },
    /// Cohort → coordinator: executed and logged, ready to commit.
    Yes { tx: u64 },
    /// Cohort → coordinator: cannot commit (it has aborted `tx`).
    No { tx: u64 },
    /// Phase 2: commit (from the coordinator, or from a peer that knows the outcome).
    DoCommit { tx: u64 },
    /// Phase 2: roll back (from the coordinator, or from a peer that knows the outcome).
    DoAbort { tx: u64 },
    /// Cohort → coordinator: the decision is applied (committed or rolled back).
    HaveCommitted { tx: u64 },
    /// Coordinator → client: the transaction's outcome.
    Outcome { tx: u64, committed: bool },
    /// An in-doubt cohort asks the coordinator (or a peer cohort) for the outcome of `tx`.
    Query { tx: u64 },
    /// A peer cohort's answer: "I voted Yes too and do not know the outcome either".
    Uncertain { tx: u64 },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Begin { .. } => "Begin",
            Msg::CanCommit { .. } => "CanCommit",
            Msg::Yes { .. } => "Yes",
            Msg::No { .. } => "No",
            Msg::DoCommit { .. } => "DoCommit",
            Msg::DoAbort { .. } => "DoAbort",
            Msg::HaveCommitted { .. } => "HaveCommitted",
            Msg::Outcome { .. } => "Outcome",
            Msg::Query { .. } => "Query",
            Msg::Uncertain { .. } => "Uncertain",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Begin { tx, row } | Msg::CanCommit { tx, row } => {
                h.u64(*tx);
                h.u64(*row as u64);
            }
            Msg::Outcome { tx, committed } => {
                h.u64(*tx);
                h.u64(u64::from(*committed));
            }
            Msg::Yes { tx }
            | Msg::No { tx }
            | Msg::DoCommit { tx }
            | Msg::DoAbort { tx }
            | Msg::HaveCommitted { tx }
            | Msg::Query { tx }
            | Msg::Uncertain { tx } => h.u64(*tx),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Begin { tx, row } | Msg::CanCommit { tx, row } => {
                vec![("tx", format!("T{tx}")), ("row", format!("r{}", row + 1))]
            }
            Msg::Outcome { tx, committed } => vec![
                ("tx", format!("T{tx}")),
                (
                    "outcome",
                    if *committed { "commit" } else { "abort" }.to_string(),
                ),
            ],
            Msg::Yes { tx }
            | Msg::No { tx }
            | Msg::DoCommit { tx }
            | Msg::DoAbort { tx }
            | Msg::HaveCommitted { tx }
            | Msg::Query { tx }
            | Msg::Uncertain { tx } => vec![("tx", format!("T{tx}"))],
        }
    }
}

/// What one write-ahead log record says. A record is on disk before the message it
/// announces is sent, and survives crashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rec {
    /// Coordinator: transaction started on `row`; CanCommit is about to go out.
    Begin { row: usize },
    /// Cohort: executed the write on `row` (redo and undo logged), voting Yes.
    Prepared { row: usize },
    /// Commit decided (coordinator) or applied (cohort).
    Commit,
    /// Abort decided (coordinator) or rolled back (cohort).
    Abort,
    /// Coordinator: every cohort acknowledged; the transaction is over.
    End,
}

impl LogRecord for Rec {
    /// Record names as in a log (`T3 PREPARED r2`).
    fn text(&self, tx: u64) -> String {
        match self {
            Rec::Begin { row } => format!("T{tx} BEGIN r{}", row + 1),
            Rec::Prepared { row } => format!("T{tx} PREPARED r{}", row + 1),
            Rec::Commit => format!("T{tx} COMMIT"),
            Rec::Abort => format!("T{tx} ABORT"),
            Rec::End => format!("T{tx} END"),
        }
    }
}

/// One WAL record of this lab: transaction, what it says, and when it was written.
pub type Wal = crate::labs::coordination::tx_common::Wal<Rec>;
