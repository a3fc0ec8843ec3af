/*
description = """Five-year forecast (2026-2030, the 15th Five-Year Plan) of each social-insurance fund's annual revenue and \
expenditure (基金收入、支出预测), with 80% and 95% prediction intervals. Each series is a fund's calendar-year total over the \
complete years of marts.fund_monthly (2016-2025 in the demo; forecasts.fund_flow_series), forecast by forecast()'s automatic choice: the method with the lowest \
sMAPE over a rolling-origin backtest among additive ETS (by AICc), Theta, drift, naive and seasonal naive. The backtest behind \
each choice is forecasts.fund_flows_accuracy. A statistical extrapolation of the series' own history, beside the \
assumption-driven projection of marts.fund_projection."""
materialized = "table"
tags = ["forecast", "fund", "fyp15"]

[columns]
fund = "Fund code"
measure = "revenue or expenditure"
year = "Forecast year"
step = "Years ahead of the last actual year (1 = 2026)"
point = "Point forecast, yuan"
lo_80 = "Lower bound of the 80% prediction interval, yuan"
hi_80 = "Upper bound of the 80% prediction interval, yuan"
lo_95 = "Lower bound of the 95% prediction interval, yuan"
hi_95 = "Upper bound of the 95% prediction interval, yuan"
method = "The method forecast() chose for the series, e.g. ets(A,A,N), theta, drift"

[[tests]]
kind = "not_null"
columns = ["fund", "measure", "year", "step", "point", "lo_80", "hi_80", "lo_95", "hi_95", "method"]

[[tests]]
kind = "unique"
columns = ["fund", "measure", "year"]

[[tests]]
kind = "expression"
expect = "lo_95 <= lo_80 AND lo_80 <= point AND point <= hi_80 AND hi_80 <= hi_95"

[[tests]]
kind = "sql"
name = "five_years_per_series"
sql = "SELECT fund, measure FROM forecasts.fund_flows GROUP BY fund, measure HAVING count(*) <> 5"
*/
SELECT
    split_part(series, '/', 1) AS fund,
    split_part(series, '/', 2) AS measure,
    CAST(period AS BIGINT) AS year,
    step, point, lo_80, hi_80, lo_95, hi_95, method
FROM forecast('forecasts.fund_flow_series', 'series', 'year', 'value', 5)
ORDER BY fund, measure, year
