//! DistLab's engine: a deterministic, sans-IO simulation kernel and the labs that run on it.
//!
//! Nothing in this crate touches the web, the wall clock or OS randomness: the same lab,
//! parameters, seed and user-action log always give the same trace, natively and in wasm.
//! The web app (the workspace's root package) and the `distlab` command-line runner both
//! drive labs through [`labs::LabSession`].

pub mod batch;
#[cfg(feature = "summaries")]
pub mod bench;
pub mod calc;
pub mod check;
pub mod export;
pub mod faults;
pub mod input;
pub mod labs;
pub mod params;
pub mod scenario;
pub mod sim;

/// Virtual time in microseconds.
pub type Time = u64;

/// One millisecond of virtual time.
pub const MS: Time = 1_000;

/// Parses `250us`, `500ms`, `2s`, `1m`, `1h` or plain milliseconds into virtual time (up to
/// 10¹³ µs); `None` for anything else.
pub fn parse_duration(s: &str) -> Option<Time> {
    let s = s.trim();
    let (num, unit) = [
        ("us", 1),
        ("ms", MS),
        ("s", 1000 * MS),
        ("m", 60_000 * MS),
        ("h", 3_600_000 * MS),
    ]
    .iter()
    .find_map(|&(suffix, unit)| s.strip_suffix(suffix).map(|v| (v, unit)))
    .unwrap_or((s, MS));
    let v: f64 = num.trim().parse().ok()?;
    let us = v * unit as f64;
    (v.is_finite() && (0.0..=1e13).contains(&us)).then_some(us as Time)
}

/// Index of a node in a simulation (0-based; shown to users as `n1`, `n2`, ...).
pub type NodeId = usize;

/// Trace hash of the pinned reference run: `lab=raft&seed=42` (5 nodes, every other parameter
/// at its default, no user actions), run to 5 s of virtual time through
/// [`labs::create`] and [`labs::LabSession::run_until`].
///
/// The engine's tests assert this value natively and the browser tests assert it for the wasm
/// build, so the two builds are known to compute the same runs. It is *meant* to change when
/// the engine's behaviour changes on purpose (a new event order, a different random draw, a
/// change to Raft or to the trace encoding): update it in the same commit and say why. If it
/// changes when you did not mean to change behaviour, that is a determinism bug.
///
/// History: `749bfb14…` with the first trace encoding (every field as 8 bytes); changed to the
/// compact encoding (varints, time deltas, no redundant fields; see [`sim::TraceHasher`]),
/// which hashes about a fifth of the bytes. The runs themselves did not change. Then changed
/// again when trace notes became a translatable key and a number instead of English text.
/// Then changed when Raft gained log replication: AppendReply carries the follower's log
/// length (and a rejection's index), so every reply hashes one more field; the election
/// itself (who wins, when) is the same.
/// Then changed when the trace hash moved from SHA-256 to 128-bit XXH3 (same encoding; in wasm
/// SHA-256 had no hardware help and took most of the engine's time).
/// Raft's log compaction (engine version 3) left it as it was: the reference run has no client
/// writes, so nothing is ever snapshotted (runs with writes did change; see [`ENGINE_VERSION`]).
pub const GOLDEN_RAFT_SEED42_5S: &str = "ec8946422bd3eda0dfe41ca23bd1d20c";

/// The engine's behaviour version, carried by share links as `v=`: bump it whenever the same
/// lab, seed, parameters and actions can play out differently (a protocol's rules, the
/// network model, the random stream), so that a link made before says its replay may differ
/// from what was shared (see [`input::InputError::OtherEngine`]).
///
/// History: 1 — links made up to the Raft lab's log replication and membership changes (they
/// carry no `v`); 2 — Raft servers withhold votes from higher-term candidates while they hear
/// from a leader (the dissertation's §4.2.3), which changes runs where a candidate starts an
/// election while a leader is alive; 3 — Raft compacts its logs into snapshots (by default every
/// 50 applied entries) and catches far-behind followers up with InstallSnapshot, which changes
/// runs with client writes. (`snapshot_every=0` turns compaction off, and a version-2 run
/// then replays exactly: the golden run has no writes and kept its hash.)
pub const ENGINE_VERSION: u32 = 3;
