//! Contract tests over the lab registry, in the browser: every networked lab opens full and
//! embedded (640×400) in both languages, draws its canvas, shows its own headline (a
//! translated text, never a key), lists its properties, and its nodes' menus offer their kind's
//! commands; an argument command takes its value from the menu; Raft's snapshot shows in
//! its inspector.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{mount, mount_framed};
use distlab_engine::labs::LABS;
use distlab_engine::MS;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Opens node `node`'s menu (the run paused) and waits for its element `field`.
async fn open_menu(m: &common::Mounted, node: usize, field: &str) {
    m.ctl.borrow_mut().playing = false;
    m.ctl.borrow_mut().menu = Some(node);
    // Re-render through a harmless UI event: the menu is part of the page's state.
    m.click("step");
    assert!(
        m.wait_for(1_000, |m| m.find(field).is_some()).await,
        "{field}"
    );
}

/// The last action in the run's log.
fn last_action(m: &common::Mounted) -> Option<distlab_engine::sim::Action> {
    let c = m.ctl.borrow();
    c.session.actions().last().map(|a| a.action.clone())
}

#[wasm_bindgen_test]
async fn every_networked_lab_opens_full_and_embedded_in_both_languages() {
    for lab in LABS.iter().filter(|l| l.is_network()) {
        for lang in ["en", "zh"] {
            let m = mount(&format!("?lab={}&lang={lang}&speed=10", lab.id)).await;
            assert!(
                m.drawn_soon("net-canvas").await,
                "{} {lang}: canvas drawn",
                lab.id
            );
            let head = m.text("leader");
            assert!(
                !head.is_empty() && !head.contains(&format!("{}.", lab.id)),
                "{} {lang}: headline {head:?} is a translated text",
                lab.id
            );
            let invariants = m.text("invariants");
            assert!(
                !invariants.contains("inv."),
                "{} {lang}: untranslated property in {invariants:?}",
                lab.id
            );
            drop(m);
            let f = mount_framed(&format!("?lab={}&lang={lang}&embed=1", lab.id), 640, 400).await;
            assert!(
                f.drawn_soon("net-canvas").await,
                "{} {lang}: embedded canvas",
                lab.id
            );
            assert!(
                f.find("picker").is_none(),
                "{}: embed hides the picker",
                lab.id
            );
        }
    }
}

#[wasm_bindgen_test]
async fn each_node_menu_offers_its_kinds_commands() {
    for lab in LABS.iter().filter(|l| l.is_network()) {
        let m = mount(&format!("?lab={}&lang=en", lab.id)).await;
        m.ctl.borrow_mut().playing = false;
        let n = m.ctl.borrow().session.n();
        for node in 0..n {
            let (commands, label, status) = {
                let c = m.ctl.borrow();
                let v = c.view();
                (
                    c.session.commands(node),
                    v.nodes[node].label.clone(),
                    v.nodes[node].status,
                )
            };
            if status != "up" {
                continue; // a crashed or paused node's menu offers Restart or Resume instead
            }
            m.ctl.borrow_mut().menu = Some(node);
            // Re-render through a harmless UI event: the menu is part of the page's state.
            m.click("step");
            assert!(
                m.wait_for(1_000, |m| m.text("menu-title") == label).await,
                "{} node {node}: the menu titled {label}",
                lab.id
            );
            for c in commands {
                assert!(
                    m.find(&format!("menu-{}", c.name)).is_some(),
                    "{} {label}: menu lacks {}",
                    lab.id,
                    c.name
                );
            }
        }
    }
}

#[wasm_bindgen_test]
async fn a_command_argument_comes_from_the_menu() {
    use distlab_engine::sim::Action;
    let m = mount("?lab=clocks&lang=en").await;
    open_menu(&m, 0, "menu-arg-send").await;
    m.set("menu-arg-send", "3", "input");
    m.click("menu-send");
    let last = last_action(&m);
    assert_eq!(
        last,
        Some(Action::Command {
            node: 0,
            name: "send".into(),
            arg: Some("3".into()),
        })
    );
    // A bad value is refused with the reason, and the menu stays open.
    open_menu(&m, 0, "menu-arg-send").await;
    m.set("menu-arg-send", "99", "input");
    m.click("menu-send");
    assert!(m.ctl.borrow().last_error.is_some());
    assert!(m.find("node-menu").is_some());
}

/// The kit's newer faults from the UI: a node's clock drift from its menu, and a one-way cut
/// from the keyboard panel; both land in the action log (and so in share links).
#[wasm_bindgen_test]
async fn clock_drift_and_one_way_cuts_come_from_the_ui() {
    use distlab_engine::sim::Action;
    let m = mount("?lab=clocks&lang=en").await;
    open_menu(&m, 1, "menu-clock-ppm").await;
    m.set("menu-clock-ppm", "-20000", "input");
    m.click("menu-clock");
    let last = last_action(&m);
    assert_eq!(
        last,
        Some(Action::Clock {
            node: 1,
            drift_ppm: -20_000,
            offset: 0
        })
    );
    assert_eq!(m.ctl.borrow().session.clock_drift(1), -20_000);
    m.click("kbd-cut-one-way");
    let last = last_action(&m);
    assert_eq!(last, Some(Action::CutOneWay { from: 0, to: 1 }));
    let link = m.ctl.borrow().share_query();
    assert!(
        link.contains("y0-1") && link.contains("t1-m20000-0"),
        "{link}"
    );
}

/// Raft's log compaction in the UI: the `snapshot-catch-up` preset run to its end gives n5 a
/// snapshot (installed from the leader, then its own); n5's inspector shows the Snapshot
/// section, translated, and the snapshot row of its details.
#[wasm_bindgen_test]
async fn a_raft_snapshot_shows_in_the_inspector_in_both_languages() {
    use distlab_engine::MS;
    for (lang, title, row) in [
        ("en", "Snapshot", "Last included index"),
        ("zh", "快照", "最后包含的索引"),
    ] {
        let m = mount(&format!("?lab=raft&scenario=snapshot-catch-up&lang={lang}")).await;
        m.ctl.borrow_mut().playing = false;
        m.ctl.borrow_mut().session.run_until(6_000 * MS);
        open_menu(&m, 4, "inspector").await;
        let text = m.text("inspector");
        assert!(
            text.contains(title) && text.contains(row) && text.contains("≤ "),
            "{lang}: {text}"
        );
        assert!(
            !text.contains("raft."),
            "{lang}: an untranslated key in {text}"
        );
        let snapshot = {
            let c = m.ctl.borrow();
            c.view().nodes[4].log.as_ref().map_or(0, |l| l.snapshot)
        };
        assert!(snapshot > 0, "{lang}: n5's log view has its snapshot");
        assert!(m.find("logs").is_some(), "{lang}: the Logs panel");
    }
}

/// Every preset of every networked lab plays in the browser as the engine plays it: the page
/// opens it with its explanation (in one language or the other, by turns), the app's run
/// reaches the end of the lesson with the same trace hash and the same violations as a session
/// built directly, and its invariants panel names no untranslated property.
#[wasm_bindgen_test]
async fn every_preset_plays_in_the_browser_as_in_the_engine() {
    use distlab_engine::input::{split_query, RunConfig};
    let mut played = 0;
    for lab in LABS.iter().filter(|l| l.is_network()) {
        for (i, sc) in lab.scenarios.iter().enumerate() {
            let lang = ["en", "zh"][i % 2];
            let query = format!("?lab={}&scenario={}&lang={lang}", lab.id, sc.id);
            let m = mount(&query).await;
            let about = m.text("scenario-about");
            assert!(
                !about.is_empty() && !about.contains(&format!("scenario.{}", sc.id)),
                "{query}: explanation {about:?}"
            );
            let end = sc
                .duration_ms
                .max(sc.steps.iter().map(|s| s.0).max().unwrap_or(0))
                * MS;
            m.ctl.borrow_mut().playing = false;
            m.ctl.borrow_mut().seek(end);
            TimeoutFuture::new(20).await;
            let (hash, violations) = {
                let c = m.ctl.borrow();
                let ids: Vec<&str> = c.session.violations().iter().map(|v| v.invariant).collect();
                (c.session.trace_hash(), format!("{ids:?}"))
            };
            let (cfg, _) = RunConfig::parse(&split_query(&query[1..]));
            let (mut direct, _) = distlab_engine::labs::create(&cfg);
            direct.run_until(m.ctl.borrow().session.now());
            let ids: Vec<&str> = direct.violations().iter().map(|v| v.invariant).collect();
            assert_eq!(hash, direct.trace_hash(), "{query}: trace");
            assert_eq!(violations, format!("{ids:?}"), "{query}: violations");
            let invariants = m.text("invariants");
            assert!(!invariants.contains("inv."), "{query}: {invariants:?}");
            played += 1;
        }
    }
    assert!(played >= 40, "only {played} presets");
}
