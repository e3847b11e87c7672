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
//!
//! Where: this file has the checker's own test and the checks the page tests share; forms.rs the
//! sign-in, register, reset and resend pages; emailed_links.rs the pages an emailed link opens;
//! signed_in.rs /dashboard, /settings and the account pages; keyboard.rs the keyboard alone.

use serde_json::json;

use crate::support::axe::{accessible_name, run_axe};
use crate::support::{find, App, PASSWORD, WAIT};

mod emailed_links;
mod forms;
mod keyboard;
mod signed_in;

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
pub(super) async fn assert_field_error_focused(app: &App, state: &str, field: &str) {
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
pub(super) async fn assert_error_tied_to(app: &App, state: &str, field: &str) {
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
pub(super) async fn assert_alert_focused(app: &App, state: &str, form: &str) {
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
pub(super) async fn assert_heading_focused(app: &App, state: &str) {
    let desc = format!("{state}: the focus to move to the page's heading (h1#page-title)");
    app.poll(&desc, WAIT, || async {
        (app.focused_id().await == "page-title").then_some(())
    })
    .await;
}

/// `document.title` names the page ("Sign in · Account").
pub(super) async fn assert_title(app: &App, state: &str, page_name: &str) {
    let desc = format!("{state}: the title to name the page ({page_name:?})");
    app.poll(&desc, WAIT, || async {
        let title = app.js("return document.title;", vec![]).await;
        title.as_str()?.starts_with(page_name).then_some(())
    })
    .await;
}

/// Each `(field, autocomplete)`: the input's `autocomplete` attribute.
pub(super) async fn assert_autocomplete(app: &App, state: &str, expected: &[(&str, &str)]) {
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
pub(super) async fn assert_reveal_toggles(app: &App, state: &str) {
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

pub(super) async fn submit_empty(app: &App, form: &str) {
    app.wait_for(&format!("form#{form}")).await;
    app.submit().await;
}
