//! Before the app runs: the prerendered sign-in card on screen at once (light and dark), its
//! button unable to send; what was typed into it (and the focus) handed over to the app, nothing
//! sent; the takeover without a layout shift; a stored session sees the neutral loading shell.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{
    assert_not_started, assert_nothing_sent, backend_requests, held_back, open_as_is,
    requests_carrying, PASSWORD, WASM_DELAY,
};
use crate::support::{find, App, AppOptions, WAIT};

/// Waits (≤ 10 s) for `#{id}` to have the focus.
async fn wait_for_focus(app: &App, id: &str) {
    app.poll(&format!("#{id} to have the focus"), WAIT, || async {
        (app.focused_id().await == id).then_some(())
    })
    .await
}

/// `document.body`'s computed background colour as [r, g, b].
async fn body_background(app: &App) -> [f64; 3] {
    let css = app
        .js(
            "return getComputedStyle(document.body).backgroundColor;",
            vec![],
        )
        .await;
    let css = css.as_str().unwrap_or_default().to_string();
    let numbers: Vec<f64> = css
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert!(numbers.len() >= 3, "not an rgb() colour: {css:?}");
    [numbers[0], numbers[1], numbers[2]]
}

/// WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white).
fn luminance([r, g, b]: [f64; 3]) -> f64 {
    let channel = |v: f64| {
        let v = v / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// Where the card's parts are: [x, y, width, height] per selector (null when absent).
async fn card_geometry(app: &App) -> Value {
    app.js(
        "return Object.fromEntries(['section.card', '#page-title', '#field-email',
                '#field-password', 'form button[type=submit]', 'nav.card-footer'].map(css => {
           const el = document.querySelector(css);
           if (!el) return [css, null];
           const r = el.getBoundingClientRect();
           return [css, [r.x, r.y, r.width, r.height]];
         }));",
        vec![],
    )
    .await
}

/// Every layout shift of the page so far (buffered), after waiting a second for late ones.
async fn layout_shifts(app: &App) -> Value {
    app.browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             if (!PerformanceObserver.supportedEntryTypes.includes('layout-shift')) return done(null);
             const shifts = [];
             new PerformanceObserver(list => {
               for (const e of list.getEntries()) shifts.push({
                 value: e.value, hadRecentInput: e.hadRecentInput, at: e.startTime,
                 sources: (e.sources || []).map(s => s.node
                   ? s.node.nodeName + (s.node.id ? '#' + s.node.id : '') +
                     (s.node.className ? '.' + s.node.className : '')
                   : '(removed)'),
               });
             }).observe({ type: 'layout-shift', buffered: true });
             setTimeout(() => done(shifts), 1000);",
            vec![],
        )
        .await
        .expect("read the layout shifts")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_card_paints_before_the_app_runs() {
    skip_unless_e2e!();
    let app = App::start_opts(held_back(WASM_DELAY)).await;
    let opened = open_as_is(&app, "/login").await;
    let shown = opened.elapsed();

    // The card as the app draws it, with a button that can't send the form yet.
    let card = app.wait_for("main section.card").await;
    assert!(
        card.is_displayed().await.unwrap_or(false),
        "the card is on screen"
    );
    let on_screen = app
        .js(
            "const r = document.querySelector('section.card').getBoundingClientRect();
             return r.width > 200 && r.height > 200 && r.top >= 0 && r.bottom <= innerHeight;",
            vec![],
        )
        .await;
    assert_eq!(on_screen, json!(true), "the whole card is in the viewport");
    assert_eq!(app.text("section.card h1").await, "Sign in");
    for name in ["email", "password"] {
        let input = app
            .wait_for(&find::inside(
                find::LOGIN_FORM,
                &format!("input[name={name}]"),
            ))
            .await;
        assert!(input.is_displayed().await.unwrap_or(false), "{name} input");
        assert!(
            input.is_enabled().await.unwrap_or(false),
            "the {name} input takes typing before the app runs"
        );
    }
    let button = app.wait_for(&find::submit(find::LOGIN_FORM)).await;
    assert_eq!(button.text().await.unwrap_or_default(), "Sign in");
    assert!(
        !button.is_enabled().await.unwrap_or(true),
        "the prerendered submit button is disabled"
    );
    assert!(app.exists("a[href=\"/register\"]").await);
    assert!(app.exists("a[href=\"/reset-password\"]").await);
    assert_eq!(
        app.browser.client.title().await.expect("title"),
        "Sign in · Account"
    );
    assert!(
        !app.exists(&find::banner("boot-failed")).await,
        "no boot-failed banner while the wasm is merely on its way"
    );
    assert_not_started(&app, "the prerendered sign-in card").await;
    let light = body_background(&app).await;

    // Then the app takes over, once the wasm has arrived.
    app.wait_for_app().await;
    let took_over = opened.elapsed();
    assert!(
        took_over >= WASM_DELAY,
        "the app ran after {took_over:?}, before the wasm was let through ({WASM_DELAY:?})"
    );
    app.poll("the app's submit button to be enabled", WAIT, || async {
        let button = app.find(&find::submit(find::LOGIN_FORM)).await?;
        button.is_enabled().await.ok()?.then_some(())
    })
    .await;
    assert_eq!(app.text("section.card h1").await, "Sign in");
    app.assert_no_crash().await;

    // Dark mode: the prerendered page follows prefers-color-scheme as the app does.
    app.emulate_color_scheme(true).await;
    open_as_is(&app, "/login").await;
    app.wait_for("main section.card").await;
    let dark = body_background(&app).await;
    assert_not_started(&app, "the dark prerendered sign-in card").await;
    assert!(
        luminance(light) > 0.8 && luminance(dark) < 0.05,
        "the body background should be light ({light:?}) in light mode and dark ({dark:?}) in dark mode"
    );
    eprintln!(
        "[first paint] card on screen {shown:?} after navigating, app took over after {took_over:?}; \
         body background light {light:?}, dark {dark:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn what_was_typed_before_the_app_runs_is_kept_and_nothing_is_sent() {
    skip_unless_e2e!();
    let email = "early@example.com";
    let app = App::start_opts_with_user(held_back(Duration::from_secs(5)), email).await;
    open_as_is(&app, "/login").await;
    let url = app.url().await;

    // Type into the prerendered form, click its (disabled) button, then type the password and
    // press Enter in it: none of it may send the form natively (to the static host, as a GET
    // with the password in the address) or reach the API.
    app.type_into(&find::inside(find::LOGIN_FORM, "input[name=email]"), email)
        .await;
    app.wait_for(&find::submit(find::LOGIN_FORM))
        .await
        .click()
        .await
        .expect("click the prerendered submit button");
    assert_nothing_sent(&app, &url, PASSWORD, "a click on the prerendered button").await;
    app.type_into(
        &find::inside(find::LOGIN_FORM, "input[name=password]"),
        PASSWORD,
    )
    .await;
    app.press_enter_in(&find::inside(find::LOGIN_FORM, "input[name=password]"))
        .await;
    assert_nothing_sent(
        &app,
        &url,
        PASSWORD,
        "Enter in the prerendered password input",
    )
    .await;
    assert_not_started(&app, "typing, clicking and Enter").await;
    assert_eq!(app.value("email").await, email);
    assert_eq!(app.value("password").await, PASSWORD);
    assert_eq!(app.focused_id().await, "field-password");

    // The app takes over with the same values, the focus where it was, and sends nothing yet.
    app.wait_for_app().await;
    assert_eq!(app.value("email").await, email, "the typed email is kept");
    assert_eq!(
        app.value("password").await,
        PASSWORD,
        "the typed password is kept"
    );
    wait_for_focus(&app, "field-password").await;
    assert_eq!(app.url().await, url);
    assert_eq!(app.requests_to("jwt/create").await, 0);
    assert!(backend_requests(&app, "/auth/jwt/create/").is_empty());
    assert!(requests_carrying(&app, PASSWORD).is_empty());

    // Now sending it signs in, with what was typed before the app ran.
    app.submit().await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-email", email).await;
    assert!(
        backend_requests(&app, "POST /auth/jwt/create/")
            .iter()
            .any(|line| line.contains("\" 200 ")),
        "the sign-in is in the backend's log (so its absence above meant something):\n{}",
        app.backend.log_tail(10)
    );
    app.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_takes_over_without_a_layout_shift() {
    skip_unless_e2e!();
    let app = App::start_opts(held_back(WASM_DELAY)).await;
    open_as_is(&app, "/login").await;
    app.wait_for("main section.card").await;
    let before = card_geometry(&app).await;
    assert_not_started(&app, "measuring the prerendered card").await;
    assert!(
        before["section.card"].is_array(),
        "no card to measure: {before}"
    );

    app.wait_for_app().await;
    // Two frames for the app's first render to be laid out.
    app.browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => done(null)));",
            vec![],
        )
        .await
        .expect("wait two frames");
    let after = card_geometry(&app).await;
    let parts = before.as_object().expect("the card's parts");
    for (css, was) in parts {
        let now = &after[css];
        let moved = match (was.as_array(), now.as_array()) {
            (Some(was), Some(now)) => was
                .iter()
                .zip(now)
                .any(|(a, b)| (a.as_f64().unwrap_or(0.0) - b.as_f64().unwrap_or(0.0)).abs() > 0.5),
            (None, None) => false,
            _ => true,
        };
        assert!(
            !moved,
            "{css} moved when the app took over: {was} → {now}\nbefore: {before}\nafter: {after}"
        );
    }

    let shifts = layout_shifts(&app).await;
    let entries = shifts
        .as_array()
        .unwrap_or_else(|| panic!("this Chromium doesn't report layout shifts: {shifts}"));
    let total: f64 = entries
        .iter()
        .filter(|e| e["hadRecentInput"] != json!(true))
        .map(|e| e["value"].as_f64().unwrap_or(0.0))
        .sum();
    // Nothing should move at all; 0.001 leaves room for rounding, not for a visible shift.
    assert!(
        total < 0.001,
        "cumulative layout shift {total} over the first paint and the takeover: {shifts:#}"
    );
    eprintln!(
        "[first paint] card before {} → after {}; layout shifts {shifts} (total {:.4})",
        before["section.card"],
        after["section.card"],
        total.abs()
    );
}

/// How long the static server pauses inside a page's HTML in the next test: far longer than a
/// frame, so a page painted from its first part would show it.
const PAGE_PAUSE: Duration = Duration::from_millis(700);

#[tokio::test(flavor = "multi_thread")]
async fn a_page_arriving_in_parts_paints_once_it_is_whole() {
    skip_unless_e2e!();
    // A loaded machine or a slow network hands the parser half a page. Painted then, the card
    // (centred in the shell) moves when its footer arrives: CI saw a 0.019 layout shift.
    let app = App::start_opts(AppOptions {
        page_pause: Some(PAGE_PAUSE),
        ..held_back(WASM_DELAY)
    })
    .await;
    open_as_is(&app, "/login").await;
    app.wait_for("nav.card-footer").await;
    assert_not_started(&app, "measuring the prerendered page").await;
    // The paint entry comes a frame or so after the page's last part is parsed.
    let timing = app
        .poll("the first contentful paint", WAIT, || async {
            let timing = app
                .js(
                    "const nav = performance.getEntriesByType('navigation')[0];
                     const paint = performance.getEntriesByName('first-contentful-paint')[0];
                     return { whole: nav.responseEnd, painted: paint ? paint.startTime : null };",
                    vec![],
                )
                .await;
            (timing["whole"].as_f64().is_some() && timing["painted"].as_f64().is_some())
                .then_some(timing)
        })
        .await;
    let (whole, painted) = (timing["whole"].as_f64(), timing["painted"].as_f64());
    let (Some(whole), Some(painted)) = (whole, painted) else {
        panic!("no navigation or paint timing: {timing}");
    };
    assert!(
        whole >= PAGE_PAUSE.as_millis() as f64,
        "the page's last part came too soon for this test to mean anything: {timing}"
    );
    assert!(
        painted >= whole,
        "the page painted at {painted:.0} ms, before its last part arrived at {whole:.0} ms"
    );
    let shifts = layout_shifts(&app).await;
    assert_eq!(shifts, json!([]), "the prerendered page moved");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stored_session_sees_the_loading_shell_never_a_sign_in_form() {
    skip_unless_e2e!();
    let email = "kept@example.com";
    let app = App::start_opts_signed_in(held_back(WASM_DELAY), email).await;
    assert!(app.session().await.is_some(), "a stored session");

    for path in ["/dashboard", "/"] {
        // A fresh page load with the session in storage: the prerendered neutral shell…
        open_as_is(&app, path).await;
        app.wait_for("main[data-loading]").await;
        let watched = Instant::now();
        while watched.elapsed() < Duration::from_millis(1500) {
            assert!(
                !app.exists("form").await && !app.exists("h1").await,
                "{path}: a form or a page heading before the app ran:\n{}",
                app.describe().await
            );
            assert!(
                app.exists("main[data-loading] .spinner").await,
                "{path}: the shell shows its spinner"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(
            app.browser.client.title().await.expect("title"),
            "Account",
            "{path}: a neutral title"
        );
        assert_eq!(app.pathname().await, path);
        assert_not_started(&app, &format!("{path}'s loading shell")).await;

        // …then the dashboard, without going through the sign-in page.
        app.wait_for_app().await;
        app.wait_for_text("#user-email", email).await;
        assert_eq!(app.path().await, "/dashboard");
        assert!(!app.exists(find::LOGIN_FORM).await);
    }
    app.assert_no_crash().await;
}
