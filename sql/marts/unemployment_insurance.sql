/*
description = "Unemployment insurance by period (month, quarter, year) and district, with the city-wide row: beneficiaries in the period and at its end, benefit paid, average monthly benefit, and the unemployment insurance fund's revenue, expenditure and balance (失业保险待遇与基金收支)"
materialized = "table"
tags = ["bulletin", "social_insurance", "unemployment_insurance", "fund"]

# Grain: one row per (period_type, period, district_code).
# - Benefit figures come from the monthly payment rows (staging.unemployment_insurance_payments). Periods with payment
#   rows get a row for every current district of ref.districts (zeros where nothing was paid) and the city-wide row
#   330600 绍兴市 (ref.districts does not hold 330600; its name is written here). Head counts are DISTINCT persons, counted
#   from the payment rows for every grain and for the city row (a person paid in two districts or two months counts
#   once), so a quarter's or the city's beneficiaries are NOT the sum of its months' or districts' rows.
# - Fund figures come from the fund's monthly ledger (staging.fund_ledger, fund = 'unemployment', the 失业保险 sheet).
#   The ledger is kept for the city as a whole, so they are filled on the 330600 row only and are NULL on district
#   rows. The city row also exists for ledger periods without payment rows (2016-2024 in the demo); there the benefit
#   columns are NULL (no payment data loaded), not 0.
# Flows are summed over the period; stocks (beneficiaries_end, fund_balance_end) are taken at the period's LAST calendar
# month (NULL when the data do not reach that month); the average is recomputed from its summed parts, never averaged.

[columns]
period_type = "Grain of the row: 'month', 'quarter' or 'year'"
period = "Period label: '2025-03' (month), '2025-Q1' (quarter) or '2025' (year)"
district_code = "GB/T 2260 code of the paying district or county (retired codes already mapped to successors at ingestion); '330600' is the city-wide row"
district_name = "District or county name (ref.districts.name_zh); '绍兴市' for the city-wide row"
beneficiaries = "领取失业保险金人数 (期内): distinct persons paid unemployment benefit for any month of the period, persons; counted from the payment rows at every grain (not summed). NULL on city rows of periods without payment data. Source: staging.unemployment_insurance_payments"
beneficiaries_end = "期末领取失业保险金人数: distinct persons paid benefit for the period's last calendar month, persons; stock at period end; NULL when the period's last month has no payment data. Source: staging.unemployment_insurance_payments"
beneficiary_months = "Benefit months paid (人月): payment rows (one per person and month) in the period, person-months; denominator of avg_monthly_benefit. Source: staging.unemployment_insurance_payments"
benefit_paid = "失业保险金支出: unemployment benefit paid for the months of the period, yuan (DECIMAL(18,2)); flow, summed. Source: staging.unemployment_insurance_payments.benefit_amount"
medical_contribution_paid = "代缴基本医疗保险费: employee medical-insurance contributions the fund paid for the beneficiaries, yuan (DECIMAL(18,2)); flow, summed. Source: staging.unemployment_insurance_payments.medical_contribution"
avg_monthly_benefit = "失业保险金月人均水平 = benefit_paid / beneficiary_months, yuan per beneficiary-month (DOUBLE); recomputed from the summed parts; NULL when beneficiary_months is 0. Source: staging.unemployment_insurance_payments"
fund_revenue = "失业保险基金收入: total revenue of the unemployment insurance fund in the period, yuan (DECIMAL(18,2)); flow, summed over the ledger months; city-wide only (NULL on district rows and where the ledger has no month of the period). Source: staging.fund_ledger.revenue_total WHERE fund = 'unemployment'"
fund_expenditure = "失业保险基金支出: total expenditure of the fund in the period (benefits, transfers, other incl. job-retention refunds), yuan (DECIMAL(18,2)); flow, summed; city-wide only. Source: staging.fund_ledger.expenditure_total WHERE fund = 'unemployment'"
fund_balance_end = "失业保险基金累计结余: accumulated balance at the end of the period's last calendar month, yuan (DECIMAL(18,2)); stock; city-wide only; NULL when the ledger does not reach that month. Source: staging.fund_ledger.balance_end WHERE fund = 'unemployment'"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "district_code", "district_name"]

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
sql = "SELECT district_code FROM marts.unemployment_insurance WHERE district_code <> '330600' AND district_code NOT IN (SELECT code FROM ref.districts WHERE successor_code IS NULL)"

[[tests]]
kind = "expression"
expect = "beneficiaries_end IS NULL OR beneficiaries IS NULL OR beneficiaries_end <= beneficiaries"

[[tests]]
kind = "expression"
expect = "beneficiaries IS NULL OR beneficiaries <= beneficiary_months"

[[tests]]
kind = "expression"
expect = "avg_monthly_benefit IS NULL OR avg_monthly_benefit BETWEEN 0 AND 10000"

[[tests]]
kind = "expression"
expect = "district_code = '330600' OR (fund_revenue IS NULL AND fund_expenditure IS NULL AND fund_balance_end IS NULL)"

[[tests]]
kind = "row_count"
min = 1

[[tests]]
kind = "sql"
name = "city_row_sums_districts"
sql = """
SELECT c.period_type, c.period
FROM marts.unemployment_insurance AS c
JOIN (
    SELECT period_type, period, sum(beneficiaries) AS persons, sum(beneficiary_months) AS months, sum(benefit_paid) AS paid
    FROM marts.unemployment_insurance WHERE district_code <> '330600' GROUP BY period_type, period
) AS d ON d.period_type = c.period_type AND d.period = c.period
WHERE c.district_code = '330600'
  AND (c.beneficiaries > d.persons OR c.beneficiary_months <> d.months OR c.benefit_paid <> d.paid)
"""
*/
WITH districts AS (
    -- the current districts and counties (the retired codes carry a successor_code)
    SELECT code AS district_code FROM ref.districts WHERE successor_code IS NULL
),
months AS (
    SELECT period AS month, true AS has_payments FROM staging.unemployment_insurance_payments GROUP BY period
),
ledger AS (
    SELECT period AS month, revenue_total, expenditure_total, balance_end
    FROM staging.fund_ledger
    WHERE fund = 'unemployment'
),
all_months AS (
    SELECT month FROM months
    UNION
    SELECT month FROM ledger
),
periods AS (
    -- each month belongs to itself, its quarter and its year; is_last marks the period's last calendar month
    SELECT month, 'month' AS period_type, month AS period, true AS is_last FROM all_months
    UNION ALL
    SELECT
        month,
        'quarter',
        concat(substr(month, 1, 4), '-Q', CAST((CAST(substr(month, 6, 2) AS INT) + 2) / 3 AS VARCHAR)),
        substr(month, 6, 2) IN ('03', '06', '09', '12')
    FROM all_months
    UNION ALL
    SELECT month, 'year', substr(month, 1, 4), substr(month, 6, 2) = '12' FROM all_months
),
payments AS (
    -- every payment row counted for its district and for the city
    SELECT period AS month, district_code, person_id, benefit_amount, medical_contribution
    FROM staging.unemployment_insurance_payments
    UNION ALL
    SELECT period, '330600', person_id, benefit_amount, medical_contribution
    FROM staging.unemployment_insurance_payments
),
benefits AS (
    SELECT
        p.period_type,
        p.period,
        x.district_code,
        count(DISTINCT x.person_id) AS beneficiaries,
        count(DISTINCT CASE WHEN p.is_last THEN x.person_id END) AS beneficiaries_end,
        count(*) AS beneficiary_months,
        sum(x.benefit_amount) AS benefit_paid,
        sum(x.medical_contribution) AS medical_contribution_paid
    FROM payments AS x
    JOIN periods AS p ON p.month = x.month
    GROUP BY p.period_type, p.period, x.district_code
),
payment_periods AS (
    -- periods with payment data, and whether their last calendar month has any
    SELECT
        p.period_type,
        p.period,
        max(CASE WHEN p.is_last THEN 1 ELSE 0 END) AS has_last_month
    FROM periods AS p
    JOIN months AS m ON m.month = p.month
    GROUP BY p.period_type, p.period
),
fund AS (
    SELECT
        p.period_type,
        p.period,
        sum(l.revenue_total) AS fund_revenue,
        sum(l.expenditure_total) AS fund_expenditure,
        max(CASE WHEN p.is_last THEN l.balance_end END) AS fund_balance_end
    FROM ledger AS l
    JOIN periods AS p ON p.month = l.month
    GROUP BY p.period_type, p.period
),
keys AS (
    -- district rows where payments exist; the city row wherever payments or ledger exist
    SELECT pp.period_type, pp.period, d.district_code FROM payment_periods AS pp CROSS JOIN districts AS d
    UNION
    SELECT period_type, period, '330600' FROM payment_periods
    UNION
    SELECT period_type, period, '330600' FROM fund
)
SELECT
    k.period_type,
    k.period,
    k.district_code,
    CASE WHEN k.district_code = '330600' THEN '绍兴市' ELSE d.name_zh END AS district_name,
    CASE WHEN pp.period IS NOT NULL THEN coalesce(b.beneficiaries, 0) END AS beneficiaries,
    CASE WHEN pp.has_last_month = 1 THEN coalesce(b.beneficiaries_end, 0) END AS beneficiaries_end,
    CASE WHEN pp.period IS NOT NULL THEN coalesce(b.beneficiary_months, 0) END AS beneficiary_months,
    CASE WHEN pp.period IS NOT NULL THEN coalesce(b.benefit_paid, CAST(0 AS DECIMAL(18, 2))) END AS benefit_paid,
    CASE WHEN pp.period IS NOT NULL THEN coalesce(b.medical_contribution_paid, CAST(0 AS DECIMAL(18, 2))) END AS medical_contribution_paid,
    CAST(b.benefit_paid AS DOUBLE) / CAST(nullif(b.beneficiary_months, 0) AS DOUBLE) AS avg_monthly_benefit,
    CASE WHEN k.district_code = '330600' THEN f.fund_revenue END AS fund_revenue,
    CASE WHEN k.district_code = '330600' THEN f.fund_expenditure END AS fund_expenditure,
    CASE WHEN k.district_code = '330600' THEN f.fund_balance_end END AS fund_balance_end
FROM keys AS k
LEFT JOIN payment_periods AS pp ON pp.period_type = k.period_type AND pp.period = k.period
LEFT JOIN benefits AS b ON b.period_type = k.period_type AND b.period = k.period AND b.district_code = k.district_code
LEFT JOIN fund AS f ON f.period_type = k.period_type AND f.period = k.period
LEFT JOIN ref.districts AS d ON d.code = k.district_code
ORDER BY k.period_type, k.period, k.district_code
