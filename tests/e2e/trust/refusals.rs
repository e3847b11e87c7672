//! Answers on `jwt/refresh/` that don't mean the token is dead (issue #18: "any JSON 4xx on
//! jwt/refresh ends the session everywhere"): a gateway's 403 and a proxy's 413, as JSON, must
//! leave the session alone; only a refusal that means the token is dead ends it.

use std::time::Duration;

use serde_json::json;

use super::{control_tab, ALICE, PASSWORD};
use crate::support::{App, BackendOptions};

/// Signs in, lets the next refresh answers be what `setup` arranges, and watches the tab through
/// them until a refresh succeeds: it must stay signed in all along.
async fn stays_signed_in(app: &App, what: &str) {
    let done = app
        .poll(
            &format!("a refresh to succeed after {what}"),
            Duration::from_secs(40),
            || async {
                let calls = app.auth_calls_to("/jwt/refresh/").await;
                let seen: Vec<_> = calls.iter().map(|c| c["status"].clone()).collect();
                if app.shown_email().await.as_deref() != Some(ALICE) {
                    return Some(Err(format!(
                        "signed out after {what}: refresh answers {seen:?}, at {}",
                        app.path().await
                    )));
                }
                calls
                    .iter()
                    .any(|c| c["status"] == json!(200))
                    .then_some(Ok(()))
            },
        )
        .await;
    if let Err(problem) = done {
        panic!("{problem}\n{}", app.describe().await);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        app.shown_email().await.as_deref(),
        Some(ALICE),
        "signed out after {what}"
    );
}

/// A gateway in front of the API answers the first two refreshes itself, 403 and 413 with JSON
/// bodies (the page sees them; the backend never does, the token is not spent).
#[tokio::test(flavor = "multi_thread")]
async fn a_gateways_403_or_413_json_on_refresh_keeps_the_session() {
    skip_unless_e2e!();
    let app = App::start_with(BackendOptions::short_access()).await;
    app.add_user(ALICE).await;
    control_tab(&app).await;
    app.sign_in(ALICE, PASSWORD).await;
    app.control(
        "gateway",
        json!([
            [403, "{\"detail\":\"Forbidden by the gateway\"}"],
            [413, "{\"detail\":\"Request Entity Too Large\"}"]
        ]),
    )
    .await;
    stays_signed_in(&app, "a gateway's 403 and 413").await;
}

/// The same from the backend's fault knobs (`403-empty`, `413-empty`: status with `{}`).
#[tokio::test(flavor = "multi_thread")]
async fn a_403_or_413_from_the_backend_on_refresh_keeps_the_session() {
    skip_unless_e2e!();
    let app = App::start_with(
        BackendOptions::short_access().with_faults("POST /auth/jwt/refresh/=403-empty,413-empty"),
    )
    .await;
    app.add_user(ALICE).await;
    control_tab(&app).await;
    app.sign_in(ALICE, PASSWORD).await;
    stays_signed_in(&app, "the backend's 403 and 413").await;
}
