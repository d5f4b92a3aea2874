//! The load-balancing lab as a time-only model ([`TimeModel`]): one seeded request stream
//! (clients drawn at random from `clients`, arrivals at uniform gaps around `1 / rate`, each
//! request of cost 1 or, under uneven costs, `heavy`) fed to one [`Lane`] per algorithm, so
//! the algorithms are compared on exactly the same requests. The servers' configuration and
//! hardware ([`Hw`]) are shared: a failed server is down in every lane, a removed one leaves
//! every balancer's pool. The user's actions: fail, restore, remove a server, make it slow,
//! change its weight, a burst of requests, the request costs, the arrival rate.

use std::hash::Hasher;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::balancer::{mix, Algo, Hw};
use super::lane::{Lane, Req, SECOND};
use super::CONTROLS;
use crate::input::Params;
use crate::labs::scene::{arg_u64, parse_action};
use crate::sim::{ActionError, ModelSession, TimeModel};
use crate::Time;

/// The series' sampling interval.
pub const SAMPLE: Time = SECOND;

/// How request costs are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// Every request costs 1.
    Even,
    /// Each request is heavy with probability `1 / every`.
    Random,
    /// Every `every`-th request of the stream is heavy.
    Periodic,
}

impl Pattern {
    pub fn name(self) -> &'static str {
        match self {
            Pattern::Even => "even",
            Pattern::Random => "random",
            Pattern::Periodic => "periodic",
        }
    }
}

/// The request costs now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Costs {
    pub pattern: Pattern,
    pub every: u32,
    /// A heavy request's cost.
    pub heavy: u32,
}

/// Something a user (or a preset) does. Servers are 1-based.
#[derive(Clone, Debug, PartialEq)]
pub enum LbAction {
    Fail { server: u32 },
    Restore { server: u32 },
    Remove { server: u32 },
    Slow { server: u32, pct: u32 },
    Weight { server: u32, w: u32 },
    Burst { requests: u32 },
    Costs(Costs),
    Rate { per_s: u32 },
}

impl LbAction {
    pub fn encode(&self) -> String {
        match self {
            LbAction::Fail { server } => format!("fail:server={server}"),
            LbAction::Restore { server } => format!("restore:server={server}"),
            LbAction::Remove { server } => format!("remove:server={server}"),
            LbAction::Slow { server, pct } => format!("slow:server={server},pct={pct}"),
            LbAction::Weight { server, w } => format!("weight:server={server},w={w}"),
            LbAction::Burst { requests } => format!("burst:requests={requests}"),
            LbAction::Costs(c) => format!(
                "costs:pattern={},every={},heavy={}",
                c.pattern.name(),
                c.every,
                c.heavy
            ),
            LbAction::Rate { per_s } => format!("rate:per_s={per_s}"),
        }
    }

    /// Reads [`LbAction::encode`]'s form, each argument checked against the declared
    /// controls (never panics).
    pub fn decode(s: &str) -> Result<LbAction, ActionError> {
        let (c, v) = parse_action(s, &CONTROLS)?;
        let n = |i: usize| arg_u64(&v, i).min(u64::from(u32::MAX)) as u32;
        Ok(match c.verb {
            "fail" => LbAction::Fail { server: n(0) },
            "restore" => LbAction::Restore { server: n(0) },
            "remove" => LbAction::Remove { server: n(0) },
            "slow" => LbAction::Slow {
                server: n(0),
                pct: n(1),
            },
            "weight" => LbAction::Weight {
                server: n(0),
                w: n(1),
            },
            "burst" => LbAction::Burst { requests: n(0) },
            "costs" => LbAction::Costs(Costs {
                pattern: match v[0].as_str() {
                    "random" => Pattern::Random,
                    "periodic" => Pattern::Periodic,
                    _ => Pattern::Even,
                },
                every: n(1),
                heavy: n(2),
            }),
            _ => LbAction::Rate { per_s: n(0) },
        })
    }
}

/// The lab's parameters, read.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Per server, its weight (`weights`, then 1 for servers beyond the list).
    pub weights: Vec<u32>,
    pub algos: Vec<Algo>,
    /// Requests a second.
    pub rate: u32,
    /// Requests of cost 1 a second per unit of weight.
    pub capacity: u32,
    /// A server's queue limit.
    pub queue: usize,
    pub clients: u32,
}

/// Parses `weights`: 1 to 12 whole numbers in 1…10, comma-separated.
pub fn parse_weights(s: &str) -> Result<Vec<u32>, String> {
    let mut w = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.parse::<u32>() {
            Ok(v) if (1..=10).contains(&v) => w.push(v),
            _ => return Err(format!("`{part}` is not a weight (a whole number 1…10)")),
        }
    }
    if w.is_empty() || w.len() > 12 {
        return Err("give 1 to 12 weights, like 4,1,1".into());
    }
    Ok(w)
}

/// Parses `algos`: distinct algorithm names, comma-separated.
pub fn parse_algos(s: &str) -> Result<Vec<Algo>, String> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let a = Algo::parse(part).ok_or_else(|| {
            format!("`{part}` is not an algorithm (rr, weighted, smooth, random, hash, chash)")
        })?;
        if out.contains(&a) {
            return Err(format!("`{part}` is listed twice"));
        }
        out.push(a);
    }
    if out.is_empty() {
        return Err(
            "name at least one algorithm: rr, weighted, smooth, random, hash, chash".into(),
        );
    }
    Ok(out)
}

impl Config {
    pub fn from_params(p: &Params) -> Result<Config, String> {
        let listed = parse_weights(p.text("weights"))?;
        let servers = p.get_u64("servers").clamp(1, 12) as usize;
        Ok(Config {
            weights: (0..servers)
                .map(|i| listed.get(i).copied().unwrap_or(1))
                .collect(),
            algos: parse_algos(p.text("algos"))?,
            rate: p.get_u64("rate") as u32,
            capacity: p.get_u64("capacity").max(1) as u32,
            queue: p.get_u64("queue").max(1) as usize,
            clients: p.get_u64("clients").max(1) as u32,
        })
    }
}

/// The lab's state.
#[derive(Clone, Debug)]
pub struct LbModel {
    pub cfg: Config,
    now: Time,
    pub hw: Vec<Hw>,
    pub lanes: Vec<Lane>,
    arrivals: ChaCha8Rng,
    next_arrival: Time,
    /// Requests a second now.
    pub rate: u32,
    pub costs: Costs,
    /// Requests of the stream so far.
    pub requests: u64,
    pub heavy: u64,
    next_sample: Time,
}

impl LbModel {
    pub fn new(cfg: Config, seed: u64) -> LbModel {
        let hw: Vec<Hw> = cfg
            .weights
            .iter()
            .map(|&weight| Hw {
                weight,
                speed_pct: 100,
                up: true,
                member: true,
            })
            .collect();
        let lanes = cfg
            .algos
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                Lane::new(
                    a,
                    &hw,
                    cfg.clients as usize,
                    mix(seed ^ ((i as u64 + 1) << 40)),
                )
            })
            .collect();
        let mut m = LbModel {
            rate: cfg.rate,
            cfg,
            now: 0,
            hw,
            lanes,
            arrivals: ChaCha8Rng::seed_from_u64(seed),
            next_arrival: Time::MAX,
            costs: Costs {
                pattern: Pattern::Even,
                every: 3,
                heavy: 10,
            },
            requests: 0,
            heavy: 0,
            next_sample: 0,
        };
        m.next_arrival = m.gap(0);
        m
    }

    pub fn now(&self) -> Time {
        self.now
    }

    /// The lane of an algorithm, if the run has it.
    pub fn lane(&self, a: Algo) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.bal.algo == a)
    }

    fn gap(&mut self, now: Time) -> Time {
        if self.rate == 0 {
            return Time::MAX;
        }
        let mean = (SECOND / Time::from(self.rate)).max(1);
        now.saturating_add(self.arrivals.gen_range(1..=2 * mean))
    }

    /// One request of the stream, now, to every lane.
    fn request(&mut self) {
        let id = self.requests;
        self.requests += 1;
        let client = self.arrivals.gen_range(0..self.cfg.clients);
        let c = self.costs;
        let heavy = match c.pattern {
            Pattern::Even => false,
            Pattern::Random => self.arrivals.gen_range(0..c.every.max(1)) == 0,
            Pattern::Periodic => (id + 1).is_multiple_of(u64::from(c.every.max(1))),
        };
        self.heavy += u64::from(heavy);
        let r = Req {
            id,
            client,
            cost: if heavy { c.heavy } else { 1 },
            at: self.now,
        };
        for l in &mut self.lanes {
            l.route(r, &self.hw, self.cfg.queue, self.cfg.capacity, self.now);
        }
    }

    /// Changes the configuration (membership, weights): every balancer reloads, and each
    /// hash balancer counts the clients it now sends elsewhere.
    fn reconfigure(&mut self, change: impl FnOnce(&mut Vec<Hw>)) {
        let before: Vec<Vec<Option<usize>>> = self
            .lanes
            .iter()
            .map(|l| {
                (0..self.cfg.clients)
                    .map(|c| l.bal.owner(&self.hw, c))
                    .collect()
            })
            .collect();
        let was: Vec<(bool, u32)> = self.hw.iter().map(|h| (h.member, h.weight)).collect();
        change(&mut self.hw);
        let changed: Vec<bool> = self
            .hw
            .iter()
            .zip(&was)
            .map(|(h, &w)| (h.member, h.weight) != w)
            .collect();
        for (l, before) in self.lanes.iter_mut().zip(before) {
            l.bal.reload(&self.hw);
            if !l.bal.algo.sticky() {
                continue;
            }
            let (mut moved, mut needless) = (0, 0);
            for (c, old) in before.into_iter().enumerate() {
                let new = l.bal.owner(&self.hw, c as u32);
                if new != old {
                    moved += 1;
                    // Between two servers the change did not touch.
                    needless += u64::from(
                        old.is_some_and(|o| !changed[o]) && new.is_some_and(|n| !changed[n]),
                    );
                }
            }
            l.counts.remapped = moved;
            l.counts.needless = needless;
            l.counts.remapped_total += moved;
        }
    }

    /// Server `s` changes speed by `change`; the requests in service finish at the new one.
    fn set_speed(&mut self, s: usize, change: impl FnOnce(&mut Hw)) {
        let old = self.hw[s].speed();
        change(&mut self.hw[s]);
        let new = self.hw[s].speed();
        for l in &mut self.lanes {
            l.rescale(s, old, new, self.now);
        }
    }

    fn sample(&mut self) {
        for l in &mut self.lanes {
            l.sample(self.now);
        }
    }

    /// Every lane's invariants ([`Lane::check`]) and the stream's count: each request is
    /// given a server or counted failed (no server) in every lane.
    pub fn check(&self) -> Result<(), String> {
        for l in &self.lanes {
            if l.counts.routed + l.counts.no_server != self.requests {
                return Err(format!(
                    "{}: {} routed + {} without a server ≠ {} requests",
                    l.bal.algo.name(),
                    l.counts.routed,
                    l.counts.no_server,
                    self.requests
                ));
            }
            l.check(&self.hw, self.cfg.queue, self.cfg.clients)?;
        }
        Ok(())
    }

    fn server(&self, command: &str, server: u32) -> Result<usize, ActionError> {
        let s = server as usize;
        if s == 0 || s > self.hw.len() {
            return Err(ActionError::BadArgument {
                command: command.into(),
                reason: format!("server {server}: the servers are 1…{}", self.hw.len()),
            });
        }
        Ok(s - 1)
    }
}

/// The lab's session from its parameters.
pub fn session(p: &Params, seed: u64) -> Result<ModelSession<LbModel>, String> {
    let cfg = Config::from_params(p)?;
    Ok(ModelSession::new(LbModel::new(cfg, seed), 5 * SECOND))
}

impl TimeModel for LbModel {
    type Action = LbAction;
    type Snapshot = LbModel;

    fn advance_to(&mut self, t: Time) {
        loop {
            let finish = self
                .lanes
                .iter()
                .map(Lane::next_finish)
                .min()
                .unwrap_or(Time::MAX);
            let e = self.next_arrival.min(finish).min(self.next_sample);
            if e > t {
                break;
            }
            self.now = e;
            for l in &mut self.lanes {
                l.complete_until(e, &self.hw, self.cfg.capacity);
            }
            if self.next_arrival == e {
                self.request();
                self.next_arrival = self.gap(e);
            }
            if self.next_sample == e {
                self.sample();
                self.next_sample = e + SAMPLE;
            }
        }
        self.now = self.now.max(t);
    }

    fn apply(&mut self, a: &LbAction) -> Result<(), ActionError> {
        match *a {
            LbAction::Fail { server } => {
                let s = self.server("fail", server)?;
                if self.hw[s].up {
                    self.hw[s].up = false;
                    for l in &mut self.lanes {
                        l.fail_server(s, &self.hw);
                    }
                }
            }
            LbAction::Restore { server } => {
                let s = self.server("restore", server)?;
                self.hw[s].up = true;
                self.set_speed(s, |h| h.speed_pct = 100);
                if !self.hw[s].member {
                    self.reconfigure(|hw| hw[s].member = true);
                }
            }
            LbAction::Remove { server } => {
                let s = self.server("remove", server)?;
                if self.hw[s].member {
                    self.reconfigure(|hw| hw[s].member = false);
                }
            }
            LbAction::Slow { server, pct } => {
                let s = self.server("slow", server)?;
                self.set_speed(s, |h| h.speed_pct = pct.clamp(1, 100));
            }
            LbAction::Weight { server, w } => {
                let s = self.server("weight", server)?;
                let w = w.clamp(1, 10);
                if self.hw[s].weight != w {
                    let old = self.hw[s].speed();
                    self.reconfigure(|hw| hw[s].weight = w);
                    let new = self.hw[s].speed();
                    for l in &mut self.lanes {
                        l.rescale(s, old, new, self.now);
                    }
                }
            }
            LbAction::Burst { requests } => {
                for _ in 0..requests {
                    self.request();
                }
            }
            LbAction::Costs(c) => self.costs = c,
            LbAction::Rate { per_s } => {
                self.rate = per_s;
                self.next_arrival = self.gap(self.now);
            }
        }
        Ok(())
    }

    fn snapshot(&self) -> LbModel {
        self.clone()
    }

    fn restore(&mut self, s: &LbModel) {
        *self = s.clone();
    }

    fn encode(a: &LbAction) -> String {
        a.encode()
    }

    fn decode(s: &str) -> Result<LbAction, ActionError> {
        LbAction::decode(s)
    }

    fn hash_state(&self, h: &mut dyn Hasher) {
        use std::hash::Hash;
        h.write_u64(self.now);
        h.write_u64(self.next_arrival);
        h.write_u64(self.next_sample);
        h.write_u32(self.rate);
        h.write_u64(self.requests);
        h.write_u64(self.heavy);
        h.write_u128(self.arrivals.get_word_pos());
        let mut w = HashWriter(h);
        self.costs.hash(&mut w);
        self.hw.hash(&mut w);
        for l in &self.lanes {
            l.hash_into(w.0);
        }
    }

    fn snapshot_bytes(s: &LbModel) -> usize {
        std::mem::size_of::<LbModel>()
            + s.lanes
                .iter()
                .map(|l| {
                    std::mem::size_of::<Lane>()
                        + l.in_flight() * std::mem::size_of::<Req>()
                        + s.cfg.clients as usize
                        + l.bal.ring_len() * 16
                        + l.series.iter().map(|v| v.len() * 16).sum::<usize>()
                })
                .sum::<usize>()
    }

    fn scene(&self) -> crate::labs::scene::Scene {
        super::view::scene(self)
    }
}

/// A [`Hasher`] that forwards to a `dyn Hasher` (so `#[derive(Hash)]` types can feed one).
pub struct HashWriter<'a>(pub &'a mut dyn Hasher);

impl Hasher for HashWriter<'_> {
    fn finish(&self) -> u64 {
        self.0.finish()
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
}
