//! Writes the prerendered page files into a build folder (run by `scripts/post-build.py` on
//! release builds): `prerender <dir>` reads `<dir>/index.html` as the template and writes one
//! HTML file per route (`crate::prerender`), plus `_redirects` for the hosts that read it
//! (Netlify, Cloudflare Pages), sending the routes with parameters to their page, and
//! `routes.json`, the route table for the host configs' check (deploy/hosts/check.py).
//!
//! `--login-field username` draws the pages as they are where users sign in by username
//! (`scripts/post-build.py` keeps those that differ, for `scripts/configure-dist.py`).

use std::path::Path;
use std::process::ExitCode;

use djoser_auth_spa::build_pages::{fill, pages, render};
use djoser_auth_spa::config::{self, Config};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = match args.as_slice() {
        [dir] => dir,
        [dir, option, field] if option == "--login-field" => {
            let config = Config::resolve(
                &|name| (name == "djoser-login-field").then(|| field.clone()),
                None,
                None,
            );
            if config.login_field.name() != field {
                eprintln!("prerender: unknown login field {field:?}");
                return ExitCode::FAILURE;
            }
            config::init(config);
            dir
        }
        _ => {
            eprintln!("usage: prerender <build dir> [--login-field username]");
            return ExitCode::FAILURE;
        }
    };
    match write_pages(Path::new(dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("prerender: {error}");
            ExitCode::FAILURE
        }
    }
}

fn write_pages(dir: &Path) -> Result<(), String> {
    let template_path = dir.join("index.html");
    let template = std::fs::read_to_string(&template_path)
        .map_err(|e| format!("{}: {e}", template_path.display()))?;
    let mut redirects = String::new();
    let mut routes = Vec::new();
    for page in pages() {
        let (title, body) = render(&page.path);
        let html = fill(&template, &title, &body)?;
        let path = dir.join(&page.file);
        std::fs::write(&path, html).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(serves) = &page.serves {
            redirects.push_str(&format!("{serves}  /{}  200\n", page.file));
        }
        routes.push(serde_json::json!({
            "pattern": page.pattern,
            "file": page.file,
            "serves": page.serves,
        }));
    }
    let routes = serde_json::to_string_pretty(&routes).map_err(|e| e.to_string())?;
    for (name, text) in [("_redirects", redirects), ("routes.json", routes)] {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
