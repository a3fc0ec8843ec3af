//! A section's query result, and the views of it that charts, tables, tiles, templates and CSV downloads need.

use std::collections::BTreeMap;

use arrow::array::{Array, Float64Array, RecordBatch, StringArray};
use arrow::compute::{cast, concat_batches};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;
use minijinja::value::Value;

/// The rows one query returned.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub batch: RecordBatch,
}

impl QueryResult {
    pub async fn run(ctx: &SessionContext, sql: &str) -> datafusion::error::Result<Self> {
        let df = ctx.sql(sql).await?;
        let schema = df.schema().inner().clone();
        let batches = df.collect().await?;
        Ok(Self { batch: concat_batches(&schema, &batches)? })
    }

    pub fn rows(&self) -> usize {
        self.batch.num_rows()
    }

    pub fn column_names(&self) -> Vec<String> {
        self.batch.schema().fields().iter().map(|f| f.name().clone()).collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.batch.column_by_name(name).is_some()
    }

    fn column(&self, name: &str) -> Result<&dyn Array, String> {
        self.batch
            .column_by_name(name)
            .map(|c| c.as_ref())
            .ok_or_else(|| format!("the query has no column `{name}`; it returns {}", self.column_names().join(", ")))
    }

    /// A column as text (NULL as empty).
    pub fn strings(&self, name: &str) -> Result<Vec<String>, String> {
        let array = cast(self.column(name)?, &DataType::Utf8).map_err(|e| e.to_string())?;
        let array = array.as_any().downcast_ref::<StringArray>().ok_or("not text")?;
        Ok(array.iter().map(|v| v.unwrap_or_default().to_string()).collect())
    }

    /// A column as numbers (NULL and non-finite as None).
    pub fn numbers(&self, name: &str) -> Result<Vec<Option<f64>>, String> {
        let array = cast(self.column(name)?, &DataType::Float64).map_err(|e| format!("column `{name}` is not numeric: {e}"))?;
        let array = array.as_any().downcast_ref::<Float64Array>().ok_or("not numeric")?;
        Ok(array.iter().map(|v| v.filter(|v| v.is_finite())).collect())
    }

    /// An optional column: None when the query does not return it.
    pub fn optional_numbers(&self, name: &str) -> Result<Option<Vec<Option<f64>>>, String> {
        if self.has(name) { self.numbers(name).map(Some) } else { Ok(None) }
    }

    pub fn optional_strings(&self, name: &str) -> Result<Option<Vec<String>>, String> {
        if self.has(name) { self.strings(name).map(Some) } else { Ok(None) }
    }

    pub fn is_numeric(&self, index: usize) -> bool {
        self.batch.column(index).data_type().is_numeric()
    }

    pub fn is_integer(&self, index: usize) -> bool {
        self.batch.column(index).data_type().is_integer()
    }

    /// Every row as column -> template value, for text sections.
    pub fn template_rows(&self) -> Vec<Value> {
        let options = FormatOptions::default();
        let columns: Vec<(String, &dyn Array, Option<Vec<Option<f64>>>)> = self
            .batch
            .schema()
            .fields()
            .iter()
            .zip(self.batch.columns())
            .map(|(field, array)| {
                let numbers = array.data_type().is_numeric().then(|| self.numbers(field.name()).ok()).flatten();
                (field.name().clone(), array.as_ref(), numbers)
            })
            .collect();
        (0..self.rows())
            .map(|row| {
                let mut map = BTreeMap::new();
                for (name, array, numbers) in &columns {
                    let value = if array.is_null(row) {
                        Value::from(())
                    } else if let Some(numbers) = numbers {
                        match (numbers[row], array.data_type().is_integer()) {
                            (Some(v), true) => Value::from(v as i64),
                            (Some(v), false) => Value::from(v),
                            (None, _) => Value::from(()),
                        }
                    } else {
                        ArrayFormatter::try_new(*array, &options)
                            .map(|f| Value::from(f.value(row).to_string()))
                            .unwrap_or(Value::from(()))
                    };
                    map.insert(name.clone(), value);
                }
                Value::from(map)
            })
            .collect()
    }

    /// The rows as CSV with a header, for downloads.
    pub fn to_csv(&self) -> Result<Vec<u8>, arrow::error::ArrowError> {
        let mut buffer = Vec::new();
        {
            let mut writer = arrow::csv::WriterBuilder::new().with_header(true).build(&mut buffer);
            writer.write(&self.batch)?;
        }
        Ok(buffer)
    }
}
