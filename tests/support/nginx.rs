//! nginx serving the release build with deploy/nginx.conf, as docs/deploy.md has it: for
//! tests/e2e/nginx.rs and for `make bench`'s first visits through a real web server; and with
//! deploy/nginx-subpath.conf, the build under a sub-path ([`UnderAccount`], for
//! tests/e2e/configuration/sub_path.rs and tests/e2e/trust/apps.rs).

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::app::{App, AppOptions};
use super::backend::{terminate_group, BackendOptions};
use super::dist::configured_copy;
use super::http::request;
use super::static_server::{dist_dir, rewrite_api_base};
use super::tmp::tail;
use super::wait;

/// The API origin deploy/nginx.conf's CSP names, to be replaced by the real one.
pub const PLACEHOLDER_API: &str = "https://api.example.com";

/// Debian's nginx loads its packaged modules through /etc/nginx/modules-enabled/, which this
/// configuration doesn't include: load brotli_static (libnginx-mod-http-brotli-static) by hand.
const BROTLI_MODULE_LOAD: &str =
    "load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;\n";

pub fn nginx_binary() -> String {
    std::env::var("NGINX").unwrap_or_else(|_| "/usr/sbin/nginx".to_string())
}

/// nginx in the foreground (`daemon off; master_process on;`), in its own process group: dropping
/// it stops master and workers.
pub struct Nginx {
    child: Option<Child>,
    error_log: PathBuf,
}

impl Nginx {
    /// Serves `root` on 127.0.0.1:`port` with deploy/nginx.conf, its CSP allowing `api_origin`;
    /// pid, logs and temp files in `dir`. Waits until it answers.
    pub async fn start(dir: &Path, root: &Path, port: u16, api_origin: &str) -> Nginx {
        Nginx::start_site("deploy/nginx.conf", dir, root, port, api_origin).await
    }

    /// The same with another site configuration of the project (`deploy/nginx-subpath.conf`),
    /// its `root` being `root`.
    pub async fn start_site(
        project_conf: &str,
        dir: &Path,
        root: &Path,
        port: u16,
        api_origin: &str,
    ) -> Nginx {
        let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join(project_conf);
        let site = std::fs::read_to_string(&deploy)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", deploy.display()));
        let replace_once = |text: &str, from: &str, to: &str| {
            assert_eq!(
                text.matches(from).count(),
                1,
                "{project_conf} should contain {from:?} exactly once (the test replaces it)"
            );
            text.replacen(from, to, 1)
        };
        let site = replace_once(&site, "listen 80;", &format!("listen 127.0.0.1:{port};"));
        let site = replace_once(
            &site,
            "root /var/www/djoser-spa;",
            &format!("root {};", root.display()),
        );
        assert!(
            site.contains(&format!("connect-src 'self' {PLACEHOLDER_API};")),
            "{project_conf}'s CSP should allow the placeholder API origin {PLACEHOLDER_API} in connect-src"
        );
        let site = site.replace(PLACEHOLDER_API, api_origin);
        Nginx::launch(project_conf, dir, &site, port).await
    }

    /// deploy/nginx-proxy.conf: `root` served on 127.0.0.1:`port`, and Django's paths passed to
    /// the backend at `backend_port`, all on one origin.
    pub async fn start_proxy(dir: &Path, root: &Path, port: u16, backend_port: u16) -> Nginx {
        let project_conf = "deploy/nginx-proxy.conf";
        let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join(project_conf);
        let mut site = std::fs::read_to_string(&deploy)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", deploy.display()));
        for (from, to) in [
            (
                "listen 80;".to_string(),
                format!("listen 127.0.0.1:{port};"),
            ),
            (
                "root /var/www/djoser-spa;".to_string(),
                format!("root {};", root.display()),
            ),
            (
                "server 127.0.0.1:8000;".to_string(),
                format!("server 127.0.0.1:{backend_port};"),
            ),
        ] {
            assert_eq!(
                site.matches(&from).count(),
                1,
                "{project_conf} should contain {from:?} exactly once (the test replaces it)"
            );
            site = site.replacen(&from, &to, 1);
        }
        assert!(
            site.contains("connect-src 'self';"),
            "{project_conf}'s CSP should allow only its own origin in connect-src"
        );
        Nginx::launch(project_conf, dir, &site, port).await
    }

    /// Writes the main configuration around `site` (pid, logs and temp files in `dir`), checks
    /// it, starts nginx and waits until it answers.
    async fn launch(project_conf: &str, dir: &Path, site: &str, port: u16) -> Nginx {
        let site_conf = dir.join("site.conf");
        std::fs::write(&site_conf, site).expect("write site.conf");

        let temp = dir.join("nginx-temp");
        std::fs::create_dir_all(&temp).expect("nginx temp dir");
        let error_log = dir.join("nginx-error.log");
        let d = |name: &str| temp.join(name).display().to_string();
        let main = format!(
            "{modules}daemon off;\nmaster_process on;\nworker_processes 1;\npid {pid};\nerror_log {err} info;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n\
             \x20 access_log {access};\n  client_body_temp_path {body};\n  proxy_temp_path {proxy};\n\
             \x20 fastcgi_temp_path {fastcgi};\n  uwsgi_temp_path {uwsgi};\n  scgi_temp_path {scgi};\n\
             \x20 include {site};\n}}\n",
            modules = BROTLI_MODULE_LOAD,
            pid = dir.join("nginx.pid").display(),
            err = error_log.display(),
            access = dir.join("nginx-access.log").display(),
            body = d("body"),
            proxy = d("proxy"),
            fastcgi = d("fastcgi"),
            uwsgi = d("uwsgi"),
            scgi = d("scgi"),
            site = site_conf.display(),
        );
        let main_conf = dir.join("nginx.conf");
        std::fs::write(&main_conf, main).expect("write nginx.conf");

        let check = Command::new(nginx_binary())
            .args(["-t", "-q", "-e"])
            .arg(&error_log)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&main_conf)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run {} ({e}): install nginx (`scripts/setup.sh browser` does, as root on Debian), or set NGINX",
                    nginx_binary()
                )
            });
        assert!(
            check.status.success(),
            "nginx -t refused the configuration built from {project_conf}:\n{}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );

        let stderr = File::create(dir.join("nginx.stderr.log")).expect("nginx stderr log");
        let child = Command::new(nginx_binary())
            .arg("-e")
            .arg(&error_log)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&main_conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", nginx_binary()));
        let mut nginx = Nginx {
            child: Some(child),
            error_log,
        };

        let url = format!("http://127.0.0.1:{port}/");
        let child = &mut nginx.child;
        let outcome = wait::poll(Duration::from_secs(10), Duration::from_millis(50), || {
            let exited = child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            let url = url.clone();
            async move {
                if let Some(status) = exited {
                    return Some(Err(status));
                }
                // Any answer: under a sub-path, `/` is no page of the app.
                request("GET", &url, &[], None).await.ok().map(|_| Ok(()))
            }
        })
        .await;
        match outcome {
            Some(Ok(())) => nginx,
            Some(Err(status)) => {
                nginx.child = None;
                panic!(
                    "nginx exited early ({status}); its error log:\n{}",
                    tail(&nginx.error_log, 30)
                );
            }
            None => panic!(
                "nginx did not answer GET {url} within 10 s; its error log:\n{}",
                tail(&nginx.error_log, 30)
            ),
        }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Some(child) = self.child.take() {
            terminate_group(child, Duration::from_secs(3));
        }
        if std::thread::panicking() {
            eprintln!(
                "[e2e] nginx error log ({}):\n{}",
                self.error_log.display(),
                tail(&self.error_log, 20)
            );
        }
    }
}

/// A copy of the build folder whose pages point the app at `api_base`, as a deployer would
/// edit them (the runtime API setting).
pub fn deployed_copy(to: &Path, api_base: &str) -> Vec<String> {
    std::fs::create_dir_all(to).expect("web root");
    let mut names = vec![];
    for entry in std::fs::read_dir(dist_dir())
        .expect("the build folder")
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.path().is_file() {
            continue;
        }
        if name.ends_with(".html") {
            let html = std::fs::read_to_string(entry.path()).expect("a page");
            let html = rewrite_api_base(&html, api_base).expect("the djoser-api-base meta tag");
            std::fs::write(to.join(&name), html).expect("write a page");
        } else {
            std::fs::copy(entry.path(), to.join(&name)).expect("copy a build file");
        }
        names.push(name);
    }
    names
}

/// deploy/nginx.conf's Content-Security-Policy, as it stands there.
pub fn nginx_conf_csp() -> String {
    let conf =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx.conf"))
            .expect("deploy/nginx.conf");
    conf.split("add_header Content-Security-Policy \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a Content-Security-Policy in deploy/nginx.conf")
        .to_string()
}

/// deploy/nginx.conf's Content-Security-Policy, its API origin as `{api_base}` (which the
/// static server fills in) and reporting to the static server: the production policy, hash of
/// the pages' inline `<style>` included, for tests served without nginx.
pub fn production_csp() -> String {
    format!(
        "{}; report-uri {}",
        nginx_conf_csp().replace(PLACEHOLDER_API, "{api_base}"),
        super::static_server::CSP_REPORT_PATH
    )
}

/// A world whose app nginx will serve under `/account/` of its origin (deploy/nginx-subpath.conf):
/// a port kept for nginx, the world started for that origin (its backend told the path), and the
/// build configured for the path (and its API) in `root/account/`. Put more under `root`, then
/// [`UnderAccount::serve`].
pub struct UnderAccount {
    pub app: App,
    /// nginx's root: the build for `/account/` is in `account/`.
    pub root: PathBuf,
    reserved: Option<std::net::TcpListener>,
    port: u16,
}

impl UnderAccount {
    pub async fn start() -> UnderAccount {
        let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("no free port");
        let port = reserved.local_addr().expect("reserved port").port();
        let app = App::start_served_by(
            &format!("http://127.0.0.1:{port}"),
            AppOptions {
                backend: BackendOptions {
                    extra_env: vec![("AUTH_SPA_PATH".into(), "/account/".into())],
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await;
        let root = app.dir.join("www");
        configured_copy(
            &root.join("account"),
            &["--base", "/account/", "--api", &app.api_base()],
        );
        UnderAccount {
            app,
            root,
            reserved: Some(reserved),
            port,
        }
    }

    /// The origin nginx serves (the app's).
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts nginx on the kept port with the project's site file `site` (its CSP allowing the
    /// API origins `apis`, space-separated), serving `root`.
    pub async fn serve(&mut self, site: &str, apis: &str) -> Nginx {
        drop(self.reserved.take());
        Nginx::start_site(site, self.app.dir.path(), &self.root, self.port, apis).await
    }
}
