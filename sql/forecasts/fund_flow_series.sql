/*
description = """Each fund's calendar-year revenue and expenditure over the complete years (all twelve months present) of \
marts.fund_monthly: the series forecasts.fund_flows forecasts and forecasts.fund_flows_accuracy backtests."""
materialized = "view"
tags = ["forecast", "fund", "fyp15"]

[columns]
series = "fund/measure, e.g. enterprise_pension/revenue"
year = "Calendar year, YYYY"
value = "The year's total, yuan"

[[tests]]
kind = "unique"
columns = ["series", "year"]
*/
SELECT concat(fund, '/revenue') AS series, substr(period, 1, 4) AS year, CAST(sum(revenue_total) AS DOUBLE) AS value
FROM marts.fund_monthly
GROUP BY fund, substr(period, 1, 4)
HAVING count(*) = 12
UNION ALL
SELECT concat(fund, '/expenditure'), substr(period, 1, 4), CAST(sum(expenditure_total) AS DOUBLE)
FROM marts.fund_monthly
GROUP BY fund, substr(period, 1, 4)
HAVING count(*) = 12
