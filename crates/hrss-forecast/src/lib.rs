//! Forecasts of short official series (yearly, quarterly, monthly) with prediction intervals: the
//! benchmarks (naive, seasonal naive, drift), exponential smoothing (the ETS family, chosen by AICc),
//! ARIMA with automatic order selection, Theta, a median or mean combination of ETS, ARIMA and Theta,
//! and automatic choice among them by rolling-origin backtest.

mod arima;
mod ets;
mod nelder_mead;
#[cfg(test)]
mod reference_tests;
mod season;
mod simple;
mod stats;
mod theta;

pub use arima::Order as ArimaOrder;
pub use ets::{EtsSpec, Error as EtsError, Season, Trend};
pub use stats::normal_quantile;

/// What went wrong, in words a user can act on.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ForecastError {
    #[error("series `{series}` has {len} values; {method} needs at least {needed}")]
    TooShort { series: String, method: String, len: usize, needed: usize },
    #[error(
        "unknown forecasting method `{0}`; use auto, ets, arima, theta, combo, combo_mean, ses, holt, damped, naive, snaive, drift, \
         or a named ETS model such as ets(M,Ad,M)"
    )]
    UnknownMethod(String),
    #[error("series `{0}` holds a missing or non-finite value; fill or drop it before forecasting")]
    NotFinite(String),
}

/// A method a user can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Chosen per series by rolling-origin backtest.
    Auto,
    /// ETS, error, trend and season chosen by AICc.
    Ets,
    /// One named ETS model; its season length is the call's.
    EtsModel(EtsSpec),
    /// ARIMA, differencing by unit-root tests and orders by stepwise AICc.
    Arima,
    Theta,
    /// The median of the ETS, ARIMA and Theta forecasts (and of their interval bounds).
    Combination,
    /// The mean of the ETS, ARIMA and Theta forecasts (and of their interval bounds).
    CombinationMean,
    Ses,
    Holt,
    Damped,
    Naive,
    SeasonalNaive,
    Drift,
}

impl Method {
    pub fn parse(text: &str) -> Result<Self, ForecastError> {
        let lower = text.trim().to_ascii_lowercase();
        Ok(match lower.as_str() {
            "" | "auto" => Self::Auto,
            "ets" | "autoets" => Self::Ets,
            "arima" | "autoarima" => Self::Arima,
            "theta" => Self::Theta,
            "combo" | "combination" | "median" => Self::Combination,
            "combo_mean" | "mean" => Self::CombinationMean,
            "ses" => Self::Ses,
            "holt" => Self::Holt,
            "damped" => Self::Damped,
            "naive" => Self::Naive,
            "snaive" | "seasonal_naive" => Self::SeasonalNaive,
            "drift" => Self::Drift,
            other => match EtsSpec::parse(other, 0) {
                Some(spec) if other.starts_with("ets") || other.len() <= 4 => Self::EtsModel(spec),
                _ => return Err(ForecastError::UnknownMethod(other.to_string())),
            },
        })
    }

    /// The name `parse` reads and the backtest reports.
    pub fn name(&self) -> String {
        match self {
            Self::Auto => "auto".into(),
            Self::Ets => "ets".into(),
            Self::EtsModel(spec) => spec.name(),
            Self::Arima => "arima".into(),
            Self::Theta => "theta".into(),
            Self::Combination => "combo".into(),
            Self::CombinationMean => "combo_mean".into(),
            Self::Ses => "ses".into(),
            Self::Holt => "holt".into(),
            Self::Damped => "damped".into(),
            Self::Naive => "naive".into(),
            Self::SeasonalNaive => "snaive".into(),
            Self::Drift => "drift".into(),
        }
    }

    /// The candidates `auto` backtests: the members of the combination first, then the combination
    /// built from their forecasts, then the benchmarks.
    const MEMBERS: [Method; 3] = [Method::Ets, Method::Arima, Method::Theta];
    const BENCHMARKS: [Method; 3] = [Method::Drift, Method::SeasonalNaive, Method::Naive];
}

/// Point forecasts and their intervals, one entry per step ahead.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    /// The method that made it, e.g. `ets(M,Ad,N)`, `arima(0,1,1) with drift` or `theta`.
    pub method: String,
    pub point: Vec<f64>,
    /// Per level (as given, e.g. 80.0 and 95.0): the lower and upper bounds per step.
    pub intervals: Vec<(f64, Vec<f64>, Vec<f64>)>,
}

/// How the uncertainty of a forecast is known.
#[derive(Debug, Clone)]
enum Spread {
    /// Normal h-step errors with these standard deviations.
    Normal(Vec<f64>),
    /// Simulated future values, sorted, per step.
    Samples(Vec<Vec<f64>>),
    /// The members of a combination: bounds are the median or mean of theirs.
    Combined { members: Vec<Fitted>, median: bool },
}

/// A fitted model: point forecasts and the spread of the h-step error.
#[derive(Debug, Clone)]
struct Fitted {
    method: String,
    point: Vec<f64>,
    spread: Spread,
}

/// The median (or mean) of a few values.
fn centre(mut values: Vec<f64>, median: bool) -> f64 {
    if !median {
        return values.iter().sum::<f64>() / values.len() as f64;
    }
    values.sort_by(f64::total_cmp);
    let k = values.len();
    if k % 2 == 1 { values[k / 2] } else { 0.5 * (values[k / 2 - 1] + values[k / 2]) }
}

impl Fitted {
    /// The bounds of the central `level`% prediction interval per step.
    fn bounds(&self, level: f64) -> (Vec<f64>, Vec<f64>) {
        let tail = 0.5 - level / 200.0;
        match &self.spread {
            Spread::Normal(sd) => {
                let z = normal_quantile(1.0 - tail);
                (self.point.iter().zip(sd).map(|(p, s)| p - z * s).collect(), self.point.iter().zip(sd).map(|(p, s)| p + z * s).collect())
            }
            Spread::Samples(samples) => (
                samples.iter().map(|s| stats::quantile_of_sorted(s, tail)).collect(),
                samples.iter().map(|s| stats::quantile_of_sorted(s, 1.0 - tail)).collect(),
            ),
            Spread::Combined { members, median } => {
                let member_bounds: Vec<(Vec<f64>, Vec<f64>)> = members.iter().map(|m| m.bounds(level)).collect();
                let at = |h: usize, upper: bool| -> Vec<f64> { member_bounds.iter().map(|(lo, hi)| if upper { hi[h] } else { lo[h] }).collect() };
                // A combined bound is kept on its side of the combined point.
                (0..self.point.len())
                    .map(|h| (centre(at(h, false), *median).min(self.point[h]), centre(at(h, true), *median).max(self.point[h])))
                    .unzip()
            }
        }
    }

    #[cfg(test)]
    fn sd(&self) -> &[f64] {
        match &self.spread {
            Spread::Normal(sd) => sd,
            _ => panic!("{} has no analytic standard deviation", self.method),
        }
    }

    fn combine(members: Vec<Fitted>, median: bool) -> Fitted {
        let horizon = members[0].point.len();
        let point = (0..horizon).map(|h| centre(members.iter().map(|m| m.point[h]).collect(), median)).collect();
        let names: Vec<&str> = members.iter().map(|m| m.method.as_str()).collect();
        let method = format!("{}({})", if median { "median" } else { "mean" }, names.join(", "));
        Fitted { method, point, spread: Spread::Combined { members, median } }
    }

    /// The forecast with its intervals at `levels`, each widened around the point by `scale` (1 keeps
    /// the model's own).
    fn with_levels(self, levels: &[f64], scale: f64) -> Forecast {
        let intervals = levels
            .iter()
            .map(|&level| {
                let (lo, hi) = self.bounds(level);
                let lo = lo.iter().zip(&self.point).map(|(l, p)| p - scale * (p - l)).collect();
                let hi = hi.iter().zip(&self.point).map(|(h, p)| p + scale * (h - p)).collect();
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
        Method::Ses => ets::fit(values, horizon, EtsSpec::additive(Trend::None)),
        Method::Holt => ets::fit(values, horizon, EtsSpec::additive(Trend::Additive)),
        Method::Damped => ets::fit(values, horizon, EtsSpec::additive(Trend::Damped)),
        Method::Ets => ets::auto(values, horizon, season_length),
        Method::EtsModel(spec) => {
            let season_length = if spec.season == Season::None { 1 } else { season_length };
            ets::fit(values, horizon, EtsSpec { season_length, ..spec })
        }
        Method::Arima => arima::auto(values, horizon, season_length),
        Method::Combination | Method::CombinationMean => {
            let members: Option<Vec<Fitted>> = Method::MEMBERS.iter().map(|&m| fit(values, horizon, season_length, m)).collect();
            Some(Fitted::combine(members?, method == Method::Combination))
        }
        Method::Auto => None,
    }
}

/// Every candidate `auto` considers, fitted once: the members, the two combinations of their
/// forecasts (no refit), and the benchmarks. A candidate the series is too short for is None.
fn fit_candidates(values: &[f64], horizon: usize, season_length: usize) -> Vec<(Method, Option<Fitted>)> {
    let members: Vec<Option<Fitted>> = Method::MEMBERS.iter().map(|&m| fit(values, horizon, season_length, m)).collect();
    let all_members: Option<Vec<Fitted>> = members.iter().cloned().collect();
    let mut out: Vec<(Method, Option<Fitted>)> = Method::MEMBERS.iter().copied().zip(members).collect();
    out.push((Method::Combination, all_members.clone().map(|m| Fitted::combine(m, true))));
    out.push((Method::CombinationMean, all_members.map(|m| Fitted::combine(m, false))));
    out.extend(Method::BENCHMARKS.iter().map(|&m| (m, fit(values, horizon, season_length, m))));
    out
}

/// Forecasts `values` (oldest first) `horizon` steps ahead with prediction intervals at `levels`
/// (percent). `Method::Auto` picks, per series, the candidate with the lowest mean sMAPE over a
/// rolling-origin backtest, refits it on the whole series, and widens its intervals by the backtest's
/// `interval_scale`: model-based intervals of short series are known to be too narrow (they ignore
/// the uncertainty of the parameters and of the model choice), and the backtest measures by how much.
pub fn forecast(series: &str, values: &[f64], horizon: usize, season_length: usize, method: Method, levels: &[f64]) -> Result<Forecast, ForecastError> {
    if values.iter().any(|v| !v.is_finite()) {
        return Err(ForecastError::NotFinite(series.to_string()));
    }
    let (method, scale) = match method {
        Method::Auto => backtest(values, horizon, season_length).first().map_or((Method::Naive, 1.0), |score| (score.method, score.interval_scale)),
        named => (named, 1.0),
    };
    fit(values, horizon, season_length, method)
        .map(|fitted| fitted.with_levels(levels, scale))
        .ok_or_else(|| ForecastError::TooShort { series: series.to_string(), method: method.name(), len: values.len(), needed: minimum_length(method, season_length) })
}

/// Roughly the shortest series a method fits (the exact figure depends on the model chosen).
fn minimum_length(method: Method, season_length: usize) -> usize {
    match method {
        Method::Naive => 2,
        Method::Drift => 3,
        Method::SeasonalNaive => season_length + 1,
        Method::Theta | Method::Ses => 5,
        _ => 8,
    }
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
    /// The factor (at least 1) by which the 95% interval must widen around the point to hold 95% of
    /// the backtest's actual values.
    pub interval_scale: f64,
    pub origins: usize,
}

/// A candidate's running totals over the backtest: sMAPE terms, absolute errors, actual values inside
/// the 95% interval, and forecasts made.
#[derive(Default)]
struct ErrorSums {
    smape: f64,
    mae: f64,
    inside: usize,
    count: usize,
    /// Per forecast: the error over the half-width of the 95% interval on the error's side.
    reach: Vec<f64>,
}

/// Rolling-origin backtest of every candidate: up to three origins, each forecasting `horizon` steps
/// (shortened so that the first origin keeps at least two seasons, or eight values, of history).
/// Sorted best first by sMAPE; candidates that cannot fit a series at every origin are left out.
pub fn backtest(values: &[f64], horizon: usize, season_length: usize) -> Vec<Score> {
    let n = values.len();
    let min_history = (2 * season_length.max(1)).max(8);
    let step = horizon.clamp(1, n.saturating_sub(min_history).max(1));
    let origins: Vec<usize> = (1..=3).map(|k| n.saturating_sub(k * step)).filter(|&o| o >= min_history.min(n.saturating_sub(1)) && o >= 2).collect();
    let scale = naive_scale(values, season_length);
    // Per candidate: its error sums; None once it fails an origin.
    let mut totals: Vec<(Method, Option<ErrorSums>)> = Vec::new();
    for &origin in &origins {
        let h = step.min(n - origin);
        for (i, (method, fitted)) in fit_candidates(&values[..origin], h, season_length).into_iter().enumerate() {
            if totals.len() <= i {
                totals.push((method, Some(ErrorSums::default())));
            }
            let Some(ErrorSums { smape, mae, inside, count, reach }) = totals[i].1.as_mut() else { continue };
            let Some(fitted) = fitted else {
                totals[i].1 = None;
                continue;
            };
            let (lo, hi) = fitted.bounds(95.0);
            for (j, actual) in values[origin..origin + h].iter().enumerate() {
                let p = fitted.point[j];
                let denominator = actual.abs() + p.abs();
                *smape += if denominator == 0.0 { 0.0 } else { 200.0 * (actual - p).abs() / denominator };
                *mae += (actual - p).abs();
                *inside += usize::from(lo[j] <= *actual && *actual <= hi[j]);
                *count += 1;
                let half_width = if *actual >= p { hi[j] - p } else { p - lo[j] };
                reach.push(if half_width > 0.0 { (actual - p).abs() / half_width } else if *actual == p { 0.0 } else { f64::INFINITY });
            }
        }
    }
    let mut scores: Vec<Score> = totals
        .into_iter()
        .filter_map(|(method, total)| {
            let ErrorSums { smape, mae, inside, count, mut reach } = total?;
            (count > 0).then(|| {
                let c = count as f64;
                reach.sort_by(f64::total_cmp);
                // Capped: one wild miss on a short backtest should not make the interval useless.
                let interval_scale = stats::quantile_of_sorted(&reach, 0.95).clamp(1.0, 4.0);
                Score { method, smape: smape / c, mase: mae / c / scale, coverage_95: inside as f64 / c, interval_scale, origins: origins.len() }
            })
        })
        .collect();
    // Stable: on a tie the earlier candidate (a model before a benchmark) wins.
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
    fn auto_widens_intervals_the_backtest_found_too_narrow() {
        // A quiet series whose last years jump around: the models' own intervals, fitted on the quiet
        // part, miss the later values; the backtest measures how far, and auto widens by that much.
        let mut values: Vec<f64> = (0..20).map(|t| 100.0 + t as f64 + 0.2 * ((t * 7 % 5) as f64 - 2.0)).collect();
        values.extend([135.0, 112.0, 140.0, 118.0, 150.0, 121.0]);
        let scores = backtest(&values, 2, 1);
        let best = &scores[0];
        assert!(best.interval_scale > 1.0 && best.coverage_95 < 0.95, "{best:?}");
        let own = forecast("s", &values, 2, 1, best.method, &[95.0]).expect("named");
        let auto = forecast("s", &values, 2, 1, Method::Auto, &[95.0]).expect("auto");
        let width = |f: &Forecast| f.intervals[0].2[0] - f.intervals[0].1[0];
        assert!((width(&auto) / width(&own) - best.interval_scale).abs() < 1e-9, "auto {} own {} scale {}", width(&auto), width(&own), best.interval_scale);
    }

    #[test]
    fn missing_values_are_refused() {
        assert_eq!(forecast("x", &[1.0, f64::NAN, 3.0], 2, 1, Method::Naive, &[95.0]).expect_err("NaN refused"), ForecastError::NotFinite("x".into()));
    }
}
