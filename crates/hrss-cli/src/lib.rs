//! The hrss application: the command line and what each command does, as a library the tests drive.

mod commands;
mod output;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

pub use commands::run;

/// hrss: the data warehouse and analytics pipeline of a municipal Human Resources and Social Security Bureau.
#[derive(Debug, Parser)]
#[command(name = "hrss", version, about)]
pub struct Cli {
    /// The warehouse: a local folder or an object-store URL.
    #[arg(long, global = true, env = "HRSS_WAREHOUSE", default_value = "./warehouse")]
    pub warehouse: String,

    /// The project folder holding pipelines/, sql/ and dashboards/.
    #[arg(long, global = true, default_value = ".")]
    pub project: PathBuf,

    /// The pseudonym key file, used when HRSS_PSEUDONYM_KEY is not set.
    #[arg(long, global = true, env = "HRSS_PSEUDONYM_KEY_FILE", default_value = ".hrss/pseudonym.key")]
    pub key_file: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sample data -> ingest every pipeline -> build every model and its tests -> render every report.
    Demo {
        /// Folder for input/, warehouse/ and reports/ (the global --warehouse is not used).
        #[arg(long, default_value = "./demo")]
        out: PathBuf,
        /// Contribution records to generate.
        #[arg(long, default_value_t = 50_000)]
        rows: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Write realistic synthetic departmental files for every source, in their real-world forms.
    Generate {
        #[arg(long)]
        out: PathBuf,
        /// Contribution records to generate.
        #[arg(long, default_value_t = 50_000)]
        rows: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Only these sources (pipeline names); all when none is given.
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// Run ingestion jobs: validate, pseudonymize and load departmental files.
    Ingest {
        /// Pipelines to run (names from pipelines/*.toml); all when none is given.
        pipelines: Vec<String>,
        /// A file or a folder of files.
        #[arg(long, default_value = "data-samples")]
        input: PathBuf,
        /// Show what would load and what would be rejected, writing nothing.
        #[arg(long)]
        check: bool,
        /// Print a machine-readable JSON summary of each load on stdout.
        #[arg(long)]
        json: bool,
        /// Seconds to wait for another hrss process loading the same table.
        #[arg(long, default_value_t = 300)]
        lock_wait: u64,
        /// Override the pipelines' max_quarantine_share (0 to 1).
        #[arg(long, value_parser = parse_share)]
        max_quarantine_share: Option<f64>,
    },
    /// Build models in dependency order and run their tests.
    Build {
        /// Selectors: name, name+, +name, tag:x, path:sql/marts.
        #[arg(long, num_args = 1.., value_delimiter = ' ')]
        select: Vec<String>,
        /// Rebuild every model in full: incremental ones too, and tables whose SQL and sources are unchanged.
        #[arg(long)]
        full_refresh: bool,
    },
    /// Run the models' data tests against the tables as they are.
    Test {
        #[arg(long, num_args = 1.., value_delimiter = ' ')]
        select: Vec<String>,
        /// Run the SQL unit tests (the .slt files beside the models, over their own fixtures) instead.
        #[arg(long)]
        unit: bool,
    },
    /// The graph of sources, models and tests.
    Lineage {
        /// Show only what this model or table reads and what reads it.
        model: Option<String>,
        #[arg(long, value_enum, default_value_t = LineageFormat::Text)]
        format: LineageFormat,
    },
    /// Write a static HTML catalogue of every table and model: columns, docs, SQL, lineage and last run.
    Docs {
        #[arg(long)]
        out: PathBuf,
    },
    /// Run one query against the warehouse.
    Sql {
        query: String,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
    /// Render reports from dashboards/.
    Report {
        /// Dashboards to render (file names without .toml); all when none is given.
        names: Vec<String>,
        #[arg(long)]
        out: PathBuf,
        /// Output formats; HTML (with inline SVG), SVG and PNG are available.
        #[arg(long, value_enum, value_delimiter = ',', default_value = "html,svg,png")]
        format: Vec<ReportFormat>,
    },
}

fn parse_share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("`{text}` is not a share between 0 and 1 (e.g. 0.05)")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LineageFormat {
    Text,
    Dot,
    Mermaid,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Html,
    Svg,
    Png,
    Pdf,
}
