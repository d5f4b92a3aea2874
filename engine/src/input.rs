//! All user input is parsed here, in one place: URL parameters, share links and the command
//! line's `--param k=v` pairs become typed, clamped values plus a list of [`InputError`]s.
//! Nothing here panics on bad input; every error says what was used instead.

use std::fmt;

use crate::labs::{self, ParamSpec};
use crate::sim::{ActionError, LoggedAction};

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

/// A problem with one input value. The app translates these; `Display` is English.
#[derive(Clone, Debug, PartialEq)]
pub enum InputError {
    UnknownLab {
        value: String,
        used: &'static str,
    },
    LabNotReady {
        lab: String,
        used: &'static str,
    },
    NotANumber {
        key: String,
        value: String,
        used: String,
    },
    OutOfRange {
        key: String,
        value: String,
        min: f64,
        max: f64,
        used: String,
    },
    UnknownParam {
        key: String,
    },
    BadLang {
        value: String,
    },
    BadActions {
        error: ActionError,
    },
    Swapped {
        low: &'static str,
        high: &'static str,
    },
    /// A string-valued parameter (a list or a spec) that does not parse; `reason` is English.
    BadText {
        key: String,
        value: String,
        reason: String,
        used: String,
    },
    /// `?scenario=` names no preset of the lab.
    UnknownScenario {
        value: String,
        lab: &'static str,
    },
    /// A share link made by another engine version (`v=`, see [`crate::ENGINE_VERSION`]): it
    /// runs, but may play out differently from when it was shared. A warning, not an error.
    OtherEngine {
        link: u32,
        current: u32,
    },
}

impl InputError {
    /// Whether the input is fine and this only tells the user something (the runner goes
    /// on; every other error stops it).
    pub fn is_warning(&self) -> bool {
        matches!(self, InputError::OtherEngine { .. })
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::UnknownLab { value, used } => {
                write!(f, "unknown lab `{value}`; showing `{used}`")
            }
            InputError::LabNotReady { lab, used } => {
                write!(f, "lab `{lab}` is not available yet; showing `{used}`")
            }
            InputError::NotANumber { key, value, used } => {
                write!(f, "`{key}={value}` is not a number; using {used}")
            }
            InputError::OutOfRange {
                key,
                value,
                min,
                max,
                used,
            } => {
                write!(f, "`{key}={value}` is outside {min}..{max}; using {used}")
            }
            InputError::UnknownParam { key } => write!(f, "unknown parameter `{key}` ignored"),
            InputError::BadLang { value } => write!(f, "unknown language `{value}`; use en or zh"),
            InputError::BadActions { error } => {
                write!(
                    f,
                    "the shared action log is damaged ({error}); starting without it"
                )
            }
            InputError::Swapped { low, high } => write!(
                f,
                "`{low}` was above `{high}`; using the same value for both"
            ),
            InputError::BadText {
                key,
                value,
                reason,
                used,
            } => write!(f, "`{key}={value}` is not valid ({reason}); using `{used}`"),
            InputError::UnknownScenario { value, lab } => {
                write!(
                    f,
                    "lab `{lab}` has no scenario `{value}`; starting without one"
                )
            }
            InputError::OtherEngine { link, current } => write!(
                f,
                "this link was made by DistLab engine version {link} (this is version \
                 {current}): the run may play out differently from when it was shared"
            ),
        }
    }
}

/// A string-valued parameter (a list such as `weights=1,2,3`, or a spec such as
/// `limiter=token:rate=10,burst=5`): its key, default, and a check that says why a value is
/// refused (in English).
#[derive(Clone, Copy, Debug)]
pub struct TextSpec {
    pub key: &'static str,
    pub default: &'static str,
    pub check: fn(&str) -> Result<(), String>,
}

impl PartialEq for TextSpec {
    /// Specs are equal by key and default (function addresses are not comparable).
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.default == other.default
    }
}

/// Parameter values of one lab, in [`ParamSpec`] order, then its text values in
/// [`TextSpec`] order.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub specs: &'static [ParamSpec],
    pub values: Vec<f64>,
    pub text_specs: &'static [TextSpec],
    pub texts: Vec<String>,
}

impl Params {
    pub fn defaults(specs: &'static [ParamSpec]) -> Params {
        Params::with_texts(specs, &[])
    }

    /// Defaults of a lab that also has string-valued parameters.
    pub fn with_texts(specs: &'static [ParamSpec], text_specs: &'static [TextSpec]) -> Params {
        Params {
            specs,
            values: specs.iter().map(|s| s.default).collect(),
            text_specs,
            texts: text_specs.iter().map(|s| s.default.to_string()).collect(),
        }
    }

    /// A text value by key; empty if the lab has no such key.
    pub fn text(&self, key: &str) -> &str {
        self.text_specs
            .iter()
            .position(|s| s.key == key)
            .map_or("", |i| self.texts[i].as_str())
    }

    /// Replaces a text value (the UI records what the user changed this way). Values that
    /// fail the spec's check are refused and change nothing.
    pub fn set_text(&mut self, key: &str, v: &str) -> Result<(), String> {
        let Some(i) = self.text_specs.iter().position(|s| s.key == key) else {
            return Err(format!("no parameter `{key}`"));
        };
        (self.text_specs[i].check)(v)?;
        self.texts[i] = v.trim().to_string();
        Ok(())
    }

    /// Sets a numeric value, clamped to its range (rounded if whole).
    pub fn set_value(&mut self, key: &str, v: f64) {
        if let Some(spec) = self.specs.iter().find(|s| s.key == key) {
            if v.is_finite() {
                let v = if spec.integer { v.round() } else { v };
                self.set(key, v.clamp(spec.min, spec.max));
            }
        }
    }

    /// A value by key; the spec's default if the lab has no such key.
    pub fn get(&self, key: &str) -> f64 {
        self.specs
            .iter()
            .position(|s| s.key == key)
            .map_or(0.0, |i| self.values[i])
    }

    pub fn get_u64(&self, key: &str) -> u64 {
        self.get(key).max(0.0).round() as u64
    }

    fn set(&mut self, key: &str, v: f64) {
        if let Some(i) = self.specs.iter().position(|s| s.key == key) {
            self.values[i] = v;
        }
    }

    /// Parses one `key=value`; returns false if the lab has no such key.
    pub fn parse_one(&mut self, key: &str, value: &str, errors: &mut Vec<InputError>) -> bool {
        let Some(spec) = self.specs.iter().find(|s| s.key == key) else {
            return self.parse_text(key, value, errors);
        };
        let used = |v: f64| spec.format(v);
        match value.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => {
                let v = if spec.integer { v.round() } else { v };
                if v < spec.min || v > spec.max {
                    let c = v.clamp(spec.min, spec.max);
                    errors.push(InputError::OutOfRange {
                        key: key.to_string(),
                        value: short(value),
                        min: spec.min,
                        max: spec.max,
                        used: used(c),
                    });
                    self.set(key, c);
                } else {
                    self.set(key, v);
                }
            }
            _ => errors.push(InputError::NotANumber {
                key: key.to_string(),
                value: short(value),
                used: used(spec.default),
            }),
        }
        true
    }

    fn parse_text(&mut self, key: &str, value: &str, errors: &mut Vec<InputError>) -> bool {
        let Some(spec) = self.text_specs.iter().find(|s| s.key == key) else {
            return false;
        };
        if let Err(reason) = self.set_text(key, value) {
            errors.push(InputError::BadText {
                key: key.to_string(),
                value: short(value),
                reason,
                used: spec.default.to_string(),
            });
        }
        true
    }

    /// Resets a text value to its default, reporting why (for cross-parameter checks).
    pub fn reject_text(&mut self, key: &str, reason: String, errors: &mut Vec<InputError>) {
        if let Some(i) = self.text_specs.iter().position(|s| s.key == key) {
            let spec = self.text_specs[i];
            errors.push(InputError::BadText {
                key: key.to_string(),
                value: short(&self.texts[i]),
                reason,
                used: spec.default.to_string(),
            });
            self.texts[i] = spec.default.to_string();
        }
    }

    /// Makes `low <= high` for a pair of keys, reporting a swap.
    pub fn order_pair(
        &mut self,
        low: &'static str,
        high: &'static str,
        errors: &mut Vec<InputError>,
    ) {
        let (l, h) = (self.get(low), self.get(high));
        if l > h {
            self.set(high, l);
            errors.push(InputError::Swapped { low, high });
        }
    }

    /// `key=value` pairs of the values that differ from the defaults, for share links.
    pub fn non_default(&self) -> Vec<(&'static str, String)> {
        self.specs
            .iter()
            .zip(&self.values)
            .filter(|(s, v)| **v != s.default)
            .map(|(s, v)| (s.key, s.format(*v)))
            .chain(
                self.text_specs
                    .iter()
                    .zip(&self.texts)
                    .filter(|(s, v)| s.default != v.as_str())
                    .map(|(s, v)| (s.key, encode(v))),
            )
            .collect()
    }
}

/// Percent-encodes what a query value cannot carry as is (`&`, `#`, `%`, `+`, spaces, ...).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~:,;/=*@!".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn short(s: &str) -> String {
    s.chars().take(40).collect()
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
    /// A scenario preset's id (`leader-crash`); see [`crate::scenario`].
    pub scenario: Option<&'static str>,
}

pub const DEFAULT_LAB: &str = "raft";
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

        let lab = match get("lab") {
            None => DEFAULT_LAB,
            Some(v) => match labs::find(v.trim()) {
                Some(info) if info.implemented => info.id,
                Some(info) => {
                    errors.push(InputError::LabNotReady {
                        lab: info.id.to_string(),
                        used: DEFAULT_LAB,
                    });
                    DEFAULT_LAB
                }
                None => {
                    errors.push(InputError::UnknownLab {
                        value: short(v),
                        used: DEFAULT_LAB,
                    });
                    DEFAULT_LAB
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
        let shared_run = get("actions").is_some_and(|a| !a.trim().is_empty());
        match version.or(shared_run.then_some(1)) {
            Some(link) if link != crate::ENGINE_VERSION => errors.push(InputError::OtherEngine {
                link,
                current: crate::ENGINE_VERSION,
            }),
            _ => {}
        }

        let actions = match get("actions").map(LoggedAction::decode_log) {
            None => Vec::new(),
            Some(Ok(a)) => a,
            Some(Err(error)) => {
                errors.push(InputError::BadActions { error });
                Vec::new()
            }
        };

        let cfg = RunConfig {
            lab,
            seed,
            params,
            speed,
            lang,
            embed: flag("embed"),
            debug: flag("debug"),
            actions,
            scenario: scenario.map(|s| s.id),
        };
        (cfg, errors)
    }

    /// The query string of a share link that replays this run with `actions`.
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
        // Six bad values, and a note that a link with actions but no `v` is from engine 1.
        assert_eq!(e.len(), 7, "{e:?}");
        assert_eq!(e.iter().filter(|e| e.is_warning()).count(), 1);
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
