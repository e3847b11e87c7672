//! The end-to-end harness: per test, a static server for the release build, a Django backend and a
//! browser (headless Chromium, or Firefox or WebKit: `E2E_BROWSER`), wired together (`App`).
//! See tests/README.md.
//!
//! tests/e2e uses every item here (the compiler says so when one isn't). `make bench`
//! (benches/bench/main.rs) and `make screenshots` (examples/screenshots.rs) include this module
//! too, each for a part of it, so they allow `dead_code` and `unused_imports` on their
//! `mod support;`.

pub mod app;
pub mod auth_calls;
pub mod axe;
pub mod backend;
pub mod browser;
pub mod dist;
pub mod find;
pub mod flows;
pub mod http;
pub mod init_scripts;
pub mod nginx;
pub mod oidc;
pub mod outbox;
pub mod page;
pub mod sizes;
pub mod static_server;
pub mod stored;
pub mod storm;
pub mod tmp;
pub mod tokens;
pub mod wait;

use std::time::Duration;

pub use app::{App, AppOptions};
pub use backend::{Backend, BackendOptions};
pub use browser::Browser;
pub use http::{Api, HttpResponse};
pub use outbox::url_path;
pub use static_server::{example_dist_dir, Recorded, StaticConfig, StaticServer};
pub use tmp::TestDir;

/// The password of the users the tests create (`App::add_user`, `App::start_signed_in`).
pub const PASSWORD: &str = "Correct-horse-42";
/// The password a test changes it to.
pub const NEW_PASSWORD: &str = "Battery-staple-77";

/// How long `wait_for*` helpers poll before failing.
pub const WAIT: Duration = Duration::from_secs(10);
