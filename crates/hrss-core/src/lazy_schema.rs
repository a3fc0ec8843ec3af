//! A schema of Delta tables opened on first use. Listing a layer takes one directory listing; a query opens
//! only the tables it reads, so a session starts without reading every table's log.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, TableProvider};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::runtime_env::RuntimeEnv;

use crate::warehouse::{Layer, Warehouse};

#[derive(Debug)]
pub struct LazyDeltaSchema {
    warehouse: Warehouse,
    layer: Layer,
    /// The session's runtime, where a table's object store is registered when the table is first opened.
    runtime: Arc<RuntimeEnv>,
    /// Committed tables not opened yet.
    unopened: RwLock<BTreeSet<String>>,
    /// Tables opened, or registered by the session itself (a rebuilt model, a view).
    open: RwLock<HashMap<String, Arc<dyn TableProvider>>>,
}

impl LazyDeltaSchema {
    pub fn new(warehouse: Warehouse, layer: Layer, runtime: Arc<RuntimeEnv>, names: Vec<String>) -> Self {
        Self { warehouse, layer, runtime, unopened: RwLock::new(names.into_iter().collect()), open: RwLock::default() }
    }

    async fn open_table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let external = |e: crate::CoreError| DataFusionError::External(Box::new(e));
        let Some(table) = self.warehouse.table(self.layer, name).await.map_err(external)? else { return Ok(None) };
        Ok(Some(crate::warehouse::provider_of(&table, &self.runtime).await.map_err(external)?))
    }
}

/// The lock was poisoned by a panic elsewhere; the maps themselves are always whole.
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait]
impl SchemaProvider for LazyDeltaSchema {
    fn table_names(&self) -> Vec<String> {
        let mut names: BTreeSet<String> = read(&self.unopened).clone();
        names.extend(read(&self.open).keys().cloned());
        names.into_iter().collect()
    }

    async fn table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        if let Some(table) = read(&self.open).get(name) {
            return Ok(Some(Arc::clone(table)));
        }
        if !read(&self.unopened).contains(name) {
            return Ok(None);
        }
        let opened = self.open_table(name).await?;
        if let Some(table) = &opened {
            write(&self.open).entry(name.to_string()).or_insert_with(|| Arc::clone(table));
        }
        write(&self.unopened).remove(name);
        Ok(opened)
    }

    fn table_exist(&self, name: &str) -> bool {
        read(&self.open).contains_key(name) || read(&self.unopened).contains(name)
    }

    fn register_table(&self, name: String, table: Arc<dyn TableProvider>) -> Result<Option<Arc<dyn TableProvider>>> {
        write(&self.unopened).remove(&name);
        Ok(write(&self.open).insert(name, table))
    }

    fn deregister_table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        write(&self.unopened).remove(name);
        Ok(write(&self.open).remove(name))
    }
}
