/*
description = "Labour and personnel dispute arbitration (劳动人事争议仲裁) by period (month, quarter, year) and district, with the city-wide row: cases accepted and closed, closure rate, mediation rate, amounts claimed and awarded"
materialized = "table"
tags = ["bulletin", "labour_relations", "arbitration"]

# Grain: one row per (period_type, period, district_code): every current district of ref.districts plus '330600'
# 绍兴市 = city-wide (the sum over the districts; ref.districts does not hold 330600, its name is written here).
# Months are those the extract covers: from the first to the last month of the application dates (applied_on); a case
# accepted or closed after the last application month (e.g. applied 2025-12-31, accepted 2026-01-05) is outside the
# table, as that month is only partly in the extract. Quarter and year rows are rolled up from the month rows: flows
# summed, stocks at the period's boundary month (cases_pending_start at the FIRST month's start, cases_pending_end at
# the LAST calendar month's end; NULL when the data do not reach it), rates recomputed from their summed parts.
# Definitions (REFERENCE.md §1.5, L3-L5):
# - accepted (立案受理) = filed_on in the period; closed (审结) = an accepted case (filed_on not null) with closed_on in the
#   period, whatever the closing method (裁决 awarded, 仲裁调解 mediated, 撤诉 withdrawn, other). A case closed on the last
#   day of a month is closed in that month and not pending at its end.
# - closure_rate follows the statistical-report convention L4: closed / (accepted in the period + pending at its start,
#   上期未结). The extract starts with the 2025 applications, so cases carried over from 2024 are not in it and
#   cases_pending_start is 0 for 2025-01. closure_rate_simple = closed / accepted is the simplified variant some
#   provinces publish (e.g. Guizhou's 99.99%); it can exceed 1.
# - mediation_rate (调解成功率, L5) = mediated / closed. Cases settled in pre-filing mediation (案前调解, never filed) are
#   not counted here (none in the 2025 extract), so this is the arbitration-stage mediation rate.

[columns]
period_type = "Grain of the row: 'month', 'quarter' or 'year'"
period = "Period label: '2025-03' (month), '2025-Q1' (quarter) or '2025' (year)"
district_code = "GB/T 2260 code of the respondent employer's district or county (retired codes already mapped to successors at ingestion); '330600' is the city-wide row"
district_name = "District or county name (ref.districts.name_zh); '绍兴市' for the city-wide row"
cases_applied = "申请数: applications received (applied_on) in the period, including those still in pre-filing mediation, cases; flow. Source: staging.arbitration_cases"
cases_accepted = "立案受理数: cases accepted (filed_on) in the period, cases; flow. Source: staging.arbitration_cases.filed_on"
workers_involved = "涉及劳动者人数: applicants in the cases accepted in the period (sum of applicants), persons; flow. Source: staging.arbitration_cases.applicants"
collective_cases = "集体劳动争议: of cases_accepted, cases with 10 or more applicants, cases; flow. Source: staging.arbitration_cases.applicants"
cases_closed = "审结数: accepted cases closed (closed_on) in the period, by award, mediation, withdrawal or other, cases; flow. Source: staging.arbitration_cases.closed_on"
cases_mediated = "调解结案数: of cases_closed, cases closed by mediation (closing_method 'mediated'), cases; flow. Source: staging.arbitration_cases.closing_method"
cases_awarded = "裁决结案数: of cases_closed, cases closed by an arbitral award (closing_method 'awarded'), cases; flow. Source: staging.arbitration_cases.closing_method"
cases_withdrawn = "撤诉结案数: of cases_closed, cases withdrawn (closing_method 'withdrawn'), cases; flow. Source: staging.arbitration_cases.closing_method"
cases_pending_start = "上期未结案件数: cases accepted before the first day of the period and not closed before it, cases; stock at period start (taken from the period's first month). Source: staging.arbitration_cases"
cases_pending_end = "期末未结案件数: cases accepted on or before the last day of the period's last calendar month and not closed by that day, cases; stock at period end. Source: staging.arbitration_cases"
closure_rate = "仲裁结案率 = cases_closed / (cases_accepted + cases_pending_start), a fraction (0.95 = 95%); recomputed from the parts at every grain; NULL when the denominator is 0. Source: staging.arbitration_cases"
closure_rate_simple = "Simplified 结案率 = cases_closed / cases_accepted, a fraction; can exceed 1 when carried-over cases are closed; NULL when cases_accepted is 0. Source: staging.arbitration_cases"
mediation_rate = "调解成功率 = cases_mediated / cases_closed, a fraction (0.55 = 55%); recomputed from the sums; NULL when cases_closed is 0. Source: staging.arbitration_cases"
amount_claimed = "申请金额: amounts claimed in the cases accepted in the period, yuan (DECIMAL(18,2)); empty claims count as 0; flow. Source: staging.arbitration_cases.amount_claimed"
amount_awarded = "裁决金额: amounts awarded in the cases closed in the period, yuan (DECIMAL(18,2)); non-award closures count as 0; flow. Source: staging.arbitration_cases.amount_awarded"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "district_code", "district_name", "cases_applied", "cases_accepted", "cases_closed", "cases_mediated", "amount_claimed", "amount_awarded"]

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
sql = "SELECT district_code FROM marts.arbitration WHERE district_code <> '330600' AND district_code NOT IN (SELECT code FROM ref.districts WHERE successor_code IS NULL)"

[[tests]]
kind = "expression"
expect = "(closure_rate IS NULL OR closure_rate BETWEEN 0 AND 1) AND (mediation_rate IS NULL OR mediation_rate BETWEEN 0 AND 1)"

[[tests]]
kind = "expression"
expect = "cases_mediated + cases_awarded + cases_withdrawn <= cases_closed"

[[tests]]
kind = "row_count"
min = 1

[[tests]]
kind = "sql"
name = "pending_stock_follows_the_flows"
sql = "SELECT period, district_code FROM marts.arbitration WHERE period_type = 'month' AND cases_pending_end <> cases_pending_start + cases_accepted - cases_closed"

[[tests]]
kind = "sql"
name = "city_row_is_the_sum_of_districts"
sql = """
SELECT c.period_type, c.period
FROM marts.arbitration AS c
JOIN (
    SELECT period_type, period, sum(cases_accepted) AS accepted, sum(cases_closed) AS closed, sum(cases_mediated) AS mediated,
           sum(amount_claimed) AS claimed, sum(amount_awarded) AS awarded
    FROM marts.arbitration WHERE district_code <> '330600' GROUP BY period_type, period
) AS d ON d.period_type = c.period_type AND d.period = c.period
WHERE c.district_code = '330600'
  AND (c.cases_accepted <> d.accepted OR c.cases_closed <> d.closed OR c.cases_mediated <> d.mediated
       OR c.amount_claimed <> d.claimed OR c.amount_awarded <> d.awarded)
"""
*/
WITH districts AS (
    -- the current districts and counties (the retired codes carry a successor_code)
    SELECT code AS district_code FROM ref.districts WHERE successor_code IS NULL
),
bounds AS (
    SELECT min(applied_on) AS first_day, max(applied_on) AS last_day FROM staging.arbitration_cases
),
digits AS (
    SELECT column1 AS d FROM (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))
),
months AS (
    -- every month from the first to the last application day (month index = year * 12 + month - 1; up to 1,000 months)
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
month_bounds AS (
    SELECT
        month,
        to_date(concat(month, '-01')) AS first_day,
        CAST(to_date(concat(month, '-01')) + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) AS last_day
    FROM months
),
applied AS (
    SELECT to_char(applied_on, '%Y-%m') AS month, district_code, count(*) AS cases_applied
    FROM staging.arbitration_cases
    GROUP BY 1, 2
),
accepted AS (
    SELECT
        to_char(filed_on, '%Y-%m') AS month,
        district_code,
        count(*) AS cases_accepted,
        sum(applicants) AS workers_involved,
        sum(CASE WHEN applicants >= 10 THEN 1 ELSE 0 END) AS collective_cases,
        sum(coalesce(amount_claimed, CAST(0 AS DECIMAL(18, 2)))) AS amount_claimed
    FROM staging.arbitration_cases
    WHERE filed_on IS NOT NULL
    GROUP BY 1, 2
),
closed AS (
    SELECT
        to_char(closed_on, '%Y-%m') AS month,
        district_code,
        count(*) AS cases_closed,
        sum(CASE WHEN closing_method = 'mediated' THEN 1 ELSE 0 END) AS cases_mediated,
        sum(CASE WHEN closing_method = 'awarded' THEN 1 ELSE 0 END) AS cases_awarded,
        sum(CASE WHEN closing_method = 'withdrawn' THEN 1 ELSE 0 END) AS cases_withdrawn,
        sum(coalesce(amount_awarded, CAST(0 AS DECIMAL(18, 2)))) AS amount_awarded
    FROM staging.arbitration_cases
    WHERE filed_on IS NOT NULL AND closed_on IS NOT NULL
    GROUP BY 1, 2
),
pending_start AS (
    SELECT m.month, c.district_code, count(*) AS cases_pending_start
    FROM month_bounds AS m
    JOIN staging.arbitration_cases AS c
      ON c.filed_on < m.first_day AND (c.closed_on IS NULL OR c.closed_on >= m.first_day)
    GROUP BY m.month, c.district_code
),
pending_end AS (
    SELECT m.month, c.district_code, count(*) AS cases_pending_end
    FROM month_bounds AS m
    JOIN staging.arbitration_cases AS c
      ON c.filed_on <= m.last_day AND (c.closed_on IS NULL OR c.closed_on > m.last_day)
    GROUP BY m.month, c.district_code
),
monthly AS (
    SELECT
        m.month,
        d.district_code,
        coalesce(ap.cases_applied, 0) AS cases_applied,
        coalesce(a.cases_accepted, 0) AS cases_accepted,
        coalesce(a.workers_involved, 0) AS workers_involved,
        coalesce(a.collective_cases, 0) AS collective_cases,
        coalesce(c.cases_closed, 0) AS cases_closed,
        coalesce(c.cases_mediated, 0) AS cases_mediated,
        coalesce(c.cases_awarded, 0) AS cases_awarded,
        coalesce(c.cases_withdrawn, 0) AS cases_withdrawn,
        coalesce(ps.cases_pending_start, 0) AS cases_pending_start,
        coalesce(pe.cases_pending_end, 0) AS cases_pending_end,
        coalesce(a.amount_claimed, CAST(0 AS DECIMAL(18, 2))) AS amount_claimed,
        coalesce(c.amount_awarded, CAST(0 AS DECIMAL(18, 2))) AS amount_awarded
    FROM month_bounds AS m
    CROSS JOIN districts AS d
    LEFT JOIN applied AS ap ON ap.month = m.month AND ap.district_code = d.district_code
    LEFT JOIN accepted AS a ON a.month = m.month AND a.district_code = d.district_code
    LEFT JOIN closed AS c ON c.month = m.month AND c.district_code = d.district_code
    LEFT JOIN pending_start AS ps ON ps.month = m.month AND ps.district_code = d.district_code
    LEFT JOIN pending_end AS pe ON pe.month = m.month AND pe.district_code = d.district_code
),
with_city AS (
    SELECT * FROM monthly
    UNION ALL
    SELECT
        month,
        '330600' AS district_code,
        sum(cases_applied),
        sum(cases_accepted),
        sum(workers_involved),
        sum(collective_cases),
        sum(cases_closed),
        sum(cases_mediated),
        sum(cases_awarded),
        sum(cases_withdrawn),
        sum(cases_pending_start),
        sum(cases_pending_end),
        sum(amount_claimed),
        sum(amount_awarded)
    FROM monthly
    GROUP BY month
),
periods AS (
    -- each month belongs to itself, its quarter and its year; is_first / is_last mark the period's first and last
    -- calendar months
    SELECT month, 'month' AS period_type, month AS period, true AS is_first, true AS is_last FROM month_bounds
    UNION ALL
    SELECT
        month,
        'quarter',
        concat(substr(month, 1, 4), '-Q', CAST((CAST(substr(month, 6, 2) AS INT) + 2) / 3 AS VARCHAR)),
        substr(month, 6, 2) IN ('01', '04', '07', '10'),
        substr(month, 6, 2) IN ('03', '06', '09', '12')
    FROM month_bounds
    UNION ALL
    SELECT month, 'year', substr(month, 1, 4), substr(month, 6, 2) = '01', substr(month, 6, 2) = '12' FROM month_bounds
),
rolled AS (
    SELECT
        p.period_type,
        p.period,
        c.district_code,
        sum(c.cases_applied) AS cases_applied,
        sum(c.cases_accepted) AS cases_accepted,
        sum(c.workers_involved) AS workers_involved,
        sum(c.collective_cases) AS collective_cases,
        sum(c.cases_closed) AS cases_closed,
        sum(c.cases_mediated) AS cases_mediated,
        sum(c.cases_awarded) AS cases_awarded,
        sum(c.cases_withdrawn) AS cases_withdrawn,
        max(CASE WHEN p.is_first THEN c.cases_pending_start END) AS cases_pending_start,
        max(CASE WHEN p.is_last THEN c.cases_pending_end END) AS cases_pending_end,
        sum(c.amount_claimed) AS amount_claimed,
        sum(c.amount_awarded) AS amount_awarded
    FROM with_city AS c
    JOIN periods AS p ON p.month = c.month
    GROUP BY p.period_type, p.period, c.district_code
)
SELECT
    r.period_type,
    r.period,
    r.district_code,
    CASE WHEN r.district_code = '330600' THEN '绍兴市' ELSE d.name_zh END AS district_name,
    r.cases_applied,
    r.cases_accepted,
    r.workers_involved,
    r.collective_cases,
    r.cases_closed,
    r.cases_mediated,
    r.cases_awarded,
    r.cases_withdrawn,
    r.cases_pending_start,
    r.cases_pending_end,
    CAST(r.cases_closed AS DOUBLE) / CAST(nullif(r.cases_accepted + r.cases_pending_start, 0) AS DOUBLE) AS closure_rate,
    CAST(r.cases_closed AS DOUBLE) / CAST(nullif(r.cases_accepted, 0) AS DOUBLE) AS closure_rate_simple,
    CAST(r.cases_mediated AS DOUBLE) / CAST(nullif(r.cases_closed, 0) AS DOUBLE) AS mediation_rate,
    r.amount_claimed,
    r.amount_awarded
FROM rolled AS r
LEFT JOIN ref.districts AS d ON d.code = r.district_code
ORDER BY r.period_type, r.period, r.district_code
