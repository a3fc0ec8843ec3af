//! The ledger: one row per load, build and test run, so every number in the warehouse can be accounted for.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::warehouse::{Layer, TableOptions, Warehouse, WriteMode};

/// What a ledger row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Load,
    Build,
    Test,
}

impl EntryKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Load => "load",
            Self::Build => "build",
            Self::Test => "test",
        }
    }
}

/// One load, build or test run.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    pub id: String,
    pub kind: EntryKind,
    /// The pipeline, model or test.
    pub what: String,
    pub input_file: Option<String>,
    pub input_sha256: Option<String>,
    pub rows_in: i64,
    pub rows_loaded: i64,
    pub rows_quarantined: i64,
    /// Rows failing a data test (test entries only).
    pub test_failures: Option<i64>,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
    /// `success`, `skipped`, `failed`, `warn`, ...
    pub outcome: String,
    pub detail: String,
    /// The version of the written table after the commit, if any.
    pub table_version: Option<i64>,
}

impl LedgerEntry {
    pub fn new(kind: EntryKind, what: impl Into<String>) -> Self {
        let now = Utc::now();
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            kind,
            what: what.into(),
            input_file: None,
            input_sha256: None,
            rows_in: 0,
            rows_loaded: 0,
            rows_quarantined: 0,
            test_failures: None,
            started: now,
            finished: now,
            outcome: String::new(),
            detail: String::new(),
            table_version: None,
        }
    }
}

fn ledger_schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("what", DataType::Utf8, false),
        Field::new("input_file", DataType::Utf8, true),
        Field::new("input_sha256", DataType::Utf8, true),
        Field::new("rows_in", DataType::Int64, false),
        Field::new("rows_loaded", DataType::Int64, false),
        Field::new("rows_quarantined", DataType::Int64, false),
        Field::new("test_failures", DataType::Int64, true),
        Field::new("started", ts.clone(), false),
        Field::new("finished", ts, false),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("detail", DataType::Utf8, false),
        Field::new("table_version", DataType::Int64, true),
    ]))
}

fn to_batch(entries: &[LedgerEntry]) -> Result<RecordBatch> {
    let strings = |f: fn(&LedgerEntry) -> Option<&str>| -> ArrayRef {
        Arc::new(entries.iter().map(f).collect::<StringArray>())
    };
    let ints = |f: fn(&LedgerEntry) -> Option<i64>| -> ArrayRef { Arc::new(entries.iter().map(f).collect::<Int64Array>()) };
    let times = |f: fn(&LedgerEntry) -> DateTime<Utc>| -> ArrayRef {
        Arc::new(
            entries
                .iter()
                .map(|e| Some(f(e).timestamp_micros()))
                .collect::<TimestampMicrosecondArray>()
                .with_timezone("UTC"),
        )
    };
    Ok(RecordBatch::try_new(
        ledger_schema(),
        vec![
            strings(|e| Some(&e.id)),
            strings(|e| Some(e.kind.as_str())),
            strings(|e| Some(&e.what)),
            strings(|e| e.input_file.as_deref()),
            strings(|e| e.input_sha256.as_deref()),
            ints(|e| Some(e.rows_in)),
            ints(|e| Some(e.rows_loaded)),
            ints(|e| Some(e.rows_quarantined)),
            ints(|e| e.test_failures),
            times(|e| e.started),
            times(|e| e.finished),
            strings(|e| Some(&e.outcome)),
            strings(|e| Some(&e.detail)),
            ints(|e| e.table_version),
        ],
    )?)
}

/// Appends entries to the ledger in one commit.
pub async fn record(warehouse: &Warehouse, entries: &[LedgerEntry]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let ctx = Warehouse::context();
    let plan = ctx.read_batch(to_batch(entries)?)?.into_unoptimized_plan();
    warehouse.write(&ctx, Layer::Ledger, "_ledger", plan, WriteMode::Append, TableOptions::described("hrss load and build ledger")).await?;
    Ok(())
}

/// The id of an earlier successful load of the same file content by the same pipeline, if any.
pub async fn successful_load_of(warehouse: &Warehouse, pipeline: &str, sha256: &str) -> Result<Option<String>> {
    let ctx = Warehouse::context();
    if !warehouse.register(&ctx, Layer::Ledger, "_ledger").await? {
        return Ok(None);
    }
    let df = ctx
        .table("_ledger")
        .await?
        .filter(
            datafusion::prelude::col("kind")
                .eq(datafusion::prelude::lit("load"))
                .and(datafusion::prelude::col("what").eq(datafusion::prelude::lit(pipeline)))
                .and(datafusion::prelude::col("input_sha256").eq(datafusion::prelude::lit(sha256)))
                .and(datafusion::prelude::col("outcome").eq(datafusion::prelude::lit("success"))),
        )?
        .select_columns(&["id"])?
        .limit(0, Some(1))?;
    let batches = df.collect().await?;
    let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else { return Ok(None) };
    // Delta scans may return Utf8View; normalise before reading the value.
    let ids = arrow::compute::cast(batch.column(0), &DataType::Utf8)?;
    Ok(ids.as_any().downcast_ref::<StringArray>().map(|a| a.value(0).to_string()))
}
