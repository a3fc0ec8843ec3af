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

/// The name and the failure-counting query of a test on `model`.
pub fn compile(model: &Model, test: &TestSpec) -> (String, Severity, String) {
    let table = &model.name;
    match test {
        TestSpec::NotNull { columns, severity } => {
            let any_null = columns.iter().map(|c| format!("{} IS NULL", quote(c))).collect::<Vec<_>>().join(" OR ");
            (format!("not_null({})", columns.join(", ")), *severity, format!("SELECT count(*) FROM {table} WHERE {any_null}"))
        }
        TestSpec::Unique { columns, severity } => {
            let list = columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
            (
                format!("unique({})", columns.join(", ")),
                *severity,
                format!("SELECT count(*) FROM (SELECT {list} FROM {table} GROUP BY {list} HAVING count(*) > 1)"),
            )
        }
        TestSpec::AcceptedValues { column, values, severity } => {
            let list = values.iter().map(|v| literal(v)).collect::<Vec<_>>().join(", ");
            (
                format!("accepted_values({column})"),
                *severity,
                format!("SELECT count(*) FROM {table} WHERE {} NOT IN ({list})", quote(column)),
            )
        }
    }
}

/// Runs every test of `model` against its current table in `ctx`.
pub async fn run(ctx: &SessionContext, model: &Model) -> Vec<TestOutcome> {
    let mut outcomes = Vec::new();
    for test in &model.header.tests {
        let (name, severity, sql) = compile(model, test);
        let (failures, error) = match count(ctx, &sql).await {
            Ok(n) => (n, None),
            Err(e) => (0, Some(e.to_string())),
        };
        outcomes.push(TestOutcome { name, severity, failures, error });
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
