//! What the app draws of the failure-detection lab: the monitor's role (whom it suspects),
//! badges, details, the detectors' panels, the two charts (φ against its threshold, the
//! missed-heartbeat counter against k), the headline, the stats and the run summary.

use serde_json::json;

use super::monitor::{FIXED, PHI};
use super::{scenarios, texts, Config, Fd, MONITOR, MONITOR_NODE, PARAMS, SENDER};
use crate::input::Params;
use crate::labs::{
    net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::sim::{NetConfig, Protocol, Sim};
use crate::{Time, MS};

const SERIES: &[SeriesSpec] = &[
    SeriesSpec::line("failure-detect.phi", ""),
    SeriesSpec::step("failure-detect.missed", ""),
];

fn ms(t: Time) -> f64 {
    t as f64 / MS as f64
}

impl NetLab for Fd {
    const ID: &'static str = "failure-detect";
    const GROUP: Group = Group::Availability;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "window";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const DEMO: &'static [(&'static str, f64)] = &[("latency_max", 110.0), ("loss", 5.0)];
    const SERIES: &'static [SeriesSpec] = SERIES;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        (Config::from_params(p), net_config(p), 2)
    }

    fn role(&self) -> &'static str {
        if self.is_sender() {
            return "failure-detect.sender";
        }
        match (self.fixed.suspected, self.phi.suspected) {
            (false, false) => "failure-detect.trusts",
            (true, false) => "failure-detect.suspects_fixed",
            (false, true) => "failure-detect.suspects_phi",
            (true, true) => "failure-detect.suspects_both",
        }
    }

    fn badge(&self) -> String {
        if self.is_sender() {
            format!("#{}", self.seq)
        } else {
            format!(
                "φ{:.1} {}/{}",
                self.phi.phi.min(999.0),
                self.fixed.missed,
                self.cfg_k()
            )
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        if self.is_sender() {
            vec![
                ("failure-detect.sent", self.seq.to_string()),
                (
                    "failure-detect.jitter_ms",
                    format!("{:.0}", ms(self.jitter)),
                ),
            ]
        } else {
            vec![
                ("failure-detect.received", self.received.to_string()),
                ("failure-detect.phi_now", format!("{:.2}", self.phi.phi)),
                ("failure-detect.missed_now", self.fixed.missed.to_string()),
            ]
        }
    }

    fn panels(&self) -> Vec<Panel> {
        if self.is_sender() {
            return Vec::new();
        }
        let cfg = self.config();
        let (mean, std) = self.phi.estimate(&cfg.phi);
        let yes_no = |b: bool| if b { "✔" } else { "-" }.to_string();
        vec![
            Panel::Rows {
                title: "failure-detect.panel.fixed",
                rows: vec![
                    (
                        "failure-detect.row.missed",
                        format!("{} / {}", self.fixed.missed, cfg.k),
                    ),
                    (
                        "failure-detect.row.timeout",
                        format!("{:.0}", ms(cfg.timeout())),
                    ),
                    ("failure-detect.row.suspected", yes_no(self.fixed.suspected)),
                ],
            },
            Panel::Rows {
                title: "failure-detect.panel.phi",
                rows: vec![
                    (
                        "failure-detect.row.phi",
                        format!("{:.2} / {}", self.phi.phi, cfg.phi.threshold),
                    ),
                    ("failure-detect.row.mean", format!("{mean:.1}")),
                    ("failure-detect.row.std", format!("{std:.1}")),
                    (
                        "failure-detect.row.window",
                        format!("{} / {}", self.phi.intervals.len(), cfg.phi.window),
                    ),
                    ("failure-detect.row.suspected", yes_no(self.phi.suspected)),
                ],
            },
        ]
    }

    fn arc_timer(timer: super::Timer) -> bool {
        matches!(timer, super::Timer::Beat)
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec![Self::KINDS[SENDER].id, Self::KINDS[MONITOR].id],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let now = sim.now();
        let node = sim.node(MONITOR_NODE);
        let cfg = node.config();
        json!({
            "period_ms": ms(cfg.period),
            "k": cfg.k,
            "threshold": cfg.phi.threshold,
            "crashes": m.crashes,
            "detect_ms_fixed": m.detect_ms(FIXED),
            "detect_ms_phi": m.detect_ms(PHI),
            "false_fixed": m.false_n[FIXED],
            "false_phi": m.false_n[PHI],
            "false_per_hour_fixed": m.false_per_hour(FIXED, now),
            "false_per_hour_phi": m.false_per_hour(PHI, now),
            "heartbeats": node.received,
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let f = |v: Option<Time>| v.map_or("-".into(), |t| format!("{:.0}", ms(t)));
        if m.crashes > 0 {
            Headline {
                key: "failure-detect.headline.crash",
                args: vec![
                    f(m.detect_last[FIXED]),
                    f(m.detect_last[PHI]),
                    m.false_n[FIXED].to_string(),
                    m.false_n[PHI].to_string(),
                ],
            }
        } else {
            let node = sim.node(MONITOR_NODE);
            Headline {
                key: "failure-detect.headline.watch",
                args: vec![
                    format!("{:.2}", node.phi.phi.min(999.0)),
                    node.fixed.missed.to_string(),
                    m.false_n[FIXED].to_string(),
                    m.false_n[PHI].to_string(),
                ],
            }
        }
    }

    fn series(sim: &Sim<Self>) -> Vec<Series> {
        let m = sim.monitor();
        let cfg = sim.node(MONITOR_NODE).config();
        let mut phi = Series::of(&SERIES[0], "", m.phi_curve.points().to_vec());
        phi.threshold = Some(cfg.phi.threshold);
        let mut missed = Series::of(&SERIES[1], "", m.missed_curve.points().to_vec());
        missed.threshold = Some(cfg.k as f64);
        vec![phi, missed]
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let now = sim.now();
        let mut stats = vec![
            Stat::new("failure-detect.false_fixed", m.false_n[FIXED] as f64),
            Stat::new("failure-detect.false_phi", m.false_n[PHI] as f64),
        ];
        let mut opt_stat = |key, v: Option<f64>| {
            if let Some(v) = v {
                stats.push(Stat::new(key, v));
            }
        };
        opt_stat(
            "failure-detect.false_per_hour_fixed",
            m.false_per_hour(FIXED, now),
        );
        opt_stat(
            "failure-detect.false_per_hour_phi",
            m.false_per_hour(PHI, now),
        );
        opt_stat("failure-detect.detect_ms_fixed", m.detect_ms(FIXED));
        opt_stat("failure-detect.detect_ms_phi", m.detect_ms(PHI));
        stats.push(Stat::new("failure-detect.crashes", m.crashes as f64));
        stats.push(Stat::new(
            "failure-detect.heartbeats",
            sim.node(MONITOR_NODE).received as f64,
        ));
        stats
    }
}

impl Fd {
    fn cfg_k(&self) -> u64 {
        self.config().k
    }
}
