//! Refresh tokens to revoke: kept in this app's storage from the moment their revocation is
//! sent until the server has answered for them, and sent again when the browser is back online
//! or the app next loads, so that a sign-out is final even when it couldn't reach the server
//! at the time (offline, a server error, the tab closed at once).

use futures::future::LocalBoxFuture;

use super::shared::{local_storage, name};
use crate::api;

fn read() -> Vec<String> {
    local_storage()
        .and_then(|storage| storage.get_item(&name("revoke")).ok().flatten())
        .and_then(|text| crate::json::parse(&text))
        .unwrap_or_default()
}

fn write(tokens: &[String]) {
    let Some(storage) = local_storage() else {
        return;
    };
    let _ = match tokens {
        [] => storage.remove_item(&name("revoke")),
        tokens => match crate::json::print(&tokens) {
            Some(text) => storage.set_item(&name("revoke"), &text),
            None => Ok(()),
        },
    };
}

/// Keeps `tokens` to revoke later.
fn keep(tokens: &[String]) {
    if tokens.is_empty() {
        return;
    }
    let mut kept = read();
    kept.extend_from_slice(tokens);
    kept.sort_unstable();
    kept.dedup();
    write(&kept);
}

/// Revokes `tokens`, each kept until the server has answered for it, so that a tab closed
/// meanwhile, no network or a server error leaves it to the next try.
pub fn send_now(tokens: Vec<String>) -> LocalBoxFuture<'static, ()> {
    keep(&tokens);
    send(tokens)
}

/// Sends every kept revocation again.
pub fn send_kept() -> LocalBoxFuture<'static, ()> {
    send(read())
}

/// Sends kept `tokens` one after another, forgetting each once the server has answered for it.
fn send(tokens: Vec<String>) -> LocalBoxFuture<'static, ()> {
    Box::pin(async move {
        for token in tokens {
            if api::revoke_refresh_token(&token).await {
                let mut kept = read();
                kept.retain(|kept| *kept != token);
                write(&kept);
            }
        }
    })
}
