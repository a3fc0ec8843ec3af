//! Forecasts of short official series (yearly, quarterly, monthly) with prediction intervals: the
//! benchmarks (naive, seasonal naive, drift), additive exponential smoothing (the ETS models with
//! additive errors, chosen by AICc), Theta, and automatic choice by rolling-origin backtest.

mod ets;
mod nelder_mead;
mod season;
mod simple;
mod stats;
mod theta;

pub use ets::{EtsSpec, Trend};
pub use stats::normal_quantile;

/// What went wrong, in words a user can act on.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ForecastError {
    #[error("series `{series}` has {len} values; {method} needs at least {needed}")]
    TooShort { series: String, method: String, len: usize, needed: usize },
    #[error("unknown forecasting method `{0}`; use auto, ets, ses, holt, damped, theta, naive, snaive or drift")]
    UnknownMethod(String),
    #[error("series `{0}` holds a missing or non-finite value; fill or drop it before forecasting")]
    NotFinite(String),
}

/// A method a user can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Chosen per series by rolling-origin backtest.
    Auto,
    /// ETS with additive errors, trend and season chosen by AICc.
    Ets,
    Ses,
    Holt,
    Damped,
    Theta,
    Naive,
    SeasonalNaive,
    Drift,
}

impl Method {
    pub fn parse(text: &str) -> Result<Self, ForecastError> {
        Ok(match text.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Self::Auto,
            "ets" | "autoets" => Self::Ets,
            "ses" => Self::Ses,
            "holt" => Self::Holt,
            "damped" => Self::Damped,
            "theta" => Self::Theta,
            "naive" => Self::Naive,
            "snaive" | "seasonal_naive" => Self::SeasonalNaive,
            "drift" => Self::Drift,
            other => return Err(ForecastError::UnknownMethod(other.to_string())),
        })
    }

    /// The candidates `auto` backtests.
    const CANDIDATES: [Method; 5] = [Method::Ets, Method::Theta, Method::Drift, Method::SeasonalNaive, Method::Naive];
}

/// Point forecasts and their intervals, one entry per step ahead.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The method that made it, e.g. `ets(A,Ad,A)` or `theta`.
    pub method: String,
    pub point: Vec<f64>,
    /// Per level (as given, e.g. 80.0 and 95.0): the lower and upper bounds per step.
    pub intervals: Vec<(f64, Vec<f64>, Vec<f64>)>,
}

/// A fitted model: point forecasts and the standard deviation of the h-step error.
#[derive(Debug, Clone)]
struct Fitted {
    method: String,
    point: Vec<f64>,
    sd: Vec<f64>,
}

impl Fitted {
    fn with_levels(self, levels: &[f64]) -> Forecast {
        let intervals = levels
            .iter()
            .map(|&level| {
                let z = normal_quantile(0.5 + level / 200.0);
                let lo = self.point.iter().zip(&self.sd).map(|(p, s)| p - z * s).collect();
                let hi = self.point.iter().zip(&self.sd).map(|(p, s)| p + z * s).collect();
                (level, lo, hi)
            })
            .collect();
        Forecast { method: self.method, point: self.point, intervals }
    }
}

fn fit(values: &[f64], horizon: usize, season_length: usize, method: Method) -> Option<Fitted> {
    match method {
        Method::Naive => simple::naive(values, horizon),
        Method::SeasonalNaive => simple::seasonal_naive(values, horizon, season_length),
        Method::Drift => simple::drift(values, horizon),
        Method::Theta => theta::theta(values, horizon, season_length),
        Method::Ses => ets::fit(values, horizon, EtsSpec { trend: Trend::None, seasonal: false, season_length }),
        Method::Holt => ets::fit(values, horizon, EtsSpec { trend: Trend::Additive, seasonal: false, season_length }),
        Method::Damped => ets::fit(values, horizon, EtsSpec { trend: Trend::Damped, seasonal: false, season_length }),
        Method::Ets => ets::auto(values, horizon, season_length),
        Method::Auto => None,
    }
}

/// Forecasts `values` (oldest first) `horizon` steps ahead with prediction intervals at `levels`
/// (percent). `Method::Auto` picks, per series, the candidate with the lowest mean sMAPE over a
/// rolling-origin backtest, then refits it on the whole series.
pub fn forecast(series: &str, values: &[f64], horizon: usize, season_length: usize, method: Method, levels: &[f64]) -> Result<Forecast, ForecastError> {
    if values.iter().any(|v| !v.is_finite()) {
        return Err(ForecastError::NotFinite(series.to_string()));
    }
    let method = match method {
        Method::Auto => backtest(values, horizon, season_length).first().map(|score| score.method).unwrap_or(Method::Naive),
        named => named,
    };
    fit(values, horizon, season_length, method)
        .map(|fitted| fitted.with_levels(levels))
        .ok_or_else(|| ForecastError::TooShort { series: series.to_string(), method: format!("{method:?}").to_lowercase(), len: values.len(), needed: 2 })
}

/// One candidate's accuracy over the backtest.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub method: Method,
    /// Mean symmetric MAPE over every origin and step, percent.
    pub smape: f64,
    /// Mean absolute error scaled by the in-sample (seasonal) naive error.
    pub mase: f64,
    /// Share of actual values inside the 95% interval.
    pub coverage_95: f64,
    pub origins: usize,
}

/// Rolling-origin backtest of every candidate: up to three origins, each forecasting `horizon` steps
/// (shortened so that the first origin keeps at least two seasons, or eight values, of history).
/// Sorted best first by sMAPE; candidates that cannot fit a series are left out.
pub fn backtest(values: &[f64], horizon: usize, season_length: usize) -> Vec<Score> {
    let n = values.len();
    let min_history = (2 * season_length.max(1)).max(8);
    let step = horizon.clamp(1, n.saturating_sub(min_history).max(1));
    let origins: Vec<usize> = (1..=3).map(|k| n.saturating_sub(k * step)).filter(|&o| o >= min_history.min(n.saturating_sub(1)) && o >= 2).collect();
    let scale = naive_scale(values, season_length);
    let mut scores = Vec::new();
    for method in Method::CANDIDATES {
        let (mut smape, mut mae, mut inside, mut count) = (0.0, 0.0, 0usize, 0usize);
        let mut ok = !origins.is_empty();
        for &origin in &origins {
            let h = step.min(n - origin);
            let Some(fitted) = fit(&values[..origin], h, season_length, method) else { ok = false; break };
            let z = normal_quantile(0.975);
            for (i, actual) in values[origin..origin + h].iter().enumerate() {
                let (p, s) = (fitted.point[i], fitted.sd[i]);
                let denominator = actual.abs() + p.abs();
                smape += if denominator == 0.0 { 0.0 } else { 200.0 * (actual - p).abs() / denominator };
                mae += (actual - p).abs();
                inside += usize::from((actual - p).abs() <= z * s);
                count += 1;
            }
        }
        if ok && count > 0 {
            let c = count as f64;
            scores.push(Score { method, smape: smape / c, mase: mae / c / scale, coverage_95: inside as f64 / c, origins: origins.len() });
        }
    }
    scores.sort_by(|a, b| a.smape.total_cmp(&b.smape));
    scores
}

/// The in-sample mean absolute error of the seasonal naive method (naive when the series is shorter
/// than two seasons): MASE's denominator.
fn naive_scale(values: &[f64], season_length: usize) -> f64 {
    let lag = if values.len() > 2 * season_length && season_length > 1 { season_length } else { 1 };
    let diffs: Vec<f64> = values.windows(lag + 1).map(|w| (w[lag] - w[0]).abs()).collect();
    let mean = diffs.iter().sum::<f64>() / diffs.len().max(1) as f64;
    if mean > 0.0 { mean } else { 1.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names() {
        assert_eq!(Method::parse("AUTO"), Ok(Method::Auto));
        assert_eq!(Method::parse("snaive"), Ok(Method::SeasonalNaive));
        assert!(matches!(Method::parse("prophet"), Err(ForecastError::UnknownMethod(_))));
    }

    #[test]
    fn auto_picks_a_trend_method_for_a_straight_line() {
        let values: Vec<f64> = (0..24).map(|t| 100.0 + 5.0 * t as f64).collect();
        let f = forecast("line", &values, 4, 1, Method::Auto, &[80.0, 95.0]).expect("forecast");
        for (h, p) in f.point.iter().enumerate() {
            assert!((p - (100.0 + 5.0 * (24 + h) as f64)).abs() < 0.5, "{} step {h}: {p}", f.method);
        }
        let (_, lo80, hi80) = &f.intervals[0];
        let (_, lo95, hi95) = &f.intervals[1];
        assert!(lo95[0] <= lo80[0] && lo80[0] <= f.point[0] && f.point[0] <= hi80[0] && hi80[0] <= hi95[0]);
    }

    #[test]
    fn missing_values_are_refused() {
        assert_eq!(forecast("x", &[1.0, f64::NAN, 3.0], 2, 1, Method::Naive, &[95.0]).expect_err("NaN refused"), ForecastError::NotFinite("x".into()));
    }
}
