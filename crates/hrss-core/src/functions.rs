//! `substr` with a fast path for the warehouse's short codes: `substr(period, 1, 4)`, the year of a month, is in
//! nearly every model and in the analysts' queries.
//!
//! DataFusion's `substr` walks the characters of every value unless it has checked the whole array is ASCII, a
//! check it skips for short prefixes. On a 50M-row query grouping by `substr(period, 1, 4)` that walk was a fifth
//! of the CPU. Periods, district and code values are short ASCII strings stored inline in their string views, so
//! their characters are their bytes and a substring is a slice. Any other input is left to DataFusion's own function.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringViewArray, StringViewBuilder, UInt32Array};
use arrow::buffer::NullBuffer;
use arrow::compute::take;
use arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::execution::SessionStateDefaults;
use datafusion::functions::unicode::substr::SubstrFunc;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult};
use datafusion::logical_expr::{ColumnarValue, Documentation, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature};

/// DataFusion's expression planners, behind one that plans `substr(..)` and `SUBSTRING(.. FROM .. FOR ..)` with
/// this module's function: the SQL parser reads both as a substring expression, which the first planner that
/// accepts it plans.
pub fn expr_planners() -> Vec<Arc<dyn ExprPlanner>> {
    let mut planners: Vec<Arc<dyn ExprPlanner>> = vec![Arc::new(SubstringPlanner(Arc::new(substr())))];
    planners.extend(SessionStateDefaults::default_expr_planners());
    planners
}

/// The `substr` function, for the session's function registry (`substr` and `substring` called by name).
pub fn substr() -> ScalarUDF {
    ScalarUDF::new_from_impl(Substr::default())
}

#[derive(Debug)]
struct SubstringPlanner(Arc<ScalarUDF>);

impl ExprPlanner for SubstringPlanner {
    fn plan_substring(&self, args: Vec<Expr>) -> Result<PlannerResult<Vec<Expr>>> {
        Ok(PlannerResult::Planned(Expr::ScalarFunction(ScalarFunction::new_udf(Arc::clone(&self.0), args))))
    }
}

/// DataFusion's `substr`, same signature and results, with the inline ASCII fast path.
#[derive(Debug, Default, PartialEq, Eq, Hash)]
struct Substr {
    general: SubstrFunc,
}

impl ScalarUDFImpl for Substr {
    fn name(&self) -> &str {
        self.general.name()
    }

    fn aliases(&self) -> &[String] {
        self.general.aliases()
    }

    fn signature(&self) -> &Signature {
        self.general.signature()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.general.return_type(arg_types)
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.general.documentation()
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let fast = match args.args.as_slice() {
            [ColumnarValue::Array(strings), start, rest @ ..] if rest.len() <= 1 => {
                let count = match rest.first() {
                    None => Some(None),
                    Some(count) => scalar_i64(count).filter(|c| *c >= 0).map(Some),
                };
                match (strings.as_any().downcast_ref::<StringViewArray>(), scalar_i64(start), count) {
                    (Some(strings), Some(start), Some(count)) => inline_ascii_substr(strings, start, count)?,
                    _ => None,
                }
            }
            _ => None,
        };
        match fast {
            Some(array) => Ok(ColumnarValue::Array(array)),
            None => self.general.invoke_with_args(args),
        }
    }
}

fn scalar_i64(value: &ColumnarValue) -> Option<i64> {
    match value {
        ColumnarValue::Scalar(ScalarValue::Int64(Some(v))) => Some(*v),
        _ => None,
    }
}

/// Longest string an Arrow string view holds inline, after its 4-byte length.
const INLINE: u32 = 12;

/// `substr(strings, start, count)` when every non-null value is inline and ASCII, so characters are bytes
/// and the result is inline too; `None` otherwise. `start` is 1-based and may lie outside the string, as in
/// PostgreSQL: `substr('2025-03', 0, 3)` is `'20'`.
fn inline_ascii_substr(strings: &StringViewArray, start: i64, count: Option<i64>) -> Result<Option<ArrayRef>> {
    // DataFusion's error for a start of i64::MIN is left to it.
    let Some(first) = start.checked_sub(1) else { return Ok(None) };
    let last = count.map_or(i64::MAX, |count| first.saturating_add(count));
    let cut = |value: &str| {
        let len = value.len() as i64;
        first.clamp(0, len) as usize..last.clamp(0, len) as usize
    };
    let (views, nulls) = (strings.views(), strings.nulls());
    if let Some((distinct, positions)) = distinct_positions(views, nulls) {
        // Each distinct value is checked and cut once; the rows then gather the results' views. Building an array
        // from views directly would validate every value's UTF-8 again, which cost more than the cutting it saves.
        if !distinct.iter().all(is_inline_ascii) {
            return Ok(None);
        }
        let cuts = StringViewArray::from_iter_values(distinct.iter().map(|view| {
            let value = inline_string(view);
            value[cut(&value)].to_string()
        }));
        return Ok(Some(take(&cuts, &UInt32Array::new(positions.into(), nulls.cloned()), None)?));
    }
    if !views.iter().enumerate().all(|(i, view)| nulls.is_some_and(|n| n.is_null(i)) || is_inline_ascii(view)) {
        return Ok(None);
    }
    let mut substrings = StringViewBuilder::with_capacity(strings.len());
    for value in strings {
        match value {
            None => substrings.append_null(),
            Some(value) => substrings.append_value(&value[cut(value)]),
        }
    }
    Ok(Some(Arc::new(substrings.finish())))
}

/// Most distinct values a batch may hold for `distinct_positions`, which looks each row up among them.
const MOST_DISTINCT: usize = 32;

/// The distinct views of the non-null rows, and the position of each row's among them (0 for a null row); `None`
/// past `MOST_DISTINCT`. A row is first compared with the row before, as periods and codes come in runs.
fn distinct_positions(views: &[u128], nulls: Option<&NullBuffer>) -> Option<(Vec<u128>, Vec<u32>)> {
    let mut distinct: Vec<u128> = Vec::new();
    let mut positions = Vec::with_capacity(views.len());
    let mut previous: Option<(u128, u32)> = None;
    let mut position_of = |view: &u128| -> Option<u32> {
        if let Some((seen, position)) = previous
            && seen == *view
        {
            return Some(position);
        }
        let position = match distinct.iter().position(|d| d == view) {
            Some(position) => position,
            None if distinct.len() == MOST_DISTINCT => return None,
            None => {
                distinct.push(*view);
                distinct.len() - 1
            }
        } as u32;
        previous = Some((*view, position));
        Some(position)
    };
    match nulls.filter(|n| n.null_count() > 0) {
        None => {
            for view in views {
                positions.push(position_of(view)?);
            }
        }
        Some(nulls) => {
            for (view, valid) in views.iter().zip(nulls.iter()) {
                positions.push(if valid { position_of(view)? } else { 0 });
            }
        }
    }
    Some((distinct, positions))
}

/// Whether a view holds its string inline, and every byte of it is ASCII.
fn is_inline_ascii(view: &u128) -> bool {
    let len = *view as u32;
    len <= INLINE && (inline_bytes(*view, len) & HIGH_BITS) == 0
}

/// The string an inline ASCII view holds.
fn inline_string(view: &u128) -> String {
    let len = (*view as u32).min(INLINE) as usize;
    // Bytes 4.. of a little-endian view are its inline bytes, checked ASCII by the caller.
    let bytes = view.to_le_bytes();
    std::str::from_utf8(&bytes[4..4 + len]).map(str::to_string).unwrap_or_default()
}

/// The top bit of every inline byte: set only in the bytes of a non-ASCII character.
const HIGH_BITS: u128 = 0x8080_8080_8080_8080_8080_8080;

/// The first `len` inline bytes of `view`, as the low bytes of the result.
fn inline_bytes(view: u128, len: u32) -> u128 {
    let bytes = view >> 32;
    if len >= 12 { bytes } else { bytes & ((1u128 << (8 * len)) - 1) }
}

#[cfg(test)]
mod tests {
    use arrow::array::StringArray;
    use datafusion::prelude::SessionContext;

    use super::*;

    /// The fast path gives exactly what DataFusion's own `substr` gives, for every kind of input.
    #[tokio::test]
    async fn substr_agrees_with_datafusion_on_every_kind_of_input() -> Result<()> {
        let values = [
            Some("2025-03"),
            Some("330602"),
            None,
            Some(""),
            Some("twelve bytes"),
            Some("thirteen bytes"),
            Some("绍兴市越城区"),
            Some("2025-Q1"),
        ];
        let calls = [
            "substr(v, 1, 4)",
            "substr(v, 6, 2)",
            "substr(v, 0, 3)",
            "substr(v, -2, 5)",
            "substr(v, 3)",
            "substr(v, 20, 2)",
            "substr(v, 1, 0)",
            "substring(v, 2, 100)",
            "substr(v, 1, 12)",
        ];
        // Every value alone (inline ASCII ones take the fast path) and all together (they do not).
        let mut inputs: Vec<Vec<Option<&str>>> = values.iter().map(|v| vec![*v]).collect();
        inputs.push(values.to_vec());
        inputs.push(vec![Some("2025-03"), None, Some("2025-12")]);
        // Runs and a value coming back after another; then more distinct values than are looked up one by one.
        inputs.push(vec![Some("2025-03"), Some("2025-03"), None, Some("2025-12"), Some("2025-03"), Some("")]);
        let many: Vec<String> = (0..=MOST_DISTINCT).map(|i| format!("c{i:02}")).collect();
        inputs.push(many.iter().map(|s| Some(s.as_str())).chain([None, Some("c00")]).collect());
        let ours = crate::Warehouse::context();
        let theirs = SessionContext::new();
        for input in &inputs {
            for call in calls {
                let sql = format!("SELECT {call} AS s FROM t");
                let expected = substrings(&theirs, input, &sql).await?;
                let actual = substrings(&ours, input, &sql).await?;
                assert_eq!(actual, expected, "{sql} over {input:?}");
            }
        }
        Ok(())
    }

    #[test]
    fn only_inline_ascii_values_take_the_fast_path() -> Result<()> {
        let periods = StringViewArray::from(vec![Some("2025-03"), None, Some("2025-12")]);
        let years = inline_ascii_substr(&periods, 1, Some(4))?.expect("inline ASCII values take the fast path");
        assert_eq!(years.as_any().downcast_ref::<StringViewArray>().map(|a| a.iter().collect::<Vec<_>>()), Some(vec![Some("2025"), None, Some("2025")]));
        assert!(inline_ascii_substr(&StringViewArray::from(vec!["thirteen bytes"]), 1, Some(4))?.is_none());
        assert!(inline_ascii_substr(&StringViewArray::from(vec!["绍兴市"]), 1, Some(1))?.is_none());
        assert!(inline_ascii_substr(&periods, i64::MIN, Some(1))?.is_none());
        // More distinct values than are looked up one by one: every row is checked.
        let mut many: Vec<String> = (0..=MOST_DISTINCT).map(|i| format!("c{i:02}")).collect();
        assert!(inline_ascii_substr(&StringViewArray::from_iter_values(&many), 1, Some(1))?.is_some());
        many.push("thirteen bytes".into());
        assert!(inline_ascii_substr(&StringViewArray::from_iter_values(&many), 1, Some(1))?.is_none());
        Ok(())
    }

    async fn substrings(ctx: &SessionContext, input: &[Option<&str>], sql: &str) -> Result<Vec<Option<String>>> {
        let array: ArrayRef = Arc::new(StringViewArray::from(input.to_vec()));
        let batch = arrow::record_batch::RecordBatch::try_from_iter([("v", array)])?;
        ctx.deregister_table("t")?;
        ctx.register_batch("t", batch)?;
        let batches = ctx.sql(sql).await?.collect().await?;
        let mut out = Vec::new();
        for batch in batches {
            let column = arrow::compute::cast(batch.column(0), &DataType::Utf8)?;
            let strings = column.as_any().downcast_ref::<StringArray>().map(|a| a.iter().map(|s| s.map(str::to_string)).collect::<Vec<_>>());
            out.extend(strings.unwrap_or_default());
        }
        Ok(out)
    }
}
