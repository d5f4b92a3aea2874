//! A client: its session (connect, heartbeats every timeout/3, a new session after expiry),
//! the lock recipe (create an ephemeral sequential child of `/lock`, list the children, hold
//! the lock or watch the last conflicting predecessor — or, with `herd`, the whole directory —
//! and look again when the watch fires), the critical section on the storage and the release.

use super::{Code, LockZk, Mode, Msg, Phase, Timer, APP_DIR, LOCK_DIR, SERVER_NODE};
use crate::labs::coordination::lock_storage::StoreMsg;
use crate::sim::Ctx;

/// A lock child's sequence number and whether it is a read lock, from its name
/// (`read-0000000004`, `lock-0000000003`).
pub fn parse_child(name: &str) -> Option<(u64, bool)> {
    let (kind, num) = name.rsplit_once('-')?;
    let seq = num.parse().ok()?;
    Some((seq, kind == "read"))
}

/// What a lock child `(seq, read)` waits for among `children` (sorted by sequence number):
/// the last earlier child it conflicts with (a write conflicts with all, a read with writes).
pub fn blocker(children: &[(u64, bool, String)], seq: u64, read: bool) -> Option<&str> {
    children
        .iter()
        .filter(|(s, r, _)| *s < seq && (!read || !*r))
        .max_by_key(|(s, _, _)| *s)
        .map(|(_, _, n)| n.as_str())
}

impl LockZk {
    pub(super) fn client_start(&mut self, ctx: &mut Ctx<Self>) {
        self.connect(ctx);
        ctx.set_timer(Timer::Ping, (self.cfg.session / 3).max(1));
        self.schedule_next(ctx);
    }

    fn connect(&mut self, ctx: &mut Ctx<Self>) {
        self.session = None;
        self.req += 1;
        self.request(Msg::Connect { req: self.req }, ctx);
    }

    /// Sends a request and waits for its answer (re-sent on `ReqWait`).
    pub(super) fn request(&mut self, msg: Msg, ctx: &mut Ctx<Self>) {
        ctx.send(SERVER_NODE, msg.clone());
        self.pending = Some(msg);
        ctx.set_timer(Timer::ReqWait, self.cfg.wait);
    }

    pub(super) fn resend(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(m) = self.pending.clone() {
            self.request(m, ctx);
        }
    }

    pub(super) fn ping(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(session) = self.session {
            ctx.send(SERVER_NODE, Msg::Ping { session });
        }
        ctx.set_timer(Timer::Ping, (self.cfg.session / 3).max(1));
    }

    /// With `auto`, the next acquire after a random think time.
    pub(super) fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.auto {
            let t = self.cfg.think;
            let d = ctx.random_between(t / 2, t + t / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    /// Starts an acquisition (a read lock or an exclusive one).
    pub(super) fn acquire(&mut self, read: bool, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        self.read = read;
        self.node = None;
        ctx.note(
            if read {
                "lock-zk.acquire_read"
            } else {
                "lock-zk.acquire"
            },
            self.seq,
        );
        if self.session.is_some() && self.pending.is_none() {
            self.create_lock_node(ctx);
        } else {
            self.want = true;
        }
    }

    fn create_lock_node(&mut self, ctx: &mut Ctx<Self>) {
        let Some(session) = self.session else {
            return;
        };
        self.want = false;
        self.phase = Phase::Creating { since: ctx.now };
        self.req += 1;
        let prefix = if self.read { "read-" } else { "lock-" };
        self.request(
            Msg::Create {
                session,
                req: self.req,
                path: format!("{LOCK_DIR}/{prefix}"),
                mode: Mode::EphemeralSequential,
                tag: self.owner(),
            },
            ctx,
        );
    }

    /// The node-type demonstration: creates a znode of `mode` under `/app` (once, no retry).
    pub(super) fn create_demo(&mut self, mode: Mode, ctx: &mut Ctx<Self>) {
        let Some(session) = self.session else {
            ctx.note("lock-zk.no_session", 0);
            return;
        };
        let name = match mode {
            Mode::Persistent => format!("p-c{}", self.id + 1),
            Mode::Ephemeral => format!("e-c{}", self.id + 1),
            Mode::PersistentSequential => "ps-".into(),
            Mode::EphemeralSequential => "es-".into(),
        };
        ctx.send(
            SERVER_NODE,
            Msg::Create {
                session,
                req: 0,
                path: format!("{APP_DIR}/{name}"),
                mode,
                tag: 0,
            },
        );
    }

    fn list(&mut self, ctx: &mut Ctx<Self>) {
        let Some(session) = self.session else {
            return;
        };
        let since = self.since(ctx);
        self.phase = Phase::Listing { since };
        self.req += 1;
        self.request(
            Msg::GetChildren {
                session,
                req: self.req,
                path: LOCK_DIR.into(),
                watch: self.cfg.herd,
            },
            ctx,
        );
    }

    fn since(&self, ctx: &Ctx<Self>) -> crate::Time {
        match &self.phase {
            Phase::Creating { since }
            | Phase::Listing { since }
            | Phase::Checking { since, .. }
            | Phase::Waiting { since, .. } => *since,
            _ => ctx.now,
        }
    }

    /// The answer to a request this client is waiting for: `Some(request)` if `msg` answers
    /// the pending one (which is then done).
    fn answers(&mut self, session: u64, req: u64, ctx: &mut Ctx<Self>) -> Option<Msg> {
        let ok = match &self.pending {
            Some(
                Msg::Create {
                    session: s, req: r, ..
                }
                | Msg::GetChildren {
                    session: s, req: r, ..
                }
                | Msg::Exists {
                    session: s, req: r, ..
                }
                | Msg::Delete {
                    session: s, req: r, ..
                },
            ) => *s == session && *r == req,
            _ => false,
        };
        if ok {
            ctx.cancel_timer(Timer::ReqWait);
            self.pending.take()
        } else {
            None
        }
    }

    // Each answer is checked against the pending request, which it then completes: a side
    // effect that does not belong in a match guard.
    #[allow(clippy::collapsible_match)]
    pub(super) fn client_msg(&mut self, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Connected { req, session, .. } => {
                if self.session.is_none() && self.pending == Some(Msg::Connect { req }) {
                    ctx.cancel_timer(Timer::ReqWait);
                    self.pending = None;
                    self.session = Some(session);
                    self.boot_seen = 0;
                    self.events_seen = 0;
                    ctx.note("lock-zk.connected", session);
                    if self.want {
                        self.create_lock_node(ctx);
                    }
                }
            }
            Msg::Expired { session } if Some(session) == self.session => {
                self.session_lost(ctx);
            }
            Msg::Pong {
                session,
                boot,
                events,
            } if Some(session) == self.session => {
                let restarted = self.boot_seen != 0 && boot != self.boot_seen;
                if self.boot_seen != boot {
                    self.boot_seen = boot;
                    self.events_seen = 0;
                }
                // A watch event lost (or the server lost its watches): look again.
                let missed = events > self.events_seen;
                self.events_seen = self.events_seen.max(events);
                if (restarted || missed) && matches!(self.phase, Phase::Waiting { .. }) {
                    ctx.note("lock-zk.rewatch", 0);
                    self.list(ctx);
                }
            }
            Msg::Created {
                session,
                req,
                path,
                czxid,
            } => {
                if self.answers(session, req, ctx).is_some() {
                    self.node = Some((path, czxid));
                    self.list(ctx);
                } else if req == 0 {
                    ctx.note("lock-zk.demo_created", czxid);
                }
            }
            Msg::Failed { session, req, code } => {
                if let Some(m) = self.answers(session, req, ctx) {
                    match m {
                        Msg::Delete { .. } => self.released(ctx),
                        // `/lock` itself is persistent: only a lost znode gets here.
                        _ => self.create_lock_node(ctx),
                    }
                } else if req == 0 && code == Code::NodeExists {
                    ctx.note("lock-zk.demo_exists", 0);
                }
            }
            Msg::Children {
                session,
                req,
                names,
            } => {
                if self.answers(session, req, ctx).is_some() {
                    self.check(&names, ctx);
                }
            }
            Msg::Stat {
                session,
                req,
                exists,
            } => {
                if let Some(Msg::Exists { path, .. }) = self.answers(session, req, ctx) {
                    if exists {
                        let since = self.since(ctx);
                        self.phase = Phase::Waiting { since, on: path };
                    } else {
                        self.list(ctx);
                    }
                }
            }
            Msg::DeleteOk { session, req } => {
                if self.answers(session, req, ctx).is_some() {
                    self.released(ctx);
                }
            }
            Msg::Watch {
                session, path, n, ..
            } if Some(session) == self.session => {
                self.events_seen = self.events_seen.max(n);
                ctx.note("lock-zk.notified", n);
                if matches!(&self.phase, Phase::Waiting { on, .. } if *on == path) {
                    self.list(ctx);
                }
            }
            Msg::Store(
                StoreMsg::WriteOk { section, step } | StoreMsg::ReadOk { section, step },
            ) if section == self.owner() => {
                if let Phase::Holding { step: s, .. } = self.phase {
                    if s == step {
                        ctx.cancel_timer(Timer::WriteWait);
                        if step >= self.cfg.steps {
                            self.release(ctx);
                        } else {
                            ctx.set_timer(Timer::Step, self.cfg.work.max(1));
                        }
                    }
                }
            }
            Msg::Store(StoreMsg::WriteRejected {
                section, highest, ..
            }) if section == self.owner() && self.holding() => {
                ctx.note("lock-zk.fenced_off", highest);
                self.release(ctx);
            }
            _ => {}
        }
    }

    /// The children listed: hold the lock, or watch what blocks it.
    fn check(&mut self, names: &[String], ctx: &mut Ctx<Self>) {
        let Some((path, czxid)) = self.node.clone() else {
            return;
        };
        let mine = path.rsplit('/').next().unwrap_or("");
        if !names.iter().any(|n| n == mine) {
            // The znode is gone (deleted by someone else): start over.
            ctx.note("lock-zk.node_lost", 0);
            self.node = None;
            self.create_lock_node(ctx);
            return;
        }
        let Some((seq, read)) = parse_child(mine) else {
            return;
        };
        let children: Vec<(u64, bool, String)> = names
            .iter()
            .filter_map(|n| parse_child(n).map(|(s, r)| (s, r, n.clone())))
            .collect();
        let block = blocker(&children, seq, read).map(str::to_string);
        let since = self.since(ctx);
        match block {
            Some(_) if self.cfg.broken_skip_check => self.hold(czxid, ctx),
            None => self.hold(czxid, ctx),
            Some(_) if self.cfg.herd => {
                // The child watch set with the listing wakes this client on any change.
                self.phase = Phase::Waiting {
                    since,
                    on: LOCK_DIR.into(),
                };
            }
            Some(b) => {
                let Some(session) = self.session else {
                    return;
                };
                let on = format!("{LOCK_DIR}/{b}");
                self.phase = Phase::Checking {
                    since,
                    on: on.clone(),
                };
                self.req += 1;
                self.request(
                    Msg::Exists {
                        session,
                        req: self.req,
                        path: on,
                        watch: true,
                    },
                    ctx,
                );
            }
        }
    }

    /// The server says the session expired: the znode is gone, and with it the lock. The
    /// client stops what it was doing (it learns this only now) and opens a new session.
    fn session_lost(&mut self, ctx: &mut Ctx<Self>) {
        ctx.note("lock-zk.expired_told", u64::from(self.holding()));
        for t in [Timer::Step, Timer::WriteWait, Timer::ReqWait] {
            ctx.cancel_timer(t);
        }
        let was_busy = self.phase != Phase::Idle;
        self.phase = Phase::Idle;
        self.node = None;
        self.pending = None;
        self.want = false;
        self.connect(ctx);
        if was_busy {
            self.schedule_next(ctx);
        }
    }
}
