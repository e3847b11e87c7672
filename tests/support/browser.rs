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

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use fantoccini::Client;
use serde_json::{json, Value};

use super::http::request;
use super::init_scripts::CONSOLE_KEY;

mod launch;

use launch::Driver;

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
