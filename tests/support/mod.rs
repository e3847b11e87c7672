//! The end-to-end harness: per test, a static server for the release build, a Django backend and a
//! headless Chromium, wired together (`App`). See tests/README.md.
#![allow(dead_code, unused_imports)]

pub mod backend;
pub mod browser;
pub mod http;
pub mod nginx;
pub mod outbox;
pub mod sizes;
pub mod static_server;
pub mod tmp;

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::{json, Value};

pub use backend::{Backend, BackendOptions};
pub use browser::Browser;
pub use http::{percent_decode, Api, HttpResponse};
pub use outbox::{url_path, Email};
pub use static_server::{Recorded, StaticConfig, StaticServer, CSP_REPORT_PATH};
pub use tmp::TestDir;

/// Where the app keeps its session in localStorage.
pub const SESSION_KEY: &str = "djoser-auth.session";

/// How long `wait_for*` helpers poll before failing.
pub const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    pub backend: BackendOptions,
    /// Extra headers the static server sends with every response (e.g. a CSP).
    pub static_headers: Vec<(String, String)>,
    /// The static server holds back the `.wasm` this long (the prerendered page shows meanwhile).
    pub wasm_delay: Option<Duration>,
}

/// One isolated world: static server + backend + browser. Dropping it stops everything.
/// (Fields drop in order: the browser first, the folder with the logs last.)
pub struct App {
    pub browser: Browser,
    pub backend: Backend,
    pub server: StaticServer,
    pub dir: TestDir,
    /// Where the SPA is served: the static server's origin, or whoever serves it instead
    /// (`start_served_by`).
    spa_origin: String,
}

impl App {
    pub async fn start() -> App {
        App::start_opts(AppOptions::default()).await
    }

    pub async fn start_with(backend: BackendOptions) -> App {
        App::start_opts(AppOptions {
            backend,
            ..Default::default()
        })
        .await
    }

    pub async fn start_opts(opts: AppOptions) -> App {
        let dir = TestDir::new();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the static server");
        let spa_origin = format!("http://{}", listener.local_addr().expect("address"));
        // The backend and the browser start side by side; each cleans up after itself if the other panics.
        let (backend, browser) = tokio::join!(
            Backend::start(dir.path(), &spa_origin, &opts.backend),
            Browser::start(dir.path()),
        );
        let server = StaticServer::start(
            listener,
            StaticConfig {
                dist: static_server::dist_dir(),
                api_base: backend.base_url(),
                extra_headers: opts.static_headers,
                wasm_delay: opts.wasm_delay,
            },
        );
        assert_eq!(server.origin(), spa_origin);
        App {
            browser,
            backend,
            server,
            dir,
            spa_origin,
        }
    }

    /// A world whose SPA someone else serves at `spa_origin` (e.g. nginx in tests/nginx.rs): the
    /// backend allows that origin (CORS, emailed links) and `goto` opens pages there. The
    /// harness's own static server still runs, unused, on another port.
    pub async fn start_served_by(spa_origin: &str, opts: AppOptions) -> App {
        let mut app = App::start_opts(AppOptions {
            backend: BackendOptions {
                extra_env: [
                    opts.backend.extra_env.clone(),
                    vec![("AUTH_SPA_ORIGIN".to_string(), spa_origin.to_string())],
                ]
                .concat(),
                ..opts.backend.clone()
            },
            ..opts
        })
        .await;
        app.spa_origin = spa_origin.to_string();
        app
    }

    // ---- addresses -------------------------------------------------------------------------

    /// The SPA's origin, `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> &str {
        &self.spa_origin
    }

    /// The backend's base URL, `http://127.0.0.1:PORT` (what the app's meta tag says).
    pub fn api_base(&self) -> String {
        self.backend.base_url()
    }

    pub fn api(&self) -> Api {
        self.backend.api()
    }

    // ---- navigation ------------------------------------------------------------------------

    /// Opens `path` (e.g. "/login?next=%2Fdashboard") on the SPA's origin.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.origin());
        self.goto_url(&url).await;
    }

    /// Opens `url` and, on the app's origin, waits for the app to run: the release build's
    /// prerendered page shows before it, with forms that can't be sent yet.
    pub async fn goto_url(&self, url: &str) {
        self.goto_url_as_is(url).await;
        if url.starts_with(self.origin()) {
            self.wait_for_app().await;
        }
    }

    /// Opens `url` without waiting for anything but the page load.
    pub async fn goto_url_as_is(&self, url: &str) {
        self.browser
            .client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    pub async fn reload(&self) {
        self.browser.client.refresh().await.expect("reload");
        self.wait_for_app().await;
    }

    /// Waits (≤ 10 s) for the app to have replaced the prerendered page (`<html data-app>`).
    pub async fn wait_for_app(&self) {
        self.wait_for("html[data-app=running]").await;
    }

    /// The current URL's path and query.
    async fn path_and_query(&self) -> (String, Option<String>) {
        let url = self
            .browser
            .client
            .current_url()
            .await
            .expect("current URL");
        (url.path().to_string(), url.query().map(str::to_string))
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.browser
            .client
            .current_url()
            .await
            .expect("current URL")
            .to_string()
    }

    /// The current path with its query, e.g. "/login?next=%2Fdashboard".
    pub async fn path(&self) -> String {
        match self.path_and_query().await {
            (path, Some(query)) => format!("{path}?{query}"),
            (path, None) => path,
        }
    }

    /// The current path without its query, e.g. "/login".
    pub async fn pathname(&self) -> String {
        self.path_and_query().await.0
    }

    /// Waits (≤ 10 s) for the path without its query to be `pathname`, whatever the query.
    pub async fn wait_for_pathname(&self, pathname: &str) {
        let desc = format!("the path (query aside) to become {pathname:?}");
        self.poll(&desc, WAIT, || async {
            (self.pathname().await == pathname).then_some(())
        })
        .await
    }

    /// Waits (≤ 10 s) for the path with its query to be exactly `path`.
    pub async fn wait_for_path(&self, path: &str) {
        self.wait_for_path_within(path, WAIT).await
    }

    pub async fn wait_for_path_within(&self, path: &str, within: Duration) {
        let desc = format!("the path to become {path:?}");
        self.poll(&desc, within, || async {
            (self.path().await == path).then_some(())
        })
        .await
    }

    // ---- the page --------------------------------------------------------------------------

    /// The first element matching `css` right now, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        self.browser.client.find(Locator::Css(css)).await.ok()
    }

    pub async fn count(&self, css: &str) -> usize {
        self.browser
            .client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.count(css).await > 0
    }

    /// Waits (≤ 10 s) for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.poll(&format!("an element matching {css:?}"), WAIT, || {
            self.find(css)
        })
        .await
    }

    /// Waits (≤ 10 s) for an element matching `css` whose text contains `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> Element {
        let desc = format!("an element matching {css:?} containing {text:?}");
        self.poll(&desc, WAIT, || async {
            for el in self.browser.client.find_all(Locator::Css(css)).await.ok()? {
                if el.text().await.map(|t| t.contains(text)).unwrap_or(false) {
                    return Some(el);
                }
            }
            None
        })
        .await
    }

    /// Waits (≤ 10 s) until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        self.poll(&format!("no element to match {css:?}"), WAIT, || async {
            (!self.exists(css).await).then_some(())
        })
        .await
    }

    /// The visible text of the first element matching `css` (waits for it).
    pub async fn text(&self, css: &str) -> String {
        let desc = format!("the text of {css:?}");
        self.poll(&desc, WAIT, || async {
            self.find(css).await?.text().await.ok()
        })
        .await
    }

    /// An attribute of the first element matching `css` (waits for the element).
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let desc = format!("the element {css:?} to read its {name:?}");
        self.poll(&desc, WAIT, || async {
            self.find(css).await?.attr(name).await.ok()
        })
        .await
    }

    /// The current value of the input `[name="{name}"]`.
    pub async fn value(&self, name: &str) -> String {
        let css = format!("[name=\"{name}\"]");
        let desc = format!("the value of {css}");
        self.poll(&desc, WAIT, || async {
            self.find(&css)
                .await?
                .prop("value")
                .await
                .ok()?
                .or(Some(String::new()))
        })
        .await
    }

    /// Replaces the value of the input `[name="{name}"]` by typing `value`.
    pub async fn fill(&self, name: &str, value: &str) {
        let input = self.wait_for(&format!("[name=\"{name}\"]")).await;
        input
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear [name={name:?}]: {e}"));
        if !value.is_empty() {
            input
                .send_keys(value)
                .await
                .unwrap_or_else(|e| panic!("cannot type into [name={name:?}]: {e}"));
        }
    }

    /// Clicks the page form's `button[type=submit]`.
    pub async fn submit(&self) {
        self.click("form button[type=submit]").await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.wait_for(css).await;
        el.click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css:?}: {e}"));
    }

    /// Runs JavaScript in the page (`arguments[i]` are `args`) and returns its result.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.browser
            .client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    pub async fn local_storage_get(&self, key: &str) -> Option<String> {
        let v = self
            .js(
                "return window.localStorage.getItem(arguments[0]);",
                vec![json!(key)],
            )
            .await;
        v.as_str().map(str::to_string)
    }

    pub async fn local_storage_set(&self, key: &str, value: &str) {
        self.js(
            "window.localStorage.setItem(arguments[0], arguments[1]);",
            vec![json!(key), json!(value)],
        )
        .await;
    }

    /// The stored session (`djoser-auth.session`) as JSON, if any.
    pub async fn session(&self) -> Option<Value> {
        let raw = self.local_storage_get(SESSION_KEY).await?;
        Some(
            serde_json::from_str(&raw)
                .unwrap_or_else(|e| panic!("{SESSION_KEY} is not JSON ({e}): {raw}")),
        )
    }

    /// A string field of the stored session; panics when there is no session or no such field.
    pub async fn session_field(&self, field: &str) -> String {
        let session = self
            .session()
            .await
            .unwrap_or_else(|| panic!("no {SESSION_KEY} in localStorage"));
        session[field]
            .as_str()
            .unwrap_or_else(|| panic!("{SESSION_KEY} has no string {field:?}: {session}"))
            .to_string()
    }

    /// How many requests the page has made (fetch/XHR, per the Resource Timing API) to URLs
    /// containing `fragment`, since the document was loaded.
    pub async fn requests_to(&self, fragment: &str) -> usize {
        let v = self
            .js(
                "return performance.getEntriesByType('resource')
                    .filter(e => e.initiatorType === 'fetch' || e.initiatorType === 'xmlhttprequest')
                    .filter(e => e.name.includes(arguments[0])).length;",
                vec![json!(fragment)],
            )
            .await;
        v.as_u64().unwrap_or(0) as usize
    }

    /// Makes the page match `prefers-color-scheme: dark` (or light) from now on, in this tab
    /// (CDP `Emulation.setEmulatedMedia`; it lasts across navigations).
    pub async fn emulate_color_scheme(&self, dark: bool) {
        let value = if dark { "dark" } else { "light" };
        self.browser
            .cdp(
                "Emulation.setEmulatedMedia",
                json!({ "features": [{ "name": "prefers-color-scheme", "value": value }] }),
            )
            .await;
        let query = format!("(prefers-color-scheme: {value})");
        let matches = self
            .js(
                "return window.matchMedia(arguments[0]).matches;",
                vec![json!(query)],
            )
            .await;
        assert_eq!(matches, json!(true), "the page should now match {query}");
    }

    /// Makes the viewport `width`×`height` CSS pixels (a phone when `mobile`), in this tab.
    pub async fn emulate_viewport(&self, width: u32, height: u32, mobile: bool) {
        self.browser
            .cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
            )
            .await;
    }

    pub async fn screenshot(&self, path: impl AsRef<Path>) {
        let png = self.browser.client.screenshot().await.expect("screenshot");
        std::fs::write(path.as_ref(), png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.as_ref().display()));
    }

    // ---- flows used by many tests ----------------------------------------------------------

    /// Signs in through /login and waits for the dashboard to show `email`.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.goto("/login").await;
        self.wait_for("form#login-form").await;
        self.fill("email", email).await;
        self.fill("password", password).await;
        self.submit().await;
        self.wait_for_path("/dashboard").await;
        self.wait_for_text("#user-email", email).await;
    }

    // ---- waiting -----------------------------------------------------------------------------

    /// Calls `check` every 100 ms until it gives `Some`, for at most `within`; then panics with
    /// `what` and the state of the page.
    pub async fn poll<T, F, Fut>(&self, what: &str, within: Duration, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + within;
        loop {
            if let Some(v) = check().await {
                return v;
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {within:?} waiting for {what}\n{}",
                    self.describe().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The page's URL, a snippet of its HTML, console errors and the backend's last log lines.
    /// Submits form `form_id` with `submit` and waits for the answer — a new request whose
    /// URL contains `request`, and the form no longer busy — then returns its alert's text.
    pub async fn submit_and_read_alert<F, Fut>(
        &self,
        form_id: &str,
        request: &str,
        submit: F,
    ) -> String
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ()>,
    {
        let sent = self.requests_to(request).await;
        submit().await;
        self.poll(&format!("an answer from {request}"), WAIT, || async {
            if self.requests_to(request).await <= sent {
                return None;
            }
            let button = self
                .find(&format!("form#{form_id} button[type=submit]"))
                .await?;
            if button.attr("aria-busy").await.ok()?.as_deref() != Some("false") {
                return None;
            }
            self.find(&format!("form#{form_id} .form-alert"))
                .await?
                .text()
                .await
                .ok()
        })
        .await
    }

    /// No crash banner on the page and no panic in the console.
    pub async fn assert_no_crash(&self) {
        assert!(
            !self.exists(".crash-banner").await,
            "the crash banner is showing\n{}",
            self.describe().await
        );
        let panics: Vec<String> = self
            .browser
            .console_messages()
            .await
            .into_iter()
            .filter(|m| m.contains("panicked"))
            .collect();
        assert!(panics.is_empty(), "the app panicked: {panics:#?}");
    }

    /// The server has revoked `refresh`. The app revokes it in the background, so this waits
    /// with verify/, which (unlike refresh/) doesn't rotate it: 400 "Token is blacklisted" once
    /// it's done. Then refresh/ must refuse it too.
    pub async fn assert_refresh_token_revoked(&self, refresh: &str) {
        let api = self.api();
        let verdict = self
            .poll(
                "verify/ to refuse the signed-out refresh token",
                Duration::from_secs(5),
                || async {
                    let r = api
                        .post("/auth/jwt/verify/", json!({ "token": refresh }))
                        .await;
                    (r.status != 200).then(|| r.text())
                },
            )
            .await;
        assert!(
            verdict.contains("blacklisted"),
            "the refresh token should be blacklisted, verify/ said {verdict}"
        );
        let r = api.jwt_refresh(refresh).await;
        assert_eq!(
            r.status,
            401,
            "the old refresh token should be refused: {}",
            r.text()
        );
    }

    pub async fn describe(&self) -> String {
        let url = self
            .browser
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("<{e}>"));
        let html = self
            .browser
            .client
            .execute("const m = document.querySelector('main') || document.body; return m ? m.outerHTML : document.documentElement.outerHTML;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let html = if html.chars().count() > 3000 {
            format!("{}…", html.chars().take(3000).collect::<String>())
        } else {
            html
        };
        let console = self.browser.console_messages().await;
        format!(
            "  current URL: {url}\n  page (main): {html}\n  console: {console:#?}\n  backend log ({}):\n{}",
            self.backend.stderr_log().display(),
            self.backend.log_tail(15)
        )
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "[e2e] test world: SPA {} → backend {}; chromedriver log {}",
                self.origin(),
                self.backend.base_url(),
                self.browser.driver_log().display()
            );
        }
    }
}
