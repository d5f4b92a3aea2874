//! The lease lab's checker and counters, read from the trace: the caches' `read_local` and
//! `read_fetched` notes (each carries the key, the version returned and when the read began,
//! packed by [`pack_read`]), the writers' `write_issue`, the server's `install` (with its
//! [`super::Install`] record) and `reject`, and the messages sent.
//!
//! - `no-stale-read` (always, history-aware): no read returns a version that a later write had
//!   replaced *before the read began*, in true (simulation) time. A read answered through the
//!   server may return data installed during the read; one served from a lease must return the
//!   latest install.
//! - `no-old-holder-write` (always): no write is installed over data newer than the generation
//!   its sequencer carries (a write from an old lease holder overwriting a write it never saw).
//!   A lesson when `sequencer=0`.

use std::collections::BTreeMap;

use super::{Lease, SERVER_NODE};
use crate::labs::SeriesBuf;
use crate::sim::{Found, Observed, TraceKind};
use crate::{Time, MS};

const START_BITS: u32 = 40;
const VERSION_BITS: u32 = 22;

/// A read's note value: key (2 bits), version (22 bits), start time in µs (40 bits).
pub fn pack_read(key: usize, version: u64, start: Time) -> u64 {
    ((key as u64 & 3) << 62)
        | ((version & ((1 << VERSION_BITS) - 1)) << START_BITS)
        | (start & ((1 << START_BITS) - 1))
}

/// (key, version, start) of a read's note value.
pub fn unpack_read(v: u64) -> (usize, u64, Time) {
    (
        (v >> 62) as usize,
        (v >> START_BITS) & ((1 << VERSION_BITS) - 1),
        v & ((1 << START_BITS) - 1),
    )
}

/// Message kinds a read costs (requests and their answers).
const READ_KINDS: [&str; 6] = ["Fetch", "Check", "Data", "DataNoLease", "Renew", "Valid"];

/// The history the checks and the stats need.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    pub reads_local: u64,
    pub reads_fetched: u64,
    pub stale: u64,
    pub writes_issued: u64,
    pub installs: u64,
    pub rejects: u64,
    pub old_holder_writes: u64,
    /// Request-to-install latency of installed writes (µs): sum, count, max.
    pub latency_sum: Time,
    pub latency_n: u64,
    pub latency_max: Time,
    /// Each installed write's latency (ms) at its install: the lab's chart.
    pub write_latency: SeriesBuf,
    /// Messages sent for reads (requests and answers), renewals and data among them, pushes.
    pub read_msgs: u64,
    pub renewals: u64,
    pub data_msgs: u64,
    pub updates: u64,
    /// Per key: when each version was installed (index v − 1 for version v), true time.
    installed: Vec<Vec<Time>>,
    /// Writes issued and not yet finished: id → when.
    issued: BTreeMap<u64, Time>,
}

impl Monitor {
    pub fn reads(&self) -> u64 {
        self.reads_local + self.reads_fetched
    }

    /// Mean request-to-install latency (µs), 0 without installs.
    pub fn latency_mean(&self) -> Time {
        self.latency_sum.checked_div(self.latency_n).unwrap_or(0)
    }

    /// Messages per read.
    pub fn msgs_per_read(&self) -> f64 {
        if self.reads() == 0 {
            0.0
        } else {
            self.read_msgs as f64 / self.reads() as f64
        }
    }

    pub(super) fn observe(&mut self, seen: &Observed<Lease>, found: &mut Found) {
        let time = seen.record.time;
        match &seen.record.kind {
            TraceKind::Send { kind, .. } => {
                if READ_KINDS.contains(kind) {
                    self.read_msgs += 1;
                }
                match *kind {
                    "Renew" => self.renewals += 1,
                    "Data" | "DataNoLease" => self.data_msgs += 1,
                    "Update" => self.updates += 1,
                    _ => {}
                }
            }
            TraceKind::Note { key, node, value } => match *key {
                "lease.read_local" | "lease.read_fetched" => {
                    if *key == "lease.read_local" {
                        self.reads_local += 1;
                    } else {
                        self.reads_fetched += 1;
                    }
                    self.check_read(*node, *value, found);
                }
                "lease.write_issue" => {
                    self.writes_issued += 1;
                    self.issued.insert(*value, time);
                }
                "lease.reject" => {
                    self.rejects += 1;
                    self.issued.remove(value);
                }
                "lease.install" => {
                    let Some(i) = seen
                        .nodes
                        .get(SERVER_NODE)
                        .and_then(|s| s.server.last_install)
                    else {
                        return;
                    };
                    self.install(i, time, found);
                }
                _ => {}
            },
            _ => {}
        }
    }

    fn install(&mut self, i: super::Install, time: Time, found: &mut Found) {
        self.installs += 1;
        if let Some(t0) = self.issued.remove(&i.wid) {
            let l = time.saturating_sub(t0);
            self.latency_sum += l;
            self.latency_n += 1;
            self.latency_max = self.latency_max.max(l);
            self.write_latency.push(time, l as f64 / MS as f64);
        }
        if self.installed.len() <= i.key {
            self.installed.resize(i.key + 1, Vec::new());
        }
        let v = &mut self.installed[i.key];
        if v.len() as u64 + 1 == i.version {
            v.push(time);
        }
        let over = i.version.saturating_sub(1);
        if let Some(g) = i.seq.filter(|&g| g < over) {
            self.old_holder_writes += 1;
            found.push((
                "no-old-holder-write",
                format!(
                    "a write from c{} carrying generation {g} of {} overwrote version {over}: its writer's lease was older than the data",
                    (i.wid >> 32) + 1,
                    super::key_name(i.key),
                ),
            ));
        }
    }

    fn check_read(&mut self, node: usize, value: u64, found: &mut Found) {
        let (key, version, start) = unpack_read(value);
        // Version `version + 1` replaced what the read returned; when?
        let Some(&replaced) = self
            .installed
            .get(key)
            .and_then(|v| v.get(version as usize))
        else {
            return;
        };
        if replaced < start {
            self.stale += 1;
            found.push((
                "no-stale-read",
                format!(
                    "c{} read {} at version {version}, but version {} had been installed {} ms before the read began",
                    node + 1,
                    super::key_name(key),
                    version + 1,
                    (start - replaced) / crate::MS,
                ),
            ));
        }
    }
}
