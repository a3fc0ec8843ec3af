//! The online recruitment platform's exports (JSON lines, UTF-8): job postings (招聘岗位) and job seekers'
//! registrations (求职登记), sized so that vacancies per seeker (求人倍率) is about 1.5 overall, above 2 for
//! production work and below 1 for professional and clerical work.

use std::io::{BufWriter, Write};
use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::common::{
    date, day_between, json_line, lognormal, mistyped_amount, pick, pick_weighted, wrong_check_digit, DateStyle, Json,
    Planted, Tally, Weighted, YEAR,
};
use crate::employment::{hukou, HIRING_MONTHS};
use crate::people::URBAN_DISTRICTS;
use crate::world::{last_day, World};
use crate::{GenerateError, GeneratedFile, Result};

pub const POSTINGS_FILE: &str = "招聘岗位_2025.jsonl";
pub const SEEKERS_FILE: &str = "求职登记_2025.jsonl";

/// A GB/T 6565-2015 occupation in the 大类-中类-小类-细类 form the platform stores, with the usual job title.
/// The detailed codes are illustrative; what the warehouse relies on is the major group (the first digit).
struct Occupation {
    code: &'static str,
    title: &'static str,
}

const fn occ(code: &'static str, title: &'static str) -> Occupation {
    Occupation { code, title }
}

/// A major group: its occupations, its weight among postings and among seekers, the median monthly pay
/// offered, the postings' headcount distribution and the education asked for.
struct Group {
    occupations: &'static [Occupation],
    postings: u32,
    seekers: u32,
    pay: f64,
    headcounts: &'static [(i64, u32)],
    education: &'static [(&'static str, u32)],
}

const FEW: &[(i64, u32)] = &[(1, 80), (2, 14), (3, 4), (5, 2)];
const GROUPS: &[Group] = &[
    Group {
        occupations: &[
            occ("6-04-02-01", "纺纱工"), occ("6-04-03-01", "织布挡车工"), occ("6-04-06-01", "印染染色工"),
            occ("6-05-01-03", "缝纫工"), occ("6-11-01-03", "化工总控工"), occ("6-18-01-01", "数控车工"),
            occ("6-18-02-04", "焊工"), occ("6-20-01-01", "装配钳工"), occ("6-25-04-05", "电子设备装接工"),
            occ("6-12-01-01", "药物制剂工"), occ("6-29-01-03", "建筑钢筋工"), occ("6-31-01-03", "维修电工"),
        ],
        postings: 50,
        seekers: 44,
        pay: 5_800.0,
        headcounts: &[(1, 130), (2, 40), (3, 24), (5, 18), (10, 10), (20, 3), (30, 1), (50, 1)],
        education: &[("不限", 40), ("初中及以下", 25), ("高中", 10), ("中专", 15), ("大专", 10)],
    },
    Group {
        occupations: &[
            occ("4-01-02-01", "销售代表"), occ("4-01-02-07", "直播带货主播"), occ("4-02-07-01", "快递员"),
            occ("4-02-06-03", "仓库管理员"), occ("4-03-02-01", "中式烹调师"), occ("4-03-02-05", "餐厅服务员"),
            occ("4-07-05-01", "保安员"), occ("4-10-01-03", "保洁员"),
        ],
        postings: 24,
        seekers: 24,
        pay: 5_000.0,
        headcounts: FEW,
        education: &[("不限", 40), ("初中及以下", 10), ("高中", 25), ("中专", 15), ("大专", 10)],
    },
    Group {
        occupations: &[
            occ("2-02-07-01", "机械设计工程师"), occ("2-02-09-02", "电子工程师"), occ("2-02-10-03", "软件开发工程师"),
            occ("2-02-06-01", "化工工艺工程师"), occ("2-06-01-02", "会计"), occ("2-05-08-01", "护士"),
            occ("2-02-21-04", "纺织工艺工程师"),
        ],
        postings: 14,
        seekers: 17,
        pay: 8_000.0,
        headcounts: FEW,
        education: &[("大专", 30), ("本科", 55), ("硕士及以上", 15)],
    },
    Group {
        occupations: &[occ("3-01-02-01", "行政文员"), occ("3-01-04-02", "客服专员"), occ("3-02-03-01", "安全员")],
        postings: 8,
        seekers: 11,
        pay: 5_000.0,
        headcounts: FEW,
        education: &[("高中", 20), ("中专", 20), ("大专", 40), ("本科", 20)],
    },
    Group {
        occupations: &[occ("1-06-01-00", "生产经理"), occ("1-06-02-00", "销售经理")],
        postings: 2,
        seekers: 2,
        pay: 12_000.0,
        headcounts: &[(1, 1)],
        education: &[("大专", 20), ("本科", 60), ("硕士及以上", 20)],
    },
    Group {
        occupations: &[occ("5-01-02-01", "农艺工"), occ("5-05-01-02", "农机驾驶操作员")],
        postings: 1,
        seekers: 1,
        pay: 4_500.0,
        headcounts: &[(1, 70), (2, 20), (5, 10)],
        education: &[("不限", 60), ("初中及以下", 40)],
    },
    Group {
        occupations: &[occ("8-00-00-00", "普工")],
        postings: 1,
        seekers: 1,
        pay: 4_500.0,
        headcounts: FEW,
        education: &[("不限", 70), ("初中及以下", 30)],
    },
];

fn round_to(value: f64, step: f64) -> i64 {
    ((value / step).round() * step) as i64
}

struct JsonFile {
    path: std::path::PathBuf,
    out: BufWriter<std::fs::File>,
}

impl JsonFile {
    fn create(path: &Path) -> Result<Self> {
        let file = std::fs::File::create(path).map_err(|source| GenerateError::Io { path: path.into(), source })?;
        Ok(Self { path: path.into(), out: BufWriter::new(file) })
    }

    /// Writes a data line and counts it; a planted duplicate is written twice.
    fn data_line(&mut self, tally: &mut Tally, text: &str, twice: bool) -> Result<()> {
        for _ in 0..if twice { 2 } else { 1 } {
            writeln!(self.out, "{text}").map_err(|source| GenerateError::Io { path: self.path.clone(), source })?;
            tally.data_rows += 1;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.out.flush().map_err(|source| GenerateError::Io { path: self.path.clone(), source })
    }
}

pub fn write_postings(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let n = world.count(6_000.0);
    let mut days: Vec<_> = (0..n)
        .map(|_| {
            let month = pick(rng, HIRING_MONTHS);
            day_between(rng, date(YEAR, month, 1), last_day(YEAR, month))
        })
        .collect();
    days.sort();
    // Production work is posted by factories and builders; everything else by any employer.
    let industrial: Vec<usize> = world
        .active
        .iter()
        .copied()
        .filter(|i| matches!(world.employers[*i].industry.section, 'C' | 'D' | 'E'))
        .collect();
    let industrial = if industrial.is_empty() { world.active.clone() } else { industrial };
    let by_size = |ids: &[usize]| Weighted::new(ids.iter().map(|i| f64::from(world.employers[*i].insured.max(1)).sqrt()));
    let (all_weights, industrial_weights) = (by_size(&world.active), by_size(&industrial));

    let planted = Planted::choose(rng, n);
    let mut out = JsonFile::create(path)?;
    let mut tally = Tally::default();
    for (i, day) in days.into_iter().enumerate() {
        let group = pick_weighted(rng, GROUPS, |g| g.postings);
        let occupation = &group.occupations[rng.random_range(0..group.occupations.len())];
        let e = if group.occupations[0].code.starts_with('6') {
            &world.employers[industrial[industrial_weights.pick(rng)]]
        } else {
            &world.employers[world.active[all_weights.pick(rng)]]
        };
        let low = round_to(lognormal(rng, group.pay, 0.15).max(3_000.0), 500.0);
        let high = round_to(low as f64 * rng.random_range(1.2..1.6), 500.0);
        let mut fields = vec![
            ("岗位编号", Json::Str(format!("GW{YEAR}{:06}", i + 1))),
            ("发布日期", Json::Str(DateStyle::Compact.format(day))),
            ("单位统一社会信用代码", Json::Str(e.uscc.clone())),
            ("单位名称", Json::Str(e.name.clone())),
            ("所属区县代码", Json::Str(e.district.into())),
            ("行业代码", Json::Str(e.industry.code.into())),
            ("职业代码", Json::Str(occupation.code.into())),
            ("岗位名称", Json::Str(occupation.title.into())),
            ("招聘人数", Json::Int(pick(rng, group.headcounts))),
            ("月薪下限", Json::Int(low)),
            ("月薪上限", Json::Int(high)),
            ("学历要求", Json::Str(pick(rng, group.education).into())),
        ];
        let mut line = None;
        let mut duplicate = false;
        if planted.contains(i) {
            tally.planted += 1;
            match rng.random_range(0..5) {
                // The export was cut off mid-line.
                0 => line = Some(json_line(&fields).chars().take(rng.random_range(8..30)).collect::<String>()),
                1 => fields[8].1 = Json::Int(-rng.random_range(0..3)),
                2 => fields[1].1 = Json::Str(DateStyle::Compact.impossible(rng)),
                // 博士 is not one of the platform's education levels (硕士及以上 covers it).
                3 => fields[11].1 = Json::Str("博士".into()),
                _ => duplicate = true,
            }
        }
        let line = line.unwrap_or_else(|| json_line(&fields));
        out.data_line(&mut tally, &line, duplicate)?;
    }
    out.finish()?;
    Ok(tally.file("job_postings", path))
}

/// Education of a seeker of a group's work: as asked for, without "any".
fn education(rng: &mut ChaCha8Rng, group: &Group) -> &'static str {
    match pick(rng, group.education) {
        "不限" => pick(rng, &[("初中及以下", 50), ("高中", 30), ("中专", 20)]),
        level => level,
    }
}

/// An occupation code of major group `major` and the education of someone doing it (for the wage survey).
pub fn occupation_in_group(rng: &mut ChaCha8Rng, major: char) -> (&'static str, &'static str) {
    let group = GROUPS.iter().find(|g| g.occupations[0].code.starts_with(major)).unwrap_or(&GROUPS[0]);
    let occupation = &group.occupations[rng.random_range(0..group.occupations.len())];
    (occupation.code, education(rng, group))
}

pub fn write_seekers(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let n = world.count(8_000.0);
    // A quarter of the year's newly registered unemployed also look for work on the platform within a week.
    let mut plan: Vec<(chrono::NaiveDate, usize, &'static str)> = Vec::new();
    for s in world.spells.iter().filter(|s| s.registered_on >= date(YEAR, 1, 1)) {
        if plan.len() < n && rng.random_bool(0.25) {
            plan.push((within_year(s.registered_on, rng.random_range(0..7)), s.person, s.district));
        }
    }
    let from_spells = plan.len();
    for k in 0..n - from_spells {
        let month = pick(rng, HIRING_MONTHS);
        let day = day_between(rng, date(YEAR, month, 1), last_day(YEAR, month));
        plan.push((day, world.blocks.seekers.start + k, pick(rng, URBAN_DISTRICTS)));
    }
    plan.sort();

    let planted = Planted::choose(rng, plan.len());
    let mut out = JsonFile::create(path)?;
    let mut tally = Tally::default();
    for (i, (day, person, district)) in plan.into_iter().enumerate() {
        let someone = world.worker(person);
        let group = pick_weighted(rng, GROUPS, |g| g.seekers);
        let occupation = &group.occupations[rng.random_range(0..group.occupations.len())];
        let wage = round_to(lognormal(rng, group.pay * 1.05, 0.18).max(3_000.0), 500.0);
        let mut fields = vec![
            ("登记编号", Json::Str(format!("QZ{YEAR}{:06}", i + 1))),
            ("登记日期", Json::Str(DateStyle::Compact.format(day))),
            ("公民身份号码", Json::Str(someone.resident_id.clone())),
            ("姓名", Json::Str(someone.name.clone())),
            ("联系电话", Json::Str(someone.phone.clone())),
            ("求职意向职业代码", Json::Str(occupation.code.into())),
            ("文化程度", Json::Str(education(rng, group).into())),
            ("户籍类型", Json::Str(hukou(rng, &someone).into())),
            ("期望月薪", Json::Int(wage)),
            ("所属区县代码", Json::Str(district.into())),
        ];
        let mut duplicate = false;
        if planted.contains(i) {
            tally.planted += 1;
            match rng.random_range(0..5) {
                0 => fields[2].1 = Json::Str(wrong_check_digit(&someone.resident_id)),
                1 => fields[1].1 = Json::Str(DateStyle::Compact.impossible(rng)),
                // 研究生 is how people say it; the code list says 硕士及以上.
                2 => fields[6].1 = Json::Str("研究生".into()),
                3 => fields[8].1 = Json::Str(mistyped_amount(rng, &wage.to_string())),
                _ => duplicate = true,
            }
        }
        let line = json_line(&fields);
        out.data_line(&mut tally, &line, duplicate)?;
    }
    out.finish()?;
    Ok(tally.file("job_seekers", path))
}

/// `days` after `day`, but within the data year.
fn within_year(day: chrono::NaiveDate, days: u64) -> chrono::NaiveDate {
    crate::common::add_days(day, days).min(date(YEAR, 12, 31))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vacancies_per_seeker_is_about_one_and_a_half() {
        let demand: f64 = GROUPS.iter().map(|g| {
            let total: u32 = g.headcounts.iter().map(|(_, w)| w).sum();
            let mean = g.headcounts.iter().map(|(n, w)| *n as f64 * f64::from(*w)).sum::<f64>() / f64::from(total);
            f64::from(g.postings) * mean
        }).sum::<f64>() / f64::from(GROUPS.iter().map(|g| g.postings).sum::<u32>());
        let ratio = demand * 6_000.0 / 8_000.0;
        assert!((1.3..1.6).contains(&ratio), "求人倍率 {ratio}");
    }
}
