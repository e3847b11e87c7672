//! Accessibility, checked in the browser: axe-core (npm `axe-core`, installed into `.tools/` by
//! `scripts/setup.sh browser`) runs in every page and state — the six auth pages empty, after a
//! failed submit (client-side errors and a server error) and after success, the not-found page, and
//! the signed-in /dashboard and /settings — in the light and the dark color scheme (emulated with
//! CDP `Emulation.setEmulatedMedia`). Any violation of the WCAG 2 A/AA rules or axe's best
//! practices fails the test, listed with the page and state it came from.
//!
//! Around it, what axe can't see: focus moves to the first field in error after a failed submit,
//! errors are tied to their input and announced, the title names the page, password inputs carry
//! the right `autocomplete` and a reveal toggle with a clear name, and a person can sign in with
//! the keyboard alone, seeing where the focus is at every step.

use serde_json::json;

use crate::support::axe::{accessible_name, run_axe, Audit};
use crate::support::{find, url_path, App, NEW_PASSWORD, PASSWORD, WAIT};

mod keyboard;

/// The checker itself: violations planted in a real page are reported, by rule, in both schemes
/// (so a clean result in the tests below means something).
#[tokio::test(flavor = "multi_thread")]
async fn axe_reports_planted_violations() {
    skip_unless_e2e!();
    let app = App::start().await;
    app.goto("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    app.js(
        "const main = document.querySelector('main');
         main.insertAdjacentHTML('beforeend',
           '<img src=\"data:,\" width=\"10\" height=\"10\">' +
           '<p style=\"color:#aaa;background:#fff\">faint text</p>' +
           '<input type=\"text\" name=\"unlabelled\">');",
        vec![],
    )
    .await;
    for dark in [false, true] {
        app.emulate_color_scheme(dark).await;
        let found = run_axe(&app).await;
        for rule in ["image-alt (", "color-contrast (", "label ("] {
            assert!(
                found.iter().any(|v| v.starts_with(rule)),
                "[dark={dark}] axe should report {rule:?}; it found: {found:#?}"
            );
        }
    }
}

/// After a failed submit: focus is on `#field-{field}`, which is `aria-invalid`, described by its
/// error message (which screen readers are told about through `aria-live`).
async fn assert_field_error_focused(app: &App, state: &str, field: &str) {
    let id = format!("field-{field}");
    let desc = format!("{state}: the focus to move to #{id}, the first field in error");
    app.poll(&desc, WAIT, || async {
        (app.focused_id().await == id).then_some(())
    })
    .await;
    assert_error_tied_to(app, state, field).await;
}

/// `#field-{field}` is `aria-invalid="true"` and `aria-describedby` names `#field-{field}-error`,
/// a live region with text.
async fn assert_error_tied_to(app: &App, state: &str, field: &str) {
    let input = format!("#field-{field}");
    let error_id = format!("field-{field}-error");
    app.wait_for(&format!("#{error_id}")).await;
    assert_eq!(
        app.attr(&input, "aria-invalid").await.as_deref(),
        Some("true"),
        "{state}: {input} should be aria-invalid"
    );
    let described_by = app
        .attr(&input, "aria-describedby")
        .await
        .unwrap_or_default();
    assert!(
        described_by.split_whitespace().any(|id| id == error_id),
        "{state}: {input}'s aria-describedby ({described_by:?}) should name #{error_id}"
    );
    let live = app
        .js(
            "const el = document.getElementById(arguments[0]);
             return !!el.closest('[aria-live], [role=alert], [role=status]') && el.textContent.trim().length > 0;",
            vec![json!(error_id)],
        )
        .await;
    assert_eq!(
        live,
        json!(true),
        "{state}: #{error_id} should have text and be (inside) a live region"
    );
}

/// A form-level error is a `role=alert` that takes the focus (nothing else to fix).
async fn assert_alert_focused(app: &App, state: &str, form: &str) {
    let id = format!("{form}-alert");
    app.wait_for(&format!("form#{form} .form-alert[role=alert]#{id}"))
        .await;
    let desc = format!("{state}: the focus to move to the message #{id}");
    app.poll(&desc, WAIT, || async {
        (app.focused_id().await == id).then_some(())
    })
    .await;
}

/// When the page's content was replaced (a link followed, a form done), the focus is on the new
/// heading rather than lost on `<body>`.
async fn assert_heading_focused(app: &App, state: &str) {
    let desc = format!("{state}: the focus to move to the page's heading (h1#page-title)");
    app.poll(&desc, WAIT, || async {
        (app.focused_id().await == "page-title").then_some(())
    })
    .await;
}

/// `document.title` names the page ("Sign in · Account").
async fn assert_title(app: &App, state: &str, page_name: &str) {
    let desc = format!("{state}: the title to name the page ({page_name:?})");
    app.poll(&desc, WAIT, || async {
        let title = app.js("return document.title;", vec![]).await;
        title.as_str()?.starts_with(page_name).then_some(())
    })
    .await;
}

/// Each `(field, autocomplete)`: the input's `autocomplete` attribute.
async fn assert_autocomplete(app: &App, state: &str, expected: &[(&str, &str)]) {
    for (field, want) in expected {
        let got = app
            .attr(&format!("#field-{field}"), "autocomplete")
            .await
            .unwrap_or_default();
        assert_eq!(
            &got, want,
            "{state}: #field-{field} should have autocomplete={want:?}"
        );
    }
}

/// Every password input of the page has a reveal toggle named "Show password" that turns it into
/// plain text and back ("Hide password"), and keeps the typed value. Reloads the page after.
async fn assert_reveal_toggles(app: &App, state: &str) {
    let fields: Vec<String> = app
        .js(
            "return [...document.querySelectorAll('input[type=password]')].map(i => i.name);",
            vec![],
        )
        .await
        .as_array()
        .expect("names")
        .iter()
        .map(|v| v.as_str().unwrap_or("").to_string())
        .collect();
    assert!(!fields.is_empty(), "{state}: no password inputs to check");
    for field in fields {
        let input = format!("#field-{field}");
        let toggle = format!("button.reveal[aria-controls=\"field-{field}\"]");
        app.fill(&field, "secret-value").await;
        assert_eq!(
            accessible_name(app, &toggle).await,
            "Show password",
            "{state}: {toggle}'s accessible name"
        );
        for (shown, input_type, name) in [
            (true, "text", "Hide password"),
            (false, "password", "Show password"),
        ] {
            app.click(&toggle).await;
            let desc = format!(
                "{state}: after pressing {toggle}, {input} of type {input_type:?} and the toggle named {name:?}"
            );
            app.poll(&desc, WAIT, || async {
                let now = app.attr(&input, "type").await;
                (now.as_deref() == Some(input_type) && accessible_name(app, &toggle).await == name)
                    .then_some(())
            })
            .await;
            assert_eq!(
                app.value(&field).await,
                "secret-value",
                "{state}: the value stays (shown: {shown})"
            );
        }
    }
    // WebDriver's clear() fires no `input` event, so the form still holds what was typed: start
    // afresh.
    app.reload().await;
    app.wait_for("form input[type=password]").await;
}

async fn submit_empty(app: &App, form: &str) {
    app.wait_for(&format!("form#{form}")).await;
    app.submit().await;
}

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
