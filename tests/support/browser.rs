//! Headless Chromium behind its own chromedriver, in a process group of its own so that everything
//! it started can be killed at once, even when the test panics.

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
use super::wait;

pub struct Browser {
    pub client: Client,
    /// Held for its `Drop`, which takes chromedriver (and Chromium) down.
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

impl Browser {
    /// Starts chromedriver on a free port and opens a Chromium session with a fresh profile in `dir`.
    pub async fn start(dir: &Path) -> Browser {
        Browser::start_with_args(dir, &[]).await
    }

    /// Like [`Browser::start`], with extra Chromium command-line switches (e.g. the benchmark's
    /// `--enable-precise-memory-info`).
    /// The back-forward cache stays on, as in users' browsers: `--disable-back-forward-cache` is
    /// taken out of chromedriver's switches (some versions pass it; 156 doesn't).
    pub async fn start_with_args(dir: &Path, extra_args: &[&str]) -> Browser {
        Browser::launch(dir, extra_args, &["disable-back-forward-cache"]).await
    }

    /// chromedriver and a Chromium session with `extra_args` added to our switches and
    /// `exclude_switches` taken out of chromedriver's own (goog:chromeOptions `excludeSwitches`).
    async fn launch(dir: &Path, extra_args: &[&str], exclude_switches: &[&str]) -> Browser {
        let port = free_port();
        let driver_log = dir.join("chromedriver.log");
        let log = File::create(&driver_log).expect("chromedriver log");
        let driver = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver()));
        // From here on, a panic drops `driver` and so takes chromedriver down.
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
                "chromedriver did not become ready within 20 s; its log ({}):\n{}",
                driver_log.display(),
                super::tmp::tail(&driver_log, 30)
            );
        }

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
        // Plain HTTP: chromedriver is on loopback, so no TLS connector is needed.
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver_url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot open a Chromium session: {e}\nchromedriver log ({}):\n{}",
                    driver_log.display(),
                    super::tmp::tail(&driver_log, 30)
                )
            });
        let session_id = client.session_id().await.ok().flatten();

        Browser {
            client,
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
    pub async fn console_messages(&self) -> Vec<String> {
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

    /// Runs a Chrome DevTools Protocol command in the current tab (chromedriver's
    /// `goog/cdp/execute`), e.g. `Emulation.setEmulatedMedia`; returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Value {
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

    /// The console messages at level SEVERE (errors, uncaught exceptions, failed loads).
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

/// chromedriver's process; dropping it kills its whole process group (Chromium included).
struct Driver(Option<Child>);

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            terminate_group(child, Duration::from_secs(3));
        }
    }
}
