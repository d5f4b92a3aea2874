//! The plotted labs' text fields, and how a bad value is explained next to its field.
//!
//! A [`CommittedField`] keeps what the user types as its own draft: the lab's animation
//! re-renders the page many times a second, and a field whose `value` came from the lab's
//! state would be reset to it each time, garbling the typing. The draft is shown until the
//! user commits it (Enter, or leaving the field; the field says so while an edit is pending),
//! and then the lab applies it — or refuses it, and the field keeps the text with the reason
//! under it ([`Bad`], translated). Escape drops the draft.

use distlab_engine::input::{Lang, Params};
use distlab_engine::labs::scheduling::fair::{user_name, FairError};
use web_sys::{HtmlInputElement, KeyboardEvent};
use yew::prelude::*;

use super::chart::fmt_num;
use crate::i18n::{tr, trf};

#[derive(Properties, PartialEq, Clone)]
pub struct FieldProps {
    /// The input's `data-testid`; its hint and error get `{testid}-hint` / `{testid}-error`.
    pub testid: AttrValue,
    /// The visible label (none: `aria_label` names the input).
    #[prop_or_default]
    pub label: Option<AttrValue>,
    #[prop_or_default]
    pub aria_label: Option<AttrValue>,
    /// The value in force (what the lab uses).
    pub value: AttrValue,
    /// Called with the text when the user commits it.
    pub on_commit: Callback<String>,
    /// Why the last committed text was refused (translated), if it was.
    #[prop_or_default]
    pub error: Option<String>,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub placeholder: Option<AttrValue>,
    #[prop_or_default]
    pub disabled: bool,
    /// Why the field is disabled, or any other tooltip.
    #[prop_or_default]
    pub title: Option<AttrValue>,
    /// `decimal` for numbers (a text input, so a bad value stays visible to be explained).
    #[prop_or_default]
    pub inputmode: Option<AttrValue>,
    pub lang: Lang,
}

/// The field's own memory across renders.
#[derive(Default)]
struct Draft {
    /// What the user typed since the value in force last changed (`None`: show the value).
    text: Option<String>,
    /// Typed since the last commit.
    edited: bool,
    /// The text last committed.
    committed: Option<String>,
    /// The value in force at the last render.
    value: String,
}

#[function_component(CommittedField)]
pub fn committed_field(p: &FieldProps) -> Html {
    let draft = use_mut_ref(Draft::default);
    let force = use_force_update();
    {
        let mut d = draft.borrow_mut();
        if d.value != p.value.as_str() {
            // The value in force changed (applied, or set by something else): show it.
            d.value = p.value.to_string();
            d.text = None;
            d.edited = false;
        }
    }
    let commit = {
        let (draft, on_commit, force) = (draft.clone(), p.on_commit.clone(), force.clone());
        move |text: String, explicit: bool| {
            let mut d = draft.borrow_mut();
            // A `change` right after Enter (or one without an edit that repeats the last
            // commit) is the same commit.
            if !explicit && !d.edited && d.committed.as_deref() == Some(text.as_str()) {
                return;
            }
            d.edited = false;
            d.committed = Some(text.clone());
            d.text = Some(text.clone());
            drop(d);
            on_commit.emit(text);
            force.force_update();
        }
    };
    let oninput = {
        let (draft, force) = (draft.clone(), force.clone());
        Callback::from(move |e: InputEvent| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            let mut d = draft.borrow_mut();
            d.text = Some(v);
            d.edited = true;
            drop(d);
            force.force_update();
        })
    };
    let onkeydown = {
        let (draft, force, commit) = (draft.clone(), force.clone(), commit.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => {
                e.prevent_default();
                commit(e.target_unchecked_into::<HtmlInputElement>().value(), true);
            }
            "Escape" => {
                let input = e.target_unchecked_into::<HtmlInputElement>();
                let mut d = draft.borrow_mut();
                d.text = None;
                d.edited = false;
                input.set_value(&d.value);
                drop(d);
                force.force_update();
            }
            _ => {}
        })
    };
    let onchange = Callback::from(move |e: Event| {
        commit(e.target_unchecked_into::<HtmlInputElement>().value(), false);
    });
    let d = draft.borrow();
    let shown = d.text.clone().unwrap_or_else(|| d.value.clone());
    let pending = d.edited && d.text.as_deref() != Some(d.value.as_str());
    drop(d);
    let l = p.lang;
    let msg_id = format!("{}-msg", p.testid);
    let described = (pending || p.error.is_some()).then(|| msg_id.clone());
    let title = p
        .title
        .clone()
        .unwrap_or_else(|| AttrValue::from(tr(l, "field.apply_title").to_string()));
    let input = html! {
        <input type="text" class={p.class.clone()} value={shown} placeholder={p.placeholder.clone()}
            disabled={p.disabled} title={title} inputmode={p.inputmode.clone()}
            aria-label={p.aria_label.clone()} aria-invalid={p.error.is_some().then_some("true")}
            aria-describedby={described} {oninput} {onkeydown} {onchange}
            data-testid={p.testid.clone()} data-pending={pending.then_some("1")} />
    };
    html! {
        <span class={classes!("field", p.error.is_some().then_some("field-bad"))}>
            if let Some(label) = &p.label {
                <label>{ label.clone() }{ input }</label>
            } else {
                { input }
            }
            if pending {
                <span class="field-hint" id={msg_id.clone()} data-testid={format!("{}-hint", p.testid)}>{ tr(l, "field.hint") }</span>
            } else if let Some(e) = &p.error {
                <span class="field-error" id={msg_id} role="alert" data-testid={format!("{}-error", p.testid)}>{ e.clone() }</span>
            }
        </span>
    }
}

/// What the user should know about a refused value.
#[derive(Clone, Debug, PartialEq)]
pub enum Bad {
    /// Not a number at all.
    NotNumber(String),
    /// A number outside min..=max.
    Range { value: String, min: f64, max: f64 },
    /// Not a whole number in min..=max.
    Whole { value: String, min: f64, max: f64 },
    /// A list item that is not a number ≥ 0.
    ListItem(String),
    /// A weight that is not above 0.
    Positive(String),
    /// An empty list.
    Empty,
    /// More than this many values.
    TooMany(usize),
    /// `want` values needed, one per `per` (`user`, `resource`, `node`), `got` given.
    Count {
        got: usize,
        want: usize,
        per: &'static str,
    },
    /// Not a duration (`500ms`, `2s`).
    Duration(String),
    /// The allocation model refused the values.
    Fair(FairError),
    /// Refused for a reason the engine gave (in English).
    Other(String),
}

impl Bad {
    /// The explanation in `l`.
    pub fn message(&self, l: Lang) -> String {
        match self {
            Bad::NotNumber(v) => trf(l, "field.not_number", &[v]),
            Bad::Range { value, min, max } => {
                trf(l, "field.range", &[value, &fmt_num(*min), &fmt_num(*max)])
            }
            Bad::Whole { value, min, max } => {
                trf(l, "field.whole", &[value, &fmt_num(*min), &fmt_num(*max)])
            }
            Bad::ListItem(v) => trf(l, "field.list_item", &[v]),
            Bad::Positive(v) => trf(l, "field.positive", &[v]),
            Bad::Empty => tr(l, "field.empty").to_string(),
            Bad::TooMany(n) => trf(l, "field.too_many", &[&n.to_string()]),
            Bad::Count { got, want, per } => count(l, *got, *want, per),
            Bad::Duration(v) => trf(l, "field.duration", &[v]),
            Bad::Fair(e) => fair_error(l, e),
            Bad::Other(reason) => trf(l, "pl.refused", &[reason]),
        }
    }
}

/// "Give 2 values, one per resource (1 given)", with the right plural.
fn count(l: Lang, got: usize, want: usize, per: &str) -> String {
    let key = if want == 1 {
        "field.count_one"
    } else {
        "field.count_many"
    };
    let per = tr(l, &format!("field.per.{per}")).to_string();
    trf(l, key, &[&want.to_string(), &per, &got.to_string()])
}

/// A translated allocation error.
pub fn fair_error(l: Lang, e: &FairError) -> String {
    let num = |v: f64| fmt_num(v);
    match e {
        FairError::NoUsers => tr(l, "fair.err.no_users").to_string(),
        FairError::TooManyUsers(n) | FairError::TooManyResources(n) => {
            trf(l, "field.too_many_given", &[&n.to_string()])
        }
        FairError::NoResources => tr(l, "fair.err.no_resources").to_string(),
        FairError::BadCapacity(c) => trf(l, "fair.err.capacity", &[&num(*c)]),
        FairError::BadDemand { user, value } => {
            trf(l, "fair.err.demand", &[&user_name(*user), &num(*value)])
        }
        FairError::BadWeight { user, value } => {
            trf(l, "fair.err.weight", &[&user_name(*user), &num(*value)])
        }
        FairError::WrongLength { what, got, want } if what.contains("weight") => {
            count(l, *got, *want, "user")
        }
        FairError::WrongLength { got, want, .. } => {
            let key = if *want == 1 {
                "fair.err.amounts_one"
            } else {
                "fair.err.amounts_many"
            };
            trf(l, key, &[&want.to_string(), &got.to_string()])
        }
        FairError::EmptyTask { user } => trf(l, "fair.err.empty_task", &[&user_name(*user)]),
        FairError::NoSuchUser(id) => trf(l, "fair.err.no_user", &[&id.to_string()]),
    }
}

/// A number in min..=max (whole when `whole`).
pub fn number(text: &str, min: f64, max: f64, whole: bool) -> Result<f64, Bad> {
    let t = text.trim();
    let v: f64 = match t.parse::<f64>() {
        Ok(v) if v.is_finite() => v,
        _ => return Err(Bad::NotNumber(short(t))),
    };
    let value = short(t);
    if whole && v.fract() != 0.0 {
        return Err(Bad::Whole { value, min, max });
    }
    if v < min || v > max {
        return Err(if whole {
            Bad::Whole { value, min, max }
        } else {
            Bad::Range { value, min, max }
        });
    }
    Ok(v)
}

/// A value for the numeric parameter `key` of `params`, within its range.
pub fn param(params: &Params, key: &str, text: &str) -> Result<f64, Bad> {
    match params.specs.iter().find(|s| s.key == key) {
        Some(s) => number(text, s.min, s.max, s.integer),
        None => Err(Bad::Other(format!("no parameter `{key}`"))),
    }
}

/// A `,`-separated list of numbers ≥ 0 (empty allowed when `optional`), at most `max`.
pub fn numbers(text: &str, optional: bool, max: usize) -> Result<Vec<f64>, Bad> {
    let t = text.trim();
    if t.is_empty() {
        return if optional {
            Ok(Vec::new())
        } else {
            Err(Bad::Empty)
        };
    }
    let out = t
        .split(',')
        .map(|x| match x.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && (0.0..=1e12).contains(&n) => Ok(n),
            _ => Err(Bad::ListItem(short(x.trim()))),
        })
        .collect::<Result<Vec<f64>, Bad>>()?;
    if out.len() > max {
        return Err(Bad::TooMany(max));
    }
    Ok(out)
}

/// Weights: empty, or `want` numbers above 0.
pub fn weights(text: &str, want: usize, max: usize) -> Result<Vec<f64>, Bad> {
    let w = numbers(text, true, max)?;
    if let Some(x) = w.iter().find(|x| **x <= 0.0) {
        return Err(Bad::Positive(fmt_num(*x)));
    }
    if !w.is_empty() && w.len() != want {
        return Err(Bad::Count {
            got: w.len(),
            want,
            per: "user",
        });
    }
    Ok(w)
}

/// At most 24 characters of a user's text, for a message.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(24).collect();
    if s.chars().count() > 24 {
        out.push('…');
    }
    out
}

/// Errors of a lab's fields, by field id.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldErrors(Vec<(String, Bad)>);

impl FieldErrors {
    pub fn set(&mut self, field: &str, bad: Bad) {
        self.clear(field);
        self.0.push((field.to_string(), bad));
    }

    pub fn clear(&mut self, field: &str) {
        self.0.retain(|(f, _)| f != field);
    }

    /// Clears the errors of every field whose id starts with `prefix`.
    pub fn clear_prefix(&mut self, prefix: &str) {
        self.0.retain(|(f, _)| !f.starts_with(prefix));
    }

    pub fn clear_all(&mut self) {
        self.0.clear();
    }

    /// Sets or clears the error of `field` from a result.
    pub fn record<T>(&mut self, field: &str, r: &Result<T, Bad>) {
        match r {
            Ok(_) => self.clear(field),
            Err(b) => self.set(field, b.clone()),
        }
    }

    /// The translated error of `field`, if any.
    pub fn get(&self, field: &str, l: Lang) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, b)| b.message(l))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_are_explained_in_both_languages_with_plurals() {
        assert_eq!(
            numbers("10,x,-5", false, 20),
            Err(Bad::ListItem("x".into()))
        );
        assert_eq!(numbers("", false, 20), Err(Bad::Empty));
        assert_eq!(numbers(" ", true, 20), Ok(vec![]));
        assert!(matches!(
            number("-5", 0.0, 1e9, false),
            Err(Bad::Range { .. })
        ));
        assert!(matches!(
            number("2.5", 1.0, 64.0, true),
            Err(Bad::Whole { .. })
        ));
        assert_eq!(number(" 7 ", 1.0, 64.0, true), Ok(7.0));
        let one = Bad::Count {
            got: 2,
            want: 1,
            per: "resource",
        };
        assert_eq!(
            one.message(Lang::En),
            "Give 1 value, one per resource (2 given)"
        );
        let two = Bad::Fair(FairError::WrongLength {
            what: "demand amounts",
            got: 1,
            want: 2,
        });
        assert_eq!(
            two.message(Lang::En),
            "Every task needs 2 amounts, one per resource (1 given)"
        );
        for b in [
            Bad::NotNumber("x".into()),
            Bad::ListItem("x".into()),
            Bad::Range {
                value: "-5".into(),
                min: 0.0,
                max: 1.0,
            },
            one,
            two,
        ] {
            let (en, zh) = (b.message(Lang::En), b.message(Lang::Zh));
            assert_ne!(en, zh);
            assert!(
                !en.contains("field.") && !zh.contains("field."),
                "{en} {zh}"
            );
        }
        assert_eq!(weights("1,0", 2, 20), Err(Bad::Positive("0".into())));
        assert!(matches!(weights("1,2,3", 2, 20), Err(Bad::Count { .. })));
    }
}
