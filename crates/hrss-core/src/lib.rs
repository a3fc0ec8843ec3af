//! The domain vocabulary of hrss: identifiers, code lists, pseudonymization, the warehouse and its ledger.

pub mod codes;
pub mod error;
pub mod forecast;
pub mod functions;
pub mod identifiers;
mod lazy_schema;
pub mod ledger;
pub mod lock;
pub mod project;
pub mod pseudonym;
pub mod warehouse;

pub use error::{CoreError, Result};
pub use pseudonym::Pseudonymizer;
pub use warehouse::{Layer, Warehouse};
