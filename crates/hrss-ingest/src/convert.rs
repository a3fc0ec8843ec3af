//! Header matching and typed conversion: text cells -> validated canonical values -> Arrow batches,
//! or a quarantine record naming the column, the (masked) value and the reason.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Decimal128Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use hrss_core::codes::{current_district, industry_section};
use hrss_core::identifiers::{is_valid_uscc, ResidentId};
use hrss_core::Pseudonymizer;

use crate::source::RawRow;
use crate::spec::{ColumnSpec, ColumnType, PipelineSpec};

/// Money is stored as Decimal(18, 2) yuan.
pub const MONEY_TYPE: DataType = DataType::Decimal128(18, 2);

/// What a row turned out to be.
#[derive(Debug)]
pub enum RowOutcome {
    Loaded,
    Quarantined(Rejection),
    /// Blank rows and footer lines (合计, 制表人, ...): not data.
    NotData,
}

/// Why a row was rejected: the first failing column, its value (masked where personal) and every reason.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub row: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone)]
enum Value {
    Str(Option<String>),
    Int(Option<i64>),
    Int32(Option<i32>),
    Money(Option<i128>),
    Bool(Option<bool>),
}

#[derive(Debug)]
enum Buffer {
    Str(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Int32(Vec<Option<i32>>),
    Money(Vec<Option<i128>>),
    Bool(Vec<Option<bool>>),
}

impl Buffer {
    fn for_type(data_type: &DataType) -> Self {
        match data_type {
            DataType::Int64 => Self::Int(Vec::new()),
            DataType::Int32 => Self::Int32(Vec::new()),
            DataType::Decimal128(..) => Self::Money(Vec::new()),
            DataType::Boolean => Self::Bool(Vec::new()),
            _ => Self::Str(Vec::new()),
        }
    }

    fn push(&mut self, value: Value) {
        match (self, value) {
            (Self::Str(b), Value::Str(v)) => b.push(v),
            (Self::Int(b), Value::Int(v)) => b.push(v),
            (Self::Int32(b), Value::Int32(v)) => b.push(v),
            (Self::Money(b), Value::Money(v)) => b.push(v),
            (Self::Bool(b), Value::Bool(v)) => b.push(v),
            (buffer, value) => unreachable!("schema and values are built from the same spec: {buffer:?} <- {value:?}"),
        }
    }

    fn finish(&mut self) -> Result<ArrayRef, arrow::error::ArrowError> {
        Ok(match self {
            Self::Str(b) => Arc::new(StringArray::from(std::mem::take(b))),
            Self::Int(b) => Arc::new(Int64Array::from(std::mem::take(b))),
            Self::Int32(b) => Arc::new(Int32Array::from(std::mem::take(b))),
            Self::Money(b) => Arc::new(Decimal128Array::from(std::mem::take(b)).with_precision_and_scale(18, 2)?),
            Self::Bool(b) => Arc::new(BooleanArray::from(std::mem::take(b))),
        })
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
    schema: SchemaRef,
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
        ColumnType::Money => vec![Field::new(name, MONEY_TYPE, nullable)],
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
    }
}

/// The schema of a pipeline's staging table.
pub fn staging_schema(spec: &PipelineSpec) -> SchemaRef {
    let mut fields: Vec<Field> = spec.kept_columns().flat_map(fields_of).collect();
    fields.extend(spec.constants.keys().map(|k| Field::new(k, DataType::Utf8, false)));
    fields.push(Field::new("_load_id", DataType::Utf8, false));
    fields.push(Field::new("_source_row", DataType::Int64, false));
    Arc::new(Schema::new(fields))
}

fn normalize_header(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

impl Converter {
    pub fn new(spec: &PipelineSpec, pseudonymizer: Pseudonymizer, load_id: &str) -> Self {
        let schema = staging_schema(spec);
        let buffers = schema.fields().iter().map(|f| Buffer::for_type(f.data_type())).collect();
        Self {
            spec: spec.clone(),
            pseudonymizer,
            load_id: load_id.to_string(),
            cell_of_column: None,
            schema,
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

    /// Tries `row` as the header; true when every required column was found in it.
    pub fn try_header(&mut self, row: &RawRow) -> bool {
        let cells: Vec<String> = row.cells.iter().map(|c| normalize_header(c)).collect();
        let mapping: Vec<Option<usize>> = self
            .spec
            .kept_columns()
            .map(|c| cells.iter().position(|cell| *cell == normalize_header(&c.source)))
            .collect();
        let complete = self.spec.kept_columns().zip(&mapping).all(|(c, cell)| cell.is_some() || !c.required);
        if complete {
            self.cell_of_column = Some(mapping);
        }
        complete
    }

    /// The required columns missing from `row`, for the error when no header is found.
    pub fn missing_in(&self, row: &RawRow) -> Vec<String> {
        let cells: Vec<String> = row.cells.iter().map(|c| normalize_header(c)).collect();
        self.spec
            .kept_columns()
            .filter(|c| c.required && !cells.contains(&normalize_header(&c.source)))
            .map(|c| c.source.clone())
            .collect()
    }

    fn is_not_data(&self, row: &RawRow) -> bool {
        match row.cells.iter().map(|c| c.trim()).find(|c| !c.is_empty()) {
            None => true,
            Some(first) => self.spec.source.footer_markers.iter().any(|m| first.starts_with(m.as_str())),
        }
    }

    /// The canonical value of one column of a data row, for the pre-pass that finds which periods a file covers.
    pub fn key_value(&self, row: &RawRow, column: &str) -> Option<String> {
        let mapping = self.cell_of_column.as_ref()?;
        let (index, spec) = self.spec.kept_columns().enumerate().find(|(_, c)| c.canonical() == column)?;
        if self.is_not_data(row) {
            return None;
        }
        let raw = mapping[index].and_then(|i| row.cells.get(i)).map_or("", |s| s.trim());
        match self.convert(spec, raw) {
            Ok(values) => match values.into_iter().next() {
                Some(Value::Str(Some(s))) => Some(s),
                _ => None,
            },
            Err(_) => None,
        }
    }

    /// Converts one data row into the buffers, or says why it is rejected.
    pub fn push_row(&mut self, row: &RawRow) -> RowOutcome {
        if self.is_not_data(row) {
            return RowOutcome::NotData;
        }
        let mapping = self.cell_of_column.as_ref().expect("push_row is called after the header is found");
        let mut values = Vec::with_capacity(self.schema.fields().len());
        let mut rejection: Option<Rejection> = None;
        for (spec, cell) in self.spec.kept_columns().zip(mapping) {
            let raw = cell.and_then(|i| row.cells.get(i)).map_or("", |s| s.trim());
            match self.convert(spec, raw) {
                Ok(converted) => values.extend(converted),
                Err(reason) => match &mut rejection {
                    Some(r) => r.reason = format!("{}; {}: {reason}", r.reason, spec.source),
                    None => {
                        rejection = Some(Rejection {
                            row: row.row,
                            column: spec.source.clone(),
                            value: mask(spec, raw),
                            reason: format!("{}: {reason}", spec.source),
                        });
                    }
                },
            }
        }
        if let Some(rejection) = rejection {
            return RowOutcome::Quarantined(rejection);
        }
        values.extend(self.spec.constants.values().map(|v| Value::Str(Some(v.clone()))));
        values.push(Value::Str(Some(self.load_id.clone())));
        values.push(Value::Int(Some(row.row as i64)));
        for (buffer, value) in self.buffers.iter_mut().zip(values) {
            buffer.push(value);
        }
        self.rows_buffered += 1;
        RowOutcome::Loaded
    }

    pub fn rows_buffered(&self) -> usize {
        self.rows_buffered
    }

    /// Drains the buffered rows into a batch.
    pub fn finish_batch(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let columns = self.buffers.iter_mut().map(Buffer::finish).collect::<Result<Vec<_>, _>>()?;
        self.rows_buffered = 0;
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
    }

    fn convert(&self, spec: &ColumnSpec, raw: &str) -> Result<Vec<Value>, String> {
        let kind = spec.kind.expect("validated: kept columns have a type");
        if raw.is_empty() {
            if spec.required {
                return Err("required value is empty".into());
            }
            return Ok(fields_of(spec).iter().map(|f| null_of(f.data_type())).collect());
        }
        match kind {
            ColumnType::String => {
                let value = if spec.map.is_empty() {
                    raw.to_string()
                } else {
                    spec.map.get(raw).cloned().ok_or_else(|| {
                        format!("`{raw}` is not one of the accepted values {:?}", spec.map.keys().collect::<Vec<_>>())
                    })?
                };
                Ok(vec![Value::Str(Some(value))])
            }
            ColumnType::Int => {
                let n: i64 = raw.replace(',', "").parse().map_err(|_| format!("`{raw}` is not a whole number"))?;
                check_range(spec, n as f64)?;
                Ok(vec![Value::Int(Some(n))])
            }
            ColumnType::Money => {
                let cents = parse_money(raw, spec.unit_factor.unwrap_or(1.0))
                    .ok_or_else(|| format!("`{raw}` is not an amount{}", spec.unit.as_ref().map(|u| format!(" in {u}")).unwrap_or_default()))?;
                check_range(spec, cents as f64 / 100.0)?;
                Ok(vec![Value::Money(Some(cents))])
            }
            ColumnType::Month => Ok(vec![Value::Str(Some(parse_month(raw).ok_or_else(|| {
                format!("`{raw}` is not a month (expected e.g. 2024-03, 202403, 2024年3月 or 2024/3/1)")
            })?))]),
            ColumnType::ResidentId => {
                let id = ResidentId::parse(raw).map_err(|e| e.to_string())?;
                Ok(vec![
                    Value::Str(Some(self.pseudonymizer.pseudonym("person", id.as_str()))),
                    Value::Int32(Some(id.birth_year())),
                    Value::Str(Some(id.sex_code().to_string())),
                    Value::Str(Some(id.region_code().to_string())),
                ])
            }
            ColumnType::Uscc => {
                let code = raw.to_ascii_uppercase();
                if code.len() != 18 {
                    return Err(format!("unified social credit code has {} characters, expected 18", code.chars().count()));
                }
                let valid = is_valid_uscc(&code);
                Ok(vec![Value::Str(Some(code)), Value::Bool(Some(valid))])
            }
            ColumnType::District => {
                let district = current_district(raw)
                    .ok_or_else(|| format!("`{raw}` is not a GB/T 2260 code of a Shaoxing district or county"))?;
                Ok(vec![Value::Str(Some(district.code.to_string()))])
            }
            ColumnType::Industry => {
                let digits: String = raw.chars().skip_while(char::is_ascii_alphabetic).collect();
                let division = digits.get(..2).filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
                let section = division.and_then(industry_section).ok_or_else(|| {
                    format!("`{raw}` is not a GB/T 4754-2017 industry code (e.g. C17, 17 or C1711)")
                })?;
                Ok(vec![Value::Str(division.map(str::to_string)), Value::Str(Some(section.to_string()))])
            }
        }
    }
}

fn null_of(data_type: &DataType) -> Value {
    match data_type {
        DataType::Int64 => Value::Int(None),
        DataType::Int32 => Value::Int32(None),
        DataType::Decimal128(..) => Value::Money(None),
        DataType::Boolean => Value::Bool(None),
        _ => Value::Str(None),
    }
}

fn check_range(spec: &ColumnSpec, value: f64) -> Result<(), String> {
    if let Some(min) = spec.min.filter(|min| value < *min) {
        return Err(format!("{value} is below the minimum {min}"));
    }
    if let Some(max) = spec.max.filter(|max| value > *max) {
        return Err(format!("{value} is above the maximum {max}"));
    }
    Ok(())
}

/// Personal values are masked in the quarantine: only the region prefix and length of an ID number remain.
fn mask(spec: &ColumnSpec, raw: &str) -> String {
    match spec.kind {
        Some(ColumnType::ResidentId) => {
            let prefix: String = raw.chars().take(6).collect();
            format!("{prefix}{}", "*".repeat(raw.chars().count().saturating_sub(6)))
        }
        _ => raw.to_string(),
    }
}

/// Parses `1,234.56`, `¥1234.5`, `1234元` into hundredths of the canonical unit after multiplying by `factor`.
pub fn parse_money(raw: &str, factor: f64) -> Option<i128> {
    let cleaned: String = raw.chars().filter(|c| !matches!(c, ',' | '，' | ' ' | '¥' | '￥' | '元')).collect();
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = u32::try_from(fraction.len()).ok()?;
    let mantissa: i128 = format!("{whole}{fraction}").parse().ok()?;
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

/// Parses the month spellings departments use into `YYYY-MM`.
pub fn parse_month(raw: &str) -> Option<String> {
    let groups: Vec<&str> = raw.split(|c: char| !c.is_ascii_digit()).filter(|g| !g.is_empty()).collect();
    let (year, month) = match groups.as_slice() {
        [single] if single.len() == 6 || single.len() == 8 => (&single[..4], &single[4..6]),
        [year, month, ..] if year.len() == 4 && month.len() <= 2 => (*year, *month),
        _ => return None,
    };
    let year: u32 = year.parse().ok()?;
    let month: u32 = month.parse().ok()?;
    ((1990..=2100).contains(&year) && (1..=12).contains(&month)).then(|| format!("{year:04}-{month:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_spellings() {
        for raw in ["2024-03", "202403", "2024年3月", "2024/3/1", "2024-03-15", "20240315"] {
            assert_eq!(parse_month(raw).as_deref(), Some("2024-03"), "{raw}");
        }
        for raw in ["2024-13", "24-03", "三月", "1899-01"] {
            assert_eq!(parse_month(raw), None, "{raw}");
        }
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
