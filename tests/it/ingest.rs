//! Ingestion of deliberately broken files: quarantine with reasons, idempotent reloads, clear errors,
//! one writer per table, and a load killed part-way that leaves the table as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{hrss, hrss_ok, project_root, scalar, scratch, valid_ids_in, write_valid_contributions, Demo, TEST_KEY, TWELVE_MONTHS_OF_2025};

fn broken_fixture() -> PathBuf {
    project_root().join("tests/fixtures/社保缴费明细_broken.csv")
}

fn ingest(warehouse: &Path, input: &Path) -> String {
    hrss_ok(&[
        "--warehouse", &warehouse.to_string_lossy(), "ingest", "contributions", "--input", &input.to_string_lossy(),
        "--max-quarantine-share", "1",
    ])
}

/// `hrss ingest --json` for one pipeline: the first load's summary.
fn ingest_json(warehouse: &Path, pipeline: &str, input: &Path) -> serde_json::Value {
    let out = hrss_ok(&[
        "--warehouse", &warehouse.to_string_lossy(), "ingest", pipeline, "--input", &input.to_string_lossy(), "--json",
        "--max-quarantine-share", "1",
    ]);
    let summary: serde_json::Value = serde_json::from_str(&out).expect("--json prints JSON");
    summary["loads"][0].clone()
}

#[test]
fn planted_bad_rows_land_in_quarantine_with_file_row_column_and_reason() {
    let dir = scratch("ingest-broken");
    let warehouse = dir.join("warehouse");
    let out = ingest(&warehouse, &broken_fixture());
    assert!(out.contains(&format!("{:<32} {:>9} {:>9} {:>11}  loaded", "contributions", 4, 2, 2)), "{out}");
    let quarantine = hrss_ok(&[
        "--warehouse", &warehouse.to_string_lossy(), "sql",
        "SELECT row, \"column\", value, reason_code, reason FROM quarantine.contributions ORDER BY row", "--format", "csv",
    ]);
    let lines: Vec<&str> = quarantine.lines().collect();
    assert_eq!(lines.len(), 3, "{quarantine}");
    assert_eq!(
        lines[1],
        "3,公民身份号码,340524********0010,bad_check_digit,\"公民身份号码: resident ID check digit is 0, GB 11643 requires X\""
    );
    assert_eq!(lines[2], "4,单位缴纳金额,37.5O,not_an_amount,单位缴纳金额: `37.5O` is not an amount in 元");
    let file = scalar(&warehouse, "SELECT DISTINCT file FROM quarantine.contributions");
    assert!(file.ends_with("社保缴费明细_broken.csv"), "{file}");
    // The retired code 330621 (绍兴县) is stored as its successor 柯桥区, and 1,200.00 reads as 1200.
    let retired = scalar(&warehouse, "SELECT concat(district_code, ' ', CAST(employer_amount AS VARCHAR)) FROM staging.contributions WHERE _source_row = 5");
    assert_eq!(retired, "330603 1200.00");
}

#[test]
fn the_broken_corpus_gives_exactly_the_expected_quarantine_or_error() {
    let corpus = project_root().join("tests/fixtures/broken");
    let expected: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(corpus.join("expected.json")).expect("manifest")).expect("JSON manifest");
    assert!(expected.len() >= 15, "the corpus covers every kind of breakage");
    let mut problems = Vec::new();
    for (file, want) in &expected {
        let warehouse = scratch(&format!("broken-{file}")).join("warehouse");
        let w = warehouse.to_string_lossy().into_owned();
        let pipeline = want["pipeline"].as_str().expect("pipeline");
        let table = want["table"].as_str().unwrap_or(pipeline);
        let path = corpus.join(file);
        let output = hrss(&["--warehouse", &w, "ingest", pipeline, "--input", &path.to_string_lossy(), "--json", "--max-quarantine-share", "1"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !valid_ids_in(&stderr).is_empty() || !valid_ids_in(&stdout).is_empty() {
            problems.push(format!("{file}: a resident ID number in the output: {stderr}"));
        }
        if let Some(error) = want["error"].as_str() {
            if output.status.success() || !stderr.contains(error) || !stderr.contains(file.as_str()) {
                problems.push(format!("{file}: expected an error naming the file and `{error}`, got: {stderr}"));
            }
            let ledger = scalar(&warehouse, "SELECT concat(outcome, ' ', rows_loaded) FROM _ledger");
            if ledger != "failed 0" {
                problems.push(format!("{file}: the ledger should record a failed load, has `{ledger}`"));
            }
            continue;
        }
        if !output.status.success() {
            problems.push(format!("{file}: failed: {stderr}"));
            continue;
        }
        let load = &serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("JSON")["loads"][0];
        let (rows_in, loaded, quarantined) = (load["rows_in"].as_u64(), load["rows_loaded"].as_u64(), load["rows_quarantined"].as_u64());
        let want_loaded = want["loaded"].as_u64();
        let want_quarantined = want["rows_in"].as_u64().zip(want_loaded).map(|(i, l)| i - l);
        if rows_in != want["rows_in"].as_u64() || loaded != want_loaded || quarantined != want_quarantined {
            problems.push(format!("{file}: rows in/loaded/quarantined {rows_in:?}/{loaded:?}/{quarantined:?}, expected {want}"));
        }
        let want_reasons: BTreeMap<String, u64> = serde_json::from_value(want["reasons"].clone()).expect("reasons");
        let reasons: BTreeMap<String, u64> = if quarantined.unwrap_or(0) == 0 {
            BTreeMap::new()
        } else {
            let query = format!("SELECT reason_code, count(*) AS n FROM quarantine.{table} GROUP BY reason_code");
            let csv = hrss_ok(&["--warehouse", &w, "sql", &query, "--format", "csv"]);
            csv.lines().skip(1).filter_map(|l| l.split_once(',')).map(|(code, n)| (code.to_string(), n.parse().unwrap_or(0))).collect()
        };
        if reasons != want_reasons {
            problems.push(format!("{file}: reasons {reasons:?}, expected {want_reasons:?}"));
        }
        // A further fact about the loaded rows (e.g. a credit code failing its check is flagged, not rejected).
        if let Some([query, expected]) = want["check"].as_array().map(Vec::as_slice) {
            let got = scalar(&warehouse, query.as_str().expect("query"));
            if got != expected.as_str().expect("value") {
                problems.push(format!("{file}: {query} gave {got}, expected {expected}"));
            }
        }
        if loaded.unwrap_or(0) > 0 {
            let staged = scalar(&warehouse, &format!("SELECT count(*) FROM staging.{table}"));
            if staged != loaded.unwrap_or(0).to_string() {
                problems.push(format!("{file}: staging holds {staged} rows, the load reported {loaded:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_load_above_the_quarantine_share_fails_and_loads_nothing() {
    let dir = scratch("ingest-share");
    let warehouse = dir.join("warehouse");
    // Half of the broken fixture's rows are bad: above the pipeline's 5%.
    let output = hrss(&["--warehouse", &warehouse.to_string_lossy(), "ingest", "contributions", "--input", &broken_fixture().to_string_lossy()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 of 4 rows were rejected") && stderr.contains("max_quarantine_share"), "{stderr}");
    assert!(!warehouse.join("staging/contributions/_delta_log").exists(), "nothing was committed to staging");
    assert_eq!(scalar(&warehouse, "SELECT count(*) FROM quarantine.contributions"), "2", "the reasons are kept for the department");
    assert_eq!(scalar(&warehouse, "SELECT concat(outcome, ' ', rows_in, ' ', rows_loaded) FROM _ledger"), "failed 4 0");
}

#[test]
fn check_shows_what_would_load_and_writes_nothing() {
    let dir = scratch("ingest-check");
    let warehouse = dir.join("warehouse");
    let output = hrss(&["--warehouse", &warehouse.to_string_lossy(), "ingest", "--check", "contributions", "--input", &broken_fixture().to_string_lossy()]);
    assert!(!output.status.success(), "a check that finds a failing load exits non-zero");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("contributions <- 社保缴费明细_broken.csv: 4 rows in, 2 would load, 2 would be quarantined"), "{out}");
    assert!(out.contains("bad_check_digit") && out.contains("340524********0010") && out.contains("the load would FAIL"), "{out}");
    assert!(!out.contains("340524198001010010"), "the ID number is masked in the check output too");
    assert!(!warehouse.join("staging").exists() && !warehouse.join("_ledger").exists(), "a check writes nothing");
}

#[test]
fn loading_the_same_file_twice_changes_nothing_and_a_corrected_file_replaces_its_month() {
    let dir = scratch("ingest-idempotent");
    let warehouse = dir.join("warehouse");
    let april = dir.join("社保缴费明细_april.csv");
    let fixture = std::fs::read_to_string(broken_fixture()).expect("fixture");
    std::fs::write(&april, fixture.replace("202503,", "202504,")).expect("write");
    let april_load = ingest_json(&warehouse, "contributions", &april);
    let first = ingest_json(&warehouse, "contributions", &broken_fixture());
    let contents = "SELECT string_agg(concat(person_id, period, insurance_type, CAST(employer_amount AS VARCHAR)), '|' ORDER BY person_id, period, insurance_type) FROM staging.contributions";
    let before = scalar(&warehouse, contents);
    let again = ingest_json(&warehouse, "contributions", &broken_fixture());
    assert_eq!(again["skipped_as_duplicate_of"], first["load_id"], "{again}");
    assert_eq!(again["table_version"], serde_json::Value::Null, "no new version was written");
    // The table's first load hashes its file beside the load (no first pass): the repeat is still recognised.
    let april_again = ingest_json(&warehouse, "contributions", &april);
    assert_eq!(april_again["skipped_as_duplicate_of"], april_load["load_id"], "{april_again}");
    assert_eq!(april_again["sha256"], april_load["sha256"], "{april_load}");
    let versions = std::fs::read_dir(warehouse.join("staging/contributions/_delta_log")).expect("log").filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))).count();
    assert_eq!(versions, 2, "two loads, two commits: the repeat added none");
    assert_eq!(scalar(&warehouse, contents), before, "the contents are unchanged");
    assert_eq!(scalar(&warehouse, "SELECT count(*) FROM staging.contributions"), "4");

    let corrected = dir.join("社保缴费明细_corrected.csv");
    let text = std::fs::read_to_string(broken_fixture()).expect("fixture");
    std::fs::write(&corrected, text.replace(",37.5O,", ",37.50,").replace("340524198001010010", "34052419800101001X")).expect("write");
    let out = ingest(&warehouse, &corrected);
    assert!(out.contains(&format!("{:<32} {:>9} {:>9} {:>11}  loaded", "contributions", 4, 4, 0)), "{out}");
    let by_month = scalar(&warehouse, "SELECT string_agg(concat(period, ':', n), ' ' ORDER BY period) FROM (SELECT period, count(*) AS n FROM staging.contributions GROUP BY period)");
    assert_eq!(by_month, "2025-03:4 2025-04:2", "March was replaced, not appended to, and April was kept");
    let outcomes = scalar(&warehouse, "SELECT string_agg(outcome, '/' ORDER BY started) FROM _ledger WHERE kind = 'load'");
    assert_eq!(outcomes, "success/success/skipped/skipped/success");
}

#[test]
fn a_file_without_the_expected_header_is_refused_with_expected_and_found_columns_and_the_pipeline_line() {
    let dir = scratch("ingest-header");
    let wrong = dir.join("社保缴费明细_wrong.csv");
    std::fs::write(&wrong, "月份,金额\n202503,100\n").expect("write");
    let output = hrss(&["--warehouse", &dir.join("warehouse").to_string_lossy(), "ingest", "contributions", "--input", &wrong.to_string_lossy()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("社保缴费明细_wrong.csv") && stderr.contains("公民身份号码") && stderr.contains("[\"月份\", \"金额\"]"), "{stderr}");
    assert!(stderr.contains("pipelines/contributions.toml:"), "names the line of the pipeline to change: {stderr}");
}

#[test]
fn ingest_without_a_key_says_how_to_make_one() {
    let dir = scratch("ingest-nokey");
    let output = Command::new(env!("CARGO_BIN_EXE_hrss"))
        .args(["--warehouse", &dir.join("w").to_string_lossy(), "--key-file", &dir.join("missing.key").to_string_lossy()])
        .args(["ingest", "contributions", "--input", &broken_fixture().to_string_lossy()])
        .current_dir(project_root())
        .env_remove("HRSS_PSEUDONYM_KEY")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no pseudonym key") && stderr.contains("missing.key"), "{stderr}");
    assert!(!dir.join("w/staging").exists(), "nothing was written without a key");
}

fn wait_for(what: &str, condition: impl Fn() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_writer_fails_clearly_and_a_killed_load_leaves_the_table_at_its_version() {
    const ROWS: usize = 60_000;
    let dir = scratch("ingest-crash");
    let warehouse = dir.join("warehouse");
    let w = warehouse.to_string_lossy().into_owned();
    ingest(&warehouse, &broken_fixture());
    let count_before = scalar(&warehouse, "SELECT count(*) FROM staging.contributions");
    let log = warehouse.join("staging/contributions/_delta_log");
    let commits = || std::fs::read_dir(&log).expect("log").filter(|e| e.as_ref().is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))).count();
    assert_eq!(commits(), 1);

    let big = dir.join("社保缴费明细_big.csv");
    write_valid_contributions(&big, ROWS, &TWELVE_MONTHS_OF_2025);
    let mut load = Command::new(env!("CARGO_BIN_EXE_hrss"))
        .args(["--warehouse", &w, "ingest", "contributions", "--input", &big.to_string_lossy()])
        .current_dir(project_root())
        .env("HRSS_PSEUDONYM_KEY", TEST_KEY)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn hrss");
    let lock = warehouse.join("_locks/contributions.lock");
    wait_for("the load to take the table's lock", || lock.exists());

    let second = hrss(&["--warehouse", &w, "ingest", "contributions", "--input", &broken_fixture().to_string_lossy(), "--lock-wait", "0"]);
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("is being written by another hrss process"), "{stderr}");

    std::thread::sleep(Duration::from_millis(500));
    assert!(load.try_wait().expect("status").is_none(), "the load is still part-way when it is killed");
    load.kill().expect("SIGKILL");
    load.wait().expect("reaped");

    assert_eq!(commits(), 1, "no commit from the killed load");
    assert_eq!(scalar(&warehouse, "SELECT count(*) FROM staging.contributions"), count_before, "the table is at its previous version");
    assert!(lock.exists(), "the killed process left its lock behind");

    let rerun: serde_json::Value = serde_json::from_str(&hrss_ok(&["--warehouse", &w, "ingest", "contributions", "--input", &big.to_string_lossy(), "--json"])).expect("JSON");
    let load = &rerun["loads"][0];
    assert_eq!(load["rows_in"].as_u64(), Some(ROWS as u64), "the rerun takes over the stale lock and reads every row");
    assert_eq!(load["rows_loaded"].as_u64().unwrap_or(0) + load["rows_quarantined"].as_u64().unwrap_or(0), ROWS as u64);
    // The year's file replaces every month it holds, the fixture's March included.
    assert_eq!(scalar(&warehouse, "SELECT count(*) FROM staging.contributions"), load["rows_loaded"].to_string());
    assert!(!lock.exists(), "the lock is released after a load");
}

#[test]
fn every_committed_sample_loads_with_exactly_its_planted_defects_quarantined() {
    let samples = project_root().join("data-samples");
    // The samples are `hrss generate --rows 300 --seed 1`: regenerating says what each file holds.
    let again = scratch("samples-again");
    let generated = hrss_generate::generate(&again, hrss_generate::GenerateOptions { rows: 300, seed: 1, sources: Vec::new() }).expect("generate");
    for file in &generated {
        let name = file.path.file_name().expect("name");
        assert!(std::fs::read(samples.join(name)).ok() == std::fs::read(&file.path).ok(), "data-samples/{} is what the generator writes", name.to_string_lossy());
    }
    let warehouse = scratch("ingest-samples").join("warehouse");
    let out = hrss_ok(&["--warehouse", &warehouse.to_string_lossy(), "ingest", "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let loads = summary["loads"].as_array().expect("loads");
    assert_eq!(loads.len(), generated.len(), "one load per source: {out}");
    for file in &generated {
        let load = loads.iter().find(|l| l["pipeline"] == file.source).unwrap_or_else(|| panic!("{} loaded", file.source));
        assert_eq!(load["rows_in"].as_u64(), Some(file.data_rows as u64), "{}", file.source);
        assert_eq!(load["rows_quarantined"].as_u64(), Some(file.planted_bad_rows as u64), "{}", file.source);
        assert_eq!(load["rows_loaded"].as_u64(), Some((file.data_rows - file.planted_bad_rows) as u64), "{}", file.source);
    }
}

#[test]
fn a_lookup_of_an_absent_person_skips_the_row_groups_by_their_pseudonym_bloom_filter() {
    let warehouse = Demo::get().warehouse();
    // Just above the smallest pseudonym (they all have one length): inside every row group's min/max
    // range, so only a bloom filter can tell that no row holds it.
    let smallest = scalar(&warehouse, "SELECT min(person_id) FROM staging.contributions");
    assert!(!smallest.is_empty(), "the demo loads contributions");
    let absent = format!("{smallest}0");
    let query = format!("EXPLAIN ANALYZE SELECT count(*) AS n FROM staging.contributions WHERE person_id = '{absent}'");
    let plan = hrss_ok(&["--warehouse", &warehouse.to_string_lossy(), "sql", &query, "--format", "csv"]);
    let pruned = plan
        .split("row_groups_pruned_bloom_filter=")
        .nth(1)
        .unwrap_or_else(|| panic!("the Parquet scan reports its bloom filter pruning:\n{plan}"));
    let (total, matched) = pruned
        .split_once(" total → ")
        .map(|(total, rest)| (total.trim().to_string(), rest.split_whitespace().next().unwrap_or_default().to_string()))
        .unwrap_or_else(|| panic!("`N total → M matched` after row_groups_pruned_bloom_filter:\n{plan}"));
    assert_ne!(total, "0", "the row groups reach the bloom filter check:\n{plan}");
    assert_eq!(matched, "0", "no row group's bloom filter admits the absent pseudonym:\n{plan}");
    let present = scalar(&warehouse, &format!("SELECT count(*) FROM staging.contributions WHERE person_id = '{smallest}'"));
    assert_ne!(present, "0", "a stored pseudonym is still found");
}

/// Loads `csv` through the library with `keys_in_memory` unique keys held: the load's report, the
/// quarantined rows (row, reason code), the table's row and distinct-key counts, and its Parquet files on disk.
fn load_holding_keys(warehouse: &Path, csv: &Path, keys_in_memory: usize) -> (hrss_ingest::LoadReport, String, String, usize) {
    let spec = hrss_ingest::PipelineSpec::from_file(&project_root().join("pipelines/contributions.toml")).expect("pipeline");
    let pseudonymizer = hrss_core::Pseudonymizer::from_key(TEST_KEY.as_bytes(), "the test key").expect("key");
    let store = hrss_core::Warehouse::open(&warehouse.to_string_lossy()).expect("warehouse");
    let options = hrss_ingest::IngestOptions { keys_in_memory, ..Default::default() };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let report = runtime.block_on(hrss_ingest::ingest_file(&store, &spec, csv, &pseudonymizer, &options)).expect("load");
    let check = runtime.block_on(hrss_ingest::check_file(&spec, csv, &options)).expect("check");
    assert_eq!((check.rows_in, check.rows_would_load), (report.rows_in, report.rows_loaded), "a check sees what the load did");
    let w = warehouse.to_string_lossy();
    let quarantined = if report.rows_quarantined == 0 {
        String::new()
    } else {
        hrss_ok(&["--warehouse", &w, "sql", "SELECT row, reason_code FROM quarantine.contributions ORDER BY row", "--format", "csv"])
    };
    let counts = hrss_ok(&[
        "--warehouse", &w, "sql", "--format", "csv",
        "SELECT count(*) AS n, count(DISTINCT (person_id, employer_uscc, period, insurance_type)) AS keys FROM staging.contributions",
    ]);
    let parquet_files = walk(&warehouse.join("staging/contributions")).iter().filter(|p| p.extension().is_some_and(|e| e == "parquet")).count();
    (report, quarantined, counts, parquet_files)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("folder").flatten() {
        let path = entry.path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[test]
fn a_key_repeated_further_apart_than_memory_holds_is_quarantined_after_a_second_read() {
    let dir = scratch("ingest-far-repeats");
    let csv = dir.join("社保缴费明细_2025.csv");
    write_valid_contributions(&csv, 3_000, &["2025-01", "2025-02"]);
    // Copies of the data rows at file rows 12 and 1502 (far back) and 3001 (the row before), appended.
    let text = std::fs::read_to_string(&csv).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let copies = [lines[11], lines[1501], lines[3000]].join("\n");
    std::fs::write(&csv, format!("{text}{copies}\n")).expect("append");

    // 64 keys in memory: the far copies are missed while reading, so the file is read twice.
    let (held, held_quarantine, held_counts, held_files) = load_holding_keys(&dir.join("held"), &csv, 64);
    // Every key in memory: one read.
    let (all, all_quarantine, all_counts, all_files) = load_holding_keys(&dir.join("all"), &csv, 1 << 20);

    assert_eq!((held.rows_in, held.rows_loaded, held.rows_quarantined), (3_003, 3_000, 3), "{held:?}");
    assert_eq!(held_quarantine, "row,reason_code\n3002,duplicate_key\n3003,duplicate_key\n3004,duplicate_key\n");
    assert_eq!(held_counts, "n,keys\n3000,3000\n", "no duplicate reached the table");
    // One data file: the abandoned first write committed nothing (its cleanup is tested below).
    assert_eq!(held_files, 1);
    assert_eq!((all.rows_in, all.rows_loaded, all.rows_quarantined), (held.rows_in, held.rows_loaded, held.rows_quarantined));
    assert_eq!((all_quarantine, all_counts, all_files), (held_quarantine, held_counts, held_files), "same outcome either way");
    assert_eq!((held.reads, all.reads), (2, 1), "the file is read again only when the far copies were missed");
    assert_eq!(held.table_version, Some(0), "one commit");
}

#[test]
fn a_failed_write_s_files_are_removed_and_committed_ones_kept() {
    let dir = scratch("ingest-uncommitted-files");
    let csv = dir.join("社保缴费明细_2025.csv");
    write_valid_contributions(&csv, 200, &["2025-01"]);
    let warehouse = dir.join("warehouse");
    // Before the load: the committed file is as new as any leftover, and only its commit spares it.
    let started = chrono::Utc::now();
    let (report, _, counts, files) = load_holding_keys(&warehouse, &csv, 1 << 20);
    assert_eq!((report.rows_loaded, files), (200, 1));
    let table = warehouse.join("staging/contributions");
    let committed = walk(&table).into_iter().find(|p| p.extension().is_some_and(|e| e == "parquet")).expect("a data file");
    // What a write that failed after finishing one file leaves: a data file no commit names.
    let stray = table.join("part-00001-0a0b0c0d-0000-4000-8000-000000000000-c000.zstd.parquet");
    std::fs::copy(&committed, &stray).expect("copy");

    let store = hrss_core::Warehouse::open(&warehouse.to_string_lossy()).expect("warehouse");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let remove = |since| runtime.block_on(store.remove_uncommitted_files(hrss_core::Layer::Staging, "contributions", since)).expect("remove");
    assert_eq!(remove(started + chrono::Duration::hours(1)), 0, "files older than the write are not its own");
    assert!(stray.exists());
    assert_eq!(remove(started), 1, "the stray file goes");
    assert!(!stray.exists() && committed.exists(), "the committed file stays");
    let w = warehouse.to_string_lossy();
    let after = hrss_ok(&["--warehouse", &w, "sql", "--format", "csv",
        "SELECT count(*) AS n, count(DISTINCT (person_id, employer_uscc, period, insurance_type)) AS keys FROM staging.contributions"]);
    assert_eq!(after, counts, "the table reads as before");
}

#[test]
fn a_file_of_mostly_bad_rows_quarantines_every_one_of_them_through_a_temporary_file() {
    let dir = scratch("ingest-many-rejections");
    let csv = dir.join("社保缴费明细_2025.csv");
    write_valid_contributions(&csv, 20_000, &["2025-01"]);
    // Nine rows in ten get a wrong check character: 18,000 rejections, more than are held in memory.
    let text = std::fs::read_to_string(&csv).expect("read");
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (i, line) in lines.iter_mut().enumerate().skip(1) {
        if i % 10 != 0 {
            let mut cells: Vec<String> = line.split(',').map(str::to_string).collect();
            let id = &mut cells[6];
            let wrong = if id.ends_with('0') { '1' } else { '0' };
            id.pop();
            id.push(wrong);
            *line = cells.join(",");
        }
    }
    std::fs::write(&csv, lines.join("\n") + "\n").expect("write");
    let spec = hrss_ingest::PipelineSpec::from_file(&project_root().join("pipelines/contributions.toml")).expect("pipeline");
    let options = hrss_ingest::IngestOptions { max_quarantine_share: Some(1.0), ..Default::default() };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let check = runtime.block_on(hrss_ingest::check_file(&spec, &csv, &options)).expect("check");
    assert_eq!((check.rows_in, check.rows_would_load, check.rows_rejected, check.rejections.len()), (20_000, 2_000, 18_000, 1_000));
    assert_eq!(check.rejections[0].row, 2, "the first rejections, from the top");

    let warehouse = dir.join("warehouse");
    let out = hrss_ok(&[
        "--warehouse", &warehouse.to_string_lossy(), "ingest", "contributions", "--input", &csv.to_string_lossy(), "--max-quarantine-share", "1",
    ]);
    assert!(out.contains(&format!("{:<32} {:>9} {:>9} {:>11}  loaded", "contributions", 20_000, 2_000, 18_000)), "{out}");
    let quarantine = hrss_ok(&[
        "--warehouse", &warehouse.to_string_lossy(), "sql", "--format", "csv",
        "SELECT count(*) AS n, count(DISTINCT row) AS rows, min(row) AS first, max(row) AS last, count(DISTINCT load_id) AS loads, \
         sum(CASE WHEN row % 10 = 1 THEN 1 ELSE 0 END) AS good_rows_rejected FROM quarantine.contributions",
    ]);
    assert_eq!(quarantine, "n,rows,first,last,loads,good_rows_rejected\n18000,18000,2,20000,1,0\n");
}
