//! TCC's checker and counters.
//!
//! - `tx-tcc.conservation` (always): at every service, after every event it handles, the sum
//!   of available, frozen and spent equals its starting total, frozen equals what its branch
//!   table says is reserved (tried branches) and spent what it says was confirmed, so money and stock are
//!   neither created nor lost and the books match the confirmed transactions. A repeated
//!   Confirm or Cancel applied twice, or a Cancel releasing what no Try reserved, breaks it.
//!   Each new discrepancy is reported once.
//! - `tx-tcc.all-or-nothing` (always): no transaction is confirmed at one service and cancelled
//!   (or rolled back empty) at another; read from the services' notes.
//! - `tx-tcc.nothing-left-frozen` (eventually): no service holds a tried branch of a
//!   transaction the coordinator has ended (every service acknowledged its decision); in runs
//!   without faults, none older than the fault-free bound ([`super::Config::patience`]). A Try
//!   that reserves after its Cancel (suspension) breaks it.
//!
//! The counters (decisions, retries, empty rollbacks, suspensions refused, reservations left
//! hanging, repeats absorbed or applied twice) feed the stats panel and the runner's summary.

use super::{service_index, BState, TxTcc, COORDINATOR_NODE, NODES};
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::{NodeId, Time};

/// What the services did with one transaction: a bit per service.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    confirmed: u8,
    cancelled: u8,
    reported: bool,
}

/// The history the checks and the stats need.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Some fault was injected.
    pub faults: bool,
    /// The coordinator's decisions.
    pub confirmed: u64,
    pub cancelled: u64,
    /// Try phases that timed out, and Trys a service refused.
    pub try_timeouts: u64,
    pub try_failures: u64,
    /// Confirm or Cancel messages the coordinator sent again.
    pub retries: u64,
    /// Cancels that found no Try (recorded, answered without a record, or blindly applied).
    pub empty_rollbacks: u64,
    /// Trys refused because their transaction was already cancelled there.
    pub suspensions_refused: u64,
    /// Trys that reserved at a service after it had handled their Cancel (left hanging).
    pub hung: u64,
    /// Repeated Confirms or Cancels recognised and ignored.
    pub absorbed: u64,
    /// Book changes that should not have happened: a repeat applied again, or a Cancel that
    /// released what was never reserved.
    pub damage: u64,
    /// Messages the network duplicated.
    pub duplicates: u64,
    /// Violations of the always properties found.
    pub violations: u64,
    /// Per transaction (indexed by its number).
    seen: Vec<Seen>,
    /// Per node, the books' discrepancy last reported (None: consistent).
    bad: [Option<[i64; 3]>; NODES],
}

/// Transactions beyond this number are not tracked.
const MAX_TX: u64 = 1 << 22;

fn name(node: NodeId) -> &'static str {
    match service_index(node) {
        Some(0) => "the order service O3",
        Some(1) => "the inventory service I4",
        _ => "the account service A5",
    }
}

impl Monitor {
    fn seen(&mut self, tx: u64) -> Option<&mut Seen> {
        if tx >= MAX_TX {
            return None;
        }
        let i = tx as usize;
        if self.seen.len() <= i {
            self.seen.resize(i + 1, Seen::default());
        }
        self.seen.get_mut(i)
    }

    pub(super) fn observe(&mut self, seen: &Observed<TxTcc>, found: &mut Found) {
        match &seen.record.kind {
            TraceKind::Note { key, node, value } => self.note(key, *node, *value, found),
            TraceKind::Duplicate { .. } => {
                self.faults = true;
                self.duplicates += 1;
            }
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    fn note(&mut self, key: &str, node: NodeId, tx: u64, found: &mut Found) {
        let bit = service_index(node).map_or(0, |i| 1u8 << i);
        let outcome = match key {
            "tx-tcc.decide_confirm" => {
                self.confirmed += 1;
                None
            }
            "tx-tcc.decide_cancel" => {
                self.cancelled += 1;
                None
            }
            "tx-tcc.try_timeout" => {
                self.try_timeouts += 1;
                None
            }
            "tx-tcc.try_refused" | "tx-tcc.insufficient" => {
                self.try_failures += 1;
                None
            }
            "tx-tcc.retry" => {
                self.retries += 1;
                None
            }
            "tx-tcc.suspension_refused" => {
                self.suspensions_refused += 1;
                None
            }
            "tx-tcc.dup_confirm" | "tx-tcc.dup_cancel" => {
                self.absorbed += 1;
                None
            }
            "tx-tcc.reserve" | "tx-tcc.reserve_after_cancel" => {
                if self.seen(tx).is_some_and(|s| s.cancelled & bit != 0) {
                    self.hung += 1;
                }
                None
            }
            "tx-tcc.confirm" => Some(true),
            "tx-tcc.confirm_again" => {
                self.damage += 1;
                Some(true)
            }
            "tx-tcc.cancel" => Some(false),
            "tx-tcc.cancel_again" => {
                self.damage += 1;
                Some(false)
            }
            "tx-tcc.empty_rollback" | "tx-tcc.empty_rollback_unrecorded" => {
                self.empty_rollbacks += 1;
                Some(false)
            }
            "tx-tcc.blind_cancel" => {
                self.empty_rollbacks += 1;
                self.damage += 1;
                Some(false)
            }
            _ => None,
        };
        let Some(confirm) = outcome else {
            return;
        };
        let Some(s) = self.seen(tx) else {
            return;
        };
        if confirm {
            s.confirmed |= bit;
        } else {
            s.cancelled |= bit;
        }
        if s.confirmed != 0 && s.cancelled != 0 && !s.reported {
            s.reported = true;
            let (c, a) = (s.confirmed, s.cancelled);
            self.violations += 1;
            let first = |bits: u8| name(super::SERVICES[bits.trailing_zeros().min(2) as usize]);
            found.push((
                "tx-tcc.all-or-nothing",
                format!(
                    "T{tx} is confirmed at {} but cancelled at {}",
                    first(c),
                    first(a)
                ),
            ));
        }
    }

    /// The books of service `node` against its branch table.
    pub(super) fn check_books(
        &mut self,
        node: NodeId,
        nodes: &[TxTcc],
    ) -> Vec<(&'static str, String)> {
        let Some(p) = nodes.get(node).filter(|p| p.is_service()) else {
            return Vec::new();
        };
        let b = p.books;
        let delta = [
            b.available + b.frozen + b.spent - p.initial(),
            b.frozen - p.tried_sum,
            b.spent - p.confirmed_sum,
        ];
        let Some(slot) = self.bad.get_mut(node) else {
            return Vec::new();
        };
        if delta == [0, 0, 0] {
            *slot = None;
            return Vec::new();
        }
        if *slot == Some(delta) {
            return Vec::new();
        }
        *slot = Some(delta);
        self.violations += 1;
        let mut broken = Vec::with_capacity(3);
        if delta[0] != 0 {
            broken.push(format!(
                "available {} + frozen {} + spent {} = {}, but it started with {}",
                b.available,
                b.frozen,
                b.spent,
                b.available + b.frozen + b.spent,
                p.initial()
            ));
        }
        if delta[1] != 0 {
            broken.push(format!(
                "{} frozen, but its tried branches hold {}",
                b.frozen, p.tried_sum
            ));
        }
        if delta[2] != 0 {
            broken.push(format!(
                "{} spent, but its confirmed branches took {}",
                b.spent, p.confirmed_sum
            ));
        }
        vec![(
            "tx-tcc.conservation",
            format!("{}: {}", name(node), broken.join("; ")),
        )]
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[TxTcc],
        _status: &[NodeStatus],
        found: &mut Found,
    ) {
        let Some(co) = nodes.get(COORDINATOR_NODE) else {
            return;
        };
        for p in nodes.iter().filter(|p| p.is_service()) {
            let patience = p.config().patience;
            let stuck = p.branches.iter().find(|(tx, b)| {
                b.state == BState::Tried
                    && (co.txs.get(tx).is_some_and(|t| t.ended)
                        || (!self.faults && now.saturating_sub(b.since) > patience))
            });
            if let Some((tx, b)) = stuck {
                let ended = co.txs.get(tx).is_some_and(|t| t.ended);
                found.push((
                    "tx-tcc.nothing-left-frozen",
                    if ended {
                        format!(
                            "{} still holds {} frozen for T{tx}, which the coordinator has ended",
                            name(p.id),
                            b.amount
                        )
                    } else {
                        format!(
                            "{} has held {} frozen for T{tx} for {} ms (a fault-free transaction takes at most {} ms)",
                            name(p.id),
                            b.amount,
                            now.saturating_sub(b.since) / 1_000,
                            patience / 1_000
                        )
                    },
                ));
            }
        }
    }
}
