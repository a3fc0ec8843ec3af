//! Incremental models: which periods to rebuild, from the data files that changed in the sources since the last build.
//!
//! Every model build records the versions of the tables it read and a hash of its SQL in the same Delta commit as its
//! data. The next build compares: files added or removed in a source since then are found in the Delta log, and their
//! statistics give the range of the period column they hold. Those periods, with the quarter and year containing each
//! month, are rebuilt in one `replaceWhere` commit, so a failed rebuild changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use hrss_core::{Layer, Warehouse};

use crate::model::Model;

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
        _ => None,
    }
}

/// Decides what an incremental build of `model` rebuilds.
pub async fn plan(
    warehouse: &Warehouse,
    model: &Model,
    column: &str,
    current: &BTreeMap<String, i64>,
    sql_sha256: &str,
    full_refresh: bool,
) -> hrss_core::Result<Refresh> {
    if full_refresh {
        return Ok(Refresh::Full("--full-refresh".into()));
    }
    if warehouse.version(Layer::Marts, &model.table).await?.is_none() {
        return Ok(Refresh::Full("first build".into()));
    }
    let recorded_sql = warehouse.last_commit_metadata(Layer::Marts, &model.table, "hrss.model_sql_sha256").await?;
    if recorded_sql.as_ref().and_then(|v| v.as_str()) != Some(sql_sha256) {
        return Ok(Refresh::Full("the model's SQL changed".into()));
    }
    let recorded = warehouse.last_commit_metadata(Layer::Marts, &model.table, "hrss.source_versions").await?;
    let Some(recorded) = recorded.and_then(|v| serde_json::from_value::<BTreeMap<String, i64>>(v).ok()) else {
        return Ok(Refresh::Full("no record of the sources of the last build".into()));
    };
    let mut periods = BTreeSet::new();
    for read in &model.reads {
        let Some((layer, table)) = layer_of(read) else { continue };
        let (then, now) = (recorded.get(read).copied(), current.get(read).copied());
        if then == now {
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
}
