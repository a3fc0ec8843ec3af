//! High-level talent introductions (高层次人才引进), the talent office's year summary: a workbook with a title
//! row, a two-row merged header (person and employer groups), real Excel date cells and a total row.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rust_xlsxwriter::{Workbook, XlsxError};

use crate::common::{
    date, day_between, header_two_rows, pick, pick_weighted, save, signature, title, workbook, write_row, wrong_check_digit, Cell, Formats,
    Planted, Tally, Weighted, YEAR,
};
use crate::world::World;
use crate::{GenerateError, GeneratedFile, Result};

pub const TALENT_FILE: &str = "高层次人才引进_2025.xlsx";

/// 人才层次: A (top) is rare, E common; the subsidy (万元) grows with the tier.
const TIERS: &[(&str, u32, f64)] = &[("A类", 2, 500.0), ("B类", 8, 200.0), ("C类", 20, 100.0), ("D类", 30, 50.0), ("E类", 40, 20.0)];
/// 专业领域 and the GB/T 4754 divisions of the employers that recruit in it (empty: any).
const FIELDS: &[(&str, u32, &[&str])] = &[
    ("集成电路", 15, &["39"]),
    ("生物医药", 18, &["27", "84"]),
    ("新材料", 15, &["26", "28", "29"]),
    ("高端装备", 20, &["34", "35", "38"]),
    ("现代纺织", 12, &["17", "18", "28"]),
    ("数字经济", 12, &["65", "39"]),
    ("其他", 8, &[]),
];
const COLUMNS: &[(&str, &[&str])] = &[
    ("序号", &[]),
    ("人才信息", &["姓名", "公民身份号码", "人才层次"]),
    ("引进单位", &["统一社会信用代码", "单位名称", "所属区县代码"]),
    ("专业领域", &[]),
    ("引进日期", &[]),
    ("补贴金额（万元）", &[]),
];

pub fn write(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let xlsx = |source| GenerateError::Xlsx { path: path.into(), source };
    let mut workbook = workbook().map_err(xlsx)?;
    let tally = fill(&mut workbook, world, rng).map_err(xlsx)?;
    save(workbook, path)?;
    Ok(tally.file("talent_introductions", path))
}

fn fill(workbook: &mut Workbook, world: &World, rng: &mut ChaCha8Rng) -> Result<Tally, XlsxError> {
    let n = world.count(300.0);
    // People of an age to be recruited as high-level talent (born 1970-1997), drawn from the talent range;
    // the last ones are taken whatever their age should the range run short.
    let range = world.blocks.talent.clone();
    let mut people = Vec::with_capacity(n);
    for index in range.clone() {
        let year = chrono::Datelike::year(&world.worker(index).birth);
        if people.len() < n && ((1970..=1997).contains(&year) || n - people.len() >= range.end - index) {
            people.push(index);
        }
    }
    let mut rows: Vec<(chrono::NaiveDate, usize)> =
        people.into_iter().map(|p| (day_between(rng, date(YEAR, 1, 2), date(YEAR, 12, 28)), p)).collect();
    rows.sort();

    let formats = Formats::default();
    let sheet = workbook.add_worksheet();
    sheet.set_name("人才引进")?;
    title(sheet, &formats, &format!("绍兴市{YEAR}年度高层次人才引进情况汇总表"), 10)?;
    sheet.write_string(1, 0, "填报单位：绍兴市人力资源和社会保障局（人才工作领导小组办公室）")?;
    header_two_rows(sheet, &formats, 2, COLUMNS)?;
    let planted = Planted::choose(rng, rows.len());
    let recruiters = recruiters(world);
    let field_weights: Vec<(usize, u32)> = FIELDS.iter().enumerate().map(|(i, (_, w, _))| (i, *w)).collect();
    let mut tally = Tally::default();
    let mut row = 4;
    let mut subsidy_total = 0.0;
    for (i, (day, index)) in rows.into_iter().enumerate() {
        let someone = world.worker(index);
        let (tier, _, subsidy) = *pick_weighted(rng, TIERS, |(_, w, _)| *w);
        let subsidy = subsidy * [0.8, 1.0, 1.0, 1.2][rng.random_range(0..4)];
        let field = pick(rng, &field_weights);
        let (candidates, weights) = &recruiters[field];
        let e = &world.employers[candidates[weights.pick(rng)]];
        let mut cells = vec![
            Cell::Number(0.0),
            Cell::text(&someone.name),
            Cell::text(&someone.resident_id),
            Cell::text(tier),
            Cell::text(&e.uscc),
            Cell::text(&e.name),
            Cell::text(e.district),
            Cell::text(FIELDS[field].0),
            Cell::Date(day),
            Cell::Number(subsidy),
        ];
        let mut duplicate = false;
        if planted.contains(i) {
            tally.planted += 1;
            match rng.random_range(0..5) {
                0 => cells[2] = Cell::Text(wrong_check_digit(&someone.resident_id)),
                // Typed as text over the date cell.
                1 => cells[8] = Cell::Text(crate::common::DateStyle::Iso.impossible(rng)),
                // 顶尖人才, a tier above A in some cities' schemes, is not in the city's code list.
                2 => cells[3] = Cell::text("顶尖人才"),
                3 => cells[9] = Cell::text("—"),
                // The same person entered by two offices.
                _ => duplicate = true,
            }
        }
        for _ in 0..1 + usize::from(duplicate) {
            tally.data_rows += 1;
            cells[0] = Cell::Number(tally.data_rows as f64);
            write_row(sheet, &formats, row, &cells)?;
            if let Cell::Number(amount) = cells[9] {
                subsidy_total += amount;
            }
            row += 1;
        }
    }
    let mut total = vec![Cell::text("合计"), Cell::Text(format!("{}人", tally.data_rows))];
    total.extend(std::iter::repeat_n(Cell::Blank, 7));
    total.push(Cell::Number(subsidy_total));
    write_row(sheet, &formats, row, &total)?;
    signature(sheet, row + 2, "周敏", "金海峰")?;
    Ok(tally)
}

/// For each field: the active employers in its divisions (any active employer if none is), larger ones likelier.
fn recruiters(world: &World) -> Vec<(Vec<usize>, Weighted)> {
    FIELDS
        .iter()
        .map(|(_, _, divisions)| {
            let fits: Vec<usize> = world
                .active
                .iter()
                .copied()
                .filter(|i| divisions.is_empty() || divisions.contains(&world.employers[*i].industry.code))
                .collect();
            let candidates = if fits.is_empty() { world.active.clone() } else { fits };
            let weights = Weighted::new(candidates.iter().map(|i| f64::from(world.employers[*i].insured.max(1)).sqrt()));
            (candidates, weights)
        })
        .collect()
}
