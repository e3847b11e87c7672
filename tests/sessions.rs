//! Sessions that never break: one refresh per browser across tabs, sign-in and sign-out
//! reaching every tab, outages survived, failed and throttled forms, bad stored data. The
//! release build in headless Chromium against the reference backend (see tests/README.md).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::{Duration, Instant};

use fantoccini::wd::WindowHandle;
use serde_json::{json, Value};
use support::{App, BackendOptions, SESSION_KEY};

const EMAIL: &str = "tabs@example.com";
const PASSWORD: &str = "Correct-horse-42";

/// Access tokens that live 65 s: the app refreshes 60 s before expiry, i.e. 5 s after each
/// new token arrives, so a refresh window is about 5 s long.
fn short_access() -> BackendOptions {
    BackendOptions {
        access_seconds: 65,
        ..Default::default()
    }
}

async fn switch_to(app: &App, window: &WindowHandle) {
    app.browser
        .client
        .switch_to_window(window.clone())
        .await
        .expect("switch to a window");
}

/// Opens another tab of the same WebDriver session, switches to it and loads `path`.
async fn open_tab(app: &App, path: &str) -> WindowHandle {
    let handle = app
        .browser
        .client
        .new_window(true)
        .await
        .expect("open a new tab")
        .handle;
    switch_to(app, &handle).await;
    app.goto(path).await;
    handle
}

/// The stored session's access token, if there is a session.
async fn stored_access(app: &App) -> Option<String> {
    app.session()
        .await
        .and_then(|s| s["access_token"].as_str().map(str::to_string))
}

/// Lines of the backend's request log answering `POST /auth/jwt/refresh/` with 401.
fn refused_refreshes(app: &App) -> usize {
    std::fs::read_to_string(app.backend.stderr_log())
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("POST /auth/jwt/refresh/") && l.contains("\" 401 "))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn five_tabs_share_one_refresh_per_window() {
    /// Watch at least this long (three windows and a half)…
    const OBSERVE: Duration = Duration::from_millis(17_500);
    /// …and longer if three refreshes haven't happened yet (a slow machine), up to this.
    const OBSERVE_AT_MOST: Duration = Duration::from_secs(25);
    const WINDOW: f64 = 5.0;

    let app = App::start_with(short_access()).await;
    app.backend.create_active_user(EMAIL, PASSWORD).await;
    app.sign_in(EMAIL, PASSWORD).await;
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
    switch_to(&app, &windows[0]).await;
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
        switch_to(&app, window).await;
        let on_dashboard = app.pathname().await == "/dashboard"
            && app.exists("#user-email").await
            && !app.exists("[data-notice=\"expired\"]").await;
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
    const LIMIT: Duration = Duration::from_secs(2);
    let app = App::start().await;
    app.backend.create_active_user(EMAIL, PASSWORD).await;

    let first = app.browser.client.window().await.expect("window handle");
    app.goto("/login").await;
    app.wait_for("form#login-form").await;
    // Markers that a reload would wipe: the tabs must follow without one.
    let mark = "window.__not_reloaded = true;";
    let marked = "return window.__not_reloaded === true;";
    app.js(mark, vec![]).await;
    let second = open_tab(&app, "/login").await;
    app.wait_for("form#login-form").await;
    app.js(mark, vec![]).await;

    // Sign in in the first tab; the second, sitting on /login, follows.
    switch_to(&app, &first).await;
    app.fill("email", EMAIL).await;
    app.fill("password", PASSWORD).await;
    let clicked = Instant::now();
    app.submit().await;
    switch_to(&app, &second).await;
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
    switch_to(&app, &first).await;
    app.wait_for_text("#user-email", EMAIL).await;
    switch_to(&app, &second).await;
    let clicked = Instant::now();
    app.click("button#sign-out").await;
    switch_to(&app, &first).await;
    app.poll("the other tab to leave for /login", LIMIT, || async {
        (app.pathname().await == "/login").then_some(())
    })
    .await;
    let sign_out_took = clicked.elapsed();
    app.wait_for("form#login-form").await;
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
    switch_to(&app, &second).await;
    app.wait_for_pathname("/login").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn backend_outage_keeps_the_session_and_recovers() {
    let mut app = App::start_with(short_access()).await;
    app.backend.create_active_user(EMAIL, PASSWORD).await;
    app.sign_in(EMAIL, PASSWORD).await;
    let signed_in = Instant::now();
    let before = app.session().await.expect("a stored session");

    // Down before the first refresh (due 5 s after sign-in).
    assert_eq!(app.backend.refresh_calls().await, 0);
    app.backend.stop().await;
    assert!(
        signed_in.elapsed() < Duration::from_secs(4),
        "stopping the backend took too long: the first refresh may have happened already"
    );
    app.wait_for("[data-notice=\"reconnecting\"]").await;
    let notice_after = signed_in.elapsed();
    // The session stays, untouched, and so does the page.
    assert_eq!(app.pathname().await, "/dashboard");
    assert!(app.exists("#user-email").await, "the profile is gone");
    assert_eq!(
        app.session().await.as_ref(),
        Some(&before),
        "the stored session changed while the server was down"
    );
    assert!(!app.exists("[data-notice=\"expired\"]").await);

    app.backend.start_again().await;
    let restarted = Instant::now();
    let old_access = before["access_token"].as_str().unwrap().to_string();
    app.poll(
        "a refresh once the backend is back",
        Duration::from_secs(35),
        || async { (stored_access(&app).await != Some(old_access.clone())).then_some(()) },
    )
    .await;
    let recovered_in = restarted.elapsed();
    app.wait_gone("[data-notice=\"reconnecting\"]").await;
    assert_eq!(app.pathname().await, "/dashboard");
    app.wait_for_text("#user-email", EMAIL).await;
    app.assert_no_crash().await;
    let calls = app.backend.refresh_calls().await;
    println!(
        "reconnecting notice {notice_after:?} after sign-in; refreshed {recovered_in:?} after the restart with {calls} call(s)"
    );
    assert_eq!(calls, 1, "one refresh once the server was back");
    let refresh = app.session_field("refresh_token").await;
    assert_ne!(refresh, before["refresh_token"].as_str().unwrap());
    let verify = app
        .api()
        .post("/auth/jwt/verify/", json!({ "token": refresh }))
        .await;
    assert_eq!(
        verify.status,
        200,
        "the new refresh token: {}",
        verify.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_request_keeps_what_the_user_typed() {
    let mut app = App::start().await;
    app.backend.stop().await;
    app.goto("/login").await;
    app.wait_for("form#login-form").await;
    app.fill("email", "typed@example.com").await;
    app.fill("password", "what-I-typed-42").await;
    app.submit().await;

    app.wait_for_text("form#login-form .form-alert", "Can't reach the server")
        .await;
    assert_eq!(app.value("email").await, "typed@example.com");
    assert_eq!(app.value("password").await, "what-I-typed-42");
    let button = app.wait_for("form#login-form button[type=submit]").await;
    assert!(
        button.is_enabled().await.expect("button state"),
        "the submit button stays disabled after the failure"
    );
    assert_eq!(app.pathname().await, "/login");
    app.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_form_counts_down_retry_after() {
    let app = App::start_with(BackendOptions {
        throttle_anon: Some("3/min".into()),
        ..Default::default()
    })
    .await;
    app.backend.create_active_user(EMAIL, PASSWORD).await;
    app.goto("/login").await;
    app.wait_for("form#login-form").await;
    app.fill("email", EMAIL).await;
    app.fill("password", "not-the-password").await;

    // Wrong passwords until the throttle answers (the 4th attempt with "3/min").
    let mut attempts = 0;
    loop {
        attempts += 1;
        assert!(attempts <= 5, "no 429 after {} attempts", attempts - 1);
        let alert = app
            .submit_and_read_alert("login-form", "/auth/jwt/create/", || app.submit())
            .await;
        if alert.contains("Too many attempts") {
            break;
        }
        assert!(
            alert.contains("No active account"),
            "attempt {attempts}: unexpected alert {alert:?}"
        );
    }
    assert_eq!(attempts, 4, "3/min should throttle the 4th attempt");

    let alert = app.text("form#login-form .form-alert").await;
    let seconds = |text: &str| -> u32 {
        let after = text
            .split("Try again in ")
            .nth(1)
            .unwrap_or_else(|| panic!("no \"Try again in N seconds\" in {text:?}"));
        after
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no number of seconds in {text:?}"))
    };
    let told = seconds(&alert);
    assert!(
        (1..=60).contains(&told) && alert.contains(&format!("Try again in {told} second")),
        "the alert should say when to try again: {alert:?}"
    );
    let button = "form#login-form button[type=submit]";
    let label = app.text(button).await;
    let first = seconds(&label);
    assert!(
        label.trim().starts_with("Try again in") && first <= told,
        "the button should count down from {told}: {label:?}"
    );
    assert!(
        !app.wait_for(button)
            .await
            .is_enabled()
            .await
            .expect("button state"),
        "the submit button should wait out the 429"
    );
    // It counts down.
    let later = app
        .poll(
            "the button's countdown to move",
            Duration::from_secs(3),
            || async {
                let n = seconds(&app.text(button).await);
                (n < first).then_some(n)
            },
        )
        .await;
    println!("throttled: told {told} s, button went {first} → {later}");
    // Pressing it now sends nothing.
    let sent = app.requests_to("/auth/jwt/create/").await;
    app.js(
        "document.querySelector('#login-form').requestSubmit();",
        vec![],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.requests_to("/auth/jwt/create/").await,
        sent,
        "a submit during the wait was sent"
    );
    app.assert_no_crash().await;
}

/// base64url without padding, for hand-made JWTs.
fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_stored_sessions_start_signed_out() {
    let app = App::start().await;
    app.backend.create_active_user(EMAIL, PASSWORD).await;
    app.sign_in(EMAIL, PASSWORD).await;
    let real_text = app
        .local_storage_get(SESSION_KEY)
        .await
        .expect("a stored session");
    let real: Value = serde_json::from_str(&real_text).expect("the stored session is JSON");
    let with = |changes: Value| {
        let mut session = real.clone();
        for (k, v) in changes.as_object().unwrap() {
            session[k] = v.clone();
        }
        session.to_string()
    };
    let header = real["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_string();
    let no_exp = format!(
        "{header}.{}.c2lnbmF0dXJl",
        b64url(br#"{"token_type":"access","iat":1700000000,"jti":"x","user_id":"1"}"#)
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let long_ago = now - real["refresh_lifetime"].as_f64().unwrap() - 3600.0;

    let cases: Vec<(&str, String)> = vec![
        ("garbage", "}}not json at all{{".into()),
        ("empty string", String::new()),
        ("JSON null", "null".into()),
        ("JSON list", "[1,2,3]".into()),
        (
            "truncated JSON",
            real_text[..real_text.len() / 2].to_string(),
        ),
        (
            "access token not a JWT",
            with(json!({ "access_token": "not-a-jwt" })),
        ),
        (
            "bad base64 in a token",
            with(json!({ "refresh_token": format!("{header}.@@not*base64!!.c2ln") })),
        ),
        (
            "token payload without exp",
            with(json!({ "access_token": no_exp })),
        ),
        (
            "wrong field types",
            with(json!({ "access_lifetime": "65", "user": "alice" })),
        ),
        (
            "expired refresh token",
            with(json!({ "refresh_received_at": long_ago, "access_received_at": long_ago })),
        ),
        ("older format number", with(json!({ "format": 0 }))),
        (
            "older version without a format",
            json!({
                "access_token": real["access_token"],
                "refresh_token": real["refresh_token"],
                "access_token_expires": real["access_token_expires"],
                "user": real["user"],
            })
            .to_string(),
        ),
        (
            "NextAuth-like session",
            json!({
                "user": { "email": EMAIL, "name": null },
                "accessToken": real["access_token"],
                "refreshToken": real["refresh_token"],
                "accessTokenExpires": real["access_token_expires"].as_i64().unwrap() * 1000,
                "expires": "2099-01-01T00:00:00.000Z",
            })
            .to_string(),
        ),
    ];

    for (label, value) in &cases {
        // Written by a script into storage, then a fresh page load reads it.
        app.local_storage_set(SESSION_KEY, value).await;
        app.goto("/dashboard").await;
        app.wait_for_pathname("/login").await;
        app.wait_for("form#login-form").await;
        assert!(
            !app.exists("#user-email").await,
            "{label}: the profile is showing"
        );
        app.assert_no_crash().await;
        assert_eq!(
            app.local_storage_get(SESSION_KEY).await,
            None,
            "{label}: the bad entry should be removed from storage"
        );
    }
    println!(
        "{} bad stored sessions: all started signed out, none kept",
        cases.len()
    );

    // The same way of writing storage, with the real entry: signed in (so the cases above
    // were refused for what they held, not for how they were written).
    app.local_storage_set(SESSION_KEY, &real_text).await;
    app.goto("/dashboard").await;
    app.wait_for_text("#user-email", EMAIL).await;
    assert_eq!(app.pathname().await, "/dashboard");
}

/// SimpleJWT's refresh view now and then issues a 1-second access token with exp == iat (it
/// dates them from two clock readings cut to whole seconds). The refresh token that comes with
/// it is the only good one left (rotation blacklists the old): the app must keep it and refresh
/// again, not refuse the answer, retry with the old token, and sign the user out.
#[tokio::test(flavor = "multi_thread")]
async fn refresh_answer_with_a_spent_access_token_keeps_the_session() {
    let app = App::start_with(BackendOptions {
        access_seconds: 65,
        extra_env: vec![(
            "AUTH_FAULTS".into(),
            "POST /auth/jwt/refresh/=200-instant".into(),
        )],
        ..Default::default()
    })
    .await;
    app.backend.create_active_user(EMAIL, PASSWORD).await;
    app.sign_in(EMAIL, PASSWORD).await;
    let lifetime = "const s = JSON.parse(localStorage.getItem(arguments[0]) || 'null');
        if (!s) return null;
        const part = s.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
        const claims = JSON.parse(atob(part));
        return claims.exp - claims.iat;";
    // ~5 s: the refresh that gets the spent token; then at once a normal one.
    app.poll(
        "two refreshes, the second giving a 65 s token again",
        Duration::from_secs(25),
        || async {
            let refreshed = app.backend.refresh_calls().await >= 2;
            let normal = app.js(lifetime, vec![json!(SESSION_KEY)]).await == json!(65);
            (refreshed && normal).then_some(())
        },
    )
    .await;
    assert_eq!(
        app.backend.refresh_calls().await,
        2,
        "one refresh after the odd one"
    );
    assert_eq!(app.pathname().await, "/dashboard");
    assert!(!app.exists("[data-notice=\"expired\"]").await);
    assert!(!app.exists("[data-notice=\"reconnecting\"]").await);
}
