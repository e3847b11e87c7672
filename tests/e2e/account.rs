//! The whole account in the browser (issue #13): changing the sign-in email (with the password, or
//! through an emailed link), deleting the account, and a password change that keeps this browser
//! signed in against a backend that refuses tokens from before it (SimpleJWT's
//! `CHECK_REVOKE_TOKEN`). End to end: the release build in Chromium against the reference
//! backend, emails read from its outbox; and axe over the new pages and states.

use std::time::Duration;

use crate::support::axe::Audit;
use crate::support::{find, url_path, App, BackendOptions, NEW_PASSWORD, PASSWORD, WAIT};
use serde_json::json;

// ---- helpers (this file's own; the shared ones are in tests/support/) ------------------------

/// Fills /settings' email form and sends it.
async fn submit_email_change(app: &App, new: &str, again: &str, password: &str) {
    app.retype("#email-form-field-new_email", new).await;
    app.retype("#email-form-field-re_new_email", again).await;
    app.retype("#email-form-field-current_password", password)
        .await;
    app.click(&find::submit(find::EMAIL_FORM)).await;
}

/// The text of the element matching `css`, once it has some.
async fn text_of(app: &App, css: &str) -> String {
    app.wait_for(css).await;
    app.text(css).await.trim().to_string()
}

/// `users/me/` with the access token this browser has stored: proof that it holds tokens the
/// server takes (not just a session that looks signed in).
async fn stored_access_works(app: &App) -> bool {
    let access = app.session_field("access_token").await;
    app.api().get("/auth/users/me/", Some(&access)).await.status == 200
}

// ---- change the email ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn change_email_with_retype_reaches_every_tab_and_tells_the_old_address() {
    skip_unless_e2e!();
    let old = "sam@example.com";
    let new = "sam.new@example.com";
    let app = App::start_signed_in(old).await;
    let (first, second) = app.second_window("/dashboard").await;
    app.click(find::SETTINGS_LINK).await;
    app.wait_for(find::EMAIL_FORM).await;

    // The form asks for the address twice; a mismatch is caught before any request.
    submit_email_change(&app, new, "sam.new@example.org", PASSWORD).await;
    let error = text_of(&app, "#email-form-field-re_new_email-error").await;
    assert!(
        error.contains("don't match"),
        "under re_new_email: {error:?}"
    );
    assert_eq!(
        app.requests_to("set_email").await,
        0,
        "a mismatch must not be sent"
    );

    // A wrong password: the server's message under the password, nothing changed.
    submit_email_change(&app, new, new, "Not-the-password-1").await;
    let error = text_of(&app, "#email-form-field-current_password-error").await;
    assert!(
        error.contains("Invalid password"),
        "under current_password: {error:?}"
    );
    assert_eq!(
        app.attr("#email-form-field-current_password", "aria-invalid")
            .await
            .as_deref(),
        Some("true")
    );
    assert_eq!(app.api().jwt_create(old, PASSWORD).await.status, 200);

    // The right one.
    submit_email_change(&app, new, new, PASSWORD).await;
    app.wait_for(&find::notice("email-changed")).await;
    assert_eq!(text_of(&app, "#settings-email").await, new);
    for id in ["new_email", "re_new_email", "current_password"] {
        assert_eq!(
            app.js(
                "return document.getElementById(arguments[0]).value;",
                vec![json!(format!("email-form-field-{id}"))]
            )
            .await,
            json!(""),
            "{id} should be emptied after the change"
        );
    }
    let stored = app.session().await.expect("a stored session");
    assert_eq!(stored["user"]["email"], json!(new), "the stored session");

    // The server: only the new address signs in.
    assert_eq!(app.api().jwt_create(old, PASSWORD).await.status, 401);
    assert_eq!(app.api().jwt_create(new, PASSWORD).await.status, 200);

    // The dashboard of this tab, and the other tab without a reload.
    app.click("a[href=\"/dashboard\"]").await;
    app.wait_for_text("#user-email", new).await;
    app.switch_to(&second).await;
    app.wait_for_text("#user-email", new).await;
    app.switch_to(&first).await;

    // The old address was told (Djoser's USERNAME_CHANGED_EMAIL_CONFIRMATION, sent to the
    // address replaced).
    let notice = app.backend.wait_for_email(old).await;
    assert!(
        notice
            .subject
            .contains("email you sign in with has changed"),
        "{notice:?}"
    );
    assert!(notice.body_text.contains(new), "{notice:?}");
    app.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn change_email_to_a_taken_address_shows_the_error_under_it() {
    skip_unless_e2e!();
    let mine = "tess@example.com";
    let taken = "uma@example.com";
    let app = App::start_with_user(mine).await;
    app.add_user(taken).await;
    app.open_settings(mine, PASSWORD).await;

    // Another letter case is the same address to this backend.
    submit_email_change(&app, "Uma@Example.com", "Uma@Example.com", PASSWORD).await;
    let error = text_of(&app, "#email-form-field-new_email-error").await;
    assert!(
        error.contains("already exists"),
        "under new_email: {error:?}"
    );
    assert_eq!(
        app.focused_id().await,
        "email-form-field-new_email",
        "the focus goes to the field to fix"
    );
    assert!(!app.exists(&find::notice("email-changed")).await);
    assert_eq!(text_of(&app, "#settings-email").await, mine);
    let stored = app.session().await.expect("a stored session");
    assert_eq!(stored["user"]["email"], json!(mine));
    assert_eq!(app.api().jwt_create(mine, PASSWORD).await.status, 200);
    assert!(app.backend.emails().is_empty(), "no notice for a refusal");
}

// ---- the email reset link -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn email_reset_link_sets_a_new_address_once() {
    skip_unless_e2e!();
    let old = "vic@example.com";
    let new = "vic.new@example.com";
    let app = App::start_with_user(old).await;

    // An unknown address gets the same confirmation, and no email goes out.
    app.goto("/reset-email").await;
    app.fill("email", "nobody@example.com").await;
    app.submit().await;
    let for_unknown = text_of(&app, &find::notice("email-reset-sent")).await;

    app.goto(&format!("/reset-email?email={old}")).await;
    assert_eq!(app.value("email").await, old, "prefilled from ?email=");
    app.submit().await;
    let for_known = text_of(&app, &find::notice("email-reset-sent")).await;
    assert_eq!(for_unknown, for_known, "no account enumeration");

    let email = app.backend.wait_for_email(old).await;
    let link = url_path(&email.link("/confirm-email-reset/")).to_string();
    assert!(
        app.backend.emails().iter().all(|e| e.is_to(old)),
        "only the known address got an email"
    );

    // The link opens its page (prerendered too, so nginx & co serve it).
    app.goto(&link).await;
    app.wait_for(find::CONFIRM_EMAIL_RESET_FORM).await;
    app.fill("new_email", new).await;
    app.fill("re_new_email", "vic.other@example.com").await;
    app.submit().await;
    app.wait_for("#field-re_new_email-error").await;
    assert_eq!(app.requests_to("reset_email_confirm").await, 0);

    app.fill("re_new_email", new).await;
    app.submit().await;
    let changed = text_of(&app, "[data-result=\"changed\"]").await;
    assert!(changed.contains(new), "{changed:?}");
    assert_eq!(app.api().jwt_create(old, PASSWORD).await.status, 401);

    // Sign in with it, from the page's own button (which fills in the address).
    app.click("[data-result=\"changed\"] a[href^=\"/login\"]")
        .await;
    app.wait_for(find::LOGIN_FORM).await;
    assert_eq!(app.value("email").await, new);
    app.fill("password", PASSWORD).await;
    app.submit().await;
    app.wait_for_text("#user-email", new).await;

    // The same link again: the used-link page, with a way to ask again.
    app.goto(&link).await;
    app.fill("new_email", "vic.third@example.com").await;
    app.fill("re_new_email", "vic.third@example.com").await;
    app.submit().await;
    app.wait_for("[data-result=\"invalid\"]").await;
    app.wait_for("[data-result=\"invalid\"] a[href=\"/reset-email\"]")
        .await;
    assert_eq!(app.api().jwt_create(new, PASSWORD).await.status, 200);
    app.assert_no_crash().await;
}

// ---- delete the account -------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn delete_account_refuses_a_wrong_password_then_signs_out_every_tab() {
    skip_unless_e2e!();
    let email = "wes@example.com";
    let app = App::start_signed_in(email).await;
    let (first, second) = app.second_window("/dashboard").await;
    app.click(find::SETTINGS_LINK).await;
    let refresh = app.session_field("refresh_token").await;

    // The confirm step opens with the focus in its password input, and can be left.
    app.click("button#delete-account").await;
    app.wait_for(find::DELETE_ACCOUNT_FORM).await;
    app.poll("the focus in the confirm step's password", WAIT, || async {
        (app.focused_id().await == "delete-account-form-field-current_password").then_some(())
    })
    .await;
    assert!(
        text_of(&app, ".danger-zone")
            .await
            .contains("cannot be undone"),
        "the page says it is for good"
    );
    app.click("button#delete-account-cancel").await;
    app.wait_gone(find::DELETE_ACCOUNT_FORM).await;
    app.poll("the focus back on the button", WAIT, || async {
        (app.focused_id().await == "delete-account").then_some(())
    })
    .await;

    // A wrong password: the server's error, and nothing changes.
    app.click("button#delete-account").await;
    app.retype(
        "#delete-account-form-field-current_password",
        "Not-the-password-1",
    )
    .await;
    app.click(&find::submit(find::DELETE_ACCOUNT_FORM)).await;
    let error = text_of(&app, "#delete-account-form-field-current_password-error").await;
    assert!(error.contains("Invalid password"), "{error:?}");
    assert_eq!(app.pathname().await, "/settings");
    assert!(app.session().await.is_some(), "still signed in");
    assert_eq!(app.api().jwt_create(email, PASSWORD).await.status, 200);

    // The right one: gone, and every tab lands on the sign-in page saying so.
    app.retype("#delete-account-form-field-current_password", PASSWORD)
        .await;
    app.click(&find::submit(find::DELETE_ACCOUNT_FORM)).await;
    app.wait_for_pathname("/login").await;
    app.wait_for(&find::notice("account-deleted")).await;
    assert_eq!(app.session().await, None);
    app.switch_to(&second).await;
    app.wait_for_pathname("/login").await;
    app.wait_for(&find::notice("account-deleted")).await;
    assert!(!app.exists("#user-email").await);
    app.switch_to(&first).await;

    let r = app.api().jwt_create(email, PASSWORD).await;
    assert_eq!(
        r.status,
        401,
        "jwt/create for the deleted account: {}",
        r.text()
    );
    let r = app.api().jwt_refresh(&refresh).await;
    assert_eq!(r.status, 401, "its refresh token: {}", r.text());

    // A new sign-in (of another account) ends the notice.
    app.add_user("xan@example.com").await;
    app.sign_in("xan@example.com", PASSWORD).await;
    app.click(find::SIGN_OUT).await;
    app.wait_for(find::LOGIN_FORM).await;
    assert!(!app.exists(&find::notice("account-deleted")).await);
    app.assert_no_crash().await;
}

// ---- a password change under CHECK_REVOKE_TOKEN -------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn password_change_keeps_this_browser_signed_in_when_old_tokens_are_revoked() {
    skip_unless_e2e!();
    // Access tokens of 65 s: the app refreshes about 5 s after each arrives.
    let app = App::start_with(BackendOptions {
        extra_env: vec![("AUTH_CHECK_REVOKE_TOKEN".into(), "1".into())],
        ..BackendOptions::short_access()
    })
    .await;
    let email = "yul@example.com";
    app.backend
        .create_active_user_with(email, PASSWORD, "Yul", "yul")
        .await;
    app.open_settings(email, PASSWORD).await;
    let (first, second) = app.second_window("/settings").await;
    let old_refresh = app.session_field("refresh_token").await;

    app.fill("current_password", PASSWORD).await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.click(&find::submit(find::PASSWORD_FORM)).await;
    let notice = text_of(&app, &find::notice("password-changed")).await;
    assert!(
        !notice.contains("asked to sign in again"),
        "signing in again should have worked: {notice:?}"
    );
    assert_ne!(app.session_field("refresh_token").await, old_refresh);
    assert!(
        stored_access_works(&app).await,
        "the stored tokens must be the new ones"
    );
    // The replaced refresh token is revoked (it would still refresh, into refused tokens).
    app.assert_refresh_token_revoked(&old_refresh).await;

    // The other tab took the new tokens: an authenticated call from it goes through.
    app.switch_to(&second).await;
    app.fill("name", "Yul Other Tab").await;
    app.click(&find::submit(find::PROFILE_FORM)).await;
    app.wait_for(&find::notice("profile-saved")).await;
    app.switch_to(&first).await;

    // Still signed in after a reload: the dashboard's users/me/ goes through.
    app.goto("/dashboard").await;
    app.wait_for_text("#user-email", email).await;
    app.poll("the dashboard's users/me/ to answer", WAIT, || async {
        (app.requests_to("/auth/users/me/").await > 0).then_some(())
    })
    .await;
    app.wait_for_text("#user-name", "Yul Other Tab").await;
    assert!(!app.exists(&find::banner("profile-stale")).await);

    // …and after the next refresh.
    let calls = app.backend.refresh_calls().await;
    let access = app.session_field("access_token").await;
    app.poll("the next refresh", Duration::from_secs(20), || async {
        (app.backend.refresh_calls().await > calls
            && app.session_field("access_token").await != access)
            .then_some(())
    })
    .await;
    assert!(stored_access_works(&app).await, "the refreshed tokens work");
    app.reload().await;
    app.wait_for_text("#user-name", "Yul Other Tab").await;
    assert_eq!(app.pathname().await, "/dashboard");
    assert!(!app.exists(&find::banner("profile-stale")).await);
    assert!(!app.exists(&find::banner("expired")).await);
    app.assert_no_crash().await;
}

// ---- accessibility ------------------------------------------------------------------------------

/// axe (WCAG 2 A/AA and best practices) over every new page and state, light and dark.
#[tokio::test(flavor = "multi_thread")]
async fn account_pages_pass_axe() {
    skip_unless_e2e!();
    let email = "zed@example.com";
    let app = App::start_with_user(email).await;
    app.add_user("taken@example.com").await;
    let mut audit = Audit::default();

    app.open_settings(email, PASSWORD).await;
    audit.check(&app, "/settings").await;
    app.click(&find::submit(find::EMAIL_FORM)).await;
    app.wait_for("#email-form-field-new_email-error").await;
    audit
        .check(&app, "/settings email client-side errors")
        .await;
    submit_email_change(&app, "taken@example.com", "taken@example.com", PASSWORD).await;
    app.wait_for_text("#email-form-field-new_email-error", "already exists")
        .await;
    audit.check(&app, "/settings email taken (400)").await;
    submit_email_change(&app, "zed2@example.com", "zed2@example.com", PASSWORD).await;
    app.wait_for(&find::notice("email-changed")).await;
    audit.check(&app, "/settings email changed").await;

    app.click("button#delete-account").await;
    app.wait_for(find::DELETE_ACCOUNT_FORM).await;
    audit.check(&app, "/settings delete confirm step").await;
    app.click(&find::submit(find::DELETE_ACCOUNT_FORM)).await;
    app.wait_for("#delete-account-form-field-current_password-error")
        .await;
    audit
        .check(&app, "/settings delete client-side error")
        .await;
    app.retype("#delete-account-form-field-current_password", "wrong")
        .await;
    app.click(&find::submit(find::DELETE_ACCOUNT_FORM)).await;
    app.wait_for_text(
        "#delete-account-form-field-current_password-error",
        "Invalid password",
    )
    .await;
    audit
        .check(&app, "/settings delete wrong password (400)")
        .await;

    app.goto("/reset-email").await;
    app.wait_for(find::RESET_EMAIL_FORM).await;
    audit.check(&app, "/reset-email signed in").await;

    app.goto("/settings").await;
    app.click("button#delete-account").await;
    app.retype("#delete-account-form-field-current_password", PASSWORD)
        .await;
    app.click(&find::submit(find::DELETE_ACCOUNT_FORM)).await;
    app.wait_for(&find::notice("account-deleted")).await;
    audit.check(&app, "/login account deleted").await;

    app.goto("/reset-email").await;
    app.submit().await;
    app.wait_for("#field-email-error").await;
    audit.check(&app, "/reset-email client-side error").await;
    app.fill("email", "taken@example.com").await;
    app.submit().await;
    app.wait_for(&find::notice("email-reset-sent")).await;
    audit.check(&app, "/reset-email sent").await;

    let link = app.backend.wait_for_email("taken@example.com").await;
    let link = url_path(&link.link("/confirm-email-reset/")).to_string();
    app.goto(&link).await;
    app.wait_for(find::CONFIRM_EMAIL_RESET_FORM).await;
    audit.check(&app, "/confirm-email-reset").await;
    app.submit().await;
    app.wait_for("#field-new_email-error").await;
    audit
        .check(&app, "/confirm-email-reset client-side errors")
        .await;
    app.fill("new_email", "taken2@example.com").await;
    app.fill("re_new_email", "taken2@example.com").await;
    app.submit().await;
    app.wait_for("[data-result=\"changed\"]").await;
    audit.check(&app, "/confirm-email-reset changed").await;
    app.goto(&link).await;
    app.fill("new_email", "taken3@example.com").await;
    app.fill("re_new_email", "taken3@example.com").await;
    app.submit().await;
    app.wait_for("[data-result=\"invalid\"]").await;
    audit.check(&app, "/confirm-email-reset used link").await;

    audit.finish();
}
