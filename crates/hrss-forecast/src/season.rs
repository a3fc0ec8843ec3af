//! Classical decomposition's centred moving average, shared by ETS initialisation and Theta.

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
