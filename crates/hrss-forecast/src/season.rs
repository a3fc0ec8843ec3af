//! Seasonal helpers: classical decomposition's centred moving average (ETS initialisation, Theta) and
//! the autocorrelation test for seasonality.

/// The centred moving average of order `m` at `t` (a 2 x m average when m is even), over `y[..span]`;
/// None where the window does not fit.
pub fn centred_average(y: &[f64], m: usize, t: usize, span: usize) -> Option<f64> {
    let half = m / 2;
    if t < half || t + half >= span.min(y.len()) {
        return None;
    }
    Some(if m.is_multiple_of(2) {
        (0.5 * y[t - half] + y[t - half + 1..t + half].iter().sum::<f64>() + 0.5 * y[t + half]) / m as f64
    } else {
        y[t - half..=t + half].iter().sum::<f64>() / m as f64
    })
}

/// Classical decomposition's seasonal pattern over `y[..span]`: per position in the season, the mean
/// deviation (additive) or ratio (multiplicative) of the values from their centred moving average,
/// normalised to sum to zero or to average one. None when some position has no value with an average.
pub fn classical_seasons(y: &[f64], m: usize, span: usize, multiplicative: bool) -> Option<Vec<f64>> {
    let mut sums = vec![(0.0, 0usize); m];
    for t in 0..span.min(y.len()) {
        let Some(average) = centred_average(y, m, t, span) else { continue };
        sums[t % m].0 += if multiplicative { y[t] / average } else { y[t] - average };
        sums[t % m].1 += 1;
    }
    if sums.iter().any(|(_, count)| *count == 0) {
        return None;
    }
    let mut seasons: Vec<f64> = sums.iter().map(|(sum, count)| sum / *count as f64).collect();
    let centre = seasons.iter().sum::<f64>() / m as f64;
    for s in &mut seasons {
        if multiplicative { *s /= centre } else { *s -= centre }
    }
    Some(seasons)
}

/// The autocorrelations of `y` at lags 1..=max_lag.
pub fn autocorrelations(y: &[f64], max_lag: usize) -> Vec<f64> {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let denominator: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    (1..=max_lag)
        .map(|lag| if lag >= n || denominator == 0.0 { 0.0 } else { (lag..n).map(|t| (y[t] - mean) * (y[t - lag] - mean)).sum::<f64>() / denominator })
        .collect()
}

/// The M4 competition's seasonality test: the autocorrelation at lag m exceeds its 90% limit,
/// 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / n).
pub fn is_seasonal(y: &[f64], m: usize) -> bool {
    if m < 2 || y.len() < 3 * m {
        return false;
    }
    let acf = autocorrelations(y, m);
    let limit = 1.645 * ((1.0 + 2.0 * acf[..m - 1].iter().map(|r| r * r).sum::<f64>()) / y.len() as f64).sqrt();
    acf[m - 1].abs() > limit
}
