/*
description = "Human-resources market supply and demand at the public employment service: vacancies, job seekers and the vacancy-to-seeker ratio by month, quarter and year, district and city, overall and by occupation major group and education (人力资源市场供求状况与求人倍率)"
materialized = "table"
tags = ["market", "employment", "pes_quarterly", "bulletin"]
# Shape: ONE table, one row per (period_type, period, district_code, dimension, category_code).
#   dimension = 'all'        -> category_code '_all', the whole market (the headline 求人倍率);
#   dimension = 'occupation' -> category_code = GB/T 6565-2015 major group '1'..'8' (ref.occupations.major_group):
#                               the occupation of the post (demand) and the occupation wanted (supply);
#   dimension = 'education'  -> category_code = education code: the education a post asks for (demand) and the
#                               seeker's education (supply). 'any' (不限) exists on the demand side only, so its
#                               ratio is NULL; the seekers a post open to anyone may take are in the other codes.
# Within one (period, district, dimension) the categories add up to the 'all' row.
# A row exists where the category had at least one posting or one seeker in the period (a missing row = 0 and 0).
# Tagged "bulletin": 求人倍率 is published quarterly in the PES supply-demand analysis, and marts.bulletin_indicators carries the year's value.

[columns]
period_type = "Grain of the period: month, quarter or year (the bureau publishes the ratio quarterly)"
period = "Period: YYYY-MM for a month, YYYY-Qn for a quarter, YYYY for a year; by the day the posting was published / the seeker registered"
district_code = "GB/T 2260 code of the district or county of the workplace (postings) or of registration (seekers); 330600 = 绍兴市, the city-wide total of all districts"
district_name = "District or county name (ref.districts.name_zh); 绍兴市 on the city-wide row"
dimension = "Breakdown of the row: all (whole market), occupation (GB/T 6565 major group) or education"
category_code = "Category within the dimension: '_all' for dimension all; major group '1'..'8' for occupation; any, junior_secondary_or_below, senior_secondary, secondary_vocational, junior_college, bachelor or master_or_above for education"
category_name = "中文名 of the category: 全部; the GB/T 6565-2015 major-group name from ref.occupations; the education level (不限, 初中及以下, 高中, 中专, 大专, 本科, 硕士及以上)"
postings = "招聘岗位数: job postings published in the period, count. Source: staging.job_postings"
vacancies = "需求人数 (岗位空缺): persons wanted = sum of the postings' 招聘人数 (vacancies) published in the period, persons. Source: staging.job_postings.vacancies"
job_seekers = "求职人数: job-seeker registrations in the period, persons (one registration per person in the source). Source: staging.job_seekers"
vacancy_seeker_ratio = "求人倍率 = vacancies / job_seekers (需求人数 ÷ 求职人数, REFERENCE.md 1.6 M3: job vacancies per job seeker; > 1 means demand exceeds supply), ratio, recomputed from the summed components at every grain; NULL when job_seekers = 0"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "district_code", "district_name", "dimension", "category_code", "category_name", "postings", "vacancies", "job_seekers"]

[[tests]]
kind = "unique"
columns = ["period_type", "period", "district_code", "dimension", "category_code"]

[[tests]]
kind = "accepted_values"
column = "period_type"
values = ["month", "quarter", "year"]

[[tests]]
kind = "accepted_values"
column = "dimension"
values = ["all", "occupation", "education"]

[[tests]]
kind = "accepted_values"
column = "category_code"
values = ["_all", "1", "2", "3", "4", "5", "6", "7", "8", "any", "junior_secondary_or_below", "senior_secondary", "secondary_vocational", "junior_college", "bachelor", "master_or_above"]

[[tests]]
kind = "sql"
name = "district_code_in_ref_districts_or_city"
sql = "SELECT m.* FROM marts.hr_market AS m LEFT JOIN ref.districts AS d ON d.code = m.district_code WHERE m.district_code <> '330600' AND d.code IS NULL"

[[tests]]
kind = "sql"
name = "occupation_category_in_ref_occupations"
sql = "SELECT m.* FROM marts.hr_market AS m LEFT JOIN ref.occupations AS o ON o.major_group = m.category_code WHERE m.dimension = 'occupation' AND o.major_group IS NULL"

[[tests]]
kind = "expression"
expect = "CASE WHEN job_seekers = 0 THEN vacancy_seeker_ratio IS NULL ELSE vacancy_seeker_ratio >= 0 AND abs(vacancy_seeker_ratio - CAST(vacancies AS DOUBLE) / CAST(job_seekers AS DOUBLE)) < 1e-9 END"

[[tests]]
kind = "expression"
expect = "postings + job_seekers > 0 AND vacancies >= postings"

[[tests]]
kind = "sql"
name = "categories_add_up_to_the_whole_market"
sql = "SELECT c.* FROM (SELECT period_type, period, district_code, dimension, sum(vacancies) AS v, sum(job_seekers) AS s FROM marts.hr_market WHERE dimension <> 'all' GROUP BY 1, 2, 3, 4) AS c JOIN marts.hr_market AS a ON a.period_type = c.period_type AND a.period = c.period AND a.district_code = c.district_code AND a.dimension = 'all' WHERE a.vacancies <> c.v OR a.job_seekers <> c.s"

[[tests]]
kind = "sql"
name = "city_row_is_the_sum_of_districts"
sql = "SELECT c.* FROM (SELECT period_type, period, dimension, category_code, sum(vacancies) AS v, sum(job_seekers) AS s FROM marts.hr_market WHERE district_code <> '330600' GROUP BY 1, 2, 3, 4) AS c FULL JOIN (SELECT * FROM marts.hr_market WHERE district_code = '330600') AS a ON a.period_type = c.period_type AND a.period = c.period AND a.dimension = c.dimension AND a.category_code = c.category_code WHERE (a.vacancies IS DISTINCT FROM c.v) OR (a.job_seekers IS DISTINCT FROM c.s)"

[[tests]]
kind = "row_count"
min = 1
*/
WITH events AS (
    -- Demand and supply as one stream of events: a posting brings its vacancies, a registration one seeker.
    SELECT posted_on AS event_day, district_code, occupation_group, education_required AS education,
           1 AS postings, vacancies, 0 AS job_seekers
    FROM staging.job_postings
    UNION ALL
    SELECT registered_on, district_code, occupation_wanted_group, education,
           0, 0, 1
    FROM staging.job_seekers
),
education_levels (code, name_zh) AS (
    VALUES ('any', '不限'), ('junior_secondary_or_below', '初中及以下'), ('senior_secondary', '高中'),
           ('secondary_vocational', '中专'), ('junior_college', '大专'), ('bachelor', '本科'), ('master_or_above', '硕士及以上')
),
places (level) AS (VALUES ('district'), ('city')),
dimensions (dimension) AS (VALUES ('all'), ('occupation'), ('education')),
monthly AS (
    -- Month x (each district, and the city) x (whole market, each occupation group, each education level).
    -- CAST(CASE ...): a CASE mixing a text literal with a staging (Utf8View) column must be cast explicitly, or
    -- DataFusion's plan schema and its batches disagree on the type ("Mismatch between schema and batches").
    SELECT
        to_char(e.event_day, '%Y-%m') AS month,
        CAST(CASE WHEN p.level = 'city' THEN '330600' ELSE e.district_code END AS VARCHAR) AS district_code,
        dm.dimension,
        CAST(CASE dm.dimension WHEN 'all' THEN '_all' WHEN 'occupation' THEN e.occupation_group ELSE e.education END AS VARCHAR) AS category_code,
        sum(e.postings) AS postings,
        sum(e.vacancies) AS vacancies,
        sum(e.job_seekers) AS job_seekers
    FROM events AS e
    CROSS JOIN places AS p
    CROSS JOIN dimensions AS dm
    GROUP BY 1, 2, 3, 4
),
periods AS (
    -- Flows: a quarter or a year is the sum of its months.
    SELECT 'month' AS period_type, month AS period, district_code, dimension, category_code, postings, vacancies, job_seekers
    FROM monthly
    UNION ALL
    SELECT 'quarter', concat(substr(month, 1, 4), '-Q', (CAST(substr(month, 6, 2) AS INT) + 2) / 3),
           district_code, dimension, category_code, sum(postings), sum(vacancies), sum(job_seekers)
    FROM monthly
    GROUP BY 2, 3, 4, 5
    UNION ALL
    SELECT 'year', substr(month, 1, 4), district_code, dimension, category_code, sum(postings), sum(vacancies), sum(job_seekers)
    FROM monthly
    GROUP BY 2, 3, 4, 5
)
SELECT
    p.period_type,
    p.period,
    p.district_code,
    CASE WHEN p.district_code = '330600' THEN '绍兴市' ELSE d.name_zh END AS district_name,
    p.dimension,
    p.category_code,
    CASE p.dimension WHEN 'all' THEN '全部' WHEN 'occupation' THEN o.name_zh ELSE el.name_zh END AS category_name,
    CAST(p.postings AS BIGINT) AS postings,
    CAST(p.vacancies AS BIGINT) AS vacancies,
    CAST(p.job_seekers AS BIGINT) AS job_seekers,
    CASE WHEN p.job_seekers > 0 THEN CAST(p.vacancies AS DOUBLE) / CAST(p.job_seekers AS DOUBLE) END AS vacancy_seeker_ratio
FROM periods AS p
LEFT JOIN ref.districts AS d ON d.code = p.district_code
LEFT JOIN ref.occupations AS o ON p.dimension = 'occupation' AND o.major_group = p.category_code
LEFT JOIN education_levels AS el ON p.dimension = 'education' AND el.code = p.category_code
ORDER BY p.period_type, p.period, p.district_code, p.dimension, p.category_code
