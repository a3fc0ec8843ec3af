//! Ingestion of deliberately broken files: quarantine with reasons, idempotent reloads, clear errors.

use std::path::{Path, PathBuf};

use crate::support::{hrss, hrss_ok, project_root, scalar, scratch};

fn broken_fixture() -> PathBuf {
    project_root().join("tests/fixtures/社保缴费明细_broken.csv")
}

fn ingest(warehouse: &Path, input: &Path) -> String {
    hrss_ok(&["--warehouse", &warehouse.to_string_lossy(), "ingest", "contributions", "--input", &input.to_string_lossy()])
}

#[test]
fn planted_bad_rows_land_in_quarantine_with_file_row_column_and_reason() {
    let dir = scratch("ingest-broken");
    let warehouse = dir.join("warehouse");
    let out = ingest(&warehouse, &broken_fixture());
    assert!(out.contains("contributions          4         2           2  loaded"), "{out}");
    let quarantine = hrss_ok(&[
        "--warehouse", &warehouse.to_string_lossy(), "sql",
        "SELECT row, \"column\", value, reason FROM quarantine.contributions ORDER BY row", "--format", "csv",
    ]);
    let lines: Vec<&str> = quarantine.lines().collect();
    assert_eq!(lines.len(), 3, "{quarantine}");
    assert_eq!(lines[1], "3,公民身份号码,340524************,\"公民身份号码: resident ID check digit is 0, GB 11643 requires X\"");
    assert_eq!(lines[2], "4,单位缴纳金额,37.5O,单位缴纳金额: `37.5O` is not an amount in 元");
    let file = scalar(&warehouse, "SELECT DISTINCT file FROM quarantine.contributions");
    assert!(file.ends_with("社保缴费明细_broken.csv"), "{file}");
    // The retired code 330621 (绍兴县) is stored as its successor 柯桥区, and 1,200.00 reads as 1200.
    let retired = scalar(&warehouse, "SELECT concat(district_code, ' ', CAST(employer_amount AS VARCHAR)) FROM staging.contributions WHERE _source_row = 5");
    assert_eq!(retired, "330603 1200.00");
}

#[test]
fn loading_the_same_file_twice_changes_nothing_and_a_corrected_file_replaces_its_month() {
    let dir = scratch("ingest-idempotent");
    let warehouse = dir.join("warehouse");
    let april = dir.join("社保缴费明细_april.csv");
    let fixture = std::fs::read_to_string(broken_fixture()).expect("fixture");
    std::fs::write(&april, fixture.replace("202503,", "202504,")).expect("write");
    ingest(&warehouse, &april);
    ingest(&warehouse, &broken_fixture());
    let again = ingest(&warehouse, &broken_fixture());
    assert!(again.contains("unchanged"), "{again}");
    assert_eq!(scalar(&warehouse, "SELECT count(*) FROM staging.contributions"), "4");

    let corrected = dir.join("社保缴费明细_corrected.csv");
    let text = std::fs::read_to_string(broken_fixture()).expect("fixture");
    std::fs::write(&corrected, text.replace(",37.5O,", ",37.50,").replace("340524198001010010", "34052419800101001X")).expect("write");
    let out = ingest(&warehouse, &corrected);
    assert!(out.contains("contributions          4         4           0  loaded"), "{out}");
    let by_month = scalar(&warehouse, "SELECT string_agg(concat(period, ':', n), ' ' ORDER BY period) FROM (SELECT period, count(*) AS n FROM staging.contributions GROUP BY period)");
    assert_eq!(by_month, "2025-03:4 2025-04:2", "March was replaced, not appended to, and April was kept");
    let outcomes = scalar(&warehouse, "SELECT string_agg(outcome, '/' ORDER BY started) FROM _ledger WHERE kind = 'load'");
    assert_eq!(outcomes, "success/success/skipped/success");
}

#[test]
fn a_file_without_the_expected_header_is_refused_with_the_file_and_the_missing_columns() {
    let dir = scratch("ingest-header");
    let wrong = dir.join("社保缴费明细_wrong.csv");
    std::fs::write(&wrong, "月份,金额\n202503,100\n").expect("write");
    let output = hrss(&["--warehouse", &dir.join("warehouse").to_string_lossy(), "ingest", "contributions", "--input", &wrong.to_string_lossy()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("社保缴费明细_wrong.csv") && stderr.contains("公民身份号码") && stderr.contains("pipelines/contributions.toml"), "{stderr}");
}

#[test]
fn ingest_without_a_key_says_how_to_make_one() {
    let dir = scratch("ingest-nokey");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hrss"))
        .args(["--warehouse", &dir.join("w").to_string_lossy(), "--key-file", &dir.join("missing.key").to_string_lossy()])
        .args(["ingest", "contributions", "--input", &broken_fixture().to_string_lossy()])
        .current_dir(project_root())
        .env_remove("HRSS_PSEUDONYM_KEY")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no pseudonym key") && stderr.contains("missing.key"), "{stderr}");
    assert!(!dir.join("w/staging").exists(), "nothing was written without a key");
}

#[test]
fn the_committed_samples_load_with_their_planted_defect_quarantined() {
    let dir = scratch("ingest-samples");
    let warehouse = dir.join("warehouse");
    let out = hrss_ok(&["--warehouse", &warehouse.to_string_lossy(), "ingest"]);
    assert!(out.contains("contributions        300       299           1  loaded"), "{out}");
    assert!(out.contains("fund_ledger          120       120           0  loaded"), "{out}");
}
