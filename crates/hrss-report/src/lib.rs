//! Reports as code: `dashboards/*.toml` -> queries against the warehouse -> charts drawn with plotters in the
//! project's own CJK font, KPI tiles, tables and prose from templates -> a self-contained HTML page, a PDF,
//! and an SVG, PNG and CSV per chart.

mod chart;
mod data;
mod font;
mod format;
mod html;
mod outlined_svg;
mod pdf;
mod render;
mod spec;
mod template;

pub use render::{evaluate, render_dashboard, write_document, Content, Document, OutputFiles, RenderOptions, RenderedReport};
pub use font::FONT_BYTES;
pub use outlined_svg::escape as escape_html;
pub use spec::{Dashboard, Lang, Section};

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("dashboard {}: {message}", path.display())]
    Spec { path: PathBuf, message: String },
    #[error("dashboard {}, section `{section}`: {message}", path.display())]
    Section { path: PathBuf, section: String, message: String },
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("drawing failed: {0}")]
    Drawing(String),
    #[error(transparent)]
    Core(#[from] hrss_core::CoreError),
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
}

pub type Result<T, E = ReportError> = std::result::Result<T, E>;
