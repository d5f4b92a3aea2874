//! A vector that is cheap to clone: its items live in shared fixed-size chunks, and a clone
//! copies only the chunk pointers. Pushing or truncating copies at most the one chunk being
//! changed, if a clone still shares it.
//!
//! Raft's logs and the checker's history grow with every client write, and the session clones
//! the whole simulation at every checkpoint (for scrubbing); with plain vectors a long run with
//! many writes would spend its time copying logs.

use std::sync::Arc;

const CHUNK: usize = 256;

#[derive(Clone, Debug)]
pub struct Chunked<T> {
    chunks: Vec<Arc<Vec<T>>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Clone + PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl<T: Clone> Chunked<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        if i < self.len {
            Some(&self.chunks[i / CHUNK][i % CHUNK])
        } else {
            None
        }
    }

    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    pub fn push(&mut self, item: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        if let Some(last) = self.chunks.last_mut() {
            Arc::make_mut(last).push(item);
        }
        self.len += 1;
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        self.chunks.truncate(len.div_ceil(CHUNK));
        if !len.is_multiple_of(CHUNK) {
            if let Some(last) = self.chunks.last_mut() {
                Arc::make_mut(last).truncate(len % CHUNK);
            }
        }
        self.len = len;
    }

    /// Items `from..until` (clamped to the length), copied.
    pub fn range(&self, from: usize, until: usize) -> Vec<T> {
        let until = until.min(self.len);
        (from..until).filter_map(|i| self.get(i).cloned()).collect()
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }
}

impl<T: Clone> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut c = Chunked::new();
        for x in iter {
            c.push(x);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_vec_and_clones_share() {
        let mut a: Chunked<u64> = (0..1000).collect();
        let b = a.clone();
        a.truncate(300);
        a.push(7);
        assert_eq!(a.len(), 301);
        assert_eq!(a.get(300), Some(&7));
        assert_eq!(a.get(299), Some(&299));
        assert_eq!(b.len(), 1000);
        assert_eq!(b.get(300), Some(&300));
        assert_eq!(b.iter().copied().sum::<u64>(), 999 * 1000 / 2);
        assert_eq!(a.range(298, 400), vec![298, 299, 7]);
        a.truncate(256);
        assert_eq!(a.last(), Some(&255));
        a.truncate(0);
        assert!(a.is_empty() && a.last().is_none());
        a.push(1);
        assert_eq!(a.iter().count(), 1);
    }
}
