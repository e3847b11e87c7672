//! What the release build weighs, file by file, raw and compressed with the command-line tools
//! (`gzip -9`, and `brotli -q 11` when asked). Shared by tests/e2e/size_budget.rs and
//! `make bench`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Default, Clone, Copy, Debug)]
pub struct Size {
    pub raw: u64,
    pub gzip: u64,
    pub brotli: Option<u64>,
}

impl std::ops::AddAssign for Size {
    fn add_assign(&mut self, other: Size) {
        self.raw += other.raw;
        self.gzip += other.gzip;
        self.brotli = match (self.brotli, other.brotli) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }
}

fn compressed_len(cmd: &str, args: &[&str], file: &Path) -> Option<u64> {
    let out = Command::new(cmd)
        .args(args)
        .arg(file)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout.len() as u64)
}

fn file_size(file: &Path, brotli: bool) -> Size {
    let raw = std::fs::metadata(file)
        .unwrap_or_else(|e| panic!("{}: {e}", file.display()))
        .len();
    let gzip = compressed_len("gzip", &["-9c"], file)
        .unwrap_or_else(|| panic!("gzip -9c {} failed (is gzip installed?)", file.display()));
    let brotli = if brotli {
        compressed_len("brotli", &["-c", "-q", "11"], file)
    } else {
        None
    };
    Size { raw, gzip, brotli }
}

/// The build's files by kind. A first visit fetches all of wasm, JS, CSS and HTML. (Release
/// builds have no CSS file: the stylesheet is inline in each page, so it counts in the HTML.)
pub struct Sizes {
    pub wasm: Size,
    pub js: Size,
    pub js_files: usize,
    pub css: Size,
    pub html: Size,
    pub other: Vec<(String, Size)>,
    pub brotli: bool,
}

impl Sizes {
    /// Measures every file in `dist` (brotli figures too when `brotli` is true).
    pub fn of(dist: &Path, brotli: bool) -> Sizes {
        let none = Size {
            brotli: brotli.then_some(0),
            ..Size::default()
        };
        let mut sizes = Sizes {
            wasm: none,
            js: none,
            js_files: 0,
            css: none,
            html: none,
            other: vec![],
            brotli,
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dist)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dist.display()))
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // The precompressed twins (for nginx's gzip_static and brotli_static) are the same
            // bytes, compressed; of the prerendered pages, a first visit to /login loads one.
            let other_page = name.ends_with(".html") && name != "login.html";
            if name.ends_with(".gz") || name.ends_with(".br") || other_page {
                continue;
            }
            let size = file_size(&file, brotli);
            if name.ends_with(".wasm") {
                sizes.wasm += size;
            } else if name.ends_with(".js") || name.ends_with(".mjs") {
                sizes.js += size;
                sizes.js_files += 1;
            } else if name.ends_with(".css") {
                sizes.css += size;
            } else if name.ends_with(".html") {
                sizes.html += size;
            } else {
                sizes.other.push((name, size));
            }
        }
        sizes
    }

    /// wasm + JS + CSS + `login.html`: what a first visit to `/login` transfers, less the favicon.
    pub fn first_visit(&self) -> Size {
        let mut total = self.wasm;
        total += self.js;
        total += self.css;
        total += self.html;
        total
    }
}
