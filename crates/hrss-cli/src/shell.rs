//! `hrss shell`: an interactive SQL session with history, multi-line statements, completion of
//! table and column names, and backslash commands (`\d`, `\d NAME`, `\timing`, `\format`, `\q`).

use std::io::IsTerminal;
use std::path::Path;

use datafusion::prelude::SessionContext;
use hrss_models::docs::TableDoc;
use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::OutputFormat;
use crate::error::{AppError, Result};
use crate::sql::{SqlOutput, run_script};

const HELP: &str = "\
  \\d              list tables with their kind and description
  \\d NAME         columns of a table, with types and docs
  \\timing         show or hide each statement's time
  \\format FORMAT  table, csv, json or ndjson
  \\q              quit
  SQL statements end with `;` and may span lines; Ctrl-C clears the statement being typed.";

/// Runs the shell until `\q` or end of input. An error in a statement or command is printed and the
/// session goes on.
pub async fn run_shell(ctx: &SessionContext, tables: &[TableDoc], history: &Path) -> Result<()> {
    let interactive = std::io::stdin().is_terminal();
    let mut editor: Editor<ShellHelper, DefaultHistory> =
        Editor::new().map_err(|e| AppError::Usage(format!("cannot start the shell: {e}")))?;
    editor.set_helper(Some(ShellHelper::new(tables)));
    // A missing history file is the first session's normal state.
    let _ = editor.load_history(history);
    let mut output = SqlOutput { format: OutputFormat::Table, file: None, max_rows: None, timing: interactive };
    if interactive {
        println!("hrss shell: SQL over the warehouse; \\? for help, \\q to quit");
    }
    let mut statement = String::new();
    loop {
        let prompt = if statement.is_empty() { "hrss> " } else { "   -> " };
        let line = match tokio::task::block_in_place(|| editor.readline(prompt)) {
            Ok(line) => line,
            Err(ReadlineError::Interrupted) => {
                statement.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(AppError::Usage(format!("cannot read input: {e}"))),
        };
        let trimmed = line.trim();
        if statement.is_empty() && trimmed.starts_with('\\') {
            let _ = editor.add_history_entry(trimmed);
            match command(ctx, trimmed, &mut output).await {
                Ok(Flow::Quit) => break,
                Ok(Flow::Continue) => {}
                Err(e) => eprintln!("error: {e}"),
            }
            continue;
        }
        if trimmed.is_empty() && statement.is_empty() {
            continue;
        }
        statement.push_str(&line);
        statement.push('\n');
        if trimmed.ends_with(';') {
            let _ = editor.add_history_entry(statement.trim());
            if let Err(e) = run_script(ctx, &statement, &output).await {
                eprintln!("error: {e}");
            }
            statement.clear();
        }
    }
    if !statement.trim().is_empty() {
        // Input that ends without `;` still runs its last statement.
        if let Err(e) = run_script(ctx, &statement, &output).await {
            eprintln!("error: {e}");
        }
    }
    if let Some(parent) = history.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    editor.save_history(history).map_err(|e| AppError::Usage(format!("cannot save the shell history to {}: {e}", history.display())))?;
    Ok(())
}

enum Flow {
    Continue,
    Quit,
}

async fn command(ctx: &SessionContext, line: &str, output: &mut SqlOutput) -> Result<Flow> {
    let mut words = line.split_whitespace();
    let name = words.next().unwrap_or_default();
    let argument = words.next();
    match (name, argument) {
        ("\\q" | "\\quit", _) => return Ok(Flow::Quit),
        ("\\?" | "\\help", _) => println!("{HELP}"),
        ("\\timing", _) => {
            output.timing = !output.timing;
            println!("timing is {}", if output.timing { "on" } else { "off" });
        }
        ("\\format", None) => println!("format is {}", format_name(output.format)),
        ("\\format", Some(format)) => {
            output.format = match format {
                "table" => OutputFormat::Table,
                "csv" => OutputFormat::Csv,
                "json" => OutputFormat::Json,
                "ndjson" => OutputFormat::Ndjson,
                other => return Err(AppError::Usage(format!("unknown format `{other}`; use table, csv, json or ndjson"))),
            };
            println!("format is {format}");
        }
        ("\\d", None) => {
            let sql = "SELECT t.table_schema AS schema, t.table_name AS name, coalesce(d.kind, lower(t.table_type)) AS kind, \
                       CASE WHEN character_length(d.comment) > 72 THEN concat(left(d.comment, 71), '…') ELSE coalesce(d.comment, '') END AS description \
                       FROM information_schema.tables t LEFT JOIN docs.tables d \
                       ON d.table_schema = t.table_schema AND d.table_name = t.table_name \
                       WHERE t.table_schema NOT IN ('information_schema', 'pg_catalog', 'docs') ORDER BY 1, 2";
            run_script(ctx, sql, &quiet(output)).await?;
        }
        ("\\d", Some(table)) => describe_table(ctx, table, output).await?,
        (other, _) => return Err(AppError::Usage(format!("unknown command `{other}`; \\? lists the commands"))),
    }
    Ok(Flow::Continue)
}

/// Catalog listings are not timed.
fn quiet(output: &SqlOutput) -> SqlOutput {
    SqlOutput { timing: false, ..output.clone() }
}

fn format_name(format: OutputFormat) -> &'static str {
    match format {
        OutputFormat::Table => "table",
        OutputFormat::Csv => "csv",
        OutputFormat::Json => "json",
        OutputFormat::Ndjson => "ndjson",
        OutputFormat::Parquet => "parquet",
    }
}

/// `\d NAME`: the table's description, then its columns with warehouse types and docs. A name without
/// a schema is looked up in every schema.
async fn describe_table(ctx: &SessionContext, name: &str, output: &SqlOutput) -> Result<()> {
    let quoted = |s: &str| s.replace('\'', "''");
    let (schema, table) = match name.split_once('.') {
        Some((schema, table)) => (Some(schema), table),
        None => (None, name),
    };
    let schema_filter = schema.map(|s| format!("AND c.table_schema = '{}'", quoted(s))).unwrap_or_default();
    let found = format!(
        "SELECT DISTINCT c.table_schema FROM information_schema.columns c WHERE c.table_name = '{}' {schema_filter}",
        quoted(table)
    );
    let schemas: Vec<String> = first_column(ctx, &found).await?;
    let schema = match schemas.as_slice() {
        [one] => one.clone(),
        [] => {
            let names = first_column(ctx, "SELECT table_schema || '.' || table_name FROM information_schema.tables").await?;
            let hint = names
                .iter()
                .map(|n| (strsim::levenshtein(if schema.is_some() { n } else { n.split_once('.').map_or(n.as_str(), |(_, t)| t) }, name), n))
                .filter(|(distance, _)| *distance <= 3)
                .min_by_key(|(distance, _)| *distance)
                .map(|(_, n)| n)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_else(|| "; \\d lists the tables".into());
            return Err(AppError::Usage(format!("no table `{name}`{hint}")));
        }
        several => {
            return Err(AppError::Usage(format!(
                "`{table}` is in several schemas ({}); name one, e.g. \\d {}.{table}",
                several.join(", "),
                several[0]
            )));
        }
    };
    let description = first_column(
        ctx,
        &format!("SELECT kind || ': ' || comment FROM docs.tables WHERE table_schema = '{}' AND table_name = '{}'", quoted(&schema), quoted(table)),
    )
    .await?;
    println!("{schema}.{table}{}", description.first().map(|d| format!(" ({d})")).unwrap_or_default());
    let sql = format!(
        "SELECT c.column_name AS column, c.data_type AS type, c.is_nullable AS nullable, coalesce(d.comment, '') AS doc \
         FROM information_schema.columns c LEFT JOIN docs.columns d \
         ON d.table_schema = c.table_schema AND d.table_name = c.table_name AND d.column_name = c.column_name \
         WHERE c.table_schema = '{}' AND c.table_name = '{}' ORDER BY c.ordinal_position",
        quoted(&schema),
        quoted(table)
    );
    run_script(ctx, &sql, &quiet(output)).await
}

async fn first_column(ctx: &SessionContext, sql: &str) -> Result<Vec<String>> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let mut values = Vec::new();
    for batch in &batches {
        let column = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8)?;
        let strings = column.as_any().downcast_ref::<arrow::array::StringArray>().expect("cast to Utf8 gives a StringArray");
        values.extend(strings.iter().flatten().map(str::to_string));
    }
    Ok(values)
}

/// Completes SQL keywords, table names (with and without their schema) and column names.
#[derive(Debug)]
pub struct ShellHelper {
    words: Vec<String>,
}

const KEYWORDS: [&str; 40] = [
    "SELECT", "FROM", "WHERE", "GROUP BY", "ORDER BY", "HAVING", "LIMIT", "JOIN", "LEFT JOIN", "INNER JOIN", "ON", "USING", "AS",
    "AND", "OR", "NOT", "IN", "IS NULL", "IS NOT NULL", "BETWEEN", "LIKE", "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT",
    "COUNT", "SUM", "AVG", "MIN", "MAX", "WITH", "UNION ALL", "OVER", "PARTITION BY", "DESC", "EXPLAIN", "DESCRIBE",
    "CREATE EXTERNAL TABLE",
];

impl ShellHelper {
    pub fn new(tables: &[TableDoc]) -> Self {
        let mut words: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
        for table in tables {
            words.push(table.name.clone());
            if let Some((_, bare)) = table.name.split_once('.') {
                words.push(bare.to_string());
            }
            words.extend(table.columns.iter().map(|c| c.name.clone()));
        }
        words.sort();
        words.dedup();
        Self { words }
    }

    /// Where the word under the cursor starts, and the words it may become, in the case it was typed in.
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let head = &line[..pos];
        let start = head.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).map(|i| i + 1).unwrap_or(0);
        let prefix = &head[start..];
        if prefix.is_empty() {
            return (start, Vec::new());
        }
        let lower = prefix.to_lowercase();
        let typed_lowercase = prefix.chars().all(|c| !c.is_uppercase());
        let mut found: Vec<String> = self
            .words
            .iter()
            .filter(|w| w.to_lowercase().starts_with(&lower))
            .map(|w| if typed_lowercase && KEYWORDS.contains(&w.as_str()) { w.to_lowercase() } else { w.clone() })
            .collect();
        found.dedup();
        (start, found)
    }
}

impl Completer for ShellHelper {
    type Candidate = String;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}
impl Highlighter for ShellHelper {}
impl Validator for ShellHelper {}
impl Helper for ShellHelper {}

#[cfg(test)]
mod tests {
    use hrss_models::docs::{ColumnDoc, TableDoc};

    use super::ShellHelper;

    fn helper() -> ShellHelper {
        let column = |name: &str| ColumnDoc { name: name.into(), data_type: "Utf8".into(), doc: String::new() };
        let table = TableDoc {
            name: "marts.fund_monthly".into(),
            kind: "table".into(),
            description: String::new(),
            defined_in: None,
            tags: Vec::new(),
            columns: vec![column("fund"), column("months_of_payment_capacity")],
            sql: None,
            tests: Vec::new(),
            last_run: None,
        };
        ShellHelper::new(&[table])
    }

    #[test]
    fn completes_tables_columns_and_keywords() {
        let helper = helper();
        let line = "select months_of from marts.fund";
        assert_eq!(helper.candidates(line, line.len()), (22, vec!["marts.fund_monthly".to_string()]));
        assert_eq!(helper.candidates(line, "select months_of".len()), (7, vec!["months_of_payment_capacity".to_string()]));
        assert_eq!(helper.candidates("SEL", 3), (0, vec!["SELECT".to_string()]));
        assert_eq!(helper.candidates("sel", 3), (0, vec!["select".to_string()]));
        assert_eq!(helper.candidates("select * from fund_m", 20).1, vec!["fund_monthly".to_string()]);
        assert!(helper.candidates("select ", 7).1.is_empty());
    }
}
