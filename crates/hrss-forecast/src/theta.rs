//! The Theta method (Assimakopoulos & Nikolopoulos 2000) in Hyndman & Billah's (2003) form: simple
//! exponential smoothing with drift equal to half the slope of the linear trend, on the series
//! deseasonalised by classical multiplicative decomposition when it is seasonal and positive.

use crate::ets;
use crate::season::centred_average;
use crate::Fitted;

pub fn theta(values: &[f64], horizon: usize, season_length: usize) -> Option<Fitted> {
    let n = values.len();
    if n < 4 {
        return None;
    }
    let m = season_length;
    let indices = if m > 1 && n >= 2 * m && values.iter().all(|v| *v > 0.0) { seasonal_indices(values, m) } else { None };
    let adjusted: Vec<f64> = match &indices {
        Some(idx) => values.iter().enumerate().map(|(t, v)| v / idx[t % m]).collect(),
        None => values.to_vec(),
    };
    let (ses, alpha) = ets::ses(&adjusted, horizon)?;
    let slope = regression_slope(&adjusted);
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
        Some(idx) => ses.sd.iter().enumerate().map(|(i, s)| s * idx[(n + i) % m]).collect(),
        None => ses.sd.clone(),
    };
    Some(Fitted { method: "theta".into(), point, sd })
}

fn regression_slope(y: &[f64]) -> f64 {
    let n = y.len() as f64;
    let mean_t = (n - 1.0) / 2.0;
    let mean_y = y.iter().sum::<f64>() / n;
    let (num, den) = y.iter().enumerate().fold((0.0, 0.0), |(num, den), (t, v)| {
        let dt = t as f64 - mean_t;
        (num + dt * (v - mean_y), den + dt * dt)
    });
    if den > 0.0 { num / den } else { 0.0 }
}

/// Classical multiplicative seasonal indices (ratio to a centred moving average), normalised to mean one.
fn seasonal_indices(y: &[f64], m: usize) -> Option<Vec<f64>> {
    let n = y.len();
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); m];
    for t in 0..n {
        let Some(average) = centred_average(y, m, t, n) else { continue };
        if average > 0.0 {
            ratios[t % m].push(y[t] / average);
        }
    }
    if ratios.iter().any(Vec::is_empty) {
        return None;
    }
    let mut indices: Vec<f64> = ratios.iter().map(|r| r.iter().sum::<f64>() / r.len() as f64).collect();
    let mean = indices.iter().sum::<f64>() / m as f64;
    indices.iter_mut().for_each(|i| *i /= mean);
    Some(indices)
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
