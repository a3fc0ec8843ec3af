/*
description = "Monthly fund revenue, expenditure, balance and months of payment capacity (基金月度收支与可支付月数)"
tags = ["fund", "early_warning"]

[columns]
fund = "Fund code (enterprise_pension, ...)"
period = "Month, YYYY-MM"
revenue_total = "基金收入: total revenue in the month, yuan. Source: staging.fund_ledger"
revenue_contributions = "征缴收入: contribution income, yuan"
revenue_subsidy = "财政补贴: fiscal subsidy, yuan"
expenditure_total = "基金支出: total expenditure in the month, yuan"
surplus = "当期结余 = revenue_total - expenditure_total, yuan"
balance_end = "累计结余: accumulated balance at month end, yuan"
expenditure_trailing_12m = "Expenditure of the 12 months ending in this one, yuan"
months_of_payment_capacity = "可支付月数 = balance_end / (expenditure_trailing_12m / 12), months; NULL until 12 months of history exist"

[[tests]]
kind = "not_null"
columns = ["fund", "period", "revenue_total", "expenditure_total", "balance_end"]

[[tests]]
kind = "unique"
columns = ["fund", "period"]
*/
SELECT
    fund,
    period,
    revenue_total,
    revenue_contributions,
    revenue_subsidy,
    expenditure_total,
    revenue_total - expenditure_total AS surplus,
    balance_end,
    expenditure_trailing_12m,
    CASE
        WHEN months_in_window = 12
        THEN CAST(balance_end AS DOUBLE) / (CAST(expenditure_trailing_12m AS DOUBLE) / 12.0)
    END AS months_of_payment_capacity
FROM (
    SELECT
        *,
        sum(expenditure_total) OVER trailing_year AS expenditure_trailing_12m,
        count(*) OVER trailing_year AS months_in_window
    FROM staging.fund_ledger
    WINDOW trailing_year AS (PARTITION BY fund ORDER BY period ROWS BETWEEN 11 PRECEDING AND CURRENT ROW)
)
ORDER BY fund, period
