//! The first paint needs the HTML alone (issue #21): with every other file held back, the
//! prerendered `/login` paints the styled card under the production CSP (deploy/nginx.conf's,
//! which allows the pages' inline `<style>` by its hash), looking as the running app draws it.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use super::{assert_not_started, open_as_is};
use crate::support::nginx::production_csp;
use crate::support::{App, AppOptions, Browser};

/// How long the static server holds back the wasm, the JS, any stylesheet and the icon (all of
/// them asked for at once: the loader, the preloads).
const HELD: Duration = Duration::from_secs(5);

/// Computed styles that make the card look like the app's, by element.
const STYLED: &str = "
  const props = ['background-color', 'color', 'font-family', 'font-size', 'font-weight',
    'border-top-width', 'border-top-color', 'border-radius', 'box-shadow', 'padding-top',
    'padding-left', 'max-width', 'width', 'height', 'margin-top', 'display'];
  const out = {};
  for (const css of ['body', 'main', 'section.card', 'section.card h1', 'form#login-form',
      'input[name=email]', 'input[name=password]', 'label[for]', 'button[type=submit]']) {
    const el = document.querySelector(css);
    if (!el) { out[css] = null; continue; }
    const s = getComputedStyle(el);
    out[css] = Object.fromEntries(props.map(p => [p, s.getPropertyValue(p)]));
  }
  return out;";

/// Violations in the page as they happen, before any of the page's own code runs.
const LISTEN: &str = "window.__violations = [];
  document.addEventListener('securitypolicyviolation', e =>
    window.__violations.push(e.effectiveDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));";

/// Of two PNG screenshots (base64), how many pixels differ visibly, decoded by the browser.
const COMPARE: &str = "const [a, b, done] = arguments;
  const load = src => new Promise((ok, no) => {
    const i = new Image(); i.onload = () => ok(i); i.onerror = no; i.src = 'data:image/png;base64,' + src;
  });
  const pixels = img => {
    const c = document.createElement('canvas'); c.width = img.width; c.height = img.height;
    const g = c.getContext('2d'); g.drawImage(img, 0, 0);
    return g.getImageData(0, 0, c.width, c.height).data;
  };
  Promise.all([load(a), load(b)]).then(([x, y]) => {
    if (x.width !== y.width || x.height !== y.height)
      return done({ error: `${x.width}x${x.height} against ${y.width}x${y.height}` });
    const p = pixels(x), q = pixels(y);
    let differ = 0;
    for (let i = 0; i < p.length; i += 4)
      if (Math.max(Math.abs(p[i] - q[i]), Math.abs(p[i + 1] - q[i + 1]), Math.abs(p[i + 2] - q[i + 2])) > 24) differ++;
    done({ differ, total: p.length / 4 });
  }, e => done({ error: String(e) }));";

async fn screenshot(app: &App) -> String {
    let png = app.browser.client.screenshot().await.expect("a screenshot");
    base64::engine::general_purpose::STANDARD.encode(png)
}

/// The held-back files the page has received so far (Resource Timing lists a file once it is in).
async fn received(app: &App) -> Vec<String> {
    let v = app
        .js(
            "return performance.getEntriesByType('resource').map(e => e.name)
               .filter(n => /\\.(wasm|js|css)(\\?|$)/.test(n));",
            vec![],
        )
        .await;
    serde_json::from_value(v).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_prerendered_login_paints_the_styled_card_from_the_html_alone() {
    skip_unless_e2e!();
    let mut app = App::start_opts(AppOptions {
        assets_delay: Some(HELD),
        static_headers: vec![("Content-Security-Policy".into(), production_csp())],
        ..Default::default()
    })
    .await;
    let dir = app.dir.join("no-load-wait");
    std::fs::create_dir_all(&dir).expect("a folder for the browser");
    app.browser = Browser::start_not_waiting_for_load(&dir).await;
    app.add_init_script(LISTEN).await;
    let opened = open_as_is(&app, "/login").await;

    // Painted: the browser's own first contentful paint, with nothing but the HTML in.
    app.wait_for("section.card form#login-form").await;
    let painted = loop {
        let v = app
            .js(
                "const p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : null;",
                vec![],
            )
            .await;
        if let Some(t) = v.as_f64() {
            break t;
        }
        assert!(
            opened.elapsed() < HELD / 2,
            "no first contentful paint {:?} after opening /login with the wasm, the JS and any stylesheet held back\n{}",
            opened.elapsed(),
            app.describe().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let before = app.js(STYLED, vec![]).await;
    let shot_before = screenshot(&app).await;
    assert!(
        opened.elapsed() < HELD,
        "too slow to look before the held-back files came: {:?}",
        opened.elapsed()
    );
    assert_eq!(
        received(&app).await,
        Vec::<String>::new(),
        "the page was looked at with the held-back files already in"
    );
    assert_not_started(&app, "the styled first paint").await;
    let card = &before["section.card"];
    assert!(
        card["background-color"] != json!("rgba(0, 0, 0, 0)")
            && card["border-radius"] != json!("0px"),
        "the prerendered card is unstyled: {card}"
    );

    // The running app, in the same document: the same styles, the same picture.
    app.wait_for_app().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while app
        .attr("form#login-form button[type=submit]", "disabled")
        .await
        .is_some()
    {
        assert!(Instant::now() < deadline, "the app never enabled the form");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = app.js(STYLED, vec![]).await;
    let shot_after = screenshot(&app).await;
    let (Value::Object(before), Value::Object(after)) = (&before, &after) else {
        panic!("computed styles: {before} / {after}");
    };
    for (element, styles) in after {
        let mut was = before[element].clone();
        let mut now = styles.clone();
        // Only the submit button's look for `disabled` may change when the app enables it.
        if element == "button[type=submit]" {
            for v in [&mut was, &mut now] {
                if let Some(o) = v.as_object_mut() {
                    o.remove("background-color");
                    o.remove("color");
                }
            }
        }
        assert_eq!(
            was, now,
            "{element}: the prerendered page's computed styles (left) differ from the running app's"
        );
    }
    let compared = app
        .browser
        .client
        .execute_async(COMPARE, vec![json!(shot_before), json!(shot_after)])
        .await
        .expect("compare the screenshots");
    let differ = compared["differ"].as_f64().unwrap_or(f64::NAN);
    let total = compared["total"].as_f64().unwrap_or(f64::NAN);
    // The enabled button (opacity 0.65 → 1) is all that may differ: a few percent of the view.
    assert!(
        differ / total < 0.03,
        "the prerendered page and the running app look different: {compared}"
    );

    // No violation: a control violation first shows the listener and the reports work.
    app.js(
        "const s = document.createElement('style'); s.textContent = 'p{}'; document.head.append(s);",
        vec![],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.server.csp_reports().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the control violation was never reported: is the CSP in force?"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let violations = app.js("return window.__violations;", vec![]).await;
    assert_eq!(
        violations.as_array().map(Vec::len),
        Some(1),
        "CSP violations (only the control's allowed): {violations}"
    );
    assert_eq!(
        app.server.csp_reports().len(),
        1,
        "CSP reports (only the control's allowed): {:?}",
        app.server.csp_reports()
    );
    let css_requests: Vec<String> = app
        .server
        .requests()
        .into_iter()
        .map(|r| r.target)
        .filter(|t| t.contains(".css"))
        .collect();
    assert!(
        css_requests.is_empty(),
        "the page asked for a stylesheet: {css_requests:?}"
    );
    println!(
        "first contentful paint {painted:.0} ms with the wasm, the JS and any stylesheet held back {HELD:?}; \
         screenshots differ in {differ} of {total} pixels"
    );
    app.assert_no_crash().await;
}
