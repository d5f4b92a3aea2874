//! Lab parameters as typed values: numeric ones with ranges ([`ParamSpec`]), string-valued
//! ones with a check ([`TextSpec`]), a lab's values ([`Params`]), and the problems bad input
//! gives ([`InputError`]). This module knows no lab: each lab declares its specs beside its
//! code, in its registry row ([`crate::labs::LabDef`]).

use std::fmt;

use crate::sim::ActionError;

/// A lab parameter: key (as in URLs), default, range, and whether it is a whole number.
/// A parameter with `names` is a choice: its value is an index into them, written as the
/// name in URLs (`mode=push-pull`) and read from either the name or the index.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamSpec {
    pub key: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    pub integer: bool,
    pub names: &'static [&'static str],
}

impl ParamSpec {
    pub const fn int(key: &'static str, default: f64, min: f64, max: f64) -> ParamSpec {
        ParamSpec {
            key,
            default,
            min,
            max,
            integer: true,
            names: &[],
        }
    }

    /// A choice among `names` (at least one), `default` an index into them.
    pub const fn named(
        key: &'static str,
        default: usize,
        names: &'static [&'static str],
    ) -> ParamSpec {
        ParamSpec {
            key,
            default: default as f64,
            min: 0.0,
            max: names.len().saturating_sub(1) as f64,
            integer: true,
            names,
        }
    }

    /// The name of a choice's value (None for other parameters or an index out of range).
    pub fn name_of(&self, v: f64) -> Option<&'static str> {
        if v < 0.0 {
            return None;
        }
        self.names.get(v.round() as usize).copied()
    }

    pub const fn float(key: &'static str, default: f64, min: f64, max: f64) -> ParamSpec {
        ParamSpec {
            key,
            default,
            min,
            max,
            integer: false,
            names: &[],
        }
    }

    /// A value as it appears in a URL.
    pub fn format(&self, v: f64) -> String {
        if let Some(name) = self.name_of(v) {
            name.to_string()
        } else if self.integer {
            format!("{}", v.round() as i64)
        } else {
            format!("{v}")
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
    /// `?lab=` names a lab that runs, but in another web bundle than the one this page loaded
    /// (the page's loader picks the bundle from `lab=`, so only a stale page sees this).
    LabElsewhere {
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
    /// A share link's action log is readable only up to entry `kept + 1`: the first `kept`
    /// actions replay, the rest is dropped.
    PartialActions {
        kept: usize,
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
            InputError::LabElsewhere { lab, used } => {
                write!(
                    f,
                    "lab `{lab}` is not in this page's bundle; showing `{used}`"
                )
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
            InputError::PartialActions { kept, error } => write!(
                f,
                "the shared action log is damaged after {kept} actions ({error}); \
                 replaying those {kept}"
            ),
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
        if let Some(i) = spec.names.iter().position(|n| *n == value.trim()) {
            self.set(key, i as f64);
            return true;
        }
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
            _ if !spec.names.is_empty() => errors.push(InputError::BadText {
                key: key.to_string(),
                value: short(value),
                reason: format!("one of {}", spec.names.join(", ")),
                used: used(spec.default),
            }),
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
pub(crate) fn encode(s: &str) -> String {
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

pub(crate) fn short(s: &str) -> String {
    s.chars().take(40).collect()
}
