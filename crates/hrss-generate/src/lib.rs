//! Deterministic, realistic departmental files for Shaoxing, written the way departments hand them over.

mod contributions;
mod fund_ledger;
mod people;

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use contributions::CONTRIBUTIONS_FILE;
pub use fund_ledger::FUND_LEDGER_FILE;

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot write workbook {}: {source}", path.display())]
    Xlsx { path: PathBuf, source: rust_xlsxwriter::XlsxError },
}

pub type Result<T, E = GenerateError> = std::result::Result<T, E>;

/// How much to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Contribution records (person x employer x month x insurance type), planted bad rows included.
    pub rows: usize,
    pub seed: u64,
    /// Only these sources (pipeline names); all when empty.
    pub sources: Vec<String>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self { rows: 50_000, seed: 2026, sources: Vec::new() }
    }
}

/// One generated file.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    pub source: &'static str,
    pub path: PathBuf,
    pub data_rows: usize,
    /// Rows deliberately made invalid, as real extracts contain them; ingestion must quarantine them.
    pub planted_bad_rows: usize,
}

/// Writes every source's file into `out`.
pub fn generate(out: &Path, options: GenerateOptions) -> Result<Vec<GeneratedFile>> {
    std::fs::create_dir_all(out).map_err(|source| GenerateError::Io { path: out.into(), source })?;
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    Ok(vec![
        contributions::write(&out.join(CONTRIBUTIONS_FILE), options.rows, &mut rng)?,
        fund_ledger::write(&out.join(FUND_LEDGER_FILE), &mut rng)?,
    ])
}
