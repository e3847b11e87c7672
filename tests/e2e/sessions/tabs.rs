//! Tabs of one browser: five tabs (and a hundred documents) through three refresh windows make
//! one refresh call per window and no sign-outs; signing in and out in one tab reaches the others without a reload.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{open_tab, refused_refreshes, stored_access, EMAIL, PASSWORD};
use crate::support::{find, App, BackendOptions};

#[tokio::test(flavor = "multi_thread")]
async fn five_tabs_share_one_refresh_per_window() {
    skip_unless_e2e!();
    /// Watch at least this long (three windows and a half)…
    const OBSERVE: Duration = Duration::from_millis(17_500);
    /// …and longer if three refreshes haven't happened yet (a slow machine), up to this.
    const OBSERVE_AT_MOST: Duration = Duration::from_secs(25);
    const WINDOW: f64 = 5.0;

    let app = App::start_signed_in_with(BackendOptions::short_access(), EMAIL).await;
    let signed_in = Instant::now();
    let first_refresh_token = app.session_field("refresh_token").await;

    // Every access token seen in storage with its `access_received_at`: the browser's own
    // clock at the moment the refreshing tab got it.
    let mut tokens: Vec<(f64, String)> = vec![];
    let sample = |tokens: &mut Vec<(f64, String)>, session: Option<Value>| {
        let session = session.expect("the session left storage");
        let access = session["access_token"].as_str().unwrap().to_string();
        let received = session["access_received_at"].as_f64().unwrap();
        if tokens.last().map(|(_, t)| t) != Some(&access) {
            assert!(
                !tokens.iter().any(|(_, t)| *t == access),
                "an older access token came back into storage"
            );
            tokens.push((received, access));
        }
    };
    sample(&mut tokens, app.session().await);

    let mut windows = vec![app.browser.client.window().await.expect("window handle")];
    for _ in 0..4 {
        windows.push(open_tab(&app, "/dashboard").await);
        app.wait_for_text("#user-email", EMAIL).await;
        sample(&mut tokens, app.session().await);
    }
    let tabs_opened = signed_in.elapsed();

    // Watch storage (shared by all tabs) and the backend's counter through three windows.
    app.switch_to(&windows[0]).await;
    while signed_in.elapsed() < OBSERVE
        || (tokens.len() < 4 && signed_in.elapsed() < OBSERVE_AT_MOST)
    {
        sample(&mut tokens, app.session().await);
        let calls = app.backend.refresh_calls().await;
        let rotated = tokens.len() - 1;
        assert_eq!(
            refused_refreshes(&app),
            0,
            "the backend refused a refresh after {:?}: a tab sent a rotated (blacklisted) refresh token",
            signed_in.elapsed()
        );
        // At any moment at most the refresh under way is not in storage yet.
        assert!(
            calls <= rotated as u64 + 1,
            "{calls} refresh calls but only {rotated} new tokens in storage after {:?}: more than one refresh in a window",
            signed_in.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let observed = signed_in.elapsed();
    // A window is at least 5 s long (5 s after each new token, plus the refresh's own time).
    let windows_elapsed = (observed.as_secs_f64() / WINDOW).floor() as usize;
    // The last window's refresh may still be in flight: wait for the counter and storage to agree.
    let calls = app
        .poll(
            "the refresh calls to match the tokens in storage",
            Duration::from_secs(3),
            || async {
                let calls = app.backend.refresh_calls().await;
                let access = stored_access(&app).await;
                let known = tokens.iter().any(|(_, t)| Some(t) == access.as_ref());
                let rotated = tokens.len() as u64 - 1 + u64::from(!known);
                (calls == rotated).then_some(calls)
            },
        )
        .await;
    sample(&mut tokens, app.session().await);
    let rotated = tokens.len() - 1;

    // Every tab is still signed in on the dashboard, with no expired notice.
    let mut signed_out_tabs = 0;
    for (i, window) in windows.iter().enumerate() {
        app.switch_to(window).await;
        let on_dashboard = app.pathname().await == "/dashboard"
            && app.exists("#user-email").await
            && !app.exists(&find::banner("expired")).await;
        if !on_dashboard {
            signed_out_tabs += 1;
            eprintln!("tab {i} is not signed in:\n{}", app.describe().await);
        }
        app.assert_no_crash().await;
    }
    let refused = refused_refreshes(&app);

    // Seconds from the sign-in token to each new one, by the browser's clock.
    let arrivals: Vec<f64> = tokens.iter().map(|(at, _)| at - tokens[0].0).collect();
    let shown: Vec<String> = arrivals[1..].iter().map(|t| format!("{t:.2} s")).collect();
    println!(
        "five tabs (opened in {tabs_opened:.1?}), observed {observed:.1?}: refresh windows elapsed: {windows_elapsed}; \
         new tokens in storage: {rotated} (at {}); backend refresh calls: {calls}; refused refreshes: {refused}; \
         tabs signed out: {signed_out_tabs}",
        shown.join(", ")
    );

    assert_eq!(signed_out_tabs, 0, "tabs were signed out");
    assert_eq!(
        refused, 0,
        "the backend refused refreshes (a tab used a blacklisted token)"
    );
    assert!(
        rotated >= 3 && rotated <= windows_elapsed,
        "expected one new token per refresh window ({windows_elapsed} windows, at least three) in {observed:?}, saw {rotated}"
    );
    assert_eq!(
        calls, rotated as u64,
        "the backend saw {calls} refreshes for {rotated} new tokens: some window refreshed more than once"
    );
    // One refresh per window: each new token arrived a window after the one before.
    for pair in arrivals.windows(2) {
        assert!(
            pair[1] - pair[0] >= WINDOW - 0.1,
            "two refreshes {:.2} s apart (arrivals {shown:?})",
            pair[1] - pair[0]
        );
    }

    // The server still takes the refresh token the tabs hold, and rotation really happened.
    let refresh = app.session_field("refresh_token").await;
    let verify = |token: String| {
        let api = app.api();
        async move {
            api.post("/auth/jwt/verify/", json!({ "token": token }))
                .await
        }
    };
    let current = verify(refresh).await;
    assert_eq!(
        current.status,
        200,
        "the current refresh token was refused: {}",
        current.text()
    );
    let old = verify(first_refresh_token).await;
    assert!(
        old.status != 200 && old.text().contains("blacklisted"),
        "the sign-in refresh token should be blacklisted by rotation: {} {}",
        old.status,
        old.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_and_sign_out_reach_other_tabs() {
    skip_unless_e2e!();
    const LIMIT: Duration = Duration::from_secs(2);
    let app = App::start_with_user(EMAIL).await;

    let first = app.browser.client.window().await.expect("window handle");
    app.goto("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    // Markers that a reload would wipe: the tabs must follow without one.
    let mark = "window.__not_reloaded = true;";
    let marked = "return window.__not_reloaded === true;";
    app.js(mark, vec![]).await;
    let second = open_tab(&app, "/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    app.js(mark, vec![]).await;

    // Sign in in the first tab; the second, sitting on /login, follows.
    app.switch_to(&first).await;
    app.fill("email", EMAIL).await;
    app.fill("password", PASSWORD).await;
    let clicked = Instant::now();
    app.submit().await;
    app.switch_to(&second).await;
    app.poll("the other tab to reach /dashboard", LIMIT, || async {
        (app.pathname().await == "/dashboard").then_some(())
    })
    .await;
    let sign_in_took = clicked.elapsed();
    app.wait_for_text("#user-email", EMAIL).await;
    assert_eq!(
        app.js(marked, vec![]).await,
        Value::Bool(true),
        "the tab was reloaded instead of following the sign-in"
    );

    // Sign out in the second tab; the first leaves /dashboard for /login.
    app.switch_to(&first).await;
    app.wait_for_text("#user-email", EMAIL).await;
    app.switch_to(&second).await;
    let clicked = Instant::now();
    app.click(find::SIGN_OUT).await;
    app.switch_to(&first).await;
    app.poll("the other tab to leave for /login", LIMIT, || async {
        (app.pathname().await == "/login").then_some(())
    })
    .await;
    let sign_out_took = clicked.elapsed();
    app.wait_for(find::LOGIN_FORM).await;
    println!("sign-in reached the other tab in {sign_in_took:?}, sign-out in {sign_out_took:?}");
    assert_eq!(
        app.js(marked, vec![]).await,
        Value::Bool(true),
        "the tab was reloaded instead of following the sign-out"
    );
    assert!(app.session().await.is_none(), "the session is still stored");
    assert!(
        !app.exists("#user-email").await,
        "the signed-out tab still shows the profile"
    );
    app.switch_to(&second).await;
    app.wait_for_pathname("/login").await;
}

/// A hundred documents of the app in one browser (this tab and 99 same-origin frames, each an
/// app of its own with its timer, lock requests, IndexedDB connection and storage events) through
/// three refresh windows: one refresh call per window, none refused, all still signed in.
#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_documents_share_one_refresh_per_window() {
    skip_unless_e2e!();
    const FRAMES: usize = 99;
    let app = App::start_signed_in_with(BackendOptions::short_access(), EMAIL).await;
    app.js(
        "for (let i = 0; i < arguments[0]; i++) {
           const frame = document.createElement('iframe');
           frame.src = '/dashboard';
           frame.width = frame.height = 30;
           document.documentElement.append(frame);
         }
         return null;",
        vec![json!(FRAMES)],
    )
    .await;
    let signed_in_frames = || async {
        app.js(
            "return [...document.querySelectorAll('iframe')].filter((frame) => {
               const shown = frame.contentDocument && frame.contentDocument.querySelector('#user-email');
               return shown && shown.textContent.trim() === arguments[0];
             }).length;",
            vec![json!(EMAIL)],
        )
        .await
        .as_u64()
        .unwrap_or(0) as usize
    };
    app.poll(
        "every frame to show the signed-in dashboard",
        Duration::from_secs(90),
        || async { (signed_in_frames().await == FRAMES).then_some(()) },
    )
    .await;

    // Three more windows (5 s each) from now.
    let before = app.backend.refresh_calls().await;
    app.poll(
        "three refresh windows to pass",
        Duration::from_secs(40),
        || async { (app.backend.refresh_calls().await >= before + 3).then_some(()) },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The refresh calls' seconds in the backend's log: a window apart, never two together.
    let log = std::fs::read_to_string(app.backend.stderr_log()).unwrap_or_default();
    let seconds: Vec<u32> = log
        .lines()
        .filter(|l| l.contains("POST /auth/jwt/refresh/"))
        .filter_map(|l| {
            let time = l.split(['[', ']']).nth(1)?.rsplit(' ').next()?;
            let mut parts = time.split(':').map(|p| p.parse::<u32>().ok());
            Some(parts.next()?? * 3600 + parts.next()?? * 60 + parts.next()??)
        })
        .collect();
    assert!(
        seconds.len() >= 3,
        "the refresh calls should be in the backend's log: {seconds:?}"
    );
    assert!(
        seconds.windows(2).all(|pair| pair[1] >= pair[0] + 3),
        "two refresh calls in one window (seconds of the day: {seconds:?})"
    );
    assert_eq!(refused_refreshes(&app), 0, "a refresh was refused");
    assert_eq!(
        signed_in_frames().await,
        FRAMES,
        "a frame is signed out\n{}",
        app.describe().await
    );
    assert_eq!(app.text("#user-email").await, EMAIL);
    app.assert_no_crash().await;
}
