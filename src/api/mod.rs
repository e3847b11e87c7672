//! The Djoser client: one request helper under one function per endpoint.

mod endpoints;
mod error;
mod types;

pub use endpoints::*;
pub use error::{plural_seconds, ApiError, FieldErrors, Rejection};
pub use types::*;

use gloo_net::http::{Method, RequestBuilder};
use gloo_timers::callback::Timeout;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Long enough for a slow password hash, short enough that a dead network shows as an error.
const REQUEST_TIMEOUT_MS: u32 = 15_000;

/// Sends one request to `{api_base}/auth/{path}` and reads the answer as `T`.
///
/// `Authorization` is sent only when a token is given: Djoser answers 401 to an expired token
/// even on public endpoints. An empty 2xx body reads as JSON `null`, so `T = ()` fits 204s.
///
/// The body comes as JSON already ([`json`], or [`NO_BODY`]): only the answer's type is generic
/// here, and the rest (`send`) is one function, not a copy per endpoint in the wasm.
async fn request<T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: Result<Option<String>, ApiError>,
    token: Option<&str>,
) -> Result<T, ApiError> {
    let (status, text) = send(method, path, body?, token).await?;
    let json = if text.trim().is_empty() {
        "null"
    } else {
        &text
    };
    crate::json::parse(json).ok_or(ApiError::Unexpected { status })
}

/// A request's body, as JSON.
fn json(body: &impl Serialize) -> Result<Option<String>, ApiError> {
    crate::json::print(body).map(Some).ok_or(ApiError::Network)
}

/// No body, for the GETs.
const NO_BODY: Result<Option<String>, ApiError> = Ok(None);

/// The request itself, with a JSON body if given: a 2xx answer's status and text, else the
/// error it makes.
async fn send(
    method: Method,
    path: &str,
    json: Option<String>,
    token: Option<&str>,
) -> Result<(u16, String), ApiError> {
    let config = crate::config::get();
    let url = format!("{}{}{}", config.api_base, config.api_prefix, path);

    let controller = web_sys::AbortController::new().ok();
    let signal = controller.as_ref().map(|controller| controller.signal());
    let _deadline =
        controller.map(|controller| Timeout::new(REQUEST_TIMEOUT_MS, move || controller.abort()));
    let failed = |_| match &signal {
        Some(signal) if signal.aborted() => ApiError::Timeout,
        _ => ApiError::Network,
    };

    let mut builder = RequestBuilder::new(&url)
        .method(method)
        .header("Accept", "application/json")
        .abort_signal(signal.as_ref());
    if let Some(token) = token {
        builder = builder.header(
            "Authorization",
            &format!("{} {}", config.auth_header_type, token),
        );
    }
    let request = match json {
        Some(json) => builder
            .header("Content-Type", "application/json")
            .body(json),
        None => builder.build(),
    }
    .map_err(|_| ApiError::Network)?;

    let response = request.send().await.map_err(failed)?;
    let status = response.status();
    let text = response.text().await.map_err(failed)?;
    if !(200..300).contains(&status) {
        let retry_after = response.headers().get("Retry-After");
        return Err(ApiError::from_response(
            status,
            retry_after.as_deref(),
            &text,
        ));
    }
    Ok((status, text))
}
