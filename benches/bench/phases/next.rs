//! `next`: the reference column. The Next.js 15 + NextAuth v5 anchor (`NEXT_ANCHOR`, outside the
//! repo; scripts/bench-next.sh builds a copy and passes its path as `NEXT_ANCHOR_BUILD`), served by
//! its own `next start` against a reference backend of its own and measured by the same code as
//! the app: first visits to /login in a fresh Chromium each (beside the `nginx` rows), then as
//! many under the mobile profile, each with a first sign-in (beside the `mobile` rows), in each
//! `BENCH_ROUNDS` round its share of `BENCH_RUNS` (see main.rs). Without the anchor there are no
//! reference figures, and the notes say why.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::page::{browser_for_run, mark, sign_in_with, transfer, wait_js, world, CHROMIUM_ARGS};
use crate::page::{entry, goto_start, EMAIL, PASSWORD, USABLE_MARK};
use crate::phases::mobile::{document_fetch_ms, emulate_mobile, Throttling, MOBILE_CPU_RATE};
use crate::progress;
use crate::support::{App, BackendOptions};

const BUTTON: &str = "form button[type=submit]";

#[derive(Default)]
pub struct Next {
    /// Why this run has no reference figures (no anchor, or the phase left out).
    pub absent: Option<String>,
    /// The anchor's folder as `NEXT_ANCHOR` named it.
    pub anchor: String,
    pub usable: Vec<f64>,
    pub painted: Vec<f64>,
    pub wire: Vec<f64>,
    pub mobile_usable: Vec<f64>,
    pub mobile_painted: Vec<f64>,
    pub mobile_wire: Vec<f64>,
    pub mobile_document: Vec<f64>,
    pub mobile_cpu: Vec<f64>,
    pub mobile_sign_in: Vec<f64>,
    /// Mobile runs done again because the CPU throttling did not hold in the page.
    pub redone: usize,
}

impl Next {
    pub fn skipped(reason: &str) -> Next {
        Next {
            absent: Some(reason.into()),
            ..Default::default()
        }
    }

    /// Adds another round's runs to these; a round without figures leaves the whole phase
    /// without them (its reason kept).
    pub fn merge(&mut self, other: Next) {
        let Next {
            absent,
            anchor,
            usable,
            painted,
            wire,
            mobile_usable,
            mobile_painted,
            mobile_wire,
            mobile_document,
            mobile_cpu,
            mobile_sign_in,
            redone,
        } = other;
        self.absent = self.absent.take().or(absent);
        self.anchor = anchor;
        self.usable.extend(usable);
        self.painted.extend(painted);
        self.wire.extend(wire);
        self.mobile_usable.extend(mobile_usable);
        self.mobile_painted.extend(mobile_painted);
        self.mobile_wire.extend(mobile_wire);
        self.mobile_document.extend(mobile_document);
        self.mobile_cpu.extend(mobile_cpu);
        self.mobile_sign_in.extend(mobile_sign_in);
        self.redone += redone;
    }
}

/// `next start` (the anchor's scripts/start-next.sh), stopped when dropped.
struct Server {
    pid: String,
    origin: String,
}

impl Server {
    fn start(build: &Path, backend: &str, log: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let out = Command::new(build.join("scripts/start-next.sh"))
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("BACKEND_URL", backend)
            .env("LOG", log)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
            .expect("run the anchor's scripts/start-next.sh");
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            out.status.success() && pid.parse::<u32>().is_ok(),
            "the Next.js anchor in {} did not start (log: {})",
            build.display(),
            log.display()
        );
        Server {
            pid,
            origin: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(&self.pid).status();
    }
}

/// Opens the anchor's /login from wherever the tab is (the start page) and times it by the
/// page's own entries, as [`crate::page::visit_login`] does for the app ("usable": the same
/// [`USABLE_MARK`]).
async fn visit(app: &App, origin: &str) -> (f64, f64, f64) {
    app.goto_url_as_is(&format!("{origin}/login")).await;
    let usable = mark(app, USABLE_MARK).await;
    let painted = entry(app, "paint", "first-contentful-paint").await;
    let wire = transfer(app).await.wire;
    (usable, painted, wire)
}

pub async fn runs(runs: usize) -> Next {
    let anchor = std::env::var("NEXT_ANCHOR").unwrap_or_default();
    let build = std::env::var("NEXT_ANCHOR_BUILD").unwrap_or_default();
    if build.trim().is_empty() {
        let reason = format!(
            "no Next.js anchor was built (NEXT_ANCHOR={anchor:?}; `make bench` builds it with scripts/bench-next.sh)"
        );
        eprintln!("\n!!! [bench] {reason}: NO reference figures in this run\n");
        return Next::skipped(&reason);
    }
    let build = PathBuf::from(build.trim());
    let mut app = world(BackendOptions::default(), "next-world", CHROMIUM_ARGS).await;
    let server = Server::start(&build, &app.api_base(), &app.dir.join("next.log"));
    let mut n = Next {
        anchor,
        ..Default::default()
    };

    for run in 0..runs {
        progress(&format!("Next.js anchor: first visit {}/{runs}", run + 1));
        browser_for_run(&mut app, "next", run).await;
        goto_start(&app).await;
        let (usable, painted, wire) = visit(&app, &server.origin).await;
        n.usable.push(usable);
        n.painted.push(painted);
        n.wire.push(wire);
    }

    let mut attempt = 0;
    while n.mobile_usable.len() < runs {
        progress(&format!(
            "Next.js anchor, mobile profile: first visit {}/{runs}",
            n.mobile_usable.len() + 1
        ));
        browser_for_run(&mut app, "next-mobile", attempt).await;
        attempt += 1;
        goto_start(&app).await;
        emulate_mobile(&app).await;
        let (usable, painted, wire) = visit(&app, &server.origin).await;
        let document = document_fetch_ms(&app).await;
        app.fill("email", EMAIL).await;
        app.fill("password", PASSWORD).await;
        let sign_in = sign_in_with(&app, BUTTON).await.total;
        // The dashboard came by a client-side navigation: the same document, the same process.
        wait_js(
            &app,
            "the anchor's dashboard",
            "return location.pathname === '/dashboard' ? true : null;",
            vec![],
            std::time::Duration::from_secs(15),
        )
        .await;
        let cpu = Throttling::measure(&app).await;
        if !cpu.held() {
            n.redone += 1;
            progress(&format!(
                "the CPU throttling did not hold in the anchor's page ({:.2}× against {:.2}× set again): this run is done again",
                cpu.slowdown(),
                cpu.control()
            ));
            assert!(
                n.redone <= runs.div_ceil(4),
                "the mobile profile's CPU throttling did not hold in {} of {attempt} runs of the anchor",
                n.redone
            );
            continue;
        }
        if cpu.control() < MOBILE_CPU_RATE / 2.0 {
            progress("CPU throttling hard to see in this run of the anchor (is the machine busy?)");
        }
        n.mobile_usable.push(usable);
        n.mobile_painted.push(painted);
        n.mobile_wire.push(wire);
        n.mobile_document.push(document);
        n.mobile_cpu.push(cpu.slowdown());
        n.mobile_sign_in.push(sign_in);
    }
    drop(server);
    n
}
