//! `nginx`: first visits to `/login` through nginx with deploy/nginx.conf, as a CDN would serve
//! them (the build's precompressed twins, the production headers), each in a new Chromium with a
//! fresh profile.

use crate::page::{browser_for_run, first_visit};
use crate::progress;
use crate::support::dist::configured_copy;
use crate::support::nginx::{deployed_copy, Nginx};
use crate::support::{App, AppOptions, BackendOptions};
use crate::table::{kb, ms, stat, RowSpec};

#[derive(Default)]
pub struct NginxVisits {
    pub usable: Vec<f64>,
    pub painted: Vec<f64>,
    pub wire: Vec<f64>,
}

impl NginxVisits {
    /// Adds another round's runs to these.
    pub fn merge(&mut self, other: NginxVisits) {
        let NginxVisits {
            usable,
            painted,
            wire,
        } = other;
        self.usable.extend(usable);
        self.painted.extend(painted);
        self.wire.extend(wire);
    }
}

/// A world whose SPA nginx serves with deploy/nginx.conf, from a deployed copy of the build (its
/// pages pointing at the world's backend), as a CDN would serve it: compressed on the wire, the
/// production headers. Keep the [`Nginx`] as long as the world.
pub async fn nginx_world() -> (App, Nginx) {
    // Hold nginx's port while the backend starts, so it isn't handed to anyone else.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("no free port");
    let port = reserved.local_addr().expect("reserved port").port();
    let origin = format!("http://127.0.0.1:{port}");
    let app = App::start_served_by(&origin, AppOptions::default()).await;
    let root = app.dir.join("www");
    deployed_copy(&root, &app.api_base());
    drop(reserved);
    let nginx = Nginx::start(app.dir.path(), &root, port, &app.api_base()).await;
    (app, nginx)
}

/// The same-origin layout (deploy/nginx-proxy.conf, as docs/deploy.md recommends): nginx serves a
/// copy of the build configured with `scripts/configure-dist.py <copy> --api same-origin` and
/// passes /auth/ to the world's backend (`AUTH_SAME_ORIGIN=1`, `AUTH_SPA_ORIGIN` nginx's origin),
/// so the app calls its API on its own origin: no CORS, no preflights. Keep the [`Nginx`] as long
/// as the world.
pub async fn same_origin_world() -> (App, Nginx) {
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("no free port");
    let port = reserved.local_addr().expect("reserved port").port();
    let origin = format!("http://127.0.0.1:{port}");
    let app = App::start_served_by(
        &origin,
        AppOptions {
            backend: BackendOptions {
                extra_env: vec![("AUTH_SAME_ORIGIN".into(), "1".into())],
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let root = app.dir.join("www");
    configured_copy(&root, &["--api", "same-origin"]);
    drop(reserved);
    let nginx = Nginx::start_proxy(app.dir.path(), &root, port, app.backend.port()).await;
    (app, nginx)
}

/// First visits through nginx with deploy/nginx.conf, each in a new Chromium with a fresh profile.
pub async fn runs(runs: usize) -> NginxVisits {
    let (mut app, _nginx) = nginx_world().await;
    let mut v = NginxVisits::default();
    for run in 0..runs {
        progress(&format!("first visit through nginx {}/{runs}", run + 1));
        browser_for_run(&mut app, "nginx", run).await;
        let visit = first_visit(&app).await;
        v.usable.push(visit.usable);
        v.painted.push(visit.painted);
        v.wire.push(visit.transfer.wire);
    }
    v
}

pub const ROWS: &[RowSpec<NginxVisits>] = &[
    stat(
        "first visit to /login through nginx with deploy/nginx.conf (the build's brotli twins via brotli_static, gzip twins for browsers without brotli, the prerendered login.html gzipped per request, the production headers), fresh profile: transferred (Resource Timing transferSize)",
        |v| &v.wire,
        kb,
        Some(|n| &n.wire),
    ),
    stat(
        "… navigation start → **login form usable**",
        |v| &v.usable,
        ms,
        Some(|n| &n.usable),
    ),
    stat(
        "… first contentful paint",
        |v| &v.painted,
        ms,
        Some(|n| &n.painted),
    ),
];
