//! Sessions you can trust (issue #18): one focused test per flaw the issue lists that can be
//! seen end to end, each driven into its race on purpose (the backend's fault knobs, the page
//! controls of `support::storm::PAGE_CONTROLS`: slow IndexedDB, a stepped clock, answers held
//! back, lost or answered by a "gateway"), and each checked from outside the engine: what the
//! page shows, and what the backend says of the tokens (the stored session is found by its
//! content, wherever and under whatever name it is kept).
//!
//! sign_out.rs: no refresh token alive once /login shows, nor after a sign-in whose profile
//! call failed, nor after a revocation the server failed (sent again); tabs.rs: a sign-out in one tab while another's refresh answer is held back (and
//! one written to the copy alone meanwhile), a
//! late profile answer for one user after another signed in, and a profile saved during another
//! tab's refresh; wake.rs: a frozen or back-forward
//! cached tab waking after the user changed; apps.rs: two builds under two base paths of one
//! origin, and `next` through `%2e%2e`; clock.rs: a clock stepped back; refusals.rs: a gateway's
//! 403 or 413 on refresh; stored.rs: an entry of a newer format; links.rs: the emailed links
//! leave the address bar; locks.rs: a tab leaving while it waits for the refresh lock, and one
//! leaving with its refresh answer not stored yet.

use std::time::Duration;

use fantoccini::wd::WindowHandle;
use serde_json::{json, Value};

use crate::sessions::new_tab;
use crate::support::storm::PAGE_CONTROLS;
use crate::support::{App, BackendOptions, PASSWORD};

mod apps;
mod clock;
mod links;
mod locks;
mod refusals;
mod sign_out;
mod stored;
mod tabs;
mod wake;

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

/// Puts the page controls and the auth-call recorder into every document the current tab opens
/// from now on (before its first page).
async fn control_tab(app: &App) {
    app.add_init_script(PAGE_CONTROLS).await;
    app.record_auth_calls().await;
}

/// Opens another tab with the page controls and the recorder (and `extra` init scripts after
/// them), switches to it and loads `path`.
async fn controlled_tab(app: &App, extra: &[&str], path: &str) -> WindowHandle {
    let handle = new_tab(app).await;
    control_tab(app).await;
    for script in extra {
        app.add_init_script(script).await;
    }
    app.goto(path).await;
    handle
}

/// Alice signed in in two tabs of one browser, both with the page controls and both at `path`
/// (the second one current): `[first, second]`.
async fn alice_in_two_tabs(app: &App, path: &str) -> [WindowHandle; 2] {
    app.add_user(ALICE).await;
    let first = app.browser.client.window().await.expect("window handle");
    control_tab(app).await;
    app.sign_in(ALICE, PASSWORD).await;
    if path != "/dashboard" {
        app.goto(path).await;
    }
    let second = controlled_tab(app, &[], path).await;
    [first, second]
}

/// A world with short-lived access tokens, Alice signed in in two tabs at `path` (as
/// [`alice_in_two_tabs`]), and the next refresh answer held back in both (after setting
/// `controls` in each), waited for until one tab's is held: the world, that tab (tab A, holding
/// the refresh lock) and the other one (tab B).
async fn alice_with_a_refresh_held(
    path: &str,
    controls: &[(&str, Value)],
) -> (App, WindowHandle, WindowHandle) {
    let app = App::start_with(BackendOptions::short_access()).await;
    let tabs = alice_in_two_tabs(&app, path).await;
    app.wait_for_app().await;
    for tab in &tabs {
        app.switch_to(tab).await;
        app.control("hold", json!({ "path": "/jwt/refresh", "count": 1 }))
            .await;
        for (field, value) in controls {
            app.control(field, value.clone()).await;
        }
    }
    let holder = app
        .poll(
            "a tab's refresh answer to be held",
            Duration::from_secs(20),
            || async {
                for (i, tab) in tabs.iter().enumerate() {
                    app.switch_to(tab).await;
                    if app.js("return window.__storm.held;", vec![]).await == json!(1) {
                        return Some(i);
                    }
                }
                None
            },
        )
        .await;
    let [first, second] = tabs;
    if holder == 0 {
        (app, first, second)
    } else {
        (app, second, first)
    }
}

/// The first refresh call the current tab saw answered 200, waited for `within` (`what` names
/// it for a failure).
async fn answered_refresh(app: &App, what: &str, within: Duration) -> Value {
    app.poll(what, within, || async {
        app.auth_calls_to("/jwt/refresh/")
            .await
            .into_iter()
            .find(|c| c["status"] == json!(200))
    })
    .await
}

/// The owner (email) of an access token, as the backend's `users/me/` says; `None` if refused.
async fn owner_of(app: &App, access: &str) -> Option<String> {
    let r = app.api().get("/auth/users/me/", Some(access)).await;
    (r.status == 200).then(|| r.json()["email"].as_str().unwrap_or_default().to_string())
}

/// A screen log, one line per entry, for failure messages.
fn screen_lines(screen: &[Value]) -> String {
    screen
        .iter()
        .map(|e| {
            format!(
                "  {:.0} {} {}",
                e["at"].as_f64().unwrap_or_default() % 1_000_000.0,
                e["path"].as_str().unwrap_or("?"),
                e["email"].as_str().unwrap_or("(no user)")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
