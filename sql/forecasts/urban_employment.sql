/*
description = """Five-year forecast (2026-2030) of urban employed persons (城镇就业人员) city-wide and per district, with 80% and 95% \
prediction intervals, from staging.urban_employment's yearly figures (2016-2025 in the demo), by forecast()'s automatic choice. \
District forecasts are made separately, so they need not add up to the city's."""
materialized = "table"
tags = ["forecast", "employment", "fyp15"]

[columns]
district_code = "GB/T 2260 code; 330600 = the whole city"
year = "Forecast year"
step = "Years ahead of the last actual year"
point = "Point forecast, persons"
lo_80 = "Lower 80% bound, persons"
hi_80 = "Upper 80% bound, persons"
lo_95 = "Lower 95% bound, persons"
hi_95 = "Upper 95% bound, persons"
method = "The method chosen for the series"

[[tests]]
kind = "not_null"
columns = ["district_code", "year", "point", "lo_95", "hi_95", "method"]

[[tests]]
kind = "unique"
columns = ["district_code", "year"]

[[tests]]
kind = "expression"
expect = "lo_95 <= point AND point <= hi_95"
*/
SELECT
    series AS district_code,
    CAST(period AS BIGINT) AS year,
    step, point, lo_80, hi_80, lo_95, hi_95, method
FROM forecast(
    'SELECT district_code AS series, year, CAST(urban_employed AS DOUBLE) AS value FROM staging.urban_employment
     UNION ALL
     SELECT ''330600'', year, CAST(sum(urban_employed) AS DOUBLE) FROM staging.urban_employment GROUP BY year',
    'series', 'year', 'value', 5)
ORDER BY district_code, year
