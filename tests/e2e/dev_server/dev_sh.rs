//! scripts/dev.sh, run as `make dev` runs it, in a session of its own: its ports, what it printed,
//! trunk's builds, and every process it started.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::support::backend::free_port;
use crate::support::http::request;
use crate::support::tmp::tail;
use crate::support::{url_path, wait, TestDir};

use super::{repo_root, FIRST_BUILD};

/// scripts/dev.sh, started in a session of its own so that everything it starts (trunk, cargo,
/// Django), in whatever process group, can be found again: the test checks that SIGTERM to the
/// script leaves nothing running, and kills whatever is left when it fails.
pub(super) struct DevServer {
    child: Option<Child>,
    pub(super) pid: u32,
    stdout: PathBuf,
    stderr: PathBuf,
    pub(super) app_origin: String,
    pub(super) api_base: String,
}

impl DevServer {
    /// Starts it on two free ports (start the browser first: chromedriver takes a free port too).
    pub(super) fn start(dir: &TestDir, data: &Path) -> DevServer {
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
        let own_session =
            wait::poll_blocking(Duration::from_secs(5), Duration::from_millis(20), || {
                (session_of(pid) == Some(pid)).then_some(())
            });
        assert!(
            own_session.is_some(),
            "scripts/dev.sh (pid {pid}) did not get a session of its own"
        );
        server
    }

    pub(super) fn output(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// What dev.sh, trunk and Django printed last (shown when the test fails).
    pub(super) fn log_tail(&self) -> String {
        format!(
            "  dev.sh stdout ({}):\n{}\n  dev.sh stderr ({}):\n{}",
            self.stdout.display(),
            tail(&self.stdout, 40),
            self.stderr.display(),
            tail(&self.stderr, 25)
        )
    }

    /// The builds trunk started so far ("starting build" lines, whatever their outcome).
    pub(super) fn builds(&self) -> Vec<String> {
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

    pub(super) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut()?.try_wait().ok().flatten()
    }

    /// Waits until trunk has served its first build and the backend answers.
    pub(super) async fn wait_ready(&mut self) {
        let (login, health) = (
            format!("{}/login", self.app_origin),
            format!("{}/health/", self.api_base),
        );
        let mut built = false;
        let ready = wait::poll(FIRST_BUILD, Duration::from_millis(250), || {
            if let Some(status) = self.exited() {
                panic!("scripts/dev.sh exited early ({status}); its output is below");
            }
            let out = self.output();
            if out.lines().any(|l| l.contains("ERROR")) {
                panic!("trunk's first build failed; its output is below");
            }
            built = built || out.lines().any(|l| l.contains("success"));
            let (built, login, health) = (built, login.clone(), health.clone());
            async move {
                if !built {
                    return None;
                }
                let page = request("GET", &login, &[], None).await.ok()?;
                let health = request("GET", &health, &[], None).await.ok()?;
                (page.status == 200
                    && page.text().contains("djoser-api-base")
                    && health.status == 200)
                    .then_some(())
            }
        })
        .await;
        if ready.is_none() {
            panic!(
                "within {FIRST_BUILD:?}, {}; dev.sh's output is below",
                if built {
                    "trunk built the app, but it or the backend doesn't answer"
                } else {
                    "trunk did not finish its first build"
                }
            );
        }
    }

    /// The link the backend printed for an email to `to` (AUTH_PRINT_LINKS: "[email to …] URL").
    pub(super) async fn printed_link(&self, to: &str, path_prefix: &str) -> String {
        let head = format!("[email to {to}] ");
        let found = wait::poll(Duration::from_secs(15), Duration::from_millis(150), || {
            let found = self.output().lines().find_map(|l| {
                let url = l.trim().strip_prefix(&head)?.trim();
                url_path(url)
                    .starts_with(path_prefix)
                    .then(|| url.to_string())
            });
            async move { found }
        })
        .await;
        found.unwrap_or_else(|| {
            panic!(
                "dev.sh printed no {path_prefix}… link for {to} within 15 s; its output is below"
            )
        })
    }

    /// SIGTERM to dev.sh alone, as `kill` or a supervisor sends it; it must stop trunk and
    /// Django itself.
    pub(super) fn terminate(&mut self) -> std::process::ExitStatus {
        signal("TERM", self.pid);
        let status =
            wait::poll_blocking(Duration::from_secs(20), Duration::from_millis(50), || {
                self.exited()
            })
            .expect("scripts/dev.sh did not exit within 20 s of SIGTERM; its output is below");
        self.child = None;
        status
    }
}

impl Drop for DevServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal("TERM", self.pid);
            wait::poll_blocking(Duration::from_secs(10), Duration::from_millis(50), || {
                child.try_wait().ok().flatten()
            });
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
pub(super) fn session_members(sid: u32) -> Vec<(u32, String)> {
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
