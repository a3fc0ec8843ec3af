//! The hrss application: the command line and what each command does, as a library the tests drive.

mod catalog;
mod commands;
mod error;
mod http;
mod shell;
mod sql;
mod serve;
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
        /// Memory the build's queries may hold together, e.g. 2g; beyond it they spill to temporary files.
        #[arg(long, value_parser = parse_bytes)]
        memory_limit: Option<usize>,
    },
    /// Run the models' data tests against the tables as they are.
    Test {
        #[arg(long, num_args = 1.., value_delimiter = ' ')]
        select: Vec<String>,
        /// Run the SQL unit tests (the .slt files beside the models, over their own fixtures) instead.
        #[arg(long)]
        unit: bool,
        /// Memory the data tests may hold together, e.g. 2g; beyond it they spill to temporary files.
        #[arg(long, value_parser = parse_bytes)]
        memory_limit: Option<usize>,
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
    /// Run SQL against the warehouse: one or more statements separated by `;`.
    Sql {
        /// The SQL; use `-f FILE` to read it from a file instead.
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        query: Option<String>,
        /// A file of SQL statements.
        #[arg(short = 'f', long)]
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Write the results to this file instead of standard output (parquet needs one).
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
        /// Write at most this many rows of each result (all rows are still counted).
        #[arg(long)]
        max_rows: Option<usize>,
        /// Memory the queries may hold, e.g. 512m or 2g; beyond it they spill to temporary files.
        #[arg(long, value_parser = parse_bytes)]
        memory_limit: Option<usize>,
    },
    /// An interactive SQL shell: history, multi-line statements, completion, \d to describe tables.
    Shell {
        /// Memory the queries may hold, e.g. 2g; beyond it they spill to temporary files.
        #[arg(long, value_parser = parse_bytes)]
        memory_limit: Option<usize>,
        /// The history file.
        #[arg(long, default_value = ".hrss/history")]
        history: PathBuf,
    },
    /// Serve the warehouse to analysts' tools over the PostgreSQL wire protocol (read-only, password-locked).
    Serve {
        /// Port of the PostgreSQL listener (0 picks a free one, printed at start).
        #[arg(long)]
        pg_port: Option<u16>,
        /// Port of the HTTP listener for reports (0 picks a free one, printed at start).
        #[arg(long)]
        http_port: Option<u16>,
        /// Language of the served reports.
        #[arg(long, value_enum, default_value = "zh")]
        lang: ReportLang,
        /// Address to listen on; 0.0.0.0 serves other machines.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// The users file written by `hrss user add`.
        #[arg(long, env = "HRSS_USERS", default_value = ".hrss/users.toml")]
        users: PathBuf,
        /// Memory one query may hold before it spills; a query that cannot spill fails beyond it.
        #[arg(long, value_parser = parse_bytes, default_value = "1g")]
        memory_limit: usize,
        /// Seconds a query may run before it is cancelled.
        #[arg(long, default_value_t = 300)]
        statement_timeout: u64,
    },
    /// Manage the users of `hrss serve`: salted password hashes and schema grants.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Render reports from dashboards/.
    Report {
        /// Dashboards to render (file names without .toml); all when none is given.
        names: Vec<String>,
        #[arg(long)]
        out: PathBuf,
        /// Output formats: HTML (self-contained, inline SVG), a PDF per report, an SVG and a PNG per chart
        /// (with a CSV of its data beside them).
        #[arg(long, value_enum, value_delimiter = ',', default_value = "html,pdf,svg,png")]
        format: Vec<ReportFormat>,
        /// Reporting period in each report's form (2025, 2025-Q4, 2025-12); each report's latest by default.
        #[arg(long)]
        period: Option<String>,
        /// Language of the reports.
        #[arg(long, value_enum, default_value = "zh")]
        lang: ReportLang,
    },
}

/// The users of `hrss serve`.
#[derive(Debug, Subcommand)]
pub enum UserAction {
    /// Add a user or set their password and grants. The password is read from HRSS_PASSWORD, or
    /// asked for on a terminal, or read as one line of standard input.
    Add {
        name: String,
        /// Schemas the user may read: staging, marts, forecasts, quarantine, public (the ledger), or * for all.
        #[arg(long, value_delimiter = ',', required = true)]
        schemas: Vec<String>,
        #[arg(long, env = "HRSS_USERS", default_value = ".hrss/users.toml")]
        users: PathBuf,
    },
    /// Remove a user.
    Remove {
        name: String,
        #[arg(long, env = "HRSS_USERS", default_value = ".hrss/users.toml")]
        users: PathBuf,
    },
    /// List users and their grants.
    List {
        #[arg(long, env = "HRSS_USERS", default_value = ".hrss/users.toml")]
        users: PathBuf,
    },
}

/// `512m`, `2g`, `1.5g`, `100k` or a number of bytes.
fn parse_bytes(text: &str) -> Result<usize, String> {
    let lower = text.trim().to_ascii_lowercase();
    let (number, unit) = match lower.trim_end_matches('b').char_indices().last() {
        Some((i, c @ ('k' | 'm' | 'g' | 't'))) => (&lower[..i], c),
        _ => (lower.trim_end_matches('b'), 'b'),
    };
    let scale: f64 = match unit {
        'k' => 1024.0,
        'm' => 1024.0 * 1024.0,
        'g' => 1024.0 * 1024.0 * 1024.0,
        't' => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => 1.0,
    };
    match number.trim().parse::<f64>() {
        Ok(n) if n > 0.0 && n.is_finite() => Ok((n * scale) as usize),
        _ => Err(format!("`{text}` is not a size; use e.g. 512m, 2g or a number of bytes")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("2g"), Ok(2 << 30));
        assert_eq!(parse_bytes("512M"), Ok(512 << 20));
        assert_eq!(parse_bytes("1.5g"), Ok(3 << 29));
        assert_eq!(parse_bytes("100kb"), Ok(102_400));
        assert_eq!(parse_bytes("4096"), Ok(4096));
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("0").is_err());
        assert!(parse_bytes("-1g").is_err());
    }
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
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A Parquet file (needs --output).
    Parquet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LineageFormat {
    Text,
    Dot,
    Mermaid,
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportLang {
    /// 中文
    Zh,
    /// English
    En,
}

impl From<ReportLang> for hrss_report::Lang {
    fn from(lang: ReportLang) -> Self {
        match lang {
            ReportLang::Zh => Self::Zh,
            ReportLang::En => Self::En,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Html,
    Svg,
    Png,
    Pdf,
}
