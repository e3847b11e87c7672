//! Two builds of the app on one origin (issue #18: "tokens handed to another app's backend"):
//! `/account/` talking to one API and `/staging/` to another, through one nginx with
//! deploy/nginx-subpath.conf's locations for each path. The staging build must not load the
//! first one's session (nor send its tokens to its own API); and `next` must not leave the base
//! path through `%2e%2e` ("`next` can leave the base path").

use std::path::{Path, PathBuf};

use super::{ALICE, PASSWORD};
use crate::support::dist::configured_copy;
use crate::support::nginx::{Nginx, UnderAccount};
use crate::support::{find, App, Backend, BackendOptions};

/// deploy/nginx-subpath.conf serving `/account/` and, the same way, `/staging/` (its locations
/// and its cache map line repeated for the second path), written into `dir`.
fn two_paths_site(dir: &Path) -> PathBuf {
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nginx-subpath.conf");
    let site = std::fs::read_to_string(&conf).expect("deploy/nginx-subpath.conf");
    let start = site
        .find("    # The hashed build files")
        .expect("the locations of deploy/nginx-subpath.conf");
    let end = site.rfind('}').expect("the server block's end");
    let staging = site[start..end].replace("/account", "/staging");
    let map_line = site
        .lines()
        .find(|l| l.contains("\"~^/account/"))
        .expect("the cache map line");
    let site = format!("{}{}{}", &site[..end], staging, &site[end..]).replacen(
        map_line,
        &format!("{map_line}\n{}", map_line.replace("/account", "/staging")),
        1,
    );
    let path = dir.join("two-paths.conf");
    std::fs::write(&path, site).expect("write the site");
    path
}

/// One origin served by nginx: `/account/` (API: the world's backend) and `/staging/` (API: a
/// second backend, returned too).
async fn two_apps() -> (App, Backend, Nginx) {
    let mut world = UnderAccount::start().await;
    let staging_dir = world.app.dir.join("staging-backend");
    std::fs::create_dir_all(&staging_dir).expect("staging backend dir");
    let staging = Backend::start(&staging_dir, &world.origin(), &BackendOptions::default()).await;
    configured_copy(
        &world.root.join("staging"),
        &["--base", "/staging/", "--api", &staging.base_url()],
    );
    let site = two_paths_site(world.app.dir.path());
    let apis = format!("{} {}", world.app.api_base(), staging.base_url());
    let nginx = world.serve(site.to_str().unwrap(), &apis).await;
    (world.app, staging, nginx)
}

/// The requests a backend's log shows that carry a session's tokens (profile, refresh, revoke).
fn token_requests(backend: &Backend) -> Vec<String> {
    std::fs::read_to_string(backend.stderr_log())
        .unwrap_or_default()
        .lines()
        .filter(|l| {
            [
                "/users/me/",
                "/jwt/refresh",
                "/jwt/blacklist",
                "/jwt/verify",
            ]
            .iter()
            .any(|p| l.contains(p))
        })
        .map(str::to_string)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn another_build_under_another_path_does_not_take_the_session() {
    skip_unless_e2e!();
    let (app, staging, _nginx) = two_apps().await;
    app.add_user(ALICE).await;
    app.goto("/account/login").await;
    app.submit_login("email", ALICE, PASSWORD).await;
    app.wait_for_path("/account/dashboard").await;
    app.wait_for_text("#user-email", ALICE).await;

    app.goto("/staging/dashboard").await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let mut problems = vec![];
    if let Some(shown) = app.shown_email().await {
        problems.push(format!(
            "the staging build shows {shown} signed in at {}",
            app.path().await
        ));
    }
    let sent = token_requests(&staging);
    if !sent.is_empty() {
        problems.push(format!(
            "the staging API received the first build's tokens:\n{}",
            sent.join("\n")
        ));
    }
    app.goto("/account/dashboard").await;
    if app.shown_email().await.is_none() {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
    if app.shown_email().await.as_deref() != Some(ALICE) {
        problems.push(format!(
            "the first build is no longer signed in after the staging build ran: {}",
            app.path().await
        ));
    }
    assert!(
        problems.is_empty(),
        "two builds on one origin:\n{}",
        problems.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn next_through_dot_dot_stays_under_the_base_path() {
    skip_unless_e2e!();
    let (app, _staging, _nginx) = two_apps().await;
    app.add_user(ALICE).await;
    let mut escaped = vec![];
    // `next` after query decoding: /account/%2e%2e/staging/dashboard and the like.
    for next in [
        "%2Faccount%2F%252e%252e%2Fstaging%2Fdashboard",
        "%2Faccount%2F%252E%252E%2Fstaging%2F",
        "%2Faccount%2F.%252e%2Fstaging%2F",
        "%2Faccount%2Fdashboard%2F..%2F..%2Fstaging%2F",
        // An encoded `?` first: /account/%3F/%2e%2e/%2e%2e/staging/ (review finding).
        "%2Faccount%2F%253F%2F%252e%252e%2F%252e%252e%2Fstaging%2F",
    ] {
        app.goto(&format!("/account/login?next={next}")).await;
        app.submit_login("email", ALICE, PASSWORD).await;
        let landed = app
            .poll("the sign-in to land", crate::support::WAIT, || async {
                let path = app.pathname().await;
                (path != "/account/login").then_some(path)
            })
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let landed = if app.pathname().await != landed {
            app.pathname().await
        } else {
            landed
        };
        if !landed.starts_with("/account/") {
            escaped.push(format!("next={next} landed on {landed}"));
        }
        app.goto("/account/dashboard").await;
        app.click(find::SIGN_OUT).await;
        app.wait_for_pathname("/account/login").await;
    }
    assert!(
        escaped.is_empty(),
        "`next` left the base path /account/:\n{}",
        escaped.join("\n")
    );
}
