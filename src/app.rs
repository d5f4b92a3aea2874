//! The app shell: lab picker, toolbar, the canvas, node menu and panels; and embed mode.

use std::rc::Rc;

use distlab_engine::input::{
    InputError, Lang, RunConfig, DEFAULT_SEED, DEFAULT_SPEED, SPEED_MAX, SPEED_MIN,
};
use distlab_engine::labs::{Group, Panel, CATALOG};
use distlab_engine::sim::{Action, TraceKind, TraceRecord, When};
use distlab_engine::{Time, MS};
use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use crate::canvas::{timeline_frame, NetCanvas, TimelineCanvas};
use crate::controller::{Controller, Notice, Shared};
use crate::i18n::{self, tr, tr_words};
use crate::render::{msg_color, role_color, Hit};

#[derive(Properties, PartialEq)]
pub struct AppProps {
    /// The page's query string (`?lab=raft&seed=42`).
    pub query: String,
}

/// Parses a query string with the browser's own parser (percent-decoding included).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(query) else {
        return distlab_engine::input::split_query(query);
    };
    let mut out = Vec::new();
    let Some(iter) = js_sys::try_iter(&params).ok().flatten() else {
        return out;
    };
    for entry in iter.flatten() {
        let pair: js_sys::Array = entry.unchecked_into();
        let k = pair.get(0).as_string().unwrap_or_default();
        let v = pair.get(1).as_string().unwrap_or_default();
        out.push((k, v));
    }
    out
}

/// A counter as shown: whole numbers plain, others with two decimals.
fn fmt_stat(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

pub fn fmt_ms(t: Time) -> String {
    format!("{:.1} ms", t as f64 / MS as f64)
}

/// A span of virtual time for people: "12.5 s", "3 min 20 s", "2 h 5 min".
pub fn fmt_span(l: Lang, t: Time) -> String {
    let secs = t as f64 / (1_000 * MS) as f64;
    let whole = secs.floor() as u64;
    let (h, m, sec) = (whole / 3600, whole / 60 % 60, whole % 60);
    if h > 0 {
        i18n::trf(l, "span.h_min", &[&h.to_string(), &m.to_string()])
    } else if m > 0 {
        i18n::trf(l, "span.min_s", &[&m.to_string(), &sec.to_string()])
    } else {
        i18n::trf(l, "span.s", &[&format!("{secs:.1}")])
    }
}

fn fmt_speed(s: f64) -> String {
    if s < 1.0 {
        format!("{s:.1}×")
    } else {
        format!("{s:.0}×")
    }
}

/// The page's run configuration, the network lab's controller (`None` for a plotted lab,
/// which builds its own model from the configuration and needs no simulation), and the input
/// problems found.
fn start_run(query: &str) -> (RunConfig, Option<Shared>, Vec<InputError>) {
    let pairs = query_pairs(query);
    let (mut cfg, mut errors) = RunConfig::parse(&pairs);
    // A free run starts lively (Raft: a trickle of client writes), and says so.
    let demo = cfg.apply_demo(&pairs);
    let net = (!crate::plots::is_plot_lab(cfg.lab)).then(|| {
        let (mut c, err) = Controller::from_config(cfg.clone());
        c.reduced_motion = crate::prefers_reduced_motion();
        c.demo = demo;
        errors.extend(err);
        Rc::new(std::cell::RefCell::new(c))
    });
    crate::testing::register(net.as_ref());
    (cfg, net, errors)
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let init = use_memo(props.query.clone(), |q| start_run(q));
    let (cfg, net, input_errors) = (&init.0, &init.1, &init.2);
    let lang = {
        // A `lang=` parameter wins, then the language chosen earlier in this browser, then
        // the browser's own.
        let initial = cfg
            .lang
            .or_else(crate::stored_lang)
            .unwrap_or_else(i18n::browser_lang);
        use_state(move || initial)
    };
    crate::set_lang(*lang);
    let app_ref = use_node_ref();
    {
        // `<html lang>` follows the interface language (screen readers, fonts, hyphenation).
        let app_ref = app_ref.clone();
        use_effect_with(*lang, move |l| {
            let html = app_ref
                .get()
                .and_then(|n| n.owner_document())
                .and_then(|d| d.document_element());
            if let Some(html) = html {
                let _ = html.set_attribute("lang", crate::html_lang(*l));
            }
        });
    }
    let show_errors = use_state(|| true);
    let share_msg = use_state(|| None::<(String, ShareState)>);
    let force = use_force_update();
    let on_change = {
        let force = force.clone();
        Callback::from(move |_| force.force_update())
    };

    // Keyboard (network labs): Space plays/pauses, → steps, Escape closes the node menu. Not
    // while the focus is on a control that has its own use for the key (a field, slider,
    // menu, button or link), and the listener is active (not passive) so that the key does not
    // also scroll the page.
    {
        let net = net.clone();
        let force = force.clone();
        use_effect_with((), move |_| {
            let doc = web_sys::window().and_then(|w| w.document());
            let listener = net.zip(doc).map(|(ctl, doc)| {
                let opts = gloo::events::EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&doc, "keydown", opts, move |e| {
                    let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if e.ctrl_key() || e.alt_key() || e.meta_key() || e.default_prevented() {
                        return;
                    }
                    let on_control = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| shortcut_blocked(&el));
                    if on_control {
                        return;
                    }
                    match e.key().as_str() {
                        " " | "Spacebar" => {
                            e.prevent_default();
                            ctl.borrow_mut().toggle_play();
                        }
                        "ArrowRight" => {
                            e.prevent_default();
                            ctl.borrow_mut().step();
                        }
                        "Escape" if ctl.borrow().menu.is_some() => {
                            let mut c = ctl.borrow_mut();
                            c.menu = None;
                            c.menu_focus = false;
                            c.version += 1;
                        }
                        _ => return,
                    }
                    force.force_update();
                })
            });
            move || drop(listener)
        });
    }

    let (l, embed, lab) = (*lang, cfg.embed, cfg.lab);
    // The seed the user asked for (a preset's own seed is not theirs to carry elsewhere).
    let user_seed = query_pairs(&props.query)
        .iter()
        .any(|(k, _)| k == "seed")
        .then_some(cfg.seed);
    let errors_html = if *show_errors && !input_errors.is_empty() {
        let dismiss = {
            let show_errors = show_errors.clone();
            Callback::from(move |_| show_errors.set(false))
        };
        html! {
            <div class="input-errors" role="alert" data-testid="input-errors">
                <strong>{ tr(l, "app.input_problems") }</strong>
                <ul>{ for input_errors.iter().map(|e: &InputError| html!{ <li>{ i18n::input_error(l, e) }</li> }) }</ul>
                <button onclick={dismiss}>{ tr(l, "app.dismiss") }</button>
            </div>
        }
    } else {
        html! {}
    };

    let timeline_ref = use_node_ref();
    let logs_ref = use_node_ref();
    let series_ref = use_node_ref();
    let Some(ctl) = net else {
        let plot = html! { <crate::plots::PlotLab cfg={cfg.clone()} lang={l} /> };
        if embed {
            return html! { <div ref={app_ref} class={classes!("app", "embed")} data-testid="app" data-embed="1">{ errors_html }{ plot }</div> };
        }
        let links = carry_query(user_seed, cfg.speed, *lang);
        return html! {
            <div ref={app_ref} class="app" data-testid="app">
                { skip_link(l, "lab-main") }
                { header(l, &lang) }
                { errors_html }
                <div class="body plot-body">
                    { picker(lab, l, &links) }
                    <main class="main" id="lab-main" tabindex="-1">
                        if !crate::plots::has_own_heading(lab) {
                            <div class="lab-head">{ lab_title(lab, l) }{ scenarios(cfg, l, &links) }</div>
                        }
                        { plot }
                    </main>
                </div>
            </div>
        };
    };
    let canvas = html! { <NetCanvas ctl={ctl.clone()} on_change={on_change.clone()} timeline={timeline_ref.clone()} logs={logs_ref.clone()} series={series_ref.clone()}
    label={AttrValue::from(canvas_label(ctl, l))} describedby="net-summary" /> };
    let stage = html! {
        <div class="stage">
            { canvas }
            { node_menu(ctl, l, &on_change) }
            { debug_overlay(ctl, l) }
            { live_summary(ctl, l) }
        </div>
    };

    if embed {
        let has_lane_events = ctl.borrow().session.has_lane_events();
        return html! {
            <div ref={app_ref} class={classes!("app", "embed")} data-testid="app" data-embed="1">
                { errors_html }
                { stage }
                // A lab whose lesson is in its labelled events (the clocks lab) keeps a small
                // space-time diagram and its event picker.
                if has_lane_events {
                    <div class="embed-events">
                        <TimelineCanvas ctl={ctl.clone()} canvas={timeline_ref.clone()} />
                        { crate::lane_events::panel(ctl, l, &on_change, true) }
                    </div>
                }
                <div class="embed-bar">
                    { play_step(ctl, l, &on_change) }
                    // The lab's charts, folded away until asked for (it opens above the bar).
                    { series_panel(ctl, l, &series_ref, true) }
                    // Every canvas action from the keyboard, folded away until asked for.
                    <details class="embed-kbd" data-testid="embed-kbd">
                        <summary>{ tr(l, "kbd.title") }</summary>
                        { keyboard_panel(ctl, l, &on_change) }
                    </details>
                    { status_line(ctl, l) }
                </div>
            </div>
        };
    }

    let links = carry_query(user_seed, ctl.borrow().speed, *lang);
    html! {
        <div ref={app_ref} class="app" data-testid="app">
            { skip_link(l, "lab-controls") }
            { header(l, &lang) }
            { errors_html }
            <div class="body">
                { picker(lab, l, &links) }
                <main class="main">
                    <div class="lab-head">
                        { lab_title(lab, l) }
                        { scenarios(&ctl.borrow().cfg, l, &links) }
                    </div>
                    { toolbar(ctl, l, &on_change, &share_msg) }
                    { notice(ctl, l, &on_change) }
                    { stage }
                    <p class="hint">{ tr(l, "ctl.hint") }</p>
                    { logs_panel(ctl, l, &logs_ref) }
                    { timeline_panel(ctl, l, &on_change, &timeline_ref) }
                </main>
                <aside class="side">
                    { status_panel(ctl, l) }
                    { keyboard_panel(ctl, l, &on_change) }
                    { invariants_panel(ctl, l, &on_change) }
                    { series_panel(ctl, l, &series_ref, false) }
                    { inspector(ctl, l) }
                    { event_log(ctl, l, &on_change) }
                </aside>
            </div>
        </div>
    }
}

fn header(l: Lang, lang: &UseStateHandle<Lang>) -> Html {
    let on_lang = {
        let lang = lang.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            let l = Lang::parse(&v).unwrap_or(Lang::En);
            crate::store_lang(l);
            replace_lang_param(l);
            lang.set(l);
        })
    };
    html! {
        <header class="top">
            <h1>{ tr(l, "app.title") }</h1>
            <span class="tagline">{ tr(l, "app.tagline") }</span>
            <label class="lang">{ tr(l, "app.language") }{" "}
                <select onchange={on_lang} data-testid="lang">
                    <option value="en" selected={l == Lang::En}>{"English"}</option>
                    <option value="zh" selected={l == Lang::Zh}>{"中文"}</option>
                </select>
            </label>
        </header>
    }
}

fn picker(current: &str, l: Lang, carry: &Carry) -> Html {
    let lang_q = &carry.all;
    html! {
        <nav class="picker" data-testid="picker">
            <h3>{ tr(l, "app.labs") }</h3>
            { for Group::ALL.iter().map(|g| html! {
                <div class="group">
                    <h4>{ tr(l, &format!("group.{}", g.id())) }</h4>
                    <ul>
                    { for CATALOG.iter().filter(|x| x.group == *g).map(|x| {
                        let title = tr(l, &format!("lab.{}", x.id)).to_string();
                        if x.implemented {
                            html! { <li class={classes!("ready", (x.id == current).then_some("current"))}>
                                <a href={format!("?lab={}{lang_q}", x.id)}>{ title }</a></li> }
                        } else {
                            html! { <li class="coming" title={x.id}><span class="name">{ title }</span><span class="tag">{ tr(l, "app.coming") }</span></li> }
                        }
                    }) }
                    </ul>
                </div>
            }) }
        </nav>
    }
}

/// A UI callback that does `f` to the controller, then asks the panels to re-render.
pub(crate) fn on<E: 'static>(
    ctl: &Shared,
    on_change: &Callback<()>,
    f: impl Fn(&mut Controller) + 'static,
) -> Callback<E> {
    let (ctl, cb) = (ctl.clone(), on_change.clone());
    Callback::from(move |_: E| {
        f(&mut ctl.borrow_mut());
        cb.emit(());
    })
}

/// Like [`on`], for inputs and selects: `f` gets the control's new value.
pub(crate) fn on_value<E: AsRef<web_sys::Event> + 'static>(
    ctl: &Shared,
    on_change: &Callback<()>,
    f: impl Fn(&mut Controller, String) + 'static,
) -> Callback<E> {
    let (ctl, cb) = (ctl.clone(), on_change.clone());
    Callback::from(move |e: E| {
        let value = e
            .as_ref()
            .target()
            .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        f(&mut ctl.borrow_mut(), value);
        cb.emit(());
    })
}

fn play_step(ctl: &Shared, l: Lang, on_change: &Callback<()>) -> Html {
    let playing = ctl.borrow().playing;
    let toggle = on(ctl, on_change, |c| {
        c.toggle_play();
    });
    let step = on(ctl, on_change, |c| {
        c.step();
    });
    html! {
        <>
            <button class="play" onclick={toggle} data-testid="play" title="Space">
                { if playing { tr(l, "ctl.pause").to_string() } else { tr(l, "ctl.play").to_string() } }
            </button>
            <button onclick={step} data-testid="step" title="→">{ tr(l, "ctl.step") }</button>
        </>
    }
}

/// Where copying the share link got to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareState {
    Copying,
    Copied,
    NotCopied,
}

fn toolbar(
    ctl: &Shared,
    l: Lang,
    on_change: &Callback<()>,
    share_msg: &UseStateHandle<Option<(String, ShareState)>>,
) -> Html {
    let c = ctl.borrow();
    let (now, horizon, speed) = (c.session.now(), c.session.horizon(), c.speed);
    let window_start = c.window_start();
    let partition_open = c.partition_draft.is_some();
    drop(c);
    let on_speed = {
        on_value(ctl, on_change, |c, v| {
            c.set_speed(10f64.powf(v.parse().unwrap_or(0.0)))
        })
    };
    let on_seek = {
        on_value(ctl, on_change, |c, v| {
            let ms: f64 = v.parse().unwrap_or(0.0);
            c.seek((ms.max(0.0) * MS as f64) as Time);
        })
    };
    let on_share = {
        let (ctl, share_msg) = (ctl.clone(), share_msg.clone());
        Callback::from(move |_| {
            let url = crate::share_url(&ctl.borrow().share_query());
            share_msg.set(Some((url.clone(), ShareState::Copying)));
            let share_msg = share_msg.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let copied = crate::try_copy(&url).await;
                let state = if copied {
                    ShareState::Copied
                } else {
                    ShareState::NotCopied
                };
                share_msg.set(Some((url, state)));
            });
        })
    };
    let on_restart = on(ctl, on_change, |c| {
        c.restart_run();
    });
    let on_partition = on(ctl, on_change, |c| {
        c.toggle_partition_tool();
    });
    let on_apply = on(ctl, on_change, |c| {
        let _ = c.apply_partition();
    });
    let on_heal = {
        on(ctl, on_change, |c| {
            c.partition_draft = None;
            let _ = c.apply(Action::HealAll);
        })
    };
    html! {
        <div class="toolbar" id="lab-controls" tabindex="-1">
            <div class="row">
                { play_step(ctl, l, on_change) }
                <label class="speed">{ tr(l, "ctl.speed") }
                    <input type="range" min={SPEED_MIN.log10().to_string()} max={SPEED_MAX.log10().to_string()} step="0.1"
                        value={speed.log10().to_string()} oninput={on_speed} data-testid="speed"
                        aria-valuetext={fmt_speed(speed)} />
                    <span class="num">{ fmt_speed(speed) }</span>
                </label>
                <button onclick={on_partition} class={classes!(partition_open.then_some("active"))} data-testid="partition-tool">
                    { tr(l, "ctl.partition") }</button>
                if partition_open {
                    <button onclick={on_apply} data-testid="apply-partition">{ tr(l, "ctl.apply_partition") }</button>
                }
                <button onclick={on_heal} data-testid="heal-all">{ tr(l, "ctl.heal_all") }</button>
                <button onclick={on_restart}>{ tr(l, "ctl.restart_run") }</button>
                <button onclick={on_share} data-testid="share">{ tr(l, "ctl.share") }</button>
            </div>
            <div class="row">
                <label class="scrub">{ tr(l, "ctl.time") }
                    <input type="range" min={(window_start as f64 / MS as f64).to_string()}
                        max={(horizon as f64 / MS as f64).to_string()} step="any"
                        value={(now as f64 / MS as f64).to_string()} oninput={on_seek} data-testid="scrubber"
                        aria-valuetext={fmt_ms(now)} />
                </label>
                <span class="num time" data-testid="time">{ fmt_ms(now) }</span>
            </div>
            if partition_open {
                <p class="help">{ tr(l, "ctl.partition_help") }</p>
            }
            if let Some((url, state)) = (**share_msg).clone() {
                <div class="help share-out" data-testid="share-box">
                    <label>{ tr(l, "ctl.share_link") }{ " " }
                        <input readonly=true value={url} data-testid="share-url" onfocus={select_all()} /></label>
                    <span role="status" data-testid="share-status" data-copied={match state {
                        ShareState::Copying => "pending", ShareState::Copied => "true", ShareState::NotCopied => "false" }}>
                        { tr(l, match state {
                            ShareState::Copying => "ctl.copying",
                            ShareState::Copied => "ctl.copied",
                            ShareState::NotCopied => "ctl.not_copied",
                        }) }</span>
                </div>
            }
        </div>
    }
}

/// Selects a read-only field's text when it gets the focus (to copy it by hand).
fn select_all() -> Callback<FocusEvent> {
    Callback::from(|e: FocusEvent| {
        if let Some(i) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            i.select();
        }
    })
}

/// "1 event", "2 events" (Chinese has one form).
pub fn count(l: Lang, n: u64, key: &str) -> String {
    let form = if n == 1 { "one" } else { "many" };
    i18n::trf(l, &format!("{key}.{form}"), &[&n.to_string()])
}

/// A lab's name and one-paragraph description, at the head of its page.
fn lab_title(lab: &str, l: Lang) -> Html {
    html! {
        <>
            <h2>{ tr(l, &format!("lab.{lab}")) }</h2>
            <p class="about">{ tr(l, &format!("lab.{lab}.about")) }</p>
        </>
    }
}

fn status_line(ctl: &Shared, l: Lang) -> Html {
    let c = ctl.borrow();
    let leader = c.session.leader();
    // The lab's own headline: a key of its texts with its arguments.
    let head = c.session.headline();
    let text = i18n::tr_headline(l, &head);
    let violated = !c.session.violations().is_empty();
    html! {
        <span class="status-line">
            <span data-testid="leader" data-leader={leader.map(|n| (n + 1).to_string()).unwrap_or_default()}>{ text }</span>
            <span class="num">{ format!(" · {}", fmt_ms(c.session.now())) }</span>
            if violated { <span class="bad">{ " ⚠ " }{ tr(l, "ev.violation") }</span> }
            if c.history_trimmed() {
                <span class="small" data-testid="history-trimmed">
                    { " · " }{ tr(l, "run.history_trimmed") }</span>
            }
        </span>
    }
}

fn status_panel(ctl: &Shared, l: Lang) -> Html {
    let c = ctl.borrow();
    let view = c.view();
    let roles: Vec<&str> = {
        let mut r: Vec<&str> = view.nodes.iter().map(|n| n.role).collect();
        r.sort_unstable();
        r.dedup();
        r
    };
    let mut kinds: Vec<&str> = view.messages.iter().map(|m| m.kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    html! {
            <section class="panel">
                <div>{ status_line(ctl, l) }</div>
                <div class="small" data-testid="counts">{ format!("{} · {}", count(l, c.session.events(), "count.events"), count(l, view.messages.len() as u64, "count.in_flight")) }</div>
    if !c.demo.is_empty() {
                    <div class="small" data-testid="demo-note">{ i18n::trf(l, "app.demo_values", &[&c.demo.join(", ")]) }</div>
                }
                            <div class="legend small">
                    { for roles.iter().map(|r| html!{ <span><i style={format!("background:{}", role_color(r))}></i>{ tr(l, &format!("role.{r}")) }</span> }) }
                    { for kinds.iter().map(|k| html!{ <span><i class="msg" style={format!("background:{}", msg_color(k))}></i>{ *k }</span> }) }
                </div>
            </section>
        }
}

fn invariants_panel(ctl: &Shared, l: Lang, on_change: &Callback<()>) -> Html {
    let c = ctl.borrow();
    let violations = c.session.violations().to_vec();
    let properties = c.session.properties();
    let lessons: Vec<bool> = properties.iter().map(|p| c.session.is_lesson(p)).collect();
    let stats = c.session.stats();
    drop(c);
    html! {
        <section class="panel" data-testid="invariants">
            <h3>{ tr(l, "panel.invariants") }</h3>
            <ul class="invariants">
            { for properties.iter().zip(lessons).map(|(p, lesson)| {
                let inv = p.id;
                let first = violations.iter().find(|v| v.invariant == inv).cloned();
                // An eventually-property is checked when the run ends or goes quiet; a lesson
                // property is one the lab shows breaking under a fault.
                let when = if p.when == When::Eventually { tr(l, "panel.eventually") } else { "" };
                match first {
                    None => html!{ <li class="ok">{ "✔ " }{ tr(l, &format!("inv.{inv}")) }{ " — " }{ tr(l, "panel.ok") }
                        if !when.is_empty() { <span class="small">{ format!(" ({when})") }</span> }</li> },
                    Some(v) => {
                        let jump = on(ctl, on_change, move |c| c.seek(v.time));
                        let (class, verdict) = if lesson { ("lesson", "panel.broken_as_taught") } else { ("bad", "panel.violated") };
                        html!{ <li class={class} onclick={jump}>{ "✘ " }{ tr(l, &format!("inv.{inv}")) }{ " — " }{ tr(l, verdict) }
                            <div class="small">{ format!("#{} @ {}: {}", v.record, fmt_ms(v.time), v.text) }</div></li> }
                    }
                }
            }) }
            </ul>
            if !stats.is_empty() {
                <h3>{ tr(l, "panel.stats") }</h3>
                <table class="stats small" data-testid="stats">
                { for stats.iter().map(|st| html!{ <tr><th>{ tr(l, &format!("stat.{}", st.key)) }</th>
                    <td class="num">{ fmt_stat(st.value) }</td></tr> }) }
                </table>
            }
        </section>
    }
}

/// The lab's charts (`NetLab::SERIES`), drawn by the canvas loop on `canvas`: a panel that
/// folds away, under the counters; in embed mode a folded box in the bar that opens above it.
/// Nothing for a lab without series.
fn series_panel(ctl: &Shared, l: Lang, canvas: &NodeRef, embed: bool) -> Html {
    let charts = ctl.borrow().session.series_specs().len();
    if charts == 0 {
        return html! {};
    }
    let h = crate::plots::series::height(charts);
    let class = if embed {
        "embed-charts"
    } else {
        "panel series-panel"
    };
    html! {
        <details class={class} open={!embed} data-testid="series">
            <summary>{ tr(l, "panel.series") }</summary>
            <canvas ref={canvas.clone()} class="series-canvas" data-testid="series-canvas"
                role="img" aria-label={tr(l, "panel.series").to_string()}
                style={format!("height:{h:.0}px")} />
            if !embed { <p class="hint small">{ tr(l, "panel.series_help") }</p> }
        </details>
    }
}

fn inspector(ctl: &Shared, l: Lang) -> Html {
    let c = ctl.borrow();
    if let Hit::Message(id) = c.hover {
        if let Some((kind, fields)) = c.session.message(id) {
            return html! {
                <section class="panel inspector">
                    <h3>{ format!("#{id} {kind}") }</h3>
                    <table>{ for fields.iter().map(|(k, v)| html!{ <tr><td>{ *k }</td><td>{ v }</td></tr> }) }</table>
                </section>
            };
        }
    }
    let Some(n) = c.menu.or(match c.hover {
        Hit::Node(n) => Some(n),
        _ => None,
    }) else {
        return html! {};
    };
    let view = c.view();
    let Some(node) = view.nodes.get(n) else {
        return html! {};
    };
    html! {
        <section class="panel inspector" data-testid="inspector">
            <h3>{ format!("{} {}", tr(l, &format!("kind.{}", node.kind)), node.label) }</h3>
            <table>
                <tr><td>{ tr(l, "panel.status") }</td><td>{ tr(l, &format!("status.{}", node.status)) }{ " · " }{ tr(l, &format!("role.{}", node.role)) }</td></tr>
                { for node.details.iter().map(|(k, v)| html!{ <tr><td>{ tr(l, &format!("detail.{k}")) }</td><td>{ v }</td></tr> }) }
            </table>
            { for node.panels.iter().map(|p| panel_html(l, p)) }
        </section>
    }
}

/// One of a node's generic panels: key-value rows, a table, a queue (front first) or a list.
pub(crate) fn panel_html(l: Lang, p: &Panel) -> Html {
    let (title, body) = match p {
        Panel::Rows { title, rows } => (
            *title,
            html! {
                <table>{ for rows.iter().map(|(k, v)| html!{ <tr><td>{ tr(l, k) }</td><td>{ tr_words(l, v) }</td></tr> }) }</table>
            },
        ),
        Panel::Table {
            title,
            columns,
            rows,
        } => (
            *title,
            html! {
                <table class="grid">
                    <tr>{ for columns.iter().map(|c| html!{ <th>{ tr(l, c) }</th> }) }</tr>
                    { for rows.iter().map(|r| html!{ <tr>{ for r.iter().map(|v| html!{ <td class="num">{ tr_words(l, v) }</td> }) }</tr> }) }
                </table>
            },
        ),
        Panel::Queue { title, items } => (
            *title,
            html! {
                <ol class="queue">{ for items.iter().map(|v| html!{ <li>{ tr_words(l, v) }</li> }) }
                    if items.is_empty() { <li class="small">{ tr(l, "panel.empty") }</li> }</ol>
            },
        ),
        Panel::List { title, items } => (
            *title,
            html! {
                <ul class="plain">{ for items.iter().map(|v| html!{ <li>{ tr_words(l, v) }</li> }) }
                    if items.is_empty() { <li class="small">{ tr(l, "panel.empty") }</li> }</ul>
            },
        ),
    };
    html! { <div class="node-panel"><h4>{ tr(l, title) }</h4>{ body }</div> }
}

/// One trace record as a line of the event log.
pub fn describe(l: Lang, r: &TraceRecord, labels: &[String]) -> String {
    // Nodes by the names the canvas draws (`n3`, `C1`, `p2`).
    let n = |x: usize| {
        labels
            .get(x)
            .cloned()
            .unwrap_or_else(|| format!("n{}", x + 1))
    };
    match &r.kind {
        TraceKind::Send {
            msg,
            from,
            to,
            kind,
        } => format!(
            "{} → {} {kind} #{msg} ({})",
            n(*from),
            n(*to),
            tr(l, "ev.send")
        ),
        TraceKind::Duplicate {
            msg,
            of,
            from,
            to,
            kind,
        } => {
            format!(
                "{} → {} {kind} #{msg} ({} #{of})",
                n(*from),
                n(*to),
                tr(l, "ev.duplicate")
            )
        }
        TraceKind::Deliver {
            msg,
            from,
            to,
            kind,
        } => format!(
            "{} → {} {kind} #{msg} {}",
            n(*from),
            n(*to),
            tr(l, "ev.deliver")
        ),
        TraceKind::Drop {
            msg,
            from,
            to,
            kind,
            reason,
        } => format!(
            "{} → {} {kind} #{msg} {} ({})",
            n(*from),
            n(*to),
            tr(l, "ev.drop"),
            tr(l, &format!("drop.{}", reason.id()))
        ),
        TraceKind::Timer { node, name } => format!(
            "{} {} {}",
            n(*node),
            tr(l, "ev.timer"),
            tr(l, &format!("timer.{name}"))
        ),
        TraceKind::Command { node, name, arg } => format!(
            "{} {} {}{}",
            n(*node),
            tr(l, "ev.command"),
            tr(l, &format!("cmd.{name}")),
            arg.as_ref().map(|a| format!(" {a}")).unwrap_or_default()
        ),
        TraceKind::Note { node, key, value } => format!(
            "{} {}",
            n(*node),
            i18n::trf(l, &format!("note.{key}"), &[&value.to_string()])
        ),
        TraceKind::Crash { node } => format!("{} {}", n(*node), tr(l, "ev.crash")),
        TraceKind::Restart { node } => format!("{} {}", n(*node), tr(l, "ev.restart")),
        TraceKind::Pause { node } => format!("{} {}", n(*node), tr(l, "ev.pause")),
        TraceKind::Resume { node } => format!("{} {}", n(*node), tr(l, "ev.resume")),
        TraceKind::Cut { a, b } => format!("{} {}–{}", tr(l, "ev.cut"), n(*a), n(*b)),
        TraceKind::Heal { a, b } => format!("{} {}–{}", tr(l, "ev.heal"), n(*a), n(*b)),
        TraceKind::Slow { a, b, extra } => format!(
            "{} {}–{} +{}",
            tr(l, "ev.slow"),
            n(*a),
            n(*b),
            fmt_ms(*extra)
        ),
        TraceKind::Partition { groups } => {
            let g: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
            format!("{} [{}]", tr(l, "ev.partition"), g.join(" "))
        }
        TraceKind::HealAll => tr(l, "ev.heal_all").to_string(),
        TraceKind::CutOneWay { from, to } => {
            format!("{} {} → {}", tr(l, "ev.cut_one_way"), n(*from), n(*to))
        }
        TraceKind::HealOneWay { from, to } => {
            format!("{} {} → {}", tr(l, "ev.heal_one_way"), n(*from), n(*to))
        }
        TraceKind::Clock {
            node,
            drift_ppm,
            offset,
        } => i18n::trf(
            l,
            "ev.clock",
            &[
                &n(*node),
                &drift_ppm.to_string(),
                &fmt_ms(offset.unsigned_abs()),
            ],
        ),
        TraceKind::Invoke {
            node,
            call,
            op,
            key,
        } => {
            format!("{} {} #{call} {op:?} k{key}", n(*node), tr(l, "ev.invoke"))
        }
        TraceKind::Return { node, call, ret } => {
            format!("{} {} #{call} {ret:?}", n(*node), tr(l, "ev.return"))
        }
        TraceKind::Violation { invariant, text } => {
            format!("{} {invariant}: {text}", tr(l, "ev.violation"))
        }
    }
}

fn event_log(ctl: &Shared, l: Lang, on_change: &Callback<()>) -> Html {
    let c = ctl.borrow();
    let labels: Vec<String> = c.view().nodes.iter().map(|v| v.label.clone()).collect();
    let trace = c.session.trace();
    let start = trace.len().saturating_sub(150);
    let rows: Vec<(u64, Time, String, &'static str)> = trace[start..]
        .iter()
        .rev()
        .map(|r| {
            let class = match r.kind {
                TraceKind::Violation { .. } => "bad",
                TraceKind::Drop { .. } => "drop",
                TraceKind::Note { .. } => "note",
                TraceKind::Crash { .. }
                | TraceKind::Restart { .. }
                | TraceKind::Cut { .. }
                | TraceKind::Heal { .. }
                | TraceKind::Partition { .. }
                | TraceKind::HealAll
                | TraceKind::Pause { .. }
                | TraceKind::Resume { .. }
                | TraceKind::Command { .. }
                | TraceKind::Slow { .. } => "fault",
                _ => "",
            };
            (r.id, r.time, describe(l, r, &labels), class)
        })
        .collect();
    drop(c);
    html! {
        <section class="panel log" data-testid="event-log">
            <h3>{ tr(l, "panel.log") }</h3>
            <p class="small">{ tr(l, "panel.log_help") }</p>
            <ol>
            { for rows.into_iter().map(|(id, time, text, class)| {
                let jump = on(ctl, on_change, move |c| c.seek(time));
                let key_jump = {
                    let (ctl, cb) = (ctl.clone(), on_change.clone());
                    Callback::from(move |e: KeyboardEvent| {
                        if e.key() == "Enter" {
                            ctl.borrow_mut().seek(time);
                            cb.emit(());
                        }
                    })
                };
                let full = format!("{} · {text} · #{id}", fmt_ms(time));
                html!{ <li class={class} onclick={jump} onkeydown={key_jump} tabindex="0" title={full}>
                    <span class="num">{ format!("{:>9.1}", time as f64 / MS as f64) }</span>{ " " }{ text }<span class="id">{ format!(" #{id}") }</span></li> }
            }) }
            </ol>
        </section>
    }
}

fn node_menu(ctl: &Shared, l: Lang, on_change: &Callback<()>) -> Html {
    let c = ctl.borrow();
    let Some(n) = c.menu else { return html! {} };
    let Some((&(x, y), node_r)) = c
        .layout
        .as_ref()
        .and_then(|lay| lay.centers.get(n).map(|p| (p, lay.node_r)))
    else {
        return html! {};
    };
    let (area, focus) = (c.layout_size, c.menu_focus);
    let status = c.view().nodes.get(n).map_or("up", |v| v.status);
    let clock_ppm = c.session.clock_drift(n).to_string();
    let title = c
        .view()
        .nodes
        .get(n)
        .map_or_else(|| format!("n{}", n + 1), |v| v.label.clone());
    let commands = c.session.commands(n);
    drop(c);
    let back = format!("node-btn-{}", n + 1);
    // Does `action`, closes the menu and, if it was opened from the keyboard, gives the focus
    // back to the node's entry in the node list.
    let act = |action: Option<Action>| {
        let (ctl, cb, back) = (ctl.clone(), on_change.clone(), back.clone());
        Callback::from(move |e: MouseEvent| {
            let kbd = {
                let mut c = ctl.borrow_mut();
                if let Some(a) = action.clone() {
                    let _ = c.apply(a);
                }
                c.menu = None;
                c.version += 1;
                std::mem::take(&mut c.menu_focus)
            };
            cb.emit(());
            if kbd {
                focus_testid(&e, &back);
            }
        })
    };
    let onkeydown = {
        let (ctl, cb, back) = (ctl.clone(), on_change.clone(), back.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                let kbd = {
                    let mut c = ctl.borrow_mut();
                    c.menu = None;
                    c.version += 1;
                    std::mem::take(&mut c.menu_focus)
                };
                cb.emit(());
                if kbd {
                    focus_testid(&e, &back);
                }
            }
        })
    };
    // A command with an argument: the value typed beside it (checked by the engine; a bad one
    // is refused with the reason in the status line).
    let act_arg = |name: &'static str| {
        let (ctl, cb) = (ctl.clone(), on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let value = field_value(&format!("menu-arg-{name}"));
            {
                let mut c = ctl.borrow_mut();
                let ok = c
                    .apply(Action::Command {
                        node: n,
                        name: name.to_string(),
                        arg: Some(value),
                    })
                    .is_ok();
                if ok {
                    c.menu = None;
                }
                c.version += 1;
            }
            cb.emit(());
        })
    };
    // The node's clock: drift in parts per million (negative: slow), read from the field.
    let set_clock = {
        let (ctl, cb) = (ctl.clone(), on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let value = field_value("menu-clock-ppm");
            {
                let mut c = ctl.borrow_mut();
                match value.parse::<i64>() {
                    Ok(drift_ppm) => {
                        let action = Action::Clock {
                            node: n,
                            drift_ppm,
                            offset: 0,
                        };
                        if c.apply(action).is_ok() {
                            c.menu = None;
                        }
                    }
                    Err(_) => {
                        c.last_error = Some(distlab_engine::sim::ActionError::BadArgument {
                            command: "clock".into(),
                            reason: "a whole number of ppm".into(),
                        })
                    }
                }
                c.version += 1;
            }
            cb.emit(());
        })
    };
    let label = i18n::trf(l, "a11y.node_menu", &[&(n + 1).to_string()]);
    html! {
        <Popover anchor={(x, y)} gap={node_r + 8.0} {area} {focus} label={label} testid="node-menu" {onkeydown}>
            <div class="title" data-testid="menu-title">{ title }</div>
            if status == "down" {
                <button onclick={act(Some(Action::Restart { node: n }))} data-testid="menu-restart">{ tr(l, "menu.restart") }</button>
            } else {
                <button onclick={act(Some(Action::Crash { node: n }))} data-testid="menu-crash">{ tr(l, "menu.crash") }</button>
                if status == "paused" {
                    <button onclick={act(Some(Action::Resume { node: n }))} data-testid="menu-resume">{ tr(l, "menu.resume") }</button>
                } else {
                    <button onclick={act(Some(Action::Pause { node: n }))} data-testid="menu-pause">{ tr(l, "menu.pause") }</button>
                    { for commands.iter().map(|cmd| match cmd.arg.default_value() {
                        None => html!{
                            <button onclick={act(Some(Action::command(n, cmd.name)))}
                                data-testid={format!("menu-{}", cmd.name)}>{ tr(l, &format!("cmd.{}", cmd.name)) }</button>
                        },
                        Some(default) => {
                            let id = format!("menu-arg-{}", cmd.name);
                            html!{ <span class="arg">
                                <button onclick={act_arg(cmd.name)} data-testid={format!("menu-{}", cmd.name)}>{ tr(l, &format!("cmd.{}", cmd.name)) }</button>
                                <input id={id.clone()} data-testid={id} value={default}
                                    aria-label={tr(l, &format!("cmd.{}", cmd.name)).to_string()} />
                            </span> }
                        }
                    }) }
                }
            }
            if status != "down" {
                <span class="arg">
                    <button onclick={set_clock} data-testid="menu-clock">{ tr(l, "menu.clock") }</button>
                    <input id="menu-clock-ppm" data-testid="menu-clock-ppm" value={clock_ppm}
                        aria-label={tr(l, "menu.clock_ppm").to_string()} />
                </span>
            }
            <button class="close" onclick={act(None)} data-testid="menu-close">{ tr(l, "menu.close") }</button>
        </Popover>
    }
}

/// The trimmed text of the input with DOM id `id` (empty if there is none).
fn field_value(id: &str) -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value().trim().to_string())
        .unwrap_or_default()
}

fn debug_overlay(ctl: &Shared, l: Lang) -> Html {
    let c = ctl.borrow();
    if !c.cfg.debug {
        return html! {};
    }
    let view = c.view();
    let last = c.stats.costs.last().copied().unwrap_or(0.0);
    html! {
        <div class="debug" data-testid="debug">
            { format!("{} {} {:.2} ms · {} {:.2} ms · {} {} · {} {:.0} ms · {} · {}",
                tr(l, "debug.frame"), tr(l, "debug.median"), c.stats.median(), tr(l, "debug.last"), last,
                c.stats.frames, tr(l, "debug.frames"), tr(l, "debug.first_frame"), c.stats.first_frame_ms,
                count(l, view.messages.len() as u64, "count.in_flight"), count(l, c.session.events(), "count.events")) }
        </div>
    }
}

fn timeline_panel(ctl: &Shared, l: Lang, on_change: &Callback<()>, canvas: &NodeRef) -> Html {
    let span = ctl.borrow().timeline_span;
    let on_span = {
        on_value(ctl, on_change, |c, v| {
            let ms: Time = v.parse().unwrap_or(1000);
            c.timeline_span = ms.clamp(10, 600_000) * MS;
        })
    };
    let on_svg = {
        let ctl = ctl.clone();
        Callback::from(move |_| {
            let c = ctl.borrow();
            let n = c.session.n() as f64;
            drop(c);
            let f = timeline_frame(&ctl, 1200.0, 28.0 * n + 30.0);
            let c = ctl.borrow();
            let view = c.view();
            let svg =
                crate::timeline::to_svg(&c.timeline, &f, c.session.now(), &view.events, &c.picked);
            crate::download(
                &format!("distlab-{}-spacetime.svg", c.cfg.lab),
                "image/svg+xml",
                &svg,
            );
        })
    };
    let on_png = Callback::from(move |_| {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let canvas = doc
            .query_selector("[data-testid=net-canvas]")
            .ok()
            .flatten();
        if let Some(url) = canvas
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
            .and_then(|c| c.to_data_url().ok())
        {
            crate::download_url(&doc, "distlab-network.png", &url);
        }
    });
    let on_json = {
        let ctl = ctl.clone();
        Callback::from(move |_| {
            let c = ctl.borrow();
            let json = distlab_engine::export::trace_json(&c.cfg, c.session.as_ref());
            crate::download(
                &format!("distlab-{}-trace.json", c.cfg.lab),
                "application/json",
                &json,
            );
        })
    };
    let spans: [Time; 6] = [200, 500, 1000, 2000, 5000, 20000];
    html! {
        <section class="timeline-panel">
            <div class="row">
                <h3>{ tr(l, "panel.timeline") }</h3>
                <label>{ tr(l, "ctl.window") }{ " " }
                    <select onchange={on_span} data-testid="timeline-span">
                        { for spans.iter().map(|ms| html!{ <option value={ms.to_string()} selected={*ms * MS == span}>{ format!("{} ms", ms) }</option> }) }
                    </select>
                </label>
                <button onclick={on_svg} data-testid="export-svg">{ tr(l, "ctl.export_svg") }</button>
                <button onclick={on_png} data-testid="export-png">{ tr(l, "ctl.export_png") }</button>
                <button onclick={on_json} data-testid="export-json">{ tr(l, "ctl.export_json") }</button>
            </div>
            <TimelineCanvas ctl={ctl.clone()} canvas={canvas.clone()} />
            { history_window_note(ctl, l) }
            <p class="hint">{ tr(l, "panel.timeline_help") }</p>
            { crate::lane_events::panel(ctl, l, on_change, false) }
        </section>
    }
}

fn logs_panel(ctl: &Shared, l: Lang, canvas: &NodeRef) -> Html {
    let view = ctl.borrow().view();
    if view.nodes.iter().all(|n| n.log.is_none()) {
        return html! {};
    }
    let h = crate::logs::height(view.nodes.len());
    html! {
        <section class="logs-panel" data-testid="logs">
            <h3>{ tr(l, "panel.logs") }</h3>
            <canvas ref={canvas.clone()} class="logs-canvas" style={format!("height:{h:.0}px")} />
            <p class="hint">{ tr(l, "panel.logs_help") }</p>
        </section>
    }
}

/// The lab's scenario presets as links (keeping the user's speed and language; a preset
/// brings its own seed), the chosen one's explanation, and a warning when this run's
/// parameters differ from those the explanation assumes.
fn scenarios(cfg: &RunConfig, l: Lang, carry: &Carry) -> Html {
    let lab = cfg.lab;
    let list = distlab_engine::scenario::list(lab);
    if list.is_empty() {
        return html! {};
    }
    let current = cfg.scenario;
    let mismatch = scenario_mismatch(cfg);
    let (free_q, preset_q) = (&carry.all, &carry.no_seed);
    html! {
        <div class="scenarios" data-testid="scenarios">
            <span class="label">{ tr(l, "scenario.label") }{ ":" }</span>
            <a class={classes!(current.is_none().then_some("current"))} href={format!("?lab={lab}{free_q}")}
               data-testid="scenario-none">{ tr(l, "scenario.none") }</a>
            { for list.iter().map(|s| html! {
                <a class={classes!((current == Some(s.id)).then_some("current"))}
                   href={format!("?lab={lab}&scenario={}{preset_q}", s.id)} data-scenario={s.id}>
                    { tr(l, &format!("scenario.{}", s.id)) }</a>
            }) }
            if let Some(id) = current {
                <p class="about scenario-about" data-testid="scenario-about">{ tr(l, &format!("scenario.{id}.about")) }</p>
            }
            if !mismatch.is_empty() {
                <p class="warn" role="note" data-testid="scenario-warning">
                    { i18n::trf(l, "scenario.mismatch", &[&mismatch.join(", ")]) }</p>
            }
        </div>
    }
}

/// The settings of a preset run that differ from the preset's own (`nodes=9 (4)`: this run's
/// value, then the preset's), which its explanation assumes.
pub fn scenario_mismatch(cfg: &RunConfig) -> Vec<String> {
    let Some(info) = cfg
        .scenario
        .and_then(|id| distlab_engine::scenario::find(cfg.lab, id))
    else {
        return Vec::new();
    };
    let mut want = distlab_engine::labs::params_for(cfg.lab);
    distlab_engine::scenario::apply_params(info, &mut want);
    let mut out = Vec::new();
    if cfg.seed != info.seed {
        out.push(format!("seed={} ({})", cfg.seed, info.seed));
    }
    for (i, spec) in cfg.params.specs.iter().enumerate() {
        if let (Some(have), Some(w)) = (cfg.params.values.get(i), want.values.get(i)) {
            if (have - w).abs() > 1e-9 {
                out.push(format!("{}={have} ({w})", spec.key));
            }
        }
    }
    for (i, spec) in cfg.params.text_specs.iter().enumerate() {
        if let (Some(have), Some(w)) = (cfg.params.texts.get(i), want.texts.get(i)) {
            if have != w {
                out.push(format!("{}={have} ({w})", spec.key));
            }
        }
    }
    out
}

/// The user's settings that links to other labs and presets keep: `all` for lab links (seed,
/// speed, language), `no_seed` for scenario presets, which bring their own seed. Each starts
/// with `&` (or is empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Carry {
    pub all: String,
    pub no_seed: String,
}

/// See [`Carry`]; `seed` is the seed the user gave in the URL, if any.
pub fn carry_query(seed: Option<u64>, speed: f64, lang: Lang) -> Carry {
    let mut tail = String::new();
    if (speed - DEFAULT_SPEED).abs() > 1e-9 {
        // Three significant digits are plenty for a slider value; stay within the range.
        let digits = (2 - speed.log10().floor() as i32).max(0);
        let p = 10f64.powi(digits);
        let s = ((speed * p).round() / p).clamp(SPEED_MIN, SPEED_MAX);
        tail.push_str(&format!("&speed={s}"));
    }
    tail.push_str(&format!("&lang={}", lang.code()));
    let all = match seed.filter(|s| *s != DEFAULT_SEED) {
        Some(s) => format!("&seed={s}{tail}"),
        None => tail.clone(),
    };
    Carry { all, no_seed: tail }
}

/// Whether Space and → must be left to the focused element: fields, sliders, menus, buttons,
/// links and anything editable or marked as a widget use those keys themselves.
fn shortcut_blocked(el: &web_sys::Element) -> bool {
    let tag = el.tag_name().to_ascii_uppercase();
    if matches!(
        tag.as_str(),
        "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON" | "A" | "OPTION" | "SUMMARY"
    ) {
        return true;
    }
    if el
        .get_attribute("contenteditable")
        .is_some_and(|v| v != "false")
    {
        return true;
    }
    let role = el.get_attribute("role").unwrap_or_default();
    matches!(
        role.as_str(),
        "button" | "slider" | "textbox" | "link" | "menuitem" | "option" | "checkbox" | "combobox"
    )
}

/// Keeps a `lang=` URL parameter in step with the language picked in the page (so a reload
/// shows the same language).
fn replace_lang_param(l: Lang) {
    let Some(w) = web_sys::window() else { return };
    let loc = w.location();
    let search = loc.search().unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return;
    };
    if !params.has("lang") {
        return;
    }
    params.set("lang", l.code());
    let path = loc.pathname().unwrap_or_default();
    let hash = loc.hash().unwrap_or_default();
    let url = format!("{path}?{}{hash}", String::from(params.to_string()));
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// "Skip to the lab": the first thing the Tab key reaches; moves the focus to `target`.
fn skip_link(l: Lang, target: &'static str) -> Html {
    let onclick = Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        let el = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|a| a.owner_document())
            .and_then(|d| d.get_element_by_id(target))
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = el {
            let _ = el.focus();
        }
    });
    html! {
        <a class="skip-link" href={format!("#{target}")} {onclick} data-testid="skip-link">{ tr(l, "a11y.skip") }</a>
    }
}

/// Focuses the element `testid` in the document of the event's target.
fn focus_testid(e: &web_sys::Event, testid: &str) {
    let el = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
        .and_then(|n| n.owner_document())
        .and_then(|d| {
            d.query_selector(&format!("[data-testid=\"{testid}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(el) = el {
        let _ = el.focus();
    }
}

/// The network canvas's accessible name.
fn canvas_label(ctl: &Shared, l: Lang) -> String {
    let n = ctl.borrow().session.n();
    i18n::trf(l, "a11y.canvas", &[&n.to_string()])
}

/// The state in a few words, for screen readers: leader, nodes down or paused, cut links,
/// partitions, violations.
pub fn summary_text(c: &Controller, l: Lang) -> String {
    let view = c.view();
    let mut parts = Vec::new();
    match c.session.leader() {
        Some(n) => parts.push(i18n::trf(
            l,
            "live.leader",
            &[
                &(n + 1).to_string(),
                view.nodes
                    .get(n)
                    .map_or("", |v| v.badge.trim_start_matches('T')),
            ],
        )),
        None => parts.push(tr(l, "live.no_leader").to_string()),
    }
    let count = |s: &str| view.nodes.iter().filter(|n| n.status == s).count();
    parts.push(i18n::trf(
        l,
        "live.nodes",
        &[
            &view.nodes.len().to_string(),
            &count("up").to_string(),
            &count("down").to_string(),
            &count("paused").to_string(),
        ],
    ));
    let cut = view.links.iter().filter(|k| k.cut).count();
    if cut > 0 {
        parts.push(i18n::trf(l, "live.cut", &[&cut.to_string()]));
    }
    let mut groups = view.groups.clone();
    groups.sort_unstable();
    groups.dedup();
    if groups.len() > 1 {
        parts.push(i18n::trf(l, "live.partition", &[&groups.len().to_string()]));
    }
    if !c.session.violations().is_empty() {
        parts.push(tr(l, "live.violation").to_string());
    }
    parts.join(" ")
}

/// How long the spoken summary stays unchanged while the run plays (wall ms).
pub const LIVE_INTERVAL_MS: f64 = 2_000.0;

/// The text alternative of the network canvas, announced politely as the state changes: at
/// most every [`LIVE_INTERVAL_MS`] while the run plays (not every frame), at once when paused.
fn live_summary(ctl: &Shared, l: Lang) -> Html {
    let mut c = ctl.borrow_mut();
    let text = summary_text(&c, l);
    let now = js_sys::Date::now();
    if text != c.live.0 && (!c.playing || now - c.live.1 >= LIVE_INTERVAL_MS) {
        c.live = (text, now);
    }
    html! {
        <p id="net-summary" class="sr-only" aria-live="polite" data-testid="live-summary">{ c.live.0.clone() }</p>
    }
}

/// Once older history was dropped to bound memory: how much is kept, said in the timeline
/// panel (visible text, not a tooltip, so touch users see it too).
fn history_window_note(ctl: &Shared, l: Lang) -> Html {
    let c = ctl.borrow();
    if !c.history_trimmed() {
        return html! {};
    }
    let (start, end) = (c.window_start(), c.session.horizon());
    html! {
        <p class="notice" role="status" data-testid="history-window"
            data-window-start={(start / MS).to_string()}>
            { i18n::trf(l, "run.history_window", &[&fmt_span(l, end.saturating_sub(start)), &fmt_ms(start)]) }
        </p>
    }
}

/// What the last action did besides the obvious (a branch that discarded recorded history).
fn notice(ctl: &Shared, l: Lang, on_change: &Callback<()>) -> Html {
    let Some(Notice::Branched { at, until }) = ctl.borrow().notice else {
        return html! {};
    };
    let dismiss = on(ctl, on_change, |c| c.notice = None);
    html! {
        <p class="notice" role="status" data-testid="notice">
            { i18n::trf(l, "run.branched", &[&fmt_ms(at), &fmt_ms(until)]) }{ " " }
            <button onclick={dismiss}>{ tr(l, "app.dismiss") }</button>
        </p>
    }
}

/// The canvas's actions from the keyboard: a list of nodes (each opens the same menu as a
/// click on the node), partition groups while the partition tool is open, a link to cut or
/// heal and a message in flight to drop.
fn keyboard_panel(ctl: &Shared, l: Lang, on_change: &Callback<()>) -> Html {
    let c = ctl.borrow();
    let view = c.view();
    let n = view.nodes.len();
    // Nodes by the names the canvas draws (`n3`, `C1`, `p2`).
    let labels: Vec<String> = view.nodes.iter().map(|v| v.label.clone()).collect();
    let draft = c.partition_draft.clone();
    let menu = c.menu;
    let (pa, pb) = c.pick_link;
    let (pa, pb) = if pa < pb && pb < n { (pa, pb) } else { (0, 1) };
    let is_cut = |a: usize, b: usize| {
        view.links
            .iter()
            .any(|k| k.cut && ((k.a, k.b) == (a, b) || (k.a, k.b) == (b, a)))
    };
    let pick_cut = is_cut(pa, pb);
    let msgs: Vec<(u64, String)> = view
        .messages
        .iter()
        .take(100)
        .map(|m| {
            (
                m.id,
                format!("#{} {} {} → {}", m.id, m.kind, labels[m.from], labels[m.to]),
            )
        })
        .collect();
    let pick_msg = c
        .pick_msg
        .filter(|id| msgs.iter().any(|(m, _)| m == id))
        .or(msgs.first().map(|(m, _)| *m));
    drop(c);
    let node_rows = view.nodes.iter().map(|node| {
        let i = node.id;
        let open = {
            let (ctl, cb) = (ctl.clone(), on_change.clone());
            Callback::from(move |_: MouseEvent| {
                {
                    let mut c = ctl.borrow_mut();
                    let opening = c.menu != Some(i);
                    c.menu = opening.then_some(i);
                    c.menu_focus = opening;
                    c.version += 1;
                }
                cb.emit(());
            })
        };
        let state = format!(
            "{} · {}",
            tr(l, &format!("role.{}", node.role)),
            tr(l, &format!("status.{}", node.status))
        );
        let group = draft.as_ref().and_then(|d| d.get(i).copied());
        let on_group = on_value(ctl, on_change, move |c, v| {
            if let Ok(g) = v.parse::<u32>() {
                c.set_group(i, g);
            }
        });
        html! {
            <li>
                <button data-testid={format!("node-btn-{}", i + 1)} aria-haspopup="true"
                    aria-expanded={(menu == Some(i)).to_string()} onclick={open}>{ node.label.clone() }</button>
                <span class="small">{ state }</span>
                if let Some(g) = group {
                    <label class="small">{ tr(l, "kbd.group") }{ " " }
                        <select data-testid={format!("group-{}", i + 1)} onchange={on_group}>
                            { for (0..3u32).map(|k| html!{ <option value={k.to_string()} selected={k == g}>{ (k + 1).to_string() }</option> }) }
                        </select>
                    </label>
                }
            </li>
        }
    });
    let on_link = on_value(ctl, on_change, |c, v| {
        let mut it = v.split('-').map(|x| x.parse::<usize>());
        if let (Some(Ok(a)), Some(Ok(b))) = (it.next(), it.next()) {
            c.pick_link = (a.min(b), a.max(b));
            c.version += 1;
        }
    });
    let toggle_link = on(ctl, on_change, move |c| {
        let _ = c.toggle_link(pa, pb);
    });
    // One direction only: messages from the first node of the pair to the second are lost.
    let one_way = on(ctl, on_change, move |c| {
        let _ = c.apply(Action::CutOneWay { from: pa, to: pb });
    });
    let on_msg = on_value(ctl, on_change, |c, v| {
        c.pick_msg = v.parse().ok();
        c.version += 1;
    });
    let drop_msg = on(ctl, on_change, move |c| {
        if let Some(msg) = pick_msg {
            let _ = c.apply(Action::Drop { msg });
        }
    });
    let pairs = (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b)));
    html! {
        <section class="panel kbd" data-testid="kbd-panel">
            <h3>{ tr(l, "kbd.title") }</h3>
            <p class="small">{ tr(l, "kbd.help") }</p>
            <ul class="node-list">{ for node_rows }</ul>
            if draft.is_some() {
                <p class="small">{ tr(l, "kbd.partition_help") }</p>
            }
            <div class="row">
                <label>{ tr(l, "kbd.link") }{ " " }
                    <select data-testid="kbd-link" onchange={on_link}>
                        { for pairs.map(|(a, b)| {
                            let cut = if is_cut(a, b) { format!(" ({})", tr(l, "kbd.cut")) } else { String::new() };
                            html!{ <option value={format!("{a}-{b}")} selected={(a, b) == (pa, pb)}>{ format!("{}–{}{cut}", labels[a], labels[b]) }</option> }
                        }) }
                    </select>
                </label>
                <button data-testid="kbd-link-toggle" onclick={toggle_link}>
                    { tr(l, if pick_cut { "kbd.heal_link" } else { "kbd.cut_link" }) }</button>
                <button data-testid="kbd-cut-one-way" onclick={one_way}>
                    { i18n::trf(l, "kbd.cut_one_way", &[&labels[pa], &labels[pb]]) }</button>
            </div>
            <div class="row">
                <label>{ tr(l, "kbd.message") }{ " " }
                    <select data-testid="kbd-msg" onchange={on_msg} disabled={msgs.is_empty()}>
                        if msgs.is_empty() {
                            <option value="">{ tr(l, "kbd.no_messages") }</option>
                        }
                        { for msgs.iter().map(|(id, text)| html!{ <option value={id.to_string()} selected={Some(*id) == pick_msg}>{ text.clone() }</option> }) }
                    </select>
                </label>
                <button data-testid="kbd-drop" onclick={drop_msg} disabled={msgs.is_empty()}>{ tr(l, "kbd.drop") }</button>
            </div>
        </section>
    }
}

/// Where a popover of `size` goes next to a point `anchor` (kept `gap` away, e.g. a node's
/// radius) inside an area of `area` (the canvas): to the right of the anchor if it fits, else
/// to the left, else over it; vertically centred on it; always inside the area with a small
/// margin. Returns (left, top, the height to limit it to if it is taller than the area).
pub fn place_popover(
    anchor: (f64, f64),
    gap: f64,
    size: (f64, f64),
    area: (f64, f64),
) -> (f64, f64, Option<f64>) {
    const M: f64 = 4.0;
    let ((x, y), (w, h), (aw, ah)) = (anchor, size, area);
    let left = if x + gap + w <= aw - M {
        x + gap
    } else if x - gap - w >= M {
        x - gap - w
    } else {
        (x - w / 2.0).min(aw - M - w).max(M)
    };
    let max_h = (ah - 2.0 * M).max(0.0);
    let hh = h.min(max_h);
    let top = (y - hh / 2.0).min(ah - M - hh).max(M);
    (left, top, (h > max_h).then_some(max_h))
}

#[derive(Properties, PartialEq)]
pub struct PopoverProps {
    /// The point it belongs to, in the area's coordinates.
    pub anchor: (f64, f64),
    pub gap: f64,
    /// The area it must stay inside (its positioned parent's size).
    pub area: (f64, f64),
    /// Move the focus to its first button (it was opened from the keyboard).
    #[prop_or_default]
    pub focus: bool,
    pub label: AttrValue,
    pub testid: AttrValue,
    #[prop_or_default]
    pub onkeydown: Callback<KeyboardEvent>,
    pub children: Html,
}

/// A popover (the node menu) that measures itself and stays wholly inside its area: it is
/// first laid out hidden, then placed by [`place_popover`], and scrolls if the area is too
/// short for it.
#[function_component(Popover)]
pub fn popover(p: &PopoverProps) -> Html {
    let node = use_node_ref();
    let size = use_state(|| None::<(f64, f64)>);
    {
        let (node, size) = (node.clone(), size.clone());
        use_effect(move || {
            if let Some(el) = node.cast::<web_sys::HtmlElement>() {
                let h = (el.offset_height() as f64).max(el.scroll_height() as f64 + 2.0);
                let s = (el.offset_width() as f64, h);
                if *size != Some(s) {
                    size.set(Some(s));
                }
            }
        });
    }
    {
        let node = node.clone();
        use_effect_with((p.focus, size.is_some()), move |(focus, measured)| {
            if *focus && *measured {
                let first = node
                    .cast::<web_sys::Element>()
                    .and_then(|el| el.query_selector("button").ok().flatten())
                    .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(b) = first {
                    let _ = b.focus();
                }
            }
        });
    }
    let style = match *size {
        None => "left:0;top:0;visibility:hidden".to_string(),
        Some(sz) => {
            let (left, top, max_h) = place_popover(p.anchor, p.gap, sz, p.area);
            let limit = max_h.map_or(String::new(), |m| {
                format!(";max-height:{m:.0}px;overflow-y:auto")
            });
            format!("left:{left:.0}px;top:{top:.0}px{limit}")
        }
    };
    html! {
        <div ref={node} class="node-menu" role="group" aria-label={p.label.clone()} {style}
            data-testid={p.testid.clone()} data-placed={size.is_some().to_string()}
            onkeydown={p.onkeydown.clone()}>
            { p.children.clone() }
        </div>
    }
}
