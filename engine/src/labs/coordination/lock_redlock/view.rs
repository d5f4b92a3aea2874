//! What the app draws of Redlock: roles (an instance free, locked or refusing after a
//! restart; a client idle, acquiring, backing off or holding), badges, details, panels (each
//! instance's key, a holder's instances and validity, the storage's recent writes), the
//! headline, the stats and the run summary.

use serde_json::json;

use super::{
    scenarios, texts, Config, LockRedlock, Phase, CLIENT, INSTANCE, KEYS, PARAMS, STORAGE,
};
use crate::input::Params;
use crate::labs::coordination::lock_storage::section_name;
use crate::labs::{
    net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::sim::{NetConfig, Protocol, Sim};

/// The chart: how many clients believe they hold the lock (above the dashed 1: two holders).
const SERIES: &[SeriesSpec] = &[SeriesSpec::step("lock-redlock.holders", "").threshold(1.0)];

fn ms(t: crate::Time) -> String {
    format!("{} ms", t / 1_000)
}

/// Instances in a bit mask, as `R1 R2 R3`.
fn instances(mask: u32) -> String {
    let names: Vec<String> = (0..32)
        .filter(|i| mask & (1 << i) != 0)
        .map(|i| format!("R{}", i + 1))
        .collect();
    if names.is_empty() {
        "-".into()
    } else {
        names.join(" ")
    }
}

impl LockRedlock {
    fn key_text(&self) -> String {
        self.key.map_or("-".into(), |e| section_name(e.owner))
    }

    fn client_rows(&self) -> Vec<(&'static str, String)> {
        let (granted, valid, token) = match self.phase {
            Phase::Holding {
                granted,
                valid_until,
                token,
                ..
            } => (granted, ms(valid_until), token.to_string()),
            Phase::Acquiring { granted, .. } => (granted, "-".into(), "-".into()),
            _ => (0, "-".into(), "-".into()),
        };
        vec![
            ("lock-redlock.value", section_name(self.owner())),
            ("lock-redlock.granted", instances(granted)),
            ("lock-redlock.valid_until", valid),
            ("lock-redlock.token", token),
            ("lock-redlock.rounds", self.rounds.to_string()),
            ("lock-redlock.grants", self.grants.to_string()),
        ]
    }
}

impl NetLab for LockRedlock {
    const ID: &'static str = "lock-redlock";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "instances";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.first_client() + cfg.clients;
        (cfg, net_config(p), n)
    }

    /// Without fencing nothing stops a second holder once an instance forgot the key, a clock
    /// jumped or a holder outlived its validity: the violation is the lesson. With fencing it
    /// would be a bug.
    fn lessons(cfg: &Config) -> Vec<&'static str> {
        if cfg.fencing {
            Vec::new()
        } else {
            vec![KEYS.property]
        }
    }

    fn role(&self) -> &'static str {
        match self.kind() {
            INSTANCE if self.key.is_some() => "lock-redlock.locked",
            INSTANCE => "lock-redlock.free",
            STORAGE => self.storage.role(&KEYS),
            _ => match self.phase {
                Phase::Idle => "lock-redlock.idle",
                Phase::Acquiring { .. } => "lock-redlock.acquiring",
                Phase::Backoff => "lock-redlock.backoff",
                Phase::Holding { .. } => "lock-redlock.holding",
            },
        }
    }

    fn badge(&self) -> String {
        match self.kind() {
            INSTANCE => self
                .key
                .map_or("-".into(), |e| format!("c{}", e.owner >> 32)),
            STORAGE => self.storage.badge(),
            _ => match self.phase {
                Phase::Holding { granted, step, .. } => {
                    format!(
                        "{}/{}·{step}",
                        granted.count_ones(),
                        self.config().instances
                    )
                }
                Phase::Acquiring { granted, .. } => {
                    format!("{}/{}…", granted.count_ones(), self.config().instances)
                }
                Phase::Backoff => "↻".into(),
                Phase::Idle => String::new(),
            },
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        match self.kind() {
            INSTANCE => vec![
                ("lock-redlock.key", self.key_text()),
                (
                    "lock-redlock.expires",
                    self.key.map_or("-".into(), |e| ms(e.expire_at)),
                ),
                ("lock-redlock.boots", self.boots.to_string()),
            ],
            STORAGE => {
                let mut d = self.storage.details(&KEYS);
                d.push(("lock-redlock.fence", self.fence.to_string()));
                d
            }
            _ => self.client_rows(),
        }
    }

    fn panels(&self) -> Vec<Panel> {
        match self.kind() {
            INSTANCE => vec![Panel::Rows {
                title: "lock-redlock.panel.key",
                rows: vec![
                    ("lock-redlock.key", self.key_text()),
                    (
                        "lock-redlock.expires",
                        self.key.map_or("-".into(), |e| ms(e.expire_at)),
                    ),
                ],
            }],
            STORAGE => self.storage.panels(&KEYS),
            CLIENT => vec![Panel::Rows {
                title: "lock-redlock.panel.client",
                rows: self.client_rows(),
            }],
            _ => Vec::new(),
        }
    }

    fn arc_timer(timer: super::Timer) -> bool {
        matches!(timer, super::Timer::Expire | super::Timer::Validity)
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec!["client", "lock-redlock.instance", KEYS.kind],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let cfg = sim.node(0).config();
        let st = &sim.node(cfg.storage_node()).storage;
        let grants: Vec<u64> = (cfg.first_client()..sim.n())
            .map(|i| sim.node(i).grants)
            .collect();
        json!({
            "instances": cfg.instances,
            "majority": cfg.majority(),
            "requests": m.requests,
            "rounds": m.rounds(),
            "won": m.won,
            "no_majority": m.no_majority,
            "too_slow": m.too_slow,
            "success_rate_pct": m.success_rate(),
            "mean_wait_ms": m.mean_wait_ms(),
            "mean_round_ms": m.mean_round_ms(),
            "grants_per_client": grants,
            "expired": m.expired,
            "restarts_without_data": m.wiped,
            "writes_accepted": st.accepted,
            "writes_rejected": st.rejected,
            "max_believed_holders": m.beliefs.max_believers,
            "faults": m.faults,
            "violations": m.violations(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        if m.violations() > 0 {
            Headline {
                key: "lock-redlock.headline.overlap",
                args: vec![
                    m.violations().to_string(),
                    m.beliefs.max_believers.to_string(),
                ],
            }
        } else {
            let cfg = sim.node(0).config();
            Headline {
                key: "lock-redlock.headline.ok",
                args: vec![
                    cfg.majority().to_string(),
                    cfg.instances.to_string(),
                    m.won.to_string(),
                    m.rounds().to_string(),
                    format!("{:.0}", m.mean_wait_ms()),
                ],
            }
        }
    }

    const SERIES: &'static [SeriesSpec] = SERIES;

    fn series(sim: &Sim<Self>) -> Vec<Series> {
        vec![Series::of(
            &SERIES[0],
            "",
            sim.monitor().holders.points().to_vec(),
        )]
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        vec![
            Stat::new("lock-redlock.requests", m.requests as f64),
            Stat::new("lock-redlock.rounds", m.rounds() as f64),
            Stat::new("lock-redlock.won", m.won as f64),
            Stat::new("lock-redlock.no_majority", m.no_majority as f64),
            Stat::new("lock-redlock.too_slow", m.too_slow as f64),
            Stat::new("lock-redlock.success_rate", m.success_rate()),
            Stat::new("lock-redlock.latency_ms", m.mean_wait_ms()),
            Stat::new("lock-redlock.round_ms", m.mean_round_ms()),
            Stat::new(
                "lock-redlock.max_wait_ms",
                (m.beliefs.max_wait / 1_000) as f64,
            ),
            Stat::new("lock-redlock.timeouts", m.timeouts as f64),
            Stat::new("lock-redlock.expired", m.expired as f64),
            Stat::new("lock-redlock.wiped", m.wiped as f64),
            Stat::new("lock-redlock.validity_over", m.validity_over as f64),
            Stat::new("lock-redlock.writes", m.writes as f64),
            Stat::new("lock-redlock.rejected", m.rejected as f64),
            Stat::new("lock-redlock.max_holders", m.beliefs.max_believers as f64),
            Stat::new("lock-redlock.overlaps", m.violations() as f64),
        ]
    }
}
