//! Every UI string, in English and Chinese (zh-CN), in one table.
//!
//! `tr(lang, key)` looks a string up; a missing key shows the key itself (and a test checks
//! that every key used by the app is in the table). Input errors from the engine are
//! translated by [`input_error`].

use distlab_engine::input::{InputError, Lang};
use distlab_engine::labs::Text;
use distlab_engine::sim::ActionError;

/// (key, English, Chinese)
const TABLE: &[Text] = &[
    ("app.title", "DistLab", "DistLab 分布式实验室"),
    ("app.tagline", "Distributed-systems algorithms, running for real", "分布式系统算法，真实运行"),
    ("app.language", "Language", "语言"),
    ("app.labs", "Labs", "实验"),
    ("app.coming", "coming", "即将推出"),
    ("app.dismiss", "Dismiss", "关闭"),
    ("app.input_problems", "Some parameters were not understood:", "部分参数无法识别："),
    ("app.open_full", "Open in DistLab", "在 DistLab 中打开"),
    // toolbar
    ("ctl.play", "Play", "播放"),
    ("ctl.pause", "Pause", "暂停"),
    ("ctl.step", "Step", "单步"),
    ("ctl.speed", "Speed", "速度"),
    ("ctl.time", "Time", "时间"),
    ("ctl.share", "Copy share link", "复制分享链接"),
    ("ctl.copied", "Link copied", "链接已复制"),
    ("ctl.copy_failed", "Copy this link:", "请复制此链接："),
    ("ctl.restart_run", "Restart run", "重新开始"),
    ("ctl.partition", "Partition tool", "分区工具"),
    ("ctl.partition_help", "Click nodes to move them between groups, then apply.", "点击节点把它移到另一组，然后应用。"),
    ("ctl.apply_partition", "Apply partition", "应用分区"),
    ("ctl.cancel", "Cancel", "取消"),
    ("ctl.heal_all", "Heal all", "全部恢复"),
    ("ctl.hint", "Click a node for its menu, a link to cut or heal it, a message to drop it. Space: play/pause, →: step. The Nodes and links panel does the same from the keyboard.", "点击节点打开菜单，点击链路切断或恢复，点击消息将其丢弃。空格：播放/暂停，→：单步。“节点与链路”面板可用键盘完成同样的操作。"),
    ("ctl.export_svg", "Export SVG", "导出 SVG"),
    ("ctl.export_png", "Export PNG", "导出 PNG"),
    ("ctl.export_json", "Export trace (JSON)", "导出轨迹（JSON）"),
    ("ctl.window", "Window", "时间窗"),
    // app shell (issue 13): sharing, keyboard, screen readers, presets, branches
    ("ctl.share_link", "Share link", "分享链接"),
    ("ctl.copying", "Copying…", "正在复制…"),
    ("ctl.not_copied", "Not copied: this page may not use the clipboard here. Select the link and copy it yourself (Ctrl+C or ⌘C).", "未复制：此页面在这里无法使用剪贴板。请选中链接自行复制（Ctrl+C 或 ⌘C）。"),
    ("scenario.mismatch", "This run does not use the preset's settings ({0}; the preset's value in brackets). The explanation above assumes the preset's settings, so this run may not show what it describes.", "本次运行没有使用该场景的预设参数（{0}；括号内为预设值）。上面的说明基于预设参数，因此本次运行可能不会出现所描述的情形。"),
    ("run.branched", "You acted at {0}, before the end of the recorded run: the run branches here, and the history after {0} (up to {1}) was discarded.", "你在 {0} 处执行了操作，早于已记录运行的末尾：运行从这里分叉，{0} 之后（直到 {1}）的历史已被丢弃。"),
    ("a11y.skip", "Skip to the lab", "跳到实验"),
    ("a11y.canvas", "Network diagram of {0} nodes, their links and the messages in flight. The Nodes and links panel offers the same actions from the keyboard.", "{0} 个节点及其链路和传输中消息的网络图。“节点与链路”面板可用键盘执行同样的操作。"),
    ("a11y.node_menu", "Actions for node n{0}", "节点 n{0} 的操作"),
    ("live.leader", "Leader n{0}, term {1}.", "领导者 n{0}，任期 {1}。"),
    ("live.no_leader", "No leader.", "没有领导者。"),
    ("live.nodes", "{0} nodes: {1} up, {2} crashed, {3} paused.", "{0} 个节点：{1} 个运行中，{2} 个已宕机，{3} 个已暂停。"),
    ("live.cut", "Links cut: {0}.", "已切断链路：{0} 条。"),
    ("live.partition", "Network split into {0} groups.", "网络被分成 {0} 组。"),
    ("live.violation", "An invariant is violated.", "有不变式被违反。"),
    ("kbd.title", "Nodes and links", "节点与链路"),
    ("kbd.help", "The diagram's actions from the keyboard: a node opens its menu; pick a link to cut or heal it, or a message in flight to drop it.", "用键盘执行网络图中的操作：点节点打开其菜单；选择链路以切断或恢复，或选择传输中的消息将其丢弃。"),
    ("kbd.group", "group", "组"),
    ("kbd.partition_help", "Partition tool: choose each node's group, then Apply partition.", "分区工具：为每个节点选择组，然后点击“应用分区”。"),
    ("kbd.link", "Link", "链路"),
    ("kbd.cut", "cut", "已切断"),
    ("kbd.cut_link", "Cut link", "切断链路"),
    ("kbd.heal_link", "Heal link", "恢复链路"),
    ("kbd.message", "Message in flight", "传输中的消息"),
    ("kbd.no_messages", "none in flight", "没有传输中的消息"),
    ("kbd.drop", "Drop message", "丢弃消息"),
    ("count.events.one", "{0} event", "{0} 个事件"),
    ("count.events.many", "{0} events", "{0} 个事件"),
    ("count.in_flight.one", "{0} in flight", "{0} 条传输中"),
    ("count.in_flight.many", "{0} in flight", "{0} 条传输中"),
    ("scenario.label", "Scenarios", "场景"),
    ("scenario.none", "Free run", "自由运行"),
    ("scenario.leader-crash", "Leader crash", "领导者宕机"),
    ("scenario.leader-crash.about", "The leader crashes at 2 s. Its followers stop hearing heartbeats, the first to time out becomes a candidate for a higher term and wins a majority; clients' writes resume on the new leader. At 4 s the old leader restarts with its term, vote and log, hears the new leader, becomes a follower and has its log repaired.", "领导者在 2 秒时宕机。跟随者收不到心跳，最先超时的节点以更高的任期成为候选人并赢得多数票；客户端写入在新领导者上继续。4 秒时旧领导者带着任期、投票和日志重启，收到新领导者的消息后成为跟随者，其日志被修复。"),
    ("scenario.split-vote", "Split vote", "选票瓜分"),
    ("scenario.split-vote.about", "Four nodes; two of them time out at the same moment and each asks for votes. Each gets its own vote and one more: 2 of 4 is no majority, so term 1 has no leader. Their randomized election timeouts then differ, and one of them wins a later term — which is why Raft randomizes timeouts.", "四个节点中有两个同时超时并各自请求投票。每个候选人得到自己和另一个节点的票：4 票中的 2 票不构成多数，所以任期 1 没有领导者。随后它们的随机选举超时不同，其中一个在之后的任期获胜——这正是 Raft 使用随机超时的原因。"),
    ("scenario.partitioned-leader", "Partitioned old leader", "被分区的旧领导者"),
    ("scenario.partitioned-leader.about", "At 2 s the leader and one follower are cut off from the other three. The old leader keeps accepting client writes but can never commit them: it has no majority. The majority side elects a new leader in a higher term and commits its own writes. When the network heals at 5 s, the old leader sees the higher term, steps down, and its uncommitted entries are overwritten by the new leader's log.", "2 秒时领导者和一个跟随者与另外三个节点断开。旧领导者继续接受客户端写入，但因没有多数派而永远无法提交。多数派一侧以更高的任期选出新领导者并提交自己的写入。5 秒网络恢复后，旧领导者看到更高的任期而退位，它未提交的条目被新领导者的日志覆盖。"),
    ("scenario.lagging-follower", "Lagging follower", "落后的跟随者"),
    ("scenario.figure-8", "Figure 8: old-term entries", "图 8：旧任期条目"),
    ("scenario.figure-8.about", "The Raft paper's figure 8. n1 leads term 2 and writes entry 2 while cut off, so only n2 gets it. n5 wins term 3 and writes its own entry 2 alone, then crashes. n1 wins term 4 and copies its term-2 entry to n3 and n4: four of five nodes hold it, a majority — yet n1 does not commit it, because a leader only counts replicas of entries from its own term. At 0.9 s n1 crashes and n5 wins term 5 (its last entry, term 3, is newer), overwriting entry 2 everywhere. Had n1 committed by counting replicas, a committed entry would now be lost.", "Raft 论文的图 8。n1 领导任期 2，在被隔离时写入条目 2，只有 n2 收到。n5 赢得任期 3，独自写入自己的条目 2 后宕机。n1 赢得任期 4，把任期 2 的条目复制到 n3 和 n4：五个节点中有四个持有它，已是多数——但 n1 并不提交它，因为领导者只按副本数提交本任期的条目。0.9 秒时 n1 宕机，n5 赢得任期 5（它的最后条目是任期 3，更新），在所有节点上覆盖条目 2。如果 n1 按副本数提交了它，已提交的条目就会丢失。"),
    ("scenario.figure-8-commit", "Figure 8 (e): commit in own term", "图 8 (e)：在本任期提交"),
    ("scenario.figure-8-commit.about", "The Raft paper's figure 8, panel (e). It starts as “Figure 8”: n1's entry 2 of term 2 reaches only n2; n5 wins term 3, writes its own entry 2 alone and crashes; n1 wins term 4 and copies its term-2 entry to n3 and n4, a majority, yet does not commit it. At 0.7 s n1 gets a client write of its own term, entry 3 of term 4. Once a majority holds it, n1 commits entry 3 and entry 2 with it. At 0.9 s n1 crashes; n5 returns and times out twice to stand for term 5, but n2, n3 and n4 refuse their votes: their last entry, term 4, is newer than n5's term 3. n5 cannot win, so entry 2 is never overwritten. One of n2–n4 leads a later term with entries 2 and 3, replaces n5's uncommitted entry 2 with the committed one, and catches n1 up when it returns at 1.5 s.", "Raft 论文的图 8，情形 (e)。开头与“图 8”相同：n1 任期 2 的条目 2 只到达 n2；n5 赢得任期 3，独自写入自己的条目 2 后宕机；n1 赢得任期 4，把任期 2 的条目复制到 n3 和 n4，已是多数，但并不提交它。0.7 秒时 n1 收到一个本任期的客户端写入，即任期 4 的条目 3。多数节点持有它之后，n1 提交条目 3，条目 2 也随之提交。0.9 秒时 n1 宕机；n5 恢复后两次超时，竞选任期 5，但 n2、n3 和 n4 拒绝投票：它们的最后条目是任期 4，比 n5 的任期 3 更新。n5 无法获胜，因此条目 2 永远不会被覆盖。n2–n4 中的一个领导之后的任期，持有条目 2 和 3，用已提交的条目替换 n5 未提交的条目 2，并在 n1 于 1.5 秒恢复后让它追上。"),
    ("scenario.lagging-follower.about", "n5 crashes at 1 s and misses writes; the leader crashes at 3 s, so the next leader knows nothing of n5 and starts its nextIndex just past its own log. When n5 returns at 4 s, each AppendEntries is rejected and the leader walks nextIndex back one entry per rejection until the logs agree; then the missing entries flow and n5 catches up.", "n5 在 1 秒时宕机并错过了写入；领导者在 3 秒时宕机，因此新领导者对 n5 一无所知，把它的 nextIndex 设为自己日志末尾之后。n5 在 4 秒恢复后，每次 AppendEntries 都被拒绝，领导者每次拒绝后把 nextIndex 回退一条，直到日志一致；随后缺失的条目被补上，n5 追上进度。"),
    ("scenario.removed-server", "Removed server", "被移除的服务器"),
    ("scenario.removed-server.about", "At 1.8 s n5 asks leader n3 to remove it, and n3 appends a four-node configuration. At 1.84 s, before that entry reaches n5, n5 is cut off from everyone: the removal commits among the other four, and nobody will ever tell n5, which still believes it is a member. Alone, it times out again and again, each time in a higher term. When the network heals at 3 s, its RequestVotes reach the members — watch the event log: each has heard from its leader within the minimum election timeout, so it withholds its vote and keeps its term (§4.2.3 of Ongaro's dissertation). n5's term keeps rising, while n3 stays leader in the same term and writes keep committing. Without this rule, every one of n5's timeouts would depose the leader.", "1.8 秒时 n5 请求领导者 n3 将其移除，n3 追加了一个四节点的配置。1.84 秒时，在该条目到达 n5 之前，n5 与所有节点断开：移除在另外四个节点中提交，而永远不会有人告诉 n5，它仍以为自己是成员。孤立的 n5 一次次超时，每次都进入更高的任期。3 秒网络恢复后，它的 RequestVote 到达各成员——请看事件日志：每个成员在最小选举超时内收到过领导者的消息，因此拒绝投票并保持自己的任期（Ongaro 博士论文 §4.2.3）。n5 的任期不断上升，而 n3 在同一任期内始终是领导者，写入持续提交。如果没有这条规则，n5 的每次超时都会使领导者下台。"),
    ("run.history_trimmed", "older history dropped", "较早的历史已丢弃"),
    ("run.history_window", "Keeping the last {0} of history (from {1}); earlier events were dropped to save memory. The run goes on, and the time scrubber covers what is kept.", "仅保留最近 {0} 的历史（从 {1} 起）；更早的事件已丢弃以节省内存。运行会继续，时间轴覆盖保留的部分。"),
    ("span.s", "{0} s", "{0} 秒"),
    ("span.min_s", "{0} min {1} s", "{0} 分 {1} 秒"),
    ("span.h_min", "{0} h {1} min", "{0} 小时 {1} 分"),
    ("panel.logs", "Logs", "日志"),
    ("panel.logs_help", "One row per node; each box is an entry, coloured by term (the number). Solid boxes are committed, faint ones not yet. Under each follower: ▲ the leader's nextIndex, green bar its matchIndex. A compacted log starts with its snapshot (≤ last included index · its term); grey boxes are entries the snapshot replaced.", "每个节点一行；每个方块是一个日志条目，按任期着色（数字为任期）。实心为已提交，浅色为未提交。每个跟随者下方：▲ 为领导者的 nextIndex，绿条为 matchIndex。压缩过的日志以其快照开头（≤ 最后包含的索引 · 其任期）；灰色方块是已被快照取代的条目。"),
    ("log.snapshot", "snapshot", "快照"),
    ("cmd.write", "Client write", "客户端写入"),
    ("cmd.add", "Add a server (membership)", "添加服务器（成员变更）"),
    ("cmd.remove", "Remove this server (membership)", "移除此服务器（成员变更）"),
    ("role.spare", "Not a member", "非成员"),
    ("detail.member", "Member", "成员"),
    ("detail.members", "Configuration", "配置成员"),
    ("detail.configIndex", "Config entry index", "配置条目索引"),
    ("inv.config-one-change", "Configuration changes: a leader's configuration differs from the committed one by at most one server", "配置变更：领导者的配置与已提交配置至多相差一台服务器"),
    ("note.raft.config", "appends a configuration entry ({0} members)", "追加配置条目（{0} 个成员）"),
    ("note.raft.add", "adds n{0} to the configuration", "将 n{0} 加入配置"),
    ("note.raft.remove", "removes n{0} from the configuration", "将 n{0} 移出配置"),
    ("note.raft.removed", "was removed: steps down in term {0}", "已被移除：在第 {0} 任期退位"),
    ("note.raft.remove_requested", "asks leader n{0} to remove it", "请求领导者 n{0} 将其移除"),
    ("note.raft.config_busy", "refuses: the change at entry {0} is not committed yet", "拒绝：第 {0} 条的配置变更尚未提交"),
    ("note.raft.config_wait_commit", "refuses: no entry of this term is committed yet (write once first)", "拒绝：本任期尚无已提交条目（请先写入一次）"),
    ("note.raft.config_no_spare", "refuses: no spare server left", "拒绝：没有空闲服务器"),
    ("note.raft.config_no_member", "refuses: n{0} is not a member, or no member would be left", "拒绝：n{0} 不是成员，或移除后将没有成员"),
    ("note.raft.not_member", "is not a member: it does not start elections", "不是成员：不会发起选举"),
    ("note.raft.config_not_leader", "refuses: only the leader changes the configuration", "拒绝：只有领导者可以变更配置"),
    ("detail.lastApplied", "Last applied", "已应用索引"),
    ("panel.timeline", "Space-time diagram", "时空图"),
    ("panel.timeline_help", "One lane per node; arrows from send to delivery, ✕ where a message was dropped; dots mark crashes (red), restarts (green) and pauses (yellow). Hover an arrow for its fields; click to jump to that time.", "每个节点一条泳道；箭头从发送指向送达，✕ 表示消息被丢弃；圆点标记宕机（红）、重启（绿）和暂停（黄）。悬停箭头查看字段；点击跳转到该时刻。"),
    // labelled lane events on the space-time diagram, and the pick-two verdict
    ("events.title", "Happened before, or concurrent?", "先于，还是并发？"),
    ("events.help", "Every event is a dot on its lane, labelled by the lab (here: Lamport time and vector clock). Click one event, then another, or choose them here, to see whether one happened before the other; the causal past of a (every event that happened before it) turns orange.", "每个事件是其泳道上的一个圆点，并带有实验给出的标签（这里是 Lamport 时间和向量时钟）。先点击一个事件，再点击另一个（或在这里选择），看看两者是否有先后关系；a 的因果过去（所有先于它发生的事件）显示为橙色。"),
    ("events.a", "Event a", "事件 a"),
    ("events.b", "Event b", "事件 b"),
    ("events.none", "—", "—"),
    ("events.clear", "Clear", "清除"),
    ("events.picked", "{0} = {1}", "{0} = {1}"),
    ("events.pick_a", "Pick event a: click a dot on a lane.", "选择事件 a：点击泳道上的一个圆点。"),
    ("events.pick_b", "Now pick event b.", "再选择事件 b。"),
    ("events.before", "a → b (a happened before b)", "a → b（a 先于 b 发生）"),
    ("events.after", "b → a (b happened before a)", "b → a（b 先于 a 发生）"),
    ("events.concurrent", "a ∥ b (concurrent)", "a ∥ b（并发）"),
    ("events.same", "a = b (the same event)", "a = b（同一个事件）"),
    ("events.gone", "A picked event is not in the run at this time (seek later, or pick again).", "所选事件在此时刻不属于这次运行（请跳到更晚的时刻，或重新选择）。"),
    // node menu
    ("menu.crash", "Crash", "宕机"),
    ("menu.restart", "Restart", "重启"),
    ("menu.pause", "Pause node", "暂停节点"),
    ("menu.resume", "Resume node", "恢复节点"),
    ("menu.close", "Close", "关闭"),
    ("cmd.timeout", "Force election timeout", "强制选举超时"),
    ("kind.server", "server", "服务器"),
    ("kind.client", "client", "客户端"),
    // shared by the mutual-exclusion labs
    ("cmd.request", "Request the critical section", "请求进入临界区"),
    ("inv.mutual-exclusion", "Mutual exclusion: at most one node in the critical section", "互斥：任一时刻至多一个节点在临界区内"),
    ("inv.every-request-granted", "Every request is eventually granted (checked in runs without faults)", "每个请求最终都获得批准（在无故障的运行中检查）"),
    // panels
    ("panel.log", "Event log", "事件日志"),
    ("panel.log_help", "Newest first; click an entry to jump there.", "最新在前；点击条目跳转到该时刻。"),
    ("panel.invariants", "Invariants", "不变式"),
    ("panel.ok", "holds", "成立"),
    ("panel.violated", "violated", "被违反"),
    ("panel.node", "Node", "节点"),
    ("panel.status", "Status", "状态"),
    ("panel.leader", "Leader", "领导者"),
    ("panel.no_leader", "no leader", "无领导者"),
    ("panel.term", "term", "任期"),
    ("panel.events", "events", "事件"),
    ("panel.in_flight", "in flight", "传输中"),
    ("panel.legend", "Legend", "图例"),
    // roles and statuses
    ("role.follower", "Follower", "跟随者"),
    ("role.candidate", "Candidate", "候选人"),
    ("role.leader", "Leader", "领导者"),
    ("status.up", "up", "运行中"),
    ("status.down", "crashed", "已宕机"),
    ("status.paused", "paused", "已暂停"),
    // node details
    ("detail.term", "Term", "任期"),
    ("detail.votedFor", "Voted for", "投票给"),
    ("detail.leader", "Leader", "领导者"),
    ("detail.votes", "Votes", "票数"),
    ("detail.log", "Log length (last index)", "日志长度（最后索引）"),
    ("detail.commitIndex", "Commit index", "提交索引"),
    // trace
    ("ev.send", "sends", "发送"),
    ("ev.deliver", "delivered", "送达"),
    ("ev.drop", "dropped", "丢弃"),
    ("ev.duplicate", "duplicated", "重复"),
    ("ev.timer", "timer fires:", "定时器触发："),
    ("ev.command", "command:", "命令："),
    ("ev.crash", "crashes", "宕机"),
    ("ev.restart", "restarts", "重启"),
    ("ev.pause", "paused", "暂停"),
    ("ev.resume", "resumed", "恢复"),
    ("ev.cut", "link cut", "链路切断"),
    ("ev.heal", "link healed", "链路恢复"),
    ("ev.slow", "link slowed", "链路变慢"),
    ("ev.partition", "network partitioned", "网络分区"),
    ("ev.heal_all", "network healed", "网络恢复"),
    ("panel.eventually", "checked when the run ends or goes quiet", "在运行结束或静止时检查"),
    ("panel.broken_as_taught", "broken, as this lab shows", "被打破，正是本实验要展示的"),
    ("panel.stats", "Counters", "计数"),
    ("panel.series", "Charts", "图表"),
    ("panel.series_help", "Each chart as of the time on the slider: drag it back and the curves are those of that moment.", "每张图表都对应时间滑块所在的时刻：把滑块往回拖，曲线就回到那一刻的样子。"),    ("panel.empty", "(empty)", "（空）"),
    ("menu.clock", "Set clock drift", "设置时钟漂移"),
    ("menu.clock_ppm", "Clock drift in parts per million (negative runs slow)", "时钟漂移（百万分之一，负数表示变慢）"),
    ("kbd.cut_one_way", "Cut {0} → {1} only", "只切断 {0} → {1}"),
    ("app.demo_values", "This free run starts with {0} so there is something to watch; set it in the URL to change it.", "本次自由运行以 {0} 开始，以便有内容可看；可在网址中修改。"),
    ("ev.cut_one_way", "link cut one way", "链路单向切断"),
    ("ev.heal_one_way", "one-way cut healed", "单向切断恢复"),
    ("ev.clock", "{0} clock set: drift {1} ppm, offset {2}", "{0} 时钟设置：漂移 {1} ppm，偏移 {2}"),
    ("ev.invoke", "invokes", "发起调用"),
    ("ev.return", "gets answer", "收到应答"),
    ("err.bad_argument", "bad argument for `{0}`: {1}", "`{0}` 的参数有误：{1}"),
    ("ev.violation", "VIOLATION", "违反"),
    ("drop.loss", "lost", "丢失"),
    ("drop.link-cut", "link cut", "链路已断"),
    ("drop.partition", "partition", "分区"),
    ("drop.node-down", "receiver down", "接收方宕机"),
    ("drop.user", "dropped by you", "被你丢弃"),
    ("note.raft.election", "starts an election for term {0}", "发起第 {0} 任期的选举"),
    ("note.raft.leader", "becomes leader of term {0}", "成为第 {0} 任期的领导者"),
    ("note.raft.step_down", "steps down in term {0}", "在第 {0} 任期退位"),
    ("note.raft.vote_withheld", "refuses n{0}'s vote request and keeps its term: it heard from a leader less than the minimum election timeout ago", "拒绝 n{0} 的投票请求并保持自己的任期：距上次收到领导者消息不到最小选举超时"),
    ("note.raft.commit", "commits up to entry {0}", "提交到第 {0} 条日志"),
    ("note.raft.walk_back", "logs disagree: walks a follower's nextIndex back to {0}", "日志不一致：将跟随者的 nextIndex 回退到 {0}"),
    ("note.raft.jump_back", "follower's log is short: nextIndex jumps back to {0}", "跟随者日志过短：nextIndex 跳回到 {0}"),
    ("note.raft.write_refused", "refuses the write: not the leader (leader: n{0}; 0 = unknown)", "拒绝写入：不是领导者（领导者：n{0}；0 表示未知）"),
    ("detail.kv", "Key-value state", "键值状态"),
    ("detail.kvDigest", "State digest", "状态摘要"),
    ("err.unknown_scenario", "Lab “{1}” has no scenario “{0}”; starting without one.", "实验“{1}”没有场景“{0}”；将不使用场景开始。"),
    ("timer.election", "election timeout", "选举超时"),
    ("timer.heartbeat", "heartbeat", "心跳"),
    ("timer.client", "client write", "客户端写入"),
    // invariants
    ("inv.election-safety", "Election safety: at most one leader per term", "选举安全：每个任期至多一个领导者"),
    ("inv.log-matching", "Log matching: same index and term means identical logs up to there", "日志匹配：索引和任期相同的条目之前的日志完全相同"),
    ("inv.leader-completeness", "Leader completeness: every committed entry is in every later leader's log", "领导者完整性：已提交的条目出现在之后每个领导者的日志中"),
    ("inv.state-machine-safety", "State-machine safety: no two nodes apply different commands at one index", "状态机安全：不同节点不会在同一索引应用不同的命令"),
    // errors
    ("err.other_engine", "This link was made by DistLab engine version {0} (this is version {1}): the run may play out differently from when it was shared.", "此链接由 DistLab 引擎版本 {0} 生成（当前为版本 {1}）：运行过程可能与分享时不同。"),
    ("err.unknown_lab", "Unknown lab “{0}”; showing “{1}”.", "未知实验“{0}”；显示“{1}”。"),
    ("err.lab_not_ready", "Lab “{0}” is not available yet; showing “{1}”.", "实验“{0}”尚未提供；显示“{1}”。"),
    ("err.lab_elsewhere", "Lab “{0}” is not in the part of DistLab this page loaded; showing “{1}”. Reload the page to open it.", "本页面加载的 DistLab 部分不包含实验“{0}”；显示“{1}”。请重新加载页面以打开它。"),
    ("err.not_a_number", "“{0}={1}” is not a number; using {2}.", "“{0}={1}”不是数字；使用 {2}。"),
    ("err.out_of_range", "“{0}={1}” is outside {2}–{3}; using {4}.", "“{0}={1}”超出范围 {2}–{3}；使用 {4}。"),
    ("err.unknown_param", "Unknown parameter “{0}” ignored.", "已忽略未知参数“{0}”。"),
    ("err.bad_lang", "Unknown language “{0}”; use en or zh.", "未知语言“{0}”；请用 en 或 zh。"),
    ("err.partial_actions", "The shared action log is damaged after {0} actions ({1}); replaying those {0} and dropping the rest.", "分享的操作记录在第 {0} 个操作之后损坏（{1}）；将重放这 {0} 个操作并丢弃其余部分。"),
    ("err.bad_actions", "The shared action log is damaged ({0}); starting without it.", "分享的操作记录已损坏（{0}）；将不带操作记录开始。"),
    ("err.swapped", "“{0}” was above “{1}”; using the same value for both.", "“{0}”大于“{1}”；两者使用相同的值。"),
    ("err.no_such_node", "There is no node n{0}.", "不存在节点 n{0}。"),
    ("err.same_node", "A link needs two different nodes.", "链路需要两个不同的节点。"),
    ("err.not_in_flight", "Message #{0} is no longer in flight.", "消息 #{0} 已不在传输中。"),
    ("err.unknown_command", "Unknown command “{0}”.", "未知命令“{0}”。"),
    ("err.bad_partition", "A partition needs one group per node.", "分区需要为每个节点指定一个组。"),
    ("err.malformed", "cannot read “{0}”", "无法解析“{0}”"),
    ("err.out_of_order", "“{0}” is earlier than the entry before it", "“{0}”早于前一条记录"),
    ("err.panic", "DistLab hit an internal error", "DistLab 遇到内部错误"),
    ("err.panic_help", "Please copy the message below and report it. Reload the page to start again.", "请复制下面的信息并报告。刷新页面即可重新开始。"),
    ("err.copy", "Copy message", "复制信息"),
    // catalog groups
    ("group.coordination", "Coordination & synchronization", "分布式协调与同步"),
    ("group.scheduling", "Resource management & scheduling", "资源管理与负载调度"),
    ("group.computing", "Computing", "分布式计算"),
    ("group.communication", "Communication", "分布式通信"),
    ("group.storage", "Storage", "分布式存储"),
    ("group.availability", "High availability", "高可靠 / 高可用"),
    ("group.foundations", "Foundations", "基础"),
    // lab titles
    ("lab.mutex-central", "Central mutex", "集中式互斥"),
    ("lab.mutex-ricart", "Ricart–Agrawala mutex", "Ricart–Agrawala 分布式互斥"),
    ("lab.mutex-token-ring", "Token ring mutex", "令牌环互斥"),
    ("lab.mutex-two-tier-ring", "Two-tier token ring", "两层令牌环"),
    ("lab.election-bully", "Bully election", "Bully 选举"),
    ("lab.election-zab", "ZAB election", "ZAB 选举"),
    ("lab.raft", "Raft", "Raft"),
    ("lab.paxos", "Paxos", "Paxos"),
    ("lab.chain-pow", "Proof of work", "工作量证明 PoW"),
    ("lab.chain-pos", "Proof of stake", "权益证明 PoS"),
    ("lab.chain-dpos", "Delegated proof of stake", "委托权益证明 DPoS"),
    ("lab.tx-2pc", "Two-phase commit", "两阶段提交"),
    ("lab.tx-3pc", "Three-phase commit", "三阶段提交"),
    ("lab.tx-local-message", "Local message table", "本地消息表"),
    ("lab.tx-tcc", "TCC", "TCC 补偿事务"),
    ("lab.lock-db", "Database lock", "数据库锁"),
    ("lab.lock-redis", "Redis lock", "Redis 锁"),
    ("lab.lock-redlock", "Redlock", "Redlock"),
    ("lab.lock-zk", "ZooKeeper lock", "ZooKeeper 锁"),
    ("lab.lease", "Leases", "租约"),
    ("lab.arch-central", "Centralized architecture", "中心化架构"),
    ("lab.arch-akka", "Akka cluster gossip", "Akka 集群 Gossip"),
    ("lab.redis-cluster", "Redis Cluster slots", "Redis Cluster 哈希槽"),
    ("lab.sched-borg", "Borg scheduling", "Borg 调度"),
    ("lab.sched-mesos", "Mesos offers", "Mesos 资源邀约"),
    ("lab.fair-mmf", "Max-min fairness", "最大最小公平"),
    ("lab.fair-drf", "Dominant resource fairness", "主导资源公平 DRF"),
    ("lab.sched-omega", "Omega shared-state scheduling", "Omega 共享状态调度"),
    ("lab.compute-mapreduce", "MapReduce", "MapReduce"),
    ("lab.compute-stream", "Stream processing", "流计算"),
    ("lab.compute-actor", "Actors", "Actor 模型"),
    ("lab.compute-pipeline", "Pipelines", "流水线计算"),
    ("lab.comm-rpc", "RPC", "远程过程调用 RPC"),
    ("lab.comm-pubsub", "Publish–subscribe", "发布订阅"),
    ("lab.comm-mq", "Message queue", "消息队列"),
    ("lab.discovery", "Service discovery", "服务发现"),
    ("lab.cap", "CAP", "CAP"),
    ("lab.partition-quorum", "Partition quorum", "分区仲裁"),
    ("lab.placement-hash", "Hash placement", "哈希分布"),
    ("lab.placement-ring", "Consistent hashing", "一致性哈希"),
    ("lab.placement-bounded", "Bounded-load hashing", "有界负载一致性哈希"),
    ("lab.placement-vnodes", "Virtual nodes", "虚拟节点"),
    ("lab.placement-range", "Range partitioning", "范围分区"),
    ("lab.repl-modes", "Replication modes", "复制模式"),
    ("lab.repl-redis", "Redis replication", "Redis 复制"),
    ("lab.cache-persistence", "Cache persistence", "缓存持久化"),
    ("lab.consistency-models", "Consistency models", "一致性模型"),
    ("lab.gossip", "Gossip", "Gossip 协议"),
    ("lab.lb", "Load balancing", "负载均衡"),
    ("lab.ratelimit", "Rate limiting", "限流"),
    ("lab.isolation", "Bulkheads", "隔离"),
    ("lab.failure-detect", "Failure detection", "故障检测"),
    ("lab.sessions", "Sessions", "会话管理"),
    ("lab.clocks", "Logical clocks", "逻辑时钟"),
    ("lab.idempotency", "Idempotency", "幂等"),
    ("lab.isolation-levels", "Isolation levels", "隔离级别"),
    ("lab.joins", "Joins", "连接算法"),
    ("lab.raft.about", "Followers time out at random (150–300 ms), become candidates and ask for votes; a majority makes a leader, whose heartbeats hold the others back. Client writes go to the leader, which replicates them with AppendEntries and commits an entry once a majority stores it; servers compact their logs into snapshots, and a follower left too far behind gets the leader's snapshot (InstallSnapshot). Crash the leader, cut links, split the network or drop messages, and watch terms, votes and logs repair themselves — or pick a scenario.", "跟随者在随机超时（150–300 毫秒）后成为候选人并请求投票；获得多数票即成为领导者，其心跳使其他节点保持跟随。客户端写入发给领导者，领导者用 AppendEntries 复制日志，多数节点保存后即提交；服务器把日志压缩为快照，落后太多的跟随者会收到领导者的快照（InstallSnapshot）。让领导者宕机、切断链路、分裂网络或丢弃消息，观察任期、投票和日志如何自我修复——或选择一个场景。"),
    // plotted labs
    ("err.bad_text", "“{0}={1}” is not valid ({3}); using “{2}”.", "“{0}={1}”无效；使用“{2}”。"),
    ("lab.placement-hash.about", "Hash mod N: a key goes to node hash(key) mod N. Add or remove one node and watch most keys move — compare with the ring, rendezvous and jump hashing, selectable here with the same metrics.", "取模哈希：键放到 hash(key) mod N 号节点。增加或移除一个节点，观察大多数键都要迁移——可在此切换到一致性哈希环、最高随机权重（rendezvous）和跳跃一致性哈希，用同样的指标比较。"),
    ("lab.placement-ring.about", "Consistent hashing: nodes and keys hash onto a ring; a key goes clockwise to the next node. When a node joins or leaves, only the keys of one arc move (about 1/n). The dots are a sample; the statistics cover all keys.", "一致性哈希：节点和键都哈希到一个环上；键顺时针归属下一个节点。节点加入或离开时，只有一段弧上的键迁移（约 1/n）。圆点是抽样，统计覆盖全部键。"),
    ("lab.placement-bounded.about", "Consistent hashing with bounded loads: no node may hold more than ⌈c·m/n⌉ keys; a key whose node is full walks on clockwise to the next node below its cap. Lower c evens the load at the price of more moves.", "有界负载一致性哈希：每个节点最多保存 ⌈c·m/n⌉ 个键；若节点已满，键继续顺时针走到下一个未满的节点。c 越小负载越均衡，但迁移更多。"),
    ("lab.placement-vnodes.about", "Virtual nodes: each physical node owns many points on the ring, in proportion to its weight (here n1×1, n2×2, n3×3). More virtual nodes make the load more even (lower standard deviation).", "虚拟节点：每个物理节点在环上拥有多个点，数量与权重成正比（此处 n1×1、n2×2、n3×3）。虚拟节点越多，负载越均衡（标准差越低）。"),
    ("lab.fair-mmf.about", "Max-min fairness by progressive filling: capacity is offered in equal shares to everyone still wanting more; those who need less take only what they need and the rest is shared again. Capacity 100 over demands 35, 10, 25, 45 gives B 10, C 25, A 32.5, D 32.5.", "最大最小公平（渐进填充）：把容量平均分给仍有需求的用户；需求少的只取所需，剩余再平分。容量 100、需求 35、10、25、45 时：B 10、C 25、A 32.5、D 32.5。"),
    ("lab.fair-drf.about", "Dominant resource fairness: the user with the lowest dominant share launches the next task if it fits. With 18 CPU and 36 GB, A's tasks ⟨2 CPU, 8 GB⟩ and B's ⟨6 CPU, 2 GB⟩, A gets 3 tasks and B 2. Users can join, leave or change demands live; asset fairness and per-resource max-min are shown on the same inputs.", "主导资源公平：主导份额最低的用户在资源足够时启动下一个任务。18 CPU、36 GB，A 的任务 ⟨2 CPU, 8 GB⟩，B 的任务 ⟨6 CPU, 2 GB⟩，结果 A 3 个任务、B 2 个。用户可随时加入、离开或修改需求；同一输入下对照资产公平和按资源最大最小。"),
    ("pl.bars", "Keys per node", "各节点键数"),
    ("pl.weight", "weight", "权重"),
    ("pl.moved_in_out", "last change: +{0} in, −{1} out", "上次变更：迁入 {0}，迁出 {1}"),
    ("pl.did.add", "{0} added", "新增 {0}"),
    ("pl.did.remove", "{0} removed", "移除 {0}"),
    ("pl.did.fail", "{0} failed", "{0} 故障"),
    ("pl.fail_note", "{0} is down but still a member: only its keys fall back to the next live node (under hash mod N too, since N is unchanged), and Recover gives every one of them back. Nothing was handed over, so their data must come from replicas. A removal instead takes the node out of the ring for good.", "{0} 已宕机但仍是成员：只有它的键临时转到下一个存活节点（取模哈希也是如此，因为 N 不变），“恢复”会把这些键全部归还。由于没有事先移交，这些数据必须从副本恢复。而移除则是让节点永久离开环。"),
    ("chart.unit_s", "s", "秒"),
    ("drf.weight_hint", "append *w for a weight, e.g. 1,4*2", "加 *w 表示权重，如 1,4*2"),
    ("pl.keys", "keys", "键"),
    ("pl.mean", "mean", "平均"),
    ("pl.live", "live nodes", "存活节点"),
    ("pl.max_mean", "max / mean", "最大 / 平均"),
    ("pl.stddev", "std dev", "标准差"),
    ("pl.moved", "moved by last change", "上次变更迁移"),
    ("pl.refused", "Not applied: {0}", "未执行：{0}"),
    ("pl.add", "Add node", "增加节点"),
    ("pl.node", "Node", "节点"),
    ("pl.remove", "Remove", "移除"),
    ("pl.fail", "Fail", "故障"),
    ("pl.recover", "Recover {0}", "恢复 {0}"),
    ("pl.did.recover", "{0} recovered", "{0} 已恢复"),
    ("pl.node_failed", "{0} (failed)", "{0}（故障）"),
    ("pl.failed_nodes", "failed nodes", "故障节点"),
    ("pl.last_live", "The last live node can neither fail nor leave.", "最后一个存活节点不能故障，也不能移除。"),
    ("pl.already_failed", "{0} has already failed: recover it or remove it.", "{0} 已故障：可以恢复或移除它。"),
    ("pl.max_ratio", "max load / expected share (weighted)", "最大负载 / 期望份额（按权重）"),
    ("pl.ratio_stddev", "std dev of load / expected share (weighted)", "负载 / 期望份额的标准差（按权重）"),
    ("pl.unweighted", "unweighted", "未加权"),
    ("pl.expected", "expected share", "期望份额"),
    ("pl.weighted_help", "Weights differ, so each node's expected share is weight / total weight × keys; a load / expected share of 1.000 is a perfect fit. The unweighted max / mean and std dev count a heavier node's larger share as imbalance.", "权重不同，因此每个节点的期望份额为 权重 / 总权重 × 键数；负载 / 期望份额为 1.000 即完全均衡。未加权的最大 / 平均与标准差会把权重大的节点应得的较大份额也算作不均衡。"),
    ("pl.reset", "Undo all changes", "撤销全部变更"),
    ("pl.strategy", "Strategy", "策略"),
    ("pl.strategy.mod", "hash mod N", "取模哈希"),
    ("pl.strategy.ring", "consistent hashing", "一致性哈希"),
    ("pl.strategy.bounded", "bounded loads", "有界负载"),
    ("pl.strategy.vnodes", "virtual nodes", "虚拟节点"),
    ("pl.strategy.rendezvous", "rendezvous (HRW)", "最高随机权重（rendezvous）"),
    ("pl.strategy.jump", "jump consistent hash", "跳跃一致性哈希"),
    ("pl.hash", "Hash", "哈希函数"),
    ("pl.nodes", "Nodes", "节点数"),
    ("pl.vnodes", "Virtual nodes", "虚拟节点数"),
    ("pl.c", "Load factor c", "负载因子 c"),
    ("pl.weights", "Weights", "权重"),
    ("pl.lookup", "Look up a key", "查找键"),
    ("pl.lookup_out", "hash {0} · position {1} of a turn · owner {2}", "哈希 {0} · 环上位置 {1} · 归属 {2}"),
    ("pl.help", "Add, remove or fail a node: the keys that move travel from their old owner to the new one and stay ringed.", "增加、移除节点或使其故障：迁移的键从旧节点移动到新节点，并以描边标出。"),
    ("pl.sample", "At most {0} keys are drawn; statistics count every key.", "最多绘制 {0} 个键；统计包含所有键。"),
    ("fair.user", "User", "用户"),
    ("fair.demand", "Demand", "需求"),
    ("fair.weight", "Weight", "权重"),
    ("fair.demands", "Demands", "需求"),
    ("fair.weights", "Weights (optional)", "权重（可选）"),
    ("fair.to_end", "Skip to end", "跳到结束"),
    ("mmf.chart", "Allocation (dashed: demand)", "分配（虚线：需求）"),
    ("mmf.allocated", "allocated", "已分配"),
    ("mmf.level", "fill level", "填充水位"),
    ("mmf.allocation", "Allocation", "分配"),
    ("mmf.capacity", "Capacity", "容量"),
    ("mmf.round", "{0} available, {1} users → {2} each; satisfied: {3}", "可用 {0}，{1} 个用户 → 每人 {2}；满足：{3}"),
    ("mmf.unallocated", "Unallocated: {0}", "未分配：{0}"),
    ("drf.bars", "Allocation per resource", "各资源分配"),
    ("drf.lines", "Dominant share over steps", "主导份额随步骤变化"),
    ("drf.tasks", "DRF tasks", "DRF 任务数"),
    ("drf.n_tasks", "{0} tasks", "{0} 个任务"),
    ("drf.dominant", "Dominant share", "主导份额"),
    ("drf.asset", "Asset fairness tasks", "资产公平任务数"),
    ("drf.per_resource", "Per-resource max-min tasks", "按资源最大最小任务数"),
    ("drf.leave", "Leave", "离开"),
    ("drf.used", "Used / capacity", "已用 / 容量"),
    ("drf.new_user", "New user's task", "新用户任务"),
    ("drf.join", "Join", "加入"),
    ("drf.demands", "Per-task demands (users split by ;)", "每任务需求（用户间以 ; 分隔）"),
    ("drf.help", "Edit a user's demand or let users join and leave: the allocation refills live, and the share link replays your changes.", "修改用户需求，或让用户加入、离开：分配会实时重新填充，分享链接会重放你的修改。"),
    ("lab.ratelimit.about", "Rate limiters on the same traffic: a leaky bucket lets requests out at a fixed rate and drops what its queue cannot hold; a token bucket admits bursts while tokens last; Sentinel limits concurrent threads or QPS (direct reject, warm-up, uniform queueing). Notes' example: uniform queueing with interval T and max wait 6T — with 3 queued, a new request passes at t1 + 4T.", "同一流量下的限流器：漏桶以固定速率放出请求，队列放不下的丢弃；令牌桶在有令牌时允许突发；Sentinel 按并发线程数或 QPS 限流（直接拒绝、预热、匀速排队）。笔记示例：匀速排队，间隔 T，最大排队时长 6T——已有 3 个请求排队时，新请求在 t1 + 4T 通过。"),
    ("rl.limiter", "Limiter", "限流器"),
    ("rl.limiter2", "Second limiter", "第二个限流器"),
    ("rl.traffic", "Traffic", "流量"),
    ("rl.service", "Service time (ms)", "服务时间（毫秒）"),
    ("rl.kind.none", "none", "无"),
    ("rl.kind.leaky", "leaky bucket", "漏桶"),
    ("rl.kind.token", "token bucket", "令牌桶"),
    ("rl.kind.fixed", "fixed window", "固定窗口"),
    ("rl.kind.sliding", "sliding window", "滑动窗口"),
    ("rl.kind.threads", "concurrent threads (Sentinel)", "并发线程数（Sentinel）"),
    ("rl.kind.qps", "QPS reject (Sentinel)", "QPS 直接拒绝（Sentinel）"),
    ("rl.kind.warmup", "warm-up (Sentinel)", "预热（Sentinel）"),
    ("rl.kind.uniform", "uniform queueing (Sentinel)", "匀速排队（Sentinel）"),
    ("rl.tr.steady", "steady", "匀速"),
    ("rl.tr.bursts", "bursts", "突发"),
    ("rl.tr.ramp", "ramp", "线性增长"),
    ("rl.tr.onoff", "on/off", "开关"),
    ("rl.tr.jitter", "jittered", "随机抖动"),
    ("rl.p.capacity", "capacity", "容量"),
    ("rl.p.rate", "rate/s", "速率/秒"),
    ("rl.p.burst", "burst", "桶容量"),
    ("rl.p.wait", "max wait", "最大等待"),
    ("rl.p.limit", "limit", "上限"),
    ("rl.p.window", "window", "窗口"),
    ("rl.p.max", "max threads", "最大线程数"),
    ("rl.p.count", "QPS", "QPS"),
    ("rl.p.cold", "cold factor", "冷启动因子"),
    ("rl.p.period", "warm-up period", "预热时长"),
    ("rl.p.interval", "interval T", "间隔 T"),
    ("rl.p.base", "base rate/s", "基础速率/秒"),
    ("rl.p.size", "burst size", "突发请求数"),
    ("rl.p.every", "every", "每隔"),
    ("rl.p.from", "from /s", "起始 /秒"),
    ("rl.p.to", "to /s", "结束 /秒"),
    ("rl.p.over", "over", "持续"),
    ("rl.p.on", "on", "开"),
    ("rl.p.off", "off", "关"),
    ("rl.flow", "Requests per {0} ms step", "每 {0} 毫秒一步的请求数"),
    ("rl.offered", "offered", "到达"),
    ("rl.admitted", "admitted", "通过"),
    ("rl.queued", "queued", "排队"),
    ("rl.rejected", "rejected", "拒绝"),
    ("rl.gauge", "bucket / tokens / window", "桶 / 令牌 / 窗口"),
    ("rl.gauge.queued", "Queued requests", "排队请求数"),
    ("rl.gauge.tokens", "Tokens in the bucket", "桶中令牌数"),
    ("rl.gauge.window_count", "Count in the window", "窗口内计数"),
    ("rl.gauge.threads", "Threads in use", "占用线程数"),
    ("rl.gauge.pass_qps", "Passes in the last second", "最近一秒通过数"),
    ("rl.gauge.allowed_qps", "Allowed QPS (warming up)", "允许 QPS（预热中）"),
    ("rl.delay", "Queueing delay (ms, mean per step)", "排队时延（毫秒，每步平均）"),
    ("rl.mean_delay", "mean delay", "平均时延"),
    ("rl.p99", "p99 delay", "p99 时延"),
    ("rl.time", "virtual time {0} s", "虚拟时间 {0} 秒"),
    ("sc.actions", "Actions", "操作"),
    ("sc.logged", "{0}: {1}", "{0}：{1}"),
    ("sc.arg_sep", ", ", "，"),
    ("sc.hidden", " (+{0} more not shown)", "（另有 {0} 台未显示）"),
    ("rl.example", "Notes' example: uniform queueing", "笔记示例：匀速排队"),
    ("rl.restart", "Restart", "重新开始"),
    ("rl.requests", "First requests — {0}", "前几个请求——{0}"),
    ("rl.req.arrival", "arrives (ms)", "到达（毫秒）"),
    ("rl.req.ahead", "queued ahead", "前面排队"),
    ("rl.req.pass", "passes (ms)", "通过（毫秒）"),
    ("rl.req.when", "pass time", "通过时刻"),
    ("rl.now", "passes now (t1)", "立即通过（t1）"),
    ("rl.rejected_wait", "rejected: would wait too long", "拒绝：等待将超过上限"),
    ("rl.help", "Both limiters see the same requests (same traffic and seed). Change any parameter or send a burst mid-run: it applies at that moment without restarting, and a dashed line marks it on the charts. Drag the time slider to go back and watch again; the share link carries every change. t1 is when the last request before this one passed; T is the interval.", "两个限流器收到完全相同的请求（同一流量和种子）。运行中可以修改任一参数或发送一批突发请求：改动从那一刻起生效，不会重新开始，图上以虚线标出。拖动时间滑块可以回到过去重看；分享链接会带上每一次改动。t1 是前一个请求通过的时刻；T 是间隔。"),
    ("rl.burst", "Send burst now", "立即发送突发"),
    ("rl.burst_size", "burst of", "突发请求数"),
    ("rl.changes", "Changes (replayed by the share link):", "改动（分享链接会重放）："),
    ("rl.restart_title", "Start again from 0 s with the limiters and traffic as they are now", "以当前的限流器和流量从 0 秒重新开始"),
    ("scenario.traffic-surge", "Traffic surge", "流量激增"),
    ("scenario.traffic-surge.about", "8 requests/s pass both limiters untouched. At 10 s traffic jumps to 25/s: the token bucket (10/s) rejects about 15 a second, the leaky bucket fills its queue of 10 and then rejects too. At 20 s limiter A is raised to 30/s without a restart and rejects nothing; at 30 s a burst of 40 finds at most 5 tokens. Drag the time slider back to compare the moments.", "每秒 8 个请求，两个限流器都全部放行。10 秒时流量升到每秒 25 个：令牌桶（每秒 10 个）每秒拒绝约 15 个，漏桶的 10 个排队位置填满后也开始拒绝。20 秒时限流器 A 在不重启的情况下提高到每秒 30 个，不再拒绝；30 秒时一批 40 个突发请求最多只能拿到 5 个令牌。拖动时间滑块回看各个时刻作比较。"),
    // plotted labs: committed fields and their errors (issue 13)
    ("field.hint", "Enter ↵ to apply", "按回车 ↵ 应用"),
    ("field.apply_title", "Press Enter or leave the field to apply; Esc undoes the edit", "按回车或离开输入框即应用；Esc 撤销修改"),
    ("field.not_number", "“{0}” is not a number", "“{0}”不是数字"),
    ("field.range", "“{0}” is outside {1} … {2}", "“{0}”超出范围 {1} … {2}"),
    ("field.whole", "“{0}” is not a whole number from {1} to {2}", "“{0}”不是 {1} 到 {2} 之间的整数"),
    ("field.list_item", "“{0}” is not a number ≥ 0", "“{0}”不是 ≥ 0 的数"),
    ("field.positive", "weight “{0}” must be above 0", "权重“{0}”必须大于 0"),
    ("field.empty", "Enter at least one number", "请至少输入一个数"),
    ("field.too_many", "At most {0} values", "最多 {0} 个值"),
    ("field.too_many_given", "{0} values are too many", "{0} 个值太多"),
    ("field.count_one", "Give 1 value, one per {1} ({2} given)", "需要 1 个值，每{1}一个（给了 {2} 个）"),
    ("field.count_many", "Give {0} values, one per {1} ({2} given)", "需要 {0} 个值，每{1}一个（给了 {2} 个）"),
    ("field.per.user", "user", "用户"),
    ("field.per.resource", "resource", "资源"),
    ("field.per.node", "node", "节点"),
    ("field.duration", "“{0}” is not a duration such as 500ms or 2s", "“{0}”不是时长，例如 500ms 或 2s"),
    ("fair.err.amounts_one", "Every task needs 1 amount, one per resource ({1} given)", "每个任务需要 1 个数量，每种资源一个（给了 {1} 个）"),
    ("fair.err.amounts_many", "Every task needs {0} amounts, one per resource ({1} given)", "每个任务需要 {0} 个数量，每种资源一个（给了 {1} 个）"),
    ("fair.err.no_users", "There are no users", "没有用户"),
    ("fair.err.no_resources", "There are no resources", "没有资源"),
    ("fair.err.capacity", "capacity {0} is not a number above 0", "容量 {0} 不是大于 0 的数"),
    ("fair.err.demand", "user {0}'s demand {1} is not a number ≥ 0", "用户 {0} 的需求 {1} 不是 ≥ 0 的数"),
    ("fair.err.weight", "user {0}'s weight {1} is not a number above 0", "用户 {0} 的权重 {1} 不是大于 0 的数"),
    ("fair.err.empty_task", "user {0}'s task needs nothing of any resource", "用户 {0} 的任务不需要任何资源"),
    ("fair.err.no_user", "there is no user {0}", "没有用户 {0}"),
    ("drf.res.cpu", "CPU", "CPU"),
    ("drf.res.mem", "GB", "GB"),
    ("drf.demand_of", "Demand ({0})", "需求（{0}）"),
    ("drf.capacity_of", "Capacity ({0}, {1}, …)", "容量（{0}、{1}、…）"),
    ("pl.title.mod", "Hash mod N", "取模哈希"),
    ("pl.title.ring", "Consistent hashing", "一致性哈希"),
    ("pl.title.bounded", "Bounded-load hashing", "有界负载一致性哈希"),
    ("pl.title.vnodes", "Virtual nodes", "虚拟节点"),
    ("pl.title.rendezvous", "Rendezvous hashing (HRW)", "最高随机权重哈希（rendezvous）"),
    ("pl.title.jump", "Jump consistent hash", "跳跃一致性哈希"),
    ("pl.about.rendezvous", "Rendezvous (highest random weight) hashing: each key scores every node by hash(key, node) and goes to the highest score. When a node leaves, only its own keys move, each to its second-best node; there is no ring and no virtual nodes.", "最高随机权重（rendezvous）哈希：每个键用 hash(键, 节点) 给每个节点打分，归属得分最高的节点。节点离开时只有它自己的键迁移，各自去往得分第二高的节点；没有环，也没有虚拟节点。"),
    ("pl.about.jump", "Jump consistent hash: a key jumps through bucket numbers with a hash-seeded random walk and stops at one below N. Adding a node moves only about 1/N of the keys, with no ring and no memory.", "跳跃一致性哈希：键以哈希为种子在桶编号间随机跳跃，停在小于 N 的一个编号上。增加节点只迁移约 1/N 的键，无需环或额外内存。"),
    ("pl.unused", "not used by {0}", "{0} 不使用此项"),
    ("pl.dropped_one", "1 recorded membership change no longer applies to these parameters and was dropped: {1}", "1 个已记录的成员变更不再适用于这些参数，已舍弃：{1}"),
    ("pl.dropped_many", "{0} recorded membership changes no longer apply to these parameters and were dropped: {1}", "{0} 个已记录的成员变更不再适用于这些参数，已舍弃：{1}"),
    // debug
    ("debug.frame", "frame", "帧"),
    ("debug.median", "median", "中位数"),
    ("debug.last", "last", "最近"),
    ("debug.frames", "frames", "帧数"),
    ("debug.first_frame", "first frame at", "首帧时间"),
];

/// The shell's table, then every lab's own strings (declared in its registry row).
fn rows() -> impl Iterator<Item = &'static Text> {
    TABLE.iter().chain(
        distlab_engine::labs::installed()
            .iter()
            .flat_map(|l| l.texts.iter()),
    )
}

thread_local! {
    /// Every row by key, built once: renders look up hundreds of keys, and the shell's table
    /// and the labs' together hold over a thousand rows.
    static INDEX: std::collections::HashMap<&'static str, &'static Text> =
        rows().map(|row| (row.0, row)).collect();
}

fn lookup(key: &str) -> Option<&'static Text> {
    INDEX.with(|index| index.get(key).copied())
}

/// The string for `key` in `lang`; the key itself if no table has it.
pub fn tr(lang: Lang, key: &str) -> &str {
    match lookup(key) {
        Some((_, en, zh)) => match lang {
            Lang::En => en,
            Lang::Zh => zh,
        },
        None => key,
    }
}

/// Whether a table has `key` (used by tests).
pub fn has(key: &str) -> bool {
    lookup(key).is_some()
}

/// All keys, for tests.
pub fn keys() -> impl Iterator<Item = &'static str> {
    rows().map(|(k, _, _)| *k)
}

/// A shown value with each word written as a translation key (see
/// [`distlab_engine::labs::key_words`]) translated; the rest as written.
pub fn tr_words(lang: Lang, s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for r in distlab_engine::labs::key_words(s) {
        out.push_str(&s[at..r.start]);
        out.push_str(tr(lang, &s[r.clone()]));
        at = r.end;
    }
    out.push_str(&s[at..]);
    out
}

/// A lab's headline: its key filled with its arguments, each shown as [`tr_words`] shows a
/// value.
pub fn tr_headline(lang: Lang, h: &distlab_engine::labs::Headline) -> String {
    let args: Vec<String> = h.args.iter().map(|a| tr_words(lang, a)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    trf(lang, h.key, &args)
}

/// `tr` with `{0}`, `{1}`, ... replaced by `args`.
pub fn trf(lang: Lang, key: &str, args: &[&str]) -> String {
    let mut s = tr(lang, key).to_string();
    for (i, a) in args.iter().enumerate() {
        s = s.replace(&format!("{{{i}}}"), a);
    }
    s
}

/// A translated input error.
pub fn input_error(lang: Lang, e: &InputError) -> String {
    match e {
        InputError::UnknownLab { value, used } => trf(lang, "err.unknown_lab", &[value, used]),
        InputError::LabNotReady { lab, used } => trf(lang, "err.lab_not_ready", &[lab, used]),
        InputError::LabElsewhere { lab, used } => trf(lang, "err.lab_elsewhere", &[lab, used]),
        InputError::NotANumber { key, value, used } => {
            trf(lang, "err.not_a_number", &[key, value, used])
        }
        InputError::OutOfRange {
            key,
            value,
            min,
            max,
            used,
        } => trf(
            lang,
            "err.out_of_range",
            &[key, value, &min.to_string(), &max.to_string(), used],
        ),
        InputError::UnknownParam { key } => trf(lang, "err.unknown_param", &[key]),
        InputError::BadLang { value } => trf(lang, "err.bad_lang", &[value]),
        InputError::BadActions { error } => {
            trf(lang, "err.bad_actions", &[&action_error(lang, error)])
        }
        InputError::PartialActions { kept, error } => trf(
            lang,
            "err.partial_actions",
            &[&kept.to_string(), &action_error(lang, error)],
        ),
        InputError::Swapped { low, high } => trf(lang, "err.swapped", &[low, high]),
        InputError::UnknownScenario { value, lab } => {
            trf(lang, "err.unknown_scenario", &[value, lab])
        }
        InputError::BadText {
            key,
            value,
            reason,
            used,
        } => trf(lang, "err.bad_text", &[key, value, used, reason]),
        InputError::OtherEngine { link, current } => trf(
            lang,
            "err.other_engine",
            &[&link.to_string(), &current.to_string()],
        ),
    }
}

/// A translated action error.
pub fn action_error(lang: Lang, e: &ActionError) -> String {
    match e {
        ActionError::NoSuchNode(n) => trf(lang, "err.no_such_node", &[&(n + 1).to_string()]),
        ActionError::SameNode => tr(lang, "err.same_node").to_string(),
        ActionError::NotInFlight(m) => trf(lang, "err.not_in_flight", &[&m.to_string()]),
        ActionError::UnknownCommand(c) => trf(lang, "err.unknown_command", &[c]),
        ActionError::BadArgument { command, reason } => {
            trf(lang, "err.bad_argument", &[command, reason])
        }
        ActionError::BadPartition => tr(lang, "err.bad_partition").to_string(),
        ActionError::Malformed(s) => trf(lang, "err.malformed", &[s]),
        ActionError::OutOfOrder(s) => trf(lang, "err.out_of_order", &[s]),
    }
}

/// The browser's preferred language, English when it is not Chinese.
pub fn browser_lang() -> Lang {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .and_then(|l| Lang::parse(&l))
        .unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every translation key a panel shows: its title, column and row names, and the words of
    /// its values written as keys.
    fn panel_keys(panel: &distlab_engine::labs::Panel) -> Vec<String> {
        use distlab_engine::labs::{key_words, Panel};
        let mut keys = Vec::new();
        let values = |v: &str| {
            key_words(v)
                .into_iter()
                .map(|r| v[r].to_string())
                .collect::<Vec<_>>()
        };
        match panel {
            Panel::Rows { title, rows } => {
                keys.push(title.to_string());
                for (k, v) in rows {
                    keys.push(k.to_string());
                    keys.extend(values(v));
                }
            }
            Panel::Table {
                title,
                columns,
                rows,
            } => {
                keys.push(title.to_string());
                keys.extend(columns.iter().map(|c| c.to_string()));
                keys.extend(rows.iter().flatten().flat_map(|v| values(v)));
            }
            Panel::Queue { title, items } | Panel::List { title, items } => {
                keys.push(title.to_string());
                keys.extend(items.iter().flat_map(|v| values(v)));
            }
        }
        keys
    }

    /// The words of shown values (headline arguments, curve names, bar labels) written as keys.
    fn value_keys<'a>(values: impl IntoIterator<Item = &'a String>) -> Vec<String> {
        values
            .into_iter()
            .flat_map(|v| {
                distlab_engine::labs::key_words(v)
                    .into_iter()
                    .map(|r| v[r].to_string())
            })
            .collect()
    }

    #[test]
    fn every_entry_has_both_languages_and_unique_keys() {
        // The shell's table and every lab's own strings: both languages, no key twice.
        let all: Vec<&Text> = rows().collect();
        for (i, (k, en, zh)) in all.iter().enumerate() {
            assert!(!en.is_empty() && !zh.is_empty(), "{k}");
            assert!(
                all[i + 1..].iter().all(|(k2, _, _)| k2 != k),
                "duplicate {k}"
            );
        }
    }

    #[test]
    fn every_lab_and_group_has_a_title() {
        for l in distlab_engine::labs::LABS {
            assert!(has(&format!("lab.{}", l.id)), "{}", l.id);
        }
        for g in distlab_engine::labs::Group::ALL {
            assert!(has(&format!("group.{}", g.id())), "{g:?}");
        }
    }

    #[test]
    fn every_scenario_has_a_title_and_an_explanation() {
        for l in distlab_engine::labs::LABS {
            for sc in l.scenarios {
                assert!(has(&format!("scenario.{}", sc.id)), "{}", sc.id);
                assert!(has(&format!("scenario.{}.about", sc.id)), "{}", sc.id);
            }
        }
    }

    #[test]
    fn every_key_of_every_networked_lab_is_translated() {
        // A contract over the registry: each networked lab, run for a few seconds with faults
        // (its presets too), must have every key it shows in both languages.
        use distlab_engine::faults::{FaultDriver, FaultSpec};
        use distlab_engine::input::{split_query, RunConfig};
        use distlab_engine::labs::{LabSession, LABS};
        use distlab_engine::sim::TraceKind;
        let missing = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let need = |key: &str, context: String| {
            if !has(key) {
                missing.borrow_mut().insert(format!("{key}   ({context})"));
            }
        };
        let check = |s: &mut Box<dyn LabSession>, what: &str| {
            for p in s.properties() {
                need(&format!("inv.{}", p.id), format!("{what}: inv.{}", p.id));
            }
            for k in s.kinds() {
                need(&format!("kind.{}", k.id), format!("{what}: kind.{}", k.id));
                for cmd in k.commands {
                    assert!(
                        has(&format!("cmd.{}", cmd.name)),
                        "{what}: cmd.{}",
                        cmd.name
                    );
                }
            }
            let head = s.headline();
            need(head.key, format!("{what}: headline {}", head.key));
            let names: Vec<String> = s.series().into_iter().map(|c| c.name).collect();
            for k in value_keys(head.args.iter().chain(&names)) {
                need(&k, format!("{what}: value {k}"));
            }
            for st in s.stats() {
                need(
                    &format!("stat.{}", st.key),
                    format!("{what}: stat.{}", st.key),
                );
            }
            for node in s.view().nodes {
                assert!(
                    has(&format!("role.{}", node.role)),
                    "{what}: role.{}",
                    node.role
                );
                for (k, _) in node.details {
                    need(&format!("detail.{k}"), format!("{what}: detail.{k}"));
                }
                for panel in node.panels {
                    for k in panel_keys(&panel) {
                        need(&k, format!("{what}: panel {k}"));
                    }
                }
            }
            // A lab's charts: every declared series and every curve it draws has a title.
            for spec in s.series_specs() {
                need(&format!("series.{}", spec.key), format!("{what}: series"));
            }
            for c in s.series() {
                need(&format!("series.{}", c.key), format!("{what}: curve"));
            }
            // A lab that labels lane events explains its verdict on any two of them.
            let events: Vec<_> = s.view().events.iter().map(|e| e.at).collect();
            for (i, &a) in events.iter().enumerate().take(30) {
                for &b in events.iter().skip(i).take(30) {
                    for h in s.event_order(a, b).map(|o| o.why).unwrap_or_default() {
                        need(h.key, format!("{what}: verdict {}", h.key));
                    }
                }
            }
            for r in s.trace() {
                match &r.kind {
                    TraceKind::Note { key, .. } => {
                        need(&format!("note.{key}"), format!("{what}: note.{key}"))
                    }
                    TraceKind::Timer { name, .. } => {
                        need(&format!("timer.{name}"), what.to_string())
                    }
                    TraceKind::Drop { reason, .. } => {
                        need(&format!("drop.{}", reason.id()), what.to_string())
                    }
                    _ => {}
                }
            }
        };
        for lab in LABS.iter().filter(|l| l.is_network()) {
            need(&format!("lab.{}", lab.id), lab.id.to_string());
            let mut queries = vec![format!("lab={}", lab.id)];
            queries.extend(
                lab.scenarios
                    .iter()
                    .map(|sc| format!("lab={}&scenario={}", lab.id, sc.id)),
            );
            for q in queries {
                let (cfg, _) = RunConfig::parse(&split_query(&q));
                let (mut s, _) = distlab_engine::labs::create(&cfg);
                let faults = FaultSpec::parse("crash=0.3,restart=1,partition=0.2,heal=1,drop=2")
                    .unwrap_or_default();
                FaultDriver::new(faults, 3).run(s.as_mut(), 4_000 * distlab_engine::MS);
                s.check_eventually();
                check(&mut s, &q);
            }
        }
        // Raft with writes and spare servers shows every one of its details.
        let (cfg, _) = RunConfig::parse(&split_query("lab=raft&clients=50&spare=2"));
        let (mut s, _) = distlab_engine::labs::create(&cfg);
        s.run_until(3_000 * distlab_engine::MS);
        check(&mut s, "raft with writes");
        let missing = missing.into_inner();
        assert!(
            missing.is_empty(),
            "untranslated keys:\n{}",
            missing.into_iter().collect::<Vec<_>>().join("\n")
        );
    }
    #[test]
    fn every_key_of_every_scene_lab_is_translated() {
        // The generic model view's contract: each scene lab, free and with each preset, run
        // to the preset's end with each control pressed, has every key it shows translated.
        use distlab_engine::input::{split_query, RunConfig};
        use distlab_engine::labs::scene::{is_scene_lab, ArgKind, Scene};
        use distlab_engine::labs::{create_model, LABS};
        let missing = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let mut need = |key: &str, what: &str| {
            if !has(key) {
                missing.borrow_mut().insert(format!("{key}   ({what})"));
            }
        };
        let shown = |scene: &Scene, what: &str, need: &mut dyn FnMut(&str, &str)| {
            if let Some(h) = &scene.headline {
                need(h.key, what);
            }
            for b in &scene.bars {
                need(b.title, what);
                b.dims.iter().for_each(|d| need(d, what));
                b.legend.iter().for_each(|(k, _)| need(k, what));
            }
            for st in &scene.stats {
                need(&format!("stat.{}", st.key), what);
            }
            for c in &scene.series {
                need(&format!("series.{}", c.key), what);
            }
            for panel in &scene.panels {
                panel_keys(panel).iter().for_each(|k| need(k, what));
            }
            let labels = scene
                .bars
                .iter()
                .flat_map(|b| b.bars.iter().map(|b| &b.label));
            let shown = scene.headline.iter().flat_map(|h| h.args.iter());
            let names = scene.series.iter().map(|c| &c.name);
            for k in value_keys(labels.chain(shown).chain(names)) {
                need(&k, what);
            }
        };
        for lab in LABS.iter().filter(|l| is_scene_lab(l)) {
            let Some(timed) = lab.timed else { continue };
            for c in timed.controls {
                need(c.label, lab.id);
                for a in c.args {
                    need(a.label, lab.id);
                    if let ArgKind::Choice { options } = a.kind {
                        options.iter().for_each(|(_, k)| need(k, lab.id));
                    }
                }
            }
            for spec in lab.series {
                need(&format!("series.{}", spec.key), lab.id);
            }
            let mut queries = vec![format!("lab={}", lab.id)];
            queries.extend(
                lab.scenarios
                    .iter()
                    .map(|sc| format!("lab={}&scenario={}", lab.id, sc.id)),
            );
            for q in queries {
                let (cfg, _) = RunConfig::parse(&split_query(&q));
                let Some(Ok(mut run)) = create_model(&cfg) else {
                    missing.borrow_mut().insert(format!("{q}: does not start"));
                    continue;
                };
                let end = cfg
                    .scenario
                    .and_then(|id| lab.scenario(id))
                    .map_or(20_000, |s| s.duration_ms);
                run.run_until(end * distlab_engine::MS / 2);
                shown(&run.scene(), &q, &mut need);
                for c in timed.controls {
                    let _ = run.act_encoded(&c.example());
                }
                run.run_until(end * distlab_engine::MS);
                shown(&run.scene(), &q, &mut need);
            }
        }
        let missing = missing.into_inner();
        assert!(
            missing.is_empty(),
            "untranslated keys:\n{}",
            missing.into_iter().collect::<Vec<_>>().join("\n")
        );
    }
}
