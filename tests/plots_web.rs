//! Browser tests of the plotted labs: each mounts, draws, shows its worked example's numbers,
//! reacts to a membership change, works in embed mode and in Chinese.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{mount, mount_framed, percent, query_of, Mounted};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Copies the placement lab's share link, checks it carries `changes` (plain or
/// percent-encoded), and mounts the link in place of `m`.
async fn replay_shared_changes(m: Mounted, changes: &str) -> Mounted {
    m.click("pl-share");
    assert!(m.wait_for(1_000, |m| m.find("share-url").is_some()).await);
    let url = m.share();
    let encoded = changes.replace(':', "%3A").replace(',', "%2C");
    assert!(
        url.contains(&format!("changes={changes}")) || url.contains(&format!("changes={encoded}")),
        "{url}"
    );
    let query = query_of(&url);
    drop(m);
    mount(&query).await
}

#[wasm_bindgen_test]
async fn placement_labs_mount_draw_and_show_statistics() {
    for lab in [
        "placement-hash",
        "placement-ring",
        "placement-bounded",
        "placement-vnodes",
    ] {
        let m = mount(&format!("?lab={lab}&lang=en")).await;
        assert!(m.find("input-errors").is_none(), "{lab}: {}", m.all_text());
        assert!(m.drawn_soon("pl-ring").await, "{lab}: ring drawn");
        assert!(m.drawn("pl-bars"), "{lab}: bars drawn");
        let stats = m.text("pl-stats");
        assert!(stats.contains("10000"), "{lab}: {stats}");
        assert!(stats.contains("std dev"), "{lab}: {stats}");
    }
}

#[wasm_bindgen_test]
async fn a_membership_change_updates_the_moved_fraction_and_the_share_link() {
    let m = mount("?lab=placement-ring&nodes=4&keys=20000&lang=en").await;
    assert_eq!(m.text("pl-moved"), "–");
    m.click("pl-add");
    m.expect_text(1_000, "pl-moved", "%").await;
    let moved = m.text("pl-moved");
    let pct = percent(&moved);
    // A fifth node on a ring takes roughly a fifth of the keys, not most of them.
    assert!(pct > 1.0 && pct < 60.0, "{moved}");
    m.click("pl-share");
    assert!(m.wait_for(1_000, |m| m.find("share-url").is_some()).await);
    let url = m.share();
    assert!(url.contains("changes=add:1"), "{url}");
    // The share link replays the change: the same moved fraction shows.
    let query = query_of(&url);
    drop(m);
    let again = mount(&query).await;
    assert_eq!(
        again.text("pl-moved"),
        moved,
        "{query} {}",
        again.all_text()
    );

    // Mod-N moves most keys.
    let m = mount("?lab=placement-hash&nodes=4&lang=en").await;
    m.click("pl-add");
    m.expect_text(1_000, "pl-moved", "%").await;
    let pct = percent(&m.text("pl-moved"));
    assert!(pct > 60.0, "{pct}");
}

#[wasm_bindgen_test]
async fn key_lookup_shows_hash_and_owner() {
    let m = mount("?lab=placement-vnodes&lang=en").await;
    let input: web_sys::HtmlInputElement = m.find("pl-lookup").unwrap().unchecked_into();
    input.set_value("user:42");
    let ev = web_sys::InputEvent::new("input").unwrap();
    input.dispatch_event(&ev).unwrap();
    m.expect_text(1_000, "pl-lookup-out", "owner n").await;
}

#[wasm_bindgen_test]
async fn mmf_shows_the_worked_example() {
    let m = mount("?lab=fair-mmf&lang=en").await;
    // The table follows the animation: at its end it shows the final allocation.
    m.click("mmf-end");
    TimeoutFuture::new(50).await;
    assert_eq!(m.text("mmf-alloc-B"), "10");
    assert_eq!(m.text("mmf-alloc-C"), "25");
    assert_eq!(m.text("mmf-alloc-A"), "32.5");
    assert_eq!(m.text("mmf-alloc-D"), "32.5");
    assert!(
        m.text("mmf-steps").contains("25 each"),
        "{}",
        m.text("mmf-steps")
    );
    assert!(
        m.text("mmf-steps").contains("7.5 each"),
        "{}",
        m.text("mmf-steps")
    );
    m.click("mmf-end");
    assert!(m.drawn_soon("mmf-chart").await);
}

#[wasm_bindgen_test]
async fn drf_shows_the_worked_example_and_reacts_live() {
    let m = mount("?lab=fair-drf&lang=en").await;
    assert_eq!(m.text("drf-tasks-A"), "3 tasks");
    assert_eq!(m.text("drf-tasks-B"), "2 tasks");
    m.click("drf-end");
    assert!(m.drawn_soon("drf-chart").await);
    // B leaves: A takes everything it can (18 CPU / 2 = 9, 36 GB / 8 = 4 → 4 tasks).
    m.click("drf-leave-B");
    assert!(
        m.wait_for(1_000, |m| m.text("drf-tasks-A") == "4 tasks")
            .await,
        "{}",
        m.text("drf-tasks-A")
    );
    assert!(m.find("drf-tasks-B").is_none());
}

#[wasm_bindgen_test]
async fn embed_mode_is_compact() {
    for (lab, canvas) in [
        ("placement-ring", "pl-ring"),
        ("fair-mmf", "mmf-chart"),
        ("fair-drf", "drf-chart"),
    ] {
        let m = mount(&format!("?lab={lab}&embed=1&lang=en")).await;
        assert!(
            m.find("app")
                .and_then(|a| a.get_attribute("data-embed"))
                .is_some(),
            "{lab}"
        );
        assert!(m.drawn_soon(canvas).await, "{lab}: drawn");
        if lab == "placement-ring" {
            assert!(m.drawn_soon("pl-bars").await, "{lab}: load bars drawn");
        }
        // Only the chart and a minimal row: no parameter inputs, no lab picker.
        assert!(
            m.find("pl-nodes").is_none() && m.find("mmf-demands").is_none(),
            "{lab}"
        );
        assert!(
            m.root
                .query_selector(".picker, nav")
                .ok()
                .flatten()
                .is_none(),
            "{lab}"
        );
    }
}

#[wasm_bindgen_test]
async fn chinese_strings_show() {
    let m = mount("?lab=placement-ring&lang=zh").await;
    assert!(
        m.text("pl-stats").contains("标准差"),
        "{}",
        m.text("pl-stats")
    );
    assert!(m.text("pl-add").contains("增加节点"));
    let m = mount("?lab=fair-drf&lang=zh").await;
    assert_eq!(m.text("drf-tasks-A"), "3 个任务");
    let m = mount("?lab=fair-mmf&lang=zh").await;
    assert!(m.all_text().contains("最大最小公平"));
}

#[wasm_bindgen_test]
async fn bad_list_parameters_show_a_message_and_use_defaults() {
    let m = mount("?lab=fair-mmf&demands=1,x&lang=en").await;
    assert!(
        m.text("input-errors").contains("demands=1,x"),
        "{}",
        m.text("input-errors")
    );
    m.click("mmf-end");
    TimeoutFuture::new(50).await;
    assert_eq!(m.text("mmf-alloc-A"), "32.5");
}

#[wasm_bindgen_test]
async fn fair_labs_animate_at_the_url_speed() {
    // 100×: both MMF rounds (100 virtual ms each) are done within a few frames.
    let m = mount("?lab=fair-mmf&speed=100&lang=en").await;
    assert_eq!(m.text("mmf-speed-value"), "100×");
    assert!(
        m.wait_for(1_000, |m| m.count("mmf-steps", "li.done") == 2)
            .await
    );
    // The default 0.1×: one round per wall second, so nothing is done after 300 ms.
    let m = mount("?lab=fair-mmf&lang=en").await;
    assert_eq!(m.text("mmf-speed-value"), "0.1×");
    gloo_timers::future::TimeoutFuture::new(300).await;
    assert_eq!(m.count("mmf-steps", "li.done"), 0);
    // The slider changes the rate and the share link carries it.
    m.set("mmf-speed", "2", "input");
    assert!(
        m.wait_for(1_000, |m| m.count("mmf-steps", "li.done") == 2)
            .await
    );
    assert!(m.text("mmf-speed-value") == "100×");
    assert!(m.share().contains("speed=100"), "{}", m.share());
    // DRF: at 100× every task launch is shown at once; at 0.1× some are still pending.
    let m = mount("?lab=fair-drf&speed=100&lang=en").await;
    assert!(
        m.wait_for(1_000, |m| m.count("drf-table", "td.pending") == 0)
            .await
    );
    let m = mount("?lab=fair-drf&lang=en").await;
    gloo_timers::future::TimeoutFuture::new(200).await;
    assert!(m.count("drf-table", "td.pending") > 0);
}

#[wasm_bindgen_test]
async fn a_failed_node_is_told_apart_from_a_removed_one() {
    let m = mount("?lab=placement-vnodes&lang=en").await;
    m.choose("pl-node", "1").await;
    m.click("pl-fail");
    assert!(
        m.wait_for(1_000, |m| m.find("pl-fail-note").is_some())
            .await
    );
    assert!(
        m.text("pl-moved").contains("n2 failed"),
        "{}",
        m.text("pl-moved")
    );
    m.click("pl-reset");
    m.choose("pl-node", "1").await;
    m.click("pl-remove");
    m.expect_text(1_000, "pl-moved", "n2 removed").await;
    assert!(m.find("pl-fail-note").is_none());
}

/// A failed node can recover: every key goes back (the recovery moves exactly what the
/// failure moved), the button goes away, and the share link records both changes.
#[wasm_bindgen_test]
async fn a_failed_node_recovers_and_takes_its_keys_back() {
    let m = mount("?lab=placement-hash&nodes=4&keys=20000&lang=en").await;
    assert!(m.find("pl-recover-1").is_none());
    m.choose("pl-node", "1").await;
    m.click("pl-fail");
    assert!(
        m.wait_for(1_000, |m| m.find("pl-recover-1").is_some())
            .await
    );
    let failed = m.text("pl-moved");
    // hash mod N: a failure keeps N, so only the failed node's quarter moves.
    let pct = percent(&failed);
    assert!(pct > 20.0 && pct < 30.0, "{failed}");
    assert!(m.text("pl-recover-1").contains("Recover n2"));
    m.click("pl-recover-1");
    m.expect_text(1_000, "pl-moved", "n2 recovered").await;
    let recovered = m.text("pl-moved");
    assert_eq!(
        failed.split(" · ").next(),
        recovered.split(" · ").next(),
        "{failed} / {recovered}"
    );
    assert!(m.find("pl-recover-1").is_none());
    assert!(m.find("pl-fail-note").is_none());
    let again = replay_shared_changes(m, "fail:1,recover:1").await;
    assert_eq!(again.text("pl-moved"), recovered);
}

/// Unequal weights show load per expected share, labelled, in both languages; equal weights
/// do not.
#[wasm_bindgen_test]
async fn weighted_load_figures_show_only_with_unequal_weights() {
    let m = mount("?lab=placement-vnodes&weights=1,2,3&vnodes=500&keys=60000&lang=en").await;
    assert!(
        m.wait_for(2_000, |m| m.find("pl-max-ratio").is_some())
            .await
    );
    let ratio = m.text("pl-max-ratio");
    assert!(ratio.contains("expected share"), "{ratio}");
    let v: f64 = ratio.rsplit(": ").next().unwrap().trim().parse().unwrap();
    assert!((0.99..1.1).contains(&v), "{ratio}");
    assert!(m.text("pl-stats").contains("unweighted"));
    assert!(m.find("pl-ratio-stddev").is_some());
    assert!(m.find("pl-weighted-help").is_some());
    drop(m);
    let m = mount("?lab=placement-vnodes&weights=1,2,3&lang=zh").await;
    assert!(
        m.wait_for(2_000, |m| m.find("pl-max-ratio").is_some())
            .await
    );
    assert!(
        m.text("pl-max-ratio").contains("期望份额"),
        "{}",
        m.text("pl-max-ratio")
    );
    drop(m);
    let m = mount("?lab=placement-ring&lang=en").await;
    assert!(m.wait_for(2_000, |m| m.find("pl-stats").is_some()).await);
    assert!(m.find("pl-max-ratio").is_none());
    assert!(!m.text("pl-stats").contains("unweighted"));
}

#[wasm_bindgen_test]
async fn a_weighted_user_can_join_drf() {
    let m = mount("?lab=fair-drf&lang=en").await;
    m.choose("drf-new-demand", "1,4*2").await;
    m.click("drf-join");
    assert!(m.wait_for(1_000, |m| m.find("drf-tasks-C").is_some()).await);
    assert!(m.find("drf-error").is_none(), "{}", m.text("drf-error"));
    let share = m.share();
    assert!(
        share.contains("join") && (share.contains("*2") || share.contains("%2A2")),
        "{share}"
    );
}

/// A plotted lab builds its own model: the app makes no network controller for it, so no
/// simulation runs unused behind the page. A network lab still gets one.
#[wasm_bindgen_test]
async fn plotted_labs_have_no_network_session() {
    for lab in distlab_engine::labs::plot_params::PLOTTED_LABS {
        for embed in ["0", "1"] {
            let m = mount(&format!("?lab={lab}&embed={embed}&lang=en")).await;
            assert!(m.find("app").is_some(), "{lab}: {}", m.all_text());
            assert!(
                m.ctl.0.is_none(),
                "{lab} (embed={embed}) has a network session"
            );
        }
    }
    let m = mount("?lab=raft&lang=en").await;
    assert!(m.ctl.0.is_some(), "the Raft lab has its session");
    assert_eq!(m.ctl.borrow().session.n(), 5);
}

/// Embedded in course notes (an iframe of 640×400 with the app's stylesheet), the placement
/// lab shows the ring and, beside it, the keys per node; everything fits the frame.
#[wasm_bindgen_test]
async fn the_embedded_placement_lab_shows_its_load_bars_within_640_by_400() {
    let m = mount_framed("?lab=placement-ring&embed=1&lang=en", 640, 400).await;
    assert!(m.drawn_soon("pl-ring").await, "ring drawn");
    assert!(m.drawn_soon("pl-bars").await, "bars drawn");
    let rect = |id: &str| {
        m.find(id)
            .unwrap_or_else(|| panic!("no {id}"))
            .get_bounding_client_rect()
    };
    for id in [
        "pl-ring", "pl-bars", "pl-add", "pl-reset", "pl-stats", "pl-moved",
    ] {
        let r = rect(id);
        assert!(
            r.width() > 0.0 && r.right() <= 640.5 && r.bottom() <= 400.5,
            "{id} at {}..{} × {}..{}",
            r.left(),
            r.right(),
            r.top(),
            r.bottom()
        );
    }
    let (ring, bars) = (rect("pl-ring"), rect("pl-bars"));
    assert!(
        bars.left() >= ring.right(),
        "the bars stand beside the ring"
    );
    for r in [&ring, &bars] {
        assert!(
            r.width() >= 200.0 && r.height() >= 200.0,
            "{}×{}",
            r.width(),
            r.height()
        );
    }
}

fn disabled(m: &Mounted, testid: &str) -> bool {
    m.find(testid).is_some_and(|e| e.has_attribute("disabled"))
}

/// A failed node stays in the node menu, marked; it cannot fail again, but it can be removed
/// for good: it leaves the menu and the failed count, N drops (hash mod N moves most keys),
/// and the share link replays the failure and the removal.
#[wasm_bindgen_test]
async fn a_failed_node_can_be_removed_and_the_share_link_replays_it() {
    let m = mount("?lab=placement-hash&nodes=4&keys=20000&lang=en").await;
    assert_eq!(m.count("pl-node", "option"), 4);
    assert!(m.find("pl-failed-count").is_none());
    m.choose("pl-node", "1").await;
    m.click("pl-fail");
    assert!(
        m.wait_for(1_000, |m| m.text("pl-failed-count") == "1")
            .await
    );
    assert_eq!(
        m.count("pl-node", "option"),
        4,
        "a failed node is still a member"
    );
    assert!(
        m.text("pl-node").contains("n2 (failed)"),
        "{}",
        m.text("pl-node")
    );
    assert!(disabled(&m, "pl-fail"), "n2 cannot fail twice");
    assert!(!disabled(&m, "pl-remove"));
    assert_eq!(m.text("pl-live"), "3");
    m.click("pl-remove");
    m.expect_text(1_000, "pl-moved", "n2 removed").await;
    assert_eq!(m.count("pl-node", "option"), 3);
    assert!(!m.text("pl-node").contains("n2"), "{}", m.text("pl-node"));
    assert!(m.find("pl-failed-count").is_none());
    assert!(m.find("pl-recover-1").is_none());
    assert_eq!(m.text("pl-live"), "3");
    let removed = m.text("pl-moved");
    assert!(percent(&removed) > 50.0, "N went from 4 to 3: {removed}");
    let again = replay_shared_changes(m, "fail:1,remove:1").await;
    assert!(
        again.find("pl-error").is_none(),
        "{}",
        again.text("pl-error")
    );
    assert_eq!(again.text("pl-moved"), removed);
    assert_eq!(again.count("pl-node", "option"), 3);
    assert!(again.find("pl-failed-count").is_none());
}

/// The last live node can neither fail nor leave: both buttons are disabled and say why.
#[wasm_bindgen_test]
async fn the_last_live_node_cannot_fail_or_leave() {
    let m = mount("?lab=placement-ring&nodes=2&changes=fail:0&lang=en").await;
    m.choose("pl-node", "1").await;
    for b in ["pl-fail", "pl-remove"] {
        assert!(disabled(&m, b), "{b}");
        let why = m.find(b).and_then(|e| e.get_attribute("title"));
        assert!(why.is_some_and(|t| t.contains("last live node")), "{b}");
    }
    // The failed one can still go.
    m.choose("pl-node", "0").await;
    assert!(!disabled(&m, "pl-remove"));
    m.click("pl-remove");
    m.expect_text(1_000, "pl-moved", "n1 removed").await;
}
