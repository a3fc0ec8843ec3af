-- The 20 employers with the most contributions in the latest year, with their registry entry.
WITH totals AS (
    SELECT employer_uscc, count(DISTINCT person_id) AS contributors, sum(employer_amount + employee_amount) AS contributions
    FROM {contributions}
    WHERE substr(period, 1, 4) = (SELECT max(substr(period, 1, 4)) FROM {contributions})
    GROUP BY employer_uscc
)
SELECT
    t.employer_uscc,
    e.name AS employer_name,
    e.district_code,
    e.industry_division,
    t.contributors,
    t.contributions
FROM totals t
JOIN {employers} e ON e.uscc = t.employer_uscc
ORDER BY t.contributions DESC, t.employer_uscc
LIMIT 20
