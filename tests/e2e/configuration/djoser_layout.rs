//! Another Djoser layout: the backend with its routes under `api/v1/auth/` and sign-in by
//! username (`AUTH_API_PREFIX`, `AUTH_LOGIN_FIELD`), the build configured to match by
//! `scripts/configure-dist.py`: registration asks for a username, activation, sign-in by
//! username, a refresh, and a password reset, all under the new prefix, never the old one.

use std::time::Duration;

use serde_json::json;

use super::PASSWORD;
use crate::support::dist::configured_copy;
use crate::support::{find, App, AppOptions, BackendOptions, TestDir, NEW_PASSWORD};

const EMAIL: &str = "ursula@example.com";
const USERNAME: &str = "ursula";
const APP_NAME: &str = "Acme Accounts";

/// Requests the page made to the API outside `prefix` (none are expected).
async fn requests_outside(app: &App, prefix: &str) -> Vec<String> {
    let names = app
        .js(
            "return performance.getEntriesByType('resource').map(e => e.name)
                .filter(name => name.startsWith(arguments[0]) && !name.startsWith(arguments[0] + arguments[1]));",
            vec![json!(app.api_base()), json!(prefix)],
        )
        .await;
    serde_json::from_value(names).expect("a list of URLs")
}

#[tokio::test(flavor = "multi_thread")]
async fn username_sign_in_under_another_prefix() {
    skip_unless_e2e!();
    let copy = TestDir::new();
    configured_copy(
        copy.path(),
        &[
            "--api-prefix",
            "/api/v1/auth/",
            "--login-field",
            "username",
            "--app-name",
            APP_NAME,
        ],
    );
    let app = App::start_opts(AppOptions {
        backend: BackendOptions {
            extra_env: vec![
                ("AUTH_API_PREFIX".into(), "api/v1/auth/".into()),
                ("AUTH_LOGIN_FIELD".into(), "username".into()),
            ],
            ..BackendOptions::short_access()
        },
        dist: Some(copy.path().to_path_buf()),
        ..Default::default()
    })
    .await;

    // Registration asks for a username (and still the email, where the link goes).
    app.goto("/register").await;
    app.wait_for(find::REGISTER_FORM).await;
    assert_eq!(app.text("label[for=field-username]").await, "Username");
    let title = app.js("return document.title;", vec![]).await;
    assert_eq!(title, json!(format!("Create an account · {APP_NAME}")));
    assert_eq!(app.text(".brand").await, APP_NAME);
    app.fill("email", EMAIL).await;
    app.fill("password", PASSWORD).await;
    app.fill("re_password", PASSWORD).await;
    app.submit().await;
    app.wait_for_text("#field-username-error", "Enter a username.")
        .await;
    assert_eq!(
        app.requests_to("/users/").await,
        0,
        "sent without a username"
    );
    app.fill("username", USERNAME).await;
    app.submit().await;
    app.wait_for(&find::notice("check-email")).await;
    let link = app
        .backend
        .wait_for_email(EMAIL)
        .await
        .link("/user-activation/");
    app.goto_url(&link).await;
    app.wait_for("[data-result=\"activated\"]").await;

    // The sign-in form asks for the username, as a username.
    app.goto("/login").await;
    assert_eq!(app.text("label[for=field-username]").await, "Username");
    let input = "input#field-username";
    assert_eq!(app.attr(input, "type").await.as_deref(), Some("text"));
    assert_eq!(
        app.attr(input, "autocomplete").await.as_deref(),
        Some("username")
    );
    assert!(!app.exists("input[name=email]").await, "an email input");
    // An address is no username: anything typed goes, the server decides.
    app.goto("/login").await;
    app.submit_login("username", USERNAME, "wrong-password")
        .await;
    // (The hint offers the activation email again, with no address to fill in.)
    app.wait_for(&find::inside(
        find::LOGIN_FORM,
        ".form-alert a[href=\"/resend-activation\"]",
    ))
    .await;
    app.goto("/login").await;
    app.submit_login("username", USERNAME, PASSWORD).await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-username", USERNAME).await;
    app.wait_for_text("#user-email", EMAIL).await;

    // The access token lives 65 s: refreshed (under the prefix) about 5 s after it came.
    let access = app.session_field("access_token").await;
    app.poll("a refresh", Duration::from_secs(20), || async {
        (app.backend.refresh_calls().await >= 1).then_some(())
    })
    .await;
    app.poll(
        "the refreshed token stored",
        Duration::from_secs(5),
        || async { (app.session_field("access_token").await != access).then_some(()) },
    )
    .await;
    app.reload().await;
    app.wait_for_text("#user-username", USERNAME).await;
    assert_eq!(
        requests_outside(&app, "/api/v1/auth/").await,
        Vec::<String>::new()
    );

    // A password reset goes by email, and the new password signs in by username.
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;
    app.goto("/reset-password").await;
    app.wait_for(find::RESET_PASSWORD_FORM).await;
    app.fill("email", EMAIL).await;
    app.submit().await;
    app.wait_for(&find::notice("reset-sent")).await;
    let link = app
        .backend
        .wait_for_emails(EMAIL, 2)
        .await
        .pop()
        .expect("the reset email")
        .link("/confirm-password-reset/");
    app.goto_url(&link).await;
    app.wait_for(find::CONFIRM_RESET_FORM).await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.submit().await;
    app.wait_for(&find::notice("password-reset")).await;
    app.goto("/login").await;
    app.submit_login("username", USERNAME, NEW_PASSWORD).await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-username", USERNAME).await;
    assert_eq!(
        requests_outside(&app, "/api/v1/auth/").await,
        Vec::<String>::new()
    );
    app.assert_no_crash().await;
}
