//! `hrss sql`: run a script of one or more statements against the warehouse and write each result.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::physical_plan::SendableRecordBatchStream;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::GenericDialect;
use futures::StreamExt;
use parquet::arrow::ArrowWriter;

use crate::OutputFormat;
use crate::error::{AppError, Result};

/// How results are written.
#[derive(Debug, Clone)]
pub struct SqlOutput {
    pub format: OutputFormat,
    /// A file instead of standard output.
    pub file: Option<PathBuf>,
    /// At most this many rows of each result are written; the rest are counted.
    pub max_rows: Option<usize>,
    /// Print each statement's row count and time on standard error.
    pub timing: bool,
}

/// Splits `script` into statements and runs them in order in `ctx`, writing each result that has
/// columns (DDL such as `CREATE EXTERNAL TABLE` has none). A failing statement stops the script and
/// is named by its position.
pub async fn run_script(ctx: &SessionContext, script: &str, output: &SqlOutput) -> Result<()> {
    let statements = DFParser::parse_sql_with_dialect(script, &GenericDialect {})?;
    if statements.is_empty() {
        return Err(AppError::Usage("the SQL holds no statement".into()));
    }
    if output.format == OutputFormat::Parquet && output.file.is_none() {
        return Err(AppError::Usage("--format parquet writes a file: add --output FILE.parquet".into()));
    }
    let count = statements.len();
    let mut sink = Sink::open(output)?;
    for (index, statement) in statements.into_iter().enumerate() {
        let started = Instant::now();
        let position = |e: datafusion::error::DataFusionError| {
            if count == 1 { AppError::from(e) } else { AppError::Usage(format!("statement {} of {count}: {e}", index + 1)) }
        };
        let plan = ctx.state().statement_to_plan(statement).await.map_err(position)?;
        let df = ctx.execute_logical_plan(plan).await.map_err(position)?;
        let schema: SchemaRef = Arc::clone(df.schema().inner());
        let stream = df.execute_stream().await.map_err(position)?;
        let written = sink.write(schema, stream, output.max_rows).await.map_err(|e| match e {
            AppError::DataFusion(e) => position(e),
            other => other,
        })?;
        if output.timing {
            let shown = match written.shown < written.total {
                true => format!(" ({} shown; raise --max-rows to see more)", written.shown),
                false => String::new(),
            };
            eprintln!("{} rows{shown} in {:.3}s", written.total, started.elapsed().as_secs_f64());
        }
    }
    sink.finish()
}

/// Rows counted and rows written of one result.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    pub total: usize,
    pub shown: usize,
}

/// Where results go: standard output or a file, in one format.
struct Sink {
    format: OutputFormat,
    out: Box<dyn Write + Send>,
    path: Option<PathBuf>,
    results: usize,
}

impl Sink {
    fn open(output: &SqlOutput) -> Result<Self> {
        let out: Box<dyn Write + Send> = match &output.file {
            Some(path) => Box::new(std::io::BufWriter::new(File::create(path).map_err(|source| AppError::Io { path: path.clone(), source })?)),
            None => Box::new(std::io::BufWriter::new(std::io::stdout())),
        };
        Ok(Self { format: output.format, out, path: output.file.clone(), results: 0 })
    }

    /// Streams one result: table format keeps the shown rows to lay them out; the others write
    /// batch by batch, so a large result never has to fit in memory.
    async fn write(&mut self, schema: SchemaRef, mut stream: SendableRecordBatchStream, max_rows: Option<usize>) -> Result<Written> {
        if schema.fields().is_empty() {
            // DDL and SET: nothing to show, but the plan still has to run.
            while let Some(batch) = stream.next().await {
                batch?;
            }
            return Ok(Written { total: 0, shown: 0 });
        }
        self.results += 1;
        if self.format == OutputFormat::Parquet && self.results > 1 {
            return Err(AppError::Usage("--format parquet holds one result; the script has several statements that return rows".into()));
        }
        let limit = max_rows.unwrap_or(usize::MAX);
        let mut written = Written { total: 0, shown: 0 };
        let mut writer = BatchWriter::new(self.format, &mut self.out, &schema, self.path.as_deref())?;
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            written.total += batch.num_rows();
            let room = limit - written.shown;
            if room == 0 {
                continue;
            }
            let batch = if batch.num_rows() > room { batch.slice(0, room) } else { batch };
            written.shown += batch.num_rows();
            writer.write(&batch)?;
        }
        writer.finish(&schema)?;
        Ok(written)
    }

    fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(|source| AppError::Io { path: self.path.clone().unwrap_or_else(|| "<stdout>".into()), source })
    }
}

/// One result being written in one format.
enum BatchWriter<'a> {
    Table { out: &'a mut Box<dyn Write + Send>, batches: Vec<RecordBatch> },
    Csv(arrow::csv::Writer<&'a mut Box<dyn Write + Send>>),
    Json(arrow::json::ArrayWriter<&'a mut Box<dyn Write + Send>>),
    Ndjson(arrow::json::LineDelimitedWriter<&'a mut Box<dyn Write + Send>>),
    Parquet(ArrowWriter<&'a mut Box<dyn Write + Send>>),
}

impl<'a> BatchWriter<'a> {
    fn new(format: OutputFormat, out: &'a mut Box<dyn Write + Send>, schema: &SchemaRef, path: Option<&Path>) -> Result<Self> {
        Ok(match format {
            OutputFormat::Table => Self::Table { out, batches: Vec::new() },
            OutputFormat::Csv => Self::Csv(arrow::csv::WriterBuilder::new().with_header(true).build(out)),
            OutputFormat::Json => Self::Json(arrow::json::ArrayWriter::new(out)),
            OutputFormat::Ndjson => Self::Ndjson(arrow::json::LineDelimitedWriter::new(out)),
            OutputFormat::Parquet => {
                let props = parquet::file::properties::WriterProperties::builder()
                    .set_compression(parquet::basic::Compression::ZSTD(parquet::basic::ZstdLevel::default()))
                    .build();
                let writer = ArrowWriter::try_new(out, Arc::clone(schema), Some(props)).map_err(|e| AppError::Usage(format!(
                    "cannot write Parquet to {}: {e}",
                    path.map(|p| p.display().to_string()).unwrap_or_default()
                )))?;
                Self::Parquet(writer)
            }
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            Self::Table { batches, .. } => batches.push(batch.clone()),
            Self::Csv(w) => w.write(batch)?,
            Self::Json(w) => w.write(batch)?,
            Self::Ndjson(w) => w.write(batch)?,
            Self::Parquet(w) => w.write(batch)?,
        }
        Ok(())
    }

    fn finish(self, schema: &SchemaRef) -> Result<()> {
        match self {
            Self::Table { out, batches } => {
                // With the schema, an empty result still shows its column names.
                let table = arrow::util::pretty::pretty_format_batches_with_schema(Arc::clone(schema), &batches)?;
                writeln!(out, "{table}").map_err(stdout_error)?;
            }
            Self::Csv(mut w) => {
                // A header even for an empty result.
                w.write(&RecordBatch::new_empty(Arc::clone(schema)))?;
            }
            Self::Json(mut w) => {
                w.finish()?;
                writeln!(w.into_inner()).map_err(stdout_error)?;
            }
            Self::Ndjson(mut w) => w.finish()?,
            Self::Parquet(w) => {
                w.close()?;
            }
        }
        Ok(())
    }
}

fn stdout_error(source: std::io::Error) -> AppError {
    AppError::Io { path: "<output>".into(), source }
}
