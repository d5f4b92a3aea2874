//! The failure-detection lab's checker and measures, from the trace and the monitor's state
//! after each of its handlers (never from the detectors' own notes).
//!
//! - `accuracy` (always, lesson): a detector starts suspecting the monitored node while it is
//!   not crashed (up or paused): a **false suspicion**, counted per detector. Jitter, loss,
//!   a pause or a cut link cause them; no threshold rules them out on an asynchronous network,
//!   which is the lesson.
//! - `heartbeat-clears` (always): right after the monitor handled a heartbeat, neither
//!   detector suspects the sender (a detector that forgets to reset is caught).
//! - `completeness` (eventually): at the end of a run where the monitored node is crashed and
//!   the monitor up, each detector suspects it once its bound has passed since the last
//!   heartbeat (or the monitor's last restart or resume): the fixed timeout k·T, and for φ the
//!   window's mean plus the pause plus y·max(σ, min_std) with y = threshold·ln 10 / 1.5976,
//!   past which the logistic φ exceeds any threshold — computed here from the window's
//!   intervals, not with the detector's code; plus two ticks, and 10% for slow clocks. Not
//!   checked once the monitor's clock was changed (a clock set back makes any timeout late).
//! - Detection time: from the crash to the detector's first suspicion (0 if it already
//!   suspected); false suspicions per hour of the monitored node's up time.

use super::{y_bound, Fd, MONITOR_NODE, SENDER_NODE};
use crate::labs::SeriesBuf;
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::{NodeId, Time, MS};

/// Detector indices.
pub const FIXED: usize = 0;
pub const PHI: usize = 1;

/// One hour in µs.
const HOUR: f64 = 3_600_000_000.0;

/// The history the checks and the stats need.
#[derive(Clone, Debug)]
pub struct Monitor {
    /// The monitored node is crashed, since `crash_at`.
    pub sender_down: bool,
    pub crash_at: Time,
    pub crashes: u64,
    /// Up time of the monitored node: closed spans, and the open one's start.
    pub alive_us: Time,
    pub alive_since: Option<Time>,
    /// Per detector: suspecting now (as last seen), false suspicions, detections.
    pub suspected: [bool; 2],
    pub false_n: [u64; 2],
    pub detect_sum: [Time; 2],
    pub detect_n: [u64; 2],
    pub detect_last: [Option<Time>; 2],
    waiting: [bool; 2],
    /// Last heartbeat handled by the monitor, and its last restart or resume.
    pub last_heartbeat: Time,
    pub monitor_ref: Time,
    pending_clear: bool,
    /// The monitor's clock was set or made to drift (completeness is then not checked).
    pub monitor_clock_changed: bool,
    /// φ (capped for the chart) and the missed-heartbeat counter, sampled after each of the
    /// monitor's handlers.
    pub phi_curve: SeriesBuf,
    pub missed_curve: SeriesBuf,
}

impl Default for Monitor {
    fn default() -> Self {
        Monitor {
            sender_down: false,
            crash_at: 0,
            crashes: 0,
            alive_us: 0,
            alive_since: Some(0),
            suspected: [false; 2],
            false_n: [0; 2],
            detect_sum: [0; 2],
            detect_n: [0; 2],
            detect_last: [None; 2],
            waiting: [false; 2],
            last_heartbeat: 0,
            monitor_ref: 0,
            pending_clear: false,
            monitor_clock_changed: false,
            phi_curve: SeriesBuf::new(400, 20 * MS),
            missed_curve: SeriesBuf::new(400, 20 * MS),
        }
    }
}

impl Monitor {
    /// The monitored node's up time until `now`.
    pub fn alive(&self, now: Time) -> Time {
        self.alive_us + self.alive_since.map_or(0, |s| now.saturating_sub(s))
    }

    /// False suspicions of detector `d` per hour of up time (None before any up time).
    pub fn false_per_hour(&self, d: usize, now: Time) -> Option<f64> {
        let up = self.alive(now);
        (up > 0).then(|| self.false_n[d] as f64 * HOUR / up as f64)
    }

    /// Mean detection time of detector `d` in ms (None if it detected no crash).
    pub fn detect_ms(&self, d: usize) -> Option<f64> {
        (self.detect_n[d] > 0)
            .then(|| self.detect_sum[d] as f64 / self.detect_n[d] as f64 / MS as f64)
    }

    pub(super) fn observe(&mut self, seen: &Observed<Fd>, _found: &mut Found) {
        let t = seen.record.time;
        match &seen.record.kind {
            TraceKind::Crash { node } if *node == SENDER_NODE => {
                self.sender_down = true;
                self.crash_at = t;
                self.crashes += 1;
                if let Some(s) = self.alive_since.take() {
                    self.alive_us += t.saturating_sub(s);
                }
                for d in 0..2 {
                    if self.suspected[d] {
                        self.detected(d, 0);
                    } else {
                        self.waiting[d] = true;
                    }
                }
            }
            TraceKind::Restart { node } if *node == SENDER_NODE => {
                self.sender_down = false;
                self.waiting = [false; 2];
                self.alive_since = Some(t);
            }
            TraceKind::Restart { node } | TraceKind::Resume { node } if *node == MONITOR_NODE => {
                self.monitor_ref = t;
            }
            TraceKind::Clock { node, .. } if *node == MONITOR_NODE => {
                self.monitor_clock_changed = true;
            }
            TraceKind::Crash { node } if *node == MONITOR_NODE => {
                self.suspected = [false; 2];
            }
            TraceKind::Deliver { to, kind, .. } if *to == MONITOR_NODE && *kind == "Heartbeat" => {
                self.last_heartbeat = t;
                self.pending_clear = true;
            }
            _ => {}
        }
    }

    fn detected(&mut self, d: usize, after: Time) {
        self.detect_sum[d] += after;
        self.detect_n[d] += 1;
        self.detect_last[d] = Some(after);
        self.waiting[d] = false;
    }

    /// After a handler of `node`: samples the curves, counts suspicions, checks that a
    /// heartbeat cleared both detectors.
    pub(super) fn check(
        &mut self,
        now: Time,
        node: NodeId,
        nodes: &[Fd],
    ) -> Vec<(&'static str, String)> {
        let mut found = Vec::new();
        if node != MONITOR_NODE {
            return found;
        }
        let Some(m) = nodes.get(MONITOR_NODE) else {
            return found;
        };
        let cfg = m.config();
        let cap = (cfg.phi.threshold * 3.0).max(cfg.phi.threshold + 5.0);
        self.phi_curve.push(now, m.phi.phi.min(cap));
        let kcap = cfg.k.saturating_mul(3).max(cfg.k + 5);
        self.missed_curve.push(now, m.fixed.missed.min(kcap) as f64);
        let flags = [m.fixed.suspected, m.phi.suspected];
        for (d, &now_suspected) in flags.iter().enumerate() {
            if now_suspected && !self.suspected[d] {
                if self.sender_down {
                    if self.waiting[d] {
                        self.detected(d, now.saturating_sub(self.crash_at));
                    }
                } else {
                    self.false_n[d] += 1;
                    found.push((
                        "failure-detect.accuracy",
                        format!(
                            "the {} detector suspects h1, which has not crashed (false suspicion #{})",
                            if d == FIXED { "fixed-timeout" } else { "φ-accrual" },
                            self.false_n[d]
                        ),
                    ));
                }
            }
        }
        self.suspected = flags;
        if std::mem::take(&mut self.pending_clear) && (flags[0] || flags[1]) {
            found.push((
                "failure-detect.heartbeat-clears",
                format!(
                    "right after a heartbeat the monitor still suspects h1 (fixed: {}, φ: {})",
                    flags[0], flags[1]
                ),
            ));
        }
        found
    }

    /// The latest time by which each detector must suspect the crashed node: (fixed, φ).
    pub fn deadlines(&self, m: &Fd) -> (Time, Time) {
        let cfg = m.config();
        let from = self.last_heartbeat.max(self.monitor_ref);
        let slack = |d: f64| (d * 1.1) as Time;
        let ticks = 2 * cfg.tick;
        let fixed = from + slack((cfg.timeout() + ticks) as f64);
        let (mean, std) = super::mean_std(&m.phi.intervals);
        let ms = |t: Time| t as f64 / MS as f64;
        let spread = std.max(ms(cfg.phi.min_std));
        let bound_ms = mean + ms(cfg.phi.pause) + y_bound(cfg.phi.threshold) * spread + ms(ticks);
        let phi = from + slack(bound_ms * MS as f64);
        (fixed, phi)
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[Fd],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        if self.monitor_clock_changed
            || status.get(SENDER_NODE) != Some(&NodeStatus::Down)
            || status.get(MONITOR_NODE) != Some(&NodeStatus::Up)
        {
            return;
        }
        let Some(m) = nodes.get(MONITOR_NODE) else {
            return;
        };
        let (fixed, phi) = self.deadlines(m);
        let ms = |t: Time| t / MS;
        if now >= fixed && !m.fixed.suspected {
            found.push((
                "failure-detect.completeness",
                format!(
                    "h1 crashed at {} ms and the fixed-timeout detector still trusts it at {} ms (bound {} ms)",
                    ms(self.crash_at),
                    ms(now),
                    ms(fixed)
                ),
            ));
        }
        if now >= phi && !m.phi.suspected {
            found.push((
                "failure-detect.completeness",
                format!(
                    "h1 crashed at {} ms and the φ-accrual detector still trusts it at {} ms (bound {} ms)",
                    ms(self.crash_at),
                    ms(now),
                    ms(phi)
                ),
            ));
        }
    }
}
