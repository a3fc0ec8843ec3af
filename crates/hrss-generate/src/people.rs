//! Synthetic people and employers: valid resident ID numbers and credit codes, names, phones, districts,
//! industries; and the person pool every source draws from, so the same person can appear in several.

use chrono::{Datelike, NaiveDate};
use hrss_core::codes::{IndustryDivision, INDUSTRY_DIVISIONS};
use hrss_core::identifiers::{resident_id_check_char, uscc_check_char};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{add_days, date, day_between, lognormal, pick, pick_weighted};

/// Shaoxing's county-level codes weighted by resident population (万, 2023), with the two retired codes that
/// still appear in older ID numbers.
const SHAOXING_REGIONS: &[(&str, u32)] = &[
    ("330602", 113), ("330603", 112), ("330604", 80), ("330624", 41), ("330681", 123), ("330683", 70),
    ("330621", 12), ("330682", 8),
];
/// Where Shaoxing's migrant workers come from: Anhui, Jiangxi, Henan, Sichuan, Guizhou, Hunan, Yunnan.
const OTHER_PROVINCE_REGIONS: &[&str] = &["340524", "360426", "410102", "511002", "522121", "430124", "532101"];
/// The six current districts weighted by urban population (resident population x urbanisation rate, 2023):
/// where urban employment and registered unemployment are counted.
pub const URBAN_DISTRICTS: &[(&str, u32)] =
    &[("330602", 95), ("330603", 94), ("330604", 56), ("330624", 27), ("330681", 80), ("330683", 42)];

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "金", "钱", "沈", "俞", "屠"];
const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "建国", "志强", "晓燕", "海峰", "丹", "琳"];

/// The weight of each industry division among employers: manufacturing clusters dominate.
fn industry_weight(d: &IndustryDivision) -> u32 {
    match d.code {
        "17" | "18" => 14,
        "26" | "28" | "33" | "34" | "35" | "38" | "39" => 6,
        "47" | "48" => 7,
        "15" | "27" | "29" => 4,
        "51" | "52" => 5,
        _ => 2,
    }
}

#[derive(Debug, Clone)]
pub struct Person {
    pub resident_id: String,
    pub name: String,
    pub phone: String,
    pub birth: NaiveDate,
}

impl Person {
    /// GB 11643: an odd sequence digit is a man.
    pub fn is_male(&self) -> bool {
        (self.resident_id.as_bytes()[16] - b'0') % 2 == 1
    }

    /// First registered in Shaoxing (the ID's region code), i.e. local hukou.
    pub fn is_local(&self) -> bool {
        self.resident_id.starts_with("3306")
    }

    /// Age in whole years on `day`.
    pub fn age_on(&self, day: NaiveDate) -> i32 {
        let had_birthday = (day.month(), day.day()) >= (self.birth.month(), self.birth.day());
        day.year() - self.birth.year() - i32::from(!had_birthday)
    }

    /// The 15-digit number issued before 1999 (two-digit year, no check digit), still on old pension records.
    pub fn legacy_id(&self) -> String {
        format!("{}{}", &self.resident_id[..6], &self.resident_id[8..17])
    }
}

/// A person registered in `region`, born on `birth`, with the 3-digit sequence `sequence` (odd: male).
fn person(rng: &mut ChaCha8Rng, region: &str, birth: NaiveDate, sequence: u32) -> Person {
    let body = format!("{region}{:04}{:02}{:02}{sequence:03}", birth.year(), birth.month(), birth.day());
    let check = resident_id_check_char(&body).expect("17 generated digits");
    let name = format!("{}{}", SURNAMES[rng.random_range(0..SURNAMES.len())], GIVEN[rng.random_range(0..GIVEN.len())]);
    let phone = format!("1{}{:09}", ["3", "5", "8", "9"][rng.random_range(0..4)], rng.random_range(0..1_000_000_000u32));
    Person { resident_id: format!("{body}{check}"), name, phone, birth }
}

/// A birth cohort of the pool: its days of birth, its range of sequence numbers and its share of locals.
#[derive(Debug)]
struct Cohort {
    salt: u64,
    first_birth: NaiveDate,
    days: u64,
    first_sequence: u32,
    sequences: u64,
    local_share: f64,
}

/// People of working age in 2025 (born 1965-2007); sequence numbers 001-899.
const WORKERS: Cohort = Cohort {
    salt: 0x5752_4b52,
    first_birth: NaiveDate::from_ymd_opt(1965, 1, 1).expect("valid"),
    days: 15_705,
    first_sequence: 1,
    sequences: 899,
    local_share: 0.82,
};
/// Pensioners (born 1935-1970); sequence numbers 900-999, so no pensioner shares a number with a worker.
const RETIREES: Cohort = Cohort {
    salt: 0x5245_5449,
    first_birth: NaiveDate::from_ymd_opt(1935, 1, 1).expect("valid"),
    days: 13_149,
    first_sequence: 900,
    sequences: 100,
    local_share: 0.95,
};
/// Multiplying by a prime larger than any cohort's size permutes the cohort's (birth day, sequence) slots.
const STRIDE: u128 = 2_654_435_761;

/// Everyone a run can draw, addressed by index: the same index is always the same person, distinct indices
/// are distinct ID numbers (up to a cohort's size: 14.1 million workers, 1.3 million pensioners), and
/// nothing is held in memory.
#[derive(Debug, Clone)]
pub struct PersonPool {
    seed: u64,
}

impl PersonPool {
    pub fn new(seed: u64) -> Self {
        Self { seed }
    }

    pub fn worker(&self, index: usize) -> Person {
        self.draw(&WORKERS, index)
    }

    pub fn retiree(&self, index: usize) -> Person {
        self.draw(&RETIREES, index)
    }

    fn draw(&self, cohort: &Cohort, index: usize) -> Person {
        let capacity = u128::from(cohort.days * cohort.sequences);
        let offset = u128::from(self.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ cohort.salt);
        let slot = ((index as u128 % capacity) * STRIDE + offset) % capacity;
        let slot = slot as u64;
        let birth = add_days(cohort.first_birth, slot % cohort.days);
        let sequence = cohort.first_sequence + (slot / cohort.days) as u32;
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ cohort.salt);
        rng.set_stream(index as u64);
        let region = if rng.random_bool(cohort.local_share) {
            pick(&mut rng, SHAOXING_REGIONS)
        } else {
            OTHER_PROVINCE_REGIONS[rng.random_range(0..OTHER_PROVINCE_REGIONS.len())]
        };
        person(&mut rng, region, birth, sequence)
    }
}

/// 登记注册类型, weighted by their share of insured employers; 私营 pays the private-unit average wage.
pub const REGISTRATION_TYPES: &[(&str, u32)] = &[
    ("私营", 55), ("有限责任公司", 24), ("股份有限公司", 5), ("国有", 3), ("集体", 1), ("股份合作", 1),
    ("港澳台商投资", 4), ("外商投资", 7),
];
/// 单位状态: most insured employers are active; closed ones stay in the registry.
const STATUSES: &[(&str, u32)] = &[("正常", 88), ("暂停", 4), ("注销", 8)];
/// Average annual wages (REFERENCE 2.3): urban non-private units about 120,000 yuan, private units about 75,000.
const NON_PRIVATE_WAGE: f64 = 120_000.0;
const PRIVATE_WAGE: f64 = 75_000.0;

#[derive(Debug, Clone)]
pub struct Employer {
    pub uscc: String,
    pub name: String,
    /// The employer's current district.
    pub district: &'static str,
    /// The district as the insurance registry holds it: old records in Keqiao and Shangyu keep the code
    /// retired in 2013.
    pub recorded_district: &'static str,
    pub industry: &'static IndustryDivision,
    /// 登记注册类型
    pub kind: &'static str,
    /// 参保登记日期
    pub registered_on: NaiveDate,
    /// 单位状态
    pub status: &'static str,
    /// 参保职工人数 (0 once closed)
    pub insured: u32,
    /// Average annual wage per employee, yuan.
    pub average_wage: f64,
}

impl Employer {
    pub fn is_active(&self) -> bool {
        self.status == "正常"
    }

}

const ORG_CODE_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const ORG_CODE_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A 9-character organisation code (GB 11714) with its MOD 11 check character.
fn organisation_code(rng: &mut ChaCha8Rng) -> String {
    let body: Vec<u8> = (0..8).map(|_| ORG_CODE_ALPHABET[rng.random_range(0..ORG_CODE_ALPHABET.len())]).collect();
    let value = |b: u8| if b.is_ascii_digit() { u32::from(b - b'0') } else { u32::from(b - b'A') + 10 };
    let sum: u32 = body.iter().zip(ORG_CODE_WEIGHTS).map(|(b, w)| value(*b) * w).sum();
    let check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).expect("below 10"),
    };
    format!("{}{check}", String::from_utf8(body).expect("ASCII"))
}

/// A unified social credit code: registration authority `91` (enterprise) or `92` (individual business),
/// the district, the organisation code and the GB 32100 check character.
pub fn credit_code(rng: &mut ChaCha8Rng, authority: &str, district: &str) -> String {
    let body = format!("{authority}{district}{}", organisation_code(rng));
    let check = uscc_check_char(&body).expect("generated from the USCC alphabet");
    format!("{body}{check}")
}

const FIRM_WORDS: &[&str] = &[
    "恒达", "永兴", "华盛", "越美", "鉴湖", "兰亭", "会稽", "卧龙", "天成", "宏图", "金鹰", "远东", "新和", "浙富", "古越", "海亮",
    "稽山", "若耶", "东湖", "曹娥", "舜江", "浣江", "剡溪", "沃洲", "大佛", "五泄", "钱清", "杨汛", "柯岩", "安昌", "盛泰", "瑞丰",
];

/// A trade word from the division's name: 纺织业 -> 纺织.
fn trade(industry: &IndustryDivision) -> &'static str {
    industry.name_zh.split(['、', '和']).next().unwrap_or(industry.name_zh).trim_end_matches("业").trim_end_matches("制造")
}

/// A self-employed person's new business (个体工商户): its credit code, name and GB/T 4754 division.
pub fn sole_trader(rng: &mut ChaCha8Rng, district: &str) -> (String, String, &'static str) {
    const SHOPS: &[(&str, &str, u32)] =
        &[("52", "便利店", 30), ("62", "小吃店", 25), ("51", "布行", 20), ("18", "服装加工厂", 15), ("80", "家电维修部", 10)];
    let (industry, shop, _) = *pick_weighted(rng, SHOPS, |(_, _, w)| *w);
    let word = FIRM_WORDS[rng.random_range(0..FIRM_WORDS.len())];
    let name = format!("{}{word}{shop}", hrss_core::codes::current_district(district).map_or("", |d| d.name_zh));
    (credit_code(rng, "92", district), name, industry)
}

pub fn employer(rng: &mut ChaCha8Rng) -> Employer {
    let district = pick(rng, &SHAOXING_REGIONS[..6]);
    let industry = pick_weighted(rng, INDUSTRY_DIVISIONS, industry_weight);
    let uscc = credit_code(rng, "91", district);
    let county = hrss_core::codes::current_district(district).map_or("", |d| d.name_zh);
    let word = FIRM_WORDS[rng.random_range(0..FIRM_WORDS.len())];
    let kind = pick(rng, REGISTRATION_TYPES);
    let trade = trade(industry);
    let name = match kind {
        "股份有限公司" => format!("浙江{word}{trade}股份有限公司"),
        "国有" => format!("绍兴市{county}{trade}集团有限公司"),
        "集体" => format!("绍兴市{county}{word}{trade}厂"),
        "港澳台商投资" | "外商投资" => format!("{word}{trade}（绍兴）有限公司"),
        _ => format!("绍兴市{county}{word}{trade}有限公司"),
    };
    let registered_on = day_between(rng, date(1998, 1, 1), date(2025, 11, 30));
    let recorded_district = match (district, registered_on < date(2013, 10, 18) && rng.random_bool(0.3)) {
        ("330603", true) => "330621",
        ("330604", true) => "330682",
        _ => district,
    };
    let status = pick(rng, STATUSES);
    // Firm sizes are heavily skewed; factories are larger than shops and offices.
    let factor = if industry.section == 'C' { 1.8 } else { 1.0 };
    let insured = match status {
        "注销" => 0,
        _ => (lognormal(rng, 16.0 * factor, 1.25).round() as u32).clamp(1, 20_000),
    };
    let pay_level = match industry.code {
        "17" | "18" | "52" | "62" => 0.85,
        "39" | "65" | "66" | "27" => 1.3,
        "83" | "84" | "44" => 1.15,
        _ => 1.0,
    };
    let base = if kind == "私营" { PRIVATE_WAGE } else { NON_PRIVATE_WAGE };
    let average_wage = lognormal(rng, base * pay_level, 0.18).clamp(30_000.0, 600_000.0);
    Employer {
        uscc,
        name,
        district,
        recorded_district,
        industry,
        kind,
        registered_on,
        status,
        insured,
        average_wage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hrss_core::identifiers::{is_valid_resident_id, is_valid_uscc, ResidentId};
    use std::collections::HashSet;

    #[test]
    fn generated_identifiers_pass_their_checks() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..500 {
            assert!(is_valid_uscc(&employer(&mut rng).uscc));
        }
        let pool = PersonPool::new(1);
        for i in 0..2_000 {
            assert!(is_valid_resident_id(&pool.worker(i).resident_id));
            assert!(is_valid_resident_id(&pool.retiree(i).resident_id));
        }
    }

    #[test]
    fn pool_members_are_distinct_and_stable() {
        let pool = PersonPool::new(7);
        let mut seen = HashSet::new();
        for i in 0..50_000 {
            assert!(seen.insert(pool.worker(i).resident_id), "worker {i} repeats an ID number");
        }
        for i in 0..5_000 {
            assert!(seen.insert(pool.retiree(i).resident_id), "retiree {i} repeats an ID number");
        }
        assert_eq!(pool.worker(123).resident_id, PersonPool::new(7).worker(123).resident_id);
    }

    #[test]
    fn birth_dates_and_legacy_numbers_agree_with_the_id() {
        let pool = PersonPool::new(9);
        for i in 0..200 {
            let p = pool.retiree(i);
            let id = ResidentId::parse(&p.resident_id).expect("valid");
            assert_eq!(id.birth_year(), p.birth.year());
            assert!((1935..=1970).contains(&p.birth.year()));
            assert_eq!(ResidentId::parse(&p.legacy_id()).expect("legacy converts").as_str(), p.resident_id);
            let w = pool.worker(i);
            assert!((1965..=2007).contains(&w.birth.year()));
        }
    }
}
