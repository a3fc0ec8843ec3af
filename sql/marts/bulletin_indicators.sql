/*
description = """Annual statistical bulletin indicators (人力资源和社会保障事业发展统计公报指标), city-wide (绍兴市, 330600): one row per \
year and indicator, in the bulletin's order (REFERENCE.md section 1: employment 1.1 -> social insurance 1.2 -> talent 1.3 -> wages 1.4 -> \
labour relations 1.5 -> HR market 1.6), each value in the unit the bulletin prints it in (万人, 亿元, 元, %, 倍, 月, 件, 人, 万元), with the \
previous year's value and the change. \
Reads the other marts at period_type = 'year' and district_code = '330600' (and their all-category rows: industry_section '_all', \
talent_tier/field '_all', dimension 'all'): marts.employment, marts.social_insurance, marts.unemployment_insurance, marts.talent, \
marts.wages, marts.arbitration, marts.wage_arrears, marts.hr_market. \
A row exists where the indicator has a value for the year (NULL upstream values are left out, e.g. the years before 2025 of the \
demo hold only the fund indicators); the sql test all_indicators_in_latest_year warns when the latest year lacks one. \
Conversions: 万人 = persons / 10,000; 亿元 = yuan / 100,000,000; 万元 = yuan / 10,000; % = fraction x 100; 倍 and 月 as computed upstream. \
change = value - previous_value, in the indicator's unit (percentage points for %); change_pct = change / previous_value x 100, in \
percent, and NULL for the units %, 倍 and 月 (rates, ratios and months of payment capacity: a percent change of a rate is not \
what a bulletin prints; it says 'up 0.2 percentage points' or 'down 0.3 months', which is change) and where previous_value is NULL \
or 0. The 2025 demo data are a 10% sample for the person counts but city-scale for the fund ledger."""
materialized = "table"
tags = ["bulletin"]

[columns]
year = "Bulletin year, BIGINT"
indicator_code = "Stable snake_case code of the indicator (e.g. new_urban_jobs, enterprise_pension_dependency_ratio)"
name_zh = "指标名称: the indicator's Chinese name as the bulletin prints it"
name_en = "Indicator name in English"
unit = "Unit of value, previous_value and change: 万人, 亿元, 万元, 元, %, 倍, 月, 件 or 人"
value = "Value of the year in the stated unit (DOUBLE); formula and source per indicator: see the indicators CTE comments of the query (each line names the mart column it reads)"
previous_value = "The same indicator's value for year - 1, in the same unit; NULL when that year has no value"
change = "value - previous_value, in the stated unit (percentage points for %); NULL without previous_value"
change_pct = "(value - previous_value) / previous_value x 100, percent (5.2 = +5.2%); NULL for units %, 倍 and 月 (rates and ratios: use change), and when previous_value is NULL or 0"
section = "Bulletin section: employment, social_insurance, talent, wages, labour_relations or market (REFERENCE.md 1.1-1.6)"
sort_order = "Position in the bulletin: section number x 100 + item (101 = first employment indicator ... 603 = 求人倍率)"

[[tests]]
kind = "not_null"
columns = ["year", "indicator_code", "name_zh", "name_en", "unit", "value", "section", "sort_order"]

[[tests]]
kind = "unique"
columns = ["year", "indicator_code"]

[[tests]]
kind = "accepted_values"
column = "section"
values = ["employment", "social_insurance", "talent", "wages", "labour_relations", "market"]

[[tests]]
kind = "accepted_values"
column = "unit"
values = ["万人", "亿元", "万元", "元", "%", "倍", "月", "件", "人"]

[[tests]]
kind = "sql"
name = "all_indicators_in_latest_year"
severity = "warn"          # 53 = the size of the catalog CTE; update it with the catalog
sql = "SELECT year, count(*) AS indicators FROM marts.bulletin_indicators WHERE year = (SELECT max(year) FROM marts.bulletin_indicators) GROUP BY year HAVING count(*) < 53"

[[tests]]
kind = "expression"
expect = "unit NOT IN ('%', '倍', '月') OR change_pct IS NULL"

[[tests]]
kind = "expression"
expect = "previous_value IS NULL OR abs(change - (value - previous_value)) < 0.000001"

[[tests]]
kind = "expression"
expect = "unit <> '%' OR value BETWEEN 0 AND 100"

[[tests]]
kind = "expression"
expect = "value >= 0"
severity = "warn"          # a fund balance can legitimately turn negative (REFERENCE.md 3.2)

[[tests]]
kind = "row_count"
min = 1
max = 100000
*/
WITH
-- The indicators, in bulletin order (REFERENCE.md section 1; the item in brackets).
catalog AS (
    SELECT * FROM (VALUES
        -- 1.1 劳动就业
        ('new_urban_jobs',                        '城镇新增就业人数',                       'New urban jobs',                                          '万人', 'employment',       101),
        ('reemployed_unemployed',                 '城镇失业人员再就业人数',                 'Re-employment of urban unemployed persons',               '万人', 'employment',       102),
        ('hard_to_employ_placed',                 '就业困难人员就业人数',                   'Employment of hard-to-employ persons',                    '万人', 'employment',       103),
        ('registered_unemployed_year_end',        '年末城镇登记失业人数',                   'Registered urban unemployed, year-end',                   '万人', 'employment',       104),
        ('registered_unemployment_rate',          '城镇登记失业率',                         'Registered urban unemployment rate',                      '%',    'employment',       105),
        -- 1.2 社会保险
        ('enterprise_pension_participants',       '企业职工基本养老保险参保人数',           'Enterprise employees'' basic pension participants',       '万人', 'social_insurance', 201),
        ('enterprise_pension_contributors',       '其中：参保职工',                         'of which contributing workers',                           '万人', 'social_insurance', 202),
        ('enterprise_pension_retirees',           '其中：参保离退休人员',                   'of which retirees',                                       '万人', 'social_insurance', 203),
        ('institution_pension_retirees',          '机关事业单位基本养老保险离退休人员',     'Public-institution pension: retirees',                    '万人', 'social_insurance', 204),
        ('resident_pension_recipients',           '城乡居民基本养老保险领取待遇人数',       'Resident pension: persons receiving benefits',            '万人', 'social_insurance', 205),
        ('basic_pension_fund_revenue',            '基本养老保险基金收入',                   'Basic pension funds: revenue',                            '亿元', 'social_insurance', 206),
        ('basic_pension_fund_expenditure',        '基本养老保险基金支出',                   'Basic pension funds: expenditure',                        '亿元', 'social_insurance', 207),
        ('basic_pension_fund_balance',            '基本养老保险基金累计结存',               'Basic pension funds: accumulated balance',                '亿元', 'social_insurance', 208),
        ('enterprise_pension_fund_revenue',       '企业职工基本养老保险基金收入',           'Enterprise pension fund: revenue',                        '亿元', 'social_insurance', 209),
        ('enterprise_pension_fund_contributions', '其中：征缴收入',                         'of which contribution income',                            '亿元', 'social_insurance', 210),
        ('enterprise_pension_fund_subsidy',       '其中：财政补贴',                         'of which fiscal subsidy',                                 '亿元', 'social_insurance', 211),
        ('enterprise_pension_fund_expenditure',   '企业职工基本养老保险基金支出',           'Enterprise pension fund: expenditure',                    '亿元', 'social_insurance', 212),
        ('enterprise_pension_fund_balance',       '企业职工基本养老保险基金累计结存',       'Enterprise pension fund: accumulated balance',            '亿元', 'social_insurance', 213),
        ('three_funds_revenue',                   '三项社会保险基金收入合计',               'Pension, unemployment and work-injury funds: revenue',    '亿元', 'social_insurance', 214),
        ('three_funds_expenditure',               '三项社会保险基金支出合计',               'Pension, unemployment and work-injury funds: expenditure','亿元', 'social_insurance', 215),
        ('three_funds_balance',                   '三项社会保险基金累计结存合计',           'Pension, unemployment and work-injury funds: balance',    '亿元', 'social_insurance', 216),
        ('enterprise_pension_months_payable',     '企业职工基本养老保险基金可支付月数',     'Enterprise pension fund: months of payment capacity',     '月',   'social_insurance', 217),
        ('enterprise_pension_dependency_ratio',   '企业职工基本养老保险制度抚养比',         'Enterprise pension: system dependency ratio (contributors per retiree)', '倍', 'social_insurance', 218),
        ('unemployment_insurance_participants',   '失业保险参保人数',                       'Unemployment insurance participants',                     '万人', 'social_insurance', 219),
        ('unemployment_benefit_recipients_year_end', '年末领取失业保险金人数',              'Unemployment benefit recipients, year-end',               '万人', 'social_insurance', 220),
        ('unemployment_benefit_recipients_in_year', '全年领取失业保险金人数',               'Unemployment benefit recipients during the year',         '万人', 'social_insurance', 221),
        ('unemployment_benefit_avg_monthly',      '失业保险金月人均水平',                   'Average monthly unemployment benefit',                    '元',   'social_insurance', 222),
        ('unemployment_fund_revenue',             '失业保险基金收入',                       'Unemployment insurance fund: revenue',                    '亿元', 'social_insurance', 223),
        ('unemployment_fund_expenditure',         '失业保险基金支出',                       'Unemployment insurance fund: expenditure',                '亿元', 'social_insurance', 224),
        ('unemployment_fund_balance',             '失业保险基金累计结存',                   'Unemployment insurance fund: accumulated balance',        '亿元', 'social_insurance', 225),
        ('unemployment_fund_months_payable',      '失业保险基金可支付月数',                 'Unemployment insurance fund: months of payment capacity', '月',   'social_insurance', 226),
        ('work_injury_participants',              '工伤保险参保人数',                       'Work-injury insurance participants',                      '万人', 'social_insurance', 227),
        ('work_injury_beneficiaries',             '享受工伤保险待遇人数',                   'Work-injury insurance beneficiaries during the year',     '万人', 'social_insurance', 228),
        ('work_injury_fund_revenue',              '工伤保险基金收入',                       'Work-injury insurance fund: revenue',                     '亿元', 'social_insurance', 229),
        ('work_injury_fund_expenditure',          '工伤保险基金支出',                       'Work-injury insurance fund: expenditure',                 '亿元', 'social_insurance', 230),
        ('work_injury_fund_balance',              '工伤保险基金累计结存',                   'Work-injury insurance fund: accumulated balance',         '亿元', 'social_insurance', 231),
        ('work_injury_fund_months_payable',       '工伤保险基金可支付月数',                 'Work-injury insurance fund: months of payment capacity',  '月',   'social_insurance', 232),
        -- 1.3 人才人事
        ('high_level_talent_introduced',          '引进高层次人才',                         'High-level talent introduced',                            '人',   'talent',           301),
        ('talent_subsidy',                        '高层次人才补贴金额',                     'Subsidies granted to introduced talent',                  '万元', 'talent',           302),
        -- 1.4 工资收入
        ('avg_wage_non_private',                  '城镇非私营单位就业人员年平均工资',       'Average annual wage, urban non-private units',            '元',   'wages',            401),
        ('avg_wage_private',                      '城镇私营单位就业人员年平均工资',         'Average annual wage, urban private units',                '元',   'wages',            402),
        ('min_wage_monthly',                      '月最低工资标准',                         'Minimum wage, monthly',                                   '元',   'wages',            403),
        -- 1.5 劳动关系
        ('arbitration_cases_accepted',            '劳动人事争议仲裁立案受理案件数',         'Labour dispute arbitration: cases accepted',              '件',   'labour_relations', 501),
        ('arbitration_workers_involved',          '涉及劳动者人数',                         'Workers involved in the cases accepted',                  '人',   'labour_relations', 502),
        ('arbitration_cases_closed',              '仲裁审结案件数',                         'Labour dispute arbitration: cases closed',                '件',   'labour_relations', 503),
        ('arbitration_closure_rate',              '仲裁结案率',                             'Arbitration case-closing rate',                           '%',    'labour_relations', 504),
        ('arbitration_mediation_rate',            '调解成功率',                             'Mediation success rate',                                  '%',    'labour_relations', 505),
        ('wage_arrears_cases',                    '拖欠农民工工资案件数',                   'Migrant-worker wage-arrears cases opened',                '件',   'labour_relations', 506),
        ('wage_arrears_workers',                  '拖欠工资涉及劳动者人数',                 'Workers owed wages in the cases opened',                  '人',   'labour_relations', 507),
        ('wage_arrears_amount_recovered',         '为劳动者追发工资',                       'Wages recovered for workers',                             '万元', 'labour_relations', 508),
        -- 1.6 人力资源市场供求
        ('pes_vacancies',                         '公共就业服务机构需求人数',               'Vacancies posted through public employment services',     '万人', 'market',           601),
        ('pes_job_seekers',                       '公共就业服务机构求职人数',               'Job seekers registered with public employment services',  '万人', 'market',           602),
        ('vacancy_seeker_ratio',                  '求人倍率',                               'Vacancy-to-job-seeker ratio',                             '倍',   'market',           603)
    ) AS c (indicator_code, name_zh, name_en, unit, section, sort_order)
),
emp AS (SELECT CAST(period AS BIGINT) AS year, * FROM marts.employment WHERE period_type = 'year' AND district_code = '330600'),
si AS (SELECT CAST(period AS BIGINT) AS year, * FROM marts.social_insurance WHERE period_type = 'year' AND district_code = '330600'),
ui AS (SELECT CAST(period AS BIGINT) AS year, * FROM marts.unemployment_insurance WHERE period_type = 'year' AND district_code = '330600'),
tal AS (
    SELECT CAST(period AS BIGINT) AS year, * FROM marts.talent
    WHERE period_type = 'year' AND district_code = '330600' AND talent_tier = '_all' AND field = '_all'
),
wag AS (SELECT CAST(period AS BIGINT) AS year, * FROM marts.wages WHERE period_type = 'year' AND district_code = '330600' AND industry_section = '_all'),
arb AS (SELECT CAST(period AS BIGINT) AS year, * FROM marts.arbitration WHERE period_type = 'year' AND district_code = '330600'),
arr AS (SELECT CAST(period AS BIGINT) AS year, * FROM marts.wage_arrears WHERE period_type = 'year' AND district_code = '330600' AND industry_section = '_all'),
mkt AS (
    SELECT CAST(period AS BIGINT) AS year, * FROM marts.hr_market
    WHERE period_type = 'year' AND district_code = '330600' AND dimension = 'all' AND category_code = '_all'
),
-- Pension funds summed over the three pension schemes and the three insurances (pension + unemployment + work injury
-- = all five funds); a total only when every fund has the year.
fund_totals AS (
    SELECT
        year,
        CASE WHEN count(revenue_total) FILTER (WHERE scheme IN ('enterprise_pension', 'institution_pension', 'resident_pension')) = 3
            THEN sum(CAST(revenue_total AS DOUBLE)) FILTER (WHERE scheme IN ('enterprise_pension', 'institution_pension', 'resident_pension')) END AS pension_revenue,
        CASE WHEN count(expenditure_total) FILTER (WHERE scheme IN ('enterprise_pension', 'institution_pension', 'resident_pension')) = 3
            THEN sum(CAST(expenditure_total AS DOUBLE)) FILTER (WHERE scheme IN ('enterprise_pension', 'institution_pension', 'resident_pension')) END AS pension_expenditure,
        CASE WHEN count(balance_end) FILTER (WHERE scheme IN ('enterprise_pension', 'institution_pension', 'resident_pension')) = 3
            THEN sum(CAST(balance_end AS DOUBLE)) FILTER (WHERE scheme IN ('enterprise_pension', 'institution_pension', 'resident_pension')) END AS pension_balance,
        CASE WHEN count(revenue_total) = 5 THEN sum(CAST(revenue_total AS DOUBLE)) END AS all_revenue,
        CASE WHEN count(expenditure_total) = 5 THEN sum(CAST(expenditure_total AS DOUBLE)) END AS all_expenditure,
        CASE WHEN count(balance_end) = 5 THEN sum(CAST(balance_end AS DOUBLE)) END AS all_balance
    FROM si
    GROUP BY year
),
indicators AS (
    -- 1.1 employment (marts.employment): flows summed over the year, the stock and the rate at year end
    SELECT year, 'new_urban_jobs' AS indicator_code, CAST(new_urban_jobs AS DOUBLE) / 10000.0 AS value FROM emp
    UNION ALL SELECT year, 'reemployed_unemployed', CAST(reemployed AS DOUBLE) / 10000.0 FROM emp
    UNION ALL SELECT year, 'hard_to_employ_placed', CAST(hard_to_employ_placed AS DOUBLE) / 10000.0 FROM emp
    UNION ALL SELECT year, 'registered_unemployed_year_end', CAST(registered_unemployed_end AS DOUBLE) / 10000.0 FROM emp
    -- 期末登记失业人数 / (期末城镇从业人员 + 期末登记失业人数) x 100
    UNION ALL SELECT year, 'registered_unemployment_rate', registered_unemployment_rate * 100.0 FROM emp
    -- 1.2 social insurance (marts.social_insurance: December stocks, year flows)
    UNION ALL SELECT year, 'enterprise_pension_participants', CAST(participants AS DOUBLE) / 10000.0 FROM si WHERE scheme = 'enterprise_pension'
    UNION ALL SELECT year, 'enterprise_pension_contributors', CAST(contributors AS DOUBLE) / 10000.0 FROM si WHERE scheme = 'enterprise_pension'
    UNION ALL SELECT year, 'enterprise_pension_retirees', CAST(beneficiaries AS DOUBLE) / 10000.0 FROM si WHERE scheme = 'enterprise_pension'
    UNION ALL SELECT year, 'institution_pension_retirees', CAST(beneficiaries AS DOUBLE) / 10000.0 FROM si WHERE scheme = 'institution_pension'
    UNION ALL SELECT year, 'resident_pension_recipients', CAST(beneficiaries AS DOUBLE) / 10000.0 FROM si WHERE scheme = 'resident_pension'
    UNION ALL SELECT year, 'basic_pension_fund_revenue', pension_revenue / 100000000.0 FROM fund_totals
    UNION ALL SELECT year, 'basic_pension_fund_expenditure', pension_expenditure / 100000000.0 FROM fund_totals
    UNION ALL SELECT year, 'basic_pension_fund_balance', pension_balance / 100000000.0 FROM fund_totals
    UNION ALL SELECT year, 'enterprise_pension_fund_revenue', CAST(revenue_total AS DOUBLE) / 100000000.0 FROM si WHERE scheme = 'enterprise_pension'
    UNION ALL SELECT year, 'enterprise_pension_fund_contributions', CAST(revenue_contributions AS DOUBLE) / 100000000.0 FROM si WHERE scheme = 'enterprise_pension'
    UNION ALL SELECT year, 'enterprise_pension_fund_subsidy', CAST(revenue_subsidy AS DOUBLE) / 100000000.0 FROM si WHERE scheme = 'enterprise_pension'
    UNION ALL SELECT year, 'enterprise_pension_fund_expenditure', CAST(expenditure_total AS DOUBLE) / 100000000.0 FROM si WHERE scheme = 'enterprise_pension'
    UNION ALL SELECT year, 'enterprise_pension_fund_balance', CAST(balance_end AS DOUBLE) / 100000000.0 FROM si WHERE scheme = 'enterprise_pension'
    UNION ALL SELECT year, 'three_funds_revenue', all_revenue / 100000000.0 FROM fund_totals
    UNION ALL SELECT year, 'three_funds_expenditure', all_expenditure / 100000000.0 FROM fund_totals
    UNION ALL SELECT year, 'three_funds_balance', all_balance / 100000000.0 FROM fund_totals
    -- 累计结余 / (当年基金支出 / 12)
    UNION ALL SELECT year, 'enterprise_pension_months_payable', months_of_payment_capacity FROM si WHERE scheme = 'enterprise_pension'
    -- 参保职工人数 / 离退休人数 (contributors per retiree)
    UNION ALL SELECT year, 'enterprise_pension_dependency_ratio', contributors_per_retiree FROM si WHERE scheme = 'enterprise_pension'
    UNION ALL SELECT year, 'unemployment_insurance_participants', CAST(participants AS DOUBLE) / 10000.0 FROM si WHERE scheme = 'unemployment'
    -- unemployment benefits and fund (marts.unemployment_insurance)
    UNION ALL SELECT year, 'unemployment_benefit_recipients_year_end', CAST(beneficiaries_end AS DOUBLE) / 10000.0 FROM ui
    UNION ALL SELECT year, 'unemployment_benefit_recipients_in_year', CAST(beneficiaries AS DOUBLE) / 10000.0 FROM ui
    UNION ALL SELECT year, 'unemployment_benefit_avg_monthly', avg_monthly_benefit FROM ui
    UNION ALL SELECT year, 'unemployment_fund_revenue', CAST(fund_revenue AS DOUBLE) / 100000000.0 FROM ui
    UNION ALL SELECT year, 'unemployment_fund_expenditure', CAST(fund_expenditure AS DOUBLE) / 100000000.0 FROM ui
    UNION ALL SELECT year, 'unemployment_fund_balance', CAST(fund_balance_end AS DOUBLE) / 100000000.0 FROM ui
    UNION ALL SELECT year, 'unemployment_fund_months_payable', months_of_payment_capacity FROM si WHERE scheme = 'unemployment'
    UNION ALL SELECT year, 'work_injury_participants', CAST(participants AS DOUBLE) / 10000.0 FROM si WHERE scheme = 'work_injury'
    UNION ALL SELECT year, 'work_injury_beneficiaries', CAST(beneficiaries_in_period AS DOUBLE) / 10000.0 FROM si WHERE scheme = 'work_injury'
    UNION ALL SELECT year, 'work_injury_fund_revenue', CAST(revenue_total AS DOUBLE) / 100000000.0 FROM si WHERE scheme = 'work_injury'
    UNION ALL SELECT year, 'work_injury_fund_expenditure', CAST(expenditure_total AS DOUBLE) / 100000000.0 FROM si WHERE scheme = 'work_injury'
    UNION ALL SELECT year, 'work_injury_fund_balance', CAST(balance_end AS DOUBLE) / 100000000.0 FROM si WHERE scheme = 'work_injury'
    UNION ALL SELECT year, 'work_injury_fund_months_payable', months_of_payment_capacity FROM si WHERE scheme = 'work_injury'
    -- 1.3 talent (marts.talent, all tiers and fields)
    UNION ALL SELECT year, 'high_level_talent_introduced', CAST(introductions AS DOUBLE) FROM tal
    UNION ALL SELECT year, 'talent_subsidy', CAST(subsidy_total AS DOUBLE) / 10000.0 FROM tal
    -- 1.4 wages (marts.wages, all industries): 工资总额 / 平均就业人数
    UNION ALL SELECT year, 'avg_wage_non_private', avg_wage_non_private FROM wag
    UNION ALL SELECT year, 'avg_wage_private', avg_wage_private FROM wag
    UNION ALL SELECT year, 'min_wage_monthly', CAST(min_wage_monthly AS DOUBLE) FROM wag
    -- 1.5 labour relations (marts.arbitration; marts.wage_arrears, all industries)
    UNION ALL SELECT year, 'arbitration_cases_accepted', CAST(cases_accepted AS DOUBLE) FROM arb
    UNION ALL SELECT year, 'arbitration_workers_involved', CAST(workers_involved AS DOUBLE) FROM arb
    UNION ALL SELECT year, 'arbitration_cases_closed', CAST(cases_closed AS DOUBLE) FROM arb
    -- 审结 / (立案受理 + 上期未结) x 100
    UNION ALL SELECT year, 'arbitration_closure_rate', closure_rate * 100.0 FROM arb
    -- 调解结案 / 审结 x 100
    UNION ALL SELECT year, 'arbitration_mediation_rate', mediation_rate * 100.0 FROM arb
    UNION ALL SELECT year, 'wage_arrears_cases', CAST(cases_opened AS DOUBLE) FROM arr
    UNION ALL SELECT year, 'wage_arrears_workers', CAST(workers_affected AS DOUBLE) FROM arr
    UNION ALL SELECT year, 'wage_arrears_amount_recovered', CAST(amount_recovered AS DOUBLE) / 10000.0 FROM arr
    -- 1.6 market (marts.hr_market, whole market): 需求人数 / 求职人数
    UNION ALL SELECT year, 'pes_vacancies', CAST(vacancies AS DOUBLE) / 10000.0 FROM mkt
    UNION ALL SELECT year, 'pes_job_seekers', CAST(job_seekers AS DOUBLE) / 10000.0 FROM mkt
    UNION ALL SELECT year, 'vacancy_seeker_ratio', vacancy_seeker_ratio FROM mkt
),
known AS (
    SELECT year, indicator_code, value FROM indicators WHERE value IS NOT NULL
)
SELECT
    k.year,
    k.indicator_code,
    c.name_zh,
    c.name_en,
    c.unit,
    k.value,
    p.value AS previous_value,
    k.value - p.value AS change,
    CASE WHEN c.unit NOT IN ('%', '倍', '月') AND p.value <> 0
        THEN (k.value - p.value) / p.value * 100.0 END AS change_pct,
    c.section,
    CAST(c.sort_order AS BIGINT) AS sort_order
FROM known AS k
JOIN catalog AS c ON c.indicator_code = k.indicator_code
LEFT JOIN known AS p ON p.indicator_code = k.indicator_code AND p.year = k.year - 1
ORDER BY k.year, sort_order
