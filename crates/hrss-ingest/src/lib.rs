//! Ingestion: departmental files (CSV in UTF-8 or GB18030, XLSX, JSON lines) -> validated, pseudonymized Delta tables,
//! with every rejected row quarantined and every load in the ledger.

pub mod convert;
pub mod error;
pub mod load;
pub mod quarantine;
pub mod seen_keys;
pub mod source;
pub mod spec;

pub use error::{IngestError, Result};
pub use load::{check_file, ingest_file, CheckReport, IngestOptions, LoadReport};
pub use source::ReadProgress;
pub use spec::PipelineSpec;
