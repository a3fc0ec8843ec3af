//! Readers that stream a departmental file row by row as text cells, whatever its format and encoding.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

use crate::error::{IngestError, Result};
use crate::spec::{Encoding, Format, SourceSpec};

/// One row of a source file as text, with the row number a person sees (CSV line, Excel row), 1-based.
#[derive(Debug, Clone)]
pub struct RawRow {
    pub row: u64,
    pub cells: Vec<String>,
}

/// Calls `on_row` for every row of the file, in order, holding one row at a time.
pub fn for_each_row(path: &Path, source: &SourceSpec, on_row: &mut dyn FnMut(RawRow) -> Result<()>) -> Result<()> {
    match source.format {
        Format::Csv => read_csv(path, source.encoding, on_row),
        Format::Xlsx => read_xlsx(path, source.sheet.as_deref(), on_row),
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
    let valid_utf8 = match std::str::from_utf8(&head) {
        Ok(_) => true,
        // A multi-byte character cut at the end of the sample is still UTF-8.
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    };
    Ok(if valid_utf8 { encoding_rs::UTF_8 } else { encoding_rs::GB18030 })
}

fn read_csv(path: &Path, declared: Encoding, on_row: &mut dyn FnMut(RawRow) -> Result<()>) -> Result<()> {
    let encoding = detect_encoding(path, declared)?;
    let file = File::open(path).map_err(|source| IngestError::Io { path: path.into(), source })?;
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(BufReader::with_capacity(1 << 16, file));
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(decoded);
    let mut record = csv::StringRecord::new();
    loop {
        let row = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => on_row(RawRow { row, cells: record.iter().map(str::to_string).collect() })?,
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

fn read_xlsx(path: &Path, sheet: Option<&str>, on_row: &mut dyn FnMut(RawRow) -> Result<()>) -> Result<()> {
    let malformed = |message: String| IngestError::Malformed { path: path.into(), row: 0, message };
    let mut workbook: Xlsx<_> =
        calamine::open_workbook(path).map_err(|e| malformed(format!("not a readable XLSX workbook: {e}")))?;
    let names = workbook.sheet_names();
    let sheet = match sheet {
        Some(wanted) if names.iter().any(|n| n == wanted) => wanted.to_string(),
        Some(wanted) => {
            return Err(IngestError::SheetNotFound { path: path.into(), sheet: wanted.into(), available: names });
        }
        None => names.first().cloned().ok_or_else(|| malformed("the workbook has no sheets".into()))?,
    };
    let mut cells = workbook.worksheet_cells_reader(&sheet).map_err(|e| malformed(e.to_string()))?;
    let mut current: Option<RawRow> = None;
    while let Some(cell) = cells.next_cell().map_err(|e| malformed(e.to_string()))? {
        let (row, col) = cell.get_position();
        let row = u64::from(row) + 1;
        if current.as_ref().is_some_and(|r| r.row != row) {
            on_row(current.take().expect("checked above"))?;
        }
        let raw = current.get_or_insert_with(|| RawRow { row, cells: Vec::new() });
        let col = col as usize;
        if raw.cells.len() <= col {
            raw.cells.resize(col + 1, String::new());
        }
        raw.cells[col] = cell_text(cell.get_value());
    }
    if let Some(last) = current {
        on_row(last)?;
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
        DataRef::Error(e) => format!("#{e}"),
    }
}
