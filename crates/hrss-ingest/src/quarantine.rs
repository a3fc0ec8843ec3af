//! The rejected rows of one read of a file, in bounded memory: gathered in Arrow builders, written a batch
//! at a time to a temporary Arrow IPC file, and read back as a stream when the quarantine table is written.
//! A file of millions of bad rows (a wrong export loaded with `--max-quarantine-share 1`) must not exhaust
//! memory: every row still has to be quarantined with its reason.

use std::collections::BTreeMap;
use std::fs::File;
use std::sync::{Arc, Mutex};

use arrow::array::{ArrayRef, Int64Builder, RecordBatch, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;
use datafusion::error::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;

use crate::convert::Rejection;
use crate::error::temp_file_error;

/// The quarantine table's columns: the load, then one rejected row.
pub fn quarantine_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("load_id", DataType::Utf8, false),
        Field::new("pipeline", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("sheet", DataType::Utf8, true),
        Field::new("row", DataType::Int64, false),
        Field::new("column", DataType::Utf8, false),
        Field::new("value", DataType::Utf8, false),
        Field::new("reason_code", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, false),
    ]))
}

/// The columns of a rejected row as spilled: the quarantine's less the load's three.
fn row_schema() -> SchemaRef {
    Arc::new(Schema::new(quarantine_schema().fields()[3..].to_vec()))
}

/// Every rejected row of one read, in the order of the file.
pub struct RejectedRows {
    sheet: StringBuilder,
    row: Int64Builder,
    column: StringBuilder,
    value: StringBuilder,
    code: StringBuilder,
    reason: StringBuilder,
    buffered: usize,
    spill: Option<FileWriter<File>>,
    total: u64,
    by_code: BTreeMap<&'static str, u64>,
    /// The first rejections, as they were: what `hrss ingest --check` shows.
    first: Vec<Rejection>,
}

impl std::fmt::Debug for RejectedRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RejectedRows").field("total", &self.total).field("spilled", &self.spill.is_some()).finish_non_exhaustive()
    }
}

impl Default for RejectedRows {
    fn default() -> Self {
        Self {
            sheet: StringBuilder::new(),
            row: Int64Builder::new(),
            column: StringBuilder::new(),
            value: StringBuilder::new(),
            code: StringBuilder::new(),
            reason: StringBuilder::new(),
            buffered: 0,
            spill: None,
            total: 0,
            by_code: BTreeMap::new(),
            first: Vec::new(),
        }
    }
}

impl RejectedRows {
    /// Rejections gathered in memory before they go to the temporary file.
    pub const BATCH: usize = 16_384;
    /// Rejections kept as they were, for a report.
    pub const FIRST: usize = 1_000;

    /// Adds the next rejected row (rows come in file order).
    pub fn push(&mut self, rejection: Rejection) -> Result<(), ArrowError> {
        self.sheet.append_option(rejection.sheet.as_deref());
        self.row.append_value(i64::try_from(rejection.row).unwrap_or(i64::MAX));
        self.column.append_value(&rejection.column);
        self.value.append_value(&rejection.value);
        self.code.append_value(rejection.code);
        self.reason.append_value(&rejection.reason);
        self.buffered += 1;
        self.total += 1;
        *self.by_code.entry(rejection.code).or_default() += 1;
        if self.first.len() < Self::FIRST {
            self.first.push(rejection);
        }
        if self.buffered >= Self::BATCH {
            self.spill_buffered()?;
        }
        Ok(())
    }

    /// How many rows were rejected.
    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Rejections by reason code.
    pub fn by_code(&self) -> &BTreeMap<&'static str, u64> {
        &self.by_code
    }

    /// The first `FIRST` rejections.
    pub fn first(&self) -> &[Rejection] {
        &self.first
    }

    /// Drops the rejections, keeping the first ones (a report that needs no table).
    pub fn into_first(self) -> Vec<Rejection> {
        self.first
    }

    fn finish_buffered(&mut self) -> Result<RecordBatch, ArrowError> {
        self.buffered = 0;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.sheet.finish()),
            Arc::new(self.row.finish()),
            Arc::new(self.column.finish()),
            Arc::new(self.value.finish()),
            Arc::new(self.code.finish()),
            Arc::new(self.reason.finish()),
        ];
        RecordBatch::try_new(row_schema(), columns)
    }

    fn spill_buffered(&mut self) -> Result<(), ArrowError> {
        let batch = self.finish_buffered()?;
        let writer = match &mut self.spill {
            Some(writer) => writer,
            None => {
                let file = tempfile::tempfile().map_err(|e| temp_file_error("rejected rows", e))?;
                self.spill.insert(FileWriter::try_new(file, &row_schema())?)
            }
        };
        writer.write(&batch)
    }

    /// The rejected rows as a stream of quarantine batches for `load_id` of `pipeline` from `file`, in order.
    pub fn into_partition(mut self, load_id: &str, pipeline: &str, file: &str) -> Result<QuarantinePartition, ArrowError> {
        let last = self.finish_buffered()?;
        let spilled: Batches = match self.spill.take() {
            Some(mut writer) => {
                writer.finish()?;
                let mut file = writer.into_inner()?;
                std::io::Seek::rewind(&mut file).map_err(|e| ArrowError::IoError(format!("cannot read rejected rows back: {e}"), e))?;
                Box::new(FileReader::try_new(file, None)?)
            }
            None => Box::new(std::iter::empty()),
        };
        let (load_id, pipeline, file) = (load_id.to_string(), pipeline.to_string(), file.to_string());
        let batches = spilled.chain(std::iter::once(Ok(last))).filter(|b| !b.as_ref().is_ok_and(|b| b.num_rows() == 0)).map(move |batch| {
            let batch = batch?;
            let n = batch.num_rows();
            let repeat = |s: &str| Arc::new(StringArray::from(vec![s; n])) as ArrayRef;
            let mut columns = vec![repeat(&load_id), repeat(&pipeline), repeat(&file)];
            columns.extend(batch.columns().iter().cloned());
            RecordBatch::try_new(quarantine_schema(), columns)
        });
        Ok(QuarantinePartition { schema: quarantine_schema(), batches: Mutex::new(Some(Box::new(batches))) })
    }
}

type Batches = Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>> + Send>;

/// The quarantine batches of one load, read once by the Delta writer.
pub struct QuarantinePartition {
    schema: SchemaRef,
    batches: Mutex<Option<Batches>>,
}

impl std::fmt::Debug for QuarantinePartition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QuarantinePartition")
    }
}

impl PartitionStream for QuarantinePartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        // Read once: a second reader must fail rather than see no rows and quarantine nothing.
        let batches: Batches = match self.batches.lock().ok().and_then(|mut b| b.take()) {
            Some(batches) => batches,
            None => Box::new(std::iter::once(Err(ArrowError::InvalidArgumentError("the rejected rows were read already".into())))),
        };
        let stream = futures::stream::iter(batches.map(|b| b.map_err(DataFusionError::from)));
        Box::pin(RecordBatchStreamAdapter::new(Arc::clone(&self.schema), stream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, Int64Array};
    use futures::StreamExt;

    fn rejection(row: u64, code: &'static str) -> Rejection {
        Rejection {
            row,
            sheet: row.is_multiple_of(2).then(|| "2025年".to_string()),
            column: "公民身份号码".into(),
            value: format!("value {row}"),
            code,
            reason: format!("reason {row}"),
        }
    }

    #[tokio::test]
    async fn rows_past_a_batch_go_to_disk_and_come_back_in_order_with_the_load_columns() {
        let mut rows = RejectedRows::default();
        let n = RejectedRows::BATCH as u64 * 2 + 5;
        for row in 1..=n {
            rows.push(rejection(row, if row % 3 == 0 { "bad_date" } else { "invalid_id" })).expect("push");
        }
        assert!(rows.spill.is_some(), "two batches went to disk");
        assert_eq!(rows.len(), n);
        assert_eq!(rows.by_code()["bad_date"], n / 3);
        assert_eq!(rows.first().len(), RejectedRows::FIRST);
        assert_eq!(rows.first()[0].row, 1);

        let partition = rows.into_partition("load-1", "contributions", "a.csv").expect("partition");
        let mut stream = partition.execute(Arc::new(TaskContext::default()));
        let mut seen = Vec::new();
        while let Some(batch) = stream.next().await {
            let batch = batch.expect("batch");
            assert_eq!(batch.schema(), quarantine_schema());
            assert!(batch.column(0).as_string::<i32>().iter().all(|v| v == Some("load-1")));
            let reasons = batch.column(8).as_string::<i32>();
            let row_numbers = batch.column(4).as_any().downcast_ref::<Int64Array>().expect("rows");
            for (i, row) in row_numbers.values().iter().enumerate() {
                assert_eq!(reasons.value(i), format!("reason {row}"));
                assert_eq!(batch.column(3).is_null(i), row % 2 == 1, "sheet of row {row}");
            }
            seen.extend(row_numbers.values().iter().copied());
        }
        assert_eq!(seen, (1..=n as i64).collect::<Vec<_>>(), "every row once, in order");
    }

    #[tokio::test]
    async fn a_few_rows_stay_in_memory() {
        let mut rows = RejectedRows::default();
        rows.push(rejection(7, "invalid_id")).expect("push");
        assert!(rows.spill.is_none());
        let partition = rows.into_partition("l", "p", "f").expect("partition");
        let batches: Vec<_> = partition.execute(Arc::new(TaskContext::default())).collect().await;
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].as_ref().expect("batch").num_rows(), 1);
        let again: Vec<_> = partition.execute(Arc::new(TaskContext::default())).collect().await;
        assert!(matches!(again.as_slice(), [Err(_)]), "a second read fails rather than find no rows");
    }
}
