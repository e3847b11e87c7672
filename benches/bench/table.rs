//! The one Markdown table `make bench` prints: its cells' formats, and rows as data: each phase
//! lists its rows as [`RowSpec`]s (a figure's label, where its samples are, how to show them, the
//! reference figure), and [`Table::rows`] turns them into lines.

use crate::phases::next::Next;
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

/// A whole number of things (objects, requests).
pub fn count(v: f64) -> String {
    format!("{v:.0}")
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
    /// The reference column's figures: the `next` phase of this run.
    next: Next,
}

impl Table {
    pub fn with_reference(next: Next) -> Table {
        Table { rows: vec![], next }
    }

    /// The reference cell for a row: Next's median and spread from this run's `next` phase.
    fn reference(&self, samples: Option<Samples<Next>>, fmt: Fmt) -> String {
        let Some(samples) = samples else {
            return String::new();
        };
        if self.next.absent.is_some() {
            return "not measured (see the notes)".into();
        }
        let s = summarize(samples(&self.next));
        if s.n == 0 {
            return String::new();
        }
        format!("{} ({} – {})", fmt(s.median), fmt(s.lo), fmt(s.hi))
    }

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
                    let reference = self.reference(spec.reference, fmt);
                    self.stat(spec.label, samples(data), fmt, &reference)
                }
                Figure::Ratio { app, raw } => self.ratio(spec.label, app(data), raw(data), ""),
            }
        }
    }

    pub fn print(&self) {
        let reference = match &self.next.absent {
            None => "reference: Next.js 15 + NextAuth v5 over the same Djoser, measured in this run (phase `next`): median (p10 – p90)",
            Some(_) => "reference: none (the Next.js anchor was not measured in this run)",
        };
        println!("| figure | median | spread | runs | {reference} |");
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
    /// The reference column: the same figure of the Next.js anchor, from this run's `next` phase.
    pub reference: Option<Samples<Next>>,
}

/// A row with the median and spread of `samples`.
pub const fn stat<T>(
    label: &'static str,
    samples: Samples<T>,
    fmt: Fmt,
    reference: Option<Samples<Next>>,
) -> RowSpec<T> {
    RowSpec {
        label,
        figure: Figure::Stat { samples, fmt },
        reference,
    }
}

/// A row with the app / raw ratio.
pub const fn ratio<T>(label: &'static str, app: Samples<T>, raw: Samples<T>) -> RowSpec<T> {
    RowSpec {
        label,
        figure: Figure::Ratio { app, raw },
        reference: None,
    }
}
