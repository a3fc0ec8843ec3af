//! What each command does. Every command returns a `Result`; `main` only maps it to an exit code.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hrss_core::pseudonym::{ensure_key_file, KEY_ENV};
use hrss_core::warehouse::PoolSharing;
use hrss_core::{Pseudonymizer, Warehouse};
use hrss_generate::GenerateOptions;
use hrss_ingest::{check_file, ingest_file, IngestOptions, LoadReport, PipelineSpec};
use datafusion::prelude::SessionContext;
use crate::catalog::DocsSchema;
use hrss_models::lineage::Graph;
use hrss_models::{BuildOptions, BuildReport};
use hrss_report::{evaluate, write_document, Dashboard, OutputFiles, RenderOptions, RenderedReport};
use indicatif::{ProgressBar, ProgressStyle};

use crate::error::{AppError, Result};
use crate::serve::{PgOptions, UserEntry, UsersFile, serve_pg};
use crate::http::{serve_http, HttpOptions};
use crate::sql::{SqlOutput, run_script};
use crate::output::{print_build, print_checks, print_loads, print_unit_tests};
use crate::{Cli, Command, LineageFormat, ReportFormat, UserAction};


/// Runs one command line.
pub async fn run(cli: Cli) -> Result<()> {
    let project = Project { root: cli.project.clone() };
    match cli.command {
        Command::Demo { out, rows, seed } => demo(&project, &out, GenerateOptions { rows, seed, sources: Vec::new() }).await,
        Command::Generate { out, rows, seed, only } => {
            let files = hrss_generate::generate(&out, GenerateOptions { rows, seed, sources: only })?;
            for file in files {
                println!(
                    "{:<32} {:>8} rows ({} deliberately invalid)  {}",
                    file.source,
                    file.data_rows,
                    file.planted_bad_rows,
                    file.path.display()
                );
            }
            Ok(())
        }
        Command::Ingest { pipelines, input, check, json, lock_wait, max_quarantine_share } => {
            let options = IngestOptions { lock_wait: Duration::from_secs(lock_wait), max_quarantine_share, ..IngestOptions::default() };
            let jobs = ingest_jobs(&project, &pipelines, &input)?;
            if check {
                return check_jobs(&jobs, &options, json).await;
            }
            let warehouse = Warehouse::open(&cli.warehouse)?;
            let pseudonymizer = Pseudonymizer::from_env_or_file(&cli.key_file)?;
            let (reports, failures) = ingest(&warehouse, &pseudonymizer, &jobs, &options).await;
            if json {
                print_json(&serde_json::json!({ "loads": reports, "failures": failures }))?;
            } else {
                print_loads(&reports);
            }
            fail_if_any(&failures)
        }
        Command::Build { select, full_refresh, memory_limit } => {
            let warehouse = Warehouse::open(&cli.warehouse)?;
            build(&project, &warehouse, BuildOptions { select, tests_only: false, full_refresh, memory_limit }).await.map(|_| ())
        }
        Command::Test { select, unit: true, .. } => unit_tests(&project, &select).await,
        Command::Test { select, unit: false, memory_limit } => {
            let warehouse = Warehouse::open(&cli.warehouse)?;
            build(&project, &warehouse, BuildOptions { select, tests_only: true, memory_limit, ..BuildOptions::default() }).await.map(|_| ())
        }
        Command::Lineage { model, format } => {
            let models = hrss_models::discover(&project.folder("sql")?)?;
            hrss_models::build::levels(&hrss_models::build::dependencies(&models))?;
            let graph = Graph::of(&models);
            let graph = match &model { Some(name) => graph.around(name)?, None => graph };
            let text = match format {
                LineageFormat::Text => graph.to_text(),
                LineageFormat::Dot => graph.to_dot(),
                LineageFormat::Mermaid => graph.to_mermaid(),
                LineageFormat::Html => graph.to_html(&format!("hrss lineage{}", model.map(|m| format!(": {m}")).unwrap_or_default())),
            };
            print!("{text}");
            Ok(())
        }
        Command::Docs { out } => {
            let warehouse = Warehouse::open(&cli.warehouse)?;
            let written = catalogue(&project, &warehouse, &out).await?;
            println!("wrote {} pages; open {}", written.len(), out.join("index.html").display());
            Ok(())
        }
        Command::Sql { query, file, format, output, max_rows, memory_limit } => {
            let script = match (query, file) {
                (Some(query), _) => query,
                (None, Some(file)) => std::fs::read_to_string(&file)
                    .map_err(|e| AppError::Usage(format!("cannot read the SQL file {}: {e}", file.display())))?,
                (None, None) => return Err(AppError::Usage("give a query or -f FILE".into())),
            };
            // Files can be queried by path (`SELECT * FROM 'x.parquet'`), as in DuckDB; never over the server.
            let (ctx, _) = analyst_session(&cli.warehouse, &project, memory_limit).await?;
            let ctx = ctx.enable_url_table();
            let output = SqlOutput { format, file: output, max_rows, timing: std::io::stderr().is_terminal() };
            run_script(&ctx, &script, &output).await
        }
        Command::Shell { memory_limit, history } => {
            let (ctx, docs) = analyst_session(&cli.warehouse, &project, memory_limit).await?;
            let ctx = ctx.enable_url_table();
            crate::shell::run_shell(&ctx, docs.tables().await?, &history).await
        }
        Command::Serve { pg_port, http_port, lang, host, users, memory_limit, statement_timeout } => {
            if pg_port.is_none() && http_port.is_none() {
                return Err(AppError::Usage("nothing to serve: give --pg-port N and/or --http-port N (0 picks a free port)".into()));
            }
            let warehouse = Warehouse::open(&cli.warehouse)?;
            let http = match http_port {
                Some(port) => {
                    let options = HttpOptions { host: host.clone(), port, dashboards: project.folder("dashboards")?, lang: lang.into() };
                    Some(serve_http(warehouse.clone(), options))
                }
                None => None,
            };
            let pg = match pg_port {
                Some(port) => {
                    let (base, _) = analyst_session(&cli.warehouse, &project, None).await?;
                    let options = PgOptions {
                        host,
                        port,
                        users,
                        memory_limit,
                        statement_timeout: Duration::from_secs(statement_timeout),
                        refresh_every: Duration::from_secs(5),
                    };
                    Some(serve_pg(warehouse, base, options))
                }
                None => None,
            };
            match (pg, http) {
                (Some(pg), Some(http)) => tokio::try_join!(pg, http).map(|_| ()),
                (Some(pg), None) => pg.await,
                (None, Some(http)) => http.await,
                (None, None) => Ok(()),
            }
        }
        Command::User { action } => users(action),
        Command::Report { names, out, format, period, lang } => {
            let files = OutputFiles {
                html: format.contains(&ReportFormat::Html),
                svg: format.contains(&ReportFormat::Svg),
                png: format.contains(&ReportFormat::Png),
                pdf: format.contains(&ReportFormat::Pdf),
            };
            let warehouse = Warehouse::open(&cli.warehouse)?;
            let options = RenderOptions { lang: lang.into(), period };
            for rendered in report(&project, &warehouse, &names, &out, files, &options).await? {
                print_rendered(&rendered);
            }
            Ok(())
        }
    }
}

/// A session over the warehouse for analysts: every table and view, the `docs` schema describing
/// them, and optionally a memory limit beyond which queries spill.
/// Returns the docs schema too, whose descriptions the shell's completion uses.
async fn analyst_session(location: &str, project: &Project, memory_limit: Option<usize>) -> Result<(SessionContext, Arc<DocsSchema>)> {
    let warehouse = Warehouse::open(location)?;
    let ctx = warehouse.session().await?;
    let ctx = match memory_limit {
        Some(limit) => Warehouse::within_memory(&ctx, limit, PoolSharing::Greedy)?,
        None => ctx,
    };
    let docs = crate::catalog::register_docs(&ctx, &project.root)?;
    Ok((ctx, docs))
}

fn users(action: UserAction) -> Result<()> {
    match action {
        UserAction::Add { name, schemas, users } => {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(AppError::Usage(format!("`{name}` is not a user name; use letters, digits, _ and -")));
            }
            let password = read_password(&name)?;
            let mut file = UsersFile::load_or_default(&users)?;
            let existed = file.users.insert(name.clone(), UserEntry::new(&password, schemas.clone())).is_some();
            file.save(&users)?;
            println!("{} user `{name}` (schemas: {}) in {}", if existed { "updated" } else { "added" }, schemas.join(", "), users.display());
            Ok(())
        }
        UserAction::Remove { name, users } => {
            let mut file = UsersFile::load(&users)?;
            if file.users.remove(&name).is_none() {
                return Err(AppError::Usage(format!("no user `{name}` in {}", users.display())));
            }
            file.save(&users)?;
            println!("removed user `{name}` from {}", users.display());
            Ok(())
        }
        UserAction::List { users } => {
            let file = UsersFile::load(&users)?;
            for (name, user) in &file.users {
                println!("{name:<20} {}", user.schemas.join(", "));
            }
            Ok(())
        }
    }
}

/// The new password: HRSS_PASSWORD, else asked without echo on a terminal, else a line of standard input.
fn read_password(user: &str) -> Result<String> {
    let password = match std::env::var("HRSS_PASSWORD") {
        Ok(password) => password,
        Err(_) if std::io::stdin().is_terminal() => rpassword::prompt_password(format!("password for {user}: "))
            .map_err(|e| AppError::Usage(format!("cannot read the password: {e}")))?,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map_err(|e| AppError::Usage(format!("cannot read the password: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if password.chars().count() < 8 {
        return Err(AppError::Usage("the password is shorter than 8 characters; choose a longer one".into()));
    }
    Ok(password)
}

/// The folders of a project.
struct Project {
    root: PathBuf,
}

impl Project {
    fn folder(&self, name: &str) -> Result<PathBuf> {
        let path = self.root.join(name);
        if path.is_dir() {
            Ok(path)
        } else {
            Err(AppError::Usage(format!(
                "no {name}/ folder in {}; run hrss from the project folder or pass --project",
                self.root.display()
            )))
        }
    }
}

fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// `*` matches any run of characters in a file name.
fn matches_pattern(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, tail)) => {
            name.len() >= head.len() && name.starts_with(head) && {
                let rest = &name[head.len()..];
                (0..=rest.len()).filter(|i| rest.is_char_boundary(*i)).any(|i| matches_pattern(tail, &rest[i..]))
            }
        }
    }
}

/// One file to load through one pipeline.
struct Job {
    spec: PipelineSpec,
    file: PathBuf,
}

/// A load that failed: the others go on, and the command fails at the end.
#[derive(Debug, serde::Serialize)]
struct Failure {
    pipeline: String,
    file: PathBuf,
    error: String,
}

/// Matches the input files to the pipelines: every file of a folder that a pipeline's pattern matches.
fn ingest_jobs(project: &Project, names: &[String], input: &Path) -> Result<Vec<Job>> {
    let specs = PipelineSpec::discover(&project.folder("pipelines")?)?;
    for name in names {
        if !specs.iter().any(|s| &s.name == name) {
            let known: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
            return Err(AppError::Usage(format!("no pipeline `{name}`; pipelines are: {}", known.join(", "))));
        }
    }
    let files: Vec<PathBuf> = if input.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(input)
            .map_err(|e| AppError::Usage(format!("cannot read input folder {}: {e}", input.display())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
    } else if input.is_file() {
        vec![input.to_path_buf()]
    } else {
        return Err(AppError::Usage(format!("input {} does not exist; pass --input with a file or folder", input.display())));
    };
    let mut jobs = Vec::new();
    for spec in specs.into_iter().filter(|s| names.is_empty() || names.contains(&s.name)) {
        let mine: Vec<PathBuf> = files
            .iter()
            .filter(|f| {
                // A single file named on the command line for a named pipeline is taken whatever its name.
                (input.is_file() && !names.is_empty())
                    || f.file_name().and_then(|n| n.to_str()).is_some_and(|n| matches_pattern(&spec.source.files, n))
            })
            .cloned()
            .collect();
        if mine.is_empty() {
            if names.is_empty() {
                eprintln!("note: no input for pipeline `{}` (files matching `{}`) in {}", spec.name, spec.source.files, input.display());
                continue;
            }
            return Err(hrss_ingest::IngestError::NoInput {
                pipeline: spec.name.clone(),
                pattern: spec.source.files.clone(),
                dir: input.to_path_buf(),
            }
            .into());
        }
        jobs.extend(mine.into_iter().map(|file| Job { spec: spec.clone(), file }));
    }
    if jobs.is_empty() {
        return Err(AppError::Usage(format!("no file in {} matches any pipeline", input.display())));
    }
    Ok(jobs)
}

/// A bar per file on a terminal (MB read, MB/s, rows); nothing in a pipe.
fn file_progress(job: &Job, options: &IngestOptions) -> (ProgressBar, tokio::task::JoinHandle<()>) {
    let size = std::fs::metadata(&job.file).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let name = job.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let progress = Arc::clone(&options.progress);
    progress.bytes.store(0, Ordering::Relaxed);
    progress.rows.store(0, Ordering::Relaxed);
    let ticker = tokio::spawn({
        let (bar, pipeline) = (bar.clone(), job.spec.name.clone());
        async move {
            loop {
                bar.set_position(progress.bytes.load(Ordering::Relaxed));
                bar.set_message(format!("{pipeline} <- {name}: {} rows", progress.rows.load(Ordering::Relaxed)));
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
        }
    });
    (bar, ticker)
}

async fn ingest(warehouse: &Warehouse, pseudonymizer: &Pseudonymizer, jobs: &[Job], options: &IngestOptions) -> (Vec<LoadReport>, Vec<Failure>) {
    let mut reports = Vec::new();
    let mut failures = Vec::new();
    for job in jobs {
        let (bar, ticker) = file_progress(job, options);
        let report = ingest_file(warehouse, &job.spec, &job.file, pseudonymizer, options).await;
        ticker.abort();
        bar.finish_and_clear();
        match report {
            Ok(report) => reports.push(report),
            Err(e) => {
                eprintln!("error: {e}");
                failures.push(Failure { pipeline: job.spec.name.clone(), file: job.file.clone(), error: e.to_string() });
            }
        }
    }
    (reports, failures)
}

fn fail_if_any(failures: &[Failure]) -> Result<()> {
    if failures.is_empty() {
        return Ok(());
    }
    let files: Vec<String> = failures.iter().map(|f| format!("{} ({})", f.file.display(), f.pipeline)).collect();
    Err(AppError::Failed(format!("{} load(s) failed and changed nothing: {}; the errors are above", failures.len(), files.join(", "))))
}

async fn check_jobs(jobs: &[Job], options: &IngestOptions, json: bool) -> Result<()> {
    let mut checks = Vec::new();
    let mut failures = Vec::new();
    for job in jobs {
        let (bar, ticker) = file_progress(job, options);
        let checked = check_file(&job.spec, &job.file, options).await;
        ticker.abort();
        bar.finish_and_clear();
        match checked {
            Ok(check) => checks.push(check),
            Err(e) => {
                eprintln!("error: {e}");
                failures.push(Failure { pipeline: job.spec.name.clone(), file: job.file.clone(), error: e.to_string() });
            }
        }
    }
    if json {
        print_json(&serde_json::json!({ "checks": checks, "failures": failures }))?;
    } else {
        print_checks(&checks);
    }
    fail_if_any(&failures)?;
    if checks.iter().any(|c| c.would_fail.is_some()) {
        return Err(AppError::Failed("a load would fail on its quarantine share; see above".into()));
    }
    Ok(())
}

fn print_json(value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| AppError::Failed(format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

async fn build(project: &Project, warehouse: &Warehouse, options: BuildOptions) -> Result<BuildReport> {
    let models = hrss_models::discover(&project.folder("sql")?)?;
    let bar = spinner(if options.tests_only { "test models" } else { "build models" });
    let report = hrss_models::build(warehouse, &models, &options).await;
    bar.finish_and_clear();
    let report = report?;
    print_build(&report);
    if report.failed() {
        return Err(AppError::Failed("some models or error-level tests failed; see the summary above".into()));
    }
    Ok(report)
}

/// The last load of each pipeline and build of each model, in words, from the ledger.
async fn last_runs(ctx: &SessionContext) -> BTreeMap<String, String> {
    let sql = "SELECT what, outcome, CAST(finished AS VARCHAR) AS finished, rows_loaded, detail FROM _ledger \
               WHERE kind IN ('load', 'build') ORDER BY finished";
    let Ok(df) = ctx.sql(sql).await else { return BTreeMap::new() };
    let Ok(batches) = df.collect().await else { return BTreeMap::new() };
    let mut runs = BTreeMap::new();
    for batch in &batches {
        let text = |i: usize| arrow::compute::cast(batch.column(i), &arrow::datatypes::DataType::Utf8).ok();
        let (Some(what), Some(outcome), Some(finished), Some(rows), Some(detail)) = (text(0), text(1), text(2), text(3), text(4)) else { continue };
        let column = |a: &arrow::array::ArrayRef, row: usize| a.as_any().downcast_ref::<arrow::array::StringArray>().map(|s| s.value(row).to_string()).unwrap_or_default();
        for row in 0..batch.num_rows() {
            let finished_at = column(&finished, row);
            let when = finished_at.get(..19).unwrap_or(&finished_at).replace('T', " ");
            let detail = column(&detail, row);
            let detail = if detail.is_empty() { String::new() } else { format!(" ({detail})") };
            runs.insert(column(&what, row), format!("{} {} UTC, {} rows{detail}", column(&outcome, row), when, column(&rows, row)));
        }
    }
    runs
}

async fn catalogue(project: &Project, warehouse: &Warehouse, out: &Path) -> Result<Vec<PathBuf>> {
    let models = hrss_models::discover(&project.folder("sql")?)?;
    project.folder("pipelines")?;
    let ctx = warehouse.session().await?;
    let catalog = ctx.catalog("datafusion").expect("the default catalog exists");
    let tables = crate::catalog::describe(&project.root, catalog.as_ref(), &last_runs(&ctx).await).await?;
    let graph = Graph::of(&models);
    let written = hrss_models::docs::write(out, &tables, &graph).map_err(|source| AppError::Io { path: out.to_path_buf(), source })?;
    Ok(written)
}

async fn unit_tests(project: &Project, select: &[String]) -> Result<()> {
    let sql_dir = project.folder("sql")?;
    let models = hrss_models::discover(&sql_dir)?;
    let selected = if select.is_empty() { None } else { Some(hrss_models::build::select(&models, select)?) };
    let outcomes = hrss_models::unit::run(&sql_dir, &models, selected.as_ref()).await;
    let failed = print_unit_tests(&outcomes);
    if outcomes.is_empty() {
        return Err(AppError::Usage("no .slt unit test beside the selected models".into()));
    }
    if failed > 0 {
        return Err(AppError::Failed(format!("{failed} of {} SQL unit test files failed; see above", outcomes.len())));
    }
    Ok(())
}

async fn report(
    project: &Project,
    warehouse: &Warehouse,
    names: &[String],
    out: &Path,
    files: OutputFiles,
    options: &RenderOptions,
) -> Result<Vec<RenderedReport>> {
    let dashboards = Dashboard::discover(&project.folder("dashboards")?)?;
    for name in names {
        if !dashboards.iter().any(|d| &d.name == name) {
            let known: Vec<&str> = dashboards.iter().map(|d| d.name.as_str()).collect();
            return Err(AppError::Usage(format!("no dashboard `{name}`; dashboards are: {}", known.join(", "))));
        }
    }
    let ctx = warehouse.session().await?;
    let selected: Vec<&Dashboard> = dashboards.iter().filter(|d| names.is_empty() || names.contains(&d.name)).collect();
    let bar = spinner(&format!("{} reports", selected.len()));
    // Each report is a task: its queries are small and mostly single-threaded, and drawing it (charts
    // rasterized, the PDF laid out) is plain CPU work, so reports run side by side on every core.
    let tasks: Vec<_> = selected
        .into_iter()
        .map(|dashboard| {
            let (ctx, dashboard, options, out) = (ctx.clone(), dashboard.clone(), options.clone(), out.to_path_buf());
            tokio::spawn(async move {
                let document = evaluate(&ctx, &dashboard, &options).await?;
                let drawn = tokio::task::spawn_blocking(move || write_document(&document, &out, files)).await;
                drawn.unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))
            })
        })
        .collect();
    let mut written = Vec::with_capacity(tasks.len());
    for task in tasks {
        written.push(task.await.unwrap_or_else(|panic| std::panic::resume_unwind(panic.into_panic()))?);
    }
    bar.finish_and_clear();
    Ok(written)
}

/// One line per report: its name, period and main files; then how many chart files sit beside them.
fn print_rendered(rendered: &RenderedReport) {
    let main: Vec<String> = rendered.html.iter().chain(&rendered.pdf).map(|p| p.display().to_string()).collect();
    let pages = if rendered.pdf.is_some() { format!(", {} PDF pages", rendered.pdf_pages) } else { String::new() };
    println!("   {:<22} {:<8} {}  (+{} chart and data files{pages})", rendered.name, rendered.period, main.join("  "), rendered.assets.len());
}

async fn demo(project: &Project, out: &Path, options: GenerateOptions) -> Result<()> {
    let input = out.join("input");
    let warehouse_dir = out.join("warehouse");
    let reports_dir = out.join("reports");
    let started = Instant::now();

    println!("== 1/4 generate: every departmental source ({} contribution records) -> {}", options.rows, input.display());
    let generated = hrss_generate::generate(&input, options)?;
    for file in &generated {
        let name = file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        println!("   {:<32} {:>8} rows  {name}", file.source, file.data_rows);
    }

    // The key lives beside the warehouse, never inside it.
    let pseudonymizer = if std::env::var(KEY_ENV).is_ok() {
        Pseudonymizer::from_env_or_file(Path::new(""))?
    } else {
        let key_file = ensure_key_file(&out.join("pseudonym.key"))?;
        Pseudonymizer::from_env_or_file(&key_file)?
    };
    let warehouse = Warehouse::open(&warehouse_dir.to_string_lossy())?;

    println!("== 2/4 ingest -> {}", warehouse_dir.display());
    let jobs = ingest_jobs(project, &[], &input)?;
    let (loads, failures) = ingest(&warehouse, &pseudonymizer, &jobs, &IngestOptions::default()).await;
    print_loads(&loads);
    fail_if_any(&failures)?;

    println!("== 3/4 build models and run their tests");
    build(project, &warehouse, BuildOptions::default()).await?;

    println!("== 4/4 render reports -> {}", reports_dir.display());
    let written = report(project, &warehouse, &[], &reports_dir, OutputFiles::ALL, &RenderOptions::default()).await?;
    for rendered in &written {
        print_rendered(rendered);
    }
    println!("done in {:.1}s", started.elapsed().as_secs_f64());
    if let Some(html) = written.first().and_then(|r| r.html.as_ref()) {
        println!("report: {}", html.display());
    }
    println!("query it: hrss --warehouse {} sql \"SELECT * FROM marts.fund_monthly ORDER BY period DESC LIMIT 5\"", warehouse_dir.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::matches_pattern;

    #[test]
    fn file_patterns() {
        assert!(matches_pattern("社保缴费明细*.csv", "社保缴费明细_2025.csv"));
        assert!(matches_pattern("*.xlsx", "基金.xlsx"));
        assert!(!matches_pattern("社保缴费明细*.csv", "社保缴费明细_2025.xlsx"));
        assert!(matches_pattern("a*b*c", "axxbyyc"));
    }
}
