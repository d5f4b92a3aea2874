//! All user input is parsed here, in one place: URL parameters, share links and the command
//! line's `--param k=v` pairs become typed, clamped values plus a list of [`InputError`]s.
//! Nothing here panics on bad input; every error says what was used instead.

use crate::labs;
use crate::params::short;
pub use crate::params::{InputError, ParamSpec, Params, TextSpec};
use crate::sim::LoggedAction;

/// Interface language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// `en`, `zh`, and browser forms like `zh-CN` or `en-US`.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s == "en" || s.starts_with("en-") {
            Some(Lang::En)
        } else if s == "zh" || s.starts_with("zh-") {
            Some(Lang::Zh)
        } else {
            None
        }
    }
}

/// Everything a run needs, parsed from URL parameters or a share link.
#[derive(Clone, Debug, PartialEq)]
pub struct RunConfig {
    pub lab: &'static str,
    pub seed: u64,
    pub params: Params,
    /// Simulation speed (virtual seconds per wall second), 0.1..=100.
    pub speed: f64,
    pub lang: Option<Lang>,
    pub embed: bool,
    pub debug: bool,
    pub actions: Vec<LoggedAction>,
    /// A time-only model lab's action log ([`crate::labs::TimedModel`]): the readable part of
    /// the link's `actions=`, in its share-link form (empty for other labs).
    pub model_log: String,
    /// A scenario preset's id (`leader-crash`); see [`crate::scenario`].
    pub scenario: Option<&'static str>,
}

pub use crate::labs::DEFAULT_LAB;
pub const DEFAULT_SEED: u64 = 1;
pub const DEFAULT_SPEED: f64 = 0.1;
pub const SPEED_MIN: f64 = 0.1;
pub const SPEED_MAX: f64 = 100.0;

const GLOBAL_KEYS: &[&str] = &[
    "lab", "seed", "speed", "lang", "embed", "debug", "actions", "scenario", "v",
];

impl RunConfig {
    /// Parses (key, value) pairs as they come from a URL's query string (already
    /// percent-decoded). The first error-free reading wins; bad values fall back to defaults.
    pub fn parse(pairs: &[(String, String)]) -> (RunConfig, Vec<InputError>) {
        let mut errors = Vec::new();
        let get = |k: &str| {
            pairs
                .iter()
                .rev()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };

        let used = labs::default_lab();
        let lab = match get("lab") {
            None => used,
            Some(v) => match (labs::find(v.trim()), labs::catalog_entry(v.trim())) {
                (Some(info), _) if info.implemented() => info.id,
                (None, Some(entry)) if entry.implemented => {
                    errors.push(InputError::LabElsewhere {
                        lab: entry.id.to_string(),
                        used,
                    });
                    used
                }
                (_, Some(entry)) => {
                    errors.push(InputError::LabNotReady {
                        lab: entry.id.to_string(),
                        used,
                    });
                    used
                }
                (_, None) => {
                    errors.push(InputError::UnknownLab {
                        value: short(v),
                        used,
                    });
                    used
                }
            },
        };

        let scenario = get("scenario").and_then(|v| {
            let found = crate::scenario::find(lab, v.trim());
            if found.is_none() {
                errors.push(InputError::UnknownScenario {
                    value: short(v),
                    lab,
                });
            }
            found
        });

        let seed = match get("seed") {
            None => scenario.map_or(DEFAULT_SEED, |s| s.seed),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(s) => s,
                Err(_) => {
                    errors.push(InputError::NotANumber {
                        key: "seed".into(),
                        value: short(v),
                        used: DEFAULT_SEED.to_string(),
                    });
                    DEFAULT_SEED
                }
            },
        };

        let speed = match get("speed") {
            None => DEFAULT_SPEED,
            Some(v) => match v.trim().parse::<f64>() {
                Ok(s) if s.is_finite() && (SPEED_MIN..=SPEED_MAX).contains(&s) => s,
                Ok(s) if s.is_finite() => {
                    let c = s.clamp(SPEED_MIN, SPEED_MAX);
                    errors.push(InputError::OutOfRange {
                        key: "speed".into(),
                        value: short(v),
                        min: SPEED_MIN,
                        max: SPEED_MAX,
                        used: c.to_string(),
                    });
                    c
                }
                _ => {
                    errors.push(InputError::NotANumber {
                        key: "speed".into(),
                        value: short(v),
                        used: DEFAULT_SPEED.to_string(),
                    });
                    DEFAULT_SPEED
                }
            },
        };

        let lang = get("lang").and_then(|v| {
            let l = Lang::parse(v);
            if l.is_none() {
                errors.push(InputError::BadLang { value: short(v) });
            }
            l
        });
        let flag = |k: &str| get(k).is_some_and(|v| matches!(v.trim(), "1" | "true" | "yes" | ""));

        let mut params = labs::params_for(lab);
        if let Some(s) = scenario {
            crate::scenario::apply_params(s, &mut params);
        }
        for (k, v) in pairs {
            if GLOBAL_KEYS.contains(&k.as_str()) {
                continue;
            }
            if !params.parse_one(k, v, &mut errors) {
                errors.push(InputError::UnknownParam { key: short(k) });
            }
        }
        labs::check_params(lab, &mut params, &mut errors);

        // A link without `v` comes from before versions existed (1), or was written by hand;
        // only a shared run (one with actions) is expected to replay exactly.
        let version = get("v").and_then(|v| match v.trim().parse::<u32>() {
            Ok(v) => Some(v),
            Err(_) => {
                errors.push(InputError::NotANumber {
                    key: "v".into(),
                    value: short(v),
                    used: crate::ENGINE_VERSION.to_string(),
                });
                None
            }
        });
        // The readable part of the action log (a truncated link keeps its valid prefix), read
        // as the lab's model reads it if the lab is a time-only model.
        let timed = labs::find(lab).and_then(|l| l.timed);
        let (actions, model_log, kept, damage) = match (timed, get("actions")) {
            (Some(t), Some(v)) => {
                let (log, kept, damage) = (t.read_log)(v);
                (Vec::new(), log, kept, damage)
            }
            (_, v) => {
                let (actions, damage) = v.map_or((Vec::new(), None), LoggedAction::decode_prefix);
                let kept = actions.len();
                (actions, String::new(), kept, damage)
            }
        };
        match damage {
            None => {}
            Some(error) if kept == 0 => errors.push(InputError::BadActions { error }),
            Some(error) => errors.push(InputError::PartialActions { kept, error }),
        }
        // Only a run with readable actions is a shared run; garbage claims no version.
        let shared_run = kept > 0;
        match version.or(shared_run.then_some(1)) {
            Some(link) if link != crate::ENGINE_VERSION => errors.push(InputError::OtherEngine {
                link,
                current: crate::ENGINE_VERSION,
            }),
            _ => {}
        }

        let cfg = RunConfig {
            lab,
            seed,
            params,
            speed,
            lang,
            embed: flag("embed"),
            debug: flag("debug"),
            actions,
            model_log,
            scenario: scenario.map(|s| s.id),
        };
        (cfg, errors)
    }

    /// Starts a free run (no scenario, no shared actions) with the lab's demo values
    /// ([`crate::labs::LabDef::demo`]) for the keys the page's parameters (`pairs`) leave
    /// unset; returns the `key=value` pairs it set, so the app can say so. Share links then
    /// carry them like any other value.
    pub fn apply_demo(&mut self, pairs: &[(String, String)]) -> Vec<String> {
        if self.scenario.is_some() || !self.actions.is_empty() || !self.model_log.is_empty() {
            return Vec::new();
        }
        let Some(lab) = labs::find(self.lab) else {
            return Vec::new();
        };
        let mut set = Vec::new();
        for (key, value) in lab.demo {
            if !pairs.iter().any(|(k, _)| k == key) {
                self.params.set_value(key, *value);
                if let Some(spec) = self.params.specs.iter().find(|s| s.key == *key) {
                    set.push(format!("{key}={}", spec.format(self.params.get(key))));
                }
            }
        }
        set
    }

    /// The query string of a share link that replays this run with `actions` (a time-only
    /// model lab's: with its [`RunConfig::model_log`]).
    pub fn share_query(&self, actions: &[LoggedAction]) -> String {
        let mut parts = vec![format!("lab={}", self.lab), format!("seed={}", self.seed)];
        if let Some(s) = self.scenario {
            parts.push(format!("scenario={s}"));
        }
        for (k, v) in self.params.non_default() {
            parts.push(format!("{k}={v}"));
        }
        if self.speed != DEFAULT_SPEED {
            parts.push(format!("speed={}", self.speed));
        }
        if let Some(l) = self.lang {
            parts.push(format!("lang={}", l.code()));
        }
        if self.embed {
            parts.push("embed=1".into());
        }
        if !actions.is_empty() {
            parts.push(format!("actions={}", LoggedAction::encode_log(actions)));
        } else if !self.model_log.is_empty() {
            parts.push(format!(
                "actions={}",
                crate::params::encode(&self.model_log)
            ));
        }
        parts.push(format!("v={}", crate::ENGINE_VERSION));
        parts.join("&")
    }
}

/// Splits a raw query string (`?a=1&b=2`) into pairs, percent-decoding `%XX` and `+`.
/// The app uses the browser's parser instead; this one serves the runner and the tests.
pub fn split_query(q: &str) -> Vec<(String, String)> {
    q.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(q: &str) -> (RunConfig, Vec<InputError>) {
        RunConfig::parse(&split_query(q))
    }

    #[test]
    fn defaults_without_errors() {
        let (c, e) = parse("");
        assert!(e.is_empty());
        assert_eq!(c.lab, "raft");
        assert_eq!(c.params.get("nodes"), 5.0);
    }

    #[test]
    fn bad_values_fall_back_with_messages() {
        let (c, e) = parse("?lab=nope&nodes=abc&seed=-1&speed=1000&lang=fr&actions=zz");
        assert_eq!(c.lab, "raft");
        assert_eq!(c.params.get("nodes"), 5.0);
        assert_eq!(c.seed, DEFAULT_SEED);
        assert_eq!(c.speed, SPEED_MAX);
        assert!(c.actions.is_empty());
        // Six bad values; an unreadable action log is no shared run, so no engine-version note.
        assert_eq!(e.len(), 6, "{e:?}");
        assert_eq!(e.iter().filter(|e| e.is_warning()).count(), 0);
        let (c, e) = parse("nodes=999");
        assert_eq!(c.params.get("nodes"), 15.0);
        assert!(matches!(&e[0], InputError::OutOfRange { key, .. } if key == "nodes"));
    }

    #[test]
    fn percent_decoding_never_panics() {
        for q in ["%", "%4", "a=%zz", "a=%e4%bd%a0", "=&&=", "lab=%FF%FE"] {
            let _ = parse(q);
        }
        assert_eq!(
            split_query("a=%41+b"),
            vec![("a".to_string(), "A b".to_string())]
        );
    }

    #[test]
    fn text_params_encode_and_round_trip() {
        let spec_check: fn(&str) -> Result<(), String> = |v| {
            if v.contains('!') {
                Err("no bangs".into())
            } else {
                Ok(())
            }
        };
        static SPECS: [TextSpec; 1] = [TextSpec {
            key: "list",
            default: "1,2",
            check: |_| Ok(()),
        }];
        let mut p = Params::with_texts(&[], &SPECS);
        assert_eq!(p.text("list"), "1,2");
        let mut errors = Vec::new();
        assert!(p.parse_one("list", "a b&c+d", &mut errors));
        assert!(errors.is_empty());
        let (k, v) = p.non_default().remove(0);
        assert_eq!((k, v.as_str()), ("list", "a%20b%26c%2Bd"));
        assert_eq!(split_query(&format!("list={v}"))[0].1, "a b&c+d");
        assert!(spec_check("x!").is_err());
    }

    #[test]
    fn share_query_round_trips() {
        let (c, e) = parse(&format!(
            "lab=raft&nodes=7&seed=42&timeout_min=200&actions=100.3.c1~200.9.r1&v={}",
            crate::ENGINE_VERSION
        ));
        assert!(e.is_empty(), "{e:?}");
        let q = c.share_query(&c.actions);
        assert!(q.ends_with(&format!("&v={}", crate::ENGINE_VERSION)), "{q}");
        let (d, e) = parse(&q);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(c, d);
    }

    #[test]
    fn links_from_another_engine_version_run_with_a_note() {
        let other = |q: &str| {
            let (c, e) = parse(q);
            let notes: Vec<(u32, u32)> = e
                .iter()
                .filter_map(|e| match e {
                    InputError::OtherEngine { link, current } => Some((*link, *current)),
                    _ => None,
                })
                .collect();
            (c, e, notes)
        };
        let now = crate::ENGINE_VERSION;
        // A shared run from before versions existed: version 1; its actions still load.
        let (c, _, notes) = other("lab=raft&seed=4&actions=100.3.c1");
        assert_eq!(notes, [(1, now)]);
        assert_eq!(c.actions.len(), 1);
        // A newer engine's link, and an older one's, say so; this engine's does not.
        assert_eq!(other(&format!("seed=4&v={}", now + 1)).2, [(now + 1, now)]);
        assert_eq!(other("seed=4&v=1&actions=100.3.c1").2, [(1, now)]);
        assert!(other(&format!("seed=4&v={now}&actions=100.3.c1"))
            .1
            .is_empty());
        // A hand-written link (no actions, no `v`) is not a shared run: no note.
        assert!(other("lab=raft&seed=42&scenario=figure-8").1.is_empty());
        // A bad `v` is a bad value like any other; `v` is never a lab parameter.
        let (_, e, notes) = other("v=abc");
        assert!(notes.is_empty());
        assert!(
            matches!(&e[..], [InputError::NotANumber { key, .. }] if key == "v"),
            "{e:?}"
        );
        assert!(!e[0].is_warning());
    }
}
