//! The bully lab's UI strings, English and Chinese (`lab.election-bully` is in the app's table;
//! `role.follower` and `timer.heartbeat` are reused from it).

use crate::labs::Text;

pub const TEXTS: &[Text] = &[
    (
        "lab.election-bully.about",
        "The highest live id leads. A node that hears nothing from the coordinator sends Election to every higher id; a higher node answers Alive and starts its own election; a node that gets no Alive in time declares itself coordinator and sends Victory to every lower id. Crash the coordinator, bring a higher id back (it takes over: frequent switching), or split the network and get two coordinators.",
        "ID 最大的存活节点当选（长者为大）。节点收不到主节点的消息时，向所有 ID 比自己大的节点发送 Election；更大的节点回复 Alive 并发起自己的选举；在给定时间内没有收到 Alive 的节点宣布自己成为主节点，并向所有 ID 更小的节点发送 Victory。让主节点宕机、让更大 ID 的节点重新加入（它会抢回主节点：频繁切主），或分裂网络得到两个主节点。",
    ),
    ("kind.bully.node", "Process", "进程"),
    ("role.bully.coordinator", "Coordinator", "主节点（协调者）"),
    ("role.bully.electing", "Electing (waiting for Alive)", "选举中（等待 Alive）"),
    ("role.bully.waiting", "Waiting for Victory", "等待 Victory"),
    ("role.bully.idle", "No coordinator known", "未知主节点"),
    ("cmd.start", "Start an election", "发起选举"),
    (
        "inv.one-coordinator",
        "One coordinator: no two live nodes act as coordinator for longer than a handover takes",
        "唯一主节点：不会有两个存活节点同时担任主节点超过一次交接所需的时间",
    ),
    (
        "inv.highest-coordinator",
        "Highest wins: once quiet, every live node follows the highest live id it can reach",
        "ID 最大者当选：平静下来后，每个存活节点都跟随它能联系到的 ID 最大的存活节点",
    ),
    (
        "note.bully.election",
        "starts an election: Election to the {0} higher ids",
        "发起选举：向 {0} 个 ID 更大的节点发送 Election",
    ),
    (
        "note.bully.victory",
        "becomes coordinator: Victory to the {0} lower ids",
        "成为主节点：向 {0} 个 ID 更小的节点发送 Victory",
    ),
    (
        "note.bully.step_down",
        "steps down: n{0} has a higher id",
        "退位：n{0} 的 ID 更大",
    ),
    ("note.bully.follow", "follows coordinator n{0}", "跟随主节点 n{0}"),
    (
        "note.bully.bullies",
        "lower n{0} claims to lead: starts an election to take over",
        "ID 更小的 n{0} 自称主节点：发起选举以取而代之",
    ),
    (
        "note.bully.coordinator_lost",
        "hears nothing from coordinator n{0} (0 = none known yet): starts an election",
        "收不到主节点 n{0} 的消息（0 表示尚不知道主节点）：发起选举",
    ),
    (
        "note.bully.no_victory",
        "got Alive but no Victory in time: starts over",
        "收到了 Alive 但未按时收到 Victory：重新选举",
    ),
    ("detail.bully.coordinator", "Coordinator", "主节点"),
    ("detail.bully.elections", "Elections started", "发起的选举次数"),
    ("detail.bully.restarts", "Restarts", "重启次数"),
    (
        "panel.bully.higher",
        "Higher ids (gets Election from this node)",
        "更大的 ID（本节点向它们发送 Election）",
    ),
    ("timer.bully.watch", "coordinator timeout", "主节点超时"),
    ("timer.bully.answer", "waiting for Alive", "等待 Alive"),
    ("timer.bully.victory", "waiting for Victory", "等待 Victory"),
    ("stat.bully.elections", "Elections", "选举次数"),
    (
        "stat.bully.last_election_messages",
        "Messages in the last election",
        "最近一次选举的消息数",
    ),
    (
        "stat.bully.messages_per_election",
        "Messages per election (mean)",
        "每次选举的消息数（平均）",
    ),
    (
        "stat.bully.election_messages",
        "Election, Alive and Victory messages",
        "Election、Alive 和 Victory 消息总数",
    ),
    ("stat.bully.switches", "Coordinator switches", "切主次数"),
    ("bully.headline.one", "Coordinator: {0}", "主节点：{0}"),
    ("bully.headline.none", "No coordinator", "没有主节点"),
    (
        "bully.headline.many",
        "Several coordinators: {0}",
        "多个主节点：{0}",
    ),
    (
        "scenario.bully-lowest-starts",
        "Lowest id starts (steps 1–4)",
        "最小 ID 发起（步骤 1–4）",
    ),
    (
        "scenario.bully-lowest-starts.about",
        "The notes' steps 1–4. At 10 ms n1, the lowest id, starts an election: Election to n2, n3, n4 and n5. Each of them answers Alive (\"I am bigger than you\") and starts its own election towards its higher ids; n5, the highest of all, sends Victory to everyone below it at once. The others get Alive from above and wait, then take n5's Victory. Count the messages in the stats: when the lowest id starts, they grow as n².",
        "笔记中的步骤 1–4。10 毫秒时 ID 最小的 n1 发起选举：向 n2、n3、n4 和 n5 发送 Election。它们各自回复 Alive（“我比你大”），并向比自己大的节点发起自己的选举；ID 最大的 n5 立即向所有比它小的节点发送 Victory。其余节点收到更大节点的 Alive 后等待，随后接受 n5 的 Victory。请看统计中的消息数：由最小 ID 发起时，消息数按 n² 增长。",
    ),
    ("scenario.bully-coordinator-crash", "Coordinator crash", "主节点宕机"),
    (
        "scenario.bully-coordinator-crash.about",
        "Coordinator n5 crashes at 1 s. Its heartbeats stop; the first node whose timeout expires sends Election to the ids above it. n5 no longer answers, n4 does and takes over the election: nobody above n4 answers it, so after the answer timeout n4 sends Victory to n1, n2 and n3.",
        "主节点 n5 在 1 秒时宕机，心跳停止；最先超时的节点向比自己大的 ID 发送 Election。n5 不再应答，n4 应答并接手选举：比 n4 大的节点都没有应答，于是在应答超时后 n4 向 n1、n2、n3 发送 Victory。",
    ),
    ("scenario.bully-rejoin", "Higher id rejoins", "更大 ID 重新加入"),
    (
        "scenario.bully-rejoin.about",
        "The notes' weakness: frequent switching. n5 crashes at 1 s and n4 takes over. At 2 s n5 restarts; recovering, it starts an election, and as the highest id it wins at once and sends Victory: n4 steps down. It crashes again at 3 s and returns at 4 s: four switches in four seconds (see the stats). Raft, by contrast, does not hand leadership to a node just because it came back.",
        "笔记中的缺点：频繁切主。n5 在 1 秒时宕机，n4 接任。2 秒时 n5 重启，恢复后立即发起选举，作为 ID 最大的节点直接获胜并发送 Victory：n4 退位。3 秒时它再次宕机，4 秒时又回来：四秒内切主四次（见统计）。相比之下，Raft 不会因为某个节点恢复就把领导权交给它。",
    ),
    (
        "scenario.bully-partition",
        "Partition: two coordinators",
        "网络分区：两个主节点",
    ),
    (
        "scenario.bully-partition.about",
        "At 1 s the network splits {n1, n2, n3} from {n4, n5}. n1–n3 hear no heartbeat and elect again; n4 and n5 cannot answer, so n3 wins its side while n5 still leads the other: two coordinators, and the one-coordinator property turns red — bully has no majority rule to prevent it. When the network heals at 3 s, n5's heartbeats reach n3, which steps down.",
        "1 秒时网络把 {n1, n2, n3} 和 {n4, n5} 分开。n1–n3 收不到心跳而重新选举；n4、n5 无法应答，于是 n3 在自己一侧获胜，而 n5 仍领导另一侧：出现两个主节点，“唯一主节点”性质变红——Bully 没有多数派规则来阻止这一点。3 秒网络恢复后，n5 的心跳到达 n3，n3 退位。",
    ),
];
