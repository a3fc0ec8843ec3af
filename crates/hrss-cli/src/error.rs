//! The application's errors, each telling the user what to do.

use std::path::PathBuf;

/// Errors of the application, each telling the user what to do.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Core(#[from] hrss_core::CoreError),
    #[error(transparent)]
    Ingest(#[from] hrss_ingest::IngestError),
    #[error(transparent)]
    Model(#[from] hrss_models::ModelError),
    #[error(transparent)]
    Report(#[from] hrss_report::ReportError),
    #[error(transparent)]
    Generate(#[from] hrss_generate::GenerateError),
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Failed(String),
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
