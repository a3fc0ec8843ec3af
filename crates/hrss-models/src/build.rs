//! Builds: select models, order them by their dependencies, build independent ones concurrently,
//! test each after it is built, and stop only the dependants of a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use arrow::array::{Array, AsArray, Int64Array, RecordBatch};
use arrow::datatypes::DataType;
use datafusion::prelude::SessionContext;
use hrss_core::ledger::{self, EntryKind, LedgerEntry};
use hrss_core::warehouse::{PoolSharing, TableOptions, WriteMode};
use hrss_core::{Layer, Warehouse};

use std::sync::Arc;

use datafusion::catalog::view::ViewTable;
use datafusion::catalog::{
    CatalogProvider, MemoryCatalogProvider, MemoryCatalogProviderList, MemorySchemaProvider, SchemaProvider, TableProvider,
};
use datafusion::common::{plan_datafusion_err, TableReference};
use datafusion::datasource::{provider_as_source, MemTable};
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::{col, lit, Expr, LogicalPlan, LogicalPlanBuilder};
use futures::StreamExt;

use crate::incremental::{self, BuildState, Inputs, Refresh};
use crate::model::{Materialization, Model, ModelError};
use crate::tests::{self, TestOutcome};

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// dbt-style selectors: `name`, `name+`, `+name`, `tag:x`, `path:sql/marts`. Empty selects everything.
    pub select: Vec<String>,
    /// Run the tests only, against the tables as they are.
    pub tests_only: bool,
    /// Rebuild incremental models in full instead of by changed period.
    pub full_refresh: bool,
    /// Bytes the build's queries may hold together; beyond it sorts, joins and aggregations spill to
    /// temporary files. `None`: no bound.
    pub memory_limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelStatus {
    Built,
    /// Tests only: the table was not rebuilt.
    Tested,
    Failed(String),
    Skipped(String),
}

#[derive(Debug, Clone)]
pub struct ModelOutcome {
    pub model: String,
    pub status: ModelStatus,
    /// How it was materialized: `table`, `view`, `incremental: 3 periods (2025-03, ...)`, `incremental: full (first build)`.
    pub how: String,
    pub rows: Option<i64>,
    pub elapsed: Duration,
    pub tests: Vec<TestOutcome>,
}

impl ModelOutcome {
    fn blocks_dependants(&self) -> bool {
        matches!(self.status, ModelStatus::Failed(_) | ModelStatus::Skipped(_)) || self.tests.iter().any(TestOutcome::blocks)
    }
}

#[derive(Debug, Clone)]
pub struct BuildReport {
    pub outcomes: Vec<ModelOutcome>,
}

impl BuildReport {
    /// True when a model failed or an error-level test failed.
    pub fn failed(&self) -> bool {
        self.outcomes.iter().any(|o| {
            matches!(o.status, ModelStatus::Failed(_) | ModelStatus::Skipped(_)) || o.tests.iter().any(TestOutcome::blocks)
        })
    }
}

/// Model name -> the models it reads, in its query or its tests (a relationships test runs after its target).
pub fn dependencies(models: &[Model]) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeSet<&str> = models.iter().map(|m| m.name.as_str()).collect();
    models
        .iter()
        .map(|m| {
            let reads = m.reads.iter().chain(&m.test_reads).filter(|r| names.contains(r.as_str())).cloned().collect();
            (m.name.clone(), reads)
        })
        .collect()
}

/// Models in dependency levels: every model comes after everything it reads.
pub fn levels(deps: &BTreeMap<String, BTreeSet<String>>) -> Result<Vec<Vec<String>>, ModelError> {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut levels = Vec::new();
    while done.len() < deps.len() {
        let level: Vec<String> = deps
            .iter()
            .filter(|(name, reads)| !done.contains(*name) && reads.iter().all(|r| done.contains(r)))
            .map(|(name, _)| name.clone())
            .collect();
        if level.is_empty() {
            return Err(ModelError::Cycle { cycle: find_cycle(deps, &done) });
        }
        done.extend(level.iter().cloned());
        levels.push(level);
    }
    Ok(levels)
}

fn find_cycle(deps: &BTreeMap<String, BTreeSet<String>>, done: &BTreeSet<String>) -> Vec<String> {
    let start = deps.keys().find(|k| !done.contains(*k)).cloned().unwrap_or_default();
    let mut path = vec![start.clone()];
    let mut current = start;
    loop {
        let Some(next) = deps[&current].iter().find(|r| !done.contains(*r)).cloned() else { return path };
        if let Some(at) = path.iter().position(|p| *p == next) {
            let mut cycle = path[at..].to_vec();
            cycle.push(next);
            return cycle;
        }
        path.push(next.clone());
        current = next;
    }
}

/// The models a list of selectors picks.
pub fn select(models: &[Model], selectors: &[String]) -> Result<BTreeSet<String>, ModelError> {
    if selectors.is_empty() {
        return Ok(models.iter().map(|m| m.name.clone()).collect());
    }
    let deps = dependencies(models);
    let closure = |start: &str, downstream: bool| -> BTreeSet<String> {
        let mut found = BTreeSet::from([start.to_string()]);
        let mut frontier = vec![start.to_string()];
        while let Some(name) = frontier.pop() {
            let next: Vec<String> = if downstream {
                deps.iter().filter(|(_, reads)| reads.contains(&name)).map(|(m, _)| m.clone()).collect()
            } else {
                deps.get(&name).into_iter().flatten().cloned().collect()
            };
            for n in next {
                if found.insert(n.clone()) {
                    frontier.push(n);
                }
            }
        }
        found
    };
    let mut selected = BTreeSet::new();
    for selector in selectors {
        let matched: BTreeSet<String> = if let Some(tag) = selector.strip_prefix("tag:") {
            models.iter().filter(|m| m.header.tags.iter().any(|t| t == tag)).map(|m| m.name.clone()).collect()
        } else if let Some(path) = selector.strip_prefix("path:") {
            let path = path.trim_end_matches('/');
            models.iter().filter(|m| m.path.to_string_lossy().contains(path)).map(|m| m.name.clone()).collect()
        } else {
            let upstream = selector.starts_with('+');
            let downstream = selector.ends_with('+');
            let bare = selector.trim_matches('+');
            let model = models.iter().find(|m| m.name == bare || m.table == bare).ok_or_else(|| {
                let names = models.iter().map(|m| m.name.as_str());
                let near = crate::model::nearest(bare, names.clone())
                    .or_else(|| crate::model::nearest(bare, models.iter().map(|m| m.table.as_str())))
                    .and_then(|near| models.iter().find(|m| m.name == near || m.table == near));
                let hint = match near {
                    Some(near) => format!("did you mean `{}`?", near.name),
                    None => format!("models are: {}", names.collect::<Vec<_>>().join(", ")),
                };
                ModelError::Definition { path: "--select".into(), message: format!("no model `{bare}`; {hint}") }
            })?;
            let mut set = BTreeSet::from([model.name.clone()]);
            if upstream {
                set.extend(closure(&model.name, false));
            }
            if downstream {
                set.extend(closure(&model.name, true));
            }
            set
        };
        if matched.is_empty() {
            return Err(ModelError::Definition { path: "--select".into(), message: format!("`{selector}` selects no model") });
        }
        selected.extend(matched);
    }
    Ok(selected)
}

/// Builds (or only tests) the selected models.
pub async fn build(warehouse: &Warehouse, models: &[Model], options: &BuildOptions) -> Result<BuildReport, ModelError> {
    let mut ctx = warehouse.session().await?;
    if let Some(limit) = options.memory_limit {
        ctx = Warehouse::within_memory(&ctx, limit, PoolSharing::Fair)?;
    }
    let deps = dependencies(models);
    let selected = select(models, &options.select)?;
    let by_name: BTreeMap<&str, &Model> = models.iter().map(|m| (m.name.as_str(), m)).collect();
    let levels = levels(&deps)?;
    let mut outcomes: BTreeMap<String, ModelOutcome> = BTreeMap::new();
    for level in &levels {
        let runs = level.iter().filter(|name| selected.contains(*name)).map(|name| {
            let model = by_name[name.as_str()];
            let inputs = Inputs::of(model, &by_name, &selected);
            let blocked: Vec<&String> =
                deps[name].iter().filter(|d| outcomes.get(*d).is_some_and(ModelOutcome::blocks_dependants)).collect();
            let ctx = ctx.clone();
            async move {
                if let Some(first) = blocked.first() {
                    return ModelOutcome {
                        model: model.name.clone(),
                        status: ModelStatus::Skipped(format!("upstream {first} failed")),
                        how: String::new(),
                        rows: None,
                        elapsed: Duration::ZERO,
                        tests: Vec::new(),
                    };
                }
                build_one(warehouse, &ctx, model, &inputs, options).await
            }
        });
        let finished: Vec<ModelOutcome> =
            futures::stream::iter(runs).buffer_unordered(models_at_once(options.memory_limit)).collect().await;
        let mut entries = Vec::new();
        for outcome in finished {
            entries.extend(ledger_entries(&outcome));
            outcomes.insert(outcome.model.clone(), outcome);
        }
        ledger::record(warehouse, &entries).await?;
    }
    let outcomes = levels.iter().flatten().filter_map(|name| outcomes.remove(name)).collect();
    Ok(BuildReport { outcomes })
}

/// Each query already uses every core, so a level's models run as many at a time as there are cores:
/// running a whole level at once (a dozen models) only multiplied the memory held (11.6 GB at 10M rows).
/// Under a memory limit they run one at a time: two heavy models side by side left each aggregation a
/// share of the pool too small to finish (10M rows, 2 GB).
fn models_at_once(memory_limit: Option<usize>) -> usize {
    match memory_limit {
        Some(_) => 1,
        None => std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
    }
}

async fn build_one(warehouse: &Warehouse, ctx: &SessionContext, model: &Model, inputs: &Inputs, options: &BuildOptions) -> ModelOutcome {
    let started = Instant::now();
    let mut outcome = ModelOutcome {
        model: model.name.clone(),
        status: ModelStatus::Built,
        how: model.header.materialized.as_str().to_string(),
        rows: None,
        elapsed: Duration::ZERO,
        tests: Vec::new(),
    };
    if options.tests_only {
        outcome.status = ModelStatus::Tested;
    } else {
        match materialize(warehouse, ctx, model, inputs, options).await {
            Ok(how) => outcome.how = how,
            Err(message) => {
                outcome.status = ModelStatus::Failed(message);
                outcome.elapsed = started.elapsed();
                return outcome;
            }
        }
    }
    outcome.rows = row_count(ctx, &model.name).await;
    if outcome.rows.is_none() {
        outcome.status = ModelStatus::Failed(format!("{} has not been built yet; run `hrss build`", model.name));
    } else {
        outcome.tests = tests::run(ctx, model).await;
    }
    outcome.elapsed = started.elapsed();
    outcome
}

/// `path:line: message`, pointing at the line of the model file DataFusion's diagnostic names, if any.
fn located(model: &Model, error: &datafusion::error::DataFusionError) -> String {
    let offset = error.diagnostic().and_then(|d| d.span).map(|span| span.start.line as usize).filter(|l| *l > 0);
    let line = model.sql_line + offset.map_or(0, |l| l - 1);
    format!("{}:{line}: {error}", model.path.display())
}

/// Fails with the nearest existing names when the query reads a table the session does not have.
fn check_tables_exist(ctx: &SessionContext, model: &Model) -> Result<(), String> {
    let catalog = ctx.catalog("datafusion").expect("the default catalog exists");
    let known: Vec<String> = catalog
        .schema_names()
        .into_iter()
        .flat_map(|schema| {
            let tables = catalog.schema(&schema).map(|s| s.table_names()).unwrap_or_default();
            tables.into_iter().map(move |t| format!("{schema}.{t}"))
        })
        .collect();
    for read in &model.reads {
        let qualified = if read.contains('.') { read.clone() } else { format!("public.{read}") };
        if !known.contains(&qualified) {
            let hint = match crate::model::nearest(read, known.iter().map(String::as_str)) {
                Some(near) => format!("did you mean `{near}`?"),
                None => "load it with `hrss ingest` or add a model that builds it".to_string(),
            };
            return Err(format!("{}:{}: unknown table `{read}`; {hint}", model.path.display(), model.sql_line));
        }
    }
    Ok(())
}

/// Builds the model as its header says; returns how.
async fn materialize(
    warehouse: &Warehouse,
    ctx: &SessionContext,
    model: &Model,
    inputs: &Inputs,
    options: &BuildOptions,
) -> Result<String, String> {
    let at = |e: &dyn std::fmt::Display| format!("{}:{}: {e}", model.path.display(), model.sql_line);
    let Some(layer) = Layer::of_models(&model.schema) else {
        return Err(at(&format!(
            "models are built into `marts` or `forecasts`; move the file under sql/marts/ or sql/forecasts/ (schema `{}` is not writable)",
            model.schema
        )));
    };
    check_tables_exist(ctx, model)?;
    let df = ctx.sql(&model.sql).await.map_err(|e| located(model, &e))?;
    if model.header.materialized == Materialization::View {
        if warehouse.version(layer, &model.table).await.map_err(|e| at(&e))?.is_some() {
            warehouse.drop_table(layer, &model.table).await.map_err(|e| at(&e))?;
        }
        warehouse.save_view(&model.schema, &model.table, &model.sql).await.map_err(|e| at(&e))?;
        let view = ViewTable::new(df.into_unoptimized_plan(), Some(model.sql.clone()));
        let schema = ctx.catalog("datafusion").and_then(|c| c.schema(&model.schema)).ok_or_else(|| at(&format!("no `{}` schema in the session", model.schema)))?;
        schema.deregister_table(&model.table).map_err(|e| at(&e))?;
        schema.register_table(model.table.clone(), Arc::new(view)).map_err(|e| at(&e))?;
        return Ok("view".into());
    }
    warehouse.drop_view(&model.schema, &model.table).await.map_err(|e| at(&e))?;
    let now = BuildState { sql_sha256: inputs.sql_sha256.clone(), sources: source_versions(warehouse, inputs).await.map_err(|e| at(&e))? };
    let recorded = if options.full_refresh { None } else { BuildState::recorded(warehouse, model).await.map_err(|e| at(&e))? };
    let metadata = [
        (BuildState::SOURCES_KEY.to_string(), serde_json::json!(now.sources)),
        (BuildState::SQL_KEY.to_string(), serde_json::json!(now.sql_sha256)),
    ];
    let table_options = TableOptions { commit_metadata: &metadata, ..TableOptions::described(&model.header.description) };
    let mut write_ctx = ctx.clone();
    // A `count(DISTINCT person)` by month over a year of contributions did not fit 2 GB at 10M rows in one pass.
    let one_period_at_a_time = model.header.batch_by_period && options.memory_limit.is_some();
    let mut held_output = None;
    let (plan, mode, how) = match model.header.materialized {
        Materialization::Incremental => {
            let column = model.header.period_column.as_deref().unwrap_or("period");
            let refresh = match (options.full_refresh, recorded.as_ref()) {
                (true, _) => Refresh::Full("--full-refresh".into()),
                (false, recorded) => incremental::plan(warehouse, model, inputs, column, &now, recorded).await.map_err(|e| at(&e))?,
            };
            match refresh {
                Refresh::UpToDate => return Ok("incremental: up to date".into()),
                Refresh::Full(reason) if one_period_at_a_time => {
                    let periods = source_periods(ctx, model, column).await.map_err(|e| located(model, &e))?;
                    let (plan, reservation) =
                        period_by_period(ctx, model, column, &periods, Leftovers::Include).await.map_err(|e| located(model, &e))?;
                    held_output = Some(reservation);
                    (plan, WriteMode::Overwrite, format!("incremental: full ({reason}), {} periods one at a time", periods.len()))
                }
                Refresh::Full(reason) => (df.into_unoptimized_plan(), WriteMode::Overwrite, format!("incremental: full ({reason})")),
                Refresh::Periods(periods) => {
                    let predicate = period_predicate(column, &periods);
                    let how = format!("incremental: {} periods ({})", periods.len(), incremental::summarize(&periods));
                    let plan = if one_period_at_a_time {
                        let (plan, reservation) =
                            period_by_period(ctx, model, column, &periods, Leftovers::Exclude).await.map_err(|e| located(model, &e))?;
                        held_output = Some(reservation);
                        plan
                    } else {
                        write_ctx = sources_limited_to(ctx, model, column, &year_ranges(&incremental::years_of(&periods))).await.map_err(|e| at(&e))?;
                        write_ctx.sql(&model_slice(model, &predicate)).await.map_err(|e| located(model, &e))?.into_unoptimized_plan()
                    };
                    (plan, WriteMode::ReplaceWhere(predicate), how)
                }
            }
        }
        Materialization::Table | Materialization::View => {
            if now.unchanged_since(recorded.as_ref(), inputs) {
                return Ok("table: up to date".into());
            }
            (df.into_unoptimized_plan(), WriteMode::Overwrite, "table".into())
        }
    };
    warehouse.write(&write_ctx, layer, &model.table, plan, mode, table_options).await.map_err(|e| at(&e))?;
    drop(held_output);
    warehouse.register(ctx, layer, &model.table).await.map_err(|e| at(&e))?;
    Ok(how)
}

/// `"period" IN ('2025-03', '2025-Q1')`
fn period_predicate(column: &str, periods: &BTreeSet<String>) -> String {
    let list = periods.iter().map(|p| format!("'{}'", p.replace('\'', "''"))).collect::<Vec<_>>().join(", ");
    format!("\"{column}\" IN ({list})")
}

/// The model's rows that satisfy `predicate` (on its output columns); the filter reaches the sources' scans
/// wherever the period column passes through unchanged.
fn model_slice(model: &Model, predicate: &str) -> String {
    format!("SELECT * FROM ({}) AS model WHERE model.{predicate}", model.sql)
}

/// Whether a period-by-period build also computes the rows whose period is none of those listed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leftovers {
    /// A full build: rows with another period (or none) are still part of the model.
    Include,
    /// A rebuild of the listed periods replaces only them.
    Exclude,
}

/// Every period the model's sources hold (the values of `column`, with the quarter and year of each month).
async fn source_periods(ctx: &SessionContext, model: &Model, column: &str) -> datafusion::error::Result<BTreeSet<String>> {
    let mut periods = BTreeSet::new();
    for read in &model.reads {
        let Ok(source) = ctx.table(read.as_str()).await else { continue };
        if !source.schema().has_column_with_unqualified_name(column) {
            continue;
        }
        let values = source.select_columns(&[column])?.distinct()?.collect().await?;
        for batch in values {
            let strings = arrow::compute::cast(batch.column(0), &DataType::Utf8)?;
            let strings = strings.as_string::<i32>();
            periods.extend(strings.iter().flatten().flat_map(incremental::containing_periods));
        }
    }
    Ok(periods)
}

/// The model computed period by period, each from the source rows of its own months (a month's, a quarter's three,
/// a year's twelve), so an aggregation holds one period's state at a time and the other grains' branches find no
/// rows. The rows are gathered in memory, counted against the session's memory pool, and returned as one plan so
/// that the table is still written in one commit; the reservation must be held until then.
async fn period_by_period(
    ctx: &SessionContext,
    model: &Model,
    column: &str,
    periods: &BTreeSet<String>,
    leftovers: Leftovers,
) -> datafusion::error::Result<(LogicalPlan, MemoryReservation)> {
    let reservation = MemoryConsumer::new(format!("{} (output, period by period)", model.name)).register(&ctx.runtime_env().memory_pool);
    let mut slices: Vec<(SessionContext, String)> = Vec::new();
    for period in periods {
        // A value that is not a month, quarter or year keeps to its year, as any incremental rebuild does.
        let months = match incremental::month_range(period) {
            Some(range) => vec![range],
            None => year_ranges(&incremental::years_of(&BTreeSet::from([period.clone()]))),
        };
        let session = sources_limited_to(ctx, model, column, &months).await?;
        slices.push((session, model_slice(model, &period_predicate(column, &BTreeSet::from([period.clone()])))));
    }
    if leftovers == Leftovers::Include {
        let rest = if periods.is_empty() {
            model.sql.clone()
        } else {
            format!("SELECT * FROM ({}) AS model WHERE model.\"{column}\" IS NULL OR NOT (model.{})", model.sql, period_predicate(column, periods))
        };
        slices.push((ctx.clone(), rest));
    }
    let mut schema = None;
    let mut rows = Vec::new();
    for (session, sql) in slices {
        let df = session.sql(&sql).await?;
        schema.get_or_insert_with(|| Arc::new(df.schema().as_arrow().clone()));
        for batch in df.collect().await? {
            reservation.try_grow(batch.get_array_memory_size())?;
            rows.push(batch);
        }
    }
    let schema = rows.first().map(RecordBatch::schema).or(schema).ok_or_else(|| plan_datafusion_err!("no periods to build"))?;
    let table = MemTable::try_new(schema, vec![rows])?;
    let plan = LogicalPlanBuilder::scan(format!("{}_by_period", model.table), provider_as_source(Arc::new(table)), None)?.build()?;
    Ok((plan, reservation))
}

/// Each year as its range of months.
fn year_ranges(years: &BTreeSet<String>) -> Vec<(String, String)> {
    years.iter().map(|y| (format!("{y}-01"), format!("{y}-12"))).collect()
}

/// A session like `ctx` in which every source of `model` that has the period column shows only the rows of the
/// month ranges (a range on the column, so Parquet statistics skip the other row groups); `ctx` itself when none.
async fn sources_limited_to(
    ctx: &SessionContext,
    model: &Model,
    column: &str,
    months: &[(String, String)],
) -> datafusion::error::Result<SessionContext> {
    let limited = SessionContext::new_with_state(
        SessionStateBuilder::new_from_existing(ctx.state()).with_catalog_list(Arc::new(MemoryCatalogProviderList::new())).build(),
    );
    let original = ctx.catalog("datafusion").ok_or_else(|| plan_datafusion_err!("no default catalog"))?;
    let catalog = Arc::new(MemoryCatalogProvider::new());
    limited.register_catalog("datafusion", Arc::clone(&catalog) as Arc<dyn CatalogProvider>);
    let Some(range) = months.iter().map(|(first, last)| col(column).between(lit(first.as_str()), lit(last.as_str()))).reduce(Expr::or) else {
        return Ok(ctx.clone());
    };
    for schema_name in original.schema_names() {
        let Some(schema) = original.schema(&schema_name) else { continue };
        let copy = Arc::new(MemorySchemaProvider::new());
        for table in schema.table_names() {
            let Some(provider) = schema.table(&table).await? else { continue };
            let qualified = format!("{schema_name}.{table}");
            let provider = if model.reads.contains(&qualified) && provider.schema().field_with_name(column).is_ok() {
                let scan = LogicalPlanBuilder::scan(TableReference::partial(schema_name.as_str(), table.as_str()), provider_as_source(provider), None)?
                    .filter(range.clone())?
                    .build()?;
                Arc::new(ViewTable::new(scan, None)) as Arc<dyn TableProvider>
            } else {
                provider
            };
            copy.register_table(table, provider)?;
        }
        catalog.register_schema(&schema_name, copy)?;
    }
    Ok(limited)
}

/// The current versions of the warehouse tables the model reads, directly or through views.
async fn source_versions(warehouse: &Warehouse, inputs: &Inputs) -> hrss_core::Result<BTreeMap<String, i64>> {
    let mut versions = BTreeMap::new();
    for read in &inputs.tables {
        if let Some((layer, table)) = incremental::layer_of(read)
            && let Some(version) = warehouse.version(layer, table).await?
        {
            versions.insert(read.clone(), version);
        }
    }
    Ok(versions)
}

async fn row_count(ctx: &SessionContext, table: &str) -> Option<i64> {
    let batches = ctx.sql(&format!("SELECT count(*) FROM {table}")).await.ok()?.collect().await.ok()?;
    let column = batches.first()?.column(0).clone();
    column.as_any().downcast_ref::<Int64Array>().filter(|a| !a.is_empty()).map(|a| a.value(0))
}

fn ledger_entries(outcome: &ModelOutcome) -> Vec<LedgerEntry> {
    let finished = chrono::Utc::now();
    let started = finished - chrono::Duration::from_std(outcome.elapsed).unwrap_or_default();
    let mut build = LedgerEntry::new(EntryKind::Build, &outcome.model);
    build.started = started;
    build.finished = finished;
    build.rows_loaded = outcome.rows.unwrap_or(0);
    (build.outcome, build.detail) = match &outcome.status {
        ModelStatus::Built => ("success".into(), outcome.how.clone()),
        ModelStatus::Tested => ("tested".into(), String::new()),
        ModelStatus::Failed(m) => ("failed".into(), m.clone()),
        ModelStatus::Skipped(m) => ("skipped".into(), m.clone()),
    };
    let mut entries = vec![build];
    for test in &outcome.tests {
        let mut entry = LedgerEntry::new(EntryKind::Test, format!("{}: {}", outcome.model, test.name));
        entry.started = finished;
        entry.finished = finished;
        entry.test_failures = Some(test.failures);
        entry.outcome = if test.passed() { "pass".into() } else if test.blocks() { "fail".into() } else { "warn".into() };
        entry.detail = test.error.clone().or_else(|| test.detail.clone()).unwrap_or_default();
        entries.push(entry);
    }
    entries
}
