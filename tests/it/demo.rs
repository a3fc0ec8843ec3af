//! `hrss demo` end to end: every stage leaves what it promises, and the numbers add up.

use std::collections::HashSet;
use std::path::Path;

use arrow::array::{Array, StringArray};
use hrss_core::identifiers::ResidentId;

use crate::support::{generated_contribution_rows, scalar, valid_ids_in, Demo, DEMO_ROWS};

const CONTRIBUTIONS: &str = "社保缴费明细_2025.csv";

#[test]
fn demo_leaves_delta_tables_ledger_quarantine_and_reports() {
    let demo = Demo::get();
    let warehouse = demo.warehouse();
    for table in ["staging/contributions", "staging/fund_ledger", "marts/fund_monthly", "marts/contributors_by_district", "_quarantine/contributions", "_ledger"] {
        assert!(warehouse.join(table).join("_delta_log").is_dir(), "{table} is a Delta table");
    }
    let report = demo.out.join("reports/fund_monitor.html");
    assert!(demo.stdout.contains(&format!("report: {}", report.display())), "demo prints where the report is:\n{}", demo.stdout);
    let png = std::fs::read(demo.out.join("reports/fund_monitor/balance_and_capacity.png")).expect("PNG written");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 20_000, "the PNG holds a real chart, not a blank");
}

#[test]
fn warehouse_rows_are_generated_rows_minus_quarantined_rows() {
    let demo = Demo::get();
    let warehouse = demo.warehouse();
    let generated = generated_contribution_rows(&demo.input(CONTRIBUTIONS)).len();
    assert_eq!(generated, DEMO_ROWS);
    let loaded: usize = scalar(&warehouse, "SELECT count(*) FROM staging.contributions").parse().expect("count");
    let quarantined: usize = scalar(&warehouse, "SELECT count(*) FROM quarantine.contributions").parse().expect("count");
    assert!(quarantined > 0, "the generator plants invalid rows and they must be caught");
    assert_eq!(loaded + quarantined, generated);
    let ledger = scalar(
        &warehouse,
        "SELECT concat(rows_in, '/', rows_loaded, '/', rows_quarantined) FROM _ledger WHERE what = 'contributions' AND outcome = 'success'",
    );
    assert_eq!(ledger, format!("{generated}/{loaded}/{quarantined}"), "the ledger accounts for every row");
    let fund_rows = scalar(&warehouse, "SELECT count(*) FROM staging.fund_ledger");
    assert_eq!(fund_rows, "120", "ten years of months; title, unit line, total row and signature line are not data");
}

/// Parses an amount in yuan into cents without floating point.
fn cents(raw: &str) -> Option<i64> {
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if fraction.len() > 2 || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) || whole.is_empty() {
        return None;
    }
    Some(whole.parse::<i64>().ok()? * 100 + format!("{fraction:0<2}").parse::<i64>().ok()?)
}

#[test]
fn contribution_total_in_the_mart_equals_an_independent_sum_of_the_file() {
    let demo = Demo::get();
    let mut total = 0i64;
    for row in generated_contribution_rows(&demo.input(CONTRIBUTIONS)) {
        let month_ok = row[0].len() == 6 && row[0][4..].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m));
        let (employer, employee) = (cents(&row[10]), cents(&row[11]));
        if month_ok && ResidentId::parse(&row[6]).is_ok() && employer.is_some() && employee.is_some() {
            total += employer.unwrap_or_default() + employee.unwrap_or_default();
        }
    }
    let mart = scalar(&demo.warehouse(), "SELECT CAST(sum(contribution_total) * 100 AS BIGINT) FROM marts.contributors_by_district");
    assert_eq!(mart.parse::<i64>().expect("integer"), total);
}

#[test]
fn months_of_payment_capacity_follows_the_formula() {
    let demo = Demo::get();
    // Recomputed with a self-join on month numbers instead of the model's window function.
    let check = scalar(
        &demo.warehouse(),
        "WITH m AS (SELECT *, CAST(substr(period, 1, 4) AS INT) * 12 + CAST(substr(period, 6, 2) AS INT) AS n FROM marts.fund_monthly), \
              expected AS (SELECT f.period, f.months_of_payment_capacity AS actual, \
                                  CAST(f.balance_end AS DOUBLE) / (CAST(sum(g.expenditure_total) AS DOUBLE) / 12) AS formula \
                           FROM m f JOIN m g ON g.fund = f.fund AND g.n BETWEEN f.n - 11 AND f.n \
                           GROUP BY f.period, f.months_of_payment_capacity, f.balance_end HAVING count(*) = 12) \
         SELECT concat(count(*), ' ', sum(CASE WHEN abs(actual - formula) > 1e-9 THEN 1 ELSE 0 END)) FROM expected",
    );
    assert_eq!(check, "109 0", "109 months have a full trailing year, and each matches the formula");
    let first_with_capacity = scalar(&demo.warehouse(), "SELECT min(period) FROM marts.fund_monthly WHERE months_of_payment_capacity IS NOT NULL");
    assert_eq!(first_with_capacity, "2016-12", "capacity needs twelve months of expenditure");
}

fn strings_in_parquet(path: &Path) -> Vec<String> {
    let file = std::fs::File::open(path).expect("parquet file");
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("reader");
    let mut values = Vec::new();
    for batch in reader {
        let batch = batch.expect("batch");
        for column in batch.columns() {
            if let Ok(text) = arrow::compute::cast(column, &arrow::datatypes::DataType::Utf8) {
                let text = text.as_any().downcast_ref::<StringArray>().expect("utf8").clone();
                values.extend(text.iter().flatten().map(str::to_string));
            }
        }
    }
    values
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() { files.extend(files_under(&path)) } else { files.push(path) }
    }
    files
}

#[test]
fn no_resident_id_name_or_phone_reaches_the_warehouse_or_the_reports() {
    let demo = Demo::get();
    let rows = generated_contribution_rows(&demo.input(CONTRIBUTIONS));
    let personal: HashSet<String> = rows.iter().flat_map(|r| [r[5].to_string(), r[6].to_string(), r[7].to_string()]).filter(|v| v.len() >= 4).collect();
    let mut checked_values = 0;
    for path in files_under(&demo.warehouse()).into_iter().chain(files_under(&demo.out.join("reports"))) {
        let values = if path.extension().is_some_and(|e| e == "parquet") {
            strings_in_parquet(&path)
        } else {
            vec![String::from_utf8_lossy(&std::fs::read(&path).expect("readable")).into_owned()]
        };
        for value in values {
            checked_values += 1;
            assert!(valid_ids_in(&value).is_empty(), "a valid resident ID number in {}", path.display());
            assert!(!personal.contains(&value), "a personal value from the input in {}", path.display());
        }
    }
    assert!(checked_values > DEMO_ROWS, "the scan read the warehouse's values, not just file names");
}

#[test]
fn report_html_holds_the_chart_as_svg_with_its_chinese_title() {
    let demo = Demo::get();
    let html = std::fs::read_to_string(demo.out.join("reports/fund_monitor.html")).expect("HTML report");
    let svg_start = html.find("<svg").expect("inline SVG");
    let svg = &html[svg_start..html[svg_start..].find("</svg>").map(|e| svg_start + e).expect("closed SVG")];
    assert!(svg.contains("<title>企业职工基本养老保险基金累计结余与可支付月数</title>"));
    assert!(svg.contains("<path"), "text is drawn as glyph outlines from the shipped font");
    for request in ["src=\"http", "href=\"http", "url(http", "@import", "<script"] {
        assert!(!html.contains(request), "the page makes no network requests ({request})");
    }
}
