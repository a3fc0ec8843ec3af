//! Incremental models: which periods to rebuild, from the data files that changed in the sources since the last build.
//!
//! Every model build records the versions of the tables it read and a hash of its SQL in the same Delta commit as its
//! data. The next build compares: files added or removed in a source since then are found in the Delta log, and their
//! statistics give the range of the period column they hold. Those periods, with the quarter and year containing each
//! month, are rebuilt in one `replaceWhere` commit, so a failed rebuild changes nothing.
//!
//! The contract of an incremental model: each output period is computed from the source rows of its own year (no
//! trailing windows or growth rates across years). The rebuild then reads only those years from every source that
//! has the period column, so a new month costs a year's slice, not the history.

use std::collections::{BTreeMap, BTreeSet};

use hrss_core::{Layer, Warehouse};
use sha2::{Digest, Sha256};

use crate::model::{Materialization, Model};

/// What an incremental build has to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refresh {
    /// Rebuild everything, for this reason.
    Full(String),
    /// Rebuild these values of the period column.
    Periods(BTreeSet<String>),
    /// No source changed since the last build.
    UpToDate,
}

/// The warehouse layer and table behind a qualified name, for the layers that are versioned Delta tables.
pub fn layer_of(qualified: &str) -> Option<(Layer, &str)> {
    let (schema, table) = qualified.split_once('.')?;
    match schema {
        "staging" => Some((Layer::Staging, table)),
        "marts" => Some((Layer::Marts, table)),
        "forecasts" => Some((Layer::Forecasts, table)),
        _ => None,
    }
}

/// What a build of a model depends on. The project's views it reads are looked through, since a view has no
/// version of its own: their SQL joins the model's in the fingerprint, and the tables they read join its sources.
/// Only views built in the same run are: any other is read as the warehouse stored it, whatever its file says now,
/// and planned when the session opened, before this run rewrote the tables behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    pub sql_sha256: String,
    /// The tables read, directly or through views.
    pub tables: BTreeSet<String>,
    /// A view of the project not built in this run, if the model reads one: it is then rebuilt in full.
    pub view_not_built: Option<String>,
}

impl Inputs {
    /// `models` by name: the project's models, among which its views; `built`: the names of those this run builds.
    pub fn of(model: &Model, models: &BTreeMap<&str, &Model>, built: &BTreeSet<String>) -> Self {
        let mut views = BTreeMap::new();
        let mut tables = BTreeSet::new();
        let mut view_not_built = None;
        let mut pending: Vec<&String> = model.reads.iter().collect();
        while let Some(read) = pending.pop() {
            match models.get(read.as_str()).filter(|m| m.header.materialized == Materialization::View) {
                Some(_) if !built.contains(read) => {
                    view_not_built.get_or_insert_with(|| read.clone());
                }
                Some(view) => {
                    if views.insert(read.as_str(), view.sql.as_str()).is_none() {
                        pending.extend(&view.reads);
                    }
                }
                None => {
                    tables.insert(read.clone());
                }
            }
        }
        // The hrss version (its code lists and functions), the model's SQL and its views' SQL: a change of any
        // rebuilds it. A model reading no view keeps the fingerprint it had before views were looked through.
        let mut hash = Sha256::new().chain_update(env!("CARGO_PKG_VERSION")).chain_update(model.sql.as_bytes());
        for (name, sql) in views {
            hash.update([0]);
            hash.update(name);
            hash.update([0]);
            hash.update(sql);
        }
        Self { sql_sha256: hex::encode(hash.finalize()), tables, view_not_built }
    }
}

/// What the last build of a model recorded beside its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildState {
    pub sql_sha256: String,
    /// Version of every staging or marts table read.
    pub sources: BTreeMap<String, i64>,
}

impl BuildState {
    pub const SOURCES_KEY: &'static str = "hrss.source_versions";
    pub const SQL_KEY: &'static str = "hrss.model_sql_sha256";

    /// The state of the model's table now, `None` before its first build or when it was written without one.
    pub async fn recorded(warehouse: &Warehouse, model: &Model) -> hrss_core::Result<Option<Self>> {
        let Some(layer) = Layer::of_models(&model.schema) else { return Ok(None) };
        let mut info = warehouse.last_commit_metadata(layer, &model.table).await?;
        let sql = info.remove(Self::SQL_KEY);
        let sources = info.remove(Self::SOURCES_KEY).and_then(|v| serde_json::from_value(v).ok());
        Ok(match (sql.as_ref().and_then(|v| v.as_str()), sources) {
            (Some(sql), Some(sources)) => Some(Self { sql_sha256: sql.to_string(), sources }),
            _ => None,
        })
    }

    /// Whether a table built from `self` is still what building now would give: same SQL, same source versions,
    /// every source a versioned table (a view from outside the project could have changed underneath) and every
    /// view of the project read built in this run (see `Inputs`).
    pub fn unchanged_since(&self, recorded: Option<&BuildState>, inputs: &Inputs) -> bool {
        let all_versioned = inputs.tables.iter().filter(|r| layer_of(r).is_some()).all(|r| self.sources.contains_key(r));
        all_versioned && inputs.view_not_built.is_none() && recorded == Some(self)
    }
}

/// Decides what an incremental build of `model` rebuilds, given the state it would record now.
pub async fn plan(
    warehouse: &Warehouse,
    model: &Model,
    inputs: &Inputs,
    column: &str,
    now: &BuildState,
    recorded: Option<&BuildState>,
) -> hrss_core::Result<Refresh> {
    let Some(recorded) = recorded else {
        let built = match Layer::of_models(&model.schema) {
            Some(layer) => warehouse.version(layer, &model.table).await?.is_some(),
            None => false,
        };
        return Ok(Refresh::Full(if !built {
            "first build".into()
        } else {
            "no record of the sources of the last build".into()
        }));
    };
    if recorded.sql_sha256 != now.sql_sha256 {
        return Ok(Refresh::Full("the model's SQL changed".into()));
    }
    if let Some(view) = &inputs.view_not_built {
        return Ok(Refresh::Full(format!("it reads the view {view}, not built in this run")));
    }
    let mut periods = BTreeSet::new();
    for read in &inputs.tables {
        let Some((layer, table)) = layer_of(read) else { continue };
        let (then, current) = (recorded.sources.get(read).copied(), now.sources.get(read).copied());
        if then == current {
            continue;
        }
        let Some(then) = then else { return Ok(Refresh::Full(format!("{read} is new since the last build"))) };
        let before = warehouse.file_ranges(layer, table, Some(then), column).await?;
        let after = warehouse.file_ranges(layer, table, None, column).await?;
        let changed = before.iter().filter(|(f, _)| !after.contains_key(*f)).chain(after.iter().filter(|(f, _)| !before.contains_key(*f)));
        for (_, range) in changed {
            let Some((min, max)) = &range.min_max else {
                return Ok(Refresh::Full(format!("{read} has no statistics for `{column}`")));
            };
            if min != max {
                return Ok(Refresh::Full(format!("a changed file of {read} spans {min}..{max}")));
            }
            periods.extend(containing_periods(min));
        }
    }
    Ok(if periods.is_empty() { Refresh::UpToDate } else { Refresh::Periods(periods) })
}

/// The years the periods fall in (`2026-01`, `2026-Q1`, `2026` -> `2026`); empty when one of them has no year prefix.
pub fn years_of(periods: &BTreeSet<String>) -> BTreeSet<String> {
    let year = |p: &String| p.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit())).map(str::to_string);
    periods.iter().map(year).collect::<Option<BTreeSet<_>>>().unwrap_or_default()
}

/// The first and last month a period spans: `2025-03` itself, `2025-Q1` 2025-01..2025-03, `2025` 2025-01..2025-12;
/// `None` for any other value.
pub fn month_range(period: &str) -> Option<(String, String)> {
    let year = period.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?;
    let (first, last) = match period.get(4..) {
        Some("") => (1, 12),
        Some(rest) => match (rest.strip_prefix("-Q"), rest.strip_prefix('-')) {
            (Some(quarter), _) => quarter.parse::<u32>().ok().filter(|q| (1..=4).contains(q)).map(|q| (3 * q - 2, 3 * q))?,
            (None, Some(month)) if month.len() == 2 => month.parse::<u32>().ok().filter(|m| (1..=12).contains(m)).map(|m| (m, m))?,
            _ => return None,
        },
        None => return None,
    };
    Some((format!("{year}-{first:02}"), format!("{year}-{last:02}")))
}

/// A month and the quarter and year that contain it (`2025-03` -> `2025-03`, `2025-Q1`, `2025`), so a model holding
/// several grains in one period column rebuilds all of them; any other value stands for itself.
pub fn containing_periods(value: &str) -> Vec<String> {
    let month = value.get(5..7).and_then(|m| m.parse::<u32>().ok()).filter(|m| (1..=12).contains(m));
    match (value.len(), value.as_bytes().get(4), month) {
        (7, Some(b'-'), Some(month)) => {
            let year = &value[..4];
            vec![value.to_string(), format!("{year}-Q{}", (month - 1) / 3 + 1), year.to_string()]
        }
        _ => vec![value.to_string()],
    }
}

/// `2025-03, 2025-Q1, 2025` for a few periods; the first and last of many.
pub fn summarize(periods: &BTreeSet<String>) -> String {
    if periods.len() <= 4 {
        return periods.iter().cloned().collect::<Vec<_>>().join(", ");
    }
    let first = periods.first().cloned().unwrap_or_default();
    let last = periods.last().cloned().unwrap_or_default();
    format!("{first} .. {last}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_brings_its_quarter_and_year() {
        assert_eq!(containing_periods("2025-03"), ["2025-03", "2025-Q1", "2025"]);
        assert_eq!(containing_periods("2025-12"), ["2025-12", "2025-Q4", "2025"]);
        assert_eq!(containing_periods("2025-13"), ["2025-13"]);
        assert_eq!(containing_periods("2025"), ["2025"]);
    }

    #[test]
    fn a_period_spans_its_months() {
        let range = |first: &str, last: &str| Some((first.to_string(), last.to_string()));
        assert_eq!(month_range("2025-03"), range("2025-03", "2025-03"));
        assert_eq!(month_range("2025-Q2"), range("2025-04", "2025-06"));
        assert_eq!(month_range("2025-Q4"), range("2025-10", "2025-12"));
        assert_eq!(month_range("2025"), range("2025-01", "2025-12"));
        for other in ["2025-Q5", "2025-13", "2025-3", "20x5", "2025-03-01", "H1"] {
            assert_eq!(month_range(other), None, "{other}");
        }
    }

    #[test]
    fn years_come_from_every_grain_or_not_at_all() {
        let periods: BTreeSet<String> = ["2026-01", "2026-Q1", "2026", "2025-12"].map(String::from).into();
        assert_eq!(years_of(&periods), ["2025", "2026"].map(String::from).into());
        let odd: BTreeSet<String> = ["2026-01", "enterprise_pension"].map(String::from).into();
        assert!(years_of(&odd).is_empty());
    }
}
