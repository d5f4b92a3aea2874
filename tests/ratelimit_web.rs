//! Browser tests of the `ratelimit` lab: it mounts and draws, shows totals for two limiters on
//! the same traffic, shows the notes' uniform-queueing example (3 queued → t1 + 4T) by URL and
//! in one click, updates the share link on edits, works in embed mode and in Chinese, refuses
//! a bad `limiter=` with a message, and keeps frames small at 100× speed. Changes mid-run are
//! logged actions: a burst sent and a limiter changed mid-run, scrubbed back and forth with the
//! time slider, and replayed by the share link; a preset plays its scheduled changes.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{mount, query_of, Mounted};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const EXAMPLE: &str = "?lab=ratelimit&limiter=uniform:interval=100ms,wait=600ms&limiter2=none&traffic=bursts:base=0,size=8,every=2s&lang=en";

fn num(m: &Mounted, testid: &str) -> u64 {
    m.text(testid).trim().parse().unwrap_or(0)
}

/// Skips to the end of the run (600 s of virtual time) and waits for the page to show it.
async fn to_end(m: &Mounted) {
    m.click("rl-end");
    m.expect_text(2_000, "rl-time", "600").await;
}

fn choose(m: &Mounted, testid: &str, value: &str) {
    m.set(testid, value, "change");
}

#[wasm_bindgen_test]
async fn the_lab_mounts_draws_and_shows_totals_for_both_limiters() {
    let m = mount("?lab=ratelimit&lang=en").await;
    assert!(m.find("input-errors").is_none(), "{}", m.all_text());
    assert!(m.drawn_soon("rl-chart").await, "chart drawn");
    to_end(&m).await;
    assert!(
        m.wait_for(2_000, |m| num(m, "rl-admitted-A") > 0
            && num(m, "rl-admitted-B") > 0)
            .await,
        "{}",
        m.text("rl-totals")
    );
    assert!(m.text("rl-time").contains("600"), "{}", m.text("rl-time"));
    let totals = m.text("rl-totals");
    assert!(
        totals.contains("token bucket") && totals.contains("leaky bucket"),
        "{totals}"
    );
    assert!(totals.contains("p99") && totals.contains("ms"), "{totals}");
}

#[wasm_bindgen_test]
async fn the_second_limiter_differs_on_bursty_traffic() {
    let m = mount("?lab=ratelimit&traffic=bursts:base=5,size=30,every=2s&lang=en").await;
    to_end(&m).await;
    let (a, b) = (
        (num(&m, "rl-admitted-A"), num(&m, "rl-rejected-A")),
        (num(&m, "rl-admitted-B"), num(&m, "rl-rejected-B")),
    );
    console_log!("bursty traffic, 600 s: token admitted/rejected {a:?}, leaky {b:?}");
    assert_ne!(a, b, "{}", m.text("rl-totals"));
    // Same traffic: both saw the same number of requests.
    assert_eq!(a.0 + a.1, b.0 + b.1);
}

async fn check_example(m: &Mounted) {
    to_end(m).await;
    assert!(
        m.wait_for(2_000, |m| !m.text("rl-when-8").is_empty()).await,
        "{}",
        m.text("rl-requests")
    );
    assert!(
        m.text("rl-when-1").contains("passes now"),
        "{}",
        m.text("rl-requests")
    );
    assert_eq!(m.text("rl-when-2"), "t1 + 1T");
    // The fifth request of the burst finds 3 queued ahead and passes at t1 + 4T.
    let row = m.text("rl-req-5");
    assert!(
        row.starts_with("5") && row.contains("2000") && row.contains("2400"),
        "{row}"
    );
    assert_eq!(m.text("rl-when-5"), "t1 + 4T");
    assert_eq!(
        m.find("rl-req-5")
            .and_then(|r| r.children().item(2))
            .and_then(|c| c.text_content())
            .as_deref(),
        Some("3")
    );
    // 6T is the most one may wait; the eighth would wait 7T.
    assert_eq!(m.text("rl-when-7"), "t1 + 6T");
    assert!(
        m.text("rl-when-8").contains("rejected"),
        "{}",
        m.text("rl-when-8")
    );
}

#[wasm_bindgen_test]
async fn the_notes_example_by_url_passes_at_t1_plus_4t() {
    let m = mount(EXAMPLE).await;
    assert!(m.find("input-errors").is_none(), "{}", m.all_text());
    check_example(&m).await;
}

#[wasm_bindgen_test]
async fn the_notes_example_in_one_click_and_in_the_share_link() {
    let m = mount("?lab=ratelimit&lang=en").await;
    m.click("rl-example");
    TimeoutFuture::new(50).await;
    check_example(&m).await;
    let url = m.share();
    assert!(
        url.contains("limiter=uniform:interval=100ms,wait=600ms"),
        "{url}"
    );
    assert!(
        url.contains("limiter2=none") && url.contains("traffic=bursts:base=0,size=8"),
        "{url}"
    );
    // The link replays the same run.
    let q = query_of(&url);
    drop(m);
    let again = mount(&q).await;
    check_example(&again).await;
}

#[wasm_bindgen_test]
async fn edits_update_the_share_link() {
    let m = mount("?lab=ratelimit&lang=en").await;
    choose(&m, "rl-limiter-kind", "fixed");
    m.expect_share(1_000, "limiter=fixed:limit=10,window=1s")
        .await;
    m.set("rl-limiter-limit", "3", "change");
    m.expect_share(1_000, "limiter=fixed:limit=3,window=1s")
        .await;
    // The toolbar's speed slider (log scale): 10^2 = 100×.
    m.set("rl-speed", "2", "input");
    assert!(
        m.wait_for(1_000, |m| m.text("rl-speed-value") == "100×")
            .await
    );
    m.expect_share(1_000, "speed=100").await;
    // A refused value says why and changes nothing.
    m.set("rl-limiter-limit", "x", "change");
    assert!(
        m.wait_for(1_000, |m| m.find("rl-limiter-limit-error").is_some())
            .await
    );
    assert!(m.share().contains("limit=3"), "{}", m.share());
}

#[wasm_bindgen_test]
async fn embed_mode_is_compact() {
    let m = mount("?lab=ratelimit&embed=1&lang=en").await;
    assert!(m.drawn_soon("rl-chart").await);
    assert!(m.find("rl-play").is_some() && m.find("rl-totals").is_some());
    assert!(
        m.find("rl-limiter-kind").is_none(),
        "no editors in embed mode"
    );
    assert!(m.find("share-url").is_none());
    assert!(m.find("rl-requests").is_none());
}

#[wasm_bindgen_test]
async fn chinese_strings_show() {
    let m = mount("?lab=ratelimit&lang=zh").await;
    let text = m.all_text();
    for s in ["令牌桶", "漏桶", "虚拟时间", "匀速排队", "通过", "拒绝"] {
        assert!(text.contains(s), "{s}: {text}");
    }
    m.click("rl-example");
    TimeoutFuture::new(50).await;
    to_end(&m).await;
    assert!(
        m.wait_for(1_000, |m| m.text("rl-when-5") == "t1 + 4T")
            .await
    );
}

#[wasm_bindgen_test]
async fn a_bad_limiter_shows_a_message_and_falls_back() {
    let m = mount("?lab=ratelimit&limiter=bogus:x=1&lang=en").await;
    let errors = m.text("input-errors");
    assert!(
        errors.contains("limiter") && errors.contains("bogus"),
        "{errors}"
    );
    assert_eq!(m.text("rl-limiter-spec"), "token:rate=10,burst=5");
    assert!(m.drawn_soon("rl-chart").await);
}

#[wasm_bindgen_test]
async fn frames_stay_small_at_100x() {
    let m = mount("?lab=ratelimit&speed=100&lang=en").await;
    assert!(m.drawn_soon("rl-chart").await);
    let t0 = web_sys::window().unwrap().performance().unwrap().now();
    let mut samples = Vec::new();
    for _ in 0..40 {
        TimeoutFuture::new(25).await;
        if let Some(v) = m
            .find("rl-chart")
            .and_then(|c| c.get_attribute("data-frame-ms"))
            .and_then(|v| v.parse::<f64>().ok())
        {
            samples.push(v);
        }
    }
    let wall = web_sys::window().unwrap().performance().unwrap().now() - t0;
    samples.sort_by(f64::total_cmp);
    let median = samples.get(samples.len() / 2).copied().unwrap_or(f64::NAN);
    let max = samples.last().copied().unwrap_or(f64::NAN);
    let time = m.text("rl-time");
    console_log!("BENCH ratelimit 100x: frame work median={median:.2}ms max={max:.2}ms over {wall:.0}ms wall; {time}");
    assert!(median < 16.0, "median frame work {median} ms");
}

#[wasm_bindgen_test]
async fn the_request_list_switches_between_the_two_limiters() {
    let m = mount("?lab=ratelimit&lang=en").await;
    assert!(m.wait_for(3_000, |m| m.find("rl-req-1").is_some()).await);
    assert!(
        m.text("rl-requests").contains("A · token bucket"),
        "{}",
        m.text("rl-requests")
    );
    m.click("rl-requests-B");
    m.expect_text(1_000, "rl-requests", "B · leaky bucket")
        .await;
    // The same first request, now as the leaky bucket decided it.
    assert!(m.find("rl-req-1").is_some());
}

#[wasm_bindgen_test]
async fn the_url_speed_sets_the_slider() {
    let m = mount("?lab=ratelimit&speed=10&lang=zh").await;
    assert_eq!(m.text("rl-speed-value"), "10×");
    assert!(m.all_text().contains("速度"));
}

/// The virtual time the page shows, in seconds.
fn shown_time(m: &Mounted) -> f64 {
    let t = m.text("rl-time");
    t.split_whitespace()
        .find_map(|w| w.parse::<f64>().ok())
        .unwrap_or(-1.0)
}

/// Offered and rejected by limiter A.
fn a_totals(m: &Mounted) -> (u64, u64) {
    let offered = m
        .find("rl-totals-A")
        .and_then(|r| r.children().item(1))
        .and_then(|c| c.text_content())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0);
    (offered, num(m, "rl-rejected-A"))
}

async fn seek(m: &Mounted, ms: &str) {
    m.set("rl-scrubber", ms, "input");
    TimeoutFuture::new(50).await;
}

#[wasm_bindgen_test]
async fn a_mid_run_burst_and_change_are_scrubbed_back_and_replayed_by_the_share_link() {
    // One request at 0, then nothing for 1000 s: only what the user sends shows.
    let m = mount("?lab=ratelimit&limiter=uniform:interval=100ms,wait=600ms&limiter2=none&traffic=steady:rate=0.001&lang=en").await;
    assert!(
        m.wait_for(4_000, |m| shown_time(m) >= 0.6).await,
        "{}",
        m.text("rl-time")
    );
    m.click("rl-play");
    // To 0.3 s with the time slider, then eight requests at once: the notes' example by hand.
    seek(&m, "300").await;
    assert_eq!(shown_time(&m), 0.3);
    m.set("rl-burst-size", "8", "change");
    TimeoutFuture::new(50).await;
    m.click("rl-burst");
    m.expect_text(1_000, "rl-log-1", "0.3 s · burst=8").await;
    assert_eq!(m.text("rl-play"), "Play", "still paused, nothing restarted");
    assert_eq!(m.text("rl-when-6"), "t1 + 4T", "{}", m.text("rl-requests"));
    // Acting ended the recorded run there; two steps on, limiter A becomes a fixed window.
    m.click("rl-step");
    m.click("rl-step");
    m.expect_text(1_000, "rl-time", "0.5").await;
    m.choose("rl-limiter-kind", "fixed").await;
    m.expect_text(
        1_000,
        "rl-log-2",
        "0.5 s · limiter=fixed:limit=10,window=1s",
    )
    .await;
    m.expect_text(1_000, "rl-limiter-spec", "fixed:").await;
    to_end(&m).await;
    assert!(
        m.wait_for(1_000, |m| a_totals(m) == (9, 1)).await,
        "{:?}",
        a_totals(&m)
    );
    // Back before the burst: one request, the old limiter, both changes still to come.
    seek(&m, "200").await;
    assert!(
        m.wait_for(1_000, |m| a_totals(m) == (1, 0)).await,
        "{:?}",
        a_totals(&m)
    );
    assert!(
        m.text("rl-limiter-spec").starts_with("uniform:"),
        "{}",
        m.text("rl-limiter-spec")
    );
    assert!(m
        .find("rl-log-1")
        .is_some_and(|e| e.class_name().contains("rl-later")));
    // Forward again: the same state as before.
    seek(&m, "600000").await;
    assert!(
        m.wait_for(1_000, |m| a_totals(m) == (9, 1)).await,
        "{:?}",
        a_totals(&m)
    );
    assert!(m.text("rl-limiter-spec").starts_with("fixed:"));
    // The share link carries the set-up and both changes, and replays them exactly.
    let url = m.share();
    assert!(
        url.contains("limiter=uniform:interval=100ms,wait=600ms")
            && url.contains("actions=300000.burst=8~500000.limiter=fixed:limit=10,window=1s"),
        "{url}"
    );
    let q = query_of(&url);
    drop(m);
    let again = mount(&q).await;
    assert!(again.find("input-errors").is_none(), "{}", again.all_text());
    to_end(&again).await;
    assert!(
        again.wait_for(1_000, |m| a_totals(m) == (9, 1)).await,
        "{:?}",
        a_totals(&again)
    );
    assert!(again.text("rl-log-2").contains("limiter=fixed"));
    assert!(again.text("rl-limiter-spec").starts_with("fixed:"));
    seek(&again, "400").await;
    assert_eq!(
        again.text("rl-when-6"),
        "t1 + 4T",
        "{}",
        again.text("rl-requests")
    );
}

#[wasm_bindgen_test]
async fn a_damaged_log_replays_its_prefix_and_says_so() {
    let m = mount("?lab=ratelimit&limiter2=none&traffic=steady:rate=0.001&actions=300000.burst=8~400000.burst=x&lang=zh").await;
    let errors = m.text("input-errors");
    assert!(errors.contains("burst"), "{errors}");
    to_end(&m).await;
    assert!(
        m.wait_for(1_000, |m| a_totals(m).0 == 9).await,
        "{:?}",
        a_totals(&m)
    );
    assert!(m.find("rl-log-2").is_none());
}

#[wasm_bindgen_test]
async fn the_preset_plays_its_changes_at_their_times() {
    let m = mount("?lab=ratelimit&scenario=traffic-surge&lang=en").await;
    assert!(
        m.text("scenario-about").contains("25/s"),
        "{}",
        m.all_text()
    );
    to_end(&m).await;
    m.expect_text(1_000, "rl-log-4", "30 s · burst=40").await;
    assert!(
        m.share().contains("scenario=traffic-surge"),
        "{}",
        m.share()
    );
    // Scrubbing before the surge shows no rejection yet.
    seek(&m, "9000").await;
    assert!(m.wait_for(1_000, |m| num(m, "rl-rejected-A") == 0).await);
    seek(&m, "25000").await;
    assert!(m.wait_for(1_000, |m| num(m, "rl-rejected-A") > 100).await);
}
