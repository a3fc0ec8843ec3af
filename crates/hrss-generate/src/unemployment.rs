//! Unemployment registrations (失业登记), a GB18030 CSV from the public employment service; and the monthly
//! unemployment-insurance payments (失业保险金发放明细) to the entitled among them, one workbook sheet a quarter.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::XlsxError;

use crate::common::{
    header, mistyped_amount, month_chinese, save, signature, title, workbook, write_row, wrong_check_digit, yuan, Cell,
    CsvFile, DateStyle, Encoding, Formats, Planted, Tally, YEAR,
};
use crate::world::{Spell, World};
use crate::{GenerateError, GeneratedFile, Result};

pub const REGISTRATIONS_FILE: &str = "失业登记_2025.csv";
pub const PAYMENTS_FILE: &str = "失业保险金发放明细_2025.xlsx";

const REGISTRATION_HEADER: [&str; 10] = [
    "登记编号", "失业登记日期", "注销日期", "注销原因", "失业原因", "就业困难人员类别", "公民身份号码", "姓名", "联系电话",
    "所属区县代码",
];
const PAYMENT_HEADER: [&str; 8] =
    ["发放年月", "公民身份号码", "姓名", "所属区县代码", "失业保险金", "代缴基本医疗保险费", "领取月次", "应领月数"];
/// Zhejiang pays unemployment insurance at 90% of the minimum wage: 90% of Shaoxing's 2,260 yuan.
const MONTHLY_BENEFIT: f64 = 2_034.0;
/// The fund pays the recipient's employee medical insurance: about 9.5% of the lowest contribution base (5,880).
const MEDICAL_CONTRIBUTION: f64 = 558.6;

pub fn write_registrations(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let mut spells: Vec<&Spell> = world.spells.iter().collect();
    spells.sort_by_key(|s| (s.registered_on, s.registration_no.clone()));
    let planted = Planted::choose(rng, spells.len());
    let mut out = CsvFile::create(path, Encoding::Gb18030, &REGISTRATION_HEADER)?;
    let mut tally = Tally::default();
    for (i, s) in spells.iter().enumerate() {
        let someone = world.worker(s.person);
        let (ended_on, reason) = match s.ended {
            Some((day, reason)) => (DateStyle::Chinese.format(day), reason),
            None => (String::new(), ""),
        };
        let mut record = [
            s.registration_no.clone(),
            DateStyle::Chinese.format(s.registered_on),
            ended_on,
            reason.to_string(),
            s.cause.to_string(),
            s.hardship.unwrap_or_default().to_string(),
            someone.resident_id.clone(),
            someone.name.clone(),
            someone.phone.clone(),
            s.district.to_string(),
        ];
        let mut duplicate = false;
        if planted.contains(i) {
            tally.planted += 1;
            match rng.random_range(0..5) {
                0 => record[6] = wrong_check_digit(&record[6]),
                1 => record[1] = DateStyle::Chinese.impossible(rng),
                // 协商解除 (ended by agreement) is common, but not one of the causes the code list has.
                2 => record[4] = "协商解除".into(),
                // A county code from outside Shaoxing, typed from the person's ID card.
                3 => record[9] = "330199".into(),
                _ => duplicate = true,
            }
        }
        out.data_row(&mut tally, &record, duplicate)?;
    }
    out.finish()?;
    Ok(tally.file("unemployment_registrations", path))
}

/// One month's payment to one recipient.
struct Payment<'a> {
    spell: &'a Spell,
    month: u32,
    /// 领取月次: the how-manieth month of the entitlement this is.
    nth: u32,
}

/// Months are counted from January of the year before the data year, so a 2024 registration continues.
fn month_index(day: NaiveDate) -> i32 {
    (day.year() - (YEAR - 1)) * 12 + day.month0() as i32
}

/// Entitlement starts the month after registration and stops after the month the spell closes.
fn payments(world: &World) -> Vec<Payment<'_>> {
    let mut all: Vec<Payment<'_>> = Vec::new();
    for spell in &world.spells {
        let Some(months) = spell.benefit_months else { continue };
        let first = month_index(spell.registered_on) + 1;
        let stop = spell.ended.map_or(i32::MAX, |(day, _)| month_index(day));
        for nth in 1..=months {
            let index = first + nth as i32 - 1;
            if index > stop || index >= 24 {
                break;
            }
            if index >= 12 {
                all.push(Payment { spell, month: (index - 12) as u32 + 1, nth });
            }
        }
    }
    all.sort_by_key(|p| (p.month, p.spell.registration_no.clone()));
    all
}

pub fn write_payments(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let payments = payments(world);
    let mut workbook = workbook().map_err(|source| GenerateError::Xlsx { path: path.into(), source })?;
    let tally = fill_payments(&mut workbook, world, &payments, rng).map_err(|source| GenerateError::Xlsx { path: path.into(), source })?;
    save(workbook, path)?;
    Ok(tally.file("unemployment_insurance_payments", path))
}

fn fill_payments(
    workbook: &mut rust_xlsxwriter::Workbook,
    world: &World,
    payments: &[Payment<'_>],
    rng: &mut ChaCha8Rng,
) -> Result<Tally, XlsxError> {
    let formats = Formats::default();
    let planted = Planted::choose(rng, payments.len());
    let mut tally = Tally::default();
    let mut index = 0;
    for quarter in 1..=4u32 {
        let sheet = workbook.add_worksheet();
        sheet.set_name(format!("{YEAR}年第{quarter}季度"))?;
        title(sheet, &formats, &format!("绍兴市{YEAR}年第{quarter}季度失业保险金发放明细表"), PAYMENT_HEADER.len() as u16)?;
        sheet.write_string(1, 0, "单位：元")?;
        header(sheet, &formats, 2, &PAYMENT_HEADER)?;
        let mut row = 3;
        let mut sums = (0.0, 0.0);
        while index < payments.len() && payments[index].month <= quarter * 3 {
            let p = &payments[index];
            let someone = world.worker(p.spell.person);
            let mut cells = vec![
                Cell::text(month_chinese(YEAR, p.month)),
                Cell::text(&someone.resident_id),
                Cell::text(&someone.name),
                Cell::text(p.spell.district),
                Cell::Number(MONTHLY_BENEFIT),
                Cell::Number(MEDICAL_CONTRIBUTION),
                Cell::Number(f64::from(p.nth)),
                Cell::Number(f64::from(p.spell.benefit_months.unwrap_or_default())),
            ];
            let mut duplicate = false;
            if planted.contains(index) {
                tally.planted += 1;
                match rng.random_range(0..5) {
                    0 => cells[1] = Cell::Text(wrong_check_digit(&someone.resident_id)),
                    1 => cells[0] = Cell::Text(month_chinese(YEAR, 13)),
                    2 => cells[4] = Cell::Text(mistyped_amount(rng, &yuan(MONTHLY_BENEFIT))),
                    // A reversal typed into the detail list as a negative payment.
                    3 => cells[4] = Cell::Number(-MONTHLY_BENEFIT),
                    // Paid twice in the month.
                    _ => duplicate = true,
                }
            }
            for _ in 0..1 + usize::from(duplicate) {
                write_row(sheet, &formats, row, &cells)?;
                if let (Cell::Number(a), Cell::Number(b)) = (&cells[4], &cells[5]) {
                    sums = (sums.0 + a, sums.1 + b);
                }
                row += 1;
                tally.data_rows += 1;
            }
            index += 1;
        }
        write_row(sheet, &formats, row, &[Cell::text("合计"), Cell::Blank, Cell::Blank, Cell::Blank, Cell::Number(sums.0), Cell::Number((sums.1 * 100.0).round() / 100.0)])?;
        signature(sheet, row + 2, "陈静", "沈建国")?;
    }
    Ok(tally)
}
