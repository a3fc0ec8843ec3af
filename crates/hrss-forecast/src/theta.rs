//! The Theta method (Assimakopoulos & Nikolopoulos 2000) in Hyndman & Billah's (2003) form: simple
//! exponential smoothing with drift equal to half the slope of the linear trend, on the series
//! deseasonalised by classical multiplicative decomposition when it is positive and passes the 90%
//! autocorrelation test for seasonality at lag m (as in the M4 competition's benchmarks).

use crate::ets::{self, EtsSpec, Trend};
use crate::season::{classical_seasons, is_seasonal};
use crate::stats::least_squares_line;
use crate::{Fitted, Spread};

pub fn theta(values: &[f64], horizon: usize, season_length: usize) -> Option<Fitted> {
    let n = values.len();
    if n < 4 {
        return None;
    }
    let m = season_length;
    let indices = if m > 1 && n >= 2 * m && values.iter().all(|v| *v > 0.0) && is_seasonal(values, m) {
        classical_seasons(values, m, n, true)
    } else {
        None
    };
    let adjusted: Vec<f64> = match &indices {
        Some(idx) => values.iter().enumerate().map(|(t, v)| v / idx[t % m]).collect(),
        None => values.to_vec(),
    };
    let fit = ets::fit_spec(&adjusted, EtsSpec::additive(Trend::None))?;
    let alpha = fit.alpha();
    let ses = fit.forecast(horizon);
    // Simple exponential smoothing has additive errors, so its spread is always analytic.
    let Spread::Normal(ses_sd) = ses.spread else { return None };
    let slope = least_squares_line(&adjusted).1;
    let nf = n as f64;
    let point = (1..=horizon)
        .map(|h| {
            let drift = 0.5 * slope * ((h - 1) as f64 + 1.0 / alpha - (1.0 - alpha).powf(nf) / alpha);
            let p = ses.point[h - 1] + drift;
            match &indices {
                Some(idx) => p * idx[(n + h - 1) % m],
                None => p,
            }
        })
        .collect();
    let sd = match &indices {
        Some(idx) => ses_sd.iter().enumerate().map(|(i, s)| s * idx[(n + i) % m]).collect(),
        None => ses_sd,
    };
    Some(Fitted { method: "theta".into(), point, spread: Spread::Normal(sd) })
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theta_follows_half_the_trend_plus_ses() {
        let y: Vec<f64> = (0..30).map(|t| 50.0 + 1.0 * t as f64).collect();
        let f = theta(&y, 3, 1).expect("theta");
        // On a straight line SES tracks the last value (alpha near 1), and the drift adds half the slope per step.
        assert!((f.point[0] - 79.5).abs() < 1.0 && f.point[2] > f.point[0], "{:?}", f.point);
    }
}
