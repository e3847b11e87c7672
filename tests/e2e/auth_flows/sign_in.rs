//! Signing in: the profile on the dashboard, a wrong password, where a sign-in lands (a deep
//! link, an unsafe `next`, `/` and unknown paths), and the session until it ends (reload, sign-out,
//! refresh before expiry, a blacklisted refresh token).

use std::time::Duration;

use super::{NO_ACTIVE_ACCOUNT, PASSWORD};
use crate::support::{find, App, BackendOptions};

/// An href as written in the page, relative to the SPA (WebDriver may report it absolute).
fn relative_href(app: &App, href: &str) -> String {
    href.strip_prefix(app.origin()).unwrap_or(href).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_shows_every_profile_field() {
    skip_unless_e2e!();
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
    skip_unless_e2e!();
    let app = App::start_signed_in("olga@example.com").await;
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
async fn wrong_password_shows_the_server_message_and_a_resend_hint() {
    skip_unless_e2e!();
    let email = "hank@example.com";
    let app = App::start_with_user(email).await;

    app.goto("/login").await;
    app.wait_for("main a[href=\"/register\"]").await;
    assert!(
        app.exists("main a[href=\"/reset-password\"]").await,
        "/login should link to /reset-password"
    );
    app.submit_login("email", email, "Wrong-password-1").await;
    app.wait_for_text(
        &find::inside(find::LOGIN_FORM, ".form-alert[role=alert]"),
        NO_ACTIVE_ACCOUNT,
    )
    .await;
    assert_eq!(
        app.path().await,
        "/login",
        "a failed sign-in stays on /login"
    );

    let hint = &find::inside(
        find::LOGIN_FORM,
        ".form-alert a[href^=\"/resend-activation?email=\"]",
    );
    let href = relative_href(
        &app,
        &app.attr(hint, "href")
            .await
            .expect("the hint link has an href"),
    );
    let query = href.split_once("?email=").map(|(_, q)| q).unwrap_or("");
    assert_eq!(
        urlencoding::decode(query).expect("UTF-8"),
        email,
        "the hint should carry the typed email: {href}"
    );

    app.click(hint).await;
    app.wait_for(find::RESEND_ACTIVATION_FORM).await;
    assert!(app.path().await.starts_with("/resend-activation"));
    assert_eq!(app.value("email").await, email);
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_link_to_dashboard_returns_there_after_sign_in() {
    skip_unless_e2e!();
    let app = App::start_with_user("kim@example.com").await;

    app.goto("/dashboard").await;
    app.wait_for_path("/login?next=%2Fdashboard").await;
    app.submit_login("email", "kim@example.com", PASSWORD).await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-email", "kim@example.com").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn unsafe_next_is_ignored_after_sign_in() {
    skip_unless_e2e!();
    let app = App::start_with_user("lee@example.com").await;

    for next in [
        "//evil.example",
        "https://evil.example",
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
    ] {
        app.goto(&format!("/login?next={next}")).await;
        app.submit_login("email", "lee@example.com", PASSWORD).await;
        app.wait_for_path("/dashboard").await;
        let url = app.url().await;
        assert!(
            url.starts_with(&format!("{}/", app.origin())),
            "next={next} took the browser to {url}"
        );
        app.wait_for_text("#user-email", "lee@example.com").await;
        // Signed out again for the next round, without going through the app.
        app.clear_site_storage().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn root_and_unknown_paths_route_by_session() {
    skip_unless_e2e!();
    let app = App::start_with_user("max@example.com").await;

    app.goto("/").await;
    app.wait_for_path("/login").await;

    app.goto("/no/such/page").await;
    app.wait_for("main h1").await;
    assert_eq!(app.path().await, "/no/such/page");
    assert!(
        !app.exists(find::LOGIN_FORM).await,
        "an unknown path shows the not-found page, not a form"
    );

    app.sign_in("max@example.com", PASSWORD).await;
    app.goto("/").await;
    app.wait_for_path("/dashboard").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reload_keeps_the_session() {
    skip_unless_e2e!();
    let app = App::start_signed_in("nora@example.com").await;
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
    skip_unless_e2e!();
    let app = App::start_signed_in("omar@example.com").await;
    let refresh = app.session_field("refresh_token").await;

    app.click(find::SIGN_OUT).await;
    app.wait_for_path("/login").await;
    assert_eq!(
        app.session().await,
        None,
        "sign-out should clear the stored session"
    );

    app.assert_refresh_token_revoked(&refresh).await;

    app.goto("/dashboard").await;
    app.wait_for_path("/login?next=%2Fdashboard").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn access_token_is_refreshed_before_it_expires() {
    skip_unless_e2e!();
    let app = App::start_signed_in_with(BackendOptions::short_access(), "pia@example.com").await;
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
    // Asked with verify/, which changes nothing: refresh/ would not show the blacklisting. Within
    // the backend's overlap it answers the rotated-out token again (200, the app's own newest
    // pair), and once the app has refreshed again it is reuse: refused, and past the grace the
    // end of the sign-in the reload below needs.
    let old = app
        .api()
        .post(
            "/auth/jwt/verify/",
            serde_json::json!({ "token": first_refresh }),
        )
        .await;
    assert!(
        old.status != 200 && old.text().contains("blacklisted"),
        "the rotated-out refresh token should be blacklisted: {} {}",
        old.status,
        old.text()
    );

    app.reload().await;
    app.wait_for_text("#user-email", "pia@example.com").await;
    assert_eq!(app.path().await, "/dashboard");
}

#[tokio::test(flavor = "multi_thread")]
async fn blacklisted_refresh_token_ends_the_session() {
    skip_unless_e2e!();
    let app = App::start_signed_in_with(BackendOptions::short_access(), "quinn@example.com").await;

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
    app.wait_for(&find::notice("expired")).await;
    assert!(
        app.backend.refresh_calls().await >= 1,
        "the app should have tried to refresh"
    );
    assert_eq!(
        app.session().await,
        None,
        "an expired session should not stay in storage"
    );
}
