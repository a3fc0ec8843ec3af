/*
description = """Five-year forecast (2026-2030, the 15th Five-Year Plan) of the bureau's development indicators city-wide \
(绍兴市): new urban jobs (城镇新增就业), registered urban unemployed at year end (年末城镇登记失业人数), the average wage of \
urban non-private units (城镇非私营单位就业人员年平均工资), and the enterprise pension scheme's contributing workers (参保职工) \
and retirees (离退休人员), with 80% and 95% prediction intervals. Each series is the city's yearly figure from \
staging.annual_report (the annual statistical report, 2016-2025 in the demo): person counts summed over the districts, \
the average wage weighted by each district's average employment (工资总额 / 平均人数). forecast()'s automatic choice picks, \
per indicator, the method with the lowest sMAPE over a rolling-origin backtest among ETS, ARIMA, Theta, their \
combinations and the benchmarks."""
materialized = "table"
tags = ["forecast", "employment", "wages", "pension", "fyp15"]

[columns]
indicator = "Indicator code: new_urban_jobs, registered_unemployed, avg_wage_non_private, pension_contributors or pension_retirees"
name_zh = "指标名称, as the bulletin prints it"
unit = "Unit of point and bounds: 人 (persons) or 元 (yuan a year)"
year = "Forecast year"
step = "Years ahead of the last reported year (1 = 2026)"
point = "Point forecast"
lo_80 = "Lower bound of the 80% prediction interval"
hi_80 = "Upper bound of the 80% prediction interval"
lo_95 = "Lower bound of the 95% prediction interval"
hi_95 = "Upper bound of the 95% prediction interval"
method = "The method forecast() chose for the indicator, e.g. ets(M,A,N), arima(0,1,1) with drift, median(...)"

[[tests]]
kind = "not_null"
columns = ["indicator", "name_zh", "unit", "year", "step", "point", "lo_80", "hi_80", "lo_95", "hi_95", "method"]

[[tests]]
kind = "unique"
columns = ["indicator", "year"]

[[tests]]
kind = "accepted_values"
column = "indicator"
values = ["new_urban_jobs", "registered_unemployed", "avg_wage_non_private", "pension_contributors", "pension_retirees"]

[[tests]]
kind = "expression"
expect = "lo_95 <= lo_80 AND lo_80 <= point AND point <= hi_80 AND hi_80 <= hi_95"

[[tests]]
kind = "sql"
name = "five_years_per_indicator"
sql = "SELECT indicator FROM forecasts.development_indicators GROUP BY indicator HAVING count(*) <> 5"
*/
WITH names (indicator, name_zh, unit) AS (
    VALUES
        ('new_urban_jobs', '城镇新增就业人数', '人'),
        ('registered_unemployed', '年末城镇登记失业人数', '人'),
        ('avg_wage_non_private', '城镇非私营单位就业人员年平均工资', '元'),
        ('pension_contributors', '企业职工基本养老保险参保职工人数', '人'),
        ('pension_retirees', '企业职工基本养老保险离退休人员数', '人')
)
SELECT f.series AS indicator, n.name_zh, n.unit, CAST(f.period AS BIGINT) AS year, f.step, f.point, f.lo_80, f.hi_80, f.lo_95, f.hi_95, f.method
FROM forecast(
    'WITH city AS (
         SELECT year,
             CAST(sum(new_urban_jobs) AS DOUBLE) AS new_urban_jobs,
             CAST(sum(registered_unemployed) AS DOUBLE) AS registered_unemployed,
             CAST(sum(avg_wage_non_private * non_private_employed) AS DOUBLE) / CAST(sum(non_private_employed) AS DOUBLE) AS avg_wage_non_private,
             CAST(sum(pension_contributors) AS DOUBLE) AS pension_contributors,
             CAST(sum(pension_retirees) AS DOUBLE) AS pension_retirees
         FROM staging.annual_report
         GROUP BY year
     )
     SELECT ''new_urban_jobs'' AS series, year, new_urban_jobs AS value FROM city
     UNION ALL SELECT ''registered_unemployed'', year, registered_unemployed FROM city
     UNION ALL SELECT ''avg_wage_non_private'', year, avg_wage_non_private FROM city
     UNION ALL SELECT ''pension_contributors'', year, pension_contributors FROM city
     UNION ALL SELECT ''pension_retirees'', year, pension_retirees FROM city',
    'series', 'year', 'value', 5) AS f
JOIN names AS n ON n.indicator = f.series
ORDER BY indicator, year
