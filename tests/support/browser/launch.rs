//! How each engine's browser is started: the binaries, their WebDriver servers and the
//! session's capabilities.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use std::os::unix::process::CommandExt;

use fantoccini::ClientBuilder;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use super::super::backend::{free_port, terminate_group};
use super::super::http::request;
use super::super::tmp::tail;
use super::super::wait;
use super::{Browser, Engine};

fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_string())
}

fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".to_string())
}

fn firefox() -> String {
    std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".to_string())
}

/// `GECKODRIVER`, else `geckodriver` in `~/.cargo/bin` (where `cargo install` puts it), else on PATH.
fn geckodriver() -> String {
    if let Ok(path) = std::env::var("GECKODRIVER") {
        return path;
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cargo = Path::new(&home).join(".cargo/bin/geckodriver");
    if cargo.is_file() {
        return cargo.display().to_string();
    }
    "geckodriver".to_string()
}

fn webkit_driver() -> String {
    std::env::var("WEBKIT_DRIVER").unwrap_or_else(|_| "/usr/bin/WebKitWebDriver".to_string())
}

/// `MINIBROWSER`, else Debian's WebKitGTK MiniBrowser for this machine's architecture.
fn minibrowser() -> String {
    if let Ok(path) = std::env::var("MINIBROWSER") {
        return path;
    }
    for lib in [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib",
    ] {
        for api in ["webkit2gtk-4.1", "webkitgtk-6.0", "webkit2gtk-4.0"] {
            let candidate = Path::new(lib).join(api).join("MiniBrowser");
            if candidate.is_file() {
                return candidate.display().to_string();
            }
        }
    }
    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser".to_string()
}

impl Browser {
    /// chromedriver and a Chromium session with `extra_args` added to our switches and
    /// `exclude_switches` taken out of chromedriver's own (goog:chromeOptions `excludeSwitches`).
    pub(super) async fn launch(
        dir: &Path,
        extra_args: &[&str],
        exclude_switches: &[&str],
        page_load_strategy: Option<&str>,
    ) -> Browser {
        let port = free_port();
        let mut command = Command::new(chromedriver());
        command.arg(format!("--port={port}"));
        let (driver, driver_url, driver_log) =
            start_driver(dir, "chromedriver", command, port).await;

        let profile = dir.join("chromium-profile");
        std::fs::create_dir_all(&profile).expect("profile dir");
        let mut options = json!({
            "binary": chromium(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        if let Some(args) = options["args"].as_array_mut() {
            args.extend(extra_args.iter().map(|a| json!(a)));
        }
        if !exclude_switches.is_empty() {
            options["excludeSwitches"] = json!(exclude_switches);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".to_string(), options);
        caps.insert("goog:loggingPrefs".to_string(), json!({ "browser": "ALL" }));
        if let Some(strategy) = page_load_strategy {
            caps.insert("pageLoadStrategy".to_string(), json!(strategy));
        }
        Browser::connect(Engine::Chromium, caps, driver, driver_url, driver_log).await
    }

    /// geckodriver and a headless Firefox session on a fresh profile in `dir/firefox-profile`,
    /// with the background services that would call out to the (closed) network turned off.
    pub(super) async fn launch_firefox(dir: &Path) -> Browser {
        let port = free_port();
        let mut command = Command::new(geckodriver());
        // Marionette on a port of its own (0: Firefox picks one), so that parallel tests' Firefoxes
        // don't meet; no WebDriver BiDi (its port would be shared by default).
        command.args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--marionette-port",
            "0",
            "--websocket-port",
            &free_port().to_string(),
        ]);
        let (driver, driver_url, driver_log) =
            start_driver(dir, "geckodriver", command, port).await;

        let profile = dir.join("firefox-profile");
        std::fs::create_dir_all(&profile).expect("profile dir");
        let prefs = json!({
            "app.update.auto": false,
            "app.update.enabled": false,
            "browser.shell.checkDefaultBrowser": false,
            "browser.safebrowsing.malware.enabled": false,
            "browser.safebrowsing.phishing.enabled": false,
            "browser.safebrowsing.downloads.enabled": false,
            "browser.safebrowsing.blockedURIs.enabled": false,
            "browser.search.update": false,
            "browser.topsites.contile.enabled": false,
            "browser.newtabpage.activity-stream.feeds.topsites": false,
            "browser.region.update.enabled": false,
            "captivedetect.canonicalURL": "",
            "network.captive-portal-service.enabled": false,
            "network.connectivity-service.enabled": false,
            "network.dns.disablePrefetch": true,
            "network.prefetch-next": false,
            "datareporting.policy.dataSubmissionEnabled": false,
            "datareporting.healthreport.uploadEnabled": false,
            "toolkit.telemetry.enabled": false,
            "extensions.update.enabled": false,
            "extensions.getAddons.cache.enabled": false,
            "services.settings.server": "",
        });
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".to_string(), json!("firefox"));
        caps.insert(
            "moz:firefoxOptions".to_string(),
            json!({
                "binary": firefox(),
                "args": ["-headless", "-profile", profile.display().to_string()],
                "prefs": prefs,
            }),
        );
        Browser::connect(Engine::Firefox, caps, driver, driver_url, driver_log).await
    }

    /// WebKitWebDriver (which starts MiniBrowser with `--automation`) on a virtual display of
    /// its own (`xvfb-run -a`), with HOME and the XDG folders in `dir/webkit-profile`, so that
    /// every test's MiniBrowser starts with no site data.
    pub(super) async fn launch_webkit(dir: &Path) -> Browser {
        let port = free_port();
        let profile = dir.join("webkit-profile");
        for sub in ["data", "cache", "config", "runtime"] {
            std::fs::create_dir_all(profile.join(sub)).expect("profile dir");
        }
        let mut command = Command::new("xvfb-run");
        // -a takes the first free display from -n on: start each test at its own number (from
        // its port) so that two tests starting together don't race for the same one.
        command
            .args([
                "-a",
                "-n",
                &(100 + u32::from(port) % 5000).to_string(),
                "-s",
                "-screen 0 1280x900x24 -nolisten tcp",
            ])
            .arg(webkit_driver())
            .arg(format!("--port={port}"))
            .env("HOME", &profile)
            .env("XDG_DATA_HOME", profile.join("data"))
            .env("XDG_CACHE_HOME", profile.join("cache"))
            .env("XDG_CONFIG_HOME", profile.join("config"))
            .env("XDG_RUNTIME_DIR", profile.join("runtime"))
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
        let (driver, driver_url, driver_log) =
            start_driver(dir, "WebKitWebDriver", command, port).await;

        let mut caps = serde_json::Map::new();
        caps.insert(
            "webkitgtk:browserOptions".to_string(),
            json!({ "binary": minibrowser(), "args": ["--automation"] }),
        );
        Browser::connect(Engine::Webkit, caps, driver, driver_url, driver_log).await
    }

    /// Opens the WebDriver session; the same window size in every engine.
    async fn connect(
        engine: Engine,
        caps: serde_json::Map<String, Value>,
        driver: Driver,
        driver_url: String,
        driver_log: PathBuf,
    ) -> Browser {
        // Plain HTTP: the driver is on loopback, so no TLS connector is needed.
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver_url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot open a {} session: {e}\ndriver log ({}):\n{}",
                    engine.name(),
                    driver_log.display(),
                    tail(&driver_log, 30)
                )
            });
        if engine != Engine::Chromium {
            let _ = client.set_window_size(1280, 900).await;
        }
        let session_id = client.session_id().await.ok().flatten();

        Browser {
            client,
            engine,
            _driver: driver,
            driver_url,
            driver_log,
            session_id,
            console: Mutex::new(vec![]),
        }
    }
}

/// Starts a WebDriver server (`command`, listening on `port`) in a process group of its own,
/// logging to `dir/<name>.log`, and waits for its `/status` to say ready.
async fn start_driver(
    dir: &Path,
    name: &str,
    mut command: Command,
    port: u16,
) -> (Driver, String, PathBuf) {
    let driver_log = dir.join(format!("{name}.log"));
    let log = File::create(&driver_log).expect("driver log");
    let program = format!("{:?}", command.get_program());
    let driver = command
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name} ({program}): {e}; scripts/setup.sh engines installs the other engines' drivers"));
    // From here on, a panic drops `driver` and so takes the driver down.
    let driver = Driver(Some(driver));
    let driver_url = format!("http://127.0.0.1:{port}");

    let status_url = format!("{driver_url}/status");
    let ready = wait::poll(
        Duration::from_secs(20),
        Duration::from_millis(50),
        || async {
            let r = request("GET", &status_url, &[], None).await.ok()?;
            let status: Value = serde_json::from_slice(&r.body).unwrap_or_default();
            (status["value"]["ready"].as_bool() == Some(true)).then_some(())
        },
    )
    .await;
    if ready.is_none() {
        panic!(
            "{name} did not become ready within 20 s; its log ({}):\n{}",
            driver_log.display(),
            tail(&driver_log, 30)
        );
    }
    (driver, driver_url, driver_log)
}

/// The WebDriver server's process; dropping it kills its whole process group (the browser,
/// and for WebKit the virtual display, included).
pub(super) struct Driver(Option<Child>);

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            terminate_group(child, Duration::from_secs(3));
        }
    }
}
