//! The refresh lock across page loads: a tab that leaves while its refresh waits for the lock
//! must not leave the lock to a page that is gone (seed 5019 of the storm, Chromium: nothing
//! held, every other request stuck behind it, a password change waiting for good); and a tab
//! that leaves holding it, its refresh answered but not stored yet, leaves the next tab to ask
//! again, with nobody signed out.

use std::time::Duration;

use serde_json::json;

use super::{alice_with_a_refresh_held, answered_refresh};
use crate::sessions::refused_refreshes;
use crate::support::tokens::refresh_token_alive;

/// Tab A's refresh answer is held back, so A holds the refresh lock; tab B's refresh, due at
/// the same moment, waits for it. B then loads /settings (its waiting request belongs to a page
/// that is gone) and A's answer is let through. The lock must come free at once: B's new page
/// takes it within 3 s (well before the app's own 10 s patience).
#[tokio::test(flavor = "multi_thread")]
async fn a_tab_that_leaves_while_waiting_for_the_refresh_lock_leaves_it_free() {
    skip_unless_e2e!();
    // The refresh is due ~5 s after sign-in: the tab whose answer is held holds the lock.
    let (app, tab_a, tab_b) = alice_with_a_refresh_held("/dashboard", &[]).await;
    app.switch_to(&tab_b).await;
    let query = "return navigator.locks.query().then(q => JSON.stringify(q));";
    let lock = app
        .poll(
            "tab B's refresh to wait for the lock",
            Duration::from_secs(10),
            || async {
                let state: serde_json::Value =
                    serde_json::from_str(app.js(query, vec![]).await.as_str()?).ok()?;
                let pending = state["pending"].as_array()?.first()?;
                pending["name"].as_str().map(str::to_string)
            },
        )
        .await;

    app.goto("/settings").await;
    app.switch_to(&tab_a).await;
    app.control("release", json!(true)).await;
    app.switch_to(&tab_b).await;
    let taken = app
        .js(
            "const [name] = arguments; \
             const got = navigator.locks.request(name, () => 'taken'); \
             const late = new Promise(r => setTimeout(() => r('not granted'), 3000)); \
             return Promise.race([got, late]);",
            vec![json!(lock)],
        )
        .await;
    let state = app.js(query, vec![]).await;
    assert_eq!(
        taken,
        json!("taken"),
        "tab B's new page couldn't take the refresh lock within 3 s of tab A letting it go; the \
         locks: {state}"
    );
}

/// Tab A holds the refresh lock with its answer held back. Its IndexedDB is made 3 s slow, the
/// answer let through, and A reloaded the moment the answer reaches the page, before it can be
/// stored (storm seeds 31005 and 31044, WebKit). The answer is lost with the page: tab B, given
/// the lock, sends the same refresh token again; the backend answers it with the same pair (its
/// overlap for a lost answer), and both tabs stay signed in on that one live refresh token.
#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_answer_lost_with_its_page_is_asked_again_and_nobody_is_signed_out() {
    skip_unless_e2e!();
    let (app, tab_a, tab_b) = alice_with_a_refresh_held("/dashboard", &[]).await;
    app.switch_to(&tab_a).await;
    app.control("idbDelay", json!(3000)).await;
    app.control("release", json!(true)).await;
    let lost = answered_refresh(&app, "tab A's refresh answer", Duration::from_secs(5)).await;
    app.browser.client.refresh().await.expect("reload tab A");
    let (sent, answer) = (&lost["sent"]["refresh"], &lost["answer"]["refresh"]);

    app.switch_to(&tab_b).await;
    app.poll("tab B's refresh call", Duration::from_secs(20), || async {
        (app.js("return window.__storm.held;", vec![]).await == json!(1)).then_some(())
    })
    .await;
    app.control("release", json!(true)).await;
    let again = answered_refresh(&app, "tab B's refresh answer", Duration::from_secs(5)).await;
    assert_eq!(
        (&again["sent"]["refresh"], &again["answer"]["refresh"]),
        (sent, answer),
        "tab B should have sent the token whose answer tab A lost, and got the same answer"
    );

    for tab in [&tab_b, &tab_a] {
        app.switch_to(tab).await;
        app.wait_for_text("#user-email", super::ALICE).await;
    }
    let stored = app.stored_session().await.expect("a stored session");
    assert_eq!(stored.refresh_token(), answer.as_str().unwrap_or_default());
    assert!(
        refresh_token_alive(&app.api(), stored.refresh_token()).await,
        "the stored refresh token should be alive"
    );
    assert_eq!(
        refused_refreshes(&app),
        0,
        "no refresh should have been refused"
    );
}
