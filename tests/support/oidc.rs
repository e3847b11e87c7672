//! A real OpenID Connect provider (npm oidc-provider, tests/support/oidc/provider.mjs, installed
//! into .tools/ by `scripts/setup.sh browser`), one per test: its own port, the backend its
//! client. Any login signs in with any password; `login@example.com` is its verified email
//! (unverified when the login starts with "unverified").

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::backend::{free_port, terminate_group};
use super::http::request;
use super::tmp::tail;
use super::wait;

pub const CLIENT_ID: &str = "djoser-e2e";
pub const CLIENT_SECRET: &str = "djoser-e2e-secret-0123456789";

pub struct OidcProvider {
    port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl OidcProvider {
    /// Starts the provider with `redirect_uris` (the SPA's callback pages) registered for the
    /// backend's client; logs in `dir`. Waits until its discovery document answers.
    pub async fn start(dir: &Path, redirect_uris: &[String]) -> OidcProvider {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let module = root.join(".tools/node_modules/oidc-provider/package.json");
        assert!(
            module.exists(),
            "{} not found: run scripts/setup.sh browser (it installs oidc-provider into .tools/)",
            module.display()
        );
        let port = free_port();
        let log = dir.join("oidc-provider.log");
        let out = File::create(&log).expect("oidc log");
        let child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
            .arg(root.join("tests/support/oidc/provider.mjs"))
            .env("OIDC_PORT", port.to_string())
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env("OIDC_REDIRECT_URIS", redirect_uris.join(","))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("oidc log"))
            .stderr(out)
            .process_group(0)
            .spawn()
            .expect("cannot start node (tests/support/oidc/provider.mjs)");
        let mut provider = OidcProvider {
            port,
            log,
            child: Some(child),
        };
        let url = format!("{}/.well-known/openid-configuration", provider.issuer());
        let ready = wait::poll(Duration::from_secs(15), wait::EVERY, || {
            let url = url.clone();
            async move {
                let r = request("GET", &url, &[], None).await.ok()?;
                (r.status == 200).then_some(())
            }
        })
        .await;
        if ready.is_none() {
            let log = tail(&provider.log, 30);
            provider.stop();
            panic!("the OpenID Connect provider did not answer {url} within 15 s:\n{log}");
        }
        provider
    }

    /// `http://127.0.0.1:PORT`: the issuer, and what the backend's AUTH_SOCIAL_OIDC_ENDPOINT says.
    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The backend's environment for it: social sign-in with `oidc` only.
    pub fn backend_env(&self) -> Vec<(String, String)> {
        [
            ("AUTH_SOCIAL_PROVIDERS", "oidc".to_string()),
            ("AUTH_SOCIAL_OIDC_KEY", CLIENT_ID.to_string()),
            ("AUTH_SOCIAL_OIDC_SECRET", CLIENT_SECRET.to_string()),
            ("AUTH_SOCIAL_OIDC_ENDPOINT", self.issuer()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn stop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate_group(child, Duration::from_secs(3));
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!(
                "[e2e] OpenID Connect provider log ({}):\n{}",
                self.log.display(),
                tail(&self.log, 20)
            );
        }
    }
}
