//! `make dev` end to end (issue #14): scripts/dev.sh itself — the reference backend and
//! `trunk serve` — on free ports, driven by headless Chromium. The backend's writes (its SQLite
//! database, emails into the outbox) must not make trunk rebuild and reload the open page.
//!
//! Needs `backend/.venv`, trunk (scripts/setup.sh build backend browser), Chromium and
//! chromedriver; it fails, never skips, when one is missing. It doesn't use the release `dist/`:
//! trunk serve builds into the test's folder (`DEV_DIST_DIR`).
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::Value;
use support::backend::free_port;
use support::http::request;
use support::outbox::read_outbox;
use support::tmp::tail;
use support::{Api, Browser, TestDir, WAIT};

const PASSWORD: &str = "Correct-horse-42";
/// trunk's first (dev) build of the wasm: about a minute cold on a 2-core machine.
const FIRST_BUILD: Duration = Duration::from_secs(240);
/// How long the page must stay as it is after the backend wrote something: trunk notices a change
/// within its 25 ms debounce, and a rebuild plus reload takes a few seconds.
const QUIET: Duration = Duration::from_secs(6);

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `trunk` where scripts/dev.sh looks for it (.tools, ~/.cargo/bin, then PATH).
fn find_trunk() -> Option<PathBuf> {
    let mut dirs = vec![repo_root().join(".tools/node_modules/.bin")];
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    dirs.into_iter()
        .map(|d| d.join("trunk"))
        .find(|p| p.is_file())
}

/// The backend's data for this test in a fresh folder under the project's `.dev/`, where `make
/// dev` keeps it (so trunk sees exactly what it sees during `make dev`). Removed when the test
/// passes, kept when it fails.
struct DataDir(PathBuf);

impl DataDir {
    fn new() -> DataDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = repo_root()
            .join(".dev")
            .join(format!("e2e-dev-server-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        DataDir(path)
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "[e2e] dev server data (database, outbox) kept in {}",
                self.0.display()
            );
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// scripts/dev.sh, started in a session of its own so that everything it starts (trunk, cargo,
/// Django), in whatever process group, can be found again: the test checks that SIGTERM to the
/// script leaves nothing running, and kills whatever is left when it fails.
struct DevServer {
    child: Option<Child>,
    pid: u32,
    stdout: PathBuf,
    stderr: PathBuf,
    app_origin: String,
    api_base: String,
}

impl DevServer {
    /// Starts it on two free ports (start the browser first: chromedriver takes a free port too).
    fn start(dir: &TestDir, data: &Path) -> DevServer {
        let app_port = free_port();
        let api_port = std::iter::repeat_with(free_port)
            .find(|&p| p != app_port)
            .expect("a second free port");
        let stdout = dir.join("dev.stdout.log");
        let stderr = dir.join("dev.stderr.log");
        let log = |p: &Path| File::create(p).expect("dev.sh log file");
        // setsid: dev.sh's PID becomes the session's id (it is no group leader, so setsid execs
        // without forking).
        let child = Command::new("setsid")
            .arg(repo_root().join("scripts/dev.sh"))
            .env("DEV_APP_PORT", app_port.to_string())
            .env("DEV_API_PORT", api_port.to_string())
            .env("DEV_DATA_DIR", data)
            .env("DEV_DIST_DIR", dir.join("trunk-dist"))
            // Plain log lines. (trunk 0.21 refuses NO_COLOR=1: it takes only true/false.)
            .env_remove("NO_COLOR")
            .env("TRUNK_COLOR", "never")
            .stdin(Stdio::null())
            .stdout(log(&stdout))
            .stderr(log(&stderr))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start setsid scripts/dev.sh: {e}"));
        let pid = child.id();
        let server = DevServer {
            child: Some(child),
            pid,
            stdout,
            stderr,
            app_origin: format!("http://127.0.0.1:{app_port}"),
            api_base: format!("http://127.0.0.1:{api_port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        while session_of(pid) != Some(pid) {
            assert!(
                Instant::now() < deadline,
                "scripts/dev.sh (pid {pid}) did not get a session of its own"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// What dev.sh, trunk and Django printed last (shown when the test fails).
    fn log_tail(&self) -> String {
        format!(
            "  dev.sh stdout ({}):\n{}\n  dev.sh stderr ({}):\n{}",
            self.stdout.display(),
            tail(&self.stdout, 40),
            self.stderr.display(),
            tail(&self.stderr, 25)
        )
    }

    /// The builds trunk started so far ("starting build" lines, whatever their outcome).
    fn builds(&self) -> Vec<String> {
        [&self.stdout, &self.stderr]
            .iter()
            .flat_map(|p| {
                std::fs::read_to_string(p)
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| l.contains("starting build"))
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }

    /// Waits until trunk has served its first build and the backend answers.
    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + FIRST_BUILD;
        let mut built = false;
        loop {
            if let Some(status) = self.exited() {
                panic!("scripts/dev.sh exited early ({status}); its output is below");
            }
            let out = self.output();
            if out.lines().any(|l| l.contains("ERROR")) {
                panic!("trunk's first build failed; its output is below");
            }
            built = built || out.lines().any(|l| l.contains("success"));
            if built {
                let page = request("GET", &format!("{}/login", self.app_origin), &[], None).await;
                let health = request("GET", &format!("{}/health/", self.api_base), &[], None).await;
                if let (Ok(page), Ok(health)) = (page, health) {
                    if page.status == 200
                        && page.text().contains("djoser-api-base")
                        && health.status == 200
                    {
                        return;
                    }
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "within {FIRST_BUILD:?}, {}; dev.sh's output is below",
                    if built {
                        "trunk built the app, but it or the backend doesn't answer"
                    } else {
                        "trunk did not finish its first build"
                    }
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The link the backend printed for an email to `to` (AUTH_PRINT_LINKS: "[email to …] URL").
    async fn printed_link(&self, to: &str, path_prefix: &str) -> String {
        let head = format!("[email to {to}] ");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let found = self.output().lines().find_map(|l| {
                let url = l.trim().strip_prefix(&head)?.trim();
                support::url_path(url)
                    .starts_with(path_prefix)
                    .then(|| url.to_string())
            });
            if let Some(url) = found {
                return url;
            }
            assert!(
                Instant::now() < deadline,
                "dev.sh printed no {path_prefix}… link for {to} within 15 s; its output is below"
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// SIGTERM to dev.sh alone, as `kill` or a supervisor sends it; it must stop trunk and
    /// Django itself.
    fn terminate(&mut self) -> std::process::ExitStatus {
        signal("TERM", self.pid);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.exited() {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "scripts/dev.sh did not exit within 20 s of SIGTERM; its output is below"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal("TERM", self.pid);
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && !matches!(child.try_wait(), Ok(Some(_))) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        for (pid, _) in session_members(self.pid) {
            signal("KILL", pid);
        }
        if std::thread::panicking() {
            eprintln!("[e2e] scripts/dev.sh:\n{}", self.log_tail());
        }
    }
}

fn signal(signal: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// (command name, state, session id) of a process, from /proc/<pid>/stat.
fn proc_stat(pid: u32) -> Option<(String, String, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (head, rest) = stat.rsplit_once(')')?;
    let comm = head.split_once('(')?.1.to_string();
    // After the name: state, ppid, pgrp, session, …
    let fields: Vec<&str> = rest.split_whitespace().take(4).collect();
    Some((
        comm,
        fields.first()?.to_string(),
        fields.get(3)?.parse().ok()?,
    ))
}

fn session_of(pid: u32) -> Option<u32> {
    proc_stat(pid).map(|(_, _, session)| session)
}

/// Every live process of session `sid`: (pid, command name). Zombies count as gone.
fn session_members(sid: u32) -> Vec<(u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid: u32 = e.file_name().to_str()?.parse().ok()?;
            let (comm, state, session) = proc_stat(pid)?;
            (session == sid && state != "Z").then_some((pid, comm))
        })
        .collect()
}

/// The browser on the dev server's app, with the few page helpers this test needs.
struct Page<'a> {
    browser: &'a Browser,
    dev: &'a DevServer,
}

impl Page<'_> {
    async fn goto_url(&self, url: &str) {
        self.browser
            .client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    async fn goto(&self, path: &str) {
        self.goto_url(&format!("{}{path}", self.dev.app_origin))
            .await
    }

    async fn find(&self, css: &str) -> Option<Element> {
        self.browser.client.find(Locator::Css(css)).await.ok()
    }

    async fn js(&self, script: &str) -> Value {
        self.browser
            .client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Marks the loaded document; a reload drops the mark.
    async fn set_marker(&self) {
        self.js("window.__noReload = 1; return true;").await;
    }

    async fn has_marker(&self) -> bool {
        self.js("return window.__noReload === 1;").await == Value::Bool(true)
    }

    async fn text_of(&self, css: &str) -> Option<String> {
        self.find(css).await?.text().await.ok()
    }

    /// Calls `check` every 100 ms until it gives `Some`, for at most `within`.
    async fn poll<T, F, Fut>(&self, what: &str, within: Duration, mut check: F) -> T
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

    async fn wait_for(&self, css: &str) -> Element {
        self.poll(&format!("an element matching {css:?}"), WAIT, || {
            self.find(css)
        })
        .await
    }

    async fn wait_for_text(&self, css: &str, text: &str) {
        let what = format!("{css:?} to contain {text:?}");
        self.poll(&what, WAIT, || async {
            self.text_of(css)
                .await
                .filter(|t| t.contains(text))
                .map(|_| ())
        })
        .await
    }

    async fn fill(&self, name: &str, value: &str) {
        let input = self.wait_for(&format!("[name=\"{name}\"]")).await;
        input.clear().await.expect("clear an input");
        input
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("cannot type into [name={name:?}]: {e}"));
    }

    async fn submit(&self) {
        self.wait_for("form button[type=submit]")
            .await
            .click()
            .await
            .expect("click the submit button");
    }

    /// For `QUIET`, `check` must hold all along (the page neither reloads nor changes) and trunk
    /// must start no build beyond its first.
    async fn stays<F, Fut>(&self, what: &str, check: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = bool>,
    {
        let until = Instant::now() + QUIET;
        while Instant::now() < until {
            let builds = self.dev.builds();
            if !check().await || builds.len() != 1 {
                panic!(
                    "{what} did not stay: the page reloaded or changed (marker window.__noReload: {}), trunk's builds so far: {builds:#?}\n{}",
                    self.has_marker().await,
                    self.describe().await
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn describe(&self) -> String {
        let url = self
            .browser
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("<{e}>"));
        let html = self
            .js("const m = document.querySelector('main') || document.body; return m ? m.outerHTML : '';")
            .await;
        let html: String = html.as_str().unwrap_or("").chars().take(2000).collect();
        format!(
            "  current URL: {url}\n  page (main): {html}\n  console: {:#?}\n  (scripts/dev.sh's output is below)",
            self.browser.console_messages().await
        )
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_server_keeps_the_page_when_the_backend_writes() {
    let started = Instant::now();
    // Prerequisites: fail with what to install, never skip.
    let venv = repo_root().join("backend/.venv/bin/python");
    assert!(
        venv.exists(),
        "{} not found: scripts/dev.sh runs the backend with it; create it with scripts/setup.sh backend",
        venv.display()
    );
    assert!(
        find_trunk().is_some(),
        "trunk not found (in .tools/node_modules/.bin, ~/.cargo/bin or PATH): install it with scripts/setup.sh build"
    );
    let dir = TestDir::new();
    let data = DataDir::new();
    let browser = Browser::start(dir.path()).await;
    let mut dev = DevServer::start(&dir, &data.0);
    dev.wait_ready().await;
    eprintln!(
        "[e2e] dev server ready after {:.0?}: app {} api {}",
        started.elapsed(),
        dev.app_origin,
        dev.api_base
    );
    let page = Page {
        browser: &browser,
        dev: &dev,
    };
    let email = "dev-user@example.com";

    // Register: the "check your email" notice stays on screen.
    page.goto("/register").await;
    page.wait_for("form#register-form").await;
    page.set_marker().await;
    page.fill("email", email).await;
    page.fill("name", "Dev User").await;
    page.fill("password", PASSWORD).await;
    page.fill("re_password", PASSWORD).await;
    page.submit().await;
    let notice = ".notice[data-notice=\"check-email\"]";
    page.wait_for_text(notice, email).await;
    page.stays("the check-your-email notice", || async {
        page.has_marker().await
            && page
                .text_of(notice)
                .await
                .is_some_and(|t| t.contains(email))
    })
    .await;

    // The activation link the terminal shows is the emailed one; the first click activates.
    let link = dev.printed_link(email, "/user-activation/").await;
    assert!(
        link.starts_with(&format!("{}/", dev.app_origin)),
        "the printed link should open the app at {}: {link}",
        dev.app_origin
    );
    let emailed: Vec<String> = read_outbox(&data.0.join("outbox"))
        .into_iter()
        .filter(|e| e.is_to(email))
        .map(|e| e.link("/user-activation/"))
        .collect();
    assert_eq!(
        emailed,
        vec![link.clone()],
        "the outbox in DEV_DATA_DIR should hold one activation email with the printed link"
    );
    page.goto_url(&link).await;
    let result = page.wait_for("[data-result]").await;
    page.set_marker().await;
    assert_eq!(
        result.attr("data-result").await.ok().flatten().as_deref(),
        Some("activated"),
        "the first click on the activation link should activate the account\n{}",
        page.describe().await
    );
    page.stays("the activated page", || async {
        let now = match page.find("[data-result]").await {
            Some(el) => el.attr("data-result").await.ok().flatten(),
            None => None,
        };
        page.has_marker().await && now.as_deref() == Some("activated")
    })
    .await;

    // Sign in (a single-page navigation from /login to the dashboard: the marker survives it).
    page.goto("/login").await;
    page.wait_for("form#login-form").await;
    page.set_marker().await;
    page.fill("email", email).await;
    page.fill("password", PASSWORD).await;
    page.submit().await;
    page.wait_for_text("#user-email", email).await;
    assert!(
        page.has_marker().await,
        "signing in reloaded the page\n{}",
        page.describe().await
    );

    // The backend writes behind the page's back: another registration (database + outbox).
    let other = "someone-else@example.com";
    let api = Api {
        base: dev.api_base.clone(),
    };
    let r = api.register(other, "Someone Else", PASSWORD).await;
    assert_eq!(r.status, 201, "registration through the API: {}", r.text());
    dev.printed_link(other, "/user-activation/").await;
    page.stays("the dashboard", || async {
        page.has_marker().await
            && page
                .text_of("#user-email")
                .await
                .is_some_and(|t| t.contains(email))
    })
    .await;
    let builds = dev.builds();
    assert_eq!(
        builds.len(),
        1,
        "trunk should have built once, not after the backend's writes: {builds:#?}"
    );

    // SIGTERM to dev.sh stops trunk and Django: nothing of its session is left, both ports close.
    drop(browser);
    let status = dev.terminate();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut left = session_members(dev.pid);
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = session_members(dev.pid);
    }
    assert!(
        left.is_empty(),
        "still running after scripts/dev.sh exited ({status}): {left:?}"
    );
    for origin in [&dev.app_origin, &dev.api_base] {
        assert!(
            request("GET", &format!("{origin}/"), &[], None)
                .await
                .is_err(),
            "{origin} still answers after scripts/dev.sh exited"
        );
    }
    eprintln!("[e2e] dev_server passed in {:.0?}", started.elapsed());
}
