//! `forecast(...)` and `forecast_backtest(...)` from `hrss sql`, over warehouse tables and a CSV
//! registered in the same call.

use crate::support::{hrss, hrss_ok, scratch, Demo};

fn csv_rows(out: &str) -> Vec<Vec<String>> {
    out.lines().skip(1).map(|l| l.split(',').map(str::to_string).collect()).collect()
}

#[test]
fn forecast_a_warehouse_table_twelve_months_ahead_with_intervals() {
    let warehouse = Demo::get().warehouse();
    let out = hrss_ok(&[
        "--warehouse", &warehouse.to_string_lossy(), "sql",
        "SELECT series, period, step, point, lo_80, hi_80, lo_95, hi_95, method \
         FROM forecast('marts.fund_monthly', 'fund', 'period', 'expenditure_total', 12) ORDER BY series, step",
        "--format", "csv",
    ]);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 5 * 12, "five funds, twelve months each:\n{out}");
    assert_eq!(rows[0][0], "enterprise_pension");
    assert_eq!((rows[0][1].as_str(), rows[11][1].as_str()), ("2026-01", "2026-12"), "the months after the ledger's last");
    for row in &rows {
        let v: Vec<f64> = row[3..8].iter().map(|x| x.parse().expect("a number")).collect();
        let (point, lo80, hi80, lo95, hi95) = (v[0], v[1], v[2], v[3], v[4]);
        assert!(lo95 <= lo80 && lo80 <= point && point <= hi80 && hi80 <= hi95, "nested intervals: {row:?}");
        assert!(point > 0.0, "monthly expenditure stays positive: {row:?}");
        assert!(!row[8].is_empty());
    }
}

#[test]
fn forecast_a_csv_registered_in_the_same_call() {
    let dir = scratch("forecast_csv");
    let csv = dir.join("jobs.csv");
    // New urban jobs, 10k persons, 2016-2025: a drift forecast continues the average change.
    std::fs::write(&csv, "series,year,value\njobs,2016,10\njobs,2017,11\njobs,2018,12\njobs,2019,13\njobs,2020,12\njobs,2021,14\njobs,2022,15\njobs,2023,16\njobs,2024,17\njobs,2025,19\n")
        .expect("write csv");
    let out = hrss_ok(&[
        "--warehouse", &Demo::get().warehouse().to_string_lossy(), "sql",
        &format!(
            "CREATE EXTERNAL TABLE jobs STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true'); \
             SELECT period, step, round(point, 3) AS point, method FROM forecast('jobs', 'series', 'year', 'value', 5, NULL, 'drift', '90') ORDER BY step",
            csv.display()
        ),
        "--format", "csv",
    ]);
    // Slope (19 - 10) / 9 = 1 a year.
    assert_eq!(out, "period,step,point,method\n2026,1,20.0,drift\n2027,2,21.0,drift\n2028,3,22.0,drift\n2029,4,23.0,drift\n2030,5,24.0,drift\n");

    // The same call with named arguments, in any order, skipping season_length.
    let named = hrss_ok(&[
        "--warehouse", &Demo::get().warehouse().to_string_lossy(), "sql",
        &format!(
            "CREATE EXTERNAL TABLE jobs STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true'); \
             SELECT period, step, round(point, 3) AS point, method FROM forecast(value => 'value', source => 'jobs', series => 'series', \
             period => 'year', horizon => 5, levels => '90', method => 'drift') ORDER BY step",
            csv.display()
        ),
        "--format", "csv",
    ]);
    assert_eq!(named, out, "named arguments mean what their positions mean");

    let query = |sql: &str| hrss(&["--warehouse", &Demo::get().warehouse().to_string_lossy(), "sql",
        &format!("CREATE EXTERNAL TABLE jobs STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true'); {sql}", csv.display())]);
    // Custom levels name their columns; the auto method is backtested.
    let levels = query("SELECT lo_97_5, hi_50 FROM forecast('SELECT * FROM jobs', 'series', 'year', 'value', 2, 1, 'auto', '50,97.5')");
    assert!(levels.status.success(), "{}", String::from_utf8_lossy(&levels.stderr));
    let backtest = hrss_ok(&["--warehouse", &Demo::get().warehouse().to_string_lossy(), "sql",
        &format!("CREATE EXTERNAL TABLE jobs STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true'); \
                  SELECT count(*) AS methods, sum(CAST(chosen AS INT)) AS chosen, min(smape) >= 0 AS ok FROM forecast_backtest('jobs', 'series', 'year', 'value', 2)", csv.display()),
        "--format", "csv"]);
    let row = &csv_rows(&backtest)[0];
    assert!(row[0].parse::<i64>().expect("count") >= 3 && row[1] == "1" && row[2] == "true", "{backtest}");

    let unknown = query("SELECT * FROM forecast('jobs', 'series', 'year', 'value', 2, 1, 'prophet')");
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown forecasting method `prophet`"));
    let misnamed = query("SELECT * FROM forecast(source => 'jobs', series => 'series', period => 'year', value => 'value', horizont => 2)");
    assert!(String::from_utf8_lossy(&misnamed.stderr).contains("no argument named `horizont`"), "{}", String::from_utf8_lossy(&misnamed.stderr));
    let gap = query("SELECT * FROM forecast('SELECT * FROM jobs WHERE year <> 2020', 'series', 'year', 'value', 2)");
    assert!(String::from_utf8_lossy(&gap.stderr).contains("has a gap between `2019` and `2021`"), "{}", String::from_utf8_lossy(&gap.stderr));
}
