//! The Borg lab's UI strings, English and Chinese: controls, cells, counters (one set per
//! policy), series, presets.

use crate::labs::Text;

/// Per policy (in [`crate::labs::scheduling::cell::Fit::ALL`] order), its counters' keys.
macro_rules! stat_keys {
    ($f:literal) => {
        [
            concat!("borg_", $f, "_running"),
            concat!("borg_", $f, "_pending"),
            concat!("borg_", $f, "_stranded"),
            concat!("borg_", $f, "_big_room"),
            concat!("borg_", $f, "_headroom"),
            concat!("borg_", $f, "_overloaded"),
            concat!("borg_", $f, "_hit"),
            concat!("borg_", $f, "_preempted"),
            concat!("borg_", $f, "_requeued"),
            concat!("borg_", $f, "_rejected"),
        ]
    };
}

pub const STAT_KEYS: [[&str; 10]; 3] = [
    stat_keys!("best"),
    stat_keys!("worst"),
    stat_keys!("hybrid"),
];
pub const CELL_TITLES: [&str; 3] = ["borg.cell.best", "borg.cell.worst", "borg.cell.hybrid"];
/// The curves' names, per policy.
pub const FIT_NAMES: [&str; 3] = ["borg.fit.best", "borg.fit.worst", "borg.fit.hybrid"];
pub const QUEUE_TITLES: [&str; 3] = ["borg.queue.best", "borg.queue.worst", "borg.queue.hybrid"];

/// The translation rows of every policy's counters, then the other rows.
macro_rules! texts {
    ($(($f:literal, $en:literal, $zh:literal)),*; $($row:expr),* $(,)?) => {
        &[
            $(
                (concat!("stat.borg_", $f, "_running"), concat!($en, ": tasks running"), concat!($zh, "：运行中的任务")),
                (concat!("stat.borg_", $f, "_pending"), concat!($en, ": tasks pending"), concat!($zh, "：等待中的任务")),
                (concat!("stat.borg_", $f, "_stranded"), concat!($en, ": stranded for a half-machine task (% of the cell)"), concat!($zh, "：对半台机器大小的任务无法使用的碎片资源（占集群 %）")),
                (concat!("stat.borg_", $f, "_big_room"), concat!($en, ": half-machine tasks that still fit"), concat!($zh, "：还能放下的半台机器大小任务数")),
                (concat!("stat.borg_", $f, "_headroom"), concat!($en, ": burst headroom on busy machines (%)"), concat!($zh, "：有任务机器上应对突发的余量（%）")),
                (concat!("stat.borg_", $f, "_overloaded"), concat!($en, ": machines overloaded by the burst"), concat!($zh, "：被突发负载压垮的机器")),
                (concat!("stat.borg_", $f, "_hit"), concat!($en, ": tasks on overloaded machines"), concat!($zh, "：位于过载机器上的任务")),
                (concat!("stat.borg_", $f, "_preempted"), concat!($en, ": batch tasks preempted"), concat!($zh, "：被抢占的批处理任务")),
                (concat!("stat.borg_", $f, "_requeued"), concat!($en, ": tasks re-queued by machine failures"), concat!($zh, "：因机器故障重新排队的任务")),
                (concat!("stat.borg_", $f, "_rejected"), concat!($en, ": tasks rejected (queue full)"), concat!($zh, "：被拒绝的任务（队列已满）")),
            )*
            $($row,)*
        ]
    };
}

pub const TEXTS: &[Text] = texts!(
    ("best", "Best fit", "最佳匹配"),
    ("worst", "Worst fit", "最差匹配"),
    ("hybrid", "Hybrid", "混合策略");
    (
        "lab.sched-borg.about",
        "Borg's scheduler: jobs of tasks with CPU and memory estimates and a priority (prod or batch) are queued; the scheduler scans the pending queue task by task, keeps the machines with room (feasibility check) and scores them. The same arrival stream feeds one cell per policy: best fit packs machines as full as it can and keeps whole machines free for large tasks, but a burst beyond the estimates overloads its packed machines; worst fit spreads tasks and leaves headroom, but strands a little unusable room on every machine. A prod task that fits nowhere preempts batch tasks, which wait again.",
        "Borg 调度器：作业由若干任务组成，每个任务有 CPU 和内存的估计值及优先级（prod 或 batch），先进入等待队列；调度器逐个任务扫描等待队列，先做可行性检查（留下资源足够的机器），再打分。同一个到达流同时送入每种策略各自的集群：最佳匹配把机器塞得越满越好，为大型任务空出整台机器，但超出估计的突发负载会压垮塞满的机器；最差匹配把任务分散开、留有余量，却在每台机器上留下少量无法使用的剩余资源。无处可放的 prod 任务会抢占 batch 任务，被抢占的任务重新等待。",
    ),
    ("borg.headline", "{0} tasks submitted · burst +{1}% over the estimates · {2} machines down", "已提交 {0} 个任务 · 突发负载超出估计 {1}% · {2} 台机器故障"),
    ("borg.cell.best", "Best fit: packs each machine as full as it can", "最佳匹配：把每台机器塞得越满越好"),
    ("borg.cell.worst", "Worst fit: spreads tasks over the machines", "最差匹配：把任务尽量分散到各台机器"),
    ("borg.cell.hybrid", "Hybrid: balanced CPU and memory, then tight", "混合策略：先平衡 CPU 与内存，再求紧凑"),
    ("borg.queue.best", "Pending (best fit)", "等待队列（最佳匹配）"),
    ("borg.queue.worst", "Pending (worst fit)", "等待队列（最差匹配）"),
    ("borg.queue.hybrid", "Pending (hybrid)", "等待队列（混合策略）"),
    ("borg.cpu", "CPU", "CPU"),
    ("borg.mem", "memory", "内存"),
    ("borg.prod", "prod", "prod（生产）"),
    ("borg.fit.best", "best fit", "最佳匹配"),
    ("borg.fit.worst", "worst fit", "最差匹配"),
    ("borg.fit.hybrid", "hybrid", "混合策略"),
    ("borg.batch", "batch", "batch（批处理）"),
    ("borg.burst_use", "use beyond the estimate", "超出估计的用量"),
    ("borg.ctl.job", "Submit a job", "提交作业"),
    ("borg.ctl.burst", "Set the burst", "设置突发负载"),
    ("borg.ctl.fail", "Fail a machine", "让机器故障"),
    ("borg.ctl.restore", "Restore a machine", "恢复机器"),
    ("borg.ctl.rate", "Arrival rate", "到达速率"),
    ("borg.arg.prio", "priority", "优先级"),
    ("borg.arg.tasks", "tasks", "任务数"),
    ("borg.arg.cpu", "CPU per task (millicores)", "每个任务的 CPU（毫核）"),
    ("borg.arg.mem", "memory per task (MiB)", "每个任务的内存（MiB）"),
    ("borg.arg.pct", "% over the estimates (0 ends it)", "超出估计的百分比（0 为结束）"),
    ("borg.arg.machine", "machine", "机器"),
    ("borg.arg.per_min", "jobs per minute", "每分钟作业数"),
    ("series.borg_stranded", "Stranded resources for a half-machine task (% of the cell)", "对半台机器大小任务无法使用的碎片资源（占集群 %）"),
    ("series.borg_headroom", "Burst headroom on busy machines", "有任务机器上应对突发的余量"),
    ("series.borg_pending", "Pending tasks", "等待中的任务"),
    ("series.borg_overloaded", "Machines overloaded by the burst", "被突发负载压垮的机器"),
    ("series.borg_preempted", "Batch tasks preempted (total)", "被抢占的批处理任务（累计）"),
    ("stat.borg_submitted", "Tasks submitted", "已提交的任务"),
    ("stat.borg_burst", "Burst now (% over the estimates)", "当前突发负载（超出估计 %）"),
    ("stat.borg_down", "Machines down", "故障机器"),
    ("scenario.borg-fragmentation", "Worst fit strands resources", "最差匹配产生碎片"),
    (
        "scenario.borg-fragmentation.about",
        "Small batch jobs of the stream fill about a third of the cell, then arrivals stop (40 s). Best fit packed them onto a few machines and left others empty; worst fit spread them, about two per machine, leaving a little unusable room everywhere: at 44 s the stranded resources are about 10% of the cell under best fit and about 43% under worst fit, and 16 half-machine tasks still fit under best fit against 4 under worst fit. At 45 s a job of four tasks of three quarters of a machine arrives: best fit places all four on its empty machines, worst fit only one — three wait although the cell is two-thirds free. The notes: worst fit leaves every machine a little leftover no one can use.",
        "流中的小型 batch 作业占满集群约三分之一后，到达停止（40 秒）。最佳匹配把它们塞进少数几台机器，其余机器保持空闲；最差匹配把它们分散开，每台约两个任务，在每台机器上都留下少量无法使用的空间：44 秒时，碎片资源在最佳匹配下约占集群 10%，在最差匹配下约占 43%；还能放下的半台机器大小任务，最佳匹配下有 16 个，最差匹配下只有 4 个。45 秒时到来一个作业，含四个各占四分之三台机器的任务：最佳匹配把四个都放到空机器上，最差匹配只放下一个——另外三个在集群三分之二空闲的情况下仍在等待。笔记：最差匹配会导致每个机器都有少量无法使用的剩余资源。",
    ),
    ("scenario.borg-burst", "A burst hurts best fit", "突发负载伤害最佳匹配"),
    (
        "scenario.borg-burst.about",
        "A steady stream fills about two thirds of the cell. Best fit packs machines nearly full; worst fit spreads the same tasks. At 60 s every task starts using more than its estimate (30% × its own spike, 15–45%): at 75 s 8 of best fit's machines are overloaded, with 34 tasks on them, against 3 machines and 8 tasks under worst fit. The burst ends at 90 s. The notes: best fit does not suit bursty applications — when users mis-estimate, tight packing costs performance.",
        "稳定的到达流占满集群约三分之二。最佳匹配把机器塞得几乎全满；最差匹配把同样的任务分散开。60 秒时每个任务的用量开始超出估计（30% × 各自的突发系数，即 15%–45%）：75 秒时最佳匹配有 8 台机器过载，上面运行着 34 个任务；最差匹配只有 3 台机器、8 个任务。突发在 90 秒结束。笔记：最佳匹配不利于有突发负载的应用，用户错误估计资源需求时，紧凑的装箱会对性能造成巨大影响。",
    ),
    ("scenario.borg-preemption", "Prod preempts batch", "prod 抢占 batch"),
    (
        "scenario.borg-preemption.about",
        "Batch jobs arrive faster than they finish: the cell is full and the queue grows. At 40 s a prod job of six half-machine tasks arrives. Nothing fits, so each prod task preempts batch tasks on the machine that needs the fewest victims; the prod tasks run at once and the preempted batch tasks are pending again (8 to 11 of them, depending on the policy). A batch task never preempts anything.",
        "batch 作业到达得比完成得快：集群已满，等待队列不断变长。40 秒时到来一个 prod 作业，含六个各占半台机器的任务。没有机器放得下，于是每个 prod 任务在需要抢占最少任务的机器上抢占 batch 任务；prod 任务立即运行，被抢占的 batch 任务重新等待（依策略不同为 8 到 11 个）。batch 任务从不抢占其他任务。",
    ),
    ("scenario.borg-machine-failure", "A machine fails", "机器故障"),
    (
        "scenario.borg-machine-failure.about",
        "A light load. At 30 s machine 13 fails in every cell: its tasks are pending again and placed on other machines at once, none lost and none doubled. Best fit had packed 4 tasks onto it, worst fit 1: packing tightly makes a machine a bigger single point of failure. The machine comes back empty at 50 s and takes new tasks.",
        "负载较轻。30 秒时每个集群的第 13 台机器故障：其上的任务重新等待并立即被放到其他机器上，既不丢失也不重复。最佳匹配在这台机器上塞了 4 个任务，最差匹配只有 1 个：装得越紧，一台机器的故障影响越大（单点故障）。该机器在 50 秒恢复（空机），重新接收新任务。",
    ),
);
