//! The ZooKeeper-like server: the znode tree (four modes, sequential names from the parent's
//! counter, a creation zxid per znode), sessions with timeouts on the server's local clock,
//! one-shot exists and child watches. Each request is handled atomically, in arrival order.

use super::{Code, Event, LockZk, Mode, Msg, Timer, APP_DIR, LOCK_DIR};
use crate::sim::Ctx;
use crate::{NodeId, Time, MS};

/// A znode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Znode {
    pub mode: Mode,
    /// The session that owns an ephemeral znode.
    pub owner: Option<u64>,
    /// The zxid of the transaction that created it.
    pub czxid: u64,
    /// The counter behind its sequential children's numbers.
    pub next_seq: u64,
    /// The creating acquisition (0: none).
    pub tag: u64,
}

/// A session: its client, timeout and deadline (server's local clock), and the watch events
/// sent on it since the server started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub client: NodeId,
    pub timeout: Time,
    pub deadline: Time,
    pub events: u64,
}

/// The parent path of `path` (`/lock` of `/lock/lock-0000000001`, `/` of `/lock`).
pub fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

fn persistent() -> Znode {
    Znode {
        mode: Mode::Persistent,
        owner: None,
        czxid: 0,
        next_seq: 0,
        tag: 0,
    }
}

impl LockZk {
    /// The tree a fresh server starts with: `/`, and the persistent `/lock` and `/app`.
    pub(super) fn init_tree(&mut self) {
        for path in ["/", LOCK_DIR, APP_DIR] {
            let mut z = persistent();
            z.czxid = self.zxid;
            self.tree.insert(path.into(), z);
            self.zxid += 1;
        }
        self.zxid -= 1;
    }

    /// After a (re)start: every session gets a full timeout again (its client had no way to
    /// reach the server meanwhile); the watches were lost with the memory.
    pub(super) fn server_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.boots > 1 {
            ctx.note("lock-zk.recovered", self.zxid);
        }
        let now = ctx.local_now();
        for s in self.sessions.values_mut() {
            s.deadline = now + s.timeout;
            s.events = 0;
        }
        self.arm_sessions(ctx);
    }

    fn arm_sessions(&mut self, ctx: &mut Ctx<Self>) {
        match self.sessions.values().map(|s| s.deadline).min() {
            Some(d) => ctx.set_timer(Timer::Sessions, d.saturating_sub(ctx.local_now()).max(MS)),
            None => ctx.cancel_timer(Timer::Sessions),
        }
    }

    /// Expires every session whose deadline has passed.
    pub(super) fn check_sessions(&mut self, ctx: &mut Ctx<Self>) {
        let now = ctx.local_now();
        let due: Vec<u64> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.deadline <= now)
            .map(|(&id, _)| id)
            .collect();
        for id in due {
            self.expire(id, ctx);
        }
        self.arm_sessions(ctx);
    }

    /// Closes session `id`: its ephemeral znodes are deleted, its watches dropped.
    fn expire(&mut self, id: u64, ctx: &mut Ctx<Self>) {
        let Some(s) = self.sessions.remove(&id) else {
            return;
        };
        self.zxid += 1;
        ctx.note("lock-zk.session_expired", s.client as u64 + 1);
        let mine: Vec<String> = self
            .tree
            .iter()
            .filter(|(_, z)| z.owner == Some(id))
            .map(|(p, _)| p.clone())
            .collect();
        for path in mine {
            ctx.note("lock-zk.ephemeral_deleted", s.client as u64 + 1);
            self.delete_node(&path, ctx);
        }
        for w in self
            .data_watches
            .values_mut()
            .chain(self.child_watches.values_mut())
        {
            w.retain(|&x| x != id);
        }
    }

    /// Deletes `path` (a transaction) and fires its watches and its parent's.
    fn delete_node(&mut self, path: &str, ctx: &mut Ctx<Self>) {
        if self.tree.remove(path).is_none() {
            return;
        }
        self.zxid += 1;
        let parent = parent_of(path).to_string();
        if parent == LOCK_DIR {
            ctx.note("lock-zk.lock_deleted", self.zxid);
        }
        self.fire(false, path, Event::NodeDeleted, ctx);
        self.fire(true, &parent, Event::ChildrenChanged, ctx);
    }

    /// Sends and removes the one-shot watches on `path`.
    fn fire(&mut self, child: bool, path: &str, event: Event, ctx: &mut Ctx<Self>) {
        let map = if child {
            &mut self.child_watches
        } else {
            &mut self.data_watches
        };
        let Some(list) = map.remove(path) else {
            return;
        };
        for id in list {
            if let Some(s) = self.sessions.get_mut(&id) {
                s.events += 1;
                let n = s.events;
                ctx.send(
                    s.client,
                    Msg::Watch {
                        session: id,
                        path: path.to_string(),
                        event,
                        n,
                    },
                );
            }
        }
    }

    fn watch(&mut self, child: bool, path: &str, id: u64) {
        let map = if child {
            &mut self.child_watches
        } else {
            &mut self.data_watches
        };
        let list = map.entry(path.to_string()).or_default();
        if !list.contains(&id) {
            list.push(id);
        }
    }

    /// The names of `path`'s children, in the tree's order.
    pub fn children(&self, path: &str) -> Vec<String> {
        let prefix = if path == "/" {
            "/".to_string()
        } else {
            format!("{path}/")
        };
        self.tree
            .range(prefix.clone()..)
            .take_while(|(p, _)| p.starts_with(&prefix))
            .filter_map(|(p, _)| p.get(prefix.len()..))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect()
    }

    pub(super) fn server_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        let session = match &msg {
            Msg::Connect { req } => {
                let id = self.next_session;
                self.next_session += 1;
                self.zxid += 1;
                let timeout = self.cfg.session;
                self.sessions.insert(
                    id,
                    Session {
                        client: from,
                        timeout,
                        deadline: ctx.local_now() + timeout,
                        events: 0,
                    },
                );
                ctx.note("lock-zk.session_opened", from as u64 + 1);
                ctx.send(
                    from,
                    Msg::Connected {
                        req: *req,
                        session: id,
                        timeout,
                    },
                );
                self.arm_sessions(ctx);
                return;
            }
            Msg::Ping { session }
            | Msg::Create { session, .. }
            | Msg::GetChildren { session, .. }
            | Msg::Exists { session, .. }
            | Msg::Delete { session, .. } => *session,
            _ => return,
        };
        let now = ctx.local_now();
        let Some(s) = self.sessions.get_mut(&session) else {
            ctx.send(from, Msg::Expired { session });
            return;
        };
        // Any request is a heartbeat.
        s.deadline = now + s.timeout;
        let events = s.events;
        match msg {
            Msg::Ping { session } => ctx.send(
                from,
                Msg::Pong {
                    session,
                    boot: self.boots,
                    events,
                },
            ),
            Msg::Create {
                session,
                req,
                path,
                mode,
                tag,
            } => {
                let reply = self.create(session, &path, mode, tag, ctx);
                ctx.send(
                    from,
                    match reply {
                        Ok((path, czxid)) => Msg::Created {
                            session,
                            req,
                            path,
                            czxid,
                        },
                        Err(code) => Msg::Failed { session, req, code },
                    },
                );
            }
            Msg::GetChildren {
                session,
                req,
                path,
                watch,
            } => {
                if !self.tree.contains_key(&path) {
                    let code = Code::NoNode;
                    ctx.send(from, Msg::Failed { session, req, code });
                    return;
                }
                if watch {
                    self.watch(true, &path, session);
                }
                let names = self.children(&path);
                ctx.send(
                    from,
                    Msg::Children {
                        session,
                        req,
                        names,
                    },
                );
            }
            Msg::Exists {
                session,
                req,
                path,
                watch,
            } => {
                let exists = self.tree.contains_key(&path);
                if exists && watch {
                    self.watch(false, &path, session);
                }
                ctx.send(
                    from,
                    Msg::Stat {
                        session,
                        req,
                        exists,
                    },
                );
            }
            Msg::Delete { session, req, path } => {
                if self.tree.contains_key(&path) {
                    self.delete_node(&path, ctx);
                    ctx.send(from, Msg::DeleteOk { session, req });
                } else {
                    let code = Code::NoNode;
                    ctx.send(from, Msg::Failed { session, req, code });
                }
            }
            _ => {}
        }
    }

    /// Creates a znode; a sequential one gets the parent's next number. A re-sent create of
    /// the same acquisition (`tag`) gets its existing znode back.
    fn create(
        &mut self,
        session: u64,
        path: &str,
        mode: Mode,
        tag: u64,
        ctx: &mut Ctx<Self>,
    ) -> Result<(String, u64), Code> {
        let parent = parent_of(path).to_string();
        if tag != 0 {
            let prefix = format!("{parent}/");
            if let Some((p, z)) = self
                .tree
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .find(|(_, z)| z.tag == tag && z.owner == Some(session))
            {
                return Ok((p.clone(), z.czxid));
            }
        }
        let Some(dir) = self.tree.get_mut(&parent) else {
            return Err(Code::NoNode);
        };
        let full = if mode.sequential() {
            let n = dir.next_seq;
            dir.next_seq += 1;
            format!("{path}{n:010}")
        } else {
            path.to_string()
        };
        if self.tree.contains_key(&full) {
            return Err(Code::NodeExists);
        }
        self.zxid += 1;
        let czxid = self.zxid;
        self.tree.insert(
            full.clone(),
            Znode {
                mode,
                owner: mode.ephemeral().then_some(session),
                czxid,
                next_seq: 0,
                tag,
            },
        );
        ctx.note("lock-zk.created", czxid);
        self.fire(true, &parent, Event::ChildrenChanged, ctx);
        Ok((full, czxid))
    }
}
