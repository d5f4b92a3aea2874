//! Proof of work (PoW，工作量证明), course notes seed 001: "以每个节点的计算能力来竞争记账权" —
//! miners compete for the right to add the next block with their computing power.
//!
//! `miners` **miners** (nodes 0, 1, …: `m1`, `m2`, …) and one **client** (the last node,
//! `c…`). A block is SHA-256 over (index, previous hash, timestamp, data, nonce) — real
//! hashing, the `sha2` crate — and counts only if its hash starts with `difficulty` zero hex
//! digits: on average 16^k tries. Each miner has a hash power (`power=1,1,2`, or `last_share`:
//! the last miner's percentage of the total), and tries `power × hashrate` nonces per `tick`
//! of virtual time, so its chance of the next block is its share of the power.
//!
//! The notes' four steps: the client broadcasts a payment (`pay`, or `rate` a second); each
//! miner puts pending payments in its block and searches for a nonce; the winner broadcasts
//! the block; the others check it (hash, difficulty, parent, no coin spent twice) and mine on
//! top of it. Blocks take the network's latency to arrive, so two miners may find a block at
//! nearly the same height: a fork, settled when one branch grows longer (the longest chain,
//! the most work with one difficulty) and every node switches to it; the other branch's
//! blocks are orphaned. A node that gets a block whose parent it lacks asks the sender for it
//! (`GetBlock`), back to a block it has.
//!
//! The client takes a payment as settled once it is `confirmations` blocks deep. A miner with
//! over half the power (the `doublespend` command) pays the client in public while mining a
//! private branch that pays the same coin to itself, and publishes it when it is longer: the
//! payment's block is orphaned, the payment undone (Nakamoto's §11 gives the chance of that
//! for a share q and depth z: `chain::attacker_success`, `distlab calc pow`).
//!
//! Properties (`monitor.rs`): `valid-chain` (always: every block on every node's best chain
//! hashes right, meets the difficulty and links to its parent at the next height),
//! `longest-chain` (always: each node's tip is the highest block it stores), `no-reversal`
//! (always, a lesson: a payment confirmed on a node's chain stays on it — the 51% attack and a
//! long partition break it) and `prefix-agreement` (eventually, when no partition is open and
//! no crash, restart or partition happened in the last 2 s: the running nodes agree on every
//! block 6 or more below the lowest tip).

mod chain;
mod miner;
mod monitor;
mod msg;
mod node;
mod scenarios;
mod texts;
mod view;

pub use chain::{
    attacker_success, expected_tries, hash_u64, hash_with_nonce, header_state, meets, safe_depth,
    short, zero_digits, Block, BlockRef, Hash, Tx,
};
pub use miner::{Attack, Template, GIVE_UP};
pub use monitor::{Monitor, SETTLE_DEPTH};
pub use msg::Msg;
pub use node::{PayState, Payment};

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::params::{InputError, TextSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Most miners.
pub const MAX_MINERS: usize = 12;
/// Transactions per block at most.
pub const BLOCK_TXS: usize = 8;
/// Pending transactions a miner keeps at most.
pub const MEMPOOL_MAX: usize = 256;

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("miners", 4.0, 2.0, MAX_MINERS as f64),
    ParamSpec::int("difficulty", 3.0, 1.0, 4.0),
    ParamSpec::int("hashrate", 20.0, 1.0, 5_000.0),
    ParamSpec::int("tick", 10.0, 1.0, 1_000.0),
    ParamSpec::int("last_share", 0.0, 0.0, 95.0),
    ParamSpec::int("confirmations", 3.0, 1.0, 20.0),
    ParamSpec::float("rate", 1.0, 0.0, 20.0),
];

/// `power=1,1,2`: each miner's hash power (missing ones 1).
pub const TEXT_PARAMS: &[TextSpec] = &[TextSpec {
    key: "power",
    default: "",
    check: check_power,
}];

/// `1,1,2` → powers (each 1..=1000, at most [`MAX_MINERS`]); empty → none.
pub fn parse_power(v: &str) -> Result<Vec<f64>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let list: Result<Vec<f64>, String> = v
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<u32>()
                .ok()
                .filter(|p| (1..=1_000).contains(p))
                .map(f64::from)
                .ok_or_else(|| format!("`{}` is not a hash power from 1 to 1000", s.trim()))
        })
        .collect();
    let list = list?;
    if list.len() > MAX_MINERS {
        return Err(format!("at most {MAX_MINERS} values"));
    }
    Ok(list)
}

fn check_power(v: &str) -> Result<(), String> {
    parse_power(v).map(|_| ())
}

/// Node kinds by index.
pub const MINER: usize = 0;
pub const CLIENT: usize = 1;

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub miners: usize,
    /// Each miner's hash power.
    pub power: Vec<f64>,
    /// Leading zero hex digits a block's hash needs (k).
    pub difficulty: u32,
    /// Tries per tick per unit of hash power.
    pub hashrate: u64,
    /// The mining timer's period.
    pub tick: Time,
    /// Depth at which the client takes a payment as settled (z).
    pub confirmations: u64,
    /// The client's random payments per second.
    pub rate: f64,
    /// Test only: miner 0 takes the first nonce it tries, whatever its hash.
    #[doc(hidden)]
    pub broken_cheat: bool,
    /// Test only: nodes take blocks without checking their proof of work.
    #[doc(hidden)]
    pub broken_accept_any: bool,
    /// Test only: nodes only ever extend their own tip, never switch to a longer branch.
    #[doc(hidden)]
    pub broken_no_switch: bool,
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let miners = (p.get_u64("miners") as usize).clamp(2, MAX_MINERS);
        let list = parse_power(p.text("power")).unwrap_or_default();
        let mut power: Vec<f64> = (0..miners)
            .map(|i| list.get(i).copied().unwrap_or(1.0))
            .collect();
        let share = p.get_u64("last_share").min(95) as f64 / 100.0;
        if share > 0.0 {
            let others: f64 = power[..miners - 1].iter().sum();
            power[miners - 1] = others * share / (1.0 - share);
        }
        Config {
            miners,
            power,
            difficulty: p.get_u64("difficulty").clamp(1, 4) as u32,
            hashrate: p.get_u64("hashrate").max(1),
            tick: p.get_u64("tick").max(1) * MS,
            confirmations: p.get_u64("confirmations").max(1),
            rate: p.get("rate").max(0.0),
            ..Config::default()
        }
    }

    /// Each miner's share of the total hash power.
    pub fn share(&self, miner: usize) -> f64 {
        let total: f64 = self.power.iter().sum();
        self.power
            .get(miner)
            .map_or(0.0, |p| p / total.max(f64::MIN_POSITIVE))
    }

    /// The client's node id.
    pub fn client(&self) -> NodeId {
        self.miners
    }

    /// Expected virtual time between blocks (all miners together).
    pub fn expected_interval(&self) -> Time {
        let per_tick: f64 = self.power.iter().sum::<f64>() * self.hashrate as f64;
        let ticks = expected_tries(self.difficulty) / per_tick.max(1e-9);
        (ticks * self.tick as f64) as Time
    }
}

/// Cross-parameter check: no more powers than miners.
pub fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
    let miners = p.get_u64("miners") as usize;
    if let Ok(list) = parse_power(p.text("power")) {
        if list.len() > miners {
            p.reject_text(
                "power",
                format!("at most one hash power per miner: {miners} values"),
                errors,
            );
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Pow> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Pow> {
    NetSession::new(cfg.miners + 1, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Pow>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A miner's batch of tries.
    Mine,
    /// The client's next random payment.
    Pay,
    /// Ask again for a missing parent.
    Sync,
}

/// One node: a miner or the client.
#[derive(Clone, Debug)]
pub struct Pow {
    pub id: NodeId,
    cfg: Arc<Config>,
    pub power: f64,
    pub genesis: Hash,
    /// Persistent: every block stored, each one linked to the genesis block.
    pub blocks: BTreeMap<Hash, BlockRef>,
    /// Persistent: the best chain, `chain[h]` the block at height h.
    pub chain: Vec<Hash>,
    /// Persistent counters.
    pub tries: u64,
    pub found: u64,
    pub reorgs: u64,
    pub orphaned: u64,
    pub deepest_reorg: u64,
    pub next_tx: u64,
    /// Payments this node makes or gets, with their state (on disk: a wallet).
    pub payments: Vec<Payment>,
    /// Volatile: blocks whose parent is unknown yet.
    pub pool: Vec<BlockRef>,
    /// Volatile: pending payments (miners).
    pub mempool: BTreeMap<u64, Tx>,
    /// Volatile: the block being mined.
    pub template: Option<Template>,
    carry: f64,
    /// Volatile: a `Sync` timer is pending.
    sync_armed: bool,
    /// Volatile: a double-spend attack under way.
    pub attack: Option<Attack>,
}

impl Pow {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn is_miner(&self) -> bool {
        self.id < self.cfg.miners
    }

    fn pay(&mut self, amount: u32, ctx: &mut Ctx<Self>) {
        let payee = ctx.random_index(self.cfg.miners);
        let tx = self.new_tx(payee, amount);
        ctx.note("pow.pay", tx.id);
        self.watch(tx);
        ctx.broadcast(Msg::Tx(tx));
    }

    fn schedule_payment(&self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            let mean = (1_000.0 / self.cfg.rate) as Time * MS;
            let after = ctx.random_between(mean / 2, mean * 3 / 2);
            ctx.set_timer(Timer::Pay, after);
        }
    }
}

impl Protocol for Pow {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("valid-chain"),
        Property::always("longest-chain"),
        Property::always("no-reversal").lesson(),
        Property::eventually("prefix-agreement"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "pow.miner",
            "m",
            Shape::Circle,
            &[CommandSpec::int("doublespend", 1, 1_000, 50)],
        ),
        NodeKind::new(
            "client",
            "c",
            Shape::Square,
            &[CommandSpec::int("pay", 1, 1_000, 10)],
        ),
    ];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let g = Arc::new(Block::genesis());
        let genesis = g.hash;
        let mut blocks = BTreeMap::new();
        blocks.insert(genesis, g);
        Pow {
            id,
            power: cfg.power.get(id).copied().unwrap_or(0.0),
            cfg: Arc::new(cfg.clone()),
            genesis,
            blocks,
            chain: vec![genesis],
            tries: 0,
            found: 0,
            reorgs: 0,
            orphaned: 0,
            deepest_reorg: 0,
            next_tx: 0,
            payments: Vec::new(),
            pool: Vec::new(),
            mempool: BTreeMap::new(),
            template: None,
            carry: 0.0,
            sync_armed: false,
            attack: None,
        }
    }

    fn kind(&self) -> usize {
        if self.is_miner() {
            MINER
        } else {
            CLIENT
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.is_miner() {
            let tick = self.cfg.tick;
            let after = ctx.random_between(1, tick);
            ctx.set_timer(Timer::Mine, after);
        } else {
            self.schedule_payment(ctx);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Tx(tx) => self.receive_tx(tx, ctx),
            Msg::Block(b) => self.receive_block(from, b, ctx),
            Msg::GetBlock(hash) => self.serve_block(from, hash, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Mine => {
                ctx.set_timer(Timer::Mine, self.cfg.tick);
                self.mine_tick(ctx);
            }
            Timer::Pay => {
                let amount = 1 + ctx.random_index(100) as u32;
                self.pay(amount, ctx);
                self.schedule_payment(ctx);
            }
            Timer::Sync => self.sync(ctx),
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        let amount = arg
            .and_then(|a| a.parse::<u32>().ok())
            .filter(|a| (1..=1_000).contains(a));
        match (command, amount) {
            ("pay", Some(a)) if !self.is_miner() => self.pay(a, ctx),
            ("doublespend", Some(a)) if self.is_miner() => self.start_attack(a, ctx),
            _ => ctx.note("pow.bad_amount", 0),
        }
    }

    fn on_crash(&mut self) {
        // The chain and the wallet are on disk; what is in memory is lost.
        self.pool.clear();
        self.mempool.clear();
        self.template = None;
        self.carry = 0.0;
        self.sync_armed = false;
        self.attack = None;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Mine => "pow.mine",
            Timer::Pay => "pow.pay",
            Timer::Sync => "pow.sync",
        }
    }

    fn check(
        monitor: &mut Monitor,
        _now: Time,
        node: NodeId,
        nodes: &[Self],
    ) -> Vec<(&'static str, String)> {
        monitor.check(node, nodes)
    }

    crate::monitor_hooks!(observe, check_eventually);
}
