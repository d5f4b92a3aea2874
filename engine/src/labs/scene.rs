//! The scene of a model lab: what a lab without a network (a scheduler, a cell of machines)
//! shows at the current virtual time, drawn by the app's one generic model view
//! ([`super::ModelView::Scene`]) and printed by `distlab calc <lab>`.
//!
//! A model on the time-only session ([`crate::sim::TimeModel`]) returns a [`Scene`] from
//! `TimeModel::scene`: packed bars (machines with their tasks, one column per resource), its
//! declared time series ([`super::SeriesSpec`] in the registry row's `series`), counters
//! ([`Stat`], translated as `stat.<key>`), panels (a pending queue, a table of frameworks) and
//! a headline. What a user can do is declared once in the registry row as [`Control`]s: the
//! app draws a button (with a field per argument) for each, and a press is the action
//! `verb:name=value,…` at the current time, logged, scrubbed and shared like any other.
//! With that a model lab is its module, one registry row and its translations; nothing in the
//! app is written for it.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::view::{downsample, Headline, Panel, Series, Stat, SERIES_POINTS};
use super::{LabDef, LabKind, ModelView};
use crate::sim::ActionError;
use crate::{Time, MS};

/// At most this many bars of a panel reach the app (a cell of 10,000 machines shows its
/// first ones and says how many more there are).
pub const SCENE_BARS: usize = 64;

/// What a model lab shows now.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Scene {
    pub headline: Option<Headline>,
    pub bars: Vec<BarPanel>,
    /// The curves of the lab's declared series, as of now (see [`Series`]).
    pub series: Vec<Series>,
    pub stats: Vec<Stat>,
    pub panels: Vec<Panel>,
}

/// A row of packed bars: each bar (a machine) has one column per resource (`dims`, the
/// translation keys of their names: CPU, memory), filled bottom up by coloured segments.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BarPanel {
    /// Translation key of the panel's title (`borg.bars.best`).
    pub title: &'static str,
    pub dims: Vec<&'static str>,
    /// What the segment colours mean: (translation key, colour index), drawn as a legend.
    pub legend: Vec<(&'static str, u8)>,
    pub bars: Vec<Bar>,
    /// Bars not shown (beyond [`SCENE_BARS`]).
    pub hidden: usize,
}

/// One bar: a label and, per resource, the segments as fractions of the bar's capacity.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Bar {
    pub label: String,
    /// Per dimension: (fraction of capacity in 0..=1, colour index), bottom first. Fractions
    /// summing above 1 are drawn past the top (an over-committed machine).
    pub fill: Vec<Vec<(f64, u8)>>,
    /// A failed or drained machine (drawn crossed out).
    pub down: bool,
}

/// A user action of a model lab, declared once: its share-link verb, its button's label (a
/// translation key) and its arguments. A press is the action `verb` or
/// `verb:name=value,name=value`; the model's `decode` reads it with [`parse_action`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Control {
    pub verb: &'static str,
    pub label: &'static str,
    pub args: &'static [ControlArg],
}

/// One argument of a [`Control`]: a number field or a choice.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ControlArg {
    pub name: &'static str,
    /// Translation key of the field's label.
    pub label: &'static str,
    pub kind: ArgKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ArgKind {
    /// A number in `min..=max` (whole if `integer`), starting at `default`.
    Number {
        min: f64,
        max: f64,
        default: f64,
        integer: bool,
    },
    /// One of `options` (value, translation key of its name); the first is the default.
    Choice {
        options: &'static [(&'static str, &'static str)],
    },
}

impl ControlArg {
    pub const fn number(
        name: &'static str,
        label: &'static str,
        range: (f64, f64),
        default: f64,
    ) -> Self {
        ControlArg {
            name,
            label,
            kind: ArgKind::Number {
                min: range.0,
                max: range.1,
                default,
                integer: true,
            },
        }
    }

    pub const fn choice(
        name: &'static str,
        label: &'static str,
        options: &'static [(&'static str, &'static str)],
    ) -> Self {
        ControlArg {
            name,
            label,
            kind: ArgKind::Choice { options },
        }
    }

    /// The field's starting value.
    pub fn default_text(&self) -> String {
        match self.kind {
            ArgKind::Number { default, .. } => fmt_value(default),
            ArgKind::Choice { options } => options.first().map_or("", |o| o.0).to_string(),
        }
    }

    /// Checks a field's text; the error is a reason to show at the field.
    pub fn check(&self, text: &str) -> Result<String, String> {
        let text = text.trim();
        match self.kind {
            ArgKind::Number {
                min, max, integer, ..
            } => match text.parse::<f64>() {
                Ok(v)
                    if v.is_finite() && v >= min && v <= max && (!integer || v.fract() == 0.0) =>
                {
                    Ok(fmt_value(v))
                }
                _ => Err(format!(
                    "{} {}…{}",
                    if integer {
                        "a whole number in"
                    } else {
                        "a number in"
                    },
                    fmt_value(min),
                    fmt_value(max)
                )),
            },
            ArgKind::Choice { options } => options
                .iter()
                .find(|o| o.0 == text)
                .map(|o| o.0.to_string())
                .ok_or_else(|| {
                    let names: Vec<&str> = options.iter().map(|o| o.0).collect();
                    format!("one of {}", names.join(", "))
                }),
        }
    }
}

impl Control {
    /// The action for these argument values (already checked, in the order of `args`).
    pub fn encode(&self, values: &[String]) -> String {
        if self.args.is_empty() {
            return self.verb.to_string();
        }
        let parts: Vec<String> = self
            .args
            .iter()
            .zip(values)
            .map(|(a, v)| format!("{}={v}", a.name))
            .collect();
        format!("{}:{}", self.verb, parts.join(","))
    }

    /// The action with every argument at its default (the contract tests' examples).
    pub fn example(&self) -> String {
        let values: Vec<String> = self.args.iter().map(ControlArg::default_text).collect();
        self.encode(&values)
    }
}

/// A model action's parts: its verb and its `name=value` arguments, each checked against the
/// control that declares the verb (unknown verbs, unknown or missing names and values out of
/// range are refused with the reason). Arguments may come in any order; the result has them
/// in the declared order.
pub fn parse_action<'a>(
    s: &str,
    controls: &'a [Control],
) -> Result<(&'a Control, Vec<String>), ActionError> {
    let (verb, rest) = s.split_once(':').unwrap_or((s, ""));
    let control = controls
        .iter()
        .find(|c| c.verb == verb)
        .ok_or_else(|| ActionError::Malformed(s.chars().take(40).collect()))?;
    let bad = |reason: String| ActionError::BadArgument {
        command: verb.to_string(),
        reason,
    };
    let pairs: Vec<(&str, &str)> = rest
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split_once('=')
                .ok_or_else(|| bad(format!("`{p}` is not name=value")))
        })
        .collect::<Result<_, _>>()?;
    if let Some((n, _)) = pairs
        .iter()
        .find(|(n, _)| !control.args.iter().any(|a| a.name == *n))
    {
        return Err(bad(format!("no argument `{n}`")));
    }
    let values = control
        .args
        .iter()
        .map(|a| {
            let (_, v) = pairs
                .iter()
                .find(|(n, _)| *n == a.name)
                .ok_or_else(|| bad(format!("`{}` is missing", a.name)))?;
            a.check(v).map_err(|r| bad(format!("{}: {r}", a.name)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((control, values))
}

/// A number as a field and a share link write it (`5`, `0.25`).
fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A parsed number argument (after [`parse_action`] checked it).
pub fn arg_u64(values: &[String], i: usize) -> u64 {
    values
        .get(i)
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(0, |v| v as u64)
}

impl Scene {
    /// The counters as one JSON object (`distlab calc`, `distlab batch`).
    pub fn stats_json(&self) -> Value {
        let mut m = Map::new();
        for s in &self.stats {
            m.insert(s.key.to_string(), json!(s.value));
        }
        Value::Object(m)
    }

    /// The curves as `{key: [[t_ms, value], …]}` (a named curve as `key.name`).
    pub fn series_json(&self) -> Value {
        let mut m = Map::new();
        for c in &self.series {
            let key = if c.name.is_empty() {
                c.key.to_string()
            } else {
                format!("{}.{}", c.key, c.name)
            };
            let pts: Vec<Value> = c
                .points
                .iter()
                .map(|&(t, v)| json!([t as f64 / MS as f64, v]))
                .collect();
            m.insert(key, Value::Array(pts));
        }
        Value::Object(m)
    }
}

/// A curve from a model's own record of `(time, value)` samples, downsampled for drawing.
pub fn curve(spec: &super::SeriesSpec, name: &str, points: &[(Time, f64)]) -> Series {
    let mut pts = points.to_vec();
    downsample(&mut pts, SERIES_POINTS);
    Series::of(spec, name, pts)
}

/// Whether a lab is drawn by the generic scene view (and computed by `calc <lab>`).
pub fn is_scene_lab(def: &LabDef) -> bool {
    matches!(
        def.kind,
        LabKind::Model {
            view: ModelView::Scene,
            ..
        }
    ) && def.timed.is_some()
}

/// The `calc` command line of a scene lab for a parameter set: `<lab> --key value … --seed 1`
/// (every parameter, so a batch point is complete).
pub fn calc_line(lab: &str, p: &crate::input::Params) -> String {
    let mut line = lab.to_string();
    for (i, s) in p.specs.iter().enumerate() {
        line.push_str(&format!(" --{} {}", s.key, s.format(p.values[i])));
    }
    for (i, s) in p.text_specs.iter().enumerate() {
        line.push_str(&format!(" --{} {}", s.key, p.texts[i]));
    }
    line + " --seed 1"
}

/// `distlab calc <lab> [--<param> V …] [--seed S] [--until T] [--scenario ID] [--series]`:
/// runs a scene lab's model from its parameters (and a preset) to a time and prints its
/// counters (and curves).
pub fn calc(def: &LabDef, args: &[String]) -> Result<Value, String> {
    let timed = def
        .timed
        .ok_or_else(|| format!("`{}` is not a timed model", def.id))?;
    let mut params = def.defaults();
    let (mut seed, mut until, mut scenario, mut series) = (1u64, 60 * 1000 * MS, None, false);
    let mut errors = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let Some(name) = a.strip_prefix("--") else {
            return Err(format!("unexpected argument `{a}`"));
        };
        if name == "series" {
            series = true;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("`--{name}` needs a value"))?;
        match name {
            "seed" => {
                seed = value
                    .parse()
                    .map_err(|_| format!("`--seed {value}` is not a number"))?
            }
            "until" => {
                until = crate::parse_duration(value)
                    .filter(|t| *t > 0 && *t <= 24 * 3600 * 1000 * MS)
                    .ok_or_else(|| {
                        format!("`--until {value}` is not a time like 10s (at most a day)")
                    })?
            }
            "scenario" => {
                scenario = Some(
                    def.scenario(value)
                        .ok_or_else(|| format!("`{}` has no preset `{value}`", def.id))?,
                )
            }
            key if params.specs.iter().any(|s| s.key == key)
                || params.text_specs.iter().any(|s| s.key == key) =>
            {
                if !params.parse_one(key, value, &mut errors) {
                    let e = errors.pop().map_or_else(String::new, |e| e.to_string());
                    return Err(format!("`--{key} {value}`: {e}"));
                }
            }
            other => return Err(format!("`{}` has no parameter `{other}`", def.id)),
        }
    }
    if let Some(info) = scenario {
        for &(k, v) in info.params {
            params.set_value(k, v);
        }
    }
    (def.check)(&mut params, &mut errors);
    if let Some(e) = errors.first() {
        return Err(e.to_string());
    }
    let mut run = (timed.create)(&params, seed)?;
    if let Some(info) = scenario {
        run.plan(info).map_err(|e| e.to_string())?;
    }
    run.run_until(until);
    let scene = run.scene();
    let mut out = json!({
        "lab": def.id,
        "seed": seed,
        "until_ms": until as f64 / MS as f64,
        "stats": scene.stats_json(),
    });
    if series {
        out["series"] = scene.series_json();
    }
    Ok(out)
}

/// The help lines of `calc <lab>` for every scene lab in the registry.
pub fn calc_help(labs: &[LabDef]) -> String {
    let mut h = String::new();
    for d in labs.iter().filter(|d| is_scene_lab(d)) {
        let keys: Vec<String> = d
            .params
            .iter()
            .map(|s| format!("--{} {}", s.key, s.format(s.default)))
            .chain(
                d.text_params
                    .iter()
                    .map(|s| format!("--{} {}", s.key, s.default)),
            )
            .collect();
        h.push_str(&format!(
            "  distlab calc {} [--seed S] [--until 60s] [--scenario ID] [--series]\n      {}\n",
            d.id,
            keys.join(" ")
        ));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTROLS: &[Control] = &[
        Control {
            verb: "burst",
            label: "x.burst",
            args: &[
                ControlArg::number("tasks", "x.tasks", (1.0, 100.0), 10.0),
                ControlArg::choice("fit", "x.fit", &[("best", "x.best"), ("worst", "x.worst")]),
            ],
        },
        Control {
            verb: "reset",
            label: "x.reset",
            args: &[],
        },
    ];

    #[test]
    fn actions_round_trip_and_bad_ones_say_why() {
        let c = &CONTROLS[0];
        assert_eq!(c.example(), "burst:tasks=10,fit=best");
        let (got, v) = parse_action("burst:fit=worst,tasks=7", CONTROLS).unwrap();
        assert_eq!(
            (got.verb, v.clone()),
            ("burst", vec!["7".into(), "worst".into()])
        );
        assert_eq!(got.encode(&v), "burst:tasks=7,fit=worst");
        assert_eq!(parse_action("reset", CONTROLS).unwrap().0.verb, "reset");
        for bad in [
            "burst:tasks=0,fit=best",
            "burst:tasks=2.5,fit=best",
            "burst:tasks=5",
            "burst:tasks=5,fit=odd",
            "burst:tasks=5,fit=best,x=1",
            "burst:tasks",
            "nope",
            "reset:x=1",
        ] {
            assert!(parse_action(bad, CONTROLS).is_err(), "{bad}");
        }
    }
}
