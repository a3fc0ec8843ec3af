//! Dashboard specs: `dashboards/<name>.toml`, as documented in `dashboards/README.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hrss_core::project::files_with_extension;
use serde::Deserialize;

use crate::{ReportError, Result};

/// The language a report is written in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The text for this language; English falls back to Chinese where a spec gives no `_en` variant.
    pub fn pick<'a>(self, zh: &'a str, en: Option<&'a str>) -> &'a str {
        match (self, en) {
            (Self::En, Some(en)) => en,
            _ => zh,
        }
    }
}

/// What the report's `--period` names.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Year,
    Quarter,
    Month,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub title: String,
    pub title_en: Option<String>,
    #[serde(default)]
    pub subtitle: String,
    pub subtitle_en: Option<String>,
    pub period: PeriodKind,
    /// A query whose first value is the default reporting period.
    pub latest_period: String,
    pub sections: Vec<Section>,
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub path: PathBuf,
}

/// What every section has: an id (for files and anchors) and an optional title.
#[derive(Debug, Clone, Copy)]
pub struct SectionHead<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub title_en: Option<&'a str>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Section {
    Text {
        id: String,
        #[serde(default)]
        title: String,
        title_en: Option<String>,
        #[serde(default)]
        queries: BTreeMap<String, String>,
        template: String,
        template_en: Option<String>,
    },
    Kpi {
        id: String,
        #[serde(default)]
        title: String,
        title_en: Option<String>,
        query: String,
        #[serde(default)]
        good: Direction,
        #[serde(default = "one")]
        decimals: u8,
    },
    Table {
        id: String,
        #[serde(default)]
        title: String,
        title_en: Option<String>,
        query: String,
        /// Number formats by column name.
        #[serde(default)]
        columns: BTreeMap<String, NumberFormat>,
    },
    Chart(Box<ChartSpec>),
}

fn one() -> u8 {
    1
}

impl Section {
    pub fn head(&self) -> SectionHead<'_> {
        let (id, title, title_en) = match self {
            Self::Text { id, title, title_en, .. } | Self::Kpi { id, title, title_en, .. } | Self::Table { id, title, title_en, .. } => {
                (id, title, title_en)
            }
            Self::Chart(chart) => (&chart.id, &chart.title, &chart.title_en),
        };
        SectionHead { id, title, title_en: title_en.as_deref() }
    }
}

/// Which direction of change is good news.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Up,
    Down,
    Neutral,
}

/// How a table column prints its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFormat {
    /// Thousands separators and this many decimals.
    Number(u8),
    /// A fraction shown in percent with this many decimals.
    Percent(u8),
}

impl<'de> Deserialize<'de> for NumberFormat {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let digits = |rest: &str| rest.parse::<u8>().ok().filter(|d| *d <= 4);
        match text.as_str() {
            "int" => Some(Self::Number(0)),
            t => t
                .strip_prefix("num")
                .and_then(digits)
                .map(Self::Number)
                .or_else(|| t.strip_prefix("pct").and_then(digits).filter(|d| *d <= 2).map(Self::Percent)),
        }
        .ok_or_else(|| serde::de::Error::custom(format!("unknown number format `{text}`: use int, num0..num4 or pct0..pct2")))
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Line,
    Area,
    Bar,
    StackedBar,
    Pie,
    Donut,
    Scatter,
    DualAxis,
    Forecast,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChartSpec {
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub title_en: Option<String>,
    pub chart: ChartKind,
    pub query: String,
    pub x: String,
    #[serde(default)]
    pub x_title: String,
    pub x_title_en: Option<String>,
    #[serde(default)]
    pub y_title: String,
    pub y_title_en: Option<String>,
    pub y2_title: Option<String>,
    pub y2_title_en: Option<String>,
    #[serde(default)]
    pub series: Vec<SeriesSpec>,
    /// Long data: one series per distinct value of this column ...
    pub group: Option<String>,
    /// ... with its values in this column (also the slice sizes of a pie).
    pub value: Option<String>,
    /// Scatter: a column naming each point.
    pub point_label: Option<String>,
    #[serde(default = "forecast_columns::actual")]
    pub actual: String,
    #[serde(default = "forecast_columns::forecast")]
    pub forecast: String,
    #[serde(default = "forecast_columns::lo_80")]
    pub lo_80: String,
    #[serde(default = "forecast_columns::hi_80")]
    pub hi_80: String,
    #[serde(default = "forecast_columns::lo_95")]
    pub lo_95: String,
    #[serde(default = "forecast_columns::hi_95")]
    pub hi_95: String,
}

mod forecast_columns {
    pub fn actual() -> String {
        "actual".into()
    }
    pub fn forecast() -> String {
        "forecast".into()
    }
    pub fn lo_80() -> String {
        "lo_80".into()
    }
    pub fn hi_80() -> String {
        "hi_80".into()
    }
    pub fn lo_95() -> String {
        "lo_95".into()
    }
    pub fn hi_95() -> String {
        "hi_95".into()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesSpec {
    pub column: String,
    pub label: String,
    pub label_en: Option<String>,
    #[serde(default)]
    pub axis: Axis,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Axis {
    #[default]
    Left,
    Right,
}

impl Dashboard {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| ReportError::Io { path: path.into(), source })?;
        let spec_error = |message: String| ReportError::Spec { path: path.into(), message };
        let mut dashboard: Dashboard = toml::from_str(&text).map_err(|e| spec_error(e.to_string()))?;
        dashboard.name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("report").to_string();
        dashboard.path = path.to_path_buf();
        let mut seen = std::collections::HashSet::new();
        for section in &dashboard.sections {
            let id = section.head().id;
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                return Err(spec_error(format!("section id `{id}` must be made of a-z, 0-9 and _ (it names files and anchors)")));
            }
            if !seen.insert(id) {
                return Err(spec_error(format!("two sections are called `{id}`; give each a unique id")));
            }
            if let Section::Chart(chart) = section {
                chart.check().map_err(|m| spec_error(format!("section `{id}`: {m}")))?;
            }
        }
        Ok(dashboard)
    }

    /// Every dashboard in a folder, sorted by file name (which is the dashboard's name).
    pub fn discover(dir: &Path) -> Result<Vec<Self>> {
        let files = files_with_extension(dir, "toml").map_err(|source| ReportError::Io { path: dir.into(), source })?;
        files.iter().map(|path| Self::from_file(path)).collect()
    }
}

impl ChartSpec {
    /// The combinations of series options each chart kind can draw.
    fn check(&self) -> std::result::Result<(), String> {
        let long = self.group.is_some();
        if long && !self.series.is_empty() {
            return Err("give either `series` or `group` with `value`, not both".into());
        }
        if long && self.value.is_none() {
            return Err("`group` needs `value`: the column holding each series' values".into());
        }
        match self.chart {
            ChartKind::Forecast => Ok(()),
            ChartKind::Pie | ChartKind::Donut if long => Err("a pie takes its slices from `x`; drop `group`".into()),
            ChartKind::Pie | ChartKind::Donut if self.series.is_empty() && self.value.is_none() => {
                Err("a pie needs `value` (or one series): the column of slice sizes".into())
            }
            ChartKind::DualAxis if !self.series.iter().any(|s| s.axis == Axis::Right) => {
                Err("a dual_axis chart needs a series with axis = \"right\"".into())
            }
            _ if !long && self.series.is_empty() && self.value.is_none() => Err("list `series`, or give `group` and `value`".into()),
            _ => Ok(()),
        }
    }
}
