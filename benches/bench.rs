//! `make bench`: what the release build costs a user, in bytes and milliseconds, next to the raw
//! Djoser requests it can't beat. Not part of `make test` (times are noisy; sizes are checked there).
//!
//! It serves `DIST_DIR` (default `dist/`) with the end-to-end harness's static server, starts the
//! reference backend (runserver with `AUTH_TCP_NODELAY=1`, fast hasher unless a row says PBKDF2),
//! drives headless Chromium and prints one Markdown table: the median and the spread of each figure
//! over `BENCH_RUNS` (default 30, at least 30 for the published table) runs.
//!
//! Phases:
//! 1. sizes of the build's files, raw and `gzip -9` (and `brotli` when it is installed);
//! 2. `BENCH_RUNS` cold runs, each in a new Chromium with a fresh profile: first visit to `/login`
//!    (transfer, form usable), a first sign-in next to the raw request pair against a second
//!    backend nobody has talked to yet (both pay a new connection and the CORS preflights), memory,
//!    the dashboard reached by URL with the stored session, then sign-out and a second sign-in next
//!    to the raw pair (connection open, preflights cached);
//! 3. the same warm sign-in, `BENCH_RUNS` times, against a backend with Django's default hasher;
//! 4. one long run with 2-second access tokens: memory (JS heap, wasm memory, JS objects the wasm
//!    side holds) after sign-in and after `BENCH_REFRESHES` (default 200) refresh cycles of the
//!    app's own timer, or as many as `BENCH_REFRESH_CAP_SECS` (default 240) allow; alongside it,
//!    as a control, an idle dashboard (tokens that outlive the run) for as long.
//!
//! Chromium runs with `--enable-precise-memory-info --js-flags=--expose-gc`; memory is read after
//! `gc()`; phase 4 runs JS in V8's interpreter only (see [`MEMORY_RUN_CHROMIUM_ARGS`]).
//! About 6 minutes on 2 cores.
//!
//! `BENCH_RUNS=5 cargo bench --bench bench` gives a quick (unpublishable) look;
//! `BENCH_PHASES=memory` (or `cold`, `pbkdf2`, comma-separated) runs only those phases.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::nginx::{deployed_copy, Nginx};
use support::sizes::{Size, Sizes};
use support::{App, AppOptions, Backend, BackendOptions, Browser};

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "correct horse battery staple";
/// Exact `performance.memory` figures (otherwise bucketed and cached for 20 minutes) and `gc()`.
const CHROMIUM_ARGS: &[&str] = &["--enable-precise-memory-info", "--js-flags=--expose-gc"];
/// The refresh run and its control run JS in V8's interpreter only: compiled code would read as
/// a leak. Sparkplug, Maglev (after a function's 400th call) and TurboFan (its 3000th) each add
/// a function's code to the JS heap when it gets hot, so the glue functions a refresh calls
/// once or twice grow the heap hundreds to thousands of cycles in. Heap snapshots at 100, 300
/// and 500 cycles showed every JS object the same, byte for byte, and only code growing (~75 B
/// a cycle, still at 600 cycles). Interpreted, the heap stays flat: what grows is data.
const MEMORY_RUN_CHROMIUM_ARGS: &[&str] = &[
    "--enable-precise-memory-info",
    "--js-flags=--expose-gc --no-sparkplug --no-maglev --no-turbofan",
];
const LOGIN_BUTTON: &str = "#login-form button[type=submit]";
/// `BENCH_PHASES`' default.
const ALL_PHASES: &str = "cold,nginx,pbkdf2,memory";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn progress(message: &str) {
    eprintln!("[bench] {message}");
}

// ---- statistics -------------------------------------------------------------------------------

/// Linear-interpolated percentile of sorted samples, `p` in 0..=1.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

struct Summary {
    n: usize,
    median: f64,
    lo: f64,
    hi: f64,
}

/// Median and p10–p90 (min–max below 10 samples).
fn summarize(samples: &[f64]) -> Summary {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi) = if sorted.len() >= 10 {
        (percentile(&sorted, 0.1), percentile(&sorted, 0.9))
    } else {
        (percentile(&sorted, 0.0), percentile(&sorted, 1.0))
    };
    Summary {
        n: sorted.len(),
        median: percentile(&sorted, 0.5),
        lo,
        hi,
    }
}

// ---- formatting -------------------------------------------------------------------------------

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn kb(bytes: f64) -> String {
    format!("{:.1} KB", bytes / 1000.0)
}

fn ms(v: f64) -> String {
    format!("{v:.1} ms")
}

fn times(v: f64) -> String {
    format!("{v:.2}×")
}

fn mib(bytes: f64) -> String {
    format!("{:.2} MiB", bytes / (1024.0 * 1024.0))
}

fn signed_kib(bytes: f64) -> String {
    format!("{:+.1} KiB", bytes / 1024.0)
}

struct Table {
    rows: Vec<[String; 5]>,
}

impl Table {
    fn row(&mut self, figure: &str, median: String, spread: String, n: String, reference: &str) {
        self.rows
            .push([figure.into(), median, spread, n, reference.into()]);
    }

    /// A measured figure: median, spread, sample count.
    fn stat(&mut self, figure: &str, samples: &[f64], fmt: fn(f64) -> String, reference: &str) {
        let s = summarize(samples);
        if s.n == 0 {
            // A phase left out by BENCH_PHASES.
            return;
        }
        self.row(
            figure,
            fmt(s.median),
            format!("{} – {}", fmt(s.lo), fmt(s.hi)),
            s.n.to_string(),
            reference,
        );
    }

    /// app / raw: the median and spread of the per-run ratios, and the ratio of the medians.
    fn ratio(&mut self, figure: &str, app: &[f64], raw: &[f64], reference: &str) {
        let per_run: Vec<f64> = app.iter().zip(raw).map(|(a, r)| a / r).collect();
        let s = summarize(&per_run);
        if s.n == 0 {
            return;
        }
        let of_medians = summarize(app).median / summarize(raw).median;
        self.row(
            figure,
            format!("{} (of medians: {})", times(s.median), times(of_medians)),
            format!("{} – {}", times(s.lo), times(s.hi)),
            s.n.to_string(),
            reference,
        );
    }

    fn print(&self) {
        println!("| figure | median | spread | runs | reference (measured elsewhere, not run here): Next.js + NextAuth over the same Djoser |");
        println!("|---|---:|---:|---:|---|");
        for [a, b, c, d, e] in &self.rows {
            println!("| {a} | {b} | {c} | {d} | {e} |");
        }
    }
}

// ---- the machine ------------------------------------------------------------------------------

fn shell(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_string();
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!(", {:.0} GiB RAM", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_default();
    format!("{cores} cores (nproc), {model}{memory}")
}

fn chromium_version() -> String {
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    shell(&binary, &["--version"])
        .and_then(|out| out.lines().last().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

// ---- sizes ------------------------------------------------------------------------------------

fn show(size: &Size) -> String {
    let mut s = format!("{} / {}", thousands(size.raw), thousands(size.gzip));
    if let Some(br) = size.brotli {
        s.push_str(&format!(" / {}", thousands(br)));
    }
    s
}

// ---- in the page ------------------------------------------------------------------------------

/// Evaluates `script` (which returns null until it has an answer) every 20 ms, for at most `within`.
async fn wait_js(app: &App, what: &str, script: &str, args: Vec<Value>, within: Duration) -> Value {
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
async fn mark(app: &App, name: &str) -> f64 {
    wait_js(
        app,
        &format!("performance mark {name:?}"),
        "const m = performance.getEntriesByName(arguments[0], 'mark'); return m.length ? m[m.length - 1].startTime : null;",
        vec![json!(name)],
        Duration::from_secs(15),
    )
    .await
    .as_f64()
    .unwrap_or(f64::NAN)
}

/// What the page downloaded so far.
struct Transfer {
    /// transferSize: bodies and headers as they came over the wire.
    wire: f64,
    /// encodedBodySize
    bodies: f64,
    /// The last responseEnd of HTML, CSS, JS and wasm (ms after navigation start).
    end: f64,
    /// (path, transferSize) of each request, the document first.
    requests: Vec<(String, f64)>,
}

async fn transfer(app: &App) -> Transfer {
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

/// Garbage-collects, then reads `performance.memory.usedJSHeapSize` and the wasm memory's size.
async fn memory(app: &App) -> Sample {
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
static NO_GC: AtomicBool = AtomicBool::new(false);

/// One sign-in through the app, in milliseconds.
#[derive(Clone, Copy)]
struct SignIn {
    /// Click → the DOM shows the user's email.
    total: f64,
    /// The app's own share: click → jwt/create/ sent, plus users/me/ answered → email shown.
    own: f64,
}

/// Presses the login button and times it in the page: from the click (a capturing listener that
/// runs before the app's) to the DOM showing `#user-email` with the address (MutationObserver).
/// Resource Timing splits off the app's own time from the two requests' (start of jwt/create/
/// to the end of the users/me/ after it).
async fn app_sign_in(app: &App) -> SignIn {
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
        vec![json!(EMAIL), json!(LOGIN_BUTTON)],
    )
    .await;
    app.click(LOGIN_BUTTON).await;
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
async fn raw_pair(app: &App, api_base: &str) -> f64 {
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
async fn me_requests(app: &App) -> u64 {
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
async fn settle_me(app: &App, count: u64) {
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
async fn sign_in_pair(app: &App, raw_base: &str, app_first: bool) -> (SignIn, f64) {
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

async fn sign_out(app: &App) {
    app.click("button#sign-out").await;
    app.wait_for_pathname("/login").await;
    app.wait_for("form#login-form").await;
    // The revocation (jwt/blacklist/) runs in the background; let it finish.
    wait_js(
        app,
        "the sign-out's jwt/blacklist/ request",
        "return performance.getEntriesByType('resource').some(e => e.name.includes('/auth/jwt/blacklist/')) ? true : null;",
        vec![],
        Duration::from_secs(15),
    )
    .await;
}

async fn fresh_browser(app: &mut App, dir: &Path, chromium_args: &[&str]) {
    std::fs::create_dir_all(dir).expect("run dir");
    app.browser = Browser::start_with_args(dir, chromium_args).await;
}

/// A new Chromium with a fresh profile in `{label}-{run}`; the previous one is closed and the
/// previous run's profile removed.
async fn browser_for_run(app: &mut App, label: &str, run: usize) {
    let dir = app.dir.join(&format!("{label}-{run}"));
    fresh_browser(app, &dir, CHROMIUM_ARGS).await;
    if run > 0 {
        let _ = std::fs::remove_dir_all(app.dir.join(&format!("{label}-{}", run - 1)));
    }
}

async fn world(backend: BackendOptions, label: &str, chromium_args: &[&str]) -> App {
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

// ---- the benchmark ----------------------------------------------------------------------------

#[derive(Default)]
struct Cold {
    usable: Vec<f64>,
    files_done: Vec<f64>,
    started: Vec<f64>,
    painted: Vec<f64>,
    wire: Vec<f64>,
    bodies: Vec<f64>,
    /// The first run's requests (path, transferSize).
    requests: Vec<(String, f64)>,
    first_app: Vec<f64>,
    first_own: Vec<f64>,
    first_raw: Vec<f64>,
    heap: Vec<f64>,
    wasm: Vec<f64>,
    refs: Vec<f64>,
    protected: Vec<f64>,
    again_app: Vec<f64>,
    again_own: Vec<f64>,
    again_raw: Vec<f64>,
}

/// One first visit to `/login` in the browser as it is (fresh, in the phases that use it).
struct FirstVisit {
    /// The `login-form-usable` mark.
    usable: f64,
    /// The `app-start` mark: the wasm compiled, instantiated and running.
    started: f64,
    /// First contentful paint: the page is empty until the app renders, so this is the form.
    painted: f64,
    transfer: Transfer,
}

async fn first_visit(app: &App) -> FirstVisit {
    app.goto_url("about:blank").await;
    app.goto("/login").await;
    let usable = mark(app, "login-form-usable").await;
    app.wait_for("form#login-form").await;
    let transfer = transfer(app).await;
    let started = mark(app, "app-start").await;
    let painted = wait_js(
        app,
        "first contentful paint",
        "const p = performance.getEntriesByName('first-contentful-paint'); return p.length ? p[0].startTime : null;",
        vec![],
        Duration::from_secs(15),
    )
    .await
    .as_f64()
    .unwrap_or(f64::NAN);
    FirstVisit {
        usable,
        started,
        painted,
        transfer,
    }
}

#[derive(Default)]
struct NginxVisits {
    usable: Vec<f64>,
    painted: Vec<f64>,
    wire: Vec<f64>,
}

/// First visits through nginx with deploy/nginx.conf, as a CDN would serve them (gzip on the
/// wire, the production headers), each in a new Chromium with a fresh profile.
async fn nginx_runs(runs: usize) -> NginxVisits {
    // Hold nginx's port while the backend starts, so it isn't handed to anyone else.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("no free port");
    let port = reserved.local_addr().expect("reserved port").port();
    let origin = format!("http://127.0.0.1:{port}");
    let mut app = App::start_served_by(&origin, AppOptions::default()).await;
    let root = app.dir.join("www");
    deployed_copy(&root, &app.api_base());
    drop(reserved);
    let _nginx = Nginx::start(app.dir.path(), &root, port, &app.api_base()).await;
    let mut v = NginxVisits::default();
    for run in 0..runs {
        progress(&format!("first visit through nginx {}/{runs}", run + 1));
        browser_for_run(&mut app, "nginx", run).await;
        let visit = first_visit(&app).await;
        v.usable.push(visit.usable);
        v.painted.push(visit.painted);
        v.wire.push(visit.transfer.wire);
    }
    v
}

async fn cold_runs(runs: usize) -> Cold {
    let mut app = world(BackendOptions::default(), "run-0", CHROMIUM_ARGS).await;
    // A second backend for the first-sign-in raw pair: nobody has connected to it or sent it a
    // preflight, as the app's backend at its first sign-in.
    let other_dir = app.dir.join("backend-b");
    std::fs::create_dir_all(&other_dir).expect("backend-b dir");
    let other = Backend::start(&other_dir, app.origin(), &BackendOptions::default()).await;
    other.create_active_user(EMAIL, PASSWORD).await;

    let mut c = Cold::default();
    for run in 0..runs {
        progress(&format!("cold run {}/{runs}", run + 1));
        // Run 0 uses the world's own browser.
        if run > 0 {
            browser_for_run(&mut app, "run", run).await;
        }

        let visit = first_visit(&app).await;
        c.usable.push(visit.usable);
        c.started.push(visit.started);
        c.painted.push(visit.painted);
        let t = visit.transfer;
        c.wire.push(t.wire);
        c.bodies.push(t.bodies);
        c.files_done.push(t.end);
        if c.requests.is_empty() {
            c.requests = t.requests;
        }

        // First sign-in of this browser, next to the raw pair against the untouched backend.
        let (a, r) = sign_in_pair(&app, &other.base_url(), run % 2 == 1).await;
        c.first_app.push(a.total);
        c.first_own.push(a.own);
        c.first_raw.push(r);
        let m = memory(&app).await;
        c.heap.extend(m.heap);
        c.wasm.extend(m.wasm);
        c.refs.extend(m.refs);

        // The protected page by URL, with the session in localStorage.
        app.goto("/dashboard").await;
        c.protected.push(mark(&app, "dashboard-ready").await);
        app.wait_for_text("#user-email", EMAIL).await;
        settle_me(&app, 1).await;

        // Sign out, sign in again: connection open, preflights cached, for both.
        sign_out(&app).await;
        let (a, r) = sign_in_pair(&app, &app.api_base(), run % 2 == 0).await;
        c.again_app.push(a.total);
        c.again_own.push(a.own);
        c.again_raw.push(r);
    }
    c
}

async fn slow_hasher_runs(runs: usize) -> (Vec<f64>, Vec<f64>) {
    let app = world(
        BackendOptions {
            extra_env: vec![("AUTH_FAST_HASHER".into(), "0".into())],
            ..Default::default()
        },
        "pbkdf2",
        CHROMIUM_ARGS,
    )
    .await;
    app.goto("/login").await;
    app.wait_for("form#login-form").await;
    // Open the connection and cache the preflights, as in the fast "again" rows.
    raw_pair(&app, &app.api_base()).await;
    let (mut apps, mut raws) = (vec![], vec![]);
    for run in 0..runs {
        progress(&format!("PBKDF2 sign-in {}/{runs}", run + 1));
        let (a, r) = sign_in_pair(&app, &app.api_base(), run % 2 == 0).await;
        apps.push(a.total);
        raws.push(r);
        sign_out(&app).await;
    }
    (apps, raws)
}

/// One reading of the page's memory (after `gc()`), `cycles` refreshes and `secs` into a run.
#[derive(Clone, Copy, Default)]
struct Sample {
    cycles: u64,
    secs: f64,
    /// `performance.memory.usedJSHeapSize`
    heap: Option<f64>,
    /// The wasm instance's `memory.buffer.byteLength`
    wasm: Option<f64>,
    /// Live entries of wasm-bindgen's externref table: JS objects the Rust side holds.
    refs: Option<f64>,
}

#[derive(Clone, Copy)]
enum Unit {
    Bytes,
    Count,
}

impl Unit {
    fn value(self, v: f64) -> String {
        match self {
            Unit::Bytes => format!("{:.3} MiB", v / (1024.0 * 1024.0)),
            Unit::Count => format!("{v:.0}"),
        }
    }

    fn delta(self, v: f64) -> String {
        match self {
            Unit::Bytes => signed_kib(v),
            Unit::Count => format!("{v:+.0}"),
        }
    }

    fn per(self, v: f64) -> String {
        match self {
            Unit::Bytes => format!("{v:+.0} B"),
            Unit::Count => format!("{v:+.2}"),
        }
    }
}

/// For one figure of a run's samples: "first → last (change); slope over the second half",
/// and the readings along the way ("at 0/50/… cycles: …").
fn growth(samples: &[Sample], get: Pick, unit: Unit, by_cycles: bool) -> (String, String) {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return ("n/a".into(), "—".into());
    };
    let change = match (get(first), get(last)) {
        (Some(a), Some(b)) => {
            let mut cell = format!(
                "{} → {} ({})",
                unit.value(a),
                unit.value(b),
                unit.delta(b - a)
            );
            // The second half's slope tells steady growth from warm-up.
            let mid = samples
                .iter()
                .find(|s| s.cycles * 2 >= last.cycles && s.cycles < last.cycles);
            if let (true, Some(m)) = (by_cycles, mid) {
                if let Some(v) = get(m) {
                    cell.push_str(&format!(
                        "; {}/cycle over cycles {}–{}",
                        unit.per((b - v) / (last.cycles - m.cycles) as f64),
                        m.cycles,
                        last.cycles
                    ));
                }
            }
            cell
        }
        _ => "n/a".into(),
    };
    let at: Vec<String> = samples
        .iter()
        .map(|s| {
            if by_cycles {
                s.cycles.to_string()
            } else {
                format!("{:.0}", s.secs)
            }
        })
        .collect();
    let values: Vec<String> = samples
        .iter()
        .map(|s| {
            get(s)
                .map(|v| unit.value(v))
                .unwrap_or_else(|| "n/a".into())
        })
        .collect();
    let along = format!(
        "at {} {}: {}",
        at.join("/"),
        if by_cycles { "cycles" } else { "s" },
        values.join(" / ")
    );
    (change, along)
}

/// Picks one figure of a [`Sample`].
type Pick = fn(&Sample) -> Option<f64>;

struct LongRun {
    samples: Vec<Sample>,
    target: u64,
    cap: Duration,
    signed_in_at_end: bool,
    /// The "reconnecting" banner showed at some point (a refresh failed for want of a server).
    reconnecting_seen: bool,
}

/// The control for the refresh run, side by side with it: the dashboard with tokens that
/// outlive the run (no refresh at all) for as long as the refresh run lasts. Growth here isn't
/// the refreshes'.
async fn idle_run(cap: Duration, finished: &AtomicBool) -> Vec<Sample> {
    let app = world(
        BackendOptions {
            // The app refreshes a minute before expiry, and the refresh run may last its cap plus
            // its own start: 5 minutes on top keeps this control from ever refreshing.
            access_seconds: cap.as_secs() + 300,
            ..Default::default()
        },
        "idle",
        MEMORY_RUN_CHROMIUM_ARGS,
    )
    .await;
    app.sign_in(EMAIL, PASSWORD).await;
    settle_me(&app, 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let sample = |m: Sample| Sample {
        secs: started.elapsed().as_secs_f64(),
        ..m
    };
    let mut samples = vec![sample(memory(&app).await)];
    let mut next = Duration::from_secs(30);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let done = finished.load(Ordering::Relaxed);
        if done || started.elapsed() >= next {
            samples.push(sample(memory(&app).await));
            next += Duration::from_secs(30);
        }
        if done {
            break;
        }
    }
    assert_eq!(
        app.backend.refresh_calls().await,
        0,
        "the idle control refreshed"
    );
    samples
}

async fn refresh_run(target: u64, cap: Duration, finished: &AtomicBool) -> LongRun {
    let app = world(
        BackendOptions {
            // A refresh about every second (the timer fires at half-life for tiny lifetimes).
            access_seconds: 2,
            ..Default::default()
        },
        "refresh",
        MEMORY_RUN_CHROMIUM_ARGS,
    )
    .await;
    app.sign_in(EMAIL, PASSWORD).await;
    // The sign-in's users/me/ (the dashboard doesn't fetch the profile again right after).
    settle_me(&app, 1).await;
    // The page notes the "reconnecting" banner itself: asking chromedriver every 250 ms grew
    // the heap it measures (each find's result array stays held by DevTools, ~250 B a cycle).
    app.js(
        "const seen = () => { if (document.querySelector('[data-notice=\"reconnecting\"]')) window.benchReconnectingSeen = true; };
         seen();
         new MutationObserver(seen).observe(document.body, { childList: true, subtree: true });",
        vec![],
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let base = app.backend.refresh_calls().await;
    let mut samples = vec![memory(&app).await];
    let checkpoints: Vec<u64> = (1..=4).map(|i| target * i / 4).collect();
    let mut next = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let done = app.backend.refresh_calls().await.saturating_sub(base);
        let out_of_time = started.elapsed() > cap;
        if next < checkpoints.len() && (done >= checkpoints[next] || out_of_time) {
            samples.push(Sample {
                cycles: done,
                secs: started.elapsed().as_secs_f64(),
                ..memory(&app).await
            });
            progress(&format!(
                "refresh cycles: {done}/{target} after {:.0} s",
                started.elapsed().as_secs_f64()
            ));
            while next < checkpoints.len() && done >= checkpoints[next] {
                next += 1;
            }
        }
        if next >= checkpoints.len() || out_of_time {
            break;
        }
    }
    finished.store(true, Ordering::Relaxed);
    let signed_in_at_end = app.pathname().await == "/dashboard"
        && app.exists("#user-email").await
        && !app.exists(".notice[data-notice=\"expired\"]").await;
    let reconnecting_seen = app
        .js("return window.benchReconnectingSeen === true;", vec![])
        .await
        == json!(true);
    if !signed_in_at_end || reconnecting_seen {
        // Keep the evidence: the world's folder goes away with it.
        let log =
            std::env::temp_dir().join(format!("djoser-bench-refresh-{}.log", std::process::id()));
        let _ = std::fs::copy(app.backend.stderr_log(), &log);
        eprintln!(
            "[bench] refresh run: signed in at the end: {signed_in_at_end}; \"reconnecting\" seen {reconnecting_seen}; backend log kept in {}\n{}",
            log.display(),
            app.describe().await
        );
    }
    LongRun {
        samples,
        target,
        cap,
        signed_in_at_end,
        reconnecting_seen,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs = env_number("BENCH_RUNS", 30).max(1) as usize;
    let refreshes = env_number("BENCH_REFRESHES", 200).max(4);
    let cap = Duration::from_secs(env_number("BENCH_REFRESH_CAP_SECS", 240));
    let started = Instant::now();
    let dist = support::static_server::dist_dir();
    let date = shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();

    progress(&format!("sizes of {}", dist.display()));
    let sizes = Sizes::of(&dist, shell("brotli", &["--version"]).is_some());
    // BENCH_PHASES=cold,pbkdf2,memory (the default: all) runs some of them; the others' rows say n/a.
    let phases = std::env::var("BENCH_PHASES").unwrap_or_else(|_| ALL_PHASES.into());
    let phase = |name: &str| phases.split(',').any(|p| p.trim() == name);
    let cold = if phase("cold") {
        cold_runs(runs).await
    } else {
        Cold::default()
    };
    let nginx = if phase("nginx") {
        nginx_runs(runs).await
    } else {
        NginxVisits::default()
    };
    let (slow_app, slow_raw) = if phase("pbkdf2") {
        slow_hasher_runs(runs).await
    } else {
        (vec![], vec![])
    };
    let finished = AtomicBool::new(false);
    let (long, idle) = if phase("memory") {
        tokio::join!(
            refresh_run(refreshes, cap, &finished),
            idle_run(cap, &finished)
        )
    } else {
        let long = LongRun {
            samples: vec![],
            target: refreshes,
            cap,
            signed_in_at_end: false,
            reconnecting_seen: false,
        };
        (long, vec![])
    };

    // ---- the table ----
    let mut t = Table { rows: vec![] };
    let exact = || "exact".to_string();
    let files = || "files".to_string();
    let bytes_unit = if sizes.brotli {
        "raw / gzip -9 / brotli -q 11, bytes"
    } else {
        "raw / gzip -9, bytes"
    };
    t.row(
        &format!("wasm ({bytes_unit})"),
        show(&sizes.wasm),
        exact(),
        files(),
        "",
    );
    t.row(
        &format!(
            "JS: app .js + boot-*.js loader, {} files ({bytes_unit})",
            sizes.js_files
        ),
        show(&sizes.js),
        exact(),
        files(),
        "",
    );
    t.row(
        &format!("CSS ({bytes_unit})"),
        show(&sizes.css),
        exact(),
        files(),
        "",
    );
    t.row(
        &format!("HTML ({bytes_unit})"),
        show(&sizes.html),
        exact(),
        files(),
        "",
    );
    for (name, size) in &sizes.other {
        t.row(
            &format!("other: {name}, not in the totals ({bytes_unit})"),
            show(size),
            exact(),
            files(),
            "",
        );
    }
    let total = sizes.first_visit();
    t.row(
        "first visit, gzip -9 total of wasm + JS + CSS + HTML (from the files)",
        format!(
            "**{}** ({} B)",
            kb(total.gzip as f64),
            thousands(total.gzip)
        ),
        exact(),
        files(),
        "110 KB (Next 15) – 141.5 KB (Next 16) gzip",
    );
    if let Some(br) = total.brotli {
        t.row(
            "first visit, brotli -q 11 total (from the files)",
            format!("{} ({} B)", kb(br as f64), thousands(br)),
            exact(),
            files(),
            "",
        );
    }
    t.row(
        "first visit, raw total of the same files",
        format!("{} ({} B)", kb(total.raw as f64), thousands(total.raw)),
        exact(),
        files(),
        "",
    );
    t.stat(
        &format!(
            "first visit to /login, measured: Resource Timing transferSize, {} requests (the harness's static server does not compress: raw bytes + headers)",
            cold.requests.len()
        ),
        &cold.wire,
        kb,
        "",
    );
    t.stat("… of which bodies (encodedBodySize)", &cold.bodies, kb, "");
    t.stat(
        "first visit to /login, fresh profile: navigation start → **login form usable** (`login-form-usable` mark)",
        &cold.usable,
        ms,
        "332–398 ms",
    );
    t.stat(
        "… of which: HTML, CSS, JS and wasm received (last responseEnd)",
        &cold.files_done,
        ms,
        "",
    );
    t.stat(
        "… of which: the app starts (`app-start` mark: wasm compiled and instantiated)",
        &cold.started,
        ms,
        "",
    );
    t.stat(
        "… and the form on screen: first contentful paint (the HTML alone paints nothing)",
        &cold.painted,
        ms,
        "",
    );
    t.stat(
        "first visit to /login through nginx with deploy/nginx.conf (the build's gzip -9 twins via gzip_static, index.html gzipped per request, the production headers), fresh profile: transferred (Resource Timing transferSize)",
        &nginx.wire,
        kb,
        "110 KB (Next 15) – 141.5 KB (Next 16)",
    );
    t.stat(
        "… navigation start → **login form usable**",
        &nginx.usable,
        ms,
        "332–398 ms",
    );
    t.stat("… first contentful paint", &nginx.painted, ms, "");
    t.stat(
        "first sign-in in the browser (new connection + CORS preflights): click → dashboard shows the email",
        &cold.first_app,
        ms,
        "",
    );
    t.stat(
        "… raw pair: fetch jwt/create/ then users/me/ from the same page (to an equally untouched backend)",
        &cold.first_raw,
        ms,
        "",
    );
    t.ratio(
        "… **ratio** app / raw (per run)",
        &cold.first_app,
        &cold.first_raw,
        "4.3–4.8× (four requests through the Next server)",
    );
    t.stat(
        "… the app's own time in its sign-in (click → jwt/create/ sent, users/me/ answered → email shown; Resource Timing)",
        &cold.first_own,
        ms,
        "",
    );
    t.stat(
        "sign-in again (connection open, preflights cached): click → dashboard shows the email",
        &cold.again_app,
        ms,
        "",
    );
    t.stat("… raw pair, same state", &cold.again_raw, ms, "");
    t.ratio(
        "… **ratio** app / raw (per run)",
        &cold.again_app,
        &cold.again_raw,
        "4.3–4.8×",
    );
    t.stat(
        "… the app's own time in its sign-in",
        &cold.again_own,
        ms,
        "",
    );
    t.stat(
        "sign-in with Django's default hasher (PBKDF2), warm: click → dashboard shows the email",
        &slow_app,
        ms,
        "",
    );
    t.stat("… raw pair, same backend and state", &slow_raw, ms, "");
    t.ratio("… **ratio** app / raw (per run)", &slow_app, &slow_raw, "");
    t.stat(
        "protected page by URL with a stored session: navigation start → `dashboard-ready`",
        &cold.protected,
        ms,
        "",
    );
    t.stat(
        "JS heap after sign-in (`usedJSHeapSize` after `gc()`)",
        &cold.heap,
        mib,
        "",
    );
    t.stat(
        "wasm memory after sign-in (`memory.buffer.byteLength`)",
        &cold.wasm,
        mib,
        "",
    );
    t.stat(
        "JS objects held by wasm after sign-in (live entries of wasm-bindgen's externref table)",
        &cold.refs,
        |v| format!("{v:.0}"),
        "",
    );
    let last = long.samples.last().cloned();
    let reached = last.map(|s| s.cycles).unwrap_or(0);
    let secs = last.map(|s| s.secs).unwrap_or(0.0);
    let label = format!(
        "{} {reached} refresh cycles{} (one run, 2 s access tokens: the app's own timer refreshes every ~1 s; {:.0} s)",
        if reached >= long.target { "after" } else { "only" },
        if reached >= long.target {
            String::new()
        } else {
            format!(" of {} within the {} s cap", long.target, long.cap.as_secs())
        },
        secs
    );
    let end_state = match (long.signed_in_at_end, long.reconnecting_seen) {
        (true, false) => "still signed in at the end",
        (true, true) => {
            "still signed in at the end, but **\"reconnecting\" showed** (a refresh failed)"
        }
        (false, _) => "**NOT signed in at the end**",
    };
    let idle_secs = idle.last().map(|s| s.secs).unwrap_or(0.0);
    let figures: [(&str, Pick, Unit); 3] = [
        ("JS heap", |s| s.heap, Unit::Bytes),
        ("wasm memory", |s| s.wasm, Unit::Bytes),
        (
            "JS objects held by wasm (live externrefs)",
            |s| s.refs,
            Unit::Count,
        ),
    ];
    let memory_rows = if long.samples.is_empty() {
        &[][..]
    } else {
        &figures[..]
    };
    for &(what, get, unit) in memory_rows {
        let (change, along) = growth(&long.samples, get, unit, true);
        t.row(
            &format!("{what}, after sign-in → {label}; {end_state}"),
            change,
            along,
            "1".into(),
            "",
        );
    }
    for &(what, get, unit) in memory_rows {
        let (change, along) = growth(&idle, get, unit, false);
        t.row(
            &format!(
                "… control, alongside: {what} of an idle dashboard (no refresh) over the same {idle_secs:.0} s"
            ),
            change,
            along,
            "1".into(),
            "",
        );
    }

    println!();
    println!("## make bench — {date}");
    println!();
    println!("- machine: {}; {}, headless", machine(), chromium_version());
    println!(
        "- backend: Django `runserver` with `AUTH_TCP_NODELAY=1` (no ~45 ms Nagle stall per kept-alive request), `AUTH_DEBUG=0`, SQLite; fast MD5 hasher unless the row says PBKDF2"
    );
    println!(
        "- SPA: `{}` served by the test harness's static server on loopback (no compression, `Cache-Control: no-store`); every cold run is a new Chromium with a fresh profile",
        dist.display()
    );
    println!(
        "- spread: p10 – p90 ({}) ; times measured in the page (`performance.now()`, marks); KB = 1000 bytes, MiB = 2^20",
        if runs >= 10 { "runs ≥ 10" } else { "min – max: fewer than 10 runs" }
    );
    if phases != ALL_PHASES {
        println!("- phases run (`BENCH_PHASES`): {phases}; the others' rows are left out");
    }
    println!();
    t.print();
    println!();
    let requests: Vec<String> = cold
        .requests
        .iter()
        .map(|(path, wire)| format!("{path} {}", thousands(*wire as u64)))
        .collect();
    println!(
        "First visit's requests (run 1, transferSize in bytes): {}.",
        requests.join(", ")
    );
    println!(
        "Sign-in: from a capturing `click` listener on the login button to a MutationObserver seeing the address in `#user-email` (DOM, before paint). \
         Raw pair: `fetch` POST jwt/create/ then GET users/me/ (`Authorization: JWT …`), the app's headers, from the same page; runs alternate which of the two goes first."
    );
    println!(
        "Refresh run: `AUTH_ACCESS_SECONDS=2`, so the app's own timer refreshes at half-life (~1 s + the request); memory read after `gc()` at each checkpoint. \
         This run and its control run JS in V8's interpreter only (`--js-flags=--no-sparkplug --no-maglev --no-turbofan`): the compiled code V8 adds for functions called once or twice a cycle, hundreds to thousands of cycles in, grows the JS heap like a leak."
    );
    if NO_GC.load(Ordering::Relaxed) {
        println!("Note: `gc()` was not available in the page: heap figures include garbage.");
    }
    println!();
    progress(&format!("done in {:.0} s", started.elapsed().as_secs_f64()));
}
