//! Header matching and typed conversion: text cells -> validated canonical values -> Arrow batches,
//! or a quarantine record naming the column, the (masked) value and the reason.

use std::borrow::Cow;
use std::cell::RefCell;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, AsArray, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::util::display::array_value_to_string;
use chrono::NaiveDate;
use hrss_core::codes::{current_district, industry_section, occupation_major_group};
use hrss_core::identifiers::{is_valid_uscc, ResidentId, ResidentIdError};
use hrss_core::Pseudonymizer;

use crate::error::temp_file_error;
use crate::seen_keys::{RepeatingKeys, SeenKeys};
use crate::source::RawRow;
use crate::spec::{ColumnSpec, ColumnType, Format, PipelineSpec};

/// Money is stored as Decimal(18, 2) yuan.
pub const MONEY_TYPE: DataType = DataType::Decimal128(18, 2);
/// A longer cell is a broken quote or a pasted document, not a value.
const MAX_CELL_CHARS: usize = 2_000;

/// What a row turned out to be.
#[derive(Debug)]
pub enum RowOutcome {
    Loaded,
    Quarantined(Rejection),
    /// Blank rows and footer lines (合计, 制表人, ...): not data.
    NotData,
}

/// Why a row was rejected: the first failing column, its value (masked where personal), a reason code and
/// a message with every failing column.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Rejection {
    pub row: u64,
    pub sheet: Option<String>,
    pub column: String,
    pub value: String,
    pub code: &'static str,
    pub reason: String,
}

/// A value that does not meet its column's rule.
#[derive(Debug)]
struct Invalid {
    code: &'static str,
    message: String,
}

fn invalid(code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid { code, message: message.into() }
}

#[derive(Debug, Clone)]
enum Value<'a> {
    /// Text borrowed from the row where it is stored as read, owned where it was converted.
    Str(Option<Cow<'a, str>>),
    Int(Option<i64>),
    Int32(Option<i32>),
    Float(Option<f64>),
    Money(Option<i128>),
    Bool(Option<bool>),
}

impl<'a> Value<'a> {
    fn text_of(text: impl Into<Cow<'a, str>>) -> Self {
        Self::Str(Some(text.into()))
    }

    fn hash_into(&self, hasher: &mut impl Hasher) {
        match self {
            Self::Str(v) => v.as_deref().hash(hasher),
            Self::Int(v) => v.hash(hasher),
            Self::Int32(v) => v.hash(hasher),
            Self::Float(v) => v.map(f64::to_bits).hash(hasher),
            Self::Money(v) => v.hash(hasher),
            Self::Bool(v) => v.hash(hasher),
        }
    }

    fn text(&self) -> Option<String> {
        match self {
            Self::Str(v) => v.as_deref().map(str::to_string),
            Self::Int(v) => v.map(|n| n.to_string()),
            Self::Int32(v) => v.map(|n| n.to_string()),
            Self::Float(v) => v.map(|n| n.to_string()),
            Self::Money(v) => v.map(|c| format!("{}.{:02}", c / 100, (c % 100).abs())),
            Self::Bool(v) => v.map(|b| b.to_string()),
        }
    }
}

#[derive(Debug)]
enum Buffer {
    Str(StringBuilder),
    Int(Vec<Option<i64>>),
    Int32(Vec<Option<i32>>),
    Date(Vec<Option<i32>>),
    Float(Vec<Option<f64>>),
    Money(Vec<Option<i128>>),
    Bool(Vec<Option<bool>>),
}

impl Buffer {
    fn for_type(data_type: &DataType) -> Self {
        match data_type {
            DataType::Int64 => Self::Int(Vec::new()),
            DataType::Int32 => Self::Int32(Vec::new()),
            DataType::Date32 => Self::Date(Vec::new()),
            DataType::Float64 => Self::Float(Vec::new()),
            DataType::Decimal128(..) => Self::Money(Vec::new()),
            DataType::Boolean => Self::Bool(Vec::new()),
            _ => Self::Str(StringBuilder::new()),
        }
    }

    fn push(&mut self, value: Value) {
        match (self, value) {
            (Self::Str(b), Value::Str(v)) => b.append_option(v.as_deref()),
            (Self::Int(b), Value::Int(v)) => b.push(v),
            (Self::Int32(b) | Self::Date(b), Value::Int32(v)) => b.push(v),
            (Self::Float(b), Value::Float(v)) => b.push(v),
            (Self::Money(b), Value::Money(v)) => b.push(v),
            (Self::Bool(b), Value::Bool(v)) => b.push(v),
            (buffer, value) => unreachable!("schema and values are built from the same spec: {buffer:?} <- {value:?}"),
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, arrow::error::ArrowError> {
        Ok(match self {
            Self::Str(b) => Arc::new(b.finish()),
            Self::Int(b) => Arc::new(Int64Array::from(std::mem::take(b))),
            Self::Int32(b) => Arc::new(Int32Array::from(std::mem::take(b))),
            Self::Date(b) => Arc::new(Date32Array::from(std::mem::take(b))),
            Self::Float(b) => Arc::new(Float64Array::from(std::mem::take(b))),
            Self::Money(b) => Arc::new(Decimal128Array::from(std::mem::take(b)).with_precision_and_scale(18, 2)?),
            Self::Bool(b) => Arc::new(BooleanArray::from(std::mem::take(b))),
        })
    }
}

fn spill_error(e: std::io::Error) -> arrow::error::ArrowError {
    temp_file_error("the unique keys of a long file", e)
}

/// Hashes unique keys; fixed seeds, so a file's duplicates do not depend on the run. (aHash: several times
/// faster than SipHash on these short keys, and as well spread, which matters: a collision would be taken
/// for a duplicate.)
static KEY_HASH: ahash::RandomState =
    ahash::RandomState::with_seeds(0x243f_6a88_85a3_08d3, 0x1319_8a2e_0370_7344, 0xa409_3822_299f_31d0, 0x082e_fa98_ec4e_6c89);

/// The last ID number as read, its pseudonym and the attributes kept; its `Debug` never shows the number.
#[derive(Default)]
struct LastPseudonym {
    raw: String,
    pseudonym: String,
    birth_year: i32,
    sex_code: u8,
}

impl std::fmt::Debug for LastPseudonym {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LastPseudonym(..)")
    }
}

/// Converts the rows of one file of one pipeline.
#[derive(Debug)]
pub struct Converter {
    spec: PipelineSpec,
    pseudonymizer: Pseudonymizer,
    load_id: String,
    /// For each kept column of the spec: its cell index in the file, once the header is found.
    cell_of_column: Option<Vec<Option<usize>>>,
    /// Cells of the header row, to tell a ragged CSV row.
    header_width: usize,
    /// The current sheet and the value its `sheet_column` gets.
    sheet: Option<(String, String)>,
    schema: SchemaRef,
    /// Positions in a row's values of the `unique_key` columns.
    key_fields: Vec<usize>,
    /// For each `replace_by` column: its position among the kept columns (`None` for a constant or a
    /// sheet's column).
    replace_by_columns: Vec<Option<usize>>,
    seen_keys: SeenKeys,
    /// The unique-key hashes of the buffered rows, checked against `seen_keys` when the batch is finished.
    buffered_keys: Vec<u64>,
    /// The last ID number and its pseudonym: a person's rows come together (one per scheme and month),
    /// so this saves most HMAC computations.
    last_pseudonym: RefCell<LastPseudonym>,
    buffers: Vec<Buffer>,
    rows_buffered: usize,
}

/// Output fields of one spec column.
fn fields_of(column: &ColumnSpec) -> Vec<Field> {
    let name = column.canonical();
    let kind = column.kind.expect("validated: kept columns have a type");
    let nullable = !column.required;
    match kind {
        ColumnType::String | ColumnType::Month | ColumnType::District => vec![Field::new(name, DataType::Utf8, nullable)],
        ColumnType::Int => vec![Field::new(name, DataType::Int64, nullable)],
        ColumnType::Number => vec![Field::new(name, DataType::Float64, nullable)],
        ColumnType::Money => vec![Field::new(name, MONEY_TYPE, nullable)],
        ColumnType::Date => vec![Field::new(name, DataType::Date32, nullable)],
        ColumnType::ResidentId => vec![
            Field::new(name, DataType::Utf8, nullable),
            Field::new("birth_year", DataType::Int32, true),
            Field::new("sex", DataType::Utf8, true),
            Field::new("native_region_code", DataType::Utf8, true),
        ],
        ColumnType::Uscc => vec![
            Field::new(name, DataType::Utf8, nullable),
            Field::new(format!("{name}_valid"), DataType::Boolean, true),
        ],
        ColumnType::Industry => vec![
            Field::new(name, DataType::Utf8, nullable),
            Field::new(format!("{name}_section"), DataType::Utf8, true),
        ],
        ColumnType::Occupation => vec![
            Field::new(name, DataType::Utf8, nullable),
            Field::new(format!("{name}_group"), DataType::Utf8, true),
        ],
    }
}

/// The schema of a pipeline's staging table.
pub fn staging_schema(spec: &PipelineSpec) -> SchemaRef {
    let mut fields: Vec<Field> = spec.kept_columns().flat_map(fields_of).collect();
    fields.extend(spec.constants.keys().map(|k| Field::new(k, DataType::Utf8, false)));
    fields.extend(spec.source.sheet_column.iter().map(|c| Field::new(c, DataType::Utf8, false)));
    fields.push(Field::new("_load_id", DataType::Utf8, false));
    fields.push(Field::new("_source_row", DataType::Int64, false));
    Arc::new(Schema::new(fields))
}

fn normalize_header(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).map(|c| match c { '（' => '(', '）' => ')', c => c }).collect()
}

/// The names of a two-row merged header: `Parent/Child` under a parent merged across its children, the top
/// cell alone where the bottom cell is empty (merged vertically).
pub fn combine_header_rows(top: &RawRow, bottom: &RawRow) -> RawRow {
    let width = top.cells.len().max(bottom.cells.len());
    let mut parent = String::new();
    let cells = (0..width)
        .map(|i| {
            let upper = top.cells.get(i).map_or("", |s| s.trim());
            let lower = bottom.cells.get(i).map_or("", |s| s.trim());
            if !upper.is_empty() {
                parent = upper.to_string();
            }
            match (upper.is_empty(), lower.is_empty()) {
                (_, true) => upper.to_string(),
                (false, false) => format!("{upper}/{lower}"),
                (true, false) if parent.is_empty() => lower.to_string(),
                (true, false) => format!("{parent}/{lower}"),
            }
        })
        .collect();
    RawRow { row: bottom.row, cells, malformed: None }
}

impl Converter {
    pub fn new(spec: &PipelineSpec, pseudonymizer: Pseudonymizer, load_id: &str) -> Self {
        let schema = staging_schema(spec);
        let buffers = schema.fields().iter().map(|f| Buffer::for_type(f.data_type())).collect();
        let key_fields = spec.target.unique_key.iter().filter_map(|k| schema.index_of(k).ok()).collect();
        let replace_by_columns =
            spec.target.replace_by.iter().map(|column| spec.kept_columns().position(|c| c.canonical() == column)).collect();
        Self {
            spec: spec.clone(),
            pseudonymizer,
            load_id: load_id.to_string(),
            cell_of_column: None,
            header_width: 0,
            sheet: None,
            schema,
            key_fields,
            replace_by_columns,
            seen_keys: SeenKeys::default(),
            buffered_keys: Vec::new(),
            last_pseudonym: RefCell::default(),
            buffers,
            rows_buffered: 0,
        }
    }

    pub fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    pub fn header_found(&self) -> bool {
        self.cell_of_column.is_some()
    }

    /// A new sheet starts: its header must be found again.
    pub fn start_sheet(&mut self, name: &str) {
        let value = self.spec.source.sheet_map.get(name).cloned().unwrap_or_else(|| name.to_string());
        self.sheet = Some((name.to_string(), value));
        self.cell_of_column = None;
    }

    pub fn sheet(&self) -> Option<&str> {
        self.sheet.as_ref().map(|(name, _)| name.as_str())
    }

    fn column_position(cells: &[String], column: &ColumnSpec) -> Option<usize> {
        column.headers().find_map(|header| {
            let wanted = normalize_header(header);
            cells.iter().position(|cell| *cell == wanted)
        })
    }

    /// Tries `row` as the header; true when every required column was found in it.
    pub fn try_header(&mut self, row: &RawRow) -> bool {
        let cells: Vec<String> = row.cells.iter().map(|c| normalize_header(c)).collect();
        let mapping: Vec<Option<usize>> = self.spec.kept_columns().map(|c| Self::column_position(&cells, c)).collect();
        let complete = self.spec.kept_columns().zip(&mapping).all(|(c, cell)| cell.is_some() || !c.required);
        if complete {
            self.cell_of_column = Some(mapping);
            self.header_width = cells.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
        }
        complete
    }

    /// The required columns missing from `row`, for the error when no header is found.
    pub fn missing_in(&self, row: &RawRow) -> Vec<String> {
        let cells: Vec<String> = row.cells.iter().map(|c| normalize_header(c)).collect();
        self.spec
            .kept_columns()
            .filter(|c| c.required && Self::column_position(&cells, c).is_none())
            .map(|c| c.source.clone())
            .collect()
    }

    fn is_not_data(&self, row: &RawRow) -> bool {
        if row.malformed.is_some() {
            return false;
        }
        match row.cells.iter().map(|c| c.trim()).find(|c| !c.is_empty()) {
            None => true,
            Some(first) => self.spec.source.footer_markers.iter().any(|m| first.starts_with(m.as_str())),
        }
    }

    /// The canonical values of the `replace_by` columns in a data row (for the pre-pass that finds which
    /// periods a file covers); `None` for rows that are not data or would be rejected in those columns.
    pub fn replace_key_values(&self, row: &RawRow) -> Option<Vec<String>> {
        let mapping = self.cell_of_column.as_ref()?;
        if self.is_not_data(row) || row.malformed.is_some() {
            return None;
        }
        self.spec
            .target
            .replace_by
            .iter()
            .zip(&self.replace_by_columns)
            .map(|(column, kept)| {
                if let Some(value) = self.spec.constants.get(column) {
                    return Some(value.clone());
                }
                if self.spec.source.sheet_column.as_ref() == Some(column) {
                    return self.sheet.as_ref().map(|(_, value)| value.clone());
                }
                let spec = self.spec.kept_columns().nth((*kept)?)?;
                let raw = mapping[(*kept)?].and_then(|i| row.cells.get(i)).map_or("", |s| s.trim());
                let mut converted = Vec::new();
                self.convert(spec, raw, &mut converted).ok()?;
                converted.first()?.text()
            })
            .collect()
    }

    /// Writes the raw cells of the `replace_by` columns, as read, into `spelling`, each followed by a unit
    /// separator (a constant or a sheet's column adds an empty cell): rows with the same spelling have the
    /// same `replace_key_values`.
    pub fn replace_key_spelling(&self, row: &RawRow, spelling: &mut String) {
        spelling.clear();
        let Some(mapping) = self.cell_of_column.as_ref() else { return };
        for kept in &self.replace_by_columns {
            spelling.push_str(kept.and_then(|i| mapping[i]).and_then(|cell| row.cells.get(cell)).map_or("", String::as_str));
            spelling.push('\u{1f}');
        }
    }

    /// Why a row as a whole cannot be read, before looking at its values.
    fn row_problem(&self, row: &RawRow) -> Option<Rejection> {
        let reject = |code, value: &str, reason: String| Rejection {
            row: row.row,
            sheet: self.sheet().map(str::to_string),
            column: String::new(),
            value: redact(&value.chars().take(60).collect::<String>()),
            code,
            reason: redact(&reason),
        };
        if let Some(message) = &row.malformed {
            return Some(reject("malformed_row", "", message.clone()));
        }
        // CSV rows carry every cell; a different count means a shifted or cut row. (XLSX omits trailing blanks.)
        if self.spec.source.format == Format::Csv && row.cells.len() != self.header_width {
            let extra_filled = row.cells.iter().skip(self.header_width).any(|c| !c.trim().is_empty());
            if row.cells.len() < self.header_width || extra_filled {
                return Some(reject(
                    "ragged_row",
                    "",
                    format!(
                        "the row has {} cells but the header has {}: a delimiter inside an unquoted value, or a cut-off line",
                        row.cells.len(),
                        self.header_width
                    ),
                ));
            }
        }
        None
    }

    /// Converts one data row into the buffers, or says why it is rejected.
    pub fn push_row(&mut self, row: &RawRow) -> RowOutcome {
        if self.is_not_data(row) {
            return RowOutcome::NotData;
        }
        if let Some(rejection) = self.row_problem(row) {
            return RowOutcome::Quarantined(rejection);
        }
        let mapping = self.cell_of_column.as_ref().expect("push_row is called after the header is found");
        let mut values = Vec::with_capacity(self.schema.fields().len());
        let mut rejection: Option<Rejection> = None;
        for (spec, cell) in self.spec.kept_columns().zip(mapping) {
            let raw = cell.and_then(|i| row.cells.get(i)).map_or("", |s| trim_cell(s));
            match self.convert(spec, raw, &mut values) {
                Ok(()) => {}
                Err(problem) => match &mut rejection {
                    Some(r) => r.reason = redact(&format!("{}; {}: {}", r.reason, spec.source, problem.message)),
                    None => {
                        rejection = Some(Rejection {
                            row: row.row,
                            sheet: self.sheet().map(str::to_string),
                            column: spec.source.clone(),
                            value: mask(spec, raw),
                            code: problem.code,
                            reason: redact(&format!("{}: {}", spec.source, problem.message)),
                        });
                    }
                },
            }
        }
        if let Some(rejection) = rejection {
            return RowOutcome::Quarantined(rejection);
        }
        values.extend(self.spec.constants.values().map(|v| Value::text_of(v.as_str())));
        if self.spec.source.sheet_column.is_some() {
            values.push(Value::Str(self.sheet.as_ref().map(|(_, value)| Cow::Borrowed(value.as_str()))));
        }
        if !self.key_fields.is_empty() {
            let mut hasher = KEY_HASH.build_hasher();
            for index in &self.key_fields {
                values[*index].hash_into(&mut hasher);
            }
            self.buffered_keys.push(hasher.finish());
        }
        values.push(Value::text_of(self.load_id.as_str()));
        values.push(Value::Int(Some(row.row as i64)));
        for (buffer, value) in self.buffers.iter_mut().zip(values) {
            buffer.push(value);
        }
        self.rows_buffered += 1;
        RowOutcome::Loaded
    }

    /// Keeps at most `held` unique keys in memory, writing older ones to temporary files.
    pub fn hold_keys(&mut self, held: usize) {
        self.seen_keys = SeenKeys::holding(held);
    }

    /// Keys known to repeat in the file, from `repeats_missed` of an earlier read.
    pub fn expect_repeats(&mut self, keys: RepeatingKeys) {
        self.seen_keys.expect_repeats(keys);
    }

    /// After the last row: `None` when every duplicate key was found as its row came, else the keys that
    /// repeat in the file, for a second read (see `SeenKeys`).
    pub fn repeats_missed(&mut self) -> Result<Option<RepeatingKeys>, arrow::error::ArrowError> {
        self.seen_keys.repeats_missed().map_err(spill_error)
    }

    pub fn rows_buffered(&self) -> usize {
        self.rows_buffered
    }

    /// Drains the buffered rows into a batch, less the rows whose unique key an earlier row of the file has:
    /// those come back as rejections. The keys are checked here, a batch at a time, so that their lookups
    /// overlap (`SortedKeys::contains_group`).
    pub fn finish_batch(&mut self) -> Result<(RecordBatch, Vec<Rejection>), arrow::error::ArrowError> {
        let columns = self.buffers.iter_mut().map(Buffer::finish).collect::<Result<Vec<_>, _>>()?;
        self.rows_buffered = 0;
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), columns)?;
        let duplicates = self.seen_keys.insert_all(&self.buffered_keys).map_err(spill_error)?;
        self.buffered_keys.clear();
        if duplicates.is_empty() {
            return Ok((batch, Vec::new()));
        }
        let rejections = duplicates.iter().map(|&position| self.duplicate(&batch, position)).collect::<Result<Vec<_>, _>>()?;
        let mut keep = vec![true; batch.num_rows()];
        for position in duplicates {
            keep[position] = false;
        }
        Ok((arrow::compute::filter_record_batch(&batch, &BooleanArray::from(keep))?, rejections))
    }

    /// The rejection of the batch's row at `position` as a duplicate; a key with a pseudonym is not shown.
    fn duplicate(&self, batch: &RecordBatch, position: usize) -> Result<Rejection, arrow::error::ArrowError> {
        let source_rows = batch.column(batch.num_columns() - 1).as_primitive::<arrow::datatypes::Int64Type>();
        let pseudonyms = self.spec.pseudonym_columns();
        let personal = self.spec.target.unique_key.iter().any(|k| pseudonyms.contains(k));
        let value = if personal {
            String::new()
        } else {
            let key = self.key_fields.iter().map(|&i| array_value_to_string(batch.column(i), position)).collect::<Result<Vec<_>, _>>()?;
            key.join(",")
        };
        Ok(Rejection {
            row: u64::try_from(source_rows.value(position)).unwrap_or_default(),
            sheet: self.sheet().map(str::to_string),
            column: self.spec.target.unique_key.join(","),
            value,
            code: "duplicate_key",
            reason: format!("duplicate: an earlier row of this file has the same ({})", self.spec.target.unique_key.join(", ")),
        })
    }

    /// Appends the canonical values of one cell (one or more columns) to `out`.
    fn convert<'a>(&self, spec: &ColumnSpec, raw: &'a str, out: &mut Vec<Value<'a>>) -> Result<(), Invalid> {
        let kind = spec.kind.expect("validated: kept columns have a type");
        if raw.is_empty() {
            if spec.required {
                return Err(invalid("required_missing", "required value is empty"));
            }
            out.extend(fields_of(spec).iter().map(|f| null_of(f.data_type())));
            return Ok(());
        }
        // Bytes bound characters from above: only a long cell pays for counting its characters.
        if raw.len() > MAX_CELL_CHARS && raw.chars().count() > MAX_CELL_CHARS {
            return Err(invalid(
                "cell_too_long",
                format!("the cell holds {} characters (limit {MAX_CELL_CHARS}): an unclosed quote or pasted text", raw.chars().count()),
            ));
        }
        if raw.contains('\u{fffd}') {
            return Err(invalid("bad_encoding", "the cell holds bytes that are not text in the file's encoding: the file mixes encodings; re-export it as UTF-8 or GB18030"));
        }
        if is_excel_error(raw) {
            return Err(invalid("excel_error", format!("the cell holds the Excel formula error {raw}; fix the formula in the workbook")));
        }
        let range = |value: f64| check_range(spec, value);
        match kind {
            ColumnType::String => {
                let value: Cow<'a, str> = if spec.map.is_empty() {
                    Cow::Borrowed(raw)
                } else {
                    Cow::Owned(spec.map.get(raw).cloned().ok_or_else(|| {
                        invalid("not_in_code_list", format!("`{raw}` is not one of the accepted values {:?}", spec.map.keys().collect::<Vec<_>>()))
                    })?)
                };
                out.push(Value::Str(Some(value)));
                Ok(())
            }
            ColumnType::Int => {
                let cleaned = raw.replace([',', '，'], "");
                let n = match spec.unit_factor {
                    None => cleaned.parse::<i64>().ok(),
                    Some(factor) => cleaned.parse::<f64>().ok().filter(|v| v.is_finite()).map(|v| (v * factor).round() as i64),
                }
                .ok_or_else(|| invalid("not_a_number", format!("`{raw}` is not a whole number")))?;
                range(n as f64)?;
                out.push(Value::Int(Some(n)));
                Ok(())
            }
            ColumnType::Number => {
                let cleaned: String = raw.chars().filter(|c| !matches!(c, ',' | '，' | '%' | '％')).collect();
                let v = cleaned
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| invalid("not_a_number", format!("`{raw}` is not a number")))?
                    * spec.unit_factor.unwrap_or(1.0);
                range(v)?;
                out.push(Value::Float(Some(v)));
                Ok(())
            }
            ColumnType::Money => {
                let cents = parse_money(raw, spec.unit_factor.unwrap_or(1.0)).ok_or_else(|| {
                    invalid("not_an_amount", format!("`{raw}` is not an amount{}", spec.unit.as_ref().map(|u| format!(" in {u}")).unwrap_or_default()))
                })?;
                range(cents as f64 / 100.0)?;
                out.push(Value::Money(Some(cents)));
                Ok(())
            }
            ColumnType::Month => {
                let month = parse_month(raw).ok_or_else(|| {
                    invalid("not_a_month", format!("`{raw}` is not a month (expected e.g. 2024-03, 202403, 2024年3月 or 2024/3/1)"))
                })?;
                out.push(Value::text_of(month));
                Ok(())
            }
            ColumnType::Date => {
                let date = parse_date(raw).ok_or_else(|| {
                    invalid("not_a_date", format!("`{raw}` is not a date (expected e.g. 2024-03-05, 2024/3/5, 20240305 or 2024年3月5日)"))
                })?;
                out.push(Value::Int32(Some(date.signed_duration_since(UNIX_EPOCH_DATE).num_days() as i32)));
                Ok(())
            }
            ColumnType::ResidentId => {
                let mut last = self.last_pseudonym.borrow_mut();
                // Only a number that parsed is remembered, so a repeat needs no second check.
                if last.raw != raw {
                    let id = ResidentId::parse(raw).map_err(|e| {
                        let code = if matches!(e, ResidentIdError::CheckDigit { .. }) { "bad_check_digit" } else { "bad_identifier" };
                        invalid(code, e.to_string())
                    })?;
                    last.pseudonym = self.pseudonymizer.pseudonym("person", id.as_str());
                    last.birth_year = id.birth_year();
                    last.sex_code = id.sex_code();
                    last.raw.clear();
                    last.raw.push_str(raw);
                }
                out.extend([
                    Value::text_of(last.pseudonym.clone()),
                    Value::Int32(Some(last.birth_year)),
                    Value::text_of(if last.sex_code == 1 { "1" } else { "2" }),
                    // The first six digits, in a legacy 15-digit number too.
                    Value::text_of(&raw[..6]),
                ]);
                Ok(())
            }
            ColumnType::Uscc => {
                let code: Cow<'a, str> =
                    if raw.bytes().any(|b| b.is_ascii_lowercase()) { Cow::Owned(raw.to_ascii_uppercase()) } else { Cow::Borrowed(raw) };
                if code.chars().count() != 18 {
                    return Err(invalid("bad_identifier", format!("unified social credit code has {} characters, expected 18", code.chars().count())));
                }
                let valid = is_valid_uscc(&code);
                out.extend([Value::text_of(code), Value::Bool(Some(valid))]);
                Ok(())
            }
            ColumnType::District => {
                let district = current_district(raw)
                    .ok_or_else(|| invalid("not_in_code_list", format!("`{raw}` is not a GB/T 2260 code of a Shaoxing district or county")))?;
                out.push(Value::text_of(district.code));
                Ok(())
            }
            ColumnType::Industry => {
                let digits = raw.trim_start_matches(|c: char| c.is_ascii_alphabetic());
                let division = digits.get(..2).filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
                let section = division.and_then(industry_section).ok_or_else(|| {
                    invalid("not_in_code_list", format!("`{raw}` is not a GB/T 4754-2017 industry code (e.g. C17, 17 or C1711)"))
                })?;
                out.extend([Value::Str(division.map(Cow::Borrowed)), Value::text_of(letter(section))]);
                Ok(())
            }
            ColumnType::Occupation => {
                let well_formed = raw.chars().all(|c| c.is_ascii_digit() || c == '-');
                let group = occupation_major_group(raw).filter(|_| well_formed).ok_or_else(|| {
                    invalid("not_in_code_list", format!("`{raw}` is not a GB/T 6565-2015 occupation code (e.g. 6-04-01-01 or 2)"))
                })?;
                out.extend([Value::text_of(raw), Value::text_of(group)]);
                Ok(())
            }
        }
    }
}

const UNIX_EPOCH_DATE: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

/// `str::trim`, with a shortcut for the usual cell that starts and ends in a visible ASCII character.
fn trim_cell(cell: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    if visible(cell.as_bytes().first()) && visible(cell.as_bytes().last()) { cell } else { cell.trim() }
}

fn is_excel_error(raw: &str) -> bool {
    matches!(raw, "#DIV/0!" | "#N/A" | "#NAME?" | "#NULL!" | "#NUM!" | "#REF!" | "#VALUE!" | "#DATA!")
}

fn null_of(data_type: &DataType) -> Value<'static> {
    match data_type {
        DataType::Int64 => Value::Int(None),
        DataType::Int32 | DataType::Date32 => Value::Int32(None),
        DataType::Float64 => Value::Float(None),
        DataType::Decimal128(..) => Value::Money(None),
        DataType::Boolean => Value::Bool(None),
        _ => Value::Str(None),
    }
}

fn check_range(spec: &ColumnSpec, value: f64) -> Result<(), Invalid> {
    if let Some(min) = spec.min.filter(|min| value < *min) {
        return Err(invalid("out_of_range", format!("{value} is below the minimum {min}")));
    }
    if let Some(max) = spec.max.filter(|max| value > *max) {
        return Err(invalid("out_of_range", format!("{value} is above the maximum {max}")));
    }
    Ok(())
}

/// Personal values are masked in the quarantine as `330602********123X`: the region and the last four
/// characters remain, the birth date never does. Long values are cut.
fn mask(spec: &ColumnSpec, raw: &str) -> String {
    match spec.kind {
        Some(ColumnType::ResidentId) => {
            let chars: Vec<char> = raw.chars().collect();
            if chars.len() <= 10 {
                return "*".repeat(chars.len());
            }
            let (head, tail) = (&chars[..6], &chars[chars.len() - 4..]);
            format!("{}{}{}", head.iter().collect::<String>(), "*".repeat(chars.len() - 10), tail.iter().collect::<String>())
        }
        _ if raw.chars().count() > 60 => redact(&format!("{}…", raw.chars().take(60).collect::<String>())),
        _ => redact(raw),
    }
}

/// Masks anything shaped like a resident ID number (15 or 18 characters of digits, X last) or a mobile
/// number (11 digits from 1), wherever it sits: a shifted row can put one in any column.
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let run = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 0 {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let with_x = run == 17 && chars.get(i + 17).is_some_and(|c| matches!(c, 'X' | 'x'));
        let len = if with_x { 18 } else { run };
        let digits: String = chars[i..i + len].iter().collect();
        match len {
            15 | 18 => out.push_str(&format!("{}{}{}", &digits[..6], "*".repeat(len - 10), &digits[len - 4..])),
            11 if digits.starts_with('1') => out.push_str(&format!("{}****{}", &digits[..3], &digits[7..])),
            _ => out.push_str(&digits),
        }
        i += len;
    }
    out
}

/// Parses `1,234.56`, `¥1234.5`, `1234元` into hundredths of the canonical unit after multiplying by `factor`.
pub fn parse_money(raw: &str, factor: f64) -> Option<i128> {
    let plain = raw.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    let cleaned: Cow<'_, str> = if plain {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(raw.chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '¥' | '￥' | '元')).collect())
    };
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_ref()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = u32::try_from(fraction.len()).ok()?;
    let mantissa = whole.bytes().chain(fraction.bytes()).try_fold(0i128, |n, b| n.checked_mul(10)?.checked_add(i128::from(b - b'0')))?;
    let cents = if factor.fract() == 0.0 && factor.abs() < 1e12 {
        // Exact for integral factors (万元 -> yuan), rounding half away from zero past two decimals.
        let scaled = mantissa.checked_mul(factor as i128)?.checked_mul(100)?;
        let divisor = 10i128.checked_pow(scale)?;
        (scaled + divisor / 2) / divisor
    } else {
        (mantissa as f64 * factor * 100.0 / 10f64.powi(scale as i32)).round() as i128
    };
    Some(if negative { -cents } else { cents })
}

/// An Excel serial day number (days since 1899-12-30, as a General-formatted date cell shows).
fn excel_serial_date(raw: &str) -> Option<NaiveDate> {
    let serial: f64 = raw.parse().ok()?;
    if !(20_000.0..=80_000.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(serial.trunc() as u64))
}

/// The first four runs of digits in `raw` and how many there are (at most four: enough to tell a date with a
/// time of day), without allocating: this runs for every date and month cell.
fn digit_groups(raw: &str) -> ([&str; 4], usize) {
    let mut groups = [""; 4];
    let mut count = 0;
    for group in raw.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).take(4) {
        groups[count] = group;
        count += 1;
    }
    (groups, count)
}

/// Parses the date spellings departments use.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    if let Some(date) = excel_serial_date(raw) {
        return Some(date);
    }
    let (groups, count) = digit_groups(raw);
    let (year, month, day) = match &groups[..count] {
        [single] if single.len() == 8 => (&single[..4], &single[4..6], &single[6..8]),
        // A time of day after the date (`2024-03-05 00:00:00`) is ignored.
        [year, month, day, ..] if year.len() == 4 && month.len() <= 2 && day.len() <= 2 => (*year, *month, *day),
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)?;
    (1900..=2100).contains(&chrono::Datelike::year(&date)).then_some(date)
}

const FIRST_MONTH_YEAR: u32 = 1990;
const LAST_MONTH_YEAR: u32 = 2100;

/// `YYYY-MM` of every month a cell may name, made once: a month column repeats a few values millions of times.
static MONTHS: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
    (FIRST_MONTH_YEAR..=LAST_MONTH_YEAR).flat_map(|year| (1..=12).map(move |month| format!("{year:04}-{month:02}"))).collect()
});

fn month_text(year: u32, month: u32) -> Option<&'static str> {
    let valid = (FIRST_MONTH_YEAR..=LAST_MONTH_YEAR).contains(&year) && (1..=12).contains(&month);
    valid.then(|| MONTHS[((year - FIRST_MONTH_YEAR) * 12 + month - 1) as usize].as_str())
}

/// The one-letter string of an industry section.
fn letter(section: char) -> &'static str {
    const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let index = (section as usize).wrapping_sub('A' as usize);
    LETTERS.get(index..index + 1).unwrap_or("?")
}

/// Parses the month spellings departments use into `YYYY-MM`.
pub fn parse_month(raw: &str) -> Option<&'static str> {
    if let Some(date) = excel_serial_date(raw) {
        return month_text(chrono::Datelike::year(&date) as u32, chrono::Datelike::month(&date));
    }
    let (groups, count) = digit_groups(raw);
    let (year, month) = match &groups[..count] {
        [single] if single.len() == 6 || single.len() == 8 => (&single[..4], &single[4..6]),
        [year, month, ..] if year.len() == 4 && month.len() <= 2 => (*year, *month),
        _ => return None,
    };
    month_text(year.parse().ok()?, month.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_spellings() {
        for raw in ["2024-03", "202403", "2024年3月", "2024/3/1", "2024-03-15", "20240315"] {
            assert_eq!(parse_month(raw), Some("2024-03"), "{raw}");
        }
        for raw in ["2024-13", "24-03", "三月", "1899-01"] {
            assert_eq!(parse_month(raw), None, "{raw}");
        }
    }

    #[test]
    fn identifiers_and_phones_are_masked_wherever_they_appear() {
        assert_eq!(redact("申请人33060219850315123X电话13800000001"), "申请人330602********123X电话138****0001");
        assert_eq!(redact("330602850315107"), "330602*****5107");
        assert_eq!(redact("2025-03 金额1600.00 代码91330602MA2D000014"), "2025-03 金额1600.00 代码91330602MA2D000014");
    }

    #[test]
    fn date_spellings() {
        let expected = NaiveDate::from_ymd_opt(2024, 3, 5);
        for raw in ["2024-03-05", "2024/3/5", "20240305", "2024年3月5日", "2024.3.5", "45356", "2024-03-05 00:00:00"] {
            assert_eq!(parse_date(raw), expected, "{raw}");
        }
        for raw in ["2025-02-30", "2024-13-01", "05/03/2024", "昨天", "123"] {
            assert_eq!(parse_date(raw), None, "{raw}");
        }
        assert_eq!(parse_month("45356"), Some("2024-03"));
    }

    #[test]
    fn merged_two_row_header() {
        let row = |cells: &[&str]| RawRow { row: 1, cells: cells.iter().map(|c| c.to_string()).collect(), malformed: None };
        let combined = combine_header_rows(
            &row(&["年月", "基金收入", "", "基金支出", "", "期末累计结余"]),
            &row(&["", "合计", "征缴收入", "合计", "待遇支出", ""]),
        );
        assert_eq!(
            combined.cells,
            ["年月", "基金收入/合计", "基金收入/征缴收入", "基金支出/合计", "基金支出/待遇支出", "期末累计结余"]
        );
    }

    #[test]
    fn money_in_yuan_and_wan_yuan() {
        assert_eq!(parse_money("1,234.56", 1.0), Some(123_456));
        assert_eq!(parse_money("¥1234.5", 1.0), Some(123_450));
        assert_eq!(parse_money("12.3456", 10_000.0), Some(12_345_600));
        assert_eq!(parse_money("-3.005", 1.0), Some(-301));
        for raw in ["", "abc", "1.2.3", "十元", "—"] {
            assert_eq!(parse_money(raw, 1.0), None, "{raw}");
        }
    }
}
