//! The two-tier ring's registry row: parameters, texts (English and Chinese), colours, and
//! what the app draws and counts.

use serde_json::json;

use super::{scenarios, Config, Msg, Node, Timer};
use crate::labs::netlab::{lab_def, net_config, NetLab};
use crate::labs::registry::{Group, LabDef, Text};
use crate::labs::{Headline, Layout, Looks, NetSession, Panel, Stat};
use crate::params::{ParamSpec, Params};
use crate::sim::{Message, NetConfig, NodeStatus, Sim};
use crate::{NodeId, MS};

/// Parameters: LANs, processes per LAN (the coordinator included), load (requests per
/// process per second, critical-section time in ms) and the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("lans", 3.0, 2.0, 4.0),
    ParamSpec::int("per_lan", 3.0, 2.0, 5.0),
    ParamSpec::float("rate", 0.5, 0.0, 20.0),
    ParamSpec::int("cs", 50.0, 1.0, 5_000.0),
];

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Node>();

/// The configuration a parameter set gives.
pub fn config(p: &Params) -> Config {
    Config {
        lans: p.get_u64("lans").max(1) as usize,
        per_lan: p.get_u64("per_lan").max(2) as usize,
        rate: p.get("rate").max(0.0),
        cs: p.get_u64("cs").max(1) * MS,
        latency_max: p.get_u64("latency_max") * MS,
        broken_ignore_global: false,
        broken_starve_last: false,
    }
}

/// A session with an explicit configuration (tests: a flat ring with `lans = 1`, the broken
/// variant); the network still comes from `p`.
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Node> {
    let (_, net, _) = Node::build(p);
    NetSession::new(cfg.n(), cfg, net, seed)
}

const TEXTS: &[Text] = &[
    (
        "lab.mutex-two-tier-ring.about",
        "LANs of processes, each with a local ring and a local token; one coordinator per LAN, and the coordinators form a global ring with a global token. While a LAN holds the global token its local token makes one tour, and each process that wants the critical section enters when the token reaches it. Crash a coordinator and the whole system stalls.",
        "若干局域网，每个局域网的进程组成局部环，环上有一个局部令牌；每个局域网有一个协调进程，各协调进程组成全局环，环上有一个全局令牌。某局域网持有全局令牌时，它的局部令牌绕局部环走一圈，想进入临界区的进程在令牌到达时进入。让一个协调进程宕机，整个系统就停住了。",
    ),
    ("kind.twotier.member", "Local process", "局部进程"),
    ("kind.twotier.coordinator", "LAN coordinator", "局域网协调进程"),
    ("role.twotier.cs", "In the critical section", "在临界区内"),
    ("role.twotier.global", "Coordinator holding the global token", "持有全局令牌的协调进程"),
    ("role.twotier.local", "Holds the local token", "持有局部令牌"),
    ("role.twotier.waiting", "Waiting for the token", "等待令牌"),
    ("role.twotier.idle", "Idle", "空闲"),
    ("note.twotier.enter", "enters the critical section after waiting {0} ms", "等待 {0} 毫秒后进入临界区"),
    ("note.twotier.exit", "leaves the critical section (entry {0}) and passes the local token on", "离开临界区（第 {0} 次进入）并传出局部令牌"),
    ("note.twotier.tour", "holds the global token: LAN {0}'s local token starts its tour", "持有全局令牌：局域网 {0} 的局部令牌开始绕环"),
    ("note.twotier.stale", "discards a duplicate or stale token (hop {0})", "丢弃重复或过期的令牌（第 {0} 跳）"),
    ("note.twotier.queue_full", "refuses a request: {0} already waiting", "拒绝请求：已有 {0} 个请求在等待"),
    ("timer.twotier.request", "next request", "下一次请求"),
    ("timer.twotier.cs_done", "critical section ends", "临界区结束"),
    ("detail.twotier.lan", "LAN", "局域网"),
    ("detail.twotier.place", "Place in the local ring", "在局部环中的位置"),
    ("detail.twotier.local_next", "Next in the local ring", "局部环中的下一个"),
    ("detail.twotier.global_next", "Next coordinator", "下一个协调进程"),
    ("detail.twotier.global", "Global token", "全局令牌"),
    ("detail.twotier.local", "Local token", "局部令牌"),
    ("detail.twotier.pending", "Waiting requests", "等待中的请求"),
    ("detail.twotier.entries", "Entries", "进入次数"),
    ("detail.twotier.mean_wait", "Mean wait (ms)", "平均等待（毫秒）"),
    ("panel.twotier.requests", "Waiting requests (asked at, ms)", "等待中的请求（请求时刻，毫秒）"),
    ("stat.twotier.entries", "Critical-section entries", "临界区进入次数"),
    ("stat.twotier.local_per_entry", "Local-token messages per entry", "每次进入的局部令牌消息数"),
    ("stat.twotier.global_per_entry", "Global-token (WAN) messages per entry", "每次进入的全局令牌（广域网）消息数"),
    ("stat.twotier.messages_per_entry", "Messages per entry", "每次进入的消息数"),
    ("stat.twotier.wait_mean", "Mean wait (ms)", "平均等待（毫秒）"),
    ("stat.twotier.wait_max", "Longest wait (ms)", "最长等待（毫秒）"),
    ("twotier.headline.lan", "LAN {0} holds the global token (at {1}); local token at {2}", "局域网 {0} 持有全局令牌（在 {1}）；局部令牌在 {2}"),
    ("twotier.headline.moving", "Global token on its way between LANs", "全局令牌正在局域网之间传递"),
    ("twotier.headline.lost", "No global token: lost, the system is stalled", "没有全局令牌：已丢失，系统停滞"),
    ("twotier.headline.lan_moving", "LAN {0} holds the global token (at {1}); local token on its way", "局域网 {0} 持有全局令牌（在 {1}）；局部令牌正在传递"),
    ("scenario.twotier-all-request", "Everyone asks at once", "所有进程同时请求"),
    (
        "scenario.twotier-all-request.about",
        "Three LANs of three; at 100 ms all nine processes ask for the critical section. They enter LAN by LAN: while LAN 1 holds the global token its local token tours n1, n2, n3 and each enters in turn; then the global token goes to LAN 2's coordinator n4, and so on. Nine entries cost nine local-token hops and three global-token hops, one lap.",
        "三个局域网，每个三个进程；100 毫秒时九个进程同时请求临界区。它们按局域网依次进入：局域网 1 持有全局令牌时，局部令牌依次经过 n1、n2、n3，各自进入；然后全局令牌交给局域网 2 的协调进程 n4，依此类推。九次进入只花一圈：九次局部令牌传递和三次全局令牌传递。",
    ),
    ("scenario.twotier-lone-requester", "A lone requester", "单个请求者"),
    (
        "scenario.twotier-lone-requester.about",
        "Only n9, the last process of the last LAN, asks (at 100 ms). It must wait until the global token reaches LAN 3 and the local token has passed n7 and n8: every process sees the token whether it needs it or not, so one entry costs a whole lap of messages — the notes' weakness of the token ring, here on two levels.",
        "只有最后一个局域网的最后一个进程 n9 在 100 毫秒时请求。它要等全局令牌到达局域网 3，且局部令牌经过 n7 和 n8：不管需不需要，每个进程都会收到令牌，所以一次进入要花一整圈的消息——笔记中令牌环的缺点，在这里出现在两层上。",
    ),
    ("scenario.twotier-coordinator-crash", "A coordinator crashes", "协调进程宕机"),
    (
        "scenario.twotier-coordinator-crash.about",
        "Requests at 2 per process per second. At 1 s LAN 2's coordinator n4 crashes: the global token it held, or the one sent to it next, is lost, and no token is ever made again. LAN 2 is cut off from the global ring, and every other LAN waits for a global token that never comes: the whole system stalls, even after n4 restarts at 2.5 s.",
        "每个进程每秒 2 次请求。1 秒时局域网 2 的协调进程 n4 宕机：它持有的全局令牌，或随后发给它的全局令牌，丢失了，而且不会重新生成。局域网 2 脱离了全局环，其他局域网都在等一个永远不会来的全局令牌：整个系统停滞，即使 n4 在 2.5 秒恢复也一样。",
    ),
    ("scenario.twotier-duplicates", "Duplicated messages", "重复的消息"),
    (
        "scenario.twotier-duplicates.about",
        "The network duplicates 30% of messages. A copied token would let two processes in at once, but each token carries its hop number and every process remembers the highest it has seen, so the copies are discarded (the notes' stale-token records) and mutual exclusion holds.",
        "网络会重复 30% 的消息。令牌的副本本会让两个进程同时进入，但每个令牌都带有跳数，每个进程都记住自己见过的最大跳数，所以副本会被丢弃（记录中的过期令牌），互斥依然成立。",
    ),
];

const LOOKS: Looks = Looks {
    roles: &[
        ("twotier.cs", "#e0564f"),
        ("twotier.global", "#f0a030"),
        ("twotier.local", "#2eb872"),
        ("twotier.waiting", "#5b8def"),
        ("twotier.idle", "#7b86a8"),
    ],
    messages: &[("GlobalToken", "#f0a030"), ("LocalToken", "#2eb872")],
};

fn label(id: NodeId) -> String {
    format!("n{}", id + 1)
}

impl NetLab for Node {
    const ID: &'static str = "mutex-two-tier-ring";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "per_lan";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = TEXTS;
    const LOOKS: Looks = LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = config(p);
        let n = cfg.n();
        let net = NetConfig {
            fifo: true,
            ..net_config(p)
        };
        (cfg, net, n)
    }

    fn role(&self) -> &'static str {
        if self.in_cs.is_some() {
            "twotier.cs"
        } else if self.global.is_some() && self.is_coordinator() {
            "twotier.global"
        } else if self.local.is_some() {
            "twotier.local"
        } else if !self.pending.is_empty() {
            "twotier.waiting"
        } else {
            "twotier.idle"
        }
    }

    fn badge(&self) -> String {
        if self.pending.is_empty() {
            format!("L{}", self.lan + 1)
        } else {
            format!("L{} +{}", self.lan + 1, self.pending.len())
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let mean = if self.entries == 0 {
            "-".to_string()
        } else {
            format!(
                "{:.1}",
                self.wait_total as f64 / self.entries as f64 / MS as f64
            )
        };
        let mut rows = vec![
            ("twotier.lan", (self.lan + 1).to_string()),
            ("twotier.place", (self.pos + 1).to_string()),
            ("twotier.local_next", label(self.local_next())),
        ];
        if self.is_coordinator() && self.cfg.lans > 1 {
            rows.push(("twotier.global_next", label(self.global_next())));
            rows.push((
                "twotier.global",
                self.global.map_or("-".into(), |s| format!("hop {s}")),
            ));
        }
        rows.extend([
            (
                "twotier.local",
                self.local.map_or("-".into(), |(r, h)| format!("{r}.{h}")),
            ),
            ("twotier.pending", self.pending.len().to_string()),
            ("twotier.entries", self.entries.to_string()),
            ("twotier.mean_wait", mean),
        ]);
        rows
    }

    fn panels(&self) -> Vec<Panel> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        vec![Panel::Queue {
            title: "panel.twotier.requests",
            items: self
                .pending
                .iter()
                .map(|r| format!("{}", r.at / MS))
                .collect(),
        }]
    }

    fn arc_timer(timer: Timer) -> bool {
        timer == Timer::CsDone
    }

    fn layout(sim: &Sim<Self>) -> Layout {
        Layout::Clusters {
            of: (0..sim.n()).map(|i| sim.node(i).lan as u32).collect(),
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        json!({
            "lans": sim.node(0).cfg.lans,
            "per_lan": sim.node(0).cfg.per_lan,
            "entries": m.entries,
            "local_token_messages": m.local_msgs,
            "global_token_messages": m.global_msgs,
            "global_token_at": global_holder(sim).map(|i| i + 1),
            "last_entry_ms": m.last_entry.map(|t| t as f64 / MS as f64),
            "overlaps": m.overlaps,
            "waiting_requests": (0..sim.n())
                .filter(|&i| sim.status(i) != NodeStatus::Down)
                .map(|i| sim.node(i).pending.len())
                .sum::<usize>(),
            "faults": m.faulty,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        if let Some(c) = global_holder(sim) {
            let lan = sim.node(c).lan;
            let local = (0..sim.n()).find(|&i| {
                let p = sim.node(i);
                p.lan == lan && p.local.is_some() && sim.status(i) != NodeStatus::Down
            });
            let mut args = vec![(lan + 1).to_string(), label(c)];
            let key = match local {
                Some(l) => {
                    args.push(label(l));
                    "twotier.headline.lan"
                }
                None => "twotier.headline.lan_moving",
            };
            return Headline { key, args };
        }
        let global_kind = (Msg::GlobalToken { seq: 0 }).kind();
        let key = if sim.inflight().any(|m| m.kind == global_kind) {
            "twotier.headline.moving"
        } else {
            "twotier.headline.lost"
        };
        Headline {
            key,
            args: Vec::new(),
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let (local, global, total) = m.per_entry();
        vec![
            Stat::new("twotier.entries", m.entries as f64),
            Stat::new("twotier.local_per_entry", round2(local)),
            Stat::new("twotier.global_per_entry", round2(global)),
            Stat::new("twotier.messages_per_entry", round2(total)),
            Stat::new("twotier.wait_mean", round2(m.wait_mean_ms())),
            Stat::new("twotier.wait_max", m.wait_max_ms as f64),
        ]
    }

    fn leader(sim: &Sim<Self>) -> Option<NodeId> {
        global_holder(sim)
    }
}

/// The coordinator (up or paused) whose LAN holds the global token.
pub fn global_holder(sim: &Sim<Node>) -> Option<NodeId> {
    (0..sim.n()).find(|&i| {
        let p = sim.node(i);
        p.is_coordinator() && p.global.is_some() && sim.status(i) != NodeStatus::Down
    })
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
