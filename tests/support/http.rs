//! An HTTP/1.1 client (hyper's, plain http, a fresh connection per request), enough to talk JSON
//! to the Django backend and to chromedriver, and to fetch from the static servers and nginx.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// As sent (never decompressed).
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

/// Sends one request to an `http://host:port/path` URL and reads the whole answer (within 30 s).
/// No connection is kept: a server stopped and started again in between is met afresh.
pub async fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<HttpResponse> {
    let failed = |e: &dyn std::fmt::Debug| std::io::Error::other(format!("{method} {url}: {e:?}"));
    let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(0)
        .build_http();
    let mut builder = hyper::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Full::new(Bytes::copy_from_slice(body.unwrap_or_default())))
        .map_err(|e| failed(&e))?;
    let exchange = async {
        let response = client.request(request).await.map_err(|e| failed(&e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_string(), value)
            })
            .collect();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| failed(&e))?
            .to_bytes()
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    };
    tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .map_err(|_| std::io::Error::other(format!("{method} {url}: no answer within 30 s")))?
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
