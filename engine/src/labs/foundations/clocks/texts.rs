//! The clocks lab's UI strings (key, English, Chinese).

use crate::labs::Text;

pub const TEXTS: &[Text] = &[
    ("timer.work", "next workload event", "下一个工作负载事件"),
    (
        "lab.clocks.about",
        "Lamport and vector clocks on processes that exchange messages: happened-before, concurrent events, and why physical timestamps cannot order events.",
        "在互相发消息的进程上运行 Lamport 时钟和向量时钟：先于（happened-before）关系、并发事件，以及为什么物理时间戳不能给事件排序。",
    ),
    ("role.process", "process", "进程"),
    ("kind.process", "process", "进程"),
    ("cmd.local", "Local event", "本地事件"),
    ("cmd.send", "Send a message to process…", "向进程发送消息…"),
    (
        "inv.lamport-consistent",
        "Lamport clocks are consistent: e → f implies L(e) < L(f)",
        "Lamport 时钟一致：e → f 则 L(e) < L(f)",
    ),
    (
        "inv.vector-exact",
        "Vector clocks are exact: V(e) < V(f) exactly when e → f",
        "向量时钟精确：当且仅当 e → f 时 V(e) < V(f)",
    ),
    (
        "inv.physical-order",
        "Physical timestamps respect causality: no receive is stamped before its send",
        "物理时间戳符合因果：接收事件的时间戳不早于对应的发送事件",
    ),
    ("note.clocks.lamport", "event, Lamport time", "事件，Lamport 时间"),
    (
        "note.clocks.no_target",
        "no such other process to send to",
        "没有这个可发送的其他进程",
    ),
    ("detail.clocks.lamport", "Lamport clock L", "Lamport 时钟 L"),
    ("detail.clocks.vector", "vector clock V", "向量时钟 V"),
    (
        "detail.clocks.physical",
        "physical stamp of the last event",
        "最近事件的物理时间戳",
    ),
    ("detail.clocks.events", "events", "事件数"),
    ("detail.clocks.sent", "messages sent", "已发送消息"),
    ("detail.clocks.received", "messages received", "已接收消息"),
    ("stat.clocks.events", "events", "事件数"),
    ("stat.clocks.messages", "messages", "消息数"),
    ("clocks.panel.events", "Recent events", "最近的事件"),
    ("clocks.col.event", "event", "事件"),
    ("clocks.col.lamport", "L", "L"),
    ("clocks.col.vector", "V", "V"),
    (
        "clocks.headline",
        "{0} events, {1} messages, highest Lamport time {2}",
        "{0} 个事件，{1} 条消息，最大 Lamport 时间 {2}",
    ),
    (
        "clocks.why.lamport",
        "Lamport: L(a) = {0} {1} L(b) = {2}",
        "Lamport 时钟：L(a) = {0} {1} L(b) = {2}",
    ),
    (
        "clocks.why.vector",
        "Vector: V(a) = {0} {1} V(b) = {2}",
        "向量时钟：V(a) = {0} {1} V(b) = {2}",
    ),
    (
        "clocks.why.condition",
        "{0} happened before {1}, so L({0}) < L({1}) and V({0}) < V({1}): every entry at most, one smaller.",
        "{0} 先于 {1} 发生，所以 L({0}) < L({1})，且 V({0}) < V({1})：每一项都不大于，至少一项更小。",
    ),
    (
        "clocks.why.lamport_lies",
        "L(a) {0} L(b), yet neither happened before the other: Lamport order does not mean causality. Only the vectors, incomparable here, show the events are concurrent.",
        "L(a) {0} L(b)，但两者谁也不先于谁：Lamport 顺序并不代表因果。只有向量时钟（这里互不可比）能看出两个事件是并发的。",
    ),
    (
        "clocks.why.tie",
        "Equal Lamport times never mean happened-before; the incomparable vectors show the events are concurrent.",
        "Lamport 时间相等绝不意味着先后关系；互不可比的向量时钟表明这两个事件是并发的。",
    ),
    (
        "scenario.three-processes",
        "Three processes (classic example)",
        "三个进程（经典例子）",
    ),
    (
        "scenario.three-processes.about",
        "a, b on p1; c, d on p2; e, f on p3. b sends to p2 (c), d sends to p3 (f). Lamport times a=1 b=2 c=3 d=4 e=1 f=5; vectors b=(2,0,0) e=(0,0,1): L(e) < L(b) yet e and b are concurrent — only the vectors tell.",
        "p1 上有 a、b，p2 上有 c、d，p3 上有 e、f。b 发消息给 p2（c），d 发消息给 p3（f）。Lamport 时间 a=1 b=2 c=3 d=4 e=1 f=5；向量 b=(2,0,0)、e=(0,0,1)：L(e) < L(b)，但 e 与 b 是并发的——只有向量时钟能看出来。",
    ),
    ("scenario.skewed-clock", "A skewed clock", "时钟偏差"),
    (
        "scenario.skewed-clock.about",
        "p1's clock reads 50 ms behind. Messages it receives are stamped before they were sent: physical time puts effects before causes. Lamport and vector clocks stay correct.",
        "p1 的时钟比真实时间慢 50 ms。它收到的消息，接收时间戳早于发送时间戳：物理时间把结果排在了原因之前。Lamport 时钟和向量时钟依然正确。",
    ),
    ("scenario.drifting-clock", "A drifting clock", "时钟漂移"),
    (
        "scenario.drifting-clock.about",
        "p1's clock runs 2% slow. At first physical order holds; once p1 lags by more than a message's latency, its receives are stamped before their sends.",
        "p1 的时钟走慢 2%。起初物理时间顺序还成立；一旦 p1 落后超过消息延迟，它的接收事件就被打上早于发送的时间戳。",
    ),
    (
        "scenario.partition-concurrency",
        "Concurrency across a partition",
        "分区两侧的并发",
    ),
    (
        "scenario.partition-concurrency.about",
        "p3 is cut off from 1 s to 3 s. Events on the two sides are concurrent, yet their Lamport times still compare: Lamport order is not causality. Their vectors are incomparable; after the heal, messages merge the histories.",
        "p3 在 1 秒到 3 秒之间被隔离。两侧的事件是并发的，但它们的 Lamport 时间仍然可以比较大小：Lamport 顺序并不等于因果顺序。它们的向量时钟互不可比；分区恢复后，消息把两边的历史合并起来。",
    ),
];
