//! Running the real binary, and one shared small demo that several tests inspect.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;

/// The repository root: the project folder with pipelines/, sql/ and dashboards/.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root")
}

/// A fresh folder under cargo's per-target temp dir.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The pseudonym key every test run uses.
pub const TEST_KEY: &str = "test-key-0123456789abcdef0123456789abcdef";

/// Runs `hrss` from the project root with a fixed pseudonym key.
pub fn hrss(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hrss"))
        .args(args)
        .current_dir(project_root())
        .env("HRSS_PSEUDONYM_KEY", TEST_KEY)
        .env_remove("HRSS_WAREHOUSE")
        .output()
        .expect("the hrss binary runs")
}

/// A running `hrss serve`, killed when dropped.
pub struct Served {
    child: Child,
    /// The first line the server printed: its address, once it is ready.
    pub first_line: String,
    /// The server's temporary folder (rendered reports): a killed server cannot remove what it made there.
    _temp: tempfile::TempDir,
}

/// Starts `hrss ARGS` (a `serve` command) from the project root and waits for its first line.
pub fn serve(args: &[&str]) -> Served {
    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary folder");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hrss"))
        .args(args)
        .current_dir(project_root())
        .env("TMPDIR", temp.path())
        .env("HRSS_PSEUDONYM_KEY", TEST_KEY)
        .env_remove("HRSS_WAREHOUSE")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("hrss serve starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first_line).expect("the server prints its address");
    Served { child, first_line, _temp: temp }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `hrss` with `input` on its standard input (not a terminal), as a script or a pipe would.
pub fn hrss_with_input(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hrss"))
        .args(args)
        .current_dir(project_root())
        .env("HRSS_PSEUDONYM_KEY", TEST_KEY)
        .env_remove("HRSS_WAREHOUSE")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the hrss binary runs");
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("hrss ends")
}

/// Runs `hrss` and returns stdout, failing the test with stderr when it exits non-zero.
pub fn hrss_ok(args: &[&str]) -> String {
    let output = hrss(args);
    assert!(
        output.status.success(),
        "hrss {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// One query's single value, through `hrss sql --format csv`.
pub fn scalar(warehouse: &Path, query: &str) -> String {
    let out = hrss_ok(&["--warehouse", &warehouse.to_string_lossy(), "sql", query, "--format", "csv"]);
    out.lines().nth(1).unwrap_or_default().to_string()
}

/// The demo at a small scale, run once for every test that inspects it.
pub struct Demo {
    pub out: PathBuf,
    pub stdout: String,
}

pub const DEMO_ROWS: usize = 3000;

impl Demo {
    pub fn get() -> &'static Demo {
        static DEMO: OnceLock<Demo> = OnceLock::new();
        DEMO.get_or_init(|| {
            let out = scratch("demo");
            let stdout = hrss_ok(&["demo", "--out", &out.to_string_lossy(), "--rows", &DEMO_ROWS.to_string(), "--seed", "7"]);
            Demo { out, stdout }
        })
    }

    pub fn warehouse(&self) -> PathBuf {
        self.out.join("warehouse")
    }

    pub fn input(&self, name: &str) -> PathBuf {
        self.out.join("input").join(name)
    }
}

/// The data rows of the generated contributions file, decoded from GB18030 independently of hrss.
pub fn generated_contribution_rows(path: &Path) -> Vec<csv::StringRecord> {
    let bytes = std::fs::read(path).expect("generated CSV");
    let (text, _, malformed) = encoding_rs::GB18030.decode(&bytes);
    assert!(!malformed, "the generated file is valid GB18030");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(&headers[0], "费款所属期", "Chinese headers survive the GB18030 round trip");
    reader.records().map(|r| r.expect("well-formed CSV")).collect()
}

/// Every 18-character window of `text` that is a valid resident ID number.
pub fn valid_ids_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(17))
        .filter_map(|i| std::str::from_utf8(&bytes[i..i + 18]).ok())
        .filter(|w| hrss_core::identifiers::is_valid_resident_id(w))
        .map(str::to_string)
        .collect()
}

/// The twelve months of 2025 as contributions files write them.
pub const TWELVE_MONTHS_OF_2025: [&str; 12] =
    ["202501", "202502", "202503", "202504", "202505", "202506", "202507", "202508", "202509", "202510", "202511", "202512"];

/// A plain UTF-8 contributions file of `rows` valid rows spread over `months` (`YYYYMM`), written fast.
pub fn write_valid_contributions(path: &Path, rows: usize, months: &[&str]) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(out, "费款所属期,单位统一社会信用代码,单位名称,所属区县代码,行业代码,姓名,公民身份号码,联系电话,险种,缴费基数,单位缴纳金额,个人缴纳金额,缴费状态").expect("write");
    for i in 0..rows {
        let body = format!("3306021985{:02}{:02}{:03}", 1 + (i / 1000) % 12, 1 + (i / 12_000) % 28, i % 1000);
        let id = format!("{body}{}", hrss_core::identifiers::resident_id_check_char(&body).expect("digits"));
        let month = months[i % months.len()];
        writeln!(out, "{month},91330602MA2D000014,绍兴市越城区恒达纺织有限公司,330602,C17,王伟,{id},13800000000,企业职工基本养老保险,8000.00,1280.00,640.00,已缴").expect("write");
    }
}
