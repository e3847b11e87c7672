//! Signing in with the keyboard alone, seeing where the focus is at every step: the tab order of
//! /login, a visible focus indicator (WCAG 2.4.7, 1.4.11) in light and dark, the reveal toggle
//! answering to Enter.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::{json, Value};

use super::PASSWORD;
use crate::support::{find, App, WAIT};

/// Presses a key (WebDriver actions: a real key press, as a keyboard user would).
async fn press(app: &App, key: Key) {
    let key: char = key.into();
    let actions = KeyActions::new("keyboard".to_string())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    app.browser
        .client
        .perform_actions(actions)
        .await
        .expect("key press");
}

/// The focused element and whether its focus shows: a solid outline of ≥ 2 px whose color differs
/// from the background around it.
async fn focus_state(app: &App) -> Value {
    app.js(
        "const el = document.activeElement;
         const cs = getComputedStyle(el);
         return {
           id: el.id, tag: el.tagName.toLowerCase(), name: el.getAttribute('name'),
           text: (el.getAttribute('aria-label') || el.textContent || '').trim(),
           href: el.getAttribute('href'),
           focusVisible: el.matches(':focus-visible'),
           outline: cs.outlineStyle + ' ' + cs.outlineWidth + ' ' + cs.outlineColor,
           visible: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2,
           contrast: contrast(cs.outlineColor, background(el.parentElement)),
         };
         function rgb(color) { return color.match(/[0-9.]+/g).map(Number); }
         function background(node) {
           for (; node; node = node.parentElement) {
             const c = rgb(getComputedStyle(node).backgroundColor);
             if (c.length < 4 || c[3] > 0) return c;
           }
           return rgb(getComputedStyle(document.body).backgroundColor);
         }
         function luminance(c) {
           const [r, g, b] = c.slice(0, 3).map(v => v / 255)
             .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
           return 0.2126 * r + 0.7152 * g + 0.0722 * b;
         }
         function contrast(a, b) {
           const [x, y] = [luminance(rgb(a)), luminance(b)].sort((p, q) => q - p);
           return (x + 0.05) / (y + 0.05);
         }",
        vec![],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn keyboard_alone_signs_in_with_visible_focus() {
    skip_unless_e2e!();
    let app = App::start_with_user("kay@example.com").await;

    for dark in [false, true] {
        app.goto("/login").await;
        app.emulate_color_scheme(dark).await;
        app.wait_for(find::LOGIN_FORM).await;
        // Tab through the whole page: every stop shows a visible focus indicator.
        let mut stops = vec![];
        // (and the social sign-in buttons, in a build that has them)
        for _ in 0..6 + app.count("button[data-provider]").await {
            press(&app, Key::Tab).await;
            let state = focus_state(&app).await;
            assert_eq!(
                state["visible"],
                json!(true),
                "[dark={dark}] focus on {state} should be visible (outline ≥ 2px)"
            );
            // WCAG 1.4.11: the focus indicator stands out 3:1 against what surrounds it.
            let contrast = state["contrast"].as_f64().unwrap_or(0.0);
            assert!(
                contrast >= 3.0,
                "[dark={dark}] the focus outline of {state} contrasts {contrast:.2}:1 with its background (needs 3:1)"
            );
            stops.push(state);
        }
        let describe = |s: &Value| {
            s["href"]
                .as_str()
                .map(str::to_string)
                .or_else(|| s["name"].as_str().map(str::to_string))
                .unwrap_or_else(|| s["text"].as_str().unwrap_or("").to_string())
        };
        // The build with social sign-in (dist/social/) adds its "Continue with …" buttons
        // right after "Sign in": the same order around them.
        let mut order: Vec<String> = stops.iter().map(describe).collect();
        let social = order
            .iter()
            .position(|stop| stop.starts_with("Continue with "))
            .unwrap_or(order.len());
        assert!(
            social == order.len() || order[social - 1] == "Sign in",
            "{order:?}"
        );
        order.retain(|stop| !stop.starts_with("Continue with "));
        assert_eq!(
            order,
            [
                "email",
                "password",
                "Show password",
                "Sign in",
                "/register",
                "/reset-password"
            ],
            "[dark={dark}] the tab order of /login"
        );
    }

    // Sign in with keys only: Tab to a field, type, Tab on, Enter.
    app.goto("/login").await;
    app.emulate_color_scheme(false).await;
    app.wait_for(find::LOGIN_FORM).await;
    press(&app, Key::Tab).await;
    let active = app.browser.client.active_element().await.expect("focus");
    active.send_keys("kay@example.com").await.expect("type");
    press(&app, Key::Tab).await;
    let active = app.browser.client.active_element().await.expect("focus");
    active.send_keys(PASSWORD).await.expect("type");
    // The reveal toggle answers to Enter like a click.
    press(&app, Key::Tab).await;
    press(&app, Key::Enter).await;
    app.poll(
        "Enter on the reveal toggle to show the password",
        WAIT,
        || async {
            (app.attr("#field-password", "type").await.as_deref() == Some("text")).then_some(())
        },
    )
    .await;
    press(&app, Key::Tab).await;
    press(&app, Key::Enter).await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-email", "kay@example.com").await;
}
