/*
description = """Contribution base compliance by period and district (缴费基数合规): contributors whose monthly contribution base \
(缴费基数) lies below the floor (下限 = 60% of the average monthly wage used for the base, 社平工资), above the cap (上限 = 300%) or \
within, and their shares. \
Floor and cap: the average monthly wage used for the 2025 base is 9,800 yuan, so floor = 9,800 x 0.6 = 5,880 yuan and \
cap = 9,800 x 3 = 29,400 yuan a month. Source: the constants AVERAGE_MONTHLY_WAGE / BASE_MIN / BASE_MAX in \
crates/hrss-generate/src/contributions.rs ("Zhejiang's 2025 contribution base bounds: 60% and 300% of the average monthly wage used \
for the base"); REFERENCE.md 4.1 states the 60%-300% rule (contribution base bounded by 60%-300% of 社平工资) but gives no figure. \
The figures sit in the base_bounds CTE below, one row per year: a year without a row gets NULL bounds and NULL counts (add the row \
when the province publishes the year's figure). The bounds apply to the calendar year of the contribution month (费款所属期). \
Unit of classification: a contribution record of a person with an employer for a month (the base is the same for the three schemes; \
the largest is taken if they differ). A contributor counts as below_floor if any of their records in the period is below the floor, \
else as above_cap if any is above the cap, else as within (floor <= base <= cap): the three are exclusive and add up to contributors. \
Quarter and year rows count distinct persons over the whole period (not the period-end stock), because a breach in any month matters. \
District rows: the employer's district; the city row (330600) counts each person once over all districts."""
# Every period is computed from its own year's contributions, so a newly loaded month rebuilds only its month, quarter and year.
materialized = "incremental"
period_column = "period"
tags = ["social_insurance", "early_warning"]

[columns]
period_type = "Grain: 'month', 'quarter' or 'year'"
period = "Period: '2025-03' (month), '2025-Q1' (quarter) or '2025' (year)"
district_code = "GB/T 2260 code of the employer's district or county; 330600 = whole city (绍兴市)"
district_name = "District or county name; 绍兴市 for the city row"
average_wage_for_base = "缴费基数核定用社平工资: average monthly wage used for the year's base bounds, yuan per month (DECIMAL). 2025: 9,800 (crates/hrss-generate/src/contributions.rs AVERAGE_MONTHLY_WAGE); NULL for a year without a figure"
base_floor = "缴费基数下限 = average_wage_for_base x 0.6, yuan per month. 2025: 5,880"
base_cap = "缴费基数上限 = average_wage_for_base x 3, yuan per month. 2025: 29,400"
contributors = "参保缴费人员: distinct persons with a contribution record in the period, persons. Source: staging.contributions"
contributors_below_floor = "基数低于下限人数: contributors with at least one monthly base < base_floor in the period, persons; NULL without bounds"
contributors_above_cap = "基数高于上限人数: contributors with no base below the floor and at least one > base_cap in the period, persons; NULL without bounds"
contributors_within = "基数在上下限之间人数 = contributors - contributors_below_floor - contributors_above_cap (every base in the period within [floor, cap]), persons; NULL without bounds"
share_below_floor = "低于下限占比 = contributors_below_floor / contributors, fraction (0.0123, not 1.23%); NULL if contributors = 0 or no bounds"
share_above_cap = "高于上限占比 = contributors_above_cap / contributors, fraction"
share_within = "合规占比 = contributors_within / contributors, fraction"
contribution_records = "Person x employer x month contribution records in the period (person-months), count. Source: staging.contributions"
records_at_floor = "Records whose base equals the floor exactly (bases clamped up to the minimum: low earners), count; NULL without bounds"
average_base = "平均缴费基数 = sum of record bases / contribution_records, yuan per month (DOUBLE)"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "district_code", "district_name", "contributors", "contribution_records"]

[[tests]]
kind = "unique"
columns = ["period_type", "period", "district_code"]

[[tests]]
kind = "accepted_values"
column = "period_type"
values = ["month", "quarter", "year"]

[[tests]]
kind = "sql"
name = "district_code_in_ref_districts_or_city"
sql = "SELECT * FROM marts.contribution_base_compliance WHERE district_code <> '330600' AND district_code NOT IN (SELECT code FROM ref.districts)"

[[tests]]
kind = "expression"
expect = "contributors_within IS NULL OR contributors_below_floor + contributors_above_cap + contributors_within = contributors"

[[tests]]
kind = "expression"
expect = "share_within IS NULL OR (share_within BETWEEN 0 AND 1 AND share_below_floor BETWEEN 0 AND 1 AND share_above_cap BETWEEN 0 AND 1)"

[[tests]]
kind = "expression"
expect = "base_floor IS NULL OR (base_floor = average_wage_for_base * 0.6 AND base_cap = average_wage_for_base * 3)"

[[tests]]
kind = "expression"
expect = "share_within IS NULL OR share_within >= 0.9"
severity = "warn"          # early warning: more than 10% of contributors outside the legal base bounds

[[tests]]
kind = "row_count"
min = 1
max = 100000
*/
WITH
-- 社平工资 used for the contribution base, per year (yuan per month). Source: crates/hrss-generate/src/contributions.rs.
base_bounds AS (
    SELECT
        year,
        average_wage_for_base,
        CAST(average_wage_for_base * 0.6 AS DECIMAL(18, 2)) AS base_floor,
        CAST(average_wage_for_base * 3 AS DECIMAL(18, 2)) AS base_cap
    FROM (VALUES (CAST(2025 AS BIGINT), CAST(9800 AS DECIMAL(18, 2)))) AS b (year, average_wage_for_base)
),
-- One base per person x employer x month (the three schemes' records carry the same base).
records AS (
    SELECT
        period AS month,
        district_code,
        person_id,
        employer_uscc,
        max(contribution_base) AS base
    FROM staging.contributions
    GROUP BY period, district_code, person_id, employer_uscc
),
classified AS (
    SELECT
        r.month,
        r.district_code,
        r.person_id,
        r.base,
        CASE WHEN r.base < b.base_floor THEN 1 ELSE 0 END AS below,
        CASE WHEN r.base > b.base_cap THEN 1 ELSE 0 END AS above,
        CASE WHEN r.base = b.base_floor THEN 1 ELSE 0 END AS at_floor
    FROM records AS r
    LEFT JOIN base_bounds AS b ON b.year = CAST(substr(r.month, 1, 4) AS BIGINT)
),
-- Each record in its month, quarter and year, for its district and for the city: each record unnested into its six
-- rows. Not a union of six selects: DataFusion computes a CTE once for every place it is read, so the union
-- recomputed `records` (an aggregation over every contribution) for every branch; this reads it once. Not a join
-- with a table of periods either: the join held the records in memory, which cannot spill.
grains AS (
    SELECT c.*, unnest(make_array('month', 'quarter', 'year')) AS period_type
    FROM classified AS c
),
placed AS (
    SELECT
        period_type,
        CASE period_type
            WHEN 'month' THEN month
            WHEN 'quarter' THEN concat(substr(month, 1, 4), '-Q', CAST((CAST(substr(month, 6, 2) AS BIGINT) + 2) / 3 AS VARCHAR))
            ELSE substr(month, 1, 4)
        END AS period,
        CASE WHEN city THEN '330600' ELSE district_code END AS place,
        month,
        person_id,
        base,
        below,
        above,
        at_floor
    FROM (SELECT g.*, unnest(make_array(false, true)) AS city FROM grains AS g) AS expanded
),
-- One row per person in each period and place, carrying the counts of their records: the period's counts of persons
-- and of records both come from it, so `placed` (and the aggregation over every record below it) is computed once.
persons AS (
    SELECT
        period_type,
        period,
        place,
        person_id,
        max(below) AS below,
        max(above) AS above,
        count(*) AS records,
        sum(at_floor) AS records_at_floor,
        sum(base) AS base_total
    FROM placed
    GROUP BY period_type, period, place, person_id
),
counts AS (
    SELECT
        period_type,
        period,
        place,
        count(*) AS contributors,
        sum(below) AS below_floor,
        sum(CASE WHEN below = 0 AND above = 1 THEN 1 ELSE 0 END) AS above_cap,
        sum(records) AS contribution_records,
        sum(records_at_floor) AS records_at_floor,
        sum(base_total) AS base_total
    FROM persons
    GROUP BY period_type, period, place
),
places AS (
    SELECT code AS district_code, name_zh AS district_name FROM ref.districts
    UNION ALL
    SELECT '330600' AS district_code, '绍兴市' AS district_name
)
SELECT
    c.period_type,
    c.period,
    c.place AS district_code,
    pl.district_name,
    b.average_wage_for_base,
    b.base_floor,
    b.base_cap,
    c.contributors,
    CASE WHEN b.year IS NOT NULL THEN c.below_floor END AS contributors_below_floor,
    CASE WHEN b.year IS NOT NULL THEN c.above_cap END AS contributors_above_cap,
    CASE WHEN b.year IS NOT NULL THEN c.contributors - c.below_floor - c.above_cap END AS contributors_within,
    CASE WHEN b.year IS NOT NULL AND c.contributors > 0
        THEN CAST(c.below_floor AS DOUBLE) / CAST(c.contributors AS DOUBLE) END AS share_below_floor,
    CASE WHEN b.year IS NOT NULL AND c.contributors > 0
        THEN CAST(c.above_cap AS DOUBLE) / CAST(c.contributors AS DOUBLE) END AS share_above_cap,
    CASE WHEN b.year IS NOT NULL AND c.contributors > 0
        THEN CAST(c.contributors - c.below_floor - c.above_cap AS DOUBLE) / CAST(c.contributors AS DOUBLE) END AS share_within,
    c.contribution_records,
    CASE WHEN b.year IS NOT NULL THEN c.records_at_floor END AS records_at_floor,
    CAST(c.base_total AS DOUBLE) / CAST(c.contribution_records AS DOUBLE) AS average_base
FROM counts AS c
LEFT JOIN base_bounds AS b ON b.year = CAST(substr(c.period, 1, 4) AS BIGINT)
LEFT JOIN places AS pl ON pl.district_code = c.place
ORDER BY c.period_type, c.period, c.place
