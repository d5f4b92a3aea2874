//! What the app draws of the central mutex: roles, details, the coordinator's lock and queue
//! panels, the tiered layout (clients | coordinators), headline, stats and the run summary.

use serde_json::json;

use super::{
    scenarios, texts, ClientState, Config, MutexCentral, Timer, CLIENT, COORDINATOR, PARAMS,
};
use crate::input::Params;
use crate::labs::{net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Stat, Text};
use crate::sim::{NetConfig, NodeStatus, Protocol, Sim};
use crate::{NodeId, MS};

impl NetLab for MutexCentral {
    const ID: &'static str = "mutex-central";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "clients";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = cfg.coordinators + cfg.clients;
        (cfg, net_config(p), n)
    }

    fn role(&self) -> &'static str {
        if self.is_coordinator() {
            if self.active {
                "mutex-central.coordinator"
            } else {
                "mutex-central.standby"
            }
        } else {
            match self.state {
                ClientState::Idle => "mutex-central.idle",
                ClientState::Waiting { .. } => "mutex-central.waiting",
                ClientState::Holding { .. } => "mutex-central.holding",
            }
        }
    }

    fn badge(&self) -> String {
        if self.is_coordinator() {
            format!("E{} Q{}", self.epoch, self.table.queue.len())
        } else {
            format!("#{}", self.seq)
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        if self.is_coordinator() {
            vec![
                (
                    "mutex-central.active",
                    if self.active { "yes" } else { "no" }.into(),
                ),
                ("mutex-central.epoch", self.epoch.to_string()),
                ("mutex-central.holder", self.table.holder_text()),
                (
                    "mutex-central.queue_len",
                    self.table.queue.len().to_string(),
                ),
                ("mutex-central.grants", self.grants.to_string()),
            ]
        } else {
            let state = match self.state {
                ClientState::Idle => "idle".to_string(),
                ClientState::Waiting { seq, .. } => format!("waiting #{seq}"),
                ClientState::Holding { seq } => format!("holding #{seq}"),
            };
            vec![
                ("mutex-central.state", state),
                (
                    "mutex-central.coordinator",
                    format!("C{}", self.coordinator + 1),
                ),
                ("mutex-central.entries", self.entries.to_string()),
            ]
        }
    }

    fn panels(&self) -> Vec<Panel> {
        if !self.is_coordinator() {
            return Vec::new();
        }
        vec![
            Panel::Rows {
                title: "mutex-central.panel.lock",
                rows: vec![("mutex-central.holder", self.table.holder_text())],
            },
            Panel::Queue {
                title: "mutex-central.panel.queue",
                items: self.table.queue_items(),
            },
        ]
    }

    fn arc_timer(timer: Timer) -> bool {
        matches!(timer, Timer::Cs | Timer::Watch | Timer::Recover)
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec![Self::KINDS[CLIENT].id, Self::KINDS[COORDINATOR].id],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let coordinator = Self::leader(sim);
        let waiting = (0..sim.n())
            .filter(|&i| sim.node(i).waiting_since().is_some())
            .count();
        json!({
            "entries": m.entries,
            "grants": m.grants,
            "faults": m.faults,
            "max_in_cs": m.max_in_cs,
            "first_violation_ms": m.first_violation.map(|t| t as f64 / MS as f64),
            "last_grant_ms": m.last_grant.map(|t| t as f64 / MS as f64),
            "coordinator": coordinator.map(|c| c + 1),
            "waiting": waiting,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let holders: Vec<String> = (0..sim.n())
            .filter(|&i| sim.node(i).holding())
            .map(|i| format!("p{}", i + 1))
            .collect();
        let waiting = (0..sim.n())
            .filter(|&i| sim.node(i).waiting_since().is_some())
            .count();
        match holders.len() {
            0 => Headline {
                key: "mutex-central.headline.free",
                args: vec![waiting.to_string()],
            },
            1 => Headline {
                key: "mutex-central.headline.held",
                args: vec![holders.join(""), waiting.to_string()],
            },
            _ => Headline {
                key: "mutex-central.headline.broken",
                args: vec![holders.join(", ")],
            },
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let secs = sim.now() as f64 / 1_000_000.0;
        let per_entry = if m.closed_entries == 0 {
            0.0
        } else {
            m.closed_msgs as f64 / m.closed_entries as f64
        };
        let waiting = (0..sim.n())
            .filter(|&i| sim.node(i).waiting_since().is_some())
            .count();
        vec![
            Stat::new("messages_per_entry", per_entry),
            Stat::new(
                "coordinator_msgs_per_s",
                if secs > 0.0 {
                    m.coordinator_msgs as f64 / secs
                } else {
                    0.0
                },
            ),
            Stat::new("cs_entries", m.entries as f64),
            Stat::new("waiting_clients", waiting as f64),
        ]
    }

    fn leader(sim: &Sim<Self>) -> Option<NodeId> {
        (0..sim.n())
            .filter(|&i| {
                let p = sim.node(i);
                p.is_coordinator() && p.active && sim.status(i) == NodeStatus::Up
            })
            .max_by_key(|&i| sim.node(i).epoch)
    }
}
