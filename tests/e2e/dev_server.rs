//! `make dev` end to end (issue #14): scripts/dev.sh itself — the reference backend and
//! `trunk serve` — on free ports, driven by headless Chromium. The backend's writes (its SQLite
//! database, emails into the outbox) must not make trunk rebuild and reload the open page.
//!
//! Needs `backend/.venv`, trunk (scripts/setup.sh build backend browser), Chromium and
//! chromedriver; it fails, never skips, when one is missing. It doesn't use the release `dist/`:
//! trunk serve builds into the test's folder (`DEV_DIST_DIR`).
//!
//! dev_sh.rs: scripts/dev.sh as a process (ports, output, its session of processes); page.rs: the
//! few page helpers this test needs.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::support::http::request;
use crate::support::outbox::read_outbox;
use crate::support::{find, wait, Api, Browser, TestDir, PASSWORD};

mod dev_sh;
mod page;

use dev_sh::{session_members, DevServer};
use page::Page;

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

#[tokio::test(flavor = "multi_thread")]
async fn dev_server_keeps_the_page_when_the_backend_writes() {
    skip_unless_e2e!();
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
    page.wait_for(find::REGISTER_FORM).await;
    page.set_marker().await;
    page.fill("email", email).await;
    page.fill("name", "Dev User").await;
    page.fill("password", PASSWORD).await;
    page.fill("re_password", PASSWORD).await;
    page.submit().await;
    let notice = &find::notice("check-email");
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
    page.wait_for(find::LOGIN_FORM).await;
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
    // A development build logs each change of the session's phase (issue #11).
    let console = page.browser.console_messages().await;
    assert!(
        console
            .iter()
            .any(|line| line
                .contains("session: signed out (never signed in) -> signed in (signed in)")),
        "no session transition in the console of the development build: {console:#?}"
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
    let gone = wait::poll(
        Duration::from_secs(5),
        Duration::from_millis(100),
        || async { session_members(dev.pid).is_empty().then_some(()) },
    )
    .await;
    assert!(
        gone.is_some(),
        "still running after scripts/dev.sh exited ({status}): {:?}",
        session_members(dev.pid)
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
