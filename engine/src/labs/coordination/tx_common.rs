//! What the atomic-commit labs (`tx-2pc`, `tx-3pc`) share, kept in one place: the write-ahead
//! log record (a transaction, what the record says, when it was written), a cohort's rows with
//! their locks and wait queues, the atomicity checker (no transaction committed by one node and
//! aborted by another), the message count behind "messages per transaction", and the view
//! helpers (transaction lists, the log panel, the rows table). Each lab keeps its own messages,
//! roles and log record kinds; the notes' sections are cited in each lab's module docs.

use std::collections::VecDeque;

use crate::labs::Panel;
use crate::sim::Found;
use crate::{NodeId, Time, MS};

/// What a kind of log record looks like in the inspector (`T3 PREPARED r2`).
pub trait LogRecord: Copy {
    fn text(&self, tx: u64) -> String;
}

/// One write-ahead log record: transaction, what it says, and when it was written. A record is
/// on disk before the message it announces is sent, and survives crashes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wal<R> {
    pub tx: u64,
    pub rec: R,
    pub at: Time,
}

impl<R: LogRecord> Wal<R> {
    /// How the inspector shows the record (record names as in a log).
    pub fn text(&self) -> String {
        self.rec.text(self.tx)
    }
}

/// A cohort's rows: per row the committed value (the transaction that last wrote it, 0: none;
/// on disk), the transaction holding its lock and the transactions queued for it (in memory).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    pub values: Vec<u64>,
    pub locks: Vec<Option<u64>>,
    pub waiters: Vec<VecDeque<u64>>,
}

impl Rows {
    pub fn new(n: usize) -> Rows {
        Rows {
            values: vec![0; n],
            locks: vec![None; n],
            waiters: vec![VecDeque::new(); n],
        }
    }

    pub fn locks_held(&self) -> usize {
        self.locks.iter().filter(|l| l.is_some()).count()
    }

    pub fn anyone_waiting(&self) -> bool {
        self.waiters.iter().any(|w| !w.is_empty())
    }

    /// Takes `row`'s lock for `tx` if it is free (true), or queues `tx` for it (false).
    pub fn lock_or_queue(&mut self, row: usize, tx: u64) -> bool {
        match self.locks.get_mut(row) {
            Some(l @ None) => {
                *l = Some(tx);
                true
            }
            Some(Some(_)) => {
                self.waiters[row].push_back(tx);
                false
            }
            None => false,
        }
    }

    /// Takes `row`'s lock again for `tx` (recovery from the log).
    pub fn relock(&mut self, row: usize, tx: u64) {
        if let Some(l) = self.locks.get_mut(row) {
            *l = Some(tx);
        }
    }

    /// Leaves `row`'s queue.
    pub fn leave_queue(&mut self, row: usize, tx: u64) {
        if let Some(w) = self.waiters.get_mut(row) {
            w.retain(|&t| t != tx);
        }
    }

    /// Releases `row`'s lock and gives it to the first queued transaction that `still_waits`;
    /// returns that transaction.
    pub fn unlock(&mut self, row: usize, still_waits: impl Fn(u64) -> bool) -> Option<u64> {
        if let Some(l) = self.locks.get_mut(row) {
            *l = None;
        }
        let queue = self.waiters.get_mut(row)?;
        while let Some(next) = queue.pop_front() {
            if still_waits(next) {
                self.locks[row] = Some(next);
                return Some(next);
            }
        }
        None
    }

    /// Loses what is in memory (a crash): locks and queues.
    pub fn crash(&mut self) {
        for l in &mut self.locks {
            *l = None;
        }
        for w in &mut self.waiters {
            w.clear();
        }
    }

    /// The rows table of a cohort's inspector.
    pub fn panel(&self, title: &'static str, columns: Vec<&'static str>) -> Panel {
        rows_panel(title, columns, &self.values, &self.locks, &self.waiters)
    }
}

/// The rows table of a cohort's inspector: row, committed value, lock holder, waiting.
pub fn rows_panel(
    title: &'static str,
    columns: Vec<&'static str>,
    values: &[u64],
    locks: &[Option<u64>],
    waiters: &[VecDeque<u64>],
) -> Panel {
    Panel::Table {
        title,
        columns,
        rows: values
            .iter()
            .enumerate()
            .map(|(r, &value)| {
                let waiting: Vec<u64> = waiters
                    .get(r)
                    .map(|w| w.iter().copied().collect())
                    .unwrap_or_default();
                vec![
                    format!("r{}", r + 1),
                    match value {
                        0 => "-".to_string(),
                        t => format!("T{t}"),
                    },
                    locks
                        .get(r)
                        .copied()
                        .flatten()
                        .map_or("-".into(), |t| format!("T{t}")),
                    tx_list(&waiting),
                ]
            })
            .collect(),
    }
}

/// Rows whose committed value is not the same on every cohort.
pub fn rows_differ<'a>(cohorts: impl Iterator<Item = &'a [u64]>) -> usize {
    let all: Vec<&[u64]> = cohorts.collect();
    let Some(first) = all.first() else {
        return 0;
    };
    (0..first.len())
        .filter(|&r| all.iter().any(|v| v.get(r) != first.get(r)))
        .count()
}

/// What the nodes did with one transaction.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    committed_by: Option<NodeId>,
    aborted_by: Option<NodeId>,
    reported: bool,
}

/// Transactions beyond this number are not tracked (a client issues one at a time by hand or
/// at most 50 a second).
const MAX_TX: u64 = 1 << 22;

/// The atomicity checker: fed every commit and abort a node applies or decides, it reports a
/// transaction once when one node commits it and another aborts it, naming one on each side.
#[derive(Clone, Debug, Default)]
pub struct Atomicity {
    /// Violations found.
    pub violations: u64,
    /// Per transaction (indexed by its number).
    seen: Vec<Seen>,
}

impl Atomicity {
    /// `node` committed (or aborted) `tx`; `coordinator` is the coordinator's node id (named
    /// as such in the explanation).
    pub fn outcome(
        &mut self,
        tx: u64,
        node: NodeId,
        commit: bool,
        coordinator: NodeId,
        found: &mut Found,
    ) {
        if tx >= MAX_TX {
            return;
        }
        let i = tx as usize;
        if self.seen.len() <= i {
            self.seen.resize(i + 1, Seen::default());
        }
        let s = &mut self.seen[i];
        if commit {
            s.committed_by.get_or_insert(node);
        } else {
            s.aborted_by.get_or_insert(node);
        }
        if let (Some(c), Some(a), false) = (s.committed_by, s.aborted_by, s.reported) {
            s.reported = true;
            self.violations += 1;
            let name = |n: NodeId| {
                if n == coordinator {
                    format!("the coordinator C{}", n + 1)
                } else {
                    format!("R{}", n + 1)
                }
            };
            found.push((
                "atomicity",
                format!(
                    "T{tx} is committed by {} but aborted by {}",
                    name(c),
                    name(a)
                ),
            ));
        }
    }
}

/// Messages sent and transactions begun: their ratio is the cost of a transaction in messages
/// (two-phase commit: 4 per cohort + 2 without faults; three-phase commit: 6 per cohort + 2).
#[derive(Clone, Copy, Debug, Default)]
pub struct Traffic {
    pub sent: u64,
    pub begun: u64,
}

impl Traffic {
    /// Messages per transaction begun (0 before the first).
    pub fn per_tx(&self) -> f64 {
        if self.begun == 0 {
            0.0
        } else {
            self.sent as f64 / self.begun as f64
        }
    }
}

/// Transactions listed per line (the newest).
const TX_SHOWN: usize = 8;

/// `T1 T2 T5`, the newest few, or `-`.
pub fn tx_list(txs: &[u64]) -> String {
    if txs.is_empty() {
        return "-".into();
    }
    let skip = txs.len().saturating_sub(TX_SHOWN);
    let mut s = if skip > 0 {
        "… ".to_string()
    } else {
        String::new()
    };
    s.push_str(
        &txs[skip..]
            .iter()
            .map(|t| format!("T{t}"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    s
}

/// Simulated time in milliseconds.
pub fn ms(t: Time) -> f64 {
    t as f64 / MS as f64
}

/// WAL records the inspector shows (the newest).
const WAL_SHOWN: usize = 12;

/// A node's write-ahead log, newest records last.
pub fn wal_panel<R: LogRecord>(title: &'static str, wal: &[Wal<R>]) -> Panel {
    let skip = wal.len().saturating_sub(WAL_SHOWN);
    let mut items: Vec<String> = wal[skip..].iter().map(|w| w.text()).collect();
    if skip > 0 {
        items.insert(0, format!("… ({skip})"));
    }
    Panel::List { title, items }
}

/// *Every transaction ends* on one node of a fault-free run (tx-2pc and tx-3pc): the client
/// waits for no outcome (`pending`: its transactions without one, with when it began them),
/// and no cohort stays in doubt (`doubt`), longer than a fault-free transaction takes
/// (`patience`).
pub fn every_transaction_ends(
    now: Time,
    patience: Time,
    node: NodeId,
    mut pending: impl Iterator<Item = (u64, Time)>,
    doubt: &std::collections::BTreeMap<u64, Time>,
    found: &mut Found,
) {
    if let Some((tx, since)) = pending.find(|&(_, since)| now.saturating_sub(since) > patience) {
        found.push((
            "every-transaction-ends",
            format!(
                "the client has waited {} ms for the outcome of T{tx} (a fault-free transaction takes at most {} ms)",
                now.saturating_sub(since) / MS,
                patience / MS
            ),
        ));
    }
    if let Some((tx, since)) = doubt
        .iter()
        .find(|(_, &since)| now.saturating_sub(since) > patience)
    {
        found.push((
            "every-transaction-ends",
            format!(
                "R{} has been in doubt about T{tx} for {} ms",
                node + 1,
                now.saturating_sub(*since) / MS
            ),
        ));
    }
}
