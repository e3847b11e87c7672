//! A clock stepped back (issue #18: "a backward clock step signs everyone out"): one tab's
//! clock jumps an hour back (as after an NTP correction) and that tab refreshes while the other
//! sleeps (frozen) through the refresh point. When the other wakes it must take the newer
//! tokens, not refresh with a rotated-out one: nobody is signed out, the backend refuses nothing.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{alice_in_two_tabs, answered_refresh, ALICE};
use crate::sessions::refused_refreshes;
use crate::support::{App, BackendOptions};

#[tokio::test(flavor = "multi_thread")]
async fn a_backward_clock_step_signs_nobody_out() {
    skip_unless_e2e!();
    // Refreshed 60 s before expiry: ~15 s after each new token, time to set the scene.
    let app = App::start_with(BackendOptions {
        access_seconds: 75,
        ..Default::default()
    })
    .await;
    let [first, second] = alice_in_two_tabs(&app, "/dashboard").await;
    app.wait_for_text("#user-email", ALICE).await;
    app.control("clockShift", json!(3_600_000)).await;

    app.switch_to(&first).await;
    app.browser
        .cdp("Page.setWebLifecycleState", json!({ "state": "frozen" }))
        .await;
    app.switch_to(&second).await;
    answered_refresh(
        &app,
        "the stepped-back tab to refresh",
        Duration::from_secs(30),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    app.switch_to(&first).await;
    app.browser
        .cdp("Page.setWebLifecycleState", json!({ "state": "active" }))
        .await;

    // Two more refresh windows.
    let woke = Instant::now();
    let mut signed_out = vec![];
    while woke.elapsed() < Duration::from_secs(20) && signed_out.is_empty() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        for (name, tab) in [("the woken tab", &first), ("the stepped-back tab", &second)] {
            app.switch_to(tab).await;
            if app.shown_email().await.as_deref() != Some(ALICE) {
                signed_out.push(format!(
                    "{name} is signed out {:.1?} after the other woke, at {}",
                    woke.elapsed(),
                    app.path().await
                ));
            }
        }
    }
    let refused = refused_refreshes(&app);
    assert!(
        signed_out.is_empty() && refused == 0,
        "after a backward clock step in one tab: {signed_out:?}; jwt/refresh/ refused {refused} time(s)"
    );
}
