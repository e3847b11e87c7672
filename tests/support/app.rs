//! One test's world: a static server for the release build, a Django backend and a headless
//! Chromium, wired together, and where each is. What a test does with it: page.rs (the page) and
//! flows.rs (sign-in and checks many tests share).

use std::path::PathBuf;
use std::time::Duration;

use super::static_server::dist_dir;
use super::{Api, Backend, BackendOptions, Browser, StaticConfig, StaticServer, TestDir};

#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    pub backend: BackendOptions,
    /// Extra headers the static server sends with every response (e.g. a CSP).
    pub static_headers: Vec<(String, String)>,
    /// The static server holds back the `.wasm` this long (the prerendered page shows meanwhile).
    pub wasm_delay: Option<Duration>,
    /// The static server holds back every file but the pages this long.
    pub assets_delay: Option<Duration>,
    /// The static server sends a page's HTML in two parts this long apart.
    pub page_pause: Option<Duration>,
    /// The build folder to serve instead of `DIST_DIR`: the example build
    /// (`support::example_dist_dir()`), or a copy configured by `scripts/configure-dist.py` (`dist.rs`).
    pub dist: Option<PathBuf>,
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
                dist: opts.dist.unwrap_or_else(dist_dir),
                api_base: backend.base_url(),
                extra_headers: opts.static_headers,
                wasm_delay: opts.wasm_delay,
                assets_delay: opts.assets_delay,
                page_pause: opts.page_pause,
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

    /// A world whose SPA someone else serves at `spa_origin` (e.g. nginx in the nginx tests): the
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
