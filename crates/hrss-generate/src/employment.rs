//! Employment registrations (就业登记) from the public employment service, a UTF-8 CSV with a BOM as Excel saves
//! it; and the urban-employment series (城镇就业人员) the registered unemployment rate is computed against.

use std::path::Path;

use chrono::NaiveDate;
use hrss_core::codes::industry_section;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::common::{date, day_between, pick, wrong_check_digit, CsvFile, DateStyle, Encoding, Planted, Tally, YEAR};
use crate::people::{sole_trader, Person, URBAN_DISTRICTS};
use crate::world::{last_day, World};
use crate::{GeneratedFile, Result};

pub const EMPLOYMENT_FILE: &str = "就业登记_2025.csv";
pub const URBAN_EMPLOYMENT_FILE: &str = "城镇就业人员_2016-2025.csv";

const HEADER: [&str; 13] = [
    "登记编号", "登记日期", "公民身份号码", "姓名", "联系电话", "用工单位统一社会信用代码", "用工单位名称", "所属区县代码",
    "行业代码", "就业形式", "户籍性质", "是否失业人员再就业", "是否就业困难人员",
];
/// 就业形式: most new jobs are with an employer.
const FORMS: &[(&str, u32)] = &[("单位就业", 75), ("灵活就业", 18), ("自主创业", 7)];
/// Flexible work is platform work: ride-hailing and freight, delivery and catering, online retail, services.
const FLEXIBLE_INDUSTRIES: &[(&str, u32)] = &[("54", 35), ("62", 25), ("52", 25), ("72", 15)];
/// Seasonal hiring: the peak after the Spring Festival, a second one when graduates start in July.
pub const HIRING_MONTHS: &[(u32, u32)] =
    &[(1, 6), (2, 11), (3, 12), (4, 9), (5, 8), (6, 8), (7, 10), (8, 9), (9, 8), (10, 6), (11, 7), (12, 6)];
/// About 40% of new urban jobs go to unemployed people (national 2023: 514万 of 1,244万), 12% to hard-to-employ.
const REEMPLOYED_SHARE: f64 = 0.40;
const HARD_TO_EMPLOY_SHARE: f64 = 0.12;

struct Registration {
    day: NaiveDate,
    person: usize,
    reemployed: bool,
    hard_to_employ: bool,
}

pub fn write(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let total = world.count(12_000.0);
    // Registered unemployed people who found a job this year: their spell closes on the registration day.
    let mut plan: Vec<Registration> = world
        .spells
        .iter()
        .filter_map(|s| {
            let day = s.reemployed_on()?;
            Some(Registration { day, person: s.person, reemployed: true, hard_to_employ: s.hardship.is_some() })
        })
        .take(total)
        .collect();
    let from_spells = plan.len();
    let others = total - from_spells;
    let reemployed_p = ((REEMPLOYED_SHARE * total as f64 - from_spells as f64) / others.max(1) as f64).clamp(0.0, 1.0);
    let hard_so_far = plan.iter().filter(|r| r.hard_to_employ).count() as f64;
    let hard_p = ((HARD_TO_EMPLOY_SHARE * total as f64 - hard_so_far) / others.max(1) as f64).clamp(0.0, 1.0);
    for k in 0..others {
        let month = pick(rng, HIRING_MONTHS);
        plan.push(Registration {
            day: day_between(rng, date(YEAR, month, 1), last_day(YEAR, month)),
            person: world.blocks.employment.start + k,
            reemployed: rng.random_bool(reemployed_p),
            hard_to_employ: rng.random_bool(hard_p),
        });
    }
    plan.sort_by_key(|r| (r.day, r.person));

    let employers = world.by_headcount();
    let planted = Planted::choose(rng, plan.len());
    let mut out = CsvFile::create(path, Encoding::Utf8Bom, &HEADER)?;
    let mut tally = Tally::default();
    let yes_no = |b: bool| if b { "是" } else { "否" }.to_string();
    for (i, r) in plan.iter().enumerate() {
        let someone = world.worker(r.person);
        let form = pick(rng, FORMS);
        let (uscc, name, district, industry) = match form {
            "单位就业" => {
                let e = world.active_employer(&employers, rng);
                (e.uscc.clone(), e.name.clone(), e.district, e.industry.code)
            }
            "自主创业" => {
                let district = pick(rng, URBAN_DISTRICTS);
                let (uscc, name, industry) = sole_trader(rng, district);
                (uscc, name, district, industry)
            }
            _ => (String::new(), String::new(), pick(rng, URBAN_DISTRICTS), pick(rng, FLEXIBLE_INDUSTRIES)),
        };
        let section = industry_section(industry).expect("a listed division");
        let mut record = [
            format!("JY{YEAR}{:06}", i + 1),
            DateStyle::Slash.format(r.day),
            someone.resident_id.clone(),
            someone.name.clone(),
            someone.phone.clone(),
            uscc,
            name,
            district.to_string(),
            format!("{section}{industry}"),
            form.to_string(),
            hukou(rng, &someone).to_string(),
            yes_no(r.reemployed),
            yes_no(r.hard_to_employ),
        ];
        let mut duplicate = false;
        if planted.contains(i) {
            tally.planted += 1;
            match rng.random_range(0..5) {
                0 => record[2] = wrong_check_digit(&record[2]),
                1 => record[1] = DateStyle::Slash.impossible(rng),
                // 公益性岗位 (publicly funded posts) is a form the pipeline's code list does not have.
                2 => record[9] = "公益性岗位".into(),
                3 => record[2].clear(),
                _ => duplicate = true,
            }
        }
        out.data_row(&mut tally, &record, duplicate)?;
    }
    out.finish()?;
    Ok(tally.file("employment_registrations", path))
}

/// 户籍性质 (household registration) from where the ID number was issued.
pub fn hukou(rng: &mut ChaCha8Rng, person: &Person) -> &'static str {
    match (person.is_local(), rng.random_bool(if person.is_local() { 0.5 } else { 0.25 })) {
        (true, true) => "本地城镇",
        (true, false) => "本地农村",
        (false, true) => "外地城镇",
        (false, false) => "外地农村",
    }
}

/// Shaoxing's urban employed at full scale in 2025, about 230万.
const URBAN_EMPLOYED_2025: f64 = 2_300_000.0;
/// The person-level sources are a 10% sample of the city's year (times the run's scale), so this series is
/// written at the same 10% x scale: registered unemployed / (urban employed + registered unemployed) then
/// comes out at Shaoxing's ~2%, whatever the run's size.
const SAMPLE: f64 = 0.10;

/// Urban employed persons the series holds for 2025 at a run's scale.
pub fn urban_employed_2025(scale: f64) -> f64 {
    URBAN_EMPLOYED_2025 * SAMPLE * scale
}

/// Ten years by district, growing about 1% a year, in 万人 as the statistics bureau publishes it.
pub fn write_urban_employment(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let mut out = CsvFile::create(path, Encoding::Utf8, &["年份", "所属区县代码", "城镇就业人员（万人）"])?;
    let total_weight: u32 = URBAN_DISTRICTS.iter().map(|(_, w)| w).sum();
    // Two decimals of 万 is 100 persons: enough at scale 1, too coarse for tiny test runs.
    let decimals = if world.scale >= 0.5 { 2 } else { 4 };
    let mut tally = Tally::default();
    for year in 2016..=YEAR {
        for (district, weight) in URBAN_DISTRICTS {
            let share = f64::from(*weight) / f64::from(total_weight);
            let trend = 1.01f64.powi(year - YEAR) * (1.0 + rng.random_range(-0.003..0.003));
            let wan = urban_employed_2025(world.scale) * share * trend / 10_000.0;
            out.row([year.to_string(), district.to_string(), format!("{wan:.decimals$}")])?;
            tally.data_rows += 1;
        }
    }
    out.finish()?;
    Ok(tally.file("urban_employment", path))
}
