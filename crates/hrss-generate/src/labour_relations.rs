//! Labour relations: the labour inspectorate's wage-arrears case register (欠薪案件台账, a workbook with real
//! date cells) and the arbitration committee's case list (劳动人事争议仲裁案件, a UTF-8 CSV).

use std::path::Path;

use chrono::NaiveDate;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{Workbook, XlsxError};

use crate::common::{
    add_days, date, day_between, header, lognormal, mistyped_amount, pick, save, signature, title, workbook, write_row,
    wrong_check_digit, yuan, Cell, CsvFile, DateStyle, Encoding, Formats, Planted, Tally, Weighted, YEAR,
};
use crate::people::Employer;
use crate::world::{last_day, World};
use crate::{GenerateError, GeneratedFile, Result};

pub const ARREARS_FILE: &str = "欠薪案件台账_2025.xlsx";
pub const ARBITRATION_FILE: &str = "劳动人事争议仲裁案件_2025.csv";

const ARREARS_HEADER: [&str; 12] = [
    "案件编号", "立案日期", "结案日期", "用人单位统一社会信用代码", "用人单位名称", "项目名称", "行业代码", "所属区县代码",
    "涉及人数", "欠薪金额（元）", "追回金额（元）", "案件状态",
];
/// Arrears peak before the Spring Festival, when migrant workers go home and want their year's pay.
const ARREARS_MONTHS: &[(u32, u32)] =
    &[(1, 20), (2, 6), (3, 6), (4, 6), (5, 6), (6, 7), (7, 7), (8, 7), (9, 8), (10, 8), (11, 10), (12, 15)];
const PROJECTS: &[&str] = &["安置房", "商品住宅", "厂房建设", "道路改造", "学校新建", "医院扩建", "污水管网改造", "安置小区配套"];

/// Employers that can owe or be sued: not closed ones.
fn respondents<'w>(world: &'w World, sections: &[char]) -> (Vec<&'w Employer>, Weighted) {
    let mut chosen: Vec<&Employer> = world
        .employers
        .iter()
        .filter(|e| e.status != "注销" && (sections.is_empty() || sections.contains(&e.industry.section)))
        .collect();
    if chosen.is_empty() {
        chosen = world.active.iter().map(|i| &world.employers[*i]).collect();
    }
    let weights = Weighted::new(chosen.iter().map(|e| f64::from(e.insured.max(1))));
    (chosen, weights)
}

pub fn write_arrears(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let xlsx = |source| GenerateError::Xlsx { path: path.into(), source };
    let mut workbook = workbook().map_err(xlsx)?;
    let tally = fill_arrears(&mut workbook, world, rng).map_err(xlsx)?;
    save(workbook, path)?;
    Ok(tally.file("wage_arrears_cases", path))
}

fn fill_arrears(workbook: &mut Workbook, world: &World, rng: &mut ChaCha8Rng) -> Result<Tally, XlsxError> {
    let n = world.count(200.0);
    let mut days: Vec<NaiveDate> = (0..n)
        .map(|_| {
            let month = pick(rng, ARREARS_MONTHS);
            day_between(rng, date(YEAR, month, 1), last_day(YEAR, month))
        })
        .collect();
    days.sort();
    // Construction (section E: divisions 47/48) is about 60% of cases, manufacturing and services the rest.
    let pools = [respondents(world, &['E']), respondents(world, &['C']), respondents(world, &[])];
    let year_end = date(YEAR, 12, 31);

    let formats = Formats::default();
    let sheet = workbook.add_worksheet();
    sheet.set_name("欠薪案件")?;
    title(sheet, &formats, &format!("绍兴市{YEAR}年欠薪案件台账"), ARREARS_HEADER.len() as u16)?;
    sheet.write_string(1, 0, "填报单位：绍兴市劳动保障监察支队")?;
    header(sheet, &formats, 2, &ARREARS_HEADER)?;
    let planted = Planted::choose(rng, n);
    let mut tally = Tally::default();
    let (mut owed_total, mut recovered_total, mut workers_total) = (0.0, 0.0, 0.0);
    let mut row = 3;
    for (i, filed) in days.into_iter().enumerate() {
        let (employers, weights) = &pools[pick(rng, &[(0usize, 60), (1, 25), (2, 15)])];
        let e = employers[weights.pick(rng)];
        let construction = e.industry.section == 'E';
        let workers = lognormal(rng, if construction { 18.0 } else { 8.0 }, 0.8).round().clamp(3.0, 120.0);
        let monthly = if construction { 8_000.0 } else { 6_000.0 };
        let owed = (workers * f64::from(rng.random_range(1..=4u32)) * monthly * rng.random_range(0.8..1.2)).round();
        let closed_on = add_days(filed, rng.random_range(5..60));
        let (status, closed, recovered) = match pick(rng, &[("已结案", 80), ("办理中", 15), ("移送公安", 5)]) {
            "已结案" if closed_on <= year_end => ("已结案", Some(closed_on), owed * rng.random_range(0.85..0.95)),
            "移送公安" if closed_on <= year_end => ("移送公安", Some(closed_on), owed * rng.random_range(0.0..0.3)),
            _ => ("办理中", None, owed * rng.random_range(0.0..0.5)),
        };
        let recovered = recovered.round();
        let project = if construction {
            format!("{}某{}项目", hrss_core::codes::current_district(e.district).map_or("", |d| d.name_zh), PROJECTS[rng.random_range(0..PROJECTS.len())])
        } else {
            String::new()
        };
        let mut cells = vec![
            Cell::Text(format!("QX{YEAR}{:05}", i + 1)),
            Cell::Date(filed),
            closed.map_or(Cell::Blank, Cell::Date),
            Cell::text(&e.uscc),
            Cell::text(&e.name),
            if project.is_empty() { Cell::Blank } else { Cell::Text(project) },
            Cell::text(e.industry.code),
            Cell::text(e.district),
            Cell::Number(workers),
            Cell::Number(owed),
            Cell::Number(recovered),
            Cell::text(status),
        ];
        let mut duplicate = false;
        if planted.contains(i) {
            tally.planted += 1;
            match rng.random_range(0..5) {
                0 => cells[1] = Cell::Text(DateStyle::Iso.impossible(rng)),
                1 => cells[9] = Cell::Number(-owed),
                // 已撤案 (complaint withdrawn) is not a status of the register's code list.
                2 => cells[11] = Cell::text("已撤案"),
                3 => cells[10] = Cell::Text(mistyped_amount(rng, &yuan(recovered))),
                _ => duplicate = true,
            }
        }
        for _ in 0..1 + usize::from(duplicate) {
            write_row(sheet, &formats, row, &cells)?;
            if let (Cell::Number(w), Cell::Number(o)) = (&cells[8], &cells[9]) {
                workers_total += w;
                owed_total += o;
            }
            if let Cell::Number(r) = &cells[10] {
                recovered_total += r;
            }
            row += 1;
            tally.data_rows += 1;
        }
    }
    let mut total = vec![Cell::text("合计")];
    total.extend(std::iter::repeat_n(Cell::Blank, 7));
    total.extend([Cell::Number(workers_total), Cell::Number(owed_total), Cell::Number(recovered_total)]);
    write_row(sheet, &formats, row, &total)?;
    signature(sheet, row + 2, "孙磊", "高建国")?;
    Ok(tally)
}

const ARBITRATION_HEADER: [&str; 14] = [
    "案号", "申请日期", "立案日期", "结案日期", "申请人公民身份号码", "申请人姓名", "被申请单位统一社会信用代码", "争议类型",
    "申请人数", "申请金额（元）", "处理阶段", "结案方式", "裁决金额（元）", "所属区县代码",
];
/// 争议类型 with the median amount claimed per applicant (none for confirming an employment relationship).
const DISPUTES: &[(&str, u32, f64)] = &[
    ("劳动报酬", 35, 25_000.0), ("社会保险", 20, 15_000.0), ("解除劳动合同", 25, 45_000.0), ("工伤待遇", 8, 120_000.0),
    ("确认劳动关系", 7, 0.0), ("其他", 5, 10_000.0),
];
/// Applications peak after the Spring Festival, when people change jobs.
const APPLICATION_MONTHS: &[(u32, u32)] =
    &[(1, 8), (2, 10), (3, 11), (4, 9), (5, 8), (6, 8), (7, 8), (8, 8), (9, 8), (10, 7), (11, 8), (12, 7)];

pub fn write_arbitration(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let n = world.count(1_200.0);
    let mut applied: Vec<NaiveDate> = (0..n)
        .map(|_| {
            let month = pick(rng, APPLICATION_MONTHS);
            day_between(rng, date(YEAR, month, 1), last_day(YEAR, month))
        })
        .collect();
    applied.sort();
    let (employers, weights) = respondents(world, &[]);
    let year_end = date(YEAR, 12, 31);
    let planted = Planted::choose(rng, n);
    let mut out = CsvFile::create(path, Encoding::Utf8, &ARBITRATION_HEADER)?;
    let mut tally = Tally::default();
    let (mut filed_no, mut mediation_no) = (0, 0);
    for (i, applied_on) in applied.into_iter().enumerate() {
        let applicant = world.worker(world.blocks.arbitration.start + i);
        let e = employers[weights.pick(rng)];
        let (kind, _, per_person) = *crate::common::pick_weighted(rng, DISPUTES, |(_, w, _)| *w);
        let applicants: u32 = match rng.random_range(0..100) {
            0..90 => 1,
            90..98 => rng.random_range(2..10),
            _ => rng.random_range(10..31),
        };
        let claimed = (per_person > 0.0).then(|| (lognormal(rng, per_person, 0.7) * f64::from(applicants)).round());
        let filed_on = add_days(applied_on, rng.random_range(0..6));
        let closed_on = add_days(filed_on, rng.random_range(10..60));
        // About 90% close within the year; the rest are open at some stage.
        let (stage, closed, method) = if closed_on <= year_end && rng.random_bool(0.99) {
            ("已结案", Some(closed_on), Some(pick(rng, &[("调解", 60), ("裁决", 30), ("撤诉", 8), ("其他", 2)])))
        } else {
            (pick(rng, &[("案前调解", 30), ("立案受理", 40), ("开庭审理", 30)]), None, None)
        };
        let case_no = if stage == "案前调解" {
            mediation_no += 1;
            format!("绍劳人仲调字〔{YEAR}〕第{mediation_no}号")
        } else {
            filed_no += 1;
            format!("绍劳人仲案字〔{YEAR}〕第{filed_no}号")
        };
        let awarded = match (method, claimed) {
            (Some("裁决"), Some(claim)) => yuan((claim * rng.random_range(0.4..0.9)).round()),
            _ => String::new(),
        };
        let mut record = [
            case_no,
            DateStyle::Iso.format(applied_on),
            if stage == "案前调解" { String::new() } else { DateStyle::Iso.format(filed_on) },
            closed.map(|d| DateStyle::Iso.format(d)).unwrap_or_default(),
            applicant.resident_id.clone(),
            applicant.name.clone(),
            e.uscc.clone(),
            kind.to_string(),
            applicants.to_string(),
            claimed.map(yuan).unwrap_or_default(),
            stage.to_string(),
            method.unwrap_or_default().to_string(),
            awarded,
            e.district.to_string(),
        ];
        let mut duplicate = false;
        if planted.contains(i) {
            tally.planted += 1;
            match rng.random_range(0..5) {
                0 => record[4] = wrong_check_digit(&record[4]),
                1 => record[1] = DateStyle::Iso.impossible(rng),
                // 加班费 (overtime pay) is a kind of 劳动报酬, not a type of its own in the code list.
                2 => record[7] = "加班费".into(),
                3 => record[9] = mistyped_amount(rng, &record[9]),
                _ => duplicate = true,
            }
        }
        out.data_row(&mut tally, &record, duplicate)?;
    }
    out.finish()?;
    Ok(tally.file("arbitration_cases", path))
}
