//! The ZooKeeper-like server's protocol: sessions (connect, heartbeats), the znode operations
//! the lock recipe uses (create, get children, exists, delete, each with an optional one-shot
//! watch), watch notifications, and the storage's messages.

use crate::labs::coordination::lock_storage::{section_name, StoreMsg};
use crate::sim::{Message, TraceHasher};
use crate::Time;

/// A znode's type, as seed 001 lists them (持久节点, 持久顺序节点, 临时节点, 临时顺序节点).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Persistent,
    PersistentSequential,
    Ephemeral,
    EphemeralSequential,
}

impl Mode {
    pub fn from_index(i: u64) -> Mode {
        match i {
            0 => Mode::Persistent,
            1 => Mode::PersistentSequential,
            2 => Mode::Ephemeral,
            _ => Mode::EphemeralSequential,
        }
    }

    pub fn index(self) -> u64 {
        self as u64
    }

    pub fn ephemeral(self) -> bool {
        matches!(self, Mode::Ephemeral | Mode::EphemeralSequential)
    }

    pub fn sequential(self) -> bool {
        matches!(self, Mode::PersistentSequential | Mode::EphemeralSequential)
    }

    /// How the tree panel names it.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Persistent => "persistent",
            Mode::PersistentSequential => "persistent sequential",
            Mode::Ephemeral => "ephemeral",
            Mode::EphemeralSequential => "ephemeral sequential",
        }
    }
}

/// What a watch notification says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The watched znode was deleted (an exists watch).
    NodeDeleted,
    /// A child of the watched znode was created or deleted (a child watch).
    ChildrenChanged,
}

/// Why a request failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    NodeExists,
    NoNode,
}

/// Messages. Requests carry the client's session and a request number (`req`) that its reply
/// repeats; a client re-sends an unanswered request with the same number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// Client → server: open a session.
    Connect {
        req: u64,
    },
    /// A new session with its timeout.
    Connected {
        req: u64,
        session: u64,
        timeout: Time,
    },
    /// The client's heartbeat (any request also counts as one).
    Ping {
        session: u64,
    },
    /// The heartbeat's answer: the server's incarnation (`boot`: a restarted server has lost
    /// its watches, so the client registers them again) and the number of watch events sent
    /// on the session (a client that saw fewer lost one and looks again).
    Pong {
        session: u64,
        boot: u64,
        events: u64,
    },
    /// The session is unknown: it expired (its ephemeral znodes are gone).
    Expired {
        session: u64,
    },
    /// Create `path` (a sequential mode appends a 10-digit number from the parent's counter).
    /// `tag` names the client's acquisition: a re-sent create whose znode exists already gets
    /// that znode back (Curator's "protected" mode).
    Create {
        session: u64,
        req: u64,
        path: String,
        mode: Mode,
        tag: u64,
    },
    Created {
        session: u64,
        req: u64,
        path: String,
        czxid: u64,
    },
    Failed {
        session: u64,
        req: u64,
        code: Code,
    },
    /// The children of `path`, and with `watch` a one-shot child watch on it.
    GetChildren {
        session: u64,
        req: u64,
        path: String,
        watch: bool,
    },
    Children {
        session: u64,
        req: u64,
        names: Vec<String>,
    },
    /// Whether `path` exists, and with `watch` a one-shot watch on it (set if it exists).
    Exists {
        session: u64,
        req: u64,
        path: String,
        watch: bool,
    },
    Stat {
        session: u64,
        req: u64,
        exists: bool,
    },
    Delete {
        session: u64,
        req: u64,
        path: String,
    },
    DeleteOk {
        session: u64,
        req: u64,
    },
    /// Server → client: a watch fired (`n`: the session's event number).
    Watch {
        session: u64,
        path: String,
        event: Event,
        n: u64,
    },
    /// To or from the storage.
    Store(StoreMsg),
}

fn hash_str(h: &mut TraceHasher, s: &str) {
    h.u64(s.len() as u64);
    for c in s.as_bytes().chunks(8) {
        let mut b = [0u8; 8];
        b[..c.len()].copy_from_slice(c);
        h.u64(u64::from_le_bytes(b));
    }
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Connect { .. } => "Connect",
            Msg::Connected { .. } => "Connected",
            Msg::Ping { .. } => "Ping",
            Msg::Pong { .. } => "Pong",
            Msg::Expired { .. } => "SessionExpired",
            Msg::Create { .. } => "Create",
            Msg::Created { .. } => "Created",
            Msg::Failed { .. } => "Failed",
            Msg::GetChildren { .. } => "GetChildren",
            Msg::Children { .. } => "Children",
            Msg::Exists { .. } => "Exists",
            Msg::Stat { .. } => "Stat",
            Msg::Delete { .. } => "Delete",
            Msg::DeleteOk { .. } => "DeleteOk",
            Msg::Watch { .. } => "WatchEvent",
            Msg::Store(m) => m.kind(),
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Connect { req } => h.u64(*req),
            Msg::Connected {
                req,
                session,
                timeout,
            } => {
                h.u64(*req);
                h.u64(*session);
                h.u64(*timeout);
            }
            Msg::Ping { session } | Msg::Expired { session } => h.u64(*session),
            Msg::Pong {
                session,
                boot,
                events,
            } => {
                h.u64(*session);
                h.u64(*boot);
                h.u64(*events);
            }
            Msg::Create {
                session,
                req,
                path,
                mode,
                tag,
            } => {
                h.u64(*session);
                h.u64(*req);
                hash_str(h, path);
                h.u64(mode.index());
                h.u64(*tag);
            }
            Msg::Created {
                session,
                req,
                path,
                czxid,
            } => {
                h.u64(*session);
                h.u64(*req);
                hash_str(h, path);
                h.u64(*czxid);
            }
            Msg::Failed { session, req, code } => {
                h.u64(*session);
                h.u64(*req);
                h.u64(*code as u64);
            }
            Msg::GetChildren {
                session,
                req,
                path,
                watch,
            }
            | Msg::Exists {
                session,
                req,
                path,
                watch,
            } => {
                h.u64(*session);
                h.u64(*req);
                hash_str(h, path);
                h.u64(u64::from(*watch));
            }
            Msg::Children {
                session,
                req,
                names,
            } => {
                h.u64(*session);
                h.u64(*req);
                h.u64(names.len() as u64);
                for n in names {
                    hash_str(h, n);
                }
            }
            Msg::Stat {
                session,
                req,
                exists,
            } => {
                h.u64(*session);
                h.u64(*req);
                h.u64(u64::from(*exists));
            }
            Msg::Delete { session, req, path } => {
                h.u64(*session);
                h.u64(*req);
                hash_str(h, path);
            }
            Msg::DeleteOk { session, req } => {
                h.u64(*session);
                h.u64(*req);
            }
            Msg::Watch {
                session,
                path,
                event,
                n,
            } => {
                h.u64(*session);
                hash_str(h, path);
                h.u64(*event as u64);
                h.u64(*n);
            }
            Msg::Store(m) => m.hash_into(h),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let s = |session: &u64| ("session", format!("0x{session:x}"));
        match self {
            Msg::Connect { req } => vec![("req", req.to_string())],
            Msg::Connected {
                session, timeout, ..
            } => vec![s(session), ("timeout", format!("{} ms", timeout / 1_000))],
            Msg::Ping { session } | Msg::Expired { session } => vec![s(session)],
            Msg::Pong {
                session,
                boot,
                events,
            } => vec![
                s(session),
                ("boot", boot.to_string()),
                ("events", events.to_string()),
            ],
            Msg::Create {
                session,
                path,
                mode,
                tag,
                ..
            } => vec![
                s(session),
                ("path", path.clone()),
                ("mode", mode.label().into()),
                ("tag", section_name(*tag)),
            ],
            Msg::Created { path, czxid, .. } => {
                vec![("path", path.clone()), ("czxid", czxid.to_string())]
            }
            Msg::Failed { code, .. } => vec![("code", format!("{code:?}"))],
            Msg::GetChildren { path, watch, .. } | Msg::Exists { path, watch, .. } => {
                vec![("path", path.clone()), ("watch", watch.to_string())]
            }
            Msg::Children { names, .. } => vec![("children", names.join(", "))],
            Msg::Stat { exists, .. } => vec![("exists", exists.to_string())],
            Msg::Delete { path, .. } => vec![("path", path.clone())],
            Msg::DeleteOk { .. } => Vec::new(),
            Msg::Watch { path, event, n, .. } => vec![
                ("path", path.clone()),
                ("event", format!("{event:?}")),
                ("n", n.to_string()),
            ],
            Msg::Store(m) => m.fields(),
        }
    }
}
