//! The error type shared by the warehouse, the ledger and the key handling.

use std::path::PathBuf;

/// Errors raised by `hrss-core`.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("warehouse URL `{url}` is not usable: {reason}. Pass a local folder or an s3:// URL with --warehouse or HRSS_WAREHOUSE")]
    WarehouseUrl { url: String, reason: String },

    #[error("no pseudonym key: set HRSS_PSEUDONYM_KEY (at least 32 characters) or write a key file at {} (for example `head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > {}`); `hrss demo` creates one for its own folder", path.display(), path.display())]
    MissingPseudonymKey { path: PathBuf },

    #[error("pseudonym key from {source_name} is too short ({len} bytes); use at least 32 random bytes")]
    WeakPseudonymKey { source_name: String, len: usize },

    #[error("table {layer}.{name} does not exist in the warehouse; run `hrss ingest` or `hrss build` first")]
    MissingTable { layer: String, name: String },

    #[error("table `{table}` is being written by another hrss process ({holder}); wait for it to finish and run again (if that process is gone, delete {})", path.display())]
    Locked { table: String, holder: String, path: PathBuf },

    #[error("I/O error on {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),

    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),

    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),

    #[error(transparent)]
    ObjectStore(#[from] object_store::Error),

    #[error("Delta Lake: {0}")]
    Delta(#[from] deltalake::DeltaTableError),
}

pub type Result<T, E = CoreError> = std::result::Result<T, E>;
