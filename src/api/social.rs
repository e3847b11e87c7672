//! Djoser's social routes (`o/{provider}/`, social-auth-app-django underneath). Djoser keeps the
//! OAuth `state` in the API's session cookie: both calls go with the API's cookies.

use gloo_net::http::Method;

use super::types::TokenPair;
use super::{djoser_url, read_answer, send, ApiError};
use crate::json::Json;
use crate::url::encode_component;

/// `GET o/{provider}/?redirect_uri=…`: where to send the browser to sign in at the provider.
pub async fn social_begin(provider: &str, redirect_uri: &str) -> Result<String, ApiError> {
    let url = djoser_url(&format!(
        "o/{}/?redirect_uri={}",
        encode_component(provider),
        encode_component(redirect_uri)
    ));
    let (status, text) = send(Method::GET, &url, None, None, true).await?;
    // `{"authorization_url": …}`, read with the error bodies' reader (no parser of its own).
    match read_answer::<Json>(status, &text)?.get("authorization_url") {
        Some(Json::Text(url)) => Ok(url.clone()),
        _ => Err(ApiError::Unexpected { status }),
    }
}

/// `POST o/{provider}/` with the provider's `code` and `state`, form-encoded (social-core reads
/// them from the form, not from JSON): the sign-in's tokens.
pub async fn social_complete(
    provider: &str,
    code: &str,
    state: &str,
) -> Result<TokenPair, ApiError> {
    let url = djoser_url(&format!("o/{}/", encode_component(provider)));
    let form = format!(
        "code={}&state={}",
        encode_component(code),
        encode_component(state)
    );
    let (status, text) = send(Method::POST, &url, Some(form), None, true).await?;
    read_answer(status, &text)
}
