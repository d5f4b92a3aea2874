//! Three-phase commit's messages and the write-ahead log records every node keeps.

use crate::labs::coordination::tx_common::LogRecord;
use crate::sim::{Message, TraceHasher};

/// Messages. `tx` numbers a transaction (1, 2, … as the client issues them); `row` is the row
/// the transaction writes on every cohort (0-based).
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Client → coordinator: run transaction `tx`, which writes `row`.
    Begin { tx: u64, row: usize },
    /// Coordinator → cohorts, phase 1: could you commit `tx`? (lock, do not execute yet)
    CanCommit { tx: u64, row: usize },
    /// Cohort → coordinator: I can (the row is locked for `tx`).
    Yes { tx: u64 },
    /// Cohort → coordinator: I cannot (it has aborted `tx`).
    No { tx: u64 },
    /// Coordinator → cohorts, phase 2: every cohort said Yes; execute `tx` and log it, do not
    /// commit yet.
    PreCommit { tx: u64 },
    /// Cohort → coordinator: executed and logged (redo and undo), waiting for the last word.
    Ack { tx: u64 },
    /// Phase 3: commit (from the coordinator, or from a peer that knows the outcome).
    DoCommit { tx: u64 },
    /// Abort (from the coordinator, or from a peer that knows the outcome).
    Abort { tx: u64 },
    /// Cohort → coordinator: the decision is applied (committed or rolled back).
    HaveCommitted { tx: u64 },
    /// Coordinator → client: the transaction's outcome.
    Outcome { tx: u64, committed: bool },
    /// A restarted cohort asks the coordinator and its peers for the outcome of `tx`.
    Query { tx: u64 },
    /// A peer's answer: "I do not know the outcome yet either".
    Uncertain { tx: u64 },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Begin { .. } => "Begin",
            Msg::CanCommit { .. } => "CanCommit",
            Msg::Yes { .. } => "Yes",
            Msg::No { .. } => "No",
            Msg::PreCommit { .. } => "PreCommit",
            Msg::Ack { .. } => "Ack",
            Msg::DoCommit { .. } => "DoCommit",
            Msg::Abort { .. } => "Abort",
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
            | Msg::PreCommit { tx }
            | Msg::Ack { tx }
            | Msg::DoCommit { tx }
            | Msg::Abort { tx }
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
            | Msg::PreCommit { tx }
            | Msg::Ack { tx }
            | Msg::DoCommit { tx }
            | Msg::Abort { tx }
            | Msg::HaveCommitted { tx }
            | Msg::Query { tx }
            | Msg::Uncertain { tx } => vec![("tx", format!("T{tx}"))],
        }
    }
}

/// What one write-ahead log record says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rec {
    /// Coordinator: transaction started on `row`; CanCommit is about to go out.
    Begin { row: usize },
    /// Cohort: locked `row` and voting Yes (so after a crash it knows it may not abort alone).
    Voted { row: usize },
    /// Coordinator: every cohort voted Yes, PreCommit is about to go out. Cohort: executed the
    /// write on `row` (redo and undo logged), acknowledging PreCommit.
    PreCommit { row: usize },
    /// Commit decided (coordinator) or applied (cohort).
    Commit,
    /// Abort decided (coordinator) or rolled back (cohort).
    Abort,
    /// Coordinator: every cohort acknowledged the decision; the transaction is over.
    End,
}

impl LogRecord for Rec {
    fn text(&self, tx: u64) -> String {
        match self {
            Rec::Begin { row } => format!("T{tx} BEGIN r{}", row + 1),
            Rec::Voted { row } => format!("T{tx} VOTED-YES r{}", row + 1),
            Rec::PreCommit { row } => format!("T{tx} PRECOMMIT r{}", row + 1),
            Rec::Commit => format!("T{tx} COMMIT"),
            Rec::Abort => format!("T{tx} ABORT"),
            Rec::End => format!("T{tx} END"),
        }
    }
}

/// One write-ahead log record of this lab.
pub type Wal = crate::labs::coordination::tx_common::Wal<Rec>;
