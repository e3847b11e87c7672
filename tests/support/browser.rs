//! The browser of a test, behind its own WebDriver server, in a process group of its own so that
//! everything it started can be killed at once, even when the test panics. Three engines, chosen
//! by `E2E_BROWSER` ([`Engine`]): headless Chromium behind chromedriver (the default), headless
//! Firefox (Debian's firefox-esr) behind geckodriver, and WebKitGTK's MiniBrowser behind
//! WebKitWebDriver, on a virtual display of its own (`xvfb-run -a`: MiniBrowser has no headless
//! mode). Each gets a fresh profile in the test's folder.
//!
//! Only Chromium speaks the DevTools Protocol: [`Browser::cdp`] panics in the other two, saying
//! that the test is Chromium-only, so such a test can't pass or skip there unnoticed (the
//! Makefile lists the tests it leaves out of the other engines, `CHROMIUM_ONLY`). Their console
//! is read from inside the page instead (see [`Browser::console_messages`]), and init scripts
//! come from the harness's static server (`App::add_init_script`, `init_scripts.rs`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use std::os::unix::process::CommandExt;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use super::backend::{free_port, terminate_group};
use super::http::request;
use super::init_scripts::CONSOLE_KEY;
use super::wait;

/// The browser engine the end-to-end tests drive: `E2E_BROWSER` = `chromium` (the default),
/// `firefox` or `webkit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
    Webkit,
}

impl Engine {
    /// The engine `E2E_BROWSER` names; panics on a value it doesn't know.
    pub fn from_env() -> Engine {
        match std::env::var("E2E_BROWSER").as_deref() {
            Err(_) | Ok("") | Ok("chromium") | Ok("chrome") => Engine::Chromium,
            Ok("firefox") | Ok("gecko") => Engine::Firefox,
            Ok("webkit") | Ok("webkitgtk") => Engine::Webkit,
            Ok(other) => panic!("E2E_BROWSER={other:?}: use chromium, firefox or webkit"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "Chromium",
            Engine::Firefox => "Firefox",
            Engine::Webkit => "WebKit",
        }
    }

    /// Whether the engine speaks the Chrome DevTools Protocol (and chromedriver's console log).
    pub fn has_cdp(self) -> bool {
        self == Engine::Chromium
    }
}

pub struct Browser {
    pub client: Client,
    pub engine: Engine,
    /// Held for its `Drop`, which takes the driver (and the browser) down.
    _driver: Driver,
    driver_url: String,
    driver_log: PathBuf,
    session_id: Option<String>,
    /// Console messages collected so far (reading chromedriver's log empties it).
    console: Mutex<Vec<String>>,
}

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
    /// Starts the driver of the engine `E2E_BROWSER` names on a free port and opens a session
    /// with a fresh profile in `dir`.
    pub async fn start(dir: &Path) -> Browser {
        match Engine::from_env() {
            Engine::Chromium => Browser::start_with_args(dir, &[]).await,
            Engine::Firefox => Browser::launch_firefox(dir).await,
            Engine::Webkit => Browser::launch_webkit(dir).await,
        }
    }

    /// Chromium, whatever `E2E_BROWSER` says, with extra command-line switches (e.g. the
    /// benchmark's `--enable-precise-memory-info`).
    /// The back-forward cache stays on, as in users' browsers: `--disable-back-forward-cache` is
    /// taken out of chromedriver's switches (some versions pass it; 156 doesn't).
    pub async fn start_with_args(dir: &Path, extra_args: &[&str]) -> Browser {
        Browser::launch(dir, extra_args, &["disable-back-forward-cache"], None).await
    }

    /// Chromium whose navigations return at once (`pageLoadStrategy: none`): chromedriver
    /// otherwise holds every command until the load event, which waits for every script.
    pub async fn start_not_waiting_for_load(dir: &Path) -> Browser {
        Browser::launch(dir, &[], &["disable-back-forward-cache"], Some("none")).await
    }

    /// chromedriver and a Chromium session with `extra_args` added to our switches and
    /// `exclude_switches` taken out of chromedriver's own (goog:chromeOptions `excludeSwitches`).
    async fn launch(
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
    async fn launch_firefox(dir: &Path) -> Browser {
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
    async fn launch_webkit(dir: &Path) -> Browser {
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
                    super::tmp::tail(&driver_log, 30)
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

    pub fn driver_log(&self) -> &Path {
        &self.driver_log
    }

    /// Every console message and page error so far, as "LEVEL message" (all levels).
    ///
    /// Chromium: chromedriver's browser log (every tab, every document, failed loads included).
    /// Firefox and WebKit have no such log over WebDriver: there the harness's static server puts
    /// a script before the app's in every page it serves (`init_scripts.rs`) that keeps what the
    /// page writes with `console.*` and its uncaught errors and rejections in the tab's
    /// sessionStorage; this reads the **current tab's** list (every document of the app's origin
    /// it has shown), and says so in its first line, so a reader of a failure knows which log
    /// it is. A page something else serves (nginx) has no such script: nothing is read there.
    pub async fn console_messages(&self) -> Vec<String> {
        if !self.engine.has_cdp() {
            return self.page_console().await;
        }
        if let Some(id) = &self.session_id {
            let url = format!("{}/session/{id}/se/log", self.driver_url);
            let body = json!({ "type": "browser" }).to_string();
            if let Ok(r) = request(
                "POST",
                &url,
                &[("Content-Type", "application/json")],
                Some(body.as_bytes()),
            )
            .await
            {
                let entries: Value = serde_json::from_slice(&r.body).unwrap_or_default();
                if let Some(entries) = entries["value"].as_array() {
                    let mut console = self.console.lock().unwrap();
                    for e in entries {
                        console.push(format!(
                            "{} {}",
                            e["level"].as_str().unwrap_or("?"),
                            e["message"].as_str().unwrap_or("")
                        ));
                    }
                }
            }
        }
        self.console.lock().unwrap().clone()
    }

    /// Firefox and WebKit: the console the harness's page script kept in this tab (see
    /// [`Browser::console_messages`]), after a first line "INFO [e2e] …" saying where it comes from.
    async fn page_console(&self) -> Vec<String> {
        let script = "try { return JSON.parse(sessionStorage.getItem(arguments[0]) || 'null'); } catch (e) { return null; }";
        let kept = self
            .client
            .execute(script, vec![json!(CONSOLE_KEY)])
            .await
            .ok()
            .and_then(|v| v.as_array().cloned());
        let mut messages = vec![format!(
            "INFO [e2e] {} has no console log over WebDriver: {}",
            self.engine.name(),
            if kept.is_some() {
                "what the harness's page script kept in this tab"
            } else {
                "this page has no console kept by the harness (not served by its static server, or storage refused)"
            }
        )];
        messages.extend(
            kept.unwrap_or_default()
                .iter()
                .map(|m| m.as_str().unwrap_or_default().to_string()),
        );
        messages
    }

    /// Runs a Chrome DevTools Protocol command in the current tab (chromedriver's
    /// `goog/cdp/execute`), e.g. `Emulation.setEmulatedMedia`; returns its result. In Firefox
    /// and WebKit it panics: the test needs a Chromium-only fault and must be in the Makefile's
    /// `CHROMIUM_ONLY` list (or use what every engine has: init scripts, the backend's faults).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
        assert!(
            self.engine.has_cdp(),
            "CDP {cmd}: {} has no Chrome DevTools Protocol, so this test is Chromium-only: add it to CHROMIUM_ONLY in the Makefile (and to the list in tests/README.md), or give it what every engine has (App::add_init_script, the backend's AUTH_FAULTS)",
            self.engine.name()
        );
        let id = self
            .session_id
            .as_ref()
            .expect("a WebDriver session id for CDP commands");
        let url = format!("{}/session/{id}/goog/cdp/execute", self.driver_url);
        let body = json!({ "cmd": cmd, "params": params }).to_string();
        let r = request(
            "POST",
            &url,
            &[("Content-Type", "application/json")],
            Some(body.as_bytes()),
        )
        .await
        .unwrap_or_else(|e| panic!("CDP {cmd}: {e}"));
        let answer: Value = serde_json::from_slice(&r.body).unwrap_or_default();
        assert_eq!(
            r.status,
            200,
            "CDP {cmd} failed: {}",
            String::from_utf8_lossy(&r.body)
        );
        answer["value"].clone()
    }

    /// The console messages at level SEVERE (errors, uncaught exceptions, failed loads; in
    /// Firefox and WebKit: `console.error` and uncaught errors of the current tab, not failed loads).
    pub async fn console_errors(&self) -> Vec<String> {
        self.console_messages()
            .await
            .into_iter()
            .filter(|m| m.starts_with("SEVERE"))
            .collect()
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
            super::tmp::tail(&driver_log, 30)
        );
    }
    (driver, driver_url, driver_log)
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Close the session politely when we can block here (multi-thread runtime), then kill the
        // whole process group whatever happened.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                let client = self.client.clone();
                tokio::task::block_in_place(|| {
                    let _ = handle
                        .block_on(tokio::time::timeout(Duration::from_secs(5), client.close()));
                });
            }
        }
        // `self._driver` drops next and kills chromedriver's process group.
    }
}

/// The WebDriver server's process; dropping it kills its whole process group (the browser,
/// and for WebKit the virtual display, included).
struct Driver(Option<Child>);

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            terminate_group(child, Duration::from_secs(3));
        }
    }
}
