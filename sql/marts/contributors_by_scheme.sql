/*
description = """Contributors by scheme, period and district (参保缴费人员): the person counts of marts.social_insurance, kept \
apart so that a newly loaded month of staging.contributions is counted once, incrementally, and social_insurance no longer reads \
the record-level table. Month rows: distinct contributors of the month and those with a paid record (the stock at the month's end). \
Quarter and year rows: distinct contributors over the whole period. District rows count by the employer's district; the city row \
(330600) counts a person once over all districts."""
# Every period is counted from its own year's contributions, so a newly loaded month rebuilds only its month, quarter and year.
materialized = "incremental"
period_column = "period"
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
-- One row per person, scheme, district and month, with whether any of the month's records was paid: the
-- distinct counts below become plain counts, which aggregate (and spill under a memory limit) like any
-- other. Two distinct counts in one aggregation would hold every group's set of persons in memory at once.
persons_of_month AS (
    SELECT
        period AS month,
        CASE insurance_type WHEN 'pension' THEN 'enterprise_pension' ELSE insurance_type END AS scheme,
        district_code,
        person_id,
        max(CASE WHEN payment_status = 'paid' THEN 1 ELSE 0 END) AS paid
    FROM staging.contributions
    WHERE person_id IS NOT NULL
    GROUP BY period, CASE insurance_type WHEN 'pension' THEN 'enterprise_pension' ELSE insurance_type END, district_code, person_id
),
-- Each district, and the city, where a person contributing in two districts in a month counts once.
placed AS (
    SELECT month, scheme, district_code, person_id, paid FROM persons_of_month
    UNION ALL
    SELECT month, scheme, '330600' AS district_code, person_id, max(paid) AS paid
    FROM persons_of_month
    GROUP BY month, scheme, person_id
),
monthly AS (
    SELECT
        'month' AS period_type,
        month AS period,
        scheme,
        district_code,
        count(*) AS contributors,
        sum(paid) AS contributors_paid
    FROM placed
    GROUP BY month, scheme, district_code
),
-- Each person-month in its quarter and its year, where persons are counted over the whole period.
in_longer_periods AS (
    SELECT
        'quarter' AS period_type,
        concat(substr(month, 1, 4), '-Q', CAST((CAST(substr(month, 6, 2) AS BIGINT) + 2) / 3 AS VARCHAR)) AS period,
        scheme,
        district_code,
        person_id
    FROM placed
    UNION ALL
    SELECT 'year' AS period_type, substr(month, 1, 4) AS period, scheme, district_code, person_id FROM placed
)
SELECT period_type, period, scheme, district_code, contributors, contributors_paid, contributors AS contributors_in_period
FROM monthly
UNION ALL
SELECT
    period_type,
    period,
    scheme,
    district_code,
    CAST(NULL AS BIGINT) AS contributors,
    CAST(NULL AS BIGINT) AS contributors_paid,
    count(DISTINCT person_id) AS contributors_in_period
FROM in_longer_periods
GROUP BY period_type, period, scheme, district_code
