//! Every lab of `CATALOG.md`, grouped like the catalog, with whether it runs yet.

/// One catalog entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabInfo {
    pub id: &'static str,
    /// Catalog section, 1..=7 (see [`GROUPS`]).
    pub group: u8,
    pub implemented: bool,
}

/// Catalog sections by number; the app translates them by id.
pub const GROUPS: [&str; 7] = [
    "coordination",
    "scheduling",
    "computing",
    "communication",
    "storage",
    "availability",
    "foundations",
];

const fn lab(id: &'static str, group: u8) -> LabInfo {
    LabInfo {
        id,
        group,
        implemented: false,
    }
}

const fn ready(id: &'static str, group: u8) -> LabInfo {
    LabInfo {
        id,
        group,
        implemented: true,
    }
}

pub const CATALOG: &[LabInfo] = &[
    lab("mutex-central", 1),
    lab("mutex-ricart", 1),
    lab("mutex-token-ring", 1),
    lab("mutex-two-tier-ring", 1),
    lab("election-bully", 1),
    lab("election-zab", 1),
    ready("raft", 1),
    lab("paxos", 1),
    lab("chain-pow", 1),
    lab("chain-pos", 1),
    lab("chain-dpos", 1),
    lab("tx-2pc", 1),
    lab("tx-3pc", 1),
    lab("tx-local-message", 1),
    lab("tx-tcc", 1),
    lab("lock-db", 1),
    lab("lock-redis", 1),
    lab("lock-redlock", 1),
    lab("lock-zk", 1),
    lab("lease", 1),
    lab("arch-central", 2),
    lab("arch-akka", 2),
    lab("redis-cluster", 2),
    lab("sched-borg", 2),
    lab("sched-mesos", 2),
    ready("fair-mmf", 2),
    ready("fair-drf", 2),
    lab("sched-omega", 2),
    lab("compute-mapreduce", 3),
    lab("compute-stream", 3),
    lab("compute-actor", 3),
    lab("compute-pipeline", 3),
    lab("comm-rpc", 4),
    lab("comm-pubsub", 4),
    lab("comm-mq", 4),
    lab("discovery", 4),
    lab("cap", 5),
    lab("partition-quorum", 5),
    ready("placement-hash", 5),
    ready("placement-ring", 5),
    ready("placement-bounded", 5),
    ready("placement-vnodes", 5),
    lab("placement-range", 5),
    lab("repl-modes", 5),
    lab("repl-redis", 5),
    lab("cache-persistence", 5),
    lab("consistency-models", 5),
    lab("gossip", 5),
    lab("lb", 6),
    ready("ratelimit", 6),
    lab("isolation", 6),
    lab("failure-detect", 6),
    lab("sessions", 6),
    lab("clocks", 7),
    lab("idempotency", 7),
    lab("isolation-levels", 7),
    lab("joins", 7),
];

/// Looks a lab up by id.
pub fn find(id: &str) -> Option<&'static LabInfo> {
    CATALOG.iter().find(|l| l.id == id)
}
