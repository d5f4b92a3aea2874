//! Redlock's checker and counters. The property is the shared one
//! ([`MutexChecker`](crate::labs::coordination::lock_storage::MutexChecker)): no two clients'
//! critical sections interleave in the storage's history. The counters — SETs sent, grants
//! and refusals on the instances, rounds won and lost (no majority, or too slow), the won
//! rounds' durations, the waits from asking to holding, keys expired and lost in a restart,
//! writes accepted and rejected, the most clients believing at once that they hold the lock —
//! feed the stats panel, the summary and `distlab batch`.

use super::{LockRedlock, KEYS};
use crate::labs::coordination::lock_beliefs::Beliefs;
use crate::labs::coordination::lock_storage::MutexChecker;
use crate::labs::SeriesBuf;
use crate::sim::{Found, Observed, TraceKind};
use crate::Time;

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    pub faults: bool,
    pub checker: MutexChecker,
    /// SET messages sent, granted and refused by instances.
    pub requests: u64,
    pub set_ok: u64,
    pub set_refused: u64,
    /// Rounds decided: won, lost without a majority, lost with a majority but no validity.
    pub won: u64,
    pub no_majority: u64,
    pub too_slow: u64,
    /// Instance timeouts seen by clients.
    pub timeouts: u64,
    /// The won rounds' total duration (clients' clocks).
    pub round_time: Time,
    pub expired: u64,
    /// Restarts without persistence (each forgets its key, if it had one).
    pub wiped: u64,
    pub writes: u64,
    pub rejected: u64,
    /// Holders whose validity ran out while they still held the lock.
    pub validity_over: u64,
    pub write_timeouts: u64,
    pub beliefs: Beliefs,
    /// Clients believing they hold the lock, after each change (the chart).
    pub holders: SeriesBuf,
}

impl Monitor {
    pub(super) fn observe(&mut self, seen: &Observed<LockRedlock>, found: &mut Found) {
        let r = seen.record;
        match &r.kind {
            TraceKind::Note { key, node, .. } => {
                let node = *node;
                let before = self.beliefs.believers;
                self.note(key, node, seen, found);
                if self.beliefs.believers != before {
                    self.holders.push(r.time, self.beliefs.believers as f64);
                }
            }
            TraceKind::Send { kind: "Set", .. } => self.requests += 1,
            TraceKind::Crash { node } => {
                self.faults = true;
                let before = self.beliefs.believers;
                self.beliefs.crashed(*node);
                if self.beliefs.believers != before {
                    self.holders.push(r.time, self.beliefs.believers as f64);
                }
            }
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    fn note(&mut self, key: &str, node: usize, seen: &Observed<LockRedlock>, found: &mut Found) {
        let r = seen.record;
        match key {
            "lock-redlock.acquire" => self.beliefs.acquiring(node, r.time),
            "lock-redlock.acquired" => {
                self.won += 1;
                if let Some(c) = seen.nodes.get(node) {
                    self.round_time += c.last_round;
                }
                self.beliefs.acquired(node, r.time);
            }
            "lock-redlock.released" => self.beliefs.released(node),
            "lock-redlock.no_majority" => self.no_majority += 1,
            "lock-redlock.too_slow" => self.too_slow += 1,
            "lock-redlock.timeout" => self.timeouts += 1,
            "lock-redlock.set" => self.set_ok += 1,
            "lock-redlock.refused" => self.set_refused += 1,
            "lock-redlock.expired" => self.expired += 1,
            "lock-redlock.restarted_empty" => self.wiped += 1,
            "lock-redlock.validity_over" => self.validity_over += 1,
            "lock-redlock.write_timeout" => self.write_timeouts += 1,
            k if k == KEYS.note_reject => self.rejected += 1,
            k if k == KEYS.note_accept => {
                self.writes += 1;
                self.checker.observe(
                    &KEYS,
                    seen,
                    |p| (p.id == p.config().storage_node()).then_some(&p.storage),
                    found,
                );
            }
            _ => {}
        }
    }

    pub fn violations(&self) -> u64 {
        self.checker.violations
    }

    /// Rounds decided.
    pub fn rounds(&self) -> u64 {
        self.won + self.no_majority + self.too_slow
    }

    /// Won rounds in percent of the rounds decided (0 before any).
    pub fn success_rate(&self) -> f64 {
        match self.rounds() {
            0 => 0.0,
            n => 100.0 * self.won as f64 / n as f64,
        }
    }

    /// Mean wait from asking for the lock to holding it (retries included), in ms.
    pub fn mean_wait_ms(&self) -> f64 {
        match self.won {
            0 => 0.0,
            n => self.beliefs.total_wait as f64 / n as f64 / 1_000.0,
        }
    }

    /// Mean duration of a won round, in ms.
    pub fn mean_round_ms(&self) -> f64 {
        match self.won {
            0 => 0.0,
            n => self.round_time as f64 / n as f64 / 1_000.0,
        }
    }
}
