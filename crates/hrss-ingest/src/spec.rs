//! Pipeline specs (`pipelines/*.toml`): where a source's header is, how its columns map and what they must hold.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hrss_core::project::files_with_extension;
use serde::Deserialize;

use crate::error::{IngestError, Result};

/// One departmental source and how it becomes a warehouse table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    pub name: String,
    pub description: String,
    /// The table in `staging`.
    pub table: String,
    pub source: SourceSpec,
    #[serde(default)]
    pub target: TargetSpec,
    /// Values that the file does not carry but every row of this source has (e.g. which fund a ledger is for).
    #[serde(default)]
    pub constants: BTreeMap<String, String>,
    pub columns: Vec<ColumnSpec>,
    #[serde(skip)]
    pub path: PathBuf,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
    /// JSON lines: one object per line, its keys are the header.
    Jsonl,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    /// UTF-8 when the bytes are valid UTF-8 (with or without BOM), else GB18030.
    #[default]
    Auto,
    Utf8,
    Gb18030,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    pub format: Format,
    #[serde(default)]
    pub encoding: Encoding,
    /// File name pattern inside an input folder: `*` matches any run of characters.
    pub files: String,
    /// XLSX sheet; the first sheet when absent.
    pub sheet: Option<String>,
    /// Several XLSX sheets, read in turn, each with its own header (instead of `sheet`).
    #[serde(default)]
    pub sheets: Vec<String>,
    /// A canonical column that receives each sheet's value from `sheet_map` (the sheet name when unmapped).
    pub sheet_column: Option<String>,
    #[serde(default)]
    pub sheet_map: BTreeMap<String, String>,
    /// The header is searched for in this many leading rows (title rows above it are skipped).
    #[serde(default = "default_header_search_rows")]
    pub header_search_rows: usize,
    /// 1, or 2 for a two-row merged header: columns are then named `Parent/Child`, or by the top cell
    /// alone where the bottom one is empty (a vertically merged cell).
    #[serde(default = "default_header_rows")]
    pub header_rows: usize,
    /// Rows whose first non-empty cell starts with one of these are footers, not data.
    #[serde(default)]
    pub footer_markers: Vec<String>,
}

fn default_header_search_rows() -> usize {
    10
}

fn default_header_rows() -> usize {
    1
}

impl SourceSpec {
    /// The sheets to read, in order; empty means the first sheet.
    pub fn sheet_names(&self) -> Vec<String> {
        if self.sheets.is_empty() { self.sheet.iter().cloned().collect() } else { self.sheets.clone() }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    #[serde(default)]
    pub partition_by: Vec<String>,
    /// A load replaces the rows whose values of these columns the file holds (e.g. its periods), in one commit.
    #[serde(default, deserialize_with = "one_or_many")]
    pub replace_by: Vec<String>,
    /// A later row of a file with the same values of these columns as an earlier one is quarantined.
    #[serde(default)]
    pub unique_key: Vec<String>,
    /// A load whose share of quarantined rows is above this fails and loads nothing.
    pub max_quarantine_share: Option<f64>,
}

fn one_or_many<'de, D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

/// The canonical type a column is converted to, with its validation.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    String,
    /// Int64; with `unit_factor` (e.g. 万人 -> persons) the source may carry decimals, rounded after scaling.
    Int,
    /// Float64 times `unit_factor`; a trailing `%` is allowed (with `unit_factor = 0.01` for a fraction).
    Number,
    /// Decimal(18, 2) in the canonical unit (yuan): the source value times `unit_factor`.
    Money,
    /// A month, stored as `YYYY-MM`; read from `2024-03`, `202403`, `2024年3月`, `2024/3/1` or a date cell.
    Month,
    /// A day, from `2024-03-05`, `2024/3/5`, `20240305`, `2024年3月5日`, `2024.3.5`, an Excel date cell or serial.
    Date,
    /// A GB 11643 resident ID number: check digit validated, replaced by a keyed pseudonym,
    /// with birth year, sex and native region kept beside it.
    ResidentId,
    /// A GB 32100 unified social credit code; an invalid check character is flagged, not rejected.
    Uscc,
    /// A GB/T 2260 division of Shaoxing; retired codes are mapped to their successors.
    District,
    /// A GB/T 4754 division (`17` or `C17` or `C1711`), stored as the two-digit division with its section beside it.
    Industry,
    /// A GB/T 6565-2015 occupation code (`2-02-10-01` or `2`), with its major group beside it.
    Occupation,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    /// The department's header (often Chinese).
    pub source: String,
    /// Other headers departments use for the same column.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The canonical column name; absent for dropped columns.
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<ColumnType>,
    /// Personal data that must never reach the warehouse (names, phone numbers): not even read.
    #[serde(default)]
    pub drop: bool,
    #[serde(default = "yes")]
    pub required: bool,
    pub doc: Option<String>,
    /// Unit of the source and the factor to the canonical unit (e.g. 万元 -> yuan is 10000).
    pub unit: Option<String>,
    pub unit_factor: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Source value -> canonical code; values outside it are rejected.
    #[serde(default)]
    pub map: BTreeMap<String, String>,
}

fn yes() -> bool {
    true
}

impl ColumnSpec {
    /// The canonical name of a kept column.
    pub fn canonical(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.source)
    }

    /// The header and its aliases.
    pub fn headers(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.source.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

impl PipelineSpec {
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| IngestError::Io { path: path.into(), source })?;
        let mut spec: PipelineSpec =
            toml::from_str(&text).map_err(|e| IngestError::Spec { path: path.into(), message: e.to_string() })?;
        spec.path = path.to_path_buf();
        spec.validate()?;
        Ok(spec)
    }

    /// Every spec in a folder, sorted by name.
    pub fn discover(dir: &Path) -> Result<Vec<Self>> {
        let files = files_with_extension(dir, "toml").map_err(|source| IngestError::Io { path: dir.into(), source })?;
        let mut specs = files.iter().map(|path| Self::from_file(path)).collect::<Result<Vec<_>>>()?;
        specs.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(specs)
    }

    fn validate(&self) -> Result<()> {
        let fail = |message: String| Err(IngestError::Spec { path: self.path.clone(), message });
        let is_identifier = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !is_identifier(&self.table) {
            return fail(format!("table `{}` must be lower_snake_case", self.table));
        }
        for column in &self.columns {
            if column.drop {
                continue;
            }
            let Some(name) = &column.name else {
                return fail(format!("column `{}` needs a canonical `name` (or `drop = true`)", column.source));
            };
            if !is_identifier(name) {
                return fail(format!("column name `{name}` must be lower_snake_case"));
            }
            if column.kind.is_none() {
                return fail(format!("column `{name}` needs a `type`"));
            }
        }
        if self.source.header_rows == 0 || self.source.header_rows > 2 {
            return fail(format!("header_rows = {}: only 1 or 2 header rows are supported", self.source.header_rows));
        }
        if self.source.sheet.is_some() && !self.source.sheets.is_empty() {
            return fail("set either `sheet` or `sheets`, not both".into());
        }
        if let Some(column) = &self.source.sheet_column
            && (self.source.sheets.is_empty() || !is_identifier(column))
        {
            return fail(format!("sheet_column `{column}` needs a lower_snake_case name and a `sheets` list"));
        }
        if let Some(share) = self.target.max_quarantine_share.filter(|s| !(0.0..=1.0).contains(s)) {
            return fail(format!("max_quarantine_share = {share} must be between 0 and 1"));
        }
        let names = self.output_columns();
        for name in self.target.partition_by.iter().chain(&self.target.replace_by).chain(&self.target.unique_key) {
            if !names.contains(&name.as_str()) {
                return fail(format!("target column `{name}` is not one of the pipeline's columns {names:?}"));
            }
        }
        Ok(())
    }

    pub fn kept_columns(&self) -> impl Iterator<Item = &ColumnSpec> {
        self.columns.iter().filter(|c| !c.drop)
    }

    /// Staging columns holding a person's pseudonym (the resident ID columns): looked up one value at a
    /// time, so their row groups carry bloom filters.
    pub fn pseudonym_columns(&self) -> Vec<String> {
        self.kept_columns().filter(|c| c.kind == Some(ColumnType::ResidentId)).map(|c| c.canonical().to_string()).collect()
    }

    /// Canonical columns a target rule may name: the kept columns, the constants and the sheet column.
    pub fn output_columns(&self) -> Vec<&str> {
        self.kept_columns()
            .map(ColumnSpec::canonical)
            .chain(self.constants.keys().map(String::as_str))
            .chain(self.source.sheet_column.as_deref())
            .collect()
    }

    /// The line of the pipeline file that declares `header`, for errors that say what to change.
    pub fn line_of(&self, header: &str) -> Option<usize> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let needle = format!("\"{header}\"");
        text.lines().position(|line| line.trim_start().starts_with("source") && line.contains(&needle)).map(|i| i + 1)
    }
}
