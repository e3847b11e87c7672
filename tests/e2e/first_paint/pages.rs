//! The files themselves and which one answers which path: one prerendered page per route, and
//! the emailed links, the pages by name and anything else opening their page before the app.

use super::{assert_not_started, held_back, open_as_is, WASM_DELAY};
use crate::support::static_server::dist_dir;
use crate::support::{find, App};

/// The CSP source expression for a `<style>` element holding `css` (scripts/inline_style.py).
fn csp_hash(css: &str) -> String {
    use base64::Engine as _;
    let digest = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(css.as_bytes())?;
            child.wait_with_output()
        })
        .expect("sha256sum");
    let hex = String::from_utf8_lossy(&digest.stdout);
    let bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("sha256sum's hex"))
        .collect();
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Every page file the release build prerenders (one per route).
const PAGES: [&str; 12] = [
    "index.html",
    "login.html",
    "register.html",
    "reset-password.html",
    "resend-activation.html",
    "user-activation.html",
    "confirm-password-reset.html",
    "reset-email.html",
    "confirm-email-reset.html",
    "404.html",
    "dashboard.html",
    "settings.html",
];

/// The files themselves: one page per route, each loading the app, the forms' buttons disabled,
/// the signed-in pages and `/` a neutral shell, and `_redirects` for the routes with parameters.
#[test]
fn every_route_has_its_prerendered_page() {
    skip_unless_e2e!();
    let dist = dist_dir();
    let read = |name: &str| {
        std::fs::read_to_string(dist.join(name))
            .unwrap_or_else(|e| panic!("{name} in {}: {e}", dist.display()))
    };
    let loader = |html: &str| {
        html.split("<script type=\"module\" src=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_string)
    };
    let index_loader = loader(&read("index.html")).expect("index.html loads boot-*.js");
    // The stylesheet is inline in every page, the one the CSP allows by its hash (issue #21).
    let style_hash = read("csp-style-hash.txt");
    let inline_style = |page: &str, html: &str| {
        let styles: Vec<&str> = html
            .split("<style>")
            .skip(1)
            .filter_map(|rest| rest.split("</style>").next())
            .collect();
        assert_eq!(styles.len(), 1, "{page}: one <style> element");
        assert_eq!(
            csp_hash(styles[0]),
            style_hash.trim(),
            "{page}: its <style> is not the one csp-style-hash.txt allows"
        );
        assert!(
            !html.contains("rel=\"stylesheet\"") && !html.contains(".css"),
            "{page} names a stylesheet: the first paint would wait for it"
        );
    };
    for variant in ["email", "username"] {
        for page in ["login.html", "register.html"] {
            let name = format!("login-field/{variant}/{page}");
            inline_style(&name, &read(&name));
        }
    }
    let files: Vec<String> = std::fs::read_dir(&dist)
        .expect("the build folder")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !files.iter().any(|f| f.contains(".css")),
        "no page needs a stylesheet file: {files:?}"
    );
    assert!(
        index_loader.starts_with("/boot-") && dist.join(&index_loader[1..]).is_file(),
        "the loader {index_loader} is in the build"
    );
    for page in PAGES {
        let html = read(page);
        inline_style(page, &html);
        assert_eq!(
            loader(&html).as_deref(),
            Some(index_loader.as_str()),
            "{page} loads the app"
        );
        assert!(html.contains("<main"), "{page} has its page drawn");
        assert!(
            html.contains("<noscript>") && html.contains("needs JavaScript and WebAssembly"),
            "{page} has the noscript notice"
        );
        assert!(
            html.contains("<meta name=\"djoser-api-base\""),
            "{page} has the runtime API setting"
        );
        for button in html.split("<button").skip(1) {
            let tag = button.split('>').next().unwrap_or_default();
            if tag.contains("type=\"submit\"") {
                assert!(
                    tag.contains("disabled"),
                    "{page}: a submit button that isn't disabled: <button{tag}>"
                );
            }
        }
        let title = html
            .split("<title>")
            .nth(1)
            .and_then(|rest| rest.split("</title>").next())
            .unwrap_or_default();
        if ["index.html", "dashboard.html", "settings.html"].contains(&page) {
            assert!(
                html.contains("data-loading") && !html.contains("<form") && !html.contains("<h1"),
                "{page} should be the neutral loading shell"
            );
            assert_eq!(title, "Account", "{page}'s title");
        } else {
            assert!(
                html.contains("<section aria-labelledby=\"page-title\" class=\"card\">"),
                "{page} shows its card"
            );
            assert!(title.ends_with(" · Account"), "{page}'s title: {title:?}");
        }
    }
    assert!(read("login.html").contains("<form id=\"login-form\""));
    assert_eq!(
        std::fs::read_dir(&dist)
            .expect("the build folder")
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".html"))
            .count(),
        PAGES.len(),
        "one page per route, no others"
    );
    let redirects = read("_redirects");
    let rules: Vec<Vec<&str>> = redirects
        .lines()
        .map(|line| line.split_whitespace().collect())
        .filter(|words: &Vec<&str>| !words.is_empty())
        .collect();
    for (from, to) in [
        ("/user-activation/*", "/user-activation.html"),
        ("/confirm-password-reset/*", "/confirm-password-reset.html"),
        ("/confirm-email-reset/*", "/confirm-email-reset.html"),
    ] {
        assert!(
            rules.contains(&vec![from, to, "200"]),
            "_redirects should rewrite {from} to {to} (200): {redirects:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_links_open_their_prerendered_page() {
    skip_unless_e2e!();
    let app = App::start_opts(held_back(WASM_DELAY)).await;

    // The emailed links, through `_redirects`.
    open_as_is(&app, "/user-activation/MQ/abc").await;
    assert_eq!(app.text("main h1").await, "Activating your account");
    assert!(app.exists("main .spinner").await);
    assert_eq!(
        app.browser.client.title().await.expect("title"),
        "Activate your account · Account"
    );
    assert_not_started(&app, "/user-activation/MQ/abc").await;
    app.wait_for_app().await;
    app.wait_for("[data-result=\"invalid\"]").await;
    // The link leaves the address bar once the app has read it (issue #18).
    assert_eq!(app.path().await, "/user-activation");

    open_as_is(&app, "/confirm-password-reset/MQ/abc").await;
    assert_eq!(app.text("main h1").await, "Choose a new password");
    let button = app.wait_for(&find::submit(find::CONFIRM_RESET_FORM)).await;
    assert!(!button.is_enabled().await.unwrap_or(true));
    assert_not_started(&app, "/confirm-password-reset/MQ/abc").await;
    app.wait_for_app().await;
    assert_eq!(app.text("main h1").await, "Choose a new password");

    // A page by its name (`register.html`).
    open_as_is(&app, "/register").await;
    assert_eq!(app.text("main h1").await, "Create an account");
    assert!(app.exists(find::REGISTER_FORM).await);
    assert_not_started(&app, "/register").await;

    // Anything else: index.html, the neutral shell (the SPA fallback), then the not-found page.
    open_as_is(&app, "/no-such-page").await;
    app.wait_for("main[data-loading]").await;
    assert!(!app.exists("h1").await && !app.exists("form").await);
    assert_not_started(&app, "/no-such-page").await;
    app.wait_for_app().await;
    assert_eq!(app.text("main h1").await, "Page not found");
    assert_eq!(app.path().await, "/no-such-page");

    let pages: Vec<String> = app
        .server
        .requests()
        .into_iter()
        .filter(|r| !r.target.contains('.'))
        .map(|r| r.target)
        .collect();
    assert_eq!(
        pages,
        [
            "/user-activation/MQ/abc",
            "/confirm-password-reset/MQ/abc",
            "/register",
            "/no-such-page"
        ],
        "one HTML request per navigation"
    );
    app.assert_no_crash().await;
}
