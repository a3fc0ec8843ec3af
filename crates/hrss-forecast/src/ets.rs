//! Exponential smoothing with additive errors: ETS(A,N,N), (A,A,N), (A,Ad,N) and their additive
//! seasonal forms (A,*,A), fitted by least squares (the maximum likelihood for additive errors) over
//! the smoothing parameters and initial level and trend, and chosen by AICc (Hyndman et al. 2008).
//! Multiplicative errors and seasons are not implemented yet.

use crate::Fitted;
use crate::nelder_mead::minimise;
use crate::season::centred_average;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    None,
    Additive,
    Damped,
}

/// Which ETS model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EtsSpec {
    pub trend: Trend,
    pub seasonal: bool,
    pub season_length: usize,
}

impl EtsSpec {
    fn name(&self) -> String {
        let trend = match self.trend {
            Trend::None => "N",
            Trend::Additive => "A",
            Trend::Damped => "Ad",
        };
        format!("ets(A,{trend},{})", if self.seasonal { "A" } else { "N" })
    }

    fn m(&self) -> usize {
        if self.seasonal { self.season_length } else { 1 }
    }

    /// Free parameters: smoothing parameters, damping, initial level and trend, the m - 1 free initial
    /// seasonal states, and the error variance.
    fn parameter_count(&self) -> usize {
        let smoothing = 1 + usize::from(self.trend != Trend::None) + usize::from(self.seasonal) + usize::from(self.trend == Trend::Damped);
        let states = 1 + usize::from(self.trend != Trend::None) + if self.seasonal { self.season_length - 1 } else { 0 };
        smoothing + states + 1
    }
}

/// Parameters in the order the optimiser sees them.
#[derive(Debug, Clone, Copy)]
struct Params {
    alpha: f64,
    beta: f64,
    gamma: f64,
    phi: f64,
    level: f64,
    trend: f64,
}

impl Params {
    fn from_vector(spec: &EtsSpec, x: &[f64]) -> Self {
        let mut i = 0;
        let mut next = || {
            i += 1;
            x[i - 1]
        };
        let alpha = next();
        let beta = if spec.trend != Trend::None { next() } else { 0.0 };
        let gamma = if spec.seasonal { next() } else { 0.0 };
        let phi = match spec.trend {
            Trend::Damped => next(),
            Trend::Additive => 1.0,
            Trend::None => 0.0,
        };
        let level = next();
        let trend = if spec.trend != Trend::None { next() } else { 0.0 };
        Self { alpha, beta, gamma, phi, level, trend }
    }

    /// The usual region (Hyndman et al. 2008, section 5.2): 0 < alpha < 1, 0 < beta < alpha,
    /// 0 < gamma < 1 - alpha, 0.8 <= phi <= 0.98.
    fn admissible(&self, spec: &EtsSpec) -> bool {
        let eps = 1e-4;
        (eps..1.0 - eps).contains(&self.alpha)
            && (spec.trend == Trend::None || (eps..self.alpha).contains(&self.beta))
            && (!spec.seasonal || (eps..1.0 - self.alpha).contains(&self.gamma))
            && (spec.trend != Trend::Damped || (0.8..=0.98).contains(&self.phi))
    }
}

/// Runs the model over `y`; returns the sum of squared one-step errors and the final states.
fn filter(y: &[f64], spec: &EtsSpec, p: &Params, seasons: &[f64]) -> (f64, f64, f64, Vec<f64>) {
    let m = spec.m();
    let (mut level, mut trend) = (p.level, p.trend);
    let mut season = seasons.to_vec();
    let mut sse = 0.0;
    for (t, &value) in y.iter().enumerate() {
        let s = if spec.seasonal { season[t % m] } else { 0.0 };
        let fitted = level + p.phi * trend + s;
        let error = value - fitted;
        sse += error * error;
        let new_level = level + p.phi * trend + p.alpha * error;
        trend = p.phi * trend + p.beta * error;
        level = new_level;
        if spec.seasonal {
            season[t % m] = s + p.gamma * error;
        }
    }
    (sse, level, trend, season)
}

/// Initial seasonal states: the mean deviation of each season position from a centred moving average
/// (classical additive decomposition) over the first four seasons at most, centred to sum to zero.
/// Without detrending, a trend would leak into the seasonal states as a ramp.
fn initial_seasons(y: &[f64], m: usize) -> Vec<f64> {
    let span = (4 * m).min(y.len());
    let mut sums = vec![(0.0, 0usize); m];
    for t in 0..span {
        let Some(average) = centred_average(y, m, t, span) else { continue };
        sums[t % m].0 += y[t] - average;
        sums[t % m].1 += 1;
    }
    let mut seasons: Vec<f64> = sums.iter().map(|(sum, count)| if *count > 0 { sum / *count as f64 } else { 0.0 }).collect();
    let centre = seasons.iter().sum::<f64>() / m as f64;
    seasons.iter_mut().for_each(|s| *s -= centre);
    seasons
}

/// Initial level and trend: a least-squares line through the first two seasons (or ten values) of the
/// deseasonalised series, its value one step before the first observation.
fn initial_level_and_trend(y: &[f64], seasons: &[f64], m: usize) -> (f64, f64) {
    let span = (2 * m).max(10).min(y.len());
    let adjusted: Vec<f64> = (0..span).map(|t| y[t] - seasons[t % seasons.len()]).collect();
    let n = span as f64;
    let mean_t = (n - 1.0) / 2.0;
    let mean_y = adjusted.iter().sum::<f64>() / n;
    let (num, den) = adjusted.iter().enumerate().fold((0.0, 0.0), |(num, den), (t, v)| {
        let dt = t as f64 - mean_t;
        (num + dt * (v - mean_y), den + dt * dt)
    });
    let slope = if den > 0.0 { num / den } else { 0.0 };
    (mean_y - slope * (mean_t + 1.0), slope)
}

/// A fitted model with its AICc.
struct Fit {
    aicc: f64,
    alpha: f64,
    fitted: Fitted,
}

fn fit_spec(y: &[f64], horizon: usize, spec: EtsSpec) -> Option<Fit> {
    let n = y.len();
    let k = spec.parameter_count();
    if n < k + 2 || (spec.seasonal && (spec.season_length < 2 || n < 2 * spec.season_length + 2)) {
        return None;
    }
    let m = spec.m();
    let seasons = if spec.seasonal { initial_seasons(y, m) } else { vec![0.0] };
    let (first, slope) = initial_level_and_trend(y, &seasons, m);
    let scale = y.iter().map(|v| v.abs()).fold(0.0, f64::max).max(1.0);

    let mut start = vec![0.3];
    let mut step = vec![0.1];
    if spec.trend != Trend::None {
        start.push(0.05);
        step.push(0.03);
    }
    if spec.seasonal {
        start.push(0.1);
        step.push(0.05);
    }
    if spec.trend == Trend::Damped {
        start.push(0.95);
        step.push(0.01);
    }
    start.push(first);
    step.push(0.05 * scale);
    if spec.trend != Trend::None {
        start.push(slope);
        step.push(0.01 * scale);
    }
    let objective = |x: &[f64]| {
        let p = Params::from_vector(&spec, x);
        if !p.admissible(&spec) {
            return f64::INFINITY;
        }
        filter(y, &spec, &p, &seasons).0
    };
    let best = minimise(objective, &start, &step, 2000 * start.len());
    let p = Params::from_vector(&spec, &best);
    if !p.admissible(&spec) {
        return None;
    }
    let (sse, level, trend, season) = filter(y, &spec, &p, &seasons);
    let nf = n as f64;
    let kf = k as f64;
    let sigma2 = sse / nf;
    let aicc = nf * sigma2.max(f64::MIN_POSITIVE).ln() + 2.0 * kf + 2.0 * kf * (kf + 1.0) / (nf - kf - 1.0);

    let mut point = Vec::with_capacity(horizon);
    let mut sd = Vec::with_capacity(horizon);
    let (mut damped_sum, mut c_sum) = (0.0, 0.0);
    for h in 1..=horizon {
        damped_sum += p.phi.powi(h as i32);
        let s = if spec.seasonal { season[(n + h - 1) % m] } else { 0.0 };
        point.push(level + damped_sum * trend + s);
        // var_h = sigma2 (1 + sum_{j<h} c_j^2), c_j = alpha + beta (phi + ... + phi^j) + gamma [j = 0 mod m].
        sd.push((sigma2 * (1.0 + c_sum)).sqrt());
        let seasonal_term = if spec.seasonal && h % m == 0 { p.gamma } else { 0.0 };
        let c = p.alpha + p.beta * damped_sum + seasonal_term;
        c_sum += c * c;
    }
    Some(Fit { aicc, alpha: p.alpha, fitted: Fitted { method: spec.name(), point, sd } })
}

/// Fits one named model.
pub fn fit(y: &[f64], horizon: usize, spec: EtsSpec) -> Option<Fitted> {
    fit_spec(y, horizon, spec).map(|f| f.fitted)
}

/// Simple exponential smoothing, with its smoothing parameter (Theta needs it).
pub(crate) fn ses(y: &[f64], horizon: usize) -> Option<(Fitted, f64)> {
    fit_spec(y, horizon, EtsSpec { trend: Trend::None, seasonal: false, season_length: 1 }).map(|f| (f.fitted, f.alpha))
}

/// Fits every additive model the series is long enough for and keeps the lowest AICc.
pub fn auto(y: &[f64], horizon: usize, season_length: usize) -> Option<Fitted> {
    let seasons: &[bool] = if season_length > 1 { &[false, true] } else { &[false] };
    let mut best: Option<Fit> = None;
    for &seasonal in seasons {
        for trend in [Trend::None, Trend::Additive, Trend::Damped] {
            if let Some(candidate) = fit_spec(y, horizon, EtsSpec { trend, seasonal, season_length })
                && best.as_ref().is_none_or(|b| candidate.aicc < b.aicc)
            {
                best = Some(candidate);
            }
        }
    }
    best.map(|b| b.fitted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ses_of_a_constant_series_is_that_constant() {
        let y = vec![7.0; 20];
        let f = fit(&y, 3, EtsSpec { trend: Trend::None, seasonal: false, season_length: 1 }).expect("fit");
        assert!(f.point.iter().all(|p| (p - 7.0).abs() < 1e-6), "{:?}", f.point);
    }

    #[test]
    fn auto_finds_trend_and_season() {
        // Level 100, trend +2 a month, a fixed seasonal pattern, small deterministic noise.
        let pattern = [5.0, -3.0, 8.0, -10.0, 0.0, 2.0, -4.0, 6.0, -1.0, 3.0, -7.0, 1.0];
        let y: Vec<f64> = (0..60).map(|t| 100.0 + 2.0 * t as f64 + pattern[t % 12] + 0.3 * ((t * 7 % 5) as f64 - 2.0)).collect();
        let f = auto(&y, 12, 12).expect("fit");
        assert!(f.method.ends_with(",A)"), "a seasonal model: {}", f.method);
        for h in 0..12 {
            let expected = 100.0 + 2.0 * (60 + h) as f64 + pattern[(60 + h) % 12];
            assert!((f.point[h] - expected).abs() < 3.0, "{} step {h}: {} vs {expected}", f.method, f.point[h]);
        }
        assert!(f.sd.windows(2).all(|w| w[1] >= w[0] - 1e-9), "intervals widen with the horizon: {:?}", f.sd);
    }
}
