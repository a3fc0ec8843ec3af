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
