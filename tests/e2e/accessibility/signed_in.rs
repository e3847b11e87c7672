//! axe and the checks around it on the signed-in pages: /dashboard and /settings, and the account
//! pages and states of issue #13 (the email forms, /reset-email, deleting the account).

use super::{
    assert_autocomplete, assert_error_tied_to, assert_field_error_focused, assert_heading_focused,
    assert_reveal_toggles, assert_title,
};
use crate::settings::submit_email_change;
use crate::support::axe::Audit;
use crate::support::{find, url_path, App, NEW_PASSWORD, PASSWORD};

#[tokio::test(flavor = "multi_thread")]
async fn signed_in_pages_pass_axe() {
    skip_unless_e2e!();
    let app = App::start().await;
    app.backend
        .create_active_user_with("ada@example.com", PASSWORD, "Ada Lovelace", "ada")
        .await;
    let mut audit = Audit::default();

    app.sign_in("ada@example.com", PASSWORD).await;
    assert_heading_focused(&app, "/login → /dashboard").await;
    assert_title(&app, "/dashboard", "Your account").await;
    audit.check(&app, "/dashboard").await;

    app.click("a[href=\"/settings\"]").await;
    app.wait_for(find::PASSWORD_FORM).await;
    assert_title(&app, "/settings", "Account settings").await;
    assert_autocomplete(
        &app,
        "/settings",
        &[
            ("name", "name"),
            ("username", "username"),
            ("current_password", "current-password"),
            ("new_password", "new-password"),
            ("re_new_password", "new-password"),
        ],
    )
    .await;
    audit.check(&app, "/settings").await;
    assert_reveal_toggles(&app, "/settings").await;

    // Password: client-side errors, then a wrong current password (400 from the server).
    app.click(&find::submit(find::PASSWORD_FORM)).await;
    assert_field_error_focused(&app, "/settings password client-side", "current_password").await;
    assert_error_tied_to(&app, "/settings password client-side", "new_password").await;
    audit
        .check(&app, "/settings password client-side errors")
        .await;

    app.fill("current_password", "not-the-password").await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.click(&find::submit(find::PASSWORD_FORM)).await;
    assert_field_error_focused(
        &app,
        "/settings wrong current password (400)",
        "current_password",
    )
    .await;
    audit
        .check(&app, "/settings wrong current password (400)")
        .await;

    // Profile: too long a name (client side), then saved.
    app.fill("name", &"x".repeat(151)).await;
    app.click(&find::submit(find::PROFILE_FORM)).await;
    assert_field_error_focused(&app, "/settings profile client-side", "name").await;
    audit
        .check(&app, "/settings profile client-side error")
        .await;
    app.fill("name", "Ada King").await;
    app.click(&find::submit(find::PROFILE_FORM)).await;
    app.wait_for(&find::notice("profile-saved")).await;
    audit.check(&app, "/settings profile saved").await;

    app.fill("current_password", PASSWORD).await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.click(&find::submit(find::PASSWORD_FORM)).await;
    app.wait_for(&find::notice("password-changed")).await;
    audit.check(&app, "/settings password changed").await;

    audit.finish();
}

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
