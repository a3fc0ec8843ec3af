//! Ingestion: departmental files (CSV in UTF-8 or GB18030, XLSX) -> validated, pseudonymized Delta tables,
//! with every rejected row quarantined and every load in the ledger.

pub mod convert;
pub mod error;
pub mod load;
pub mod source;
pub mod spec;

pub use error::{IngestError, Result};
pub use load::{ingest_file, LoadReport};
pub use spec::PipelineSpec;
