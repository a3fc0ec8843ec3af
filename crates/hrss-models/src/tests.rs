//! Data tests: each compiles to a query counting the rows that break it.

use arrow::array::{Array, Int64Array};
use datafusion::prelude::SessionContext;

use crate::model::{Model, Severity, TestSpec};

/// The result of one data test.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    /// e.g. `unique(fund, period)`.
    pub name: String,
    pub severity: Severity,
    pub failures: i64,
    /// What failed, in words (`0 rows; expected at least 1`), or why the test query could not run.
    pub detail: Option<String>,
    /// Set when the test query itself could not run (a typo in a column name).
    pub error: Option<String>,
}

impl TestOutcome {
    pub fn passed(&self) -> bool {
        self.failures == 0 && self.error.is_none()
    }

    /// A failure that stops the model's dependants.
    pub fn blocks(&self) -> bool {
        !self.passed() && self.severity == Severity::Error
    }
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A test compiled to SQL.
#[derive(Debug, Clone)]
pub struct CompiledTest {
    pub name: String,
    pub severity: Severity,
    /// Returns one row with one BIGINT: the failing rows (or, for a row-count test, the row count).
    pub sql: String,
    /// For a row-count test: the accepted range.
    pub row_range: Option<(Option<i64>, Option<i64>)>,
}

/// The failure-counting query of a test on `model`.
pub fn compile(model: &Model, test: &TestSpec) -> CompiledTest {
    let table = &model.name;
    let count_where = |condition: String| format!("SELECT count(*) FROM {table} WHERE {condition}");
    let (name, severity, sql, row_range) = match test {
        TestSpec::NotNull { columns, severity } => {
            let any_null = columns.iter().map(|c| format!("{} IS NULL", quote(c))).collect::<Vec<_>>().join(" OR ");
            (format!("not_null({})", columns.join(", ")), severity, count_where(any_null), None)
        }
        TestSpec::Unique { columns, severity } => {
            let list = columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT count(*) FROM (SELECT {list} FROM {table} GROUP BY {list} HAVING count(*) > 1)");
            (format!("unique({})", columns.join(", ")), severity, sql, None)
        }
        TestSpec::AcceptedValues { column, values, severity } => {
            let list = values.iter().map(|v| literal(v)).collect::<Vec<_>>().join(", ");
            (format!("accepted_values({column})"), severity, count_where(format!("{} NOT IN ({list})", quote(column))), None)
        }
        TestSpec::Relationships { column, to, field, severity } => {
            let sql = format!(
                "SELECT count(*) FROM {table} AS child WHERE child.{c} IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM {to} AS parent WHERE parent.{f} = child.{c})",
                c = quote(column),
                f = quote(field)
            );
            (format!("relationships({column} -> {to}.{field})"), severity, sql, None)
        }
        TestSpec::Expression { expect, severity } => {
            (format!("expression({expect})"), severity, count_where(format!("({expect}) IS NOT TRUE")), None)
        }
        TestSpec::RowCount { min, max, severity } => {
            let range = match (min, max) {
                (Some(lo), Some(hi)) => format!("{lo}..={hi}"),
                (Some(lo), None) => format!(">={lo}"),
                (None, Some(hi)) => format!("<={hi}"),
                (None, None) => "any".into(),
            };
            (format!("row_count({range})"), severity, format!("SELECT count(*) FROM {table}"), Some((*min, *max)))
        }
        TestSpec::Sql { name, sql, severity } => (name.clone(), severity, format!("SELECT count(*) FROM ({sql})"), None),
    };
    CompiledTest { name, severity: *severity, sql, row_range }
}

/// Runs every test of `model` against its current table in `ctx`.
pub async fn run(ctx: &SessionContext, model: &Model) -> Vec<TestOutcome> {
    let mut outcomes = Vec::new();
    for test in &model.header.tests {
        let compiled = compile(model, test);
        let mut outcome =
            TestOutcome { name: compiled.name, severity: compiled.severity, failures: 0, detail: None, error: None };
        match (count(ctx, &compiled.sql).await, compiled.row_range) {
            (Err(e), _) => outcome.error = Some(format!("the test query failed: {e}")),
            (Ok(rows), Some((min, max))) => {
                if min.is_some_and(|lo| rows < lo) || max.is_some_and(|hi| rows > hi) {
                    outcome.failures = 1;
                    outcome.detail = Some(format!("{rows} rows, outside {}", outcome.name));
                }
            }
            (Ok(failures), None) => {
                outcome.failures = failures;
                if failures > 0 {
                    outcome.detail = Some(format!("{failures} failing rows"));
                }
            }
        }
        outcomes.push(outcome);
    }
    outcomes
}

async fn count(ctx: &SessionContext, sql: &str) -> datafusion::error::Result<i64> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let column = batches.first().map(|b| b.column(0).clone());
    Ok(column
        .and_then(|c| c.as_any().downcast_ref::<Int64Array>().filter(|a| !a.is_empty()).map(|a| a.value(0)))
        .unwrap_or(0))
}
