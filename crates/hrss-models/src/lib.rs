//! SQL models: discovery under `sql/`, dependencies inferred by parsing, builds in dependency order, data tests.

pub mod build;
pub mod docs;
pub mod incremental;
pub mod lineage;
pub mod model;
pub mod tests;
pub mod unit;

pub use build::{build, BuildOptions, BuildReport, ModelOutcome, ModelStatus};
pub use model::{discover, Model, ModelError};
