//! The reference Django backend (backend/manage.py runserver), one per test: its own port, SQLite
//! file (a copy of a database migrated once per test binary) and email outbox folder.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use std::os::unix::process::CommandExt;

use super::http::{request, Api};
use super::outbox::{self, Email};
use super::tmp::tail;
use super::wait;

/// Knobs passed to the backend as environment variables.
#[derive(Clone, Debug)]
pub struct BackendOptions {
    /// AUTH_ACCESS_SECONDS: the access token's lifetime.
    pub access_seconds: u64,
    /// AUTH_REFRESH_SECONDS: the refresh token's lifetime.
    pub refresh_seconds: u64,
    /// AUTH_THROTTLE_ANON (per IP, requests without a JWT), e.g. "5/min" or "off";
    /// [`GENEROUS_RATE`] when None.
    pub throttle_anon: Option<String>,
    /// AUTH_THROTTLE_USER (per signed-in user), e.g. "5/min" or "off"; [`GENEROUS_RATE`] when None.
    pub throttle_user: Option<String>,
    /// AUTH_THROTTLE_LOGIN (per IP, `POST jwt/create/` only), e.g. "5/min" or "off";
    /// [`GENEROUS_RATE`] when None.
    pub throttle_login: Option<String>,
    /// Anything else to set in the backend's environment.
    pub extra_env: Vec<(String, String)>,
}

impl Default for BackendOptions {
    fn default() -> Self {
        BackendOptions {
            access_seconds: 300,
            refresh_seconds: 86400,
            throttle_anon: None,
            throttle_user: None,
            throttle_login: None,
            extra_env: vec![],
        }
    }
}

impl BackendOptions {
    /// Access tokens that live 65 s: the app refreshes 60 s before expiry, so about 5 s after
    /// each new token arrives.
    pub fn short_access() -> BackendOptions {
        BackendOptions {
            access_seconds: 65,
            ..Default::default()
        }
    }

    /// These options with the backend answering chosen requests badly on purpose: `spec` is
    /// `AUTH_FAULTS` (backend/accounts/faults.py), e.g. `"POST /auth/jwt/refresh/=delay-3000"`.
    pub fn with_faults(mut self, spec: impl Into<String>) -> BackendOptions {
        self.extra_env.push(("AUTH_FAULTS".into(), spec.into()));
        self
    }
}

/// The throttle rates of a test that sets none: the backend throttles by default (10 sign-ins a
/// minute per IP), and every test signs in from 127.0.0.1, often many times a minute.
pub const GENEROUS_RATE: &str = "10000/min";

pub struct Backend {
    port: u16,
    outbox: PathBuf,
    stdout_log: PathBuf,
    stderr_log: PathBuf,
    env: Vec<(String, String)>,
    child: Option<Child>,
}

fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The backend's Python: `E2E_PYTHON`, else `backend/.venv/bin/python`.
pub fn python() -> PathBuf {
    let python = std::env::var_os("E2E_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("backend/.venv/bin/python"));
    if !python.exists() {
        panic!(
            "{} not found: create the backend's venv first:\n  python3 -m venv backend/.venv && backend/.venv/bin/pip install -r backend/requirements.txt",
            python.display()
        );
    }
    python
}

fn manage_py() -> PathBuf {
    repo_root().join("backend/manage.py")
}

/// A port that was free a moment ago, for a server the test starts.
///
/// Chosen below the kernel's ephemeral range, so no outgoing connection (the browsers', the
/// drivers', the harness's) can be given it before the server binds it, and never handed out
/// twice by this test binary. (Asking the kernel for port 0 gave an ephemeral port, which
/// Chromium's next connection took in one CI run: "That port is already in use".)
pub fn free_port() -> u16 {
    static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse::<u32>().ok())
        .unwrap_or(32768);
    const LOWEST: u32 = 10_000;
    let span = ephemeral_low.saturating_sub(LOWEST).max(1);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
        ^ std::process::id().wrapping_mul(2_654_435_761);
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    for step in 0..span {
        let port = (LOWEST + (seed.wrapping_add(step.wrapping_mul(7_919))) % span) as u16;
        if !handed_out.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            handed_out.insert(port);
            return port;
        }
    }
    panic!("no free port between {LOWEST} and {ephemeral_low}")
}

/// Runs `manage.py migrate` once per test binary into a template SQLite file; each backend gets a copy.
fn template_db() -> &'static Path {
    static TEMPLATE: OnceLock<PathBuf> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        remove_stale_templates();
        let dir = std::env::temp_dir().join(format!("djoser-e2e-template-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("outbox")).expect("template dir");
        let db = dir.join("template.sqlite3");
        let _ = std::fs::remove_file(&db);
        let out = Command::new(python())
            .arg(manage_py())
            .args(["migrate", "--noinput"])
            .envs(base_env(
                &db,
                &dir.join("outbox"),
                "http://127.0.0.1:9",
                &BackendOptions::default(),
            ))
            .stdin(Stdio::null())
            .output()
            .expect("cannot run manage.py migrate");
        if !out.status.success() {
            panic!(
                "manage.py migrate failed ({}):\n{}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        db
    })
}

/// Template folders of earlier test runs whose process is gone.
fn remove_stale_templates() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("djoser-e2e-template-") {
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn base_env(
    db: &Path,
    outbox: &Path,
    spa_origin: &str,
    opts: &BackendOptions,
) -> Vec<(String, String)> {
    let rate = |rate: &Option<String>| rate.as_deref().unwrap_or(GENEROUS_RATE).to_string();
    let mut env = vec![
        // A throwaway signing key, and GET /health/ (how start_again sees the server is up).
        ("AUTH_MODE".to_string(), "test".to_string()),
        ("AUTH_DB_PATH".to_string(), db.display().to_string()),
        ("AUTH_EMAIL_DIR".to_string(), outbox.display().to_string()),
        ("AUTH_SPA_ORIGIN".to_string(), spa_origin.to_string()),
        ("AUTH_FAST_HASHER".to_string(), "1".to_string()),
        ("AUTH_DEBUG".to_string(), "0".to_string()),
        (
            "AUTH_ACCESS_SECONDS".to_string(),
            opts.access_seconds.to_string(),
        ),
        (
            "AUTH_REFRESH_SECONDS".to_string(),
            opts.refresh_seconds.to_string(),
        ),
        // Browsers keep connections alive; without this runserver stalls ~40 ms per response.
        ("AUTH_TCP_NODELAY".to_string(), "1".to_string()),
        ("PYTHONUNBUFFERED".to_string(), "1".to_string()),
        ("PYTHONDONTWRITEBYTECODE".to_string(), "1".to_string()),
        ("AUTH_THROTTLE_ANON".to_string(), rate(&opts.throttle_anon)),
        ("AUTH_THROTTLE_USER".to_string(), rate(&opts.throttle_user)),
        (
            "AUTH_THROTTLE_LOGIN".to_string(),
            rate(&opts.throttle_login),
        ),
    ];
    env.extend(opts.extra_env.iter().cloned());
    env
}

impl Backend {
    /// Starts a backend with its files in `dir`, allowing `spa_origin` (CORS, email links).
    pub async fn start(dir: &Path, spa_origin: &str, opts: &BackendOptions) -> Backend {
        let template = template_db();
        let db = dir.join("db.sqlite3");
        std::fs::copy(template, &db)
            .unwrap_or_else(|e| panic!("cannot copy {}: {e}", template.display()));
        let outbox = dir.join("outbox");
        std::fs::create_dir_all(&outbox).expect("outbox dir");
        let env = base_env(&db, &outbox, spa_origin, opts);
        // Social sign-in adds social_django's tables, which the shared template lacks.
        if env.iter().any(|(name, _)| name == "AUTH_SOCIAL_PROVIDERS") {
            let out = Command::new(python())
                .arg(manage_py())
                .args(["migrate", "--noinput"])
                .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdin(Stdio::null())
                .output()
                .expect("cannot run manage.py migrate");
            assert!(
                out.status.success(),
                "manage.py migrate (social) failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let mut backend = Backend {
            port: free_port(),
            env,
            outbox,
            stdout_log: dir.join("backend.stdout.log"),
            stderr_log: dir.join("backend.stderr.log"),
            child: None,
        };
        // Another program can still take a port between free_port and runserver's bind: move on.
        for _ in 0..3 {
            match backend.launch().await {
                Err(why) if why.contains("That port is already in use") => {
                    backend.port = free_port()
                }
                Err(why) => panic!("{why}"),
                Ok(()) => return backend,
            }
        }
        panic!("the backend found three ports taken in a row")
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn api(&self) -> Api {
        Api {
            base: self.base_url(),
        }
    }

    pub fn stderr_log(&self) -> &Path {
        &self.stderr_log
    }

    /// The last lines the server wrote to stderr (requests, tracebacks).
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.stderr_log, lines)
    }

    /// (Re)starts the server on the same port with the same database and outbox, and waits until
    /// its /health/ answers with the PID just started.
    pub async fn start_again(&mut self) {
        if let Err(why) = self.launch().await {
            panic!("{why}")
        }
    }

    async fn launch(&mut self) -> Result<(), String> {
        assert!(self.child.is_none(), "the backend is already running");
        let append = |p: &Path| {
            File::options()
                .create(true)
                .append(true)
                .open(p)
                .expect("log file")
        };
        let child = Command::new(python())
            .arg(manage_py())
            .args([
                "runserver",
                &format!("127.0.0.1:{}", self.port),
                "--noreload",
            ])
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(append(&self.stdout_log))
            .stderr(append(&self.stderr_log))
            .process_group(0)
            .spawn()
            .expect("cannot start manage.py runserver");
        let pid = child.id();
        self.child = Some(child);

        let health = format!("{}/health/", self.base_url());
        let child = &mut self.child;
        let outcome = wait::poll(Duration::from_secs(30), wait::EVERY, || {
            let exited = child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            let health = health.clone();
            async move {
                if let Some(status) = exited {
                    return Some(Err(status));
                }
                let r = request("GET", &health, &[], None).await.ok()?;
                let answer: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
                (r.status == 200 && answer["pid"].as_u64() == Some(pid as u64)).then_some(Ok(()))
            }
        })
        .await;
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(status)) => {
                self.child = None;
                Err(format!(
                    "the backend exited early ({status}); stderr ({}):\n{}",
                    self.stderr_log.display(),
                    self.log_tail(40)
                ))
            }
            None => Err(format!(
                "the backend (pid {pid}) did not answer GET {health} with its pid within 30 s; stderr ({}):\n{}",
                self.stderr_log.display(),
                self.log_tail(40)
            )),
        }
    }

    /// Stops the server (for outage tests); `start_again` brings it back.
    pub async fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate_group(child, Duration::from_secs(5));
        }
    }

    /// How many POST /auth/jwt/refresh/ the server has seen since it started (from /health/).
    pub async fn refresh_calls(&self) -> u64 {
        let url = format!("{}/health/", self.base_url());
        let r = request("GET", &url, &[], None)
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        r.json()["refresh_calls"]
            .as_u64()
            .unwrap_or_else(|| panic!("/health/ has no numeric refresh_calls: {}", r.text()))
    }

    /// `manage.py create_active_user EMAIL PASSWORD` (an activated account, no email sent).
    pub async fn create_active_user(&self, email: &str, password: &str) {
        self.create_user_with(&[email, password]).await
    }

    /// `manage.py create_active_user EMAIL PASSWORD --name NAME --username USERNAME`.
    pub async fn create_active_user_with(
        &self,
        email: &str,
        password: &str,
        name: &str,
        username: &str,
    ) {
        self.create_user_with(&[email, password, "--name", name, "--username", username])
            .await
    }

    async fn create_user_with(&self, args: &[&str]) {
        let out = tokio::process::Command::new(python())
            .arg(manage_py())
            .arg("create_active_user")
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .output()
            .await
            .expect("cannot run manage.py create_active_user");
        if !out.status.success() {
            panic!(
                "manage.py create_active_user {args:?} failed ({}):\n{}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// Every complete message in the outbox, oldest first.
    pub fn emails(&self) -> Vec<Email> {
        outbox::read_outbox(&self.outbox)
    }

    /// The newest message to `to`, waiting up to 15 s for one.
    pub async fn wait_for_email(&self, to: &str) -> Email {
        self.wait_for_emails(to, 1)
            .await
            .pop()
            .expect("at least one email")
    }

    /// All messages to `to` once there are at least `count` of them (waits up to 15 s), oldest first.
    pub async fn wait_for_emails(&self, to: &str, count: usize) -> Vec<Email> {
        let mine = || {
            self.emails()
                .into_iter()
                .filter(|e| e.is_to(to))
                .collect::<Vec<_>>()
        };
        let found = wait::poll(Duration::from_secs(15), Duration::from_millis(150), || {
            let mine = mine();
            async move { (mine.len() >= count).then_some(mine) }
        })
        .await;
        found.unwrap_or_else(|| {
            let all: Vec<String> = self
                .emails()
                .iter()
                .map(|e| format!("to {:?}: {}", e.to, e.subject))
                .collect();
            panic!(
                "expected {count} email(s) to {to} within 15 s, found {}; outbox {} holds: {all:#?}\nbackend stderr:\n{}",
                mine().len(),
                self.outbox.display(),
                self.log_tail(20)
            )
        })
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate_group(child, Duration::from_secs(3));
        }
        if std::thread::panicking() {
            eprintln!(
                "[e2e] backend stderr ({}), last lines:\n{}",
                self.stderr_log.display(),
                self.log_tail(30)
            );
        }
    }
}

/// SIGTERM to the child's whole process group, SIGKILL after `grace`, then reap it.
pub fn terminate_group(mut child: Child, grace: Duration) {
    let pgid = child.id();
    signal_group("TERM", pgid);
    let exited = wait::poll_blocking(grace, Duration::from_millis(50), || {
        child.try_wait().ok().flatten()
    });
    // Whether the leader went or not, nothing else of the group may survive it.
    signal_group("KILL", pgid);
    if exited.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn signal_group(signal: &str, pgid: u32) {
    let _ = Command::new("kill")
        .args([&format!("-{signal}"), "--", &format!("-{pgid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
