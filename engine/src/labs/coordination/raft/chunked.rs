//! A vector that is cheap to clone, for Raft's logs and the checker's history: they grow with
//! every client write, and the session clones the whole simulation at every checkpoint (for
//! scrubbing), so with plain vectors a long run with many writes would spend its time and
//! memory copying logs.
//!
//! Items live in leaves of [`LEAF`] items, leaves in pages of [`FAN`] leaf pointers, all
//! shared (`Rc`). A clone shares every full page and full leaf, and copies only the last,
//! partly filled page of pointers and the last, partly filled leaf, with no spare room: a
//! checkpoint costs one pointer per full page (4,096 items), at most `FAN` pointers and `LEAF`
//! items per vector.
//! The original keeps its own last page and leaf, so appending never copies; truncating into
//! a shared page or leaf copies that one first.
//!
//! Items keep their index for good: [`Chunked::forget_before`] frees whole pages at the front
//! (the checker forgets what every node has compacted away), and reading below
//! [`Chunked::start`] finds nothing.
//!
//! `Rc`, not `Arc`: a session lives on one thread (the browser's, or one runner process), and
//! checking that a leaf is unshared on every append costs no atomic operation.

use std::rc::Rc;

/// Items per leaf.
const LEAF: usize = 64;
/// Leaves per page.
const FAN: usize = 64;
/// Items per page.
const PAGE: usize = LEAF * FAN;

type Leaf<T> = Rc<Vec<T>>;

#[derive(Debug)]
pub struct Chunked<T> {
    /// Page `p` holds items `(p + dropped) * PAGE ..`.
    pages: Vec<Rc<Vec<Leaf<T>>>>,
    /// Whole pages forgotten at the front.
    dropped: usize,
    /// One past the last item's index (forgotten items count).
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            pages: Vec::new(),
            dropped: 0,
            len: 0,
        }
    }
}

/// `rc`'s vector to change: copied first (with room for `room` items) if it is shared.
#[inline]
fn unique<U: Clone>(rc: &mut Rc<Vec<U>>, room: usize) -> &mut Vec<U> {
    if Rc::get_mut(rc).is_none() {
        copy_out(rc, room);
    }
    // Unshared now: make_mut copies nothing.
    Rc::make_mut(rc)
}

/// Replaces a shared vector by an own copy (rare: truncating into a shared leaf or page).
#[cold]
#[inline(never)]
fn copy_out<U: Clone>(rc: &mut Rc<Vec<U>>, room: usize) {
    let mut own = Vec::with_capacity(room.max(rc.len()));
    own.extend_from_slice(rc);
    *rc = Rc::new(own);
}

impl<T: Clone> Clone for Chunked<T> {
    fn clone(&self) -> Self {
        let mut pages = self.pages.clone();
        if !self.len.is_multiple_of(PAGE) {
            if let Some(page) = pages.last_mut() {
                let mut copy = page.to_vec();
                if !self.len.is_multiple_of(LEAF) {
                    if let Some(leaf) = copy.last_mut() {
                        *leaf = Rc::new(leaf.to_vec());
                    }
                }
                *page = Rc::new(copy);
            }
        }
        Chunked {
            pages,
            dropped: self.dropped,
            len: self.len,
        }
    }
}

impl<T: Clone + PartialEq> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.start() == other.start() && self.iter().eq(other.iter())
    }
}

impl<T: Clone> Chunked<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// One past the last item's index (forgotten items count).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The index of the first item kept (0 unless pages were forgotten).
    #[inline]
    pub fn start(&self) -> usize {
        self.dropped * PAGE
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        if i < self.len && i >= self.start() {
            Some(&self.pages[i / PAGE - self.dropped][i % PAGE / LEAF][i % LEAF])
        } else {
            None
        }
    }

    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// The leaf the next item goes to (started if the last one is full), made unshared.
    #[inline]
    fn tail(&mut self) -> Option<&mut Vec<T>> {
        if self.len.is_multiple_of(PAGE) {
            self.pages.push(Rc::new(Vec::with_capacity(FAN)));
        }
        let page = unique(self.pages.last_mut()?, FAN);
        if self.len.is_multiple_of(LEAF) {
            page.push(Rc::new(Vec::with_capacity(LEAF)));
        }
        Some(unique(page.last_mut()?, LEAF))
    }

    pub fn push(&mut self, item: T) {
        if let Some(leaf) = self.tail() {
            leaf.push(item);
            self.len += 1;
        }
    }

    /// Appends `items`, touching each leaf once.
    pub fn extend_from_slice(&mut self, mut items: &[T]) {
        while !items.is_empty() {
            let room = LEAF - self.len % LEAF;
            let (now, rest) = items.split_at(room.min(items.len()));
            let Some(leaf) = self.tail() else {
                return;
            };
            leaf.extend_from_slice(now);
            self.len += now.len();
            items = rest;
        }
    }

    /// Items `from..until` (clamped to the kept ones) as consecutive slices, one per leaf.
    pub fn slices(&self, from: usize, until: usize) -> impl Iterator<Item = &[T]> + '_ {
        let until = until.min(self.len);
        let from = from.max(self.start()).min(until);
        let leaves = if from == until {
            0..0
        } else {
            from / LEAF..until.div_ceil(LEAF)
        };
        let first_leaf = self.dropped * FAN;
        leaves.map(move |l| {
            let start = from.max(l * LEAF) - l * LEAF;
            let end = until.min((l + 1) * LEAF) - l * LEAF;
            let k = l - first_leaf;
            &self.pages[k / FAN][k % FAN][start..end]
        })
    }

    /// Items `from..until` (clamped to the kept ones), one by one.
    pub fn iter_range(&self, from: usize, until: usize) -> impl Iterator<Item = &T> + '_ {
        self.slices(from, until).flatten()
    }

    /// Keeps the items before index `len` (never fewer than the forgotten ones).
    pub fn truncate(&mut self, len: usize) {
        let len = len.max(self.start());
        if len >= self.len {
            return;
        }
        self.pages.truncate(len.div_ceil(PAGE) - self.dropped);
        self.len = len;
        if len.is_multiple_of(PAGE) {
            return;
        }
        if let Some(page) = self.pages.last_mut() {
            let page = unique(page, FAN);
            page.truncate((len % PAGE).div_ceil(LEAF));
            if !len.is_multiple_of(LEAF) {
                if let Some(leaf) = page.last_mut() {
                    unique(leaf, LEAF).truncate(len % LEAF);
                }
            }
        }
    }

    /// Items `from..until` (clamped to the length), copied.
    pub fn range(&self, from: usize, until: usize) -> Vec<T> {
        let mut out = Vec::with_capacity(until.min(self.len).saturating_sub(from));
        for s in self.slices(from, until) {
            out.extend_from_slice(s);
        }
        out
    }

    /// The kept items, in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> + '_ {
        self.pages
            .iter()
            .flat_map(|p| p.iter())
            .flat_map(|l| l.iter())
    }

    /// Frees the whole pages whose items all come before index `i`, handing each of their
    /// items to `each` first (in order); the items of a partly covered page stay. Returns the
    /// new [`Chunked::start`].
    pub fn forget_before(&mut self, i: usize, mut each: impl FnMut(&T)) -> usize {
        let pages = (i.min(self.len) / PAGE).saturating_sub(self.dropped);
        for page in self.pages.drain(..pages) {
            for leaf in page.iter() {
                leaf.iter().for_each(&mut each);
            }
        }
        self.dropped += pages;
        self.start()
    }
}

/// Walks two runs of slices of the same total length in step, calling `f` on pieces of equal
/// length (the runs' slices need not line up: two vectors' leaves start at different indices
/// once one of them is offset).
pub fn zip_slices<'a, A: 'a, B: 'a>(
    mut a: impl Iterator<Item = &'a [A]>,
    mut b: impl Iterator<Item = &'a [B]>,
    mut f: impl FnMut(&'a [A], &'a [B]),
) {
    let (mut x, mut y): (&[A], &[B]) = (&[], &[]);
    loop {
        if x.is_empty() {
            match a.next() {
                Some(s) => x = s,
                None => return,
            }
        }
        if y.is_empty() {
            match b.next() {
                Some(s) => y = s,
                None => return,
            }
        }
        let m = x.len().min(y.len());
        let ((x0, x1), (y0, y1)) = (x.split_at(m), y.split_at(m));
        f(x0, y0);
        (x, y) = (x1, y1);
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

    /// Whether two vectors share every full leaf and neither shares its last partial one.
    fn shares_full_leaves_only<T>(a: &Chunked<T>, b: &Chunked<T>) -> bool {
        let leaves = |c: &Chunked<T>| -> Vec<Leaf<T>> {
            c.pages.iter().flat_map(|p| p.iter().cloned()).collect()
        };
        let (la, lb) = (leaves(a), leaves(b));
        let full = a.len.min(b.len) / LEAF;
        la.iter().zip(&lb).take(full).all(|(x, y)| Rc::ptr_eq(x, y))
            && (a.len.is_multiple_of(LEAF) || la.last().is_some_and(|l| Rc::strong_count(l) == 2))
            && la.len() == a.len.div_ceil(LEAF)
    }

    #[test]
    fn a_clone_shares_full_leaves_and_owns_its_partial_one() {
        let mut a: Chunked<u64> = (0..(PAGE + 3 * LEAF + 5) as u64).collect();
        let b = a.clone();
        // The partial leaf: one reference held by `a` and one by this check's copy of it.
        assert!(shares_full_leaves_only(&a, &b));
        assert!(shares_full_leaves_only(&b, &a));
        // Appending to the original copies nothing shared: the full leaves stay the same.
        let before: Vec<*const Vec<u64>> = a.pages[0].iter().map(Rc::as_ptr).collect();
        a.extend_from_slice(&[1, 2, 3]);
        let after: Vec<*const Vec<u64>> = a.pages[0].iter().map(Rc::as_ptr).collect();
        assert_eq!(before, after);
        assert_eq!(b.len(), PAGE + 3 * LEAF + 5);
    }

    #[test]
    fn zip_slices_pairs_runs_whose_leaves_do_not_line_up() {
        let a: Chunked<u32> = (0..1000).collect();
        let mut b: Chunked<u32> = Chunked::new();
        b.extend_from_slice(&[7; 30]);
        b.extend_from_slice(&(0..1000).collect::<Vec<_>>());
        let mut pairs = Vec::new();
        zip_slices(a.slices(100, 900), b.slices(130, 930), |x, y| {
            assert_eq!(x, y);
            pairs.extend_from_slice(x);
        });
        assert_eq!(pairs, (100..900).collect::<Vec<_>>());
        // The shorter run ends the walk.
        let mut n = 0;
        zip_slices(a.slices(0, 10), b.slices(30, 1030), |x, _| n += x.len());
        assert_eq!(n, 10);
    }

    #[test]
    fn forgotten_pages_are_freed_and_indices_stay() {
        let n = 3 * PAGE + 100;
        let mut a: Chunked<usize> = (0..n).collect();
        let snap = a.clone();
        let mut seen = Vec::new();
        // Nothing below a whole page: nothing forgotten.
        assert_eq!(a.forget_before(PAGE - 1, |x| seen.push(*x)), 0);
        assert!(seen.is_empty());
        assert_eq!(a.forget_before(2 * PAGE + 5, |x| seen.push(*x)), 2 * PAGE);
        assert_eq!(seen, (0..2 * PAGE).collect::<Vec<_>>());
        assert_eq!((a.start(), a.len()), (2 * PAGE, n));
        assert_eq!(a.get(2 * PAGE - 1), None);
        assert_eq!(a.get(2 * PAGE), Some(&(2 * PAGE)));
        assert_eq!(a.iter().count(), PAGE + 100);
        assert!(a.iter_range(0, n).copied().eq(2 * PAGE..n));
        assert_eq!(
            a.range(2 * PAGE - 3, 2 * PAGE + 2),
            vec![2 * PAGE, 2 * PAGE + 1]
        );
        // Growing and truncating keep working on absolute indices; the clone kept it all.
        a.extend_from_slice(&[7; PAGE]);
        a.truncate(3 * PAGE + 1);
        a.push(9);
        assert_eq!(a.get(3 * PAGE), Some(&(3 * PAGE)));
        assert_eq!(a.get(3 * PAGE + 1), Some(&9));
        a.truncate(0);
        assert_eq!((a.start(), a.len()), (2 * PAGE, 2 * PAGE));
        a.push(1);
        assert_eq!(a.get(2 * PAGE), Some(&1));
        assert_eq!(snap.get(0), Some(&0));
        assert_eq!(snap.len(), n);
        // Forgetting everything up to a page edge, then growing from there.
        let mut b: Chunked<usize> = (0..2 * PAGE).collect();
        assert_eq!(b.forget_before(usize::MAX, |_| {}), 2 * PAGE);
        assert!(b.iter().next().is_none());
        b.push(5);
        assert_eq!((b.get(2 * PAGE), b.len()), (Some(&5), 2 * PAGE + 1));
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

    #[test]
    fn clones_are_snapshots_across_pages_whichever_side_changes() {
        // Lengths around leaf and page edges; every clone must keep what it saw while the
        // original (and the clones themselves) go on changing.
        let mut live: Chunked<u32> = Chunked::new();
        let mut plain: Vec<u32> = Vec::new();
        let mut snaps: Vec<(Chunked<u32>, Vec<u32>)> = Vec::new();
        let mut x = 7u32;
        let mut longest = 0;
        for step in 0..400usize {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            match x % 10 {
                0 => {
                    let keep = (x as usize / 16) % (plain.len() + 1);
                    live.truncate(keep);
                    plain.truncate(keep);
                }
                1..=3 => {
                    live.push(step as u32);
                    plain.push(step as u32);
                }
                _ => {
                    let n = [1, LEAF - 1, LEAF, LEAF + 1, PAGE - 3, PAGE, 300][x as usize % 7];
                    let items: Vec<u32> = (0..n as u32).map(|i| i ^ x).collect();
                    live.extend_from_slice(&items);
                    plain.extend_from_slice(&items);
                }
            }
            if step % 9 == 0 {
                snaps.push((live.clone(), plain.clone()));
            }
            if step % 23 == 0 {
                // Change a clone: the original must not see it.
                if let Some((c, v)) = snaps.last_mut() {
                    c.push(1);
                    v.push(1);
                    let keep = v.len() / 2;
                    c.truncate(keep);
                    v.truncate(keep);
                }
            }
            assert_eq!(live.len(), plain.len());
            longest = longest.max(plain.len());
        }
        assert!(longest > 2 * PAGE, "the test should span pages: {longest}");
        assert!(
            plain.len() > PAGE,
            "and end on more than one: {}",
            plain.len()
        );
        assert!(live.iter().eq(plain.iter()));
        assert_eq!(live.get(plain.len()), None);
        for i in (0..plain.len()).step_by(97) {
            assert_eq!(live.get(i), Some(&plain[i]));
        }
        for (c, v) in &snaps {
            assert!(c.iter().eq(v.iter()));
            assert_eq!(c.range(0, usize::MAX), *v);
        }
    }
}
