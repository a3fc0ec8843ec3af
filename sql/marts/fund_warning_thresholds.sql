/*
description = """Early-warning thresholds per fund (基金预警阈值), read by marts.fund_early_warning. Edit the VALUES to change a line. \
REFERENCE.md 3.1 gives these as common practice, not national rules (marked there as unverified memory), and asks for them to be \
configurable: pensions red below 6 months of payment capacity and amber below 12; unemployment insurance red below 12 months (稳岗返还 \
requires 12) and amber below 24 (fee-rate cuts are tied to 24); work injury red below 6 and amber below 9. A fund is also red when the \
baseline projection turns its balance negative within red_run_out_years, amber within amber_run_out_years."""
materialized = "table"
tags = ["fund", "early_warning"]

[columns]
fund = "Fund code of staging.fund_ledger"
red_below_months = "Red when months of payment capacity (可支付月数) are below this, months"
amber_below_months = "Amber when months of payment capacity are below this (and not red), months"
red_run_out_years = "Red when the baseline projection's balance turns negative within this many years of the month's year"
amber_run_out_years = "Amber when it turns negative within this many years"

[[tests]]
kind = "unique"
columns = ["fund"]

[[tests]]
kind = "expression"
expect = "red_below_months < amber_below_months AND red_run_out_years < amber_run_out_years"
*/
SELECT fund, red_below_months, amber_below_months, red_run_out_years, amber_run_out_years
FROM (VALUES
    ('enterprise_pension',  6.0, 12.0, 5, 10),
    ('institution_pension', 6.0, 12.0, 5, 10),
    ('resident_pension',    6.0, 12.0, 5, 10),
    ('unemployment',       12.0, 24.0, 5, 10),
    ('work_injury',         6.0,  9.0, 5, 10)
) AS t(fund, red_below_months, amber_below_months, red_run_out_years, amber_run_out_years)
ORDER BY fund
