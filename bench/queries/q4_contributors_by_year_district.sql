-- Distinct contributors per year and district.
SELECT
    substr(period, 1, 4) AS year,
    district_code,
    count(DISTINCT person_id) AS contributors
FROM {contributions}
GROUP BY substr(period, 1, 4), district_code
ORDER BY year, district_code
