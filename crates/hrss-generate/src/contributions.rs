//! Monthly social-insurance contribution records, as the collection system exports them: a GB18030 CSV
//! with Chinese headers, names and phone numbers included, and a few broken rows.

use std::path::Path;

use hrss_core::codes::INSURANCE_SCHEMES;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::common::{mistyped_amount, wrong_check_digit, yuan, CsvFile, Encoding, Tally, BAD_ROW_RATE};
use crate::people::Employer;
use crate::world::World;
use crate::{GeneratedFile, Result};

pub const CONTRIBUTIONS_FILE: &str = "社保缴费明细_2025.csv";

const HEADER: [&str; 13] = [
    "费款所属期", "单位统一社会信用代码", "单位名称", "所属区县代码", "行业代码", "姓名", "公民身份号码",
    "联系电话", "险种", "缴费基数", "单位缴纳金额", "个人缴纳金额", "缴费状态",
];
const YEAR: u32 = 2025;
/// Zhejiang's 2025 contribution base bounds: 60% and 300% of the average monthly wage used for the base.
const AVERAGE_MONTHLY_WAGE: f64 = 9_800.0;
const BASE_MIN: f64 = AVERAGE_MONTHLY_WAGE * 0.6;
const BASE_MAX: f64 = AVERAGE_MONTHLY_WAGE * 3.0;

/// `rows` records of contributors of about `rows / 600` employers drawn from the registry's active ones.
pub fn write(path: &Path, rows: usize, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let mut out = CsvFile::create(path, Encoding::Gb18030, &HEADER)?;
    let wanted = (rows / 600).max(4).min(world.active.len());
    let employers: Vec<&Employer> = rand::seq::index::sample(rng, world.active.len(), wanted)
        .into_iter()
        .map(|i| &world.employers[world.active[i]])
        .collect();
    let mut tally = Tally::default();
    let mut next_person = world.blocks.contributions;
    'people: while tally.data_rows < rows {
        let employer = employers[rng.random_range(0..employers.len())];
        let someone = world.worker(next_person);
        next_person += 1;
        // Lognormal-ish wages around 7,500 yuan a month, clamped to the base bounds.
        let wage = 7_500.0 * (rng.random_range(-1.0..1.0f64) * 0.55).exp() * (1.0 + rng.random_range(0.0..0.3));
        let base = wage.clamp(BASE_MIN, BASE_MAX).round();
        let (first, last) = if rng.random_bool(0.8) { (1, 12) } else {
            let a = rng.random_range(1..=12);
            (a, rng.random_range(a..=12))
        };
        for month in first..=last {
            let in_arrears = rng.random_bool(0.02);
            for scheme in INSURANCE_SCHEMES {
                if tally.data_rows == rows {
                    break 'people;
                }
                let mut record = [
                    format!("{YEAR}{month:02}"),
                    employer.uscc.clone(),
                    employer.name.clone(),
                    employer.district.to_string(),
                    format!("{}{}", employer.industry.section, employer.industry.code),
                    someone.name.clone(),
                    someone.resident_id.clone(),
                    someone.phone.clone(),
                    scheme.name_zh.to_string(),
                    yuan(base),
                    yuan(base * scheme.employer_rate),
                    yuan(base * scheme.employee_rate),
                    if in_arrears { "欠缴" } else { "已缴" }.to_string(),
                ];
                if rng.random_bool(BAD_ROW_RATE) {
                    plant_defect(&mut record, rng);
                    tally.planted += 1;
                }
                out.row(&record)?;
                tally.data_rows += 1;
            }
        }
    }
    out.finish()?;
    Ok(tally.file("contributions", path))
}

/// The defects seen in real extracts: a mistyped ID number, an amount typed with a letter O or a dash,
/// an impossible month, a missing ID number.
fn plant_defect(record: &mut [String; 13], rng: &mut ChaCha8Rng) {
    match rng.random_range(0..4) {
        0 => record[6] = wrong_check_digit(&record[6]),
        1 => record[10] = mistyped_amount(rng, &record[10]),
        2 => record[0] = format!("{YEAR}13"),
        _ => record[6].clear(),
    }
}
