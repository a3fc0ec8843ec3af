/*
description = "Monthly contributors and contributions by district, industry section and insurance type (分区县参保缴费)"
tags = ["social_insurance"]
# A month's contributions only feed that month's rows, so a newly loaded month rebuilds just its own slice.
materialized = "incremental"
period_column = "period"
# Its distinct count holds a state per person and month; under a memory limit it is built a month at a time.
batch_by_period = true

[columns]
period = "Month the contributions are due for, YYYY-MM"
district_code = "GB/T 2260 code of the employer's district or county (retired codes mapped to successors)"
district_name = "District or county name"
industry_section = "GB/T 4754-2017 section (门类) of the employer"
insurance_type = "pension, unemployment or work_injury"
contributors = "Distinct contributors (pseudonymized persons) in the month, persons"
contribution_base_total = "Sum of contribution bases, yuan"
employer_amount = "Employers' contributions, yuan"
employee_amount = "Employees' contributions, yuan"
contribution_total = "employer_amount + employee_amount, yuan"
arrears_amount = "Contributions due but not paid (欠缴), yuan"

[[tests]]
kind = "not_null"
columns = ["period", "district_code", "industry_section", "insurance_type", "contributors"]

[[tests]]
kind = "unique"
columns = ["period", "district_code", "industry_section", "insurance_type"]

[[tests]]
kind = "accepted_values"
column = "insurance_type"
values = ["pension", "unemployment", "work_injury"]

[[tests]]
kind = "relationships"
column = "district_code"
to = "ref.districts"
field = "code"

[[tests]]
kind = "relationships"
column = "industry_section"
to = "ref.industry_sections"
field = "section"

[[tests]]
kind = "expression"
expect = "contribution_total = employer_amount + employee_amount AND contributors > 0"

[[tests]]
kind = "sql"
name = "every_loaded_month_is_built"
# The loaded months first: NOT IN over every contribution record takes seconds, over a dozen months nothing.
sql = "SELECT period FROM (SELECT DISTINCT period FROM staging.contributions) AS loaded WHERE period NOT IN (SELECT period FROM marts.contributors_by_district)"
*/
SELECT
    c.period,
    c.district_code,
    d.name_zh AS district_name,
    c.industry_division_section AS industry_section,
    c.insurance_type,
    count(DISTINCT c.person_id) AS contributors,
    sum(c.contribution_base) AS contribution_base_total,
    sum(c.employer_amount) AS employer_amount,
    sum(c.employee_amount) AS employee_amount,
    sum(c.employer_amount + c.employee_amount) AS contribution_total,
    sum(CASE WHEN c.payment_status = 'arrears' THEN c.employer_amount + c.employee_amount ELSE 0 END) AS arrears_amount
FROM staging.contributions AS c
LEFT JOIN ref.districts AS d ON d.code = c.district_code
GROUP BY c.period, c.district_code, d.name_zh, c.industry_division_section, c.insurance_type
ORDER BY c.period, c.district_code, industry_section, c.insurance_type
