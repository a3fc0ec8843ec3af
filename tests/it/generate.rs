//! The generated files, read back: deterministic bytes, valid identifiers, and exactly the planted bad rows.

use std::collections::HashSet;
use std::path::Path;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use hrss_core::identifiers::is_valid_resident_id;
use hrss_generate::{generate, GenerateOptions, GeneratedFile};

const ROWS: usize = 2_000;

fn run(dir: &Path, seed: u64, sources: &[&str]) -> Vec<GeneratedFile> {
    let options = GenerateOptions { rows: ROWS, seed, sources: sources.iter().map(|s| s.to_string()).collect() };
    generate(dir, options).expect("generate")
}

fn entry<'a>(files: &'a [GeneratedFile], source: &str) -> &'a GeneratedFile {
    files.iter().find(|f| f.source == source).unwrap_or_else(|| panic!("{source} generated"))
}

#[test]
fn the_same_seed_writes_the_same_bytes_whichever_sources_are_selected() {
    let (a, b, c) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let all = run(a.path(), 42, &[]);
    assert_eq!(all.len(), hrss_generate::SOURCES.len(), "one entry per pipeline");
    let some = run(b.path(), 42, &["benefit_payments", "wage_survey", "job_postings", "fund_ledger"]);
    assert_eq!(some.len(), 4);
    for file in &some {
        let name = file.path.file_name().expect("file name");
        let (first, second) = (std::fs::read(a.path().join(name)).expect("read"), std::fs::read(&file.path).expect("read"));
        assert!(first == second, "{} differs between runs", file.source);
    }
    run(c.path(), 43, &["benefit_payments"]);
    let name = hrss_generate::BENEFITS_FILE;
    assert_ne!(std::fs::read(a.path().join(name)).expect("read"), std::fs::read(c.path().join(name)).expect("read"));
    let unknown = generate(c.path(), GenerateOptions { sources: vec!["pensions".into()], ..GenerateOptions::default() });
    assert!(unknown.is_err_and(|e| e.to_string().contains("employment_registrations")));
}

/// Re-reads the employment registrations (UTF-8 CSV with BOM) and finds the broken rows by the pipeline's rules.
#[test]
fn employment_registrations_hold_exactly_the_planted_bad_rows() {
    let dir = tempfile::tempdir().expect("dir");
    let files = run(dir.path(), 7, &["employment_registrations"]);
    let file = entry(&files, "employment_registrations");
    let bytes = std::fs::read(&file.path).expect("read");
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "Excel's CSV UTF-8 starts with a byte-order mark");
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    let forms = ["单位就业", "灵活就业", "自主创业"];
    let (mut rows, mut broken, mut seen) = (0, 0, HashSet::new());
    for record in reader.records() {
        let r = record.expect("CSV record");
        rows += 1;
        let date_ok = NaiveDate::parse_from_str(&r[1], "%Y/%m/%d").is_ok_and(|d| d.format("%Y").to_string() == "2025");
        let ok = is_valid_resident_id(&r[2]) && date_ok && forms.contains(&&r[9]);
        if !ok {
            broken += 1;
        } else if !seen.insert(r[0].to_string()) {
            broken += 1; // a repeated registration number
        }
    }
    assert_eq!(rows, file.data_rows);
    assert!(file.planted_bad_rows > 0);
    assert_eq!(broken, file.planted_bad_rows);
}

fn text(cell: Option<&Data>) -> String {
    match cell {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        _ => String::new(),
    }
}

/// Re-reads the four quarterly sheets of unemployment-insurance payments and finds the broken rows.
#[test]
fn unemployment_insurance_payments_hold_exactly_the_planted_bad_rows() {
    let dir = tempfile::tempdir().expect("dir");
    let files = run(dir.path(), 7, &["unemployment_insurance_payments"]);
    let file = entry(&files, "unemployment_insurance_payments");
    let mut workbook: Xlsx<_> = calamine::open_workbook(&file.path).expect("workbook");
    let months: Vec<String> = (1..=12).map(|m| format!("2025年{m}月")).collect();
    let (mut rows, mut broken, mut seen) = (0, 0, HashSet::new());
    for quarter in 1..=4 {
        let range = workbook.worksheet_range(&format!("2025年第{quarter}季度")).expect("quarter sheet");
        let mut data = false;
        for row in range.rows() {
            let first = text(row.first());
            if first == "发放年月" {
                data = true;
                continue;
            }
            if !data || first.is_empty() || first.starts_with("合计") || first.starts_with("制表人") {
                continue;
            }
            rows += 1;
            let id = text(row.get(1));
            let amount_ok = matches!(row.get(4), Some(Data::Float(f)) if *f >= 0.0);
            if !(months.contains(&first) && is_valid_resident_id(&id) && amount_ok) {
                broken += 1;
            } else if !seen.insert((id, first)) {
                broken += 1; // paid twice in a month
            }
        }
    }
    assert_eq!(rows, file.data_rows);
    assert!(file.planted_bad_rows > 0);
    assert_eq!(broken, file.planted_bad_rows);
}

/// Every resident ID number of a source's good rows is valid, and employers' credit codes mostly are.
#[test]
fn identifiers_in_the_files_are_valid() {
    let dir = tempfile::tempdir().expect("dir");
    let files = run(dir.path(), 11, &["employers", "unemployment_registrations"]);
    let registry = std::fs::read(&entry(&files, "employers").path).expect("read");
    let registry = encoding_rs::GB18030.decode(&registry).0.into_owned();
    let codes: Vec<String> = registry.lines().skip(1).map(|l| l.split(',').next().unwrap_or_default().to_string()).collect();
    let valid = codes.iter().filter(|c| hrss_core::identifiers::is_valid_uscc(c)).count();
    assert!(valid * 100 >= codes.len() * 98, "{valid} of {} credit codes pass their check", codes.len());
    let spells = entry(&files, "unemployment_registrations");
    let text = std::fs::read(&spells.path).expect("read");
    let text = encoding_rs::GB18030.decode(&text).0.into_owned();
    let invalid = text.lines().skip(1).filter(|l| !is_valid_resident_id(l.split(',').nth(6).unwrap_or_default())).count();
    assert!(invalid <= spells.planted_bad_rows, "only planted rows carry a bad ID number");
}

/// Each fund's balance is last month's plus revenue minus expenditure, to the hundredth of 万元.
#[test]
fn fund_ledger_balances_add_up() {
    let dir = tempfile::tempdir().expect("dir");
    let files = run(dir.path(), 3, &["fund_ledger"]);
    let file = entry(&files, "fund_ledger");
    assert_eq!(file.data_rows, 5 * 120);
    let mut workbook: Xlsx<_> = calamine::open_workbook(&file.path).expect("workbook");
    let cents = |cell: &Data| match cell {
        Data::Float(f) => (f * 100.0).round() as i64,
        other => panic!("a number, not {other:?}"),
    };
    for sheet in workbook.sheet_names() {
        let range = workbook.worksheet_range(&sheet).expect("sheet");
        let mut previous: Option<i64> = None;
        for row in range.rows().filter(|r| text(r.first()).ends_with('月') && text(r.first()).starts_with("20")) {
            let v: Vec<i64> = row[1..12].iter().map(cents).collect();
            assert_eq!(v[0], v[1..6].iter().sum::<i64>(), "{sheet}: revenue total");
            assert_eq!(v[6], v[7..10].iter().sum::<i64>(), "{sheet}: expenditure total");
            if let Some(previous) = previous {
                assert_eq!(v[10], previous + v[0] - v[6], "{sheet}: balance");
            }
            previous = Some(v[10]);
        }
    }
}
