//! `hrss serve --pg-port` with real clients: psql (Debian's postgresql-client) and psycopg (PyPI, in a
//! project-local virtual environment), both installed by `tests/clients/install.sh` when missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use crate::support::{hrss_ok, project_root, scratch, serve, Demo, Served};

const ANALYST: (&str, &str) = ("analyst", "marts-only-password");
const ADMIN: (&str, &str) = ("admin", "every-schema-password");

/// A running `hrss serve --pg-port 0`.
struct Server {
    _served: Served,
    port: u16,
}

impl Server {
    /// Starts a server on a free port over the demo warehouse, with an analyst granted `marts` and
    /// an admin granted everything.
    fn start(name: &str, extra: &[&str]) -> Server {
        let dir = scratch(name);
        let users = dir.join("users.toml");
        add_user(&users, ANALYST, "marts");
        add_user(&users, ADMIN, "*");
        let warehouse = Demo::get().warehouse();
        let (warehouse, users) = (warehouse.to_string_lossy(), users.to_string_lossy());
        let args = [&["--warehouse", &*warehouse, "serve", "--pg-port", "0", "--users", &*users][..], extra].concat();
        let served = serve(&args);
        let first_line = &served.first_line;
        let port = first_line
            .trim()
            .strip_prefix("postgresql://127.0.0.1:")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no address in {first_line:?}"));
        Server { _served: served, port }
    }

    fn psql(&self, (user, password): (&str, &str), args: &[&str]) -> Output {
        clients();
        Command::new("psql")
            .arg(format!("host=127.0.0.1 port={} user={user} dbname=hrss", self.port))
            .args(["-X", "-v", "ON_ERROR_STOP=1"])
            .args(args)
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .expect("psql runs")
    }

    fn psql_ok(&self, user: (&str, &str), args: &[&str]) -> String {
        let output = self.psql(user, args);
        assert!(output.status.success(), "psql {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("UTF-8")
    }

    fn psycopg(&self, (user, password): (&str, &str), args: &[&str]) -> String {
        let python = clients();
        let output = Command::new(python)
            .arg(project_root().join("tests/clients/pg_client.py"))
            .args([&self.port.to_string(), user, password])
            .args(args)
            .output()
            .expect("python runs");
        assert!(output.status.success(), "pg_client.py {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).expect("UTF-8")
    }
}

fn add_user(users: &Path, (name, password): (&str, &str), schemas: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_hrss"))
        .args(["user", "add", name, "--schemas", schemas, "--users", &users.to_string_lossy()])
        .env("HRSS_PASSWORD", password)
        .output()
        .expect("hrss user add runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The virtual environment's python, after installing psql and psycopg once if missing.
fn clients() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let venv = project_root().join("target/test-clients/venv");
        let status = Command::new("bash")
            .arg(project_root().join("tests/clients/install.sh"))
            .arg(&venv)
            .status()
            .expect("bash runs the installer");
        assert!(status.success(), "tests/clients/install.sh could not install psql and psycopg (it needs Debian's and PyPI's registries)");
        venv.join("bin/python")
    })
}

#[test]
fn users_file_holds_salted_hashes_and_passwords_are_checked() {
    let server = Server::start("serve_auth", &[]);
    let users = std::fs::read_to_string(scratch_path("serve_auth").join("users.toml")).expect("users file");
    assert!(!users.contains(ANALYST.1) && !users.contains(ADMIN.1), "no password in the users file:\n{users}");
    assert!(users.contains("salted_password = \"") && users.contains("schemas = [\"marts\"]"), "{users}");

    assert_eq!(server.psql_ok(ANALYST, &["-tAc", "SELECT 40 + 2"]).trim(), "42");
    for (who, login) in [("wrong password", ("analyst", "not-the-password")), ("empty password", ("analyst", "")), ("unknown user", ("mallory", ADMIN.1))] {
        let output = server.psql(login, &["-tAc", "SELECT 1"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{who} was let in");
        assert!(stderr.contains("authentication failed") || stderr.contains("no password supplied"), "{who}: {stderr}");
    }
}

fn scratch_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn psql_and_psycopg_see_what_hrss_sql_sees() {
    let server = Server::start("serve_results", &[]);
    let tables = server.psql_ok(ANALYST, &["-c", "\\dt marts.*"]);
    for table in ["fund_monthly", "employment", "social_insurance", "bulletin_indicators"] {
        assert!(tables.lines().any(|l| l.contains(" marts ") && l.contains(&format!(" {table} "))), "{table} in \\dt:\n{tables}");
    }
    let columns = server.psql_ok(ANALYST, &["-c", "\\d marts.fund_monthly"]);
    assert!(columns.contains("months_of_payment_capacity") && columns.contains("double precision"), "{columns}");

    let warehouse = Demo::get().warehouse();
    let queries = [
        "SELECT period, fund, balance_end, round(months_of_payment_capacity, 4) AS months FROM marts.fund_monthly ORDER BY period DESC, fund LIMIT 10",
        "SELECT district_code, district_name, registered_unemployed_end FROM marts.employment WHERE period_type = 'year' AND period = '2025' ORDER BY district_code",
        "SELECT indicator_code, unit, value FROM marts.bulletin_indicators WHERE year = 2025 ORDER BY indicator_code LIMIT 12",
        "SELECT count(*) AS n, sum(revenue_total) AS revenue FROM marts.fund_monthly WHERE fund = 'unemployment'",
    ];
    for query in queries {
        let expected = hrss_ok(&["--warehouse", &warehouse.to_string_lossy(), "sql", query, "--format", "csv"]);
        assert!(expected.lines().count() > 1, "{query} returns rows");
        assert_eq!(server.psql_ok(ANALYST, &["--csv", "-c", query]), expected, "psql: {query}");
        assert_eq!(server.psycopg(ANALYST, &["query", query]), expected, "psycopg: {query}");
    }
    // A GUI navigator (DBeaver's queries, through the extended protocol as JDBC sends them) finds the
    // schemas, the tables and the columns, with the docs as comments.
    let navigator: serde_json::Value =
        serde_json::from_str(&server.psycopg(ANALYST, &["navigator", "marts", "fund_monthly"])).expect("navigator JSON");
    let names = |key: &str| -> Vec<String> {
        navigator[key].as_array().expect("a list").iter().map(|v| v.as_str().unwrap_or_default().to_string()).collect()
    };
    assert!(names("schemas").contains(&"marts".to_string()) && !names("schemas").contains(&"staging".to_string()), "{navigator}");
    assert!(names("tables").contains(&"fund_monthly".to_string()), "{navigator}");
    let columns = navigator["columns"].as_array().expect("columns");
    let capacity = columns.iter().find(|c| c[0] == "months_of_payment_capacity").expect("the column is listed");
    assert_eq!(capacity[1], "double precision");
    assert!(capacity[3].as_str().unwrap_or_default().contains("可支付月数"), "column comment from the model's docs: {capacity}");
    assert!(navigator["table_comment"].as_str().unwrap_or_default().contains("months of payment capacity"), "{navigator}");
    // A parameterized query goes through the extended protocol.
    assert_eq!(server.psycopg(ANALYST, &["parameters"]).trim(), r#"[["unemployment", "2025-11"], ["unemployment", "2025-12"]]"#);
}

#[test]
fn grants_limit_what_a_user_sees_and_reads() {
    let server = Server::start("serve_grants", &[]);
    let analyst_tables = server.psql_ok(ANALYST, &["-c", "\\dt"]);
    assert!(analyst_tables.contains(" marts ") && analyst_tables.contains(" ref "), "{analyst_tables}");
    assert!(!analyst_tables.contains(" staging "), "an analyst granted marts does not see staging:\n{analyst_tables}");

    let refused = server.psql(ANALYST, &["-c", "SELECT count(*) FROM staging.contributions"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("permission denied for schema staging"), "{stderr}");
    let nested = server.psql(ANALYST, &["-c", "SELECT * FROM marts.fund_monthly WHERE fund IN (SELECT insurance_type FROM staging.contributions)"]);
    assert!(String::from_utf8_lossy(&nested.stderr).contains("permission denied for schema staging"));

    let admin_count = server.psql_ok(ADMIN, &["-tAc", "SELECT count(*) FROM staging.contributions"]);
    let expected = crate::support::scalar(&Demo::get().warehouse(), "SELECT count(*) FROM staging.contributions");
    assert_eq!(admin_count.trim(), expected);
}

/// Every file under the warehouse with its size and modification time.
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir").flatten() {
            let meta = entry.metadata().expect("metadata");
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                files.insert(entry.path(), (meta.len(), meta.modified().expect("mtime")));
            }
        }
    }
    files
}

#[test]
fn writes_are_refused_and_the_warehouse_is_unchanged() {
    let server = Server::start("serve_read_only", &[]);
    let warehouse = Demo::get().warehouse();
    let before = listing(&warehouse);
    let copy_target = scratch("serve_read_only_copy").join("out.csv");
    let attempts = [
        "INSERT INTO marts.fund_monthly SELECT * FROM marts.fund_monthly",
        "DELETE FROM marts.fund_monthly",
        "UPDATE marts.fund_monthly SET fund = 'x'",
        "DROP TABLE marts.fund_monthly",
        "CREATE TABLE marts.copy AS SELECT * FROM marts.fund_monthly",
        "CREATE VIEW marts.v AS SELECT 1",
        &format!("COPY (SELECT * FROM marts.fund_monthly) TO '{}'", copy_target.display()),
        "SELECT * INTO marts.copied FROM marts.fund_monthly",
        "CREATE EXTERNAL TABLE leak STORED AS CSV LOCATION '/etc/passwd'",
        "TRUNCATE marts.fund_monthly",
        "ALTER TABLE marts.fund_monthly RENAME TO gone",
    ];
    for attempt in attempts {
        let output = server.psql(ADMIN, &["-c", attempt]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{attempt} was accepted");
        // The PostgreSQL dialect has no CREATE EXTERNAL TABLE: refused before planning.
        let refused_by_parser = attempt.starts_with("CREATE EXTERNAL") && stderr.contains("parser error");
        assert!(stderr.contains("read-only") || refused_by_parser, "{attempt}: {stderr}");
    }
    assert!(!copy_target.exists(), "COPY TO wrote a file");
    assert_eq!(listing(&warehouse), before, "the warehouse changed");
    // The table is still there, whole.
    let rows = server.psql_ok(ADMIN, &["-tAc", "SELECT count(*) FROM marts.fund_monthly"]);
    assert_eq!(rows.trim(), crate::support::scalar(&warehouse, "SELECT count(*) FROM marts.fund_monthly"));
}

#[test]
fn thirty_two_clients_of_fifty_queries_each_all_succeed() {
    let server = Server::start("serve_concurrency", &[]);
    let summary: serde_json::Value = serde_json::from_str(&server.psycopg(ANALYST, &["concurrent", "32", "50"])).expect("JSON summary");
    assert_eq!(summary["error_count"], 0, "{summary}");
    assert_eq!(summary["succeeded"], 32 * 50, "{summary}");
}

#[test]
fn a_query_over_the_memory_limit_spills_or_fails_alone_and_a_slow_one_times_out() {
    let server = Server::start("serve_limits", &["--memory-limit", "16m"]);
    // A full sort of 3M rows spills and completes.
    let sorted = server.psql_ok(
        ADMIN,
        &["-tAc", "SELECT max(rn) FROM (SELECT row_number() OVER (ORDER BY value DESC) AS rn FROM generate_series(1, 3000000))"],
    );
    assert_eq!(sorted.trim(), "3000000");
    // An array of 5M values cannot spill: over the limit it fails, with a clear reason.
    let distinct = server.psql(ADMIN, &["-tAc", "SELECT cardinality(array_agg(value)) FROM generate_series(1, 5000000)"]);
    let stderr = String::from_utf8_lossy(&distinct.stderr);
    assert!(!distinct.status.success() && stderr.contains("Resources exhausted"), "{stderr}");
    // A query that would run for hours is cancelled at the timeout (a server of its own, so the
    // short timeout does not race the sort above on a busy machine).
    let impatient = Server::start("serve_timeout", &["--statement-timeout", "2"]);
    let slow = impatient.psql(ADMIN, &["-tAc", "SELECT sum(value % 7) FROM generate_series(1, 10000000000) WHERE value % 3 = 0"]);
    let stderr = String::from_utf8_lossy(&slow.stderr);
    assert!(!slow.status.success() && stderr.contains("statement timeout"), "{stderr}");
    // Both servers are still up and answering.
    assert_eq!(impatient.psql_ok(ANALYST, &["-tAc", "SELECT 1"]).trim(), "1");
    assert_eq!(server.psql_ok(ANALYST, &["-tAc", "SELECT count(*) > 0 FROM marts.fund_monthly"]).trim(), "t");
}
