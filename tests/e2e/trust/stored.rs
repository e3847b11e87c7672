//! A stored entry of a newer format (issue #18: "an old tab deletes every stored entry of a
//! newer format"): written by a newer build of the app, it must be left alone by this one, so
//! that the first format bump doesn't sign everyone out.

use std::time::Duration;

use serde_json::json;

use super::{control_tab, ALICE, PASSWORD};
use crate::support::App;

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_of_a_newer_format_is_left_alone() {
    skip_unless_e2e!();
    let app = App::start_with_user(ALICE).await;
    control_tab(&app).await;
    app.sign_in(ALICE, PASSWORD).await;
    let stored = app.stored_session().await.expect("a stored session");
    let mut newer = stored.session.clone();
    newer["format"] = json!(99);
    newer["written_by"] = json!("a newer build");
    app.write_stored(&stored, &newer).await;

    app.reload().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = app
        .stored_sessions()
        .await
        .into_iter()
        .find(|s| s.place == stored.place)
        .map(|s| s.session);
    assert_eq!(
        after.as_ref(),
        Some(&newer),
        "the entry of format 99 at {} was not left alone",
        stored.place
    );
}
