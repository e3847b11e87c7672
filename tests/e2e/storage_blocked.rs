//! A browser that blocks site storage ("block all cookies and site data"): reading
//! `window.localStorage` throws a SecurityError. The app must still run, say that a sign-in
//! lasts only while the tab is open, and sign in and out.

use serde_json::json;

use crate::support::{find, App, PASSWORD};

const EMAIL: &str = "no-storage@example.com";

/// Makes every page of this tab throw on `window.localStorage`, as Chrome and Safari do with
/// site data blocked, before any of the page's own scripts run.
async fn block_storage(app: &App) {
    app.add_init_script("Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });")
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn blocked_storage_keeps_the_app_working_in_memory() {
    skip_unless_e2e!();
    let app = App::start_with_user(EMAIL).await;
    block_storage(&app).await;

    app.goto("/login").await;
    let blocked = app
        .js(
            "try { window.localStorage; return false; } catch (e) { return e.name === 'SecurityError'; }",
            vec![],
        )
        .await;
    assert_eq!(blocked, json!(true), "the page should see storage blocked");
    app.wait_for_text(
        &find::banner("storage-blocked"),
        "only while this tab is open",
    )
    .await;
    app.wait_for(find::LOGIN_FORM).await;

    app.sign_in(EMAIL, PASSWORD).await;
    app.wait_for_pathname("/dashboard").await;
    app.wait_for_text("main", EMAIL).await;
    app.assert_no_crash().await;

    // Moving around inside the app keeps the in-memory session.
    app.click("a[href='/settings']").await;
    app.wait_for_pathname("/settings").await;
    app.wait_for_text("main", EMAIL).await;

    // A reload forgets it, as the notice said: back to sign in, no crash.
    app.reload().await;
    app.wait_for_pathname("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    app.assert_no_crash().await;
}
