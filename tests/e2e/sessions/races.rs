//! Tabs racing each other (issue #11): two tabs in a browser without Web Locks, whose refreshes
//! nothing keeps apart; and a sign-out in one tab while another tab's refresh is on its way.

use std::time::{Duration, Instant};

use fantoccini::wd::WindowHandle;
use serde_json::json;

use super::{new_tab, refused_refreshes, EMAIL, PASSWORD};
use crate::support::{find, App, BackendOptions};

/// The browser has no Web Locks (an older browser, or a page outside a secure context).
const NO_WEB_LOCKS: &str = "delete Navigator.prototype.locks;";

/// Opens another tab, switches to it, runs `init_scripts` in its documents from now on (CDP
/// applies them per tab) and loads `path`.
async fn open_recorded_tab(app: &App, init_scripts: &[&str], path: &str) -> WindowHandle {
    let handle = new_tab(app).await;
    for script in init_scripts {
        app.add_init_script(script).await;
    }
    app.record_auth_calls().await;
    app.goto(path).await;
    handle
}

/// Without Web Locks both tabs' timers fire at about the same moment (they hold the same
/// session) and both refresh with the same refresh token; with rotation and blacklisting on,
/// the server may refuse one of the two. Over three refresh windows neither tab may end up
/// signed out.
#[tokio::test(flavor = "multi_thread")]
async fn two_tabs_without_web_locks_stay_signed_in() {
    skip_unless_e2e!();
    two_tabs_without_web_locks(BackendOptions::short_access(), &[]).await;
}

/// The same, with the tabs' refreshes apart, as when one of them is a background tab (whose
/// timers the browser throttles): the second tab's refresh leaves 300 ms after the first's,
/// whose answer takes a second to come back (the server has rotated the token meanwhile). The
/// second tab's refresh is refused before the first tab has stored the new tokens; that must
/// not sign anyone out either.
#[tokio::test(flavor = "multi_thread")]
async fn two_tabs_without_web_locks_stay_signed_in_when_refreshes_cross() {
    skip_unless_e2e!();
    /// The second tab's refresh calls leave 300 ms late.
    const LATE_REFRESH: &str = "(() => {
        const fetch = window.fetch;
        window.fetch = function (...args) {
            if (!String(args[0].url || args[0]).includes('/jwt/refresh/')) return fetch.apply(this, args);
            return new Promise((resolve) => setTimeout(resolve, 300)).then(() => fetch.apply(this, args));
        };
    })();";
    two_tabs_without_web_locks(
        BackendOptions::short_access().with_faults("POST /auth/jwt/refresh/=delay-1000"),
        &[LATE_REFRESH],
    )
    .await;
}

/// Two tabs without Web Locks (the second also runs `second_tab_scripts`), signed in, watched
/// through three refresh windows: both must still be signed in.
async fn two_tabs_without_web_locks(backend: BackendOptions, second_tab_scripts: &[&str]) {
    /// Three windows and a half (a refresh ~5 s after each new token)…
    const OBSERVE: Duration = Duration::from_millis(17_500);
    /// …or longer if three refreshes haven't happened yet (a slow machine).
    const OBSERVE_AT_MOST: Duration = Duration::from_secs(25);

    let app = App::start_with(backend).await;
    app.add_user(EMAIL).await;
    let first = app.browser.client.window().await.expect("window handle");
    app.add_init_script(NO_WEB_LOCKS).await;
    app.record_auth_calls().await;
    app.sign_in(EMAIL, PASSWORD).await;
    let signed_in = Instant::now();
    assert_eq!(
        app.js("return 'locks' in navigator;", vec![]).await,
        json!(false),
        "the page still has Web Locks"
    );
    let scripts = [&[NO_WEB_LOCKS], second_tab_scripts].concat();
    let second = open_recorded_tab(&app, &scripts, "/dashboard").await;
    app.wait_for_text("#user-email", EMAIL).await;
    assert_eq!(
        app.js("return 'locks' in navigator;", vec![]).await,
        json!(false),
        "the second tab still has Web Locks"
    );

    // Watch the first tab (a sign-out reaches every tab through storage) and the backend.
    app.switch_to(&first).await;
    let mut signed_out_after = None;
    while signed_in.elapsed() < OBSERVE
        || (app.backend.refresh_calls().await < 3 && signed_in.elapsed() < OBSERVE_AT_MOST)
    {
        if app.pathname().await != "/dashboard" || !app.exists("#user-email").await {
            signed_out_after = Some(signed_in.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let calls = app.backend.refresh_calls().await;
    let refused = refused_refreshes(&app);

    let mut signed_out = vec![];
    for (name, tab) in [("first", &first), ("second", &second)] {
        app.switch_to(tab).await;
        let on_dashboard = app.pathname().await == "/dashboard"
            && app.exists("#user-email").await
            && !app.exists(&find::banner("expired")).await;
        // Each refresh call: its answer, the end of the refresh token it sent, and when (ms).
        let refreshes: Vec<String> = app
            .auth_calls_to("/jwt/refresh/")
            .await
            .iter()
            .map(|c| {
                let sent = c["sent"]["refresh"].as_str().unwrap_or("?");
                let at = c["at"].as_f64().unwrap_or(0.0) % 100_000.0;
                let end = &sent[sent.len().saturating_sub(8)..];
                format!("{} for …{end} at {at:.0}", c["status"])
            })
            .collect();
        println!(
            "{name} tab: {}, refresh calls {refreshes:?}",
            app.path().await
        );
        if !on_dashboard {
            signed_out.push(format!("{name} tab:\n{}", app.describe().await));
        }
        app.assert_no_crash().await;
    }
    println!(
        "two tabs without Web Locks, {:.1?}: {calls} refresh calls at the backend, {refused} refused",
        signed_in.elapsed()
    );
    assert!(
        signed_out.is_empty(),
        "a tab was signed out (first seen {signed_out_after:?} after signing in; {calls} refresh calls, {refused} refused by the backend):\n{}",
        signed_out.join("\n")
    );
    assert!(
        calls >= 3,
        "only {calls} refreshes in {:?}: the test didn't see three windows",
        signed_in.elapsed()
    );
}

/// Tab A's refresh has reached the server (which rotated the refresh token: the old one is
/// blacklisted, a new one issued) but its answer is held back 3 s; tab B signs out meanwhile.
/// Afterwards no tab may be signed in, and every refresh token the browser ever held — the new
/// one in the late answer too — must be refused by the server.
#[tokio::test(flavor = "multi_thread")]
async fn a_sign_out_during_another_tabs_refresh_leaves_no_token_alive() {
    skip_unless_e2e!();
    let app = App::start_with(
        BackendOptions::short_access().with_faults("POST /auth/jwt/refresh/=delay-3000"),
    )
    .await;
    app.add_user(EMAIL).await;
    let first = app.browser.client.window().await.expect("window handle");
    app.record_auth_calls().await;
    app.sign_in(EMAIL, PASSWORD).await;
    let second = open_recorded_tab(&app, &[], "/dashboard").await;
    app.wait_for_text("#user-email", EMAIL).await;
    let tabs = [first, second];

    // Every refresh token either tab holds, as it goes (what it sent and was given, and both
    // stores).
    let mut held: Vec<String> = vec![];
    let mut collect = |tokens: Vec<String>| {
        for token in tokens {
            if !held.contains(&token) {
                held.push(token);
            }
        }
    };
    for tab in &tabs {
        app.switch_to(tab).await;
        collect(app.refresh_tokens_held().await);
    }

    // The refresh is due ~5 s after sign-in; its answer then takes 3 s to come back. Find the
    // tab that sent it (its call has no answer yet): that is tab A.
    let refreshing = app
        .poll(
            "a tab to send its refresh",
            Duration::from_secs(15),
            || async {
                for (i, tab) in tabs.iter().enumerate() {
                    app.switch_to(tab).await;
                    let pending = app
                        .auth_calls_to("/jwt/refresh/")
                        .await
                        .iter()
                        .any(|c| c["status"].is_null());
                    if pending {
                        return Some(i);
                    }
                }
                None
            },
        )
        .await;
    let (tab_a, tab_b) = (&tabs[refreshing], &tabs[1 - refreshing]);

    // Tab B signs out while tab A waits for its answer.
    app.switch_to(tab_b).await;
    collect(app.refresh_tokens_held().await);
    let clicked_at = app
        .js("return performance.timeOrigin + performance.now();", vec![])
        .await
        .as_f64()
        .expect("the time in tab B");
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;
    collect(app.refresh_tokens_held().await);

    // Tab A gets its answer.
    app.switch_to(tab_a).await;
    let refresh = app
        .poll(
            "tab A's delayed refresh answer",
            Duration::from_secs(10),
            || async {
                app.auth_calls_to("/jwt/refresh/")
                    .await
                    .into_iter()
                    .find(|c| !c["status"].is_null())
            },
        )
        .await;
    assert_eq!(
        refresh["status"],
        json!(200),
        "the delayed refresh was refused: {refresh}"
    );
    let answered_at = refresh["answered_at"].as_f64().unwrap();
    assert!(
        clicked_at < answered_at,
        "tab B's sign-out was clicked {:.0} ms after tab A's answer came: not a race",
        clicked_at - answered_at
    );
    let late_token = refresh["answer"]["refresh"]
        .as_str()
        .expect("a refresh token in the delayed answer")
        .to_string();
    // Give the app time to do whatever it does with the answer.
    tokio::time::sleep(Duration::from_secs(2)).await;

    // No tab is signed in, and nothing is stored.
    let mut problems = vec![];
    for (name, tab) in [("A (refreshing)", tab_a), ("B (signing out)", tab_b)] {
        app.switch_to(tab).await;
        collect(app.refresh_tokens_held().await);
        if app.pathname().await != "/login" || app.exists("#user-email").await {
            problems.push(format!("tab {name} is signed in at {}", app.path().await));
        }
        if let Some(session) = app.session().await {
            problems.push(format!(
                "tab {name} sees a session in localStorage: {session}"
            ));
        }
        if let Some(session) = app.latest_session().await {
            problems.push(format!("tab {name} sees a session in IndexedDB: {session}"));
        }
    }
    collect(vec![late_token.clone()]);

    // Every refresh token the browser held is refused.
    let api = app.api();
    for token in &held {
        let r = api.jwt_refresh(token).await;
        if r.status != 401 {
            let which = if *token == late_token {
                "the one in tab A's late refresh answer"
            } else {
                "an earlier one"
            };
            problems.push(format!(
                "a refresh token the browser held ({which}) is still accepted: refresh/ answered {}",
                r.status
            ));
        }
    }
    println!(
        "sign-out during a refresh: {} refresh tokens held by the browser, problems: {problems:#?}",
        held.len()
    );
    assert!(
        problems.is_empty(),
        "after a sign-out during another tab's refresh:\n{}",
        problems.join("\n")
    );
}
