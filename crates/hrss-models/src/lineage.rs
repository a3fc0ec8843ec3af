//! Lineage: the graph of sources, models and their tests, drawn as text, Graphviz dot, Mermaid or a self-contained SVG.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::model::{Materialization, Model, ModelError};
use crate::tests::compile;

/// What a node of the lineage graph is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A loaded table (`staging.*`) or any table the project does not build.
    Source,
    /// A code list shipped with hrss (`ref.*`).
    Reference,
    Model(Materialization),
    /// A data test, named `model: test`.
    Test,
}

/// Sources, models and tests with edges from what is read to what reads it.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub nodes: BTreeMap<String, NodeKind>,
    pub edges: BTreeSet<(String, String)>,
}

impl Graph {
    pub fn of(models: &[Model]) -> Self {
        let mut graph = Graph::default();
        for model in models {
            graph.nodes.insert(model.name.clone(), NodeKind::Model(model.header.materialized));
        }
        for model in models {
            for read in &model.reads {
                graph.add_table(read);
                graph.edges.insert((read.clone(), model.name.clone()));
            }
            for test in &model.header.tests {
                let id = format!("{}: {}", model.name, compile(model, test).name);
                graph.nodes.insert(id.clone(), NodeKind::Test);
                graph.edges.insert((model.name.clone(), id.clone()));
                for read in test.reads() {
                    graph.add_table(&read);
                    graph.edges.insert((read, id.clone()));
                }
            }
        }
        graph
    }

    fn add_table(&mut self, name: &str) {
        let kind = if name.starts_with("ref.") { NodeKind::Reference } else { NodeKind::Source };
        self.nodes.entry(name.to_string()).or_insert(kind);
    }

    /// The part of the graph upstream and downstream of `name` (a model or a table).
    pub fn around(&self, name: &str) -> Result<Self, ModelError> {
        if !self.nodes.contains_key(name) {
            let hint = crate::model::nearest(name, self.nodes.keys().map(String::as_str))
                .map(|n| format!("did you mean `{n}`?"))
                .unwrap_or_else(|| "run `hrss lineage` without a name to see them all".into());
            return Err(ModelError::Definition { path: "lineage".into(), message: format!("no model or table `{name}`; {hint}") });
        }
        let mut keep = BTreeSet::from([name.to_string()]);
        for downstream in [false, true] {
            let mut frontier = vec![name.to_string()];
            while let Some(node) = frontier.pop() {
                for (from, to) in &self.edges {
                    let next = if downstream && *from == node { to } else if !downstream && *to == node { from } else { continue };
                    if keep.insert(next.clone()) {
                        frontier.push(next.clone());
                    }
                }
            }
        }
        // The tests of every kept model belong to its picture.
        let tests: Vec<String> = self.edges.iter().filter(|(f, t)| keep.contains(f) && self.nodes[t] == NodeKind::Test).map(|(_, t)| t.clone()).collect();
        keep.extend(tests);
        Ok(Graph {
            nodes: self.nodes.iter().filter(|(n, _)| keep.contains(*n)).map(|(n, k)| (n.clone(), k.clone())).collect(),
            edges: self.edges.iter().filter(|(f, t)| keep.contains(f) && keep.contains(t)).cloned().collect(),
        })
    }

    fn reads_of(&self, node: &str) -> Vec<&str> {
        self.edges.iter().filter(|(_, t)| t == node).map(|(f, _)| f.as_str()).filter(|f| self.nodes[*f] != NodeKind::Test).collect()
    }

    fn readers_of(&self, node: &str, kind: fn(&NodeKind) -> bool) -> Vec<&str> {
        self.edges.iter().filter(|(f, t)| f == node && kind(&self.nodes[t])).map(|(_, t)| t.as_str()).collect()
    }

    /// Each node's column in a left-to-right drawing: sources at 0, everything else one right of what it reads.
    fn depths(&self) -> BTreeMap<&str, usize> {
        let mut depth: BTreeMap<&str, usize> = self.nodes.keys().map(|n| (n.as_str(), 0)).collect();
        // Longest path; the graph is acyclic (cycles are refused before lineage is drawn) and small.
        for _ in 0..self.nodes.len() {
            let mut changed = false;
            for (from, to) in &self.edges {
                let candidate = depth[from.as_str()] + 1;
                if depth[to.as_str()] < candidate {
                    depth.insert(to.as_str(), candidate);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        depth
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let depths = self.depths();
        let mut models: Vec<(&str, &NodeKind)> =
            self.nodes.iter().filter(|(_, k)| matches!(k, NodeKind::Model(_))).map(|(n, k)| (n.as_str(), k)).collect();
        models.sort_by_key(|(n, _)| (depths[n], *n));
        let sources: Vec<&str> = self.nodes.iter().filter(|(_, k)| matches!(k, NodeKind::Source | NodeKind::Reference)).map(|(n, _)| n.as_str()).collect();
        let _ = writeln!(out, "sources: {}", sources.join(", "));
        for (name, kind) in models {
            let NodeKind::Model(materialized) = kind else { continue };
            let _ = writeln!(out, "\n{name} [{}]", materialized.as_str());
            let _ = writeln!(out, "  reads:   {}", self.reads_of(name).join(", "));
            let readers = self.readers_of(name, |k| matches!(k, NodeKind::Model(_)));
            if !readers.is_empty() {
                let _ = writeln!(out, "  read by: {}", readers.join(", "));
            }
            let tests: Vec<&str> = self.readers_of(name, |k| *k == NodeKind::Test).iter().map(|t| t.split_once(": ").map_or(*t, |(_, n)| n)).collect();
            if !tests.is_empty() {
                let _ = writeln!(out, "  tests:   {}", tests.join("; "));
            }
        }
        out
    }

    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n");
        for (name, kind) in &self.nodes {
            let style = match kind {
                NodeKind::Source => "shape=cylinder, style=filled, fillcolor=\"#dbeafe\"",
                NodeKind::Reference => "shape=cylinder, style=filled, fillcolor=\"#e5e7eb\"",
                NodeKind::Model(Materialization::View) => "shape=box, style=\"rounded,dashed\"",
                NodeKind::Model(_) => "shape=box, style=\"rounded,filled\", fillcolor=\"#dcfce7\"",
                NodeKind::Test => "shape=note, fontsize=8, color=\"#9ca3af\"",
            };
            let _ = writeln!(out, "  {} [{style}];", dot_id(name));
        }
        for (from, to) in &self.edges {
            let _ = writeln!(out, "  {} -> {};", dot_id(from), dot_id(to));
        }
        out.push_str("}\n");
        out
    }

    pub fn to_mermaid(&self) -> String {
        let ids: BTreeMap<&str, String> = self.nodes.keys().enumerate().map(|(i, n)| (n.as_str(), format!("n{i}"))).collect();
        let mut out = String::from("graph LR\n");
        for (name, kind) in &self.nodes {
            let label = name.replace('"', "'");
            let shape = match kind {
                NodeKind::Source | NodeKind::Reference => format!("[(\"{label}\")]"),
                NodeKind::Model(_) => format!("[\"{label}\"]"),
                NodeKind::Test => format!(">\"{label}\"]"),
            };
            let _ = writeln!(out, "  {}{shape}", ids[name.as_str()]);
        }
        for (from, to) in &self.edges {
            let _ = writeln!(out, "  {} --> {}", ids[from.as_str()], ids[to.as_str()]);
        }
        out
    }

    /// A left-to-right SVG of sources and models (tests are counted in their model's box). `link` gives a node's
    /// href, if it has a page.
    pub fn to_svg(&self, link: &dyn Fn(&str) -> Option<String>) -> String {
        const H: usize = 34;
        const GAP_X: usize = 70;
        const GAP_Y: usize = 12;
        let depths = self.depths();
        let label_of = |name: &str, kind: &NodeKind| {
            let tests = self.readers_of(name, |k| *k == NodeKind::Test).len();
            match kind {
                NodeKind::Model(m) if tests > 0 => format!("{name} · {} · {tests} tests", m.as_str()),
                NodeKind::Model(m) => format!("{name} · {}", m.as_str()),
                _ => name.to_string(),
            }
        };
        // Boxes as wide as the longest label (about 7 px a character at 12 px sans-serif).
        let widest = self.nodes.iter().filter(|(_, k)| **k != NodeKind::Test).map(|(n, k)| label_of(n, k).chars().count()).max();
        let w = (widest.unwrap_or(20) * 7 + 20).max(200);
        let mut columns: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
        for (name, kind) in &self.nodes {
            if *kind != NodeKind::Test {
                columns.entry(depths[name.as_str()]).or_default().push(name);
            }
        }
        let mut at: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for (column, names) in &columns {
            for (row, name) in names.iter().enumerate() {
                at.insert(name, (10 + column * (w + GAP_X), 10 + row * (H + GAP_Y)));
            }
        }
        let width = 20 + columns.len() * (w + GAP_X);
        let height = 20 + columns.values().map(Vec::len).max().unwrap_or(0) * (H + GAP_Y);
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n"
        );
        for (from, to) in &self.edges {
            let (Some(&(x1, y1)), Some(&(x2, y2))) = (at.get(from.as_str()), at.get(to.as_str())) else { continue };
            let (x1, y1, x2, y2) = (x1 + w, y1 + H / 2, x2, y2 + H / 2);
            let mid = (x1 + x2) / 2;
            let _ = writeln!(svg, "<path d=\"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}\" fill=\"none\" stroke=\"#94a3b8\"/>");
        }
        for (name, &(x, y)) in &at {
            let kind = &self.nodes[*name];
            let fill = match kind {
                NodeKind::Source => "#dbeafe",
                NodeKind::Reference => "#e5e7eb",
                _ => "#dcfce7",
            };
            let label = label_of(name, kind);
            let dash = if *kind == NodeKind::Model(Materialization::View) { " stroke-dasharray=\"4 2\"" } else { "" };
            let node = format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{H}\" rx=\"6\" fill=\"{fill}\" stroke=\"#475569\"{dash}/>\
                 <text x=\"{}\" y=\"{}\">{}</text>",
                x + 8,
                y + H / 2 + 4,
                escape(&label)
            );
            match link(name) {
                Some(href) => {
                    let _ = writeln!(svg, "<a href=\"{}\"><title>{}</title>{node}</a>", escape(&href), escape(name));
                }
                None => {
                    let _ = writeln!(svg, "<g><title>{}</title>{node}</g>", escape(name));
                }
            }
        }
        svg.push_str("</svg>\n");
        svg
    }

    /// A self-contained page holding the SVG drawing and the text listing.
    pub fn to_html(&self, title: &str) -> String {
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
             <style>body{{font-family:sans-serif;margin:2em}}pre{{background:#f8fafc;padding:1em}}</style></head>\
             <body><h1>{t}</h1>\n{}\n<pre>{}</pre></body></html>\n",
            self.to_svg(&|_| None),
            escape(&self.to_text()),
            t = escape(title)
        )
    }
}

fn dot_id(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Escapes text for HTML and SVG.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Header, TestSpec};
    use std::path::PathBuf;

    fn model(name: &str, sql: &str, tests: Vec<TestSpec>) -> Model {
        let (schema, table) = name.split_once('.').expect("qualified");
        Model {
            name: name.into(),
            schema: schema.into(),
            table: table.into(),
            path: PathBuf::from(format!("sql/{schema}/{table}.sql")),
            header: Header { tests, ..Header::default() },
            sql: sql.into(),
            sql_line: 1,
            reads: crate::model::tables_read(sql).expect("parses"),
            test_reads: BTreeSet::new(),
        }
    }

    #[test]
    fn graph_links_sources_models_and_tests_and_focuses_on_one_model() {
        let models = [
            model("marts.a", "SELECT x FROM staging.s JOIN ref.districts d ON true", vec![TestSpec::NotNull { columns: vec!["x".into()], severity: Default::default() }]),
            model("marts.b", "SELECT x FROM marts.a", vec![]),
            model("marts.c", "SELECT y FROM staging.t", vec![]),
        ];
        let graph = Graph::of(&models);
        assert!(graph.edges.contains(&("staging.s".into(), "marts.a".into())));
        assert!(graph.edges.contains(&("marts.a".into(), "marts.a: not_null(x)".into())));
        let around_b = graph.around("marts.b").expect("exists");
        let names: Vec<&str> = around_b.nodes.keys().map(String::as_str).collect();
        assert_eq!(names, ["marts.a", "marts.a: not_null(x)", "marts.b", "ref.districts", "staging.s"]);
        assert!(graph.to_dot().contains("\"marts.a\" -> \"marts.b\";"));
        assert!(graph.to_mermaid().lines().any(|l| l.contains("-->")));
        assert!(graph.to_text().contains("marts.a [table]\n  reads:   ref.districts, staging.s\n  read by: marts.b\n  tests:   not_null(x)"));
        let err = graph.around("marts.bb").expect_err("unknown").to_string();
        assert!(err.contains("did you mean `marts.b`?"), "{err}");
    }
}
