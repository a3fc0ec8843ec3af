//! What commands print: load, check, build and unit-test summaries.


use hrss_ingest::{CheckReport, LoadReport};
use hrss_models::unit::UnitOutcome;
use hrss_models::{BuildReport, ModelStatus};


pub fn print_loads(reports: &[LoadReport]) {
    println!("{:<32} {:>9} {:>9} {:>11}  {:<9} file", "pipeline", "rows in", "loaded", "quarantined", "outcome");
    for r in reports {
        let outcome = if r.skipped_as_duplicate_of.is_some() { "unchanged" } else { "loaded" };
        let file = r.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        println!("{:<32} {:>9} {:>9} {:>11}  {:<9} {file}", r.pipeline, r.rows_in, r.rows_loaded, r.rows_quarantined, outcome);
    }
    let quarantined: Vec<&LoadReport> = reports.iter().filter(|r| r.rows_quarantined > 0).collect();
    if !quarantined.is_empty() {
        let tables: Vec<String> = quarantined.iter().map(|r| format!("quarantine.{}", r.table.trim_start_matches("staging."))).collect();
        println!("  rejected rows, with file, row, column and reason: {}", tables.join(", "));
    }
}

/// What `hrss ingest --check` found, file by file, with the first rejected rows.
pub fn print_checks(checks: &[CheckReport]) {
    const SHOWN: usize = 20;
    for c in checks {
        let file = c.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        println!(
            "{} <- {file}: {} rows in, {} would load, {} would be quarantined",
            c.pipeline,
            c.rows_in,
            c.rows_would_load,
            c.rows_rejected
        );
        for r in c.rejections.iter().take(SHOWN) {
            let sheet = r.sheet.as_ref().map(|s| format!("{s}!")).unwrap_or_default();
            println!("  {sheet}row {:<6} {:<18} {:<20} {}", r.row, r.code, r.value, r.reason);
        }
        if c.rows_rejected > SHOWN as u64 {
            println!("  ... and {} more", c.rows_rejected - SHOWN as u64);
        }
        if let Some(failure) = &c.would_fail {
            println!("  the load would FAIL: {failure}");
        }
    }
}

pub fn print_build(report: &BuildReport) {
    println!("{:<36} {:<8} {:>8} {:>8} {:>6} {:>6}  how", "model", "status", "rows", "time", "tests", "failed");
    for o in &report.outcomes {
        let status = match &o.status {
            ModelStatus::Built => "built",
            ModelStatus::Tested => "tested",
            ModelStatus::Failed(_) => "FAILED",
            ModelStatus::Skipped(_) => "skipped",
        };
        let failed = o.tests.iter().filter(|t| !t.passed()).count();
        let rows = o.rows.map(|r| r.to_string()).unwrap_or_else(|| "-".into());
        println!(
            "{:<36} {status:<8} {rows:>8} {:>7.2}s {:>6} {failed:>6}  {}",
            o.model,
            o.elapsed.as_secs_f64(),
            o.tests.len(),
            o.how
        );
        if let ModelStatus::Failed(message) | ModelStatus::Skipped(message) = &o.status {
            println!("  {message}");
        }
        for t in o.tests.iter().filter(|t| !t.passed()) {
            let level = if t.blocks() { "error" } else { "warn" };
            match (&t.error, &t.detail) {
                (Some(e), _) => println!("  {level}: {} could not run: {e}", t.name),
                (None, Some(detail)) => println!("  {level}: {}: {detail}", t.name),
                (None, None) => println!("  {level}: {} failed", t.name),
            }
        }
    }
    let models = report.outcomes.len();
    let tests: usize = report.outcomes.iter().map(|o| o.tests.len()).sum();
    let failing: usize = report.outcomes.iter().map(|o| o.tests.iter().filter(|t| !t.passed()).count()).sum();
    println!("{models} models, {tests} tests, {} passed, {failing} failed or warned", tests - failing);
}

/// Prints each SQL unit test file's result; returns how many failed.
pub fn print_unit_tests(outcomes: &[UnitOutcome]) -> usize {
    for o in outcomes {
        match &o.error {
            None => println!("ok     {}", o.file.display()),
            Some(error) => println!("FAILED {}\n{}", o.file.display(), error.trim_end()),
        }
    }
    outcomes.iter().filter(|o| o.error.is_some()).count()
}
