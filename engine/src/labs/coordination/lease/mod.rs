//! Leases (租约, course notes seed 002 §9 "lease机制", and seed 003's Chubby): a metadata
//! **server** (node 0, `S1`) holds a few data items (keys `x`, `y`, … with a value and a
//! version) and `caches` **caches** (nodes 1, 2, …: `c2`, `c3`, …) read through it.
//!
//! Lease mode (`mode=0`, the notes' steps 1–5): a cache that has no valid lease on a key sends
//! `Fetch`; the server answers with the data and a lease of `lease` ms ("在这个有效期内，服务器
//! 保证元数据不会发生变化") — or, when the cache's copy is current, with a `Renew`: a lease and no
//! data (step 5). While its lease is valid the cache serves reads locally. The server records
//! every lease it issues; a write (from a cache, or the server's own `write` command) waits
//! until every lease issued on its key has expired on the server's clock, then installs the new
//! value, pushes it (`Update`, no lease) to the caches that held leases, and answers the
//! fetches that arrived meanwhile with the new data and new leases (step 4).
//!
//! Clocks: a cache starts its lease clock when it *sends* its request (the lease began later,
//! at the server) and shortens the lease by `margin` ms. With every clock's drift ρ below
//! `margin / (2·lease − margin)` ([`Config::drift_bound_ppm`]) the cache's lease ends before
//! the server's, so no cache serves data a write has replaced. A cache whose clock runs slower
//! than that trusts its lease too long and serves stale data (the `lease-slow-clock` preset).
//! Clock drift is a user action on a node, not a parameter, so `no-stale-read` is not a lesson
//! of any configuration: the preset that sets a drift beyond the bound is the lesson.
//!
//! Version mode (`mode=1`, the notes' "版本号" alternative): no leases; every read sends the
//! cache's version to the server (`Check`), which answers `Valid` or the new data. No stale
//! read, but a round trip per read; writes install at once.
//!
//! Chubby's sequencer (`sequencer=1`): a cache's write carries (key, write, generation), the
//! generation being the version of the data its lease covered. The server checks it when the
//! write's turn comes and rejects a write from an old lease holder (a generation older than the
//! data), instead of letting it overwrite a newer write it never saw.
//!
//! Crashes: the server's data and its record of finished writes are on disk; its lease table is
//! not, so a restarted server installs no write for one lease length (a grace period). A cache's
//! copies and leases are in memory; its request and write counters are on disk.
//!
//! Properties (`monitor.rs`): `no-stale-read` (always, history-aware: no read returns a version
//! that a write had replaced before the read began, in true time) and `no-old-holder-write`
//! (always: no write installs over data newer than its sequencer; a lesson with `sequencer=0`).

mod cache;
mod monitor;
mod msg;
mod scenarios;
mod server;
mod texts;
mod view;

pub use cache::{Cache, Item, PendingWrite};
pub use monitor::{pack_read, unpack_read, Monitor};
pub use msg::{key_name, Msg, KEY_NAMES};
pub use server::{Done, Install, Queued, Server, Stored};

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{Arg, CommandSpec, Ctx, NodeKind, NodeStatus, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Most caches.
pub const MAX_CACHES: usize = 16;

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("caches", 3.0, 1.0, MAX_CACHES as f64),
    ParamSpec::int("keys", 2.0, 1.0, 4.0),
    ParamSpec::int("mode", 0.0, 0.0, 1.0),
    ParamSpec::int("lease", 1_000.0, 50.0, 60_000.0),
    ParamSpec::int("margin", 50.0, 0.0, 10_000.0),
    ParamSpec::float("reads", 4.0, 0.0, 50.0),
    ParamSpec::float("writes", 0.3, 0.0, 10.0),
    ParamSpec::int("sequencer", 1.0, 0.0, 1.0),
];

/// Node kinds by index.
pub const SERVER: usize = 0;
pub const CACHE: usize = 1;

/// The server is node 0; the caches follow.
pub const SERVER_NODE: NodeId = 0;

/// The `write` commands' argument: `key,value`.
const WRITE_ARG: Arg = Arg::Text { default: "x,7" };
/// The `read` command's argument: a key.
const READ_ARG: Arg = Arg::Text { default: "x" };

/// Largest value a write may set.
pub const MAX_VALUE: i64 = 999_999;

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub caches: usize,
    pub keys: usize,
    /// Version-number mode: no leases, every read checks the version with the server.
    pub version_mode: bool,
    /// The lease the server grants.
    pub lease: Time,
    /// How much a cache shortens its lease (always below `lease`).
    pub margin: Time,
    /// Random reads per cache per second.
    pub reads: f64,
    /// Random writes per cache per second.
    pub writes: f64,
    /// Writes carry a sequencer the server checks.
    pub sequencer: bool,
    /// A cache's wait before resending a request or a write.
    pub retry: Time,
    /// Test only: the cache starts its lease clock when the reply arrives and takes the whole
    /// lease (no margin).
    #[doc(hidden)]
    pub broken_no_margin: bool,
    /// Test only: the cache never lets a lease expire (only a pushed update replaces it).
    #[doc(hidden)]
    pub broken_no_expiry: bool,
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let lease = p.get_u64("lease").max(1) * MS;
        Config {
            caches: (p.get_u64("caches") as usize).clamp(1, MAX_CACHES),
            keys: (p.get_u64("keys") as usize).clamp(1, KEY_NAMES.len()),
            version_mode: p.get_u64("mode") > 0,
            lease,
            margin: (p.get_u64("margin") * MS).min(lease.saturating_sub(MS)),
            reads: p.get("reads").max(0.0),
            writes: p.get("writes").max(0.0),
            sequencer: p.get_u64("sequencer") > 0,
            retry: 2 * p.get_u64("latency_max") * MS + 100 * MS,
            ..Config::default()
        }
    }

    /// The lease a cache counts (from its request's send time).
    pub fn cache_lease(&self) -> Time {
        self.lease.saturating_sub(self.margin).max(1)
    }

    /// The largest clock drift (ppm, either way, on every node) under which the margin keeps
    /// each cache's lease inside the server's: a cache counts `lease − margin` on a clock
    /// running `1 − ρ` slow, the server `lease` on one running `1 + ρ` fast, so
    /// `(lease − margin) / (1 − ρ) ≤ lease / (1 + ρ)`, i.e. `ρ ≤ margin / (2·lease − margin)`.
    pub fn drift_bound_ppm(&self) -> i64 {
        let d = 2 * self.lease as i128 - self.margin as i128;
        if d <= 0 {
            return 0;
        }
        (self.margin as i128 * 1_000_000 / d) as i64
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Lease> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Lease> {
    NetSession::new(1 + cfg.caches, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Lease>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A cache's next random read / write.
    NextRead,
    NextWrite,
    /// A cache's lease clock on a key, started when it sent its fetch.
    Lease(usize),
    /// A cache resends its request(s) on a key.
    Retry(usize),
    /// A cache resends its write.
    WriteRetry,
    /// The server: the last lease issued on a key has expired.
    Free(usize),
    /// The server: the grace period after a restart is over.
    Grace,
    /// The server: install the next write queued on a key.
    Install(usize),
}

/// One node: the server or a cache.
#[derive(Clone, Debug)]
pub struct Lease {
    pub id: NodeId,
    cfg: Config,
    /// Persistent: how many times the node started.
    pub boots: u64,
    /// The server's state (empty on caches).
    pub server: Server,
    /// A cache's state (empty on the server).
    pub cache: Cache,
}

impl Lease {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn is_server(&self) -> bool {
        self.id == SERVER_NODE
    }
}

/// Parses `key,value` (`x,7`) for `keys` keys.
pub fn parse_write(arg: Option<&str>, keys: usize) -> Option<(usize, i64)> {
    let (k, v) = arg?.split_once(',')?;
    let key = parse_key(Some(k), keys)?;
    let value = v
        .parse::<i64>()
        .ok()
        .filter(|v| (0..=MAX_VALUE).contains(v))?;
    Some((key, value))
}

/// Parses a key name (`x`) for `keys` keys.
pub fn parse_key(arg: Option<&str>, keys: usize) -> Option<usize> {
    let a = arg?;
    KEY_NAMES.iter().take(keys).position(|k| *k == a)
}

impl Protocol for Lease {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("no-stale-read"),
        Property::always("no-old-holder-write"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "lease.server",
            "S",
            Shape::Hexagon,
            &[CommandSpec {
                name: "set",
                arg: WRITE_ARG,
            }],
        ),
        NodeKind::new(
            "lease.cache",
            "c",
            Shape::Square,
            &[
                CommandSpec {
                    name: "read",
                    arg: READ_ARG,
                },
                CommandSpec {
                    name: "set",
                    arg: WRITE_ARG,
                },
            ],
        ),
    ];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        Lease {
            id,
            cfg: cfg.clone(),
            boots: 0,
            server: if id == SERVER_NODE {
                Server::new(cfg)
            } else {
                Server::default()
            },
            cache: if id == SERVER_NODE {
                Cache::default()
            } else {
                Cache::new(cfg)
            },
        }
    }

    fn kind(&self) -> usize {
        if self.is_server() {
            SERVER
        } else {
            CACHE
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        if self.is_server() {
            self.server_start(ctx);
        } else {
            self.cache_start(ctx);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        if self.is_server() {
            self.server_msg(from, msg, ctx);
        } else {
            self.cache_msg(msg, ctx);
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        if self.is_server() {
            self.server_timer(timer, ctx);
        } else {
            self.cache_timer(timer, ctx);
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        let keys = self.cfg.keys;
        match command {
            "set" => match parse_write(arg, keys) {
                Some((key, value)) if self.is_server() => self.server_write(key, value, ctx),
                Some((key, value)) => self.cache_write(key, value, ctx),
                None => ctx.note("lease.bad_arg", keys as u64),
            },
            "read" if !self.is_server() => match parse_key(arg, keys) {
                Some(key) => self.cache_read(key, ctx),
                None => ctx.note("lease.bad_arg", keys as u64),
            },
            _ => {}
        }
    }

    fn on_crash(&mut self) {
        if self.is_server() {
            self.server.crash();
        } else {
            self.cache.crash();
        }
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::NextRead => "lease.next_read",
            Timer::NextWrite => "lease.next_write",
            Timer::Lease(_) => "lease.lease",
            Timer::Retry(_) => "lease.retry",
            Timer::WriteRetry => "lease.write_retry",
            Timer::Free(_) => "lease.free",
            Timer::Grace => "lease.grace",
            Timer::Install(_) => "lease.install",
        }
    }

    crate::monitor_hooks!(observe);

    fn check_eventually(
        _monitor: &Monitor,
        _now: Time,
        _nodes: &[Self],
        _status: &[NodeStatus],
        _found: &mut crate::sim::Found,
    ) {
    }
}
