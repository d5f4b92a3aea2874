//! Failure detection (故障检测): a monitored node sends heartbeats; a monitor watches it with
//! two detectors side by side on the same arrivals (course notes, seed 001, "分布式高可用 -
//! 故障恢复 · 2. 故障检测": "(1) 固定心跳检测策略 (2) φ值故障检测(历史心跳消息预测故障), 统计以往的到达的
//! 间隔, 计算出样本的平均值 u, 和方差 …… 并可以通过设置阈值来自由调控误判的可能性. 实际应用: Akka 集群的故障
//! 检测"; seed 002 lists "phi失败探测算法" with plain heartbeats).
//!
//! Two nodes: the **monitored node** (node 0, `h1`) sends a `Heartbeat` every `period` ms
//! (its `jitter` command delays each one by a random 0..jitter ms, a busy sender); the
//! **monitor** (node 1, `m2`) evaluates both detectors on every heartbeat and every `tick` ms
//! (see [`detector`]):
//!
//! - fixed timeout: suspect after `k` missed heartbeats of period T = `period`;
//! - φ-accrual (Akka): a window of `window` inter-arrival times, φ against `threshold`, with
//!   `min_std` and an acceptable `pause` added to the mean (all in ms).
//!
//! The network's latency range is the heartbeats' jitter and `loss` their loss. Crash the
//! monitored node to measure each detector's detection time; pause it (a GC), cut the link,
//! raise its jitter or the loss to cause false suspicions.
//!
//! Properties (in `monitor.rs`): `completeness` (eventually: a crashed node is suspected by
//! both detectors once their own bound has passed), `heartbeat-clears` (always: right after
//! a heartbeat neither detector suspects the sender), and the lesson `accuracy` (always: no
//! detector suspects a node that has not crashed — false suspicions are what the lab shows).

mod detector;
mod monitor;
mod msg;
mod scenarios;
mod texts;
mod view;

pub use detector::{mean_std, normal_cdf, phi, y_bound, Fixed, Phi, PhiParams};
pub use monitor::Monitor;
pub use msg::Msg;

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("period", 100.0, 10.0, 5_000.0),
    ParamSpec::int("k", 3.0, 1.0, 50.0),
    ParamSpec::float("threshold", 8.0, 0.5, 50.0),
    ParamSpec::int("window", 100.0, 2.0, 1_000.0),
    ParamSpec::int("min_std", 10.0, 1.0, 10_000.0),
    ParamSpec::int("pause", 0.0, 0.0, 60_000.0),
    ParamSpec::int("tick", 10.0, 1.0, 1_000.0),
];

/// Node kinds by index.
pub const SENDER: usize = 0;
pub const MONITOR: usize = 1;
/// The monitored node and the monitor.
pub const SENDER_NODE: NodeId = 0;
pub const MONITOR_NODE: NodeId = 1;

/// The lab's configuration (times in µs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub period: Time,
    pub k: u64,
    pub phi: PhiParams,
    pub tick: Time,
    /// Test only: the φ detector never suspects.
    #[doc(hidden)]
    pub broken_phi_never_suspects: bool,
    /// Test only: the fixed detector forgets to reset its clock on a heartbeat.
    #[doc(hidden)]
    pub broken_fixed_no_reset: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        Config {
            period: p.get_u64("period").max(1) * MS,
            k: p.get_u64("k").max(1),
            phi: PhiParams {
                threshold: p.get("threshold").max(0.5),
                window: (p.get_u64("window") as usize).clamp(2, 1_000),
                min_std: p.get_u64("min_std").max(1) * MS,
                pause: p.get_u64("pause") * MS,
            },
            tick: p.get_u64("tick").max(1) * MS,
            ..Config::default()
        }
    }

    /// The fixed detector's timeout, k × T.
    pub fn timeout(&self) -> Time {
        self.period.saturating_mul(self.k)
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Fd> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Fd> {
    NetSession::new(2, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Fd>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The sender's next heartbeat is due.
    Beat,
    /// The sender sends heartbeat `seq`, delayed by its jitter.
    Send(u64),
    /// The monitor re-evaluates its detectors.
    Tick,
}

/// One node: the monitored node or the monitor.
#[derive(Clone, Debug)]
pub struct Fd {
    pub id: NodeId,
    cfg: Config,
    /// Persistent: how many times the node started.
    pub boots: u64,
    /// Sender: heartbeats sent this boot (volatile).
    pub seq: u64,
    /// Sender: the extra random delay of each heartbeat, 0..jitter (persistent setting).
    pub jitter: Time,
    /// Monitor: heartbeats received (persistent counter).
    pub received: u64,
    /// Monitor: the detectors (volatile: rebuilt at boot).
    pub fixed: Fixed,
    pub phi: Phi,
}

impl Fd {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn is_sender(&self) -> bool {
        self.id == SENDER_NODE
    }

    /// Re-evaluates both detectors at the local time `now` and notes each change.
    fn evaluate(&mut self, ctx: &mut Ctx<Self>) {
        let now = ctx.local_now();
        let before = (self.fixed.suspected, self.phi.suspected);
        self.fixed.evaluate(now, self.cfg.period, self.cfg.k);
        self.phi.evaluate(now, &self.cfg.phi);
        if self.cfg.broken_phi_never_suspects {
            self.phi.suspected = false;
        }
        match (before.0, self.fixed.suspected) {
            (false, true) => ctx.note("failure-detect.suspect_fixed", self.fixed.missed),
            (true, false) => ctx.note("failure-detect.trust_fixed", self.fixed.missed),
            _ => {}
        }
        let phi100 = (self.phi.phi.min(1e9) * 100.0).round() as u64;
        match (before.1, self.phi.suspected) {
            (false, true) => ctx.note("failure-detect.suspect_phi", phi100),
            (true, false) => ctx.note("failure-detect.trust_phi", phi100),
            _ => {}
        }
    }

    fn heartbeat(&mut self, ctx: &mut Ctx<Self>) {
        self.received += 1;
        let now = ctx.local_now();
        if !self.cfg.broken_fixed_no_reset {
            self.fixed.last = now;
        }
        self.phi.heartbeat(now, &self.cfg.phi);
        self.evaluate(ctx);
    }
}

impl Protocol for Fd {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::eventually("failure-detect.completeness"),
        Property::always("failure-detect.heartbeat-clears"),
        Property::always("failure-detect.accuracy").lesson(),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "failure-detect.sender",
            "h",
            Shape::Circle,
            &[CommandSpec::int("fd_jitter", 0, 5_000, 200)],
        ),
        NodeKind::new("failure-detect.monitor", "m", Shape::Hexagon, &[]),
    ];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        Fd {
            id,
            cfg: cfg.clone(),
            boots: 0,
            seq: 0,
            jitter: 0,
            received: 0,
            fixed: Fixed::default(),
            phi: Phi::default(),
        }
    }

    fn kind(&self) -> usize {
        if self.is_sender() {
            SENDER
        } else {
            MONITOR
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        if self.is_sender() {
            self.seq = 0;
            ctx.set_timer(Timer::Beat, 0);
        } else {
            let now = ctx.local_now();
            self.fixed = Fixed::new(now);
            self.phi = Phi::new(now, self.cfg.period);
            ctx.set_timer(Timer::Tick, self.cfg.tick);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Heartbeat { .. } if !self.is_sender() && from == SENDER_NODE => {
                self.heartbeat(ctx)
            }
            Msg::Heartbeat { .. } => {}
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Beat => {
                self.seq += 1;
                if self.jitter > 0 {
                    let delay = ctx.random_between(0, self.jitter);
                    ctx.set_timer(Timer::Send(self.seq), delay);
                } else {
                    ctx.send(MONITOR_NODE, Msg::Heartbeat { seq: self.seq });
                }
                ctx.set_timer(Timer::Beat, self.cfg.period);
            }
            Timer::Send(seq) => ctx.send(MONITOR_NODE, Msg::Heartbeat { seq }),
            Timer::Tick => {
                self.evaluate(ctx);
                ctx.set_timer(Timer::Tick, self.cfg.tick);
            }
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "fd_jitter" && self.is_sender() {
            match arg.and_then(|a| a.trim().parse::<u64>().ok()) {
                Some(ms) if ms <= 5_000 => {
                    self.jitter = ms * MS;
                    ctx.note("failure-detect.jitter", ms);
                }
                _ => ctx.note("failure-detect.bad_jitter", 0),
            }
        }
    }

    fn on_crash(&mut self) {
        // Timers die with the node; the detectors are rebuilt at the next boot.
        self.seq = 0;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Beat => "failure-detect.beat",
            Timer::Send(_) => "failure-detect.send",
            Timer::Tick => "failure-detect.tick",
        }
    }

    crate::monitor_hooks!(check, observe, check_eventually);
}
