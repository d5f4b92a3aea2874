//! The lab's registry row and what the app draws of it: parameters, texts (English and
//! Chinese), colours, the inspector's panels, stats, summary and headline.

use serde_json::json;

use super::{scenarios, Config, Ricart, State};
use crate::input::Params;
use crate::labs::{
    lab_def, net_config, Group, Headline, LabDef, Looks, NetLab, Panel, ParamSpec, Stat, Text,
};
use crate::sim::{NetConfig, NodeStatus, Sim};
use crate::{NodeId, Time, MS};

/// The lab's parameters: processes, the wish rate, the critical section's length, the two
/// improvements (0/1) and the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("nodes", 5.0, 2.0, 12.0),
    ParamSpec::float("rate", 0.5, 0.0, 20.0),
    ParamSpec::int("cs", 100.0, 1.0, 10_000.0),
    ParamSpec::int("skip_dead", 0.0, 0.0, 1.0),
    ParamSpec::int("majority", 0.0, 0.0, 1.0),
];

/// The lab's row in the registry.
pub const LAB: LabDef = lab_def::<Ricart>();

const TEXTS: &[Text] = &[
    (
        "lab.mutex-ricart.about",
        "Every process that wants the critical section sends a Request with its Lamport timestamp to all the others and enters after n−1 OKs: 2(n−1) messages per entry. A process answers OK at once unless it is inside, or is requesting with an earlier (timestamp, id); then it defers the OK until it leaves. Raise the rate or the number of processes to watch the signalling storm; crash or pause one process and everyone stalls. The toggles try the notes' two fixes: skip processes the heartbeat detector thinks dead, or enter on a majority of OKs — and show what each costs.",
        "想进入临界区的程序向其他所有程序发送带 Lamport 时间戳的请求，收到 n−1 个同意（OK）后进入：每次进入 2(n−1) 条消息。程序收到请求时立即回复同意，除非它正在临界区内，或它自己也在请求且（时间戳，ID）更早；这时它推迟回复，直到离开临界区。提高请求频率或程序数量，观察“信令风暴”；让一个程序宕机或暂停，所有程序都会停滞。两个开关试验笔记中的两种改进：跳过心跳检测认为已故障的程序，或只需多数同意即可进入——并看到各自的代价。",
    ),
    ("kind.ricart.process", "Process", "程序"),
    ("timer.want", "next request", "下一次请求"),
    ("timer.leave", "leave the critical section", "离开临界区"),
    ("timer.beat", "heartbeat", "心跳"),
    ("role.ricart.released", "Released", "空闲"),
    ("role.ricart.wanted", "Waiting for OKs", "等待同意"),
    ("role.ricart.held", "In the critical section", "在临界区内"),
    ("note.ricart.request", "requests the critical section with timestamp {0}", "以时间戳 {0} 请求进入临界区"),
    ("note.ricart.enter", "enters the critical section (request {0})", "进入临界区（请求时间戳 {0}）"),
    ("note.ricart.leave", "leaves the critical section and sends its deferred OKs", "离开临界区，发出推迟的同意"),
    ("note.ricart.defer", "defers its OK to n{0}", "推迟对 n{0} 的同意"),
    ("note.ricart.suspect", "suspects n{0} is dead (no heartbeat)", "怀疑 n{0} 已故障（收不到心跳）"),
    ("note.ricart.alive", "hears from n{0} again", "重新收到 n{0} 的消息"),
    ("detail.ricart.clock", "Lamport clock", "Lamport 时钟"),
    ("detail.ricart.request", "Request timestamp", "请求时间戳"),
    ("detail.ricart.oks", "OKs received", "已收到同意"),
    ("detail.ricart.pending", "Wishes queued", "排队的请求"),
    ("detail.ricart.epoch", "Boots", "启动次数"),
    ("ricart.panel.deferred", "Deferred OKs (answered on leaving)", "推迟的同意（离开时回复）"),
    ("ricart.panel.oks", "OKs for the current request", "当前请求已收到的同意"),
    ("ricart.panel.suspected", "Suspected dead", "疑似故障"),
    ("stat.ricart.entries", "Critical-section entries", "进入临界区次数"),
    ("stat.ricart.messages_per_entry", "Messages per entry (Request + OK)", "每次进入的消息数（请求 + 同意）"),
    ("stat.ricart.messages_per_second", "Messages per second", "每秒消息数"),
    ("stat.ricart.waiting", "Processes waiting", "等待中的程序"),
    ("stat.ricart.overlaps", "Entries while another was inside", "他人在内时的进入次数"),
    ("ricart.headline.held", "{0} is in the critical section · {1} waiting", "{0} 在临界区内 · {1} 个等待"),
    ("ricart.headline.free", "Critical section free · {0} waiting", "临界区空闲 · {0} 个等待"),
    ("ricart.headline.overlap", "{0} are in the critical section at once!", "{0} 同时在临界区内！"),
    ("scenario.ricart-two-requests", "Two requests at once", "两个同时的请求"),
    (
        "scenario.ricart-two-requests.about",
        "Three processes, no automatic requests. At 0.1 s n1 and n3 both request with Lamport timestamp 1. n2 is idle and answers both at once. n3 sees n1's request (1, n1) is earlier than its own (1, n3) — equal timestamps, smaller id — and answers OK; n1 defers its OK to n3. n1 enters with 2 OKs; when it leaves it sends the deferred OK and n3 enters. Two entries, 8 messages: 2(n−1) each.",
        "三个程序，不自动请求。0.1 秒时 n1 和 n3 都以 Lamport 时间戳 1 发出请求。n2 空闲，立即同意两者。n3 发现 n1 的请求 (1, n1) 比自己的 (1, n3) 更早——时间戳相同，ID 更小——于是回复同意；n1 则推迟对 n3 的同意。n1 收到 2 个同意后进入；离开时发出推迟的同意，n3 随即进入。两次进入共 8 条消息：每次 2(n−1) 条。",
    ),
    ("scenario.ricart-silent-node", "One silent process stalls everyone", "一个程序沉默，全体停滞"),
    (
        "scenario.ricart-silent-node.about",
        "Five processes request busily. At 1 s n3 crashes. Requests already granted by n3 still enter, but every later request waits for an OK that n3 will never send: within moments no one can enter, and the waiting list only grows — the notes' weakness 2, availability lower than a central coordinator's.",
        "五个程序频繁请求。1 秒时 n3 宕机。已经得到 n3 同意的请求仍能进入，但之后的每个请求都在等待 n3 永远不会发出的同意：很快谁也进不去，等待者越来越多——这就是笔记中的问题 2，可用性比集中式协调者还低。",
    ),
    ("scenario.ricart-skip-dead", "Fix 1: skip processes known dead", "改进 1：跳过已知故障的程序"),
    (
        "scenario.ricart-skip-dead.about",
        "The same crash of n3 at 1 s, with skip_dead on: every process heartbeats every 100 ms, and one silent for 400 ms is suspected and no longer waited for. Entries resume about half a second after the crash. At 3 s n3 restarts; its heartbeats carry a new boot count, so waiting processes ask it again, and it takes part as before.",
        "同样在 1 秒时让 n3 宕机，但打开 skip_dead：每个程序每 100 毫秒发送心跳，400 毫秒没有消息的程序被怀疑故障，不再等待它的同意。宕机约半秒后进入临界区恢复。3 秒时 n3 重启；它的心跳带有新的启动次数，等待中的程序重新向它请求，它照常参与。",
    ),
    ("scenario.ricart-majority", "Fix 2: a majority of OKs", "改进 2：多数同意即可"),
    (
        "scenario.ricart-majority.about",
        "The same crash of n3 at 1 s, with majority on: a process enters once a majority of all five (itself and two others) agree, so the silent n3 no longer blocks anyone and entries go on. But an OK here is not a vote: an idle process grants every request it sees, so two processes requesting together can each gather a majority — watch the mutual-exclusion invariant.",
        "同样在 1 秒时让 n3 宕机，但打开 majority：五个程序中多数（自己加另外两个）同意即可进入，沉默的 n3 不再阻塞任何人，进入继续进行。但这里的同意并不是选票：空闲的程序会同意它看到的每个请求，所以两个同时请求的程序可能各自得到多数——请留意互斥不变式。",
    ),
    ("scenario.ricart-majority-overlap", "Majority breaks mutual exclusion", "多数同意破坏互斥"),
    (
        "scenario.ricart-majority-overlap.about",
        "Five processes with majority on and no faults. At 0.1 s n1 and n2 request at the same moment. n3, n4 and n5 are idle and answer both. n1's request is earlier, so n2 answers it and n1 defers n2 — yet n2 already has three OKs, with itself a majority of five, and enters while n1 is inside. A majority only excludes when each process grants one request at a time and holds its vote until it is released (Maekawa's algorithm); Ricart–Agrawala's OK is not such a vote.",
        "五个程序，打开 majority，没有故障。0.1 秒时 n1 和 n2 同时请求。n3、n4、n5 空闲，同意两者。n1 的请求更早，所以 n2 同意 n1，n1 推迟 n2——但 n2 已有三个同意，加上自己就是五个中的多数，于是在 n1 还在临界区内时也进入了。只有每个程序一次只同意一个请求、并在释放前保留这张票时（Maekawa 算法），多数才能保证互斥；Ricart–Agrawala 的同意不是这样的选票。",
    ),
    ("scenario.ricart-false-suspicion", "Fix 1 under a partition", "分区下的改进 1"),
    (
        "scenario.ricart-false-suspicion.about",
        "skip_dead on, five busy processes. At 1 s the network splits into {n1, n2} and {n3, n4, n5}. Nobody has crashed, but after 400 ms without heartbeats each side suspects the other is dead and stops waiting for it: both sides enter the critical section, at the same time. A failure detector that can be wrong makes skip_dead unsafe. The network heals at 3 s.",
        "打开 skip_dead，五个程序频繁请求。1 秒时网络分裂为 {n1, n2} 和 {n3, n4, n5}。没有程序宕机，但 400 毫秒收不到心跳后，两侧都认为对方已故障，不再等待它们的同意：两侧同时进入临界区。会出错的故障检测让 skip_dead 不再安全。3 秒时网络恢复。",
    ),
];

const LOOKS: Looks = Looks {
    roles: &[
        ("ricart.released", "#7b86a8"),
        ("ricart.wanted", "#f0a030"),
        ("ricart.held", "#2eb872"),
    ],
    messages: &[
        ("Request", "#f0a030"),
        ("OK", "#2eb872"),
        ("Heartbeat", "#5a6078"),
    ],
};

fn name(i: NodeId) -> String {
    format!("n{}", i + 1)
}

/// Up processes holding the critical section.
pub fn holders(sim: &Sim<Ricart>) -> Vec<NodeId> {
    (0..sim.n())
        .filter(|&i| sim.status(i) != NodeStatus::Down && sim.node(i).state == State::Held)
        .collect()
}

/// Processes waiting for OKs (not crashed).
pub fn waiting(sim: &Sim<Ricart>) -> usize {
    (0..sim.n())
        .filter(|&i| sim.status(i) != NodeStatus::Down && sim.node(i).state == State::Wanted)
        .count()
}

fn ms(t: Time) -> f64 {
    t as f64 / MS as f64
}

impl NetLab for Ricart {
    const ID: &'static str = "mutex-ricart";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = TEXTS;
    const LOOKS: Looks = LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        (
            Config::from_params(p),
            net_config(p),
            p.get_u64("nodes").max(1) as usize,
        )
    }

    fn role(&self) -> &'static str {
        match self.state {
            State::Released => "ricart.released",
            State::Wanted => "ricart.wanted",
            State::Held => "ricart.held",
        }
    }

    fn badge(&self) -> String {
        format!("L{}", self.clock)
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let request = if self.state == State::Released {
            "-".to_string()
        } else {
            format!("({}, n{})", self.req_ts, self.id + 1)
        };
        vec![
            ("ricart.clock", self.clock.to_string()),
            ("ricart.request", request),
            (
                "ricart.oks",
                format!("{}/{}", self.ok_count(), self.n.saturating_sub(1)),
            ),
            ("ricart.pending", self.pending.to_string()),
            ("ricart.epoch", self.epoch.to_string()),
        ]
    }

    fn panels(&self) -> Vec<Panel> {
        let mut panels = vec![
            Panel::Queue {
                title: "ricart.panel.deferred",
                items: self
                    .deferred
                    .iter()
                    .map(|&(p, ts)| format!("{} · ts {ts}", name(p)))
                    .collect(),
            },
            Panel::List {
                title: "ricart.panel.oks",
                items: (0..self.n).filter(|&p| self.oks[p]).map(name).collect(),
            },
        ];
        if self.suspected.iter().any(|&s| s) {
            panels.push(Panel::List {
                title: "ricart.panel.suspected",
                items: (0..self.n)
                    .filter(|&p| self.suspected[p])
                    .map(name)
                    .collect(),
            });
        }
        panels
    }

    fn arc_timer(timer: super::Timer) -> bool {
        timer == super::Timer::Leave
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        json!({
            "entries": m.entries,
            "requests_made": m.requested,
            "overlaps": m.overlaps,
            "messages": {
                "Request": m.requests,
                "OK": m.oks,
                "Heartbeat": m.heartbeats,
            },
            "first_entry_ms": m.first_entry.map(ms),
            "last_entry_ms": m.last_entry.map(ms),
            "in_critical_section": holders(sim).iter().map(|&i| i + 1).collect::<Vec<_>>(),
            "waiting": waiting(sim),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let h = holders(sim);
        match h.as_slice() {
            [] => Headline {
                key: "ricart.headline.free",
                args: vec![waiting(sim).to_string()],
            },
            [one] => Headline {
                key: "ricart.headline.held",
                args: vec![name(*one), waiting(sim).to_string()],
            },
            many => Headline {
                key: "ricart.headline.overlap",
                args: vec![many.iter().map(|&i| name(i)).collect::<Vec<_>>().join(", ")],
            },
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let secs = ms(sim.now()) / 1000.0;
        let per_second = if secs > 0.0 {
            m.messages() as f64 / secs
        } else {
            0.0
        };
        vec![
            Stat::new("ricart.entries", m.entries as f64),
            Stat::new("ricart.messages_per_entry", m.messages_per_entry()),
            Stat::new("ricart.messages_per_second", per_second),
            Stat::new("ricart.waiting", waiting(sim) as f64),
            Stat::new("ricart.overlaps", m.overlaps as f64),
        ]
    }
}
