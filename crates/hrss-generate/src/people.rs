//! Synthetic people and employers: valid resident ID numbers and credit codes, names, phones, districts, industries.

use hrss_core::codes::{IndustryDivision, INDUSTRY_DIVISIONS};
use hrss_core::identifiers::{resident_id_check_char, uscc_check_char};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Shaoxing's county-level codes weighted by resident population (万, 2023), with the two retired codes that
/// still appear in older ID numbers.
const SHAOXING_REGIONS: &[(&str, u32)] = &[
    ("330602", 113), ("330603", 112), ("330604", 80), ("330624", 41), ("330681", 123), ("330683", 70),
    ("330621", 12), ("330682", 8),
];
/// Where Shaoxing's migrant workers come from: Anhui, Jiangxi, Henan, Sichuan, Guizhou, Hunan, Yunnan.
const OTHER_PROVINCE_REGIONS: &[&str] = &["340524", "360426", "410102", "511002", "522121", "430124", "532101"];

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗", "金", "钱", "沈", "俞", "屠"];
const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "建国", "志强", "晓燕", "海峰", "丹", "琳"];

/// The weight of each industry division among employers: manufacturing clusters dominate.
fn industry_weight(d: &IndustryDivision) -> u32 {
    match d.code {
        "17" | "18" => 14,
        "26" | "28" | "33" | "34" | "35" | "38" | "39" => 6,
        "15" | "27" | "29" => 4,
        "47" | "48" | "51" | "52" => 5,
        _ => 2,
    }
}

pub fn pick_weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut ticket = rng.random_range(0..total);
    for item in items {
        let w = weight(item);
        if ticket < w {
            return item;
        }
        ticket -= w;
    }
    items.last().expect("non-empty list")
}

#[derive(Debug, Clone)]
pub struct Person {
    pub resident_id: String,
    pub name: String,
    pub phone: String,
}

pub fn person(rng: &mut ChaCha8Rng) -> Person {
    let region = if rng.random_bool(0.82) {
        pick_weighted(rng, SHAOXING_REGIONS, |(_, w)| *w).0
    } else {
        OTHER_PROVINCE_REGIONS[rng.random_range(0..OTHER_PROVINCE_REGIONS.len())]
    };
    let year = rng.random_range(1966..=2004);
    let month = rng.random_range(1..=12);
    let day = rng.random_range(1..=28);
    let sequence = rng.random_range(1..=999);
    let body = format!("{region}{year:04}{month:02}{day:02}{sequence:03}");
    let check = resident_id_check_char(&body).expect("17 generated digits");
    let name = format!("{}{}", SURNAMES[rng.random_range(0..SURNAMES.len())], GIVEN[rng.random_range(0..GIVEN.len())]);
    let phone = format!("1{}{:09}", ["3", "5", "8", "9"][rng.random_range(0..4)], rng.random_range(0..1_000_000_000u32));
    Person { resident_id: format!("{body}{check}"), name, phone }
}

#[derive(Debug, Clone)]
pub struct Employer {
    pub uscc: String,
    pub name: String,
    pub district: &'static str,
    pub industry: &'static IndustryDivision,
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

const FIRM_WORDS: &[&str] = &["恒达", "永兴", "华盛", "越美", "鉴湖", "兰亭", "会稽", "卧龙", "天成", "宏图", "金鹰", "远东", "新和", "浙富", "古越", "海亮"];

pub fn employer(rng: &mut ChaCha8Rng) -> Employer {
    let district = pick_weighted(rng, &SHAOXING_REGIONS[..6], |(_, w)| *w).0;
    let industry = pick_weighted(rng, INDUSTRY_DIVISIONS, industry_weight);
    let body = format!("91{district}{}", organisation_code(rng));
    let check = uscc_check_char(&body).expect("generated from the USCC alphabet");
    let county = hrss_core::codes::current_district(district).map_or("", |d| d.name_zh);
    let word = FIRM_WORDS[rng.random_range(0..FIRM_WORDS.len())];
    let trade = industry.name_zh.split(['、', '和']).next().unwrap_or(industry.name_zh).trim_end_matches("业");
    Employer { uscc: format!("{body}{check}"), name: format!("绍兴市{county}{word}{trade}有限公司"), district, industry }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hrss_core::identifiers::{is_valid_resident_id, is_valid_uscc};
    use rand::SeedableRng;

    #[test]
    fn generated_identifiers_pass_their_checks() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for _ in 0..500 {
            assert!(is_valid_resident_id(&person(&mut rng).resident_id));
            assert!(is_valid_uscc(&employer(&mut rng).uscc));
        }
    }
}
