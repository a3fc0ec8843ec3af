//! Readers that stream a departmental file row by row as text cells, whatever its format and encoding.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use calamine::{DataRef, Reader, Xlsx};

use crate::error::{IngestError, Result};
use crate::spec::{Encoding, Format, SourceSpec};

/// One row of a source file as text, with the row number a person sees (CSV or JSON line, Excel row), 1-based.
#[derive(Debug, Clone, Default)]
pub struct RawRow {
    pub row: u64,
    pub cells: Vec<String>,
    /// Set when the row could not be split into cells at all (a line that is not JSON).
    pub malformed: Option<String>,
}

impl RawRow {
    /// Makes this row row `row` of the file, with `width` cells, reusing this row's strings.
    fn refill<'c>(&mut self, row: u64, width: usize, cells: impl Iterator<Item = &'c str>) {
        self.row = row;
        self.malformed = None;
        self.cells.resize_with(width, String::new);
        for (cell, value) in self.cells.iter_mut().zip(cells) {
            cell.clear();
            cell.push_str(value);
        }
    }
}

/// Where a reader puts what it reads, in file order. The reader fills rows the sink lends it, so a sink
/// that keeps rows (a chunk handed to another thread) gets them without a copy, and one that does not
/// lends the same row every time.
pub trait RowSink {
    /// The next sheet of a workbook starts: a new header follows.
    fn sheet(&mut self, name: &str) -> Result<()>;
    /// The row the reader fills next; `filled` says it is done.
    fn row_to_fill(&mut self) -> &mut RawRow;
    /// The row `row_to_fill` lent holds the next row of the file.
    fn filled(&mut self) -> Result<()>;
}

/// What a reader reports, in file order. Rows are lent, so a reader can reuse one row's buffers for the next.
#[derive(Debug)]
pub enum Item<'a> {
    /// The next sheet of a workbook starts: a new header follows.
    Sheet(&'a str),
    Row(&'a RawRow),
}

/// Bytes read so far, for progress bars.
#[derive(Debug, Default)]
pub struct ReadProgress {
    pub bytes: AtomicU64,
    pub rows: AtomicU64,
}

impl ReadProgress {
    /// Back to the start, for a second read of the file.
    pub fn restart(&self) {
        self.bytes.store(0, Ordering::Relaxed);
        self.rows.store(0, Ordering::Relaxed);
    }
}

/// Fills `sink` with every sheet and row of the file, in order.
pub fn read_rows(path: &Path, source: &SourceSpec, progress: &Arc<ReadProgress>, sink: &mut dyn RowSink) -> Result<()> {
    let mut counted = Counted { sink, progress };
    match source.format {
        Format::Csv => read_csv(path, source.encoding, progress, &mut counted),
        Format::Xlsx => read_xlsx(path, &source.sheet_names(), progress, &mut counted),
        Format::Jsonl => read_jsonl(path, progress, &mut counted),
    }
}

/// Calls `on_item` for every sheet and row of the file, in order, holding one row at a time.
pub fn for_each_row(
    path: &Path,
    source: &SourceSpec,
    progress: &Arc<ReadProgress>,
    on_item: &mut dyn FnMut(Item<'_>) -> Result<()>,
) -> Result<()> {
    struct OneRow<'f> {
        row: RawRow,
        on_item: &'f mut dyn FnMut(Item<'_>) -> Result<()>,
    }
    impl RowSink for OneRow<'_> {
        fn sheet(&mut self, name: &str) -> Result<()> {
            (self.on_item)(Item::Sheet(name))
        }
        fn row_to_fill(&mut self) -> &mut RawRow {
            &mut self.row
        }
        fn filled(&mut self) -> Result<()> {
            (self.on_item)(Item::Row(&self.row))
        }
    }
    read_rows(path, source, progress, &mut OneRow { row: RawRow::default(), on_item })
}

/// Counts the rows that pass, for progress bars.
struct Counted<'s> {
    sink: &'s mut dyn RowSink,
    progress: &'s ReadProgress,
}

impl RowSink for Counted<'_> {
    fn sheet(&mut self, name: &str) -> Result<()> {
        self.sink.sheet(name)
    }
    fn row_to_fill(&mut self) -> &mut RawRow {
        self.sink.row_to_fill()
    }
    fn filled(&mut self) -> Result<()> {
        self.progress.rows.fetch_add(1, Ordering::Relaxed);
        self.sink.filled()
    }
}

/// Hands a row built whole (JSON, Excel) to `sink`, moving it, not copying it.
fn hand_row(sink: &mut dyn RowSink, row: RawRow) -> Result<()> {
    *sink.row_to_fill() = row;
    sink.filled()
}

fn open(path: &Path, progress: &Arc<ReadProgress>) -> Result<CountingReader> {
    let file = File::open(path).map_err(|source| IngestError::Io { path: path.into(), source })?;
    Ok(CountingReader { inner: file, progress: Arc::clone(progress) })
}

/// Counts the bytes that pass, so a progress bar can show MB/s without the reader knowing about it.
struct CountingReader {
    inner: File,
    progress: Arc<ReadProgress>,
}

impl Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The encoding to decode with: `Auto` is UTF-8 when the first megabyte is valid UTF-8, else GB18030.
pub fn detect_encoding(path: &Path, declared: Encoding) -> Result<&'static encoding_rs::Encoding> {
    match declared {
        Encoding::Utf8 => return Ok(encoding_rs::UTF_8),
        Encoding::Gb18030 => return Ok(encoding_rs::GB18030),
        Encoding::Auto => {}
    }
    let mut head = Vec::with_capacity(1 << 20);
    File::open(path)
        .and_then(|f| f.take(1 << 20).read_to_end(&mut head))
        .map_err(|source| IngestError::Io { path: path.into(), source })?;
    Ok(if mostly_utf8(&head) { encoding_rs::UTF_8 } else { encoding_rs::GB18030 })
}

/// UTF-8 unless invalid sequences are more than a trace: a GB18030 file fails on nearly every Chinese
/// character, while a UTF-8 export with one row pasted in from elsewhere should still read as UTF-8 (that
/// row is then quarantined for its undecodable cells).
fn mostly_utf8(sample: &[u8]) -> bool {
    let mut rest = sample;
    let mut invalid = 0usize;
    while let Err(e) = std::str::from_utf8(rest) {
        match e.error_len() {
            Some(len) => {
                invalid += len;
                rest = &rest[e.valid_up_to() + len..];
            }
            // A multi-byte character cut at the end of the sample is still UTF-8.
            None => break,
        }
    }
    invalid * 50 < sample.len().max(1)
}

fn read_csv(
    path: &Path,
    declared: Encoding,
    progress: &Arc<ReadProgress>,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let encoding = detect_encoding(path, declared)?;
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(BufReader::with_capacity(1 << 16, open(path, progress)?));
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(decoded);
    let mut record = csv::StringRecord::new();
    loop {
        let row = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                // The sink's row keeps its strings from the last time it was filled: no allocation per
                // cell once the rows are warm.
                sink.row_to_fill().refill(row, record.len(), record.iter());
                sink.filled()?;
            }
            Err(e) => {
                let row = e.position().map_or(row, csv::Position::line);
                return Err(IngestError::Malformed {
                    path: path.into(),
                    row,
                    message: format!("{e}; the file is not valid CSV from here on: check the quoting in that row"),
                });
            }
        }
    }
}

fn read_jsonl(path: &Path, progress: &Arc<ReadProgress>, sink: &mut dyn RowSink) -> Result<()> {
    let reader = BufReader::with_capacity(1 << 16, open(path, progress)?);
    // The first object's keys are the header; later objects are laid out in that order.
    let mut header: Vec<String> = Vec::new();
    let mut before_header: Vec<RawRow> = Vec::new();
    for (index, line) in reader.split(b'\n').enumerate() {
        let row = index as u64 + 1;
        let line = line.map_err(|source| IngestError::Io { path: path.into(), source })?;
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        let object = match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(object)) => object,
            Ok(_) => {
                before_or_now(&header, &mut before_header, RawRow { row, malformed: Some("the line is JSON but not an object".into()), ..RawRow::default() }, sink)?;
                continue;
            }
            Err(e) => {
                before_or_now(&header, &mut before_header, RawRow { row, malformed: Some(format!("the line is not valid JSON ({e})")), ..RawRow::default() }, sink)?;
                continue;
            }
        };
        if header.is_empty() {
            header = object.keys().cloned().collect();
            hand_row(sink, RawRow { row: 0, cells: header.clone(), malformed: None })?;
            for early in before_header.drain(..) {
                hand_row(sink, early)?;
            }
        }
        let cells = header.iter().map(|key| object.get(key).map(json_text).unwrap_or_default()).collect();
        hand_row(sink, RawRow { row, cells, malformed: None })?;
    }
    for early in before_header {
        hand_row(sink, early)?;
    }
    Ok(())
}

/// A malformed line before the first object waits until the header is known, so it is counted as data.
fn before_or_now(header: &[String], pending: &mut Vec<RawRow>, row: RawRow, sink: &mut dyn RowSink) -> Result<()> {
    if header.is_empty() {
        pending.push(row);
        Ok(())
    } else {
        hand_row(sink, row)
    }
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn read_xlsx(
    path: &Path,
    sheets: &[String],
    progress: &Arc<ReadProgress>,
    sink: &mut dyn RowSink,
) -> Result<()> {
    let malformed = |message: String| IngestError::Malformed { path: path.into(), row: 0, message };
    if let Ok(meta) = std::fs::metadata(path) {
        progress.bytes.fetch_add(meta.len(), Ordering::Relaxed);
    }
    let mut workbook: Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| malformed(format!("not a readable XLSX workbook ({e}); is the file complete?")))?;
    let names = workbook.sheet_names();
    let wanted: Vec<String> = if sheets.is_empty() {
        vec![names.first().cloned().ok_or_else(|| malformed("the workbook has no sheets".into()))?]
    } else {
        sheets.to_vec()
    };
    for sheet in &wanted {
        if !names.contains(sheet) {
            return Err(IngestError::SheetNotFound { path: path.into(), sheet: sheet.clone(), available: names });
        }
    }
    for sheet in wanted {
        sink.sheet(&sheet)?;
        let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(|e| malformed(format!("sheet `{sheet}`: {e}")))?;
        let mut current: Option<RawRow> = None;
        while let Some(cell) = cells.next_cell().map_err(|e| malformed(format!("sheet `{sheet}`: {e}")))? {
            let (row, col) = cell.get_position();
            let row = u64::from(row) + 1;
            if let Some(done) = current.take_if(|r| r.row != row) {
                hand_row(sink, done)?;
            }
            let raw = current.get_or_insert_with(|| RawRow { row, ..RawRow::default() });
            let col = col as usize;
            if raw.cells.len() <= col {
                raw.cells.resize(col + 1, String::new());
            }
            raw.cells[col] = cell_text(cell.get_value());
        }
        if let Some(last) = current {
            hand_row(sink, last)?;
        }
    }
    Ok(())
}

fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => dt.as_datetime().map(|d| d.date().to_string()).unwrap_or_default(),
        // `#DIV/0!` and friends: kept as text so the row is quarantined with the error named.
        DataRef::Error(e) => e.to_string(),
    }
}
