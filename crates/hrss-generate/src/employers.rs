//! The employer insurance registry (单位参保登记), the reference every other source's employers come from: a
//! GB18030 CSV from the collection system, closed employers included.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::common::{CsvFile, DateStyle, Encoding, Planted, Tally};
use crate::world::World;
use crate::{GeneratedFile, Result};

pub const EMPLOYERS_FILE: &str = "单位参保登记_2025.csv";

const HEADER: [&str; 8] =
    ["统一社会信用代码", "单位名称", "登记注册类型", "行业代码", "所属区县代码", "参保登记日期", "单位状态", "参保职工人数"];

/// Planted defects never touch an employer other sources use (an active or suspended one) except as a
/// repeated row, so every join from another source still finds its employer.
pub fn write(path: &Path, world: &World, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let mut out = CsvFile::create(path, Encoding::Gb18030, &HEADER)?;
    let planted = Planted::choose(rng, world.employers.len());
    let mut tally = Tally::default();
    for (i, e) in world.employers.iter().enumerate() {
        let mut record = [
            e.uscc.clone(),
            e.name.clone(),
            e.kind.to_string(),
            e.industry.code.to_string(),
            e.recorded_district.to_string(),
            DateStyle::Iso.format(e.registered_on),
            e.status.to_string(),
            e.insured.to_string(),
        ];
        let mut duplicate = false;
        if planted.contains(i) {
            tally.planted += 1;
            match (e.status, rng.random_range(0..3)) {
                // The registration date of a long-closed employer, typed by hand into the old system.
                ("注销", 0) => record[5] = DateStyle::Iso.impossible(rng),
                // 吊销 (licence revoked) is a business-registry status the insurance registry does not have.
                ("注销", 1) => record[6] = "吊销".into(),
                _ => duplicate = true,
            }
        }
        out.data_row(&mut tally, &record, duplicate)?;
    }
    out.finish()?;
    Ok(tally.file("employers", path))
}
