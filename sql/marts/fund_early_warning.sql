/*
description = """Social-insurance fund early warning (社会保险基金运行监测预警), per fund and month: months of payment capacity and \
the system dependency ratio now, the projection's view of the next year-end and the run-out year, and a level green / amber / red \
from the thresholds of marts.fund_warning_thresholds, with the reasons in words. The level is the worst of: the months of payment \
capacity now against the fund's red and amber lines; the baseline projection's months at the next year-end against the same lines; \
and the baseline run-out year against red_run_out_years / amber_run_out_years after the month's year. Projected figures exist for \
the months of the projection's base year (the latest complete year), which is when they are current; earlier months carry NULL \
there and are judged on their own months of payment capacity. The level is NULL while a fund has less than 12 months of history \
(months of payment capacity undefined)."""
materialized = "table"
tags = ["fund", "early_warning"]

[columns]
fund = "Fund code"
period = "Month, YYYY-MM"
months_of_payment_capacity = "可支付月数 now = balance / (expenditure of the trailing 12 months / 12), months. Source: marts.fund_monthly"
contributors_per_retiree = "制度抚养比 now: contributors / retirees at month end (enterprise pension only; NULL otherwise or without person records). Source: marts.social_insurance"
projected_year = "The year-end the projection columns speak of: the month's year + 1, when the projection starts from the month's year"
projected_months_baseline = "Months of payment capacity at projected_year's end, baseline scenario. Source: marts.fund_projection"
projected_months_pessimistic = "The same under the pessimistic scenario"
first_negative_year_baseline = "First year the balance goes negative under the baseline scenario; NULL if none within 30 years"
first_negative_year_pessimistic = "The same under the pessimistic scenario"
red_below_months = "The fund's red line, months (marts.fund_warning_thresholds)"
amber_below_months = "The fund's amber line, months"
level = "green, amber or red; NULL without 12 months of history"
reason = "Why, in words (Chinese), with the figures"

[[tests]]
kind = "not_null"
columns = ["fund", "period", "red_below_months", "amber_below_months"]

[[tests]]
kind = "unique"
columns = ["fund", "period"]

[[tests]]
kind = "accepted_values"
column = "level"
values = ["green", "amber", "red"]

[[tests]]
kind = "expression"
expect = "(level IS NULL) = (months_of_payment_capacity IS NULL) AND (level IS NULL OR reason IS NOT NULL)"

[[tests]]
kind = "sql"
name = "level_never_greener_than_months_now"
sql = """
SELECT fund, period FROM marts.fund_early_warning
WHERE (months_of_payment_capacity < red_below_months AND level <> 'red')
   OR (months_of_payment_capacity < amber_below_months AND level = 'green')
"""

[[tests]]
kind = "sql"
name = "latest_month_is_not_red"
severity = "warn"
sql = "SELECT fund, period, reason FROM marts.fund_early_warning WHERE level = 'red' AND period = (SELECT max(period) FROM marts.fund_early_warning)"
*/
WITH
projection AS (
    SELECT
        fund, base_year,
        max(CASE WHEN scenario = 'baseline' AND year = base_year + 1 THEN months_of_payment_capacity END) AS months_baseline,
        max(CASE WHEN scenario = 'pessimistic' AND year = base_year + 1 THEN months_of_payment_capacity END) AS months_pessimistic,
        max(CASE WHEN scenario = 'baseline' THEN first_negative_year END) AS run_out_baseline,
        max(CASE WHEN scenario = 'pessimistic' THEN first_negative_year END) AS run_out_pessimistic
    FROM marts.fund_projection
    GROUP BY fund, base_year
),
months AS (
    SELECT
        m.fund, m.period, CAST(substr(m.period, 1, 4) AS BIGINT) AS year, m.months_of_payment_capacity,
        s.contributors_per_retiree,
        t.red_below_months, t.amber_below_months, t.red_run_out_years, t.amber_run_out_years,
        p.base_year + 1 AS projected_year,
        p.months_baseline, p.months_pessimistic, p.run_out_baseline, p.run_out_pessimistic
    FROM marts.fund_monthly AS m
    JOIN marts.fund_warning_thresholds AS t ON t.fund = m.fund
    LEFT JOIN marts.social_insurance AS s
        ON s.scheme = m.fund AND s.period_type = 'month' AND s.period = m.period AND s.district_code = '330600'
    LEFT JOIN projection AS p ON p.fund = m.fund AND p.base_year = CAST(substr(m.period, 1, 4) AS BIGINT)
),
judged AS (
    SELECT
        *,
        CASE WHEN months_of_payment_capacity < red_below_months THEN 2 WHEN months_of_payment_capacity < amber_below_months THEN 1 ELSE 0 END
            AS level_now,
        CASE WHEN months_baseline < red_below_months THEN 2 WHEN months_baseline < amber_below_months THEN 1 ELSE 0 END
            AS level_projected,
        CASE
            WHEN run_out_baseline - year <= red_run_out_years THEN 2
            WHEN run_out_baseline - year <= amber_run_out_years THEN 1
            ELSE 0
        END AS level_run_out
    FROM months
)
SELECT
    fund,
    period,
    months_of_payment_capacity,
    contributors_per_retiree,
    projected_year,
    months_baseline AS projected_months_baseline,
    months_pessimistic AS projected_months_pessimistic,
    run_out_baseline AS first_negative_year_baseline,
    run_out_pessimistic AS first_negative_year_pessimistic,
    red_below_months,
    amber_below_months,
    CASE
        WHEN months_of_payment_capacity IS NULL THEN NULL
        WHEN greatest(level_now, level_projected, level_run_out) = 2 THEN 'red'
        WHEN greatest(level_now, level_projected, level_run_out) = 1 THEN 'amber'
        ELSE 'green'
    END AS level,
    CASE WHEN months_of_payment_capacity IS NOT NULL THEN concat(
        '可支付月数', CAST(round(months_of_payment_capacity, 1) AS VARCHAR), '个月',
        CASE level_now
            WHEN 2 THEN concat('，低于红线', CAST(red_below_months AS VARCHAR), '个月')
            WHEN 1 THEN concat('，低于黄线', CAST(amber_below_months AS VARCHAR), '个月')
            ELSE concat('，不低于黄线', CAST(amber_below_months AS VARCHAR), '个月')
        END,
        CASE WHEN months_baseline IS NOT NULL THEN concat(
            '；基准情景', CAST(projected_year AS VARCHAR), '年末预计', CAST(round(months_baseline, 1) AS VARCHAR), '个月',
            CASE level_projected WHEN 2 THEN '（低于红线）' WHEN 1 THEN '（低于黄线）' ELSE '' END)
        END,
        CASE WHEN run_out_baseline IS NOT NULL
            THEN concat('；基准情景预计', CAST(run_out_baseline AS VARCHAR), '年累计结余转负')
            WHEN projected_year IS NOT NULL THEN '；基准情景30年内累计结余不转负'
        END,
        CASE WHEN run_out_pessimistic IS NOT NULL AND run_out_pessimistic IS DISTINCT FROM run_out_baseline
            THEN concat('（悲观情景', CAST(run_out_pessimistic AS VARCHAR), '年）')
        END,
        CASE WHEN contributors_per_retiree IS NOT NULL
            THEN concat('；制度抚养比', CAST(round(contributors_per_retiree, 2) AS VARCHAR), ':1')
        END
    ) END AS reason
FROM judged
ORDER BY fund, period
