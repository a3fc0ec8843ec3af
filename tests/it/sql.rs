//! `hrss sql` output, as analysts see it.

use crate::support::{hrss, hrss_ok, Demo};

#[test]
fn sql_table_output() {
    let demo = Demo::get();
    let out = hrss_ok(&[
        "--warehouse", &demo.warehouse().to_string_lossy(), "sql",
        "SELECT insurance_type, count(*) AS records, count(DISTINCT person_id) AS persons, sum(employer_amount) AS employer_yuan \
         FROM staging.contributions GROUP BY insurance_type ORDER BY insurance_type",
    ]);
    insta::assert_snapshot!(out);
}

#[test]
fn sql_csv_and_json_output() {
    let demo = Demo::get();
    let warehouse = demo.warehouse().to_string_lossy().into_owned();
    let query = "SELECT period, round(months_of_payment_capacity, 2) AS months FROM marts.fund_monthly WHERE fund = 'enterprise_pension' ORDER BY period DESC LIMIT 3";
    insta::assert_snapshot!("csv", hrss_ok(&["--warehouse", &warehouse, "sql", query, "--format", "csv"]));
    insta::assert_snapshot!("json", hrss_ok(&["--warehouse", &warehouse, "sql", query, "--format", "json"]));
}

#[test]
fn sql_on_a_missing_table_fails_with_its_name() {
    let demo = Demo::get();
    let output = hrss(&["--warehouse", &demo.warehouse().to_string_lossy(), "sql", "SELECT * FROM staging.no_such_table"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no_such_table"));
}

#[test]
fn sql_runs_a_script_that_registers_a_csv_and_queries_it() {
    let demo = Demo::get();
    let dir = crate::support::scratch("sql_script");
    let csv = dir.join("series.csv");
    std::fs::write(&csv, "series,period,value\nA,2025-01,1.5\nA,2025-02,2.5\nB,2025-01,5\n").expect("write csv");
    let script = dir.join("script.sql");
    std::fs::write(
        &script,
        format!(
            "-- a CSV of series, then two queries over it and the warehouse\n\
             CREATE EXTERNAL TABLE series STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true');\n\
             SELECT series, sum(value) AS total FROM series GROUP BY series ORDER BY series;\n\
             SELECT count(*) AS funds FROM (SELECT DISTINCT fund FROM marts.fund_monthly);\n",
            csv.display()
        ),
    )
    .expect("write script");
    let out = hrss_ok(&["--warehouse", &demo.warehouse().to_string_lossy(), "sql", "-f", &script.to_string_lossy(), "--format", "csv"]);
    assert_eq!(out, "series,total\nA,4.0\nB,5.0\nfunds\n5\n");
}

#[test]
fn sql_names_the_failing_statement_of_a_script() {
    let demo = Demo::get();
    let output = hrss(&["--warehouse", &demo.warehouse().to_string_lossy(), "sql", "SELECT 1; SELECT nope FROM marts.fund_monthly; SELECT 3"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("statement 2 of 3") && stderr.contains("nope"), "{stderr}");
}

#[test]
fn sql_writes_ndjson_parquet_and_honours_max_rows() {
    let demo = Demo::get();
    let warehouse = demo.warehouse().to_string_lossy().into_owned();
    let query = "SELECT fund, period, balance_end FROM marts.fund_monthly ORDER BY fund, period";

    let ndjson = hrss_ok(&["--warehouse", &warehouse, "sql", query, "--format", "ndjson", "--max-rows", "3"]);
    let lines: Vec<serde_json::Value> = ndjson.lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["fund"], "enterprise_pension");
    assert_eq!(lines[0]["period"], "2016-01");

    let dir = crate::support::scratch("sql_parquet");
    let file = dir.join("funds.parquet");
    let out = hrss_ok(&["--warehouse", &warehouse, "sql", query, "--format", "parquet", "--output", &file.to_string_lossy()]);
    assert!(out.is_empty(), "results go to the file: {out}");
    let reader = parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&file).expect("parquet written")).expect("valid parquet");
    use parquet::file::reader::FileReader;
    let total = crate::support::scalar(demo.warehouse().as_path(), "SELECT count(*) FROM marts.fund_monthly");
    assert_eq!(reader.metadata().file_metadata().num_rows().to_string(), total);

    let missing_output = hrss(&["--warehouse", &warehouse, "sql", query, "--format", "parquet"]);
    assert!(!missing_output.status.success());
    assert!(String::from_utf8_lossy(&missing_output.stderr).contains("--output"));
}

#[test]
fn sql_with_a_memory_limit_spills_a_large_sort_and_completes() {
    let demo = Demo::get();
    // A window over 3M rows sorts all of them: 24 MB of keys alone, over the 16 MB limit.
    let query = "EXPLAIN ANALYZE SELECT max(rn) FROM (SELECT row_number() OVER (ORDER BY value DESC) AS rn FROM generate_series(1, 3000000))";
    let out = hrss_ok(&["--warehouse", &demo.warehouse().to_string_lossy(), "sql", query, "--memory-limit", "16m", "--format", "csv"]);
    let spills: Vec<u64> = out
        .split("spill_count=")
        .skip(1)
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .collect();
    assert!(spills.iter().any(|&n| n > 0), "the sort spilled to disk: {out}");

    let answer = hrss_ok(&[
        "--warehouse", &demo.warehouse().to_string_lossy(), "sql",
        "SELECT max(rn) AS rows FROM (SELECT row_number() OVER (ORDER BY value DESC) AS rn FROM generate_series(1, 3000000))",
        "--memory-limit", "16m", "--format", "csv",
    ]);
    assert_eq!(answer, "rows\n3000000\n");

    // A query that fits the limit does not spill: its aggregations take memory as they need it, up to the
    // limit, not an even share each (with even shares this spilled 9 times at 128 MB, 16 times at 64 MB).
    let fits = hrss_ok(&[
        "--warehouse", &demo.warehouse().to_string_lossy(), "sql",
        "EXPLAIN ANALYZE SELECT count(DISTINCT v) FROM (SELECT value % 1000000 AS v FROM generate_series(1, 4000000))",
        "--memory-limit", "128m", "--format", "csv",
    ]);
    let spill_counts: Vec<&str> = fits.split("spill_count=").skip(1).collect();
    assert!(!spill_counts.is_empty() && spill_counts.iter().all(|rest| rest.starts_with("0,") || rest.starts_with("0]")), "no operator spilled: {fits}");

    // The limited session still sees the warehouse's tables.
    let contributions = crate::support::scalar(&demo.warehouse(), "SELECT count(*) FROM staging.contributions");
    let limited = hrss_ok(&[
        "--warehouse", &demo.warehouse().to_string_lossy(), "sql", "SELECT count(*) AS n FROM staging.contributions",
        "--memory-limit", "64m", "--format", "csv",
    ]);
    assert_eq!(limited, format!("n\n{contributions}\n"));
}

#[test]
fn sql_sees_the_self_describing_catalog() {
    let demo = Demo::get();
    let warehouse = demo.warehouse();
    let comment = crate::support::scalar(
        &warehouse,
        "SELECT comment FROM docs.columns WHERE table_schema = 'marts' AND table_name = 'fund_monthly' AND column_name = 'months_of_payment_capacity'",
    );
    assert!(comment.contains("可支付月数"), "{comment}");
    let schemas = hrss_ok(&[
        "--warehouse", &warehouse.to_string_lossy(), "sql",
        "SELECT schema_name FROM information_schema.schemata ORDER BY 1", "--format", "csv",
    ]);
    for schema in ["docs", "forecasts", "marts", "quarantine", "ref", "staging"] {
        assert!(schemas.lines().any(|l| l == schema), "{schema} in {schemas}");
    }
}
