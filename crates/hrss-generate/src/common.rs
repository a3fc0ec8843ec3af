//! What the generators share: CSV writers in the departments' encodings, date spellings, workbook title,
//! header and footer rows, weighted picks, and the choice of which rows to break.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::{GenerateError, GeneratedFile, Result};

/// The data year of every person-level source.
pub const YEAR: i32 = 2025;
/// Share of rows made invalid the way real extracts are.
pub const BAD_ROW_RATE: f64 = 0.004;
/// Every person-level pipeline refuses a file with more than this share quarantined; planting stays below it.
const QUARANTINE_LIMIT: f64 = 0.05;

pub fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("a calendar date")
}

/// A uniformly drawn day in `from..=to`.
pub fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + chrono::Days::new(rng.random_range(0..=span) as u64)
}

pub fn add_days(day: NaiveDate, days: u64) -> NaiveDate {
    day + chrono::Days::new(days)
}

/// The ways departments spell a day.
#[derive(Debug, Clone, Copy)]
pub enum DateStyle {
    /// 2025-03-05
    Iso,
    /// 2025/3/5
    Slash,
    /// 20250305
    Compact,
    /// 2025年3月5日
    Chinese,
}

impl DateStyle {
    pub fn ymd(self, year: i32, month: u32, day: u32) -> String {
        match self {
            Self::Iso => format!("{year}-{month:02}-{day:02}"),
            Self::Slash => format!("{year}/{month}/{day}"),
            Self::Compact => format!("{year}{month:02}{day:02}"),
            Self::Chinese => format!("{year}年{month}月{day}日"),
        }
    }

    pub fn format(self, day: NaiveDate) -> String {
        self.ymd(day.year(), day.month(), day.day())
    }

    /// A day no calendar has, as one gets typed: 30 February, a 13th month, 31 April.
    pub fn impossible(self, rng: &mut ChaCha8Rng) -> String {
        match rng.random_range(0..3) {
            0 => self.ymd(YEAR, 2, rng.random_range(29..=30)),
            1 => self.ymd(YEAR, 13, rng.random_range(1..=28)),
            _ => self.ymd(YEAR, [4, 6, 9, 11][rng.random_range(0..4)], 31),
        }
    }
}

/// 2025年3月
pub fn month_chinese(year: i32, month: u32) -> String {
    format!("{year}年{month}月")
}

/// 202503
pub fn month_compact(year: i32, month: u32) -> String {
    format!("{year}{month:02}")
}

/// Yuan with two decimals, as exports print amounts.
pub fn yuan(amount: f64) -> String {
    format!("{amount:.2}")
}

/// An amount as a clerk mistypes it: a letter O for a zero, or a dash for "none".
pub fn mistyped_amount(rng: &mut ChaCha8Rng, amount: &str) -> String {
    if rng.random_bool(0.5) && amount.contains('0') { amount.replacen('0', "O", 1) } else { "—".into() }
}

/// The resident ID number with its check digit changed: a typo the check digit exists to catch.
pub fn wrong_check_digit(id: &str) -> String {
    let mut id = id.to_string();
    let last = id.pop().expect("a resident ID number");
    id.push(if last == '0' { '1' } else { '0' });
    id
}

pub fn pick_weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut ticket = rng.random_range(0..total);
    for item in items {
        let w = weight(item);
        if ticket < w {
            return item;
        }
        ticket -= w;
    }
    items.last().expect("non-empty list")
}

/// One label from a `(label, weight)` table.
pub fn pick<T: Copy>(rng: &mut ChaCha8Rng, table: &[(T, u32)]) -> T {
    pick_weighted(rng, table, |(_, w)| *w).0
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let v: f64 = rng.random();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Wages, firm sizes and amounts are right-skewed: lognormal around a median.
pub fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

/// Draws indices with probability proportional to their weights (e.g. employers by headcount).
#[derive(Debug)]
pub struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let cumulative = weights.into_iter().map(|w| {
            total += w.max(0.0);
            total
        });
        Self { cumulative: cumulative.collect() }
    }

    pub fn pick(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let ticket = rng.random_range(0.0..total.max(f64::MIN_POSITIVE));
        self.cumulative.partition_point(|c| *c <= ticket).min(self.cumulative.len().saturating_sub(1))
    }
}

/// `amount` distinct indices below `weights.len()`, larger weights more likely (Efraimidis-Spirakis keys).
pub fn sample_weighted(rng: &mut ChaCha8Rng, weights: &[f64], amount: usize) -> Vec<usize> {
    let mut keyed: Vec<(f64, usize)> =
        weights.iter().enumerate().map(|(i, w)| (rng.random_range(f64::EPSILON..1.0).powf(1.0 / w.max(1e-9)), i)).collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut chosen: Vec<usize> = keyed.into_iter().take(amount).map(|(_, i)| i).collect();
    chosen.sort_unstable();
    chosen
}

/// Which rows of a file of `rows` rows are broken: about 0.4%, at least one once a file has 20 rows, and never
/// more than the 5% a pipeline accepts before refusing the whole file.
#[derive(Debug)]
pub struct Planted {
    rows: HashSet<usize>,
}

impl Planted {
    pub fn choose(rng: &mut ChaCha8Rng, rows: usize) -> Self {
        let wanted = ((rows as f64 * BAD_ROW_RATE).round() as usize).max(1);
        let amount = wanted.min((rows as f64 * QUARANTINE_LIMIT).floor() as usize);
        Self { rows: rand::seq::index::sample(rng, rows, amount).into_iter().collect() }
    }

    pub fn contains(&self, row: usize) -> bool {
        self.rows.contains(&row)
    }
}

/// Rows written and rows broken, for the [`GeneratedFile`] a generator returns.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub data_rows: usize,
    pub planted: usize,
}

impl Tally {
    pub fn file(self, source: &'static str, path: &Path) -> GeneratedFile {
        GeneratedFile { source, path: path.into(), data_rows: self.data_rows, planted_bad_rows: self.planted }
    }
}

/// Encodes UTF-8 written to it as GB18030, keeping a character split across writes intact.
struct Gb18030Writer<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Write for Gb18030Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = std::str::from_utf8(&self.pending[..valid]).expect("checked prefix");
        let (encoded, _, _) = encoding_rs::GB18030.encode(text);
        self.inner.write_all(&encoded)?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// How a department's system encodes its CSV export.
#[derive(Debug, Clone, Copy)]
pub enum Encoding {
    Utf8,
    /// UTF-8 with a byte-order mark, as Excel on Windows saves "CSV UTF-8".
    Utf8Bom,
    /// The national standard encoding older Chinese systems export.
    Gb18030,
}

/// A CSV export with a header row.
pub struct CsvFile {
    path: PathBuf,
    out: csv::Writer<Box<dyn Write>>,
}

impl CsvFile {
    pub fn create(path: &Path, encoding: Encoding, header: &[&str]) -> Result<Self> {
        let file = BufWriter::new(File::create(path).map_err(|source| GenerateError::Io { path: path.into(), source })?);
        let sink: Box<dyn Write> = match encoding {
            Encoding::Utf8 => Box::new(file),
            Encoding::Utf8Bom => {
                let mut file = file;
                file.write_all("\u{feff}".as_bytes()).map_err(|source| GenerateError::Io { path: path.into(), source })?;
                Box::new(file)
            }
            Encoding::Gb18030 => Box::new(Gb18030Writer { inner: file, pending: Vec::new() }),
        };
        let mut csv = Self { path: path.into(), out: csv::Writer::from_writer(sink) };
        csv.row(header)?;
        Ok(csv)
    }

    pub fn row<I: IntoIterator<Item = T>, T: AsRef<[u8]>>(&mut self, cells: I) -> Result<()> {
        self.out.write_record(cells).map_err(|source| GenerateError::Csv { path: self.path.clone(), source })
    }

    /// Writes a data row and counts it; a planted duplicate is written a second time, as double exports are.
    pub fn data_row(&mut self, tally: &mut Tally, record: &[String], twice: bool) -> Result<()> {
        for _ in 0..if twice { 2 } else { 1 } {
            self.row(record)?;
            tally.data_rows += 1;
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(|source| GenerateError::Io { path: self.path.clone(), source })
    }
}

/// A JSON value of a JSON-lines export.
#[derive(Debug, Clone)]
pub enum Json {
    Str(String),
    Int(i64),
}

/// One JSON object on one line, keys in the order given (as the platform's exporter writes them).
pub fn json_line(fields: &[(&str, Json)]) -> String {
    let quote = |s: &str| {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    let body: Vec<String> = fields
        .iter()
        .map(|(key, value)| {
            let value = match value {
                Json::Str(s) => quote(s),
                Json::Int(n) => n.to_string(),
            };
            format!("{}: {value}", quote(key))
        })
        .collect();
    format!("{{{}}}", body.join(", "))
}

/// A cell of a workbook row.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A real Excel date cell, shown with the sheet's date format.
    Date(NaiveDate),
    Blank,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }
}

/// A workbook whose bytes depend only on what is written into it: a fixed author and creation time.
pub fn workbook() -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_ymd(2026, 1, 12)?;
    workbook.set_properties(&DocProperties::new().set_author("绍兴市人力资源和社会保障局").set_creation_datetime(&created));
    Ok(workbook)
}

pub fn save(mut workbook: Workbook, path: &Path) -> Result<()> {
    workbook.save(path).map_err(|source| GenerateError::Xlsx { path: path.into(), source })
}

/// The formats departmental workbooks use.
#[derive(Debug)]
pub struct Formats {
    pub title: Format,
    pub header: Format,
    pub date: Format,
}

impl Default for Formats {
    fn default() -> Self {
        Self {
            title: Format::new().set_bold().set_font_size(14).set_align(FormatAlign::Center),
            header: Format::new()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_border(FormatBorder::Thin),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

/// The title row across the table's width.
pub fn title(sheet: &mut Worksheet, formats: &Formats, text: &str, columns: u16) -> Result<(), XlsxError> {
    sheet.merge_range(0, 0, 0, columns.saturating_sub(1).max(1), text, &formats.title)?;
    Ok(())
}

/// A one-row header at `row`.
pub fn header(sheet: &mut Worksheet, formats: &Formats, row: u32, names: &[&str]) -> Result<(), XlsxError> {
    for (col, name) in names.iter().enumerate() {
        sheet.write_string_with_format(row, col as u16, *name, &formats.header)?;
        sheet.set_column_width(col as u16, (name.chars().count() as f64 * 2.2).max(10.0))?;
    }
    Ok(())
}

/// A two-row header at `row`: a column without children is merged vertically over both rows, a parent is
/// merged across its children. Returns the number of columns.
pub fn header_two_rows(sheet: &mut Worksheet, formats: &Formats, row: u32, columns: &[(&str, &[&str])]) -> Result<u16, XlsxError> {
    let mut col = 0u16;
    for (name, children) in columns {
        if children.is_empty() {
            sheet.merge_range(row, col, row + 1, col, name, &formats.header)?;
            sheet.set_column_width(col, (name.chars().count() as f64 * 2.2).max(10.0))?;
            col += 1;
            continue;
        }
        let last = col + children.len() as u16 - 1;
        if last > col {
            sheet.merge_range(row, col, row, last, name, &formats.header)?;
        } else {
            sheet.write_string_with_format(row, col, *name, &formats.header)?;
        }
        for child in *children {
            sheet.write_string_with_format(row + 1, col, *child, &formats.header)?;
            sheet.set_column_width(col, (child.chars().count() as f64 * 2.2).max(12.0))?;
            col += 1;
        }
    }
    Ok(col)
}

pub fn write_row(sheet: &mut Worksheet, formats: &Formats, row: u32, cells: &[Cell]) -> Result<(), XlsxError> {
    for (col, cell) in cells.iter().enumerate() {
        let col = col as u16;
        match cell {
            Cell::Text(s) => {
                sheet.write_string(row, col, s)?;
            }
            Cell::Number(n) => {
                sheet.write_number(row, col, *n)?;
            }
            Cell::Date(d) => {
                let day = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                sheet.write_datetime_with_format(row, col, &day, &formats.date)?;
            }
            Cell::Blank => {}
        }
    }
    Ok(())
}

/// The signature line under a table: who made it, who checked it, when.
pub fn signature(sheet: &mut Worksheet, row: u32, maker: &str, checker: &str) -> Result<(), XlsxError> {
    sheet.write_string(row, 0, format!("制表人：{maker}    审核人：{checker}    填报日期：2026年1月12日"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn planting_stays_within_the_quarantine_limit() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for rows in [0, 1, 19, 20, 21, 200, 5_000] {
            let planted = Planted::choose(&mut rng, rows);
            let n = (0..rows).filter(|r| planted.contains(*r)).count();
            assert!(n as f64 <= rows as f64 * QUARANTINE_LIMIT, "{rows}: {n}");
            assert_eq!(n >= 1, rows >= 20, "{rows}: {n}");
        }
    }

    #[test]
    fn impossible_dates_are_impossible() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for _ in 0..50 {
            let raw = DateStyle::Iso.impossible(&mut rng);
            assert!(NaiveDate::parse_from_str(&raw, "%Y-%m-%d").is_err(), "{raw}");
        }
    }

    #[test]
    fn json_lines_escape_quotes() {
        let line = json_line(&[("a\"b", Json::Str("x\\y".into())), ("n", Json::Int(-3))]);
        assert_eq!(line, r#"{"a\"b": "x\\y", "n": -3}"#);
    }
}
