//! The app shell: lab picker, toolbar, the canvas, node menu and panels; and embed mode.

use std::rc::Rc;

use distlab_engine::input::{InputError, Lang, RunConfig, SPEED_MAX, SPEED_MIN};
use distlab_engine::labs::{Group, LABS};
use distlab_engine::sim::{Action, TraceKind, TraceRecord};
use distlab_engine::{Time, MS};
use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use web_sys::{HtmlSelectElement, KeyboardEvent};
use yew::prelude::*;

use crate::canvas::{timeline_frame, NetCanvas, TimelineCanvas};
use crate::controller::{Controller, Shared};
use crate::i18n::{self, tr};
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

pub fn fmt_ms(t: Time) -> String {
    format!("{:.1} ms", t as f64 / MS as f64)
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
    let (cfg, mut errors) = RunConfig::parse(&query_pairs(query));
    let net = (!crate::plots::is_plot_lab(cfg.lab)).then(|| {
        let (c, err) = Controller::from_config(cfg.clone());
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
        let initial = cfg.lang.unwrap_or_else(i18n::browser_lang);
        use_state(move || initial)
    };
    crate::set_lang(*lang);
    let show_errors = use_state(|| true);
    let share_msg = use_state(|| None::<String>);
    let force = use_force_update();
    let on_change = {
        let force = force.clone();
        Callback::from(move |_| force.force_update())
    };

    // Keyboard (network labs): Space plays/pauses, → steps.
    {
        let net = net.clone();
        let force = force.clone();
        use_effect_with((), move |_| {
            let doc = web_sys::window().and_then(|w| w.document());
            let listener = net.zip(doc).map(|(ctl, doc)| {
                EventListener::new(&doc, "keydown", move |e| {
                    let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    let typing = e
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| {
                            matches!(el.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
                        });
                    if typing && e.key() != "ArrowRight" {
                        return;
                    }
                    match e.key().as_str() {
                        " " => {
                            e.prevent_default();
                            ctl.borrow_mut().toggle_play();
                        }
                        "ArrowRight" => {
                            e.prevent_default();
                            ctl.borrow_mut().step();
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
    let Some(ctl) = net else {
        let plot = html! { <crate::plots::PlotLab cfg={cfg.clone()} lang={l} /> };
        if embed {
            return html! { <div class={classes!("app", "embed")} data-testid="app" data-embed="1">{ errors_html }{ plot }</div> };
        }
        return html! {
            <div class="app" data-testid="app">
                { header(l, &lang) }
                { errors_html }
                <div class="body plot-body">
                    { picker(lab, l) }
                    <main class="main">
                        if !crate::plots::has_own_heading(lab) {
                            <div class="lab-head">{ lab_title(lab, l) }</div>
                        }
                        { plot }
                    </main>
                </div>
            </div>
        };
    };
    let canvas = html! { <NetCanvas ctl={ctl.clone()} on_change={on_change.clone()} timeline={timeline_ref.clone()} logs={logs_ref.clone()} /> };
    let stage = html! {
        <div class="stage">
            { canvas }
            { node_menu(ctl, l, &on_change) }
            { debug_overlay(ctl, l) }
        </div>
    };

    if embed {
        return html! {
            <div class={classes!("app", "embed")} data-testid="app" data-embed="1">
                { errors_html }
                { stage }
                <div class="embed-bar">
                    { play_step(ctl, l, &on_change) }
                    { status_line(ctl, l) }
                </div>
            </div>
        };
    }

    html! {
        <div class="app" data-testid="app">
            { header(l, &lang) }
            { errors_html }
            <div class="body">
                { picker(lab, l) }
                <main class="main">
                    <div class="lab-head">
                        { lab_title(lab, l) }
                        { scenarios(ctl, l) }
                    </div>
                    { toolbar(ctl, l, &on_change, &share_msg) }
                    { stage }
                    <p class="hint">{ tr(l, "ctl.hint") }</p>
                    { logs_panel(ctl, l, &logs_ref) }
                    { timeline_panel(ctl, l, &on_change, &timeline_ref) }
                </main>
                <aside class="side">
                    { status_panel(ctl, l) }
                    { invariants_panel(ctl, l, &on_change) }
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
            lang.set(Lang::parse(&v).unwrap_or(Lang::En));
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

fn picker(current: &str, l: Lang) -> Html {
    let lang_q = match crate::current_lang_param() {
        Some(code) => format!("&lang={code}"),
        None => String::new(),
    };
    html! {
        <nav class="picker" data-testid="picker">
            <h3>{ tr(l, "app.labs") }</h3>
            { for Group::ALL.iter().map(|g| html! {
                <div class="group">
                    <h4>{ tr(l, &format!("group.{}", g.id())) }</h4>
                    <ul>
                    { for LABS.iter().filter(|x| x.group == *g).map(|x| {
                        let title = tr(l, &format!("lab.{}", x.id)).to_string();
                        if x.implemented() {
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
fn on<E: 'static>(
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
fn on_value<E: AsRef<web_sys::Event> + 'static>(
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

fn toolbar(
    ctl: &Shared,
    l: Lang,
    on_change: &Callback<()>,
    share_msg: &UseStateHandle<Option<String>>,
) -> Html {
    let c = ctl.borrow();
    let (now, horizon, speed) = (c.session.now(), c.session.horizon(), c.speed);
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
            crate::copy_text(&url);
            share_msg.set(Some(url));
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
        <div class="toolbar">
            <div class="row">
                { play_step(ctl, l, on_change) }
                <label class="speed">{ tr(l, "ctl.speed") }
                    <input type="range" min={SPEED_MIN.log10().to_string()} max={SPEED_MAX.log10().to_string()} step="0.1"
                        value={speed.log10().to_string()} oninput={on_speed} data-testid="speed" />
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
                    <input type="range" min="0" max={(horizon as f64 / MS as f64).to_string()} step="any"
                        value={(now as f64 / MS as f64).to_string()} oninput={on_seek} data-testid="scrubber" />
                </label>
                <span class="num time" data-testid="time">{ fmt_ms(now) }</span>
            </div>
            if partition_open {
                <p class="help">{ tr(l, "ctl.partition_help") }</p>
            }
            if let Some(url) = (**share_msg).clone() {
                <p class="help share-out">{ tr(l, "ctl.copied") }{" · "}
                    <input readonly=true value={url} data-testid="share-url" /></p>
            }
        </div>
    }
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
    let view = c.view();
    let text = match leader {
        Some(n) => format!(
            "{} n{} · {} {}",
            tr(l, "panel.leader"),
            n + 1,
            tr(l, "panel.term"),
            view.nodes[n].badge.trim_start_matches('T')
        ),
        None => tr(l, "panel.no_leader").to_string(),
    };
    let violated = !c.session.violations().is_empty();
    html! {
        <span class="status-line">
            <span data-testid="leader" data-leader={leader.map(|n| (n + 1).to_string()).unwrap_or_default()}>{ text }</span>
            <span class="num">{ format!(" · {}", fmt_ms(c.session.now())) }</span>
            if violated { <span class="bad">{ " ⚠ " }{ tr(l, "ev.violation") }</span> }
            if c.history_full() {
                <span class="bad" title={tr(l, "run.history_full_help")} data-testid="history-full">
                    { " · " }{ tr(l, "run.history_full") }</span>
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
            <div class="small">{ format!("{} {} · {} {}", c.session.events(), tr(l, "panel.events"), view.messages.len(), tr(l, "panel.in_flight")) }</div>
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
    let invariants: Vec<&str> = c.session.properties().iter().map(|p| p.id).collect();
    drop(c);
    html! {
        <section class="panel" data-testid="invariants">
            <h3>{ tr(l, "panel.invariants") }</h3>
            <ul class="invariants">
            { for invariants.iter().map(|inv| {
                let first = violations.iter().find(|v| v.invariant == *inv).cloned();
                match first {
                    None => html!{ <li class="ok">{ "✔ " }{ tr(l, &format!("inv.{inv}")) }{ " — " }{ tr(l, "panel.ok") }</li> },
                    Some(v) => {
                        let jump = on(ctl, on_change, move |c| c.seek(v.time));
                        html!{ <li class="bad" onclick={jump}>{ "✘ " }{ tr(l, &format!("inv.{inv}")) }{ " — " }{ tr(l, "panel.violated") }
                            <div class="small">{ format!("#{} @ {}: {}", v.record, fmt_ms(v.time), v.text) }</div></li> }
                    }
                }
            }) }
            </ul>
        </section>
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
        <section class="panel inspector">
            <h3>{ format!("{} n{}", tr(l, "panel.node"), n + 1) }</h3>
            <table>
                <tr><td>{ tr(l, "panel.status") }</td><td>{ tr(l, &format!("status.{}", node.status)) }{ " · " }{ tr(l, &format!("role.{}", node.role)) }</td></tr>
                { for node.details.iter().map(|(k, v)| html!{ <tr><td>{ tr(l, &format!("detail.{k}")) }</td><td>{ v }</td></tr> }) }
            </table>
        </section>
    }
}

/// One trace record as a line of the event log.
pub fn describe(l: Lang, r: &TraceRecord) -> String {
    let n = |x: usize| format!("n{}", x + 1);
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
            (r.id, r.time, describe(l, r), class)
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
                html!{ <li class={class} onclick={jump}><span class="num">{ format!("{:>9.1}", time as f64 / MS as f64) }</span>{ " " }{ text }<span class="id">{ format!(" #{id}") }</span></li> }
            }) }
            </ol>
        </section>
    }
}

fn node_menu(ctl: &Shared, l: Lang, on_change: &Callback<()>) -> Html {
    let c = ctl.borrow();
    let Some(n) = c.menu else { return html! {} };
    let Some(&(x, y)) = c.layout.as_ref().and_then(|lay| lay.centers.get(n)) else {
        return html! {};
    };
    let status = c.view().nodes.get(n).map_or("up", |v| v.status);
    let commands = c.session.commands(n);
    drop(c);
    let act = |action: Action| {
        on(ctl, on_change, move |c| {
            let _ = c.apply(action.clone());
            c.menu = None;
        })
    };
    let close = { on(ctl, on_change, |c| c.menu = None) };
    html! {
        <div class="node-menu" style={format!("left:{:.0}px;top:{:.0}px", x + 18.0, y - 10.0)} data-testid="node-menu">
            <div class="title">{ format!("n{}", n + 1) }</div>
            if status == "down" {
                <button onclick={act(Action::Restart { node: n })} data-testid="menu-restart">{ tr(l, "menu.restart") }</button>
            } else {
                <button onclick={act(Action::Crash { node: n })} data-testid="menu-crash">{ tr(l, "menu.crash") }</button>
                if status == "paused" {
                    <button onclick={act(Action::Resume { node: n })}>{ tr(l, "menu.resume") }</button>
                } else {
                    <button onclick={act(Action::Pause { node: n })}>{ tr(l, "menu.pause") }</button>
                    { for commands.iter().map(|cmd| html!{
                        <button onclick={act(Action::command(n, cmd.name))}>{ tr(l, &format!("cmd.{}", cmd.name)) }</button>
                    }) }
                }
            }
            <button class="close" onclick={close}>{ tr(l, "menu.close") }</button>
        </div>
    }
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
            { format!("{} {} {:.2} ms · {} {:.2} ms · {} {} · {} {:.0} ms · {} {} · {} {}",
                tr(l, "debug.frame"), tr(l, "debug.median"), c.stats.median(), tr(l, "debug.last"), last,
                c.stats.frames, tr(l, "debug.frames"), tr(l, "debug.first_frame"), c.stats.first_frame_ms,
                view.messages.len(), tr(l, "panel.in_flight"), c.session.events(), tr(l, "panel.events")) }
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
            let svg = crate::timeline::to_svg(&c.timeline, &f, c.session.now());
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
            <p class="hint">{ tr(l, "panel.timeline_help") }</p>
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

/// The lab's scenario presets as links, and the chosen one's explanation.
fn scenarios(ctl: &Shared, l: Lang) -> Html {
    let c = ctl.borrow();
    let lab = c.cfg.lab;
    let list = distlab_engine::scenario::list(lab);
    if list.is_empty() {
        return html! {};
    }
    let current = c.cfg.scenario;
    let lang_q = crate::current_lang_param()
        .map(|code| format!("&lang={code}"))
        .unwrap_or_default();
    html! {
        <div class="scenarios" data-testid="scenarios">
            <span class="label">{ tr(l, "scenario.label") }{ ":" }</span>
            <a class={classes!(current.is_none().then_some("current"))} href={format!("?lab={lab}{lang_q}")}>{ tr(l, "scenario.none") }</a>
            { for list.iter().map(|s| html! {
                <a class={classes!((current == Some(s.id)).then_some("current"))}
                   href={format!("?lab={lab}&scenario={}{lang_q}", s.id)} data-scenario={s.id}>
                    { tr(l, &format!("scenario.{}", s.id)) }</a>
            }) }
            if let Some(id) = current {
                <p class="about scenario-about" data-testid="scenario-about">{ tr(l, &format!("scenario.{id}.about")) }</p>
            }
        </div>
    }
}
