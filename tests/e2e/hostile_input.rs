//! Hostile input: open-redirect attempts through `next`, emailed links leaking through
//! `Referer`, the app under a strict Content-Security-Policy, and server answers that break the
//! contract. The release build in headless Chromium against the reference backend.

use djoser_auth_spa::routes::{Query, Route};
use serde_json::json;

use crate::support::static_server::dist_dir;
use crate::support::{
    find, App, AppOptions, BackendOptions, Recorded, StaticConfig, StaticServer, PASSWORD, WAIT,
};

const EMAIL: &str = "mallory-target@example.com";

/// The production policy (deploy/nginx.conf's), reporting to the static server; `{api_base}` is
/// the test backend's origin (filled in by the static server).
fn strict_csp() -> String {
    crate::support::nginx::production_csp()
}

#[tokio::test(flavor = "multi_thread")]
async fn open_redirect_attempts_land_on_the_dashboard() {
    skip_unless_e2e!();
    let app = App::start_with_user(EMAIL).await;
    let long = format!("/{}", "a".repeat(4999));
    let hostile = [
        "//evil.example",
        "//evil.example/dashboard",
        "https://evil.example",
        "HtTpS://evil.example",
        "https:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.domain)",
        "data:text/html,<script>alert(1)</script>",
        "%2F%2Fevil.example",
        "/%2Fevil.example",
        "/%2fevil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "/\t/evil.example",
        " //evil.example",
        "evil.example",
        &long,
    ];
    for next in hostile {
        app.goto(&Route::Login.with_query(&Query::next(next.to_string())))
            .await;
        app.submit_login("email", EMAIL, PASSWORD).await;
        app.wait_for_pathname("/dashboard").await;
        let url = app.url().await;
        assert_eq!(
            url,
            format!("{}/dashboard", app.origin()),
            "next={next:?} should land on this origin's /dashboard"
        );
        app.wait_for_text("#user-email", EMAIL).await;
        // Signed out for the next attempt (storage only: the next page load starts afresh).
        app.clear_site_storage().await;
    }
    app.assert_no_crash().await;
    println!(
        "{} hostile next values all landed on /dashboard",
        hostile.len()
    );

    // A safe next is honoured, so the ones above were refused for what they are.
    app.goto(&Route::Login.with_query(&Query::next("/settings".into())))
        .await;
    app.submit_login("email", EMAIL, PASSWORD).await;
    app.wait_for_path("/settings").await;
}

/// Adds a link to `url` to the page (with a `referrerpolicy` if given) and follows it; returns
/// the request the probe server received for `path`.
async fn follow_probe_link(
    app: &App,
    probe: &StaticServer,
    path: &str,
    policy: Option<&str>,
) -> Recorded {
    let url = format!("{}{path}", probe.origin());
    app.js(
        "const a = document.createElement('a');
         a.id = 'referrer-probe'; a.href = arguments[0]; a.textContent = 'elsewhere';
         if (arguments[1]) { a.referrerPolicy = arguments[1]; }
         document.body.appendChild(a);",
        vec![json!(url), json!(policy)],
    )
    .await;
    app.click("#referrer-probe").await;
    probe_request(app, probe, path).await
}

async fn probe_request(app: &App, probe: &StaticServer, path: &str) -> Recorded {
    app.poll(&format!("the probe server to get {path}"), WAIT, || async {
        probe.requests().into_iter().find(|r| r.target == path)
    })
    .await
}

/// On an emailed-link page: the page says no-referrer, a fetch and a followed link to another
/// origin carry no `Referer`, and a link that asks for one does (so the check can see it).
async fn assert_link_page_sends_no_referrer(
    app: &App,
    probe: &StaticServer,
    link: &str,
    ready: &str,
    label: &str,
) {
    let token = link
        .rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap()
        .to_string();
    app.goto_url(link).await;
    app.wait_for(ready).await;
    let policy = app
        .js(
            "const m = document.querySelector('meta[name=referrer]'); return m && m.content;",
            vec![],
        )
        .await;
    assert_eq!(
        policy,
        json!("no-referrer"),
        "{label}: the referrer meta tag"
    );

    let fetched = format!("/{label}-fetch");
    app.js(
        "fetch(arguments[0], { mode: 'no-cors' }).catch(() => {});",
        vec![json!(format!("{}{fetched}", probe.origin()))],
    )
    .await;
    let request = probe_request(app, probe, &fetched).await;
    assert_eq!(
        request.header("Referer"),
        None,
        "{label}: a fetch from the page sent a Referer"
    );

    let followed = format!("/{label}-link");
    let request = follow_probe_link(app, probe, &followed, None).await;
    assert_eq!(
        request.header("Referer"),
        None,
        "{label}: a followed link sent a Referer"
    );

    // Control: the same link asking for the full URL as referrer does carry the page's URL, so
    // the probe would have seen one above; and that URL no longer holds the token, which left
    // the address bar once the page had read it.
    app.goto_url(link).await;
    app.wait_for("main h1").await;
    let control = format!("/{label}-control");
    let request = follow_probe_link(app, probe, &control, Some("unsafe-url")).await;
    let referer = request.header("Referer").unwrap_or_default();
    assert!(
        referer.starts_with(app.origin()) && !referer.contains(&token),
        "{label}: the control link should send the page URL, without the token, as Referer, got {referer:?}"
    );

    // Each console line is "LEVEL source line[:column] text"; the source (the page's own
    // URL) is where the browser says the message came from, not something the app logged.
    let leaks: Vec<String> = app
        .browser
        .console_messages()
        .await
        .into_iter()
        .filter(|m| {
            let mut words = m.splitn(4, ' ');
            let (_level, source) = (words.next(), words.next().unwrap_or_default());
            let text = if source.starts_with("http") {
                words.nth(1).unwrap_or_default()
            } else {
                m.as_str()
            };
            text.contains(&token)
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "{label}: the token is in the console: {leaks:#?}"
    );
    let backend_log = std::fs::read_to_string(app.backend.stderr_log()).unwrap_or_default();
    assert!(
        !backend_log.contains(&token),
        "{label}: the token is in the backend's log"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn emailed_link_pages_send_no_referrer() {
    skip_unless_e2e!();
    let app = App::start().await;
    // Another origin to follow links to: a second static server on its own port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the probe server");
    let probe = StaticServer::start(
        listener,
        StaticConfig {
            dist: dist_dir(),
            api_base: app.api_base(),
            extra_headers: vec![],
            wasm_delay: None,
            assets_delay: None,
            page_pause: None,
        },
    );
    assert_ne!(probe.origin(), app.origin());

    let r = app
        .api()
        .register("new@example.com", "New User", PASSWORD)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let activation = app
        .backend
        .wait_for_email("new@example.com")
        .await
        .link("/user-activation/");
    assert_link_page_sends_no_referrer(
        &app,
        &probe,
        &activation,
        "[data-result=\"activated\"]",
        "activation",
    )
    .await;

    app.add_user(EMAIL).await;
    let r = app
        .api()
        .post("/auth/users/reset_password/", json!({ "email": EMAIL }))
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let reset = app
        .backend
        .wait_for_email(EMAIL)
        .await
        .link("/confirm-password-reset/");
    assert_link_page_sends_no_referrer(&app, &probe, &reset, find::CONFIRM_RESET_FORM, "reset")
        .await;
}

/// The CSP reports received, as (effective directive, blocked URI).
fn reports(app: &App) -> Vec<(String, String)> {
    app.server
        .csp_reports()
        .iter()
        .map(|r| {
            let r = &r["csp-report"];
            let directive = r["effective-directive"]
                .as_str()
                .or(r["violated-directive"].as_str())
                .unwrap_or("?");
            (
                directive.to_string(),
                r["blocked-uri"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

fn csp_console_messages(messages: Vec<String>) -> Vec<String> {
    messages
        .into_iter()
        .filter(|m| m.contains("Security Policy") || m.contains("Content-Security-Policy"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn app_runs_under_a_strict_csp() {
    skip_unless_e2e!();
    let app = App::start_opts_with_user(
        AppOptions {
            static_headers: vec![("Content-Security-Policy".into(), strict_csp())],
            ..Default::default()
        },
        EMAIL,
    )
    .await;
    let served =
        crate::support::http::request("GET", &format!("{}/login", app.origin()), &[], None)
            .await
            .expect("GET /login");
    let policy = served
        .header("Content-Security-Policy")
        .expect("the page is served with the policy");
    assert!(
        policy.contains(&format!("connect-src 'self' {};", app.api_base()))
            && !policy.contains("unsafe-inline"),
        "{policy}"
    );

    app.goto("/register").await;
    app.wait_for(find::REGISTER_FORM).await;
    app.sign_in(EMAIL, PASSWORD).await;
    app.goto("/settings").await;
    app.wait_for(find::PROFILE_FORM).await;

    // A deliberate violation; once its report is in, any earlier one would be too.
    app.js(
        "const i = new Image(); i.src = 'http://127.0.0.1:9/csp-probe.png'; document.body.appendChild(i);",
        vec![],
    )
    .await;
    app.poll("the probe's CSP report", WAIT, || async {
        reports(&app)
            .iter()
            .any(|(_, uri)| uri.contains("csp-probe"))
            .then_some(())
    })
    .await;
    let others: Vec<(String, String)> = reports(&app)
        .into_iter()
        .filter(|(_, uri)| !uri.contains("csp-probe"))
        .collect();
    assert!(
        others.is_empty(),
        "the app broke the policy: {others:#?}\nall reports: {:#?}",
        app.server.csp_reports()
    );
    let console: Vec<String> = csp_console_messages(app.browser.console_messages().await)
        .into_iter()
        .filter(|m| !m.contains("csp-probe"))
        .collect();
    assert!(
        console.is_empty(),
        "CSP errors in the console: {console:#?}"
    );
    app.assert_no_crash().await;
    println!(
        "strict CSP: register, sign-in, dashboard, settings; reports: {:?}",
        reports(&app)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn csp_without_wasm_unsafe_eval_stops_the_app_and_is_reported() {
    skip_unless_e2e!();
    // The same policy minus 'wasm-unsafe-eval': the check above must be able to fail.
    let app = App::start_opts(AppOptions {
        static_headers: vec![(
            "Content-Security-Policy".into(),
            strict_csp().replace(" 'wasm-unsafe-eval'", ""),
        )],
        ..Default::default()
    })
    .await;
    // The app can't start here: open the page without waiting for it.
    let url = format!("{}/login", app.origin());
    app.goto_url_as_is(&url).await;
    let report = app
        .poll(
            "a CSP report about the WebAssembly module",
            WAIT,
            || async {
                reports(&app)
                    .into_iter()
                    .find(|(directive, _)| directive.starts_with("script-src"))
            },
        )
        .await;
    assert!(
        report.1.contains("wasm") || report.1.contains("eval"),
        "expected the module's compilation to be blocked, got {report:?}"
    );
    // The prerendered page stays, unable to submit, and says the app couldn't start.
    app.wait_for(&find::banner("boot-failed")).await;
    assert!(
        !app.exists("html[data-app]").await
            && app
                .exists(&find::inside(
                    find::LOGIN_FORM,
                    "button[type=submit][disabled]"
                ))
                .await,
        "the app mounted although WebAssembly was refused\n{}",
        app.describe().await
    );
    let console = app.browser.console_messages().await;
    assert!(
        console
            .iter()
            .any(|m| m.contains("CompileError") || m.contains("Security Policy")),
        "the console should say why the app stopped: {console:#?}"
    );
    println!("without 'wasm-unsafe-eval': reports {:?}", reports(&app));
}

#[tokio::test(flavor = "multi_thread")]
async fn server_errors_become_clear_messages() {
    skip_unless_e2e!();
    let app = App::start_with(
        BackendOptions::default()
            .with_faults("POST /auth/jwt/create/=500-html,200-empty;GET /auth/users/me/=200-empty"),
    )
    .await;
    app.add_user(EMAIL).await;
    app.goto("/login").await;

    // Each attempt: wait for its answer (a new request, the form no longer busy), then read
    // the alert.
    let attempt = |fragment: &'static str| {
        let app = &app;
        async move {
            app.submit_and_read_alert("login-form", fragment, || {
                app.submit_login("email", EMAIL, PASSWORD)
            })
            .await
        }
    };
    let kept = || async {
        assert_eq!(app.value("email").await, EMAIL, "the email was lost");
        assert_eq!(
            app.value("password").await,
            PASSWORD,
            "the password was lost"
        );
        assert_eq!(app.pathname().await, "/login");
        assert_eq!(app.session().await, None);
        app.assert_no_crash().await;
    };

    // jwt/create answers an HTML 500 page.
    let alert = attempt("/auth/jwt/create/").await;
    assert!(
        alert.contains("The server ran into a problem (HTTP 500)"),
        "HTML 500: {alert:?}"
    );
    kept().await;
    // jwt/create answers 200 with `{}`: no tokens.
    let alert = attempt("/auth/jwt/create/").await;
    assert!(
        alert.contains("doesn't understand (HTTP 200)"),
        "200 without tokens: {alert:?}"
    );
    kept().await;
    // jwt/create works, users/me answers 200 with `{}`: no user.
    let alert = attempt("/auth/users/me/").await;
    assert!(
        alert.contains("doesn't understand (HTTP 200)"),
        "users/me 200 without fields: {alert:?}"
    );
    kept().await;
    // The faults are used up: the same page signs in.
    app.submit().await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-email", EMAIL).await;
    app.assert_no_crash().await;
}
