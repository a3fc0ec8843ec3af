//! One load: hash the file, skip it if already loaded, stream its valid rows into the staging table in one
//! commit (replacing the periods it covers), quarantine the rest, and account for every row in the ledger.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::streaming::StreamingTable;
use datafusion::error::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use hrss_core::ledger::{self, EntryKind, LedgerEntry};
use hrss_core::warehouse::{TableOptions, WriteMode};
use hrss_core::{Layer, Pseudonymizer, Warehouse};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use crate::convert::{Converter, Rejection, RowOutcome};
use crate::error::{IngestError, Result};
use crate::source::{for_each_row, RawRow};
use crate::spec::PipelineSpec;

/// Rows per Arrow batch handed to the Delta writer.
const BATCH_ROWS: usize = 8192;
/// Batches in flight between the reader thread and the writer: this bounds memory, whatever the file size.
const BATCHES_IN_FLIGHT: usize = 2;

/// What a load did.
#[derive(Debug, Clone)]
pub struct LoadReport {
    pub load_id: String,
    pub pipeline: String,
    pub file: PathBuf,
    pub sha256: String,
    pub rows_in: u64,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    /// Set when the same content was loaded before and this load changed nothing.
    pub skipped_as_duplicate_of: Option<String>,
    /// The periods (or other `replace_by` values) this load replaced.
    pub replaced: Vec<String>,
}

/// Loads one file through one pipeline.
pub async fn ingest_file(
    warehouse: &Warehouse,
    spec: &PipelineSpec,
    path: &Path,
    pseudonymizer: &Pseudonymizer,
) -> Result<LoadReport> {
    let mut entry = LedgerEntry::new(EntryKind::Load, &spec.name);
    entry.input_file = Some(path.display().to_string());
    let sha256 = blocking({
        let path = path.to_path_buf();
        move || sha256_of(&path)
    })
    .await?;
    entry.input_sha256 = Some(sha256.clone());
    let mut report = LoadReport {
        load_id: entry.id.clone(),
        pipeline: spec.name.clone(),
        file: path.to_path_buf(),
        sha256: sha256.clone(),
        rows_in: 0,
        rows_loaded: 0,
        rows_quarantined: 0,
        skipped_as_duplicate_of: None,
        replaced: Vec::new(),
    };

    if let Some(previous) = ledger::successful_load_of(warehouse, &spec.name, &sha256).await? {
        entry.outcome = "skipped".into();
        entry.detail = format!("identical content was loaded by {previous}; nothing changed");
        entry.finished = chrono::Utc::now();
        ledger::record(warehouse, &[entry]).await?;
        report.skipped_as_duplicate_of = Some(previous);
        return Ok(report);
    }

    let outcome = load(warehouse, spec, path, pseudonymizer, &entry.id, &mut report).await;
    match &outcome {
        Ok(version) => {
            entry.outcome = "success".into();
            entry.table_version = *version;
            if let Some(column) = &spec.target.replace_by {
                entry.detail = format!("replaced {column} = {}", report.replaced.join(","));
            }
        }
        Err(e) => {
            entry.outcome = "failed".into();
            entry.detail = e.to_string();
        }
    }
    entry.rows_in = report.rows_in as i64;
    entry.rows_loaded = report.rows_loaded as i64;
    entry.rows_quarantined = report.rows_quarantined as i64;
    entry.finished = chrono::Utc::now();
    ledger::record(warehouse, &[entry]).await?;
    outcome.map(|_| report)
}

async fn load(
    warehouse: &Warehouse,
    spec: &PipelineSpec,
    path: &Path,
    pseudonymizer: &Pseudonymizer,
    load_id: &str,
    report: &mut LoadReport,
) -> Result<Option<i64>> {
    let mode = match &spec.target.replace_by {
        Some(column) => {
            let values = blocking({
                let (spec, path, pseudonymizer) = (spec.clone(), path.to_path_buf(), pseudonymizer.clone());
                let column = column.clone();
                move || values_of(&spec, &path, &pseudonymizer, &column)
            })
            .await?;
            report.replaced = values.iter().cloned().collect();
            if values.is_empty() {
                WriteMode::Append
            } else {
                let list = values.iter().map(|v| format!("'{}'", v.replace('\'', "''"))).collect::<Vec<_>>().join(", ");
                WriteMode::ReplaceWhere(format!("{column} IN ({list})"))
            }
        }
        None => WriteMode::Append,
    };

    let converter = Converter::new(spec, pseudonymizer.clone(), load_id);
    let schema = converter.schema();
    let (sender, receiver) = mpsc::channel(BATCHES_IN_FLIGHT);
    let reader = tokio::task::spawn_blocking({
        let (spec, path) = (spec.clone(), path.to_path_buf());
        move || stream_rows(&spec, &path, converter, &sender)
    });

    let ctx = Warehouse::context();
    // One stream from reader to writer: with more, DataFusion inserts repartitions whose queues grow
    // when the reader outpaces the Parquet encoder, and memory would grow with the file.
    ctx.state_ref().write().config_mut().options_mut().execution.target_partitions = 1;
    let source = StreamingTable::try_new(Arc::clone(&schema), vec![Arc::new(ChannelPartition::new(schema, receiver))])?;
    let plan = ctx.read_table(Arc::new(source))?.into_unoptimized_plan();
    let written = warehouse
        .write(&ctx, Layer::Staging, &spec.table, plan, mode, TableOptions { partition_by: &spec.target.partition_by, description: &spec.description })
        .await;
    let counts = reader.await.map_err(|e| IngestError::Malformed {
        path: path.into(),
        row: 0,
        message: format!("the reader stopped unexpectedly: {e}"),
    })?;
    // A reader error explains a failed write better than the write's own error.
    let counts = counts?;
    let table = written?;
    report.rows_in = counts.rows_in;
    report.rows_loaded = counts.rows_in - counts.rejections.len() as u64;
    report.rows_quarantined = counts.rejections.len() as u64;
    write_quarantine(warehouse, spec, path, load_id, &counts.rejections).await?;
    Ok(table.version().map(|v| v as i64))
}

struct Counts {
    rows_in: u64,
    rejections: Vec<Rejection>,
}

/// Reads the file on a blocking thread and sends full batches to the writer.
fn stream_rows(
    spec: &PipelineSpec,
    path: &Path,
    mut converter: Converter,
    sender: &mpsc::Sender<Result<RecordBatch, DataFusionError>>,
) -> Result<Counts> {
    let mut counts = Counts { rows_in: 0, rejections: Vec::new() };
    let mut scanned = 0usize;
    let mut first_rows: Vec<RawRow> = Vec::new();
    let send = |batch: RecordBatch| -> Result<()> {
        sender.blocking_send(Ok(batch)).map_err(|_| IngestError::Malformed {
            path: path.into(),
            row: 0,
            message: "the warehouse writer stopped before the file was read; see the error above".into(),
        })
    };
    let mut on_row = |row: RawRow| -> Result<()> {
        if !converter.header_found() {
            scanned += 1;
            if !converter.try_header(&row) {
                if scanned >= spec.source.header_search_rows {
                    return Err(header_not_found(spec, path, &converter, &first_rows, scanned));
                }
                first_rows.push(row);
            }
            return Ok(());
        }
        match converter.push_row(&row) {
            RowOutcome::Loaded => counts.rows_in += 1,
            RowOutcome::Quarantined(rejection) => {
                counts.rows_in += 1;
                counts.rejections.push(rejection);
            }
            RowOutcome::NotData => {}
        }
        if converter.rows_buffered() >= BATCH_ROWS {
            send(converter.finish_batch()?)?;
        }
        Ok(())
    };
    let result = for_each_row(path, &spec.source, &mut on_row);
    if let Err(e) = result {
        let _ = sender.blocking_send(Err(DataFusionError::Execution(e.to_string())));
        return Err(e);
    }
    if !converter.header_found() {
        let e = header_not_found(spec, path, &converter, &first_rows, scanned);
        let _ = sender.blocking_send(Err(DataFusionError::Execution(e.to_string())));
        return Err(e);
    }
    if converter.rows_buffered() > 0 {
        send(converter.finish_batch()?)?;
    }
    Ok(counts)
}

fn header_not_found(spec: &PipelineSpec, path: &Path, converter: &Converter, rows: &[RawRow], scanned: usize) -> IngestError {
    let missing = rows
        .iter()
        .map(|r| converter.missing_in(r))
        .min_by_key(Vec::len)
        .unwrap_or_else(|| spec.kept_columns().filter(|c| c.required).map(|c| c.source.clone()).collect());
    IngestError::HeaderNotFound { path: path.into(), pipeline: spec.name.clone(), scanned, missing }
}

/// The distinct canonical values of `column` in the file's valid rows (a light first pass).
fn values_of(spec: &PipelineSpec, path: &Path, pseudonymizer: &Pseudonymizer, column: &str) -> Result<BTreeSet<String>> {
    let mut converter = Converter::new(spec, pseudonymizer.clone(), "");
    let mut values = BTreeSet::new();
    let mut scanned = 0;
    for_each_row(path, &spec.source, &mut |row| {
        if converter.header_found() {
            values.extend(converter.key_value(&row, column));
        } else if scanned < spec.source.header_search_rows {
            scanned += 1;
            converter.try_header(&row);
        }
        Ok(())
    })?;
    Ok(values)
}

fn quarantine_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("load_id", DataType::Utf8, false),
        Field::new("pipeline", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("row", DataType::Int64, false),
        Field::new("column", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
    ]))
}

async fn write_quarantine(
    warehouse: &Warehouse,
    spec: &PipelineSpec,
    path: &Path,
    load_id: &str,
    rejections: &[Rejection],
) -> Result<()> {
    if rejections.is_empty() {
        return Ok(());
    }
    let n = rejections.len();
    let repeat = |s: &str| Arc::new(StringArray::from(vec![s; n])) as _;
    let batch = RecordBatch::try_new(
        quarantine_schema(),
        vec![
            repeat(load_id),
            repeat(&spec.name),
            repeat(&path.display().to_string()),
            Arc::new(rejections.iter().map(|r| r.row as i64).collect::<Int64Array>()),
            Arc::new(StringArray::from_iter_values(rejections.iter().map(|r| r.column.as_str()))),
            Arc::new(StringArray::from_iter_values(rejections.iter().map(|r| r.value.as_str()))),
            Arc::new(StringArray::from_iter_values(rejections.iter().map(|r| r.reason.as_str()))),
        ],
    )?;
    let ctx = Warehouse::context();
    let plan = ctx.read_batch(batch)?.into_unoptimized_plan();
    warehouse
        .write(&ctx, Layer::Quarantine, &spec.table, plan, WriteMode::Append, TableOptions::described("rows rejected by ingestion, with reasons"))
        .await?;
    Ok(())
}

fn sha256_of(path: &Path) -> Result<String> {
    let io = |source| IngestError::Io { path: path.into(), source };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            return Ok(hex::encode(hasher.finalize()));
        }
        hasher.update(&buffer[..n]);
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| IngestError::Malformed {
        path: PathBuf::new(),
        row: 0,
        message: format!("a background task failed: {e}"),
    })?
}

/// A one-shot partition fed by the reader thread through a bounded channel.
#[derive(Debug)]
struct ChannelPartition {
    schema: SchemaRef,
    receiver: Mutex<Option<mpsc::Receiver<Result<RecordBatch, DataFusionError>>>>,
}

impl ChannelPartition {
    fn new(schema: SchemaRef, receiver: mpsc::Receiver<Result<RecordBatch, DataFusionError>>) -> Self {
        Self { schema, receiver: Mutex::new(Some(receiver)) }
    }
}

impl PartitionStream for ChannelPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let receiver = self.receiver.lock().map(|mut r| r.take()).unwrap_or(None);
        let stream = futures::stream::unfold(receiver, |receiver| async move {
            let mut receiver = receiver?;
            receiver.recv().await.map(|item| (item, Some(receiver)))
        });
        Box::pin(RecordBatchStreamAdapter::new(Arc::clone(&self.schema), stream))
    }
}
