//! A signed-in page kept in the back-forward cache while another tab signs out (issue #11): when
//! Back restores it, with its JavaScript state as it was, it must not go on showing the
//! account. The harness's Chromium keeps the cache on (`Browser::start_with_args`), and the test
//! checks that the page really came back from the cache (`pageshow` with `persisted`).

use std::time::{Duration, Instant};

use serde_json::json;

use super::{open_tab, EMAIL, PASSWORD};
use crate::support::{find, App};

/// Every `pageshow` of the document: whether it came from the back-forward cache.
const RECORD_PAGESHOW: &str = "window.__pageshows = [];
addEventListener('pageshow', (event) => window.__pageshows.push(event.persisted));";

#[tokio::test(flavor = "multi_thread")]
async fn a_page_restored_from_the_back_forward_cache_after_a_sign_out_leaves() {
    skip_unless_e2e!();
    let app = App::start_with_user(EMAIL).await;
    let first = app.browser.client.window().await.expect("window handle");
    app.add_init_script(RECORD_PAGESHOW).await;
    app.sign_in(EMAIL, PASSWORD).await;
    // A mark that only this very document (restored, not reloaded) still has.
    app.js("window.__kept = true;", vec![]).await;

    // A second tab, signed in too.
    let second = open_tab(&app, "/dashboard").await;
    app.wait_for_text("#user-email", EMAIL).await;

    // The first tab leaves for another page: the dashboard goes into the cache.
    app.switch_to(&first).await;
    app.goto_url_as_is(&format!("{}/health/", app.api_base()))
        .await;

    // The second tab signs out.
    app.switch_to(&second).await;
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;

    // Back in the first tab: the dashboard as it was, from the cache.
    app.switch_to(&first).await;
    app.browser.client.back().await.expect("history back");
    let back = Instant::now();
    let restored = app
        .js(
            "return { kept: window.__kept === true, pageshows: window.__pageshows || null };",
            vec![],
        )
        .await;
    assert_eq!(
        restored,
        json!({ "kept": true, "pageshows": [false, true] }),
        "the page did not come back from the back-forward cache (kept: this document's state; pageshows: each pageshow's persisted)\n{}",
        app.describe().await
    );
    app.poll(
        "the restored page to leave for /login",
        Duration::from_secs(2),
        || async { (app.pathname().await == "/login").then_some(()) },
    )
    .await;
    println!(
        "restored from the back-forward cache; left for /login within {:?}",
        back.elapsed()
    );
    app.wait_for(find::LOGIN_FORM).await;
    assert!(
        !app.exists("#user-email").await,
        "the restored page still shows the account"
    );
    assert_eq!(app.session().await, None, "a session is stored again");
    app.assert_no_crash().await;
}
