//! Keys to hash slots and slots to masters: Redis Cluster's `HASH_SLOT = CRC16(key) mod 16384`
//! (CRC-16/XMODEM, the `crc` crate's `CRC_16_XMODEM`), with hash tags (only what is between the
//! first `{` and the next `}` is hashed, if not empty, so `{user1000}.following` and
//! `{user1000}.followers` land in one slot), and a node's view of who owns which slot, kept as
//! ranges with the config epoch of each claim.

use crate::NodeId;

/// Redis Cluster's 16,384 hash slots.
pub const SLOTS: u16 = 16_384;

const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_XMODEM);

/// CRC16 (XMODEM) of `bytes`.
pub fn crc16(bytes: &[u8]) -> u16 {
    CRC16.checksum(bytes)
}

/// The part of the key that is hashed: the hash tag if there is a non-empty one.
pub fn hash_tag(key: &str) -> Option<&str> {
    let open = key.find('{')?;
    let rest = &key[open + 1..];
    let close = rest.find('}')?;
    (close > 0).then(|| &rest[..close])
}

/// The key's hash slot.
pub fn key_slot(key: &str) -> u16 {
    crc16(hash_tag(key).unwrap_or(key).as_bytes()) % SLOTS
}

/// A run of slots `start..=end` claimed by `owner` with config epoch `epoch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub start: u16,
    pub end: u16,
    pub owner: NodeId,
    pub epoch: u64,
}

/// A node's view of the slot table: ranges in order, covering every slot once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotMap {
    pub ranges: Vec<Range>,
}

impl SlotMap {
    /// The initial table: master `i` serves the `i`th range with config epoch `i + 1` (the
    /// notes' three: 0–5500, 5501–11000, 11001–16383; otherwise equal shares).
    pub fn initial(masters: usize) -> SlotMap {
        let m = masters.max(1);
        let ranges = (0..m)
            .map(|i| {
                let (start, end) = if m == 3 {
                    [(0, 5_500), (5_501, 11_000), (11_001, 16_383)][i]
                } else {
                    let s = SLOTS as usize;
                    ((i * s / m) as u16, ((i + 1) * s / m - 1) as u16)
                };
                Range {
                    start,
                    end,
                    owner: i,
                    epoch: i as u64 + 1,
                }
            })
            .collect();
        SlotMap { ranges }
    }

    /// The range holding `slot`.
    pub fn get(&self, slot: u16) -> Option<&Range> {
        self.ranges
            .iter()
            .find(|r| r.start <= slot && slot <= r.end)
    }

    pub fn owner(&self, slot: u16) -> Option<NodeId> {
        self.get(slot).map(|r| r.owner)
    }

    /// The slots `node` owns in this view, as `(start, end)` runs.
    pub fn owned_by(&self, node: NodeId) -> Vec<(u16, u16)> {
        let mut out: Vec<(u16, u16)> = Vec::new();
        for r in self.ranges.iter().filter(|r| r.owner == node) {
            match out.last_mut() {
                Some(last) if last.1 + 1 == r.start => last.1 = r.end,
                _ => out.push((r.start, r.end)),
            }
        }
        out
    }

    /// How many slots `node` owns in this view.
    pub fn count(&self, node: NodeId) -> u32 {
        self.ranges
            .iter()
            .filter(|r| r.owner == node)
            .map(|r| u32::from(r.end - r.start) + 1)
            .sum()
    }

    /// Masters owning at least one slot in this view, in id order.
    pub fn masters(&self) -> Vec<NodeId> {
        let mut v: Vec<NodeId> = self.ranges.iter().map(|r| r.owner).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Applies `owner`'s claim of `start..=end` at `epoch` (Redis's
    /// `clusterUpdateSlotsConfigWith`): each slot of it changes hands if its current claim is
    /// older; a claim by the current owner refreshes the epoch. Returns the slots that changed
    /// owner, as `(start, end, previous owner)`.
    pub fn claim(
        &mut self,
        start: u16,
        end: u16,
        owner: NodeId,
        epoch: u64,
    ) -> Vec<(u16, u16, NodeId)> {
        self.assign(start, end, owner, epoch, false)
    }

    /// The config epoch of `node`'s first claim in this view (0: it claims nothing).
    pub fn epoch_of(&self, node: NodeId) -> u64 {
        self.ranges
            .iter()
            .find(|r| r.owner == node)
            .map_or(0, |r| r.epoch)
    }

    /// [`SlotMap::claim`], or with `force` the slots change hands whatever their epoch.
    pub fn assign(
        &mut self,
        start: u16,
        end: u16,
        owner: NodeId,
        epoch: u64,
        force: bool,
    ) -> Vec<(u16, u16, NodeId)> {
        let mut changed = Vec::new();
        let mut out: Vec<Range> = Vec::with_capacity(self.ranges.len() + 2);
        for r in &self.ranges {
            if r.end < start || r.start > end {
                out.push(*r);
                continue;
            }
            let (a, b) = (r.start.max(start), r.end.min(end));
            if r.start < a {
                out.push(Range { end: a - 1, ..*r });
            }
            let mid = if r.owner == owner && epoch >= r.epoch {
                Range {
                    start: a,
                    end: b,
                    owner,
                    epoch,
                }
            } else if r.owner != owner && (epoch > r.epoch || force) {
                changed.push((a, b, r.owner));
                Range {
                    start: a,
                    end: b,
                    owner,
                    epoch,
                }
            } else {
                Range {
                    start: a,
                    end: b,
                    ..*r
                }
            };
            out.push(mid);
            if b < r.end {
                out.push(Range { start: b + 1, ..*r });
            }
        }
        // Neighbours with the same claim merge again.
        let mut merged: Vec<Range> = Vec::with_capacity(out.len());
        for r in out {
            match merged.last_mut() {
                Some(l) if l.owner == r.owner && l.epoch == r.epoch && l.end + 1 == r.start => {
                    l.end = r.end
                }
                _ => merged.push(r),
            }
        }
        self.ranges = merged;
        changed
    }

    /// The first slot two views give to different owners with the same epoch, if any
    /// (never allocates).
    pub fn conflict(&self, other: &SlotMap) -> Option<(u16, u64, NodeId, NodeId)> {
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a, b) = (&self.ranges[i], &other.ranges[j]);
            let lo = a.start.max(b.start);
            if lo <= a.end.min(b.end) && a.epoch == b.epoch && a.owner != b.owner {
                return Some((lo, a.epoch, a.owner, b.owner));
            }
            if a.end < b.end {
                i += 1;
            } else {
                j += 1;
            }
        }
        None
    }
}
