//! The monthly ledgers of the five social-insurance funds, as the fund office sends them: one workbook, a sheet
//! per fund, amounts in 万元, a title row and a unit line above a two-row merged header, a total row and a
//! signature line below. Aggregates at the city's real magnitude: not scaled with the run.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{Workbook, XlsxError};

use crate::common::{header_two_rows, save, signature, title, workbook, write_row, Cell, Formats, Tally};
use crate::{GenerateError, GeneratedFile, Result};

pub const FUND_LEDGER_FILE: &str = "社会保险基金月度收支表_2016-2025.xlsx";

const COLUMNS: &[(&str, &[&str])] = &[
    ("年月", &[]),
    ("基金收入", &["合计", "征缴收入", "财政补贴收入", "利息收入", "转移收入", "其他收入"]),
    ("基金支出", &["合计", "待遇支出", "转移支出", "其他支出"]),
    ("期末累计结余", &[]),
];
const FIRST_YEAR: i32 = 2016;
const LAST_YEAR: i32 = 2025;

/// A month's flows in 万元, before rounding: revenue parts then expenditure parts.
#[derive(Debug)]
struct Flows {
    contributions: f64,
    subsidy: f64,
    interest: f64,
    transfer_in: f64,
    other_in: f64,
    benefits: f64,
    transfer_out: f64,
    other_out: f64,
}

/// A fund: its sheet, its balance at the end of 2015 (万元), and its month's flows given the years since 2016,
/// the month, the balance before the month (万元) and a noise factor source.
struct Fund {
    sheet: &'static str,
    opening: f64,
    month: fn(t: i32, month: u32, balance: f64, noise: &mut dyn FnMut() -> f64) -> Flows,
}

const FUNDS: [Fund; 5] = [
    // Revenue grows about 5% a year and benefits about 8%: the narrowing gap early warning is meant to catch.
    Fund { sheet: "企业职工基本养老保险", opening: 2_860_000.0, month: enterprise_pension },
    // Contributions cover about half of the pensions; the budget subsidy keeps about 2.5 months in reserve.
    Fund { sheet: "机关事业单位基本养老保险", opening: 90_000.0, month: institution_pension },
    // Mostly the basic pension paid by governments; contributions are paid once a year, mostly in spring.
    Fund { sheet: "城乡居民基本养老保险", opening: 320_000.0, month: resident_pension },
    // Holds 24-30 months of payments; 2020 brought fee relief, more claims and job-retention refunds.
    Fund { sheet: "失业保险", opening: 150_000.0, month: unemployment },
    // Holds 12-20 months of payments; benefits grow faster than contributions.
    Fund { sheet: "工伤保险", opening: 50_000.0, month: work_injury },
];

fn enterprise_pension(t: i32, month: u32, balance: f64, noise: &mut dyn FnMut() -> f64) -> Flows {
    let season = match month {
        12 => 1.12,
        1 => 0.93,
        _ => 1.0,
    };
    Flows {
        contributions: 205_000.0 * 1.05f64.powi(t) * season * noise(),
        subsidy: 18_000.0 * 1.04f64.powi(t) * noise(),
        interest: balance * 0.025 / 12.0, // 2.5% a year on the balance
        transfer_in: 6_500.0 * noise(),
        other_in: 800.0 * noise(),
        benefits: 158_000.0 * 1.08f64.powi(t) * noise(),
        transfer_out: 24_000.0 * 1.03f64.powi(t) * noise(),
        other_out: 600.0 * noise(),
    }
}

fn institution_pension(t: i32, _month: u32, balance: f64, noise: &mut dyn FnMut() -> f64) -> Flows {
    let mut flows = Flows {
        contributions: 16_000.0 * 1.04f64.powi(t) * noise(),
        interest: balance * 0.015 / 12.0,
        transfer_in: 300.0 * noise(),
        other_in: 50.0 * noise(),
        benefits: 30_000.0 * 1.07f64.powi(t) * noise(),
        transfer_out: 200.0 * noise(),
        other_out: 30.0 * noise(),
        subsidy: 0.0,
    };
    let expenditure = flows.benefits + flows.transfer_out + flows.other_out;
    let own = flows.contributions + flows.interest + flows.transfer_in + flows.other_in;
    flows.subsidy = ((expenditure - own + 0.15 * (2.5 * expenditure - balance)) * noise()).max(0.0);
    flows
}

fn resident_pension(t: i32, month: u32, balance: f64, noise: &mut dyn FnMut() -> f64) -> Flows {
    const SEASON: [f64; 12] = [2.0, 1.5, 2.0, 1.5, 1.2, 1.0, 0.47, 0.47, 0.47, 0.47, 0.47, 0.47];
    Flows {
        contributions: 3_300.0 * 1.03f64.powi(t) * SEASON[month as usize - 1] * noise(),
        subsidy: 17_500.0 * 1.06f64.powi(t) * noise(),
        interest: balance * 0.02 / 12.0,
        transfer_in: 20.0 * noise(),
        other_in: 0.0,
        benefits: 19_000.0 * 1.06f64.powi(t) * noise(),
        transfer_out: 15.0 * noise(),
        other_out: 10.0 * noise(),
    }
}

fn unemployment(t: i32, month: u32, balance: f64, noise: &mut dyn FnMut() -> f64) -> Flows {
    let covid = t == 2020 - FIRST_YEAR;
    let relief = if covid && month >= 2 { 0.7 } else { 1.0 };
    // Job-retention refunds (稳岗返还) and skills subsidies are paid in the second half of the year.
    const REFUNDS: [f64; 12] = [0.0, 0.0, 0.0, 0.0, 0.0, 2.5, 2.5, 2.5, 2.5, 1.5, 1.5, 1.5];
    Flows {
        contributions: 7_000.0 * 1.05f64.powi(t) * relief * noise(),
        subsidy: 0.0,
        interest: balance * 0.015 / 12.0,
        transfer_in: 40.0 * noise(),
        other_in: 20.0 * noise(),
        benefits: 3_600.0 * 1.07f64.powi(t) * if covid { 1.3 } else { 1.0 } * noise(),
        transfer_out: 30.0 * noise(),
        other_out: 1_700.0 * 1.05f64.powi(t) * REFUNDS[month as usize - 1] * if covid { 2.0 } else { 1.0 } * noise() + 20.0,
    }
}

fn work_injury(t: i32, _month: u32, balance: f64, noise: &mut dyn FnMut() -> f64) -> Flows {
    Flows {
        contributions: 4_200.0 * 1.06f64.powi(t) * noise(),
        subsidy: 0.0,
        interest: balance * 0.015 / 12.0,
        transfer_in: 10.0 * noise(),
        other_in: 0.0,
        benefits: 3_300.0 * 1.08f64.powi(t) * noise(),
        transfer_out: 20.0 * noise(),
        other_out: 250.0 * 1.05f64.powi(t) * noise(), // prevention and rehabilitation
    }
}

/// Hundredths of 万元: every total is the exact sum of its parts and every balance the exact running sum.
fn hundredths(value: f64) -> i64 {
    (value * 100.0).round() as i64
}

fn number(hundredths: i64) -> Cell {
    Cell::Number(hundredths as f64 / 100.0)
}

pub fn write(path: &Path, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let xlsx = |source| GenerateError::Xlsx { path: path.into(), source };
    let mut workbook = workbook().map_err(xlsx)?;
    let tally = fill(&mut workbook, rng).map_err(xlsx)?;
    save(workbook, path)?;
    Ok(tally.file("fund_ledger", path))
}

fn fill(workbook: &mut Workbook, rng: &mut ChaCha8Rng) -> Result<Tally, XlsxError> {
    let formats = Formats::default();
    let mut tally = Tally::default();
    for fund in &FUNDS {
        let sheet = workbook.add_worksheet();
        sheet.set_name(fund.sheet)?;
        title(sheet, &formats, &format!("绍兴市{}基金月度收支情况表", fund.sheet), 12)?;
        sheet.write_string(1, 0, "单位：万元")?;
        sheet.write_string(1, 9, "填报单位：绍兴市社会保险事业管理中心")?;
        header_two_rows(sheet, &formats, 2, COLUMNS)?;
        let mut balance = hundredths(fund.opening);
        let mut totals = [0i64; 10];
        let mut row = 4;
        for year in FIRST_YEAR..=LAST_YEAR {
            for month in 1..=12 {
                let mut noise = || 1.0 + rng.random_range(-0.03..0.03);
                let f = (fund.month)(year - FIRST_YEAR, month, balance as f64 / 100.0, &mut noise);
                let revenue = [f.contributions, f.subsidy, f.interest, f.transfer_in, f.other_in].map(hundredths);
                let expenditure = [f.benefits, f.transfer_out, f.other_out].map(hundredths);
                let (revenue_total, expenditure_total) = (revenue.iter().sum::<i64>(), expenditure.iter().sum::<i64>());
                balance += revenue_total - expenditure_total;
                let values: Vec<i64> = std::iter::once(revenue_total)
                    .chain(revenue)
                    .chain(std::iter::once(expenditure_total))
                    .chain(expenditure)
                    .collect();
                for (total, value) in totals.iter_mut().zip(&values) {
                    *total += value;
                }
                let mut cells = vec![Cell::Text(format!("{year}年{month}月"))];
                cells.extend(values.iter().map(|v| number(*v)));
                cells.push(number(balance));
                write_row(sheet, &formats, row, &cells)?;
                row += 1;
                tally.data_rows += 1;
            }
        }
        let mut total = vec![Cell::text("合计")];
        total.extend(totals.iter().map(|v| number(*v)));
        write_row(sheet, &formats, row, &total)?;
        signature(sheet, row + 2, "王芳", "李强")?;
    }
    Ok(tally)
}
