//! The benchmark methods: naive, seasonal naive and drift, with the h-step error variances of
//! Hyndman & Athanasopoulos, Forecasting: Principles and Practice (3rd ed.), section 5.5.

use crate::{Fitted, Spread};

/// Root mean square of the residuals.
fn sigma(residuals: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = residuals.fold((0.0, 0usize), |(s, c), e| (s + e * e, c + 1));
    if count == 0 { 0.0 } else { (sum / count as f64).sqrt() }
}

pub fn naive(values: &[f64], horizon: usize) -> Option<Fitted> {
    let last = *values.last()?;
    if values.len() < 2 {
        return None;
    }
    let s = sigma(values.windows(2).map(|w| w[1] - w[0]));
    Some(Fitted { method: "naive".into(), point: vec![last; horizon], spread: Spread::Normal((1..=horizon).map(|h| s * (h as f64).sqrt()).collect()) })
}

pub fn seasonal_naive(values: &[f64], horizon: usize, season_length: usize) -> Option<Fitted> {
    let m = season_length.max(1);
    let n = values.len();
    if n < m + 1 {
        return None;
    }
    let s = sigma(values.windows(m + 1).map(|w| w[m] - w[0]));
    let point = (1..=horizon).map(|h| values[n - m + (h - 1) % m]).collect();
    let sd = (1..=horizon).map(|h| s * (((h - 1) / m + 1) as f64).sqrt()).collect();
    Some(Fitted { method: if m > 1 { "snaive".into() } else { "naive".into() }, point, spread: Spread::Normal(sd) })
}

pub fn drift(values: &[f64], horizon: usize) -> Option<Fitted> {
    let n = values.len();
    if n < 3 {
        return None;
    }
    let slope = (values[n - 1] - values[0]) / (n - 1) as f64;
    let s = sigma(values.windows(2).map(|w| w[1] - w[0] - slope));
    let t = n as f64;
    Some(Fitted {
        method: "drift".into(),
        point: (1..=horizon).map(|h| values[n - 1] + slope * h as f64).collect(),
        spread: Spread::Normal((1..=horizon).map(|h| s * (h as f64 * (1.0 + h as f64 / t)).sqrt()).collect()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benchmarks_by_hand() {
        let y = [10.0, 12.0, 11.0, 13.0];
        let n = naive(&y, 2).expect("naive");
        assert_eq!(n.point, vec![13.0, 13.0]);
        // Residuals 2, -1, 2: sigma = sqrt(9 / 3) = sqrt(3); h = 2 -> sqrt(3) * sqrt(2).
        assert!((n.sd()[1] - 6f64.sqrt()).abs() < 1e-12);

        let d = drift(&y, 2).expect("drift");
        assert_eq!(d.point, vec![14.0, 15.0]);

        let s = seasonal_naive(&[1.0, 2.0, 3.0, 4.0, 1.5, 2.5, 3.5, 4.5], 5, 4).expect("snaive");
        assert_eq!(s.point, vec![1.5, 2.5, 3.5, 4.5, 1.5]);
        // The fifth step is one season further out: sd grows by sqrt(2).
        assert!((s.sd()[4] / s.sd()[0] - 2f64.sqrt()).abs() < 1e-12);
    }
}
