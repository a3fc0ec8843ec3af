//! Reports as code: `dashboards/*.toml` -> queries against the warehouse -> charts drawn with plotters in the
//! project's own CJK font -> a self-contained HTML file (inline SVG) and a PNG per chart.

mod chart;
mod dashboard;
mod font;
mod outlined_svg;

pub use dashboard::{render_dashboard, Dashboard, OutputFiles, RenderedReport};

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
