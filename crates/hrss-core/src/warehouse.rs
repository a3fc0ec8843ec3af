//! The warehouse: Delta Lake tables under one object-store URL, and a DataFusion session that sees them all.

use std::num::NonZeroUsize;
use std::sync::Arc;

use datafusion::catalog::{MemorySchemaProvider, SchemaProvider, TableProvider};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::memory_pool::{FairSpillPool, GreedyMemoryPool, MemoryPool, TrackConsumersPool};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SessionConfig, SessionContext};
use deltalake::operations::write::WriteBuilder;
use deltalake::parquet::basic::{Compression, ZstdLevel};
use deltalake::parquet::file::properties::WriterProperties;
use deltalake::parquet::schema::types::ColumnPath;
use deltalake::delta_datafusion::engine::AsObjectStoreUrl;
use deltalake::delta_datafusion::planner::DeltaPlanner;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;
use deltalake::DeltaTable;
use futures::TryStreamExt;
use object_store::{ObjectStore, ObjectStoreExt};
use url::Url;

use crate::error::{CoreError, Result};
use crate::lazy_schema::LazyDeltaSchema;

/// The storage layers of the warehouse, each a folder of Delta tables and a SQL schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// Loaded, validated, pseudonymized source tables: `staging.<table>`.
    Staging,
    /// Built models: `marts.<model>`.
    Marts,
    /// Built forecast models: `forecasts.<model>`.
    Forecasts,
    /// Rejected rows with their reasons: `quarantine.<table>`.
    Quarantine,
    /// The load and build ledger: the single table `_ledger`.
    Ledger,
}

impl Layer {
    /// The folder under the warehouse root.
    pub fn folder(self) -> &'static str {
        match self {
            Self::Staging => "staging",
            Self::Marts => "marts",
            Self::Forecasts => "forecasts",
            Self::Quarantine => "_quarantine",
            Self::Ledger => "_ledger",
        }
    }

    /// The SQL schema the layer's tables are registered in.
    pub fn schema(self) -> &'static str {
        match self {
            Self::Staging => "staging",
            Self::Marts => "marts",
            Self::Forecasts => "forecasts",
            Self::Quarantine => "quarantine",
            Self::Ledger => "public",
        }
    }

    const ALL: [Layer; 5] = [Layer::Staging, Layer::Marts, Layer::Forecasts, Layer::Quarantine, Layer::Ledger];

    /// The layer models of `schema` (the folder under sql/) are built into, if models may be built there.
    pub fn of_models(schema: &str) -> Option<Layer> {
        match schema {
            "marts" => Some(Self::Marts),
            "forecasts" => Some(Self::Forecasts),
            _ => None,
        }
    }
}

/// How a write treats what the table already holds.
#[derive(Debug, Clone)]
pub enum WriteMode {
    Append,
    /// Replace the whole table, schema included (a full rebuild of a model).
    Overwrite,
    /// Atomically replace the rows matching this SQL predicate (Delta `replaceWhere`).
    ReplaceWhere(String),
}

/// How a table is laid out and described; applied when a write creates it.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions<'a> {
    pub partition_by: &'a [String],
    /// Shown as the table's description; empty for none.
    pub description: &'a str,
    /// Stored in the commit's info, beside the data it describes (e.g. the source versions a model was built from).
    pub commit_metadata: &'a [(String, serde_json::Value)],
    /// Columns whose Parquet row groups carry a bloom filter, so a lookup of one value (a person's
    /// pseudonym) reads only the row groups that may hold it.
    pub bloom_filter_on: &'a [String],
}

impl<'a> TableOptions<'a> {
    /// An unpartitioned table with a description.
    pub fn described(description: &'a str) -> Self {
        Self { partition_by: &[], description, commit_metadata: &[], bloom_filter_on: &[] }
    }
}

/// How table files are written: zstd, page statistics (the default) for pruning pages as well as row
/// groups, and bloom filters at a 1% false-positive rate (sized for a full row group, then folded down to
/// the distinct values the row group holds).
fn writer_properties(bloom_filter_on: &[String]) -> WriterProperties {
    let mut builder =
        WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::try_new(3).expect("valid zstd level")));
    for column in bloom_filter_on {
        let column = ColumnPath::from(column.as_str());
        builder = builder.set_column_bloom_filter_enabled(column.clone(), true).set_column_bloom_filter_fpp(column, 0.01);
    }
    builder.build()
}

/// What the Delta log knows of one data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRange {
    /// Smallest and largest value of the asked column, when the file carries statistics for it.
    pub min_max: Option<(String, String)>,
}

/// How a memory-limited session shares its limit between the operators of a query that can spill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PoolSharing {
    /// An even share each, counted over every operator of the plan, idle ones included: none can starve
    /// another, but an aggregation spills once past its share even while the rest of the pool lies unused
    /// (apache/datafusion#22036). For the build, whose models run long plans of many aggregations.
    Fair,
    /// First come, first served up to the limit, as datafusion-cli's `--memory-limit` does: an operator
    /// spills only when the limit itself is reached. For analysts' queries: at 50M rows under 2 GB,
    /// `count(DISTINCT person_id)` by year and district took 3.4-4.0 s with even shares (it spilled 228 MB)
    /// and 1.8 s like this, as fast as without a limit.
    Greedy,
}

/// A handle on the warehouse root. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Warehouse {
    root: Url,
    store: Arc<dyn ObjectStore>,
    root_path: object_store::path::Path,
}

impl Warehouse {
    /// Opens the warehouse at a local folder (created if missing) or an object-store URL.
    pub fn open(location: &str) -> Result<Self> {
        let bad = |reason: String| CoreError::WarehouseUrl { url: location.to_string(), reason };
        let mut root = if location.contains("://") {
            Url::parse(location).map_err(|e| bad(e.to_string()))?
        } else {
            let path = std::path::Path::new(location);
            std::fs::create_dir_all(path).map_err(|e| bad(e.to_string()))?;
            let absolute = std::fs::canonicalize(path).map_err(|e| bad(e.to_string()))?;
            Url::from_directory_path(&absolute).map_err(|()| bad("not an absolute path".into()))?
        };
        if !root.path().ends_with('/') {
            root.set_path(&format!("{}/", root.path()));
        }
        if root.scheme() != "file" && root.scheme() != "memory" {
            return Err(bad(format!(
                "the `{}` scheme is not enabled in this build yet; use a local folder",
                root.scheme()
            )));
        }
        let (store, root_path) = object_store::parse_url(&root).map_err(|e| bad(e.to_string()))?;
        Ok(Self { root, store: Arc::from(store), root_path })
    }

    pub fn root(&self) -> &Url {
        &self.root
    }

    pub fn table_url(&self, layer: Layer, name: &str) -> Url {
        let relative = match layer {
            Layer::Ledger => format!("{}/", layer.folder()),
            _ => format!("{}/{name}/", layer.folder()),
        };
        self.root.join(&relative).expect("table names are validated path segments")
    }

    /// The Delta table, or `None` when nothing has been committed to it yet.
    pub async fn table(&self, layer: Layer, name: &str) -> Result<Option<DeltaTable>> {
        let url = self.table_url(layer, name);
        if url.scheme() == "file" {
            let log = url.join("_delta_log/").expect("valid").to_file_path().ok();
            if !log.is_some_and(|p| p.is_dir()) {
                return Ok(None);
            }
        }
        let table = DeltaTable::try_from_url(url).await?;
        Ok(table.version().is_some().then_some(table))
    }

    /// Names of the committed tables of a layer, sorted.
    pub async fn table_names(&self, layer: Layer) -> Result<Vec<String>> {
        if layer == Layer::Ledger {
            let log = self.root_path.clone().join(layer.folder()).join("_delta_log");
            let committed = self.store.list(Some(&log)).try_next().await?.is_some();
            return Ok(if committed { vec!["_ledger".to_string()] } else { Vec::new() });
        }
        let prefix = self.root_path.clone().join(layer.folder());
        let listing = self.store.list_with_delimiter(Some(&prefix)).await?;
        let mut names = Vec::new();
        for dir in listing.common_prefixes {
            let Some(name) = dir.filename() else { continue };
            let log = dir.clone().join("_delta_log");
            let has_log = self.store.list(Some(&log)).try_next().await?.is_some();
            if has_log {
                names.push(name.to_string());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Writes the rows of `plan` into a table in one atomic commit.
    pub async fn write(
        &self,
        ctx: &SessionContext,
        layer: Layer,
        name: &str,
        plan: LogicalPlan,
        mode: WriteMode,
        options: TableOptions<'_>,
    ) -> Result<DeltaTable> {
        let url = self.table_url(layer, name);
        if let Ok(dir) = url.to_file_path() {
            // delta-rs opens local tables only in folders that exist.
            std::fs::create_dir_all(&dir).map_err(|source| CoreError::Io { path: dir.clone(), source })?;
        }
        let table = DeltaTable::try_from_url(url).await?;
        let snapshot = table.snapshot().ok().map(|s| s.snapshot().clone());
        let mut builder = WriteBuilder::new(table.log_store(), snapshot)
            .with_input_plan(plan)
            .with_session_state(Arc::new(ctx.state()))
            .with_table_name(name)
            .with_writer_properties(writer_properties(options.bloom_filter_on));
        if !options.description.is_empty() {
            builder = builder.with_description(options.description);
        }
        if !options.partition_by.is_empty() {
            builder = builder.with_partition_columns(options.partition_by.iter().cloned());
        }
        if !options.commit_metadata.is_empty() {
            builder = builder.with_commit_properties(
                deltalake::kernel::transaction::CommitProperties::default().with_metadata(options.commit_metadata.iter().cloned()),
            );
        }
        builder = match mode {
            WriteMode::Append => builder.with_save_mode(SaveMode::Append),
            WriteMode::Overwrite => builder.with_save_mode(SaveMode::Overwrite).with_schema_mode(SchemaMode::Overwrite),
            WriteMode::ReplaceWhere(predicate) => {
                builder.with_save_mode(SaveMode::Overwrite).with_replace_where(predicate)
            }
        };
        Ok(builder.await?)
    }

    /// The current version of a table, `None` when it does not exist.
    /// Read from the names of the log's commit files (`00000000000000000007.json`), not from the log itself:
    /// a server polls this for every table, and a build for every source of every model.
    pub async fn version(&self, layer: Layer, name: &str) -> Result<Option<i64>> {
        let mut log = self.root_path.clone().join(layer.folder());
        if layer != Layer::Ledger {
            log = log.join(name);
        }
        let files: Vec<_> = self.store.list(Some(&log.join("_delta_log"))).try_collect().await?;
        Ok(files.iter().filter_map(|f| f.location.filename()?.strip_suffix(".json")?.parse::<i64>().ok()).max())
    }

    /// The values stored with `TableOptions::commit_metadata` in the table's latest commit (empty when none).
    pub async fn last_commit_metadata(&self, layer: Layer, name: &str) -> Result<std::collections::HashMap<String, serde_json::Value>> {
        let Some(table) = self.table(layer, name).await? else { return Ok(Default::default()) };
        let mut history = table.history(Some(1));
        let latest = history.try_next().await?;
        Ok(latest.map(|commit| commit.info).unwrap_or_default())
    }

    /// The data files of a table at `version` (the current one when `None`), each with the range of
    /// `column` from its statistics: enough to tell which periods a set of changed files touches.
    pub async fn file_ranges(
        &self,
        layer: Layer,
        name: &str,
        version: Option<i64>,
        column: &str,
    ) -> Result<std::collections::BTreeMap<String, FileRange>> {
        let Some(mut table) = self.table(layer, name).await? else { return Ok(Default::default()) };
        if let Some(version) = version {
            table.load_version(u64::try_from(version).unwrap_or_default()).await?;
        }
        let snapshot = table.snapshot()?;
        let stat = |stats: &serde_json::Value, bound: &str| stats.get(bound)?.get(column)?.as_str().map(str::to_string);
        Ok(snapshot
            .log_data()
            .iter()
            .map(|file| {
                let stats = file.stats().and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok());
                let min_max = stats.and_then(|s| Some((stat(&s, "minValues")?, stat(&s, "maxValues")?)));
                (file.path().into_owned(), FileRange { min_max })
            })
            .collect())
    }

    /// Removes the data files a failed write left in a table's folder: files modified since `since` that
    /// the table's current version does not reference. Only for a writer holding the table's lock
    /// (`lock_writer`), so no other write is under way.
    pub async fn remove_uncommitted_files(&self, layer: Layer, name: &str, since: chrono::DateTime<chrono::Utc>) -> Result<usize> {
        let committed: std::collections::HashSet<String> = match self.table(layer, name).await? {
            Some(table) => table
                .snapshot()?
                .log_data()
                .iter()
                .filter_map(|file| file.path().rsplit('/').next().map(str::to_string))
                .collect(),
            None => Default::default(),
        };
        // File times come from a coarser clock than `since`: a little slack, which reaches back before the
        // write; safe because the caller holds the writer lock, and committed files are spared in any case.
        let since = since - chrono::Duration::milliseconds(50);
        let prefix = self.root_path.clone().join(layer.folder()).join(name);
        let leftovers: Vec<_> = self
            .store
            .list(Some(&prefix))
            .try_filter(|meta| {
                let file = meta.location.filename().unwrap_or_default();
                let left = meta.last_modified >= since
                    && file.ends_with(".parquet")
                    && !meta.location.as_ref().contains("/_delta_log/")
                    && !committed.contains(file);
                futures::future::ready(left)
            })
            .map_ok(|meta| meta.location)
            .try_collect()
            .await?;
        for path in &leftovers {
            self.store.delete(path).await?;
        }
        Ok(leftovers.len())
    }

    /// Removes a table and its files (a model that became a view).
    pub async fn drop_table(&self, layer: Layer, name: &str) -> Result<()> {
        let prefix = self.root_path.clone().join(layer.folder()).join(name);
        let paths: Vec<_> = self.store.list(Some(&prefix)).map_ok(|meta| meta.location).try_collect().await?;
        for path in paths {
            self.store.delete(&path).await?;
        }
        Ok(())
    }

    fn view_path(&self, schema: &str, name: &str) -> object_store::path::Path {
        self.root_path.clone().join("_views").join(schema).join(format!("{name}.sql"))
    }

    /// Stores a view's query in the warehouse; every session registers it.
    pub async fn save_view(&self, schema: &str, name: &str, sql: &str) -> Result<()> {
        self.store.put(&self.view_path(schema, name), sql.to_string().into()).await?;
        Ok(())
    }

    /// Forgets a stored view (a view model that became a table); no error when there is none.
    pub async fn drop_view(&self, schema: &str, name: &str) -> Result<()> {
        match self.store.delete(&self.view_path(schema, name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Stored views as (schema, name, query), sorted.
    pub async fn views(&self) -> Result<Vec<(String, String, String)>> {
        let prefix = self.root_path.clone().join("_views");
        let metas: Vec<_> = self.store.list(Some(&prefix)).try_collect().await?;
        let mut views = Vec::new();
        for meta in metas {
            let parts: Vec<String> = meta.location.parts().map(|p| p.as_ref().to_string()).collect();
            let [.., schema, file] = parts.as_slice() else { continue };
            let Some(name) = file.strip_suffix(".sql") else { continue };
            let sql = String::from_utf8_lossy(&self.store.get(&meta.location).await?.bytes().await?).into_owned();
            views.push((schema.clone(), name.to_string(), sql));
        }
        views.sort();
        Ok(views)
    }

    /// Registers the stored views in a session. Views over views are registered once what they read exists;
    /// a view that no longer plans (its table was dropped) is left out rather than failing the session.
    async fn register_views(&self, ctx: &SessionContext) -> Result<()> {
        let mut pending = self.views().await?;
        while !pending.is_empty() {
            let before = pending.len();
            let mut still = Vec::new();
            for (schema, name, sql) in pending {
                match ctx.sql(&sql).await {
                    Ok(df) => {
                        let view = datafusion::catalog::view::ViewTable::new(df.into_unoptimized_plan(), Some(sql));
                        let catalog = ctx.catalog("datafusion").expect("the default catalog exists");
                        if let Some(provider) = catalog.schema(&schema) {
                            provider.deregister_table(&name)?;
                            provider.register_table(name, Arc::new(view))?;
                        }
                    }
                    Err(_) => still.push((schema, name, sql)),
                }
            }
            if still.len() == before {
                break;
            }
            pending = still;
        }
        Ok(())
    }

    /// An empty DataFusion session that can write Delta tables (it carries delta-rs's query planner).
    pub fn context() -> SessionContext {
        let mut config = SessionConfig::new()
            .with_information_schema(true)
            .with_default_catalog_and_schema("datafusion", "public");
        // Spans let planning errors point at the line of a model file.
        config.options_mut().sql_parser.collect_spans = true;
        let state = SessionStateBuilder::new()
            .with_default_features()
            .with_expr_planners(crate::functions::expr_planners())
            .with_config(config)
            .with_query_planner(DeltaPlanner::new())
            .with_relation_planners(vec![crate::forecast::named_arguments()])
            .build();
        let ctx = SessionContext::new_with_state(state);
        crate::forecast::register(&ctx);
        ctx.register_udf(crate::functions::substr());
        ctx
    }

    /// A session sharing `ctx`'s tables, settings and object stores whose queries may hold at most
    /// `memory_limit` bytes together: beyond it, sorts, joins and aggregations spill to temporary files
    /// (the pool shares the limit between them as `sharing` says), and what cannot spill fails with
    /// "Resources exhausted" instead of taking the process down.
    pub fn within_memory(ctx: &SessionContext, memory_limit: usize, sharing: PoolSharing) -> Result<SessionContext> {
        let state = ctx.state();
        let top_consumers = NonZeroUsize::new(3).expect("3 is not zero");
        let pool: Arc<dyn MemoryPool> = match sharing {
            PoolSharing::Fair => Arc::new(TrackConsumersPool::new(FairSpillPool::new(memory_limit), top_consumers)),
            PoolSharing::Greedy => Arc::new(TrackConsumersPool::new(GreedyMemoryPool::new(memory_limit), top_consumers)),
        };
        let runtime = RuntimeEnvBuilder::from_runtime_env(state.runtime_env()).with_memory_pool(pool).build_arc()?;
        // A sort sets aside memory to merge its spill files (10 MB by default); under a small limit
        // that reservation alone would fail the sort it is meant to save.
        // The config still asks for a default catalog; building a state from it would replace the one
        // holding the warehouse's tables with an empty one.
        let mut config = state.config().clone().with_create_default_catalog_and_schema(false);
        let reservation = &mut config.options_mut().execution.sort_spill_reservation_bytes;
        *reservation = (*reservation).min(memory_limit / 8);
        Ok(SessionContext::new_with_state(SessionStateBuilder::new_from_existing(state).with_runtime_env(runtime).with_config(config).build()))
    }

    /// A DataFusion session with every committed table registered under its layer's schema.
    pub async fn session(&self) -> Result<SessionContext> {
        let ctx = Self::context();
        let catalog = ctx.catalog("datafusion").expect("the default catalog exists");
        // Tables are opened when a query first reads them. Empty schemas still exist, so `staging.x`
        // fails with "table not found", not "schema not found".
        for layer in Layer::ALL {
            let names = self.table_names(layer).await?;
            let schema = LazyDeltaSchema::new(self.clone(), layer, ctx.runtime_env(), names);
            catalog.register_schema(layer.schema(), Arc::new(schema))?;
        }
        catalog.register_schema("ref", Arc::new(crate::codes::reference_schema()?))?;
        self.register_views(&ctx).await?;
        Ok(ctx)
    }

    /// Re-registers in `ctx` every table whose Delta version differs from `seen` (keyed `layer/name`),
    /// and registers new ones; `seen` is updated. A long-running server calls this to see loads and builds.
    pub async fn refresh(&self, ctx: &SessionContext, seen: &mut std::collections::HashMap<String, i64>) -> Result<()> {
        for layer in Layer::ALL {
            for name in self.table_names(layer).await? {
                let Some(version) = self.version(layer, &name).await? else { continue };
                let key = format!("{}/{name}", layer.folder());
                if seen.get(&key) != Some(&version) {
                    self.register(ctx, layer, &name).await?;
                    seen.insert(key, version);
                }
            }
        }
        Ok(())
    }

    /// (Re-)registers one table in the session at its current version, creating its schema if needed; false if the table does not exist.
    pub async fn register(&self, ctx: &SessionContext, layer: Layer, name: &str) -> Result<bool> {
        let Some(table) = self.table(layer, name).await? else { return Ok(false) };
        let provider = provider_of(&table, &ctx.runtime_env()).await?;
        let catalog = ctx.catalog("datafusion").expect("the default catalog exists");
        let schema = match catalog.schema(layer.schema()) {
            Some(schema) => schema,
            None => {
                let schema: Arc<dyn SchemaProvider> = Arc::new(MemorySchemaProvider::new());
                catalog.register_schema(layer.schema(), Arc::clone(&schema))?;
                schema
            }
        };
        schema.deregister_table(name)?;
        schema.register_table(name.to_string(), provider)?;
        Ok(true)
    }
}

/// The table as a DataFusion provider, its object store registered in `runtime` first: what delta-rs's
/// `update_datafusion_session` does, for a runtime that need not belong to a session yet.
pub(crate) async fn provider_of(table: &DeltaTable, runtime: &RuntimeEnv) -> Result<Arc<dyn TableProvider>> {
    let log_store = table.log_store();
    let url = log_store.root_url().as_object_store_url();
    if runtime.object_store(&url).is_err() {
        runtime.register_object_store(url.as_ref(), log_store.root_object_store(None));
    }
    Ok(table.table_provider().await?)
}
