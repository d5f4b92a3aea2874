//! A gossip node's versioned key→value store: keys, versions, entries, the digest (each key's
//! version, what anti-entropy compares instead of the data) and the merge (the newer version
//! wins; seed 001: "采用的是谁的时间戳最新(数据最新), 就以谁为准").

use std::collections::BTreeMap;
use std::fmt;

use crate::sim::{TraceHasher, MAX_ARG_LEN};
use crate::NodeId;

/// A key: a short word (the `write` command's argument), kept inline so it copies freely.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    len: u8,
    bytes: [u8; MAX_ARG_LEN],
}

impl Key {
    /// The key for `s` (cut to [`MAX_ARG_LEN`] bytes; None if empty).
    pub fn new(s: &str) -> Option<Key> {
        let b = s.as_bytes();
        if b.is_empty() {
            return None;
        }
        let len = b.len().min(MAX_ARG_LEN);
        let mut bytes = [0; MAX_ARG_LEN];
        bytes[..len].copy_from_slice(&b[..len]);
        Some(Key {
            len: len as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("?")
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A write's version: the writer's count for the key (one more than the newest it held), then
/// the writer's id to order two writes of the same count. Ordered by `seq`, then `node`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub seq: u64,
    pub node: NodeId,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}@n{}", self.seq, self.node + 1)
    }
}

/// One stored value with its version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub version: Version,
    pub value: u64,
}

/// Each key's version: what a node says it holds.
pub type Digest = Vec<(Key, Version)>;

/// The store (on disk: it survives a crash).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Store {
    map: BTreeMap<Key, Entry>,
}

impl Store {
    pub fn get(&self, key: &Key) -> Option<&Entry> {
        self.map.get(key)
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Entry)> {
        self.map.iter()
    }

    /// Whether this store holds `key` at `version` or newer.
    pub fn has(&self, key: &Key, version: Version) -> bool {
        self.map.get(key).is_some_and(|e| e.version >= version)
    }

    /// A local write: one version above the newest this node holds for `key`.
    pub fn write(&mut self, key: Key, node: NodeId, value: u64) -> Version {
        let seq = self.map.get(&key).map_or(0, |e| e.version.seq) + 1;
        let version = Version { seq, node };
        self.map.insert(key, Entry { version, value });
        version
    }

    pub fn digest(&self) -> Digest {
        self.map.iter().map(|(k, e)| (*k, e.version)).collect()
    }

    /// The entries newer here than in `known` (each key's version someone holds): what that
    /// someone lacks.
    pub fn newer_than(&self, known: &BTreeMap<Key, Version>) -> Vec<(Key, Entry)> {
        self.map
            .iter()
            .filter(|(k, e)| known.get(*k).is_none_or(|v| e.version > *v))
            .map(|(k, e)| (*k, *e))
            .collect()
    }

    /// Merges entries received: a newer version replaces the one held (the newest wins).
    /// Returns the keys that changed. `broken_keep_older` (test only) takes any other
    /// version, older ones too.
    pub fn merge(&mut self, entries: &[(Key, Entry)], broken_keep_older: bool) -> Vec<Key> {
        let mut changed = Vec::new();
        for (k, e) in entries {
            let take = match self.map.get(k) {
                None => true,
                Some(mine) if broken_keep_older => mine.version != e.version,
                Some(mine) => e.version > mine.version,
            };
            if take {
                self.map.insert(*k, *e);
                changed.push(*k);
            }
        }
        changed
    }

    pub fn hash_into(&self, h: &mut TraceHasher) {
        h.u64(self.map.len() as u64);
        for (k, e) in &self.map {
            hash_key(k, h);
            hash_version(&e.version, h);
            h.u64(e.value);
        }
    }
}

/// A digest as a map (for the newer-than comparison).
pub fn known_of(digest: &[(Key, Version)]) -> BTreeMap<Key, Version> {
    digest.iter().copied().collect()
}

pub fn hash_key(k: &Key, h: &mut TraceHasher) {
    h.u64(u64::from(k.len));
    for &b in k.as_str().as_bytes() {
        h.u64(u64::from(b));
    }
}

pub fn hash_version(v: &Version, h: &mut TraceHasher) {
    h.u64(v.seq);
    h.node(v.node);
}

/// `x v2@n1, y v1@n3` for the event log.
pub fn versions_text(items: impl Iterator<Item = (Key, Version)>) -> String {
    let v: Vec<String> = items.map(|(k, v)| format!("{k} {v}")).collect();
    if v.is_empty() {
        "-".into()
    } else {
        v.join(", ")
    }
}
