//! The models engine: materializations, every kind of data test with severity, dependants of failures, incremental
//! rebuilds, helpful errors, SQL unit tests, lineage and the docs catalogue.

use std::path::{Path, PathBuf};

use crate::support::{hrss, hrss_ok, scalar, scratch, write_valid_contributions, Demo, TWELVE_MONTHS_OF_2025};

/// A project folder holding only the given models (file name -> contents) under sql/marts/.
fn project_with(name: &str, models: &[(&str, &str)]) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("sql/marts")).expect("mkdir");
    for (file, text) in models {
        std::fs::write(dir.join("sql/marts").join(file), text).expect("write model");
    }
    dir
}

fn run_in(project: &Path, warehouse: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["--project", project.to_str().expect("utf-8"), "--warehouse", warehouse.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    let output = hrss(&all);
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn summary_line<'a>(stdout: &'a str, model: &str) -> &'a str {
    stdout.lines().find(|l| l.starts_with(&format!("{model} "))).unwrap_or_else(|| panic!("no summary line for {model}:\n{stdout}"))
}

const DISTRICTS: &str = r#"/*
description = "districts"
[[tests]]
kind = "relationships"
column = "code"
to = "ref.districts"
field = "code"
[[tests]]
kind = "row_count"
min = 100
*/
SELECT code, name_zh FROM ref.districts
"#;

const DEPENDANT: &str = "SELECT count(*) AS n FROM marts.districts\n";

const INDEPENDENT: &str = r#"/*
materialized = "view"
[[tests]]
kind = "expression"
expect = "length(section) = 2"
severity = "warn"
[[tests]]
kind = "sql"
name = "no_section_z"
sql = "SELECT * FROM marts.sections WHERE section = 'Z'"
*/
SELECT section, name_zh FROM ref.industry_sections
"#;

#[test]
fn an_error_level_failure_stops_only_its_dependants_and_every_count_reaches_the_ledger() {
    let project = project_with("models-failures", &[("districts.sql", DISTRICTS), ("dependant.sql", DEPENDANT), ("sections.sql", INDEPENDENT)]);
    let warehouse = project.join("warehouse");
    let (ok, stdout, _) = run_in(&project, &warehouse, &["build"]);
    assert!(!ok, "an error-level test failed, so the build fails:\n{stdout}");
    let districts = summary_line(&stdout, "marts.districts");
    assert!(districts.contains("built") && districts.contains("table"), "{districts}");
    assert!(stdout.contains("error: row_count(>=100): "), "the row-count failure is printed with the count:\n{stdout}");
    assert!(summary_line(&stdout, "marts.dependant").contains("skipped"), "{stdout}");
    assert!(stdout.contains("upstream marts.districts failed"), "{stdout}");
    let sections = summary_line(&stdout, "marts.sections");
    assert!(sections.contains("built") && sections.contains("view"), "the independent model still builds: {sections}");
    assert!(stdout.contains("warn: expression(length(section) = 2): 20 failing rows"), "all 20 one-letter sections fail the warn test:\n{stdout}");

    let ledger = |test: &str| {
        scalar(&warehouse, &format!("SELECT concat(outcome, ' ', CAST(test_failures AS VARCHAR)) FROM _ledger WHERE kind = 'test' AND what LIKE '%{test}%'"))
    };
    assert_eq!(ledger("relationships(code -> ref.districts.code)"), "pass 0");
    assert_eq!(ledger("row_count"), "fail 1");
    assert_eq!(ledger("expression"), "warn 20");
    assert_eq!(ledger("no_section_z"), "pass 0");
    assert_eq!(scalar(&warehouse, "SELECT outcome FROM _ledger WHERE kind = 'build' AND what = 'marts.dependant'"), "skipped");

    // Nothing changed: the table is not rewritten (its tests still run); --full-refresh rewrites it.
    let (_, again, _) = run_in(&project, &warehouse, &["build"]);
    assert!(summary_line(&again, "marts.districts").contains("table: up to date"), "{again}");
    assert!(again.contains("error: row_count(>=100): "), "the tests ran again:\n{again}");
    let (_, forced, _) = run_in(&project, &warehouse, &["build", "--full-refresh"]);
    assert!(summary_line(&forced, "marts.districts").ends_with("  table"), "{forced}");

    // The view is stored in the warehouse: a new session (another process) reads through it.
    assert_eq!(scalar(&warehouse, "SELECT count(*) FROM marts.sections"), "20");
    assert!(warehouse.join("_views/marts/sections.sql").is_file());
}

/// A table read through a view: `marts.top` reads `marts.through`, a view of the table `marts.base`.
const BASE: &str = "SELECT code FROM ref.districts\n";
const THROUGH: &str = "/*\nmaterialized = \"view\"\n*/\nSELECT code FROM marts.base\n";
const TOP: &str = "SELECT count(*) AS n FROM marts.through\n";

#[test]
fn a_table_read_through_a_view_is_rebuilt_when_the_view_or_the_table_behind_it_changes_and_only_then() {
    let project = project_with("models-through-view", &[("base.sql", BASE), ("through.sql", THROUGH), ("top.sql", TOP)]);
    let warehouse = project.join("warehouse");
    let build = |args: &[&str]| {
        let (ok, stdout, stderr) = run_in(&project, &warehouse, args);
        assert!(ok, "{stdout}\n{stderr}");
        summary_line(&stdout, "marts.top").to_string()
    };
    assert!(build(&["build"]).ends_with("  table"));
    assert!(build(&["build"]).contains("table: up to date"), "nothing changed behind the view");

    // A new version of the table behind the view.
    let (ok, base, _) = run_in(&project, &warehouse, &["build", "--full-refresh", "--select", "marts.base"]);
    assert!(ok && summary_line(&base, "marts.base").ends_with("  table"), "{base}");
    let after_base = build(&["build"]);
    assert!(after_base.ends_with("  table"), "marts.base has a new version: {after_base}");
    assert!(build(&["build"]).contains("table: up to date"));

    // The view's SQL changes. Built without the view, the table reads the view as stored and is rebuilt, but
    // not taken as up to date afterwards: the next build, with the view, rebuilds it from the new SQL.
    std::fs::write(project.join("sql/marts/through.sql"), THROUGH.replace("FROM marts.base", "FROM marts.base WHERE code LIKE '3306%'"))
        .expect("rewrite the view");
    let without_view = build(&["build", "--select", "marts.top"]);
    assert!(without_view.ends_with("  table"), "the view is not built in this run: {without_view}");
    assert_eq!(scalar(&warehouse, "SELECT n FROM marts.top"), scalar(&warehouse, "SELECT count(*) FROM ref.districts"));
    let after_view = build(&["build"]);
    assert!(after_view.ends_with("  table"), "the view's SQL changed: {after_view}");
    assert_eq!(scalar(&warehouse, "SELECT n FROM marts.top"), scalar(&warehouse, "SELECT count(*) FROM ref.districts WHERE code LIKE '3306%'"));
    assert!(build(&["build"]).contains("table: up to date"));

    // A new version of the table behind the view, built in the same run as the table reading it but not the view:
    // the view was planned on the table's old version, so the reader is rebuilt again by the next full build.
    let (ok, both, _) = run_in(&project, &warehouse, &["build", "--full-refresh", "--select", "marts.base", "--select", "marts.top"]);
    assert!(ok && summary_line(&both, "marts.top").ends_with("  table"), "{both}");
    assert!(build(&["build"]).ends_with("  table"), "the reader is not taken as up to date after a build without the view");
    assert!(build(&["build"]).contains("table: up to date"));
}

#[test]
fn errors_name_the_file_and_line_the_cycle_and_the_nearest_table() {
    let typo = "/*\ndescription = \"typo\"\n*/\nSELECT code\nFROM ref.district\n";
    let project = project_with("models-typo", &[("typo.sql", typo)]);
    let (ok, stdout, _) = run_in(&project, &project.join("warehouse"), &["build"]);
    assert!(!ok);
    assert!(stdout.contains("sql/marts/typo.sql:4: unknown table `ref.district`; did you mean `ref.districts`?"), "{stdout}");

    let bad_column = "SELECT code,\n       no_such_column\nFROM ref.districts\n";
    let project = project_with("models-column", &[("column.sql", bad_column)]);
    let (ok, stdout, _) = run_in(&project, &project.join("warehouse"), &["build"]);
    assert!(!ok);
    assert!(stdout.contains("sql/marts/column.sql:2: ") && stdout.contains("no_such_column"), "the line of the bad column:\n{stdout}");

    let project = project_with("models-cycle", &[("x.sql", "SELECT * FROM marts.y"), ("y.sql", "SELECT * FROM marts.x")]);
    let (ok, _, stderr) = run_in(&project, &project.join("warehouse"), &["build"]);
    assert!(!ok);
    assert!(stderr.contains("dependency cycle between models: marts.x -> marts.y -> marts.x"), "{stderr}");

    let (ok, _, stderr) = run_in(&project_with("models-select", &[("districts.sql", DISTRICTS)]), &scratch("models-select-w"), &["build", "--select", "district"]);
    assert!(!ok);
    assert!(stderr.contains("no model `district`; did you mean `marts.districts`?"), "{stderr}");
}

#[test]
fn a_new_month_rebuilds_only_its_periods_and_equals_a_full_rebuild() {
    let dir = scratch("models-incremental");
    let warehouse = dir.join("warehouse");
    let w = warehouse.to_str().expect("utf-8");
    let year = dir.join("社保缴费明细_2025.csv");
    write_valid_contributions(&year, 1200, &TWELVE_MONTHS_OF_2025);
    hrss_ok(&["--warehouse", w, "ingest", "contributions", "--input", year.to_str().expect("utf-8")]);
    let select = ["--warehouse", w, "build", "--select", "marts.contributors_by_district"];
    let first = hrss_ok(&select);
    assert!(summary_line(&first, "marts.contributors_by_district").contains("incremental: full (first build)"), "{first}");
    let again = hrss_ok(&select);
    assert!(summary_line(&again, "marts.contributors_by_district").contains("incremental: up to date"), "{again}");

    let january = dir.join("社保缴费明细_202601.csv");
    write_valid_contributions(&january, 50, &["202601"]);
    hrss_ok(&["--warehouse", w, "ingest", "contributions", "--input", january.to_str().expect("utf-8")]);
    let incremental = hrss_ok(&select);
    assert!(
        summary_line(&incremental, "marts.contributors_by_district").contains("incremental: 3 periods (2026, 2026-01, 2026-Q1)"),
        "{incremental}"
    );
    let contents = "SELECT string_agg(concat_ws('/', period, district_code, industry_section, insurance_type, CAST(contributors AS VARCHAR), \
                    CAST(contribution_total AS VARCHAR)), '|' ORDER BY period, district_code, industry_section, insurance_type) \
                    FROM marts.contributors_by_district";
    let after_incremental = scalar(&warehouse, contents);
    assert!(after_incremental.contains("2026-01/330602/C/pension/50/96000.00"), "{after_incremental}");
    assert_eq!(scalar(&warehouse, "SELECT count(*) FROM marts.contributors_by_district"), "13", "12 months kept, 1 added, none twice");

    let full_select = ["--warehouse", w, "build", "--select", "marts.contributors_by_district", "--full-refresh"];
    let full = hrss_ok(&full_select);
    assert!(summary_line(&full, "marts.contributors_by_district").contains("incremental: full (--full-refresh)"), "{full}");
    assert_eq!(scalar(&warehouse, contents), after_incremental, "the incremental result equals a full rebuild");
    let details = scalar(&warehouse, "SELECT string_agg(detail, ' | ' ORDER BY finished) FROM _ledger WHERE kind = 'build'");
    let details = details.trim_matches('"');
    assert_eq!(
        details,
        "incremental: full (first build) | incremental: up to date | incremental: 3 periods (2026, 2026-01, 2026-Q1) | incremental: full (--full-refresh)"
    );

    // Within a memory bound the build gives the same table; under one too small for any query it fails,
    // saying so, and the table stays as it was.
    let mut bounded = full_select.to_vec();
    bounded.extend(["--memory-limit", "64m"]);
    let bounded = hrss_ok(&bounded);
    assert!(summary_line(&bounded, "marts.contributors_by_district").contains("20 periods one at a time"), "13 months, 5 quarters, 2 years: {bounded}");
    assert_eq!(scalar(&warehouse, contents), after_incremental, "a build within 64 MB gives the same table");
    let mut starved = full_select.to_vec();
    starved.extend(["--memory-limit", "1k"]);
    let starved = hrss(&starved);
    let said = format!("{}{}", String::from_utf8_lossy(&starved.stdout), String::from_utf8_lossy(&starved.stderr));
    assert!(!starved.status.success(), "a build under 1 KB fails:\n{said}");
    assert!(said.contains("Resources exhausted"), "the failure names the memory bound:\n{said}");
    assert_eq!(scalar(&warehouse, contents), after_incremental, "a failed build leaves the table as it was");
}

/// A model with `batch_by_period` computes one period at a time under a memory limit, and gives the table one
/// pass gives: rows outside every source period included in a full build, only the new periods replaced after.
#[test]
fn a_model_built_period_by_period_under_a_memory_limit_equals_one_built_in_one_pass() {
    let model = "/*\nmaterialized = \"incremental\"\nperiod_column = \"period\"\nbatch_by_period = true\n*/\n\
                 SELECT period, insurance_type, count(DISTINCT person_id) AS persons, sum(employer_amount) AS employer_amount\n\
                 FROM staging.contributions GROUP BY period, insurance_type\n\
                 UNION ALL\n\
                 SELECT concat(substr(period, 1, 4), '-Q', CAST((CAST(substr(period, 6, 2) AS BIGINT) + 2) / 3 AS VARCHAR)), insurance_type,\n\
                        count(DISTINCT person_id), sum(employer_amount) FROM staging.contributions GROUP BY 1, 2\n\
                 UNION ALL\n\
                 SELECT substr(period, 1, 4), insurance_type, count(DISTINCT person_id), sum(employer_amount) FROM staging.contributions GROUP BY 1, 2\n\
                 UNION ALL\n\
                 SELECT 'all months', insurance_type, count(DISTINCT person_id), sum(employer_amount) FROM staging.contributions GROUP BY insurance_type\n";
    let project = project_with("models-by-period", &[("persons_by_period.sql", model)]);
    let warehouse = project.join("warehouse");
    let w = warehouse.to_str().expect("utf-8");
    let quarter = project.join("社保缴费明细_2025Q1.csv");
    write_valid_contributions(&quarter, 600, &["202501", "202502", "202503"]);
    hrss_ok(&["--warehouse", w, "ingest", "contributions", "--input", quarter.to_str().expect("utf-8")]);
    let contents = "SELECT string_agg(concat_ws('/', period, insurance_type, CAST(persons AS VARCHAR), CAST(employer_amount AS VARCHAR)), '|' \
                    ORDER BY period) FROM marts.persons_by_period";
    let build = |extra: &[&str]| {
        let mut args = vec!["build"];
        args.extend_from_slice(extra);
        let (ok, stdout, stderr) = run_in(&project, &warehouse, &args);
        assert!(ok, "hrss {args:?}:\n{stdout}\n{stderr}");
        summary_line(&stdout, "marts.persons_by_period").to_string()
    };

    let one_pass = build(&["--full-refresh"]);
    assert!(one_pass.contains("incremental: full (--full-refresh)") && !one_pass.contains("at a time"), "{one_pass}");
    let expected = scalar(&warehouse, contents);
    assert_eq!(
        expected,
        "2025/pension/600/768000.00|2025-01/pension/200/256000.00|2025-02/pension/200/256000.00|2025-03/pension/200/256000.00|\
         2025-Q1/pension/600/768000.00|all months/pension/600/768000.00"
    );
    let batched = build(&["--full-refresh", "--memory-limit", "64m"]);
    assert!(batched.contains("incremental: full (--full-refresh), 5 periods one at a time"), "2025-01..03, 2025-Q1, 2025: {batched}");
    assert_eq!(scalar(&warehouse, contents), expected, "period by period, each from its own months, the row of no period included");

    let april = project.join("社保缴费明细_202504.csv");
    write_valid_contributions(&april, 30, &["202504"]);
    hrss_ok(&["--warehouse", w, "ingest", "contributions", "--input", april.to_str().expect("utf-8")]);
    let incremental = build(&["--memory-limit", "64m"]);
    assert!(incremental.contains("incremental: 3 periods (2025, 2025-04, 2025-Q2)"), "{incremental}");
    let months = "SELECT string_agg(concat_ws('/', period, CAST(persons AS VARCHAR)), '|' ORDER BY period) FROM marts.persons_by_period \
                  WHERE period LIKE '2025%'";
    let after_incremental = scalar(&warehouse, months);
    // April's 30 persons contributed in January too: the year still counts 600.
    assert_eq!(after_incremental, "2025/600|2025-01/200|2025-02/200|2025-03/200|2025-04/30|2025-Q1/600|2025-Q2/30");
    build(&["--full-refresh"]);
    assert_eq!(scalar(&warehouse, months), after_incremental, "the periods equal a full rebuild's");
}

#[test]
fn sql_unit_tests_pass_for_every_mart_and_a_wrong_expectation_fails_with_its_line() {
    let out = hrss_ok(&["test", "--unit"]);
    let models: Vec<_> = std::fs::read_dir(crate::support::project_root().join("sql/marts"))
        .expect("sql/marts")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    for model in &models {
        let slt = model.with_extension("slt");
        assert!(slt.is_file(), "every mart has a .slt unit test; {} has none", model.display());
        assert!(out.contains(&format!("ok     ./sql/marts/{}", slt.file_name().and_then(|n| n.to_str()).unwrap_or_default())), "{out}");
    }

    let project = project_with("models-unit", &[("districts.sql", DISTRICTS)]);
    let slt = "statement ok\nBUILD MODEL marts.districts\n\nquery I\nSELECT count(*) FROM marts.districts WHERE code = '330602'\n----\n2\n";
    std::fs::write(project.join("sql/marts/districts.slt"), slt).expect("write");
    std::fs::write(project.join("sql/marts/orphan.slt"), "query I\nSELECT 1\n----\n1\n").expect("write");
    let (ok, stdout, _) = run_in(&project, &project.join("w"), &["test", "--unit"]);
    assert!(!ok);
    assert!(stdout.contains("FAILED ") && stdout.contains("districts.slt:4") && stdout.contains("-   2") && stdout.contains("+   1"), "{stdout}");
    assert!(stdout.contains("orphan.slt: no model"), "{stdout}");
}

#[test]
fn lineage_draws_sources_models_and_tests_in_every_format() {
    let text = hrss_ok(&["lineage"]);
    assert!(text.contains("marts.fund_monthly [table]\n  reads:   staging.fund_ledger"), "{text}");
    assert!(text.contains("marts.contributors_by_district [incremental]"), "{text}");
    let dot = hrss_ok(&["lineage", "--format", "dot"]);
    assert!(dot.starts_with("digraph lineage {") && dot.contains("\"staging.fund_ledger\" -> \"marts.fund_monthly\";"), "{dot}");
    assert!(dot.contains("\"marts.fund_monthly\" -> \"marts.fund_monthly: unique(fund, period)\";"), "tests are nodes: {dot}");
    let mermaid = hrss_ok(&["lineage", "--format", "mermaid", "marts.fund_monthly"]);
    assert!(mermaid.starts_with("graph LR\n") && mermaid.contains("staging.fund_ledger") && !mermaid.contains("staging.contributions"), "{mermaid}");
    let html = hrss_ok(&["lineage", "--format", "html"]);
    assert!(html.contains("<svg") && html.contains("marts.fund_monthly"), "{html}");
    let output = hrss(&["lineage", "marts.fund_montly"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("did you mean `marts.fund_monthly`?"));
}

#[test]
fn docs_catalogue_every_table_with_columns_sql_lineage_and_last_run() {
    let demo = Demo::get();
    let out = demo.out.join("docs");
    let stdout = hrss_ok(&["--warehouse", demo.warehouse().to_str().expect("utf-8"), "docs", "--out", out.to_str().expect("utf-8")]);
    assert!(stdout.contains("index.html"), "{stdout}");
    let index = std::fs::read_to_string(out.join("index.html")).expect("index");
    for table in ["marts.fund_monthly", "staging.contributions", "staging.job_postings", "ref.districts"] {
        assert!(index.contains(&format!("href=\"{table}.html\"")), "index links {table}");
        assert!(out.join(format!("{table}.html")).is_file());
    }
    let page = std::fs::read_to_string(out.join("marts.fund_monthly.html")).expect("page");
    assert!(page.contains("months_of_payment_capacity") && page.contains("可支付月数"), "column docs");
    assert!(page.contains("Float64") && page.contains("WINDOW trailing_year"), "types from the warehouse and the SQL");
    assert!(page.contains("last run: success") && page.contains("<svg"), "last build and lineage");
    let staging = std::fs::read_to_string(out.join("staging.contributions.html")).expect("page");
    assert!(staging.contains("pipelines/contributions.toml") && staging.contains("person_id"), "sources are documented from their pipeline");
}

#[test]
fn demo_projects_and_forecasts_every_fund_and_warns_on_the_subsidy_led_one() {
    let warehouse = Demo::get().warehouse();
    assert_eq!(scalar(&warehouse, "SELECT count(*) FROM marts.fund_projection"), "450", "5 funds x 3 scenarios x 30 years");
    assert_eq!(scalar(&warehouse, "SELECT min(year) || '-' || max(year) FROM marts.fund_projection"), "2026-2055");
    // The institution pension fund holds about 2.5 months: red now, with its reason in words.
    let latest = "(SELECT max(period) FROM marts.fund_early_warning)";
    assert_eq!(scalar(&warehouse, &format!("SELECT level FROM marts.fund_early_warning WHERE fund = 'institution_pension' AND period = {latest}")), "red");
    let reason = scalar(&warehouse, &format!("SELECT reason FROM marts.fund_early_warning WHERE fund = 'institution_pension' AND period = {latest}"));
    assert!(reason.starts_with("可支付月数2.") && reason.contains("低于红线6.0个月") && reason.contains("年累计结余转负"), "{reason}");
    assert_eq!(scalar(&warehouse, &format!("SELECT count(*) FROM marts.fund_early_warning WHERE period = {latest} AND level IS NULL")), "0");
    // The statistical forecasts beside it, in the forecasts schema: 5 funds x 2 measures x 2026-2030.
    assert_eq!(scalar(&warehouse, "SELECT count(*) || ' ' || min(year) || '-' || max(year) FROM forecasts.fund_flows"), "50 2026-2030");
    assert_eq!(scalar(&warehouse, "SELECT count(*) FROM forecasts.fund_flows_accuracy WHERE chosen"), "10", "one chosen method per series");
}
