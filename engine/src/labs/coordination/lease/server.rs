//! The metadata server: holds the data items, grants leases and records them per key; a write
//! waits until every lease issued on its key has expired (on the server's clock), then is
//! installed (or, with the sequencer on, rejected when it comes from an old lease holder).

use std::collections::VecDeque;

use super::{Config, Lease, Msg, Timer, SERVER_NODE};
use crate::sim::Ctx;
use crate::{NodeId, Time};

/// One data item (on disk).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub value: i64,
    pub version: u64,
}

/// A write waiting for its key's leases to expire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Queued {
    pub wid: u64,
    pub writer: NodeId,
    pub key: usize,
    pub value: i64,
    /// The sequencer's generation (None: the server's own write).
    pub seq: Option<u64>,
}

/// The last write installed (what the checker reads with the `install` note).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Install {
    pub wid: u64,
    pub key: usize,
    pub version: u64,
    pub seq: Option<u64>,
}

/// How a cache's last write ended (on disk: a resent write gets the same answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Done {
    pub wid: u64,
    /// Installed as this version, or rejected (None) with the data at `current`.
    pub version: Option<u64>,
    pub current: u64,
}

/// Most writes queued per key, fetches held.
pub const MAX_QUEUE: usize = 64;

/// The server's state.
#[derive(Clone, Debug, Default)]
pub struct Server {
    /// On disk.
    pub data: Vec<Stored>,
    pub done: Vec<Option<Done>>,
    pub installs: u64,
    pub rejects: u64,
    pub renewals: u64,
    pub data_sent: u64,
    pub last_install: Option<Install>,
    /// In memory: per key, the leases issued (cache, expiry on the server's clock), whether
    /// the latest one is still running, and the caches that held one since the last write.
    pub leases: Vec<Vec<(NodeId, Time)>>,
    pub leased: Vec<bool>,
    pub holders: Vec<Vec<NodeId>>,
    /// Per key, the writes waiting, oldest first.
    pub queue: Vec<VecDeque<Queued>>,
    /// Fetches held while a write waits: (cache, key, request, version held).
    pub held: Vec<(NodeId, usize, u64, Option<u64>)>,
    /// After a restart: no write is installed until one lease length has passed.
    pub grace: bool,
    /// The server's own write counter.
    pub next_wid: u64,
}

impl Server {
    pub fn new(cfg: &Config) -> Server {
        let k = cfg.keys;
        Server {
            data: vec![Stored::default(); k],
            done: vec![None; cfg.caches + 1],
            leases: vec![Vec::new(); k],
            leased: vec![false; k],
            holders: vec![Vec::new(); k],
            queue: vec![VecDeque::new(); k],
            ..Server::default()
        }
    }

    /// A crash loses what is in memory: the lease table, the queued writes and held fetches.
    pub fn crash(&mut self) {
        for l in &mut self.leases {
            l.clear();
        }
        for h in &mut self.holders {
            h.clear();
        }
        for q in &mut self.queue {
            q.clear();
        }
        self.leased.iter_mut().for_each(|l| *l = false);
        self.held.clear();
    }

    /// When the last lease on `key` ends (server's clock), if one is running.
    pub fn lease_end(&self, key: usize) -> Option<Time> {
        if !self.leased.get(key).copied().unwrap_or(false) {
            return None;
        }
        self.leases.get(key)?.iter().map(|&(_, t)| t).max()
    }
}

impl Lease {
    pub(super) fn server_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.boots > 1 && !self.cfg.version_mode {
            // Whom it leased to before the crash is forgotten: wait out any lease it gave.
            self.server.grace = true;
            ctx.set_timer(Timer::Grace, self.cfg.lease);
            ctx.note("lease.grace", self.cfg.lease / crate::MS);
        }
    }

    pub(super) fn server_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        let keys = self.server.data.len();
        match msg {
            Msg::Fetch { req, key, have } if key < keys => {
                if self.server.queue[key].is_empty() {
                    self.grant(from, key, req, have, ctx);
                } else if self.server.held.len() < MAX_QUEUE {
                    // A write is waiting: no new lease until it is installed.
                    self.server
                        .held
                        .retain(|&(c, k, _, _)| (c, k) != (from, key));
                    self.server.held.push((from, key, req, have));
                    ctx.note("lease.held", key as u64);
                }
            }
            Msg::Check { req, key, have } if key < keys => {
                let s = self.server.data[key];
                if have == Some(s.version) {
                    ctx.send(
                        from,
                        Msg::Valid {
                            req,
                            key,
                            version: s.version,
                        },
                    );
                } else {
                    self.server.data_sent += 1;
                    ctx.send(
                        from,
                        Msg::Data {
                            req,
                            key,
                            value: s.value,
                            version: s.version,
                            lease: 0,
                        },
                    );
                }
            }
            Msg::Write {
                wid,
                key,
                value,
                seq,
            } if key < keys => {
                let done = self.server.done.get(from).copied().flatten();
                match done {
                    Some(d) if d.wid == wid => return self.answer_write(from, key, d, ctx),
                    Some(d) if d.wid > wid => return,
                    _ => {}
                }
                if self.server.queue[key].iter().any(|q| q.wid == wid) {
                    return;
                }
                self.enqueue(
                    Queued {
                        wid,
                        writer: from,
                        key,
                        value,
                        seq: Some(seq),
                    },
                    ctx,
                );
            }
            _ => {}
        }
    }

    /// The server's own write (the `write` command).
    pub(super) fn server_write(&mut self, key: usize, value: i64, ctx: &mut Ctx<Self>) {
        self.server.next_wid += 1;
        let wid = ((SERVER_NODE as u64) << 32) | self.server.next_wid;
        ctx.note("lease.write_issue", wid);
        self.enqueue(
            Queued {
                wid,
                writer: SERVER_NODE,
                key,
                value,
                seq: None,
            },
            ctx,
        );
    }

    fn enqueue(&mut self, w: Queued, ctx: &mut Ctx<Self>) {
        let q = &mut self.server.queue[w.key];
        if q.len() >= MAX_QUEUE {
            ctx.note("lease.busy", w.key as u64);
            return;
        }
        q.push_back(w);
        if q.len() == 1 {
            self.try_install(w.key, ctx);
        }
    }

    /// Grants a lease on `key` to `cache`: a renewal (no data) when its copy is current.
    fn grant(
        &mut self,
        cache: NodeId,
        key: usize,
        req: u64,
        have: Option<u64>,
        ctx: &mut Ctx<Self>,
    ) {
        let lease = self.cfg.lease;
        let s = self.server.data[key];
        if have == Some(s.version) {
            self.server.renewals += 1;
            ctx.send(
                cache,
                Msg::Renew {
                    req,
                    key,
                    version: s.version,
                    lease,
                },
            );
        } else {
            self.server.data_sent += 1;
            ctx.send(
                cache,
                Msg::Data {
                    req,
                    key,
                    value: s.value,
                    version: s.version,
                    lease,
                },
            );
        }
        let until = ctx.local_now().saturating_add(lease);
        let l = &mut self.server.leases[key];
        l.retain(|&(c, _)| c != cache);
        l.push((cache, until));
        if !self.server.holders[key].contains(&cache) {
            self.server.holders[key].push(cache);
        }
        self.server.leased[key] = true;
        ctx.set_timer(Timer::Free(key), lease);
    }

    pub(super) fn server_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        let keys = self.server.data.len();
        match timer {
            Timer::Free(key) if key < keys => {
                self.server.leased[key] = false;
                self.server.leases[key].clear();
                self.try_install(key, ctx);
            }
            Timer::Grace => {
                self.server.grace = false;
                for key in 0..keys {
                    if !self.server.queue[key].is_empty() {
                        ctx.set_timer(Timer::Install(key), 0);
                    }
                }
            }
            Timer::Install(key) if key < keys => self.try_install(key, ctx),
            _ => {}
        }
    }

    /// Installs (or rejects) the first write queued on `key` once no lease on it runs; one per
    /// event (the next waits for the leases this one hands out).
    fn try_install(&mut self, key: usize, ctx: &mut Ctx<Self>) {
        let lease_mode = !self.cfg.version_mode;
        if lease_mode && (self.server.leased[key] || self.server.grace) {
            if !self.server.queue[key].is_empty() {
                ctx.note("lease.write_waits", key as u64);
            }
            return;
        }
        let Some(w) = self.server.queue[key].pop_front() else {
            return;
        };
        let current = self.server.data[key].version;
        let done = if self.cfg.sequencer && w.seq.is_some_and(|g| g < current) {
            self.server.rejects += 1;
            ctx.note("lease.reject", w.wid);
            Done {
                wid: w.wid,
                version: None,
                current,
            }
        } else {
            let version = current + 1;
            self.server.data[key] = Stored {
                value: w.value,
                version,
            };
            self.server.installs += 1;
            self.server.last_install = Some(Install {
                wid: w.wid,
                key,
                version,
                seq: w.seq,
            });
            ctx.note("lease.install", w.wid);
            if lease_mode {
                // Step 4: the new data goes to the caches that held leases (they ask for a
                // lease again), and the fetches held meanwhile get data and new leases.
                for c in std::mem::take(&mut self.server.holders[key]) {
                    if c != w.writer {
                        ctx.send(
                            c,
                            Msg::Update {
                                key,
                                value: w.value,
                                version,
                            },
                        );
                    }
                }
            }
            Done {
                wid: w.wid,
                version: Some(version),
                current: version,
            }
        };
        if w.writer != SERVER_NODE {
            if let Some(slot) = self.server.done.get_mut(w.writer) {
                *slot = Some(done);
            }
            self.answer_write(w.writer, key, done, ctx);
        }
        if lease_mode {
            let (now, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.server.held)
                .into_iter()
                .partition(|h| h.1 == key);
            self.server.held = later;
            for (c, _, req, have) in now {
                self.grant(c, key, req, have, ctx);
            }
        }
        if !self.server.queue[key].is_empty() {
            ctx.set_timer(Timer::Install(key), 0);
        }
    }

    fn answer_write(&mut self, to: NodeId, key: usize, d: Done, ctx: &mut Ctx<Self>) {
        let msg = match d.version {
            Some(version) => Msg::Ack {
                wid: d.wid,
                key,
                version,
            },
            None => Msg::Reject {
                wid: d.wid,
                key,
                current: d.current,
            },
        };
        ctx.send(to, msg);
    }
}
