//! The emailed-link pages (issue #18: "the emailed-link pages leave uid/token in the address
//! bar and history"): activation, password-reset confirm and email-reset confirm must take
//! `uid` and `token` out of the address as soon as they have read them: by the time the app
//! runs, while the activation's answer is still on its way.

use std::time::Duration;

use serde_json::json;

use crate::support::{App, BackendOptions};

#[tokio::test(flavor = "multi_thread")]
async fn the_emailed_link_pages_take_uid_and_token_out_of_the_address() {
    skip_unless_e2e!();
    let app = App::start_with(
        BackendOptions::default().with_faults("POST /auth/users/activation/=delay-3000"),
    )
    .await;
    let mut kept = vec![];
    for (page, uid, token) in [
        (
            "/user-activation/",
            "Njc4OQ",
            "cb7f1d-0123456789abcdef0123456789abcdef",
        ),
        (
            "/confirm-password-reset/",
            "Njc5MA",
            "cb7f1e-0123456789abcdef0123456789abcdee",
        ),
        (
            "/confirm-email-reset/",
            "Njc5MQ",
            "cb7f1f-0123456789abcdef0123456789abcded",
        ),
    ] {
        app.goto(&format!("{page}{uid}/{token}")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let address = app
            .js("return [location.href, history.state === null ? '' : JSON.stringify(history.state)];", vec![])
            .await;
        let text = address.to_string();
        if text.contains(token) || text.contains(&format!("/{uid}/")) {
            kept.push(format!(
                "{page}: the address still holds them: {}",
                address[0]
            ));
        }
        assert_eq!(app.js("return 1;", vec![]).await, json!(1));
    }
    assert!(
        kept.is_empty(),
        "uid/token left in the address bar once the page had read them:\n{}",
        kept.join("\n")
    );
}
