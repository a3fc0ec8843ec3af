/*
description = "Average annual wage of persons employed in urban non-private and private units, by year, district and city, industry section and all industries, with growth on the year and the ratio to the minimum wage (城镇非私营单位/私营单位就业人员年平均工资)"
materialized = "table"
tags = ["wages", "bulletin"]
# Grain: YEAR only. The enterprise pay survey (企业薪酬调查) is annual: one workbook per year, with the year's wage
# bill and average headcount per surveyed employer; there is no month or quarter figure to publish.
# Shape: ONE table, one row per (period_type, period, district_code, industry_section):
#   district_code '330600' = 绍兴市 (all districts); industry_section '_all' = all industries (全部行业), else a
#   GB/T 4754-2017 section letter (ref.industry_sections). A row exists where at least one employer was surveyed.
# Unit split (NBS): 私营单位 = registration_type 'private'; 非私营单位 = every other registration type (state,
#   collective, cooperative, llc, joint_stock, hmt, foreign).
# Survey year: staging.wage_survey_employers.survey_year (调查年度), a column of the survey workbook; a corrected
#   survey replaces its year at ingestion (replace_by survey_year).
# Minimum wage: Shaoxing applies Zhejiang's tier 2 (二档) citywide from 2024-01-01: 2,260 yuan a month
#   (浙政发〔2024〕3号; REFERENCE.md 1.4 W5 and 2.3; the same figure is the floor of pay_min in
#   pipelines/job_postings.toml and of annual pay in the generator, 2_260 x 12). The minimum wage is a MONTHLY
#   standard, so the annual comparison figure is the monthly standard x 12. Only years wholly under one sourced
#   standard get a figure (2024 onward); earlier years' ratios are NULL until their tier is added below.
# Small cells: district x section cells may hold one or two employers; units_* lets a report suppress them.

[columns]
period_type = "Grain of the period: always 'year' (the wage survey is annual)"
period = "Survey year, YYYY. Source: staging.wage_survey_employers.survey_year"
district_code = "GB/T 2260 code of the employer's district or county; 330600 = 绍兴市, the city-wide total of all districts"
district_name = "District or county name (ref.districts.name_zh); 绍兴市 on the city-wide row"
industry_section = "GB/T 4754-2017 section (门类) letter of the employer (ref.industry_sections.section), or '_all' for all industries"
industry_name = "Section name (ref.industry_sections.name_zh), or 全部行业 for '_all'"
units_non_private = "Surveyed non-private units (非私营单位: registration_type other than private), count. Source: staging.wage_survey_employers"
employees_non_private = "从业人员平均人数 of the non-private units = sum of employees_average, persons"
wage_bill_non_private = "工资总额 of the non-private units = sum of wage_bill (all persons employed), yuan (DECIMAL)"
avg_wage_non_private = "城镇非私营单位就业人员年平均工资 = wage_bill_non_private / employees_non_private (报告期工资总额 ÷ 报告期平均就业人数, REFERENCE.md 1.4 W1), yuan per person per year (DOUBLE); NULL without non-private units"
avg_wage_non_private_growth = "Nominal growth on the year = avg_wage_non_private / the same cell's previous-year value - 1, fraction (0.058 = +5.8%); NULL for the first year or when the previous year has no value"
units_private = "Surveyed private units (私营单位: registration_type private), count. Source: staging.wage_survey_employers"
employees_private = "从业人员平均人数 of the private units = sum of employees_average, persons"
wage_bill_private = "工资总额 of the private units = sum of wage_bill, yuan (DECIMAL)"
avg_wage_private = "城镇私营单位就业人员年平均工资 = wage_bill_private / employees_private (REFERENCE.md 1.4 W2), yuan per person per year (DOUBLE); NULL without private units"
avg_wage_private_growth = "Nominal growth on the year = avg_wage_private / the same cell's previous-year value - 1, fraction; NULL for the first year or when the previous year has no value"
avg_wage_all_units = "All surveyed units' average wage = (wage_bill_non_private + wage_bill_private) / (employees_non_private + employees_private), yuan per person per year (DOUBLE); the all-unit basis (全社会单位, REFERENCE.md 1.4 W4) of the contribution base"
min_wage_tier = "Minimum-wage tier applied in Shaoxing that year: '二档' (Zhejiang tier 2, citywide from 2024-01-01, 浙政发〔2024〕3号); NULL for years without a sourced tier"
min_wage_monthly = "最低工资标准 (月), yuan per month: 2260 from 2024-01-01 (REFERENCE.md 1.4 W5)"
min_wage_annual = "Annualised minimum wage = min_wage_monthly x 12, yuan per year (the standard is monthly; the average wage is annual)"
ratio_non_private_to_min_wage = "avg_wage_non_private / min_wage_annual, ratio (4.35 = the average is 4.35 times the annualised minimum wage)"
ratio_private_to_min_wage = "avg_wage_private / min_wage_annual, ratio"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "district_code", "district_name", "industry_section", "industry_name", "units_non_private", "employees_non_private", "units_private", "employees_private"]

[[tests]]
kind = "unique"
columns = ["period_type", "period", "district_code", "industry_section"]

[[tests]]
kind = "accepted_values"
column = "period_type"
values = ["year"]

[[tests]]
kind = "sql"
name = "district_code_in_ref_districts_or_city"
sql = "SELECT m.* FROM marts.wages AS m LEFT JOIN ref.districts AS d ON d.code = m.district_code WHERE m.district_code <> '330600' AND d.code IS NULL"

[[tests]]
kind = "sql"
name = "industry_section_in_ref_industry_sections_or_all"
sql = "SELECT m.* FROM marts.wages AS m LEFT JOIN ref.industry_sections AS i ON i.section = m.industry_section WHERE m.industry_section <> '_all' AND i.section IS NULL"

[[tests]]
kind = "expression"
expect = "(avg_wage_non_private IS NULL OR avg_wage_non_private > 0) AND (avg_wage_private IS NULL OR avg_wage_private > 0) AND units_non_private + units_private > 0"

[[tests]]
kind = "expression"
expect = "(ratio_non_private_to_min_wage IS NULL OR ratio_non_private_to_min_wage > 0) AND (ratio_private_to_min_wage IS NULL OR ratio_private_to_min_wage > 0)"

[[tests]]
kind = "expression"
severity = "warn"
expect = "(ratio_non_private_to_min_wage IS NULL OR ratio_non_private_to_min_wage >= 1) AND (ratio_private_to_min_wage IS NULL OR ratio_private_to_min_wage >= 1)"

[[tests]]
kind = "expression"
severity = "warn"
expect = "avg_wage_non_private_growth IS NULL OR avg_wage_non_private_growth BETWEEN -0.5 AND 1"

[[tests]]
kind = "row_count"
min = 1
*/
WITH survey AS (
    SELECT
        w.survey_year AS year,
        w.district_code,
        w.industry_division_section,
        w.registration_type = 'private' AS is_private,
        w.employees_average,
        w.wage_bill
    FROM staging.wage_survey_employers AS w
),
places (level) AS (VALUES ('district'), ('city')),
industry_levels (level) AS (VALUES ('section'), ('all')),
cells AS (
    -- Each surveyed unit counts in its district and in the city, under its section and under '_all'.
    -- CAST(CASE ...): a CASE mixing a text literal with a staging (Utf8View) column must be cast explicitly, or
    -- DataFusion's plan schema and its batches disagree on the type ("Mismatch between schema and batches").
    SELECT
        s.year,
        CAST(CASE WHEN p.level = 'city' THEN '330600' ELSE s.district_code END AS VARCHAR) AS district_code,
        CAST(CASE WHEN il.level = 'all' THEN '_all' ELSE s.industry_division_section END AS VARCHAR) AS industry_section,
        sum(CASE WHEN NOT s.is_private THEN 1 ELSE 0 END) AS units_non_private,
        sum(CASE WHEN NOT s.is_private THEN s.employees_average ELSE 0 END) AS employees_non_private,
        sum(CASE WHEN NOT s.is_private THEN s.wage_bill ELSE 0 END) AS wage_bill_non_private,
        sum(CASE WHEN s.is_private THEN 1 ELSE 0 END) AS units_private,
        sum(CASE WHEN s.is_private THEN s.employees_average ELSE 0 END) AS employees_private,
        sum(CASE WHEN s.is_private THEN s.wage_bill ELSE 0 END) AS wage_bill_private
    FROM survey AS s
    CROSS JOIN places AS p
    CROSS JOIN industry_levels AS il
    GROUP BY 1, 2, 3
),
averages AS (
    SELECT
        *,
        CASE WHEN employees_non_private > 0
             THEN CAST(wage_bill_non_private AS DOUBLE) / CAST(employees_non_private AS DOUBLE) END AS avg_wage_non_private,
        CASE WHEN employees_private > 0
             THEN CAST(wage_bill_private AS DOUBLE) / CAST(employees_private AS DOUBLE) END AS avg_wage_private,
        CASE WHEN employees_non_private + employees_private > 0
             THEN CAST(wage_bill_non_private + wage_bill_private AS DOUBLE)
                  / CAST(employees_non_private + employees_private AS DOUBLE) END AS avg_wage_all_units
    FROM cells
),
-- Shaoxing's minimum wage by validity (add a row when a new standard takes effect); see the header note.
minimum_wage (valid_from, valid_to, tier, monthly) AS (
    VALUES (DATE '2024-01-01', DATE '9999-12-31', '二档', 2260)
)
SELECT
    'year' AS period_type,
    CAST(a.year AS VARCHAR) AS period,
    a.district_code,
    CASE WHEN a.district_code = '330600' THEN '绍兴市' ELSE d.name_zh END AS district_name,
    a.industry_section,
    CASE WHEN a.industry_section = '_all' THEN '全部行业' ELSE i.name_zh END AS industry_name,
    CAST(a.units_non_private AS BIGINT) AS units_non_private,
    CAST(a.employees_non_private AS BIGINT) AS employees_non_private,
    CAST(a.wage_bill_non_private AS DECIMAL(18, 2)) AS wage_bill_non_private,
    a.avg_wage_non_private,
    a.avg_wage_non_private / prev.avg_wage_non_private - 1 AS avg_wage_non_private_growth,
    CAST(a.units_private AS BIGINT) AS units_private,
    CAST(a.employees_private AS BIGINT) AS employees_private,
    CAST(a.wage_bill_private AS DECIMAL(18, 2)) AS wage_bill_private,
    a.avg_wage_private,
    a.avg_wage_private / prev.avg_wage_private - 1 AS avg_wage_private_growth,
    a.avg_wage_all_units,
    mw.tier AS min_wage_tier,
    CAST(mw.monthly AS BIGINT) AS min_wage_monthly,
    CAST(mw.monthly * 12 AS BIGINT) AS min_wage_annual,
    a.avg_wage_non_private / CAST(mw.monthly * 12 AS DOUBLE) AS ratio_non_private_to_min_wage,
    a.avg_wage_private / CAST(mw.monthly * 12 AS DOUBLE) AS ratio_private_to_min_wage
FROM averages AS a
LEFT JOIN averages AS prev
  ON prev.year = a.year - 1 AND prev.district_code = a.district_code AND prev.industry_section = a.industry_section
LEFT JOIN minimum_wage AS mw
  ON mw.valid_from <= make_date(a.year, 1, 1) AND mw.valid_to >= make_date(a.year, 12, 31)
LEFT JOIN ref.districts AS d ON d.code = a.district_code
LEFT JOIN ref.industry_sections AS i ON i.section = a.industry_section
ORDER BY period_type, period, a.district_code, a.industry_section
