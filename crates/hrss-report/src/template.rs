//! The template language of dashboards (minijinja): the reporting period, the language, and number helpers.

use std::collections::BTreeMap;

use minijinja::value::Value;
use minijinja::{Environment, UndefinedBehavior};

use crate::format::{change_in_words, grouped, percent, signed, MISSING};
use crate::spec::{Lang, PeriodKind};

/// A reporting period: `2025`, `2025-Q4` or `2025-12`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub text: String,
    pub year: i32,
    pub quarter: Option<u8>,
    pub month: Option<u8>,
}

impl Period {
    /// Parses a period of the report's kind; the error says which form was expected.
    pub fn parse(kind: PeriodKind, text: &str) -> Result<Self, String> {
        let text = text.trim();
        let year = |y: &str| y.parse::<i32>().ok().filter(|y| (1949..=2100).contains(y) && text.len() >= 4);
        let parsed = match kind {
            PeriodKind::Year => year(text).map(|year| Self { text: text.into(), year, quarter: None, month: None }),
            PeriodKind::Quarter => text.split_once("-Q").and_then(|(y, q)| {
                let quarter = q.parse::<u8>().ok().filter(|q| (1..=4).contains(q))?;
                Some(Self { text: text.into(), year: year(y)?, quarter: Some(quarter), month: None })
            }),
            PeriodKind::Month => text.split_once('-').filter(|(_, m)| m.len() == 2).and_then(|(y, m)| {
                let month = m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?;
                Some(Self { text: text.into(), year: year(y)?, quarter: Some(month.div_ceil(3)), month: Some(month) })
            }),
        };
        parsed.ok_or_else(|| {
            let form = match kind {
                PeriodKind::Year => "a year such as 2025",
                PeriodKind::Quarter => "a quarter such as 2025-Q4",
                PeriodKind::Month => "a month such as 2025-12",
            };
            format!("`{text}` is not {form}")
        })
    }
}

impl Period {
    fn of(kind: PeriodKind, year: i32, index: i32) -> Self {
        match kind {
            PeriodKind::Year => Self { text: year.to_string(), year, quarter: None, month: None },
            PeriodKind::Quarter => Self { text: format!("{year}-Q{index}"), year, quarter: Some(index as u8), month: None },
            PeriodKind::Month => Self { text: format!("{year}-{index:02}"), year, quarter: Some((index as u8).div_ceil(3)), month: Some(index as u8) },
        }
    }

    pub fn kind(&self) -> PeriodKind {
        match (self.month, self.quarter) {
            (Some(_), _) => PeriodKind::Month,
            (None, Some(_)) => PeriodKind::Quarter,
            (None, None) => PeriodKind::Year,
        }
    }

    fn per_year(&self) -> i32 {
        match self.kind() {
            PeriodKind::Year => 1,
            PeriodKind::Quarter => 4,
            PeriodKind::Month => 12,
        }
    }

    /// The period `steps` periods of the same kind away.
    pub fn shifted(&self, steps: i32) -> Self {
        let per_year = self.per_year();
        let index = match self.kind() {
            PeriodKind::Year => 0,
            PeriodKind::Quarter => i32::from(self.quarter.unwrap_or(1)) - 1,
            PeriodKind::Month => i32::from(self.month.unwrap_or(1)) - 1,
        };
        let absolute = self.year * per_year + index + steps;
        Self::of(self.kind(), absolute.div_euclid(per_year), absolute.rem_euclid(per_year) + 1)
    }

    /// The period as a heading prints it: `2025年12月`, `2025年第四季度`; `December 2025`, `2025 Q4`.
    pub fn label(&self, lang: Lang) -> String {
        const QUARTERS: [&str; 4] = ["一", "二", "三", "四"];
        const MONTHS: [&str; 12] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
        match (lang, self.quarter, self.month) {
            (Lang::Zh, _, Some(m)) => format!("{}年{m}月", self.year),
            (Lang::En, _, Some(m)) => format!("{} {}", MONTHS[usize::from(m - 1)], self.year),
            (Lang::Zh, Some(q), None) => format!("{}年第{}季度", self.year, QUARTERS[usize::from(q - 1)]),
            (Lang::En, Some(q), None) => format!("{} Q{q}", self.year),
            (Lang::Zh, None, None) => format!("{}年", self.year),
            (Lang::En, None, None) => self.year.to_string(),
        }
    }
}

fn number(value: &Value) -> Option<f64> {
    if value.is_undefined() || value.is_none() {
        return None;
    }
    f64::try_from(value.clone()).ok().filter(|v| v.is_finite())
}

/// The template environment for one rendering: helpers that know the report's language.
pub fn environment(lang: Lang) -> Environment<'static> {
    let mut env = Environment::new();
    // A query that found no row leaves its name empty: `jobs.value` is then missing, not an error.
    env.set_undefined_behavior(UndefinedBehavior::Chainable);
    env.set_formatter(|out, state, value| {
        if value.is_undefined() || value.is_none() {
            out.write_str(MISSING)?;
            Ok(())
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_function("l", move |zh: String, en: String| -> String { if lang == Lang::En { en } else { zh } });
    let digits = |d: Option<u8>, default: u8| d.unwrap_or(default).min(6);
    env.add_filter("num", move |v: Value, d: Option<u8>| number(&v).map_or(MISSING.into(), |v| grouped(v, digits(d, 0))));
    env.add_filter("pct", move |v: Value, d: Option<u8>| number(&v).map_or(MISSING.into(), |v| percent(v, digits(d, 1))));
    env.add_filter("signed", move |v: Value, d: Option<u8>| number(&v).map_or(MISSING.into(), |v| signed(v, digits(d, 1))));
    env.add_filter("change", move |v: Value, d: Option<u8>| {
        number(&v).map_or(MISSING.into(), |v| change_in_words(v, digits(d, 1), lang, false))
    });
    env.add_filter("change_pp", move |v: Value, d: Option<u8>| {
        number(&v).map_or(MISSING.into(), |v| change_in_words(v, digits(d, 1), lang, true))
    });
    env
}

/// The variables every template sees.
pub fn context(period: &Period, lang: Lang) -> BTreeMap<String, Value> {
    BTreeMap::from_iter([
        ("period", Value::from(period.text.clone())),
        ("year", Value::from(period.year)),
        ("previous_year", Value::from(period.year - 1)),
        ("quarter", period.quarter.map_or(Value::from(()), Value::from)),
        ("month", period.month.map_or(Value::from(()), Value::from)),
        ("lang", Value::from(lang.code())),
        ("previous_period", Value::from(period.shifted(-1).text)),
        ("same_period_last_year", Value::from(period.shifted(-period.per_year()).text)),
        ("period_label", Value::from(period.label(lang))),
    ]
    .map(|(name, value)| (name.to_string(), value)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_by_kind() {
        let month = Period::parse(PeriodKind::Month, "2025-12").expect("a month");
        assert_eq!((month.year, month.quarter, month.month), (2025, Some(4), Some(12)));
        assert_eq!(Period::parse(PeriodKind::Quarter, "2025-Q3").expect("a quarter").quarter, Some(3));
        assert!(Period::parse(PeriodKind::Month, "2025-13").is_err());
        assert!(Period::parse(PeriodKind::Year, "2025-12").is_err());
        assert!(Period::parse(PeriodKind::Quarter, "2025-Q5").unwrap_err().contains("2025-Q4"));
        assert_eq!(month.shifted(1).text, "2026-01");
        assert_eq!(month.shifted(-12).text, "2024-12");
        assert_eq!(Period::parse(PeriodKind::Quarter, "2025-Q1").expect("a quarter").shifted(-1).text, "2024-Q4");
        assert_eq!(Period::parse(PeriodKind::Year, "2025").expect("a year").shifted(-1).text, "2024");
        assert_eq!(month.label(Lang::Zh), "2025年12月");
        assert_eq!(Period::parse(PeriodKind::Quarter, "2025-Q4").expect("a quarter").label(Lang::Zh), "2025年第四季度");
    }

    #[test]
    fn helpers_format_numbers_in_the_reports_language() {
        let period = Period::parse(PeriodKind::Year, "2025").expect("a year");
        let render = |lang: Lang, template: &str| environment(lang).render_str(template, Value::from(context(&period, lang))).expect("renders");
        assert_eq!(render(Lang::Zh, "{{ year }}年{{ l('新增就业', 'new jobs') }}{{ 274612.5 | num(1) }}人"), "2025年新增就业274,612.5人");
        assert_eq!(render(Lang::En, "{{ l('新增就业', 'new jobs') }} {{ 5.23 | change }}"), "new jobs up 5.2%");
        assert_eq!(render(Lang::Zh, "{{ -0.42 | change_pp }}, {{ 0.853 | pct }}, {{ missing.value | num(2) }}, {{ none }}"), "下降0.4个百分点, 85.3%, —, —");
    }
}
