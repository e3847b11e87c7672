//! Phase 1: the sizes of the build's files, raw, `gzip -9` and `brotli -q 11` (when installed).

use crate::support::sizes::Sizes;
use crate::table::{kb, show, thousands, Table};

/// The size rows (exact, from the files).
pub fn rows(sizes: &Sizes, t: &mut Table) {
    let exact = || "exact".to_string();
    let files = || "files".to_string();
    let bytes_unit = if sizes.brotli {
        "raw / gzip -9 / brotli -q 11, bytes"
    } else {
        "raw / gzip -9, bytes"
    };
    let mut by_kind = vec![
        (format!("wasm ({bytes_unit})"), &sizes.wasm),
        (
            format!(
                "JS: app .js + boot-*.js loader, {} files ({bytes_unit})",
                sizes.js_files
            ),
            &sizes.js,
        ),
        (format!("CSS ({bytes_unit})"), &sizes.css),
        (format!("HTML ({bytes_unit})"), &sizes.html),
    ];
    for (name, size) in &sizes.other {
        by_kind.push((
            format!("other: {name}, not in the totals ({bytes_unit})"),
            size,
        ));
    }
    for (label, size) in by_kind {
        t.row(&label, show(size), exact(), files(), "");
    }
    let total = sizes.first_visit();
    t.row(
        "first visit, gzip -9 total of wasm + JS + CSS + HTML (from the files)",
        format!(
            "**{}** ({} B)",
            kb(total.gzip as f64),
            thousands(total.gzip)
        ),
        exact(),
        files(),
        "",
    );
    if let Some(br) = total.brotli {
        t.row(
            "first visit, brotli -q 11 total (from the files)",
            format!("{} ({} B)", kb(br as f64), thousands(br)),
            exact(),
            files(),
            "",
        );
    }
    t.row(
        "first visit, raw total of the same files",
        format!("{} ({} B)", kb(total.raw as f64), thousands(total.raw)),
        exact(),
        files(),
        "",
    );
}
