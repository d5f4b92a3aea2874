//! The token ring's registry row: parameters, texts (English and Chinese), colours, and what
//! the app draws and counts.

use serde_json::json;

use super::{scenarios, Config, RingNode, Timer};
use crate::labs::netlab::{lab_def, net_config, NetLab};
use crate::labs::registry::{Group, LabDef, Text};
use crate::labs::{Headline, Layout, Looks, Panel, Stat};
use crate::params::{ParamSpec, Params};
use crate::sim::{NetConfig, NodeStatus, Sim};
use crate::{NodeId, MS};

/// Parameters: ring size, load (requests per process per second, critical-section time in
/// ms), n1's turns per visit, the two timeouts (ms) and the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("nodes", 5.0, 1.0, 12.0),
    ParamSpec::float("rate", 0.5, 0.0, 20.0),
    ParamSpec::int("cs", 100.0, 1.0, 5_000.0),
    ParamSpec::int("weight", 1.0, 1.0, 5.0),
    ParamSpec::int("ack_timeout", 100.0, 1.0, 10_000.0),
    ParamSpec::int("regen_timeout", 2_000.0, 10.0, 60_000.0),
];

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<RingNode>();

/// A session from parameters with an explicit configuration (tests set broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> crate::labs::NetSession<RingNode> {
    let (_, net, n) = RingNode::build(p);
    crate::labs::NetSession::new(n.max(1), cfg, net, seed)
}

const TEXTS: &[Text] = &[
    (
        "lab.mutex-token-ring.about",
        "Processes form a ring and one token goes round it; the holder may enter the critical section, then passes the token on — at once if it does not need it. Crash a process and its predecessor skips it when no Ack comes; crash the holder and the token is lost, then regenerated after a timeout. Split the ring and both halves end up with a token.",
        "进程组成一个环，一个令牌沿环传递；持有令牌的进程可以进入临界区，之后把令牌传给下一个——不需要时立即传递。让某个进程宕机，它的前驱收不到确认就会跳过它；让持有者宕机，令牌丢失，超时后重新生成。把环分成两半，两边最终各有一个令牌。",
    ),
    ("kind.tokenring.process", "Process", "进程"),
    ("role.tokenring.in_cs", "In the critical section", "在临界区内"),
    ("role.tokenring.holder", "Holds the token", "持有令牌"),
    ("role.tokenring.waiting", "Waiting for the token", "等待令牌"),
    ("role.tokenring.claiming", "Claiming a new token", "申请生成新令牌"),
    ("role.tokenring.idle", "Idle", "空闲"),
    (
        "inv.one-token",
        "One token: at most one token held or on the wire",
        "唯一令牌：被持有或在传输中的令牌至多一个",
    ),
    ("note.tokenring.enter", "enters the critical section after waiting {0} ms", "等待 {0} 毫秒后进入临界区"),
    ("note.tokenring.queue_full", "refuses a request: {0} already waiting", "拒绝请求：已有 {0} 个在等待"),
    ("note.tokenring.stale", "discards a token of old generation {0}", "丢弃旧代（第 {0} 代）令牌"),
    ("note.tokenring.duplicate", "discards a duplicate token (hop {0})", "丢弃重复的令牌（第 {0} 跳）"),
    ("note.tokenring.merge", "already holds a token: discards the second copy (hop {0})", "已持有令牌：丢弃第二份（第 {0} 跳）"),
    ("note.tokenring.yield", "yields to n{0}'s higher claim", "让位于 n{0} 更高的申请"),
    ("note.tokenring.refused", "n{0} refuses its claim: the token is alive or newer", "n{0} 拒绝其申请：令牌仍在或已有更新的一代"),
    ("note.tokenring.skip", "no Ack from n{0}: skips it", "未收到 n{0} 的确认：跳过它"),
    ("note.tokenring.alone", "no one else answers: keeps the token of generation {0}", "无人应答：保留第 {0} 代令牌"),
    ("note.tokenring.claim", "has not seen the token for too long: claims generation {0}", "太久未见令牌：申请生成第 {0} 代"),
    ("note.tokenring.regenerate", "nobody refused: regenerates the token, generation {0}", "无人反对：重新生成令牌，第 {0} 代"),
    ("timer.tokenring.request", "next request", "下一次请求"),
    ("timer.tokenring.cs_done", "critical section ends", "临界区结束"),
    ("timer.tokenring.ack", "Ack timeout", "确认超时"),
    ("timer.tokenring.loss", "token loss timeout", "令牌丢失超时"),
    ("timer.tokenring.claim", "claim window", "申请等待期"),
    ("detail.tokenring.generation", "Known generation", "已知令牌代"),
    ("detail.tokenring.successor", "Successor", "后继"),
    ("detail.tokenring.pending", "Waiting requests", "等待中的请求"),
    ("detail.tokenring.entries", "Entries", "进入次数"),
    ("detail.tokenring.mean_wait", "Mean wait (ms)", "平均等待（毫秒）"),
    ("panel.tokenring.requests", "Waiting requests (asked at, ms)", "等待中的请求（请求时刻，毫秒）"),
    ("stat.tokenring.entries", "Critical-section entries", "临界区进入次数"),
    ("stat.tokenring.messages_per_entry", "Messages per entry", "每次进入的消息数"),
    ("stat.tokenring.wait_mean", "Mean wait (ms)", "平均等待（毫秒）"),
    ("stat.tokenring.wait_first", "Mean wait of n1 (ms)", "n1 的平均等待（毫秒）"),
    ("stat.tokenring.wait_last", "Mean wait of the last process (ms)", "最后一个进程的平均等待（毫秒）"),
    ("stat.tokenring.wait_max", "Longest wait (ms)", "最长等待（毫秒）"),
    ("stat.tokenring.regenerations", "Tokens regenerated", "重新生成的令牌数"),
    ("stat.tokenring.skips", "Processes skipped", "被跳过的进程次数"),
    ("tokenring.headline.holder", "Token at {0} (generation {1})", "令牌在 {0}（第 {1} 代）"),
    ("tokenring.headline.moving", "Token on the wire", "令牌在传输中"),
    ("tokenring.headline.none", "No token: lost?", "没有令牌：丢失了？"),
    ("tokenring.headline.several", "{0} tokens!", "{0} 个令牌！"),
    ("scenario.tokenring-all-request", "Everyone asks at once", "所有进程同时请求"),
    (
        "scenario.tokenring-all-request.about",
        "The notes' weakness, in order: all five processes ask at 1 ms, just after the token has left n1. They are served in ring order n2, n3, n4, n5, n1, each waiting one more critical section than the one before it — waiting time grows with the position on the ring, and n1, which just let the token go, waits longest.",
        "笔记中指出的弱点，按顺序演示：五个进程在 1 毫秒时同时请求，此时令牌刚离开 n1。它们按环的顺序 n2、n3、n4、n5、n1 依次获得服务，每个都比前一个多等一个临界区的时间——等待时间随环上位置增长，刚把令牌交出去的 n1 等得最久。",
    ),
    ("scenario.tokenring-lone-requester", "A lone requester in a bad position", "位置不好的单个请求者"),
    (
        "scenario.tokenring-lone-requester.about",
        "Eight processes, and only n1 wants the resource — just after passing the token on. Nobody else needs it, yet the token must visit all seven others first: n1 waits a whole rotation, and the entry costs sixteen messages (eight Tokens, eight Acks). The token keeps circulating afterwards even though no one asks (“实时性弱”).",
        "八个进程，只有 n1 需要资源——而且恰好在它把令牌传出之后。没有别的进程需要，令牌却必须先经过其余七个进程：n1 要等完整一轮，这一次进入花费十六条消息（八个 Token、八个 Ack）。之后即使没人请求，令牌仍在不停传递（实时性弱）。",
    ),
    ("scenario.tokenring-dropped-token", "A dropped token is not lost", "被丢弃的令牌并未丢失"),
    (
        "scenario.tokenring-dropped-token.about",
        "At 510 ms the Token that n1 sent to n2 is dropped on the wire. n1 still has its copy and waits for n2's Ack; none comes within the Ack timeout, so n1 treats n2 like a dead process, skips it and passes the token to n3. The ring goes on; n2 gets the token again on the next round. (Drop an Ack instead, and the sender's copy becomes a second token until a process that has seen a later hop discards it.)",
        "510 毫秒时，n1 发给 n2 的 Token 在传输中被丢弃。n1 手里仍有副本并等待 n2 的 Ack；确认超时内没有收到，n1 就把 n2 当作宕机的进程，跳过它，把令牌传给 n3。环继续运转；下一轮 n2 又会拿到令牌。（如果丢弃的是 Ack，发送方的副本就成了第二个令牌，直到某个见过更靠后跳数的进程把它丢弃。）",
    ),
    ("scenario.tokenring-dead-successor", "A dead successor is skipped", "跳过宕机的后继"),
    (
        "scenario.tokenring-dead-successor.about",
        "n3 crashes at 1 s. n2 passes the token to it, gets no Ack within the Ack timeout, and passes it to n4 instead: every process knows the whole ring, so it knows whom to skip to. This repeats every round until n3 restarts at 3 s and is served again.",
        "n3 在 1 秒时宕机。n2 把令牌传给它，在确认超时内收不到 Ack，于是改传给 n4：每个进程都记得整个环，所以知道跳过一个参与者后该传给谁。每一轮都如此，直到 n3 在 3 秒时重启并重新获得服务。",
    ),
    ("scenario.tokenring-holder-crash", "The holder crashes: token lost", "持有者宕机：令牌丢失"),
    (
        "scenario.tokenring-holder-crash.about",
        "n3 crashes at 1.8 s while holding the token, in its critical section: the token is gone. A process that has not seen it for the loss timeout (2 s) broadcasts a Claim for a new generation; at about 3 s the first claims are refused (Nack) by processes that saw the token less than 2 s ago. At about 5.4 s nobody has seen it for that long: a claim goes unrefused through the claim window, and its sender mints the new token. Service resumes; n3 restarts at 6 s.",
        "n3 在 1.8 秒时宕机，此时它正持有令牌并在临界区内：令牌随之消失。超过令牌丢失超时（2 秒）未见令牌的进程广播 Claim 申请新一代令牌；约 3 秒时最初的申请被 2 秒内见过令牌的进程拒绝（Nack）。约 5.4 秒时已无人在这么长时间内见过令牌：一个申请在等待期内无人反对，发起者生成新令牌。服务恢复；n3 在 6 秒时重启。",
    ),
    ("scenario.tokenring-partition-two-tokens", "Partition: two tokens", "网络分区：两个令牌"),
    (
        "scenario.tokenring-partition-two-tokens.about",
        "The lesson. At 1 s the ring is split into {n1, n2} and {n3, n4, n5}. n5 holds the token, which is not lost — it keeps circulating among n3, n4 and n5, skipping the unreachable processes — but n1 and n2 cannot tell: after the loss timeout one of them regenerates a token of a newer generation. Two tokens, two processes in the critical section at once: mutual exclusion breaks. When the network heals at 5 s, the older token is discarded at the first process that knows the newer generation.",
        "本实验的教训。1 秒时环被分成 {n1, n2} 和 {n3, n4, n5} 两部分。此时令牌在 n5 手中，并没有丢失——它继续在 n3、n4、n5 之间传递，跳过不可达的进程——但 n1 和 n2 无法分辨：令牌丢失超时后，其中一个生成更新一代的令牌。两个令牌，两个进程同时在临界区内：互斥被打破。5 秒网络恢复后，旧令牌一到达知道新一代的进程就被丢弃。",
    ),
    ("scenario.tokenring-weighted", "Weighted turns", "轮值权重"),
    (
        "scenario.tokenring-weighted.about",
        "The notes' improvement, weighted turns: n1 may enter the critical section three times per visit of the token, the others once. Under heavy load (everyone always waiting) n1 gets about three times as many entries as each other process.",
        "笔记中的改进——增加轮值权重：令牌每到一次，n1 可以进入临界区三次，其他进程一次。在高负载下（每个进程一直在等待），n1 的进入次数约为其他每个进程的三倍。",
    ),
];

const LOOKS: Looks = Looks {
    roles: &[
        ("tokenring.in_cs", "#e0504a"),
        ("tokenring.holder", "#2eb872"),
        ("tokenring.waiting", "#f0a030"),
        ("tokenring.claiming", "#d16ba5"),
        ("tokenring.idle", "#7b86a8"),
    ],
    messages: &[
        ("Token", "#2eb872"),
        ("Ack", "#7b86a8"),
        ("Claim", "#d16ba5"),
        ("Nack", "#f0a030"),
    ],
};

fn holders(sim: &Sim<RingNode>) -> Vec<NodeId> {
    (0..sim.n())
        .filter(|&i| sim.status(i) != NodeStatus::Down && sim.node(i).holding.is_some())
        .collect()
}

impl NetLab for RingNode {
    const ID: &'static str = "mutex-token-ring";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = TEXTS;
    const LOOKS: Looks = LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let net = NetConfig {
            fifo: true,
            ..net_config(p)
        };
        (
            Config::from_params(p),
            net,
            p.get_u64("nodes").max(1) as usize,
        )
    }

    fn role(&self) -> &'static str {
        if self.in_cs {
            "tokenring.in_cs"
        } else if self.holding.is_some() {
            "tokenring.holder"
        } else if self.claim.is_some() {
            "tokenring.claiming"
        } else if !self.pending.is_empty() {
            "tokenring.waiting"
        } else {
            "tokenring.idle"
        }
    }

    fn badge(&self) -> String {
        format!("G{}", self.gen.0)
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let mean = if self.entries == 0 {
            "-".to_string()
        } else {
            format!(
                "{:.0}",
                self.waited as f64 / self.entries as f64 / MS as f64
            )
        };
        vec![
            (
                "tokenring.generation",
                format!("{}/n{}", self.gen.0, self.gen.1 + 1),
            ),
            ("tokenring.successor", format!("n{}", self.ahead(1) + 1)),
            ("tokenring.pending", self.pending.len().to_string()),
            ("tokenring.entries", self.entries.to_string()),
            ("tokenring.mean_wait", mean),
        ]
    }

    fn panels(&self) -> Vec<Panel> {
        vec![Panel::Queue {
            title: "panel.tokenring.requests",
            items: self
                .pending
                .iter()
                .take(32)
                .map(|t| (t / MS).to_string())
                .collect(),
        }]
    }

    fn arc_timer(timer: Timer) -> bool {
        timer == Timer::CsDone
    }

    fn layout(sim: &Sim<Self>) -> Layout {
        Layout::Ring {
            order: (0..sim.n()).collect(),
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let waits: Vec<f64> = (0..sim.n()).map(|i| m.mean_wait_ms(i)).collect();
        let entries: Vec<u64> = (0..sim.n())
            .map(|i| m.waits.get(i).map_or(0, |w| w.0))
            .collect();
        json!({
            "entries": m.entries,
            "messages": m.messages,
            "token_passes": m.token_passes,
            "entries_by_node": entries,
            "mean_wait_ms_by_position": waits,
            "regenerations": m.regenerations,
            "skips": m.skips,
            "stale_tokens_discarded": m.stale,
            "holders": holders(sim).iter().map(|i| i + 1).collect::<Vec<_>>(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let h = holders(sim);
        let wire = sim.monitor().tokens_on_wire();
        match (h.as_slice(), wire) {
            ([one], 0) => Headline {
                key: "tokenring.headline.holder",
                args: vec![format!("n{}", one + 1), sim.node(*one).gen.0.to_string()],
            },
            ([], 1) => Headline {
                key: "tokenring.headline.moving",
                args: Vec::new(),
            },
            ([], 0) => Headline {
                key: "tokenring.headline.none",
                args: Vec::new(),
            },
            _ => Headline {
                key: "tokenring.headline.several",
                args: vec![(h.len() + wire).to_string()],
            },
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let per_entry = if m.entries == 0 {
            0.0
        } else {
            m.messages as f64 / m.entries as f64
        };
        vec![
            Stat::new("tokenring.entries", m.entries as f64),
            Stat::new("tokenring.messages_per_entry", per_entry),
            Stat::new("tokenring.wait_mean", m.overall_wait_ms()),
            Stat::new("tokenring.wait_first", m.mean_wait_ms(0)),
            Stat::new(
                "tokenring.wait_last",
                m.mean_wait_ms(sim.n().saturating_sub(1)),
            ),
            Stat::new("tokenring.wait_max", (m.max_wait / MS) as f64),
            Stat::new("tokenring.regenerations", m.regenerations as f64),
            Stat::new("tokenring.skips", m.skips as f64),
        ]
    }

    fn leader(sim: &Sim<Self>) -> Option<NodeId> {
        holders(sim).first().copied()
    }
}
