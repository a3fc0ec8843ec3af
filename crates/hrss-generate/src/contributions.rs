//! Monthly social-insurance contribution records, as the collection system exports them: a GB18030 CSV
//! with Chinese headers, names and phone numbers included, and a few broken rows.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use hrss_core::codes::INSURANCE_SCHEMES;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::people::{employer, person, Employer};
use crate::{GenerateError, GeneratedFile, Result};

pub const CONTRIBUTIONS_FILE: &str = "社保缴费明细_2025.csv";

const HEADER: [&str; 13] = [
    "费款所属期", "单位统一社会信用代码", "单位名称", "所属区县代码", "行业代码", "姓名", "公民身份号码",
    "联系电话", "险种", "缴费基数", "单位缴纳金额", "个人缴纳金额", "缴费状态",
];
const YEAR: u32 = 2025;
/// Zhejiang's 2025 contribution base bounds: 60% and 300% of the average monthly wage used for the base.
const AVERAGE_MONTHLY_WAGE: f64 = 9_800.0;
const BASE_MIN: f64 = AVERAGE_MONTHLY_WAGE * 0.6;
const BASE_MAX: f64 = AVERAGE_MONTHLY_WAGE * 3.0;
/// Share of rows made invalid the way real extracts are.
const BAD_ROW_RATE: f64 = 0.004;

/// Encodes UTF-8 written to it as GB18030, keeping a character split across writes intact.
struct Gb18030Writer<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Write for Gb18030Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = std::str::from_utf8(&self.pending[..valid]).expect("checked prefix");
        let (encoded, _, _) = encoding_rs::GB18030.encode(text);
        self.inner.write_all(&encoded)?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn yuan(amount: f64) -> String {
    format!("{amount:.2}")
}

pub fn write(path: &Path, rows: usize, rng: &mut ChaCha8Rng) -> Result<GeneratedFile> {
    let io = |source| GenerateError::Io { path: path.into(), source };
    let file = File::create(path).map_err(io)?;
    let encoder = Gb18030Writer { inner: BufWriter::new(file), pending: Vec::new() };
    let mut out = csv::Writer::from_writer(encoder);
    let csv_err = |source| GenerateError::Csv { path: path.into(), source };
    out.write_record(HEADER).map_err(csv_err)?;

    let employers: Vec<Employer> = (0..(rows / 600).max(4)).map(|_| employer(rng)).collect();
    let mut written = 0;
    let mut planted = 0;
    'people: while written < rows {
        let employer = &employers[rng.random_range(0..employers.len())];
        let someone = person(rng);
        // Lognormal-ish wages around 7,500 yuan a month, clamped to the base bounds.
        let wage = 7_500.0 * (rng.random_range(-1.0..1.0f64) * 0.55).exp() * (1.0 + rng.random_range(0.0..0.3));
        let base = wage.clamp(BASE_MIN, BASE_MAX).round();
        let (first, last) = if rng.random_bool(0.8) { (1, 12) } else {
            let a = rng.random_range(1..=12);
            (a, rng.random_range(a..=12))
        };
        for month in first..=last {
            let in_arrears = rng.random_bool(0.02);
            for scheme in INSURANCE_SCHEMES {
                if written == rows {
                    break 'people;
                }
                let mut record = [
                    format!("{YEAR}{month:02}"),
                    employer.uscc.clone(),
                    employer.name.clone(),
                    employer.district.to_string(),
                    format!("{}{}", employer.industry.section, employer.industry.code),
                    someone.name.clone(),
                    someone.resident_id.clone(),
                    someone.phone.clone(),
                    scheme.name_zh.to_string(),
                    yuan(base),
                    yuan(base * scheme.employer_rate),
                    yuan(base * scheme.employee_rate),
                    if in_arrears { "欠缴" } else { "已缴" }.to_string(),
                ];
                if rng.random_bool(BAD_ROW_RATE) {
                    plant_defect(&mut record, rng);
                    planted += 1;
                }
                out.write_record(&record).map_err(csv_err)?;
                written += 1;
            }
        }
    }
    out.flush().map_err(io)?;
    Ok(GeneratedFile { source: "contributions", path: path.into(), data_rows: written, planted_bad_rows: planted })
}

/// The defects seen in real extracts: a mistyped ID number, an amount typed with a letter O or a dash,
/// an impossible month, a missing ID number.
fn plant_defect(record: &mut [String; 13], rng: &mut ChaCha8Rng) {
    match rng.random_range(0..4) {
        0 => {
            let id = &mut record[6];
            let last = id.pop().expect("18 characters");
            id.push(if last == '0' { '1' } else { '0' });
        }
        1 => record[10] = if rng.random_bool(0.5) { record[10].replace('0', "O") + "O" } else { "—".into() },
        2 => record[0] = format!("{YEAR}13"),
        _ => record[6].clear(),
    }
}
