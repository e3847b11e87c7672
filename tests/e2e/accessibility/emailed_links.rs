//! axe and the checks around it on the pages an emailed link opens: activation, password reset,
//! email reset; a good link, a used or bad one.

use serde_json::json;

use super::{
    assert_autocomplete, assert_error_tied_to, assert_field_error_focused, assert_reveal_toggles,
    assert_title, submit_empty,
};
use crate::support::axe::Audit;
use crate::support::{find, url_path, App, NEW_PASSWORD, PASSWORD};

#[tokio::test(flavor = "multi_thread")]
async fn emailed_link_pages_pass_axe() {
    skip_unless_e2e!();
    let mut app = App::start().await;
    let mut audit = Audit::default();

    // Activation: activated, already active, invalid.
    let r = app
        .api()
        .register("link@example.com", "Link", PASSWORD)
        .await;
    assert_eq!(r.status, 201, "register: {}", r.text());
    let link = app
        .backend
        .wait_for_email("link@example.com")
        .await
        .link("/user-activation/");
    app.goto(url_path(&link)).await;
    app.wait_for("[data-result=\"activated\"]").await;
    assert_title(&app, "activation", "Activate your account").await;
    audit.check(&app, "/user-activation activated").await;
    app.goto(url_path(&link)).await;
    app.wait_for("[data-result=\"already-active\"]").await;
    audit.check(&app, "/user-activation already active").await;
    app.goto("/user-activation/Zm9vYmFy/0-bad-token").await;
    app.wait_for("[data-result=\"invalid\"]").await;
    audit.check(&app, "/user-activation invalid").await;

    // Password reset confirmation: empty, client-side errors, server error, success.
    let r = app
        .api()
        .post(
            "/auth/users/reset_password/",
            json!({ "email": "link@example.com" }),
        )
        .await;
    assert_eq!(r.status, 204, "reset_password: {}", r.text());
    let reset = app
        .backend
        .wait_for_email("link@example.com")
        .await
        .link("/confirm-password-reset/");
    app.goto(url_path(&reset)).await;
    app.wait_for(find::CONFIRM_RESET_FORM).await;
    assert_title(&app, "confirm reset", "Choose a new password").await;
    assert_autocomplete(
        &app,
        "confirm reset",
        &[
            ("new_password", "new-password"),
            ("re_new_password", "new-password"),
        ],
    )
    .await;
    audit.check(&app, "/confirm-password-reset empty").await;
    assert_reveal_toggles(&app, "/confirm-password-reset").await;

    submit_empty(&app, "confirm-reset-form").await;
    assert_field_error_focused(&app, "confirm reset client-side errors", "new_password").await;
    assert_error_tied_to(&app, "confirm reset client-side errors", "re_new_password").await;
    audit
        .check(&app, "/confirm-password-reset client-side errors")
        .await;

    // Django's validators refuse a common password: the server's error under the field.
    app.fill("new_password", "password123").await;
    app.fill("re_new_password", "password123").await;
    app.submit().await;
    assert_field_error_focused(&app, "confirm reset common password (400)", "new_password").await;
    audit
        .check(&app, "/confirm-password-reset common password (400)")
        .await;

    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.submit().await;
    app.wait_for(&find::notice("password-reset")).await;
    audit
        .check(&app, "/confirm-password-reset success (→ /login)")
        .await;

    // The same link again: used up.
    app.goto(url_path(&reset)).await;
    app.wait_for(find::CONFIRM_RESET_FORM).await;
    app.fill("new_password", PASSWORD).await;
    app.fill("re_new_password", PASSWORD).await;
    app.submit().await;
    app.wait_for("[data-result=\"invalid\"]").await;
    audit.check(&app, "/confirm-password-reset used link").await;

    // Activation while the server can't be reached: the error with a "Try again" button.
    app.backend.stop().await;
    app.goto("/user-activation/MQ/some-token").await;
    app.wait_for("[data-result=\"error\"]").await;
    audit
        .check(&app, "/user-activation server unreachable")
        .await;
    app.backend.start_again().await;
    audit.finish();
}
