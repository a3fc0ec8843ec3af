/*
description = "Employment statistics by period (month, quarter, year) and district, with the city-wide row: new urban jobs, re-employment, hard-to-employ placed, registered unemployed and the registered urban unemployment rate (就业与城镇登记失业)"
materialized = "table"
tags = ["bulletin", "employment"]

# Grain: one row per (period_type, period, district_code). Months are those the employment registrations cover
# (every month from the first to the last staging.employment_registrations.registered_on); every current district
# of ref.districts gets a row in every period (zeros where nothing happened), plus the city-wide row 330600 绍兴市
# (ref.districts does not hold 330600; its name is written here). Quarter and year rows are rolled up from the month
# rows: flows summed over the period's months, stocks taken at the period's LAST calendar month (NULL when the data do
# not reach that month), the rate recomputed from the period-end components, never averaged.

[columns]
period_type = "Grain of the row: 'month', 'quarter' or 'year'"
period = "Period label: '2025-03' (month), '2025-Q1' (quarter) or '2025' (year)"
district_code = "GB/T 2260 code of the district or county (retired codes 330621/330682 already mapped to 330603/330604 at ingestion); '330600' is the city-wide row"
district_name = "District or county name (ref.districts.name_zh); '绍兴市' for the city-wide row"
new_urban_jobs = "城镇新增就业: employment registrations (就业登记) registered in the period, every one a new urban job (employed, flexible or self-employed), persons; flow, summed over the period. Source: staging.employment_registrations"
reemployed = "城镇失业人员再就业: of new_urban_jobs, registered unemployed persons who found work (reemployed = 'true'), persons; flow. Source: staging.employment_registrations"
hard_to_employ_placed = "就业困难人员就业: of new_urban_jobs, persons registered as hard to employ (hard_to_employ = 'true'), persons; flow. Source: staging.employment_registrations"
registered_unemployed_end = "期末城镇登记失业人数: unemployment registrations registered on or before the last day of the period's last month and not cancelled by that day (cancelled_on IS NULL or after it), persons; stock at period end. Source: staging.unemployment_registrations"
urban_employed = "期末城镇从业人员 (城镇就业人员): the statistics bureau's year-end urban employed of the period's year (an annual figure: months and quarters carry their year's value), persons; NULL when the year's figure is missing. City row: sum of the districts, NULL unless every district has the figure. Source: staging.urban_employment"
registered_unemployment_rate = "城镇登记失业率 = registered_unemployed_end / (urban_employed + registered_unemployed_end), a fraction (0.0203 = 2.03%), recomputed from the period-end components for every grain and for the city row; NULL when urban_employed is NULL or the denominator is 0. Source: staging.unemployment_registrations, staging.urban_employment"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "district_code", "district_name", "new_urban_jobs", "reemployed", "hard_to_employ_placed"]

[[tests]]
kind = "unique"
columns = ["period_type", "period", "district_code"]

[[tests]]
kind = "accepted_values"
column = "period_type"
values = ["month", "quarter", "year"]

# ref.districts holds no 330600 (the city-wide row), so a relationships test (district_code -> ref.districts.code) fails
# on exactly the city rows; the district rows are checked against ref.districts here instead.
[[tests]]
kind = "sql"
name = "district_code_in_ref_districts"
sql = "SELECT district_code FROM marts.employment WHERE district_code <> '330600' AND district_code NOT IN (SELECT code FROM ref.districts WHERE successor_code IS NULL)"

[[tests]]
kind = "expression"
expect = "registered_unemployment_rate IS NULL OR registered_unemployment_rate BETWEEN 0 AND 1"

[[tests]]
kind = "expression"
expect = "reemployed <= new_urban_jobs AND hard_to_employ_placed <= new_urban_jobs"

[[tests]]
kind = "row_count"
min = 1

[[tests]]
kind = "sql"
name = "city_row_is_the_sum_of_districts"
sql = """
SELECT c.period_type, c.period
FROM marts.employment AS c
JOIN (
    SELECT period_type, period, sum(new_urban_jobs) AS jobs, sum(reemployed) AS re, sum(hard_to_employ_placed) AS hard,
           sum(registered_unemployed_end) AS unemployed
    FROM marts.employment WHERE district_code <> '330600' GROUP BY period_type, period
) AS d ON d.period_type = c.period_type AND d.period = c.period
WHERE c.district_code = '330600'
  AND (c.new_urban_jobs <> d.jobs OR c.reemployed <> d.re OR c.hard_to_employ_placed <> d.hard OR c.registered_unemployed_end <> d.unemployed)
"""

[[tests]]
kind = "sql"
name = "quarters_add_up_to_the_year"
sql = """
SELECT y.period, y.district_code
FROM marts.employment AS y
JOIN (
    SELECT substr(period, 1, 4) AS year, district_code, sum(new_urban_jobs) AS jobs
    FROM marts.employment WHERE period_type = 'quarter' GROUP BY substr(period, 1, 4), district_code
) AS q ON q.year = y.period AND q.district_code = y.district_code
WHERE y.period_type = 'year' AND y.new_urban_jobs <> q.jobs
"""
*/
WITH districts AS (
    -- the current districts and counties (the retired codes carry a successor_code)
    SELECT code AS district_code FROM ref.districts WHERE successor_code IS NULL
),
bounds AS (
    SELECT min(registered_on) AS first_day, max(registered_on) AS last_day FROM staging.employment_registrations
),
digits AS (
    SELECT column1 AS d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))
),
months AS (
    -- every month from the first to the last registration day (month index = year * 12 + month - 1; up to 1,000 months)
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
jobs AS (
    SELECT
        to_char(registered_on, '%Y-%m') AS month,
        district_code,
        count(*) AS new_urban_jobs,
        sum(CASE WHEN reemployed = 'true' THEN 1 ELSE 0 END) AS reemployed,
        sum(CASE WHEN hard_to_employ = 'true' THEN 1 ELSE 0 END) AS hard_to_employ_placed
    FROM staging.employment_registrations
    GROUP BY 1, 2
),
unemployed AS (
    SELECT m.month, u.district_code, count(*) AS registered_unemployed_end
    FROM month_ends AS m
    JOIN staging.unemployment_registrations AS u
      ON u.registered_on <= m.last_day AND (u.cancelled_on IS NULL OR u.cancelled_on > m.last_day)
    GROUP BY m.month, u.district_code
),
monthly AS (
    SELECT
        m.month,
        d.district_code,
        coalesce(j.new_urban_jobs, 0) AS new_urban_jobs,
        coalesce(j.reemployed, 0) AS reemployed,
        coalesce(j.hard_to_employ_placed, 0) AS hard_to_employ_placed,
        coalesce(u.registered_unemployed_end, 0) AS registered_unemployed_end,
        e.urban_employed
    FROM month_ends AS m
    CROSS JOIN districts AS d
    LEFT JOIN jobs AS j ON j.month = m.month AND j.district_code = d.district_code
    LEFT JOIN unemployed AS u ON u.month = m.month AND u.district_code = d.district_code
    LEFT JOIN staging.urban_employment AS e
      ON e.district_code = d.district_code AND e.year = CAST(substr(m.month, 1, 4) AS BIGINT)
),
with_city AS (
    SELECT * FROM monthly
    UNION ALL
    SELECT
        month,
        '330600' AS district_code,
        sum(new_urban_jobs),
        sum(reemployed),
        sum(hard_to_employ_placed),
        sum(registered_unemployed_end),
        CASE WHEN count(urban_employed) = count(*) THEN sum(urban_employed) END
    FROM monthly
    GROUP BY month
),
periods AS (
    -- each month belongs to itself, its quarter and its year; is_last marks the period's last calendar month
    SELECT month, 'month' AS period_type, month AS period, true AS is_last FROM months
    UNION ALL
    SELECT
        month,
        'quarter',
        concat(substr(month, 1, 4), '-Q', CAST((CAST(substr(month, 6, 2) AS INT) + 2) / 3 AS VARCHAR)),
        substr(month, 6, 2) IN ('03', '06', '09', '12')
    FROM months
    UNION ALL
    SELECT month, 'year', substr(month, 1, 4), substr(month, 6, 2) = '12' FROM months
),
rolled AS (
    SELECT
        p.period_type,
        p.period,
        c.district_code,
        sum(c.new_urban_jobs) AS new_urban_jobs,
        sum(c.reemployed) AS reemployed,
        sum(c.hard_to_employ_placed) AS hard_to_employ_placed,
        max(CASE WHEN p.is_last THEN c.registered_unemployed_end END) AS registered_unemployed_end,
        max(CASE WHEN p.is_last THEN c.urban_employed END) AS urban_employed
    FROM with_city AS c
    JOIN periods AS p ON p.month = c.month
    GROUP BY p.period_type, p.period, c.district_code
)
SELECT
    r.period_type,
    r.period,
    r.district_code,
    CASE WHEN r.district_code = '330600' THEN '绍兴市' ELSE d.name_zh END AS district_name,
    r.new_urban_jobs,
    r.reemployed,
    r.hard_to_employ_placed,
    r.registered_unemployed_end,
    r.urban_employed,
    CAST(r.registered_unemployed_end AS DOUBLE)
        / CAST(nullif(r.urban_employed + r.registered_unemployed_end, 0) AS DOUBLE) AS registered_unemployment_rate
FROM rolled AS r
LEFT JOIN ref.districts AS d ON d.code = r.district_code
ORDER BY r.period_type, r.period, r.district_code
