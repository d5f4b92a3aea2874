//! The six request-distribution algorithms of seed 001 ("分布式高可靠 - 负载均衡"), each a
//! [`Balancer`] that picks a server for a request from the servers' configuration
//! ([`Hw`]: weight, membership) and nothing else: none of them looks at the servers' load.
//!
//! - [`Algo::Rr`] 顺序轮询: the members in turn;
//! - [`Algo::Weighted`] naive weighted round robin: server `i` `weight_i` times in a row,
//!   then the next (the notes' "大多数请求都集中在优先级较高的服务器上");
//! - [`Algo::Smooth`] nginx's smooth weighted round robin with `weight`, `effective_weight`
//!   and `current_weight` exactly as `ngx_http_upstream_get_peer`: every pick adds each
//!   member's effective weight to its current weight (and raises an effective weight below
//!   its weight by one), picks the largest current weight (the first on a tie, the notes'
//!   "如果优先级最高有好几个, 则顺序选择第一个") and subtracts the total from it; a failed request
//!   lowers that server's effective weight by `weight / max_fails` (nginx's default
//!   `max_fails = 1`: to 0, `ngx_http_upstream_free_round_robin_peer`);
//! - [`Algo::Random`] 随机: a member uniformly at random (the run's seeded generator);
//! - [`Algo::Hash`] `hash(client) mod N` over the members (unweighted);
//! - [`Algo::Chash`] a consistent-hash ring with [`VNODES`] × weight virtual points per
//!   member (the notes' 带虚拟节点的一致性哈希, which handles unequal servers); a client goes
//!   clockwise to the first point at or after its hash.

use std::collections::VecDeque;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Virtual points on the ring per unit of weight.
pub const VNODES: u32 = 20;
/// Smooth picks kept for the step-by-step table.
pub const STEPS_KEPT: usize = 12;

/// A load-balancing algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algo {
    Rr,
    Weighted,
    Smooth,
    Random,
    Hash,
    Chash,
}

impl Algo {
    pub const ALL: [Algo; 6] = [
        Algo::Rr,
        Algo::Weighted,
        Algo::Smooth,
        Algo::Random,
        Algo::Hash,
        Algo::Chash,
    ];

    pub fn name(self) -> &'static str {
        ["rr", "weighted", "smooth", "random", "hash", "chash"][self.index()]
    }

    pub fn index(self) -> usize {
        Algo::ALL.iter().position(|&a| a == self).unwrap_or(0)
    }

    pub fn parse(s: &str) -> Option<Algo> {
        Algo::ALL.iter().copied().find(|a| a.name() == s)
    }

    /// Whether the algorithm sends a client to the same server every time.
    pub fn sticky(self) -> bool {
        matches!(self, Algo::Hash | Algo::Chash)
    }
}

/// A server as the configuration and the hardware have it (the same in every balancer's
/// pool): its weight (also its capacity: `weight × capacity` requests of cost 1 a second),
/// its speed in percent of that (a slow server), whether it is up, and whether it is a member
/// of the pool (a removed server is not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Hw {
    pub weight: u32,
    pub speed_pct: u32,
    pub up: bool,
    pub member: bool,
}

impl Hw {
    /// Work units a second times 100 per unit of capacity (see [`super::model`]).
    pub fn speed(&self) -> u64 {
        u64::from(self.weight) * u64::from(self.speed_pct)
    }
}

/// One smooth weighted round-robin pick, for the step-by-step table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmoothStep {
    /// 1-based pick number.
    pub n: u64,
    /// Current weights after adding the effective weights (`None`: not a member).
    pub added: Vec<Option<i64>>,
    pub chosen: usize,
    /// Current weights after the chosen one gave back the total.
    pub after: Vec<Option<i64>>,
    /// Effective weights used by this pick.
    pub effective: Vec<Option<i64>>,
    pub total: i64,
}

/// A 64-bit mix (splitmix64's finaliser).
pub fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A client's hash (the source address's): fixed, the same in every run.
pub fn client_hash(client: u32) -> u64 {
    mix(u64::from(client) ^ 0x5EED_C11E_0000_0000)
}

/// One algorithm's state.
#[derive(Clone, Debug)]
pub struct Balancer {
    pub algo: Algo,
    /// Round robin: the next member's position.
    rr_next: usize,
    /// Naive weighted: the server being repeated and how often it has been picked.
    naive: Option<(usize, u32)>,
    /// Smooth: per server.
    pub current: Vec<i64>,
    pub effective: Vec<i64>,
    pub steps: VecDeque<SmoothStep>,
    pub picks: u64,
    rng: ChaCha8Rng,
    /// Consistent hash: (point, server), sorted.
    ring: Vec<(u64, usize)>,
    /// Test-only broken variant: a smooth pick that forgets to give back the total, so the
    /// current weights only grow, which the invariants must catch. Not reachable from
    /// parameters or share links.
    pub broken_keep_total: bool,
}

impl Balancer {
    pub fn new(algo: Algo, hw: &[Hw], seed: u64) -> Balancer {
        let mut b = Balancer {
            algo,
            rr_next: 0,
            naive: None,
            current: vec![0; hw.len()],
            effective: vec![0; hw.len()],
            steps: VecDeque::new(),
            picks: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            ring: Vec::new(),
            broken_keep_total: false,
        };
        b.reload(hw);
        b
    }

    /// A configuration reload (a membership or weight change), as nginx's: current weights
    /// back to 0, effective weights to the weights, the turn to the first member, the ring
    /// rebuilt from the members.
    pub fn reload(&mut self, hw: &[Hw]) {
        for (i, h) in hw.iter().enumerate() {
            self.current[i] = 0;
            self.effective[i] = i64::from(h.weight);
        }
        self.rr_next = 0;
        self.naive = None;
        self.ring.clear();
        if self.algo == Algo::Chash {
            for (i, h) in hw.iter().enumerate().filter(|(_, h)| h.member) {
                for v in 0..VNODES * h.weight {
                    self.ring
                        .push((mix(((i as u64 + 1) << 32) | u64::from(v)), i));
                }
            }
            self.ring.sort_unstable();
        }
    }

    /// The server for a request of `client`, or `None` when the pool is empty.
    pub fn pick(&mut self, hw: &[Hw], client: u32) -> Option<usize> {
        let members: Vec<usize> = (0..hw.len()).filter(|&i| hw[i].member).collect();
        if members.is_empty() {
            return None;
        }
        self.picks += 1;
        Some(match self.algo {
            Algo::Rr => {
                let s = members[self.rr_next % members.len()];
                self.rr_next = (self.rr_next + 1) % members.len();
                s
            }
            Algo::Weighted => {
                let (s, n) = match self.naive {
                    Some((s, n)) if hw[s].member && n < hw[s].weight => (s, n),
                    Some((s, _)) => (
                        members
                            .iter()
                            .copied()
                            .find(|&m| m > s)
                            .unwrap_or(members[0]),
                        0,
                    ),
                    None => (members[0], 0),
                };
                self.naive = Some((s, n + 1));
                s
            }
            Algo::Smooth => self.smooth(hw, &members),
            Algo::Random => members[self.rng.gen_range(0..members.len())],
            Algo::Hash | Algo::Chash => self.owner(hw, client)?,
        })
    }

    /// `ngx_http_upstream_get_peer`.
    fn smooth(&mut self, hw: &[Hw], members: &[usize]) -> usize {
        let member = |v: &Vec<i64>| -> Vec<Option<i64>> {
            (0..hw.len())
                .map(|i| hw[i].member.then_some(v[i]))
                .collect()
        };
        let effective = member(&self.effective);
        let mut best = members[0];
        let mut total = 0;
        for (k, &i) in members.iter().enumerate() {
            self.current[i] += self.effective[i];
            total += self.effective[i];
            if self.effective[i] < i64::from(hw[i].weight) {
                self.effective[i] += 1;
            }
            if k == 0 || self.current[i] > self.current[best] {
                best = i;
            }
        }
        let added = member(&self.current);
        if !self.broken_keep_total {
            self.current[best] -= total;
        }
        if self.steps.len() == STEPS_KEPT {
            self.steps.pop_front();
        }
        self.steps.push_back(SmoothStep {
            n: self.picks,
            added,
            chosen: best,
            after: member(&self.current),
            effective,
            total,
        });
        best
    }

    /// A request to `server` failed: smooth lowers its effective weight by
    /// `weight / max_fails` (`max_fails = 1`), not below 0.
    pub fn failed(&mut self, server: usize, hw: &[Hw]) {
        if self.algo == Algo::Smooth {
            let e = &mut self.effective[server];
            *e = (*e - i64::from(hw[server].weight)).max(0);
        }
    }

    /// Where a hash balancer sends `client` (`None` for the others, or an empty pool).
    pub fn owner(&self, hw: &[Hw], client: u32) -> Option<usize> {
        let h = client_hash(client);
        match self.algo {
            Algo::Hash => {
                let members: Vec<usize> = (0..hw.len()).filter(|&i| hw[i].member).collect();
                (!members.is_empty()).then(|| members[(h % members.len() as u64) as usize])
            }
            Algo::Chash => {
                let at = self.ring.partition_point(|&(p, _)| p < h);
                self.ring.get(at).or(self.ring.first()).map(|&(_, s)| s)
            }
            _ => None,
        }
    }

    /// The sum of the members' current weights (0 after every smooth pick and reload).
    pub fn current_sum(&self, hw: &[Hw]) -> i64 {
        (0..hw.len())
            .filter(|&i| hw[i].member)
            .map(|i| self.current[i])
            .sum()
    }

    /// Feeds the state into a hasher (determinism and replay tests).
    pub fn hash_into(&self, h: &mut dyn std::hash::Hasher) {
        h.write_usize(self.rr_next);
        let (s, n) = self.naive.unwrap_or((usize::MAX, 0));
        h.write_usize(s);
        h.write_u32(n);
        for (c, e) in self.current.iter().zip(&self.effective) {
            h.write_i64(*c);
            h.write_i64(*e);
        }
        h.write_u64(self.picks);
        h.write_u128(self.rng.get_word_pos());
        h.write_usize(self.ring.len());
    }

    pub fn ring_len(&self) -> usize {
        self.ring.len()
    }
}
