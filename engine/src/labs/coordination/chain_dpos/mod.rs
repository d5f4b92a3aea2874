//! Delegated proof of stake (DPoS，委托权益证明), course notes seed 001: "通常会选出 k 个受托节点
//! … 只要受托节点提供的算力不稳定，计算机宕机, 随时有后备的受托节点获取记账权"; "每隔一定周期会调整受托人";
//! its weaknesses "一旦出现故障节点，DPoS 无法及时做出应对" and "持币人投票的积极性不高".
//!
//! `holders` nodes (`v1`, `v2`, …) hold stakes (`stakes=100,50,30`; the rest follow `skew`
//! as in `chain-pos`). Each approves candidates (at genesis itself); its stake counts for each
//! one it approves (`vote` / `unvote` commands: a numbered transaction broadcast for the
//! delegates to put in a block). The k = `delegates` candidates with the most votes are the
//! term's delegates, the next ones standbys. Time is cut in slots of `slot` ms; each round of k
//! slots the delegates produce in turn, in an order shuffled per round from the term's seed
//! (`ledger.rs`). A delegate down at its slot misses it: the slot stays empty and the next
//! producer's block records the miss. Every `term` rounds the first block of the new term
//! holds the re-vote: delegates that missed `misses` or more slots are set aside (until they,
//! running again, announce that they are back) and the next by votes — a standby — takes the
//! seat once the re-vote's block is final. Until then the failed delegate's slots stay empty:
//! the notes' weakness.
//!
//! Fork choice: the longest chain, then the earlier tip slot; a node never leaves a block it
//! holds final. A block is **final** (irreversible) once ⌊2k/3⌋ + 1 distinct delegates have
//! produced it or blocks on top of it; the delay from production to finality is plotted. A
//! block whose parent is unknown makes a node ask the sender for blocks (`GetBlocks`), as in
//! `chain-pos`.
//!
//! Properties (`monitor.rs`): `chain-dpos.valid-chain`, `chain-dpos.one-per-slot` (always:
//! strictly later slots along a chain, each block by its slot's scheduled delegate, within the
//! slot), `chain-dpos.final-agreement` (always, a lesson: no two nodes hold different final
//! blocks at a height, no node drops a final block — BitShares-style finality breaks it when a
//! delegate builds on one branch and later, after switching, on a conflicting one; random
//! schedules find it in about 1 run in 1,000) and `chain-dpos.prefix-agreement` (eventually,
//! when quiet).

mod ledger;
mod monitor;
mod msg;
mod node;
mod scenarios;
mod texts;
mod view;

pub use ledger::{names, Block, BlockRef, Hash, Op, Rules, State, Tx, MAX_TXS};
pub use monitor::{Monitor, QUIET, SETTLE_DEPTH};
pub use msg::Msg;

use std::collections::BTreeMap;
use std::sync::Arc;

use super::chain_sync::ChainSync;
use crate::input::Params;
use crate::labs::coordination::chain_pos::{default_stake, parse_stakes, MAX_VALIDATORS};
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::params::{InputError, TextSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Most holders.
pub const MAX_HOLDERS: usize = MAX_VALIDATORS;

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("holders", 7.0, 3.0, MAX_HOLDERS as f64),
    ParamSpec::int("delegates", 4.0, 1.0, (MAX_HOLDERS - 1) as f64),
    ParamSpec::int("slot", 200.0, 50.0, 5_000.0),
    ParamSpec::int("term", 3.0, 1.0, 50.0),
    ParamSpec::int("misses", 2.0, 1.0, 50.0),
    ParamSpec::int("skew", 20.0, 0.0, 90.0),
];

/// `stakes=100,50,30`: each holder's stake; missing ones follow `skew`.
pub const TEXT_PARAMS: &[TextSpec] = &[TextSpec {
    key: "stakes",
    default: "",
    check: check_stakes,
}];

fn check_stakes(v: &str) -> Result<(), String> {
    parse_stakes(v).map(|_| ())
}

/// Cross-parameter checks: fewer delegates than holders, no more stakes than holders.
pub fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
    let n = p.get_u64("holders") as usize;
    let k = p.get_u64("delegates") as usize;
    if k >= n {
        errors.push(InputError::OutOfRange {
            key: "delegates".into(),
            value: k.to_string(),
            min: 1.0,
            max: (n - 1) as f64,
            used: (n - 1).to_string(),
        });
        p.set_value("delegates", (n - 1) as f64);
    }
    if let Ok(list) = parse_stakes(p.text("stakes")) {
        if list.len() > n {
            p.reject_text(
                "stakes",
                format!("at most one stake per holder: {n} values"),
                errors,
            );
        }
    }
}

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub rules: Rules,
    /// Test only: v1 produces at the start of every slot, claiming it.
    #[doc(hidden)]
    pub broken_out_of_turn: bool,
    /// Test only: a producer makes two blocks in its slot, and nodes take a block in the
    /// same slot as its parent.
    #[doc(hidden)]
    pub broken_double: bool,
    /// Test only: nodes take any block whose hash matches.
    #[doc(hidden)]
    pub broken_accept_any: bool,
    /// Test only: a block is final as soon as one delegate produced on top of it.
    #[doc(hidden)]
    pub broken_low_quorum: bool,
}

impl Default for Config {
    fn default() -> Self {
        let n = 7;
        Config {
            rules: Rules {
                k: 4,
                stakes: (0..n).map(|i| default_stake(i, 20)).collect(),
                slot_ms: 200,
                term_rounds: 3,
                misses: 2,
            },
            broken_out_of_turn: false,
            broken_double: false,
            broken_accept_any: false,
            broken_low_quorum: false,
        }
    }
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        let n = (p.get_u64("holders") as usize).clamp(3, MAX_HOLDERS);
        let list = parse_stakes(p.text("stakes")).unwrap_or_default();
        Config {
            rules: Rules {
                k: (p.get_u64("delegates") as usize).clamp(1, n - 1),
                stakes: (0..n)
                    .map(|i| {
                        list.get(i)
                            .copied()
                            .unwrap_or_else(|| default_stake(i, p.get_u64("skew")))
                    })
                    .collect(),
                slot_ms: p.get_u64("slot").clamp(50, 5_000),
                term_rounds: p.get_u64("term").clamp(1, 50),
                misses: p.get_u64("misses").clamp(1, 50) as u32,
            },
            ..Config::default()
        }
    }

    pub fn holders(&self) -> usize {
        self.rules.holders()
    }

    pub fn slot_len(&self) -> Time {
        self.rules.slot_ms * MS
    }

    /// Distinct delegates whose blocks make a block final.
    pub fn quorum(&self) -> usize {
        if self.broken_low_quorum {
            1
        } else {
            self.rules.quorum()
        }
    }
}

pub fn session(p: &Params, seed: u64) -> NetSession<Dpos> {
    session_with(p, &Config::from_params(p), seed)
}

pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Dpos> {
    NetSession::new(cfg.holders(), cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Dpos>();

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The next slot starts.
    Slot,
    /// Ask again for missing blocks.
    Sync,
    /// Send again my transactions not yet on my chain.
    Resend,
}

/// One holder (and candidate delegate).
#[derive(Clone, Debug)]
pub struct Dpos {
    pub id: NodeId,
    cfg: Arc<Config>,
    pub genesis: Hash,
    /// Persistent: every block stored.
    pub blocks: BTreeMap<Hash, BlockRef>,
    /// Persistent: the best chain, `chain[h]` the block at height h.
    pub chain: Vec<Hash>,
    /// Persistent: the height of its last final block.
    pub lib: u64,
    /// Persistent: blocks it produced, branch switches.
    pub produced: u64,
    pub reorgs: u64,
    /// Persistent (its wallet): the candidates it approves, its last transaction number and
    /// its transactions not yet on its chain.
    pub approves: u16,
    pub seq: u64,
    pub outbox: Vec<Tx>,
    /// Volatile: transactions heard, to put in a block.
    pub txpool: Vec<Tx>,
    /// Volatile: blocks whose parent is unknown yet.
    pub pool: Vec<BlockRef>,
    sync_armed: bool,
    resend_armed: bool,
}

impl Protocol for Dpos {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("chain-dpos.valid-chain"),
        Property::always("chain-dpos.one-per-slot"),
        Property::always("chain-dpos.final-agreement").lesson(),
        Property::eventually("chain-dpos.prefix-agreement"),
    ];
    const KINDS: &'static [NodeKind] = &[NodeKind::new(
        "dpos.holder",
        "v",
        Shape::Circle,
        &[
            CommandSpec::int("vote", 1, MAX_HOLDERS as i64, 1),
            CommandSpec::int("unvote", 1, MAX_HOLDERS as i64, 1),
        ],
    )];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let g = Arc::new(cfg.rules.genesis());
        let genesis = g.hash;
        let mut blocks = BTreeMap::new();
        blocks.insert(genesis, g);
        Dpos {
            id,
            cfg: Arc::new(cfg.clone()),
            genesis,
            blocks,
            chain: vec![genesis],
            lib: 0,
            produced: 0,
            reorgs: 0,
            approves: 1 << id,
            seq: 0,
            outbox: Vec::new(),
            txpool: Vec::new(),
            pool: Vec::new(),
            sync_armed: false,
            resend_armed: false,
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
            Msg::Tx(t) => self.receive_tx(t),
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
            Timer::Sync => self.sync(ctx),
            Timer::Resend => self.resend(ctx),
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        let Some(c) = arg
            .and_then(|a| a.trim().parse::<usize>().ok())
            .filter(|&c| (1..=self.cfg.holders()).contains(&c))
        else {
            ctx.note(
                "dpos.no-candidate",
                arg.and_then(|a| a.parse().ok()).unwrap_or(0),
            );
            return;
        };
        let bit = 1u16 << (c - 1);
        match command {
            "vote" => self.approves |= bit,
            "unvote" => self.approves &= !bit,
            _ => return,
        }
        ctx.note("dpos.vote", c as u64);
        self.submit(Op::Vote(self.approves), ctx);
    }

    fn on_crash(&mut self) {
        self.pool.clear();
        self.txpool.clear();
        self.sync_armed = false;
        self.resend_armed = false;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Slot => "dpos.slot",
            Timer::Sync => "dpos.sync",
            Timer::Resend => "dpos.resend",
        }
    }

    crate::monitor_hooks!(check, observe, check_eventually);
}
