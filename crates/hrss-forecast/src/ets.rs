//! Exponential smoothing in the state-space form of Hyndman, Koehler, Ord & Snyder (2008): errors
//! additive or multiplicative, trend none, additive or damped, season none, additive or
//! multiplicative. Smoothing parameters and the initial level and trend by maximum likelihood
//! (Nelder-Mead), the model by AICc. Prediction intervals are analytic for the linear models (additive
//! error and season) and come from simulated sample paths for the others, as in R's forecast package.

use crate::nelder_mead::minimise;
use crate::season::classical_seasons;
use crate::{Fitted, Spread};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    Additive,
    Multiplicative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    None,
    Additive,
    Damped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Season {
    None,
    Additive,
    Multiplicative,
}

/// Which ETS model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EtsSpec {
    pub error: Error,
    pub trend: Trend,
    pub season: Season,
    pub season_length: usize,
}

impl EtsSpec {
    /// A model with additive errors and no season.
    pub fn additive(trend: Trend) -> Self {
        Self { error: Error::Additive, trend, season: Season::None, season_length: 1 }
    }

    /// The three-letter name used by R and statsforecast, e.g. `ets(M,Ad,M)`.
    pub fn name(&self) -> String {
        let error = if self.error == Error::Additive { "A" } else { "M" };
        let trend = match self.trend {
            Trend::None => "N",
            Trend::Additive => "A",
            Trend::Damped => "Ad",
        };
        let season = match self.season {
            Season::None => "N",
            Season::Additive => "A",
            Season::Multiplicative => "M",
        };
        format!("ets({error},{trend},{season})")
    }

    /// Parses `ANN`, `MAdM`, `A,Ad,N` or `ets(M,A,M)`.
    pub fn parse(text: &str, season_length: usize) -> Option<Self> {
        let letters: String = text.trim().trim_start_matches("ets").chars().filter(|c| c.is_ascii_alphabetic()).collect::<String>().to_ascii_uppercase();
        let mut chars = letters.chars();
        let error = match chars.next()? {
            'A' => Error::Additive,
            'M' => Error::Multiplicative,
            _ => return None,
        };
        let rest: String = chars.collect();
        let (trend, season) = match rest.as_str() {
            s if s.starts_with("AD") => (Trend::Damped, &s[2..]),
            s if s.starts_with('A') => (Trend::Additive, &s[1..]),
            s if s.starts_with('N') => (Trend::None, &s[1..]),
            _ => return None,
        };
        let season = match season {
            "N" => Season::None,
            "A" => Season::Additive,
            "M" => Season::Multiplicative,
            _ => return None,
        };
        let season_length = if season == Season::None { 1 } else { season_length };
        Some(Self { error, trend, season, season_length })
    }

    fn seasonal(&self) -> bool {
        self.season != Season::None
    }

    fn m(&self) -> usize {
        if self.seasonal() { self.season_length } else { 1 }
    }

    /// Linear models (class 1 of Hyndman et al. 2008) have analytic h-step variances.
    fn linear(&self) -> bool {
        self.error == Error::Additive && self.season != Season::Multiplicative
    }

    fn needs_positive_data(&self) -> bool {
        self.error == Error::Multiplicative || self.season == Season::Multiplicative
    }

    /// Free parameters: smoothing parameters, damping, initial level and trend, the m - 1 free initial
    /// seasonal states, and the error variance.
    fn parameter_count(&self) -> usize {
        let has_trend = usize::from(self.trend != Trend::None);
        let smoothing = 1 + has_trend + usize::from(self.seasonal()) + usize::from(self.trend == Trend::Damped);
        let states = 1 + has_trend + if self.seasonal() { self.season_length - 1 } else { 0 };
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
        let mut values = x.iter().copied();
        let mut next = || values.next().unwrap_or(0.0);
        let alpha = next();
        let beta = if spec.trend != Trend::None { next() } else { 0.0 };
        let gamma = if spec.seasonal() { next() } else { 0.0 };
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
            && (!spec.seasonal() || (eps..1.0 - self.alpha).contains(&self.gamma))
            && (spec.trend != Trend::Damped || (0.8..=0.98).contains(&self.phi))
    }
}

/// The model's states: level, trend and the seasonal ring (index t % m holds the state for time t).
#[derive(Debug, Clone)]
struct States {
    level: f64,
    trend: f64,
    seasons: Vec<f64>,
}

impl States {
    /// The one-step forecast at time `t`, and the non-seasonal part of it.
    fn forecast(&self, spec: &EtsSpec, p: &Params, t: usize) -> (f64, f64) {
        let base = self.level + p.phi * self.trend;
        let mean = match spec.season {
            Season::None => base,
            Season::Additive => base + self.seasons[t % spec.m()],
            Season::Multiplicative => base * self.seasons[t % spec.m()],
        };
        (mean, base)
    }

    /// Updates the states with the observation's deviation `r = y - mean` from its forecast. With
    /// multiplicative errors r = mean * e, so one set of equations serves both error types: the two
    /// differ in their likelihood and their simulated futures, not in their filtering.
    fn update(&mut self, spec: &EtsSpec, p: &Params, t: usize, base: f64, r: f64) {
        let slot = t % spec.m();
        let (level_r, season_r) = match spec.season {
            Season::Multiplicative => (r / self.seasons[slot], r / base),
            _ => (r, r),
        };
        self.level = base + p.alpha * level_r;
        self.trend = p.phi * self.trend + p.beta * level_r;
        if spec.seasonal() {
            self.seasons[slot] += p.gamma * season_r;
        }
    }
}

/// Runs the model over `y`: -2 log-likelihood (up to a constant), the sum of squared errors in the
/// error's own terms (relative errors for multiplicative models), and the final states. None when a
/// multiplicative model's forecast stops being positive.
fn filter(y: &[f64], spec: &EtsSpec, p: &Params, initial: &States) -> Option<(f64, f64, States)> {
    let mut states = initial.clone();
    let (mut sse, mut log_sum) = (0.0, 0.0);
    for (t, &value) in y.iter().enumerate() {
        let (mean, base) = states.forecast(spec, p, t);
        if spec.needs_positive_data() && (mean <= 0.0 || base <= 0.0) {
            return None;
        }
        let r = value - mean;
        match spec.error {
            Error::Additive => sse += r * r,
            Error::Multiplicative => {
                sse += (r / mean).powi(2);
                log_sum += mean.abs().ln();
            }
        }
        states.update(spec, p, t, base, r);
    }
    let n = y.len() as f64;
    Some((n * (sse / n).max(f64::MIN_POSITIVE).ln() + 2.0 * log_sum, sse, states))
}

/// Initial seasonal states from classical decomposition over the first four seasons at most. Without
/// detrending, a trend would leak into the seasonal states as a ramp. (`fit_spec` asks for two seasons
/// and two values, enough for every position to have a centred average.)
fn initial_seasons(y: &[f64], m: usize, season: Season) -> Vec<f64> {
    let multiplicative = season == Season::Multiplicative;
    classical_seasons(y, m, 4 * m, multiplicative).unwrap_or_else(|| vec![if multiplicative { 1.0 } else { 0.0 }; m])
}

/// Initial level and trend: a least-squares line through the first two seasons (or ten values) of the
/// deseasonalised series, its value one step before the first observation.
fn initial_level_and_trend(y: &[f64], seasons: &[f64], season: Season) -> (f64, f64) {
    let m = seasons.len();
    let span = (2 * m).max(10).min(y.len());
    let adjusted: Vec<f64> = (0..span)
        .map(|t| match season {
            Season::None => y[t],
            Season::Additive => y[t] - seasons[t % m],
            Season::Multiplicative => y[t] / seasons[t % m],
        })
        .collect();
    let (intercept, slope) = crate::stats::least_squares_line(&adjusted);
    (intercept - slope, slope)
}

/// A fitted model: its parameters, final states, AICc and error variance.
pub(crate) struct Fit {
    pub(crate) spec: EtsSpec,
    params: Params,
    states: States,
    n: usize,
    pub(crate) aicc: f64,
    /// -2 log-likelihood, up to the constant n (1 + ln 2 pi).
    #[cfg(test)]
    likelihood: f64,
    sigma2: f64,
}

impl Fit {
    pub(crate) fn alpha(&self) -> f64 {
        self.params.alpha
    }

    #[cfg(test)]
    pub(crate) fn sigma2_for_tests(&self) -> f64 {
        self.sigma2
    }

    #[cfg(test)]
    pub(crate) fn likelihood_for_tests(&self) -> f64 {
        self.likelihood
    }

    /// Point forecasts and their spread `horizon` steps ahead.
    pub(crate) fn forecast(&self, horizon: usize) -> Fitted {
        let (spec, p) = (&self.spec, &self.params);
        let states = &self.states;
        let mut point = Vec::with_capacity(horizon);
        let mut damped_sum = 0.0;
        for h in 1..=horizon {
            damped_sum += p.phi.powi(h as i32);
            let base = states.level + damped_sum * states.trend;
            let t = self.n + h - 1;
            point.push(match spec.season {
                Season::None => base,
                Season::Additive => base + states.seasons[t % spec.m()],
                Season::Multiplicative => base * states.seasons[t % spec.m()],
            });
        }
        let spread = if spec.linear() { Spread::Normal(self.linear_sd(horizon)) } else { Spread::Samples(self.simulate(horizon)) };
        Fitted { method: spec.name(), point, spread }
    }

    /// var_h = sigma2 (1 + sum_{j<h} c_j^2), c_j = alpha + beta (phi + ... + phi^j) + gamma [j = 0 mod m].
    fn linear_sd(&self, horizon: usize) -> Vec<f64> {
        let p = &self.params;
        let m = self.spec.m();
        let (mut damped_sum, mut c_sum) = (0.0, 0.0);
        (1..=horizon)
            .map(|h| {
                let sd = (self.sigma2 * (1.0 + c_sum)).sqrt();
                damped_sum += p.phi.powi(h as i32);
                let seasonal_term = if self.spec.seasonal() && h % m == 0 { p.gamma } else { 0.0 };
                let c = p.alpha + p.beta * damped_sum + seasonal_term;
                c_sum += c * c;
                sd
            })
            .collect()
    }

    /// Future sample paths with normal errors of the fitted variance; per step, the sorted values.
    fn simulate(&self, horizon: usize) -> Vec<Vec<f64>> {
        const PATHS: usize = 5000;
        let (spec, p) = (&self.spec, &self.params);
        let sigma = self.sigma2.sqrt();
        let mut normal = crate::stats::NormalSampler::new(0x0005_EED0_FE75);
        let mut samples = vec![Vec::with_capacity(PATHS); horizon];
        for _ in 0..PATHS {
            let mut states = self.states.clone();
            for (h, step) in samples.iter_mut().enumerate() {
                let t = self.n + h;
                let (mean, base) = states.forecast(spec, p, t);
                let e = sigma * normal.next();
                let value = match spec.error {
                    Error::Additive => mean + e,
                    Error::Multiplicative => mean * (1.0 + e),
                };
                states.update(spec, p, t, base, value - mean);
                step.push(value);
            }
        }
        samples.iter_mut().for_each(|s| s.sort_by(f64::total_cmp));
        samples
    }
}

/// Fits one model by maximum likelihood; None when the series is too short or, for a multiplicative
/// model, not strictly positive.
pub(crate) fn fit_spec(y: &[f64], spec: EtsSpec) -> Option<Fit> {
    let n = y.len();
    let k = spec.parameter_count();
    if n < k + 2 || (spec.seasonal() && (spec.season_length < 2 || n < 2 * spec.season_length + 2)) {
        return None;
    }
    if spec.needs_positive_data() && y.iter().any(|v| *v <= 0.0) {
        return None;
    }
    let seasons = if spec.seasonal() { initial_seasons(y, spec.m(), spec.season) } else { vec![0.0] };
    let (first, slope) = initial_level_and_trend(y, &seasons, spec.season);
    let scale = y.iter().map(|v| v.abs()).fold(0.0, f64::max).max(1.0);

    // Two starting points, a slowly and a quickly adapting model; each run restarts once from its
    // optimum with a fresh simplex, since the likelihood has ridges along the bounds (alpha near 1,
    // beta near 0) where a single Nelder-Mead run stalls.
    let start_from = |alpha: f64, beta: f64| {
        let mut start = vec![alpha];
        let mut step = vec![0.1];
        if spec.trend != Trend::None {
            start.push(beta);
            step.push(0.03);
        }
        if spec.seasonal() {
            start.push(0.05);
            step.push(0.03);
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
        (start, step)
    };
    let initial = |p: &Params| States { level: p.level, trend: p.trend, seasons: seasons.clone() };
    let objective = |x: &[f64]| {
        let p = Params::from_vector(&spec, x);
        if !p.admissible(&spec) {
            return f64::INFINITY;
        }
        filter(y, &spec, &p, &initial(&p)).map_or(f64::INFINITY, |(likelihood, _, _)| likelihood)
    };
    let best = [(0.3, 0.05), (0.8, 0.2)]
        .into_iter()
        .map(|(alpha, beta)| {
            let (start, step) = start_from(alpha, beta);
            let first_run = minimise(objective, &start, &step, 1000 * start.len());
            minimise(objective, &first_run, &step, 500 * start.len())
        })
        .min_by(|a, b| objective(a).total_cmp(&objective(b)))?;
    let params = Params::from_vector(&spec, &best);
    if !params.admissible(&spec) {
        return None;
    }
    let (likelihood, sse, states) = filter(y, &spec, &params, &initial(&params))?;
    let (nf, kf) = (n as f64, k as f64);
    let aicc = likelihood + 2.0 * kf + 2.0 * kf * (kf + 1.0) / (nf - kf - 1.0);
    Some(Fit {
        spec,
        params,
        states,
        n,
        aicc,
        #[cfg(test)]
        likelihood,
        sigma2: residual_variance(sse, n, k),
    })
}

/// The residual variance with R's and statsforecast's degrees-of-freedom correction: the sum of
/// squares over n - k - 1, k counting the error variance among the parameters.
fn residual_variance(sse: f64, n: usize, k: usize) -> f64 {
    sse / (n as f64 - k as f64 - 1.0).max(1.0)
}

/// Runs one model with given parameters and initial states (`seasons[t]` is the state used at time t
/// for t < m), without estimating anything: how the reference tests check the equations themselves.
#[cfg(test)]
pub(crate) fn with_parameters(y: &[f64], spec: EtsSpec, smoothing: [f64; 4], level: f64, trend: f64, seasons: Vec<f64>) -> Option<Fit> {
    let [alpha, beta, gamma, phi] = smoothing;
    let params = Params { alpha, beta, gamma, phi, level, trend };
    let (likelihood, sse, states) = filter(y, &spec, &params, &States { level, trend, seasons })?;
    Some(Fit { spec, params, states, n: y.len(), aicc: f64::NAN, likelihood, sigma2: residual_variance(sse, y.len(), spec.parameter_count()) })
}

/// Fits one named model.
pub fn fit(y: &[f64], horizon: usize, spec: EtsSpec) -> Option<Fitted> {
    fit_spec(y, spec).map(|f| f.forecast(horizon))
}

/// Every model `auto` considers: additive or multiplicative errors, trend none, additive or damped,
/// season none, additive or multiplicative, without the additive-error multiplicative-season models
/// (their variances are unstable; R and statsforecast leave them out too).
fn candidates(season_length: usize) -> Vec<EtsSpec> {
    let seasons: &[Season] = if season_length > 1 { &[Season::None, Season::Additive, Season::Multiplicative] } else { &[Season::None] };
    let mut specs = Vec::new();
    for error in [Error::Additive, Error::Multiplicative] {
        for trend in [Trend::None, Trend::Additive, Trend::Damped] {
            for &season in seasons {
                if !(error == Error::Additive && season == Season::Multiplicative) {
                    specs.push(EtsSpec { error, trend, season, season_length: if season == Season::None { 1 } else { season_length } });
                }
            }
        }
    }
    specs
}

/// Fits every model the series is long enough (and positive enough) for and keeps the lowest AICc.
pub fn auto(y: &[f64], horizon: usize, season_length: usize) -> Option<Fitted> {
    candidates(season_length)
        .into_iter()
        .filter_map(|spec| fit_spec(y, spec))
        .filter(|fit| fit.aicc.is_finite())
        .min_by(|a, b| a.aicc.total_cmp(&b.aicc))
        .map(|best| best.forecast(horizon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ses_of_a_constant_series_is_that_constant() {
        let y = vec![7.0; 20];
        let f = fit(&y, 3, EtsSpec::additive(Trend::None)).expect("fit");
        assert!(f.point.iter().all(|p| (p - 7.0).abs() < 1e-6), "{:?}", f.point);
    }

    #[test]
    fn names_parse_both_ways() {
        for name in ["ets(A,N,N)", "ets(A,Ad,A)", "ets(M,A,M)", "ets(M,Ad,N)"] {
            assert_eq!(EtsSpec::parse(name, 12).map(|s| s.name()).as_deref(), Some(name));
        }
        assert_eq!(EtsSpec::parse("MAdM", 4).map(|s| (s.name(), s.season_length)), Some(("ets(M,Ad,M)".to_string(), 4)));
        assert!(EtsSpec::parse("XNN", 1).is_none() && EtsSpec::parse("AAX", 1).is_none());
    }

    #[test]
    fn auto_finds_trend_and_additive_season() {
        // Level 100, trend +2 a month, a fixed seasonal pattern, small deterministic noise.
        let pattern = [5.0, -3.0, 8.0, -10.0, 0.0, 2.0, -4.0, 6.0, -1.0, 3.0, -7.0, 1.0];
        let y: Vec<f64> = (0..60).map(|t| 100.0 + 2.0 * t as f64 + pattern[t % 12] + 0.3 * ((t * 7 % 5) as f64 - 2.0)).collect();
        let f = auto(&y, 12, 12).expect("fit");
        assert!(f.method.ends_with(",A)"), "an additive seasonal model: {}", f.method);
        for h in 0..12 {
            let expected = 100.0 + 2.0 * (60 + h) as f64 + pattern[(60 + h) % 12];
            assert!((f.point[h] - expected).abs() < 3.0, "{} step {h}: {} vs {expected}", f.method, f.point[h]);
        }
    }

    #[test]
    fn auto_finds_a_multiplicative_season_that_grows_with_the_level() {
        // Seasonal swings proportional to a level that doubles: an additive season cannot follow it.
        let pattern = [0.8, 0.9, 1.0, 1.1, 1.3, 1.2, 1.0, 0.9, 0.85, 0.95, 1.0, 1.0];
        let y: Vec<f64> = (0..96).map(|t| (100.0 + 3.0 * t as f64) * pattern[t % 12] * (1.0 + 0.005 * ((t * 7 % 5) as f64 - 2.0))).collect();
        let f = auto(&y, 12, 12).expect("fit");
        assert!(f.method.ends_with(",M)"), "a multiplicative seasonal model: {}", f.method);
        for h in 0..12 {
            let expected = (100.0 + 3.0 * (96 + h) as f64) * pattern[(96 + h) % 12];
            assert!((f.point[h] / expected - 1.0).abs() < 0.03, "{} step {h}: {} vs {expected}", f.method, f.point[h]);
        }
        let (lo, hi) = f.bounds(95.0);
        assert!((0..12).all(|h| lo[h] < f.point[h] && f.point[h] < hi[h]), "simulated intervals hold the point");
        assert!(hi[11] - lo[11] > hi[0] - lo[0], "and widen with the horizon");
    }

    #[test]
    fn multiplicative_models_refuse_non_positive_data() {
        let y: Vec<f64> = (0..30).map(|t| t as f64 - 5.0).collect();
        assert!(fit(&y, 2, EtsSpec::parse("MNN", 1).expect("spec")).is_none());
        assert!(auto(&y, 2, 1).is_some_and(|f| f.method.starts_with("ets(A,")));
    }
}
