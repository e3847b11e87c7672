//! A tab that slept through a change of user (issue #18: "another user's data left on
//! screen"): frozen (Page Lifecycle), or kept in the back-forward cache, while Alice signed out
//! and Bob signed in in another tab. When it wakes it must pass through signed-out before it
//! shows Bob: never Alice's page under Bob's session, never Alice's data on Bob's.

use std::time::Duration;

use fantoccini::wd::WindowHandle;
use serde_json::json;

use super::{control_tab, controlled_tab, screen_lines, ALICE, BOB, PASSWORD};
use crate::support::storm::user_swaps;
use crate::support::{find, App};

async fn two_users() -> App {
    let app = App::start_with_user(ALICE).await;
    app.add_user(BOB).await;
    app
}

/// What the sleeping tab showed, checked: no change from one user to another without a
/// signed-out moment between; and at the end it shows Bob or nobody.
async fn assert_passed_through_signed_out(app: &App, how: &str) {
    let screen = app.screen_log().await;
    let swaps = user_swaps(&screen);
    assert!(
        swaps.is_empty(),
        "the {how} tab went from one user to another without passing through signed-out ({swaps:?}); what it showed:\n{}",
        screen_lines(&screen)
    );
    let shown = app.shown_email().await;
    assert!(
        shown.is_none() || shown.as_deref() == Some(BOB),
        "the {how} tab shows {shown:?} while Bob is signed in"
    );
}

/// Alice signs in in this tab (its init scripts: the page controls, then `init`), which runs
/// `before_freeze` and is frozen (CDP) while another tab signs her out and Bob in; then it is
/// woken. Gives this tab (current again) and the other one.
async fn woken_after_bob_signed_in(
    app: &App,
    init: &[&str],
    before_freeze: Option<&str>,
) -> (WindowHandle, WindowHandle) {
    let sleeper = app.browser.client.window().await.expect("window handle");
    control_tab(app).await;
    for script in init {
        app.add_init_script(script).await;
    }
    app.sign_in(ALICE, PASSWORD).await;
    // A script run in a frozen page waits for it to resume.
    if let Some(script) = before_freeze {
        app.js(script, vec![]).await;
    }
    app.browser
        .cdp("Page.setWebLifecycleState", json!({ "state": "frozen" }))
        .await;

    let other = controlled_tab(app, &[], "/dashboard").await;
    app.wait_for_text("#user-email", ALICE).await;
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;
    app.sign_in(BOB, PASSWORD).await;

    app.switch_to(&sleeper).await;
    app.browser
        .cdp("Page.setWebLifecycleState", json!({ "state": "active" }))
        .await;
    (sleeper, other)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_frozen_tab_waking_under_another_user_passes_through_sign_in() {
    skip_unless_e2e!();
    let app = two_users().await;
    let (_, second) = woken_after_bob_signed_in(&app, &[], None).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_passed_through_signed_out(&app, "frozen").await;
    app.switch_to(&second).await;
    app.wait_for_text("#user-email", BOB).await;
}

/// Every `pageshow` of the document: whether it came from the back-forward cache.
const RECORD_PAGESHOW: &str = "window.__pageshows = [];
addEventListener('pageshow', (event) => window.__pageshows.push(event.persisted));";

#[tokio::test(flavor = "multi_thread")]
async fn a_back_forward_cached_page_restored_under_another_user_passes_through_sign_in() {
    skip_unless_e2e!();
    let app = two_users().await;
    let first = app.browser.client.window().await.expect("window handle");
    control_tab(&app).await;
    app.add_init_script(RECORD_PAGESHOW).await;
    app.sign_in(ALICE, PASSWORD).await;
    app.goto_url_as_is(&format!("{}/health/", app.api_base()))
        .await;

    let _second = controlled_tab(&app, &[], "/dashboard").await;
    app.wait_for_text("#user-email", ALICE).await;
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;
    app.sign_in(BOB, PASSWORD).await;

    app.switch_to(&first).await;
    app.browser.client.back().await.expect("history back");
    tokio::time::sleep(Duration::from_secs(3)).await;
    let pageshows = app.js("return window.__pageshows || null;", vec![]).await;
    assert_eq!(
        pageshows,
        json!([false, true]),
        "the page did not come back from the back-forward cache (each pageshow's persisted): nothing to check\n{}",
        app.describe().await
    );
    assert_passed_through_signed_out(&app, "restored").await;
}

/// Once `window.__lateTimers` is set, the document's zero-delay timers fire that many ms late,
/// as a hidden page's do (Chromium throttles them, for up to a minute).
const LATE_TIMERS: &str = "(() => {
  const setTimeout = window.setTimeout;
  window.setTimeout = function (callback, delay, ...rest) {
    if (!delay && window.__lateTimers) delay = window.__lateTimers;
    return setTimeout.call(this, callback, delay, ...rest);
  };
})();";

/// The sleeping tab wakes to Bob's sign-in: it signs Alice out and takes Bob's session on a
/// timer, once the signed-out page is drawn. That timer fires late (a hidden page), after Bob
/// has signed out too and the tab has heard of it: the tab must not bring Bob's ended sign-in
/// back (it once reconciled with the record it had read when the timer was set).
#[tokio::test(flavor = "multi_thread")]
async fn a_late_timer_never_brings_back_a_user_who_has_signed_out() {
    skip_unless_e2e!();
    const LATE_MS: u64 = 8_000;
    let app = two_users().await;
    let late = format!("window.__lateTimers = {LATE_MS};");
    let (sleeper, other) = woken_after_bob_signed_in(&app, &[LATE_TIMERS], Some(&late)).await;
    let woke = std::time::Instant::now();

    app.switch_to(&other).await;
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;
    app.switch_to(&sleeper).await;
    app.poll(
        "the sleeping tab to hear of Bob's sign-out",
        Duration::from_secs(5),
        || async { app.shown_email().await.is_none().then_some(()) },
    )
    .await;
    let heard = app.screen_log().await.len();
    assert!(
        woke.elapsed() < Duration::from_millis(LATE_MS),
        "Bob's sign-out took longer than the sleeping tab's late timer: nothing to check"
    );

    tokio::time::sleep(Duration::from_millis(LATE_MS) + Duration::from_secs(2)).await;
    let screen = app.screen_log().await;
    assert!(
        !screen[heard.min(screen.len())..]
            .iter()
            .any(|e| e["email"] == json!(BOB)),
        "the sleeping tab showed Bob after he had signed out; what it showed:\n{}",
        screen_lines(&screen)
    );
    assert_eq!(app.shown_email().await, None);
}
