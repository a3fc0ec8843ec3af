//! One load: hash the file, skip it if already loaded, stream its valid rows into the staging table in one
//! commit (replacing the periods it covers), quarantine the rest, and account for every row in the ledger.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::error::DataFusionError;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;
use hrss_core::ledger::{self, EntryKind, LedgerEntry};
use hrss_core::warehouse::{TableOptions, WriteMode};
use hrss_core::{Layer, Pseudonymizer, Warehouse};
use tokio::sync::mpsc;

use crate::convert::{combine_header_rows, redact, Converter, Rejection, RowOutcome};
use crate::error::{IngestError, MissingHeader, Result};
use crate::quarantine::{quarantine_schema, RejectedRows};
use crate::seen_keys::{RepeatingKeys, SeenKeys};
use crate::source::{for_each_row, read_rows, Item, RawRow, ReadProgress, RowSink};
use crate::spec::PipelineSpec;

/// Rows per Arrow batch handed to the Delta writer.
const BATCH_ROWS: usize = 8192;
/// Batches in flight between the reader thread and the writer: this bounds memory, whatever the file size.
const BATCHES_IN_FLIGHT: usize = 2;

/// What a load did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LoadReport {
    pub load_id: String,
    pub pipeline: String,
    pub table: String,
    pub file: PathBuf,
    pub sha256: String,
    pub rows_in: u64,
    pub rows_loaded: u64,
    pub rows_quarantined: u64,
    /// Set when the same content was loaded before and this load changed nothing.
    pub skipped_as_duplicate_of: Option<String>,
    /// The values of the `replace_by` columns (e.g. periods) this load replaced.
    pub replaced: Vec<String>,
    /// The staging table's version after the load.
    pub table_version: Option<i64>,
    /// Reads of the file: 2 when a key repeated further apart than the keys held in memory
    /// (`IngestOptions::keys_in_memory`), 0 when the load was skipped.
    pub reads: u32,
    pub seconds: f64,
}

/// How to run loads.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// How long to wait for another process writing the same table.
    pub lock_wait: Duration,
    /// Overrides the pipelines' `max_quarantine_share`.
    pub max_quarantine_share: Option<f64>,
    /// Counters a progress bar can read while a file loads.
    pub progress: Arc<ReadProgress>,
    /// Unique keys held in memory while a file is read; past that, older keys go to temporary files
    /// (`SeenKeys`), so memory does not grow with the file.
    pub keys_in_memory: usize,
}

impl IngestOptions {
    /// The largest share of rejected rows a load of `spec` accepts, if any.
    fn quarantine_limit(&self, spec: &PipelineSpec) -> Option<f64> {
        self.max_quarantine_share.or(spec.target.max_quarantine_share)
    }

    /// A converter for one read of a file: this many keys held in memory, and the keys a first read found
    /// repeating (none for a first read).
    fn converter(&self, spec: &PipelineSpec, pseudonymizer: &Pseudonymizer, load_id: &str, repeats: RepeatingKeys) -> Converter {
        let mut converter = Converter::new(spec, pseudonymizer.clone(), load_id);
        converter.hold_keys(self.keys_in_memory);
        converter.expect_repeats(repeats);
        converter
    }
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self { lock_wait: Duration::from_secs(300), max_quarantine_share: None, progress: Arc::default(), keys_in_memory: SeenKeys::HELD }
    }
}

/// What a dry run (`hrss ingest --check`) found: nothing is written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    pub pipeline: String,
    pub file: PathBuf,
    pub rows_in: u64,
    pub rows_would_load: u64,
    pub rows_rejected: u64,
    /// The first rejected rows (at most `RejectedRows::FIRST`), in file order.
    pub rejections: Vec<Rejection>,
    /// Set when the quarantine share is above the pipeline's limit: the real load would fail.
    pub would_fail: Option<String>,
}

/// Reads a file through a pipeline without writing anything: what would load and what would be rejected.
pub async fn check_file(spec: &PipelineSpec, path: &Path, options: &IngestOptions) -> Result<CheckReport> {
    let (spec, path, options) = (spec.clone(), path.to_path_buf(), options.clone());
    let limit = options.quarantine_limit(&spec);
    blocking(move || {
        // Pseudonyms are computed and discarded: a throwaway key keeps the check from needing the real one.
        let pseudonymizer = Pseudonymizer::from_key(&rand_key(), "a throwaway check key")?;
        let progress = &options.progress;
        let first = options.converter(&spec, &pseudonymizer, "check", RepeatingKeys::default());
        let mut counts = stream_rows(&spec, &path, first, progress, &mut |_| Ok(()))?;
        if let Some(repeats) = counts.repeats_missed.take() {
            drop(counts);
            progress.restart();
            let second = options.converter(&spec, &pseudonymizer, "check", repeats);
            counts = stream_rows(&spec, &path, second, progress, &mut |_| Ok(()))?;
            second_read_complete(&path, &counts)?;
        }
        let would_fail = quarantine_share_error(&spec, &path, &counts, limit).map(|e| e.to_string());
        Ok(CheckReport {
            pipeline: spec.name.clone(),
            file: path.clone(),
            rows_in: counts.rows_in,
            rows_would_load: counts.rows_in - counts.rejected.len(),
            rows_rejected: counts.rejected.len(),
            rejections: counts.rejected.into_first(),
            would_fail,
        })
    })
    .await
}

fn rand_key() -> Vec<u8> {
    let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
    ring::digest::digest(&ring::digest::SHA256, seed.as_bytes()).as_ref().to_vec()
}

/// Loads one file through one pipeline.
pub async fn ingest_file(
    warehouse: &Warehouse,
    spec: &PipelineSpec,
    path: &Path,
    pseudonymizer: &Pseudonymizer,
    options: &IngestOptions,
) -> Result<LoadReport> {
    let started = Instant::now();
    let _lock = blocking({
        let (warehouse, table, wait) = (warehouse.clone(), spec.table.clone(), options.lock_wait);
        move || Ok(warehouse.lock_writer(&table, wait)?)
    })
    .await?;
    let mut entry = LedgerEntry::new(EntryKind::Load, &spec.name);
    entry.input_file = Some(path.display().to_string());
    let mut report = LoadReport {
        load_id: entry.id.clone(),
        pipeline: spec.name.clone(),
        table: format!("staging.{}", spec.table),
        file: path.to_path_buf(),
        sha256: String::new(),
        rows_in: 0,
        rows_loaded: 0,
        rows_quarantined: 0,
        skipped_as_duplicate_of: None,
        replaced: Vec::new(),
        table_version: None,
        reads: 0,
        seconds: 0.0,
    };
    let sha256 = blocking({
        let path = path.to_path_buf();
        move || sha256_of(&path)
    });
    let outcome = if warehouse.table(Layer::Staging, &spec.table).await?.is_some() {
        // The file's hash and the periods it covers are two reads of the file: done at once, on both cores.
        let periods = (!spec.target.replace_by.is_empty()).then(|| {
            let (spec, path, pseudonymizer) = (spec.clone(), path.to_path_buf(), pseudonymizer.clone());
            blocking(move || key_tuples_of(&spec, &path, &pseudonymizer))
        });
        let (sha256, periods) = match periods {
            Some(periods) => {
                let (sha256, periods) = futures::join!(sha256, periods);
                (sha256?, Some(periods?))
            }
            None => (sha256.await?, None),
        };
        entry.input_sha256 = Some(sha256.clone());
        report.sha256 = sha256.clone();
        if let Some(previous) = ledger::successful_load_of(warehouse, &spec.name, &sha256).await? {
            entry.outcome = "skipped".into();
            entry.detail = format!("identical content was loaded by {previous}; nothing changed");
            entry.finished = chrono::Utc::now();
            ledger::record(warehouse, &[entry]).await?;
            report.skipped_as_duplicate_of = Some(previous);
            report.seconds = started.elapsed().as_secs_f64();
            return Ok(report);
        }
        load(warehouse, spec, path, pseudonymizer, options, periods, &mut report).await
    } else {
        // A table's first load has nothing to replace and cannot repeat an earlier one: no first pass over
        // the file, and its hash is taken beside the load.
        let (outcome, sha256) = futures::join!(load(warehouse, spec, path, pseudonymizer, options, None, &mut report), sha256);
        match sha256 {
            Ok(sha256) => {
                entry.input_sha256 = Some(sha256.clone());
                report.sha256 = sha256;
            }
            // The rows may be committed by now: the ledger must still record the load.
            Err(e) => entry.detail = format!("the file's SHA-256 could not be taken: {e}"),
        }
        outcome
    };
    match &outcome {
        Ok(version) => {
            entry.outcome = "success".into();
            entry.table_version = *version;
            report.table_version = *version;
            let mut details: Vec<String> = [std::mem::take(&mut entry.detail)].into_iter().filter(|d| !d.is_empty()).collect();
            if !report.replaced.is_empty() {
                details.push(format!("replaced ({}): {}", spec.target.replace_by.join(", "), summarize(&report.replaced)));
            }
            if report.reads > 1 {
                details.push(format!("read twice: a key repeats further apart than the {} keys held in memory", options.keys_in_memory));
            }
            entry.detail = details.join("; ");
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
    report.seconds = started.elapsed().as_secs_f64();
    outcome.map(|_| report)
}

/// `a/2016-01 a/2016-02 b/2016-01` as `a 2016-01..2016-02 (2), b 2016-01 (1)`: a ledger line, not a list.
fn summarize(replaced: &[String]) -> String {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for value in replaced {
        let (head, last) = value.rsplit_once('/').unwrap_or(("", value));
        groups.entry(head).or_default().push(last);
    }
    groups
        .iter()
        .map(|(head, values)| {
            let span = match (values.first(), values.last()) {
                (Some(first), Some(last)) if first != last => format!("{first}..{last}"),
                (Some(only), _) => (*only).to_string(),
                _ => String::new(),
            };
            format!("{head}{}{span} ({})", if head.is_empty() { "" } else { " " }, values.len())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `replaceWhere` predicate for the key tuples a file holds: `a IN (..)` for one column, else a
/// disjunction grouped by all but the last column.
fn replace_predicate(columns: &[String], tuples: &BTreeSet<Vec<String>>) -> String {
    let quote = |v: &str| format!("'{}'", v.replace('\'', "''"));
    let (last, prefix) = columns.split_last().expect("replace_by is not empty");
    let mut groups: BTreeMap<&[String], Vec<&str>> = BTreeMap::new();
    for tuple in tuples {
        groups.entry(&tuple[..prefix.len()]).or_default().push(&tuple[prefix.len()]);
    }
    let disjuncts: Vec<String> = groups
        .iter()
        .map(|(head, lasts)| {
            let mut terms: Vec<String> = prefix.iter().zip(head.iter()).map(|(c, v)| format!("{c} = {}", quote(v))).collect();
            terms.push(format!("{last} IN ({})", lasts.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", ")));
            terms.join(" AND ")
        })
        .collect();
    if disjuncts.len() == 1 { disjuncts.into_iter().next().unwrap_or_default() } else { format!("({})", disjuncts.join(") OR (")) }
}

async fn load(
    warehouse: &Warehouse,
    spec: &PipelineSpec,
    path: &Path,
    pseudonymizer: &Pseudonymizer,
    options: &IngestOptions,
    periods: Option<BTreeSet<Vec<String>>>,
    report: &mut LoadReport,
) -> Result<Option<i64>> {
    let load_id = report.load_id.clone();
    let mode = match periods {
        Some(tuples) if !tuples.is_empty() => {
            report.replaced = tuples.iter().map(|t| t.join("/")).collect();
            WriteMode::ReplaceWhere(replace_predicate(&spec.target.replace_by, &tuples))
        }
        _ => WriteMode::Append,
    };

    let mut attempt = write_rows(warehouse, spec, path, pseudonymizer, options, &load_id, mode.clone(), RepeatingKeys::default()).await?;
    report.reads = 1;
    if let Some(repeats) = attempt.counts.repeats_missed.take() {
        report.reads = 2;
        // Nothing was committed (a later copy of a key went to the writer): the file is read again, and the
        // first read's rejections (perhaps a temporary file of them) are let go first.
        drop(attempt);
        options.progress.restart();
        attempt = write_rows(warehouse, spec, path, pseudonymizer, options, &load_id, mode, repeats).await?;
        second_read_complete(path, &attempt.counts)?;
    }
    let Attempt { written, counts } = attempt;
    report.rows_in = counts.rows_in;
    report.rows_quarantined = counts.rejected.len();
    let rows_loaded = counts.rows_in - counts.rejected.len();
    let refused = quarantine_share_error(spec, path, &counts, options.quarantine_limit(spec));
    // The reasons are kept even when the load as a whole is refused, so the department can fix the file.
    write_quarantine(warehouse, spec, path, &load_id, counts.rejected).await?;
    if let Some(refused) = refused {
        return Err(refused);
    }
    let table = written?;
    report.rows_loaded = rows_loaded;
    Ok(table.version().map(|v| v as i64))
}

/// One read of the file into the staging table, and its outcome.
struct Attempt {
    written: Result<deltalake::DeltaTable, hrss_core::CoreError>,
    counts: Counts,
}

/// Reads the file and writes its valid rows in one commit, unless the read fails, rejects too many rows,
/// or misses repeated keys (`Counts::repeats_missed`): then nothing is committed. `repeats` are the keys a
/// first read found repeating (none on a first read).
#[allow(clippy::too_many_arguments)]
async fn write_rows(
    warehouse: &Warehouse,
    spec: &PipelineSpec,
    path: &Path,
    pseudonymizer: &Pseudonymizer,
    options: &IngestOptions,
    load_id: &str,
    mode: WriteMode,
    repeats: RepeatingKeys,
) -> Result<Attempt> {
    let started = chrono::Utc::now();
    let converter = options.converter(spec, pseudonymizer, load_id, repeats);
    let schema = converter.schema();
    let (sender, receiver) = mpsc::channel(BATCHES_IN_FLIGHT);
    let limit = options.quarantine_limit(spec);
    let reader = tokio::task::spawn_blocking({
        let (spec, path, progress) = (spec.clone(), path.to_path_buf(), Arc::clone(&options.progress));
        move || {
            let gone = |path: &Path| IngestError::Malformed {
                path: path.into(),
                row: 0,
                message: "the warehouse writer stopped before the file was read; see the error above".into(),
            };
            let result = stream_rows(&spec, &path, converter, &progress, &mut |batch| {
                sender.blocking_send(Ok(batch)).map_err(|_| gone(&path))
            });
            // A failure must reach the writer as an error, or it would commit what it has.
            let failure = match &result {
                Err(e) => Some(e.to_string()),
                Ok(counts) if counts.repeats_missed.is_some() => {
                    Some("keys repeat further apart than memory holds: the file is read again".to_string())
                }
                Ok(counts) => quarantine_share_error(&spec, &path, counts, limit).map(|e| e.to_string()),
            };
            if let Some(message) = failure {
                let _ = sender.blocking_send(Err(DataFusionError::Execution(message)));
            }
            result
        }
    });

    let ctx = Warehouse::context();
    // One stream from reader to writer: with more, DataFusion inserts repartitions whose queues grow
    // when the reader outpaces the Parquet encoder, and memory would grow with the file.
    ctx.state_ref().write().config_mut().options_mut().execution.target_partitions = 1;
    let source = StreamingTable::try_new(Arc::clone(&schema), vec![Arc::new(ChannelPartition::new(schema, receiver))])?;
    let plan = ctx.read_table(Arc::new(source))?.into_unoptimized_plan();
    let written = warehouse
        .write(&ctx, Layer::Staging, &spec.table, plan, mode, TableOptions {
            partition_by: &spec.target.partition_by,
            description: &spec.description,
            commit_metadata: &[],
            bloom_filter_on: &spec.pseudonym_columns(),
        })
        .await;
    if written.is_err() {
        // Nothing was committed, so a refused load leaves no files behind. Failing that, the files it left
        // are unreferenced, which readers ignore: the write's own error is the one to report.
        let _ = warehouse.remove_uncommitted_files(Layer::Staging, &spec.table, started).await;
    }
    let counts = reader.await.map_err(|e| IngestError::Malformed {
        path: path.into(),
        row: 0,
        message: format!("the reader stopped unexpectedly: {e}"),
    })?;
    // A reader error explains a failed write better than the write's own error.
    Ok(Attempt { written, counts: counts? })
}

/// A second read knows every repeating key, so it cannot miss one; if it did, the file changed between reads.
fn second_read_complete(path: &Path, counts: &Counts) -> Result<()> {
    match counts.repeats_missed {
        None => Ok(()),
        Some(_) => Err(IngestError::Malformed {
            path: path.into(),
            row: 0,
            message: "the file changed while it was being read (its second read found other keys); read it again once it is complete".into(),
        }),
    }
}

fn quarantine_share_error(spec: &PipelineSpec, path: &Path, counts: &Counts, limit: Option<f64>) -> Option<IngestError> {
    let limit = limit?;
    let rejected = counts.rejected.len();
    if counts.rows_in == 0 || (rejected as f64) <= limit * counts.rows_in as f64 {
        return None;
    }
    let mut reasons: Vec<(&str, u64)> = counts.rejected.by_code().iter().map(|(code, n)| (*code, *n)).collect();
    reasons.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let first = counts.rejected.first().first().map(|r| format!("; first: row {} {}", r.row, r.reason)).unwrap_or_default();
    Some(IngestError::TooManyRejected {
        path: path.into(),
        pipeline: spec.name.clone(),
        rejected,
        rows: counts.rows_in,
        limit,
        reasons: reasons.iter().map(|(code, n)| format!("{code} x{n}")).collect::<Vec<_>>().join(", ") + &first,
    })
}

struct Counts {
    rows_in: u64,
    /// The rejections of the rows since the last batch: a batch's duplicates are found when it is finished,
    /// and join them in row order.
    pending: Vec<Rejection>,
    rejected: RejectedRows,
    /// Set when a duplicate key's first copy had left memory: the rows handed on include a duplicate, and
    /// the file must be read again knowing these repeating keys.
    repeats_missed: Option<RepeatingKeys>,
}

impl Counts {
    /// Moves the pending rejections, complete and in row order, to the rejected rows.
    fn settle(&mut self) -> Result<()> {
        for rejection in self.pending.drain(..) {
            self.rejected.push(rejection)?;
        }
        Ok(())
    }
}

/// Reads the file, finding each sheet's header, and hands full batches of valid rows to `sink`. The file is
/// read on a thread of its own and converted on this one, so parsing and converting use both cores: reading
/// hands over chunks of rows, whose buffers come back to be refilled.
fn stream_rows(
    spec: &PipelineSpec,
    path: &Path,
    mut converter: Converter,
    progress: &Arc<ReadProgress>,
    sink: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<Counts> {
    let (chunks, received) = std::sync::mpsc::sync_channel::<Chunk>(CHUNKS_IN_FLIGHT);
    let (spare, spares) = std::sync::mpsc::channel::<Vec<RawRow>>();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_chunks(spec, path, progress, &chunks, &spares));
        let converted = convert_chunks(spec, path, &mut converter, &received, &spare, sink);
        // Dropping the receiver stops a reader still reading after a conversion error.
        drop(received);
        let read = reader.join().unwrap_or_else(|_| {
            Err(IngestError::Malformed { path: path.into(), row: 0, message: "the file reader stopped unexpectedly".into() })
        });
        // A reading error (a broken file) explains the rest; without one, the conversion's outcome stands.
        read.and(converted)
    })
}

/// Rows per chunk handed from the reading thread to the converting one.
const CHUNK_ROWS: usize = 4096;
/// Chunks in flight between them: this bounds memory, whatever the file size.
const CHUNKS_IN_FLIGHT: usize = 4;

enum Chunk {
    Sheet(String),
    Rows(Vec<RawRow>, usize),
}

fn read_chunks(
    spec: &PipelineSpec,
    path: &Path,
    progress: &Arc<ReadProgress>,
    chunks: &std::sync::mpsc::SyncSender<Chunk>,
    spares: &std::sync::mpsc::Receiver<Vec<RawRow>>,
) -> Result<()> {
    let mut sender = ChunkSender { path, chunks, spares, rows: Vec::new(), filled: 0 };
    read_rows(path, &spec.source, progress, &mut sender)?;
    sender.hand_over()
}

/// The reading thread's end of the chunk channel: the reader fills the rows of the chunk being built,
/// and a full chunk goes to the converter in exchange for a spare one.
struct ChunkSender<'a> {
    path: &'a Path,
    chunks: &'a std::sync::mpsc::SyncSender<Chunk>,
    spares: &'a std::sync::mpsc::Receiver<Vec<RawRow>>,
    rows: Vec<RawRow>,
    filled: usize,
}

impl ChunkSender<'_> {
    /// Sends the rows filled so far, if any, and starts a chunk in the buffers of a returned one.
    fn hand_over(&mut self) -> Result<()> {
        if self.filled == 0 {
            return Ok(());
        }
        let rows = std::mem::replace(&mut self.rows, self.spares.try_recv().unwrap_or_default());
        let filled = std::mem::take(&mut self.filled);
        self.send(Chunk::Rows(rows, filled))
    }

    fn send(&self, chunk: Chunk) -> Result<()> {
        self.chunks.send(chunk).map_err(|_| IngestError::Malformed {
            path: self.path.into(),
            row: 0,
            message: "the conversion stopped; see the error above".into(),
        })
    }
}

impl RowSink for ChunkSender<'_> {
    fn sheet(&mut self, name: &str) -> Result<()> {
        self.hand_over()?;
        self.send(Chunk::Sheet(name.to_string()))
    }

    fn row_to_fill(&mut self) -> &mut RawRow {
        if self.rows.len() == self.filled {
            self.rows.push(RawRow::default());
        }
        &mut self.rows[self.filled]
    }

    fn filled(&mut self) -> Result<()> {
        self.filled += 1;
        if self.filled == CHUNK_ROWS {
            self.hand_over()?;
        }
        Ok(())
    }
}

fn convert_chunks(
    spec: &PipelineSpec,
    path: &Path,
    converter: &mut Converter,
    received: &std::sync::mpsc::Receiver<Chunk>,
    spare: &std::sync::mpsc::Sender<Vec<RawRow>>,
    sink: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<Counts> {
    let mut counts = Counts { rows_in: 0, pending: Vec::new(), rejected: RejectedRows::default(), repeats_missed: None };
    let mut header = HeaderSearch::default();
    for chunk in received {
        let (rows, filled) = match chunk {
            Chunk::Sheet(name) => {
                if converter.sheet().is_some() && !converter.header_found() {
                    return Err(header.not_found(spec, path, converter));
                }
                // A batch's duplicates are named with the sheet current when it is finished.
                if converter.rows_buffered() > 0 {
                    finish_batch(converter, &mut counts, sink)?;
                }
                counts.settle()?;
                converter.start_sheet(&name);
                header = HeaderSearch::default();
                continue;
            }
            Chunk::Rows(rows, filled) => (rows, filled),
        };
        for row in &rows[..filled] {
            if !converter.header_found() {
                header.offer(spec, path, converter, row)?;
                continue;
            }
            match converter.push_row(row) {
                RowOutcome::Loaded => counts.rows_in += 1,
                RowOutcome::Quarantined(rejection) => {
                    counts.rows_in += 1;
                    counts.pending.push(rejection);
                    // Rejections wait for their batch's duplicates only while it has rows, and never more than
                    // a spill's worth of them: a file of bad rows must not hold its rejections in memory.
                    if converter.rows_buffered() == 0 {
                        counts.settle()?;
                    } else if counts.pending.len() >= RejectedRows::BATCH {
                        finish_batch(converter, &mut counts, sink)?;
                    }
                }
                RowOutcome::NotData => {}
            }
            if converter.rows_buffered() >= BATCH_ROWS {
                finish_batch(converter, &mut counts, sink)?;
            }
        }
        // The reader may have finished already; then the buffers are simply dropped.
        let _ = spare.send(rows);
    }
    if !converter.header_found() {
        return Err(header.not_found(spec, path, converter));
    }
    if converter.rows_buffered() > 0 {
        finish_batch(converter, &mut counts, sink)?;
    }
    counts.settle()?;
    counts.repeats_missed = converter.repeats_missed()?;
    Ok(counts)
}

/// Hands the buffered rows on, and puts their duplicates among the batch's other rejections in row order.
fn finish_batch(converter: &mut Converter, counts: &mut Counts, sink: &mut dyn FnMut(RecordBatch) -> Result<()>) -> Result<()> {
    let (batch, duplicates) = converter.finish_batch()?;
    if !duplicates.is_empty() {
        counts.pending.extend(duplicates);
        // One sheet's rows: a sheet's start settles the rejections before it.
        counts.pending.sort_by_key(|r| r.row);
    }
    counts.settle()?;
    sink(batch)
}

/// The rows seen while looking for a sheet's header.
#[derive(Default)]
struct HeaderSearch {
    seen: Vec<RawRow>,
}

impl HeaderSearch {
    /// Tries `row` (with the row above it, for a two-row header) as the header.
    fn offer(&mut self, spec: &PipelineSpec, path: &Path, converter: &mut Converter, row: &RawRow) -> Result<()> {
        if row.cells.iter().all(|c| c.trim().is_empty()) && row.malformed.is_none() {
            return Ok(());
        }
        let found = match (spec.source.header_rows, self.seen.last()) {
            (2, Some(above)) => converter.try_header(&combine_header_rows(above, row)),
            _ => converter.try_header(row),
        };
        if found {
            return Ok(());
        }
        self.seen.push(row.clone());
        if self.seen.len() >= spec.source.header_search_rows {
            return Err(self.not_found(spec, path, converter));
        }
        Ok(())
    }

    fn not_found(&self, spec: &PipelineSpec, path: &Path, converter: &Converter) -> IngestError {
        if self.seen.is_empty() {
            return IngestError::Empty { path: path.into(), sheet: converter.sheet().map(str::to_string) };
        }
        let mut candidates: Vec<RawRow> = self.seen.clone();
        if spec.source.header_rows == 2 {
            candidates.extend(self.seen.windows(2).map(|w| combine_header_rows(&w[0], &w[1])));
        }
        let (found, missing) = candidates
            .iter()
            .map(|r| (r, converter.missing_in(r)))
            .min_by_key(|(_, missing)| missing.len())
            .map(|(r, missing)| (shown_cells(r), missing))
            .unwrap_or_default();
        let line = missing.first().and_then(|m| spec.line_of(m)).map_or(String::new(), |l| format!(":{l}"));
        IngestError::HeaderNotFound(Box::new(MissingHeader {
            path: path.into(),
            sheet: converter.sheet().map(str::to_string),
            pipeline: spec.name.clone(),
            pipeline_file: format!("{}{line}", spec.path.display()),
            scanned: self.seen.len(),
            missing,
            found,
        }))
    }
}

/// The cells of the row closest to a header, for the error message; a row that holds digits shaped like
/// an identifier is data (the header is missing), and its personal values must not reach a terminal.
fn shown_cells(row: &RawRow) -> Vec<String> {
    let cells: Vec<String> = row.cells.iter().filter(|c| !c.trim().is_empty()).cloned().collect();
    if cells.iter().any(|c| redact(c) != *c) {
        return vec![format!("(row {} looks like data, not a header: is the header row missing?)", row.row)];
    }
    cells
}

/// The distinct canonical `replace_by` tuples of the file's valid rows (a light first pass: each distinct
/// spelling of the key cells is converted once).
fn key_tuples_of(spec: &PipelineSpec, path: &Path, pseudonymizer: &Pseudonymizer) -> Result<BTreeSet<Vec<String>>> {
    let mut converter = Converter::new(spec, pseudonymizer.clone(), "");
    let mut tuples = BTreeSet::new();
    let mut header = HeaderSearch::default();
    let mut spellings_seen: HashSet<String> = HashSet::new();
    let mut spelling = String::new();
    let progress = Arc::default();
    for_each_row(path, &spec.source, &progress, &mut |item| {
        match item {
            Item::Sheet(name) => {
                converter.start_sheet(name);
                header = HeaderSearch::default();
                // A sheet may map to its own value of a key column.
                spellings_seen.clear();
            }
            Item::Row(row) if converter.header_found() => {
                converter.replace_key_spelling(row, &mut spelling);
                if !spellings_seen.contains(spelling.as_str()) {
                    let values = converter.replace_key_values(row);
                    // A spelling that is no key here (a footer, a rejected cell) may be one in a data row.
                    if let Some(values) = values {
                        spellings_seen.insert(spelling.clone());
                        tuples.insert(values);
                    }
                }
            }
            // Header problems are reported by the load itself.
            Item::Row(row) => header.offer(spec, path, &mut converter, row).unwrap_or(()),
        }
        Ok(())
    })?;
    Ok(tuples)
}

async fn write_quarantine(
    warehouse: &Warehouse,
    spec: &PipelineSpec,
    path: &Path,
    load_id: &str,
    rejected: RejectedRows,
) -> Result<()> {
    if rejected.is_empty() {
        return Ok(());
    }
    let partition = rejected.into_partition(load_id, &spec.name, &path.display().to_string())?;
    let ctx = Warehouse::context();
    let source = StreamingTable::try_new(quarantine_schema(), vec![Arc::new(partition)])?;
    let plan = ctx.read_table(Arc::new(source))?.into_unoptimized_plan();
    warehouse
        .write(&ctx, Layer::Quarantine, &spec.table, plan, WriteMode::Append, TableOptions::described("rows rejected by ingestion, with reasons"))
        .await?;
    Ok(())
}

/// ring's SHA-256 (assembly, AVX2 where the CPU has it) hashes a file about twice as fast as the `sha2`
/// crate, and the hash is on the load's critical path.
fn sha256_of(path: &Path) -> Result<String> {
    let io = |source| IngestError::Io { path: path.into(), source };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(io)?;
        if n == 0 {
            return Ok(hex::encode(hasher.finish()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_predicates_group_by_all_but_the_last_column() {
        let tuples: BTreeSet<Vec<String>> = [["a", "2025-01"], ["a", "2025-02"], ["b", "2025-01"]]
            .iter()
            .map(|t| t.iter().map(|s| s.to_string()).collect())
            .collect();
        let columns = ["fund".to_string(), "period".to_string()];
        assert_eq!(
            replace_predicate(&columns, &tuples),
            "(fund = 'a' AND period IN ('2025-01', '2025-02')) OR (fund = 'b' AND period IN ('2025-01'))"
        );
        let months: BTreeSet<Vec<String>> = [vec!["2025-03".to_string()]].into_iter().collect();
        assert_eq!(replace_predicate(&columns[1..], &months), "period IN ('2025-03')");
        assert_eq!(summarize(&["a/2016-01".into(), "a/2016-02".into(), "b/2016-01".into()]), "a 2016-01..2016-02 (2), b 2016-01 (1)");
    }
}
