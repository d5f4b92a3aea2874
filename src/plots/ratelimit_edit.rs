//! The `ratelimit` lab's spec editors: a kind menu and one committed field per parameter for
//! limiter A, limiter B and the traffic, each rewriting its spec string (`token:rate=10,…`)
//! when a value is committed. The lab turns a new spec into an action at the current time.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::field::{self, Bad, CommittedField, FieldErrors};
use crate::i18n::tr;
use distlab_engine::input::Lang;
use distlab_engine::labs::availability::ratelimit::parse_duration;

/// Limiter kinds with their parameters and the defaults used when switching to a kind.
pub const LIMITER_KINDS: [(&str, &[(&str, &str)]); 8] = [
    ("leaky", &[("capacity", "10"), ("rate", "10")]),
    ("token", &[("rate", "10"), ("burst", "5"), ("wait", "0ms")]),
    ("fixed", &[("limit", "10"), ("window", "1s")]),
    ("sliding", &[("limit", "10"), ("window", "1s")]),
    ("threads", &[("max", "5")]),
    ("qps", &[("count", "10")]),
    (
        "warmup",
        &[("count", "10"), ("cold", "3"), ("period", "10s")],
    ),
    ("uniform", &[("interval", "100ms"), ("wait", "600ms")]),
];

pub const TRAFFIC_KINDS: [(&str, &[(&str, &str)]); 5] = [
    ("steady", &[("rate", "10")]),
    ("bursts", &[("base", "5"), ("size", "30"), ("every", "2s")]),
    ("ramp", &[("from", "0"), ("to", "40"), ("over", "30s")]),
    ("onoff", &[("rate", "30"), ("on", "1s"), ("off", "2s")]),
    ("jitter", &[("rate", "10")]),
];

/// `kind:k=v,…` → kind and pairs (the spec was validated when it was set).
pub fn split(spec: &str) -> (String, Vec<(String, String)>) {
    let (kind, rest) = spec.trim().split_once(':').unwrap_or((spec.trim(), ""));
    let pairs = rest
        .split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (kind.trim().to_string(), pairs)
}

/// The parameter values shown for `spec`: its own, or the kind's defaults where it has none.
fn fields(spec: &str, kinds: &[(&str, &[(&str, &str)])]) -> (String, Vec<(String, String)>) {
    let (kind, pairs) = split(spec);
    let Some((_, keys)) = kinds.iter().find(|(k, _)| *k == kind) else {
        return (kind, pairs);
    };
    let mut out: Vec<(String, String)> = keys
        .iter()
        .map(|(k, d)| {
            let v = pairs.iter().rev().find(|(pk, _)| pk == k);
            (k.to_string(), v.map_or(d.to_string(), |p| p.1.clone()))
        })
        .collect();
    // Keys outside the table (uniform's `rate=` form) are kept as given.
    for (k, v) in pairs {
        if !out.iter().any(|(ok, _)| *ok == k) {
            out.push((k, v));
        }
    }
    if kind == "uniform" && out.iter().any(|(k, _)| k == "rate") {
        out.retain(|(k, _)| k != "interval");
    }
    (kind, out)
}

fn join(kind: &str, pairs: &[(String, String)]) -> String {
    let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{kind}:{}", body.join(","))
}

fn defaults_of(kind: &str, kinds: &[(&str, &[(&str, &str)])]) -> String {
    let pairs: Vec<(String, String)> = kinds
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, ps)| {
            ps.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default();
    join(kind, &pairs)
}

/// Parameters given as durations (`500ms`, `2s`); the others are numbers.
const DURATIONS: [&str; 8] = [
    "window", "wait", "period", "interval", "every", "over", "on", "off",
];

/// A parameter's new value, checked before the spec is rebuilt.
fn check_value(k: &str, v: &str) -> Result<(), Bad> {
    if DURATIONS.contains(&k) {
        return parse_duration(v)
            .map(|_| ())
            .ok_or_else(|| Bad::Duration(v.to_string()));
    }
    field::number(v, 0.0, 1e12, false).map(|_| ())
}

/// Kinds of a spec with their parameters and defaults ([`LIMITER_KINDS`], [`TRAFFIC_KINDS`]).
pub type Kinds = &'static [(&'static str, &'static [(&'static str, &'static str)])];

/// A spec edit: the spec key, the new spec (or why the value is refused), and the field.
pub type SpecEdit = (&'static str, Result<String, Bad>, String);

/// A kind menu and one input per parameter, rewriting the spec string when one is committed.
pub fn spec_editor(
    l: Lang,
    key: &'static str,
    spec: &str,
    (kinds, kind_prefix): (Kinds, &'static str),
    optional: bool,
    errors: &FieldErrors,
    on_set: Callback<SpecEdit>,
) -> Html {
    let none = optional && (spec.trim().is_empty() || spec.trim() == "none");
    let (kind, pairs) = if none {
        ("none".to_string(), Vec::new())
    } else {
        fields(spec, kinds)
    };
    let on_kind = {
        let on_set = on_set.clone();
        Callback::from(move |e: Event| {
            let k = e.target_unchecked_into::<HtmlSelectElement>().value();
            let v = if k == "none" {
                k
            } else {
                defaults_of(&k, kinds)
            };
            on_set.emit((key, Ok(v), format!("rl-{key}-kind")));
        })
    };
    let inputs = pairs.iter().enumerate().map(|(i, (k, v))| {
        let (on_set, kind, pairs) = (on_set.clone(), kind.clone(), pairs.clone());
        let testid = format!("rl-{key}-{k}");
        let on_commit = {
            let (testid, k) = (testid.clone(), k.clone());
            Callback::from(move |text: String| {
                let mut p = pairs.clone();
                p[i].1 = text.trim().to_string();
                let spec = check_value(&k, &p[i].1).map(|_| join(&kind, &p));
                on_set.emit((key, spec, testid.clone()));
            })
        };
        html! {
            <CommittedField key={testid.clone()} testid={testid.clone()} class={classes!("short")}
                label={Some(AttrValue::from(tr(l, &format!("rl.p.{k}")).to_string()))}
                value={v.clone()} {on_commit} error={errors.get(&testid, l)} lang={l} />
        }
    });
    html! {
        <div class="plot-controls rl-spec">
            <label class="rl-what">{ tr(l, &format!("rl.{key}")) }
                <select onchange={on_kind} data-testid={format!("rl-{key}-kind")}>
                    if optional {
                        <option value="none" selected={none}>{ tr(l, "rl.kind.none") }</option>
                    }
                    { for kinds.iter().map(|(k, _)| html! {
                        <option value={*k} selected={*k == kind}>{ tr(l, &format!("{kind_prefix}{k}")) }</option>
                    }) }
                </select>
            </label>
            { for inputs }
            if !none {
                <code class="rl-code" data-testid={format!("rl-{key}-spec")}>{ spec.to_string() }</code>
            }
        </div>
    }
}
