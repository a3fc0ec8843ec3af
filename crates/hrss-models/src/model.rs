//! A model is one `.sql` file: a header comment in TOML (materialization, docs, tests) above a plain query.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{Expr, FunctionArg, FunctionArgExpr, Query, TableFactor, Value, Visit, Visitor};
use serde::Deserialize;

/// Errors of model discovery and builds; each names the model's file.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{}: {message}", path.display())]
    Definition { path: PathBuf, message: String },
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("dependency cycle between models: {}", cycle.join(" -> "))]
    Cycle { cycle: Vec<String> },
    #[error(transparent)]
    Core(#[from] hrss_core::CoreError),
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
}

/// How a model's result is kept in the warehouse.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Materialization {
    /// Rebuilt in full into a Delta table on every build.
    #[default]
    Table,
    /// Stored as its query; every session reads through it, so it is never stale.
    View,
    /// A Delta table rebuilt by period: only the periods whose sources changed since the last build.
    Incremental,
}

impl Materialization {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Table => "table",
            Self::View => "view",
            Self::Incremental => "incremental",
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Error,
    Warn,
}

/// A data test declared in a model's header.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TestSpec {
    /// None of the columns is null.
    NotNull { columns: Vec<String>, #[serde(default)] severity: Severity },
    /// The combination of the columns identifies a row.
    Unique { columns: Vec<String>, #[serde(default)] severity: Severity },
    /// The column holds only these values.
    AcceptedValues { column: String, values: Vec<String>, #[serde(default)] severity: Severity },
    /// Every non-null value of `column` exists as `field` of table `to` (a foreign key).
    Relationships { column: String, to: String, field: String, #[serde(default)] severity: Severity },
    /// A boolean SQL expression over a row; rows where it is not TRUE fail.
    Expression { expect: String, #[serde(default)] severity: Severity },
    /// The table's row count lies in `[min, max]`.
    RowCount { min: Option<i64>, max: Option<i64>, #[serde(default)] severity: Severity },
    /// A query whose rows are failures.
    Sql { name: String, sql: String, #[serde(default)] severity: Severity },
}

impl TestSpec {
    /// Tables other than the model that the test reads (lineage and build order).
    pub fn reads(&self) -> BTreeSet<String> {
        match self {
            Self::Relationships { to, .. } => BTreeSet::from([to.to_lowercase()]),
            Self::Sql { sql, .. } => tables_read(sql).unwrap_or_default(),
            _ => BTreeSet::new(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    #[serde(default)]
    pub materialized: Materialization,
    /// The column an incremental model is rebuilt by (a `YYYY-MM` month or a `period_type`/`period` pair).
    pub period_column: Option<String>,
    /// Under a memory limit, compute an incremental model one period at a time, so that its aggregations hold one
    /// period's state instead of the whole history's. Each period reads only its own months of the sources (a
    /// month's, a quarter's three, a year's twelve), so the model must compute each period from those alone.
    #[serde(default)]
    pub batch_by_period: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Column name -> documentation (formula, unit, source).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub tests: Vec<TestSpec>,
}

/// One model file.
#[derive(Debug, Clone)]
pub struct Model {
    /// `marts.fund_monthly` for `sql/marts/fund_monthly.sql`.
    pub name: String,
    pub schema: String,
    pub table: String,
    pub path: PathBuf,
    pub header: Header,
    pub sql: String,
    /// The line of the file where the query starts, so errors can point into the file.
    pub sql_line: usize,
    /// Tables the query reads, qualified (`staging.contributions`, `marts.x`).
    pub reads: BTreeSet<String>,
    /// Tables its tests read besides the model itself.
    pub test_reads: BTreeSet<String>,
}

/// Every model under `sql_dir`, sorted by name.
pub fn discover(sql_dir: &Path) -> Result<Vec<Model>, ModelError> {
    let files = hrss_core::project::files_with_extension_recursive(sql_dir, "sql")
        .map_err(|source| ModelError::Io { path: sql_dir.to_path_buf(), source })?;
    let mut models = files.iter().map(|path| Model::from_file(path)).collect::<Result<Vec<_>, _>>()?;
    models.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(models)
}

impl Model {
    pub fn from_file(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io { path: path.into(), source })?;
        let fail = |message: String| ModelError::Definition { path: path.into(), message };
        let table = path.file_stem().and_then(|s| s.to_str()).ok_or_else(|| fail("file name is not UTF-8".into()))?;
        let schema = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|s| s.to_str())
            .ok_or_else(|| fail("a model lives in a folder named after its schema, e.g. sql/marts/".into()))?;
        let (header, sql, sql_line) = split_header(&text).map_err(fail)?;
        let reads = tables_read(sql).map_err(|e| fail(format!("line {sql_line}: {e}")))?;
        if header.materialized == Materialization::Incremental && header.period_column.is_none() {
            return Err(fail("an incremental model names the column it is rebuilt by: add `period_column = \"period\"` to the header".into()));
        }
        if header.batch_by_period && header.materialized != Materialization::Incremental {
            return Err(fail("`batch_by_period` applies to incremental models: add `materialized = \"incremental\"` or drop it".into()));
        }
        for test in &header.tests {
            if let TestSpec::Sql { name, sql, .. } = test {
                tables_read(sql).map_err(|e| fail(format!("test `{name}`: {e}")))?;
            }
        }
        let name = format!("{schema}.{table}");
        let test_reads = header.tests.iter().flat_map(TestSpec::reads).filter(|t| *t != name).collect();
        Ok(Self {
            name,
            schema: schema.to_string(),
            table: table.to_string(),
            path: path.to_path_buf(),
            header,
            sql: sql.to_string(),
            sql_line,
            reads,
            test_reads,
        })
    }
}

/// Splits a leading `/* ... */` TOML header from the query.
fn split_header(text: &str) -> Result<(Header, &str, usize), String> {
    let trimmed = text.trim_start();
    let Some(rest) = trimmed.strip_prefix("/*") else {
        return Ok((Header::default(), text, 1));
    };
    let end = rest.find("*/").ok_or("the header comment is not closed with */")?;
    let header: Header = toml::from_str(&rest[..end]).map_err(|e| format!("header comment: {e}"))?;
    let after_header = text.len() - rest.len() + end + 2;
    let sql = text[after_header..].trim();
    let sql_start = text.len() - text[after_header..].trim_start().len();
    let sql_line = text[..sql_start].matches('\n').count() + 1;
    Ok((header, sql, sql_line))
}

/// The candidate closest to `name` by edit distance, when it is close enough to be a likely typo.
pub fn nearest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(distance, c)| *distance <= (c.chars().count() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

/// Names defined by `WITH` clauses: they are not tables.
#[derive(Default)]
struct CteNames(BTreeSet<String>);

impl Visitor for CteNames {
    type Break = ();
    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            self.0.extend(with.cte_tables.iter().map(|cte| cte.alias.name.value.to_lowercase()));
        }
        ControlFlow::Continue(())
    }
}

/// The tables a query reads, parsed with DataFusion's own SQL parser (CTEs, subqueries, joins, unions).
pub fn tables_read(sql: &str) -> Result<BTreeSet<String>, String> {
    let statements = DFParser::parse_sql(sql).map_err(|e| e.to_string())?;
    let mut reads = BTreeSet::new();
    for statement in &statements {
        let DfStatement::Statement(statement) = statement else {
            return Err("a model is a single query (SELECT ... or WITH ... SELECT ...)".into());
        };
        let mut ctes = CteNames::default();
        let _ = statement.visit(&mut ctes);
        let mut relations = Relations::default();
        let _ = statement.visit(&mut relations);
        reads.extend(relations.tables.into_iter().filter(|name| !ctes.0.contains(name)));
        for source in relations.function_sources {
            if source.split_whitespace().count() == 1 {
                reads.insert(source.to_lowercase());
            } else {
                reads.extend(tables_read(&source).map_err(|e| format!("in the query given to forecast(): {e}"))?);
            }
        }
    }
    Ok(reads)
}

/// Table functions whose first argument is the table or query they read (`forecast('marts.x', ...)`).
const FUNCTIONS_OVER_A_SOURCE: [&str; 2] = ["forecast", "forecast_backtest"];

/// The tables a query reads, and the sources named inside calls of `FUNCTIONS_OVER_A_SOURCE`.
/// Other table functions (`generate_series(...)`) read no table.
#[derive(Default)]
struct Relations {
    tables: BTreeSet<String>,
    function_sources: Vec<String>,
}

impl Visitor for Relations {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, args, .. } = factor {
            let name = name.to_string().to_lowercase();
            match args {
                None => {
                    self.tables.insert(name);
                }
                Some(args) if FUNCTIONS_OVER_A_SOURCE.contains(&name.as_str()) => {
                    if let Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(value)))) = args.args.first()
                        && let Value::SingleQuotedString(source) = &value.value
                    {
                        self.function_sources.push(source.trim().to_string());
                    }
                }
                Some(_) => {}
            }
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_skip_ctes_and_see_through_subqueries_and_unions() {
        let sql = "WITH recent AS (SELECT * FROM staging.contributions WHERE period > '2025-06') \
                   SELECT r.period FROM recent r JOIN ref.districts d ON d.code = r.district_code \
                   WHERE r.person_id IN (SELECT person_id FROM marts.x) \
                   UNION ALL SELECT period FROM marts.fund_monthly";
        let reads: Vec<_> = tables_read(sql).expect("parses").into_iter().collect();
        assert_eq!(reads, ["marts.fund_monthly", "marts.x", "ref.districts", "staging.contributions"]);
    }

    #[test]
    fn dependencies_see_into_forecast_sources_and_skip_other_table_functions() {
        let sql = "SELECT * FROM forecast('marts.fund_monthly', 'fund', 'period', 'revenue_total', 5) \
                   UNION ALL SELECT * FROM forecast('SELECT ''x'' AS s, period, v FROM staging.urban_employment JOIN ref.districts ON true', 's', 'period', 'v', 5) \
                   UNION ALL SELECT * FROM generate_series(1, 3)";
        let reads: Vec<_> = tables_read(sql).expect("parses").into_iter().collect();
        assert_eq!(reads, ["marts.fund_monthly", "ref.districts", "staging.urban_employment"]);
    }

    #[test]
    fn header_is_toml_in_the_leading_comment() {
        let text = "/*\ndescription = \"d\"\n[[tests]]\nkind = \"not_null\"\ncolumns = [\"a\"]\n*/\nSELECT 1 AS a";
        let (header, sql, line) = split_header(text).expect("valid header");
        assert_eq!((header.description.as_str(), header.tests.len(), sql, line), ("d", 1, "SELECT 1 AS a", 7));
    }

    #[test]
    fn nearest_name_catches_typos_not_strangers() {
        let tables = ["staging.contributions", "staging.fund_ledger", "marts.fund_monthly"];
        assert_eq!(nearest("staging.contribution", tables), Some("staging.contributions"));
        assert_eq!(nearest("marts.fund_montly", tables), Some("marts.fund_monthly"));
        assert_eq!(nearest("staging.job_postings", tables), None);
    }
}
