//! Deterministic, realistic departmental files for Shaoxing, written the way departments hand them over.
//!
//! Every source is drawn from one world per run (an employer registry, a person pool, the year's
//! unemployment spells), so the sources join the way the bureau's real ones do. Each source has its own
//! random stream of the run's seed: the same seed writes the same bytes, whichever sources a run selects.

mod annual_report;
mod benefits;
mod common;
mod contributions;
mod employers;
mod employment;
mod fund_ledger;
mod labour_relations;
mod market;
mod people;
mod talent;
mod unemployment;
mod wages;
mod world;

use std::path::{Path, PathBuf};

pub use annual_report::ANNUAL_REPORT_FILE;
pub use benefits::BENEFITS_FILE;
pub use contributions::CONTRIBUTIONS_FILE;
pub use employers::EMPLOYERS_FILE;
pub use employment::{EMPLOYMENT_FILE, URBAN_EMPLOYMENT_FILE};
pub use fund_ledger::FUND_LEDGER_FILE;
pub use labour_relations::{ARBITRATION_FILE, ARREARS_FILE};
pub use market::{POSTINGS_FILE, SEEKERS_FILE};
pub use talent::TALENT_FILE;
pub use unemployment::{PAYMENTS_FILE, REGISTRATIONS_FILE};
pub use wages::WAGE_SURVEY_FILE;

use world::World;

/// The pipelines a run can write files for, in the order they are written.
pub const SOURCES: &[&str] = &[
    "contributions",
    "fund_ledger",
    "employers",
    "employment_registrations",
    "unemployment_registrations",
    "unemployment_insurance_payments",
    "urban_employment",
    "job_postings",
    "job_seekers",
    "talent_introductions",
    "wage_survey_employers",
    "wage_survey",
    "benefit_payments",
    "wage_arrears_cases",
    "arbitration_cases",
    "annual_report",
];

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("cannot write {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("cannot write workbook {}: {source}", path.display())]
    Xlsx { path: PathBuf, source: rust_xlsxwriter::XlsxError },
    #[error("no source is called `{name}`; the sources are: {}", SOURCES.join(", "))]
    UnknownSource { name: String },
}

pub type Result<T, E = GenerateError> = std::result::Result<T, E>;

/// How much to generate.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Contribution records (person x employer x month x insurance type), planted bad rows included. The
    /// other person-level sources scale with it: 50,000 gives a 10% sample of a Shaoxing year.
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

/// One generated file, for one pipeline (a workbook feeding two pipelines is listed twice).
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    /// The pipeline that reads it.
    pub source: &'static str,
    pub path: PathBuf,
    /// Rows the pipeline reads as data (title, header and footer rows excluded), planted bad rows included.
    pub data_rows: usize,
    /// Rows deliberately made invalid, as real extracts contain them; ingestion must quarantine exactly these.
    pub planted_bad_rows: usize,
}

/// Writes the selected sources' files into `out`.
pub fn generate(out: &Path, options: GenerateOptions) -> Result<Vec<GeneratedFile>> {
    if let Some(name) = options.sources.iter().find(|s| !SOURCES.contains(&s.as_str())) {
        return Err(GenerateError::UnknownSource { name: name.clone() });
    }
    std::fs::create_dir_all(out).map_err(|source| GenerateError::Io { path: out.into(), source })?;
    let wanted = |name: &str| options.sources.is_empty() || options.sources.iter().any(|s| s == name);
    let world = World::build(options.rows, options.seed);
    let rng = |source: &str| world.rng(source);
    let mut files = Vec::new();
    if wanted("contributions") {
        files.push(contributions::write(&out.join(CONTRIBUTIONS_FILE), options.rows, &world, &mut rng("contributions"))?);
    }
    if wanted("fund_ledger") {
        files.push(fund_ledger::write(&out.join(FUND_LEDGER_FILE), &mut rng("fund_ledger"))?);
    }
    if wanted("employers") {
        files.push(employers::write(&out.join(EMPLOYERS_FILE), &world, &mut rng("employers"))?);
    }
    if wanted("employment_registrations") {
        files.push(employment::write(&out.join(EMPLOYMENT_FILE), &world, &mut rng("employment_registrations"))?);
    }
    if wanted("unemployment_registrations") {
        let path = out.join(REGISTRATIONS_FILE);
        files.push(unemployment::write_registrations(&path, &world, &mut rng("unemployment_registrations"))?);
    }
    if wanted("unemployment_insurance_payments") {
        let path = out.join(PAYMENTS_FILE);
        files.push(unemployment::write_payments(&path, &world, &mut rng("unemployment_insurance_payments"))?);
    }
    if wanted("urban_employment") {
        let path = out.join(URBAN_EMPLOYMENT_FILE);
        files.push(employment::write_urban_employment(&path, &world, &mut rng("urban_employment"))?);
    }
    if wanted("job_postings") {
        files.push(market::write_postings(&out.join(POSTINGS_FILE), &world, &mut rng("job_postings"))?);
    }
    if wanted("job_seekers") {
        files.push(market::write_seekers(&out.join(SEEKERS_FILE), &world, &mut rng("job_seekers"))?);
    }
    if wanted("talent_introductions") {
        files.push(talent::write(&out.join(TALENT_FILE), &world, &mut rng("talent_introductions"))?);
    }
    if wanted("wage_survey_employers") || wanted("wage_survey") {
        // One workbook feeds both pipelines; its stream is the first pipeline's, whichever is selected.
        let survey = wages::write(&out.join(WAGE_SURVEY_FILE), &world, &mut rng("wage_survey_employers"))?;
        files.extend(survey.into_iter().filter(|f| wanted(f.source)));
    }
    if wanted("benefit_payments") {
        files.push(benefits::write(&out.join(BENEFITS_FILE), &world, &mut rng("benefit_payments"))?);
    }
    if wanted("wage_arrears_cases") {
        files.push(labour_relations::write_arrears(&out.join(ARREARS_FILE), &world, &mut rng("wage_arrears_cases"))?);
    }
    if wanted("arbitration_cases") {
        files.push(labour_relations::write_arbitration(&out.join(ARBITRATION_FILE), &world, &mut rng("arbitration_cases"))?);
    }
    if wanted("annual_report") {
        files.push(annual_report::write(&out.join(ANNUAL_REPORT_FILE), &mut rng("annual_report"))?);
    }
    Ok(files)
}
