//! Writes the prerendered page files into a build folder (run by `scripts/post-build.py` on
//! release builds): `prerender <dir>` reads `<dir>/index.html` as the template and writes one
//! HTML file per route (`crate::prerender`), plus `_redirects` for the hosts that read it
//! (Netlify, Cloudflare Pages), sending the routes with parameters to their page.

use std::path::Path;
use std::process::ExitCode;

use djoser_auth_spa::prerender::{fill, pages, render};

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: prerender <build dir>");
        return ExitCode::FAILURE;
    };
    match write_pages(Path::new(&dir)) {
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
    for page in pages() {
        let (title, body) = render(&page.path);
        let html = fill(&template, &title, &body)?;
        let path = dir.join(&page.file);
        std::fs::write(&path, html).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(serves) = &page.serves {
            redirects.push_str(&format!("{serves}  /{}  200\n", page.file));
        }
    }
    let path = dir.join("_redirects");
    std::fs::write(&path, redirects).map_err(|e| format!("{}: {e}", path.display()))
}
