//! Ingestion errors; each names the file (and row or column where it applies) and what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("pipeline {}: {message}", path.display())]
    Spec { path: PathBuf, message: String },

    #[error("{}: cannot read: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("{}: row {row}: {message}", path.display())]
    Malformed { path: PathBuf, row: u64, message: String },

    #[error("{}: no header row found in the first {scanned} rows: the columns {missing:?} are required by pipeline `{pipeline}`; check that this is the right file, or fix the header map in pipelines/{pipeline}.toml", path.display())]
    HeaderNotFound { path: PathBuf, pipeline: String, scanned: usize, missing: Vec<String> },

    #[error("{}: sheet `{sheet}` not found (sheets: {available:?}); set `sheet` in the pipeline", path.display())]
    SheetNotFound { path: PathBuf, sheet: String, available: Vec<String> },

    #[error("no input files for pipeline `{pipeline}` match `{pattern}` in {}; pass --input with the department's file or folder", dir.display())]
    NoInput { pipeline: String, pattern: String, dir: PathBuf },

    #[error(transparent)]
    Core(#[from] hrss_core::CoreError),

    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),

    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),

    #[error("Delta Lake: {0}")]
    Delta(#[from] deltalake::DeltaTableError),
}

pub type Result<T, E = IngestError> = std::result::Result<T, E>;
