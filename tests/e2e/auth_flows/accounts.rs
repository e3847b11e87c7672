//! Accounts: register (through the page and the API), activate with the emailed link (twice, or
//! a bad one), resend the activation email, reset the password (and a used or unknown link), and
//! the forms' own checks before anything is sent.

use serde_json::json;

use super::{NEW_PASSWORD, NO_ACTIVE_ACCOUNT, PASSWORD};
use crate::support::{find, url_path, App};

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

#[tokio::test(flavor = "multi_thread")]
async fn register_activate_sign_in_shows_the_profile() {
    skip_unless_e2e!();
    let app = App::start().await;
    let email = "alice@example.com";

    app.register_through_ui(email, "Alice Liddell", PASSWORD)
        .await;
    assert!(
        !app.exists(find::REGISTER_FORM).await,
        "the form should be replaced by the check-email notice"
    );
    assert!(
        app.exists(&find::inside(
            &find::notice("check-email"),
            "a[href^=\"/resend-activation\"]"
        ))
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

    app.submit_login("email", email, PASSWORD).await;
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
            "the stored session should hold {field}: {session}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn activation_link_used_twice_shows_already_active() {
    skip_unless_e2e!();
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
    skip_unless_e2e!();
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
    skip_unless_e2e!();
    let app = App::start().await;
    let email = "erin@example.com";
    app.register_through_ui(email, "Erin", PASSWORD).await;
    app.backend.wait_for_email(email).await;

    app.goto("/resend-activation?email=erin%40example.com")
        .await;
    app.wait_for(find::RESEND_ACTIVATION_FORM).await;
    assert_eq!(
        app.value("email").await,
        email,
        "the email input should be pre-filled from ?email="
    );
    app.submit().await;
    app.wait_for(&find::notice("activation-sent")).await;

    let mails = app.backend.wait_for_emails(email, 2).await;
    app.goto_url(&mails[1].link("/user-activation/")).await;
    app.wait_for("[data-result=\"activated\"]").await;
    assert_eq!(app.api().jwt_create(email, PASSWORD).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn password_reset_replaces_the_old_password() {
    skip_unless_e2e!();
    let email = "frank@example.com";
    let app = App::start_with_user(email).await;

    app.goto("/reset-password").await;
    app.wait_for(find::RESET_PASSWORD_FORM).await;
    app.fill("email", email).await;
    app.submit().await;
    app.wait_for(&find::notice("reset-sent")).await;

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
    app.wait_for(find::CONFIRM_RESET_FORM).await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.submit().await;
    app.wait_for_pathname("/login").await;
    app.wait_for(&find::notice("password-reset")).await;

    app.submit_login("email", email, PASSWORD).await;
    app.wait_for_text(
        &find::inside(find::LOGIN_FORM, ".form-alert[role=alert]"),
        NO_ACTIVE_ACCOUNT,
    )
    .await;

    app.submit_login("email", email, NEW_PASSWORD).await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-email", email).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn used_reset_link_shows_invalid() {
    skip_unless_e2e!();
    let email = "gina@example.com";
    let app = App::start_with_user(email).await;
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
    app.wait_for(find::CONFIRM_RESET_FORM).await;
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
    skip_unless_e2e!();
    let app = App::start().await;

    app.goto("/reset-password").await;
    app.wait_for(find::RESET_PASSWORD_FORM).await;
    app.fill("email", "nobody@example.com").await;
    app.submit().await;
    app.wait_for(&find::notice("reset-sent")).await;

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
async fn register_shows_server_field_errors() {
    skip_unless_e2e!();
    let app = App::start_with_user("taken@example.com").await;

    app.goto("/register").await;
    app.wait_for(find::REGISTER_FORM).await;
    app.fill("email", "taken@example.com").await;
    app.fill("name", "Ivy").await;
    app.fill("password", PASSWORD).await;
    app.fill("re_password", PASSWORD).await;
    app.submit().await;
    // A taken address is answered like a new one (the backend tells nobody who has an
    // account); its owner is emailed that someone tried.
    app.wait_for(&find::notice("check-email")).await;
    let notice = app.backend.wait_for_email("taken@example.com").await;
    assert!(
        notice.subject.contains("tried to create an account"),
        "{notice:?}"
    );

    app.goto("/register").await;
    app.wait_for(find::REGISTER_FORM).await;
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

    assert!(
        app.backend
            .emails()
            .iter()
            .all(|e| e.is_to("taken@example.com")),
        "no account should have been created"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_side_validation_blocks_bad_input_without_a_request() {
    skip_unless_e2e!();
    let app = App::start().await;

    app.goto("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    app.submit().await;
    app.wait_for("#field-email-error").await;
    app.wait_for("#field-password-error").await;
    assert_eq!(
        app.requests_to("/auth/jwt/create").await,
        0,
        "an empty login form must not be sent"
    );

    app.goto("/register").await;
    app.wait_for(find::REGISTER_FORM).await;
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
    app.wait_for(find::CONFIRM_RESET_FORM).await;
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
