//! Serves the release build as a static host would: real files with their Content-Type, `/login`
//! from the prerendered `login.html`, the routes with parameters by the build's `_redirects`
//! (`/user-activation/*` from `user-activation.html`), and every other path answered with
//! index.html (status 200: the plain SPA fallback, where Netlify and Cloudflare Pages would answer
//! 404.html with a 404). The HTML is rewritten on the fly so
//! that its `<meta name="djoser-api-base">` points at this test's backend.
//!
//! It also remembers every request it was sent ([`StaticServer::requests`]: e.g. the `Referer`
//! a link followed from the app carried), and takes CSP violation reports: a `POST /csp-report`
//! is answered 204 and its JSON body kept ([`StaticServer::csp_reports`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Clone, Debug)]
pub struct StaticConfig {
    pub dist: PathBuf,
    pub api_base: String,
    /// Sent with every response, e.g. `("Content-Security-Policy", "...")`. `{api_base}` in a
    /// value stands for `api_base` (the backend's port is only known once it has started).
    pub extra_headers: Vec<(String, String)>,
    /// Holds back the `.wasm` this long, so a test sees the prerendered page before the app.
    pub wasm_delay: Option<Duration>,
}

/// Where browsers are told to send CSP violation reports (`report-uri /csp-report`).
pub const CSP_REPORT_PATH: &str = "/csp-report";

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The request target, e.g. "/login?next=%2F".
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct StaticServer {
    origin: String,
    task: JoinHandle<()>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

/// The build folder: `DIST_DIR`, else `<crate>/dist`.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("DIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("dist"))
}

impl StaticServer {
    /// Serves `config.dist` on an already bound listener (bind first, so the origin is known
    /// before the backend that must allow it starts).
    pub fn start(listener: TcpListener, config: StaticConfig) -> StaticServer {
        let index = config.dist.join("index.html");
        let html = std::fs::read_to_string(&index).unwrap_or_else(|e| {
            panic!(
                "cannot read {}: {e}\nBuild the app first (trunk build --release), or point DIST_DIR at a build folder.",
                index.display()
            )
        });
        if rewrite_api_base(&html, &config.api_base).is_none() {
            panic!(
                "{} has no <meta name=\"djoser-api-base\" content=\"...\"> tag; the harness can't point the app at the test backend",
                index.display()
            );
        }
        let origin = format!(
            "http://{}",
            listener.local_addr().expect("listener address")
        );
        let config = Arc::new(config);
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let log = recorded.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                // As CDNs and nginx (`tcp_nodelay on`) do: no Nagle delay on small writes.
                let _ = stream.set_nodelay(true);
                let config = config.clone();
                let log = log.clone();
                tokio::spawn(async move {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(30), serve(stream, &config, &log))
                            .await;
                });
            }
        });
        StaticServer {
            origin,
            task,
            recorded,
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }

    /// The bodies of the CSP violation reports received so far (JSON; a body that isn't JSON
    /// is kept as a string).
    pub fn csp_reports(&self) -> Vec<serde_json::Value> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.target.split('?').next() == Some(CSP_REPORT_PATH))
            .map(|r| {
                serde_json::from_slice(&r.body).unwrap_or_else(|_| {
                    serde_json::Value::String(String::from_utf8_lossy(&r.body).into_owned())
                })
            })
            .collect()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    config: &StaticConfig,
    log: &Mutex<Vec<Recorded>>,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head_end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(buf.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.lines();
    let mut parts = lines.next().unwrap_or("").split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let length = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(1024 * 1024);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let is_report = method == "POST" && target.split('?').next() == Some(CSP_REPORT_PATH);
    log.lock().unwrap().push(Recorded {
        method: method.clone(),
        target: target.clone(),
        headers,
        body,
    });
    if is_report {
        let response =
            "HTTP/1.1 204 No Content\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n";
        stream.write_all(response.as_bytes()).await?;
        return stream.shutdown().await;
    }

    if let (Some(delay), true) = (config.wasm_delay, target.ends_with(".wasm")) {
        tokio::time::sleep(delay).await;
    }
    let (status, content_type, body) = match resolve(&config.dist, &target) {
        Some(file) if content_type(&file) != HTML => {
            let body = tokio::fs::read(&file).await?;
            ("200 OK", content_type(&file), body)
        }
        _ => {
            let page = page_for(&config.dist, &target);
            let html = tokio::fs::read_to_string(config.dist.join(page)).await?;
            let html = rewrite_api_base(&html, &config.api_base).unwrap_or(html);
            ("200 OK", HTML, html.into_bytes())
        }
    };

    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in &config.extra_headers {
        let v = v.replace("{api_base}", &config.api_base);
        response.push_str(&format!("{k}: {v}\r\n"));
    }
    response.push_str("\r\n");
    let mut response = response.into_bytes();
    if method != "HEAD" {
        response.extend_from_slice(&body);
    }
    stream.write_all(&response).await?;
    stream.shutdown().await
}

/// The existing file a request target names, if any (never outside `dist`).
fn resolve(dist: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = super::http::percent_decode(&path.replace('+', "%2B"));
    let mut file = dist.to_path_buf();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        if segment == ".." || segment == "." || segment.contains('\\') {
            return None;
        }
        file.push(segment);
    }
    file.is_file().then_some(file)
}

/// The HTML file that answers a path: `index.html` for `/`, the prerendered `<path>.html`, the
/// page a `_redirects` rule names (`/user-activation/*  /user-activation.html  200`), else
/// `index.html`.
fn page_for(dist: &Path, target: &str) -> String {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let named = format!("{}.html", path.trim_matches('/'));
    if path != "/" && resolve(dist, &named).is_some() {
        return named;
    }
    let redirects = std::fs::read_to_string(dist.join("_redirects")).unwrap_or_default();
    redirects
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .find(|(from, _)| {
            from.strip_suffix('*')
                .is_some_and(|prefix| path.starts_with(prefix))
        })
        .map(|(_, to)| to.trim_start_matches('/').to_string())
        .unwrap_or_else(|| "index.html".to_string())
}

const HTML: &str = "text/html; charset=utf-8";

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => HTML,
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Replaces the whole `<meta name="djoser-api-base" ...>` tag with one whose content is
/// `api_base`; `None` when the page has no such tag.
pub fn rewrite_api_base(html: &str, api_base: &str) -> Option<String> {
    let mut from = 0;
    while let Some(offset) = html[from..].find("<meta") {
        let start = from + offset;
        let end = start + html[start..].find('>')? + 1;
        let tag = &html[start..end];
        let names_it = [
            "name=\"djoser-api-base\"",
            "name='djoser-api-base'",
            "name=djoser-api-base",
        ]
        .iter()
        .any(|n| tag.contains(n));
        if names_it {
            let replacement = format!("<meta name=\"djoser-api-base\" content=\"{api_base}\">");
            return Some(format!("{}{replacement}{}", &html[..start], &html[end..]));
        }
        from = end;
    }
    None
}
