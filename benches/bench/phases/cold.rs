//! `cold`: `BENCH_RUNS` runs, each in a new Chromium with a fresh profile: first visit to `/login`
//! (transfer, form usable), a first sign-in next to the raw request pair against a second backend
//! nobody has talked to yet (both pay a new connection and the CORS preflights), memory, the
//! dashboard reached by URL with the stored session, then sign-out and a second sign-in next to
//! the raw pair (connection open, preflights cached).

use crate::page::{
    browser_for_run, first_visit, mark, memory, settle_me, sign_in_pair, sign_out, world,
    CHROMIUM_ARGS, EMAIL, PASSWORD,
};
use crate::progress;
use crate::support::{Backend, BackendOptions};
use crate::table::{count, kb, mib, ms, ratio, stat, thousands, RowSpec, Table};

#[derive(Default)]
pub struct Cold {
    pub usable: Vec<f64>,
    pub files_done: Vec<f64>,
    pub started: Vec<f64>,
    pub painted: Vec<f64>,
    pub wire: Vec<f64>,
    pub bodies: Vec<f64>,
    /// The first run's requests (path, transferSize).
    pub requests: Vec<(String, f64)>,
    pub first_app: Vec<f64>,
    pub first_own: Vec<f64>,
    pub first_raw: Vec<f64>,
    pub heap: Vec<f64>,
    pub wasm: Vec<f64>,
    pub refs: Vec<f64>,
    pub protected: Vec<f64>,
    pub again_app: Vec<f64>,
    pub again_own: Vec<f64>,
    pub again_raw: Vec<f64>,
}

pub async fn runs(runs: usize) -> Cold {
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

impl Cold {
    /// The first visit's rows (the first one names the number of requests).
    pub fn visit_rows(&self, t: &mut Table) {
        t.stat(
            &format!(
                "first visit to /login, measured: Resource Timing transferSize, {} requests (the harness's static server does not compress: raw bytes + headers)",
                self.requests.len()
            ),
            &self.wire,
            kb,
            "",
        );
        t.rows(self, VISIT_ROWS);
    }

    /// "First visit's requests (run 1, …): …", or nothing when the phase didn't run.
    pub fn requests_note(&self) -> Option<String> {
        let requests: Vec<String> = self
            .requests
            .iter()
            .map(|(path, wire)| format!("{path} {}", thousands(*wire as u64)))
            .collect();
        (!requests.is_empty()).then(|| {
            format!(
                "First visit's requests (run 1, transferSize in bytes): {}.",
                requests.join(", ")
            )
        })
    }
}

const VISIT_ROWS: &[RowSpec<Cold>] = &[
    stat("… of which bodies (encodedBodySize)", |c| &c.bodies, kb, None),
    stat(
        "first visit to /login, fresh profile: navigation start → **login form usable** (the submit button enabled in the DOM: see the notes)",
        |c| &c.usable,
        ms,
        None,
    ),
    stat(
        "… of which: HTML, CSS, JS and wasm received (last responseEnd)",
        |c| &c.files_done,
        ms,
        None,
    ),
    stat(
        "… of which: the app starts (`app-start` mark: wasm compiled and instantiated)",
        |c| &c.started,
        ms,
        None,
    ),
    stat(
        "… first contentful paint (`first-contentful-paint`: the page's HTML or the app's first render, whichever paints first)",
        |c| &c.painted,
        ms,
        None,
    ),
];

pub const SIGN_IN_ROWS: &[RowSpec<Cold>] = &[
    stat(
        "first sign-in in the browser (new connection + CORS preflights): click → dashboard shows the email",
        |c| &c.first_app,
        ms,
        None,
    ),
    stat(
        "… raw pair: fetch jwt/create/ then users/me/ from the same page (to an equally untouched backend)",
        |c| &c.first_raw,
        ms,
        None,
    ),
    ratio(
        "… **ratio** app / raw (per run)",
        |c| &c.first_app,
        |c| &c.first_raw,
    ),
    stat(
        "… the app's own time in its sign-in (click → jwt/create/ sent, users/me/ answered → email shown; Resource Timing)",
        |c| &c.first_own,
        ms,
        None,
    ),
    stat(
        "sign-in again (connection open, preflights cached): click → dashboard shows the email",
        |c| &c.again_app,
        ms,
        None,
    ),
    stat("… raw pair, same state", |c| &c.again_raw, ms, None),
    ratio(
        "… **ratio** app / raw (per run)",
        |c| &c.again_app,
        |c| &c.again_raw,
    ),
    stat(
        "… the app's own time in its sign-in",
        |c| &c.again_own,
        ms,
        None,
    ),
];

/// The signed-in state: the protected page by URL, memory after sign-in.
pub const STATE_ROWS: &[RowSpec<Cold>] = &[
    stat(
        "protected page by URL with a stored session: navigation start → `dashboard-ready`",
        |c| &c.protected,
        ms,
        None,
    ),
    stat(
        "JS heap after sign-in (`usedJSHeapSize` after `gc()`)",
        |c| &c.heap,
        mib,
        None,
    ),
    stat(
        "wasm memory after sign-in (`memory.buffer.byteLength`)",
        |c| &c.wasm,
        mib,
        None,
    ),
    stat(
        "JS objects held by wasm after sign-in (live entries of wasm-bindgen's externref table)",
        |c| &c.refs,
        count,
        None,
    ),
];
