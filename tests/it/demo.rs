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
    let report = demo.out.join("reports/bulletin.html");
    assert!(demo.stdout.contains(&format!("report: {}", report.display())), "demo prints where the report is:\n{}", demo.stdout);
    for name in ["bulletin", "fund_monitor", "hr_market", "wage_arrears", "development_forecast"] {
        for file in [format!("{name}.html"), format!("{name}.pdf")] {
            assert!(demo.out.join("reports").join(&file).is_file(), "the demo ends with all five reports: {file}");
        }
    }
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
    assert_eq!(fund_rows, "600", "five funds x ten years of months; title, unit line, total row and signature line are not data");
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
                           GROUP BY f.fund, f.period, f.months_of_payment_capacity, f.balance_end HAVING count(*) = 12) \
         SELECT concat(count(*), ' ', sum(CASE WHEN abs(actual - formula) > 1e-9 THEN 1 ELSE 0 END)) FROM expected",
    );
    assert_eq!(check, "545 0", "109 months of each of the five funds have a full trailing year, and each matches the formula");
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

/// Every input cell that is personal: resident ID numbers, and whatever sits under a name, phone or
/// bank-account header, in every CSV, JSON-lines and XLSX file the demo generated.
fn personal_values_in_inputs(dir: &Path) -> HashSet<String> {
    let is_personal_header = |h: &str| ["姓名", "电话", "账号"].iter().any(|k| h.contains(k));
    let mut personal = HashSet::new();
    let mut take_table = |rows: Vec<Vec<String>>| {
        let mut columns: Vec<usize> = Vec::new();
        for row in rows {
            if row.iter().any(|c| is_personal_header(c)) {
                columns = row.iter().enumerate().filter(|(_, c)| is_personal_header(c)).map(|(i, _)| i).collect();
                continue;
            }
            for (i, cell) in row.iter().enumerate() {
                if columns.contains(&i) || hrss_core::identifiers::is_valid_resident_id(cell) {
                    personal.insert(cell.clone());
                }
            }
        }
    };
    for path in files_under(dir) {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default().to_string();
        match ext.as_str() {
            "csv" => {
                let bytes = std::fs::read(&path).expect("input");
                let text = match std::str::from_utf8(&bytes) {
                    Ok(text) => text.trim_start_matches('\u{feff}').to_string(),
                    Err(_) => encoding_rs::GB18030.decode(&bytes).0.into_owned(),
                };
                let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
                take_table(reader.records().filter_map(Result::ok).map(|r| r.iter().map(str::to_string).collect()).collect());
            }
            "jsonl" => {
                for line in std::fs::read_to_string(&path).expect("input").lines() {
                    let Ok(serde_json::Value::Object(object)) = serde_json::from_str::<serde_json::Value>(line) else { continue };
                    let header: Vec<String> = object.keys().cloned().collect();
                    let values: Vec<String> = object.values().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string)).collect();
                    take_table(vec![header, values]);
                }
            }
            "xlsx" => {
                use calamine::Reader;
                let mut workbook: calamine::Xlsx<_> = calamine::open_workbook(&path).expect("workbook");
                for name in workbook.sheet_names() {
                    let range = workbook.worksheet_range(&name).expect("sheet");
                    take_table(range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect());
                }
            }
            _ => {}
        }
    }
    personal.retain(|v| v.chars().count() >= 2);
    personal
}

#[test]
fn no_resident_id_name_or_phone_reaches_the_warehouse_the_ledger_or_the_reports() {
    let demo = Demo::get();
    let personal = personal_values_in_inputs(&demo.out.join("input"));
    assert!(personal.len() > DEMO_ROWS / 10, "the inputs' personal values were found ({})", personal.len());
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
    assert!(valid_ids_in(&demo.stdout).is_empty(), "nor in what the demo printed");
}

#[test]
fn report_html_holds_the_chart_as_svg_with_its_chinese_title() {
    let demo = Demo::get();
    let html = std::fs::read_to_string(demo.out.join("reports/fund_monitor.html")).expect("HTML report");
    let svg_start = html.find("<svg").expect("inline SVG");
    let svg = &html[svg_start..html[svg_start..].find("</svg>").map(|e| svg_start + e).expect("closed SVG")];
    assert!(svg.contains("<title>企业职工基本养老保险基金累计结余与可支付月数（近36个月）</title>"));
    assert!(svg.contains("<path"), "text is drawn as glyph outlines from the shipped font");
    for request in ["src=\"http", "href=\"http", "url(http", "@import", "<script"] {
        assert!(!html.contains(request), "the page makes no network requests ({request})");
    }
}

#[test]
fn every_source_loads_and_exactly_its_planted_bad_rows_are_quarantined() {
    let demo = Demo::get();
    // The same seed and size generate the same files: the generator says how many rows it broke.
    let again = crate::support::scratch("demo-generated-again");
    let generated = hrss_generate::generate(&again, hrss_generate::GenerateOptions { rows: DEMO_ROWS, seed: 7, sources: Vec::new() })
        .expect("generate");
    let ledger = crate::support::hrss_ok(&[
        "--warehouse", &demo.warehouse().to_string_lossy(), "sql",
        "SELECT what, sum(rows_in) AS i, sum(rows_loaded) AS l, sum(rows_quarantined) AS q FROM _ledger \
         WHERE kind = 'load' AND outcome = 'success' GROUP BY what ORDER BY what",
        "--format", "csv",
    ]);
    let loads: std::collections::BTreeMap<String, (u64, u64, u64)> = ledger
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (f[0].to_string(), (f[1].parse().expect("n"), f[2].parse().expect("n"), f[3].parse().expect("n")))
        })
        .collect();
    let pipelines = hrss_core::project::files_with_extension(&crate::support::project_root().join("pipelines"), "toml").expect("pipelines");
    assert_eq!(loads.len(), pipelines.len(), "every pipeline loaded: {loads:?}");
    for file in &generated {
        let (rows_in, loaded, quarantined) = loads.get(file.source).copied().unwrap_or_else(|| panic!("no load of {}", file.source));
        assert_eq!(rows_in, file.data_rows as u64, "{}: every generated row was read", file.source);
        assert_eq!(quarantined, file.planted_bad_rows as u64, "{}: exactly the planted bad rows were quarantined", file.source);
        assert_eq!(loaded + quarantined, rows_in, "{}: rows in = loaded + quarantined", file.source);
    }
}

#[test]
fn one_person_has_one_pseudonym_in_every_source() {
    let demo = Demo::get();
    let warehouse = demo.warehouse();
    // Every recipient of unemployment benefit is a registered unemployed person: the join on the
    // pseudonym works across two files from two departments (misses only where the registration row was
    // itself one of the planted bad rows).
    let recipients: u64 = scalar(&warehouse, "SELECT count(DISTINCT person_id) FROM staging.unemployment_insurance_payments").parse().expect("n");
    let unmatched: u64 = scalar(
        &warehouse,
        "SELECT count(DISTINCT person_id) FROM staging.unemployment_insurance_payments \
         WHERE person_id NOT IN (SELECT person_id FROM staging.unemployment_registrations)",
    )
    .parse()
    .expect("n");
    let planted_registrations: u64 = scalar(&warehouse, "SELECT count(*) FROM quarantine.unemployment_registrations").parse().expect("n");
    assert!(recipients > 20 && unmatched <= planted_registrations, "{unmatched} of {recipients} recipients have no registration");
}

#[test]
fn registered_unemployment_rate_follows_the_official_formula() {
    let demo = Demo::get();
    let warehouse = demo.warehouse();
    // Recomputed from the staging tables for the year's last day, independently of the model's joins.
    let stock = scalar(
        &warehouse,
        "SELECT count(*) FROM staging.unemployment_registrations \
         WHERE registered_on <= DATE '2025-12-31' AND (cancelled_on IS NULL OR cancelled_on > DATE '2025-12-31')",
    );
    let district_rows = "FROM marts.employment WHERE district_code <> '330600'";
    let mart = scalar(&warehouse, &format!("SELECT sum(registered_unemployed_end) {district_rows} AND period = '2025-12'"));
    assert_eq!(mart, stock, "registered unemployed at the end of December");
    let year_end = scalar(&warehouse, "SELECT registered_unemployed_end FROM marts.employment WHERE district_code = '330600' AND period = '2025'");
    assert_eq!(year_end, stock, "the city's year row holds the December stock");
    let mismatches = scalar(
        &warehouse,
        "SELECT count(*) FROM marts.employment WHERE urban_employed IS NOT NULL AND \
         abs(registered_unemployment_rate - CAST(registered_unemployed_end AS DOUBLE) / (urban_employed + registered_unemployed_end)) > 1e-12",
    );
    assert_eq!(mismatches, "0");
    let jobs = scalar(&warehouse, "SELECT count(*) FROM staging.employment_registrations");
    let month_jobs = scalar(&warehouse, &format!("SELECT sum(new_urban_jobs) {district_rows} AND period_type = 'month'"));
    assert_eq!(month_jobs, jobs, "every registration is a new urban job");
    let year_jobs = scalar(&warehouse, "SELECT sum(new_urban_jobs) FROM marts.employment WHERE district_code = '330600' AND period_type = 'year'");
    assert_eq!(year_jobs, jobs, "the city's years add up to every registration");
    let rate: f64 = scalar(
        &warehouse,
        "SELECT registered_unemployment_rate FROM marts.employment WHERE district_code = '330600' AND period = '2025'",
    )
    .parse()
    .expect("rate");
    assert!((0.01..0.04).contains(&rate), "Shaoxing's registered unemployment rate is about 2% ({rate})");
}
