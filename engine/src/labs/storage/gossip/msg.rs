//! The gossip lab's messages. Anti-entropy messages carry the sender's digest (each key's
//! version) and only entries the receiver may lack; rumor mongering carries the hot rumors.

use super::store::{hash_key, hash_version, versions_text, Digest, Entry, Key, Version};
use crate::sim::{Message, TraceHasher};

/// Messages.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Push: my digest and the entries I do not know you to hold.
    Push {
        digest: Digest,
        entries: Vec<(Key, Entry)>,
    },
    /// Pull: my digest; answer with what I lack.
    Pull { digest: Digest },
    /// Push-pull: both at once.
    PushPull {
        digest: Digest,
        entries: Vec<(Key, Entry)>,
    },
    /// The answer to Pull or PushPull: the entries the asker lacks, and my digest.
    Reply {
        digest: Digest,
        entries: Vec<(Key, Entry)>,
    },
    /// Rumor mongering: the updates I am hot about.
    Rumor { entries: Vec<(Key, Entry)> },
    /// Feedback to a rumor: these I already knew.
    Known { versions: Vec<(Key, Version)> },
}

fn hash_digest(d: &[(Key, Version)], h: &mut TraceHasher) {
    h.u64(d.len() as u64);
    for (k, v) in d {
        hash_key(k, h);
        hash_version(v, h);
    }
}

fn hash_entries(es: &[(Key, Entry)], h: &mut TraceHasher) {
    h.u64(es.len() as u64);
    for (k, e) in es {
        hash_key(k, h);
        hash_version(&e.version, h);
        h.u64(e.value);
    }
}

fn entries_text(es: &[(Key, Entry)]) -> String {
    versions_text(es.iter().map(|(k, e)| (*k, e.version)))
}

impl Msg {
    /// The entries a message carries.
    pub fn entries(&self) -> &[(Key, Entry)] {
        match self {
            Msg::Push { entries, .. }
            | Msg::PushPull { entries, .. }
            | Msg::Reply { entries, .. }
            | Msg::Rumor { entries } => entries,
            Msg::Pull { .. } | Msg::Known { .. } => &[],
        }
    }

    /// The sender's digest, if the message carries one.
    pub fn digest(&self) -> Option<&Digest> {
        match self {
            Msg::Push { digest, .. }
            | Msg::Pull { digest }
            | Msg::PushPull { digest, .. }
            | Msg::Reply { digest, .. } => Some(digest),
            Msg::Rumor { .. } | Msg::Known { .. } => None,
        }
    }
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Push { .. } => "Push",
            Msg::Pull { .. } => "Pull",
            Msg::PushPull { .. } => "PushPull",
            Msg::Reply { .. } => "Reply",
            Msg::Rumor { .. } => "Rumor",
            Msg::Known { .. } => "Known",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        if let Some(d) = self.digest() {
            hash_digest(d, h);
        }
        hash_entries(self.entries(), h);
        if let Msg::Known { versions } = self {
            hash_digest(versions, h);
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = Vec::new();
        if let Some(d) = self.digest() {
            f.push(("digest", versions_text(d.iter().copied())));
        }
        if !matches!(self, Msg::Pull { .. } | Msg::Known { .. }) {
            f.push(("entries", entries_text(self.entries())));
        }
        if let Msg::Known { versions } = self {
            f.push(("known", versions_text(versions.iter().copied())));
        }
        f
    }

    fn heap_bytes(&self) -> usize {
        self.digest().map_or(0, |d| d.len() * 48) + self.entries().len() * 56
    }
}
