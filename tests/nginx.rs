//! The deployment files of docs/deploy.md work. deploy/nginx.conf: a real nginx (Debian's package)
//! serves a copy of the release build through that file, and in Chromium an emailed deep link
//! activates an account, signing in works under its strict CSP, and the response headers are the
//! documented ones. deploy/write-headers.sh: the `_headers` it writes for Netlify and Cloudflare
//! Pages covers the build.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use support::nginx::{deployed_copy, Nginx};
use support::{url_path, App, AppOptions};

const PASSWORD: &str = "Correct-horse-42";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// GET `path` from the page (same origin, fresh, as the browser sees it): status and headers.
async fn browser_get(app: &App, path: &str) -> Value {
    let result = app
        .browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], { cache: 'no-store' })
               .then(r => done({ status: r.status, headers: Object.fromEntries(r.headers.entries()) }))
               .catch(e => done({ error: String(e) }));",
            vec![json!(path)],
        )
        .await
        .unwrap_or_else(|e| panic!("fetch {path} in the page: {e}"));
    assert!(
        result["error"].is_null(),
        "fetch {path} failed: {}",
        result["error"]
    );
    result
}

fn header<'a>(response: &'a Value, name: &str) -> &'a str {
    response["headers"][name].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread")]
async fn nginx_serves_the_build_with_the_documented_config() {
    // Hold nginx's port while the rest starts, so no other server of this run is given it.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("no free port");
    let port = reserved.local_addr().expect("reserved port").port();
    let origin = format!("http://127.0.0.1:{port}");
    let app = App::start_served_by(&origin, AppOptions::default()).await;
    let root = app.dir.join("www");
    let files = deployed_copy(&root, &app.api_base());
    drop(reserved);
    let _nginx = Nginx::start(app.dir.path(), &root, port, &app.api_base()).await;

    // An emailed deep link opens the app through the SPA fallback and activates the account.
    let email = "nina@example.com";
    let r = app.api().register(email, "Nina", PASSWORD).await;
    assert_eq!(r.status, 201, "register: {}", r.text());
    let link = app
        .backend
        .wait_for_email(email)
        .await
        .link("/user-activation/");
    assert!(
        link.starts_with(&format!("{origin}/user-activation/")),
        "the emailed link should point at nginx ({origin}): {link}"
    );
    app.goto_url(&link).await;
    app.wait_for("[data-result=\"activated\"]").await;

    // Signing in works under the CSP nginx sends (connect-src allows the API, wasm may compile).
    app.sign_in(email, PASSWORD).await;
    app.reload().await;
    app.wait_for_text("#user-email", email).await;
    let csp_errors: Vec<String> = app
        .browser
        .console_messages()
        .await
        .into_iter()
        .filter(|m| m.contains("Content Security Policy") || m.contains("Refused to"))
        .collect();
    assert!(
        csp_errors.is_empty(),
        "the app broke the CSP: {csp_errors:#?}"
    );

    // index.html, for the root, a deep link and by name: HTML, never cached, with the headers.
    for path in ["/", url_path(&link), "/dashboard?x=1", "/index.html"] {
        let r = browser_get(&app, path).await;
        assert_eq!(r["status"], json!(200), "GET {path}: {r}");
        assert!(
            header(&r, "content-type").starts_with("text/html"),
            "GET {path}: {r}"
        );
        assert_eq!(header(&r, "cache-control"), "no-cache", "GET {path}: {r}");
        let csp = header(&r, "content-security-policy");
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            &format!("connect-src 'self' {}", app.api_base()),
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ] {
            assert!(
                csp.contains(directive),
                "GET {path}: the CSP should contain {directive:?}: {csp:?}"
            );
        }
        assert!(
            !csp.contains("unsafe-inline"),
            "no 'unsafe-inline' is needed: {csp:?}"
        );
        assert_eq!(header(&r, "referrer-policy"), "no-referrer", "GET {path}");
        assert_eq!(
            header(&r, "x-content-type-options"),
            "nosniff",
            "GET {path}"
        );
    }

    // The hashed files: cached for a year, with their types, compressed (the largest of each
    // kind: nginx leaves files under 1 kB as they are).
    let hashed = |ext: &str| {
        files
            .iter()
            .filter(|n| n.ends_with(ext))
            .max_by_key(|n| {
                std::fs::metadata(root.join(n))
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .unwrap_or_else(|| panic!("no {ext} file in the build: {files:?}"))
            .clone()
    };
    for (file, content_type) in [
        (hashed(".wasm"), "application/wasm"),
        (hashed(".js"), "javascript"),
        (hashed(".css"), "text/css"),
    ] {
        let path = format!("/{file}");
        let r = browser_get(&app, &path).await;
        assert_eq!(r["status"], json!(200), "GET {path}: {r}");
        assert_eq!(header(&r, "cache-control"), IMMUTABLE, "GET {path}: {r}");
        assert!(
            header(&r, "content-type").contains(content_type),
            "GET {path} should be {content_type}: {r}"
        );
        assert_eq!(
            header(&r, "content-encoding"),
            "gzip",
            "GET {path} should be gzipped: {r}"
        );
        assert!(
            !header(&r, "content-security-policy").is_empty(),
            "GET {path}: security headers on every response: {r}"
        );
    }
    let wasm = browser_get(&app, &format!("/{}", hashed(".wasm"))).await;
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    // Sent precompressed (gzip_static: the .gz twin's length), not compressed per request.
    let twin = std::fs::metadata(root.join(format!("{}.gz", hashed(".wasm"))))
        .expect("the build's .wasm.gz twin")
        .len();
    assert_eq!(
        header(&wasm, "content-length"),
        twin.to_string(),
        "the wasm should come from its .gz twin: {wasm}"
    );

    // trunk's hash is a u64 in hex without leading zeros: a build can have 15 digits or fewer.
    std::fs::copy(
        root.join(hashed(".css")),
        root.join("style-589f6c8f1ce7f67.css"),
    )
    .expect("copy a stylesheet under a 15-digit hash");
    let r = browser_get(&app, "/style-589f6c8f1ce7f67.css").await;
    assert_eq!(
        header(&r, "cache-control"),
        IMMUTABLE,
        "a 15-digit hash: {r}"
    );

    // A hashed file that doesn't exist (an old release's): 404, not index.html.
    let r = browser_get(&app, "/djoser-auth-spa-0123456789abcdef_bg.wasm").await;
    assert_eq!(r["status"], json!(404), "a missing hashed file: {r}");
}

/// deploy/write-headers.sh (Netlify and Cloudflare Pages `_headers`): the security headers for
/// every path, a year of caching for each hashed file of the build by name, none for index.html.
#[tokio::test(flavor = "multi_thread")]
async fn static_host_headers_file_covers_the_build() {
    let dir = support::TestDir::new();
    let copy = dir.join("dist");
    let files = deployed_copy(&copy, "https://api.example.com");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/write-headers.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(&copy)
        .arg("https://api.example.com")
        .output()
        .expect("run deploy/write-headers.sh");
    assert!(
        out.status.success(),
        "write-headers.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(copy.join("_headers")).expect("dist/_headers");

    // Rules: a path line, then indented "Name: value" lines.
    let mut rules: Vec<(String, Vec<String>)> = vec![];
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        if line.starts_with(' ') {
            rules
                .last_mut()
                .expect("a header before any path")
                .1
                .push(line.trim().to_string());
        } else {
            rules.push((line.trim().to_string(), vec![]));
        }
    }
    let headers_for = |path: &str| -> Vec<String> {
        rules
            .iter()
            .filter(|(p, _)| p == path)
            .flat_map(|(_, h)| h.clone())
            .collect()
    };
    let all = headers_for("/*");
    for want in [
        "Referrer-Policy: no-referrer",
        "X-Content-Type-Options: nosniff",
    ] {
        assert!(
            all.iter().any(|h| h == want),
            "/* should set {want:?}: {all:?}"
        );
    }
    assert!(
        all.iter()
            .any(|h| h.starts_with("Content-Security-Policy: ")
                && h.contains("connect-src 'self' https://api.example.com;")
                && h.contains("script-src 'self' 'wasm-unsafe-eval';")),
        "/* should send the CSP with the API origin: {all:?}"
    );
    assert!(
        !all.iter().any(|h| h.starts_with("Cache-Control")),
        "/* must not set Cache-Control (the hosts merge matching rules): {all:?}"
    );

    // (The .gz twins are for nginx's gzip_static; these hosts compress by themselves.)
    let hashed: Vec<&String> = files
        .iter()
        .filter(|f| f.as_str() != "index.html" && !f.starts_with('_') && !f.ends_with(".gz"))
        .collect();
    assert!(
        hashed.len() >= 4,
        "expected the build's hashed files: {files:?}"
    );
    for file in hashed {
        assert_eq!(
            headers_for(&format!("/{file}")),
            [format!("Cache-Control: {IMMUTABLE}")],
            "/{file} should be cached for a year"
        );
    }
    assert!(
        headers_for("/index.html").is_empty() && headers_for("/").is_empty(),
        "index.html must keep the host's no-cache default"
    );
}
