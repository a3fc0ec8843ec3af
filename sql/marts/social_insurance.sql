/*
description = """Social insurance by scheme, period and district: contributors, retirees/beneficiaries, participants, \
the system dependency ratio, fund revenue by source, expenditure, accumulated balance and months of payment capacity (社会保险参保与基金收支). \
Schemes are the five funds of staging.fund_ledger: enterprise_pension (企业职工基本养老保险), institution_pension (机关事业单位基本养老保险), \
resident_pension (城乡居民基本养老保险), unemployment (失业保险), work_injury (工伤保险). \
Person counts come from the record-level sources (contributors through marts.contributors_by_scheme) and exist per district and for the city (district_code 330600); \
fund figures exist for the city row only (the ledger is city-wide) and are NULL on district rows. \
Grain: period_type month/quarter/year. Stocks (contributors, beneficiaries, participants, balance, months of payment capacity) are taken at \
period_end_month = the last month of the period present in the sources (December for a complete year: the year-end 年末 headcount of \
REFERENCE.md 1.2 S1/S2); the *_in_period columns give the distinct persons over the whole period instead. Flows (revenue, expenditure, \
benefits paid) are summed over the period; ratios are recomputed from their components. A person-level figure is NULL (not 0) when its \
source holds no record at all for period_end_month (e.g. contributors before 2025 in the demo), and always NULL for \
institution_pension and resident_pension contributors, which have no contribution source."""
materialized = "table"
tags = ["bulletin", "fund", "early_warning", "social_insurance"]

[columns]
period_type = "Grain: 'month', 'quarter' or 'year'"
period = "Period: '2025-03' (month), '2025-Q1' (quarter) or '2025' (year)"
period_end_month = "Month (YYYY-MM) at which the stocks of the row are taken: the last month of the period present in any source"
scheme = "险种/基金: enterprise_pension, institution_pension, resident_pension, unemployment or work_injury (the fund codes of staging.fund_ledger)"
scheme_name = "险种名称 (Chinese name of the scheme)"
insurance_type = "Code of the scheme in ref.insurance_schemes (pension = 企业职工基本养老保险, unemployment, work_injury) and in staging.contributions.insurance_type; NULL for institution_pension and resident_pension, which that code list does not hold"
district_code = "GB/T 2260 code of the district or county (employer's district for contributors, paying district for beneficiaries); 330600 = whole city (绍兴市)"
district_name = "District or county name; 绍兴市 for the city row"
contributors = "参保缴费人员 (期末): distinct persons with a contribution record of the scheme for period_end_month (due, paid or in arrears), persons. City row counts a person once even if recorded in two districts. Source: staging.contributions (insurance_type pension -> enterprise_pension). NULL for institution_pension/resident_pension (no source) and when the source has no record for that month"
contributors_paid = "实际缴费人员 (期末): of contributors, those with at least one record marked paid for period_end_month (the rest are in arrears, 断缴 warning signal), persons. Source: staging.contributions.payment_status"
contributors_in_period = "Distinct persons with a contribution record of the scheme in any month of the period, persons. Source: staging.contributions"
beneficiaries = "期末享受待遇人员: distinct persons paid a benefit of the scheme for period_end_month, persons. Pension schemes: 离退休人员 (retirees) = benefit_type enterprise_pension / institution_pension / resident_basic_pension; work_injury: 伤残津贴 (work_injury_disability_allowance) + 供养亲属抚恤金 (survivors_pension, a work-injury benefit under 工伤保险条例 art. 39); unemployment: 领取失业保险金人员. Source: staging.benefit_payments; for unemployment staging.unemployment_insurance_payments"
beneficiaries_in_period = "Distinct persons paid a benefit of the scheme in any month of the period, persons. Source: as beneficiaries"
participants = "参保人数 (期末), persons. enterprise_pension: contributors + beneficiaries (参保职工 + 参保离退休人员, REFERENCE.md 1.2 S1/S2); unemployment and work_injury: contributors (insured workers; benefit recipients are not counted again); NULL for institution_pension and resident_pension (no contributor source)"
contributors_per_retiree = "制度抚养比 (MOHRSS definition, REFERENCE.md 3.1.3): contributors / beneficiaries at period end = 参保职工人数 ÷ 离退休人数, contributors per retiree (ratio, 倍). Pension schemes with a contributor source only (enterprise_pension); NULL otherwise or when beneficiaries = 0"
retirees_per_contributor = "Inverse dependency ratio (CASS usage): beneficiaries / contributors at period end, retirees per contributor (fraction). enterprise_pension only; NULL when contributors = 0"
benefit_amount_paid = "待遇发放金额: benefits paid to persons over the period, yuan (DECIMAL): regular amount + one-off adjustment (back pay of the yearly increase, recoveries). Source: staging.benefit_payments amount + adjustment; unemployment: staging.unemployment_insurance_payments.benefit_amount"
avg_monthly_benefit = "人均月待遇 at period end = regular amount paid for period_end_month / beneficiaries, yuan per person per month (DOUBLE); NULL without beneficiaries"
revenue_total = "基金收入 合计: fund revenue over the period, yuan (DECIMAL). City row only. Source: staging.fund_ledger.revenue_total"
revenue_contributions = "其中 征缴收入: contribution income, yuan. City row only. Source: staging.fund_ledger"
revenue_subsidy = "其中 财政补贴收入: fiscal subsidy, yuan. City row only. Source: staging.fund_ledger"
revenue_interest = "其中 利息收入: interest income, yuan. City row only. Source: staging.fund_ledger"
revenue_other = "其中 其他收入 incl. 转移收入: transfers in + other revenue, yuan; revenue_total = contributions + subsidy + interest + other. City row only. Source: staging.fund_ledger revenue_transfer + revenue_other"
expenditure_total = "基金支出 合计: fund expenditure over the period, yuan. City row only. Source: staging.fund_ledger.expenditure_total"
expenditure_benefits = "其中 待遇支出 (基本养老金支出 for pensions): benefits paid by the fund, yuan. City row only. Source: staging.fund_ledger"
surplus = "当期结余 = revenue_total - expenditure_total, yuan. City row only"
balance_end = "期末累计结余: accumulated balance at the end of period_end_month, yuan. City row only. Source: staging.fund_ledger.balance_end"
expenditure_trailing_12m = "Fund expenditure of the 12 months ending with period_end_month, yuan (for a complete year: the year's expenditure). City row only"
months_of_payment_capacity = "可支付月数 (REFERENCE.md 3.1.1 / 1.2 S8) = balance_end / (expenditure_trailing_12m / 12), months (DOUBLE): balance over the average monthly expenditure of the trailing 12 months. NULL unless the ledger holds all 12 months of the window. City row only"
revenue_expenditure_ratio = "收支比 = revenue_total / expenditure_total over the period (REFERENCE.md 3.1.2 Coverage), ratio; NULL if expenditure is 0. City row only"
contribution_coverage_ratio = "征缴收入 / 基金支出 = revenue_contributions / expenditure_total over the period (REFERENCE.md 3.1.2 CollectionCoverage: below 1 the fund relies on subsidies, interest or its reserve), ratio. City row only"

[[tests]]
kind = "not_null"
columns = ["period_type", "period", "period_end_month", "scheme", "scheme_name", "district_code", "district_name"]

[[tests]]
kind = "unique"
columns = ["period_type", "period", "scheme", "district_code"]

[[tests]]
kind = "accepted_values"
column = "period_type"
values = ["month", "quarter", "year"]

[[tests]]
kind = "accepted_values"
column = "scheme"
values = ["enterprise_pension", "institution_pension", "resident_pension", "unemployment", "work_injury"]

[[tests]]
kind = "relationships"
column = "insurance_type"
to = "ref.insurance_schemes"
field = "code"

[[tests]]
kind = "sql"
name = "district_code_in_ref_districts_or_city"
sql = "SELECT * FROM marts.social_insurance WHERE district_code <> '330600' AND district_code NOT IN (SELECT code FROM ref.districts)"

[[tests]]
kind = "expression"
expect = "balance_end IS NULL OR balance_end >= 0"
severity = "warn"          # a fund can legitimately run a deficit (REFERENCE.md 3.2 run-out year): a warning, not an error

[[tests]]
kind = "expression"
expect = "months_of_payment_capacity IS NULL OR months_of_payment_capacity >= 6"
severity = "warn"          # early warning: less than 6 months of payments in reserve (configurable band, REFERENCE.md 3.1.1)

[[tests]]
kind = "expression"
expect = "revenue_total IS NULL OR revenue_total = revenue_contributions + revenue_subsidy + revenue_interest + revenue_other"

[[tests]]
kind = "expression"
expect = "district_code = '330600' OR (revenue_total IS NULL AND balance_end IS NULL)"

[[tests]]
kind = "expression"
expect = "participants IS NULL OR participants >= contributors"

[[tests]]
kind = "expression"
expect = "contributors_paid IS NULL OR (contributors_paid <= contributors AND contributors <= contributors_in_period)"

[[tests]]
kind = "expression"
expect = "contributors_per_retiree IS NULL OR retirees_per_contributor IS NULL OR abs(contributors_per_retiree * retirees_per_contributor - 1) < 0.000001"

[[tests]]
kind = "row_count"
min = 1
max = 100000
*/
WITH
-- The five funds, their code in ref.insurance_schemes / staging.contributions, and where their persons come from.
schemes AS (
    SELECT * FROM (VALUES
        ('enterprise_pension',  '企业职工基本养老保险',     'pension',      'contributions', 'benefit_payments'),
        ('institution_pension', '机关事业单位基本养老保险', 'none',         'none',          'benefit_payments'),
        ('resident_pension',    '城乡居民基本养老保险',     'none',         'none',          'benefit_payments'),
        ('unemployment',        '失业保险',                 'unemployment', 'contributions', 'ui_payments'),
        ('work_injury',         '工伤保险',                 'work_injury',  'contributions', 'benefit_payments')
    ) AS s (scheme, scheme_name, insurance_type, contributor_source, beneficiary_source)
),
-- Person-level rows, once per district and once more for the whole city (330600).
benefit_rows AS (
    SELECT
        period AS month,
        CASE benefit_type
            WHEN 'enterprise_pension' THEN 'enterprise_pension'
            WHEN 'institution_pension' THEN 'institution_pension'
            WHEN 'resident_basic_pension' THEN 'resident_pension'
            WHEN 'work_injury_disability_allowance' THEN 'work_injury'
            WHEN 'survivors_pension' THEN 'work_injury'
        END AS scheme,
        district_code,
        person_id,
        amount,
        coalesce(adjustment, CAST(0 AS DECIMAL(18, 2))) AS adjustment
    FROM staging.benefit_payments
    UNION ALL
    SELECT
        period AS month,
        'unemployment' AS scheme,
        district_code,
        person_id,
        benefit_amount AS amount,
        CAST(0 AS DECIMAL(18, 2)) AS adjustment
    FROM staging.unemployment_insurance_payments
),
benefit AS (
    SELECT month, scheme, district_code, person_id, amount, adjustment FROM benefit_rows
    UNION ALL
    SELECT month, scheme, '330600' AS district_code, person_id, amount, adjustment FROM benefit_rows
),
-- Which months each source covers (a month a source does not hold gives NULL, not 0).
coverage AS (
    SELECT DISTINCT period AS month, 'contributions' AS source FROM marts.contributors_by_scheme WHERE period_type = 'month'
    UNION ALL
    SELECT DISTINCT period AS month, 'benefit_payments' AS source FROM staging.benefit_payments
    UNION ALL
    SELECT DISTINCT period AS month, 'ui_payments' AS source FROM staging.unemployment_insurance_payments
),
-- Period spine: every month of any source, and its quarter and year.
months AS (
    SELECT period AS month FROM staging.fund_ledger
    UNION
    SELECT month FROM coverage
),
month_periods AS (
    SELECT month, 'month' AS period_type, month AS period FROM months
    UNION ALL
    SELECT month, 'quarter' AS period_type,
        concat(substr(month, 1, 4), '-Q', CAST((CAST(substr(month, 6, 2) AS BIGINT) + 2) / 3 AS VARCHAR)) AS period
    FROM months
    UNION ALL
    SELECT month, 'year' AS period_type, substr(month, 1, 4) AS period FROM months
),
periods AS (
    SELECT period_type, period, max(month) AS end_month
    FROM month_periods
    GROUP BY period_type, period
),
places AS (
    SELECT code AS district_code, name_zh AS district_name FROM ref.districts WHERE successor_code IS NULL OR successor_code = ''
    UNION ALL
    SELECT '330600' AS district_code, '绍兴市' AS district_name
),
-- Contributors, counted by the incremental marts.contributors_by_scheme: a new month of the record-level table is
-- counted there once, and this model reads only the counts.
contrib_month AS (
    SELECT period AS month, scheme, district_code, contributors, contributors_paid
    FROM marts.contributors_by_scheme
    WHERE period_type = 'month'
),
contrib_in_period AS (
    SELECT period_type, period, scheme, district_code, contributors_in_period FROM marts.contributors_by_scheme
),
contrib_agg AS (
    SELECT
        p.period_type,
        p.period,
        cip.scheme,
        cip.district_code,
        coalesce(cm.contributors, 0) AS contributors,
        coalesce(cm.contributors_paid, 0) AS contributors_paid,
        cip.contributors_in_period
    FROM contrib_in_period AS cip
    JOIN periods AS p ON p.period_type = cip.period_type AND p.period = cip.period
    LEFT JOIN contrib_month AS cm ON cm.month = p.end_month AND cm.scheme = cip.scheme AND cm.district_code = cip.district_code
),
benefit_agg AS (
    SELECT
        p.period_type,
        p.period,
        b.scheme,
        b.district_code,
        count(DISTINCT CASE WHEN b.month = p.end_month THEN b.person_id END) AS beneficiaries,
        count(DISTINCT b.person_id) AS beneficiaries_in_period,
        sum(b.amount + b.adjustment) AS benefit_amount_paid,
        sum(CASE WHEN b.month = p.end_month THEN b.amount END) AS end_month_amount
    FROM benefit AS b
    JOIN month_periods AS mp ON mp.month = b.month
    JOIN periods AS p ON p.period_type = mp.period_type AND p.period = mp.period
    GROUP BY p.period_type, p.period, b.scheme, b.district_code
),
-- City-wide fund ledger, with the trailing 12 months of expenditure (a RANGE window on a month number, so a
-- missing month shortens the window and the 12-month count below notices it).
ledger AS (
    SELECT
        fund AS scheme,
        period AS month,
        revenue_total,
        revenue_contributions,
        revenue_subsidy,
        revenue_interest,
        revenue_transfer + revenue_other AS revenue_other,
        expenditure_total,
        expenditure_benefits,
        balance_end,
        sum(expenditure_total) OVER trailing_year AS expenditure_trailing_12m,
        count(*) OVER trailing_year AS months_in_window
    FROM staging.fund_ledger
    WINDOW trailing_year AS (
        PARTITION BY fund
        ORDER BY CAST(substr(period, 1, 4) AS BIGINT) * 12 + CAST(substr(period, 6, 2) AS BIGINT)
        RANGE BETWEEN 11 PRECEDING AND CURRENT ROW
    )
),
fund_agg AS (
    SELECT
        p.period_type,
        p.period,
        l.scheme,
        sum(l.revenue_total) AS revenue_total,
        sum(l.revenue_contributions) AS revenue_contributions,
        sum(l.revenue_subsidy) AS revenue_subsidy,
        sum(l.revenue_interest) AS revenue_interest,
        sum(l.revenue_other) AS revenue_other,
        sum(l.expenditure_total) AS expenditure_total,
        sum(l.expenditure_benefits) AS expenditure_benefits,
        max(CASE WHEN l.month = p.end_month THEN l.balance_end END) AS balance_end,
        max(CASE WHEN l.month = p.end_month THEN l.expenditure_trailing_12m END) AS expenditure_trailing_12m,
        max(CASE WHEN l.month = p.end_month THEN l.months_in_window END) AS months_in_window
    FROM ledger AS l
    JOIN month_periods AS mp ON mp.month = l.month
    JOIN periods AS p ON p.period_type = mp.period_type AND p.period = mp.period
    GROUP BY p.period_type, p.period, l.scheme
),
-- Rows: every period x scheme for the city; district rows only for periods whose end month a person-level source covers.
grid AS (
    SELECT p.period_type, p.period, p.end_month, s.scheme, s.scheme_name, s.insurance_type,
           s.contributor_source, s.beneficiary_source, pl.district_code, pl.district_name
    FROM periods AS p
    CROSS JOIN schemes AS s
    CROSS JOIN places AS pl
    WHERE pl.district_code = '330600'
       OR p.end_month IN (SELECT month FROM coverage)
),
measured AS (
    SELECT
        g.*,
        CASE WHEN cc.month IS NOT NULL THEN coalesce(ca.contributors, 0) END AS contributors,
        CASE WHEN cc.month IS NOT NULL THEN coalesce(ca.contributors_paid, 0) END AS contributors_paid,
        CASE WHEN cc.month IS NOT NULL THEN coalesce(ca.contributors_in_period, 0) END AS contributors_in_period,
        CASE WHEN bc.month IS NOT NULL THEN coalesce(ba.beneficiaries, 0) END AS beneficiaries,
        CASE WHEN bc.month IS NOT NULL THEN coalesce(ba.beneficiaries_in_period, 0) END AS beneficiaries_in_period,
        CASE WHEN bc.month IS NOT NULL THEN coalesce(ba.benefit_amount_paid, CAST(0 AS DECIMAL(18, 2))) END AS benefit_amount_paid,
        ba.end_month_amount,
        f.revenue_total,
        f.revenue_contributions,
        f.revenue_subsidy,
        f.revenue_interest,
        f.revenue_other,
        f.expenditure_total,
        f.expenditure_benefits,
        f.balance_end,
        f.expenditure_trailing_12m,
        f.months_in_window
    FROM grid AS g
    LEFT JOIN coverage AS cc ON cc.source = g.contributor_source AND cc.month = g.end_month
    LEFT JOIN coverage AS bc ON bc.source = g.beneficiary_source AND bc.month = g.end_month
    LEFT JOIN contrib_agg AS ca
      ON ca.period_type = g.period_type AND ca.period = g.period AND ca.scheme = g.scheme AND ca.district_code = g.district_code
    LEFT JOIN benefit_agg AS ba
      ON ba.period_type = g.period_type AND ba.period = g.period AND ba.scheme = g.scheme AND ba.district_code = g.district_code
    LEFT JOIN fund_agg AS f
      ON f.period_type = g.period_type AND f.period = g.period AND f.scheme = g.scheme AND g.district_code = '330600'
)
SELECT
    period_type,
    period,
    end_month AS period_end_month,
    scheme,
    scheme_name,
    CASE WHEN insurance_type <> 'none' THEN insurance_type END AS insurance_type,
    district_code,
    district_name,
    contributors,
    contributors_paid,
    contributors_in_period,
    beneficiaries,
    beneficiaries_in_period,
    CASE scheme
        WHEN 'enterprise_pension' THEN contributors + beneficiaries
        WHEN 'unemployment' THEN contributors
        WHEN 'work_injury' THEN contributors
    END AS participants,
    CASE WHEN scheme = 'enterprise_pension' AND beneficiaries > 0
        THEN CAST(contributors AS DOUBLE) / CAST(beneficiaries AS DOUBLE) END AS contributors_per_retiree,
    CASE WHEN scheme = 'enterprise_pension' AND contributors > 0
        THEN CAST(beneficiaries AS DOUBLE) / CAST(contributors AS DOUBLE) END AS retirees_per_contributor,
    benefit_amount_paid,
    CASE WHEN beneficiaries > 0 THEN CAST(end_month_amount AS DOUBLE) / CAST(beneficiaries AS DOUBLE) END AS avg_monthly_benefit,
    revenue_total,
    revenue_contributions,
    revenue_subsidy,
    revenue_interest,
    revenue_other,
    expenditure_total,
    expenditure_benefits,
    revenue_total - expenditure_total AS surplus,
    balance_end,
    expenditure_trailing_12m,
    CASE WHEN months_in_window = 12 AND expenditure_trailing_12m > 0
        THEN CAST(balance_end AS DOUBLE) / (CAST(expenditure_trailing_12m AS DOUBLE) / 12.0) END AS months_of_payment_capacity,
    CASE WHEN expenditure_total > 0
        THEN CAST(revenue_total AS DOUBLE) / CAST(expenditure_total AS DOUBLE) END AS revenue_expenditure_ratio,
    CASE WHEN expenditure_total > 0
        THEN CAST(revenue_contributions AS DOUBLE) / CAST(expenditure_total AS DOUBLE) END AS contribution_coverage_ratio
FROM measured
ORDER BY period_type, period, scheme, district_code
