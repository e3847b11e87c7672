//! The refresh lock across page loads: a tab that leaves while its refresh waits for the lock
//! must not leave the lock to a page that is gone (seed 5019 of the storm, Chromium: nothing
//! held, every other request stuck behind it, a password change waiting for good).

use std::time::Duration;

use serde_json::json;

use super::alice_with_a_refresh_held;

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
