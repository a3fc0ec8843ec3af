//! A model is one `.sql` file: a header comment in TOML (materialization, docs, tests) above a plain query.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use datafusion::sql::sqlparser::ast::{visit_relations, Query, Visit, Visitor};
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

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum Materialization {
    #[default]
    Table,
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
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    #[serde(default)]
    pub materialized: Materialization,
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
}

/// Every model under `sql_dir`, sorted by name.
pub fn discover(sql_dir: &Path) -> Result<Vec<Model>, ModelError> {
    let mut models = Vec::new();
    let mut folders = vec![sql_dir.to_path_buf()];
    while let Some(dir) = folders.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| ModelError::Io { path: dir.clone(), source })?;
        for entry in entries {
            let path = entry.map_err(|source| ModelError::Io { path: dir.clone(), source })?.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "sql") {
                models.push(Model::from_file(&path)?);
            }
        }
    }
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
        Ok(Self {
            name: format!("{schema}.{table}"),
            schema: schema.to_string(),
            table: table.to_string(),
            path: path.to_path_buf(),
            header,
            sql: sql.to_string(),
            sql_line,
            reads,
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
    let sql_start = text.len() - rest.len() + end + 2;
    let sql_line = text[..sql_start].lines().count();
    Ok((header, text[sql_start..].trim(), sql_line))
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
        let _ = visit_relations(statement.as_ref(), |relation| {
            let name = relation.to_string().to_lowercase();
            if !ctes.0.contains(&name) {
                reads.insert(name);
            }
            ControlFlow::<()>::Continue(())
        });
    }
    Ok(reads)
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
    fn header_is_toml_in_the_leading_comment() {
        let text = "/*\ndescription = \"d\"\n[[tests]]\nkind = \"not_null\"\ncolumns = [\"a\"]\n*/\nSELECT 1 AS a";
        let (header, sql, line) = split_header(text).expect("valid header");
        assert_eq!((header.description.as_str(), header.tests.len(), sql, line), ("d", 1, "SELECT 1 AS a", 6));
    }
}
