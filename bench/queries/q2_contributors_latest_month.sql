-- Contributors (distinct persons) by district and industry section in the latest month.
SELECT
    district_code,
    industry_division_section AS industry_section,
    count(DISTINCT person_id) AS contributors
FROM {contributions}
WHERE period = (SELECT max(period) FROM {contributions})
GROUP BY district_code, industry_division_section
ORDER BY district_code, industry_section
