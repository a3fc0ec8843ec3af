//! What every table is: its kind, description and documented columns, gathered from the pipelines,
//! the models' headers and the warehouse, and offered to SQL as the `docs.tables` and `docs.columns` tables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};

use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, SchemaProvider, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use hrss_ingest::PipelineSpec;
use hrss_models::docs::{ColumnDoc, TableDoc};
use tokio::sync::OnceCell;

use crate::error::{AppError, Result};

/// The schema holding the self-description of the warehouse.
pub const DOCS_SCHEMA: &str = "docs";

/// Every model, staging table and code list with its columns and docs. `last_runs` maps a pipeline
/// or model name to its last load or build in words. Folders the project lacks contribute nothing,
/// so a session outside a project still describes the reference tables.
pub async fn describe(project: &Path, catalog: &dyn CatalogProvider, last_runs: &BTreeMap<String, String>) -> Result<Vec<TableDoc>> {
    let sql_dir = project.join("sql");
    let models = if sql_dir.is_dir() { hrss_models::discover(&sql_dir)? } else { Vec::new() };
    let pipelines_dir = project.join("pipelines");
    let specs = if pipelines_dir.is_dir() { PipelineSpec::discover(&pipelines_dir)? } else { Vec::new() };
    let mut tables = Vec::new();
    for model in &models {
        tables.push(TableDoc {
            name: model.name.clone(),
            kind: model.header.materialized.as_str().to_string(),
            description: model.header.description.clone(),
            defined_in: Some(model.path.clone()),
            tags: model.header.tags.clone(),
            columns: columns_of(table_schema(catalog, &model.name).await, &model.header.columns),
            sql: Some(model.sql.clone()),
            tests: model.header.tests.iter().map(|t| hrss_models::tests::compile(model, t).name).collect(),
            last_run: last_runs.get(&model.name).cloned(),
        });
    }
    for spec in &specs {
        let name = format!("staging.{}", spec.table);
        let docs: BTreeMap<String, String> =
            spec.columns.iter().filter(|c| !c.drop).map(|c| (c.canonical().to_string(), c.doc.clone().unwrap_or_default())).collect();
        tables.push(TableDoc {
            name: name.clone(),
            kind: "source".into(),
            description: spec.description.clone(),
            defined_in: Some(spec.path.clone()),
            tags: Vec::new(),
            columns: columns_of(table_schema(catalog, &name).await, &docs),
            sql: None,
            tests: Vec::new(),
            last_run: last_runs.get(&spec.name).cloned(),
        });
    }
    let reference = catalog.schema("ref").map(|s| s.table_names()).unwrap_or_default();
    for table in reference {
        let name = format!("ref.{table}");
        tables.push(TableDoc {
            name: name.clone(),
            kind: "reference".into(),
            description: "Code list shipped with hrss (see ../shared/domain/REFERENCE.md section 5)".into(),
            defined_in: None,
            tags: Vec::new(),
            columns: columns_of(table_schema(catalog, &name).await, &BTreeMap::new()),
            sql: None,
            tests: Vec::new(),
            last_run: None,
        });
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(tables)
}

/// The warehouse's columns in their order, each with its doc; the documented columns alone when the
/// table has not been built or loaded yet.
fn columns_of(schema: Option<SchemaRef>, docs: &BTreeMap<String, String>) -> Vec<ColumnDoc> {
    match schema {
        Some(schema) => schema
            .fields()
            .iter()
            .map(|f| ColumnDoc { name: f.name().clone(), data_type: f.data_type().to_string(), doc: docs.get(f.name()).cloned().unwrap_or_default() })
            .collect(),
        None => docs.iter().map(|(name, doc)| ColumnDoc { name: name.clone(), data_type: String::new(), doc: doc.clone() }).collect(),
    }
}

/// The schema of `schema.table` in `catalog`, opening the table if it is not open yet.
async fn table_schema(catalog: &dyn CatalogProvider, name: &str) -> Option<SchemaRef> {
    let (schema, table) = name.split_once('.')?;
    catalog.schema(schema)?.table(table).await.ok()?.map(|t| t.schema())
}

/// Registers the `docs` schema. Describing the warehouse opens every table, so it is done when a query
/// first reads `docs.tables` or `docs.columns`, not when the session starts.
pub fn register_docs(ctx: &SessionContext, project: &Path) -> Result<Arc<DocsSchema>> {
    let catalog = ctx.catalog("datafusion").expect("the default catalog exists");
    let schema = Arc::new(DocsSchema { project: project.to_path_buf(), catalog: Arc::downgrade(&catalog), described: OnceCell::new() });
    catalog.register_schema(DOCS_SCHEMA, Arc::clone(&schema) as _)?;
    Ok(schema)
}

/// `docs.tables` and `docs.columns`, made from the catalog they describe on first use.
#[derive(Debug)]
pub struct DocsSchema {
    project: PathBuf,
    /// Weak: this schema lives in that catalog.
    catalog: Weak<dyn CatalogProvider>,
    described: OnceCell<Described>,
}

#[derive(Debug)]
struct Described {
    tables: Vec<TableDoc>,
    providers: BTreeMap<&'static str, Arc<dyn TableProvider>>,
}

impl DocsSchema {
    /// Every table's description (for the shell's completion), described now if no query has yet.
    pub async fn tables(&self) -> Result<&[TableDoc]> {
        Ok(&self.described().await?.tables)
    }

    async fn described(&self) -> Result<&Described> {
        self.described
            .get_or_try_init(|| async {
                let catalog = self.catalog.upgrade().ok_or_else(|| AppError::Usage("the session holding the docs schema has ended".into()))?;
                let tables = describe(&self.project, catalog.as_ref(), &BTreeMap::new()).await?;
                let providers = docs_tables(&tables)?;
                Ok(Described { tables, providers })
            })
            .await
    }
}

#[async_trait]
impl SchemaProvider for DocsSchema {
    fn table_names(&self) -> Vec<String> {
        vec!["columns".into(), "tables".into()]
    }

    async fn table(&self, name: &str) -> datafusion::error::Result<Option<Arc<dyn TableProvider>>> {
        if !self.table_exist(name) {
            return Ok(None);
        }
        let described = self.described().await.map_err(|e| DataFusionError::External(Box::new(e)))?;
        Ok(described.providers.get(name).cloned())
    }

    fn table_exist(&self, name: &str) -> bool {
        matches!(name, "tables" | "columns")
    }
}

/// `docs.tables (table_schema, table_name, kind, comment, defined_in)` and
/// `docs.columns (table_schema, table_name, ordinal_position, column_name, data_type, comment)`.
fn docs_tables(tables: &[TableDoc]) -> Result<BTreeMap<&'static str, Arc<dyn TableProvider>>> {
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let split = |name: &str| -> (String, String) {
        match name.split_once('.') {
            Some((schema, table)) => (schema.to_string(), table.to_string()),
            None => ("public".to_string(), name.to_string()),
        }
    };
    let column = |values: Vec<String>| Arc::new(StringArray::from(values)) as arrow::array::ArrayRef;

    let table_schema: SchemaRef =
        Arc::new(Schema::new(vec![text("table_schema"), text("table_name"), text("kind"), text("comment"), text("defined_in")]));
    let (schemas, names): (Vec<String>, Vec<String>) = tables.iter().map(|t| split(&t.name)).unzip();
    let table_rows = RecordBatch::try_new(
        Arc::clone(&table_schema),
        vec![
            column(schemas),
            column(names),
            column(tables.iter().map(|t| t.kind.clone()).collect()),
            column(tables.iter().map(|t| t.description.clone()).collect()),
            column(tables.iter().map(|t| t.defined_in.as_deref().map(display_path).unwrap_or_default()).collect()),
        ],
    )?;

    let column_schema: SchemaRef = Arc::new(Schema::new(vec![
        text("table_schema"),
        text("table_name"),
        Field::new("ordinal_position", DataType::UInt64, false),
        text("column_name"),
        text("data_type"),
        text("comment"),
    ]));
    let mut columns: [Vec<String>; 5] = Default::default();
    let mut positions = Vec::new();
    for table in tables {
        let (schema, name) = split(&table.name);
        for (position, c) in table.columns.iter().enumerate() {
            for (values, value) in columns.iter_mut().zip([&schema, &name, &c.name, &c.data_type, &c.doc]) {
                values.push(value.clone());
            }
            positions.push(position as u64 + 1);
        }
    }
    let [schemas, names, column_names, types, comments] = columns;
    let column_rows = RecordBatch::try_new(
        Arc::clone(&column_schema),
        vec![
            column(schemas),
            column(names),
            Arc::new(arrow::array::UInt64Array::from(positions)),
            column(column_names),
            column(types),
            column(comments),
        ],
    )?;

    let tables: Arc<dyn TableProvider> = Arc::new(MemTable::try_new(table_schema, vec![vec![table_rows]])?);
    let columns: Arc<dyn TableProvider> = Arc::new(MemTable::try_new(column_schema, vec![vec![column_rows]])?);
    Ok(BTreeMap::from([("tables", tables), ("columns", columns)]))
}

fn display_path(path: &Path) -> String {
    // Paths relative to the project read the same on every machine.
    let relative: PathBuf = path.components().skip_while(|c| !matches!(c.as_os_str().to_str(), Some("sql" | "pipelines"))).collect();
    if relative.as_os_str().is_empty() { path.display().to_string() } else { relative.display().to_string() }
}
