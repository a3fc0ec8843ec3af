//! `hrss docs`: a static HTML catalogue of every table and model, with columns, docs, SQL, lineage and last build.

use std::path::{Path, PathBuf};

use crate::lineage::{escape, Graph, NodeKind};

/// One column as the catalogue shows it.
#[derive(Debug, Clone)]
pub struct ColumnDoc {
    pub name: String,
    /// Arrow type in the warehouse; empty when the table has not been built or loaded.
    pub data_type: String,
    pub doc: String,
}

/// One table or model page.
#[derive(Debug, Clone)]
pub struct TableDoc {
    /// `staging.contributions`, `marts.fund_monthly`, `ref.districts`.
    pub name: String,
    /// `source`, `reference`, or the model's materialization.
    pub kind: String,
    pub description: String,
    /// The pipeline or model file that defines it.
    pub defined_in: Option<PathBuf>,
    pub tags: Vec<String>,
    pub columns: Vec<ColumnDoc>,
    pub sql: Option<String>,
    pub tests: Vec<String>,
    /// The last load or build from the ledger, in words.
    pub last_run: Option<String>,
}

fn page_name(table: &str) -> String {
    format!("{}.html", table.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '_', "_"))
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;max-width:72em;color:#1e293b}table{border-collapse:collapse}\
td,th{border:1px solid #cbd5e1;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f1f5f9}\
pre{background:#f8fafc;padding:1em;overflow:auto}.kind{color:#64748b}svg{max-width:100%;height:auto}\
@media print{a{color:inherit;text-decoration:none}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}</title><style>{STYLE}</style></head>\
         <body>\n{body}\n</body></html>\n",
        t = escape(title)
    )
}

/// Writes `index.html` and one page per table into `out`; returns the files written.
pub fn write(out: &Path, tables: &[TableDoc], graph: &Graph) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out)?;
    let documented = |name: &str| tables.iter().any(|t| t.name == name).then(|| page_name(name));
    let mut written = Vec::new();

    let mut index = String::from("<h1>hrss data catalogue</h1>\n<h2>Lineage</h2>\n");
    index.push_str(&graph.to_svg(&documented));
    for (heading, kinds) in [("Models", &["table", "view", "incremental"][..]), ("Sources", &["source"][..]), ("Reference code lists", &["reference"][..])] {
        index.push_str(&format!("<h2>{heading}</h2>\n<table><tr><th>name</th><th>kind</th><th>description</th><th>last run</th></tr>\n"));
        for t in tables.iter().filter(|t| kinds.contains(&t.kind.as_str())) {
            index.push_str(&format!(
                "<tr><td><a href=\"{}\">{}</a></td><td class=\"kind\">{}</td><td>{}</td><td>{}</td></tr>\n",
                page_name(&t.name),
                escape(&t.name),
                escape(&t.kind),
                escape(&t.description),
                escape(t.last_run.as_deref().unwrap_or("-"))
            ));
        }
        index.push_str("</table>\n");
    }
    let path = out.join("index.html");
    std::fs::write(&path, page("hrss data catalogue", &index))?;
    written.push(path);

    for t in tables {
        let mut body = format!(
            "<p><a href=\"index.html\">catalogue</a></p>\n<h1>{}</h1>\n<p class=\"kind\">{}{}</p>\n<p>{}</p>\n",
            escape(&t.name),
            escape(&t.kind),
            t.defined_in.as_ref().map(|p| format!(" · defined in {}", escape(&p.display().to_string()))).unwrap_or_default(),
            escape(&t.description)
        );
        if !t.tags.is_empty() {
            body.push_str(&format!("<p>tags: {}</p>\n", escape(&t.tags.join(", "))));
        }
        body.push_str(&format!("<p>last run: {}</p>\n", escape(t.last_run.as_deref().unwrap_or("never"))));
        body.push_str("<h2>Columns</h2>\n<table><tr><th>column</th><th>type</th><th>documentation</th></tr>\n");
        for c in &t.columns {
            body.push_str(&format!("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", escape(&c.name), escape(&c.data_type), escape(&c.doc)));
        }
        body.push_str("</table>\n");
        if !t.tests.is_empty() {
            body.push_str("<h2>Tests</h2>\n<ul>\n");
            for test in &t.tests {
                body.push_str(&format!("<li>{}</li>\n", escape(test)));
            }
            body.push_str("</ul>\n");
        }
        if graph.nodes.get(&t.name).is_some_and(|kind| *kind != NodeKind::Test)
            && let Ok(around) = graph.around(&t.name)
        {
            body.push_str("<h2>Lineage</h2>\n");
            body.push_str(&around.to_svg(&documented));
        }
        if let Some(sql) = &t.sql {
            body.push_str(&format!("<h2>SQL</h2>\n<pre>{}</pre>\n", escape(sql)));
        }
        let path = out.join(page_name(&t.name));
        std::fs::write(&path, page(&t.name, &body))?;
        written.push(path);
    }
    Ok(written)
}
