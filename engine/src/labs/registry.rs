//! The one list of labs. Every lab of `CATALOG.md` has one row here, in catalog order: a lab
//! that runs declares its row ([`LabDef`]) beside its code and the list names it; a lab still
//! to come is a [`LabDef::coming`] row. Parameter parsing, scenario lists, the runner's help
//! and `distlab labs`, the app's picker and its "coming" marks, and the contract tests all
//! read this list; no lab id appears as a string anywhere else.

use super::availability::ratelimit;
use super::coordination::{
    bully, mutex_central, mutex_ricart, mutex_token_ring, mutex_two_tier_ring, raft, tx_2pc, zab,
};
use super::foundations::clocks;
use super::scheduling::{fair, redis_cluster};
use super::storage::placement;
use super::{LabSession, SeriesSpec};
use crate::params::{InputError, ParamSpec, Params, TextSpec};
use crate::scenario::ScenarioInfo;
use crate::sim::model::LogPrefix;
use crate::sim::{ModelRun, NodeKind, Property};
use crate::Time;

/// A translation row: (key, English, Chinese).
pub type Text = (&'static str, &'static str, &'static str);

/// Catalog sections, in order (the app translates them as `group.<id>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Coordination,
    Scheduling,
    Computing,
    Communication,
    Storage,
    Availability,
    Foundations,
}

impl Group {
    pub const ALL: [Group; 7] = [
        Group::Coordination,
        Group::Scheduling,
        Group::Computing,
        Group::Communication,
        Group::Storage,
        Group::Availability,
        Group::Foundations,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Group::Coordination => "coordination",
            Group::Scheduling => "scheduling",
            Group::Computing => "computing",
            Group::Communication => "communication",
            Group::Storage => "storage",
            Group::Availability => "availability",
            Group::Foundations => "foundations",
        }
    }
}

/// What a lab is, and how it runs.
#[derive(Clone, Copy)]
pub enum LabKind {
    /// A protocol on the simulated network: built from its parameters and a seed.
    Network {
        create: fn(&Params, u64) -> Box<dyn LabSession>,
    },
    /// A model without a network, computed by the app and by `distlab calc`: `calc` gives
    /// the runner's command line for a parameter set (`mmf --capacity 100 ...` is left to
    /// the user; this is the command and the options that name the model's variant), and
    /// `view` which of the app's model views draws it.
    Model {
        calc: fn(&Params) -> String,
        view: ModelView,
    },
    /// Listed in the catalog, not built yet.
    Coming,
}

/// The app's views of models without a network (one per model family; several labs may share
/// one, as the four placement labs do).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelView {
    Placement,
    MaxMin,
    DominantResource,
    RateLimit,
    /// The generic view of a timed model's [`super::scene::Scene`]: packed bars, the declared
    /// series, counters, panels and the declared controls (the schedulers).
    Scene,
}

/// A running model lab on the time-only model session.
pub type ModelBox = Box<dyn ModelRun>;

/// A model lab that runs on the time-only model session ([`crate::sim::ModelSession`]): what
/// a user changes mid-run is a logged action, scrubbed back and forth and carried by share
/// links (`actions=`) as a networked lab's actions are.
#[derive(Clone, Copy)]
pub struct TimedModel {
    /// Builds the lab's session from its parameters and seed.
    pub create: fn(&Params, u64) -> Result<ModelBox, String>,
    /// Reads a share link's action log as far as it is readable
    /// ([`crate::sim::model::read_log`]).
    pub read_log: fn(&str) -> LogPrefix,
    /// Actions in their share-link form, for the contract tests to play at random times.
    pub examples: &'static [&'static str],
    /// What a user can do in the generic scene view ([`ModelView::Scene`]): one button per
    /// control (the contract tests also play each control's example).
    pub controls: &'static [super::scene::Control],
    /// Where a run stops (virtual time).
    pub horizon: Time,
    /// The step button's stride (virtual time).
    pub step: Time,
    /// A scheduler at scale, for `distlab bench` and the wasm benchmark
    /// ([`crate::bench::every_scale`]): schedules `tasks` tasks on `machines` machines from
    /// `seed` and returns how many were placed.
    pub scale: Option<fn(machines: u32, tasks: u32, seed: u64) -> u64>,
}

/// One lab, declared once.
#[derive(Clone, Copy)]
pub struct LabDef {
    pub id: &'static str,
    pub group: Group,
    pub kind: LabKind,
    pub params: &'static [ParamSpec],
    pub text_params: &'static [TextSpec],
    /// Cross-parameter checks (a minimum above its maximum, a list of the wrong length).
    pub check: fn(&mut Params, &mut Vec<InputError>),
    pub scenarios: &'static [ScenarioInfo],
    pub properties: &'static [Property],
    pub kinds: &'static [NodeKind],
    /// The lab's own UI strings (roles, messages, commands, properties, notes, presets).
    pub texts: &'static [Text],
    /// Values a free run in the app starts with where the page's URL sets none: a livelier
    /// start than the defaults the runner and the tests use (Raft: a trickle of client writes,
    /// so its logs fill). See [`crate::input::RunConfig::apply_demo`].
    pub demo: &'static [(&'static str, f64)],
    /// The parameter that sets a networked lab's node count (benchmarks scale labs with it).
    pub size: &'static str,
    /// For a model lab on the time-only model session: how to build and replay it.
    pub timed: Option<TimedModel>,
    /// The time series a networked lab plots ([`super::NetLab::SERIES`]); empty: no charts.
    pub series: &'static [SeriesSpec],
}

fn no_check(_: &mut Params, _: &mut Vec<InputError>) {}

impl LabDef {
    /// A catalog entry that does not run yet.
    pub const fn coming(id: &'static str, group: Group) -> LabDef {
        LabDef {
            id,
            group,
            kind: LabKind::Coming,
            params: &[],
            text_params: &[],
            check: no_check,
            scenarios: &[],
            properties: &[],
            kinds: &[],
            texts: &[],
            demo: &[],
            size: "",
            timed: None,
            series: &[],
        }
    }

    /// A model without a network.
    pub const fn model(
        id: &'static str,
        group: Group,
        params: &'static [ParamSpec],
        text_params: &'static [TextSpec],
        check: fn(&mut Params, &mut Vec<InputError>),
        calc: fn(&Params) -> String,
        view: ModelView,
    ) -> LabDef {
        LabDef {
            id,
            group,
            kind: LabKind::Model { calc, view },
            params,
            text_params,
            check,
            scenarios: &[],
            properties: &[],
            kinds: &[],
            texts: &[],
            demo: &[],
            size: "",
            timed: None,
            series: &[],
        }
    }

    /// A model lab on the time-only model session, with its presets (schedules of its own
    /// actions).
    pub const fn timed(self, timed: TimedModel, scenarios: &'static [ScenarioInfo]) -> LabDef {
        LabDef {
            timed: Some(timed),
            scenarios,
            ..self
        }
    }

    pub fn implemented(&self) -> bool {
        !matches!(self.kind, LabKind::Coming)
    }

    pub fn is_network(&self) -> bool {
        matches!(self.kind, LabKind::Network { .. })
    }

    pub fn is_model(&self) -> bool {
        matches!(self.kind, LabKind::Model { .. })
    }

    /// The lab's parameters at their defaults.
    pub fn defaults(&self) -> Params {
        Params::with_texts(self.params, self.text_params)
    }

    /// The app's view of a model lab (None for a networked or coming one).
    pub fn model_view(&self) -> Option<ModelView> {
        match self.kind {
            LabKind::Model { view, .. } => Some(view),
            _ => None,
        }
    }

    pub fn scenario(&self, id: &str) -> Option<&'static ScenarioInfo> {
        self.scenarios.iter().find(|s| s.id == id)
    }
}

/// Labs compiled into one web bundle: the app's release build makes one wasm file per bundle
/// (`scripts/bundles.sh`), and the page loads only the bundle of the lab its URL asks for, so
/// the download does not grow with the catalog. A bundle is a run of catalog rows (the catalog
/// order is the bundles' rows in order); the labs still to come sit where they will be built.
#[derive(Clone, Copy)]
pub struct Bundle {
    pub id: &'static str,
    pub labs: &'static [LabDef],
}

/// Every lab, by bundle, in catalog order.
pub const BUNDLES: &[Bundle] = &[
    Bundle {
        id: "mutex",
        labs: &[
            mutex_central::LAB,
            mutex_ricart::LAB,
            mutex_token_ring::LAB,
            mutex_two_tier_ring::LAB,
        ],
    },
    Bundle {
        id: "consensus",
        labs: &[
            bully::LAB,
            zab::LAB,
            raft::LAB,
            super::coordination::paxos::LAB,
        ],
    },
    Bundle {
        id: "chain",
        labs: &[
            super::coordination::chain_pow::LAB,
            super::coordination::chain_pos::LAB,
            super::coordination::chain_dpos::LAB,
        ],
    },
    Bundle {
        id: "tx",
        labs: &[
            tx_2pc::LAB,
            super::coordination::tx_3pc::LAB,
            super::coordination::tx_local_message::LAB,
            super::coordination::tx_tcc::LAB,
        ],
    },
    Bundle {
        id: "locks",
        labs: &[
            super::coordination::lock_db::LAB,
            super::coordination::lock_redis::LAB,
            super::coordination::lock_redlock::LAB,
            super::coordination::lock_zk::LAB,
            super::coordination::lease::LAB,
        ],
    },
    // Chapter 2 in two bundles, to stay within the wasm budget: the cluster architectures
    // (networked), then the schedulers and fair sharing (models).
    Bundle {
        id: "clusters",
        labs: &[
            super::scheduling::arch_central::LAB,
            super::scheduling::arch_akka::LAB,
            redis_cluster::LAB,
        ],
    },
    Bundle {
        id: "scheduling",
        labs: &[
            super::scheduling::sched_borg::LAB,
            super::scheduling::sched_mesos::LAB,
            fair::MMF_LAB,
            fair::DRF_LAB,
            super::scheduling::sched_omega::LAB,
        ],
    },
    Bundle {
        id: "computing",
        labs: &[
            LabDef::coming("compute-mapreduce", Group::Computing),
            LabDef::coming("compute-stream", Group::Computing),
            LabDef::coming("compute-actor", Group::Computing),
            LabDef::coming("compute-pipeline", Group::Computing),
            LabDef::coming("comm-rpc", Group::Communication),
            LabDef::coming("comm-pubsub", Group::Communication),
            LabDef::coming("comm-mq", Group::Communication),
            LabDef::coming("discovery", Group::Communication),
        ],
    },
    Bundle {
        id: "placement",
        labs: &[
            LabDef::coming("cap", Group::Storage),
            LabDef::coming("partition-quorum", Group::Storage),
            placement::HASH_LAB,
            placement::RING_LAB,
            placement::BOUNDED_LAB,
            placement::VNODES_LAB,
            LabDef::coming("placement-range", Group::Storage),
        ],
    },
    Bundle {
        id: "replication",
        labs: &[
            LabDef::coming("repl-modes", Group::Storage),
            LabDef::coming("repl-redis", Group::Storage),
            LabDef::coming("cache-persistence", Group::Storage),
            LabDef::coming("consistency-models", Group::Storage),
            super::storage::gossip::LAB,
        ],
    },
    Bundle {
        id: "availability",
        labs: &[
            super::availability::lb::LAB,
            ratelimit::LAB,
            LabDef::coming("isolation", Group::Availability),
            super::availability::failure_detect::LAB,
            LabDef::coming("sessions", Group::Availability),
        ],
    },
    Bundle {
        id: "foundations",
        labs: &[
            clocks::LAB,
            super::foundations::idempotency::LAB,
            LabDef::coming("isolation-levels", Group::Foundations),
            LabDef::coming("joins", Group::Foundations),
        ],
    },
];

const fn count() -> usize {
    let (mut n, mut b) = (0, 0);
    while b < BUNDLES.len() {
        n += BUNDLES[b].labs.len();
        b += 1;
    }
    n
}

/// The number of labs in the catalog.
pub const COUNT: usize = count();

const fn flatten() -> [LabDef; COUNT] {
    let mut all = [LabDef::coming("", Group::Coordination); COUNT];
    let (mut n, mut b) = (0, 0);
    while b < BUNDLES.len() {
        let mut i = 0;
        while i < BUNDLES[b].labs.len() {
            all[n] = BUNDLES[b].labs[i];
            n += 1;
            i += 1;
        }
        b += 1;
    }
    all
}

const ALL: [LabDef; COUNT] = flatten();

/// Every lab, in catalog order. Natively (the runner, the tests) every lab is installed; a web
/// bundle installs its own labs only ([`install`]), and code that runs in the browser reaches
/// labs through [`find`] and [`installed`], never through this list, so a bundle's wasm holds
/// its own labs' code and no other.
pub const LABS: &[LabDef] = &ALL;

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The labs of bundle `id`, at compile time (an unknown id does not compile).
pub const fn bundle(id: &str) -> &'static [LabDef] {
    let mut b = 0;
    while b < BUNDLES.len() {
        if same(BUNDLES[b].id, id) {
            return BUNDLES[b].labs;
        }
        b += 1;
    }
    panic!("no such bundle (see registry::BUNDLES)")
}

/// What the app's picker knows of every lab of the catalog, installed here or not: no code,
/// only where it is.
#[derive(Clone, Copy, Debug)]
pub struct CatalogEntry {
    pub id: &'static str,
    pub group: Group,
    pub bundle: &'static str,
    pub implemented: bool,
}

const fn catalog() -> [CatalogEntry; COUNT] {
    let blank = CatalogEntry {
        id: "",
        group: Group::Coordination,
        bundle: "",
        implemented: false,
    };
    let mut all = [blank; COUNT];
    let (mut n, mut b) = (0, 0);
    while b < BUNDLES.len() {
        let mut i = 0;
        while i < BUNDLES[b].labs.len() {
            let lab = &BUNDLES[b].labs[i];
            all[n] = CatalogEntry {
                id: lab.id,
                group: lab.group,
                bundle: BUNDLES[b].id,
                implemented: !matches!(lab.kind, LabKind::Coming),
            };
            n += 1;
            i += 1;
        }
        b += 1;
    }
    all
}

/// Every lab of the catalog, in order, as the picker lists it.
pub const CATALOG: [CatalogEntry; COUNT] = catalog();

/// The catalog's row for `id`, installed here or not.
pub fn catalog_entry(id: &str) -> Option<&'static CatalogEntry> {
    CATALOG.iter().find(|e| e.id == id)
}

static INSTALLED: std::sync::OnceLock<&'static [LabDef]> = std::sync::OnceLock::new();

/// Sets the labs this program runs (a web bundle's own); the first call wins. Without it,
/// every lab with the `all-labs` feature (the runner, the tests), none without.
pub fn install(labs: &'static [LabDef]) {
    let _ = INSTALLED.set(labs);
}

/// The labs this program runs.
pub fn installed() -> &'static [LabDef] {
    INSTALLED.get().copied().unwrap_or(UNINSTALLED)
}

#[cfg(feature = "all-labs")]
const UNINSTALLED: &[LabDef] = LABS;
#[cfg(not(feature = "all-labs"))]
const UNINSTALLED: &[LabDef] = &[];

/// Looks an installed lab up by id.
pub fn find(id: &str) -> Option<&'static LabDef> {
    installed().iter().find(|l| l.id == id)
}

/// The lab a page opens when none (or an unknown one) is asked for: Raft where it is
/// installed, else this bundle's first lab that runs.
pub fn default_lab() -> &'static str {
    if find(DEFAULT_LAB).is_some() {
        return DEFAULT_LAB;
    }
    let mut runs = installed().iter().filter(|l| l.implemented());
    let first = runs.clone().next();
    runs.find(|l| l.is_network())
        .or(first)
        .map_or(DEFAULT_LAB, |l| l.id)
}

/// The lab the site opens when none is asked for (see [`default_lab`]).
pub const DEFAULT_LAB: &str = raft::LAB.id;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_groups_in_catalog_order() {
        let mut ids: Vec<&str> = LABS.iter().map(|l| l.id).collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "duplicate lab ids");
        assert_eq!(n, 57, "CATALOG.md lists 57 labs");
        let order: Vec<usize> = LABS
            .iter()
            .map(|l| Group::ALL.iter().position(|g| *g == l.group).unwrap_or(99))
            .collect();
        assert!(order.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn every_lab_declares_its_parts_consistently() {
        for lab in LABS {
            let mut keys: Vec<&str> = lab
                .params
                .iter()
                .map(|p| p.key)
                .chain(lab.text_params.iter().map(|t| t.key))
                .collect();
            let n = keys.len();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), n, "{}: duplicate parameter keys", lab.id);
            for p in lab.params {
                assert!(
                    p.min <= p.default && p.default <= p.max,
                    "{}: {}",
                    lab.id,
                    p.key
                );
            }
            let mut defaults = lab.defaults();
            let mut errors = Vec::new();
            (lab.check)(&mut defaults, &mut errors);
            assert!(
                errors.is_empty(),
                "{}: defaults fail checks: {errors:?}",
                lab.id
            );
            if lab.is_network() {
                assert!(
                    lab.params.iter().any(|p| p.key == lab.size),
                    "{}: size parameter `{}` is not a parameter",
                    lab.id,
                    lab.size
                );
                assert!(!lab.kinds.is_empty(), "{}: no node kinds", lab.id);
                assert!(!lab.properties.is_empty(), "{}: no properties", lab.id);
            }
        }
    }
}
