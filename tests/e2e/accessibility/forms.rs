//! axe and the checks around it on the forms of a signed-out visitor: sign in, register, reset
//! the password, resend the activation email; empty, after a failed submit and after success.

use super::{
    assert_alert_focused, assert_autocomplete, assert_error_tied_to, assert_field_error_focused,
    assert_heading_focused, assert_reveal_toggles, assert_title, submit_empty,
};
use crate::support::axe::Audit;
use crate::support::{find, App, PASSWORD};

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_and_register_pages_pass_axe() {
    skip_unless_e2e!();
    let app = App::start_with_user("ada@example.com").await;
    let mut audit = Audit::default();

    // /login
    app.goto("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    assert_title(&app, "/login", "Sign in").await;
    assert_autocomplete(
        &app,
        "/login",
        &[("email", "email"), ("password", "current-password")],
    )
    .await;
    audit.check(&app, "/login empty").await;
    assert_reveal_toggles(&app, "/login").await;

    submit_empty(&app, "login-form").await;
    assert_field_error_focused(&app, "/login client-side errors", "email").await;
    assert_error_tied_to(&app, "/login client-side errors", "password").await;
    audit.check(&app, "/login client-side errors").await;

    app.fill("email", "ada@example.com").await;
    app.fill("password", "not-the-password").await;
    app.submit().await;
    assert_alert_focused(&app, "/login wrong password", "login-form").await;
    audit.check(&app, "/login wrong password (401)").await;

    app.goto("/login?notice=password-reset").await;
    app.wait_for(&find::notice("password-reset")).await;
    audit.check(&app, "/login password-reset notice").await;

    // /register, reached by the link under the sign-in card.
    app.goto("/login").await;
    app.click("nav a[href=\"/register\"]").await;
    app.wait_for(find::REGISTER_FORM).await;
    assert_heading_focused(&app, "/login → /register").await;
    assert_title(&app, "/register", "Create an account").await;
    assert_autocomplete(
        &app,
        "/register",
        &[
            ("email", "email"),
            ("name", "name"),
            ("password", "new-password"),
            ("re_password", "new-password"),
        ],
    )
    .await;
    audit.check(&app, "/register empty").await;
    assert_reveal_toggles(&app, "/register").await;

    app.fill("email", "new@example.com").await;
    app.fill("password", "short").await;
    app.fill("re_password", "different").await;
    app.submit().await;
    assert_field_error_focused(&app, "/register client-side errors", "password").await;
    assert_error_tied_to(&app, "/register client-side errors", "re_password").await;
    audit.check(&app, "/register client-side errors").await;

    // A password the server refuses: its error lands under the password field. (A taken
    // address gets no error: the backend answers it like a new one.)
    app.fill("password", "password").await;
    app.fill("re_password", "password").await;
    app.submit().await;
    assert_field_error_focused(&app, "/register common password (400)", "password").await;
    audit.check(&app, "/register common password (400)").await;

    app.fill("password", PASSWORD).await;
    app.fill("re_password", PASSWORD).await;
    app.submit().await;
    app.wait_for(&find::notice("check-email")).await;
    assert_heading_focused(&app, "/register success").await;
    audit.check(&app, "/register success").await;

    // The not-found page.
    app.goto("/no/such/page").await;
    app.wait_for("main h1").await;
    assert_title(&app, "not found", "Page not found").await;
    audit.check(&app, "not found").await;

    audit.finish();
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_and_resend_pages_pass_axe() {
    skip_unless_e2e!();
    let mut app = App::start_with_user("ada@example.com").await;
    let mut audit = Audit::default();

    for (path, form, title, notice) in [
        (
            "/reset-password",
            "reset-password-form",
            "Reset your password",
            "reset-sent",
        ),
        (
            "/resend-activation",
            "resend-activation-form",
            "Resend the activation email",
            "activation-sent",
        ),
    ] {
        app.goto(path).await;
        app.wait_for(&format!("form#{form}")).await;
        assert_title(&app, path, title).await;
        assert_autocomplete(&app, path, &[("email", "email")]).await;
        audit.check(&app, &format!("{path} empty")).await;

        app.fill("email", "not an address").await;
        app.submit().await;
        assert_field_error_focused(&app, &format!("{path} client-side error"), "email").await;
        audit
            .check(&app, &format!("{path} client-side error"))
            .await;

        app.goto(path).await;
        app.wait_for(&format!("form#{form}")).await;
        app.fill("email", "ada@example.com").await;
        app.submit().await;
        app.wait_for(&find::notice(notice)).await;
        audit.check(&app, &format!("{path} success")).await;
    }

    // The server can't be reached: the message on top of the form takes the focus.
    app.backend.stop().await;
    for (path, form) in [
        ("/reset-password", "reset-password-form"),
        ("/resend-activation", "resend-activation-form"),
    ] {
        app.goto(path).await;
        app.wait_for(&format!("form#{form}")).await;
        app.fill("email", "ada@example.com").await;
        app.submit().await;
        assert_alert_focused(&app, &format!("{path} server unreachable"), form).await;
        audit
            .check(&app, &format!("{path} server unreachable"))
            .await;
    }
    app.backend.start_again().await;
    audit.finish();
}
