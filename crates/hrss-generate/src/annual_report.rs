//! The bureau's annual statistical report (人力资源和社会保障统计年报) by district, 2016-2025: the yearly
//! history the planning office's five-year forecasts start from. A GB18030 CSV exported from the
//! reporting system, person counts in 万人 with two decimals and wages in 元. Aggregates at the city's
//! real magnitude, like the fund ledger: not scaled with the run.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::common::{CsvFile, Encoding, Tally};
use crate::people::URBAN_DISTRICTS;
use crate::{GeneratedFile, Result};

pub const ANNUAL_REPORT_FILE: &str = "人力资源和社会保障统计年报_2016-2025.csv";

const HEADER: [&str; 8] = [
    "年份",
    "所属区县代码",
    "城镇新增就业人数（万人）",
    "年末城镇登记失业人数（万人）",
    "城镇非私营单位就业人员年平均工资（元）",
    "城镇非私营单位就业人员年平均人数（万人）",
    "企业职工基本养老保险参保职工人数（万人）",
    "企业职工基本养老保险离退休人员数（万人）",
];

/// One year city-wide: new urban jobs, registered unemployed at year end, the non-private average wage,
/// non-private average employment, enterprise-pension contributors and retirees (万人, except the wage).
/// New jobs peak in 2019 (27.46万, the figure Shaoxing published) and drop in 2020; unemployment rises in
/// 2020 and eases; wages grow 8-9% a year before 2020 and 4-6% after; retirees grow faster than
/// contributors, so the dependency ratio falls from 3.4 towards 2.7.
const CITY: [(i32, f64, f64, f64, f64, f64, f64); 10] = [
    (2016, 22.10, 4.62, 68_520.0, 66.1, 210.4, 62.0),
    (2017, 23.85, 4.51, 74_260.0, 67.3, 216.8, 65.1),
    (2018, 25.92, 4.40, 81_030.0, 68.2, 223.5, 68.5),
    (2019, 27.46, 4.47, 88_310.0, 69.4, 230.1, 72.0),
    (2020, 22.83, 5.31, 94_120.0, 69.0, 233.9, 75.6),
    (2021, 25.61, 5.02, 103_580.0, 70.6, 241.7, 79.3),
    (2022, 23.94, 5.18, 108_870.0, 71.8, 246.9, 83.1),
    (2023, 24.73, 4.83, 114_690.0, 73.1, 252.2, 87.0),
    (2024, 25.12, 4.71, 119_340.0, 74.3, 256.8, 91.0),
    (2025, 25.40, 4.62, 123_820.0, 75.2, 261.3, 95.0),
];

/// Each district's wage relative to the city's: the urban core and Keqiao's textile trade pay most.
const WAGE_FACTOR: [f64; 6] = [1.06, 1.04, 0.98, 0.97, 0.99, 0.92];

pub fn write(path: &Path, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let mut out = CsvFile::create(path, Encoding::Gb18030, &HEADER)?;
    let total_weight: u32 = URBAN_DISTRICTS.iter().map(|(_, w)| w).sum();
    let mut tally = Tally::default();
    for (year, jobs, unemployed, wage, employed, contributors, retirees) in CITY {
        for ((district, weight), factor) in URBAN_DISTRICTS.iter().zip(WAGE_FACTOR) {
            let share = f64::from(*weight) / f64::from(total_weight);
            let noise: [f64; 6] = std::array::from_fn(|_| 1.0 + rng.random_range(-0.02..0.02));
            let part = |city: f64, i: usize| city * share * noise[i];
            let cells = [
                year.to_string(),
                district.to_string(),
                format!("{:.2}", part(jobs, 0)),
                format!("{:.2}", part(unemployed, 1)),
                // Wages vary less between years than head counts: half the noise.
                format!("{:.0}", wage * factor * (1.0 + 0.5 * (noise[2] - 1.0))),
                format!("{:.2}", part(employed, 3)),
                format!("{:.2}", part(contributors, 4)),
                format!("{:.2}", part(retirees, 5)),
            ];
            out.row(cells)?;
            tally.data_rows += 1;
        }
    }
    out.finish()?;
    Ok(tally.file("annual_report", path))
}
