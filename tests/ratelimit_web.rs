//! Browser tests of the `ratelimit` lab: it mounts and draws, shows totals for two limiters on
//! the same traffic, shows the notes' uniform-queueing example (3 queued → t1 + 4T) by URL and
//! in one click, updates the share link on edits, works in embed mode and in Chinese, refuses
//! a bad `limiter=` with a message, and keeps frames small at 100× speed.
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
