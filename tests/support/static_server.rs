//! Serves the release build as a static host would (hyper's HTTP/1.1 server): real files with
//! their Content-Type, `/login` from the prerendered `login.html`, the routes with parameters by
//! the build's `_redirects` (`/user-activation/*` from `user-activation.html`), and every other
//! path answered with index.html (status 200: the plain SPA fallback, where Netlify and
//! Cloudflare Pages would answer 404.html with a 404). The HTML is rewritten on the fly so that
//! its `<meta name="djoser-api-base">` points at this test's backend. As CDNs and nginx
//! (`tcp_nodelay on`) do, it sends without Nagle's delay; one request per connection.
//!
//! It also remembers every request it was sent ([`StaticServer::requests`]: e.g. the `Referer`
//! a link followed from the app carried), and takes CSP violation reports: a `POST /csp-report`
//! is answered 204 and its JSON body kept ([`StaticServer::csp_reports`]).
//!
//! In the engines without the DevTools Protocol (Firefox, WebKit: `E2E_BROWSER`), it also puts
//! the harness's page script first in every page and serves it (init scripts per tab and the
//! console, `init_scripts.rs`); in Chromium the pages go out as they are.

use std::convert::Infallible;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use std::pin::Pin;
use std::task::{Context, Poll};

use http_body_util::{BodyExt, Limited};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use super::browser::Engine;
use super::init_scripts::{self, InitScripts, HARNESS_PATH, MARK_PATH};

#[derive(Clone, Debug)]
pub struct StaticConfig {
    pub dist: PathBuf,
    pub api_base: String,
    /// Sent with every response, e.g. `("Content-Security-Policy", "...")`. `{api_base}` in a
    /// value stands for `api_base` (the backend's port is only known once it has started).
    pub extra_headers: Vec<(String, String)>,
    /// Holds back the `.wasm` this long, so a test sees the prerendered page before the app.
    pub wasm_delay: Option<Duration>,
    /// Holds back every file but the pages (wasm, JS, CSS, icon) this long: what a first paint
    /// can't wait for.
    pub assets_delay: Option<Duration>,
    /// Sends a page's HTML in two parts this long apart, split before its last top-level part
    /// (`<nav`): a slow network can hand the parser half a page.
    pub page_pause: Option<Duration>,
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

    fn is_csp_report(&self) -> bool {
        self.method == "POST" && self.target.split('?').next() == Some(CSP_REPORT_PATH)
    }
}

pub struct StaticServer {
    origin: String,
    task: JoinHandle<()>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    init_scripts: Arc<InitScripts>,
}

/// What the server adds for the engines without CDP (`None` in Chromium).
type Harness = Option<Arc<InitScripts>>;

/// The build folder: `DIST_DIR`, else `<crate>/dist`.
/// The build with the worked example of a page of your own (`make build-example`):
/// `EXAMPLE_DIST_DIR`, else `<crate>/dist-example`.
pub fn example_dist_dir() -> PathBuf {
    std::env::var_os("EXAMPLE_DIST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("dist-example"))
}

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
        let init_scripts = Arc::new(InitScripts::default());
        let harness: Harness = (!Engine::from_env().has_cdp()).then(|| init_scripts.clone());
        let log = recorded.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let (config, log, harness) = (config.clone(), log.clone(), harness.clone());
                let service = hyper::service::service_fn(move |request| {
                    let (config, log, harness) = (config.clone(), log.clone(), harness.clone());
                    async move { Ok::<_, Infallible>(answer(request, &config, &log, &harness).await) }
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .keep_alive(false)
                    .serve_connection(TokioIo::new(stream), service);
                tokio::spawn(tokio::time::timeout(Duration::from_secs(30), connection));
            }
        });
        StaticServer {
            origin,
            task,
            recorded,
            init_scripts,
        }
    }

    /// Firefox and WebKit: runs `source` first in every page this server gives the tab named
    /// `tab` (`init_scripts.rs`; `App::add_init_script` names the tab).
    pub fn add_init_script(&self, tab: &str, source: &str) {
        self.init_scripts.add(tab, source);
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
            .filter(Recorded::is_csp_report)
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

/// Records `request`, then answers it: 204 for a CSP report, else the file or page it names.
async fn answer(
    request: Request<Incoming>,
    config: &StaticConfig,
    log: &Mutex<Vec<Recorded>>,
    harness: &Harness,
) -> Response<Parts> {
    // The harness's own pages (Firefox, WebKit), neither recorded nor given the extra headers.
    if let Some(scripts) = harness {
        let path = request.uri().path();
        let own = if path == HARNESS_PATH {
            Some(("text/javascript; charset=utf-8", scripts.harness_js()))
        } else if path == MARK_PATH {
            let target = request.uri().to_string();
            Some((HTML, init_scripts::mark_page(&target)))
        } else {
            None
        };
        if let Some((content_type, body)) = own {
            return Response::builder()
                .header("Content-Type", content_type)
                .header("Cache-Control", "no-store")
                .body(Parts::whole(body))
                .expect("a harness response");
        }
    }
    let (head, body) = request.into_parts();
    let body = Limited::new(body, 1024 * 1024)
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let recorded = Recorded {
        method: head.method.to_string(),
        target: head.uri.to_string(),
        headers: head
            .headers
            .iter()
            .map(|(k, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (k.as_str().to_string(), v)
            })
            .collect(),
        body,
    };
    let is_report = recorded.is_csp_report();
    let target = recorded.target.clone();
    log.lock().unwrap().push(recorded);
    if is_report {
        return Response::builder()
            .status(StatusCode::NO_CONTENT)
            .header("Cache-Control", "no-store")
            .body(Parts::whole(Vec::new()))
            .expect("a 204 response");
    }

    if let (Some(delay), true) = (config.wasm_delay, target.ends_with(".wasm")) {
        tokio::time::sleep(delay).await;
    }
    let file = resolve(&config.dist, &target);
    if let (Some(delay), Some(file)) = (config.assets_delay, &file) {
        if content_type(file) != HTML {
            tokio::time::sleep(delay).await;
        }
    }
    let (status, content_type, body) = match file {
        Some(file) if content_type(&file) != HTML => match tokio::fs::read(&file).await {
            Ok(body) => (StatusCode::OK, content_type(&file), body),
            Err(e) => cannot_read(&file, e),
        },
        _ => {
            let page = config.dist.join(page_for(&config.dist, &target));
            match tokio::fs::read_to_string(&page).await {
                Ok(html) => {
                    let html = rewrite_api_base(&html, &config.api_base).unwrap_or(html);
                    let html = match harness {
                        Some(_) => init_scripts::inject(&html),
                        None => html,
                    };
                    (StatusCode::OK, HTML, html.into_bytes())
                }
                Err(e) => cannot_read(&page, e),
            }
        }
    };
    // The pages revalidate (as deploy/nginx.conf has them, and as a back-forward-cache restore
    // needs); the rest isn't stored at all, so every fresh browser fetches it anew.
    let cache_control = if content_type == HTML {
        "no-cache"
    } else {
        "no-store"
    };
    let mut response = Response::builder()
        .status(status)
        .header("Content-Type", content_type)
        .header("Cache-Control", cache_control);
    for (k, v) in &config.extra_headers {
        response = response.header(k, v.replace("{api_base}", &config.api_base));
    }
    let body = match (config.page_pause, content_type == HTML) {
        (Some(pause), true) => Parts::split_before(body, b"<nav", pause),
        _ => Parts::whole(body),
    };
    response.body(body).expect("a response with valid headers")
}

/// A response body sent whole, or in two parts with a pause between.
pub struct Parts {
    first: Option<Bytes>,
    rest: Option<(Pin<Box<tokio::time::Sleep>>, Bytes)>,
}

impl Parts {
    fn whole(body: impl Into<Bytes>) -> Parts {
        Parts {
            first: Some(body.into()),
            rest: None,
        }
    }

    /// The part before the last `marker`, then (after `pause`) the rest; whole without one.
    fn split_before(body: Vec<u8>, marker: &[u8], pause: Duration) -> Parts {
        let Some(at) = body.windows(marker.len()).rposition(|w| w == marker) else {
            return Parts::whole(body);
        };
        let mut first = Bytes::from(body);
        let rest = first.split_off(at);
        Parts {
            first: Some(first),
            rest: Some((Box::pin(tokio::time::sleep(pause)), rest)),
        }
    }
}

impl hyper::body::Body for Parts {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        let Some((pause, _)) = self.rest.as_mut() else {
            return Poll::Ready(None);
        };
        if pause.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        let rest = self.rest.take().map(|(_, rest)| Ok(Frame::data(rest)));
        Poll::Ready(rest)
    }

    // The length is known: sent as `Content-Length`, as a static host does (not chunked).
    fn size_hint(&self) -> hyper::body::SizeHint {
        let first = self.first.as_ref().map_or(0, Bytes::len);
        let rest = self.rest.as_ref().map_or(0, |(_, rest)| rest.len());
        hyper::body::SizeHint::with_exact((first + rest) as u64)
    }

    fn is_end_stream(&self) -> bool {
        self.first.is_none() && self.rest.is_none()
    }
}

fn cannot_read(file: &Path, e: std::io::Error) -> (StatusCode, &'static str, Vec<u8>) {
    let text = format!("cannot read {}: {e}", file.display());
    (StatusCode::INTERNAL_SERVER_ERROR, TEXT, text.into_bytes())
}

/// The existing file a request target names, if any (never outside `dist`).
fn resolve(dist: &Path, target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let path = String::from_utf8_lossy(&urlencoding::decode_binary(path.as_bytes())).into_owned();
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
const TEXT: &str = "text/plain; charset=utf-8";

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
        "txt" => TEXT,
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// Replaces the whole `<meta name="djoser-api-base" ...>` tag with one whose content is
/// `api_base`; `None` when the page has no such tag.
pub fn rewrite_api_base(html: &str, api_base: &str) -> Option<String> {
    rewrite_meta(html, "djoser-api-base", api_base)
}

/// Replaces the whole `<meta name="{name}" ...>` tag with one whose content is `content` (as it
/// is: a test may want any value there); `None` when the page has no such tag.
pub fn rewrite_meta(html: &str, name: &str, content: &str) -> Option<String> {
    let mut from = 0;
    while let Some(offset) = html[from..].find("<meta") {
        let start = from + offset;
        let end = start + html[start..].find('>')? + 1;
        let tag = &html[start..end];
        let names_it = [
            format!("name=\"{name}\""),
            format!("name='{name}'"),
            format!("name={name}"),
        ]
        .iter()
        .any(|n| tag.contains(n.as_str()));
        if names_it {
            let replacement = format!("<meta name=\"{name}\" content=\"{content}\">");
            return Some(format!("{}{replacement}{}", &html[..start], &html[end..]));
        }
        from = end;
    }
    None
}
