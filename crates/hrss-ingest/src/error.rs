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

    #[error(transparent)]
    HeaderNotFound(Box<MissingHeader>),

    #[error("{}{}: the file is empty (no header, no rows); ask the department for the complete export", path.display(), sheet.as_ref().map(|s| format!(" sheet `{s}`")).unwrap_or_default())]
    Empty { path: PathBuf, sheet: Option<String> },

    #[error("{}: {rejected} of {rows} rows were rejected, above pipeline `{pipeline}`'s max_quarantine_share of {limit}, so nothing was loaded ({reasons}); see quarantine.<table> for every row, fix the file, or raise max_quarantine_share (or pass --max-quarantine-share)", path.display())]
    TooManyRejected { path: PathBuf, pipeline: String, rejected: u64, rows: u64, limit: f64, reasons: String },

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

/// No row of a file (or sheet) matches the pipeline's header: what was expected, what was found, and where to change it.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: no header row found in the first {scanned} non-blank rows: pipeline `{pipeline}` expects the columns {missing:?}, the closest row has {found:?}; check that this is the right file (and its delimiter and encoding), or change the header map at {pipeline_file}", path.display(), sheet.as_ref().map(|s| format!(" sheet `{s}`")).unwrap_or_default())]
pub struct MissingHeader {
    pub path: PathBuf,
    pub sheet: Option<String>,
    pub pipeline: String,
    pub pipeline_file: String,
    pub scanned: usize,
    pub missing: Vec<String>,
    pub found: Vec<String>,
}

pub type Result<T, E = IngestError> = std::result::Result<T, E>;

/// A failure of the temporary file that keeps `what` out of memory: where it was and what to do.
pub(crate) fn temp_file_error(what: &str, e: std::io::Error) -> arrow::error::ArrowError {
    let folder = std::env::temp_dir();
    arrow::error::ArrowError::IoError(
        format!("cannot keep {what} in a temporary file in {}: {e}; free space there or set TMPDIR to another folder", folder.display()),
        e,
    )
}
