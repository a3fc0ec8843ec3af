//! `forecast(...)` and `forecast_backtest(...)`: forecasting as table functions over any table or query,
//! so a forecast is just another model.
//!
//! ```sql
//! SELECT * FROM forecast('marts.fund_monthly', 'fund', 'period', 'expenditure_total', 12);
//! SELECT * FROM forecast('SELECT ...', 'series', 'period', 'value', 5, 1, 'theta', '80,95');
//! SELECT * FROM forecast(source => 'marts.fund_monthly', series => 'fund', period => 'period',
//!                        value => 'expenditure_total', horizon => 12, method => 'ets');
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::datasource::{MemTable, TableType};
use datafusion::execution::SessionState;
use datafusion::logical_expr::Expr;
use datafusion::logical_expr::planner::{RelationPlanner, RelationPlannerContext, RelationPlanning};
use datafusion::sql::sqlparser::ast::{self as sql, FunctionArg, FunctionArgExpr, TableFactor};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::SessionContext;
use hrss_forecast::{Method, backtest, forecast};

/// Registers both table functions in `ctx`.
pub fn register(ctx: &SessionContext) {
    ctx.register_udtf("forecast", Arc::new(ForecastFunction { backtest: false }));
    ctx.register_udtf("forecast_backtest", Arc::new(ForecastFunction { backtest: true }));
}

/// The relation planner that lets both functions take `name => value` arguments.
pub fn named_arguments() -> Arc<dyn RelationPlanner> {
    Arc::new(NamedArguments)
}

/// The parameters in their positional order, each with the names it answers to.
const PARAMETERS: [&[&str]; 8] = [
    &["source", "table"],
    &["series", "series_col"],
    &["period", "period_col"],
    &["value", "value_col"],
    &["horizon"],
    &["season_length"],
    &["method"],
    &["levels"],
];

/// Rewrites `forecast(source => 'x', horizon => 5, ...)` into positional arguments before DataFusion
/// plans it: its planner hands table functions unnamed arguments only.
#[derive(Debug)]
struct NamedArguments;

impl RelationPlanner for NamedArguments {
    fn plan_relation(&self, mut relation: TableFactor, _context: &mut dyn RelationPlannerContext) -> Result<RelationPlanning> {
        if let TableFactor::Table { name, args: Some(args), .. } = &mut relation {
            let function = name.0.last().and_then(|part| part.as_ident()).map(|ident| ident.value.to_ascii_lowercase());
            let named = |arg: &FunctionArg| !matches!(arg, FunctionArg::Unnamed(_));
            if matches!(function.as_deref(), Some("forecast" | "forecast_backtest")) && args.args.iter().any(named) {
                args.args = positional(std::mem::take(&mut args.args))?;
            }
        }
        Ok(RelationPlanning::Original(Box::new(relation)))
    }
}

/// Unnamed arguments first, in order; named ones fill their positions; a skipped optional one is NULL.
fn positional(args: Vec<FunctionArg>) -> Result<Vec<FunctionArg>> {
    let mut slots: Vec<Option<FunctionArgExpr>> = vec![None; PARAMETERS.len()];
    let mut seen_named = false;
    for (i, arg) in args.into_iter().enumerate() {
        let (name, value) = match arg {
            FunctionArg::Unnamed(value) if !seen_named => {
                if i >= slots.len() {
                    return plan_err!("{USAGE} takes at most {} arguments", PARAMETERS.len());
                }
                slots[i] = Some(value);
                continue;
            }
            FunctionArg::Unnamed(_) => return plan_err!("argument {} of forecast() has no name but follows a named one; put positional arguments first", i + 1),
            FunctionArg::Named { name, arg, .. } => (name.value, arg),
            FunctionArg::ExprNamed { name: sql::Expr::Identifier(name), arg, .. } => (name.value, arg),
            FunctionArg::ExprNamed { name, .. } => return plan_err!("`{name}` is not an argument name of forecast()"),
        };
        seen_named = true;
        let lower = name.to_ascii_lowercase();
        let Some(position) = PARAMETERS.iter().position(|names| names.contains(&lower.as_str())) else {
            let known: Vec<&str> = PARAMETERS.iter().map(|names| names[0]).collect();
            return plan_err!("forecast() has no argument named `{name}`; its arguments are {}", known.join(", "));
        };
        if slots[position].replace(value).is_some() {
            return plan_err!("argument `{}` of forecast() is given twice", PARAMETERS[position][0]);
        }
    }
    let last = slots.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
    Ok(slots
        .into_iter()
        .take(last)
        .map(|slot| FunctionArg::Unnamed(slot.unwrap_or_else(|| FunctionArgExpr::Expr(sql::Expr::value(sql::Value::Null)))))
        .collect())
}

const USAGE: &str = "forecast('<table or SELECT>', 'series_col', 'period_col', 'value_col', horizon [, season_length [, 'method' [, '80,95']]])";

#[derive(Debug)]
struct ForecastFunction {
    backtest: bool,
}

/// One call's arguments.
#[derive(Debug, Clone)]
struct Request {
    source: String,
    series: String,
    period: String,
    value: String,
    horizon: usize,
    /// 0: from the period type (12 monthly, 4 quarterly, 1 yearly).
    season_length: usize,
    method: Method,
    levels: Vec<f64>,
}

impl TableFunctionImpl for ForecastFunction {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let exprs = args.exprs();
        let text = |i: usize, name: &str| -> Result<Option<String>> {
            match exprs.get(i) {
                None => Ok(None),
                Some(Expr::Literal(value, _)) if value.is_null() => Ok(None),
                Some(Expr::Literal(ScalarValue::Utf8(s) | ScalarValue::Utf8View(s) | ScalarValue::LargeUtf8(s), _)) => Ok(s.clone()),
                Some(other) => plan_err!("argument {} ({name}) of {USAGE} must be a string literal, not {other}", i + 1),
            }
        };
        let number = |i: usize, name: &str| -> Result<Option<i64>> {
            match exprs.get(i) {
                None => Ok(None),
                Some(Expr::Literal(value, _)) if value.is_null() => Ok(None),
                Some(Expr::Literal(value, _)) => match value.cast_to(&DataType::Int64) {
                    Ok(ScalarValue::Int64(Some(n))) => Ok(Some(n)),
                    _ => plan_err!("argument {} ({name}) of {USAGE} must be a whole number, not {value}", i + 1),
                },
                Some(other) => plan_err!("argument {} ({name}) of {USAGE} must be a number literal, not {other}", i + 1),
            }
        };
        let required = |i: usize, name: &str| -> Result<String> {
            match text(i, name)? {
                Some(s) if !s.trim().is_empty() => Ok(s),
                _ => plan_err!("{USAGE}: argument {} ({name}) is missing", i + 1),
            }
        };
        let horizon = match number(4, "horizon")? {
            Some(h) if (1..=240).contains(&h) => h as usize,
            Some(h) => return plan_err!("horizon {h} is out of range; forecast between 1 and 240 periods ahead"),
            None => return plan_err!("{USAGE}: argument 5 (horizon) is missing"),
        };
        let season_length = match number(5, "season_length")? {
            None | Some(0) => 0,
            Some(m) if (1..=366).contains(&m) => m as usize,
            Some(m) => return plan_err!("season_length {m} is out of range (1 to 366, or 0 / NULL for the period's own)"),
        };
        let method = Method::parse(&text(6, "method")?.unwrap_or_default()).map_err(|e| datafusion::error::DataFusionError::Plan(e.to_string()))?;
        let levels = parse_levels(&text(7, "levels")?.unwrap_or_else(|| "80,95".into()))?;
        if exprs.len() > 8 {
            return plan_err!("{USAGE} takes at most 8 arguments, not {}", exprs.len());
        }
        let request = Request {
            source: required(0, "table or SELECT")?,
            series: required(1, "series column")?,
            period: required(2, "period column")?,
            value: required(3, "value column")?,
            horizon,
            season_length,
            method,
            levels,
        };
        let schema = if self.backtest { backtest_schema() } else { forecast_schema(&request.levels) };
        Ok(Arc::new(ForecastTable { request, schema, backtest: self.backtest }))
    }
}

fn parse_levels(text: &str) -> Result<Vec<f64>> {
    let mut levels = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.parse::<f64>() {
            Ok(level) if level > 0.0 && level < 100.0 => levels.push(level),
            _ => return plan_err!("interval level `{part}` is not a percentage between 0 and 100 (e.g. '80,95')"),
        }
    }
    Ok(levels)
}

/// `80` -> `80`, `97.5` -> `97_5`: a column-name-friendly level.
fn level_name(level: f64) -> String {
    format!("{level}").replace('.', "_")
}

fn forecast_schema(levels: &[f64]) -> SchemaRef {
    let mut fields = vec![
        Field::new("series", DataType::Utf8, false),
        Field::new("period", DataType::Utf8, false),
        Field::new("step", DataType::Int64, false),
        Field::new("point", DataType::Float64, false),
    ];
    for level in levels {
        fields.push(Field::new(format!("lo_{}", level_name(*level)), DataType::Float64, false));
        fields.push(Field::new(format!("hi_{}", level_name(*level)), DataType::Float64, false));
    }
    fields.push(Field::new("method", DataType::Utf8, false));
    Arc::new(Schema::new(fields))
}

fn backtest_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("series", DataType::Utf8, false),
        Field::new("method", DataType::Utf8, false),
        Field::new("smape", DataType::Float64, false),
        Field::new("mase", DataType::Float64, false),
        Field::new("coverage_95", DataType::Float64, false),
        Field::new("interval_scale", DataType::Float64, false),
        Field::new("origins", DataType::Int64, false),
        Field::new("chosen", DataType::Boolean, false),
    ]))
}

#[derive(Debug)]
struct ForecastTable {
    request: Request,
    schema: SchemaRef,
    backtest: bool,
}

#[async_trait]
impl TableProvider for ForecastTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(&self, state: &dyn Session, projection: Option<&Vec<usize>>, filters: &[Expr], limit: Option<usize>) -> Result<Arc<dyn ExecutionPlan>> {
        let Some(session) = state.as_any().downcast_ref::<SessionState>() else {
            return exec_err!("forecast() needs a DataFusion SessionState");
        };
        let series = read_series(&SessionContext::new_with_state(session.clone()), &self.request).await?;
        let batch = if self.backtest { self.backtest_batch(&series)? } else { self.forecast_batch(&series)? };
        MemTable::try_new(Arc::clone(&self.schema), vec![vec![batch]])?.scan(state, projection, filters, limit).await
    }
}

/// One series: its periods in order and their values.
struct Series {
    grain: Grain,
    last: Period,
    values: Vec<f64>,
}

impl ForecastTable {
    fn season_length(&self, grain: Grain) -> usize {
        if self.request.season_length > 0 { self.request.season_length } else { grain.season_length() }
    }

    fn forecast_batch(&self, all: &BTreeMap<String, Series>) -> Result<RecordBatch> {
        let levels = &self.request.levels;
        let (mut names, mut periods, mut steps, mut points, mut methods) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut bounds: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); levels.len()];
        for (name, s) in all {
            let m = self.season_length(s.grain);
            let f = forecast(name, &s.values, self.request.horizon, m, self.request.method, levels)
                .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))?;
            for step in 0..self.request.horizon {
                names.push(name.clone());
                periods.push(s.last.plus(s.grain, step as i64 + 1).label(s.grain));
                steps.push(step as i64 + 1);
                points.push(f.point[step]);
                methods.push(f.method.clone());
                for (i, (_, lo, hi)) in f.intervals.iter().enumerate() {
                    bounds[i].0.push(lo[step]);
                    bounds[i].1.push(hi[step]);
                }
            }
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(names)),
            Arc::new(StringArray::from(periods)),
            Arc::new(Int64Array::from(steps)),
            Arc::new(Float64Array::from(points)),
        ];
        for (lo, hi) in bounds {
            columns.push(Arc::new(Float64Array::from(lo)));
            columns.push(Arc::new(Float64Array::from(hi)));
        }
        columns.push(Arc::new(StringArray::from(methods)));
        Ok(RecordBatch::try_new(Arc::clone(&self.schema), columns)?)
    }

    fn backtest_batch(&self, all: &BTreeMap<String, Series>) -> Result<RecordBatch> {
        let (mut names, mut methods, mut smape, mut mase, mut coverage, mut scales, mut origins, mut chosen) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (name, s) in all {
            for (rank, score) in backtest(&s.values, self.request.horizon, self.season_length(s.grain)).iter().enumerate() {
                names.push(name.clone());
                methods.push(score.method.name());
                smape.push(score.smape);
                mase.push(score.mase);
                coverage.push(score.coverage_95);
                scales.push(score.interval_scale);
                origins.push(score.origins as i64);
                chosen.push(rank == 0);
            }
        }
        Ok(RecordBatch::try_new(
            Arc::clone(&self.schema),
            vec![
                Arc::new(StringArray::from(names)),
                Arc::new(StringArray::from(methods)),
                Arc::new(Float64Array::from(smape)),
                Arc::new(Float64Array::from(mase)),
                Arc::new(Float64Array::from(coverage)),
                Arc::new(Float64Array::from(scales)),
                Arc::new(Int64Array::from(origins)),
                Arc::new(BooleanArray::from(chosen)),
            ],
        )?)
    }
}

/// Runs the source query and groups its rows into series ordered by period.
async fn read_series(ctx: &SessionContext, request: &Request) -> Result<BTreeMap<String, Series>> {
    let source = request.source.trim();
    let is_query = ["select", "with", "values"].iter().any(|k| source.len() >= k.len() && source[..k.len()].eq_ignore_ascii_case(k));
    let quote = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
    let from = if is_query { format!("({source}) AS forecast_source") } else { source.to_string() };
    let sql = format!(
        "SELECT CAST({} AS VARCHAR) AS forecast_series, CAST({} AS VARCHAR) AS forecast_period, CAST({} AS DOUBLE) AS forecast_value FROM {from}",
        quote(&request.series),
        quote(&request.period),
        quote(&request.value)
    );
    let batches = ctx.sql(&sql).await?.collect().await?;
    let mut points: BTreeMap<String, Vec<(Period, Option<f64>, String)>> = BTreeMap::new();
    let mut grain: Option<Grain> = None;
    for batch in &batches {
        let text = |i: usize| arrow::compute::cast(batch.column(i), &DataType::Utf8);
        let (names, periods) = (text(0)?, text(1)?);
        let names = names.as_any().downcast_ref::<StringArray>().expect("cast to Utf8");
        let periods = periods.as_any().downcast_ref::<StringArray>().expect("cast to Utf8");
        let values = batch.column(2).as_any().downcast_ref::<Float64Array>().expect("cast to DOUBLE");
        for row in 0..batch.num_rows() {
            let name = if names.is_null(row) { String::new() } else { names.value(row).to_string() };
            if periods.is_null(row) {
                return exec_err!("series `{name}` has a row with no {}; every row needs its period", request.period);
            }
            let label = periods.value(row);
            let Some((g, period)) = Period::parse(label) else {
                return exec_err!(
                    "period `{label}` of series `{name}` is not a year (2025), a quarter (2025-Q1), a month (2025-03) or a first-of-month date (2025-03-01)"
                );
            };
            match grain {
                None => grain = Some(g),
                Some(existing) if existing != g => {
                    return exec_err!("periods mix {} and {} (e.g. `{label}`); forecast one grain at a time", existing.name(), g.name());
                }
                Some(_) => {}
            }
            let value = (!values.is_null(row)).then(|| values.value(row));
            points.entry(name).or_default().push((period, value, label.to_string()));
        }
    }
    let Some(grain) = grain else { return exec_err!("the source of forecast() returned no rows: {}", request.source) };
    let mut all = BTreeMap::new();
    for (name, mut rows) in points {
        rows.sort_by_key(|r| r.0.ordinal);
        for pair in rows.windows(2) {
            match pair[1].0.ordinal - pair[0].0.ordinal {
                1 => {}
                0 => return exec_err!("series `{name}` has period `{}` twice; aggregate to one value per period first", pair[0].2),
                _ => return exec_err!("series `{name}` has a gap between `{}` and `{}`; forecasts need consecutive periods", pair[0].2, pair[1].2),
            }
        }
        let mut values = Vec::with_capacity(rows.len());
        for (_, value, label) in &rows {
            match value {
                Some(v) if v.is_finite() => values.push(*v),
                _ => return exec_err!("series `{name}` has no value for `{label}`; fill or drop it before forecasting"),
            }
        }
        let last = rows.last().map(|r| r.0).expect("a series has rows");
        all.insert(name, Series { grain, last, values });
    }
    Ok(all)
}

/// The grain of a period column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grain {
    Year,
    Quarter,
    Month,
    /// A first-of-month date, forecast monthly and labelled as a date.
    MonthDate,
}

impl Grain {
    fn season_length(self) -> usize {
        match self {
            Self::Year => 1,
            Self::Quarter => 4,
            Self::Month | Self::MonthDate => 12,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Year => "years",
            Self::Quarter => "quarters",
            Self::Month => "months",
            Self::MonthDate => "dates",
        }
    }

    fn per_year(self) -> i64 {
        self.season_length() as i64
    }
}

/// A period as a count of its grain since year 0.
#[derive(Debug, Clone, Copy)]
struct Period {
    ordinal: i64,
}

impl Period {
    fn parse(label: &str) -> Option<(Grain, Period)> {
        let label = label.trim();
        let year = |s: &str| -> Option<i64> { (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten() };
        let bytes = label.as_bytes();
        match label.len() {
            4 => Some((Grain::Year, Period { ordinal: year(label)? })),
            7 if bytes[4] == b'-' && (bytes[5] == b'Q' || bytes[5] == b'q') => {
                let q = (bytes[6] as char).to_digit(10)? as i64;
                (1..=4).contains(&q).then_some((Grain::Quarter, Period { ordinal: year(&label[..4])? * 4 + q - 1 }))
            }
            7 if bytes[4] == b'-' => {
                let m: i64 = label[5..].parse().ok()?;
                (1..=12).contains(&m).then_some((Grain::Month, Period { ordinal: year(&label[..4])? * 12 + m - 1 }))
            }
            10 if bytes[4] == b'-' && bytes[7] == b'-' && &label[8..] == "01" => {
                let m: i64 = label[5..7].parse().ok()?;
                (1..=12).contains(&m).then_some((Grain::MonthDate, Period { ordinal: year(&label[..4])? * 12 + m - 1 }))
            }
            _ => None,
        }
    }

    fn plus(self, _grain: Grain, steps: i64) -> Period {
        Period { ordinal: self.ordinal + steps }
    }

    fn label(self, grain: Grain) -> String {
        let per_year = grain.per_year();
        let (year, index) = (self.ordinal.div_euclid(per_year), self.ordinal.rem_euclid(per_year));
        match grain {
            Grain::Year => format!("{year}"),
            Grain::Quarter => format!("{year}-Q{}", index + 1),
            Grain::Month => format!("{year}-{:02}", index + 1),
            Grain::MonthDate => format!("{year}-{:02}-01", index + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Period;

    #[test]
    fn periods_parse_and_step() {
        let next = |label: &str, steps: i64| {
            let (grain, period) = Period::parse(label).expect("parses");
            period.plus(grain, steps).label(grain)
        };
        assert_eq!(next("2025-12", 1), "2026-01");
        assert_eq!(next("2025-Q4", 2), "2026-Q2");
        assert_eq!(next("2025", 5), "2030");
        assert_eq!(next("2025-11-01", 3), "2026-02-01");
        assert!(Period::parse("2025-13").is_none() && Period::parse("2025-Q5").is_none() && Period::parse("25-01").is_none() && Period::parse("2025-03-15").is_none());
    }
}
