//! What the app draws of the lease lab: roles (a cache holding leases, a server with a write
//! waiting), badges, details, the panels (the server's data, lease table and write queue; each
//! cache's copies), the tiered layout (caches | server), the headline, the stats and the run
//! summary.

use serde_json::json;

use super::{
    key_name, scenarios, texts, Config, Lease, CACHE, MAX_CACHES, PARAMS, SERVER, SERVER_NODE,
};
use crate::input::Params;
use crate::labs::{
    net_config, Group, Headline, Layout, NetLab, Panel, ParamSpec, Series, SeriesSpec, Stat, Text,
};
use crate::sim::{NetConfig, Protocol, Sim};
use crate::{Time, MS};

fn ms(t: Time) -> f64 {
    t as f64 / MS as f64
}

fn node(n: usize) -> String {
    if n == SERVER_NODE {
        "S1".into()
    } else {
        format!("c{}", n + 1)
    }
}

impl Lease {
    fn waiting_writes(&self) -> usize {
        self.server.queue.iter().map(|q| q.len()).sum()
    }

    fn server_panels(&self) -> Vec<Panel> {
        let s = &self.server;
        let items = s
            .data
            .iter()
            .enumerate()
            .map(|(k, d)| {
                vec![
                    key_name(k).to_string(),
                    d.value.to_string(),
                    format!("v{}", d.version),
                    s.lease_end(k)
                        .map_or("-".into(), |t| format!("{:.0}", ms(t))),
                    s.queue.get(k).map_or(0, |q| q.len()).to_string(),
                ]
            })
            .collect();
        let leases = s
            .leases
            .iter()
            .enumerate()
            .flat_map(|(k, l)| {
                l.iter().map(move |&(c, t)| {
                    vec![key_name(k).to_string(), node(c), format!("{:.0}", ms(t))]
                })
            })
            .collect();
        let queue = s
            .queue
            .iter()
            .flatten()
            .map(|w| {
                let seq = w.seq.map_or("-".into(), |g| format!("g{g}"));
                format!("{} {}={} {seq}", node(w.writer), key_name(w.key), w.value)
            })
            .collect();
        vec![
            Panel::Table {
                title: "lease.panel.data",
                columns: vec![
                    "lease.col.key",
                    "lease.col.value",
                    "lease.col.version",
                    "lease.col.lease_end",
                    "lease.col.writes",
                ],
                rows: items,
            },
            Panel::Table {
                title: "lease.panel.leases",
                columns: vec!["lease.col.key", "lease.col.cache", "lease.col.until"],
                rows: leases,
            },
            Panel::Queue {
                title: "lease.panel.queue",
                items: queue,
            },
        ]
    }

    fn cache_panels(&self) -> Vec<Panel> {
        let c = &self.cache;
        let rows = c
            .items
            .iter()
            .enumerate()
            .map(|(k, it)| {
                vec![
                    key_name(k).to_string(),
                    if it.has {
                        it.value.to_string()
                    } else {
                        "-".into()
                    },
                    if it.has {
                        format!("v{}", it.version)
                    } else {
                        "-".into()
                    },
                    if it.leased {
                        format!("{:.0}", ms(it.lease_until))
                    } else {
                        "-".into()
                    },
                    it.waiting.len().to_string(),
                ]
            })
            .collect();
        vec![
            Panel::Table {
                title: "lease.panel.copies",
                columns: vec![
                    "lease.col.key",
                    "lease.col.value",
                    "lease.col.version",
                    "lease.col.until",
                    "lease.col.waiting",
                ],
                rows,
            },
            Panel::Queue {
                title: "lease.panel.writes",
                items: c
                    .writes
                    .iter()
                    .map(|w| format!("{}={}", key_name(w.key), w.value))
                    .collect(),
            },
        ]
    }
}

const SERIES: &[SeriesSpec] = &[SeriesSpec::scatter("lease.write_latency", "ms")];

impl NetLab for Lease {
    const ID: &'static str = "lease";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SIZE: &'static str = "caches";
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: crate::labs::Looks = texts::LOOKS;
    const SERIES: &'static [SeriesSpec] = SERIES;

    /// Each write's wait from its request to its install, against when it was installed.
    fn series(sim: &Sim<Self>) -> Vec<Series> {
        let points = sim.monitor().write_latency.points().to_vec();
        vec![Series::of(&SERIES[0], "", points)]
    }

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let cfg = Config::from_params(p);
        let n = 1 + cfg.caches.min(MAX_CACHES);
        (cfg, net_config(p), n)
    }

    fn lessons(cfg: &Config) -> Vec<&'static str> {
        if cfg.sequencer {
            Vec::new()
        } else {
            vec!["no-old-holder-write"]
        }
    }

    fn role(&self) -> &'static str {
        if self.is_server() {
            if self.config().version_mode {
                "lease.server_versions"
            } else if self.waiting_writes() > 0 {
                "lease.server_waiting"
            } else {
                "lease.server"
            }
        } else if self.cache.items.iter().any(|i| i.leased) {
            "lease.cache_leased"
        } else if self.cache.items.iter().any(|i| !i.waiting.is_empty()) {
            "lease.cache_fetching"
        } else {
            "lease.cache_idle"
        }
    }

    fn badge(&self) -> String {
        let show = |k: usize, v: i64, ver: u64| format!("{}={v}·v{ver}", key_name(k));
        if self.is_server() {
            self.server
                .data
                .iter()
                .enumerate()
                .take(2)
                .map(|(k, d)| show(k, d.value, d.version))
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            let leased = self.cache.items.iter().filter(|i| i.leased).count();
            format!("{leased}L")
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let cfg = self.config();
        if self.is_server() {
            let s = &self.server;
            vec![
                ("lease.lease_ms", format!("{:.0}", ms(cfg.lease))),
                ("lease.installs", s.installs.to_string()),
                ("lease.rejects", s.rejects.to_string()),
                ("lease.renewals", s.renewals.to_string()),
                ("lease.data_sent", s.data_sent.to_string()),
                ("lease.writes_waiting", self.waiting_writes().to_string()),
                ("lease.grace", if s.grace { "yes" } else { "no" }.into()),
            ]
        } else {
            let c = &self.cache;
            vec![
                (
                    "lease.cache_lease_ms",
                    format!("{:.0}", ms(cfg.cache_lease())),
                ),
                ("lease.reads", c.reads.to_string()),
                ("lease.local", c.local.to_string()),
                ("lease.fetched", c.fetched.to_string()),
                ("lease.acked", c.acked.to_string()),
                ("lease.rejected", c.rejected.to_string()),
            ]
        }
    }

    fn panels(&self) -> Vec<Panel> {
        if self.is_server() {
            self.server_panels()
        } else {
            self.cache_panels()
        }
    }

    fn arc_timer(timer: super::Timer) -> bool {
        matches!(timer, super::Timer::Lease(_) | super::Timer::Free(_))
    }

    fn layout(_sim: &Sim<Self>) -> Layout {
        Layout::Tiers {
            kinds: vec![Self::KINDS[CACHE].id, Self::KINDS[SERVER].id],
        }
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let cfg = sim.node(SERVER_NODE).config();
        json!({
            "mode": if cfg.version_mode { "version" } else { "lease" },
            "lease_ms": ms(cfg.lease),
            "margin_ms": ms(cfg.margin),
            "drift_bound_ppm": cfg.drift_bound_ppm(),
            "sequencer": cfg.sequencer,
            "reads": m.reads(),
            "reads_local": m.reads_local,
            "reads_fetched": m.reads_fetched,
            "stale_reads": m.stale,
            "writes": m.writes_issued,
            "installs": m.installs,
            "rejects": m.rejects,
            "write_latency_mean_ms": ms(m.latency_mean()),
            "write_latency_max_ms": ms(m.latency_max),
            "messages_per_read": m.msgs_per_read(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let cfg = sim.node(SERVER_NODE).config();
        let reads = m.reads().to_string();
        let per_read = format!("{:.2}", m.msgs_per_read());
        if m.stale > 0 {
            Headline {
                key: "lease.headline.stale",
                args: vec![
                    m.stale.to_string(),
                    reads,
                    cfg.drift_bound_ppm().to_string(),
                ],
            }
        } else if cfg.version_mode {
            Headline {
                key: "lease.headline.versions",
                args: vec![reads, per_read],
            }
        } else {
            Headline {
                key: "lease.headline.ok",
                args: vec![
                    reads,
                    m.reads_local.to_string(),
                    per_read,
                    format!("{:.0}", ms(m.latency_mean())),
                    cfg.drift_bound_ppm().to_string(),
                ],
            }
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        vec![
            Stat::new("lease.reads_local", m.reads_local as f64),
            Stat::new("lease.reads_fetched", m.reads_fetched as f64),
            Stat::new("lease.stale_reads", m.stale as f64),
            Stat::new("lease.messages_per_read", m.msgs_per_read()),
            Stat::new("lease.renewals", m.renewals as f64),
            Stat::new("lease.data_messages", m.data_msgs as f64),
            Stat::new("lease.writes", m.writes_issued as f64),
            Stat::new("lease.installs", m.installs as f64),
            Stat::new("lease.rejects", m.rejects as f64),
            Stat::new("lease.write_latency_mean_ms", ms(m.latency_mean())),
            Stat::new("lease.write_latency_max_ms", ms(m.latency_max)),
        ]
    }
}
