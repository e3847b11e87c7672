//! The deployment files of docs/deploy.md work. deploy/nginx.conf: a real nginx (Debian's package,
//! with its brotli_static module) serves a copy of the release build through that file, and in
//! Chromium an emailed deep link activates an account, signing in works under its strict CSP, and
//! the response headers are the documented ones; each path gets its prerendered page (`/login`
//! login.html, the emailed links their page, anything else index.html), and the hashed files go
//! out as their brotli or gzip twin. deploy/write-headers.sh: the `_headers` it writes for Netlify
//! and Cloudflare Pages covers the build.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::support::http::request;
use crate::support::nginx::{deployed_copy, Nginx};
use crate::support::{url_path, App, AppOptions, HttpResponse, PASSWORD};

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

/// GET `path` from nginx directly (no browser), with these request headers: the raw answer,
/// its body as sent (not decompressed).
async fn raw_get(origin: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    request("GET", &format!("{origin}{path}"), headers, None)
        .await
        .unwrap_or_else(|e| panic!("GET {path} from nginx: {e}"))
}

/// Which of the web root's pages `body` is (the first with these exact bytes), for messages.
fn page_named(root: &Path, files: &[String], body: &[u8]) -> Option<String> {
    files
        .iter()
        .filter(|name| name.ends_with(".html"))
        .find(|name| std::fs::read(root.join(name)).is_ok_and(|page| page == body))
        .cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn nginx_serves_the_build_with_the_documented_config() {
    skip_unless_e2e!();
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

    // The pages (the root, an emailed link, a signed-in page, a form page, by name, an unknown
    // path): HTML, never cached, with the headers.
    for path in [
        "/",
        url_path(&link),
        "/dashboard?x=1",
        "/index.html",
        "/login",
        "/login?next=%2Fdashboard",
        "/no-such-page",
    ] {
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
            // The prerendered forms can't be sent natively; if one were, it goes nowhere.
            "form-action 'none'",
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
    ] {
        let path = format!("/{file}");
        let r = browser_get(&app, &path).await;
        assert_eq!(r["status"], json!(200), "GET {path}: {r}");
        assert_eq!(header(&r, "cache-control"), IMMUTABLE, "GET {path}: {r}");
        assert!(
            header(&r, "content-type").contains(content_type),
            "GET {path} should be {content_type}: {r}"
        );
        // Chromium asks for `gzip, deflate, br, zstd`: it gets the brotli twin.
        assert_eq!(
            header(&r, "content-encoding"),
            "br",
            "GET {path} should be sent brotli-compressed: {r}"
        );
        assert!(
            !header(&r, "content-security-policy").is_empty(),
            "GET {path}: security headers on every response: {r}"
        );
    }
    let wasm = browser_get(&app, &format!("/{}", hashed(".wasm"))).await;
    assert_eq!(header(&wasm, "content-type"), "application/wasm");
    // Sent precompressed (brotli_static: the .br twin's length), not compressed per request.
    let twin = std::fs::metadata(root.join(format!("{}.br", hashed(".wasm"))))
        .expect("the build's .wasm.br twin")
        .len();
    assert_eq!(
        header(&wasm, "content-length"),
        twin.to_string(),
        "the wasm should come from its .br twin: {wasm}"
    );

    // The same files asked for directly: the brotli twin to whoever takes brotli, the gzip twin
    // to whoever takes only gzip, the file itself to the rest; byte for byte the build's files.
    for file in [hashed(".wasm"), hashed(".js")] {
        let path = format!("/{file}");
        for (accept, encoding, twin) in [
            (Some("br, gzip"), Some("br"), format!("{file}.br")),
            (Some("gzip"), Some("gzip"), format!("{file}.gz")),
            (None, None, file.clone()),
        ] {
            let headers: Vec<(&str, &str)> = accept
                .map(|a| vec![("Accept-Encoding", a)])
                .unwrap_or_default();
            let r = raw_get(&origin, &path, &headers).await;
            let sent = format!(
                "GET {path} with Accept-Encoding {accept:?}: {} {:?}",
                r.status, r.headers
            );
            assert_eq!(r.status, 200, "{sent}");
            assert_eq!(r.header("Content-Encoding"), encoding, "{sent}");
            let bytes = std::fs::read(root.join(&twin))
                .unwrap_or_else(|e| panic!("{twin} in the build: {e}"));
            assert_eq!(
                r.header("Content-Length"),
                Some(bytes.len().to_string().as_str()),
                "{sent}: should be {twin}, {} bytes",
                bytes.len()
            );
            assert!(
                r.body == bytes,
                "{sent}: the body should be {twin} as it is"
            );
            assert_eq!(r.header("Cache-Control"), Some(IMMUTABLE), "{sent}");
            if file.ends_with(".wasm") {
                assert_eq!(r.header("Content-Type"), Some("application/wasm"), "{sent}");
            }
            if accept.is_some() {
                assert!(
                    r.header("Vary")
                        .is_some_and(|v| v.eq_ignore_ascii_case("Accept-Encoding")),
                    "{sent}: caches must keep the encodings apart (Vary: Accept-Encoding)"
                );
            }
        }
    }

    // Each path gets its prerendered page (HTML as the build wrote it; asked for without
    // compression, so the bytes compare): a page by its name, the emailed links their page,
    // anything else index.html (the neutral loading page).
    let mut expected: Vec<(String, String)> = files
        .iter()
        .filter_map(|name| name.strip_suffix(".html"))
        .filter(|stem| *stem != "index")
        .map(|stem| (format!("/{stem}"), format!("{stem}.html")))
        .collect();
    assert!(
        expected.len() >= 9,
        "the build should have a page per route: {files:?}"
    );
    for (path, page) in [
        ("/", "index.html"),
        ("/index.html", "index.html"),
        ("/login.html", "login.html"),
        ("/login?next=%2Fdashboard", "login.html"),
        ("/user-activation/MQ/abc", "user-activation.html"),
        (url_path(&link), "user-activation.html"),
        (
            "/confirm-password-reset/MQ/abc",
            "confirm-password-reset.html",
        ),
        ("/no-such-page", "index.html"),
        ("/no/such/page", "index.html"),
    ] {
        expected.push((path.to_string(), page.to_string()));
    }
    // …and whatever the build's _redirects (for other hosts) says, nginx does too.
    let redirects =
        std::fs::read_to_string(root.join("_redirects")).expect("the build's _redirects");
    for rule in redirects.lines() {
        let words: Vec<&str> = rule.split_whitespace().collect();
        if let [from, to, "200"] = words[..] {
            let prefix = from
                .strip_suffix('*')
                .expect("a _redirects rule ending in *");
            expected.push((
                format!("{prefix}MQ/abc"),
                to.trim_start_matches('/').to_string(),
            ));
        }
    }
    assert!(
        expected
            .iter()
            .filter(|(path, _)| path.ends_with("/MQ/abc"))
            .count()
            >= 4,
        "_redirects should have the two emailed links' rules: {redirects:?}"
    );
    for (path, page) in &expected {
        let r = raw_get(&origin, path, &[]).await;
        let want = std::fs::read(root.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        // (index.html, dashboard.html and settings.html are the same loading page.)
        assert!(
            r.status == 200 && r.body == want,
            "GET {path} should be {page} (200), got {} {:?}: {}",
            r.status,
            page_named(&root, &files, &r.body),
            r.text().chars().take(300).collect::<String>()
        );
        assert_eq!(r.header("Cache-Control"), Some("no-cache"), "GET {path}");
    }
    let login = raw_get(&origin, "/login", &[]).await;
    assert!(
        login.text().contains("id=\"login-form\""),
        "/login should be the prerendered sign-in page: {}",
        login.text()
    );
    // The pages are compressed per request (they have no twins: deployers edit them).
    let r = raw_get(&origin, "/register", &[("Accept-Encoding", "br, gzip")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("Content-Encoding"),
        Some("gzip"),
        "GET /register: {:?}",
        r.headers
    );

    // trunk's hash is a u64 in hex without leading zeros: a build can have 15 digits or fewer.
    std::fs::copy(
        root.join(hashed(".js")),
        root.join("app-589f6c8f1ce7f67.js"),
    )
    .expect("copy a script under a 15-digit hash");
    let r = browser_get(&app, "/app-589f6c8f1ce7f67.js").await;
    assert_eq!(
        header(&r, "cache-control"),
        IMMUTABLE,
        "a 15-digit hash: {r}"
    );

    // A hashed file that doesn't exist (an old release's): 404, not index.html.
    let r = browser_get(&app, "/djoser-auth-spa-0123456789abcdef_bg.wasm").await;
    assert_eq!(r["status"], json!(404), "a missing hashed file: {r}");
    assert_eq!(
        header(&r, "cache-control"),
        "no-cache",
        "a 404 under a hashed name must not be kept for a year: {r}"
    );
}

/// deploy/write-headers.sh (Netlify and Cloudflare Pages `_headers`): the security headers for
/// every path, a year of caching for each hashed file of the build by name, none for index.html.
#[tokio::test(flavor = "multi_thread")]
async fn static_host_headers_file_covers_the_build() {
    skip_unless_e2e!();
    let dir = crate::support::TestDir::new();
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
    // The pages' inline <style>, by the hash this build wrote.
    let style_hash = std::fs::read_to_string(copy.join("csp-style-hash.txt"))
        .expect("the build's csp-style-hash.txt");
    let style_src = format!("style-src 'self' {};", style_hash.trim());
    assert!(
        all.iter()
            .any(|h| h.starts_with("Content-Security-Policy: ") && h.contains(&style_src)),
        "/* should allow the pages' <style> ({style_src}): {all:?}"
    );
    assert!(
        !all.iter().any(|h| h.starts_with("Cache-Control")),
        "/* must not set Cache-Control (the hosts merge matching rules): {all:?}"
    );

    // (The .gz and .br twins are for nginx's gzip_static and brotli_static; these hosts compress
    // by themselves. The prerendered pages are no hashed files, nor are the build's notes for the
    // deploy tools: the style's hash and the route table.)
    let hashed: Vec<&String> = files
        .iter()
        .filter(|f| {
            !f.ends_with(".html")
                && !f.starts_with('_')
                && !["csp-style-hash.txt", "routes.json"].contains(&f.as_str())
                && !f.ends_with(".gz")
                && !f.ends_with(".br")
        })
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
    // Nor any other page, under its file name or its path.
    let pages: Vec<&String> = files.iter().filter(|f| f.ends_with(".html")).collect();
    assert!(pages.len() >= 10, "the prerendered pages: {files:?}");
    for page in pages {
        let path = format!("/{}", page.trim_end_matches(".html"));
        assert!(
            headers_for(&format!("/{page}")).is_empty() && headers_for(&path).is_empty(),
            "{page} must keep the host's no-cache default"
        );
    }

    // The same CSP as deploy/nginx.conf's (form-action 'none' included).
    let nginx_csp = crate::support::nginx::nginx_conf_csp();
    assert!(
        all.contains(&format!("Content-Security-Policy: {nginx_csp}")),
        "_headers and deploy/nginx.conf should send the same CSP ({nginx_csp:?}): {all:?}"
    );
}
