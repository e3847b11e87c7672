//! /settings, Email: a new sign-in email with the password (every tab, the old address told),
//! a taken address refused, and the emailed link of /reset-email.

use serde_json::json;

use super::{submit_email_change, text_of};
use crate::support::{find, url_path, App, PASSWORD};

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
