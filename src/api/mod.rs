//! The Djoser client: one request helper under one function per endpoint, and
//! [`ApiRequest`] for calls to your own API with the session's token.

mod endpoints;
mod error;
#[cfg(feature = "social")]
mod social;
mod types;

pub use endpoints::*;
pub use error::{plural_seconds, ApiError, FieldErrors, Rejection};
#[cfg(feature = "social")]
pub use social::*;
pub use types::*;

pub use gloo_net::http::Method;
use gloo_timers::callback::Timeout;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Long enough for a slow password hash, short enough that a dead network shows as an error.
const REQUEST_TIMEOUT_MS: u32 = 15_000;

/// Sends one request to Djoser's `{api_base}{api_prefix}{path}` and reads the answer as `T`.
///
/// `Authorization` is sent only when a token is given: Djoser answers 401 to an expired token
/// even on public endpoints.
async fn request<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Result<Option<String>, ApiError>,
    token: Option<&str>,
) -> Result<T, ApiError> {
    request_with(method, path, body, token, Some(REQUEST_TIMEOUT_MS)).await
}

/// [`request`] with its own deadline (`None`: wait for the answer however long it takes).
async fn request_with<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Result<Option<String>, ApiError>,
    token: Option<&str>,
    deadline_ms: Option<u32>,
) -> Result<T, ApiError> {
    // Djoser's social routes (`o/{provider}/`) keep the OAuth state in the API's session cookie.
    let social = cfg!(feature = "social") && path.starts_with("o/");
    let url = djoser_url(path);
    let (status, text) = send(method, &url, body?, token, deadline_ms, social).await?;
    read_answer(status, &text)
}

/// `{api_base}{api_prefix}{path}`: Djoser's prefix (`/auth/` unless configured otherwise).
fn djoser_url(path: &str) -> String {
    let config = crate::config::get();
    format!("{}{}{}", config.api_base, config.api_prefix, path)
}

/// A 2xx answer's body as `T`. An empty body reads as JSON `null`, so `T = ()` fits 204s.
pub(crate) fn read_answer<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, ApiError> {
    let json = if text.trim().is_empty() { "null" } else { text };
    crate::json::parse(json).ok_or(ApiError::Unexpected { status })
}

/// A call to any JSON endpoint on the API's origin (your own API beside Djoser), made through
/// [`SessionManager::send`](crate::session::SessionManager::send) with the session's token.
///
/// ```no_run
/// use djoser_auth_spa::api::ApiRequest;
///
/// #[derive(serde::Serialize)]
/// struct NewNote<'a> {
///     text: &'a str,
/// }
///
/// let list = ApiRequest::get("/api/notes/");
/// let create = ApiRequest::post("/api/notes/", &NewNote { text: "Buy milk" });
/// let delete = ApiRequest::delete("/api/notes/7/");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ApiRequest {
    method: Method,
    /// From the API's origin: `/api/notes/`.
    path: String,
    body: Result<Option<String>, ApiError>,
}

impl ApiRequest {
    /// `method` on `path` (from the API's origin, starting with `/`), with no body.
    pub fn new(method: Method, path: impl Into<String>) -> ApiRequest {
        ApiRequest {
            method,
            path: path.into(),
            body: NO_BODY,
        }
    }

    /// A Djoser endpoint: `path` under the API prefix.
    pub(crate) fn djoser(method: Method, path: &str) -> ApiRequest {
        ApiRequest::new(method, format!("{}{path}", crate::config::get().api_prefix))
    }

    pub fn get(path: impl Into<String>) -> ApiRequest {
        ApiRequest::new(Method::GET, path)
    }

    pub fn delete(path: impl Into<String>) -> ApiRequest {
        ApiRequest::new(Method::DELETE, path)
    }

    pub fn post(path: impl Into<String>, body: &impl Serialize) -> ApiRequest {
        ApiRequest::new(Method::POST, path).with_body(body)
    }

    pub fn patch(path: impl Into<String>, body: &impl Serialize) -> ApiRequest {
        ApiRequest::new(Method::PATCH, path).with_body(body)
    }

    /// Sends `body` as JSON.
    pub fn with_body(self, body: &impl Serialize) -> ApiRequest {
        ApiRequest {
            body: json(body),
            ..self
        }
    }

    /// Sends it with `token` (one the session has just been given, before it is stored) and
    /// reads the answer as `T`. Pages send with [`SessionManager::send`](crate::session::SessionManager::send).
    pub(crate) async fn send_with<T: DeserializeOwned>(&self, token: &str) -> Result<T, ApiError> {
        let (status, text) = self.send_for_text(token).await?;
        read_answer(status, &text)
    }

    /// Sends it with `token`: a 2xx answer's status and text. Not generic over the answer's
    /// type, so the token handling around it is compiled once, whatever pages call.
    pub(crate) async fn send_for_text(&self, token: &str) -> Result<(u16, String), ApiError> {
        let path = self.path.trim_start_matches('/');
        let url = format!("{}/{}", crate::config::get().api_base, path);
        let body = self.body.clone()?;
        send(
            self.method.clone(),
            &url,
            body,
            Some(token),
            Some(REQUEST_TIMEOUT_MS),
            false,
        )
        .await
    }
}

/// A request's body, as JSON.
fn json(body: &impl Serialize) -> Result<Option<String>, ApiError> {
    crate::json::print(body).map(Some).ok_or(ApiError::Network)
}

/// No body, for the GETs.
const NO_BODY: Result<Option<String>, ApiError> = Ok(None);

/// The request itself, with a JSON body if given: a 2xx answer's status and text, else the
/// error it makes. `social`: a call to Djoser's social route, with the API's cookies and a
/// form-encoded body. (`fetch` through web-sys: gloo-net's request builder cost the wasm ~3 KB.)
async fn send(
    method: Method,
    url: &str,
    json: Option<String>,
    token: Option<&str>,
    deadline_ms: Option<u32>,
    social: bool,
) -> Result<(u16, String), ApiError> {
    let config = crate::config::get();

    let controller = web_sys::AbortController::new().ok();
    let signal = controller.as_ref().map(|controller| controller.signal());
    let _deadline = controller
        .clone()
        .zip(deadline_ms)
        .map(|(controller, ms)| Timeout::new(ms, move || controller.abort()));
    let failed = |_| match &signal {
        Some(signal) if signal.aborted() => ApiError::Timeout,
        _ => ApiError::Network,
    };

    let headers = web_sys::Headers::new().map_err(|_| ApiError::Network)?;
    let set = |name: &str, value: &str| headers.set(name, value).map_err(|_| ApiError::Network);
    set("Accept", "application/json")?;
    let init = web_sys::RequestInit::new();
    init.set_method(method.as_str());
    init.set_signal(signal.as_ref());
    if cfg!(feature = "social") && social {
        init.set_credentials(web_sys::RequestCredentials::Include);
    }
    if let Some(token) = token {
        set(
            "Authorization",
            &format!("{} {}", config.auth_header_type, token),
        )?;
    }
    if let Some(json) = json {
        set(
            "Content-Type",
            if cfg!(feature = "social") && social {
                "application/x-www-form-urlencoded"
            } else {
                "application/json"
            },
        )?;
        init.set_body(&JsValue::from(json));
    }
    init.set_headers(&headers);
    let window = web_sys::window().ok_or(ApiError::Network)?;

    let response: web_sys::Response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(failed)?
        .unchecked_into();
    let text = || async {
        let promise = response.text().map_err(failed)?;
        let text = JsFuture::from(promise).await.map_err(failed)?;
        Ok::<String, ApiError>(text.as_string().unwrap_or_default())
    };
    let status = response.status();
    if !(200..300).contains(&status) {
        let headers = response.headers();
        let header = |name: &str| headers.get(name).ok().flatten();
        let retry_after = header("Retry-After");
        // An error body declared past the cap isn't read at all: copying megabytes into the
        // wasm only to refuse them would hold the page up.
        let oversized = header("Content-Length")
            .and_then(|length| length.trim().parse::<usize>().ok())
            .is_some_and(|length| length > error::MAX_ERROR_BODY_BYTES);
        let text = if oversized {
            // And the rest of it isn't fetched.
            if let Some(controller) = &controller {
                controller.abort();
            }
            String::new()
        } else {
            text().await?
        };
        return Err(ApiError::from_response(
            status,
            retry_after.as_deref(),
            &text,
        ));
    }
    Ok((status, text().await?))
}

/// Revokes a refresh token (SimpleJWT's `TokenBlacklistView`), sent at once, before anything
/// else the caller does: form-encoded, so that it is a CORS "simple" request (no preflight to
/// wait for), and `keepalive`, so that it outlives a tab being closed. Resolves to whether the
/// token is done with ([`revocation_final`]); `false` (no network, a server error, throttled)
/// means the caller keeps the token to try again.
pub fn revoke_refresh_token(refresh: &str) -> impl std::future::Future<Output = bool> {
    let sent = web_sys::window().map(|window| {
        let init = web_sys::RequestInit::new();
        init.set_method("POST");
        // Not in web-sys's RequestInit: set as the plain property the browser reads.
        let _ = js_sys::Reflect::set(&init, &"keepalive".into(), &true.into());
        let body = format!("refresh={}", urlencoding::encode(refresh));
        init.set_body(&JsValue::from_str(&body));
        let headers = js_sys::Object::new();
        let form = "application/x-www-form-urlencoded";
        let _ = js_sys::Reflect::set(&headers, &"Content-Type".into(), &form.into());
        init.set_headers(&headers);
        window.fetch_with_str_and_init(&djoser_url("jwt/blacklist/"), &init)
    });
    async move {
        let Some(promise) = sent else {
            return false;
        };
        match wasm_bindgen_futures::JsFuture::from(promise).await {
            Ok(answer) => revocation_final(answer.unchecked_into::<web_sys::Response>().status()),
            Err(_) => false,
        }
    }
}

/// Whether an answer of `jwt/blacklist/` leaves nothing to retry: revoked (2xx), a token already
/// dead (401: blacklisted, expired) or not a token (400), or a backend without the endpoint
/// (404, 405: retrying can't help). Anything else (a server error, throttling, a firewall's
/// 403) may leave the token alive: it is kept and sent again.
pub fn revocation_final(status: u16) -> bool {
    matches!(status, 200..=299 | 400 | 401 | 404 | 405)
}
