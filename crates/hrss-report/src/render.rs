//! Runs a dashboard's queries and templates into a [`Document`]: the blocks that the HTML page, the PDF and the
//! per-chart files are all written from, so every output shows the same numbers.

use std::path::{Path, PathBuf};

use datafusion::prelude::SessionContext;
use minijinja::value::Value;
use minijinja::Environment;

use crate::chart::{svg_to_png, Bands, Chart, Series};
use crate::data::QueryResult;
use crate::format::{grouped, MISSING};
use crate::spec::{Axis, ChartKind, ChartSpec, Dashboard, Direction, Lang, NumberFormat, PeriodKind, Section};
use crate::template::{context, environment, Period};
use crate::{html, pdf, ReportError, Result};

/// Charts are drawn at this size in SVG pixels (the PNG at twice it).
pub const CHART_SIZE: (u32, u32) = (1200, 620);

/// What a rendering writes.
#[derive(Debug, Clone, Copy)]
pub struct OutputFiles {
    pub html: bool,
    pub svg: bool,
    pub png: bool,
    pub pdf: bool,
}

impl OutputFiles {
    pub const ALL: Self = Self { html: true, svg: true, png: true, pdf: true };
}

#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    pub lang: Lang,
    /// The reporting period; the dashboard's `latest_period` when None.
    pub period: Option<String>,
}

/// A report ready to be written out.
#[derive(Debug, Clone)]
pub struct Document {
    pub name: String,
    pub title: String,
    pub subtitle: String,
    pub period: Period,
    pub lang: Lang,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub id: String,
    pub title: String,
    pub content: Content,
}

#[derive(Debug, Clone)]
pub enum Content {
    Text { paragraphs: Vec<String> },
    Kpi { tiles: Vec<Tile> },
    Table { header: Vec<String>, rows: Vec<Vec<Cell>>, csv: Vec<u8> },
    Chart { svg: String, csv: Vec<u8> },
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub numeric: bool,
}

#[derive(Debug, Clone)]
pub struct Tile {
    pub label: String,
    pub value: String,
    pub unit: String,
    pub changes: Vec<Change>,
    pub warning: Option<Warning>,
}

#[derive(Debug, Clone)]
pub struct Change {
    /// 环比, 同比, 比上年 ...
    pub basis: String,
    pub text: String,
    pub tone: Tone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Bad,
    Neutral,
}

/// An early-warning level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    Green,
    Amber,
    Red,
}

impl Warning {
    fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "green" | "绿" | "绿色" | "normal" => Some(Self::Green),
            "amber" | "yellow" | "orange" | "黄" | "黄色" | "橙" | "橙色" => Some(Self::Amber),
            "red" | "红" | "红色" => Some(Self::Red),
            _ => None,
        }
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Green, Lang::Zh) => "正常",
            (Self::Amber, Lang::Zh) => "黄色预警",
            (Self::Red, Lang::Zh) => "红色预警",
            (Self::Green, Lang::En) => "normal",
            (Self::Amber, Lang::En) => "amber warning",
            (Self::Red, Lang::En) => "red warning",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Self::Green => "green",
            Self::Amber => "amber",
            Self::Red => "red",
        }
    }
}

/// The files one report produced.
#[derive(Debug, Clone)]
pub struct RenderedReport {
    pub name: String,
    pub title: String,
    pub period: String,
    pub html: Option<PathBuf>,
    pub pdf: Option<PathBuf>,
    pub pdf_pages: usize,
    /// Per-section SVG, PNG and CSV files.
    pub assets: Vec<PathBuf>,
}

/// Runs the dashboard's queries and templates.
pub async fn evaluate(ctx: &SessionContext, dashboard: &Dashboard, options: &RenderOptions) -> Result<Document> {
    let lang = options.lang;
    let env = environment(lang);
    let spec_error = |message: String| ReportError::Spec { path: dashboard.path.clone(), message };
    let period_text = match &options.period {
        Some(period) => period.clone(),
        None => {
            let latest = QueryResult::run(ctx, &dashboard.latest_period)
                .await
                .map_err(|e| spec_error(format!("latest_period query failed: {e}")))?;
            let first = latest.column_names().into_iter().next().map(|c| latest.strings(&c)).transpose().map_err(spec_error)?;
            match first.and_then(|values| values.into_iter().next()).filter(|v| !v.is_empty()) {
                Some(period) => period,
                None => return Err(spec_error("the warehouse has no period to report on (latest_period found none): run `hrss build` first, or give --period".into())),
            }
        }
    };
    let period = Period::parse(dashboard.period, &period_text)
        .map_err(|m| spec_error(format!("the reporting period {m}: give --period in that form, or leave it out for the latest period")))?;
    let scope = context(&period, lang);
    let vars = Value::from(scope.clone());
    let fill = |template: &str, what: &str| -> Result<String> {
        env.render_str(template, &vars).map_err(|e| spec_error(format!("{what}: {e}")))
    };
    let title = fill(lang.pick(&dashboard.title, dashboard.title_en.as_deref()), "title")?;
    let subtitle = fill(lang.pick(&dashboard.subtitle, dashboard.subtitle_en.as_deref()), "subtitle")?;
    let mut blocks = Vec::with_capacity(dashboard.sections.len());
    for section in &dashboard.sections {
        let head = section.head();
        let fail = |message: String| ReportError::Section { path: dashboard.path.clone(), section: head.id.to_string(), message };
        let title = env.render_str(lang.pick(head.title, head.title_en), &vars).map_err(|e| fail(format!("title: {e}")))?;
        let query = |template: &str| {
            let sql = env.render_str(template, &vars).map_err(|e| fail(format!("query template: {e}")));
            async move {
                let sql = sql?;
                QueryResult::run(ctx, &sql).await.map_err(|e| fail(format!("query failed: {e}")))
            }
        };
        let content = match section {
            Section::Text { queries, template, template_en, .. } => {
                let mut bound = vec![];
                for (name, sql) in queries {
                    let rows = query(sql).await?.template_rows();
                    bound.push((name.clone(), rows.first().cloned().unwrap_or_else(|| Value::from(()))));
                    bound.push((format!("{name}_rows"), Value::from(rows)));
                }
                let mut scope = scope.clone();
                scope.extend(bound);
                let text = env
                    .render_str(lang.pick(template, template_en.as_deref()), Value::from(scope))
                    .map_err(|e| fail(format!("template: {e}")))?;
                Content::Text { paragraphs: text.split("\n\n").map(|p| p.trim().replace('\n', "")).filter(|p| !p.is_empty()).collect() }
            }
            Section::Kpi { query: sql, good, decimals, .. } => match query(sql).await? {
                empty if empty.rows() == 0 => no_data(&period, lang),
                result => Content::Kpi { tiles: tiles(&result, *good, *decimals, dashboard.period, lang).map_err(fail)? },
            },
            Section::Table { query: sql, columns, .. } => {
                let result = query(sql).await?;
                if result.rows() == 0 {
                    blocks.push(Block { id: head.id.to_string(), title, content: no_data(&period, lang) });
                    continue;
                }
                // Column names may be written in the report's language with l(), so the keys are templates too.
                let columns = columns
                    .iter()
                    .map(|(name, format)| Ok((env.render_str(name, &vars).map_err(|e| fail(format!("columns: {e}")))?, *format)))
                    .collect::<Result<_>>()?;
                let (header, rows) = table(&result, &columns).map_err(&fail)?;
                Content::Table { header, rows, csv: csv(&result).map_err(&fail)? }
            }
            Section::Chart(spec) => {
                let result = query(&spec.query).await?;
                if result.rows() == 0 {
                    blocks.push(Block { id: head.id.to_string(), title, content: no_data(&period, lang) });
                    continue;
                }
                let chart = chart(spec, &title, &result, lang, &env, &vars).map_err(&fail)?;
                Content::Chart { svg: chart.to_svg(CHART_SIZE)?, csv: csv(&result).map_err(&fail)? }
            }
        };
        blocks.push(Block { id: head.id.to_string(), title, content });
    }
    Ok(Document { name: dashboard.name.clone(), title, subtitle, period, lang, blocks })
}

/// The PNGs of `svgs` (at twice their size, for print), rasterized on every core: rasterizing is most of
/// the time a report takes.
fn rasterize(svgs: &[&str]) -> Result<Vec<Vec<u8>>> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(svgs.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<Vec<u8>>)> = std::thread::scope(|scope| {
        let take = || {
            let mut mine = Vec::new();
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(svg) = svgs.get(index) else { return mine };
                mine.push((index, svg_to_png(svg, 2.0)));
            }
        };
        let handles: Vec<_> = (0..workers).map(|_| scope.spawn(take)).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    });
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, png)| png).collect()
}

/// What a chart, table or tile section shows when its query finds nothing for the period: a plain
/// sentence rather than an empty plot.
fn no_data(period: &Period, lang: Lang) -> Content {
    let label = period.label(lang);
    let sentence = match lang {
        Lang::Zh => format!("{label}无数据。"),
        Lang::En => format!("No data for {label}."),
    };
    Content::Text { paragraphs: vec![sentence] }
}

/// Renders a dashboard: `out/<name>.html`, `out/<name>.pdf` and `out/<name>/<section>.svg|png|csv`.
pub async fn render_dashboard(
    ctx: &SessionContext,
    dashboard: &Dashboard,
    out: &Path,
    files: OutputFiles,
    options: &RenderOptions,
) -> Result<RenderedReport> {
    let document = evaluate(ctx, dashboard, options).await?;
    write_document(&document, out, files)
}

pub fn write_document(document: &Document, out: &Path, files: OutputFiles) -> Result<RenderedReport> {
    let write = |path: PathBuf, bytes: &[u8]| -> Result<PathBuf> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ReportError::Io { path: parent.to_path_buf(), source })?;
        }
        std::fs::write(&path, bytes).map_err(|source| ReportError::Io { path: path.clone(), source })?;
        Ok(path)
    };
    let asset_dir = out.join(&document.name);
    let mut assets = Vec::new();
    if files.svg || files.png {
        let svgs: Vec<&str> = document.blocks.iter().filter_map(|b| if let Content::Chart { svg, .. } = &b.content { Some(svg.as_str()) } else { None }).collect();
        let mut pngs = if files.png { rasterize(&svgs)? } else { Vec::new() }.into_iter();
        for block in &document.blocks {
            match &block.content {
                Content::Chart { svg, csv } => {
                    if files.svg {
                        assets.push(write(asset_dir.join(format!("{}.svg", block.id)), svg.as_bytes())?);
                    }
                    if let Some(png) = pngs.next() {
                        assets.push(write(asset_dir.join(format!("{}.png", block.id)), &png)?);
                    }
                    assets.push(write(asset_dir.join(format!("{}.csv", block.id)), csv)?);
                }
                Content::Table { csv, .. } => assets.push(write(asset_dir.join(format!("{}.csv", block.id)), csv)?),
                Content::Text { .. } | Content::Kpi { .. } => {}
            }
        }
    }
    let html = if files.html {
        Some(write(out.join(format!("{}.html", document.name)), html::page(document).as_bytes())?)
    } else {
        None
    };
    let (pdf, pdf_pages) = if files.pdf {
        let (bytes, pages) = pdf::document(document)?;
        (Some(write(out.join(format!("{}.pdf", document.name)), &bytes)?), pages)
    } else {
        (None, 0)
    };
    Ok(RenderedReport { name: document.name.clone(), title: document.title.clone(), period: document.period.text.clone(), html, pdf, pdf_pages, assets })
}

/// CSV for downloads, with a byte-order mark so that Excel on a Chinese Windows reads it as UTF-8.
fn csv(result: &QueryResult) -> Result<Vec<u8>, String> {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    bytes.extend(result.to_csv().map_err(|e| e.to_string())?);
    Ok(bytes)
}

/// The column of a KPI or table query that sets a row's decimals.
const ROW_DECIMALS: &str = "decimals";

fn table(result: &QueryResult, formats: &std::collections::BTreeMap<String, NumberFormat>) -> Result<(Vec<String>, Vec<Vec<Cell>>), String> {
    let header = result.column_names();
    if let Some(unknown) = formats.keys().find(|name| !header.contains(name)) {
        return Err(format!("`columns` formats `{unknown}`, which the query does not return; it returns {}", header.join(", ")));
    }
    // As in KPI queries, a `decimals` column sets each row's decimals (a bulletin table mixes 万人 with two
    // decimals, 元 with none and months with one); it is not shown.
    let row_decimals = result.optional_numbers(ROW_DECIMALS)?;
    let mut shown = Vec::with_capacity(header.len());
    let mut columns = Vec::with_capacity(header.len());
    for (index, name) in header.iter().enumerate() {
        if name == ROW_DECIMALS {
            continue;
        }
        shown.push(name.clone());
        let explicit = formats.get(name).copied();
        let column = if explicit.is_some() || result.is_numeric(index) {
            let default = if result.is_integer(index) { NumberFormat::Number(0) } else { NumberFormat::Number(2) };
            let numbers = result.numbers(name)?.into_iter().enumerate();
            numbers
                .map(|(row, value)| {
                    let format = explicit.unwrap_or_else(|| match row_decimals.as_ref().and_then(|d| d[row]) {
                        Some(decimals) => NumberFormat::Number(decimals.clamp(0.0, 4.0) as u8),
                        None => default,
                    });
                    Cell { text: value.map_or(MISSING.into(), |v| format.apply(v)), numeric: true }
                })
                .collect()
        } else {
            result.strings(name)?.into_iter().map(|text| Cell { text: if text.is_empty() { MISSING.into() } else { text }, numeric: false }).collect::<Vec<_>>()
        };
        columns.push(column);
    }
    let rows = (0..result.rows()).map(|row| columns.iter().map(|column| column[row].clone()).collect()).collect();
    Ok((shown, rows))
}

fn tiles(result: &QueryResult, good: Direction, decimals: u8, period: PeriodKind, lang: Lang) -> Result<Vec<Tile>, String> {
    let labels = result.strings("label")?;
    let values = result.numbers("value")?;
    let units = result.optional_strings("unit")?;
    let previous = result.optional_numbers("previous")?;
    let last_year = result.optional_numbers("last_year")?;
    let goods = result.optional_strings("good")?;
    let row_decimals = result.optional_numbers(ROW_DECIMALS)?;
    let warnings = result.optional_strings("warning")?;
    let previous_basis = match (period, lang) {
        (PeriodKind::Year, Lang::Zh) => "比上年",
        (PeriodKind::Year, Lang::En) => "on last year",
        (_, Lang::Zh) => "环比",
        (PeriodKind::Quarter, Lang::En) => "on last quarter",
        (PeriodKind::Month, Lang::En) => "on last month",
    };
    let year_basis = if lang == Lang::Zh { "同比" } else { "on a year ago" };
    let mut tiles = Vec::with_capacity(labels.len());
    for (row, label) in labels.into_iter().enumerate() {
        let unit = units.as_ref().map(|u| u[row].clone()).unwrap_or_default();
        let decimals = row_decimals.as_ref().and_then(|d| d[row]).map_or(decimals, |d| d.clamp(0.0, 4.0) as u8);
        let good = match goods.as_ref().map(|g| g[row].as_str()) {
            Some("up") => Direction::Up,
            Some("down") => Direction::Down,
            Some("neutral") => Direction::Neutral,
            _ => good,
        };
        let value = values[row];
        let mut changes = Vec::new();
        for (basis, base) in [(previous_basis, previous.as_ref()), (year_basis, last_year.as_ref())] {
            let Some(base) = base.and_then(|b| b[row]) else { continue };
            let Some(value) = value else { continue };
            changes.push(change(value, base, &unit, decimals, good, basis, lang));
        }
        let warning = match warnings.as_ref().map(|w| w[row].as_str()).filter(|w| !w.is_empty()) {
            Some(text) => Some(Warning::parse(text).ok_or_else(|| format!("warning `{text}` in row {} is not green, amber or red", row + 1))?),
            None => None,
        };
        tiles.push(Tile { label, value: value.map_or(MISSING.into(), |v| grouped(v, decimals)), unit, changes, warning });
    }
    Ok(tiles)
}

fn change(value: f64, base: f64, unit: &str, decimals: u8, good: Direction, basis: &str, lang: Lang) -> Change {
    // A rate changes by percentage points; a count or an amount by a percentage of itself.
    let (delta, text) = if unit == "%" {
        let delta = value - base;
        (delta, format!("{}{}", crate::format::signed(delta, decimals), if lang == Lang::Zh { "个百分点" } else { " pp" }))
    } else if base != 0.0 {
        let delta = (value / base - 1.0) * 100.0;
        (delta, format!("{}%", crate::format::signed(delta, 1)))
    } else {
        return Change { basis: basis.into(), text: MISSING.into(), tone: Tone::Neutral };
    };
    let tone = match good {
        _ if delta.abs() < 1e-9 => Tone::Neutral,
        Direction::Up if delta > 0.0 => Tone::Good,
        Direction::Down if delta < 0.0 => Tone::Good,
        Direction::Neutral => Tone::Neutral,
        _ => Tone::Bad,
    };
    Change { basis: basis.into(), text, tone }
}

fn chart(spec: &ChartSpec, title: &str, result: &QueryResult, lang: Lang, env: &Environment, vars: &Value) -> Result<Chart, String> {
    let fill = |text: &str, en: Option<&str>| env.render_str(lang.pick(text, en), vars).map_err(|e| format!("template: {e}"));
    let x_raw = result.strings(&spec.x)?;
    let (categories, x_values, series, bands) = match (spec.chart, &spec.group) {
        (ChartKind::Forecast, _) => {
            let series = vec![
                Series { label: String::new(), values: result.numbers(&spec.actual)?, secondary: false },
                Series { label: String::new(), values: result.numbers(&spec.forecast)?, secondary: false },
            ];
            let bands = if result.has(&spec.lo_80) {
                Some(Bands {
                    lo_80: result.numbers(&spec.lo_80)?,
                    hi_80: result.numbers(&spec.hi_80)?,
                    lo_95: result.numbers(&spec.lo_95)?,
                    hi_95: result.numbers(&spec.hi_95)?,
                })
            } else {
                None
            };
            (x_raw, Vec::new(), series, bands)
        }
        (_, Some(group)) => {
            let value = spec.value.as_deref().unwrap_or_default();
            let (categories, series) = pivot(&x_raw, &result.strings(group)?, &result.numbers(value)?);
            (categories, Vec::new(), series, None)
        }
        (kind, None) => {
            let mut series = Vec::new();
            for s in &spec.series {
                series.push(Series { label: fill(&s.label, s.label_en.as_deref())?, values: result.numbers(&s.column)?, secondary: s.axis == Axis::Right });
            }
            if series.is_empty() {
                if let Some(value) = &spec.value {
                    series.push(Series { label: String::new(), values: result.numbers(value)?, secondary: false });
                }
            }
            if kind == ChartKind::Scatter {
                let names = match &spec.point_label {
                    Some(column) => result.strings(column)?,
                    None => Vec::new(),
                };
                (names, result.numbers(&spec.x)?, series, None)
            } else {
                (x_raw, Vec::new(), series, None)
            }
        }
    };
    Ok(Chart {
        kind: spec.chart,
        lang,
        title: title.to_string(),
        categories,
        x_values,
        x_title: fill(&spec.x_title, spec.x_title_en.as_deref())?,
        y_title: fill(&spec.y_title, spec.y_title_en.as_deref())?,
        y2_title: spec.y2_title.as_deref().map(|t| fill(t, spec.y2_title_en.as_deref())).transpose()?,
        series,
        bands,
    })
}

/// Long rows (x, group, value) -> one series per group over the distinct x, both in order of first appearance.
fn pivot(x: &[String], groups: &[String], values: &[Option<f64>]) -> (Vec<String>, Vec<Series>) {
    let mut categories: Vec<String> = Vec::new();
    let mut series: Vec<Series> = Vec::new();
    for ((x, group), value) in x.iter().zip(groups).zip(values) {
        let column = categories.iter().position(|c| c == x).unwrap_or_else(|| {
            categories.push(x.clone());
            for s in &mut series {
                s.values.push(None);
            }
            categories.len() - 1
        });
        let index = series.iter().position(|s| &s.label == group).unwrap_or_else(|| {
            series.push(Series { label: group.clone(), values: vec![None; categories.len()], secondary: false });
            series.len() - 1
        });
        series[index].values[column] = *value;
    }
    (categories, series)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_rows_pivot_into_series() {
        let x = ["2024", "2024", "2025"].map(String::from);
        let groups = ["养老", "失业", "养老"].map(String::from);
        let (categories, series) = pivot(&x, &groups, &[Some(1.0), Some(2.0), Some(3.0)]);
        assert_eq!(categories, vec!["2024", "2025"]);
        assert_eq!(series[0].values, vec![Some(1.0), Some(3.0)]);
        assert_eq!(series[1].values, vec![Some(2.0), None]);
    }

    #[test]
    fn a_decimals_column_sets_each_rows_decimals_and_is_not_shown() {
        use arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray};
        use std::sync::Arc;
        let batch = RecordBatch::try_from_iter([
            ("指标", Arc::new(StringArray::from(vec!["城镇新增就业", "月平均工资"])) as _),
            ("2025年", Arc::new(Float64Array::from(vec![27.456, 8123.4])) as _),
            ("增长", Arc::new(Float64Array::from(vec![5.24, 3.0])) as _),
            ("decimals", Arc::new(Int64Array::from(vec![2, 0])) as _),
        ])
        .expect("a valid batch");
        let formats = [("增长".to_string(), NumberFormat::Number(1))].into();
        let (header, rows) = table(&QueryResult { batch }, &formats).expect("a table");
        assert_eq!(header, ["指标", "2025年", "增长"]);
        let text = |row: &Vec<Cell>| row.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
        assert_eq!(text(&rows[0]), ["城镇新增就业", "27.46", "5.2"]);
        assert_eq!(text(&rows[1]), ["月平均工资", "8,123", "3.0"]);
    }

    #[test]
    fn changes_are_coloured_by_which_way_is_good() {
        let up = change(105.0, 100.0, "万人", 1, Direction::Up, "同比", Lang::Zh);
        assert_eq!((up.text.as_str(), up.tone), ("+5.0%", Tone::Good));
        let rate = change(3.1, 3.4, "%", 1, Direction::Down, "同比", Lang::Zh);
        assert_eq!((rate.text.as_str(), rate.tone), ("-0.3个百分点", Tone::Good));
        let months = change(10.0, 12.0, "月", 1, Direction::Up, "环比", Lang::En);
        assert_eq!(months.tone, Tone::Bad);
    }
}
