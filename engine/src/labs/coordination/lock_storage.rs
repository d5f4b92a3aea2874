//! What every lock lab (`lock-db`, `lock-redis`, `lock-redlock`, `lock-zk`) shares: the
//! **storage service** that clients write while they believe they hold the lock, and the
//! *mutual exclusion* check on the storage's own history. Seeds 001 and 004 (分布式锁) say a
//! lock exists so that "不同机器上的服务都能互斥的访问到" a shared resource; this is that
//! resource, so each lab shows the same thing: whether its lock really kept two writers apart.
//!
//! ## The storage node
//!
//! A client that holds the lock runs a *critical section*: a sequence of writes, steps
//! `1..=n`, each a [`StoreMsg::Write`] carrying the section's id (unique per client and
//! acquisition), the step, whether it is the last one, and — with fencing on the client side —
//! the fencing token the lock handed out. The storage answers [`StoreMsg::WriteOk`] or, when
//! [`Storage::fencing`] is on and the token is older (smaller) than the highest it has
//! accepted, [`StoreMsg::WriteRejected`]. Its state (highest token, counters, the recent
//! writes) is on disk: it survives crashes.
//!
//! A read/write lock's readers run *read sections* instead: [`StoreMsg::Read`] steps, answered
//! [`StoreMsg::ReadOk`] (or [`StoreMsg::WriteRejected`] when fenced). With fencing the storage
//! rejects a write whose token is older than the highest it has accepted (read or write), and a
//! read whose token is older than the highest *write* it has accepted (readers holding the lock
//! together may arrive in any order).
//!
//! ## The check
//!
//! [`MutexChecker`] reads every write the storage accepts (in order) and reports a violation
//! when **two sections interleave**: a section that has begun and not ended (its last step not
//! yet written) writes again after another section's write was accepted since its own previous
//! write — "client B wrote while client A's section, begun earlier, was unfinished, and A went
//! on writing". A read section conflicts only with writes: two readers' sections may interleave,
//! but a read section that reads again after another section's write, or a write section that
//! writes again after anyone's read or write since its own, is a violation. A section abandoned by a crash is not by itself a violation (nobody else's
//! write is mixed into it); a stale write arriving after the section ended counts against the
//! section it lands in. With fencing, tokens grow with each grant, so once a newer section's
//! write is accepted every older section's write is rejected and the check cannot fail.
//!
//! ## Using it in another lock lab
//!
//! 1. Keys: `const KEYS: StorageKeys = lock_storage_keys!("lock-db");` and the lab's texts
//!    built with `lock_storage_texts!("lock-db", [ …the lab's own rows… ])`, which appends the
//!    storage's strings under the lab's prefix (keys stay unique across labs and bundles).
//! 2. Messages: one variant `Store(StoreMsg)` in the lab's message enum; its `Message` impl
//!    forwards `kind`, `hash_into` and `fields` to the [`StoreMsg`] ones.
//! 3. Node: the storage node holds a [`Storage`] (`Storage::new(fencing)`) and forwards
//!    `Store` messages to [`Storage::handle`] with a function wrapping replies back into the
//!    lab's enum; clients send [`StoreMsg::Write`] and read the replies.
//! 4. Property: `Property::always(KEYS.property)`; the lab's monitor holds a [`MutexChecker`]
//!    and calls [`MutexChecker::observe`] from `observe`. Make the property a lesson
//!    (`NetLab::lessons`) where the configuration is built to break it (no fencing).
//!    A holder builds each write with [`StoreMsg::write`] and reads the replies with
//!    [`StoreMsg::reply_for`] (next step, done, fenced off, or not for it).
//! 5. View: [`Storage::role`], [`Storage::badge`], [`Storage::details`] and
//!    [`Storage::panels`] draw the node.

use std::collections::{BTreeMap, VecDeque};

use crate::labs::Panel;
use crate::sim::{Ctx, Found, Message, Observed, Protocol, TraceHasher, TraceKind};
use crate::{NodeId, Time};

/// The keys (notes, roles, details, panel, property) a lab's storage uses, all under its
/// prefix; built by [`lock_storage_keys!`].
#[derive(Debug)]
pub struct StorageKeys {
    pub property: &'static str,
    pub kind: &'static str,
    pub note_accept: &'static str,
    pub note_reject: &'static str,
    pub note_read: &'static str,
    pub role_idle: &'static str,
    pub role_written: &'static str,
    pub role_fenced: &'static str,
    pub detail_highest: &'static str,
    pub detail_accepted: &'static str,
    pub detail_rejected: &'static str,
    pub detail_writer: &'static str,
    pub panel: &'static str,
    pub col_client: &'static str,
    pub col_section: &'static str,
    pub col_step: &'static str,
    pub col_token: &'static str,
    pub col_result: &'static str,
}

/// The storage's keys under a lab's prefix.
#[macro_export]
macro_rules! lock_storage_keys {
    ($lab:literal) => {
        $crate::labs::coordination::lock_storage::StorageKeys {
            property: concat!($lab, ".mutual-exclusion"),
            kind: concat!($lab, ".storage"),
            note_accept: concat!($lab, ".store_write"),
            note_reject: concat!($lab, ".store_reject"),
            note_read: concat!($lab, ".store_read"),
            role_idle: concat!($lab, ".store_idle"),
            role_written: concat!($lab, ".store_written"),
            role_fenced: concat!($lab, ".store_fenced"),
            detail_highest: concat!($lab, ".store_highest"),
            detail_accepted: concat!($lab, ".store_accepted"),
            detail_rejected: concat!($lab, ".store_rejected"),
            detail_writer: concat!($lab, ".store_writer"),
            panel: concat!($lab, ".store_panel"),
            col_client: concat!($lab, ".store_col_client"),
            col_section: concat!($lab, ".store_col_section"),
            col_step: concat!($lab, ".store_col_step"),
            col_token: concat!($lab, ".store_col_token"),
            col_result: concat!($lab, ".store_col_result"),
        }
    };
}

/// A lab's text table: its own rows, then the storage's strings under its prefix.
#[macro_export]
macro_rules! lock_storage_texts {
    ($lab:literal, [$($row:expr),* $(,)?]) => {
        &[
            $($row,)*
            (concat!("inv.", $lab, ".mutual-exclusion"), "Mutual exclusion on the storage: no two clients' critical sections interleave in the storage's history (a section that began earlier never writes again after another client's write)", "存储上的互斥：存储的历史中任何两个客户端的临界区都不交错（先开始的临界区在另一个客户端写入之后不会再写）"),
            (concat!("kind.", $lab, ".storage"), "Storage service (the shared resource)", "存储服务（共享资源）"),
            (concat!("note.", $lab, ".store_write"), "accepts write #{0}", "接受第 {0} 次写入"),
            (concat!("note.", $lab, ".store_reject"), "rejects a write with the stale fencing token {0}", "拒绝携带过期防护令牌 {0} 的写入"),
            (concat!("note.", $lab, ".store_read"), "serves a read (access #{0})", "处理一次读取（第 {0} 次访问）"),
            (concat!("role.", $lab, ".store_idle"), "Storage (not written yet)", "存储（尚未写入）"),
            (concat!("role.", $lab, ".store_written"), "Storage", "存储"),
            (concat!("role.", $lab, ".store_fenced"), "Storage (has rejected stale writes)", "存储（已拒绝过期写入）"),
            (concat!("detail.", $lab, ".store_highest"), "Highest fencing token accepted", "已接受的最大防护令牌"),
            (concat!("detail.", $lab, ".store_accepted"), "Writes accepted", "已接受的写入"),
            (concat!("detail.", $lab, ".store_rejected"), "Stale writes rejected", "被拒绝的过期写入"),
            (concat!("detail.", $lab, ".store_writer"), "Last writer", "最近的写入者"),
            (concat!($lab, ".store_panel"), "Recent writes (newest last)", "最近的写入（最新在后）"),
            (concat!($lab, ".store_col_client"), "Client", "客户端"),
            (concat!($lab, ".store_col_section"), "Section", "临界区"),
            (concat!($lab, ".store_col_step"), "Step", "步骤"),
            (concat!($lab, ".store_col_token"), "Token", "令牌"),
            (concat!($lab, ".store_col_result"), "Result", "结果"),
        ]
    };
}

/// Messages to and from the storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreMsg {
    /// Client → storage: step `step` of critical section `section` (`last`: its final step),
    /// with the fencing token if the client uses one.
    Write {
        section: u64,
        step: u32,
        last: bool,
        token: Option<u64>,
    },
    /// Storage → client: written.
    WriteOk { section: u64, step: u32 },
    /// Client → storage: step `step` of read section `section` (a read/write lock's reader).
    Read {
        section: u64,
        step: u32,
        last: bool,
        token: Option<u64>,
    },
    /// Storage → client: read.
    ReadOk { section: u64, step: u32 },
    /// Storage → client: refused (a write or a read), the token is older than `highest`.
    WriteRejected {
        section: u64,
        step: u32,
        highest: u64,
    },
}

/// What a client holding the lock makes of a storage reply (see [`StoreMsg::reply_for`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionReply {
    /// The current step was written: wait `work`, then write the next.
    Next,
    /// The last step was written: release.
    Done,
    /// The write was rejected: the storage has accepted this newer token. Give up, release.
    Fenced(u64),
    /// Not about the current step of this section.
    Ignore,
}

impl StoreMsg {
    /// Step `step` of `steps` of section `section`, with the fencing token if one is used.
    pub fn write(section: u64, step: u32, steps: u32, token: Option<u64>) -> StoreMsg {
        StoreMsg::Write {
            section,
            step,
            last: step >= steps,
            token,
        }
    }

    /// A holder's reading of this reply, its section `section` being at step `step` of
    /// `steps` (the lock labs' clients share it).
    pub fn reply_for(&self, section: u64, step: u32, steps: u32) -> SectionReply {
        match *self {
            StoreMsg::WriteOk {
                section: s,
                step: t,
            } if s == section && t == step => {
                if step >= steps {
                    SectionReply::Done
                } else {
                    SectionReply::Next
                }
            }
            StoreMsg::WriteRejected {
                section: s,
                highest,
                ..
            } if s == section => SectionReply::Fenced(highest),
            _ => SectionReply::Ignore,
        }
    }
}

impl Message for StoreMsg {
    fn kind(&self) -> &'static str {
        match self {
            StoreMsg::Write { .. } => "Write",
            StoreMsg::WriteOk { .. } => "WriteOk",
            StoreMsg::Read { .. } => "Read",
            StoreMsg::ReadOk { .. } => "ReadOk",
            StoreMsg::WriteRejected { .. } => "WriteRejected",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            StoreMsg::Write {
                section,
                step,
                last,
                token,
            }
            | StoreMsg::Read {
                section,
                step,
                last,
                token,
            } => {
                h.u64(*section);
                h.u64(u64::from(*step));
                h.u64(u64::from(*last));
                h.u64(token.map_or(0, |t| t + 1));
            }
            StoreMsg::WriteOk { section, step } | StoreMsg::ReadOk { section, step } => {
                h.u64(*section);
                h.u64(u64::from(*step));
            }
            StoreMsg::WriteRejected {
                section,
                step,
                highest,
            } => {
                h.u64(*section);
                h.u64(u64::from(*step));
                h.u64(*highest);
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            StoreMsg::Write {
                section,
                step,
                last,
                token,
            }
            | StoreMsg::Read {
                section,
                step,
                last,
                token,
            } => vec![
                ("section", section_name(*section)),
                ("step", step.to_string()),
                ("last", last.to_string()),
                ("token", token.map_or("-".into(), |t| t.to_string())),
            ],
            StoreMsg::WriteOk { section, step } | StoreMsg::ReadOk { section, step } => vec![
                ("section", section_name(*section)),
                ("step", step.to_string()),
            ],
            StoreMsg::WriteRejected {
                section,
                step,
                highest,
            } => vec![
                ("section", section_name(*section)),
                ("step", step.to_string()),
                ("highest", highest.to_string()),
            ],
        }
    }
}

/// A section id from a client node and its own sequence number.
pub fn section_id(client: NodeId, seq: u64) -> u64 {
    ((client as u64 + 1) << 32) | (seq & 0xFFFF_FFFF)
}

/// How a section id reads: `c3#2` (client c3's second).
pub fn section_name(section: u64) -> String {
    format!("c{}#{}", section >> 32, section & 0xFFFF_FFFF)
}

/// The client node a section id belongs to.
pub fn section_client(section: u64) -> NodeId {
    ((section >> 32) as NodeId).saturating_sub(1)
}

/// One write the storage handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteRec {
    pub at: Time,
    pub client: NodeId,
    pub section: u64,
    pub step: u32,
    pub last: bool,
    pub token: Option<u64>,
    pub accepted: bool,
    /// A read (a read/write lock's reader), not a write.
    pub read: bool,
}

/// Writes the inspector keeps.
const RECENT: usize = 10;

/// The storage service's state (all on disk).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Storage {
    /// Reject a token older than the highest accepted.
    pub fencing: bool,
    /// Test only: accepts every write whatever its token (the checker must catch it).
    #[doc(hidden)]
    pub broken_ignore_tokens: bool,
    pub highest: u64,
    /// The highest token of an accepted write (reads are checked against it).
    pub highest_write: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// The last write accepted.
    pub last: Option<WriteRec>,
    /// The newest writes handled, accepted or not.
    pub recent: VecDeque<WriteRec>,
}

impl Storage {
    pub fn new(fencing: bool) -> Storage {
        Storage {
            fencing,
            ..Storage::default()
        }
    }

    /// Handles a storage message from `from`; replies go out wrapped by `wrap`.
    pub fn handle<P: Protocol>(
        &mut self,
        keys: &StorageKeys,
        from: NodeId,
        msg: StoreMsg,
        ctx: &mut Ctx<P>,
        wrap: fn(StoreMsg) -> P::Msg,
    ) {
        let (section, step, last, token, read) = match msg {
            StoreMsg::Write {
                section,
                step,
                last,
                token,
            } => (section, step, last, token, false),
            StoreMsg::Read {
                section,
                step,
                last,
                token,
            } => (section, step, last, token, true),
            _ => return,
        };
        let bar = if read {
            self.highest_write
        } else {
            self.highest
        };
        let stale = self.fencing && !self.broken_ignore_tokens && token.is_some_and(|t| t < bar);
        let rec = WriteRec {
            at: ctx.now,
            client: from,
            section,
            step,
            last,
            token,
            accepted: !stale,
            read,
        };
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(rec);
        if stale {
            self.rejected += 1;
            ctx.note(keys.note_reject, token.unwrap_or(0));
            let highest = bar;
            ctx.send(
                from,
                wrap(StoreMsg::WriteRejected {
                    section,
                    step,
                    highest,
                }),
            );
            return;
        }
        if let Some(t) = token {
            self.highest = self.highest.max(t);
            if !read {
                self.highest_write = self.highest_write.max(t);
            }
        }
        self.accepted += 1;
        self.last = Some(rec);
        if read {
            ctx.note(keys.note_read, self.accepted);
            ctx.send(from, wrap(StoreMsg::ReadOk { section, step }));
        } else {
            ctx.note(keys.note_accept, self.accepted);
            ctx.send(from, wrap(StoreMsg::WriteOk { section, step }));
        }
    }

    pub fn role(&self, keys: &StorageKeys) -> &'static str {
        if self.rejected > 0 {
            keys.role_fenced
        } else if self.accepted > 0 {
            keys.role_written
        } else {
            keys.role_idle
        }
    }

    pub fn badge(&self) -> String {
        format!("{}|{}", self.accepted, self.rejected)
    }

    pub fn details(&self, keys: &StorageKeys) -> Vec<(&'static str, String)> {
        vec![
            (keys.detail_accepted, self.accepted.to_string()),
            (keys.detail_rejected, self.rejected.to_string()),
            (keys.detail_highest, self.highest.to_string()),
            (
                keys.detail_writer,
                self.last
                    .map_or("-".into(), |w| format!("c{}", w.client + 1)),
            ),
        ]
    }

    pub fn panels(&self, keys: &StorageKeys) -> Vec<Panel> {
        vec![Panel::Table {
            title: keys.panel,
            columns: vec![
                keys.col_client,
                keys.col_section,
                keys.col_step,
                keys.col_token,
                keys.col_result,
            ],
            rows: self
                .recent
                .iter()
                .map(|w| {
                    vec![
                        format!("c{}", w.client + 1),
                        section_name(w.section),
                        format!(
                            "{}{}{}",
                            if w.read { "read " } else { "" },
                            w.step,
                            if w.last { " (last)" } else { "" }
                        ),
                        w.token.map_or("-".into(), |t| t.to_string()),
                        if w.accepted { "OK" } else { "REJECTED" }.into(),
                    ]
                })
                .collect(),
        }]
    }
}

/// Open sections kept at most (the oldest are forgotten beyond this).
const MAX_OPEN: usize = 256;

/// One open section: its first access's time and token, the index of its latest access.
#[derive(Clone, Copy, Debug)]
struct Open {
    began: Time,
    token: Option<u64>,
    last: u64,
}

/// The mutual-exclusion check on the storage's history of accepted accesses (writes, and a
/// read/write lock's reads).
#[derive(Clone, Debug, Default)]
pub struct MutexChecker {
    /// The section of the last accepted access, and whether it was a read.
    current: Option<(u64, bool)>,
    /// The section and index of the last accepted write.
    last_write: Option<(u64, u64)>,
    /// Accesses accepted so far.
    count: u64,
    /// Sections begun and not ended.
    open: BTreeMap<u64, Open>,
    /// Interleavings found.
    pub violations: u64,
}

impl MutexChecker {
    /// Feeds the checker from a trace record: an accept (or read) note of `storage` node
    /// (whose state `storage_of` reads) is one accepted access.
    pub fn observe<P: Protocol>(
        &mut self,
        keys: &StorageKeys,
        seen: &Observed<P>,
        storage_of: impl Fn(&P) -> Option<&Storage>,
        found: &mut Found,
    ) {
        let TraceKind::Note { key, node, .. } = &seen.record.kind else {
            return;
        };
        if *key != keys.note_accept && *key != keys.note_read {
            return;
        }
        let Some(w) = seen
            .nodes
            .get(*node)
            .and_then(&storage_of)
            .and_then(|s| s.last)
        else {
            return;
        };
        self.accept(keys, &w, found);
    }

    /// One accepted access, in the storage's order. A write conflicts with any other
    /// section's access since the section's previous one; a read only with another's write.
    pub fn accept(&mut self, keys: &StorageKeys, w: &WriteRec, found: &mut Found) {
        self.count += 1;
        if let Some(&o) = self.open.get(&w.section) {
            let other = if w.read {
                self.last_write
                    .filter(|&(s, at)| s != w.section && at > o.last)
                    .map(|(s, _)| (s, false))
            } else {
                self.current.filter(|&(s, _)| s != w.section)
            };
            if let Some((other, other_read)) = other {
                self.violations += 1;
                let tok = |t: Option<u64>| t.map_or(String::new(), |t| format!(" (token {t})"));
                found.push((
                    keys.property,
                    format!(
                        "{}'s section {}{} began at {} ms and was unfinished when {} {}; it {} step {} at {} ms after that",
                        client_name(w.section),
                        section_name(w.section),
                        tok(o.token),
                        o.began / 1_000,
                        client_name(other),
                        if other_read { "read" } else { "wrote" },
                        if w.read { "read" } else { "wrote" },
                        w.step,
                        w.at / 1_000
                    ),
                ));
            }
        }
        if w.last {
            self.open.remove(&w.section);
        } else if let Some(o) = self.open.get_mut(&w.section) {
            o.last = self.count;
        } else {
            if self.open.len() >= MAX_OPEN {
                self.open.pop_first();
            }
            self.open.insert(
                w.section,
                Open {
                    began: w.at,
                    token: w.token,
                    last: self.count,
                },
            );
        }
        if !w.read {
            self.last_write = Some((w.section, self.count));
        }
        self.current = Some((w.section, w.read));
    }
}

fn client_name(section: u64) -> String {
    format!("c{}", section >> 32)
}
