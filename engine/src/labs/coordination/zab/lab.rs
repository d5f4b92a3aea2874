//! The ZAB election as a lab: parameters, how it is built, and what the app draws of it.

use serde_json::json;

use super::{scenarios, texts, Config, State, Timer, Zab, OBSERVER, SERVER};
use crate::labs::registry::{Group, LabDef, Text};
use crate::labs::{lab_def, net_config, Headline, Layout, Looks, NetLab, NetSession, Stat};
use crate::params::{InputError, ParamSpec, Params, TextSpec};
use crate::sim::{NetConfig, NodeStatus, Protocol, Sim};
use crate::{NodeId, MS};

/// Most voting servers.
pub const MAX_VOTERS: usize = 9;

pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("nodes", 3.0, 3.0, MAX_VOTERS as f64),
    ParamSpec::int("observers", 0.0, 0.0, 3.0),
    ParamSpec::int("late", 0.0, 0.0, (MAX_VOTERS - 1) as f64),
    ParamSpec::int("zxid_spread", 0.0, 0.0, 1_000.0),
    ParamSpec::int("finalize", 100.0, 0.0, 5_000.0),
    ParamSpec::int("notify", 400.0, 20.0, 10_000.0),
    ParamSpec::int("heartbeat", 50.0, 5.0, 5_000.0),
    ParamSpec::int("sync", 250.0, 20.0, 10_000.0),
];

/// `zxids=5,3,0`: each voting server's last zxid (empty: from `zxid_spread`).
pub const TEXT_PARAMS: &[TextSpec] = &[TextSpec {
    key: "zxids",
    default: "",
    check: check_zxids,
}];

/// `5,3,0` → zxids (each 0..=1,000,000, at most 9); empty → none.
pub fn parse_zxids(v: &str) -> Result<Vec<u64>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(Vec::new());
    }
    let list: Result<Vec<u64>, String> = v
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<u64>()
                .ok()
                .filter(|z| *z <= 1_000_000)
                .ok_or_else(|| format!("`{}` is not a zxid from 0 to 1000000", s.trim()))
        })
        .collect();
    let list = list?;
    if list.len() > MAX_VOTERS {
        return Err(format!("at most {MAX_VOTERS} values"));
    }
    Ok(list)
}

fn check_zxids(v: &str) -> Result<(), String> {
    parse_zxids(v).map(|_| ())
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let voters = p.get_u64("nodes").clamp(1, MAX_VOTERS as u64) as usize;
        let spread = p.get_u64("zxid_spread");
        let zxids = match parse_zxids(p.text("zxids")) {
            Ok(list) if list.len() == voters => list,
            _ => (0..voters as u64)
                .map(|i| spread * (voters as u64 - 1 - i))
                .collect(),
        };
        Config {
            voters,
            observers: p.get_u64("observers") as usize,
            late: (p.get_u64("late") as usize).min(voters.saturating_sub(1)),
            zxids,
            finalize: p.get_u64("finalize") * MS,
            notify: p.get_u64("notify") * MS,
            heartbeat: p.get_u64("heartbeat") * MS,
            sync: p.get_u64("sync") * MS,
            ..Config::default()
        }
    }
}

fn build_with(p: &Params, cfg: &Config) -> (Config, NetConfig, usize) {
    let mut net = net_config(p);
    net.fifo = true;
    (cfg.clone(), net, cfg.voters + cfg.observers)
}

/// A new session.
pub fn session(p: &Params, seed: u64) -> NetSession<Zab> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants); the network
/// comes from `p`.
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Zab> {
    let (cfg, net, n) = build_with(p, cfg);
    NetSession::new(n, &cfg, net, seed)
}

const LOOKS: Looks = Looks {
    roles: &[
        ("looking", "#e0a030"),
        ("following", "#5b8def"),
        ("leading", "#2eb872"),
        ("observing", "#9b7fd4"),
        ("zab.off", "#b0b0b0"),
    ],
    messages: &[
        ("Vote", "#e0a030"),
        ("FollowerInfo", "#5b8def"),
        ("NewEpoch", "#2eb872"),
        ("AckEpoch", "#7fc97f"),
        ("Ping", "#9aa5b1"),
        ("PingAck", "#c3cbd3"),
    ],
};

fn up(sim: &Sim<Zab>, i: NodeId) -> bool {
    sim.status(i) == NodeStatus::Up
}

impl NetLab for Zab {
    const ID: &'static str = "election-zab";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const TEXT_PARAMS: &'static [TextSpec] = TEXT_PARAMS;
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: Looks = LOOKS;

    fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
        let voters = p.get_u64("nodes") as usize;
        if let Ok(list) = parse_zxids(p.text("zxids")) {
            if !list.is_empty() && list.len() != voters {
                p.reject_text(
                    "zxids",
                    format!("one zxid per voting server: {voters} values"),
                    errors,
                );
            }
        }
        if p.get_u64("late") as usize >= voters {
            p.set_value("late", voters.saturating_sub(1) as f64);
        }
    }

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        build_with(p, &Config::from_params(p))
    }

    fn role(&self) -> &'static str {
        if !self.started {
            return "zab.off";
        }
        match self.state {
            State::Looking => "looking",
            State::Following => "following",
            State::Leading => "leading",
            State::Observing => "observing",
        }
    }

    fn badge(&self) -> String {
        match self.state {
            State::Looking if self.started => {
                format!("(n{}, {})", self.vote.leader + 1, self.vote.zxid)
            }
            _ => format!("z{}", self.zxid),
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let who = |n: Option<NodeId>| n.map_or("-".to_string(), |n| format!("n{}", n + 1));
        let votes: Vec<String> = (0..self.voters)
            .filter_map(|i| self.recv[i].map(|v| format!("n{}→n{}", i + 1, v.leader + 1)))
            .collect();
        vec![
            ("zab.state", self.state.name().to_string()),
            ("zab.zxid", self.zxid.to_string()),
            ("zab.round", self.round.to_string()),
            (
                "zab.vote",
                format!("(n{}, {})", self.vote.leader + 1, self.vote.zxid),
            ),
            (
                "zab.votes",
                if votes.is_empty() {
                    "-".into()
                } else {
                    votes.join(" ")
                },
            ),
            (
                "leader",
                who(self
                    .leader
                    .or((self.state == State::Leading).then_some(self.id))),
            ),
            ("zab.epoch", self.current_epoch.to_string()),
            ("zab.accepted", self.accepted_epoch.to_string()),
            (
                "zab.established",
                match self.state {
                    State::Leading => self.established,
                    State::Following | State::Observing => self.synced,
                    State::Looking => false,
                }
                .to_string(),
            ),
        ]
    }

    fn arc_timer(timer: Timer) -> bool {
        timer == Timer::Finalize
    }

    fn layout(sim: &Sim<Self>) -> Layout {
        if (0..sim.n()).any(|i| sim.kind(i) == OBSERVER) {
            Layout::Tiers {
                kinds: vec![Self::KINDS[SERVER].id, Self::KINDS[OBSERVER].id],
            }
        } else {
            Layout::Circle
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let leaders: serde_json::Map<String, serde_json::Value> = m
            .leaders
            .iter()
            .map(|(epoch, (node, at))| {
                (
                    epoch.to_string(),
                    json!({ "node": node + 1, "at_ms": *at as f64 / MS as f64 }),
                )
            })
            .collect();
        let states: Vec<&str> = (0..sim.n())
            .map(|i| {
                if up(sim, i) {
                    sim.node(i).role()
                } else {
                    "down"
                }
            })
            .collect();
        json!({
            "leader": Self::leader(sim).map(|n| n + 1),
            "leaders_by_epoch": leaders,
            "states": states,
            "zxids": (0..sim.n()).map(|i| sim.node(i).zxid).collect::<Vec<_>>(),
            "rounds": (0..sim.n()).map(|i| sim.node(i).round).collect::<Vec<_>>(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        match Self::leader(sim) {
            Some(l) => Headline {
                key: "zab.headline.leader",
                args: vec![
                    format!("n{}", l + 1),
                    sim.node(l).current_epoch.to_string(),
                    sim.node(l).round.to_string(),
                ],
            },
            None => Headline {
                key: "zab.headline.looking",
                args: vec![(0..sim.n())
                    .filter(|&i| {
                        up(sim, i) && sim.node(i).started && sim.node(i).state == State::Looking
                    })
                    .count()
                    .to_string()],
            },
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let voters = (0..sim.n()).filter(|&i| sim.kind(i) == SERVER).count() as f64;
        vec![
            Stat::new("zab.notifications", m.notifications as f64),
            Stat::new("zab.round_votes", m.last_round_votes() as f64),
            Stat::new("zab.n_n_1", voters * (voters - 1.0)),
            Stat::new("zab.rounds", m.votes_by_round.len() as f64),
            Stat::new("zab.leaders", m.leaders.len() as f64),
            Stat::new("zab.joins", m.joins as f64),
        ]
    }

    fn leader(sim: &Sim<Self>) -> Option<NodeId> {
        (0..sim.n())
            .filter(|&i| {
                up(sim, i) && sim.node(i).state == State::Leading && sim.node(i).established
            })
            .max_by_key(|&i| sim.node(i).current_epoch)
    }
}

/// The registry row (with the `zxids` list parameter, [`NetLab::TEXT_PARAMS`]).
pub const LAB: LabDef = lab_def::<Zab>();
