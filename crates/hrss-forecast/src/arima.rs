//! ARIMA(p,d,q)(P,D,Q)[m] with automatic order selection after Hyndman & Khandakar (2008): seasonal
//! differencing when the seasonal strength of a classical decomposition exceeds 0.64, then regular
//! differencing while the KPSS test rejects level stationarity at 5% (at most twice); the ARMA orders
//! by a stepwise search on AICc. Coefficients by conditional sum of squares, with the AR and MA
//! polynomials parametrised through partial autocorrelations so that every candidate is stationary
//! and invertible. Intervals from the psi weights of the integrated model.

use std::collections::HashSet;

use crate::nelder_mead::minimise;
use crate::season::{centred_average, classical_seasons};
use crate::{Fitted, Spread};

/// An ARIMA model's orders and whether it has a constant (a mean, or a drift once differenced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    pub p: usize,
    pub d: usize,
    pub q: usize,
    pub seasonal_p: usize,
    pub seasonal_d: usize,
    pub seasonal_q: usize,
    pub m: usize,
    pub constant: bool,
}

impl Order {
    pub fn name(&self) -> String {
        let constant = match (self.constant, self.d + self.seasonal_d) {
            (false, _) => "",
            (true, 0) => " with mean",
            (true, _) => " with drift",
        };
        if self.m > 1 && self.seasonal_p + self.seasonal_d + self.seasonal_q > 0 {
            format!("arima({},{},{})({},{},{})[{}]{constant}", self.p, self.d, self.q, self.seasonal_p, self.seasonal_d, self.seasonal_q, self.m)
        } else {
            format!("arima({},{},{}){constant}", self.p, self.d, self.q)
        }
    }

    fn coefficient_count(&self) -> usize {
        self.p + self.q + self.seasonal_p + self.seasonal_q + usize::from(self.constant)
    }
}

/// A fitted model.
pub struct Fit {
    pub order: Order,
    /// AR, MA, seasonal AR and seasonal MA coefficients, in R's sign convention
    /// (phi(B) = 1 - phi_1 B - ..., theta(B) = 1 + theta_1 B + ...).
    pub ar: Vec<f64>,
    pub ma: Vec<f64>,
    pub seasonal_ar: Vec<f64>,
    pub seasonal_ma: Vec<f64>,
    /// The mean of the differenced series.
    pub mean: f64,
    pub sigma2: f64,
    pub aicc: f64,
    /// The series and the residuals, for forecasting.
    y: Vec<f64>,
    residuals: Vec<f64>,
}

/// Partial autocorrelations in (-1, 1) to the coefficients of a stationary AR polynomial
/// (Durbin-Levinson; Jones 1980). `tanh` maps the optimiser's free values into (-1, 1).
fn coefficients_from_free(free: &[f64]) -> Vec<f64> {
    let mut phi: Vec<f64> = Vec::with_capacity(free.len());
    for (k, x) in free.iter().enumerate() {
        let partial = x.tanh();
        let previous = phi.clone();
        for j in 0..k {
            phi[j] = previous[j] - partial * previous[k - 1 - j];
        }
        phi.push(partial);
    }
    phi
}

/// (1 - sum a_i B^i)(1 - sum b_j B^{jm}) as the coefficients of 1 - sum c_k B^k (c[k-1] for B^k);
/// `sign` is -1 for the MA form 1 + sum.
fn expand(regular: &[f64], seasonal: &[f64], m: usize, sign: f64) -> Vec<f64> {
    let len = regular.len() + m * seasonal.len();
    let mut out = vec![0.0; len];
    // Work with polynomials p(B) = 1 + sign * (-a) ... written as 1 + sum u_i B^i with u = -sign' a.
    let mut first = vec![0.0; len + 1];
    first[0] = 1.0;
    for (i, a) in regular.iter().enumerate() {
        first[i + 1] = -sign * a;
    }
    let mut product = vec![0.0; len + 1];
    for (i, &u) in first.iter().enumerate().take(regular.len() + 1) {
        product[i] += u;
        for (j, b) in seasonal.iter().enumerate() {
            product[i + (j + 1) * m] += u * (-sign * b);
        }
    }
    for k in 1..=len {
        out[k - 1] = -sign * product[k];
    }
    out
}

/// (1 - B)^d (1 - B^m)^D as the coefficients c of 1 - sum c_k B^k.
fn differencing_polynomial(d: usize, seasonal_d: usize, m: usize) -> Vec<f64> {
    let mut poly = vec![1.0];
    let mut multiply = |lag: usize| {
        let mut next = vec![0.0; poly.len() + lag];
        for (i, c) in poly.iter().enumerate() {
            next[i] += c;
            next[i + lag] -= c;
        }
        poly = next;
    };
    (0..d).for_each(|_| multiply(1));
    (0..seasonal_d).for_each(|_| multiply(m));
    poly[1..].iter().map(|c| -c).collect()
}

/// Differences `y` D times at lag m, then d times at lag 1.
fn difference(y: &[f64], d: usize, seasonal_d: usize, m: usize) -> Vec<f64> {
    let mut w = y.to_vec();
    for _ in 0..seasonal_d {
        w = (m..w.len()).map(|t| w[t] - w[t - m]).collect();
    }
    for _ in 0..d {
        w = (1..w.len()).map(|t| w[t] - w[t - 1]).collect();
    }
    w
}

/// Conditional residuals of the ARMA model of `w` (AR and MA expanded), with deviations and errors
/// before the series taken as zero.
fn residuals(w: &[f64], mean: f64, ar: &[f64], ma: &[f64]) -> Vec<f64> {
    let mut e = vec![0.0; w.len()];
    for t in 0..w.len() {
        let mut value = w[t] - mean;
        for (k, a) in ar.iter().enumerate().take(t) {
            value -= a * (w[t - k - 1] - mean);
        }
        for (k, c) in ma.iter().enumerate() {
            if t > k {
                value -= c * e[t - k - 1];
            }
        }
        e[t] = value;
    }
    e
}

/// The first observation of the differenced series every sum of squares starts at. Shared by all
/// orders of one search, so that their AICc values are sums over the same observations and can be
/// compared: the lags of the largest model allowed, at most a quarter of the series. Lags before the
/// series starts count as deviations of zero.
fn common_start(w_len: usize, m: usize) -> usize {
    (MAX_ORDER + m * MAX_SEASONAL).min(w_len / 4)
}

/// Fits one order by conditional sum of squares; None when the series is too short for it.
pub fn fit_order(y: &[f64], order: Order) -> Option<Fit> {
    let w = difference(y, order.d, order.seasonal_d, order.m);
    let conditioning = common_start(w.len(), order.m);
    let k = order.coefficient_count() + 1;
    let used = w.len().checked_sub(conditioning)?;
    if used < k + 3 {
        return None;
    }
    let w_mean = w.iter().sum::<f64>() / w.len() as f64;
    let w_sd = (w.iter().map(|v| (v - w_mean).powi(2)).sum::<f64>() / w.len() as f64).sqrt().max(1e-9);
    let split = |x: &[f64]| {
        let (ar, rest) = x.split_at(order.p);
        let (ma, rest) = rest.split_at(order.q);
        let (sar, rest) = rest.split_at(order.seasonal_p);
        let (sma, rest) = rest.split_at(order.seasonal_q);
        let mean = if order.constant { rest[0] } else { 0.0 };
        let ma_of = |free: &[f64]| coefficients_from_free(free).iter().map(|c| -c).collect::<Vec<f64>>();
        (coefficients_from_free(ar), ma_of(ma), coefficients_from_free(sar), ma_of(sma), mean)
    };
    let css = |x: &[f64]| {
        let (ar, ma, sar, sma, mean) = split(x);
        let e = residuals(&w, mean, &expand(&ar, &sar, order.m, 1.0), &expand(&ma, &sma, order.m, -1.0));
        e[conditioning..].iter().map(|v| v * v).sum::<f64>()
    };
    let dimension = order.coefficient_count();
    let (best, sse) = if dimension == 0 {
        (Vec::new(), css(&[]))
    } else {
        let mut start = vec![0.0; dimension];
        let mut step = vec![0.2; dimension];
        if order.constant {
            start[dimension - 1] = w_mean;
            step[dimension - 1] = 0.2 * w_sd;
        }
        let mut best = minimise(css, &start, &step, 200 * dimension);
        // One restart from the optimum: Nelder-Mead can stall on a ridge of the CSS surface.
        best = minimise(css, &best, &step, 200 * dimension);
        let sse = css(&best);
        (best, sse)
    };
    if !sse.is_finite() {
        return None;
    }
    let (ar, ma, seasonal_ar, seasonal_ma, mean) = split(&best);
    let full_ar = expand(&ar, &seasonal_ar, order.m, 1.0);
    let full_ma = expand(&ma, &seasonal_ma, order.m, -1.0);
    let e = residuals(&w, mean, &full_ar, &full_ma);
    let (nf, kf) = (used as f64, k as f64);
    let aicc = nf * (sse / nf).max(f64::MIN_POSITIVE).ln() + 2.0 * kf + 2.0 * kf * (kf + 1.0) / (nf - kf - 1.0);
    let sigma2 = sse / (nf - kf + 1.0).max(1.0);
    // Residuals aligned with y: the first d + mD observations are lost to differencing.
    let lost = y.len() - w.len();
    let mut aligned = vec![0.0; lost];
    aligned.extend(e);
    Some(Fit { order, ar, ma, seasonal_ar, seasonal_ma, mean, sigma2, aicc, y: y.to_vec(), residuals: aligned })
}

impl Fit {
    /// Point forecasts from the integrated model's difference equation, and sd from its psi weights.
    pub fn forecast(&self, horizon: usize) -> Fitted {
        let o = &self.order;
        let ar = expand(&self.ar, &self.seasonal_ar, o.m, 1.0);
        let ma = expand(&self.ma, &self.seasonal_ma, o.m, -1.0);
        // phi*(B) = phi(B) Phi(B^m) (1 - B)^d (1 - B^m)^D, as 1 - sum A_k B^k.
        let delta = differencing_polynomial(o.d, o.seasonal_d, o.m);
        let integrated = multiply_lag_polynomials(&ar, &delta);
        let intercept = self.mean * (1.0 - ar.iter().sum::<f64>());
        let n = self.y.len();
        let mut y = self.y.clone();
        let mut e = self.residuals.clone();
        for _ in 0..horizon {
            let t = y.len();
            let mut value = intercept;
            for (k, a) in integrated.iter().enumerate() {
                value += a * y.get(t.wrapping_sub(k + 1)).copied().unwrap_or(0.0);
            }
            for (k, c) in ma.iter().enumerate() {
                value += c * e.get(t.wrapping_sub(k + 1)).copied().unwrap_or(0.0);
            }
            y.push(value);
            e.push(0.0);
        }
        let mut psi = vec![1.0];
        for j in 1..horizon {
            let mut value = ma.get(j - 1).copied().unwrap_or(0.0);
            for (k, a) in integrated.iter().enumerate().take(j) {
                value += a * psi[j - k - 1];
            }
            psi.push(value);
        }
        let mut sum = 0.0;
        let sd = psi
            .iter()
            .map(|p| {
                sum += p * p;
                (self.sigma2 * sum).sqrt()
            })
            .collect();
        Fitted { method: o.name(), point: y[n..].to_vec(), spread: Spread::Normal(sd) }
    }
}

/// (1 - sum a_i B^i)(1 - sum b_j B^j) as 1 - sum c_k B^k.
fn multiply_lag_polynomials(a: &[f64], b: &[f64]) -> Vec<f64> {
    let full = |c: &[f64]| std::iter::once(1.0).chain(c.iter().map(|v| -v)).collect::<Vec<f64>>();
    let (pa, pb) = (full(a), full(b));
    let mut product = vec![0.0; pa.len() + pb.len() - 1];
    for (i, x) in pa.iter().enumerate() {
        for (j, y) in pb.iter().enumerate() {
            product[i + j] += x * y;
        }
    }
    product[1..].iter().map(|c| -c).collect()
}

/// The KPSS statistic for level stationarity, with the Bartlett-weighted long-run variance and
/// trunc(4 (n / 100)^0.25) lags (R's `urca::ur.kpss(lags = "short")`).
pub fn kpss(y: &[f64]) -> f64 {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let e: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let mut partial = 0.0;
    let eta: f64 = e
        .iter()
        .map(|v| {
            partial += v;
            partial * partial
        })
        .sum();
    let lags = (4.0 * (n as f64 / 100.0).powf(0.25)).trunc() as usize;
    let mut variance = e.iter().map(|v| v * v).sum::<f64>() / n as f64;
    for lag in 1..=lags.min(n.saturating_sub(1)) {
        let weight = 1.0 - lag as f64 / (lags as f64 + 1.0);
        variance += 2.0 * weight * (lag..n).map(|t| e[t] * e[t - lag]).sum::<f64>() / n as f64;
    }
    if variance <= 0.0 { 0.0 } else { eta / (n as f64 * n as f64 * variance) }
}

/// Regular differences needed: while the KPSS statistic exceeds its 5% critical value 0.463.
fn regular_differences(y: &[f64]) -> usize {
    let mut d = 0;
    let mut w = y.to_vec();
    while d < 2 && w.len() > 4 && w.iter().any(|v| (v - w[0]).abs() > 1e-12) && kpss(&w) > 0.463 {
        w = (1..w.len()).map(|t| w[t] - w[t - 1]).collect();
        d += 1;
    }
    d
}

/// Seasonal strength of an additive classical decomposition, max(0, 1 - var(R) / var(S + R)) (Wang,
/// Smith & Hyndman 2006); one seasonal difference when it exceeds 0.64, as R's `nsdiffs` does.
fn seasonal_differences(y: &[f64], m: usize) -> usize {
    let n = y.len();
    if m < 2 || n < 2 * m + 1 {
        return 0;
    }
    let Some(seasons) = classical_seasons(y, m, n, false) else { return 0 };
    let detrended: Vec<Option<f64>> = (0..n).map(|t| centred_average(y, m, t, n).map(|a| y[t] - a)).collect();
    let (mut remainder, mut seasonal_plus_remainder) = (Vec::new(), Vec::new());
    for (t, value) in detrended.iter().enumerate() {
        if let Some(v) = value {
            remainder.push(v - seasons[t % m]);
            seasonal_plus_remainder.push(*v);
        }
    }
    let variance = |x: &[f64]| {
        let mean = x.iter().sum::<f64>() / x.len().max(1) as f64;
        x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / x.len().max(1) as f64
    };
    let total = variance(&seasonal_plus_remainder);
    let strength = if total > 0.0 { (1.0 - variance(&remainder) / total).max(0.0) } else { 0.0 };
    usize::from(strength > 0.64)
}

/// Orders for the stepwise search: regular p, q up to 5 and seasonal P, Q up to 2 as in R, with
/// p + q + P + Q at most 5 (R's `max.order`, which R applies to its non-stepwise search only): short
/// official series do not support more, and every extra coefficient costs optimiser time.
const MAX_ORDER: usize = 5;
const MAX_SEASONAL: usize = 2;

/// Chooses the differencing, then walks the orders from Hyndman & Khandakar's four starting models to
/// the neighbour with the lowest AICc until none improves.
pub fn auto_fit(y: &[f64], season_length: usize) -> Option<Fit> {
    let m = if season_length > 1 && y.len() >= 2 * season_length + 4 { season_length } else { 1 };
    let seasonal_d = seasonal_differences(y, m);
    let d = regular_differences(&difference(y, 0, seasonal_d, m));
    let seasonal = m > 1;
    let constant = d + seasonal_d <= 1;
    let order = |p, q, sp, sq, constant| Order { p, d, q, seasonal_p: sp, seasonal_d, seasonal_q: sq, m, constant };
    let starts = if seasonal {
        vec![order(2, 2, 1, 1, constant), order(0, 0, 0, 0, constant), order(1, 0, 1, 0, constant), order(0, 1, 0, 1, constant)]
    } else {
        vec![order(2, 2, 0, 0, constant), order(0, 0, 0, 0, constant), order(1, 0, 0, 0, constant), order(0, 1, 0, 0, constant)]
    };
    let mut search = Search { y, tried: HashSet::new(), best: None };
    for start in starts {
        search.consider(start);
    }
    if constant {
        search.consider(order(0, 0, 0, 0, false));
    }
    // At most 94 models, R's default.
    while search.tried.len() < 94 {
        let Some(current) = search.best.as_ref().map(|b| b.order) else { break };
        if !neighbours(current, seasonal, d + seasonal_d <= 1).into_iter().any(|neighbour| search.consider(neighbour)) {
            break;
        }
    }
    search.best
}

/// The stepwise search's state: the orders tried and the best fit so far.
struct Search<'a> {
    y: &'a [f64],
    tried: HashSet<Order>,
    best: Option<Fit>,
}

impl Search<'_> {
    /// Fits `candidate` unless tried before; true when it beats the best so far.
    fn consider(&mut self, candidate: Order) -> bool {
        if !self.tried.insert(candidate) {
            return false;
        }
        match fit_order(self.y, candidate) {
            Some(fit) if fit.aicc.is_finite() && self.best.as_ref().is_none_or(|b| fit.aicc < b.aicc - 1e-9) => {
                self.best = Some(fit);
                true
            }
            _ => false,
        }
    }
}

/// The stepwise moves: each order up or down by one, p and q together, P and Q together, and the
/// constant toggled where the differencing allows one.
fn neighbours(o: Order, seasonal: bool, constant_allowed: bool) -> Vec<Order> {
    let mut out = Vec::new();
    let within = |c: &Order| c.p + c.q + c.seasonal_p + c.seasonal_q <= MAX_ORDER && c.seasonal_p <= MAX_SEASONAL && c.seasonal_q <= MAX_SEASONAL;
    let moves: [(i32, i32, i32, i32); 12] =
        [(1, 0, 0, 0), (-1, 0, 0, 0), (0, 1, 0, 0), (0, -1, 0, 0), (1, 1, 0, 0), (-1, -1, 0, 0), (0, 0, 1, 0), (0, 0, -1, 0), (0, 0, 0, 1), (0, 0, 0, -1), (0, 0, 1, 1), (0, 0, -1, -1)];
    for (dp, dq, dsp, dsq) in moves {
        if !seasonal && (dsp != 0 || dsq != 0) {
            continue;
        }
        let shift = |v: usize, by: i32| usize::try_from(v as i32 + by).ok();
        let (Some(p), Some(q), Some(sp), Some(sq)) = (shift(o.p, dp), shift(o.q, dq), shift(o.seasonal_p, dsp), shift(o.seasonal_q, dsq)) else { continue };
        let candidate = Order { p, q, seasonal_p: sp, seasonal_q: sq, ..o };
        if within(&candidate) {
            out.push(candidate);
        }
    }
    if constant_allowed {
        out.push(Order { constant: !o.constant, ..o });
    }
    out
}

/// The automatic model's forecast.
pub fn auto(y: &[f64], horizon: usize, season_length: usize) -> Option<Fitted> {
    auto_fit(y, season_length).map(|fit| fit.forecast(horizon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomials_expand() {
        // (1 - 0.5B)(1 - 0.3B^4) = 1 - 0.5B - 0.3B^4 + 0.15B^5
        let c = expand(&[0.5], &[0.3], 4, 1.0);
        assert_eq!(c.len(), 5);
        for (got, want) in c.iter().zip([0.5, 0.0, 0.0, 0.3, -0.15]) {
            assert!((got - want).abs() < 1e-12, "{c:?}");
        }
        // (1 + 0.4B)(1 + 0.2B^2) = 1 + 0.4B + 0.2B^2 + 0.08B^3
        let c = expand(&[0.4], &[0.2], 2, -1.0);
        for (got, want) in c.iter().zip([0.4, 0.2, 0.08]) {
            assert!((got - want).abs() < 1e-12, "{c:?}");
        }
        // (1 - B)(1 - B^12) = 1 - B - B^12 + B^13
        let c = differencing_polynomial(1, 1, 12);
        assert_eq!((c[0], c[11], c[12]), (1.0, 1.0, -1.0));
    }

    #[test]
    fn partial_autocorrelations_give_stationary_coefficients() {
        // One partial autocorrelation is the AR(1) coefficient itself.
        assert!((coefficients_from_free(&[0.5f64.atanh()])[0] - 0.5).abs() < 1e-12);
        // Two: phi_2 = r_2, phi_1 = r_1 - r_2 r_1.
        let c = coefficients_from_free(&[0.5f64.atanh(), 0.2f64.atanh()]);
        assert!((c[0] - 0.4).abs() < 1e-12 && (c[1] - 0.2).abs() < 1e-12, "{c:?}");
    }

    #[test]
    fn recovers_an_ar1_and_forecasts_towards_its_mean() {
        // y_t - 50 = 0.7 (y_{t-1} - 50) + e_t with a fixed pseudo-random e.
        let mut normal = crate::stats::NormalSampler::new(7);
        let mut y = vec![50.0];
        for _ in 0..299 {
            let last = *y.last().expect("seeded");
            y.push(50.0 + 0.7 * (last - 50.0) + normal.next());
        }
        let fit = fit_order(&y, Order { p: 1, d: 0, q: 0, seasonal_p: 0, seasonal_d: 0, seasonal_q: 0, m: 1, constant: true }).expect("fit");
        assert!((fit.ar[0] - 0.7).abs() < 0.08 && (fit.mean - 50.0).abs() < 0.5, "ar {:?} mean {}", fit.ar, fit.mean);
        let f = fit.forecast(40);
        assert!((f.point[39] - fit.mean).abs() < 0.01, "long-run forecast is the mean: {}", f.point[39]);
        // The h-step variance tends to sigma2 / (1 - phi^2).
        let limit = (fit.sigma2 / (1.0 - fit.ar[0].powi(2))).sqrt();
        assert!((f.sd()[39] - limit).abs() < 1e-6, "{} vs {limit}", f.sd()[39]);
        let auto = auto_fit(&y, 1).expect("auto");
        assert_eq!(auto.order.d, 0, "a stationary series is not differenced: {}", auto.order.name());
    }

    #[test]
    fn differences_a_random_walk_and_a_seasonal_series() {
        let mut normal = crate::stats::NormalSampler::new(11);
        let mut walk = vec![100.0];
        for _ in 0..199 {
            let last = *walk.last().expect("seeded");
            walk.push(last + 0.5 + normal.next());
        }
        assert!(kpss(&walk) > 0.463 && regular_differences(&walk) == 1);
        let seasonal: Vec<f64> = (0..96).map(|t| 100.0 + 20.0 * ((t % 12) as f64 * std::f64::consts::PI / 6.0).sin() + normal.next()).collect();
        assert_eq!(seasonal_differences(&seasonal, 12), 1);
        let fit = auto_fit(&seasonal, 12).expect("auto");
        assert_eq!(fit.order.seasonal_d, 1, "{}", fit.order.name());
        let f = fit.forecast(12);
        for (h, p) in f.point.iter().enumerate() {
            let expected = 100.0 + 20.0 * (((96 + h) % 12) as f64 * std::f64::consts::PI / 6.0).sin();
            assert!((p - expected).abs() < 3.0, "{} step {h}: {p} vs {expected}", fit.order.name());
        }
    }
}
