//! The lease lab's messages. `req` numbers a cache's request (a fetch in lease mode, a version
//! check in version mode); the reply carries it back, so a cache matches a reply to the
//! request whose send time started its lease clock. `wid` numbers a write: the writer's node id
//! in the high 32 bits, its own count in the low ones.

use crate::sim::{Message, TraceHasher};

/// Key names (`keys` ≤ 4).
pub const KEY_NAMES: [&str; 4] = ["x", "y", "z", "w"];

/// A key's name.
pub fn key_name(key: usize) -> &'static str {
    KEY_NAMES.get(key).copied().unwrap_or("?")
}

/// Messages.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Cache → server (lease mode): give me `key` with a lease; `have` is the version of the
    /// copy I hold (None: no copy), so unchanged data can be renewed without sending it.
    Fetch {
        req: u64,
        key: usize,
        have: Option<u64>,
    },
    /// Cache → server (version mode): is my copy of `key` (version `have`) still current?
    Check {
        req: u64,
        key: usize,
        have: Option<u64>,
    },
    /// Server → cache: the data, with a lease of `lease` µs (0 in version mode: no lease).
    Data {
        req: u64,
        key: usize,
        value: i64,
        version: u64,
        lease: u64,
    },
    /// Server → cache (lease mode): your copy is current; a new lease, no data.
    Renew {
        req: u64,
        key: usize,
        version: u64,
        lease: u64,
    },
    /// Server → cache (version mode): your copy is current (no data, no lease).
    Valid { req: u64, key: usize, version: u64 },
    /// Cache → server: write `value` to `key`; `seq` is the sequencer the write carries: the
    /// generation (version) of the data the cache's lease covered.
    Write {
        wid: u64,
        key: usize,
        value: i64,
        seq: u64,
    },
    /// Server → cache: your write is installed as `version`.
    Ack { wid: u64, key: usize, version: u64 },
    /// Server → cache: your write's sequencer is older than the data (`current`): rejected.
    Reject { wid: u64, key: usize, current: u64 },
    /// Server → a cache that held a lease on `key`: the new value (no lease: ask for one).
    Update {
        key: usize,
        value: i64,
        version: u64,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Fetch { .. } => "Fetch",
            Msg::Check { .. } => "Check",
            Msg::Data { lease: 0, .. } => "DataNoLease",
            Msg::Data { .. } => "Data",
            Msg::Renew { .. } => "Renew",
            Msg::Valid { .. } => "Valid",
            Msg::Write { .. } => "Write",
            Msg::Ack { .. } => "Ack",
            Msg::Reject { .. } => "Reject",
            Msg::Update { .. } => "Update",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        let opt = |v: &Option<u64>| v.map_or(0, |x| x + 1);
        match self {
            Msg::Fetch { req, key, have } | Msg::Check { req, key, have } => {
                h.u64(*req);
                h.u64(*key as u64);
                h.u64(opt(have));
            }
            Msg::Data {
                req,
                key,
                value,
                version,
                lease,
            } => {
                h.u64(*req);
                h.u64(*key as u64);
                h.u64(*value as u64);
                h.u64(*version);
                h.u64(*lease);
            }
            Msg::Renew {
                req,
                key,
                version,
                lease,
            } => {
                h.u64(*req);
                h.u64(*key as u64);
                h.u64(*version);
                h.u64(*lease);
            }
            Msg::Valid { req, key, version } => {
                h.u64(*req);
                h.u64(*key as u64);
                h.u64(*version);
            }
            Msg::Write {
                wid,
                key,
                value,
                seq,
            } => {
                h.u64(*wid);
                h.u64(*key as u64);
                h.u64(*value as u64);
                h.u64(*seq);
            }
            Msg::Ack { wid, key, version }
            | Msg::Reject {
                wid,
                key,
                current: version,
            } => {
                h.u64(*wid);
                h.u64(*key as u64);
                h.u64(*version);
            }
            Msg::Update {
                key,
                value,
                version,
            } => {
                h.u64(*key as u64);
                h.u64(*value as u64);
                h.u64(*version);
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let have = |v: &Option<u64>| v.map_or("-".to_string(), |x| format!("v{x}"));
        let ms = |l: &u64| format!("{} ms", l / crate::MS);
        let wid = |w: &u64| format!("{}#{}", (w >> 32) + 1, w & 0xFFFF_FFFF);
        match self {
            Msg::Fetch { req, key, have: h } | Msg::Check { req, key, have: h } => vec![
                ("request", format!("#{req}")),
                ("key", key_name(*key).into()),
                ("have", have(h)),
            ],
            Msg::Data {
                req,
                key,
                value,
                version,
                lease,
            } => vec![
                ("request", format!("#{req}")),
                ("key", key_name(*key).into()),
                ("value", value.to_string()),
                ("version", format!("v{version}")),
                ("lease", ms(lease)),
            ],
            Msg::Renew {
                req,
                key,
                version,
                lease,
            } => vec![
                ("request", format!("#{req}")),
                ("key", key_name(*key).into()),
                ("version", format!("v{version}")),
                ("lease", ms(lease)),
            ],
            Msg::Valid { req, key, version } => vec![
                ("request", format!("#{req}")),
                ("key", key_name(*key).into()),
                ("version", format!("v{version}")),
            ],
            Msg::Write {
                wid: w,
                key,
                value,
                seq,
            } => vec![
                ("write", wid(w)),
                ("key", key_name(*key).into()),
                ("value", value.to_string()),
                ("sequencer", format!("({}, write, {seq})", key_name(*key))),
            ],
            Msg::Ack {
                wid: w,
                key,
                version,
            } => vec![
                ("write", wid(w)),
                ("key", key_name(*key).into()),
                ("version", format!("v{version}")),
            ],
            Msg::Reject {
                wid: w,
                key,
                current,
            } => vec![
                ("write", wid(w)),
                ("key", key_name(*key).into()),
                ("current", format!("v{current}")),
            ],
            Msg::Update {
                key,
                value,
                version,
            } => vec![
                ("key", key_name(*key).into()),
                ("value", value.to_string()),
                ("version", format!("v{version}")),
            ],
        }
    }
}
