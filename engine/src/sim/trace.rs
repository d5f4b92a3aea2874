//! The trace: every send, delivery, drop, timer and fault as a numbered record.
//!
//! The event log, the space-time diagram, JSON export and the tests all read the same trace.
//! Every record is also fed into a 128-bit XXH3 hash in a fixed binary encoding, so two runs can be
//! compared by one string, natively and in wasm.
//!
//! The encoding is compact, because hashing is most of the kernel's work otherwise (all of it
//! in wasm): numbers are LEB128 varints ([`TraceHasher::u64`]),
//! a record starts with its type tag and its time as the difference from the previous
//! record's, and nothing is hashed that the stream already fixes (a record's id is its
//! position; a message's kind is hashed with its `Send` record, and a message's content just
//! before it, through [`crate::sim::Message::hash_into`]). Changing this encoding changes
//! every trace hash, [`crate::GOLDEN_RAFT_SEED42_5S`] included.

use serde::Serialize;
use xxhash_rust::xxh3::Xxh3;

use super::linearizability::{Op, Ret};
use crate::{NodeId, Time};

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// Random loss (`loss` parameter).
    Loss,
    /// The link between the two nodes is cut.
    LinkCut,
    /// The two nodes are in different partition groups.
    Partition,
    /// The receiver was crashed when the message arrived.
    NodeDown,
    /// The user dropped it in flight.
    User,
}

impl DropReason {
    /// Code of the reason in the trace hash.
    fn code(self) -> u64 {
        match self {
            DropReason::Loss => 1,
            DropReason::LinkCut => 2,
            DropReason::Partition => 3,
            DropReason::NodeDown => 4,
            DropReason::User => 5,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            DropReason::Loss => "loss",
            DropReason::LinkCut => "link-cut",
            DropReason::Partition => "partition",
            DropReason::NodeDown => "node-down",
            DropReason::User => "user",
        }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum TraceKind {
    Send {
        msg: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
    },
    Duplicate {
        msg: u64,
        of: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
    },
    Deliver {
        msg: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
    },
    Drop {
        msg: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
        reason: DropReason,
    },
    Timer {
        node: NodeId,
        name: &'static str,
    },
    Command {
        node: NodeId,
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        arg: Option<String>,
    },
    /// A protocol's own event worth showing (`raft.leader` with the term): a key the app
    /// translates (`note.<key>`) and one number.
    Note {
        node: NodeId,
        key: &'static str,
        value: u64,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    Pause {
        node: NodeId,
    },
    Resume {
        node: NodeId,
    },
    Cut {
        a: NodeId,
        b: NodeId,
    },
    Heal {
        a: NodeId,
        b: NodeId,
    },
    Slow {
        a: NodeId,
        b: NodeId,
        extra: Time,
    },
    Partition {
        groups: Vec<u32>,
    },
    HealAll,
    /// Messages from `from` to `to` are lost; the other direction still works.
    CutOneWay {
        from: NodeId,
        to: NodeId,
    },
    HealOneWay {
        from: NodeId,
        to: NodeId,
    },
    /// A node's local clock now drifts by `drift_ppm` and is offset by `offset` µs.
    Clock {
        node: NodeId,
        drift_ppm: i64,
        offset: i64,
    },
    /// A client invoked an operation (for history checkers such as linearizability).
    Invoke {
        node: NodeId,
        call: u64,
        key: u64,
        op: Op,
    },
    /// A client got its answer.
    Return {
        node: NodeId,
        call: u64,
        ret: Ret,
    },
    Violation {
        invariant: &'static str,
        text: String,
    },
}

/// The notes with `key` among `records`, as (time, node, value), in order.
pub fn notes<'a>(
    records: &'a [TraceRecord],
    key: &'a str,
) -> impl Iterator<Item = (Time, NodeId, u64)> + 'a {
    records.iter().filter_map(move |r| match &r.kind {
        TraceKind::Note {
            node,
            key: k,
            value,
        } if *k == key => Some((r.time, *node, *value)),
        _ => None,
    })
}

impl TraceKind {
    /// Whether this record is a fault (a crash, restart, pause, cut, slow link, partition,
    /// clock change, dropped or duplicated message, or a heal): what an *eventually* property
    /// that holds only without faults looks for.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            TraceKind::Crash { .. }
                | TraceKind::Restart { .. }
                | TraceKind::Pause { .. }
                | TraceKind::Resume { .. }
                | TraceKind::Cut { .. }
                | TraceKind::Heal { .. }
                | TraceKind::Slow { .. }
                | TraceKind::Partition { .. }
                | TraceKind::HealAll
                | TraceKind::CutOneWay { .. }
                | TraceKind::HealOneWay { .. }
                | TraceKind::Clock { .. }
                | TraceKind::Drop { .. }
                | TraceKind::Duplicate { .. }
        )
    }

    /// The node this record belongs to on a space-time diagram, if any.
    pub fn node(&self) -> Option<NodeId> {
        match self {
            TraceKind::Send { from, .. } | TraceKind::Duplicate { from, .. } => Some(*from),
            TraceKind::Deliver { to, .. } => Some(*to),
            TraceKind::Drop { to, .. } => Some(*to),
            TraceKind::Timer { node, .. }
            | TraceKind::Command { node, .. }
            | TraceKind::Note { node, .. }
            | TraceKind::Crash { node }
            | TraceKind::Restart { node }
            | TraceKind::Pause { node }
            | TraceKind::Resume { node }
            | TraceKind::Clock { node, .. }
            | TraceKind::Invoke { node, .. }
            | TraceKind::Return { node, .. } => Some(*node),
            _ => None,
        }
    }
}

/// One entry of the trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceRecord {
    pub id: u64,
    pub time: Time,
    #[serde(flatten)]
    pub kind: TraceKind,
}

/// An invariant violation, with the record that revealed it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    pub invariant: &'static str,
    pub time: Time,
    pub record: u64,
    pub text: String,
}

/// Bytes gathered before they go to the hash function in one call.
const HASH_BUF: usize = 512;

/// Incremental 128-bit XXH3 over a fixed binary encoding of the trace.
///
/// The hash only has to tell runs apart (determinism checks, share-link replays), not resist
/// an attacker, so a fast non-cryptographic 128-bit hash serves: it costs the same natively
/// and in wasm, where SHA-256 had no hardware help and dominated the engine's time.
/// Records are small (tens of bytes), so they are gathered in a buffer and hashed in larger
/// blocks; a streaming hash does not depend on how the stream is cut into updates, so the
/// result is the same on every platform.
#[derive(Clone)]
pub struct TraceHasher {
    h: Box<Xxh3>,
    buf: [u8; HASH_BUF],
    len: usize,
    /// Time of the last record hashed (records are hashed with the time since it).
    last_time: Time,
}

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher {
            h: Box::new(Xxh3::new()),
            buf: [0; HASH_BUF],
            len: 0,
            last_time: 0,
        }
    }
}

impl std::fmt::Debug for TraceHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TraceHasher")
    }
}

impl TraceHasher {
    #[inline]
    fn bytes(&mut self, b: &[u8]) {
        if self.len + b.len() > HASH_BUF {
            self.h.update(&self.buf[..self.len]);
            self.len = 0;
            if b.len() > HASH_BUF {
                self.h.update(b);
                return;
            }
        }
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }

    /// Feeds a number as an LEB128 varint: 7 bits a byte, low bits first, the high bit set on
    /// every byte but the last (1 byte below 128, at most 10).
    #[inline(always)]
    pub fn u64(&mut self, v: u64) {
        if self.len > HASH_BUF - 10 {
            self.h.update(&self.buf[..self.len]);
            self.len = 0;
        }
        let len = self.len;
        let out = &mut self.buf[len..len + 10];
        if v < 0x80 {
            out[0] = v as u8;
            self.len = len + 1;
            return;
        }
        let mut v = v;
        let mut i = 0;
        while v >= 0x80 {
            out[i] = (v as u8) | 0x80;
            v >>= 7;
            i += 1;
        }
        out[i] = v as u8;
        self.len = len + i + 1;
    }

    pub fn node(&mut self, v: NodeId) {
        self.u64(v as u64);
    }

    pub fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.bytes(s.as_bytes());
    }

    pub fn hex(&self) -> String {
        let mut h = self.h.clone();
        h.update(&self.buf[..self.len]);
        format!("{:032x}", h.digest128())
    }

    pub(crate) fn record(&mut self, r: &TraceRecord) {
        let dt = r.time.wrapping_sub(self.last_time);
        self.last_time = r.time;
        let head = |h: &mut Self, tag: u64| {
            h.u64(tag);
            h.u64(dt);
        };
        match &r.kind {
            TraceKind::Send {
                msg,
                from,
                to,
                kind,
            } => {
                head(self, 1);
                self.u64(*msg);
                self.node(*from);
                self.node(*to);
                self.str(kind);
            }
            TraceKind::Duplicate {
                msg, of, from, to, ..
            } => {
                head(self, 2);
                self.u64(*msg);
                self.u64(*of);
                self.node(*from);
                self.node(*to);
            }
            TraceKind::Deliver { msg, from, to, .. } => {
                head(self, 3);
                self.u64(*msg);
                self.node(*from);
                self.node(*to);
            }
            TraceKind::Drop {
                msg,
                from,
                to,
                reason,
                ..
            } => {
                head(self, 4);
                self.u64(*msg);
                self.node(*from);
                self.node(*to);
                self.u64(reason.code());
            }
            TraceKind::Timer { node, name } => {
                head(self, 5);
                self.node(*node);
                self.str(name);
            }
            TraceKind::Command { node, name, arg } => {
                // A command without an argument hashes as it did before arguments existed.
                head(self, if arg.is_some() { 18 } else { 6 });
                self.node(*node);
                self.str(name);
                if let Some(arg) = arg {
                    self.str(arg);
                }
            }
            TraceKind::Note { node, key, value } => {
                head(self, 7);
                self.node(*node);
                self.str(key);
                self.u64(*value);
            }
            TraceKind::Crash { node } => {
                head(self, 8);
                self.node(*node);
            }
            TraceKind::Restart { node } => {
                head(self, 9);
                self.node(*node);
            }
            TraceKind::Pause { node } => {
                head(self, 10);
                self.node(*node);
            }
            TraceKind::Resume { node } => {
                head(self, 11);
                self.node(*node);
            }
            TraceKind::Cut { a, b } => {
                head(self, 12);
                self.node(*a);
                self.node(*b);
            }
            TraceKind::Heal { a, b } => {
                head(self, 13);
                self.node(*a);
                self.node(*b);
            }
            TraceKind::Slow { a, b, extra } => {
                head(self, 14);
                self.node(*a);
                self.node(*b);
                self.u64(*extra);
            }
            TraceKind::Partition { groups } => {
                head(self, 15);
                self.u64(groups.len() as u64);
                for &g in groups {
                    self.u64(u64::from(g));
                }
            }
            TraceKind::HealAll => head(self, 16),
            TraceKind::CutOneWay { from, to } => {
                head(self, 19);
                self.node(*from);
                self.node(*to);
            }
            TraceKind::HealOneWay { from, to } => {
                head(self, 20);
                self.node(*from);
                self.node(*to);
            }
            TraceKind::Clock {
                node,
                drift_ppm,
                offset,
            } => {
                head(self, 21);
                self.node(*node);
                self.u64(*drift_ppm as u64);
                self.u64(*offset as u64);
            }
            TraceKind::Invoke {
                node,
                call,
                key,
                op,
            } => {
                head(self, 22);
                self.node(*node);
                self.u64(*call);
                self.u64(*key);
                match op {
                    Op::Read => self.u64(0),
                    Op::Write(v) => {
                        self.u64(1);
                        self.u64(*v);
                    }
                    Op::Cas { expect, new } => {
                        self.u64(2);
                        self.u64(*expect);
                        self.u64(*new);
                    }
                }
            }
            TraceKind::Return { node, call, ret } => {
                head(self, 23);
                self.node(*node);
                self.u64(*call);
                match ret {
                    Ret::Ok => self.u64(0),
                    Ret::Value(v) => {
                        self.u64(1);
                        self.u64(*v);
                    }
                    Ret::Fail => self.u64(2),
                }
            }
            TraceKind::Violation { invariant, text } => {
                head(self, 17);
                self.str(invariant);
                self.str(text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(bytes: &[u8]) -> String {
        format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
    }

    fn leb128(out: &mut Vec<u8>, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    #[test]
    fn numbers_are_leb128_varints() {
        for (v, bytes) in [
            (0u64, &[0u8][..]),
            (1, &[1]),
            (127, &[0x7f]),
            (128, &[0x80, 0x01]),
            (300, &[0xac, 0x02]),
            (
                u64::MAX,
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
            ),
        ] {
            let mut h = TraceHasher::default();
            h.u64(v);
            assert_eq!(h.hex(), plain(bytes), "{v}");
        }
    }

    #[test]
    fn buffering_does_not_change_the_hash() {
        // Values and strings of all sizes, crossing the buffer's edge at every offset: the
        // result must be the hash of the plain byte stream.
        let mut h = TraceHasher::default();
        let mut bytes = Vec::new();
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for i in 0..20_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = x >> (x % 64);
            h.u64(v);
            leb128(&mut bytes, v);
            if i % 97 == 0 {
                let s = "ab".repeat((x % 700) as usize);
                h.str(&s);
                leb128(&mut bytes, s.len() as u64);
                bytes.extend_from_slice(s.as_bytes());
            }
            if i % 5_000 == 0 {
                // Reading the hash midway changes nothing.
                assert_eq!(h.hex(), plain(&bytes));
            }
        }
        assert_eq!(h.hex(), plain(&bytes));
    }

    #[test]
    fn records_hash_times_as_deltas_and_skip_ids() {
        let rec = |id, time| TraceRecord {
            id,
            time,
            kind: TraceKind::Crash { node: 2 },
        };
        let mut a = TraceHasher::default();
        a.record(&rec(0, 1_000));
        a.record(&rec(1, 1_500));
        // tag 8, dt 1000 (0xe8 0x07), node 2; tag 8, dt 500 (0xf4 0x03), node 2
        assert_eq!(a.hex(), plain(&[8, 0xe8, 0x07, 2, 8, 0xf4, 0x03, 2]));
        // A different time is a different hash, even with the same deltas from zero.
        let mut b = TraceHasher::default();
        b.record(&rec(0, 1_000));
        b.record(&rec(1, 1_501));
        assert_ne!(a.hex(), b.hex());
    }
}
