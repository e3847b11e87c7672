//! A minimal HTTP/1.1 client (plain http only, `Connection: close`), enough to talk JSON to the
//! Django backend and to chromedriver's status endpoint.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics with the raw body when it isn't JSON.
    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "expected a JSON body (status {}), got {e}: {}",
                self.status,
                self.text()
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request to an `http://host:port/path` URL and reads the whole answer.
pub async fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<HttpResponse> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| std::io::Error::other(format!("only http:// URLs are supported: {url}")))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let exchange = async {
        let mut stream = TcpStream::connect(host).await?;
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(body) = body {
            head.push_str(&format!("Content-Length: {}\r\n", body.len()));
        } else if method != "GET" && method != "HEAD" {
            head.push_str("Content-Length: 0\r\n");
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).await?;
        if let Some(body) = body {
            stream.write_all(body).await?;
        }
        // Read until the body is complete: servers that keep the connection open despite
        // `Connection: close` (chromedriver does) would otherwise stall read_to_end.
        let mut raw = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&chunk[..n]);
            if response_complete(&raw) {
                break;
            }
        }
        parse_response(&raw)
    };
    tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .map_err(|_| std::io::Error::other(format!("{method} {url}: no answer within 30 s")))?
}

/// True once `raw` holds the headers and as many body bytes as Content-Length says (or the
/// final chunk of a chunked body).
fn response_complete(raw: &[u8]) -> bool {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    for line in head.split("\r\n") {
        if let Some(len) = line.strip_prefix("content-length:") {
            return len
                .trim()
                .parse::<usize>()
                .map(|len| body.len() >= len)
                .unwrap_or(false);
        }
        if line.starts_with("transfer-encoding:") && line.contains("chunked") {
            return body.ends_with(b"0\r\n\r\n");
        }
    }
    // 204/304 and 1xx have no body; otherwise the server closes the connection.
    head.starts_with("http/1.1 204")
        || head.starts_with("http/1.1 304")
        || head.starts_with("http/1.0 204")
}

fn parse_response(raw: &[u8]) -> std::io::Result<HttpResponse> {
    let bad = |what: &str| {
        std::io::Error::other(format!(
            "malformed HTTP response ({what}): {}",
            String::from_utf8_lossy(&raw[..raw.len().min(300)])
        ))
    };
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| bad("no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().ok_or_else(|| bad("empty"))?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body).ok_or_else(|| bad("chunked body"))?;
    }
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

/// A JSON client for the test backend's API, for calls a test makes behind the browser's back.
#[derive(Clone, Debug)]
pub struct Api {
    pub base: String,
}

impl Api {
    pub async fn post(&self, path: &str, body: Value) -> HttpResponse {
        let url = format!("{}{path}", self.base);
        let bytes = body.to_string();
        request(
            "POST",
            &url,
            &[
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ],
            Some(bytes.as_bytes()),
        )
        .await
        .unwrap_or_else(|e| panic!("POST {url} failed: {e}"))
    }

    /// GET with an optional `Authorization: JWT <access>` header.
    pub async fn get(&self, path: &str, access: Option<&str>) -> HttpResponse {
        let url = format!("{}{path}", self.base);
        let auth = access.map(|t| format!("JWT {t}"));
        let mut headers = vec![("Accept", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth.as_str()));
        }
        request("GET", &url, &headers, None)
            .await
            .unwrap_or_else(|e| panic!("GET {url} failed: {e}"))
    }

    pub async fn jwt_create(&self, email: &str, password: &str) -> HttpResponse {
        self.post(
            "/auth/jwt/create/",
            serde_json::json!({ "email": email, "password": password }),
        )
        .await
    }

    pub async fn jwt_refresh(&self, refresh: &str) -> HttpResponse {
        self.post(
            "/auth/jwt/refresh/",
            serde_json::json!({ "refresh": refresh }),
        )
        .await
    }

    pub async fn jwt_blacklist(&self, refresh: &str) -> HttpResponse {
        self.post(
            "/auth/jwt/blacklist/",
            serde_json::json!({ "refresh": refresh }),
        )
        .await
    }

    /// POST /auth/users/ (registration); the backend sends an activation email on 201.
    pub async fn register(&self, email: &str, name: &str, password: &str) -> HttpResponse {
        self.post(
            "/auth/users/",
            serde_json::json!({ "email": email, "name": name, "password": password, "re_password": password }),
        )
        .await
    }
}

/// Decodes `%XX` escapes (and `+` as space), as in a query string.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
