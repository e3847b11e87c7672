//! Screenshots of each page from the real app: the release build (`DIST_DIR`, else dist/) in
//! headless Chromium against the reference backend, through the end-to-end harness. Light and dark
//! (`prefers-color-scheme`), phone (360×780) and desktop (1280×900), into docs/screenshots/
//! (or the folder given as the first argument). `make screenshots` builds and runs it.
//!
//!   cargo run --example screenshots [-- OUT_DIR]

// The end-to-end harness; this uses a part of it.
#[cfg(not(target_arch = "wasm32"))]
#[allow(dead_code, unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
#[tokio::main(flavor = "multi_thread")]
async fn main() {
    shots::run().await;
}

#[cfg(not(target_arch = "wasm32"))]
mod shots {
    use std::path::{Path, PathBuf};

    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde_json::json;

    use super::support::{url_path, App};

    const PASSWORD: &str = "Correct-horse-42";

    struct Variant {
        name: &'static str,
        dark: bool,
        width: u32,
        height: u32,
        mobile: bool,
    }

    const VARIANTS: &[Variant] = &[
        Variant {
            name: "light-desktop",
            dark: false,
            width: 1280,
            height: 900,
            mobile: false,
        },
        Variant {
            name: "dark-desktop",
            dark: true,
            width: 1280,
            height: 900,
            mobile: false,
        },
        Variant {
            name: "light-phone",
            dark: false,
            width: 360,
            height: 780,
            mobile: true,
        },
        Variant {
            name: "dark-phone",
            dark: true,
            width: 360,
            height: 780,
            mobile: true,
        },
    ];

    pub async fn run() {
        let out = std::env::args_os()
            .nth(1)
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"));
        std::fs::create_dir_all(&out)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", out.display()));

        let app = App::start().await;
        app.backend
            .create_active_user_with("ada@example.com", PASSWORD, "Ada Lovelace", "ada")
            .await;
        let mut written = vec![];
        for (n, variant) in VARIANTS.iter().enumerate() {
            app.goto("/login").await;
            emulate_viewport(&app, variant.width, variant.height, variant.mobile).await;
            app.emulate_color_scheme(variant.dark).await;
            let shot = |page: &str| out.join(format!("{page}-{}.png", variant.name));

            // Sign in: empty, then a wrong password (the server's message, focus on it).
            app.goto("/login").await;
            app.wait_for("form#login-form").await;
            capture(&app, &shot("login"), &mut written).await;
            app.fill("email", "ada@example.com").await;
            app.fill("password", "not-my-password").await;
            app.submit().await;
            app.wait_for("form#login-form .form-alert").await;
            capture(&app, &shot("login-error"), &mut written).await;

            // Register: client-side errors under their fields, then the check-email notice.
            app.goto("/register").await;
            app.wait_for("form#register-form").await;
            app.fill("email", "grace@example").await;
            app.fill("name", "Grace Hopper").await;
            app.fill("password", "short").await;
            app.fill("re_password", "shorter").await;
            app.submit().await;
            app.wait_for("#field-email-error").await;
            capture(&app, &shot("register-errors"), &mut written).await;
            let email = format!("grace{n}@example.com");
            app.fill("email", &email).await;
            app.fill("password", PASSWORD).await;
            app.fill("re_password", PASSWORD).await;
            app.submit().await;
            app.wait_for(".notice[data-notice=\"check-email\"]").await;
            capture(&app, &shot("check-email"), &mut written).await;

            // The emailed activation link.
            let link = app
                .backend
                .wait_for_email(&email)
                .await
                .link("/user-activation/");
            app.goto(url_path(&link)).await;
            app.wait_for("[data-result=\"activated\"]").await;
            capture(&app, &shot("activated"), &mut written).await;

            app.goto("/reset-password").await;
            app.wait_for("form#reset-password-form").await;
            capture(&app, &shot("reset-password"), &mut written).await;

            // The email reset: asking for a link, and the page the link opens.
            app.goto("/reset-email").await;
            app.wait_for("form#reset-email-form").await;
            capture(&app, &shot("reset-email"), &mut written).await;
            app.fill("email", "ada@example.com").await;
            app.submit().await;
            app.wait_for(".notice[data-notice=\"email-reset-sent\"]")
                .await;
            let link = app
                .backend
                .wait_for_emails("ada@example.com", n + 1)
                .await
                .pop()
                .expect("the newest email reset link")
                .link("/confirm-email-reset/");
            app.goto(url_path(&link)).await;
            app.wait_for("form#confirm-email-reset-form").await;
            capture(&app, &shot("confirm-email-reset"), &mut written).await;

            // Signed in: the dashboard and the settings.
            app.sign_in("ada@example.com", PASSWORD).await;
            capture(&app, &shot("dashboard"), &mut written).await;
            app.click("main a[href=\"/settings\"]").await;
            app.wait_for("form#password-form").await;
            capture(&app, &shot("settings"), &mut written).await;
            // The danger zone's confirm step.
            app.click("button#delete-account").await;
            app.wait_for("form#delete-account-form").await;
            capture(&app, &shot("settings-delete"), &mut written).await;
            // The worked example of a page of your own (the example build's /notes).
            app.goto("/notes").await;
            app.wait_for("#notes-empty, #notes").await;
            if app.exists("#notes-empty").await {
                for text in ["Renew the passport", "Call the bank about the new card"] {
                    app.fill("text", text).await;
                    app.submit().await;
                    app.wait_for_text("#notes .note-text", text).await;
                }
            }
            capture(&app, &shot("notes"), &mut written).await;
            app.clear_site_storage().await;
        }
        drop(app);
        let bytes: u64 = written
            .iter()
            .map(|p: &PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
            .sum();
        println!(
            "{} screenshots ({} kB) in {}",
            written.len(),
            bytes / 1024,
            out.display()
        );
    }

    /// The whole page (beyond the viewport when it is taller), as PNG.
    async fn capture(app: &App, path: &Path, written: &mut Vec<PathBuf>) {
        // No hover effect where the last click was.
        app.browser
            .cdp(
                "Input.dispatchMouseEvent",
                json!({ "type": "mouseMoved", "x": 0, "y": 0 }),
            )
            .await;
        // Let fonts, layout and the focus ring settle; no caret blinking in the shot.
        app.js(
            "document.documentElement.style.caretColor = 'transparent';
             return document.fonts.ready.then(() => true);",
            vec![],
        )
        .await;
        let size = app
            .js(
                "return [window.innerWidth, document.documentElement.scrollHeight];",
                vec![],
            )
            .await;
        let (width, height) = (
            size[0].as_f64().unwrap_or(0.0),
            size[1].as_f64().unwrap_or(0.0),
        );
        let shot = app
            .browser
            .cdp(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
                }),
            )
            .await;
        let png = STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("the screenshot in base64");
        std::fs::write(path, png)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        println!("{}", path.display());
        written.push(path.to_path_buf());
    }

    /// Makes the viewport `width`×`height` CSS pixels (a phone when `mobile`), in this tab.
    async fn emulate_viewport(app: &App, width: u32, height: u32, mobile: bool) {
        app.browser
            .cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile }),
            )
            .await;
    }
}
