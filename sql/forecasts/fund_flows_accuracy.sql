/*
description = """How well each method forecast each fund's annual revenue and expenditure in a rolling-origin backtest (预测方法回测精度): \
the accuracy shown beside forecasts.fund_flows. Per series and candidate method: sMAPE (percent), MASE (against the naive \
method's in-sample error) and the share of held-out years inside the 95% interval; `chosen` marks the method fund_flows used."""
materialized = "table"
tags = ["forecast", "fund", "fyp15"]

[columns]
fund = "Fund code"
measure = "revenue or expenditure"
method = "Candidate method"
smape = "Symmetric mean absolute percentage error over the backtest, percent"
mase = "Mean absolute error scaled by the in-sample naive error"
coverage_95 = "Share of held-out actual values inside the method's own 95% interval"
interval_scale = "How much the 95% interval must widen around the point to hold 95% of the held-out values (at least 1); forecasts.fund_flows widens the chosen method's intervals by it"
origins = "Forecast origins in the backtest"
chosen = "Whether forecasts.fund_flows uses this method for the series"

[[tests]]
kind = "unique"
columns = ["fund", "measure", "method"]

[[tests]]
kind = "sql"
name = "one_chosen_method_per_series"
sql = "SELECT fund, measure FROM forecasts.fund_flows_accuracy GROUP BY fund, measure HAVING sum(CASE WHEN chosen THEN 1 ELSE 0 END) <> 1"
*/
SELECT
    split_part(series, '/', 1) AS fund,
    split_part(series, '/', 2) AS measure,
    method, smape, mase, coverage_95, interval_scale, origins, chosen
FROM forecast_backtest('forecasts.fund_flow_series', 'series', 'year', 'value', 5)
ORDER BY fund, measure, smape
