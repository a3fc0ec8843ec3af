-- Year-on-year growth of each district's monthly contributions: LAG(.., 12) over the monthly totals.
WITH monthly AS (
    SELECT district_code, period, sum(employer_amount + employee_amount) AS contributions
    FROM {contributions}
    GROUP BY district_code, period
)
SELECT
    district_code,
    period,
    contributions,
    LAG(contributions, 12) OVER (PARTITION BY district_code ORDER BY period) AS contributions_year_before,
    CAST(contributions AS DOUBLE) / CAST(LAG(contributions, 12) OVER (PARTITION BY district_code ORDER BY period) AS DOUBLE) - 1 AS yoy_growth
FROM monthly
ORDER BY district_code, period
