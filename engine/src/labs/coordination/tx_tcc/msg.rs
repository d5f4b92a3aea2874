//! TCC's messages, and the records of the coordinator's transaction log.

use crate::sim::{Message, TraceHasher};
use crate::Time;

/// Messages. `tx` numbers a purchase (1, 2, … as the client issues them); `amount` is what the
/// branch reserves at the service it goes to (quota or stock units, or money).
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Client → coordinator: buy `qty` units as transaction `tx`.
    Buy { tx: u64, qty: u64 },
    /// Coordinator → service: reserve `amount` for `tx` (freeze it).
    Try { tx: u64, amount: i64 },
    /// Service → coordinator: reserved.
    TryOk { tx: u64 },
    /// Service → coordinator: could not reserve (not enough, refused, or a Try after its
    /// Cancel).
    TryFail { tx: u64 },
    /// Coordinator → service: spend the reservation of `tx`.
    Confirm { tx: u64, amount: i64 },
    /// Coordinator → service: release the reservation of `tx`.
    Cancel { tx: u64, amount: i64 },
    /// Service → coordinator: `tx` confirmed here.
    ConfirmOk { tx: u64 },
    /// Service → coordinator: `tx` cancelled here.
    CancelOk { tx: u64 },
    /// Coordinator → client: the purchase's outcome.
    Outcome { tx: u64, confirmed: bool },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Buy { .. } => "Buy",
            Msg::Try { .. } => "Try",
            Msg::TryOk { .. } => "TryOk",
            Msg::TryFail { .. } => "TryFail",
            Msg::Confirm { .. } => "Confirm",
            Msg::Cancel { .. } => "Cancel",
            Msg::ConfirmOk { .. } => "ConfirmOk",
            Msg::CancelOk { .. } => "CancelOk",
            Msg::Outcome { .. } => "Outcome",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Buy { tx, qty } => {
                h.u64(*tx);
                h.u64(*qty);
            }
            Msg::Try { tx, amount } | Msg::Confirm { tx, amount } | Msg::Cancel { tx, amount } => {
                h.u64(*tx);
                h.u64(*amount as u64);
            }
            Msg::Outcome { tx, confirmed } => {
                h.u64(*tx);
                h.u64(u64::from(*confirmed));
            }
            Msg::TryOk { tx }
            | Msg::TryFail { tx }
            | Msg::ConfirmOk { tx }
            | Msg::CancelOk { tx } => h.u64(*tx),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Buy { tx, qty } => vec![("tx", format!("T{tx}")), ("qty", qty.to_string())],
            Msg::Try { tx, amount } | Msg::Confirm { tx, amount } | Msg::Cancel { tx, amount } => {
                vec![("tx", format!("T{tx}")), ("amount", amount.to_string())]
            }
            Msg::Outcome { tx, confirmed } => vec![
                ("tx", format!("T{tx}")),
                (
                    "outcome",
                    if *confirmed { "confirm" } else { "cancel" }.to_string(),
                ),
            ],
            Msg::TryOk { tx }
            | Msg::TryFail { tx }
            | Msg::ConfirmOk { tx }
            | Msg::CancelOk { tx } => {
                vec![("tx", format!("T{tx}"))]
            }
        }
    }
}

/// What one record of the coordinator's log says. A record is on disk before the messages it
/// announces are sent, and survives crashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rec {
    /// A purchase of `qty` units began; the Trys are about to go out.
    Begin { qty: u64 },
    /// Every Try succeeded: Confirm everywhere.
    Confirm,
    /// A Try failed or timed out (or the coordinator restarted before deciding): Cancel
    /// everywhere.
    Cancel,
    /// Every service acknowledged the decision: the transaction is over.
    End,
}

/// One log record: transaction, what it says, and when it was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wal {
    pub tx: u64,
    pub rec: Rec,
    pub at: Time,
}

impl Wal {
    /// How the inspector shows the record (`T3 BEGIN ×2`).
    pub fn text(&self) -> String {
        let tx = self.tx;
        match self.rec {
            Rec::Begin { qty } => format!("T{tx} BEGIN ×{qty}"),
            Rec::Confirm => format!("T{tx} CONFIRM"),
            Rec::Cancel => format!("T{tx} CANCEL"),
            Rec::End => format!("T{tx} END"),
        }
    }
}
