//! The local-message lab's checker and counters.
//!
//! - `tx-local-message.at-most-once` (always): no order is applied to the inventory twice.
//!   Counted from the inventory's apply notes, not from its own processed table, so a consumer
//!   that is not idempotent is caught the moment it applies a redelivered message.
//! - `tx-local-message.exactly-once` (eventually): the inventory has applied exactly the
//!   committed orders, each once. An order applied that the order service never committed
//!   (and is not committing) is reported at once; a committed order not yet applied only when
//!   the fault-free bound ([`super::Config::patience`]) has passed since it was committed *and*
//!   since the last fault, with the order service, the broker and the inventory up and no link
//!   between them cut, slowed or partitioned — so a report means the message is lost, not late.
//!
//! The counters (orders committed, messages published, relay retries, redeliveries,
//! duplicates suppressed, double applications, and the inconsistency window from an order's
//! commit to its application at the inventory) feed the stats panel and the runner's summary.

use super::{TxLocalMessage, BROKER, INVENTORY, NODES, ORDER};
use crate::labs::SeriesBuf;
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::{Time, MS};

/// What happened to one order.
#[derive(Clone, Copy, Debug, Default)]
struct Track {
    committed: Option<Time>,
    applied: Option<Time>,
    applies: u32,
}

/// The history the checks and the stats need.
#[derive(Clone, Debug)]
pub struct Monitor {
    /// Some fault was injected.
    pub faults: bool,
    /// When the last fault (or recovery) happened.
    pub last_fault: Time,
    /// Orders committed, and applied at the inventory (the first time).
    pub committed: u64,
    pub applied: u64,
    /// Entries the broker took (every Publish it received).
    pub published: u64,
    /// Publishes the relay (or the naive service) sent again.
    pub relay_retries: u64,
    /// Deliveries the broker made again.
    pub redeliveries: u64,
    /// Repeated deliveries the consumer recognised and only acknowledged.
    pub suppressed: u64,
    /// Repeated deliveries the consumer applied again.
    pub double_applied: u64,
    /// Messages the network duplicated.
    pub duplicates: u64,
    /// The inconsistency window: how many orders measured, their sum and the longest.
    pub windows: u64,
    pub window_sum: Time,
    pub window_max: Time,
    /// Violations of the always property found.
    pub violations: u64,
    /// Committed orders not yet applied, and its curve (the chart panel's backlog).
    pub backlog: i64,
    pub backlog_curve: SeriesBuf,
    orders: Vec<Track>,
    /// Network faults in force: one-way cuts, slowed links, partition groups.
    cut: [bool; NODES * NODES],
    slow: [bool; NODES * NODES],
    groups: [u32; NODES],
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor {
            faults: false,
            last_fault: 0,
            committed: 0,
            applied: 0,
            published: 0,
            relay_retries: 0,
            redeliveries: 0,
            suppressed: 0,
            double_applied: 0,
            duplicates: 0,
            windows: 0,
            window_sum: 0,
            window_max: 0,
            violations: 0,
            backlog: 0,
            backlog_curve: SeriesBuf::new(256, 10 * MS),
            orders: Vec::new(),
            cut: [false; NODES * NODES],
            slow: [false; NODES * NODES],
            groups: [0; NODES],
        }
    }
}

/// Orders beyond this number are not tracked.
const MAX_ORDER: u64 = 1 << 22;

impl Monitor {
    fn track(&mut self, order: u64) -> Option<&mut Track> {
        if order >= MAX_ORDER {
            return None;
        }
        let i = order as usize;
        if self.orders.len() <= i {
            self.orders.resize(i + 1, Track::default());
        }
        self.orders.get_mut(i)
    }

    /// Times each order was applied (0 for unknown orders).
    pub fn applies(&self, order: u64) -> u32 {
        self.orders.get(order as usize).map_or(0, |t| t.applies)
    }

    /// Orders the inventory has applied at least once.
    pub fn applied_orders(&self) -> impl Iterator<Item = u64> + '_ {
        self.orders
            .iter()
            .enumerate()
            .filter(|(_, t)| t.applies > 0)
            .map(|(i, _)| i as u64)
    }

    /// Each order's inconsistency window: (when the inventory applied it, how long after its
    /// commit), in order of application; an order applied before it was committed (published
    /// first) counts 0 at its commit.
    pub fn windows(&self) -> Vec<(Time, Time)> {
        let mut out: Vec<(Time, Time)> = self
            .orders
            .iter()
            .filter_map(|t| match (t.committed, t.applied) {
                (Some(c), Some(a)) => Some((a.max(c), a.saturating_sub(c))),
                _ => None,
            })
            .collect();
        out.sort_unstable();
        out
    }

    fn set_backlog(&mut self, now: Time, delta: i64) {
        self.backlog += delta;
        self.backlog_curve.push(now, self.backlog as f64);
    }

    /// The mean inconsistency window, µs (0 before any).
    pub fn window_mean(&self) -> Time {
        self.window_sum.checked_div(self.windows).unwrap_or(0)
    }

    fn window(&mut self, w: Time) {
        self.windows += 1;
        self.window_sum += w;
        self.window_max = self.window_max.max(w);
    }

    pub(super) fn observe(&mut self, seen: &Observed<TxLocalMessage>, found: &mut Found) {
        let now = seen.record.time;
        let kind = &seen.record.kind;
        if kind.is_fault() {
            self.faults = true;
            self.last_fault = now;
        }
        let at = |a: usize, b: usize| a * NODES + b;
        match kind {
            TraceKind::Note { key, value, .. } => self.note(key, *value, now, found),
            TraceKind::Duplicate { .. } => self.duplicates += 1,
            TraceKind::Cut { a, b } | TraceKind::Heal { a, b } if *a < NODES && *b < NODES => {
                let on = matches!(kind, TraceKind::Cut { .. });
                self.cut[at(*a, *b)] = on;
                self.cut[at(*b, *a)] = on;
            }
            TraceKind::CutOneWay { from, to } | TraceKind::HealOneWay { from, to }
                if *from < NODES && *to < NODES =>
            {
                self.cut[at(*from, *to)] = matches!(kind, TraceKind::CutOneWay { .. });
            }
            TraceKind::Slow { a, b, extra } if *a < NODES && *b < NODES => {
                self.slow[at(*a, *b)] = *extra > 0;
                self.slow[at(*b, *a)] = *extra > 0;
            }
            TraceKind::Partition { groups } => {
                for (g, v) in self.groups.iter_mut().zip(groups.iter()) {
                    *g = *v;
                }
            }
            TraceKind::HealAll => {
                self.cut = [false; NODES * NODES];
                self.slow = [false; NODES * NODES];
                self.groups = [0; NODES];
            }
            _ => {}
        }
    }

    fn note(&mut self, key: &str, order: u64, now: Time, found: &mut Found) {
        match key {
            "tx-local-message.commit" => {
                self.committed += 1;
                if let Some(t) = self.track(order) {
                    t.committed = Some(now);
                    if t.applied.is_some() {
                        // Applied before it was committed (published first): no window.
                        self.window(0);
                    } else {
                        self.set_backlog(now, 1);
                    }
                }
            }
            "tx-local-message.enqueue" => self.published += 1,
            "tx-local-message.republish" => self.relay_retries += 1,
            "tx-local-message.redeliver" => self.redeliveries += 1,
            "tx-local-message.dup_suppressed" => self.suppressed += 1,
            "tx-local-message.apply" | "tx-local-message.apply_again" => {
                let Some(t) = self.track(order) else {
                    return;
                };
                t.applies += 1;
                let (applies, committed) = (t.applies, t.committed);
                if applies == 1 {
                    t.applied = Some(now);
                    self.applied += 1;
                    if let Some(c) = committed {
                        self.window(now.saturating_sub(c));
                        self.set_backlog(now, -1);
                    }
                } else {
                    self.double_applied += 1;
                    self.violations += 1;
                    found.push((
                        "tx-local-message.at-most-once",
                        format!(
                            "order #{order} applied to the inventory {applies} times: a redelivered message was applied again"
                        ),
                    ));
                }
            }
            _ => {}
        }
    }

    /// The order service, the broker and the inventory up, and no link between them cut,
    /// slowed or partitioned (the client plays no part in delivering a committed order).
    fn healthy(&self, status: &[NodeStatus]) -> bool {
        let path = [ORDER, BROKER, INVENTORY];
        path.iter()
            .all(|&i| status.get(i).is_some_and(|s| *s == NodeStatus::Up))
            && path.iter().all(|&a| {
                path.iter().all(|&b| {
                    !self.cut[a * NODES + b]
                        && !self.slow[a * NODES + b]
                        && self.groups[a] == self.groups[b]
                })
            })
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[TxLocalMessage],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        let Some(o) = nodes.get(ORDER) else {
            return;
        };
        let patience = o.config().patience;
        // Applied but never committed: a message invented by publishing before committing.
        if let Some(order) = self
            .applied_orders()
            .find(|n| !o.orders.contains_key(n) && !o.open.contains_key(n))
        {
            found.push((
                "tx-local-message.exactly-once",
                format!(
                    "order #{order} was applied to the inventory but the order service never committed it"
                ),
            ));
        }
        if let Some(order) = self.applied_orders().find(|&n| self.applies(n) > 1) {
            found.push((
                "tx-local-message.exactly-once",
                format!("order #{order} was applied {} times", self.applies(order)),
            ));
        }
        if !self.healthy(status) {
            return;
        }
        let since = |at: Time| now.saturating_sub(at.max(self.last_fault));
        let missing: Vec<u64> = o
            .orders
            .iter()
            .filter(|(&n, row)| self.applies(n) == 0 && since(row.at) > patience)
            .map(|(&n, _)| n)
            .collect();
        if let Some(first) = missing.first() {
            found.push((
                "tx-local-message.exactly-once",
                format!(
                    "{} committed order(s) never reached the inventory (first #{first}), though nothing has failed for {} ms",
                    missing.len(),
                    since(0) / 1_000
                ),
            ));
        }
    }
}
