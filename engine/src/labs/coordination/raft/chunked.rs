//! A vector that is cheap to clone: its items live in shared fixed-size chunks, and a clone
//! copies the chunk pointers and the items of the last, partly filled chunk (with no spare
//! room, so a checkpoint holds no more than the items it needs). Full chunks never change
//! while shared; truncating into one copies that chunk first.
//!
//! Raft's logs and the checker's history grow with every client write, and the session clones
//! the whole simulation at every checkpoint (for scrubbing); with plain vectors a long run with
//! many writes would spend its time copying logs.
//!
//! Chunks are `Rc`, not `Arc`: a session lives on one thread (the browser's, or one runner
//! process), and `Rc::make_mut` on every append costs no atomic operation.

use std::rc::Rc;

const CHUNK: usize = 256;

#[derive(Debug)]
pub struct Chunked<T> {
    chunks: Vec<Rc<Vec<T>>>,
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

impl<T: Clone> Clone for Chunked<T> {
    fn clone(&self) -> Self {
        let mut chunks = self.chunks.clone();
        if !self.len.is_multiple_of(CHUNK) {
            // The original keeps appending to its own chunk without copying it.
            if let Some(last) = chunks.last_mut() {
                *last = Rc::new(last.to_vec());
            }
        }
        Chunked {
            chunks,
            len: self.len,
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

    /// The last chunk, to change: shared with a clone (a full chunk being truncated), it is
    /// copied first, with room for a whole chunk.
    fn last_mut(&mut self) -> Option<&mut Vec<T>> {
        let last = self.chunks.last_mut()?;
        if Rc::get_mut(last).is_none() {
            let mut own = Vec::with_capacity(CHUNK);
            own.extend_from_slice(last);
            *last = Rc::new(own);
        }
        Rc::get_mut(last)
    }

    pub fn push(&mut self, item: T) {
        if self.len.is_multiple_of(CHUNK) {
            self.chunks.push(Rc::new(Vec::with_capacity(CHUNK)));
        }
        if let Some(last) = self.last_mut() {
            last.push(item);
        }
        self.len += 1;
    }

    /// Appends `items`, touching each chunk once.
    pub fn extend_from_slice(&mut self, mut items: &[T]) {
        while !items.is_empty() {
            let used = self.len % CHUNK;
            if used == 0 {
                self.chunks.push(Rc::new(Vec::with_capacity(CHUNK)));
            }
            let (now, rest) = items.split_at((CHUNK - used).min(items.len()));
            if let Some(last) = self.last_mut() {
                last.extend_from_slice(now);
            }
            self.len += now.len();
            items = rest;
        }
    }

    /// Items `from..until` (clamped to the length) as consecutive slices, one per chunk.
    pub fn slices(&self, from: usize, until: usize) -> impl Iterator<Item = &[T]> + '_ {
        let until = until.min(self.len);
        let from = from.min(until);
        let chunks = if from == until {
            0..0
        } else {
            from / CHUNK..until.div_ceil(CHUNK)
        };
        chunks.map(move |c| {
            let start = from.max(c * CHUNK) - c * CHUNK;
            let end = until.min((c + 1) * CHUNK) - c * CHUNK;
            &self.chunks[c][start..end]
        })
    }

    /// Keeps the first `len` items.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        self.chunks.truncate(len.div_ceil(CHUNK));
        if !len.is_multiple_of(CHUNK) {
            if let Some(last) = self.last_mut() {
                last.truncate(len % CHUNK);
            }
        }
        self.len = len;
    }

    /// Items `from..until` (clamped to the length), copied.
    pub fn range(&self, from: usize, until: usize) -> Vec<T> {
        let mut out = Vec::with_capacity(until.min(self.len).saturating_sub(from));
        for s in self.slices(from, until) {
            out.extend_from_slice(s);
        }
        out
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

    #[test]
    fn slices_and_bulk_appends_agree_with_a_vec() {
        let mut plain: Vec<u64> = Vec::new();
        let mut c: Chunked<u64> = Chunked::new();
        let mut next = 0;
        for step in 0..60usize {
            let n = (step * 37) % 300;
            let items: Vec<u64> = (next..next + n as u64).collect();
            next += n as u64;
            let shared = c.clone();
            c.extend_from_slice(&items);
            plain.extend_from_slice(&items);
            assert_eq!(shared.len() + n, c.len());
            if step % 7 == 3 {
                let keep = plain.len() * 2 / 3;
                c.truncate(keep);
                plain.truncate(keep);
            }
            assert!(c.iter().eq(plain.iter()));
            for (from, until) in [(0, c.len()), (c.len() / 3, c.len() / 2), (255, 257), (5, 5)] {
                let joined: Vec<u64> = c.slices(from, until).flatten().copied().collect();
                let want = &plain
                    [from.min(plain.len())..until.min(plain.len()).max(from.min(plain.len()))];
                assert_eq!(joined, want);
                assert_eq!(c.range(from, until), want);
            }
        }
        assert!(c.slices(10, 3).next().is_none());
    }
}
