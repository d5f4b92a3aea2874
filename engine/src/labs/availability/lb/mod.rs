//! `lb`: request load balancing as seed 001 describes it ("分布式高可靠 - 负载均衡", 2. 请求负载
//! 均衡的策略 and 3. 数据负载均衡的策略): round robin (顺序轮询), naive weighted round robin,
//! nginx's smooth weighted round robin (`weight`, `effective_weight`, `current_weight`),
//! random (随机), source hash and consistent hash, each in [`balancer`].
//!
//! All six run side by side on one seeded request stream, each balancer with its own copy of
//! the servers ([`lane`]), as `sched-borg` runs its policies: the same requests at the same
//! times, so every difference on the page is the algorithm's. (One `algo` at a time would
//! make the learner compare runs from memory; `algos` still narrows the set.) A server's
//! weight is also its capacity (`weight × capacity` requests of cost 1 a second), as an
//! operator would set it; a slow server runs below it; a queue of `queue` requests is full.
//!
//! The notes' weaknesses, one preset each (`scenarios.rs`):
//! - the worked example, weights {4,1,1}: current weights {4,1,1} → server 1 → {−2,1,1} →
//!   {2,2,2} → server 1 … step by step in the smooth table (`lb-notes`);
//! - naive weighted round robin sends a server its whole weight in a row, so a burst lands
//!   on one server (大多数请求都集中在优先级较高的服务器上) while smooth interleaves
//!   (`lb-naive-burst`);
//! - a failing server under smooth: its effective weight drops at each failure and climbs
//!   back by one a pick, so it is tried less, and back to its weight once restored
//!   (`lb-failing-server`);
//! - round robin balances request counts, not work (只考虑请求数的均衡性, 不适用处理请求开销
//!   不同的场景): a heavy request every third one lands on the same server (`lb-uneven-costs`);
//! - removing a server remaps almost every client under `hash mod N` (大量数据迁移) and only
//!   the removed server's under consistent hashing (`lb-hash-removal`).
//!
//! `model.rs` is the stream and the [`crate::sim::TimeModel`], `view.rs` the scene,
//! `texts.rs` the translations.

pub mod balancer;
pub mod lane;
mod model;
mod scenarios;
mod texts;
mod view;

pub use balancer::{Algo, Balancer, Hw, SmoothStep};
pub use lane::{Counts, Lane, SECOND};
pub use model::{parse_algos, parse_weights, session, Config, Costs, LbAction, LbModel, Pattern};

use crate::labs::scene::{self, Control, ControlArg};
use crate::labs::{Group, LabDef, ModelView, ParamSpec, SeriesSpec, TimedModel};
use crate::params::TextSpec;
use crate::sim::model::read_log;
use crate::MS;

pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::int("servers", 3.0, 1.0, 12.0),
    ParamSpec::int("rate", 20.0, 0.0, 500.0),
    ParamSpec::int("capacity", 5.0, 1.0, 100.0),
    ParamSpec::int("queue", 20.0, 1.0, 200.0),
    ParamSpec::int("clients", 100.0, 1.0, 1000.0),
];

fn check_weights(v: &str) -> Result<(), String> {
    parse_weights(v).map(|_| ())
}

fn check_algos(v: &str) -> Result<(), String> {
    parse_algos(v).map(|_| ())
}

pub const TEXT_PARAMS: &[TextSpec] = &[
    TextSpec {
        key: "weights",
        default: "4,1,1",
        check: check_weights,
    },
    TextSpec {
        key: "algos",
        default: "rr,weighted,smooth,random,hash,chash",
        check: check_algos,
    },
];

const SERVER: ControlArg = ControlArg::number("server", "lb.arg.server", (1.0, 12.0), 1.0);
const PATTERNS: &[(&str, &str)] = &[
    ("even", "lb.pattern.even"),
    ("random", "lb.pattern.random"),
    ("periodic", "lb.pattern.periodic"),
];

/// What a learner can do (one button each); the share-link verbs.
pub const CONTROLS: [Control; 8] = [
    Control {
        verb: "fail",
        label: "lb.ctl.fail",
        args: &[SERVER],
    },
    Control {
        verb: "restore",
        label: "lb.ctl.restore",
        args: &[SERVER],
    },
    Control {
        verb: "remove",
        label: "lb.ctl.remove",
        args: &[SERVER],
    },
    Control {
        verb: "slow",
        label: "lb.ctl.slow",
        args: &[
            SERVER,
            ControlArg::number("pct", "lb.arg.pct", (1.0, 100.0), 25.0),
        ],
    },
    Control {
        verb: "weight",
        label: "lb.ctl.weight",
        args: &[
            SERVER,
            ControlArg::number("w", "lb.arg.w", (1.0, 10.0), 2.0),
        ],
    },
    Control {
        verb: "burst",
        label: "lb.ctl.burst",
        args: &[ControlArg::number(
            "requests",
            "lb.arg.requests",
            (1.0, 500.0),
            20.0,
        )],
    },
    Control {
        verb: "costs",
        label: "lb.ctl.costs",
        args: &[
            ControlArg::choice("pattern", "lb.arg.pattern", PATTERNS),
            ControlArg::number("every", "lb.arg.every", (1.0, 100.0), 3.0),
            ControlArg::number("heavy", "lb.arg.heavy", (1.0, 100.0), 10.0),
        ],
    },
    Control {
        verb: "rate",
        label: "lb.ctl.rate",
        args: &[ControlArg::number(
            "per_s",
            "lb.arg.per_s",
            (0.0, 500.0),
            20.0,
        )],
    },
];

/// The curves, one per balancer each (in [`Lane::series`] order).
pub const SERIES: [SeriesSpec; 3] = [
    SeriesSpec::step("lb_queue", ""),
    SeriesSpec::step("lb_failed", ""),
    SeriesSpec::line("lb_latency", "ms"),
];

pub const LAB: LabDef = LabDef {
    texts: texts::TEXTS,
    series: &SERIES,
    ..LabDef::model(
        "lb",
        Group::Availability,
        PARAMS,
        TEXT_PARAMS,
        |_, _| {},
        |p| scene::calc_line("lb", p),
        ModelView::Scene,
    )
    .timed(
        TimedModel {
            create: |p, seed| Ok(Box::new(session(p, seed)?)),
            read_log: read_log::<LbModel>,
            examples: &[
                "fail:server=1",
                "restore:server=1",
                "remove:server=2",
                "restore:server=2",
                "slow:server=3,pct=20",
                "weight:server=2,w=4",
                "burst:requests=30",
                "costs:pattern=periodic,every=3,heavy=10",
                "costs:pattern=random,every=5,heavy=20",
                "costs:pattern=even,every=3,heavy=10",
                "rate:per_s=5",
                "rate:per_s=0",
            ],
            controls: &CONTROLS,
            horizon: 600 * SECOND,
            step: 100 * MS,
            scale: None,
        },
        scenarios::SCENARIOS,
    )
};
