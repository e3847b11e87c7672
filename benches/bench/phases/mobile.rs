//! `mobile`: first visits to `/login` through nginx (as the `nginx` phase) under the standard
//! mobile profile, set through CDP on each fresh tab before it navigates, then a first and a
//! second sign-in under it. Each run checks that the profile holds in the page: the document's
//! fetch takes the latency, and a fixed JS loop runs about 4× slower than with the throttling off
//! (a run where it doesn't is done again, and the notes say how many were).
//!
//! Every run is made in two layouts (issue #20), alternately, by the same code: cross-origin (the
//! app from nginx with deploy/nginx.conf, the API on the backend's own port, so CORS preflights
//! before a first sign-in) and same-origin (the app and the API behind one nginx with
//! deploy/nginx-proxy.conf, no CORS); the backend's request log counts each first sign-in's
//! preflights. The first visits' rows are the cross-origin layout's.

use serde_json::json;

use crate::page::{
    app_sign_in, browser_for_run, goto_start, preflights, settle_me, sign_out, visit_login, EMAIL,
    PASSWORD,
};
use crate::phases::nginx::{nginx_world, same_origin_world};
use crate::progress;
use crate::support::nginx::Nginx;
use crate::support::App;
use crate::table::{count, kb, ms, stat, times, RowSpec, Table};

/// The standard mobile profile: Lighthouse's mobile preset (150 ms round trip, 1.6 Mbit/s down,
/// 750 kbit/s up, a CPU 4× slower than the machine's), given to Chromium's DevTools emulation as
/// it is, throughputs at 90 %. (Lighthouse's own DevTools-throttled runs set 3.75 × 150 =
/// 562.5 ms of request latency instead: these figures are not Lighthouse's.)
pub const MOBILE_LATENCY_MS: f64 = 150.0;
pub const MOBILE_DOWNLOAD_BYTES_PER_S: f64 = 1.6e6 * 0.9 / 8.0;
pub const MOBILE_UPLOAD_BYTES_PER_S: f64 = 750e3 * 0.9 / 8.0;
pub const MOBILE_CPU_RATE: f64 = 4.0;

/// Puts the current tab under the mobile profile (CDP through chromedriver's `goog/cdp/execute`,
/// which sends the commands to the tab's page target; both last across the tab's navigations,
/// which each run checks).
pub async fn emulate_mobile(app: &App) {
    let cdp = &app.browser;
    cdp.cdp("Network.enable", json!({})).await;
    cdp.cdp(
        "Network.emulateNetworkConditions",
        json!({
            "offline": false,
            "latency": MOBILE_LATENCY_MS,
            "downloadThroughput": MOBILE_DOWNLOAD_BYTES_PER_S,
            "uploadThroughput": MOBILE_UPLOAD_BYTES_PER_S,
        }),
    )
    .await;
    cdp.cdp(
        "Emulation.setCPUThrottlingRate",
        json!({ "rate": MOBILE_CPU_RATE }),
    )
    .await;
}

/// Milliseconds a fixed piece of JS takes in the page: the fastest of three runs (other load on
/// the machine only ever adds time).
async fn js_loop_ms(app: &App) -> f64 {
    app.js(
        "let best = Infinity;
         for (let r = 0; r < 3; r++) {
           const t0 = performance.now();
           let x = 0;
           for (let i = 0; i < 6e6; i++) x = (x * 31 + i) % 1000003;
           best = Math.min(best, performance.now() - t0);
           window.__benchSink = x;
         }
         return best;",
        vec![],
    )
    .await
    .as_f64()
    .unwrap_or(f64::NAN)
}

/// The CPU throttling in the page a navigation made. Chromium throttles a renderer process, and
/// now and then (one run in ten to thirty here) the navigation changes processes and the page
/// runs at full speed: so a fixed JS loop as the page runs now (`held`), then with the throttling
/// turned off (`off`), then set again in this page (`again`, the control). Measure it when the
/// run's figures are in: the page's throttling is changed.
pub struct Throttling {
    held: f64,
    off: f64,
    again: f64,
}

impl Throttling {
    pub async fn measure(app: &App) -> Throttling {
        let set = |rate: f64| {
            app.browser
                .cdp("Emulation.setCPUThrottlingRate", json!({ "rate": rate }))
        };
        let held = js_loop_ms(app).await;
        set(1.0).await;
        let off = js_loop_ms(app).await;
        set(MOBILE_CPU_RATE).await;
        let again = js_loop_ms(app).await;
        Throttling { held, off, again }
    }

    /// How much slower the loop ran as the navigation left the page.
    pub fn slowdown(&self) -> f64 {
        self.held / self.off
    }

    /// The same, with the throttling set again in the page.
    pub fn control(&self) -> f64 {
        self.again / self.off
    }

    /// Whether the throttling set before the navigation held in the page. Other load on the
    /// machine blurs all three readings alike: it held unless the loop ran clearly faster than
    /// with the throttling set again.
    pub fn held(&self) -> bool {
        self.slowdown() >= self.control() / 2.0
    }
}

/// The document's request start → response end (Navigation Timing): at least the emulated
/// latency when the network profile applies to the page. (Chromium's emulation holds back the
/// body, not the headers: responseStart comes at once, the latency shows before responseEnd.)
pub async fn document_fetch_ms(app: &App) -> f64 {
    app.js(
        "const n = performance.getEntriesByType('navigation')[0]; return n ? n.responseEnd - n.requestStart : null;",
        vec![],
    )
    .await
    .as_f64()
    .unwrap_or(f64::NAN)
}

/// Where the API is, as the app sees it.
#[derive(Clone, Copy)]
enum Layout {
    /// The app served by nginx with deploy/nginx.conf, the API on its own origin (the backend's
    /// port): CORS, so preflights before a first sign-in.
    CrossOrigin,
    /// The app and the API behind one nginx with deploy/nginx-proxy.conf (the build configured
    /// `--api same-origin`): no CORS at all.
    SameOrigin,
}

impl Layout {
    fn name(self) -> &'static str {
        match self {
            Layout::CrossOrigin => "cross-origin",
            Layout::SameOrigin => "same-origin",
        }
    }
}

/// One layout's runs under the mobile profile.
#[derive(Default)]
pub struct MobileRuns {
    pub usable: Vec<f64>,
    /// The app's own `login-form-usable` mark.
    pub marked: Vec<f64>,
    pub started: Vec<f64>,
    pub painted: Vec<f64>,
    pub wire: Vec<f64>,
    pub first_sign_in: Vec<f64>,
    /// CORS preflights (OPTIONS requests the backend answered) from the first sign-in's click to
    /// the dashboard's users/me/ answered.
    pub first_preflights: Vec<f64>,
    pub again_sign_in: Vec<f64>,
    /// The document's request → response end (≥ the emulated latency).
    pub document: Vec<f64>,
    /// A fixed JS loop on the app's page at the end of the run / the same with the throttling off.
    pub cpu_slowdown: Vec<f64>,
    /// Runs done again because the CPU throttling did not hold in the page.
    pub redone: usize,
}

impl MobileRuns {
    /// Adds another round's runs to these.
    fn merge(&mut self, other: MobileRuns) {
        let MobileRuns {
            usable,
            marked,
            started,
            painted,
            wire,
            first_sign_in,
            first_preflights,
            again_sign_in,
            document,
            cpu_slowdown,
            redone,
        } = other;
        self.usable.extend(usable);
        self.marked.extend(marked);
        self.started.extend(started);
        self.painted.extend(painted);
        self.wire.extend(wire);
        self.first_sign_in.extend(first_sign_in);
        self.first_preflights.extend(first_preflights);
        self.again_sign_in.extend(again_sign_in);
        self.document.extend(document);
        self.cpu_slowdown.extend(cpu_slowdown);
        self.redone += redone;
    }
}

/// The `mobile` phase: the same runs in both layouts, from the same run of the bench.
#[derive(Default)]
pub struct MobileVisits {
    pub cross_origin: MobileRuns,
    pub same_origin: MobileRuns,
}

/// A layout's world: its backend (with the bench's user), nginx in front, its runs so far.
struct LayoutWorld {
    layout: Layout,
    app: App,
    _nginx: Nginx,
    runs: MobileRuns,
    attempts: usize,
}

impl LayoutWorld {
    async fn start(layout: Layout) -> LayoutWorld {
        let (app, nginx) = match layout {
            Layout::CrossOrigin => nginx_world().await,
            Layout::SameOrigin => same_origin_world().await,
        };
        app.backend.create_active_user(EMAIL, PASSWORD).await;
        LayoutWorld {
            layout,
            app,
            _nginx: nginx,
            runs: MobileRuns::default(),
            attempts: 0,
        }
    }

    /// One run in a new Chromium with a fresh profile, done again (in another new one) until the
    /// CPU throttling holds in the page: a first visit to `/login` under the mobile profile, a
    /// first sign-in (new connection; in the cross-origin layout, CORS preflights) and, after
    /// signing out, a second one, still under the profile.
    async fn run(&mut self, total: usize) {
        let (app, v, name) = (&mut self.app, &mut self.runs, self.layout.name());
        loop {
            progress(&format!(
                "mobile profile, {name}: first visit through nginx {}/{total}",
                v.usable.len() + 1
            ));
            browser_for_run(app, &format!("mobile-{name}"), self.attempts).await;
            self.attempts += 1;
            goto_start(app).await;
            emulate_mobile(app).await;
            let visit = visit_login(app).await;

            let document = document_fetch_ms(app).await;
            assert!(
                document >= MOBILE_LATENCY_MS,
                "the mobile profile's latency did not apply to the page: the document's request → response end took {document:.1} ms"
            );
            // The app is running (the marks): sign in, as the cold phase does, under the profile.
            app.fill("email", EMAIL).await;
            app.fill("password", PASSWORD).await;
            app.js("performance.clearResourceTimings();", vec![]).await;
            let preflights_before = preflights(app);
            let first_sign_in = app_sign_in(app).await.total;
            settle_me(app, 1).await;
            let first_preflights = preflights(app) - preflights_before;
            sign_out(app).await;
            app.fill("email", EMAIL).await;
            app.fill("password", PASSWORD).await;
            app.js("performance.clearResourceTimings();", vec![]).await;
            let again_sign_in = app_sign_in(app).await.total;
            settle_me(app, 1).await;

            // Still the document the visit opened, so the process it ran in: if the throttling
            // holds now, it held for the whole run.
            let cpu = Throttling::measure(app).await;
            // Nothing more of this page while the other layout's run goes on.
            app.goto_url("about:blank").await;
            if !cpu.held() {
                v.redone += 1;
                progress(&format!(
                    "the CPU throttling did not hold in the page (a fixed JS loop {:.2}× as long as with it off, {:.2}× with it set again): this run is done again",
                    cpu.slowdown(),
                    cpu.control()
                ));
                assert!(
                    v.redone <= total.div_ceil(4),
                    "the mobile profile's CPU throttling did not hold in {} of {} {name} runs",
                    v.redone,
                    self.attempts
                );
                continue;
            }
            if cpu.control() < MOBILE_CPU_RATE / 2.0 {
                progress(&format!(
                    "CPU throttling hard to see in this run (is the machine busy?): a fixed JS loop {:.2}× as long as with it off, {:.2}× with it set again",
                    cpu.slowdown(),
                    cpu.control()
                ));
            }
            v.usable.push(visit.usable);
            v.marked.push(visit.marked);
            v.started.push(visit.started);
            v.painted.push(visit.painted);
            v.wire.push(visit.transfer.wire);
            v.document.push(document);
            v.cpu_slowdown.push(cpu.slowdown());
            v.first_sign_in.push(first_sign_in);
            v.first_preflights.push(first_preflights as f64);
            v.again_sign_in.push(again_sign_in);
            return;
        }
    }
}

/// `runs` runs in each layout, each in a new Chromium with a fresh profile: run i of one layout
/// right after (or before: the order alternates) run i of the other, so both see the same machine.
pub async fn runs(runs: usize) -> MobileVisits {
    let mut cross = LayoutWorld::start(Layout::CrossOrigin).await;
    let mut same = LayoutWorld::start(Layout::SameOrigin).await;
    for run in 0..runs {
        let order = if run % 2 == 0 {
            [&mut cross, &mut same]
        } else {
            [&mut same, &mut cross]
        };
        for world in order {
            world.run(runs).await;
        }
    }
    MobileVisits {
        cross_origin: cross.runs,
        same_origin: same.runs,
    }
}

/// The first visits (the cross-origin layout's: deploy/nginx.conf, as the `nginx` rows). The
/// reference column: the Next.js anchor on the same profile, this run's `next` phase.
const VISIT_ROWS: &[RowSpec<MobileRuns>] = &[
    stat(
        "first visit to /login through nginx **under the mobile profile** (see the notes), fresh profile: transferred (Resource Timing transferSize)",
        |v| &v.wire,
        kb,
        Some(|n| &n.mobile_wire),
    ),
    stat(
        "… navigation start → first contentful paint",
        |v| &v.painted,
        ms,
        Some(|n| &n.mobile_painted),
    ),
    stat(
        "… navigation start → **login form usable** (the submit button enabled in the DOM, as the reference's)",
        |v| &v.usable,
        ms,
        Some(|n| &n.mobile_usable),
    ),
    stat(
        "… the app's own `login-form-usable` mark (its login page's effect, a task later)",
        |v| &v.marked,
        ms,
        None,
    ),
    stat(
        "… of which: the app starts (`app-start` mark)",
        |v| &v.started,
        ms,
        None,
    ),
    stat(
        "… the profile in effect: the document's request → response end (Chromium holds the body back by the 150 ms latency)",
        |v| &v.document,
        ms,
        Some(|n| &n.mobile_document),
    ),
    stat(
        "… the profile in effect: a fixed JS loop on the page at the end of the run, against the same loop with the throttling then turned off (CPU 4×)",
        |v| &v.cpu_slowdown,
        times,
        Some(|n| &n.mobile_cpu),
    ),
];

const CROSS_ORIGIN_SIGN_IN_ROWS: &[RowSpec<MobileRuns>] = &[
    stat(
        "first sign-in under the mobile profile, **cross-origin** (the API on its own origin: new connection + CORS preflights; Next: its server makes the calls): click → dashboard shows the email",
        |v| &v.first_sign_in,
        ms,
        Some(|n| &n.mobile_sign_in),
    ),
    stat(
        "… CORS preflights it made (OPTIONS requests in the backend's log, click → the dashboard's users/me/ answered)",
        |v| &v.first_preflights,
        count,
        None,
    ),
];

const SAME_ORIGIN_SIGN_IN_ROWS: &[RowSpec<MobileRuns>] = &[
    stat(
        "… the same first sign-in, **same origin** (deploy/nginx-proxy.conf: the app and the API behind one nginx, the build `--api same-origin`; run i right after or before the cross-origin run i, each in a fresh Chromium): click → dashboard shows the email",
        |v| &v.first_sign_in,
        ms,
        None,
    ),
    stat(
        "… CORS preflights it made (counted the same way)",
        |v| &v.first_preflights,
        count,
        None,
    ),
];

impl MobileVisits {
    /// Adds another round's runs to these (each round has as many runs in both layouts, so run i
    /// of one still pairs with run i of the other).
    pub fn merge(&mut self, other: MobileVisits) {
        self.cross_origin.merge(other.cross_origin);
        self.same_origin.merge(other.same_origin);
    }

    /// The phase's rows: the first visits, then the first sign-in in both layouts side by side,
    /// then the second sign-in in both.
    pub fn rows(&self, t: &mut Table) {
        let (cross, same) = (&self.cross_origin, &self.same_origin);
        t.rows(cross, VISIT_ROWS);
        t.rows(cross, CROSS_ORIGIN_SIGN_IN_ROWS);
        t.rows(same, SAME_ORIGIN_SIGN_IN_ROWS);
        t.ratio(
            "… **ratio** same origin / cross-origin, first sign-in (per run)",
            &same.first_sign_in,
            &cross.first_sign_in,
            "",
        );
        t.stat(
            "sign-in again under the profile, cross-origin (connection open, preflights cached)",
            &cross.again_sign_in,
            ms,
            "",
        );
        t.stat("… same origin", &same.again_sign_in, ms, "");
    }

    /// The profile, for the notes above the table (when the phase ran).
    pub fn header_note(&self) -> Option<String> {
        if self.cross_origin.wire.is_empty() {
            return None;
        }
        let redone = |name: &str, runs: &MobileRuns| match runs.redone {
            0 => None,
            n => Some(format!(
                "{n} {name} run{} done again",
                if n == 1 { "" } else { "s" }
            )),
        };
        let redone: Vec<String> = [
            redone("cross-origin", &self.cross_origin),
            redone("same-origin", &self.same_origin),
        ]
        .into_iter()
        .flatten()
        .collect();
        let redone = if redone.is_empty() {
            String::new()
        } else {
            format!(
                "; {}: the CPU throttling did not hold in the page (a change of renderer process)",
                redone.join(", ")
            )
        };
        Some(format!(
            "- mobile rows: the standard mobile profile (Lighthouse's mobile preset as DevTools emulation), set through CDP on each fresh tab at the start page (see the notes) before it navigates to /login: `Network.emulateNetworkConditions` with {MOBILE_LATENCY_MS:.0} ms latency per request, {:.0} kB/s down (1.6 Mbit/s × 0.9), {:.1} kB/s up (750 kbit/s × 0.9), and `Emulation.setCPUThrottlingRate` {MOBILE_CPU_RATE:.0}×; served by nginx as the nginx rows (cross-origin: the API on the backend's own port), and each run done again, by the same code, with the app and the API behind one nginx (deploy/nginx-proxy.conf, same origin), the two layouts' runs alternating{redone}",
            MOBILE_DOWNLOAD_BYTES_PER_S / 1000.0,
            MOBILE_UPLOAD_BYTES_PER_S / 1000.0
        ))
    }

    /// What the emulation leaves out, for the notes under the table (when the phase ran).
    pub fn footnote(&self) -> Option<String> {
        (!self.cross_origin.wire.is_empty()).then(|| {
            "Mobile profile: Chromium's network emulation holds each response's body back by the latency (the headers come at once: Resource Timing's responseStart is not delayed, responseEnd is), \
             so the CORS preflights of a cross-origin first sign-in (answers whose bodies the browser never reads) pass without it: on a real 150 ms link each of them (the preflights row counts them) is one more round trip, \
             which the same-origin layout doesn't make, so the measured gap between the two layouts understates it."
                .to_string()
        })
    }
}
