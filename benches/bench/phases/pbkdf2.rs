//! `pbkdf2`: the warm sign-in (connection open, preflights cached) against a backend with Django's
//! default password hasher, next to the raw request pair.

use crate::page::{mark, raw_pair, sign_in_pair, sign_out, world, CHROMIUM_ARGS};
use crate::progress;
use crate::support::BackendOptions;
use crate::table::{ms, ratio, stat, RowSpec};

#[derive(Default)]
pub struct Pbkdf2 {
    /// Click → dashboard shows the email.
    pub app: Vec<f64>,
    /// The raw pair, same backend and state.
    pub raw: Vec<f64>,
}

pub async fn runs(runs: usize) -> Pbkdf2 {
    let app = world(
        BackendOptions {
            extra_env: vec![("AUTH_FAST_HASHER".into(), "0".into())],
            ..Default::default()
        },
        "pbkdf2",
        CHROMIUM_ARGS,
    )
    .await;
    app.goto("/login").await;
    // The app running the form (the page's own HTML shows it, its button disabled, before).
    mark(&app, "login-form-usable").await;
    // Open the connection and cache the preflights, as in the fast "again" rows.
    raw_pair(&app, &app.api_base()).await;
    let (mut apps, mut raws) = (vec![], vec![]);
    for run in 0..runs {
        progress(&format!("PBKDF2 sign-in {}/{runs}", run + 1));
        let (a, r) = sign_in_pair(&app, &app.api_base(), run % 2 == 0).await;
        apps.push(a.total);
        raws.push(r);
        sign_out(&app).await;
    }
    Pbkdf2 {
        app: apps,
        raw: raws,
    }
}

pub const ROWS: &[RowSpec<Pbkdf2>] = &[
    stat(
        "sign-in with Django's default hasher (PBKDF2), warm: click → dashboard shows the email",
        |p| &p.app,
        ms,
        None,
    ),
    stat("… raw pair, same backend and state", |p| &p.raw, ms, None),
    ratio("… **ratio** app / raw (per run)", |p| &p.app, |p| &p.raw),
];
