//! What must not break a session or a form: the backend going away and coming back, a request
//! that fails, a throttled form (429 with `Retry-After`), whatever a script left in storage, and a
//! refresh answer whose access token is already spent.

use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::{stored_access, EMAIL};
use crate::support::{find, App, BackendOptions};

#[tokio::test(flavor = "multi_thread")]
async fn backend_outage_keeps_the_session_and_recovers() {
    skip_unless_e2e!();
    let mut app = App::start_signed_in_with(BackendOptions::short_access(), EMAIL).await;
    let signed_in = Instant::now();
    let before = app.session().await.expect("a stored session");

    // Down before the first refresh (due 5 s after sign-in).
    assert_eq!(app.backend.refresh_calls().await, 0);
    app.backend.stop().await;
    assert!(
        signed_in.elapsed() < Duration::from_secs(4),
        "stopping the backend took too long: the first refresh may have happened already"
    );
    app.wait_for(&find::banner("reconnecting")).await;
    let notice_after = signed_in.elapsed();
    // The session stays, untouched, and so does the page.
    assert_eq!(app.pathname().await, "/dashboard");
    assert!(app.exists("#user-email").await, "the profile is gone");
    assert_eq!(
        app.session().await.as_ref(),
        Some(&before),
        "the stored session changed while the server was down"
    );
    assert!(!app.exists(&find::banner("expired")).await);

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
    app.wait_gone(&find::banner("reconnecting")).await;
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
    skip_unless_e2e!();
    let mut app = App::start().await;
    app.backend.stop().await;
    app.goto("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    app.fill("email", "typed@example.com").await;
    app.fill("password", "what-I-typed-42").await;
    app.submit().await;

    app.wait_for_text(&find::alert(find::LOGIN_FORM), "Can't reach the server")
        .await;
    assert_eq!(app.value("email").await, "typed@example.com");
    assert_eq!(app.value("password").await, "what-I-typed-42");
    let button = app.wait_for(&find::submit(find::LOGIN_FORM)).await;
    assert!(
        button.is_enabled().await.expect("button state"),
        "the submit button stays disabled after the failure"
    );
    assert_eq!(app.pathname().await, "/login");
    app.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_form_counts_down_retry_after() {
    skip_unless_e2e!();
    let app = App::start_with(BackendOptions {
        throttle_anon: Some("3/min".into()),
        ..Default::default()
    })
    .await;
    app.add_user(EMAIL).await;
    app.goto("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
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

    let alert = app.text(&find::alert(find::LOGIN_FORM)).await;
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
    let button = &find::submit(find::LOGIN_FORM);
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

#[tokio::test(flavor = "multi_thread")]
async fn bad_stored_sessions_start_signed_out() {
    skip_unless_e2e!();
    let app = App::start_signed_in(EMAIL).await;
    let key = app.session_key().await.expect("a stored session record");
    let real_text = app.local_storage_get(&key).await.expect("a stored session");
    let record: Value = serde_json::from_str(&real_text).expect("the stored record is JSON");
    let real = record["session"].clone();
    // The record with these changes to its session.
    let with = |changes: Value| {
        let mut record = record.clone();
        for (k, v) in changes.as_object().unwrap() {
            record["session"][k] = v.clone();
        }
        record.to_string()
    };
    let record_with = |changes: Value| {
        let mut record = record.clone();
        for (k, v) in changes.as_object().unwrap() {
            record[k] = v.clone();
        }
        record.to_string()
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
        URL_SAFE_NO_PAD
            .encode(br#"{"token_type":"access","iat":1700000000,"jti":"x","user_id":"1"}"#)
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
        ("older format number", record_with(json!({ "format": 1 }))),
        (
            "another API's record",
            record_with(json!({ "api": "https://other.example/auth/" })),
        ),
        (
            "a session of another generation",
            record_with(json!({ "generation": 99 })),
        ),
        ("the bare session", real.to_string()),
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
        // Cleared first: IndexedDB's copy of the record would be taken instead.
        app.js(
            "return new Promise(r => { const q = indexedDB.deleteDatabase(arguments[0]); q.onsuccess = q.onerror = q.onblocked = () => r(null); });",
            vec![json!(key.replace(" session", " database"))],
        )
        .await;
        app.local_storage_set(&key, value).await;
        app.goto("/dashboard").await;
        app.wait_for_pathname("/login").await;
        app.wait_for(find::LOGIN_FORM).await;
        assert!(
            !app.exists("#user-email").await,
            "{label}: the profile is showing"
        );
        app.assert_no_crash().await;
    }
    println!(
        "{} bad stored sessions: all started signed out",
        cases.len()
    );

    // The same way of writing storage, with the real entry: signed in (so the cases above
    // were refused for what they held, not for how they were written).
    app.local_storage_set(&key, &real_text).await;
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
    skip_unless_e2e!();
    let app = App::start_signed_in_with(
        BackendOptions::short_access().with_faults("POST /auth/jwt/refresh/=200-instant"),
        EMAIL,
    )
    .await;
    let key = app.session_key().await.expect("a stored session record");
    let lifetime = "const r = JSON.parse(localStorage.getItem(arguments[0]) || 'null');
        const s = r && r.session;
        if (!s) return null;
        const part = s.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
        const claims = JSON.parse(atob(part));
        return claims.exp - claims.iat;";
    // ~5 s: the refresh that gets the spent token; then at once a normal one.
    app.poll(
        "two refreshes, the second giving a ~65 s token again",
        Duration::from_secs(25),
        || async {
            let refreshed = app.backend.refresh_calls().await >= 2;
            // 64 to 66: SimpleJWT dates exp and iat from two clock readings.
            let normal = app
                .js(lifetime, vec![json!(key)])
                .await
                .as_i64()
                .is_some_and(|seconds| (64..=66).contains(&seconds));
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
    assert!(!app.exists(&find::banner("expired")).await);
    assert!(!app.exists(&find::banner("reconnecting")).await);
}
