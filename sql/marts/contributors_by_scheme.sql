/*
description = """Contributors by scheme, period and district (参保缴费人员): the person counts of marts.social_insurance, kept \
apart so that a newly loaded month of staging.contributions is counted once, incrementally, and social_insurance no longer reads \
the record-level table. Month rows: distinct contributors of the month and those with a paid record (the stock at the month's end). \
Quarter and year rows: distinct contributors over the whole period. District rows count by the employer's district; the city row \
(330600) counts a person once over all districts."""
# Every period is counted from its own year's contributions, so a newly loaded month rebuilds only its month, quarter and year.
materialized = "incremental"
period_column = "period"
# Under a memory limit, one period at a time: built at once, its dozen aggregations split the memory pool
# between them and spilled, though together they needed well under it (a month's rebuild at 10M rows under
# 2 GB: 3.4 s, one period at a time 1.1 s). Each pass reads only the period's months, which is all a month,
# quarter or year row here counts.
batch_by_period = true
tags = ["social_insurance"]

[columns]
period_type = "Grain: 'month', 'quarter' or 'year'"
period = "Period: '2025-03' (month), '2025-Q1' (quarter) or '2025' (year)"
scheme = "enterprise_pension (insurance_type pension), unemployment or work_injury"
district_code = "GB/T 2260 code of the employer's district or county; 330600 = whole city (绍兴市)"
contributors = "Month rows: distinct persons with a contribution record of the scheme in the month (due, paid or in arrears); NULL on quarter and year rows"
contributors_paid = "Month rows: of contributors, those with at least one record marked paid; NULL on quarter and year rows"
contributors_in_period = "Distinct persons with a contribution record of the scheme in any month of the period"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "scheme", "district_code", "contributors_in_period"]

[[tests]]
kind = "unique"
columns = ["period_type", "period", "scheme", "district_code"]

[[tests]]
kind = "accepted_values"
column = "scheme"
values = ["enterprise_pension", "unemployment", "work_injury"]

[[tests]]
kind = "expression"
expect = "period_type <> 'month' OR (contributors = contributors_in_period AND contributors_paid <= contributors)"
*/
WITH
-- Each contribution record with its scheme, quarter and year.
records AS (
    SELECT
        period AS month,
        concat(substr(period, 1, 4), '-Q', CAST((CAST(substr(period, 6, 2) AS BIGINT) + 2) / 3 AS VARCHAR)) AS quarter,
        substr(period, 1, 4) AS year,
        CASE insurance_type WHEN 'pension' THEN 'enterprise_pension' ELSE insurance_type END AS scheme,
        district_code,
        person_id,
        CASE WHEN payment_status = 'paid' THEN 1 ELSE 0 END AS paid
    FROM staging.contributions
    WHERE person_id IS NOT NULL
),
-- One row per person, scheme and month in each district, and in the city, where a person contributing in two
-- districts in a month counts once: the month's counts become plain counts. Two distinct counts in one
-- aggregation would hold every group's set of persons in memory at once, and could not spill.
district_months AS (
    SELECT month, scheme, district_code, person_id, max(paid) AS paid
    FROM records
    GROUP BY month, scheme, district_code, person_id
),
city_months AS (
    SELECT month, scheme, person_id, max(paid) AS paid
    FROM records
    GROUP BY month, scheme, person_id
)
SELECT
    'month' AS period_type,
    month AS period,
    scheme,
    district_code,
    count(*) AS contributors,
    sum(paid) AS contributors_paid,
    count(*) AS contributors_in_period
FROM district_months
GROUP BY month, scheme, district_code
UNION ALL
SELECT 'month', month, scheme, '330600', count(*) AS contributors, sum(paid) AS contributors_paid, count(*) AS contributors_in_period
FROM city_months
GROUP BY month, scheme
-- Quarters and years count a person once over the whole period, each grain and place in an aggregation of its
-- own over the records. One aggregation over a union of the grains ran 45 s at 10M rows (DataFusion aggregated
-- it as partially sorted on the grain), these take a second or two each.
UNION ALL
SELECT 'quarter', quarter, scheme, district_code, CAST(NULL AS BIGINT) AS contributors, CAST(NULL AS BIGINT) AS contributors_paid, count(DISTINCT person_id) AS contributors_in_period
FROM records
GROUP BY quarter, scheme, district_code
UNION ALL
SELECT 'quarter', quarter, scheme, '330600', CAST(NULL AS BIGINT) AS contributors, CAST(NULL AS BIGINT) AS contributors_paid, count(DISTINCT person_id) AS contributors_in_period
FROM records
GROUP BY quarter, scheme
UNION ALL
SELECT 'year', year, scheme, district_code, CAST(NULL AS BIGINT) AS contributors, CAST(NULL AS BIGINT) AS contributors_paid, count(DISTINCT person_id) AS contributors_in_period
FROM records
GROUP BY year, scheme, district_code
UNION ALL
SELECT 'year', year, scheme, '330600', CAST(NULL AS BIGINT) AS contributors, CAST(NULL AS BIGINT) AS contributors_paid, count(DISTINCT person_id) AS contributors_in_period
FROM records
GROUP BY year, scheme
