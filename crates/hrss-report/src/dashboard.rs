//! Dashboard specs (`dashboards/*.toml`) and their rendering into HTML with inline SVG, plus SVG and PNG files.

use std::path::{Path, PathBuf};

use arrow::array::{Array, Float64Array, RecordBatch, StringArray};
use arrow::compute::{cast, concat_batches};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;
use hrss_core::project::files_with_extension;
use serde::Deserialize;

use crate::chart::{svg_to_png, LineChart, Series};
use crate::outlined_svg::escape;
use crate::{ReportError, Result};

const CHART_SIZE: (u32, u32) = (1200, 620);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    pub sections: Vec<Section>,
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Section {
    /// A line chart; series with `axis = "right"` use a second value axis.
    Line { id: String, title: String, query: String, x: String, x_title: String, y_title: String, y2_title: Option<String>, series: Vec<SeriesSpec> },
    /// A table of a query's rows.
    Table { id: String, title: String, query: String },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesSpec {
    pub column: String,
    pub label: String,
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
        let mut dashboard: Dashboard =
            toml::from_str(&text).map_err(|e| ReportError::Spec { path: path.into(), message: e.to_string() })?;
        dashboard.name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("report").to_string();
        dashboard.path = path.to_path_buf();
        Ok(dashboard)
    }

    /// Every dashboard in a folder, sorted by file name (which is the dashboard's name).
    pub fn discover(dir: &Path) -> Result<Vec<Self>> {
        let files = files_with_extension(dir, "toml").map_err(|source| ReportError::Io { path: dir.into(), source })?;
        files.iter().map(|path| Self::from_file(path)).collect()
    }
}

/// Which files a rendering writes.
#[derive(Debug, Clone, Copy)]
pub struct OutputFiles {
    pub html: bool,
    pub svg: bool,
    pub png: bool,
}

/// The files one report produced.
#[derive(Debug, Clone)]
pub struct RenderedReport {
    pub name: String,
    pub html: Option<PathBuf>,
    pub charts: Vec<PathBuf>,
}

/// Renders a dashboard: `out/<name>.html` and `out/<name>/<section>.svg|png`.
pub async fn render_dashboard(ctx: &SessionContext, dashboard: &Dashboard, out: &Path, files: OutputFiles) -> Result<RenderedReport> {
    let asset_dir = out.join(&dashboard.name);
    let dir: &Path = if files.svg || files.png { &asset_dir } else { out };
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io { path: dir.to_path_buf(), source })?;
    let write = |path: PathBuf, bytes: &[u8]| -> Result<PathBuf> {
        std::fs::write(&path, bytes).map_err(|source| ReportError::Io { path: path.clone(), source })?;
        Ok(path)
    };
    let mut body = String::new();
    let mut charts = Vec::new();
    for section in &dashboard.sections {
        match section {
            Section::Line { id, title, query, x, x_title, y_title, y2_title, series } => {
                let fail = |message: String| ReportError::Section { path: dashboard.path.clone(), section: id.clone(), message };
                let batch = run(ctx, query).await.map_err(|e| fail(e.to_string()))?;
                let x_labels = strings(&batch, x).map_err(&fail)?;
                let series = series
                    .iter()
                    .map(|s| {
                        Ok(Series { label: s.label.clone(), values: numbers(&batch, &s.column)?, secondary: s.axis == Axis::Right })
                    })
                    .collect::<Result<Vec<_>, String>>()
                    .map_err(&fail)?;
                let chart = LineChart {
                    title: title.clone(),
                    x_labels,
                    x_title: x_title.clone(),
                    y_title: y_title.clone(),
                    y2_title: y2_title.clone(),
                    series,
                };
                let svg = chart.to_svg(CHART_SIZE)?;
                if files.svg {
                    charts.push(write(asset_dir.join(format!("{id}.svg")), svg.as_bytes())?);
                }
                if files.png {
                    charts.push(write(asset_dir.join(format!("{id}.png")), &svg_to_png(&svg, 2.0)?)?);
                }
                body.push_str(&format!("<section class=\"chart\" id=\"{id}\">\n{svg}\n</section>\n"));
            }
            Section::Table { id, title, query } => {
                let batch = run(ctx, query).await.map_err(|e| ReportError::Section {
                    path: dashboard.path.clone(),
                    section: id.clone(),
                    message: e.to_string(),
                })?;
                body.push_str(&format!("<section class=\"table\" id=\"{id}\">\n<h2>{}</h2>\n{}</section>\n", escape(title), html_table(&batch)?));
            }
        }
    }
    let html = if files.html {
        Some(write(out.join(format!("{}.html", dashboard.name)), page(dashboard, &body).as_bytes())?)
    } else {
        None
    };
    Ok(RenderedReport { name: dashboard.name.clone(), html, charts })
}

async fn run(ctx: &SessionContext, query: &str) -> datafusion::error::Result<RecordBatch> {
    let df = ctx.sql(query).await?;
    let schema = df.schema().inner().clone();
    let batches = df.collect().await?;
    Ok(concat_batches(&schema, &batches)?)
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array, String> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| format!("the query has no column `{name}`; it returns {:?}", batch.schema().fields().iter().map(|f| f.name()).collect::<Vec<_>>()))
}

fn strings(batch: &RecordBatch, name: &str) -> Result<Vec<String>, String> {
    let array = cast(column(batch, name)?, &DataType::Utf8).map_err(|e| e.to_string())?;
    let array = array.as_any().downcast_ref::<StringArray>().ok_or("not text")?;
    Ok(array.iter().map(|v| v.unwrap_or_default().to_string()).collect())
}

fn numbers(batch: &RecordBatch, name: &str) -> Result<Vec<Option<f64>>, String> {
    let array = cast(column(batch, name)?, &DataType::Float64).map_err(|e| format!("column `{name}` is not numeric: {e}"))?;
    let array = array.as_any().downcast_ref::<Float64Array>().ok_or("not numeric")?;
    Ok(array.iter().collect())
}

fn html_table(batch: &RecordBatch) -> Result<String> {
    let options = FormatOptions::default().with_null("—");
    let mut html = String::from("<table>\n<thead><tr>");
    for field in batch.schema().fields() {
        html.push_str(&format!("<th>{}</th>", escape(field.name())));
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ReportError::Drawing(e.to_string()))?;
    for row in 0..batch.num_rows() {
        html.push_str("<tr>");
        for (formatter, array) in formatters.iter().zip(batch.columns()) {
            let class = if array.data_type().is_numeric() { " class=\"num\"" } else { "" };
            html.push_str(&format!("<td{class}>{}</td>", escape(&formatter.value(row).to_string())));
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n");
    Ok(html)
}

const STYLE: &str = r#"
body { margin: 0 auto; max-width: 1240px; padding: 24px; color: #1f2933; background: #fff;
       font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
header { border-bottom: 3px solid #1f4e8c; margin-bottom: 24px; }
h1 { font-size: 28px; margin: 0 0 8px; color: #1f4e8c; }
header p { margin: 0 0 12px; color: #52606d; }
section { margin: 0 0 32px; }
section.chart svg { width: 100%; height: auto; }
h2 { font-size: 20px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border-bottom: 1px solid #d9e2ec; padding: 6px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: #7b8794; font-size: 12px; border-top: 1px solid #d9e2ec; padding-top: 8px; }
@media print {
  body { max-width: none; padding: 0; }
  section { break-inside: avoid; }
  @page { size: A4 landscape; margin: 15mm; }
}
"#;

fn page(dashboard: &Dashboard, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n<p>{subtitle}</p>\n</header>\n{body}<footer>由 hrss 根据数据仓库生成 · 图表字体：Noto Sans CJK SC（SIL OFL 1.1）</footer>\n</body>\n</html>\n",
        title = escape(&dashboard.title),
        subtitle = escape(&dashboard.subtitle),
    )
}
