//! The enterprise pay survey (企业薪酬调查): one workbook, two sheets and two pipelines. 单位情况 has a two-row
//! header (headcount and wage-bill groups) and one row per surveyed employer; 职工薪酬 one row per sampled
//! employee with occupation, education and annual gross pay.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{Workbook, XlsxError};

use crate::common::{
    header, header_two_rows, lognormal, mistyped_amount, pick, sample_weighted, save, signature, title, workbook, write_row,
    wrong_check_digit, yuan, Cell, Formats, Planted, Tally, YEAR,
};
use crate::market::occupation_in_group;
use crate::people::Employer;
use crate::world::World;
use crate::{GenerateError, GeneratedFile, Result};

pub const WAGE_SURVEY_FILE: &str = "企业薪酬调查_2025.xlsx";
/// The survey takes every employee of a small employer and at most this many of a larger one.
pub const MAX_SAMPLE_PER_EMPLOYER: usize = 35;

const EMPLOYER_COLUMNS: &[(&str, &[&str])] = &[
    ("调查年度", &[]),
    ("单位统一社会信用代码", &[]),
    ("单位名称", &[]),
    ("登记注册类型", &[]),
    ("行业代码", &[]),
    ("所属区县代码", &[]),
    ("从业人员", &["年末人数", "平均人数"]),
    ("工资总额（万元）", &["合计", "在岗职工"]),
];
const EMPLOYEE_HEADER: [&str; 6] = ["调查年度", "单位统一社会信用代码", "公民身份号码", "职业代码", "学历", "年度应发工资（元）"];

/// The occupational mix of a workforce (GB/T 6565 major group, weight) and pay relative to the average.
const FACTORY_MIX: &[(char, u32)] = &[('6', 60), ('2', 12), ('3', 10), ('4', 10), ('1', 8)];
const OFFICE_MIX: &[(char, u32)] = &[('4', 45), ('3', 20), ('2', 20), ('1', 10), ('6', 5)];

fn relative_pay(major: char) -> f64 {
    match major {
        '1' => 1.9,
        '2' => 1.25,
        '3' => 0.9,
        '6' => 0.85,
        _ => 0.8,
    }
}

/// Writes the workbook; returns the entries for `wage_survey_employers` and `wage_survey`, in that order.
pub fn write(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<[GeneratedFile; 2]> {
    let xlsx = |source| GenerateError::Xlsx { path: path.into(), source };
    let mut workbook = workbook().map_err(xlsx)?;
    let (employers, employees) = fill(&mut workbook, world, rng).map_err(xlsx)?;
    save(workbook, path)?;
    Ok([employers.file("wage_survey_employers", path), employees.file("wage_survey", path)])
}

fn fill(workbook: &mut Workbook, world: &World, rng: &mut ChaCha8Rng) -> Result<(Tally, Tally), XlsxError> {
    let weights: Vec<f64> = world.active.iter().map(|i| f64::from(world.employers[*i].insured.max(1))).collect();
    let surveyed: Vec<&Employer> = sample_weighted(rng, &weights, world.count(500.0).min(world.active.len()))
        .into_iter()
        .map(|i| &world.employers[world.active[i]])
        .collect();
    let formats = Formats::default();

    let sheet = workbook.add_worksheet();
    sheet.set_name("单位情况")?;
    title(sheet, &formats, &format!("{YEAR}年绍兴市企业薪酬调查单位情况表"), 10)?;
    sheet.write_string(1, 0, "从业人员：人；工资总额：万元")?;
    header_two_rows(sheet, &formats, 2, EMPLOYER_COLUMNS)?;
    let planted = Planted::choose(rng, surveyed.len());
    let mut first = Tally::default();
    let mut row = 4;
    for (i, e) in surveyed.iter().enumerate() {
        let average = (f64::from(e.insured) * rng.random_range(0.95..1.05)).round().max(1.0);
        // 在岗职工 are about 95% of the workforce; the rest (dispatched, re-hired retirees) earn about 80%.
        let on_post = e.average_wage * average * 0.95 / 10_000.0;
        let bill = on_post + e.average_wage * average * 0.05 * 0.8 / 10_000.0;
        let mut cells = vec![
            Cell::Number(f64::from(YEAR)),
            Cell::text(&e.uscc),
            Cell::text(&e.name),
            Cell::text(e.kind),
            Cell::Text(format!("{}{}", e.industry.section, e.industry.code)),
            Cell::text(e.district),
            Cell::Number(f64::from(e.insured)),
            Cell::Number(average),
            Cell::Number((bill * 100.0).round() / 100.0),
            Cell::Number((on_post * 100.0).round() / 100.0),
        ];
        let mut duplicate = false;
        if planted.contains(i) {
            first.planted += 1;
            match rng.random_range(0..3) {
                // 民营 is what people call private firms; the survey's code list says 私营.
                0 => cells[3] = Cell::text("民营"),
                1 => cells[8] = Cell::text("—"),
                _ => duplicate = true,
            }
        }
        for _ in 0..1 + usize::from(duplicate) {
            write_row(sheet, &formats, row, &cells)?;
            row += 1;
            first.data_rows += 1;
        }
    }
    signature(sheet, row + 1, "俞丽", "屠志强")?;

    let sheet = workbook.add_worksheet();
    sheet.set_name("职工薪酬")?;
    title(sheet, &formats, &format!("{YEAR}年绍兴市企业薪酬调查职工薪酬表"), EMPLOYEE_HEADER.len() as u16)?;
    header(sheet, &formats, 1, &EMPLOYEE_HEADER)?;
    let sample: Vec<usize> = surveyed.iter().map(|e| (e.insured as usize).clamp(1, MAX_SAMPLE_PER_EMPLOYER)).collect();
    let planted = Planted::choose(rng, sample.iter().sum());
    let mut second = Tally::default();
    let mut person = world.blocks.wage_survey.start;
    let mut index = 0;
    let mut row = 2;
    for (e, n) in surveyed.iter().zip(sample) {
        let mix = if matches!(e.industry.section, 'C' | 'D' | 'E') { FACTORY_MIX } else { OFFICE_MIX };
        let total: u32 = mix.iter().map(|(_, w)| w).sum();
        let mean_pay: f64 = mix.iter().map(|(g, w)| relative_pay(*g) * f64::from(*w)).sum::<f64>() / f64::from(total);
        for _ in 0..n {
            let someone = world.worker(person);
            person += 1;
            let major = pick(rng, mix);
            let (occupation, education) = occupation_in_group(rng, major);
            // Lognormal pay around the employer's average: the mean of exp(sigma * z) is exp(sigma^2 / 2).
            let median = e.average_wage * relative_pay(major) / mean_pay / (0.09f64 / 2.0).exp();
            let pay = lognormal(rng, median, 0.3).max(2_260.0 * 12.0).round();
            let mut cells = vec![
                Cell::Number(f64::from(YEAR)),
                Cell::text(&e.uscc),
                Cell::text(&someone.resident_id),
                Cell::text(occupation),
                Cell::text(education),
                Cell::Number(pay),
            ];
            let mut duplicate = false;
            if planted.contains(index) {
                second.planted += 1;
                match rng.random_range(0..5) {
                    0 => cells[2] = Cell::Text(wrong_check_digit(&someone.resident_id)),
                    // 研究生 is how people say it; the code list says 硕士及以上.
                    1 => cells[4] = Cell::text("研究生"),
                    // The 2009 classification's code for "other workers", from an old HR system.
                    2 => cells[3] = Cell::text("Y"),
                    3 => cells[5] = Cell::Text(mistyped_amount(rng, &yuan(pay))),
                    _ => duplicate = true,
                }
            }
            for _ in 0..1 + usize::from(duplicate) {
                write_row(sheet, &formats, row, &cells)?;
                row += 1;
                second.data_rows += 1;
            }
            index += 1;
        }
    }
    signature(sheet, row + 1, "俞丽", "屠志强")?;
    Ok((first, second))
}
