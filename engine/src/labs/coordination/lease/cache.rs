//! A cache: serves a read locally while it holds a valid lease on the key; otherwise fetches
//! the data (or a renewal) with a lease from the server (lease mode), or checks its version
//! with the server on every read (version mode). Its writes go through to the server carrying
//! a sequencer: the version its lease covered.

use std::collections::VecDeque;

use super::{monitor::pack_read, Config, Lease, Msg, Timer, SERVER_NODE};
use crate::sim::Ctx;
use crate::{Time, MS};

/// Most writes a cache queues.
pub const MAX_WRITES: usize = 16;
/// Most reads waiting on one key.
pub const MAX_WAITING: usize = 64;
/// A waiting entry that is not a read (a fetch made so a write has a sequencer).
const NOT_A_READ: Time = Time::MAX;

/// A cache's copy of one key (all in memory).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Item {
    /// A copy is held (value and version valid).
    pub has: bool,
    pub value: i64,
    pub version: u64,
    /// The lease is valid: reads are served locally.
    pub leased: bool,
    /// When the lease ends (the cache's clock), for the view.
    pub lease_until: Time,
    /// The outstanding fetch (lease mode) and when it was sent (the cache's clock).
    pub fetch: Option<u64>,
    pub fetch_sent: Time,
    /// The fetch whose lease clock (timer `Lease`) is still running.
    pub bound: Option<u64>,
    /// Reads waiting for the server: (request, when the read began, in true time — kept for
    /// the checker only; the protocol never reads it).
    pub waiting: Vec<(u64, Time)>,
}

/// A write waiting its turn (the head one is in flight once `sent`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PendingWrite {
    pub wid: u64,
    pub key: usize,
    pub value: i64,
    pub sent: bool,
    /// The sequencer it carries (set when sent).
    pub seq: u64,
}

/// A cache's state.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    pub items: Vec<Item>,
    pub writes: VecDeque<PendingWrite>,
    /// On disk: request and write counters (never reused after a restart).
    pub next_req: u64,
    pub next_wid: u64,
    /// Counters (kept across crashes, for the view).
    pub reads: u64,
    pub local: u64,
    pub fetched: u64,
    pub acked: u64,
    pub rejected: u64,
}

impl Cache {
    pub fn new(cfg: &Config) -> Cache {
        Cache {
            items: vec![Item::default(); cfg.keys],
            ..Cache::default()
        }
    }

    /// A crash empties the memory: copies, leases, waiting reads and queued writes.
    pub fn crash(&mut self) {
        for it in &mut self.items {
            *it = Item::default();
        }
        self.writes.clear();
    }
}

impl Lease {
    pub(super) fn cache_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.reads > 0.0 {
            self.arm_next(Timer::NextRead, self.cfg.reads, ctx);
        }
        if self.cfg.writes > 0.0 {
            self.arm_next(Timer::NextWrite, self.cfg.writes, ctx);
        }
    }

    /// The next random event at `rate` a second: uniform in (0, 2/rate].
    fn arm_next(&self, timer: Timer, rate: f64, ctx: &mut Ctx<Self>) {
        let mean = (1_000_000.0 / rate).min(1e12) as Time;
        let after = ctx.random_between(1, 2 * mean.max(1));
        ctx.set_timer(timer, after);
    }

    fn new_req(&mut self) -> u64 {
        self.cache.next_req += 1;
        self.cache.next_req
    }

    /// A read of `key`: local under a valid lease, else through the server.
    pub(super) fn cache_read(&mut self, key: usize, ctx: &mut Ctx<Self>) {
        let Some(it) = self.cache.items.get(key) else {
            return;
        };
        if it.waiting.len() >= MAX_WAITING {
            ctx.note("lease.busy", key as u64);
            return;
        }
        self.cache.reads += 1;
        // The lease flag drops when the lease timer fires; the clock is read too, as a timer
        // that fell due while the cache was paused fires only after it resumes.
        let valid = it.leased && (self.cfg.broken_no_expiry || ctx.local_now() < it.lease_until);
        if !self.cfg.version_mode && valid {
            self.cache.local += 1;
            ctx.note("lease.read_local", pack_read(key, it.version, ctx.now));
            return;
        }
        self.wait_on(key, ctx.now, ctx);
    }

    /// Queues a read (or a fetch for a write, `start == NOT_A_READ`) on the server.
    fn wait_on(&mut self, key: usize, start: Time, ctx: &mut Ctx<Self>) {
        if self.cfg.version_mode {
            let req = self.new_req();
            let it = &mut self.cache.items[key];
            it.waiting.push((req, start));
            let have = it.has.then_some(it.version);
            ctx.send(SERVER_NODE, Msg::Check { req, key, have });
            ctx.set_timer(Timer::Retry(key), self.cfg.retry);
            return;
        }
        let req = match self.cache.items[key].fetch {
            Some(req) => req,
            None => self.send_fetch(key, ctx),
        };
        self.cache.items[key].waiting.push((req, start));
    }

    /// Sends a fetch and starts the lease clock: the lease the server will grant begins
    /// after this moment, so counting from here is on the safe side.
    fn send_fetch(&mut self, key: usize, ctx: &mut Ctx<Self>) -> u64 {
        let req = self.new_req();
        let now = ctx.local_now();
        let it = &mut self.cache.items[key];
        it.fetch = Some(req);
        it.fetch_sent = now;
        it.bound = Some(req);
        let have = it.has.then_some(it.version);
        ctx.set_timer(Timer::Lease(key), self.cfg.cache_lease());
        ctx.set_timer(Timer::Retry(key), self.cfg.retry);
        ctx.send(SERVER_NODE, Msg::Fetch { req, key, have });
        req
    }

    /// Stores a copy if it is newer than the one held.
    fn store(&mut self, key: usize, value: i64, version: u64) {
        let it = &mut self.cache.items[key];
        if !it.has || version > it.version {
            it.has = true;
            it.value = value;
            it.version = version;
        }
    }

    /// Serves the reads waiting on request `req` with the copy held.
    fn serve(&mut self, key: usize, req: u64, ctx: &mut Ctx<Self>) {
        let it = &mut self.cache.items[key];
        let version = it.version;
        let mut served = 0;
        it.waiting.retain(|&(r, start)| {
            if r != req {
                return true;
            }
            if start != NOT_A_READ {
                ctx.note("lease.read_fetched", pack_read(key, version, start));
                served += 1;
            }
            false
        });
        self.cache.fetched += served;
    }

    pub(super) fn cache_msg(&mut self, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Data {
                req,
                key,
                value,
                version,
                lease,
            } if key < self.cache.items.len() => {
                self.store(key, value, version);
                if self.cfg.version_mode || lease == 0 {
                    self.version_reply(key, req, ctx);
                } else {
                    self.lease_reply(key, req, version, lease, ctx);
                }
            }
            Msg::Renew {
                req,
                key,
                version,
                lease,
            } if key < self.cache.items.len() => self.lease_reply(key, req, version, lease, ctx),
            Msg::Valid { req, key, .. } if key < self.cache.items.len() => {
                self.version_reply(key, req, ctx)
            }
            Msg::Update {
                key,
                value,
                version,
            } if key < self.cache.items.len() => {
                let it = &self.cache.items[key];
                if !it.has || version > it.version {
                    self.store(key, value, version);
                    // The lease covered the old data: ask again before serving.
                    self.cache.items[key].leased = false;
                    ctx.note("lease.updated", version);
                }
            }
            Msg::Ack { wid, key, version } => self.write_done(wid, key, Some(version), ctx),
            Msg::Reject { wid, key, .. } => self.write_done(wid, key, None, ctx),
            _ => {}
        }
        self.send_write(ctx);
    }

    /// A version check answered: the read it belongs to is served (the answer was current at
    /// the server after the read began).
    fn version_reply(&mut self, key: usize, req: u64, ctx: &mut Ctx<Self>) {
        self.serve(key, req, ctx);
        if self.cache.items[key].waiting.is_empty() {
            ctx.cancel_timer(Timer::Retry(key));
        }
    }

    /// Data or a renewal with a lease, in answer to fetch `req`.
    fn lease_reply(
        &mut self,
        key: usize,
        req: u64,
        version: u64,
        lease: Time,
        ctx: &mut Ctx<Self>,
    ) {
        let it = &self.cache.items[key];
        if it.fetch != Some(req) {
            return; // a duplicate, or the answer to a fetch given up on
        }
        let current = it.has && it.version == version;
        self.cache.items[key].fetch = None;
        ctx.cancel_timer(Timer::Retry(key));
        if self.cfg.broken_no_margin {
            // Broken: counts the whole lease from now, as if it had begun on arrival.
            ctx.set_timer(Timer::Lease(key), lease);
            let it = &mut self.cache.items[key];
            it.bound = Some(req);
            it.fetch_sent = ctx.local_now();
        }
        let now = ctx.local_now();
        let cache_lease = if self.cfg.broken_no_margin {
            lease
        } else {
            self.cfg.cache_lease()
        };
        let it = &mut self.cache.items[key];
        // The lease clock still runs: its timer has not fired, and (should the timer be due
        // but not yet handled, after a pause) the clock says so too.
        let running = it.bound == Some(req) && now < it.fetch_sent.saturating_add(cache_lease);
        if running && current {
            it.leased = true;
            it.lease_until = it.fetch_sent.saturating_add(cache_lease);
            ctx.note("lease.granted", (it.lease_until.saturating_sub(now)) / MS);
            self.serve(key, req, ctx);
        } else if !self.cache.items[key].waiting.is_empty() {
            // The lease clock ran out before the answer came (or a newer copy arrived
            // meanwhile): ask again.
            let new = self.send_fetch(key, ctx);
            for w in &mut self.cache.items[key].waiting {
                w.0 = new;
            }
        }
    }

    pub(super) fn cache_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::NextRead => {
                let key = ctx.random_index(self.cfg.keys);
                self.cache_read(key, ctx);
                self.arm_next(Timer::NextRead, self.cfg.reads, ctx);
            }
            Timer::NextWrite => {
                let key = ctx.random_index(self.cfg.keys);
                let value = ctx.random_between(1, 999) as i64;
                self.cache_write(key, value, ctx);
                self.arm_next(Timer::NextWrite, self.cfg.writes, ctx);
            }
            Timer::Lease(key) if key < self.cache.items.len() => self.lease_over(key, ctx),
            Timer::Retry(key) if key < self.cache.items.len() => self.resend(key, ctx),
            Timer::WriteRetry => {
                if let Some(w) = self.cache.writes.front().copied().filter(|w| w.sent) {
                    self.send_write_msg(w, ctx);
                }
            }
            _ => {}
        }
    }

    /// The lease clock ran out: the lease (if it came) is over; a fetch still unanswered can
    /// no longer bring a usable lease, so a new one is sent for the waiting reads.
    fn lease_over(&mut self, key: usize, ctx: &mut Ctx<Self>) {
        let it = &mut self.cache.items[key];
        it.bound = None;
        if it.leased && !self.cfg.broken_no_expiry {
            it.leased = false;
            ctx.note("lease.expired", key as u64);
        }
        if it.fetch.take().is_some() {
            ctx.cancel_timer(Timer::Retry(key));
            if !self.cache.items[key].waiting.is_empty() {
                let new = self.send_fetch(key, ctx);
                for w in &mut self.cache.items[key].waiting {
                    w.0 = new;
                }
            }
        }
    }

    fn resend(&mut self, key: usize, ctx: &mut Ctx<Self>) {
        let it = &self.cache.items[key];
        let have = it.has.then_some(it.version);
        if self.cfg.version_mode {
            for &(req, _) in &it.waiting {
                ctx.send(SERVER_NODE, Msg::Check { req, key, have });
            }
            if !it.waiting.is_empty() {
                ctx.set_timer(Timer::Retry(key), self.cfg.retry);
            }
        } else if let Some(req) = it.fetch {
            ctx.send(SERVER_NODE, Msg::Fetch { req, key, have });
            ctx.set_timer(Timer::Retry(key), self.cfg.retry);
        }
    }

    /// A write of `value` to `key` through this cache.
    pub(super) fn cache_write(&mut self, key: usize, value: i64, ctx: &mut Ctx<Self>) {
        if self.cache.writes.len() >= MAX_WRITES {
            ctx.note("lease.busy", key as u64);
            return;
        }
        self.cache.next_wid += 1;
        let wid = ((self.id as u64) << 32) | self.cache.next_wid;
        ctx.note("lease.write_issue", wid);
        self.cache.writes.push_back(PendingWrite {
            wid,
            key,
            value,
            sent: false,
            seq: 0,
        });
        self.send_write(ctx);
    }

    /// Sends the head write if it is not in flight: with the version of the copy held as its
    /// sequencer, after fetching a copy if there is none.
    fn send_write(&mut self, ctx: &mut Ctx<Self>) {
        let Some(w) = self.cache.writes.front().copied().filter(|w| !w.sent) else {
            return;
        };
        let it = &self.cache.items[w.key];
        if !it.has {
            if !it.waiting.iter().any(|&(_, s)| s == NOT_A_READ) {
                self.wait_on(w.key, NOT_A_READ, ctx);
            }
            return;
        }
        let w = PendingWrite {
            sent: true,
            seq: it.version,
            ..w
        };
        self.cache.writes[0] = w;
        self.send_write_msg(w, ctx);
    }

    fn send_write_msg(&mut self, w: PendingWrite, ctx: &mut Ctx<Self>) {
        ctx.send(
            SERVER_NODE,
            Msg::Write {
                wid: w.wid,
                key: w.key,
                value: w.value,
                seq: w.seq,
            },
        );
        ctx.set_timer(Timer::WriteRetry, self.cfg.retry);
    }

    fn write_done(&mut self, wid: u64, key: usize, installed: Option<u64>, ctx: &mut Ctx<Self>) {
        let Some(w) = self.cache.writes.front().copied().filter(|w| w.wid == wid) else {
            return;
        };
        self.cache.writes.pop_front();
        ctx.cancel_timer(Timer::WriteRetry);
        match installed {
            Some(version) if key < self.cache.items.len() => {
                self.cache.acked += 1;
                self.store(key, w.value, version);
            }
            _ => {
                self.cache.rejected += 1;
                ctx.note("lease.write_rejected", wid & 0xFFFF_FFFF);
            }
        }
    }
}
