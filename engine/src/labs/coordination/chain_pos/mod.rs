//! Proof of stake (PoS，权益证明), course notes seed 001: "由系统权益代替算力来决定区块记账权，
//! 拥有的权益越大获得记账权的概率就越大. 权益是指每个节点占有货币的数量和持币时间" — the stake,
//! coins × time held (coin age), instead of hash power decides who adds the next block.
//!
//! `validators` **validators** (`v1`, `v2`, …) with stakes (`stakes=100,50,30`; those not
//! listed follow `skew`: validator i holds 100 × (1 − skew%)^i, so 0 makes them equal). Time is cut in slots of `slot` ms. For each slot every node computes, from its tip
//! block, the slot's ranking (`ledger.rs`): validators drawn with chances proportional to
//! their coin age (coins × days held, a simulated day being `day` ms), the draw seeded by
//! SHA-256 over the tip's hash and the slot number — the same for every node that holds the
//! same tip, no messages needed. The first ranked mints at the slot's start and broadcasts;
//! each next one waits one more step (`slot` / validators) and mints only if no block for the
//! slot arrived: the honest fallback when the first is offline (its slot counted missed). The
//! minter's coin age resets and it is credited the notes' interest, coins × days × `rate`% /
//! 365. Coin age counts at most `max_age` days (Peercoin's cap, 90; 0: none): a small holder
//! that waits longer than that for its turn earns no interest for the excess, while a large
//! one, chosen often, earns on all its time — the rich get richer (stake shares and the Gini
//! coefficient are plotted). Without the cap the interest is exactly coins × time held, the
//! same rate for everyone, and the shares only wander.
//!
//! Fork choice: the heaviest chain, each block weighing validators − its place in the slot's
//! ranking (so a fallback block loses to the first choice's, if both were minted, and a node
//! cut off, minting alone as a fallback every slot, grows only a light branch), then the
//! earlier slot, then the better place. A block
//! whose parent a node lacks (it was down, or a message was lost) makes it ask the sender for
//! the chain from a few blocks below its tip (`GetBlocks`); a restarted node asks a peer at
//! once: it catches up.
//!
//! Properties (`monitor.rs`): `chain-pos.valid-chain` (always: every block on a node's chain hashes
//! right, follows its parent at a later slot, and its ledger is the parent's plus the minter's
//! interest), `rightful-minter` (always: the minter held the place it claims in the slot's
//! ranking by coin age, recomputed by the checker, and minted no earlier than its turn), and
//! `chain-pos.prefix-agreement` (eventually, when quiet: the running nodes agree on every block
//! [`monitor::SETTLE_DEPTH`] or more below the lowest tip).

mod ledger;
mod monitor;
mod msg;
mod node;
mod scenarios;
mod texts;
mod view;

pub use ledger::{gini, hash_u64, short, Block, BlockRef, Hash, Rules, MILLI};
pub use monitor::{Monitor, QUIET, SETTLE_DEPTH};
pub use msg::Msg;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::chain_sync::ChainSync;
use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::params::{InputError, TextSpec};
use crate::sim::{Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Most validators.
pub const MAX_VALIDATORS: usize = 12;
/// The first validator's stake when the list gives none.
pub const DEFAULT_STAKE: u64 = 100;

/// Validator `i`'s stake by default: 100 × (1 − skew%)^i, at least 1.
pub fn default_stake(i: usize, skew: u64) -> u64 {
    let f = (1.0 - skew.min(90) as f64 / 100.0).powi(i as i32);
    ((DEFAULT_STAKE as f64 * f).round() as u64).max(1)
}

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("validators", 4.0, 2.0, MAX_VALIDATORS as f64),
    ParamSpec::int("slot", 200.0, 20.0, 5_000.0),
    ParamSpec::int("day", 100.0, 1.0, 100_000.0),
    ParamSpec::float("rate", 5.0, 0.0, 1_000.0),
    ParamSpec::int("skew", 40.0, 0.0, 90.0),
    ParamSpec::int("max_age", 90.0, 0.0, 100_000.0),
];

/// `stakes=100,50,30`: each validator's initial coins; missing ones follow `skew`: validator
/// i holds 100 × (1 − skew%)^i (0: all equal).
pub const TEXT_PARAMS: &[TextSpec] = &[TextSpec {
    key: "stakes",
    default: "",
    check: check_stakes,
}];

/// `100,50` → stakes (each 1..=1,000,000, at most [`MAX_VALIDATORS`]); empty → none.
pub fn parse_stakes(v: &str) -> Result<Vec<u64>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let list = v
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .ok()
                .filter(|p| (1..=1_000_000).contains(p))
                .ok_or_else(|| format!("`{}` is not a stake from 1 to 1000000", s.trim()))
        })
        .collect::<Result<Vec<u64>, String>>()?;
    if list.len() > MAX_VALIDATORS {
        return Err(format!("at most {MAX_VALIDATORS} values"));
    }
    Ok(list)
}

fn check_stakes(v: &str) -> Result<(), String> {
    parse_stakes(v).map(|_| ())
}

/// Cross-parameter check: no more stakes than validators.
pub fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
    let n = p.get_u64("validators") as usize;
    if let Ok(list) = parse_stakes(p.text("stakes")) {
        if list.len() > n {
            p.reject_text(
                "stakes",
                format!("at most one stake per validator: {n} values"),
                errors,
            );
        }
    }
}

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub validators: usize,
    /// Initial coins of each validator.
    pub stakes: Vec<u64>,
    pub rules: Rules,
    /// Test only: v1 mints at the start of every slot, claiming first place.
    #[doc(hidden)]
    pub broken_out_of_turn: bool,
    /// Test only: nodes take blocks without checking the minter's right.
    #[doc(hidden)]
    pub broken_accept_any: bool,
    /// Test only: every node ranks by coins alone, ignoring coin age.
    #[doc(hidden)]
    pub broken_ignore_age: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            validators: 4,
            stakes: vec![DEFAULT_STAKE; 4],
            rules: Rules {
                slot_ms: 200,
                day_ms: 100,
                rate_bp: 500,
                max_age_ms: 9_000,
            },
            broken_out_of_turn: false,
            broken_accept_any: false,
            broken_ignore_age: false,
        }
    }
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        let validators = (p.get_u64("validators") as usize).clamp(2, MAX_VALIDATORS);
        let list = parse_stakes(p.text("stakes")).unwrap_or_default();
        Config {
            validators,
            stakes: (0..validators)
                .map(|i| {
                    list.get(i)
                        .copied()
                        .unwrap_or_else(|| default_stake(i, p.get_u64("skew")))
                })
                .collect(),
            rules: Rules {
                slot_ms: p.get_u64("slot").clamp(20, 5_000),
                day_ms: p.get_u64("day").clamp(1, 100_000),
                rate_bp: (p.get("rate").clamp(0.0, 1_000.0) * 100.0).round() as u64,
                max_age_ms: p
                    .get_u64("max_age")
                    .min(100_000)
                    .saturating_mul(p.get_u64("day").clamp(1, 100_000)),
            },
            ..Config::default()
        }
    }

    /// The wait of each place in a slot's ranking (µs).
    pub fn step(&self) -> Time {
        self.rules.step(self.validators) * MS
    }

    pub fn slot_len(&self) -> Time {
        self.rules.slot_ms * MS
    }
}

pub fn session(p: &Params, seed: u64) -> NetSession<Pos> {
    session_with(p, &Config::from_params(p), seed)
}

pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Pos> {
    NetSession::new(cfg.validators, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Pos>();

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The next slot starts.
    Slot,
    /// This validator's turn in the slot's ranking comes.
    Turn,
    /// Ask again for missing blocks.
    Sync,
}

/// One validator.
#[derive(Clone, Debug)]
pub struct Pos {
    pub id: NodeId,
    cfg: Arc<Config>,
    pub genesis: Hash,
    /// Persistent: every block stored.
    pub blocks: BTreeMap<Hash, BlockRef>,
    /// Persistent: the best chain, `chain[h]` the block at height h.
    pub chain: Vec<Hash>,
    /// Persistent counters.
    pub minted: u64,
    pub reorgs: u64,
    /// Volatile: blocks whose parent is unknown yet.
    pub pool: Vec<BlockRef>,
    /// Volatile: the slot whose turn timer is set.
    pub turn: Option<u64>,
    sync_armed: bool,
}

impl Protocol for Pos {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("chain-pos.valid-chain"),
        Property::always("rightful-minter"),
        Property::eventually("chain-pos.prefix-agreement"),
    ];
    const KINDS: &'static [NodeKind] = &[NodeKind::new("pos.validator", "v", Shape::Circle, &[])];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let g = Arc::new(Block::genesis(&cfg.stakes));
        let genesis = g.hash;
        let mut blocks = BTreeMap::new();
        blocks.insert(genesis, g);
        Pos {
            id,
            cfg: Arc::new(cfg.clone()),
            genesis,
            blocks,
            chain: vec![genesis],
            minted: 0,
            reorgs: 0,
            pool: Vec::new(),
            turn: None,
            sync_armed: false,
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let len = self.cfg.slot_len();
        ctx.set_timer(Timer::Slot, len - ctx.now % len);
        if ctx.now > 0 {
            // Restarted: catch up from a peer.
            self.ask_random(ctx);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Block(b) => self.receive_block(from, b, ctx),
            Msg::GetBlocks(h) => self.serve(from, h, ctx),
            Msg::Blocks(bs) => self.receive_blocks(from, bs, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Slot => {
                let len = self.cfg.slot_len();
                ctx.set_timer(Timer::Slot, len - ctx.now % len);
                self.slot_start(ctx);
            }
            Timer::Turn => self.on_turn(ctx),
            Timer::Sync => self.sync(ctx),
        }
    }

    fn on_command(&mut self, _command: &str, _arg: Option<&str>, _ctx: &mut Ctx<Self>) {}

    fn on_crash(&mut self) {
        self.pool.clear();
        self.turn = None;
        self.sync_armed = false;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Slot => "pos.slot",
            Timer::Turn => "pos.turn",
            Timer::Sync => "pos.sync",
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
