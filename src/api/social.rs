//! Djoser's social routes (`o/{provider}/`, social-auth-app-django underneath). Djoser keeps the
//! OAuth `state` in the API's session cookie: both calls go with the API's cookies.

use gloo_net::http::Method;

use super::types::TokenPair;
use super::{request, ApiError};
use crate::json::Json;
use crate::url::encode_component;

/// `GET o/{provider}/?redirect_uri=…`: where to send the browser to sign in at the provider.
pub async fn social_begin(provider: &str, redirect_uri: &str) -> Result<String, ApiError> {
    let path = format!(
        "o/{}/?redirect_uri={}",
        encode_component(provider),
        encode_component(redirect_uri)
    );
    // `{"authorization_url": …}`, read with the error bodies' reader (no parser of its own).
    match request::<Json>(Method::GET, &path, Ok(None), None)
        .await?
        .get("authorization_url")
    {
        Some(Json::Text(url)) => Ok(url.clone()),
        _ => Err(ApiError::Unexpected { status: 200 }),
    }
}

/// `POST o/{provider}/` with the provider's `code` and `state`, form-encoded (social-core reads
/// them from the form, not from JSON): the sign-in's tokens.
pub async fn social_complete(
    provider: &str,
    code: &str,
    state: &str,
) -> Result<TokenPair, ApiError> {
    let form = format!(
        "code={}&state={}",
        encode_component(code),
        encode_component(state)
    );
    request(
        Method::POST,
        &format!("o/{}/", encode_component(provider)),
        Ok(Some(form)),
        None,
    )
    .await
}
