//! SQL unit tests: a sqllogictest (`.slt`) file beside a model, run in a fresh in-memory session holding only the
//! reference code lists and the fixtures the file creates. `BUILD MODEL marts.x` runs the model's query over them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float32Type, Float64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::catalog::MemorySchemaProvider;
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use datafusion::common::{exec_datafusion_err, plan_datafusion_err};
use hrss_core::Warehouse;
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType, Runner};

use crate::model::{nearest, Model};

/// The result of one `.slt` file.
#[derive(Debug, Clone)]
pub struct UnitOutcome {
    pub file: PathBuf,
    /// The first mismatch or error, as sqllogictest reports it with the file and line.
    pub error: Option<String>,
}

/// The `.slt` files beside the selected models (every model when `selected` is `None`), with a failure for any
/// `.slt` file under `sql/` whose model does not exist.
pub async fn run(sql_dir: &std::path::Path, models: &[Model], selected: Option<&BTreeSet<String>>) -> Vec<UnitOutcome> {
    let by_name: Arc<BTreeMap<String, Model>> = Arc::new(models.iter().map(|m| (m.name.clone(), m.clone())).collect());
    let mut files: Vec<PathBuf> = models
        .iter()
        .filter(|m| selected.is_none_or(|s| s.contains(&m.name)))
        .map(|m| m.path.with_extension("slt"))
        .filter(|p| p.is_file())
        .collect();
    let mut outcomes = Vec::new();
    if selected.is_none() {
        for orphan in hrss_core::project::files_with_extension_recursive(sql_dir, "slt").unwrap_or_default() {
            if !models.iter().any(|m| m.path.with_extension("slt") == orphan) {
                let error = format!("{}: no model `{}` beside this file; rename it after its model", orphan.display(), orphan.with_extension("sql").display());
                outcomes.push(UnitOutcome { file: orphan, error: Some(error) });
            }
        }
    }
    files.sort();
    for file in files {
        let models = Arc::clone(&by_name);
        let mut runner = Runner::new(move || {
            let models = Arc::clone(&models);
            async move { UnitSession::new(models) }
        });
        let error = runner.run_file_async(&file).await.err().map(|e| e.display(false).to_string());
        outcomes.push(UnitOutcome { file, error });
    }
    outcomes
}

/// One file's session.
struct UnitSession {
    ctx: SessionContext,
    models: Arc<BTreeMap<String, Model>>,
}

impl UnitSession {
    fn new(models: Arc<BTreeMap<String, Model>>) -> Result<Self, DataFusionError> {
        let ctx = Warehouse::context();
        let catalog = ctx.catalog("datafusion").ok_or_else(|| exec_datafusion_err!("no default catalog"))?;
        for schema in ["staging", "marts", "forecasts"] {
            catalog.register_schema(schema, Arc::new(MemorySchemaProvider::new()))?;
        }
        let reference = hrss_core::codes::reference_schema().map_err(|e| exec_datafusion_err!("{e}"))?;
        catalog.register_schema("ref", Arc::new(reference))?;
        Ok(Self { ctx, models })
    }

    /// Runs a model's query over the fixtures and keeps the result as its table.
    async fn build_model(&self, name: &str) -> Result<u64, DataFusionError> {
        let Some(model) = self.models.get(name) else {
            let hint = nearest(name, self.models.keys().map(String::as_str)).map(|n| format!("; did you mean `{n}`?")).unwrap_or_default();
            return Err(plan_datafusion_err!("BUILD MODEL: no model `{name}`{hint}"));
        };
        let df = self.ctx.sql(&model.sql).await.map_err(|e| e.context(format!("building {} from {}", model.name, model.path.display())))?;
        // The executed plan's schema, not the logical one: they may differ in nullability, which MemTable checks.
        let plan = df.create_physical_plan().await?;
        let schema = plan.schema();
        let batches = datafusion::physical_plan::collect(plan, self.ctx.task_ctx()).await?;
        let rows = batches.iter().map(RecordBatch::num_rows).sum::<usize>() as u64;
        let catalog = self.ctx.catalog("datafusion").ok_or_else(|| exec_datafusion_err!("no default catalog"))?;
        let target = catalog.schema(&model.schema).ok_or_else(|| plan_datafusion_err!("no schema `{}`", model.schema))?;
        target.deregister_table(&model.table)?;
        target.register_table(model.table.clone(), Arc::new(MemTable::try_new(schema, vec![batches])?))?;
        Ok(rows)
    }
}

#[async_trait::async_trait]
impl AsyncDB for UnitSession {
    type Error = DataFusionError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, DataFusionError> {
        let words: Vec<&str> = sql.split_whitespace().collect();
        if let [build, model, name] = words.as_slice()
            && build.eq_ignore_ascii_case("build")
            && model.eq_ignore_ascii_case("model")
        {
            return Ok(DBOutput::StatementComplete(self.build_model(&name.to_lowercase()).await?));
        }
        let df = self.ctx.sql(sql).await?;
        let schema = Arc::clone(df.schema().inner());
        let batches = df.collect().await?;
        if schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = schema.fields().iter().map(|f| column_type(f.data_type())).collect();
        let mut rows = Vec::new();
        for batch in &batches {
            let columns: Vec<Vec<String>> = batch.columns().iter().map(format_column).collect::<Result<_, _>>()?;
            rows.extend((0..batch.num_rows()).map(|row| columns.iter().map(|c| c[row].clone()).collect()));
        }
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "hrss"
    }
}

fn column_type(data_type: &DataType) -> DefaultColumnType {
    if data_type.is_integer() {
        DefaultColumnType::Integer
    } else if data_type.is_floating() || matches!(data_type, DataType::Decimal128(..) | DataType::Decimal256(..)) {
        DefaultColumnType::FloatingPoint
    } else {
        DefaultColumnType::Text
    }
}

/// Cells as the files expect them: `NULL`, `(empty)` for an empty string, floats rounded to 6 decimals with
/// trailing zeros trimmed, everything else as Arrow displays it.
fn format_column(column: &ArrayRef) -> Result<Vec<String>, DataFusionError> {
    let float = |v: f64| {
        let text = format!("{v:.6}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" { "0".to_string() } else { text.to_string() }
    };
    let len = column.len();
    let cells = match column.data_type() {
        DataType::Float64 => {
            let values = column.as_primitive::<Float64Type>();
            (0..len).map(|i| if values.is_null(i) { "NULL".into() } else { float(values.value(i)) }).collect()
        }
        DataType::Float32 => {
            let values = column.as_primitive::<Float32Type>();
            (0..len).map(|i| if values.is_null(i) { "NULL".into() } else { float(f64::from(values.value(i))) }).collect()
        }
        _ => {
            let options = FormatOptions::default().with_null("NULL");
            let formatter = ArrayFormatter::try_new(column.as_ref(), &options)?;
            (0..len)
                .map(|i| {
                    let text = formatter.value(i).to_string();
                    if text.is_empty() { "(empty)".to_string() } else { text }
                })
                .collect()
        }
    };
    Ok(cells)
}
