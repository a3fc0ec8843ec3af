//! The monthly enterprise-pension fund ledger, as the fund office sends it: an XLSX in 万元 with a title row,
//! a unit line above the header, and a total row and a signature line as footers.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{Format, Workbook};

use crate::{GenerateError, GeneratedFile, Result};

pub const FUND_LEDGER_FILE: &str = "企业职工基本养老保险基金月度收支表.xlsx";

const HEADER: [&str; 12] = [
    "年月", "基金收入合计", "征缴收入", "财政补贴收入", "利息收入", "转移收入", "其他收入",
    "基金支出合计", "基本养老金支出", "转移支出", "其他支出", "期末累计结余",
];
const FIRST_YEAR: i32 = 2016;
const LAST_YEAR: i32 = 2025;

/// Revenue grows about 5% a year and benefits about 8%: the narrowing gap early warning is meant to catch.
pub fn write(path: &Path, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let xlsx = |source| GenerateError::Xlsx { path: path.into(), source };
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("基金收支").map_err(xlsx)?;
    let title = Format::new().set_bold().set_font_size(14).set_align(rust_xlsxwriter::FormatAlign::Center);
    sheet.merge_range(0, 0, 0, 11, "绍兴市企业职工基本养老保险基金月度收支情况表", &title).map_err(xlsx)?;
    sheet.write_string(1, 0, "单位：万元").map_err(xlsx)?;
    sheet.write_string(1, 9, "填报单位：绍兴市社会保险事业管理中心").map_err(xlsx)?;
    for (col, name) in HEADER.iter().enumerate() {
        sheet.write_string(2, col as u16, *name).map_err(xlsx)?;
        sheet.set_column_width(col as u16, 14).map_err(xlsx)?;
    }

    let mut balance = 2_860_000.0_f64; // 286亿 at the end of 2015, in 万元
    let mut totals = [0.0f64; 11];
    let mut row = 3u32;
    for year in FIRST_YEAR..=LAST_YEAR {
        let t = f64::from(year - FIRST_YEAR);
        for month in 1..=12 {
            let season = if month == 12 { 1.12 } else if month == 1 { 0.93 } else { 1.0 };
            let noise = |rng: &mut ChaCha8Rng| 1.0 + rng.random_range(-0.03..0.03);
            let contributions = 205_000.0 * 1.05f64.powf(t) * season * noise(rng);
            let subsidy = 18_000.0 * 1.04f64.powf(t) * noise(rng);
            let interest = balance * 0.025 / 12.0; // 2.5% a year on the balance
            let transfer_in = 6_500.0 * noise(rng);
            let other_in = 800.0 * noise(rng);
            let benefits = 158_000.0 * 1.08f64.powf(t) * noise(rng);
            let transfer_out = 24_000.0 * 1.03f64.powf(t) * noise(rng);
            let other_out = 600.0 * noise(rng);
            let parts = [contributions, subsidy, interest, transfer_in, other_in, benefits, transfer_out, other_out]
                .map(|v| (v * 100.0).round() / 100.0);
            let revenue: f64 = parts[..5].iter().sum();
            let expenditure: f64 = parts[5..].iter().sum();
            balance += revenue - expenditure;
            let values = [revenue, parts[0], parts[1], parts[2], parts[3], parts[4], expenditure, parts[5], parts[6], parts[7], balance];
            sheet.write_string(row, 0, format!("{year}年{month}月")).map_err(xlsx)?;
            for (i, v) in values.iter().enumerate() {
                sheet.write_number(row, i as u16 + 1, (v * 100.0).round() / 100.0).map_err(xlsx)?;
                if i < 10 {
                    totals[i] += v;
                }
            }
            row += 1;
        }
    }
    let data_rows = (row - 3) as usize;
    sheet.write_string(row, 0, "合计").map_err(xlsx)?;
    for (i, v) in totals.iter().take(10).enumerate() {
        sheet.write_number(row, i as u16 + 1, (v * 100.0).round() / 100.0).map_err(xlsx)?;
    }
    sheet.write_string(row + 2, 0, "制表人：王芳    审核人：李强    填报日期：2026年1月12日").map_err(xlsx)?;
    workbook.save(path).map_err(xlsx)?;
    Ok(GeneratedFile { source: "fund_ledger", path: path.into(), data_rows, planted_bad_rows: 0 })
}
