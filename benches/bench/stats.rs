//! Medians and spreads.

/// Linear-interpolated percentile of sorted samples, `p` in 0..=1.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64)
}

pub struct Summary {
    pub n: usize,
    pub median: f64,
    pub lo: f64,
    pub hi: f64,
}

/// Median and p10–p90 (min–max below 10 samples).
pub fn summarize(samples: &[f64]) -> Summary {
    let mut sorted: Vec<f64> = samples.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi) = if sorted.len() >= 10 {
        (percentile(&sorted, 0.1), percentile(&sorted, 0.9))
    } else {
        (percentile(&sorted, 0.0), percentile(&sorted, 1.0))
    };
    Summary {
        n: sorted.len(),
        median: percentile(&sorted, 0.5),
        lo,
        hi,
    }
}
