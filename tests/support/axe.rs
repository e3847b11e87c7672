//! axe-core in the page (npm `axe-core`, installed into `.tools/` by `scripts/setup.sh browser`;
//! `AXE_CORE_JS` points elsewhere): injected once per document, run over the WCAG 2 A/AA rules and
//! axe's best practices, its findings collected over many pages and states ([`Audit`]), and its
//! accessible-name computation for single elements.

use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::json;

use super::app::App;

/// The rules checked: WCAG 2.0/2.1/2.2 levels A and AA, and axe's best practices.
pub const AXE_TAGS: &[&str] = &[
    "wcag2a",
    "wcag2aa",
    "wcag21a",
    "wcag21aa",
    "wcag22aa",
    "best-practice",
];

/// axe-core's browser bundle: `AXE_CORE_JS`, else `.tools/node_modules/axe-core/axe.min.js`.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var_os("AXE_CORE_JS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join(".tools/node_modules/axe-core/axe.min.js")
            });
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read axe-core from {} ({e}); install it with `scripts/setup.sh browser` \
                 (npm install --prefix .tools axe-core@4) or point AXE_CORE_JS at axe.min.js",
                path.display()
            )
        })
    })
}

/// Injects axe-core into the current document, unless it is there already.
async fn inject(app: &App) {
    if app.js("return typeof window.axe;", vec![]).await != json!("object") {
        app.js(
            &format!("{}\n;return typeof window.axe;", axe_source()),
            vec![],
        )
        .await;
    }
}

/// Collects axe's findings over many pages and states, and fails once, listing them all.
#[derive(Default)]
pub struct Audit {
    violations: Vec<String>,
    /// "page/state [scheme]" for every run, to show what was covered.
    checked: Vec<String>,
}

impl Audit {
    /// Runs axe on the page as it is now, in the light and then the dark color scheme.
    pub async fn check(&mut self, app: &App, state: &str) {
        for dark in [false, true] {
            app.emulate_color_scheme(dark).await;
            let scheme = if dark { "dark" } else { "light" };
            let label = format!("{state} [{scheme}]");
            for v in run_axe(app).await {
                self.violations.push(format!("{label}: {v}"));
            }
            self.checked.push(label);
        }
        app.emulate_color_scheme(false).await;
    }

    pub fn finish(self) {
        assert!(
            self.violations.is_empty(),
            "axe-core found {} violation(s) (rules: {AXE_TAGS:?}):\n  {}\nchecked: {:#?}",
            self.violations.len(),
            self.violations.join("\n  "),
            self.checked
        );
        eprintln!(
            "axe-core: no violations in {} page states: {:?}",
            self.checked.len(),
            self.checked
        );
    }
}

/// Injects axe-core into the current document (once per document) and runs it; returns one line
/// per violated rule: id, impact, the elements (CSS targets) and the help text.
pub async fn run_axe(app: &App) -> Vec<String> {
    inject(app).await;
    let script = r#"
        const done = arguments[arguments.length - 1];
        window.axe.run(document, {
            runOnly: { type: 'tag', values: arguments[0] },
            resultTypes: ['violations'],
        }).then(r => done({ violations: r.violations.concat(
            // Text whose contrast axe couldn't work out (e.g. over an image) counts as failing.
            r.incomplete.filter(v => v.id === 'color-contrast')
                .map(v => Object.assign({}, v, { id: 'color-contrast (undecided)' }))
        ).map(v => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            targets: v.nodes.map(n => n.target.join(' ')),
            summary: v.nodes.map(n => n.failureSummary).join(' | '),
        })) }), e => done({ error: String(e && e.stack || e) }));
    "#;
    let result = app
        .browser
        .client
        .execute_async(script, vec![json!(AXE_TAGS)])
        .await
        .unwrap_or_else(|e| panic!("axe.run failed: {e}"));
    if let Some(error) = result["error"].as_str() {
        panic!("axe.run threw: {error}");
    }
    result["violations"]
        .as_array()
        .expect("axe results")
        .iter()
        .map(|v| {
            format!(
                "{} ({}) at {} — {}; {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["targets"],
                v["help"].as_str().unwrap_or(""),
                v["summary"].as_str().unwrap_or("").replace('\n', " ")
            )
        })
        .collect()
}

/// The accessible name of the first element matching `css`, as axe-core computes it.
pub async fn accessible_name(app: &App, css: &str) -> String {
    inject(app).await;
    app.js(
        "const el = document.querySelector(arguments[0]);
         if (!el) return null;
         window.axe.setup(document);
         try { return window.axe.commons.text.accessibleText(el); } finally { window.axe.teardown(); }",
        vec![json!(css)],
    )
    .await
    .as_str()
    .unwrap_or_else(|| panic!("no element {css:?} to name"))
    .to_string()
}
