//! The one Markdown table `make bench` prints: its cells' formats, and rows as data: each phase
//! lists its rows as [`RowSpec`]s (a figure's label, where its samples are, how to show them, the
//! reference figure), and [`Table::rows`] turns them into lines.

use crate::stats::summarize;
use crate::support::sizes::Size;

pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn kb(bytes: f64) -> String {
    format!("{:.1} KB", bytes / 1000.0)
}

/// Milliseconds to a tenth, thousands separated ("1,637.1 ms").
pub fn ms(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v} ms");
    }
    let tenths = (v.abs() * 10.0).round() as u64;
    let sign = if v < 0.0 && tenths > 0 { "-" } else { "" };
    format!("{sign}{}.{} ms", thousands(tenths / 10), tenths % 10)
}

pub fn times(v: f64) -> String {
    format!("{v:.2}×")
}

pub fn mib(bytes: f64) -> String {
    format!("{:.2} MiB", bytes / (1024.0 * 1024.0))
}

pub fn signed_kib(bytes: f64) -> String {
    format!("{:+.1} KiB", bytes / 1024.0)
}

pub fn show(size: &Size) -> String {
    let mut s = format!("{} / {}", thousands(size.raw), thousands(size.gzip));
    if let Some(br) = size.brotli {
        s.push_str(&format!(" / {}", thousands(br)));
    }
    s
}

#[derive(Default)]
pub struct Table {
    rows: Vec<[String; 5]>,
}

impl Table {
    pub fn row(
        &mut self,
        figure: &str,
        median: String,
        spread: String,
        n: String,
        reference: &str,
    ) {
        self.rows
            .push([figure.into(), median, spread, n, reference.into()]);
    }

    /// A measured figure: median, spread, sample count.
    pub fn stat(&mut self, figure: &str, samples: &[f64], fmt: fn(f64) -> String, reference: &str) {
        let s = summarize(samples);
        if s.n == 0 {
            // A phase left out by BENCH_PHASES.
            return;
        }
        self.row(
            figure,
            fmt(s.median),
            format!("{} – {}", fmt(s.lo), fmt(s.hi)),
            s.n.to_string(),
            reference,
        );
    }

    /// app / raw: the median and spread of the per-run ratios, and the ratio of the medians.
    pub fn ratio(&mut self, figure: &str, app: &[f64], raw: &[f64], reference: &str) {
        let per_run: Vec<f64> = app.iter().zip(raw).map(|(a, r)| a / r).collect();
        let s = summarize(&per_run);
        if s.n == 0 {
            return;
        }
        let of_medians = summarize(app).median / summarize(raw).median;
        self.row(
            figure,
            format!("{} (of medians: {})", times(s.median), times(of_medians)),
            format!("{} – {}", times(s.lo), times(s.hi)),
            s.n.to_string(),
            reference,
        );
    }

    /// The rows `specs` describe, with the samples from `data`.
    pub fn rows<T>(&mut self, data: &T, specs: &[RowSpec<T>]) {
        for spec in specs {
            match spec.figure {
                Figure::Stat { samples, fmt } => {
                    self.stat(spec.label, samples(data), fmt, spec.reference)
                }
                Figure::Ratio { app, raw } => {
                    self.ratio(spec.label, app(data), raw(data), spec.reference)
                }
            }
        }
    }

    pub fn print(&self) {
        println!("| figure | median | spread | runs | reference (measured elsewhere, not run here): Next.js + NextAuth over the same Djoser |");
        println!("|---|---:|---:|---:|---|");
        for [a, b, c, d, e] in &self.rows {
            println!("| {a} | {b} | {c} | {d} | {e} |");
        }
    }
}

/// How a cell shows a number.
pub type Fmt = fn(f64) -> String;

/// Where a phase's results keep one figure's samples.
pub type Samples<T> = fn(&T) -> &[f64];

/// What a measured row shows.
pub enum Figure<T> {
    /// The median and spread of the samples.
    Stat { samples: Samples<T>, fmt: Fmt },
    /// app / raw, per run, with the ratio of the medians.
    Ratio { app: Samples<T>, raw: Samples<T> },
}

/// One row of the table, as data: a phase lists its rows in a `const` of these. A row whose
/// samples are empty (its phase left out by `BENCH_PHASES`) is left out.
pub struct RowSpec<T> {
    pub label: &'static str,
    pub figure: Figure<T>,
    /// The reference column: Next.js + NextAuth, measured elsewhere ("" for none).
    pub reference: &'static str,
}

/// A row with the median and spread of `samples`.
pub const fn stat<T>(
    label: &'static str,
    samples: Samples<T>,
    fmt: Fmt,
    reference: &'static str,
) -> RowSpec<T> {
    RowSpec {
        label,
        figure: Figure::Stat { samples, fmt },
        reference,
    }
}

/// A row with the app / raw ratio.
pub const fn ratio<T>(
    label: &'static str,
    app: Samples<T>,
    raw: Samples<T>,
    reference: &'static str,
) -> RowSpec<T> {
    RowSpec {
        label,
        figure: Figure::Ratio { app, raw },
        reference,
    }
}
