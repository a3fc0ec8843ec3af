//! Monthly benefit payments (待遇发放明细): pensions, work-injury allowances and survivors' pensions, as the
//! payment system exports them for the banks: a GB18030 CSV with names and bank account numbers.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::common::{lognormal, mistyped_amount, month_compact, pick, wrong_check_digit, yuan, CsvFile, Encoding, Planted, Tally, YEAR};
use crate::people::{Person, URBAN_DISTRICTS};
use crate::world::World;
use crate::{GeneratedFile, Result};

pub const BENEFITS_FILE: &str = "待遇发放明细_2025.csv";

const HEADER: [&str; 8] = ["发放年月", "公民身份号码", "姓名", "银行账号", "待遇类型", "所属区县代码", "发放金额", "调整金额"];
/// 待遇类型, weighted by beneficiaries.
const KINDS: &[(&str, u32)] = &[
    ("企业职工基本养老金", 52), ("机关事业单位基本养老金", 7), ("城乡居民基础养老金", 37), ("工伤伤残津贴", 2),
    ("供养亲属抚恤金", 2),
];
/// The 2025 pension increase (about 2%), paid from July with the first half-year's difference as a back payment.
const RAISE: f64 = 0.02;
const RAISE_MONTH: u32 = 7;

struct Beneficiary {
    person: Person,
    /// The 15-digit number of an old record, or the 18-digit one.
    id: String,
    account: String,
    kind: &'static str,
    district: &'static str,
    monthly: f64,
    months: std::ops::RangeInclusive<u32>,
}

fn beneficiaries(world: &World, rng: &mut ChaCha8Rng) -> Vec<Beneficiary> {
    (0..world.count(2_000.0))
        .map(|i| {
            let kind = pick(rng, KINDS);
            // Injured workers on a disability allowance are of working age; everyone else is a pensioner.
            let person = if kind == "工伤伤残津贴" { world.worker(world.blocks.injury.start + i) } else { world.people.retiree(i) };
            let monthly = match kind {
                "企业职工基本养老金" => lognormal(rng, 3_650.0, 0.12).clamp(2_200.0, 12_000.0),
                "机关事业单位基本养老金" => lognormal(rng, 6_500.0, 0.15).clamp(3_500.0, 18_000.0),
                "城乡居民基础养老金" => 300.0 + f64::from(rng.random_range(0..120u32)),
                "工伤伤残津贴" => lognormal(rng, 4_000.0, 0.15),
                _ => lognormal(rng, 1_800.0, 0.2),
            };
            // Some retire during the year; some die and payments stop.
            let first = if kind != "城乡居民基础养老金" && rng.random_bool(0.06) { rng.random_range(2..=12) } else { 1 };
            let last = if rng.random_bool(0.03) { rng.random_range(first..=12) } else { 12 };
            let legacy = person.birth < crate::common::date(1950, 1, 1) && rng.random_bool(0.1);
            Beneficiary {
                id: if legacy { person.legacy_id() } else { person.resident_id.clone() },
                account: format!("6217{:015}", rng.random_range(0..1_000_000_000_000_000u64)),
                district: pick(rng, URBAN_DISTRICTS),
                monthly: (monthly * 100.0).round() / 100.0,
                months: first..=last,
                kind,
                person,
            }
        })
        .collect()
}

pub fn write(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let people = beneficiaries(world, rng);
    let rows: usize = people.iter().map(|b| b.months.clone().count()).sum();
    let planted = Planted::choose(rng, rows);
    let mut out = CsvFile::create(path, Encoding::Gb18030, &HEADER)?;
    let mut tally = Tally::default();
    let mut index = 0;
    for month in 1..=12 {
        for b in people.iter().filter(|b| b.months.contains(&month)) {
            let raised = matches!(b.kind, "企业职工基本养老金" | "机关事业单位基本养老金");
            let (amount, adjustment) = match (raised, month.cmp(&RAISE_MONTH)) {
                (true, std::cmp::Ordering::Less) => (b.monthly, String::new()),
                (true, std::cmp::Ordering::Equal) => {
                    let back_months = RAISE_MONTH - *b.months.start().min(&RAISE_MONTH);
                    let back_pay = if back_months == 0 { String::new() } else { yuan(b.monthly * RAISE * f64::from(back_months)) };
                    (b.monthly * (1.0 + RAISE), back_pay)
                }
                (true, std::cmp::Ordering::Greater) => (b.monthly * (1.0 + RAISE), String::new()),
                (false, _) => (b.monthly, String::new()),
            };
            let mut record = [
                month_compact(YEAR, month),
                b.id.clone(),
                b.person.name.clone(),
                b.account.clone(),
                b.kind.to_string(),
                b.district.to_string(),
                yuan(amount),
                adjustment,
            ];
            let mut duplicate = false;
            if planted.contains(index) {
                tally.planted += 1;
                match rng.random_range(0..6) {
                    0 => record[1] = wrong_check_digit(&b.person.resident_id),
                    1 => record[0] = month_compact(YEAR, 13),
                    2 => record[6] = mistyped_amount(rng, &record[6]),
                    // A recovered overpayment typed as a negative payment.
                    3 => record[6] = format!("-{}", record[6]),
                    // 丧葬补助金 (funeral grant) is a one-off, not a monthly benefit type of the code list.
                    4 => record[4] = "丧葬补助金".into(),
                    _ => duplicate = true,
                }
            }
            out.data_row(&mut tally, &record, duplicate)?;
            index += 1;
        }
    }
    out.finish()?;
    Ok(tally.file("benefit_payments", path))
}
