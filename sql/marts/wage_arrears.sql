/*
description = "Migrant workers' wage arrears (农民工工资拖欠) handled by the labour inspectorate, by period (month, quarter, year), district and GB/T 4754 industry section, with all-industry and city-wide rows: cases opened and closed, workers affected, amounts owed and recovered, recovery rate and days to resolution (欠薪案件)"
materialized = "table"
tags = ["bulletin", "labour_relations", "wage_arrears"]

# Grain: one row per (period_type, period, district_code, industry_section), all in this one table.
# - industry_section: every section of ref.industry_sections (so construction, section E, is always present, with zeros
#   where nothing happened) plus '_all' = all industries (the sum over the sections; the rates recomputed).
# - district_code: every current district of ref.districts plus '330600' 绍兴市 = city-wide (the sum over the districts;
#   ref.districts does not hold 330600, its name is written here).
# - Months are those from the first to the last month in which a case was opened or closed; quarter and year rows are
#   rolled up from the month rows: flows summed, stocks (cases_open_end) at the period's LAST calendar month (NULL when
#   the data do not reach it), rates and averages recomputed from their summed parts, never averaged.
# A case is "closed" (结案) on its closed_on day, whether the inspectorate settled it (status 'closed') or handed it to
# the police for refusal to pay wages (status 'transferred', 移送公安); REFERENCE.md (L9, L10) gives no formula for the
# recovery rate, so it is defined here on the cases concluded in the period: recovered / owed of those cases, with the
# transferred cases in (leaving them out would flatter the rate). A case closed on the last day of a month counts as
# closed in that month and is no longer open at its end.

[columns]
period_type = "Grain of the row: 'month', 'quarter' or 'year'"
period = "Period label: '2025-03' (month), '2025-Q1' (quarter) or '2025' (year)"
district_code = "GB/T 2260 code of the district or county handling the case (retired codes already mapped to successors at ingestion); '330600' is the city-wide row"
district_name = "District or county name (ref.districts.name_zh); '绍兴市' for the city-wide row"
industry_section = "GB/T 4754-2017 section (门类) letter of the employer owing the wages (ref.industry_sections.section; E = construction 建筑业); '_all' = all industries"
industry_name = "Section name (ref.industry_sections.name_zh); '全部行业' for '_all'"
cases_opened = "欠薪案件立案数: cases opened (opened_on) in the period, cases; flow. Source: staging.wage_arrears_cases"
workers_affected = "涉及人数: workers owed wages in the cases opened in the period (sum of workers), persons; flow. Source: staging.wage_arrears_cases.workers"
amount_owed = "欠薪金额: wages owed in the cases opened in the period, yuan (DECIMAL(18,2)); flow. Source: staging.wage_arrears_cases.amount_owed"
cases_closed = "结案数: cases concluded (closed_on) in the period, settled or transferred to the police, cases; flow. Source: staging.wage_arrears_cases"
cases_transferred = "移送公安: of cases_closed, cases handed to the police (status 'transferred'), cases; flow. Source: staging.wage_arrears_cases.status"
workers_closed = "Workers in the cases concluded in the period (sum of workers), persons; flow. Source: staging.wage_arrears_cases.workers"
amount_owed_closed = "Wages owed in the cases concluded in the period, yuan (DECIMAL(18,2)); flow; denominator of recovery_rate. Source: staging.wage_arrears_cases.amount_owed"
amount_recovered = "追回金额 (为劳动者追发工资): wages recovered in the cases concluded in the period, yuan (DECIMAL(18,2)); flow; numerator of recovery_rate. Source: staging.wage_arrears_cases.amount_recovered"
recovery_rate = "追回率 = amount_recovered / amount_owed_closed over the cases concluded in the period (settled and transferred), a fraction (0.85 = 85%); recomputed from the sums at every grain; NULL when amount_owed_closed is 0. Source: staging.wage_arrears_cases"
avg_days_to_resolution = "Average days from opened_on to closed_on of the cases concluded in the period = total days / cases_closed, days (DOUBLE); recomputed from the summed days; NULL when cases_closed is 0. Source: staging.wage_arrears_cases"
cases_open_end = "在办案件数 at period end: cases opened on or before the last day of the period's last calendar month and not closed by that day, cases; stock. Source: staging.wage_arrears_cases"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "district_code", "district_name", "industry_section", "industry_name", "cases_opened", "workers_affected", "amount_owed", "cases_closed", "amount_owed_closed", "amount_recovered"]

[[tests]]
kind = "unique"
columns = ["period_type", "period", "district_code", "industry_section"]

[[tests]]
kind = "accepted_values"
column = "period_type"
values = ["month", "quarter", "year"]

# ref.districts holds no 330600 (the city-wide row), so a relationships test (district_code -> ref.districts.code) fails
# on exactly the city rows; the district rows are checked against ref.districts here instead.
[[tests]]
kind = "sql"
name = "district_code_in_ref_districts"
sql = "SELECT district_code FROM marts.wage_arrears WHERE district_code <> '330600' AND district_code NOT IN (SELECT code FROM ref.districts WHERE successor_code IS NULL)"

[[tests]]
kind = "expression"
expect = "recovery_rate IS NULL OR recovery_rate BETWEEN 0 AND 1"

[[tests]]
kind = "expression"
expect = "cases_transferred <= cases_closed AND (avg_days_to_resolution IS NULL OR avg_days_to_resolution >= 0)"

[[tests]]
kind = "row_count"
min = 1

[[tests]]
kind = "sql"
name = "construction_present_once_per_period_and_district"
sql = """
SELECT period_type, period, district_code
FROM marts.wage_arrears
GROUP BY period_type, period, district_code
HAVING sum(CASE WHEN industry_section = 'E' THEN 1 ELSE 0 END) <> 1 OR sum(CASE WHEN industry_section = '_all' THEN 1 ELSE 0 END) <> 1
"""

[[tests]]
kind = "sql"
name = "all_industries_is_the_sum_of_sections"
sql = """
SELECT a.period_type, a.period, a.district_code
FROM marts.wage_arrears AS a
JOIN (
    SELECT period_type, period, district_code, sum(cases_opened) AS opened, sum(cases_closed) AS closed,
           sum(amount_owed) AS owed, sum(amount_recovered) AS recovered
    FROM marts.wage_arrears WHERE industry_section <> '_all' GROUP BY period_type, period, district_code
) AS s ON s.period_type = a.period_type AND s.period = a.period AND s.district_code = a.district_code
WHERE a.industry_section = '_all'
  AND (a.cases_opened <> s.opened OR a.cases_closed <> s.closed OR a.amount_owed <> s.owed OR a.amount_recovered <> s.recovered)
"""

[[tests]]
kind = "sql"
name = "city_row_is_the_sum_of_districts"
sql = """
SELECT c.period_type, c.period, c.industry_section
FROM marts.wage_arrears AS c
JOIN (
    SELECT period_type, period, industry_section, sum(cases_opened) AS opened, sum(cases_closed) AS closed,
           sum(amount_owed) AS owed, sum(amount_recovered) AS recovered
    FROM marts.wage_arrears WHERE district_code <> '330600' GROUP BY period_type, period, industry_section
) AS d ON d.period_type = c.period_type AND d.period = c.period AND d.industry_section = c.industry_section
WHERE c.district_code = '330600'
  AND (c.cases_opened <> d.opened OR c.cases_closed <> d.closed OR c.amount_owed <> d.owed OR c.amount_recovered <> d.recovered)
"""
*/
WITH districts AS (
    -- the current districts and counties (the retired codes carry a successor_code)
    SELECT code AS district_code FROM ref.districts WHERE successor_code IS NULL
),
sections AS (
    SELECT section AS industry_section FROM ref.industry_sections
),
bounds AS (
    SELECT
        min(least(opened_on, coalesce(closed_on, opened_on))) AS first_day,
        max(greatest(opened_on, coalesce(closed_on, opened_on))) AS last_day
    FROM staging.wage_arrears_cases
),
digits AS (
    SELECT column1 AS d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))
),
months AS (
    -- every month from the first to the last day on which a case was opened or closed (month index = year * 12 + month - 1; up to 1,000 months)
    SELECT concat(CAST(i / 12 AS VARCHAR), '-', lpad(CAST(i % 12 + 1 AS VARCHAR), 2, '0')) AS month
    FROM (
        SELECT
            CAST(to_char(b.first_day, '%Y') AS BIGINT) * 12 + CAST(to_char(b.first_day, '%m') AS BIGINT) - 1
                + h.d * 100 + t.d * 10 + u.d AS i,
            CAST(to_char(b.last_day, '%Y') AS BIGINT) * 12 + CAST(to_char(b.last_day, '%m') AS BIGINT) - 1 AS last_i
        FROM bounds AS b CROSS JOIN digits AS h CROSS JOIN digits AS t CROSS JOIN digits AS u
    )
    WHERE i <= last_i
),
month_ends AS (
    SELECT month, CAST(to_date(concat(month, '-01')) + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) AS last_day
    FROM months
),
opened AS (
    SELECT
        to_char(opened_on, '%Y-%m') AS month,
        district_code,
        industry_division_section AS industry_section,
        count(*) AS cases_opened,
        sum(workers) AS workers_affected,
        sum(amount_owed) AS amount_owed
    FROM staging.wage_arrears_cases
    GROUP BY 1, 2, 3
),
closed AS (
    SELECT
        to_char(closed_on, '%Y-%m') AS month,
        district_code,
        industry_division_section AS industry_section,
        count(*) AS cases_closed,
        sum(CASE WHEN status = 'transferred' THEN 1 ELSE 0 END) AS cases_transferred,
        sum(workers) AS workers_closed,
        sum(amount_owed) AS amount_owed_closed,
        sum(amount_recovered) AS amount_recovered,
        sum(CAST(closed_on - opened_on AS BIGINT)) AS days_to_resolution
    FROM staging.wage_arrears_cases
    WHERE closed_on IS NOT NULL
    GROUP BY 1, 2, 3
),
open_end AS (
    SELECT m.month, c.district_code, c.industry_division_section AS industry_section, count(*) AS cases_open_end
    FROM month_ends AS m
    JOIN staging.wage_arrears_cases AS c
      ON c.opened_on <= m.last_day AND (c.closed_on IS NULL OR c.closed_on > m.last_day)
    GROUP BY m.month, c.district_code, c.industry_division_section
),
monthly AS (
    SELECT
        m.month,
        d.district_code,
        s.industry_section,
        coalesce(o.cases_opened, 0) AS cases_opened,
        coalesce(o.workers_affected, 0) AS workers_affected,
        coalesce(o.amount_owed, CAST(0 AS DECIMAL(18, 2))) AS amount_owed,
        coalesce(c.cases_closed, 0) AS cases_closed,
        coalesce(c.cases_transferred, 0) AS cases_transferred,
        coalesce(c.workers_closed, 0) AS workers_closed,
        coalesce(c.amount_owed_closed, CAST(0 AS DECIMAL(18, 2))) AS amount_owed_closed,
        coalesce(c.amount_recovered, CAST(0 AS DECIMAL(18, 2))) AS amount_recovered,
        coalesce(c.days_to_resolution, 0) AS days_to_resolution,
        coalesce(e.cases_open_end, 0) AS cases_open_end
    FROM month_ends AS m
    CROSS JOIN districts AS d
    CROSS JOIN sections AS s
    LEFT JOIN opened AS o ON o.month = m.month AND o.district_code = d.district_code AND o.industry_section = s.industry_section
    LEFT JOIN closed AS c ON c.month = m.month AND c.district_code = d.district_code AND c.industry_section = s.industry_section
    LEFT JOIN open_end AS e ON e.month = m.month AND e.district_code = d.district_code AND e.industry_section = s.industry_section
),
cubed AS (
    -- district x section, district x all industries, city x section, city x all industries
    SELECT
        month,
        coalesce(district_code, '330600') AS district_code,
        coalesce(industry_section, '_all') AS industry_section,
        sum(cases_opened) AS cases_opened,
        sum(workers_affected) AS workers_affected,
        sum(amount_owed) AS amount_owed,
        sum(cases_closed) AS cases_closed,
        sum(cases_transferred) AS cases_transferred,
        sum(workers_closed) AS workers_closed,
        sum(amount_owed_closed) AS amount_owed_closed,
        sum(amount_recovered) AS amount_recovered,
        sum(days_to_resolution) AS days_to_resolution,
        sum(cases_open_end) AS cases_open_end
    FROM monthly
    GROUP BY GROUPING SETS ((month, district_code, industry_section), (month, district_code), (month, industry_section), (month))
),
periods AS (
    -- each month belongs to itself, its quarter and its year; is_last marks the period's last calendar month
    SELECT month, 'month' AS period_type, month AS period, true AS is_last FROM month_ends
    UNION ALL
    SELECT
        month,
        'quarter',
        concat(substr(month, 1, 4), '-Q', CAST((CAST(substr(month, 6, 2) AS INT) + 2) / 3 AS VARCHAR)),
        substr(month, 6, 2) IN ('03', '06', '09', '12')
    FROM month_ends
    UNION ALL
    SELECT month, 'year', substr(month, 1, 4), substr(month, 6, 2) = '12' FROM month_ends
),
rolled AS (
    SELECT
        p.period_type,
        p.period,
        c.district_code,
        c.industry_section,
        sum(c.cases_opened) AS cases_opened,
        sum(c.workers_affected) AS workers_affected,
        sum(c.amount_owed) AS amount_owed,
        sum(c.cases_closed) AS cases_closed,
        sum(c.cases_transferred) AS cases_transferred,
        sum(c.workers_closed) AS workers_closed,
        sum(c.amount_owed_closed) AS amount_owed_closed,
        sum(c.amount_recovered) AS amount_recovered,
        sum(c.days_to_resolution) AS days_to_resolution,
        max(CASE WHEN p.is_last THEN c.cases_open_end END) AS cases_open_end
    FROM cubed AS c
    JOIN periods AS p ON p.month = c.month
    GROUP BY p.period_type, p.period, c.district_code, c.industry_section
)
SELECT
    r.period_type,
    r.period,
    r.district_code,
    CASE WHEN r.district_code = '330600' THEN '绍兴市' ELSE d.name_zh END AS district_name,
    r.industry_section,
    CASE WHEN r.industry_section = '_all' THEN '全部行业' ELSE s.name_zh END AS industry_name,
    r.cases_opened,
    r.workers_affected,
    r.amount_owed,
    r.cases_closed,
    r.cases_transferred,
    r.workers_closed,
    r.amount_owed_closed,
    r.amount_recovered,
    CAST(r.amount_recovered AS DOUBLE) / CAST(nullif(r.amount_owed_closed, 0) AS DOUBLE) AS recovery_rate,
    CAST(r.days_to_resolution AS DOUBLE) / CAST(nullif(r.cases_closed, 0) AS DOUBLE) AS avg_days_to_resolution,
    r.cases_open_end
FROM rolled AS r
LEFT JOIN ref.districts AS d ON d.code = r.district_code
LEFT JOIN ref.industry_sections AS s ON s.section = r.industry_section
ORDER BY r.period_type, r.period, r.district_code, r.industry_section
