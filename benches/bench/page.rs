//! In the page: the world each phase runs in (backend, static server, a fresh Chromium per
//! run) and what the phases do and read there (marks, Resource Timing, memory, a sign-in).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{App, AppOptions, BackendOptions, Browser};

pub const EMAIL: &str = "bench@example.com";

pub const PASSWORD: &str = "correct horse battery staple";

/// Exact `performance.memory` figures (otherwise bucketed and cached for 20 minutes) and `gc()`.
pub const CHROMIUM_ARGS: &[&str] = &["--enable-precise-memory-info", "--js-flags=--expose-gc"];

pub const LOGIN_BUTTON: &str = "#login-form button[type=submit]";

/// "Usable", measured alike for the app and the Next.js anchor: the first moment a submit button
/// that isn't disabled is in a form of the /login document, as a mark the page's own timeline
/// keeps. Both pages render that button disabled until their code runs (the app's prerendered
/// page, the anchor's server-rendered one until React has hydrated). Set before the page's own
/// scripts (CDP `Page.addScriptToEvaluateOnNewDocument`, by [`fresh_browser`]), on /login only.
pub const USABLE_MARK: &str = "form-usable";
const MARK_USABLE: &str = "(() => {
  if (location.pathname !== '/login') return;
  const usable = () => document.querySelector('form button[type=submit]:not([disabled])');
  if (usable()) return performance.mark('form-usable');
  const observer = new MutationObserver(() => {
    if (usable()) { observer.disconnect(); performance.mark('form-usable'); }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['disabled'] });
})();";

/// Where each first visit starts from: a plain-text file of the build's on another site
/// (`localhost`, where the pages are on `127.0.0.1`), as a visitor comes from another site's page
/// or from the new-tab page. The page then opens in a new renderer process, whatever headers it
/// has. From the fresh tab's `about:blank` (`BENCH_START=about:blank`, how runs before 2026-12-07
/// were made), a page without `Cross-Origin-Opener-Policy` (the anchor) is drawn by the renderer
/// process that tab already has, while one with it (deploy/nginx.conf's `same-origin`) needs a
/// new process started after its response came: 60–110 ms of first paint under the mobile
/// profile (medians of paired runs) that a visitor coming from anywhere else doesn't pay.
pub fn start_page(app: &App) -> String {
    match std::env::var("BENCH_START").as_deref() {
        Ok("about:blank") => "about:blank".into(),
        _ => format!(
            "{}/csp-style-hash.txt",
            app.server.origin().replacen("127.0.0.1", "localhost", 1)
        ),
    }
}

/// Opens [`start_page`] and waits for it to load.
pub async fn goto_start(app: &App) {
    app.goto_url_as_is(&start_page(app)).await;
}

/// Evaluates `script` (which returns null until it has an answer) every 20 ms, for at most
/// `within`.
pub async fn wait_js(
    app: &App,
    what: &str,
    script: &str,
    args: Vec<Value>,
    within: Duration,
) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let v = app.js(script, args.clone()).await;
        if !v.is_null() {
            return v;
        }
        if Instant::now() > deadline {
            panic!(
                "timed out after {within:?} waiting for {what}\n{}",
                app.describe().await
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `startTime` of the last mark `name` (ms after navigation start), waiting for it.
pub async fn mark(app: &App, name: &str) -> f64 {
    entry(app, "mark", name).await
}

/// `startTime` of the last Performance Timeline entry of `entry_type` named `name`, waiting
/// (≤ 15 s) for it with a `PerformanceObserver` in one call: nothing polls the page meanwhile,
/// where the first visits are timed (under the mobile profile's 4× slower CPU, a script every
/// 20 ms would take its share of the main thread).
pub async fn entry(app: &App, entry_type: &str, name: &str) -> f64 {
    let wait = app.browser.client.execute_async(
        "const [type, name, done] = arguments;
         const last = () => {
           const e = performance.getEntriesByName(name, type);
           return e.length ? e[e.length - 1].startTime : null;
         };
         if (last() !== null) return done(last());
         const observer = new PerformanceObserver(() => {
           if (last() !== null) { observer.disconnect(); done(last()); }
         });
         observer.observe({ type, buffered: true });
         setTimeout(() => { observer.disconnect(); done(last()); }, 15000);",
        vec![json!(entry_type), json!(name)],
    );
    let v = tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .map_err(|_| "no answer in 20 s".to_string())
        .and_then(|r| r.map_err(|e| e.to_string()));
    match v.as_ref().ok().and_then(Value::as_f64) {
        Some(t) => t,
        None => panic!(
            "waiting for the {entry_type} {name:?}: {v:?}\n{}",
            app.describe().await
        ),
    }
}

/// What the page downloaded so far.
pub struct Transfer {
    /// transferSize: bodies and headers as they came over the wire.
    pub wire: f64,
    /// encodedBodySize
    pub bodies: f64,
    /// The last responseEnd of HTML, CSS, JS and wasm (ms after navigation start).
    pub end: f64,
    /// (path, transferSize) of each request, the document first.
    pub requests: Vec<(String, f64)>,
}

pub async fn transfer(app: &App) -> Transfer {
    let v = app
        .js(
            "const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
             return all.map(e => [e.transferSize, e.encodedBodySize, e.responseEnd, e.name]);",
            vec![],
        )
        .await;
    let mut t = Transfer {
        wire: 0.0,
        bodies: 0.0,
        end: 0.0,
        requests: vec![],
    };
    for e in v.as_array().cloned().unwrap_or_default() {
        let wire = e[0].as_f64().unwrap_or(0.0);
        t.wire += wire;
        t.bodies += e[1].as_f64().unwrap_or(0.0);
        let name = e[3].as_str().unwrap_or("?");
        // What the app needs to start (the icon comes after the first render).
        if !name.ends_with(".svg") {
            t.end = t.end.max(e[2].as_f64().unwrap_or(0.0));
        }
        let path = name
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
            .unwrap_or_else(|| name.to_string());
        t.requests.push((path, wire));
    }
    t
}

/// One reading of the page's memory (after `gc()`), `cycles` refreshes and `secs` into a run.
#[derive(Clone, Copy, Default)]
pub struct Sample {
    pub cycles: u64,
    pub secs: f64,
    /// `performance.memory.usedJSHeapSize`
    pub heap: Option<f64>,
    /// The wasm instance's `memory.buffer.byteLength`
    pub wasm: Option<f64>,
    /// Live entries of wasm-bindgen's externref table: JS objects the Rust side holds.
    pub refs: Option<f64>,
}

/// Garbage-collects, then reads `performance.memory.usedJSHeapSize` and the wasm memory's size.
pub async fn memory(app: &App) -> Sample {
    let reading = app.browser.client.execute_async(
        "const done = arguments[arguments.length - 1];
             (async () => {
               const tick = () => new Promise(r => setTimeout(r, 0));
               // The browser keeps a Resource Timing entry per request (up to 250): not the app's.
               performance.clearResourceTimings();
               if (typeof gc === 'function') { gc(); await tick(); gc(); }
               let wasm = null, refs = null;
               try {
                 const exports = window.wasmBindings && await window.wasmBindings.default();
                 if (exports && exports.memory) wasm = exports.memory.buffer.byteLength;
                 // JS objects the wasm side holds (wasm-bindgen's externref table): a leak of
                 // handles shows here long before it costs a 64 KiB page of wasm memory.
                 const table = exports && exports.__wbindgen_externrefs;
                 if (table) {
                   refs = 0;
                   for (let i = 0; i < table.length; i++) if (table.get(i) != null) refs++;
                 }
               } catch (e) {}
               const heap = performance.memory ? performance.memory.usedJSHeapSize : null;
               done({ heap, wasm, refs, gc: typeof gc === 'function' });
             })();",
        vec![],
    );
    // A browser that died under chromedriver leaves the call waiting for ever: fail instead.
    let v = tokio::time::timeout(Duration::from_secs(60), reading)
        .await
        .unwrap_or_else(|_| panic!("reading memory: no answer in 60 s (has Chromium crashed?)"))
        .unwrap_or_else(|e| panic!("reading memory: {e}"));
    if v["gc"] != json!(true) {
        NO_GC.store(true, Ordering::Relaxed);
    }
    Sample {
        heap: v["heap"].as_f64(),
        wasm: v["wasm"].as_f64(),
        refs: v["refs"].as_f64(),
        ..Default::default()
    }
}

/// Set when the page had no `gc()` (then heap figures include garbage).
pub static NO_GC: AtomicBool = AtomicBool::new(false);

/// One sign-in through the app, in milliseconds.
#[derive(Clone, Copy)]
pub struct SignIn {
    /// Click → the DOM shows the user's email.
    pub total: f64,
    /// The app's own share: click → jwt/create/ sent, plus users/me/ answered → email shown.
    pub own: f64,
}

/// Presses the login button and times it in the page: from the click (a capturing listener that
/// runs before the app's) to the DOM showing `#user-email` with the address (MutationObserver).
/// Resource Timing splits off the app's own time from the two requests' (start of jwt/create/
/// to the end of the users/me/ after it).
pub async fn app_sign_in(app: &App) -> SignIn {
    sign_in_with(app, LOGIN_BUTTON).await
}

/// [`app_sign_in`] on any page whose form's submit button `button` names (the Next.js anchor's).
pub async fn sign_in_with(app: &App, button: &str) -> SignIn {
    app.js(
        "const email = arguments[0], button = arguments[1];
         const b = window.__bench = { t0: null, t1: null };
         const onClick = e => {
           if (b.t0 === null && e.target.closest && e.target.closest(button)) b.t0 = performance.now();
         };
         window.addEventListener('click', onClick, true);
         const observer = new MutationObserver(() => {
           const el = document.querySelector('#user-email');
           if (b.t0 !== null && b.t1 === null && el && el.textContent.includes(email)) {
             b.t1 = performance.now();
             observer.disconnect();
             window.removeEventListener('click', onClick, true);
           }
         });
         observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });",
        vec![json!(EMAIL), json!(button)],
    )
    .await;
    app.click(button).await;
    let b = wait_js(
        app,
        "the dashboard to show the email after sign-in",
        "const b = window.__bench;
         if (!b || b.t1 === null) return null;
         const after = performance.getEntriesByType('resource').filter(e => e.startTime >= b.t0);
         const create = after.find(e => e.name.includes('/auth/jwt/create/'));
         const me = create && after.find(e => e.name.includes('/auth/users/me/') && e.startTime >= create.responseEnd);
         return { t0: b.t0, t1: b.t1, sent: create ? create.startTime : null, answered: me ? me.responseEnd : null };",
        vec![],
        Duration::from_secs(30),
    )
    .await;
    let at = |key: &str| b[key].as_f64().unwrap_or(f64::NAN);
    SignIn {
        total: at("t1") - at("t0"),
        own: (at("sent") - at("t0")) + (at("t1") - at("answered")),
    }
}

/// The same two requests the app makes to sign in (`POST jwt/create/`, then `GET users/me/` with
/// `Authorization: JWT …`, same headers, bodies read as text and parsed), with `fetch` from the
/// page, one after the other, against `api_base`.
pub async fn raw_pair(app: &App, api_base: &str) -> f64 {
    let v = app
        .browser
        .client
        .execute_async(
            "const [base, email, password, done] = arguments;
             const scheme = (document.querySelector('meta[name=djoser-auth-header]') || {}).content || 'JWT';
             (async () => {
               const t0 = performance.now();
               const r1 = await fetch(base + '/auth/jwt/create/', {
                 method: 'POST',
                 headers: { 'Accept': 'application/json', 'Content-Type': 'application/json' },
                 body: JSON.stringify({ email, password }),
               });
               const tokens = JSON.parse(await r1.text());
               const r2 = await fetch(base + '/auth/users/me/', {
                 headers: { 'Accept': 'application/json', 'Authorization': scheme + ' ' + tokens.access },
               });
               const user = JSON.parse(await r2.text());
               const t1 = performance.now();
               done({ ms: t1 - t0, status: [r1.status, r2.status], email: user.email });
             })().catch(e => done({ error: String(e) }));",
            vec![json!(api_base), json!(EMAIL), json!(PASSWORD)],
        )
        .await
        .unwrap_or_else(|e| panic!("raw request pair: {e}"));
    assert_eq!(
        v["status"],
        json!([200, 200]),
        "the raw request pair against {api_base} failed: {v}"
    );
    assert_eq!(v["email"], json!(EMAIL), "users/me/ answered {v}");
    v["ms"].as_f64().unwrap_or(f64::NAN)
}

/// How many `users/me/` fetches the page has completed (Resource Timing).
pub async fn me_requests(app: &App) -> u64 {
    app.js(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/auth/users/me/')).length;",
        vec![],
    )
    .await
    .as_u64()
    .unwrap_or(0)
}

/// Waits until the page has completed `count` `users/me/` fetches (the dashboard loads the
/// profile afresh when it opens, unless a sign-in just did), so the next measurement doesn't
/// overlap it.
pub async fn settle_me(app: &App, count: u64) {
    wait_js(
        app,
        &format!("{count} completed users/me/ requests"),
        "return performance.getEntriesByType('resource').filter(e => e.name.includes('/auth/users/me/')).length >= arguments[0] ? true : null;",
        vec![json!(count)],
        Duration::from_secs(15),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(30)).await;
}

/// On /login with the form filled: the app's sign-in and the raw pair, in the order `app_first`
/// says (alternated between runs, so neither always runs on a fresher page). Returns (app, raw).
pub async fn sign_in_pair(app: &App, raw_base: &str, app_first: bool) -> (SignIn, f64) {
    app.wait_for("form#login-form").await;
    app.fill("email", EMAIL).await;
    app.fill("password", PASSWORD).await;
    // A fresh Resource Timing buffer (it holds 250 entries) for the counts below.
    app.js("performance.clearResourceTimings();", vec![]).await;
    let before = me_requests(app).await;
    if app_first {
        let a = app_sign_in(app).await;
        settle_me(app, before + 1).await;
        let r = raw_pair(app, raw_base).await;
        (a, r)
    } else {
        let r = raw_pair(app, raw_base).await;
        let a = app_sign_in(app).await;
        settle_me(app, before + 2).await;
        (a, r)
    }
}

/// How many lines of the backend's request log (runserver's, on its stderr) contain `needle`.
fn logged_requests(app: &App, needle: &str) -> usize {
    std::fs::read_to_string(app.backend.stderr_log())
        .unwrap_or_default()
        .matches(needle)
        .count()
}

/// Revocations the backend has answered, from its request log.
fn revocations(app: &App) -> usize {
    logged_requests(app, "\"POST /auth/jwt/blacklist/ HTTP/1.1\" 200")
}

/// CORS preflights (`OPTIONS` requests) the backend has answered, from its request log: in the
/// same-origin layout the API is behind the app's nginx, so the backend sees every request of
/// either layout.
pub fn preflights(app: &App) -> usize {
    logged_requests(app, "\"OPTIONS ")
}

pub async fn sign_out(app: &App) {
    let before = revocations(app);
    app.click("button#sign-out").await;
    app.wait_for_pathname("/login").await;
    app.wait_for("form#login-form").await;
    // The revocation (jwt/blacklist/): answered by the backend. (Not Resource Timing: under the
    // mobile profile's network emulation the keepalive request gets no entry.)
    let deadline = Instant::now() + Duration::from_secs(15);
    while revocations(app) <= before {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the backend to answer the sign-out's jwt/blacklist/"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn fresh_browser(app: &mut App, dir: &Path, chromium_args: &[&str]) {
    std::fs::create_dir_all(dir).expect("run dir");
    app.browser = Browser::start_with_args(dir, chromium_args).await;
    app.add_init_script(MARK_USABLE).await;
}

/// A new Chromium with a fresh profile in `{label}-{run}`; the previous one is closed and the
/// previous run's profile removed.
pub async fn browser_for_run(app: &mut App, label: &str, run: usize) {
    let dir = app.dir.join(&format!("{label}-{run}"));
    fresh_browser(app, &dir, CHROMIUM_ARGS).await;
    if run > 0 {
        let _ = std::fs::remove_dir_all(app.dir.join(&format!("{label}-{}", run - 1)));
    }
}

pub async fn world(backend: BackendOptions, label: &str, chromium_args: &[&str]) -> App {
    let mut app = App::start_opts(AppOptions {
        backend,
        ..Default::default()
    })
    .await;
    let dir = app.dir.join(label);
    fresh_browser(&mut app, &dir, chromium_args).await;
    app.backend.create_active_user(EMAIL, PASSWORD).await;
    app
}

/// One first visit to `/login` in the browser as it is (fresh, in the phases that use it).
pub struct FirstVisit {
    /// [`USABLE_MARK`]: the app's submit button enabled in the DOM (as the anchor's is measured).
    pub usable: f64,
    /// The app's own `login-form-usable` mark, set by the login page's effect, which Yew runs in a
    /// later task than the render (in Chromium traces, after a frame was drawn): so some
    /// milliseconds after `usable`.
    pub marked: f64,
    /// The `app-start` mark: the wasm compiled, instantiated and running.
    pub started: f64,
    /// First contentful paint (the `first-contentful-paint` paint entry): whatever paints first,
    /// the page's own HTML or the app's first render.
    pub painted: f64,
    pub transfer: Transfer,
}

pub async fn first_visit(app: &App) -> FirstVisit {
    goto_start(app).await;
    visit_login(app).await
}

/// Opens `/login` from wherever the tab is and times it by the page's own entries: the marks,
/// not the form (the prerendered page shows the form before the app runs it). Nothing but the
/// page load is waited for in between (`goto_url_as_is`).
pub async fn visit_login(app: &App) -> FirstVisit {
    app.goto_url_as_is(&format!("{}/login", app.origin())).await;
    let usable = mark(app, USABLE_MARK).await;
    let marked = mark(app, "login-form-usable").await;
    let started = mark(app, "app-start").await;
    let painted = entry(app, "paint", "first-contentful-paint").await;
    app.wait_for("form#login-form").await;
    let transfer = transfer(app).await;
    FirstVisit {
        usable,
        marked,
        started,
        painted,
        transfer,
    }
}
