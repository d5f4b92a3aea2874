//! The idempotency lab's checker and counters, read from the trace's notes: a client's
//! `issue` (a logical request), `retry`, `answered` / `late_answer` and `give_up`; the
//! server's `apply` (the request took effect) and `dedupe_hit`.
//!
//! - `never-twice` (always): no request takes effect more than once — reported at its second
//!   application, once per request.
//! - `answered-once` (eventually): every request whose client got a reply took effect exactly
//!   once. A reply means the server ran it at least once; a correct server with ids on and
//!   a retention longer than the retry horizon ran it exactly once. (A server that answers
//!   from the wrong table entry — test only — replies to requests it never ran.)
//!
//! Both are lessons: with `ids` off a retry of a request that had run runs again, and with a
//! retention shorter than the horizon a late retry finds its entry gone.

use super::Idem;
use crate::sim::{Found, Observed, TraceKind};
use crate::NodeId;

/// Requests beyond this number are not tracked (one request every 50 ms per client for
/// hours).
const MAX_REQ: u64 = 1 << 22;

/// Per request: how often it took effect (saturating), whether its client got a reply, and
/// whether a double application was reported.
#[derive(Clone, Copy, Debug, Default)]
struct Seen {
    applied: u8,
    answered: bool,
    reported: bool,
}

/// The history the checks and the stats need.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Logical requests the clients issued.
    pub intended: u64,
    /// Applications at the server (every one, double ones included).
    pub applied: u64,
    /// Applications of a request that had already taken effect.
    pub double_applied: u64,
    /// Requests that took effect more than once.
    pub requests_doubled: u64,
    pub retries: u64,
    pub dedupe_hits: u64,
    /// Requests whose client got a reply (in time or late).
    pub answered: u64,
    /// Requests given up on (the outcome unknown to the client), late answers included.
    pub gave_up: u64,
    pub late_answers: u64,
    /// Dedupe table entries expired.
    pub expired: u64,
    /// Messages the network duplicated.
    pub duplicates: u64,
    seen: Vec<Seen>,
}

impl Monitor {
    fn seen(&mut self, req: u64) -> Option<&mut Seen> {
        if req >= MAX_REQ {
            return None;
        }
        let i = req as usize;
        if self.seen.len() <= i {
            self.seen.resize(i + 1, Seen::default());
        }
        self.seen.get_mut(i)
    }

    pub(super) fn observe(&mut self, seen: &Observed<Idem>, found: &mut Found) {
        match &seen.record.kind {
            TraceKind::Note { key, node, value } => self.note(key, *node, *value, found),
            TraceKind::Duplicate { .. } => self.duplicates += 1,
            _ => {}
        }
    }

    fn note(&mut self, key: &str, node: NodeId, req: u64, found: &mut Found) {
        match key {
            "idempotency.issue" => self.intended += 1,
            "idempotency.retry" | "idempotency.restart_retry" => self.retries += 1,
            "idempotency.dedupe_hit" => self.dedupe_hits += 1,
            "idempotency.expired" => self.expired += 1,
            "idempotency.give_up" => self.gave_up += 1,
            "idempotency.answered" | "idempotency.late_answer" => {
                if key == "idempotency.late_answer" {
                    self.late_answers += 1;
                }
                self.answered += 1;
                if let Some(s) = self.seen(req) {
                    s.answered = true;
                }
            }
            "idempotency.apply" => {
                self.applied += 1;
                let Some(s) = self.seen(req) else {
                    return;
                };
                s.applied = s.applied.saturating_add(1);
                if s.applied < 2 {
                    return;
                }
                let first = !s.reported;
                s.reported = true;
                let times = s.applied;
                self.double_applied += 1;
                if first {
                    self.requests_doubled += 1;
                    found.push((
                        "never-twice",
                        format!(
                            "request #{req} took effect {times} times at S{}: its client meant it once",
                            node + 1
                        ),
                    ));
                }
            }
            _ => {}
        }
    }

    /// Requests answered to their client that did not take effect exactly once: (request,
    /// times it took effect), in request order.
    pub fn answered_not_once(&self) -> impl Iterator<Item = (u64, u8)> + '_ {
        self.seen
            .iter()
            .enumerate()
            .filter(|(_, s)| s.answered && s.applied != 1)
            .map(|(i, s)| (i as u64, s.applied))
    }

    /// How many times request `req` took effect so far.
    pub fn times_applied(&self, req: u64) -> u8 {
        self.seen.get(req as usize).map_or(0, |s| s.applied)
    }

    pub(super) fn check_eventually(&self, found: &mut Found) {
        let mut bad = self.answered_not_once();
        if let Some((req, times)) = bad.next() {
            let more = bad.count();
            let also = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            found.push((
                "answered-once",
                format!(
                    "request #{req} was answered to its client but took effect {times} times{also}"
                ),
            ));
        }
    }
}
