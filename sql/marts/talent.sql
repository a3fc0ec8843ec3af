/*
description = "High-level talent introduced by month, quarter and year, district and city, talent tier and field, with totals over every breakdown (高层次人才引进)"
materialized = "table"
tags = ["talent", "bulletin"]
# Shape: ONE table, one row per (period_type, period, district_code, talent_tier, field).
# Every breakdown has a total value: district_code '330600' (绍兴市, all districts), talent_tier '_all', field '_all';
# so (330600, '_all', '_all') is the city's headline count, (330600, 'A', '_all') the city's A-tier count,
# (330603, '_all', 'biomedicine') Keqiao's biomedicine count, and so on (a full cube of district x tier x field).
# A row exists where at least one person was introduced (a missing row = 0).

[columns]
period_type = "Grain of the period: month, quarter or year (the talent office reports the year)"
period = "Period: YYYY-MM for a month, YYYY-Qn for a quarter, YYYY for a year; by the day the person was introduced (引进日期)"
district_code = "GB/T 2260 code of the recruiting employer's district or county; 330600 = 绍兴市, the city-wide total of all districts"
district_name = "District or county name (ref.districts.name_zh); 绍兴市 on the city-wide row"
talent_tier = "人才层次: A (top) to E, or '_all' for all tiers"
talent_tier_name = "人才层次 中文名: A类人才 .. E类人才, or 全部层次"
field = "专业领域: integrated_circuits, biomedicine, new_materials, high_end_equipment, modern_textiles, digital_economy, other, or '_all' for all fields"
field_name = "专业领域 中文名: 集成电路, 生物医药, 新材料, 高端装备, 现代纺织, 数字经济, 其他, or 全部领域"
introductions = "引进高层次人才: persons introduced in the period = count of introductions (a person is introduced once; staging's unique key is person_id), persons. Source: staging.talent_introductions"
subsidy_total = "补贴金额: settlement and housing subsidies granted to them = sum of subsidy, yuan (DECIMAL; the workbook states 万元, converted at load). Source: staging.talent_introductions.subsidy"
subsidy_per_person = "人均补贴 = subsidy_total / introductions, yuan per person (DOUBLE)"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "district_code", "district_name", "talent_tier", "talent_tier_name", "field", "field_name", "introductions", "subsidy_total"]

[[tests]]
kind = "unique"
columns = ["period_type", "period", "district_code", "talent_tier", "field"]

[[tests]]
kind = "accepted_values"
column = "period_type"
values = ["month", "quarter", "year"]

[[tests]]
kind = "accepted_values"
column = "talent_tier"
values = ["_all", "A", "B", "C", "D", "E"]

[[tests]]
kind = "accepted_values"
column = "field"
values = ["_all", "integrated_circuits", "biomedicine", "new_materials", "high_end_equipment", "modern_textiles", "digital_economy", "other"]

[[tests]]
kind = "sql"
name = "district_code_in_ref_districts_or_city"
sql = "SELECT m.* FROM marts.talent AS m LEFT JOIN ref.districts AS d ON d.code = m.district_code WHERE m.district_code <> '330600' AND d.code IS NULL"

[[tests]]
kind = "expression"
expect = "introductions > 0 AND subsidy_total >= 0 AND subsidy_per_person >= 0"

[[tests]]
kind = "sql"
name = "tiers_add_up_to_all_tiers"
sql = "SELECT c.* FROM (SELECT period_type, period, district_code, field, sum(introductions) AS n, sum(subsidy_total) AS s FROM marts.talent WHERE talent_tier <> '_all' GROUP BY 1, 2, 3, 4) AS c FULL JOIN (SELECT * FROM marts.talent WHERE talent_tier = '_all') AS a ON a.period_type = c.period_type AND a.period = c.period AND a.district_code = c.district_code AND a.field = c.field WHERE (a.introductions IS DISTINCT FROM c.n) OR (a.subsidy_total IS DISTINCT FROM c.s)"

[[tests]]
kind = "sql"
name = "city_row_is_the_sum_of_districts"
sql = "SELECT c.* FROM (SELECT period_type, period, talent_tier, field, sum(introductions) AS n FROM marts.talent WHERE district_code <> '330600' GROUP BY 1, 2, 3, 4) AS c FULL JOIN (SELECT * FROM marts.talent WHERE district_code = '330600') AS a ON a.period_type = c.period_type AND a.period = c.period AND a.talent_tier = c.talent_tier AND a.field = c.field WHERE (a.introductions IS DISTINCT FROM c.n)"

[[tests]]
kind = "row_count"
min = 1
*/
WITH tiers (code, name_zh) AS (
    VALUES ('A', 'A类人才'), ('B', 'B类人才'), ('C', 'C类人才'), ('D', 'D类人才'), ('E', 'E类人才'), ('_all', '全部层次')
),
fields (code, name_zh) AS (
    VALUES ('integrated_circuits', '集成电路'), ('biomedicine', '生物医药'), ('new_materials', '新材料'),
           ('high_end_equipment', '高端装备'), ('modern_textiles', '现代纺织'), ('digital_economy', '数字经济'),
           ('other', '其他'), ('_all', '全部领域')
),
-- Each introduction counts once in its district and once in the city; once under its tier and once under '_all';
-- once under its field and once under '_all'.
places (level) AS (VALUES ('district'), ('city')),
tier_levels (level) AS (VALUES ('tier'), ('all')),
field_levels (level) AS (VALUES ('field'), ('all')),
monthly AS (
    -- CAST(CASE ...): a CASE mixing a text literal with a staging (Utf8View) column must be cast explicitly, or
    -- DataFusion's plan schema and its batches disagree on the type ("Mismatch between schema and batches").
    SELECT
        to_char(t.introduced_on, '%Y-%m') AS month,
        CAST(CASE WHEN p.level = 'city' THEN '330600' ELSE t.district_code END AS VARCHAR) AS district_code,
        CAST(CASE WHEN tl.level = 'all' THEN '_all' ELSE t.talent_tier END AS VARCHAR) AS talent_tier,
        CAST(CASE WHEN fl.level = 'all' THEN '_all' ELSE t.field END AS VARCHAR) AS field,
        count(*) AS introductions,
        CAST(sum(t.subsidy) AS DECIMAL(18, 2)) AS subsidy_total
    FROM staging.talent_introductions AS t
    CROSS JOIN places AS p
    CROSS JOIN tier_levels AS tl
    CROSS JOIN field_levels AS fl
    GROUP BY 1, 2, 3, 4
),
periods AS (
    -- Flows: a quarter or a year is the sum of its months. The sums are cast back to DECIMAL(18, 2) so that
    -- every UNION branch has one decimal type (a DataFusion union of DECIMAL(28,2) and DECIMAL(38,2) fails).
    SELECT 'month' AS period_type, month AS period, district_code, talent_tier, field, introductions, subsidy_total
    FROM monthly
    UNION ALL
    SELECT 'quarter', concat(substr(month, 1, 4), '-Q', (CAST(substr(month, 6, 2) AS INT) + 2) / 3),
           district_code, talent_tier, field, sum(introductions), CAST(sum(subsidy_total) AS DECIMAL(18, 2))
    FROM monthly
    GROUP BY 2, 3, 4, 5
    UNION ALL
    SELECT 'year', substr(month, 1, 4), district_code, talent_tier, field, sum(introductions), CAST(sum(subsidy_total) AS DECIMAL(18, 2))
    FROM monthly
    GROUP BY 2, 3, 4, 5
)
SELECT
    p.period_type,
    p.period,
    p.district_code,
    CASE WHEN p.district_code = '330600' THEN '绍兴市' ELSE d.name_zh END AS district_name,
    p.talent_tier,
    tr.name_zh AS talent_tier_name,
    p.field,
    f.name_zh AS field_name,
    CAST(p.introductions AS BIGINT) AS introductions,
    p.subsidy_total,
    CAST(p.subsidy_total AS DOUBLE) / CAST(p.introductions AS DOUBLE) AS subsidy_per_person
FROM periods AS p
LEFT JOIN ref.districts AS d ON d.code = p.district_code
LEFT JOIN tiers AS tr ON tr.code = p.talent_tier
LEFT JOIN fields AS f ON f.code = p.field
ORDER BY p.period_type, p.period, p.district_code, p.talent_tier, p.field
