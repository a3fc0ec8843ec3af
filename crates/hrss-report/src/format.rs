//! Numbers as a statistical bulletin prints them: thousands separators, fixed decimals, percentages, and changes in words.

use crate::spec::{Lang, NumberFormat};

/// What a missing value prints as.
pub const MISSING: &str = "—";

/// `1234567.891` with 2 decimals -> `1,234,567.89`.
pub fn grouped(value: f64, decimals: u8) -> String {
    if !value.is_finite() {
        return MISSING.into();
    }
    let text = format!("{:.*}", usize::from(decimals), value.abs());
    let (whole, fraction) = text.split_once('.').map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut out = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    // A value that rounds to zero prints without a sign.
    if value < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("-{out}") } else { out }
}

/// A fraction in percent: `0.853` -> `85.3%`.
pub fn percent(fraction: f64, decimals: u8) -> String {
    if !fraction.is_finite() {
        return MISSING.into();
    }
    format!("{}%", grouped(fraction * 100.0, decimals))
}

pub fn signed(value: f64, decimals: u8) -> String {
    let text = grouped(value, decimals);
    if value > 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') { format!("+{text}") } else { text }
}

/// A change in words: `增长5.2%`, `下降0.4个百分点`, `持平`; `up 5.2%`, `down 0.4 percentage points`, `unchanged`.
pub fn change_in_words(change: f64, decimals: u8, lang: Lang, percentage_points: bool) -> String {
    if !change.is_finite() {
        return MISSING.into();
    }
    let size = grouped(change.abs(), decimals);
    if size.chars().all(|c| !c.is_ascii_digit() || c == '0') {
        return match lang {
            Lang::Zh => "持平".into(),
            Lang::En => "unchanged".into(),
        };
    }
    let up = change > 0.0;
    match (lang, percentage_points) {
        (Lang::Zh, false) => format!("{}{size}%", if up { "增长" } else { "下降" }),
        (Lang::Zh, true) => format!("{}{size}个百分点", if up { "提高" } else { "下降" }),
        (Lang::En, false) => format!("{} {size}%", if up { "up" } else { "down" }),
        (Lang::En, true) => format!("{} {size} percentage points", if up { "up" } else { "down" }),
    }
}

impl NumberFormat {
    pub fn apply(self, value: f64) -> String {
        match self {
            Self::Number(decimals) => grouped(value, decimals),
            Self::Percent(decimals) => percent(value, decimals),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_rounded() {
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(-4500.0, 0), "-4,500");
        assert_eq!(grouped(999.96, 1), "1,000.0");
        assert_eq!(grouped(-0.001, 1), "0.0");
        assert_eq!(grouped(f64::NAN, 1), MISSING);
        assert_eq!(percent(0.8534, 1), "85.3%");
        assert_eq!(signed(1.25, 1), "+1.2");
        assert_eq!(signed(-0.3, 1), "-0.3");
    }

    #[test]
    fn changes_read_as_the_bulletin_writes_them() {
        assert_eq!(change_in_words(5.24, 1, Lang::Zh, false), "增长5.2%");
        assert_eq!(change_in_words(-0.4, 1, Lang::Zh, true), "下降0.4个百分点");
        assert_eq!(change_in_words(0.01, 1, Lang::Zh, false), "持平");
        assert_eq!(change_in_words(-3.0, 1, Lang::En, false), "down 3.0%");
    }
}
