/*
description = """Yearly projection of each social-insurance fund under each scenario of marts.fund_scenarios (基金收支测算): \
revenue, expenditure, balance, months of payment capacity, dependency ratio, and the first year the balance would go negative, \
for the 30 years after the base year. The recursion is REFERENCE.md 3.2's, calibrated on the base year so that per-capita \
magnitudes need not be known: contributions C_t = C_{t-1} (1 + g_N)(1 + g_W), times contribution_rate / base_contribution_rate in the \
first projected year; subsidy S_t = S_{t-1} (1 + subsidy_growth); other revenue (transfers) held at the base year's; interest \
I_t = r B_{t-1}; expenditure E_t = E_{t-1} (1 + g_P)(1 + g_b); R_t = C_t + S_t + I_t + other; B_t = B_{t-1} + R_t - E_t; \
M_t = B_t / (E_t / 12); contributors N_t = N_{t-1} (1 + g_N) and retirees P_t = P_{t-1} (1 + g_P) where the base year has them. \
The base year is the latest complete year (12 months) of the fund ledger, taken from marts.social_insurance's city row. \
For the enterprise pension fund, pooled nationally since 2022, the run-out year is a notional monitoring indicator (REFERENCE.md 3.2)."""
materialized = "table"
tags = ["fund", "early_warning", "projection", "forecast"]

[columns]
scenario = "Scenario of marts.fund_scenarios"
fund = "Fund code"
base_year = "The last actual year the projection starts from"
year = "Projected year (base_year + 1 .. base_year + 30)"
contributors = "N_t: projected contributors, persons (NULL when the base year has none for the fund)"
retirees = "P_t: projected retirees / beneficiaries, persons (NULL when the base year has none)"
revenue_contributions = "C_t: contribution income, yuan"
revenue_subsidy = "S_t: fiscal subsidy, yuan"
revenue_interest = "I_t = interest_rate x B_{t-1}, yuan"
revenue_other = "Transfers and other revenue, held at the base year's, yuan"
revenue_total = "R_t = C_t + S_t + I_t + other, yuan"
expenditure_total = "E_t, yuan"
surplus = "R_t - E_t, yuan"
balance_end = "B_t = B_{t-1} + R_t - E_t, yuan (may go negative: the gap the fund could not pay)"
months_of_payment_capacity = "M_t = B_t / (E_t / 12), months"
contributors_per_retiree = "N_t / P_t (制度抚养比), ratio; NULL without both"
first_negative_year = "First projected year with B_t < 0 for this scenario and fund; NULL if none within 30 years"

[[tests]]
kind = "not_null"
columns = ["scenario", "fund", "base_year", "year", "revenue_total", "expenditure_total", "balance_end"]

[[tests]]
kind = "unique"
columns = ["scenario", "fund", "year"]

[[tests]]
kind = "row_count"
min = 1

[[tests]]
kind = "sql"
name = "thirty_years_per_scenario_and_fund"
sql = "SELECT scenario, fund FROM marts.fund_projection GROUP BY scenario, fund HAVING count(*) <> 30 OR max(year) - min(year) <> 29"

[[tests]]
kind = "sql"
name = "balance_follows_its_flows"
sql = """
SELECT p.scenario, p.fund, p.year FROM marts.fund_projection p
JOIN marts.fund_projection q ON q.scenario = p.scenario AND q.fund = p.fund AND q.year = p.year - 1
WHERE abs(p.balance_end - (q.balance_end + p.revenue_total - p.expenditure_total)) > 1
"""
*/
WITH RECURSIVE
base AS (
    SELECT
        s.scheme AS fund,
        CAST(s.period AS BIGINT) AS base_year,
        CAST(s.contributors AS DOUBLE) AS contributors,
        CAST(s.beneficiaries AS DOUBLE) AS retirees,
        CAST(s.revenue_contributions AS DOUBLE) AS revenue_contributions,
        CAST(s.revenue_subsidy AS DOUBLE) AS revenue_subsidy,
        CAST(s.revenue_other AS DOUBLE) AS revenue_other,
        CAST(s.expenditure_total AS DOUBLE) AS expenditure_total,
        CAST(s.balance_end AS DOUBLE) AS balance_end
    FROM marts.social_insurance AS s
    JOIN (
        -- The latest year whose twelve months are all in the ledger, per fund.
        SELECT fund, max(year) AS year FROM (
            SELECT fund, substr(period, 1, 4) AS year FROM marts.fund_monthly GROUP BY fund, substr(period, 1, 4) HAVING count(*) = 12
        ) GROUP BY fund
    ) AS complete ON complete.fund = s.scheme AND complete.year = s.period
    WHERE s.period_type = 'year' AND s.district_code = '330600'
),
projection AS (
    SELECT
        sc.scenario, b.fund, b.base_year, b.base_year AS year,
        b.contributors, b.retirees, b.revenue_contributions, b.revenue_subsidy, CAST(0 AS DOUBLE) AS revenue_interest,
        b.revenue_other, b.expenditure_total, b.balance_end
    FROM base AS b JOIN marts.fund_scenarios AS sc ON sc.fund = b.fund
    UNION ALL
    SELECT
        p.scenario, p.fund, p.base_year, p.year + 1,
        p.contributors * (1 + sc.contributor_growth),
        p.retirees * (1 + sc.retiree_growth),
        p.revenue_contributions * (1 + sc.contributor_growth) * (1 + sc.wage_growth)
            * CASE WHEN p.year = p.base_year THEN sc.contribution_rate / sc.base_contribution_rate ELSE 1 END,
        p.revenue_subsidy * (1 + sc.subsidy_growth),
        sc.interest_rate * p.balance_end,
        p.revenue_other,
        p.expenditure_total * (1 + sc.retiree_growth) * (1 + sc.benefit_indexation),
        p.balance_end
            + p.revenue_contributions * (1 + sc.contributor_growth) * (1 + sc.wage_growth)
                * CASE WHEN p.year = p.base_year THEN sc.contribution_rate / sc.base_contribution_rate ELSE 1 END
            + p.revenue_subsidy * (1 + sc.subsidy_growth)
            + sc.interest_rate * p.balance_end
            + p.revenue_other
            - p.expenditure_total * (1 + sc.retiree_growth) * (1 + sc.benefit_indexation)
    FROM projection AS p JOIN marts.fund_scenarios AS sc ON sc.scenario = p.scenario AND sc.fund = p.fund
    WHERE p.year < p.base_year + 30
),
projected AS (
    SELECT
        scenario, fund, base_year, year, contributors, retirees, revenue_contributions, revenue_subsidy, revenue_interest, revenue_other,
        revenue_contributions + revenue_subsidy + revenue_interest + revenue_other AS revenue_total,
        expenditure_total, balance_end
    FROM projection
    WHERE year > base_year
)
SELECT
    scenario, fund, base_year, year,
    contributors, retirees,
    revenue_contributions, revenue_subsidy, revenue_interest, revenue_other, revenue_total,
    expenditure_total,
    revenue_total - expenditure_total AS surplus,
    balance_end,
    balance_end / (expenditure_total / 12) AS months_of_payment_capacity,
    CASE WHEN retirees > 0 THEN contributors / retirees END AS contributors_per_retiree,
    min(CASE WHEN balance_end < 0 THEN year END) OVER (PARTITION BY scenario, fund) AS first_negative_year
FROM projected
ORDER BY fund, scenario, year
