//! The load-balancing lab's UI strings, English and Chinese: controls, lanes, counters (one
//! set per algorithm), panels, series, presets.

use crate::labs::Text;

/// Per algorithm (in [`super::Algo::ALL`] order), its counters' keys (the last two only for
/// the hash balancers).
macro_rules! stat_keys {
    ($a:literal) => {
        [
            concat!("lb_", $a, "_routed"),
            concat!("lb_", $a, "_served"),
            concat!("lb_", $a, "_failed"),
            concat!("lb_", $a, "_in_flight"),
            concat!("lb_", $a, "_max_queue"),
            concat!("lb_", $a, "_peak_queue"),
            concat!("lb_", $a, "_latency"),
            concat!("lb_", $a, "_affinity"),
            concat!("lb_", $a, "_longest_run"),
            concat!("lb_", $a, "_remapped"),
            concat!("lb_", $a, "_needless"),
        ]
    };
}

pub const STAT_KEYS: [[&str; 11]; 6] = [
    stat_keys!("rr"),
    stat_keys!("weighted"),
    stat_keys!("smooth"),
    stat_keys!("random"),
    stat_keys!("hash"),
    stat_keys!("chash"),
];
pub const ALGO_NAMES: [&str; 6] = [
    "lb.algo.rr",
    "lb.algo.weighted",
    "lb.algo.smooth",
    "lb.algo.random",
    "lb.algo.hash",
    "lb.algo.chash",
];
pub const LANE_TITLES: [&str; 6] = [
    "lb.lane.rr",
    "lb.lane.weighted",
    "lb.lane.smooth",
    "lb.lane.random",
    "lb.lane.hash",
    "lb.lane.chash",
];

/// The translation rows of every algorithm's counters, then the other rows.
macro_rules! texts {
    ($(($a:literal, $en:literal, $zh:literal)),*; $($row:expr),* $(,)?) => {
        &[
            $(
                (concat!("stat.lb_", $a, "_routed"), concat!($en, ": requests sent to a server"), concat!($zh, "：分发到服务器的请求")),
                (concat!("stat.lb_", $a, "_served"), concat!($en, ": requests served"), concat!($zh, "：已处理的请求")),
                (concat!("stat.lb_", $a, "_failed"), concat!($en, ": requests failed"), concat!($zh, "：失败的请求")),
                (concat!("stat.lb_", $a, "_in_flight"), concat!($en, ": requests queued now"), concat!($zh, "：当前排队中的请求")),
                (concat!("stat.lb_", $a, "_max_queue"), concat!($en, ": longest server queue now"), concat!($zh, "：当前最长的服务器队列")),
                (concat!("stat.lb_", $a, "_peak_queue"), concat!($en, ": longest server queue so far"), concat!($zh, "：迄今最长的服务器队列")),
                (concat!("stat.lb_", $a, "_latency"), concat!($en, ": mean response time (ms)"), concat!($zh, "：平均响应时间（毫秒）")),
                (concat!("stat.lb_", $a, "_affinity"), concat!($en, ": requests sent to the client's previous server (%)"), concat!($zh, "：发往该客户端上一次所用服务器的请求（%）")),
                (concat!("stat.lb_", $a, "_longest_run"), concat!($en, ": longest run of picks of one server"), concat!($zh, "：连续选中同一服务器的最长次数")),
                (concat!("stat.lb_", $a, "_remapped"), concat!($en, ": clients moved by the last change"), concat!($zh, "：上一次变更迁移的客户端")),
                (concat!("stat.lb_", $a, "_needless"), concat!($en, ": of those, moved between servers the change did not touch"), concat!($zh, "：其中在未受变更影响的服务器之间迁移的")),
            )*
            $($row,)*
        ]
    };
}

pub const TEXTS: &[Text] = texts!(
    ("rr", "Round robin", "轮询"),
    ("weighted", "Naive weighted", "普通加权轮询"),
    ("smooth", "Smooth weighted", "平滑加权轮询"),
    ("random", "Random", "随机"),
    ("hash", "Hash", "哈希"),
    ("chash", "Consistent hash", "一致性哈希");
    (
        "lab.lb.about",
        "Request load balancing: one stream of requests from clients goes to six balancers side by side, each with its own copy of the servers, so every difference is the algorithm's. Round robin takes the servers in turn; naive weighted round robin gives a server its whole weight in a row; smooth weighted round robin (nginx) adds each server's effective_weight to its current_weight, picks the largest and subtracts the total, and lowers a server's effective_weight when a request to it fails; random picks at random; source hash sends a client to hash mod N; consistent hash to the next point on a ring. A server's weight is also its capacity. None of them looks at the servers' load: uneven request costs defeat them. By default the servers are unequal (weights 4,1,1) and the stream uses two thirds of their capacity: round robin, random and source hash ignore the weights, send each small server a third of the requests, more than it can do, and fail requests, while the weighted ones and consistent hashing (virtual nodes by weight) keep up.",
        "请求负载均衡：来自客户端的同一个请求流同时送给六个并排的负载均衡器，每个都有自己的一份服务器，所以一切差别都来自算法。轮询依次选择服务器；普通加权轮询让一台服务器连续接收与其权重相等个请求；平滑加权轮询（nginx）每次把各服务器的 effective_weight 加到 current_weight 上，选出最大者并减去总权重，请求失败时降低该服务器的 effective_weight；随机策略随机选择；源地址哈希把客户端发往 hash mod N；一致性哈希发往哈希环上顺时针的下一个点。服务器的权重同时也是它的处理能力。这些算法都不看服务器的负载：请求开销不同时它们都会失衡。默认情况下服务器并不相同（权重 4,1,1），请求流用掉它们三分之二的处理能力：轮询、随机和源地址哈希不考虑权重，把三分之一的请求发给每台小服务器，超出其处理能力，请求开始失败；而加权的两种轮询和一致性哈希（按权重分配虚拟节点）都能跟上。",
    ),
    ("lb.headline.even", "{0} requests at {1}/s · all cost 1 · {2} servers down · {3} removed", "已有 {0} 个请求，每秒 {1} 个 · 开销均为 1 · {2} 台服务器故障 · {3} 台已移除"),
    ("lb.headline.uneven", "{0} requests at {1}/s · {2}: 1 in {5} costs {6} · {3} servers down · {4} removed", "已有 {0} 个请求，每秒 {1} 个 · {2}：每 {5} 个中有 1 个开销为 {6} · {3} 台服务器故障 · {4} 台已移除"),
    ("lb.lane.rr", "Round robin: the servers in turn", "轮询：依次选择服务器"),
    ("lb.lane.weighted", "Naive weighted round robin: a server's whole weight in a row", "普通加权轮询：按权重连续选择同一台服务器"),
    ("lb.lane.smooth", "Smooth weighted round robin (nginx)", "平滑加权轮询（nginx）"),
    ("lb.lane.random", "Random", "随机"),
    ("lb.lane.hash", "Source hash: hash(client) mod N", "源地址哈希：hash(客户端) mod N"),
    ("lb.lane.chash", "Consistent hash (virtual nodes by weight)", "一致性哈希（按权重分配虚拟节点）"),
    ("lb.algo.rr", "round robin", "轮询"),
    ("lb.algo.weighted", "naive weighted", "普通加权轮询"),
    ("lb.algo.smooth", "smooth weighted", "平滑加权轮询"),
    ("lb.algo.random", "random", "随机"),
    ("lb.algo.hash", "hash", "哈希"),
    ("lb.algo.chash", "consistent hash", "一致性哈希"),
    ("lb.dim.queue", "queue", "队列"),
    ("lb.dim.share", "share of requests", "请求占比"),
    ("lb.light", "requests of cost 1", "开销为 1 的请求"),
    ("lb.heavy", "heavy requests", "重请求"),
    ("lb.share", "share of the requests sent", "分到的请求占比"),
    ("lb.servers", "Servers (effective and current weights: smooth balancer)", "服务器（有效权重与当前权重：平滑加权轮询）"),
    ("lb.col.server", "server", "服务器"),
    ("lb.col.weight", "weight", "weight（权重）"),
    ("lb.col.speed", "speed", "速度"),
    ("lb.col.state", "state", "状态"),
    ("lb.col.effective", "effective_weight", "effective_weight（有效权重）"),
    ("lb.col.current", "current_weight", "current_weight（当前权重）"),
    ("lb.col.pick", "request", "请求"),
    ("lb.col.added", "current + effective", "current + effective"),
    ("lb.col.chosen", "picked (largest, first on a tie)", "选中（最大者，相同时取第一个）"),
    ("lb.col.total", "minus the total", "减去总权重"),
    ("lb.col.after", "current after", "之后的 current"),
    ("lb.state.up", "up", "正常"),
    ("lb.state.down", "down", "故障"),
    ("lb.state.slow", "slow", "变慢"),
    ("lb.state.removed", "removed", "已移除"),
    ("lb.smooth.steps", "Smooth weighted round robin, pick by pick (newest first)", "平滑加权轮询逐次选择过程（最新在前）"),
    ("lb.picks", "Last picks (server numbers, oldest first)", "最近的选择（服务器编号，最早在前）"),
    ("lb.remap", "Clients moved by the last pool change", "上一次服务器池变更迁移的客户端"),
    ("lb.pattern.even", "even (all cost 1)", "均匀（开销均为 1）"),
    ("lb.pattern.random", "random heavy requests", "随机出现的重请求"),
    ("lb.pattern.periodic", "every n-th request heavy", "每第 n 个请求为重请求"),
    ("lb.ctl.fail", "Fail a server", "让服务器故障"),
    ("lb.ctl.restore", "Restore a server", "恢复服务器"),
    ("lb.ctl.remove", "Remove from the pool", "从服务器池移除"),
    ("lb.ctl.slow", "Make a server slow", "让服务器变慢"),
    ("lb.ctl.weight", "Set a weight", "设置权重"),
    ("lb.ctl.burst", "Burst of requests", "突发请求"),
    ("lb.ctl.costs", "Request costs", "请求开销"),
    ("lb.ctl.rate", "Arrival rate", "到达速率"),
    ("lb.arg.server", "server", "服务器"),
    ("lb.arg.pct", "speed (% of its capacity)", "速度（占其处理能力的 %）"),
    ("lb.arg.w", "weight (= capacity)", "权重（即处理能力）"),
    ("lb.arg.requests", "requests", "请求数"),
    ("lb.arg.pattern", "pattern", "模式"),
    ("lb.arg.every", "one in", "每几个中有一个"),
    ("lb.arg.heavy", "heavy request's cost", "重请求的开销"),
    ("lb.arg.per_s", "requests per second", "每秒请求数"),
    ("series.lb_queue", "Longest server queue", "最长的服务器队列"),
    ("series.lb_failed", "Requests failed (total)", "失败的请求（累计）"),
    ("series.lb_latency", "Mean response time", "平均响应时间"),
    ("stat.lb_requests", "Requests of the stream", "请求流中的请求"),
    ("stat.lb_heavy", "Heavy requests", "重请求"),
    ("stat.lb_down", "Servers down", "故障的服务器"),
    ("stat.lb_removed", "Servers removed from the pool", "已移出服务器池的服务器"),
    ("scenario.lb-notes", "The notes' example: weights {4,1,1}", "笔记中的例子：权重 {4,1,1}"),
    (
        "scenario.lb-notes.about",
        "No stream: one request a second, so each smooth pick can be read in the table. Weights {4,1,1}, current weights start at 0. Request 1: adding the effective weights gives {4, 1, 1}, the total is 6, server 1 is the largest and gives back 6: {-2, 1, 1}. Request 2: {2, 2, 2}, a tie, the first is taken: server 1 again, {-4, 2, 2}. Then {0, 3, 3} → server 2, {4, -2, 4} → server 1, {2, -1, 5} → server 3, {6, 0, 0} → server 1, and the current weights are back to {0, 0, 0}: in every six requests server 1 gets four, spread out (1 1 2 1 3 1), where naive weighted round robin sends 1 1 1 1 2 3.",
        "没有请求流：每秒一个请求，可以在表中逐次查看平滑加权轮询的选择。权重为 {4,1,1}，current_weight 初始为 0。第 1 个请求：加上有效权重得 {4, 1, 1}，总和为 6，服务器 1 最大，减去 6 得 {-2, 1, 1}。第 2 个请求：{2, 2, 2}，相同时取第一个，仍选服务器 1，得 {-4, 2, 2}。接着 {0, 3, 3} → 服务器 2，{4, -2, 4} → 服务器 1，{2, -1, 5} → 服务器 3，{6, 0, 0} → 服务器 1，current_weight 回到 {0, 0, 0}：每 6 个请求中服务器 1 得到 4 个，且分散开（1 1 2 1 3 1），而普通加权轮询是 1 1 1 1 2 3。",
    ),
    ("scenario.lb-naive-burst", "Naive weighted: a burst lands on one server", "普通加权轮询：突发请求集中到一台服务器"),
    (
        "scenario.lb-naive-burst.about",
        "Servers 1 and 2 have weight 4 (the same capacity), server 3 weight 1; no stream, a burst of 4 requests every 2 s. Naive weighted round robin gives a server its whole weight in a row: the first burst all goes to server 1 while server 2, just as strong, idles, the next all to server 2 (runs of 4, a queue of 4). Smooth weighted round robin interleaves 1 2 1 2 3 1 2 1 2: never the same server twice in a row, at most 2 of a burst on one server, and a mean response time of 88 ms against 106 ms. The notes: with ordinary weighted round robin, when some requests arrive most of them land on the higher-weight server.",
        "服务器 1 和 2 的权重为 4（处理能力相同），服务器 3 的权重为 1；没有请求流，每 2 秒一次 4 个请求的突发。普通加权轮询让一台服务器连续接收与其权重相等个请求：第一次突发全部发往服务器 1，同样强的服务器 2 却空闲，下一次全部发往服务器 2（连续 4 次，队列长 4）。平滑加权轮询交错为 1 2 1 2 3 1 2 1 2：从不连续两次选中同一台服务器，一次突发中至多 2 个请求落到同一台，平均响应时间 88 毫秒，而普通加权轮询为 106 毫秒。笔记：普通的加权轮询，当部分请求到来时，大多数请求都集中在优先级较高的服务器上。",
    ),
    ("scenario.lb-failing-server", "A failing server under smooth weighted round robin", "平滑加权轮询下的故障服务器"),
    (
        "scenario.lb-failing-server.about",
        "Weights {4,1,1}, 6 requests a second. At 10 s server 1 fails (no balancer is told; none looks at health). Round robin keeps sending it a third of the requests and naive weighted round robin two thirds: all fail. Under smooth weighted round robin each failed request drops server 1's effective_weight to 0; every pick raises it by one, so server 1 gets about a third of the picks instead of two thirds: of the outage's 129 requests, naive weighted round robin loses 87, smooth 38 (about as many as plain round robin's 43: the effective weight alone only halves a dead server's share; nginx also stops using a server for fail_timeout after max_fails failures). At 30 s server 1 is restored: its effective_weight climbs back to 4 in a few picks and it takes its share again. The notes: when a server misbehaves its effective_weight becomes smaller.",
        "权重 {4,1,1}，每秒 6 个请求。10 秒时服务器 1 故障（没有负载均衡器得到通知，它们都不做健康检查）。轮询仍把三分之一的请求发给它，普通加权轮询发给它三分之二：全部失败。在平滑加权轮询下，每个失败的请求把服务器 1 的 effective_weight 降为 0；每次选择再把它加 1，所以服务器 1 得到约三分之一而不是三分之二的选择：故障期间的 129 个请求中，普通加权轮询失败 87 个，平滑加权轮询 38 个（与普通轮询的 43 个相当：仅靠有效权重只能把故障服务器的份额减半；nginx 还会在 max_fails 次失败后于 fail_timeout 内停用该服务器）。30 秒时服务器 1 恢复：它的 effective_weight 在几次选择内回升到 4，重新承担它的份额。笔记：节点服务异常会导致 effective_weight 变小。",
    ),
    ("scenario.lb-uneven-costs", "Uneven costs defeat round robin", "请求开销不同使轮询失衡"),
    (
        "scenario.lb-uneven-costs.about",
        "Three equal servers (weights set to 1 at the start), 5 requests a second, each server able to do 10 units of work a second. Every third request of the stream is heavy (cost 10, the others 1): two thirds of the capacity is used. Round robin, and the weighted variants with equal weights, send every heavy request to the same server (smooth drifts a little once that server refuses requests and its effective weight drops): the request counts are even, but that server gets 17 units of work a second for 10 of capacity, its queue fills and requests fail, while the other two idle. Random and the hash balancers spread the heavy requests and keep up. The notes: round robin only balances the number of requests, so it does not suit requests of different costs.",
        "三台相同的服务器（开始时把权重都设为 1），每秒 5 个请求，每台服务器每秒能完成 10 个单位的工作。请求流中每第三个请求是重请求（开销 10，其他为 1）：总能力用掉三分之二。轮询以及权重相同的加权轮询把每个重请求都发给同一台服务器（当这台服务器开始拒绝请求、有效权重下降后，平滑加权轮询会略有偏离）：请求数是均衡的，但这台服务器每秒分到 17 个单位的工作而能力只有 10，队列满了，请求开始失败，另外两台却空闲。随机与哈希策略把重请求分散开，能跟上负载。笔记：轮询策略只考虑请求数的均衡性，不适用处理请求开销不同的场景。",
    ),
    ("scenario.lb-hash-removal", "Hash vs consistent hash: removing a server", "哈希与一致性哈希：移除服务器"),
    (
        "scenario.lb-hash-removal.about",
        "Five servers, 100 clients, each sent to a server by its hash. At 10 s server 2 is removed from the pool. Under hash mod N, N goes from 5 to 4 and almost every client changes server (81 of 100), most of them moving off servers that are still there; under consistent hashing only server 2's clients move, each to the next server on the ring (6 of 100 here), and nobody else. Round robin and random have no client affinity to lose. At 30 s server 2 is back: the same again in reverse. The notes: with ordinary hashing a node change causes massive data migration; consistent hashing only affects the removed node's clockwise successor.",
        "五台服务器、100 个客户端，每个客户端按其哈希值分配到服务器。10 秒时服务器 2 从服务器池移除。在 hash mod N 下，N 从 5 变为 4，几乎每个客户端都换了服务器（100 个中的 81 个），其中大多数是从仍然在线的服务器迁走的；在一致性哈希下只有服务器 2 的客户端迁移，各自迁到哈希环上的下一台服务器（这里是 100 个中的 6 个），其他客户端不受影响。轮询和随机本来就没有客户端亲和性。30 秒时服务器 2 回来：同样的过程反向再来一次。笔记：普通哈希在节点变化时会导致大量数据迁移；一致性哈希只影响该节点在哈希环上顺时针相邻的后继节点。",
    ),
);
