//! Build time only (feature `prerender`: natively, with yew's `ssr`): the first HTML of every
//! page, drawn by the app's own components, so a first visit paints the real card before the wasm
//! has arrived. `src/bin/prerender.rs` writes it into the release build; in the browser the app
//! replaces it as it starts (`crate::takeover`).
//!
//! Drawn signed out: the sign-in pages show their forms (with the submit button disabled until
//! the app runs), and `/` and the signed-in pages show the neutral loading shell, so a visitor
//! with a stored session never sees a sign-in form flash.

use yew::prelude::*;
use yew::LocalServerRenderer;
use yew_router::history::{AnyHistory, History, MemoryHistory};
use yew_router::prelude::*;

use crate::components::DrawnTitle;
use crate::routes::Route;

/// One file of the build: where it goes and the path it is drawn at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// The route's pattern (`/user-activation/:uid/:token`).
    pub pattern: String,
    /// `login.html`; `index.html` for `/`.
    pub file: String,
    /// The path drawn, with placeholder segments for parameters.
    pub path: String,
    /// For a route with parameters, the paths it serves (`/user-activation/*`), which hosts
    /// rewrite to `file`.
    pub serves: Option<String>,
}

/// The page file for a route pattern (`Route::routes()`): `/` is `index.html`, `/login` is
/// `login.html`, `/user-activation/:uid/:token` is `user-activation.html` serving
/// `/user-activation/*`.
pub fn page_for(pattern: &str) -> Page {
    let fixed: Vec<&str> = pattern
        .split('/')
        .filter(|segment| !segment.is_empty())
        .take_while(|segment| !segment.starts_with(':'))
        .collect();
    let has_params = pattern.contains("/:");
    let name = if fixed.is_empty() {
        "index".to_string()
    } else {
        fixed.join("/")
    };
    let path = pattern
        .split('/')
        .map(|segment| {
            if segment.starts_with(':') {
                "-"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    Page {
        pattern: pattern.to_string(),
        file: format!("{name}.html"),
        path: if path.is_empty() { "/".into() } else { path },
        serves: has_params.then(|| format!("/{name}/*")),
    }
}

/// Every page of the app, from the `Route` enum (so a route added there is prerendered too).
pub fn pages() -> Vec<Page> {
    let mut pages: Vec<Page> = Route::routes().into_iter().map(page_for).collect();
    pages.sort_by(|a, b| a.file.cmp(&b.file));
    pages.dedup_by(|a, b| a.file == b.file);
    pages
}

#[derive(Properties, PartialEq)]
struct StaticAppProps {
    path: String,
    /// Filled by the page's `use_title`.
    title: DrawnTitle,
}

/// The app as `App` draws it, at a fixed path instead of the address bar.
#[function_component(StaticApp)]
fn static_app(props: &StaticAppProps) -> Html {
    let history = use_memo(props.path.clone(), |path| {
        let history = MemoryHistory::new();
        history.push(path);
        AnyHistory::from(history)
    });
    html! {
        <ContextProvider<DrawnTitle> context={props.title.clone()}>
            <Router history={(*history).clone()}>
                { crate::app::pages() }
            </Router>
        </ContextProvider<DrawnTitle>>
    }
}

/// Draws the page at `path`: its title and the HTML that goes into `<body>`.
pub fn render(path: &str) -> (String, String) {
    let drawn = DrawnTitle::default();
    let renderer = LocalServerRenderer::<StaticApp>::with_props(StaticAppProps {
        path: path.to_string(),
        title: drawn.clone(),
    })
    .hydratable(false);
    let body = futures::executor::block_on(renderer.render());
    let title = drawn
        .0
        .take()
        .unwrap_or_else(|| crate::config::get().app_name.clone());
    (title, body)
}

/// Ends every drawn page: index.html's `<link rel="expect" href="#page-end" blocking="render">`
/// holds the first paint until it is parsed, so half a page is never painted.
pub const PAGE_END: &str = "<span id=\"page-end\" hidden></span>";

/// The template (the built `index.html`) with `title` and `body` filled in, then [`PAGE_END`];
/// the body's own content (the `<noscript>` banner) stays before the page, so it shows at the top.
pub fn fill(template: &str, title: &str, body: &str) -> Result<String, String> {
    let title_start = template
        .find("<title>")
        .ok_or("no <title> in the template")?;
    let title_end = template[title_start..]
        .find("</title>")
        .map(|end| title_start + end + "</title>".len())
        .ok_or("no </title> in the template")?;
    let body_end = template
        .rfind("</body>")
        .ok_or("no </body> in the template")?;
    if body_end < title_end {
        return Err("<title> after </body> in the template".into());
    }
    Ok(format!(
        "{}<title>{}</title>{}{}{PAGE_END}{}",
        &template[..title_start],
        escape_text(title),
        &template[title_end..body_end],
        body,
        &template[body_end..],
    ))
}

fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_become_files() {
        assert_eq!(
            page_for("/"),
            Page {
                pattern: "/".into(),
                file: "index.html".into(),
                path: "/".into(),
                serves: None
            }
        );
        assert_eq!(page_for("/login").file, "login.html");
        let activation = page_for("/user-activation/:uid/:token");
        assert_eq!(activation.file, "user-activation.html");
        assert_eq!(activation.path, "/user-activation/-/-");
        assert_eq!(activation.serves.as_deref(), Some("/user-activation/*"));
    }

    #[test]
    fn every_route_has_one_file() {
        let files: Vec<String> = pages().into_iter().map(|page| page.file).collect();
        for file in [
            "index.html",
            "login.html",
            "404.html",
            "confirm-password-reset.html",
        ] {
            assert!(files.contains(&file.to_string()), "{file} in {files:?}");
        }
        assert_eq!(files.len(), Route::routes().len());
    }

    #[test]
    fn the_template_gets_title_and_body() {
        let template = "<html><head><title>Account</title></head><body class=x><noscript>n</noscript></body></html>";
        assert_eq!(
            fill(template, "Sign in · A&B", "<main>m</main>").unwrap(),
            "<html><head><title>Sign in · A&amp;B</title></head><body class=x><noscript>n</noscript><main>m</main><span id=\"page-end\" hidden></span></body></html>"
        );
        assert!(fill("<body></body>", "t", "b").is_err());
    }

    #[test]
    fn the_login_page_is_drawn_with_its_form_disabled() {
        let (title, body) = render("/login");
        assert_eq!(title, "Sign in · Account");
        assert!(body.contains("id=\"login-form\""), "{body}");
        assert!(body.contains("disabled"), "{body}");
        // Storage is only known to be blocked in the browser: no notice in the first paint.
        assert!(!body.contains("storage-blocked"), "{body}");
        let (title, body) = render("/dashboard");
        assert_eq!(title, "Account");
        assert!(body.contains("data-loading"), "{body}");
        assert!(!body.contains("<form"), "{body}");
    }
}
