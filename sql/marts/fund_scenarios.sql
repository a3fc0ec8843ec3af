/*
description = """Fund projection scenarios (基金测算情景): the assumptions of marts.fund_projection, one row per scenario and fund. \
Edit the VALUES below to change an assumption or add a scenario; `hrss build --select fund_scenarios+` rebuilds the projection and the \
early warning. Rates are annual fractions (0.05 = 5%). The figures are planning assumptions, not forecasts: wage growth near Zhejiang's \
recent 5-6% nominal, the yearly pension adjustment (2% in 2025, 3% in 2024, 3.8% in 2023, REFERENCE.md 3.2), retirees growing faster \
than contributors as the population ages, the employer pooled rate of 16% (since 2019) for enterprise pensions, and interest on the \
balance near deposit rates. The enterprise pension fund is pooled nationally since 2022, so a city run-out year is a notional monitoring \
indicator, not a solvency date (REFERENCE.md 3.2)."""
materialized = "table"
tags = ["fund", "early_warning", "projection"]

[columns]
scenario = "baseline, optimistic or pessimistic"
fund = "Fund code of staging.fund_ledger"
contributor_growth = "g_N: annual growth of contributors (paying), fraction"
retiree_growth = "g_P: annual growth of retirees / beneficiaries, fraction"
wage_growth = "g_W: annual growth of the average contribution base (社平工资), fraction"
benefit_indexation = "g_b: annual adjustment of the average benefit (待遇调整), fraction"
contribution_rate = "c: contribution rate into the pooled fund in the projection, fraction of the base"
base_contribution_rate = "The rate in force in the base year; contributions scale by contribution_rate / base_contribution_rate"
interest_rate = "r: return on the balance at the start of the year, fraction"
subsidy_growth = "Annual growth of the fiscal subsidy (财政补贴), fraction"
description = "What the scenario assumes, in words"

[[tests]]
kind = "not_null"
columns = ["scenario", "fund", "contributor_growth", "retiree_growth", "wage_growth", "benefit_indexation", "contribution_rate", "base_contribution_rate", "interest_rate", "subsidy_growth"]

[[tests]]
kind = "unique"
columns = ["scenario", "fund"]

[[tests]]
kind = "accepted_values"
column = "fund"
values = ["enterprise_pension", "institution_pension", "resident_pension", "unemployment", "work_injury"]

[[tests]]
kind = "expression"
expect = "contribution_rate > 0 AND base_contribution_rate > 0 AND interest_rate >= 0 AND interest_rate < 0.2"
*/
SELECT scenario, fund, contributor_growth, retiree_growth, wage_growth, benefit_indexation,
       contribution_rate, base_contribution_rate, interest_rate, subsidy_growth, description
FROM (VALUES
    ('baseline',    'enterprise_pension',  0.010, 0.040, 0.050, 0.025, 0.16,  0.16,  0.020, 0.05, '参保职工年增1%，离退休人员年增4%，社平工资年增5%，养老金年调2.5%，单位费率16%'),
    ('optimistic',  'enterprise_pension',  0.020, 0.035, 0.060, 0.020, 0.16,  0.16,  0.025, 0.06, '参保扩面年增2%，离退休人员年增3.5%，工资年增6%，养老金年调2%'),
    ('pessimistic', 'enterprise_pension',  0.000, 0.050, 0.035, 0.030, 0.16,  0.16,  0.015, 0.03, '参保人数停滞，离退休人员年增5%，工资年增3.5%，养老金年调3%'),
    ('baseline',    'institution_pension', 0.005, 0.035, 0.050, 0.025, 0.16,  0.16,  0.020, 0.05, '机关事业单位编制基本稳定，离退休人员年增3.5%'),
    ('optimistic',  'institution_pension', 0.010, 0.030, 0.060, 0.020, 0.16,  0.16,  0.025, 0.07, '财政补贴年增7%，离退休人员年增3%'),
    ('pessimistic', 'institution_pension', 0.000, 0.045, 0.035, 0.030, 0.16,  0.16,  0.015, 0.03, '财政补贴年增3%，离退休人员年增4.5%'),
    ('baseline',    'resident_pension',    0.000, 0.030, 0.050, 0.040, 1.00,  1.00,  0.020, 0.05, '个人缴费档次随收入提高，领取人数年增3%，基础养老金年调4%'),
    ('optimistic',  'resident_pension',    0.005, 0.025, 0.060, 0.035, 1.00,  1.00,  0.025, 0.06, '缴费人数小幅增长，领取人数年增2.5%'),
    ('pessimistic', 'resident_pension',   -0.010, 0.035, 0.035, 0.050, 1.00,  1.00,  0.015, 0.03, '缴费人数年减1%，基础养老金年调5%'),
    ('baseline',    'unemployment',        0.010, 0.020, 0.050, 0.030, 0.01,  0.01,  0.015, 0.00, '费率1%（单位0.5%+个人0.5%），领取失业保险金人数年增2%'),
    ('optimistic',  'unemployment',        0.020, 0.000, 0.060, 0.025, 0.01,  0.01,  0.020, 0.00, '就业扩大，领金人数持平'),
    ('pessimistic', 'unemployment',        0.000, 0.080, 0.035, 0.040, 0.01,  0.01,  0.010, 0.00, '经济下行，领金人数年增8%'),
    ('baseline',    'work_injury',         0.010, 0.030, 0.050, 0.030, 0.004, 0.004, 0.015, 0.00, '平均费率0.4%，待遇人数年增3%'),
    ('optimistic',  'work_injury',         0.020, 0.020, 0.060, 0.025, 0.004, 0.004, 0.020, 0.00, '安全生产改善，待遇人数年增2%'),
    ('pessimistic', 'work_injury',         0.000, 0.050, 0.035, 0.040, 0.004, 0.004, 0.010, 0.00, '待遇人数年增5%')
) AS s(scenario, fund, contributor_growth, retiree_growth, wage_growth, benefit_indexation,
       contribution_rate, base_contribution_rate, interest_rate, subsidy_growth, description)
ORDER BY fund, scenario
