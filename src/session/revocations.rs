//! Refresh tokens whose revocation found no network (a sign-out offline): kept in this app's
//! storage and sent again when the browser is back online or the app next loads, so that a
//! sign-out is final even when it couldn't reach the server at the time.

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
pub fn keep(tokens: Vec<String>) {
    if tokens.is_empty() {
        return;
    }
    let mut kept = read();
    kept.extend(tokens);
    kept.sort_unstable();
    kept.dedup();
    write(&kept);
}

/// Revokes `tokens` now; those that find no network are kept.
pub async fn send_now(tokens: Vec<String>) {
    let mut failed = Vec::new();
    for token in tokens {
        if !api::revoke_refresh_token(&token).await {
            failed.push(token);
        }
    }
    keep(failed);
}

/// Sends every kept revocation; those that find no network again are kept again.
pub async fn send_kept() {
    let kept = read();
    if kept.is_empty() {
        return;
    }
    write(&[]);
    send_now(kept).await;
}
