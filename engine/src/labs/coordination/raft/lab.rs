//! Raft as a lab: parameters checked, the view (roles, details, logs, progress), the
//! headline and the runner's summary.

use serde_json::json;

use super::{
    build_with, kv_text, members_text, scenarios, Config, Raft, Role, Timer, LOOKS, PARAMS, TEXTS,
};
use crate::input::Params;
use crate::labs::{
    Group, Headline, LogView, Looks, NetLab, Panel, ParamSpec, PeerProgress, Text, LOG_TAIL,
};
use crate::params::InputError;
use crate::sim::{NetConfig, Sim};
use crate::{NodeId, MS};

impl NetLab for Raft {
    const ID: &'static str = "raft";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = TEXTS;
    const LOOKS: Looks = LOOKS;
    const DEMO: &'static [(&'static str, f64)] = &[("clients", 2.0)];

    fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
        p.order_pair("timeout_min", "timeout_max", errors);
    }

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        build_with(p, &Config::from_params(p))
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        match Self::leader(sim) {
            Some(n) => Headline {
                key: "raft.headline.leader",
                args: vec![format!("n{}", n + 1), sim.node(n).current_term.to_string()],
            },
            None => Headline {
                key: "raft.headline.none",
                args: Vec::new(),
            },
        }
    }

    fn role(&self) -> &'static str {
        if !self.is_member() && self.role != Role::Leader {
            return "spare";
        }
        match self.role {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }

    fn badge(&self) -> String {
        format!("T{}", self.current_term)
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let who = |n: Option<NodeId>| n.map_or("-".to_string(), |n| format!("n{}", n + 1));
        let snapshot = self.log.snapshot();
        vec![
            ("member", if self.is_member() { "yes" } else { "no" }.into()),
            ("members", members_text(self.members)),
            ("configIndex", self.config_index.to_string()),
            ("term", self.current_term.to_string()),
            ("votedFor", who(self.voted_for)),
            ("leader", who(self.leader)),
            ("votes", self.votes.len().to_string()),
            ("log", self.log.last_index().to_string()),
            (
                "snapshot",
                match snapshot.index {
                    0 => "-".into(),
                    k => format!("≤ {k} (T{})", snapshot.term),
                },
            ),
            ("commitIndex", self.commit_index.to_string()),
            ("lastApplied", self.last_applied.to_string()),
            ("kv", kv_text(&self.kv)),
            ("kvDigest", format!("{:08x}", self.kv_digest())),
        ]
    }

    /// The snapshot, once there is one: what it covers and holds, and how many entries the log
    /// keeps after it.
    fn panels(&self) -> Vec<Panel> {
        let s = self.log.snapshot();
        if s.index == 0 {
            return Vec::new();
        }
        vec![Panel::Rows {
            title: "raft.panel.snapshot",
            rows: vec![
                ("raft.snapshot.index", s.index.to_string()),
                ("raft.snapshot.term", s.term.to_string()),
                ("raft.snapshot.state", kv_text(&s.kv)),
                ("raft.snapshot.config", members_text(s.members)),
                ("raft.snapshot.kept", self.log.stored().to_string()),
            ],
        }]
    }

    fn arc_timer(timer: Timer) -> bool {
        timer == Timer::Election
    }

    fn log_view(&self) -> Option<LogView> {
        let last = self.log.last_index();
        let start = last
            .saturating_sub(LOG_TAIL as u64 - 1)
            .max(self.log.first_index());
        Some(LogView {
            len: last,
            commit: self.commit_index,
            applied: self.last_applied,
            start,
            tail: self
                .log
                .iter_range(start - 1, last)
                .map(|e| e.term)
                .collect(),
            snapshot: self.log.snapshot().index,
            snapshot_term: self.log.snapshot().term,
        })
    }

    fn progress(&self) -> Vec<PeerProgress> {
        if self.role != Role::Leader {
            return Vec::new();
        }
        self.peers()
            .map(|peer| PeerProgress {
                peer,
                next: self.next_index[peer],
                matched: self.match_index[peer],
            })
            .collect()
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let leaders: serde_json::Map<String, serde_json::Value> = m
            .leaders
            .iter()
            .map(|(term, (node, at))| {
                (
                    term.to_string(),
                    json!({ "node": node + 1, "at_ms": *at as f64 / MS as f64 }),
                )
            })
            .collect();
        json!({
            "first_leader_ms": m.first_leader.map(|t| t as f64 / MS as f64),
            "leaders_by_term": leaders,
            "elections_started": m.elections,
            "current_leader": Self::leader(sim).map(|n| n + 1),
            "committed": m.committed(),
            "last_commit_ms": m.last_commit.map(|t| t as f64 / MS as f64),
        })
    }

    fn leader(sim: &Sim<Self>) -> Option<NodeId> {
        (0..sim.n())
            .filter(|&i| {
                sim.node(i).role == Role::Leader && sim.status(i) == crate::sim::NodeStatus::Up
            })
            .max_by_key(|&i| sim.node(i).current_term)
    }
}
