//! One balancer and its own copy of the servers: a FIFO queue per server (one request in
//! service at a time, `cost × 100 / (capacity × weight × speed %)` seconds each), the counters
//! and the sampled curves. Every balancer of the lab gets the same requests at the same times
//! in its own lane, so the lanes differ only by the algorithm.

use std::collections::VecDeque;

use super::balancer::{Algo, Balancer, Hw};
use crate::Time;

/// One second of virtual time.
pub const SECOND: Time = 1_000_000;
/// Picks kept per lane for the picks panel.
pub const PICKS_KEPT: usize = 18;
const NONE: u8 = u8::MAX;

/// A request of the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Req {
    pub id: u64,
    pub client: u32,
    /// Work units (1 for an ordinary request).
    pub cost: u32,
    pub at: Time,
}

/// A lane's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counts {
    /// Requests given a server.
    pub routed: u64,
    pub served: u64,
    /// Sent to a server that is down (connection refused).
    pub refused: u64,
    /// Sent to a server whose queue was full.
    pub rejected: u64,
    /// Queued on a server when it failed.
    pub crashed: u64,
    /// Arrived while the pool was empty.
    pub no_server: u64,
    /// Sum of the served requests' response times (µs).
    pub latency_sum: u64,
    /// Requests of a client seen before, and of those the ones sent to the same server as
    /// the client's previous request.
    pub returning: u64,
    pub same: u64,
    /// Picks of the same server in a row now, and the longest such run.
    pub run: u32,
    pub longest_run: u32,
    /// The longest queue any server had.
    pub peak_queue: usize,
    /// Clients whose server the last configuration change moved, of those the ones moved
    /// between two servers the change did not touch (left, joined or reweighted), and all
    /// moves so far.
    pub remapped: u64,
    pub needless: u64,
    pub remapped_total: u64,
}

impl Counts {
    pub fn failed(&self) -> u64 {
        self.refused + self.rejected + self.crashed + self.no_server
    }
}

#[derive(Clone, Debug)]
pub struct Lane {
    pub bal: Balancer,
    pub queues: Vec<VecDeque<Req>>,
    /// When each server's request in service finishes (`Time::MAX`: idle).
    pub finish: Vec<Time>,
    pub routed_to: Vec<u64>,
    pub served_by: Vec<u64>,
    pub counts: Counts,
    /// Per client, the server of its previous request.
    last: Vec<u8>,
    last_pick: usize,
    pub recent: VecDeque<u8>,
    /// Response times since the last sample (sum µs, count).
    window: (u64, u64),
    /// Sampled curves: longest queue, requests failed, mean response time (ms).
    pub series: [Vec<(Time, f64)>; 3],
}

/// How long a request of `cost` takes on a server (at least 1 µs).
pub fn service_time(cost: u32, hw: &Hw, capacity: u32) -> Time {
    let work = u64::from(cost) * SECOND * 100;
    (work / (u64::from(capacity.max(1)) * hw.speed().max(1))).max(1)
}

impl Lane {
    pub fn new(algo: Algo, hw: &[Hw], clients: usize, seed: u64) -> Lane {
        let n = hw.len();
        Lane {
            bal: Balancer::new(algo, hw, seed),
            queues: vec![VecDeque::new(); n],
            finish: vec![Time::MAX; n],
            routed_to: vec![0; n],
            served_by: vec![0; n],
            counts: Counts::default(),
            last: vec![NONE; clients],
            last_pick: usize::MAX,
            recent: VecDeque::new(),
            window: (0, 0),
            series: Default::default(),
        }
    }

    pub fn in_flight(&self) -> usize {
        self.queues.iter().map(VecDeque::len).sum()
    }

    pub fn max_queue(&self) -> usize {
        self.queues.iter().map(VecDeque::len).max().unwrap_or(0)
    }

    /// The request's server, or why it failed.
    pub fn route(&mut self, r: Req, hw: &[Hw], cap: usize, capacity: u32, now: Time) {
        let Some(s) = self.bal.pick(hw, r.client) else {
            self.counts.no_server += 1;
            return;
        };
        self.counts.routed += 1;
        self.routed_to[s] += 1;
        self.counts.run = if s == self.last_pick {
            self.counts.run + 1
        } else {
            1
        };
        self.counts.longest_run = self.counts.longest_run.max(self.counts.run);
        self.last_pick = s;
        if self.recent.len() == PICKS_KEPT {
            self.recent.pop_front();
        }
        self.recent.push_back(s as u8);
        if let Some(l) = self.last.get_mut(r.client as usize) {
            if *l != NONE {
                self.counts.returning += 1;
                self.counts.same += u64::from(usize::from(*l) == s);
            }
            *l = s as u8;
        }
        if !hw[s].up {
            self.counts.refused += 1;
            self.bal.failed(s, hw);
        } else if self.queues[s].len() >= cap {
            self.counts.rejected += 1;
            self.bal.failed(s, hw);
        } else {
            self.queues[s].push_back(r);
            if self.queues[s].len() == 1 {
                self.finish[s] = now + service_time(r.cost, &hw[s], capacity);
            }
            self.counts.peak_queue = self.counts.peak_queue.max(self.queues[s].len());
        }
    }

    pub fn next_finish(&self) -> Time {
        self.finish.iter().copied().min().unwrap_or(Time::MAX)
    }

    /// Finishes every request due by `t`, starting each server's next one.
    pub fn complete_until(&mut self, t: Time, hw: &[Hw], capacity: u32) {
        for (s, h) in hw.iter().enumerate().take(self.queues.len()) {
            while self.finish[s] <= t {
                let done = self.finish[s];
                let Some(r) = self.queues[s].pop_front() else {
                    self.finish[s] = Time::MAX;
                    break;
                };
                let latency = done - r.at;
                self.counts.served += 1;
                self.served_by[s] += 1;
                self.counts.latency_sum += latency;
                self.window.0 += latency;
                self.window.1 += 1;
                self.finish[s] = match self.queues[s].front() {
                    Some(next) => done + service_time(next.cost, h, capacity),
                    None => Time::MAX,
                };
            }
        }
    }

    /// Server `s` failed: every request queued on it fails.
    pub fn fail_server(&mut self, s: usize, hw: &[Hw]) {
        let lost = self.queues[s].len() as u64;
        self.queues[s].clear();
        self.finish[s] = Time::MAX;
        self.counts.crashed += lost;
        if lost > 0 {
            self.bal.failed(s, hw);
        }
    }

    /// Server `s` now runs at `new` instead of `old` ([`Hw::speed`]): the request in service
    /// finishes its remaining work at the new speed.
    pub fn rescale(&mut self, s: usize, old: u64, new: u64, now: Time) {
        if self.finish[s] != Time::MAX && old != new {
            let left = u128::from(self.finish[s].saturating_sub(now));
            let scaled = left * u128::from(old.max(1)) / u128::from(new.max(1));
            self.finish[s] = now + (scaled.min(u128::from(u32::MAX) * SECOND as u128) as Time);
        }
    }

    pub fn sample(&mut self, t: Time) {
        self.series[0].push((t, self.max_queue() as f64));
        self.series[1].push((t, self.counts.failed() as f64));
        if self.window.1 > 0 {
            let ms = self.window.0 as f64 / self.window.1 as f64 / 1000.0;
            self.series[2].push((t, (ms * 10.0).round() / 10.0));
        }
        self.window = (0, 0);
    }

    /// Mean response time of the served requests, ms.
    pub fn latency_ms(&self) -> f64 {
        if self.counts.served == 0 {
            0.0
        } else {
            self.counts.latency_sum as f64 / self.counts.served as f64 / 1000.0
        }
    }

    /// Percent of returning clients' requests sent to the server of their previous one.
    pub fn affinity_pct(&self) -> f64 {
        if self.counts.returning == 0 {
            0.0
        } else {
            100.0 * self.counts.same as f64 / self.counts.returning as f64
        }
    }

    /// The lane's invariants: every routed request is served by exactly one server, waiting
    /// on one, or counted failed; a server that is down holds nothing; queues within their
    /// limit; smooth's current weights sum to 0 and its effective weights stay in
    /// `0..=weight`; a hash balancer sends every client to a member.
    pub fn check(&self, hw: &[Hw], cap: usize, clients: u32) -> Result<(), String> {
        let c = &self.counts;
        let name = self.bal.algo.name();
        let flight = self.in_flight() as u64;
        if c.routed != c.served + c.refused + c.rejected + c.crashed + flight {
            return Err(format!(
                "{name}: routed {} ≠ served {} + failed {} + in flight {flight}",
                c.routed,
                c.served,
                c.refused + c.rejected + c.crashed
            ));
        }
        if self.served_by.iter().sum::<u64>() != c.served
            || self.routed_to.iter().sum::<u64>() != c.routed
        {
            return Err(format!("{name}: per-server counts do not add up"));
        }
        for (s, q) in self.queues.iter().enumerate() {
            if !hw[s].up && !q.is_empty() {
                return Err(format!(
                    "{name}: s{} is down with {} queued",
                    s + 1,
                    q.len()
                ));
            }
            if q.len() > cap {
                return Err(format!("{name}: s{} queues {} > {cap}", s + 1, q.len()));
            }
            if q.is_empty() != (self.finish[s] == Time::MAX) {
                return Err(format!("{name}: s{} busy state wrong", s + 1));
            }
        }
        if self.bal.algo == Algo::Smooth {
            let sum = self.bal.current_sum(hw);
            if sum != 0 {
                return Err(format!("smooth: current weights sum to {sum}"));
            }
            for (s, h) in hw.iter().enumerate() {
                let e = self.bal.effective[s];
                if e < 0 || e > i64::from(h.weight) {
                    return Err(format!("smooth: s{} effective weight {e}", s + 1));
                }
            }
        }
        if self.bal.algo.sticky() && hw.iter().any(|h| h.member) {
            for client in 0..clients {
                match self.bal.owner(hw, client) {
                    Some(s) if hw[s].member => {}
                    other => return Err(format!("{name}: client {client} → {other:?}")),
                }
            }
        }
        Ok(())
    }

    pub fn hash_into(&self, h: &mut dyn std::hash::Hasher) {
        use std::hash::Hash;
        self.bal.hash_into(h);
        let mut w = super::model::HashWriter(h);
        self.counts.hash(&mut w);
        self.queues.hash(&mut w);
        self.finish.hash(&mut w);
        self.routed_to.hash(&mut w);
        self.last.hash(&mut w);
        for s in &self.series {
            s.len().hash(&mut w);
        }
    }
}
