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
    ("series.borg_headroom", "Burst headroom on busy machines (%)", "有任务机器上应对突发的余量（%）"),
    ("series.borg_pending", "Pending tasks", "等待中的任务"),
    ("series.borg_overloaded", "Machines overloaded by the burst", "被突发负载压垮的机器"),
    ("series.borg_preempted", "Batch tasks preempted (total)", "被抢占的批处理任务（累计）"),
    ("stat.borg_submitted", "Tasks submitted", "已提交的任务"),
    ("stat.borg_burst", "Burst now (% over the estimates)", "当前突发负载（超出估计 %）"),
    ("stat.borg_down", "Machines down", "故障机器"),
    ("scenario.borg-fragmentation", "Worst fit strands resources", "最差匹配产生碎片"),
    ("scenario.borg-fragmentation.about", "FRAG", "FRAG"),
    ("scenario.borg-burst", "A burst hurts best fit", "突发负载伤害最佳匹配"),
    ("scenario.borg-burst.about", "BURST", "BURST"),
    ("scenario.borg-preemption", "Prod preempts batch", "prod 抢占 batch"),
    ("scenario.borg-preemption.about", "PRE", "PRE"),
    ("scenario.borg-machine-failure", "A machine fails", "机器故障"),
    ("scenario.borg-machine-failure.about", "FAIL", "FAIL"),
);
