//! End-to-end sign-in flows: the release build in headless Chromium against the reference Django
//! backend, one isolated world per test (see tests/README.md for the page hooks used here).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::time::Duration;

use serde_json::json;
use support::{percent_decode, url_path, App, BackendOptions, SESSION_KEY};

const PASSWORD: &str = "Correct-horse-42";
const NEW_PASSWORD: &str = "Battery-staple-77";
const NO_ACTIVE_ACCOUNT: &str = "No active account found with the given credentials";

/// Access tokens that live 65 s: the app refreshes 60 s before expiry, about 5 s after sign-in.
fn short_access() -> BackendOptions {
    BackendOptions {
        access_seconds: 65,
        ..Default::default()
    }
}

/// Fills and sends /register, then waits for the check-email notice naming `email`.
async fn register_through_ui(app: &App, email: &str, name: &str, password: &str) {
    app.goto("/register").await;
    app.wait_for("form#register-form").await;
    app.fill("email", email).await;
    app.fill("name", name).await;
    app.fill("password", password).await;
    app.fill("re_password", password).await;
    app.submit().await;
    app.wait_for_text(".notice[data-notice=\"check-email\"]", email)
        .await;
}

/// Fills and sends /login (whatever the answer).
async fn submit_login(app: &App, email: &str, password: &str) {
    app.wait_for("form#login-form").await;
    app.fill("email", email).await;
    app.fill("password", password).await;
    app.submit().await;
}

/// Registers through the API and returns the emailed activation link.
async fn register_through_api(app: &App, email: &str) -> String {
    let r = app.api().register(email, "Api User", PASSWORD).await;
    assert_eq!(
        r.status,
        201,
        "registration through the API failed: {}",
        r.text()
    );
    app.backend
        .wait_for_email(email)
        .await
        .link("/user-activation/")
}

/// `/prefix/{uid}/{token}` -> (uid, token)
fn uid_and_token(link: &str) -> (String, String) {
    let parts: Vec<&str> = url_path(link)
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    assert_eq!(parts.len(), 3, "expected /prefix/uid/token in {link}");
    (parts[1].to_string(), parts[2].to_string())
}

/// An href as written in the page, relative to the SPA (WebDriver may report it absolute).
fn relative_href(app: &App, href: &str) -> String {
    href.strip_prefix(app.origin()).unwrap_or(href).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn register_activate_sign_in_shows_the_profile() {
    let app = App::start().await;
    let email = "alice@example.com";

    register_through_ui(&app, email, "Alice Liddell", PASSWORD).await;
    assert!(
        !app.exists("form#register-form").await,
        "the form should be replaced by the check-email notice"
    );
    assert!(
        app.exists(".notice[data-notice=\"check-email\"] a[href^=\"/resend-activation\"]")
            .await,
        "the check-email notice should contain a link a[href^=\"/resend-activation\"]"
    );
    assert_eq!(
        app.api().jwt_create(email, PASSWORD).await.status,
        401,
        "the account should not be usable before activation"
    );

    let mail = app.backend.wait_for_email(email).await;
    let link = mail.link("/user-activation/");
    assert!(
        link.starts_with(&format!("{}/", app.origin())),
        "the activation link should open the SPA: {link}"
    );
    app.goto_url(&link).await;
    app.wait_for("[data-result=\"activated\"]").await;
    app.click("main a[href=\"/login\"]").await;
    app.wait_for_path("/login").await;

    submit_login(&app, email, PASSWORD).await;
    app.wait_for_path("/dashboard").await;
    assert_eq!(app.text("#user-email").await.trim(), email);
    assert_eq!(app.text("#user-name").await.trim(), "Alice Liddell");
    let session = app.session().await.expect("a stored session after sign-in");
    for field in [
        "access_token",
        "refresh_token",
        "access_token_expires",
        "user",
    ] {
        assert!(
            !session[field].is_null(),
            "{SESSION_KEY} should hold {field}: {session}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_shows_every_profile_field() {
    let app = App::start().await;
    app.backend
        .create_active_user_with("dora@example.com", PASSWORD, "Dora Explorer", "dora")
        .await;

    app.sign_in("dora@example.com", PASSWORD).await;
    assert_eq!(app.text("#user-email").await.trim(), "dora@example.com");
    assert_eq!(app.text("#user-name").await.trim(), "Dora Explorer");
    assert_eq!(app.text("#user-username").await.trim(), "dora");
    // The backend says subscription_status "none"; the page may show it as is or in words.
    let subscription = app.text("#user-subscription").await.trim().to_lowercase();
    assert!(
        subscription == "none" || subscription == "no subscription",
        "#user-subscription shows {subscription:?} for status \"none\""
    );
}

/// A sign-in asks for the profile once (the dashboard doesn't fetch it again right after); a
/// page load with a stored session asks for it afresh.
#[tokio::test(flavor = "multi_thread")]
async fn sign_in_fetches_the_profile_once_and_a_reload_again() {
    let app = App::start().await;
    app.backend
        .create_active_user("olga@example.com", PASSWORD)
        .await;
    app.sign_in("olga@example.com", PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.requests_to("/auth/users/me/").await, 1);

    app.reload().await;
    app.wait_for_text("#user-email", "olga@example.com").await;
    app.poll(
        "the dashboard to fetch the profile after a reload",
        Duration::from_secs(5),
        || async { (app.requests_to("/auth/users/me/").await == 1).then_some(()) },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn activation_link_used_twice_shows_already_active() {
    let app = App::start().await;
    let link = register_through_api(&app, "bob@example.com").await;

    app.goto_url(&link).await;
    app.wait_for("[data-result=\"activated\"]").await;

    app.goto_url(&link).await;
    app.wait_for("[data-result=\"already-active\"]").await;
    assert!(
        app.exists("main a[href=\"/login\"]").await,
        "already-active should link to /login"
    );
    assert_eq!(
        app.api()
            .jwt_create("bob@example.com", PASSWORD)
            .await
            .status,
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_activation_links_show_invalid() {
    let app = App::start().await;
    let link = register_through_api(&app, "carl@example.com").await;
    let (uid, token) = uid_and_token(&link);

    app.goto(&format!("/user-activation/{uid}/0-{token}")).await;
    app.wait_for("[data-result=\"invalid\"]").await;
    assert!(
        app.exists("main a[href^=\"/resend-activation\"]").await,
        "invalid should link to /resend-activation"
    );

    app.goto(&format!("/user-activation/Zm9vYmFy/{token}"))
        .await;
    app.wait_for("[data-result=\"invalid\"]").await;

    assert_eq!(
        app.api()
            .jwt_create("carl@example.com", PASSWORD)
            .await
            .status,
        401,
        "a bad link must not activate the account"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn resend_activation_sends_a_new_working_link() {
    let app = App::start().await;
    let email = "erin@example.com";
    register_through_ui(&app, email, "Erin", PASSWORD).await;
    app.backend.wait_for_email(email).await;

    app.goto("/resend-activation?email=erin%40example.com")
        .await;
    app.wait_for("form#resend-activation-form").await;
    assert_eq!(
        app.value("email").await,
        email,
        "the email input should be pre-filled from ?email="
    );
    app.submit().await;
    app.wait_for(".notice[data-notice=\"activation-sent\"]")
        .await;

    let mails = app.backend.wait_for_emails(email, 2).await;
    app.goto_url(&mails[1].link("/user-activation/")).await;
    app.wait_for("[data-result=\"activated\"]").await;
    assert_eq!(app.api().jwt_create(email, PASSWORD).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn password_reset_replaces_the_old_password() {
    let app = App::start().await;
    let email = "frank@example.com";
    app.backend.create_active_user(email, PASSWORD).await;

    app.goto("/reset-password").await;
    app.wait_for("form#reset-password-form").await;
    app.fill("email", email).await;
    app.submit().await;
    app.wait_for(".notice[data-notice=\"reset-sent\"]").await;

    let link = app
        .backend
        .wait_for_email(email)
        .await
        .link("/confirm-password-reset/");
    assert!(
        link.starts_with(&format!("{}/", app.origin())),
        "the reset link should open the SPA: {link}"
    );
    app.goto_url(&link).await;
    app.wait_for("form#confirm-reset-form").await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.submit().await;
    app.wait_for_pathname("/login").await;
    app.wait_for(".notice[data-notice=\"password-reset\"]")
        .await;

    submit_login(&app, email, PASSWORD).await;
    app.wait_for_text("form#login-form .form-alert[role=alert]", NO_ACTIVE_ACCOUNT)
        .await;

    submit_login(&app, email, NEW_PASSWORD).await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-email", email).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn used_reset_link_shows_invalid() {
    let app = App::start().await;
    let email = "gina@example.com";
    app.backend.create_active_user(email, PASSWORD).await;
    let r = app
        .api()
        .post("/auth/users/reset_password/", json!({ "email": email }))
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let link = app
        .backend
        .wait_for_email(email)
        .await
        .link("/confirm-password-reset/");
    let (uid, token) = uid_and_token(&link);
    let body = json!({ "uid": uid, "token": token, "new_password": NEW_PASSWORD, "re_new_password": NEW_PASSWORD });
    let r = app
        .api()
        .post("/auth/users/reset_password_confirm/", body)
        .await;
    assert_eq!(
        r.status,
        204,
        "the first use of the link should work: {}",
        r.text()
    );

    app.goto_url(&link).await;
    app.wait_for("form#confirm-reset-form").await;
    app.fill("new_password", "Third-password-93").await;
    app.fill("re_new_password", "Third-password-93").await;
    app.submit().await;
    app.wait_for("[data-result=\"invalid\"]").await;
    assert!(
        app.exists("main a[href=\"/reset-password\"]").await,
        "invalid should link to /reset-password"
    );
    assert_eq!(
        app.api().jwt_create(email, NEW_PASSWORD).await.status,
        200,
        "the used link must not change the password again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_for_unknown_email_still_shows_reset_sent() {
    let app = App::start().await;

    app.goto("/reset-password").await;
    app.wait_for("form#reset-password-form").await;
    app.fill("email", "nobody@example.com").await;
    app.submit().await;
    app.wait_for(".notice[data-notice=\"reset-sent\"]").await;

    assert_eq!(
        app.requests_to("/auth/users/reset_password/").await,
        1,
        "the request should have been sent"
    );
    assert!(
        app.backend.emails().is_empty(),
        "nobody should have been emailed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_shows_the_server_message_and_a_resend_hint() {
    let app = App::start().await;
    let email = "hank@example.com";
    app.backend.create_active_user(email, PASSWORD).await;

    app.goto("/login").await;
    app.wait_for("main a[href=\"/register\"]").await;
    assert!(
        app.exists("main a[href=\"/reset-password\"]").await,
        "/login should link to /reset-password"
    );
    submit_login(&app, email, "Wrong-password-1").await;
    app.wait_for_text("form#login-form .form-alert[role=alert]", NO_ACTIVE_ACCOUNT)
        .await;
    assert_eq!(
        app.path().await,
        "/login",
        "a failed sign-in stays on /login"
    );

    let hint = "form#login-form .form-alert a[href^=\"/resend-activation?email=\"]";
    let href = relative_href(
        &app,
        &app.attr(hint, "href")
            .await
            .expect("the hint link has an href"),
    );
    let query = href.split_once("?email=").map(|(_, q)| q).unwrap_or("");
    assert_eq!(
        percent_decode(query),
        email,
        "the hint should carry the typed email: {href}"
    );

    app.click(hint).await;
    app.wait_for("form#resend-activation-form").await;
    assert!(app.path().await.starts_with("/resend-activation"));
    assert_eq!(app.value("email").await, email);
}

#[tokio::test(flavor = "multi_thread")]
async fn register_shows_server_field_errors() {
    let app = App::start().await;
    app.backend
        .create_active_user("taken@example.com", PASSWORD)
        .await;

    app.goto("/register").await;
    app.wait_for("form#register-form").await;
    app.fill("email", "taken@example.com").await;
    app.fill("name", "Ivy").await;
    app.fill("password", PASSWORD).await;
    app.fill("re_password", PASSWORD).await;
    app.submit().await;
    app.wait_for_text("#field-email-error", "user with this email already exists.")
        .await;
    assert_eq!(
        app.attr("#field-email", "aria-invalid").await.as_deref(),
        Some("true")
    );

    app.fill("email", "ivy@example.com").await;
    app.fill("password", "password").await;
    app.fill("re_password", "password").await;
    app.submit().await;
    app.wait_for_text("#field-password-error", "This password is too common.")
        .await;
    assert_eq!(
        app.attr("#field-password", "aria-invalid").await.as_deref(),
        Some("true")
    );
    app.wait_gone("#field-email-error").await;

    assert!(
        app.backend.emails().is_empty(),
        "no account should have been created"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_side_validation_blocks_bad_input_without_a_request() {
    let app = App::start().await;

    app.goto("/login").await;
    app.wait_for("form#login-form").await;
    app.submit().await;
    app.wait_for("#field-email-error").await;
    app.wait_for("#field-password-error").await;
    assert_eq!(
        app.requests_to("/auth/jwt/create").await,
        0,
        "an empty login form must not be sent"
    );

    app.goto("/register").await;
    app.wait_for("form#register-form").await;
    app.fill("email", "not-an-email").await;
    app.fill("name", "Jay").await;
    app.fill("password", PASSWORD).await;
    app.fill("re_password", PASSWORD).await;
    app.submit().await;
    app.wait_for("#field-email-error").await;
    assert_eq!(
        app.attr("#field-email", "aria-invalid").await.as_deref(),
        Some("true")
    );

    app.fill("email", "jay@example.com").await;
    app.fill("password", "Short7!").await;
    app.fill("re_password", "Short7!").await;
    app.submit().await;
    app.wait_for("#field-password-error").await;
    app.wait_gone("#field-email-error").await;

    app.fill("password", PASSWORD).await;
    app.fill("re_password", "Different-pass-1").await;
    app.submit().await;
    app.wait_for("#field-re_password-error").await;
    assert_eq!(
        app.attr("#field-re_password", "aria-invalid")
            .await
            .as_deref(),
        Some("true")
    );
    assert_eq!(
        app.requests_to("/auth/users/").await,
        0,
        "invalid registrations must not be sent"
    );

    app.goto("/confirm-password-reset/MQ/some-token").await;
    app.wait_for("form#confirm-reset-form").await;
    app.fill("new_password", "Short7!").await;
    app.fill("re_new_password", "Short7!").await;
    app.submit().await;
    app.wait_for("#field-new_password-error").await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", "Different-pass-1").await;
    app.submit().await;
    app.wait_for("#field-re_new_password-error").await;
    assert_eq!(
        app.requests_to("/auth/users/reset_password_confirm/").await,
        0,
        "invalid resets must not be sent"
    );

    assert!(app.backend.emails().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_link_to_dashboard_returns_there_after_sign_in() {
    let app = App::start().await;
    app.backend
        .create_active_user("kim@example.com", PASSWORD)
        .await;

    app.goto("/dashboard").await;
    app.wait_for_path("/login?next=%2Fdashboard").await;
    submit_login(&app, "kim@example.com", PASSWORD).await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-email", "kim@example.com").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unsafe_next_is_ignored_after_sign_in() {
    let app = App::start().await;
    app.backend
        .create_active_user("lee@example.com", PASSWORD)
        .await;

    for next in [
        "//evil.example",
        "https://evil.example",
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
    ] {
        app.goto(&format!("/login?next={next}")).await;
        submit_login(&app, "lee@example.com", PASSWORD).await;
        app.wait_for_path("/dashboard").await;
        let url = app.url().await;
        assert!(
            url.starts_with(&format!("{}/", app.origin())),
            "next={next} took the browser to {url}"
        );
        app.wait_for_text("#user-email", "lee@example.com").await;
        // Signed out again for the next round, without going through the app.
        app.js("window.localStorage.clear();", vec![]).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn root_and_unknown_paths_route_by_session() {
    let app = App::start().await;
    app.backend
        .create_active_user("max@example.com", PASSWORD)
        .await;

    app.goto("/").await;
    app.wait_for_path("/login").await;

    app.goto("/no/such/page").await;
    app.wait_for("main h1").await;
    assert_eq!(app.path().await, "/no/such/page");
    assert!(
        !app.exists("form#login-form").await,
        "an unknown path shows the not-found page, not a form"
    );

    app.sign_in("max@example.com", PASSWORD).await;
    app.goto("/").await;
    app.wait_for_path("/dashboard").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_keeps_the_session() {
    let app = App::start().await;
    app.backend
        .create_active_user("nora@example.com", PASSWORD)
        .await;
    app.sign_in("nora@example.com", PASSWORD).await;
    let before = app.session_field("refresh_token").await;

    app.reload().await;
    app.wait_for_text("#user-email", "nora@example.com").await;
    assert_eq!(app.path().await, "/dashboard");
    assert_eq!(
        app.session_field("refresh_token").await,
        before,
        "a reload within the token's life needs no new session"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_clears_storage_and_revokes_the_refresh_token() {
    let app = App::start().await;
    app.backend
        .create_active_user("omar@example.com", PASSWORD)
        .await;
    app.sign_in("omar@example.com", PASSWORD).await;
    let refresh = app.session_field("refresh_token").await;

    app.click("button#sign-out").await;
    app.wait_for_path("/login").await;
    assert_eq!(
        app.local_storage_get(SESSION_KEY).await,
        None,
        "sign-out should clear the stored session"
    );

    app.assert_refresh_token_revoked(&refresh).await;

    app.goto("/dashboard").await;
    app.wait_for_path("/login?next=%2Fdashboard").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn access_token_is_refreshed_before_it_expires() {
    let app = App::start_with(short_access()).await;
    app.backend
        .create_active_user("pia@example.com", PASSWORD)
        .await;
    app.sign_in("pia@example.com", PASSWORD).await;
    let first_access = app.session_field("access_token").await;
    let first_refresh = app.session_field("refresh_token").await;

    app.poll(
        "the stored tokens to be replaced by a refresh",
        Duration::from_secs(25),
        || async {
            let s = app.session().await?;
            let rotated = s["access_token"].as_str()? != first_access
                && s["refresh_token"].as_str()? != first_refresh;
            rotated.then_some(())
        },
    )
    .await;
    assert!(
        app.backend.refresh_calls().await >= 1,
        "the backend should have seen a refresh"
    );
    assert_eq!(app.path().await, "/dashboard");
    assert_eq!(
        app.api().jwt_refresh(&first_refresh).await.status,
        401,
        "the rotated-out refresh token should be dead"
    );

    app.reload().await;
    app.wait_for_text("#user-email", "pia@example.com").await;
    assert_eq!(app.path().await, "/dashboard");
}

#[tokio::test(flavor = "multi_thread")]
async fn blacklisted_refresh_token_ends_the_session() {
    let app = App::start_with(short_access()).await;
    app.backend
        .create_active_user("quinn@example.com", PASSWORD)
        .await;
    app.sign_in("quinn@example.com", PASSWORD).await;

    let refresh = app.session_field("refresh_token").await;
    let r = app.api().jwt_blacklist(&refresh).await;
    assert_eq!(
        r.status,
        200,
        "blacklisting through the API failed: {}",
        r.text()
    );

    app.wait_for_path_within("/login?next=%2Fdashboard", Duration::from_secs(25))
        .await;
    app.wait_for(".notice[data-notice=\"expired\"]").await;
    assert!(
        app.backend.refresh_calls().await >= 1,
        "the app should have tried to refresh"
    );
    assert_eq!(
        app.local_storage_get(SESSION_KEY).await,
        None,
        "an expired session should not stay in storage"
    );
}
