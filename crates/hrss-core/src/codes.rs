//! Code lists: GB/T 2260 divisions of Shaoxing, GB/T 4754 industry sections and divisions, insurance schemes;
//! also served to SQL as the `ref` schema.

use std::sync::Arc;

use arrow::array::{RecordBatch, StringArray};
use datafusion::catalog::{MemTable, MemorySchemaProvider, SchemaProvider};

/// A county-level administrative division (GB/T 2260).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct District {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    /// The current code a retired code maps to (the 2013 reorganisation); `None` for current codes.
    pub successor: Option<&'static str>,
}

/// Shaoxing's six county-level divisions and the two codes retired in 2013.
pub const SHAOXING_DISTRICTS: &[District] = &[
    District { code: "330602", name_zh: "越城区", name_en: "Yuecheng", successor: None },
    District { code: "330603", name_zh: "柯桥区", name_en: "Keqiao", successor: None },
    District { code: "330604", name_zh: "上虞区", name_en: "Shangyu", successor: None },
    District { code: "330624", name_zh: "新昌县", name_en: "Xinchang", successor: None },
    District { code: "330681", name_zh: "诸暨市", name_en: "Zhuji", successor: None },
    District { code: "330683", name_zh: "嵊州市", name_en: "Shengzhou", successor: None },
    District { code: "330621", name_zh: "绍兴县", name_en: "Shaoxing County (retired 2013)", successor: Some("330603") },
    District { code: "330682", name_zh: "上虞市", name_en: "Shangyu City (retired 2013)", successor: Some("330604") },
];

/// The division a code stands for today: retired codes map to their successor.
pub fn current_district(code: &str) -> Option<&'static District> {
    let district = SHAOXING_DISTRICTS.iter().find(|d| d.code == code)?;
    match district.successor {
        Some(next) => SHAOXING_DISTRICTS.iter().find(|d| d.code == next),
        None => Some(district),
    }
}

/// A GB/T 4754-2017 division (大类) and its section (门类).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndustryDivision {
    pub code: &'static str,
    pub section: char,
    pub name_zh: &'static str,
}

/// The divisions hrss generates and validates against: Shaoxing's manufacturing clusters plus the main services.
pub const INDUSTRY_DIVISIONS: &[IndustryDivision] = &[
    IndustryDivision { code: "01", section: 'A', name_zh: "农业" },
    IndustryDivision { code: "15", section: 'C', name_zh: "酒、饮料和精制茶制造业" },
    IndustryDivision { code: "17", section: 'C', name_zh: "纺织业" },
    IndustryDivision { code: "18", section: 'C', name_zh: "纺织服装、服饰业" },
    IndustryDivision { code: "26", section: 'C', name_zh: "化学原料和化学制品制造业" },
    IndustryDivision { code: "27", section: 'C', name_zh: "医药制造业" },
    IndustryDivision { code: "28", section: 'C', name_zh: "化学纤维制造业" },
    IndustryDivision { code: "29", section: 'C', name_zh: "橡胶和塑料制品业" },
    IndustryDivision { code: "33", section: 'C', name_zh: "金属制品业" },
    IndustryDivision { code: "34", section: 'C', name_zh: "通用设备制造业" },
    IndustryDivision { code: "35", section: 'C', name_zh: "专用设备制造业" },
    IndustryDivision { code: "38", section: 'C', name_zh: "电气机械和器材制造业" },
    IndustryDivision { code: "39", section: 'C', name_zh: "计算机、通信和其他电子设备制造业" },
    IndustryDivision { code: "44", section: 'D', name_zh: "电力、热力生产和供应业" },
    IndustryDivision { code: "47", section: 'E', name_zh: "房屋建筑业" },
    IndustryDivision { code: "48", section: 'E', name_zh: "土木工程建筑业" },
    IndustryDivision { code: "51", section: 'F', name_zh: "批发业" },
    IndustryDivision { code: "52", section: 'F', name_zh: "零售业" },
    IndustryDivision { code: "54", section: 'G', name_zh: "道路运输业" },
    IndustryDivision { code: "62", section: 'H', name_zh: "餐饮业" },
    IndustryDivision { code: "65", section: 'I', name_zh: "软件和信息技术服务业" },
    IndustryDivision { code: "66", section: 'J', name_zh: "货币金融服务" },
    IndustryDivision { code: "70", section: 'K', name_zh: "房地产业" },
    IndustryDivision { code: "72", section: 'L', name_zh: "商务服务业" },
    IndustryDivision { code: "83", section: 'P', name_zh: "教育" },
    IndustryDivision { code: "84", section: 'Q', name_zh: "卫生" },
];

/// The GB/T 4754 section letters with their Chinese names.
pub const INDUSTRY_SECTIONS: &[(char, &str)] = &[
    ('A', "农、林、牧、渔业"), ('B', "采矿业"), ('C', "制造业"), ('D', "电力、热力、燃气及水生产和供应业"),
    ('E', "建筑业"), ('F', "批发和零售业"), ('G', "交通运输、仓储和邮政业"), ('H', "住宿和餐饮业"),
    ('I', "信息传输、软件和信息技术服务业"), ('J', "金融业"), ('K', "房地产业"), ('L', "租赁和商务服务业"),
    ('M', "科学研究和技术服务业"), ('N', "水利、环境和公共设施管理业"), ('O', "居民服务、修理和其他服务业"),
    ('P', "教育"), ('Q', "卫生和社会工作"), ('R', "文化、体育和娱乐业"), ('S', "公共管理、社会保障和社会组织"),
    ('T', "国际组织"),
];

/// The section a two-digit GB/T 4754-2017 division belongs to, from the standard's division ranges.
pub fn industry_section(division: &str) -> Option<char> {
    let n: u8 = division.get(..2)?.parse().ok()?;
    let section = match n {
        1..=5 => 'A', 6..=12 => 'B', 13..=43 => 'C', 44..=46 => 'D', 47..=50 => 'E', 51..=52 => 'F',
        53..=60 => 'G', 61..=62 => 'H', 63..=65 => 'I', 66..=69 => 'J', 70 => 'K', 71..=72 => 'L',
        73..=75 => 'M', 76..=79 => 'N', 80..=82 => 'O', 83 => 'P', 84..=85 => 'Q', 86..=90 => 'R',
        91..=96 => 'S', 97 => 'T', _ => return None,
    };
    Some(section)
}

/// An insurance scheme administered by the bureau.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InsuranceScheme {
    pub code: &'static str,
    pub name_zh: &'static str,
    /// Zhejiang-like employer and employee contribution rates, as fractions of the contribution base.
    pub employer_rate: f64,
    pub employee_rate: f64,
}

/// The three schemes of the bureau's contribution records.
pub const INSURANCE_SCHEMES: &[InsuranceScheme] = &[
    InsuranceScheme { code: "pension", name_zh: "企业职工基本养老保险", employer_rate: 0.16, employee_rate: 0.08 },
    InsuranceScheme { code: "unemployment", name_zh: "失业保险", employer_rate: 0.005, employee_rate: 0.005 },
    InsuranceScheme { code: "work_injury", name_zh: "工伤保险", employer_rate: 0.004, employee_rate: 0.0 },
];

pub fn insurance_scheme_by_name(name: &str) -> Option<&'static InsuranceScheme> {
    INSURANCE_SCHEMES.iter().find(|s| s.name_zh == name || s.code == name)
}

/// GB/T 6565-2015 occupation major groups (大类); codes are written `2` or in full `2-02-10-01`.
pub const OCCUPATION_MAJOR_GROUPS: &[(&str, &str, &str)] = &[
    ("1", "党的机关、国家机关、群众团体和社会组织、企事业单位负责人", "Heads of organisations and enterprises"),
    ("2", "专业技术人员", "Professional and technical personnel"),
    ("3", "办事人员和有关人员", "Clerks and related personnel"),
    ("4", "社会生产服务和生活服务人员", "Social production and life services personnel"),
    ("5", "农、林、牧、渔业生产及辅助人员", "Agriculture, forestry, animal husbandry and fishery personnel"),
    ("6", "生产制造及有关人员", "Production, manufacturing and related personnel"),
    ("7", "军人", "Military personnel"),
    ("8", "不便分类的其他从业人员", "Other workers not elsewhere classified"),
];

/// The major group of a GB/T 6565-2015 occupation code (`2`, `2-02`, `2-02-10-01`, `20210 01`).
pub fn occupation_major_group(code: &str) -> Option<&'static str> {
    let first = code.trim().chars().next()?;
    OCCUPATION_MAJOR_GROUPS.iter().map(|(c, _, _)| *c).find(|c| c.starts_with(first))
}

fn string_table(columns: Vec<(&str, Vec<Option<String>>)>) -> crate::Result<Arc<MemTable>> {
    let batch = RecordBatch::try_from_iter(
        columns.into_iter().map(|(name, values)| (name, Arc::new(StringArray::from(values)) as _)),
    )?;
    Ok(Arc::new(MemTable::try_new(batch.schema(), vec![vec![batch]])?))
}

/// The `ref` schema: `ref.districts`, `ref.industry_sections`, `ref.industry_divisions`, `ref.insurance_schemes`,
/// `ref.occupations`.
pub fn reference_schema() -> crate::Result<MemorySchemaProvider> {
    let text = |s: &str| Some(s.to_string());
    let schema = MemorySchemaProvider::new();
    schema.register_table(
        "districts".into(),
        string_table(vec![
            ("code", SHAOXING_DISTRICTS.iter().map(|d| text(d.code)).collect()),
            ("name_zh", SHAOXING_DISTRICTS.iter().map(|d| text(d.name_zh)).collect()),
            ("name_en", SHAOXING_DISTRICTS.iter().map(|d| text(d.name_en)).collect()),
            ("successor_code", SHAOXING_DISTRICTS.iter().map(|d| d.successor.map(str::to_string)).collect()),
        ])?,
    )?;
    schema.register_table(
        "industry_sections".into(),
        string_table(vec![
            ("section", INDUSTRY_SECTIONS.iter().map(|(s, _)| Some(s.to_string())).collect()),
            ("name_zh", INDUSTRY_SECTIONS.iter().map(|(_, n)| text(n)).collect()),
        ])?,
    )?;
    schema.register_table(
        "industry_divisions".into(),
        string_table(vec![
            ("division", INDUSTRY_DIVISIONS.iter().map(|d| text(d.code)).collect()),
            ("section", INDUSTRY_DIVISIONS.iter().map(|d| Some(d.section.to_string())).collect()),
            ("name_zh", INDUSTRY_DIVISIONS.iter().map(|d| text(d.name_zh)).collect()),
        ])?,
    )?;
    schema.register_table(
        "insurance_schemes".into(),
        string_table(vec![
            ("code", INSURANCE_SCHEMES.iter().map(|s| text(s.code)).collect()),
            ("name_zh", INSURANCE_SCHEMES.iter().map(|s| text(s.name_zh)).collect()),
        ])?,
    )?;
    schema.register_table(
        "occupations".into(),
        string_table(vec![
            ("major_group", OCCUPATION_MAJOR_GROUPS.iter().map(|(c, _, _)| text(c)).collect()),
            ("name_zh", OCCUPATION_MAJOR_GROUPS.iter().map(|(_, n, _)| text(n)).collect()),
            ("name_en", OCCUPATION_MAJOR_GROUPS.iter().map(|(_, _, n)| text(n)).collect()),
        ])?,
    )?;
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retired_codes_map_to_successors() {
        assert_eq!(current_district("330621").map(|d| d.code), Some("330603"));
        assert_eq!(current_district("330682").map(|d| d.code), Some("330604"));
        assert_eq!(current_district("330602").map(|d| d.name_zh), Some("越城区"));
        assert_eq!(current_district("110101"), None);
    }

    #[test]
    fn occupation_codes_resolve_to_major_groups() {
        assert_eq!(occupation_major_group("2-02-10-01"), Some("2"));
        assert_eq!(occupation_major_group("6"), Some("6"));
        assert_eq!(occupation_major_group("9-01"), None);
        assert_eq!(occupation_major_group(""), None);
    }

    #[test]
    fn every_listed_division_sits_in_its_standard_section() {
        for d in INDUSTRY_DIVISIONS {
            assert_eq!(industry_section(d.code), Some(d.section), "{}", d.code);
        }
    }
}
