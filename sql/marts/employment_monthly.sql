/*
description = "Monthly employment statistics by district: new urban jobs, re-employment, hard-to-employ placed, registered unemployed and the registered unemployment rate (就业与登记失业)"
tags = ["employment", "bulletin"]

[columns]
period = "Month, YYYY-MM"
district_code = "GB/T 2260 code of the district or county"
district_name = "District or county name"
new_urban_jobs = "城镇新增就业: employment registrations in the month, persons. Source: staging.employment_registrations"
reemployed = "城镇失业人员再就业: of which registered unemployed persons who found work, persons"
hard_to_employ_placed = "就业困难人员就业: of which hard-to-employ persons placed, persons"
registered_unemployed_end = "登记失业人员 at month end: registered on or before the last day and not cancelled by it, persons. Source: staging.unemployment_registrations"
urban_employed = "城镇就业人员 of the year, persons. Source: staging.urban_employment"
registered_unemployment_rate = "城镇登记失业率 = registered_unemployed_end / (urban_employed + registered_unemployed_end), fraction; NULL without the year's urban employed figure"

[[tests]]
kind = "not_null"
columns = ["period", "district_code", "new_urban_jobs", "registered_unemployed_end"]

[[tests]]
kind = "unique"
columns = ["period", "district_code"]
*/
WITH months AS (
    SELECT DISTINCT to_char(registered_on, '%Y-%m') AS period
    FROM staging.employment_registrations
),
month_ends AS (
    SELECT period, CAST(date_trunc('month', to_date(concat(period, '-01'))) + INTERVAL '1 month' - INTERVAL '1 day' AS DATE) AS last_day
    FROM months
),
jobs AS (
    SELECT
        to_char(registered_on, '%Y-%m') AS period,
        district_code,
        count(*) AS new_urban_jobs,
        sum(CASE WHEN reemployed = 'true' THEN 1 ELSE 0 END) AS reemployed,
        sum(CASE WHEN hard_to_employ = 'true' THEN 1 ELSE 0 END) AS hard_to_employ_placed
    FROM staging.employment_registrations
    GROUP BY 1, 2
),
unemployed AS (
    SELECT m.period, u.district_code, count(*) AS registered_unemployed_end
    FROM month_ends AS m
    JOIN staging.unemployment_registrations AS u
      ON u.registered_on <= m.last_day AND (u.cancelled_on IS NULL OR u.cancelled_on > m.last_day)
    GROUP BY m.period, u.district_code
)
SELECT
    j.period,
    j.district_code,
    d.name_zh AS district_name,
    j.new_urban_jobs,
    j.reemployed,
    j.hard_to_employ_placed,
    coalesce(u.registered_unemployed_end, 0) AS registered_unemployed_end,
    e.urban_employed,
    CAST(coalesce(u.registered_unemployed_end, 0) AS DOUBLE)
        / CAST(e.urban_employed + coalesce(u.registered_unemployed_end, 0) AS DOUBLE) AS registered_unemployment_rate
FROM jobs AS j
LEFT JOIN unemployed AS u ON u.period = j.period AND u.district_code = j.district_code
LEFT JOIN staging.urban_employment AS e
  ON e.district_code = j.district_code AND e.year = CAST(substr(j.period, 1, 4) AS BIGINT)
LEFT JOIN ref.districts AS d ON d.code = j.district_code
ORDER BY j.period, j.district_code
