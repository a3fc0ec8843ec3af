//! `hrss serve --http-port`: the reports over HTTP. An index page lists every report with its PDF, charts and
//! CSV downloads; reports are rendered into a private folder and rendered again when the warehouse has
//! changed (a new load or build moves the ledger's version) or a dashboard file has.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use tiny_http::{Header, Method, Response};
use tokio::sync::Mutex;

use hrss_core::warehouse::{Layer, Warehouse};
use hrss_report::{escape_html as escape, Dashboard, Lang, OutputFiles, RenderOptions, RenderedReport};

use crate::error::{AppError, Result};

pub struct HttpOptions {
    pub host: String,
    pub port: u16,
    pub dashboards: PathBuf,
    pub lang: Lang,
}

/// What the reports were last rendered from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fingerprint {
    ledger_version: Option<i64>,
    dashboards: Vec<(PathBuf, Option<SystemTime>)>,
}

struct Rendered {
    fingerprint: Option<Fingerprint>,
    reports: Vec<RenderedReport>,
    /// Dashboards that failed to render, with why.
    failures: Vec<(String, String)>,
}

struct ReportServer {
    warehouse: Warehouse,
    options: HttpOptions,
    /// Rendered files live here; a fresh folder per server, removed at exit by the OS's temp cleaning.
    out: tempfile::TempDir,
    rendered: Mutex<Rendered>,
}

pub async fn serve_http(warehouse: Warehouse, options: HttpOptions) -> Result<()> {
    let listener = tiny_http::Server::http((options.host.as_str(), options.port))
        .map_err(|e| AppError::Usage(format!("cannot listen on {}:{}: {e}; choose another --http-port (0 picks a free one)", options.host, options.port)))?;
    let bound = listener.server_addr().to_ip().map_or_else(|| format!("{}:{}", options.host, options.port), |a| a.to_string());
    let out = tempfile::Builder::new().prefix("hrss-reports-").tempdir().map_err(|e| AppError::Usage(format!("cannot create a folder for rendered reports: {e}")))?;
    let server = Arc::new(ReportServer {
        warehouse,
        options,
        out,
        rendered: Mutex::new(Rendered { fingerprint: None, reports: Vec::new(), failures: Vec::new() }),
    });
    // The first rendering happens before the address is printed, so a client never waits on it.
    drop(server.fresh().await);
    println!("http://{bound}/  (reports)");
    let runtime = tokio::runtime::Handle::current();
    let accept = tokio::task::spawn_blocking(move || {
        for request in listener.incoming_requests() {
            let (server, runtime) = (Arc::clone(&server), runtime.clone());
            // One thread per request: a re-rendering must not hold up the downloads of other clients.
            std::thread::spawn(move || {
                let url = request.url().to_string();
                let (status, content_type, body) = runtime.block_on(server.respond(request.method(), &url));
                // Whole files with a Content-Length: every report file is rendered before it is served.
                let response = Response::from_data(body)
                    .with_chunked_threshold(usize::MAX)
                    .with_status_code(status)
                    .with_header(header("Content-Type", content_type))
                    // Reports change with the warehouse: a browser must ask again; the font never changes.
                    .with_header(header("Cache-Control", if content_type.starts_with("font/") { "max-age=86400" } else { "no-cache" }));
                if let Err(e) = request.respond(response) {
                    eprintln!("warning: cannot answer {url}: {e}");
                }
            });
        }
    });
    accept.await.map_err(|e| AppError::Usage(format!("the HTTP server stopped: {e}")))
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("header names and values are ASCII constants")
}

impl ReportServer {
    async fn fingerprint(&self) -> Fingerprint {
        let ledger_version = self.warehouse.version(Layer::Ledger, "_ledger").await.ok().flatten();
        let mut dashboards: Vec<(PathBuf, Option<SystemTime>)> = std::fs::read_dir(&self.options.dashboards)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .map(|p| {
                        let modified = std::fs::metadata(&p).and_then(|m| m.modified()).ok();
                        (p, modified)
                    })
                    .collect()
            })
            .unwrap_or_default();
        dashboards.sort();
        Fingerprint { ledger_version, dashboards }
    }

    /// Renders every report again if the warehouse or a dashboard changed since the last rendering.
    async fn fresh(&self) -> tokio::sync::MutexGuard<'_, Rendered> {
        let mut rendered = self.rendered.lock().await;
        let fingerprint = self.fingerprint().await;
        if rendered.fingerprint.as_ref() == Some(&fingerprint) {
            return rendered;
        }
        let (reports, failures) = self.render_all().await;
        *rendered = Rendered { fingerprint: Some(fingerprint), reports, failures };
        rendered
    }

    async fn render_all(&self) -> (Vec<RenderedReport>, Vec<(String, String)>) {
        let (mut reports, mut failures) = (Vec::new(), Vec::new());
        let dashboards = match Dashboard::discover(&self.options.dashboards) {
            Ok(dashboards) => dashboards,
            Err(e) => return (reports, vec![("dashboards".into(), e.to_string())]),
        };
        let ctx = match self.warehouse.session().await {
            Ok(ctx) => ctx,
            Err(e) => return (reports, vec![("warehouse".into(), e.to_string())]),
        };
        let options = RenderOptions { lang: self.options.lang, period: None };
        for dashboard in &dashboards {
            match hrss_report::render_dashboard(&ctx, dashboard, self.out.path(), OutputFiles::ALL, &options).await {
                Ok(report) => reports.push(report),
                Err(e) => {
                    eprintln!("warning: report {} failed: {e}", dashboard.name);
                    failures.push((dashboard.name.clone(), e.to_string()));
                }
            }
        }
        (reports, failures)
    }

    /// (status, content type, body) for a request.
    async fn respond(&self, method: &Method, url: &str) -> (u16, &'static str, Vec<u8>) {
        if *method != Method::Get && *method != Method::Head {
            return plain(405, "only GET is served\n");
        }
        let path = url.split(['?', '#']).next().unwrap_or_default();
        let rendered = self.fresh().await;
        if path == "/" || path == "/index.html" {
            return (200, "text/html; charset=utf-8", with_font(&index(&rendered, self.options.lang)).into_bytes());
        }
        if path == FONT_PATH {
            return (200, "font/otf", hrss_report::FONT_BYTES.to_vec());
        }
        match path.strip_prefix("/reports/").and_then(safe_relative) {
            Some(relative) => {
                let file = self.out.path().join(&relative);
                match std::fs::read(&file) {
                    Ok(bytes) if file.extension().is_some_and(|e| e == "html") => {
                        (200, content_type(&file), with_font(&String::from_utf8_lossy(&bytes)).into_bytes())
                    }
                    Ok(bytes) => (200, content_type(&file), bytes),
                    Err(_) => plain(404, &format!("no report file {path}; the index at / lists them\n")),
                }
            }
            None => plain(404, &format!("nothing at {path}; the index at / lists the reports\n")),
        }
    }
}

/// Where the server offers the project's CJK font.
const FONT_PATH: &str = "/fonts/hrss-sans.otf";

/// A served page asks for the project's own CJK font, so Chinese text reads on a machine with none installed.
/// (The report files themselves stay self-contained and fall back to the system's Chinese fonts.)
fn with_font(html: &str) -> String {
    let face = format!("<style>@font-face {{ font-family: \"Noto Sans CJK SC\"; src: url({FONT_PATH}) format(\"opentype\"); }}</style>\n</head>");
    html.replacen("</head>", &face, 1)
}

/// A path under the reports folder, refusing anything that could leave it.
fn safe_relative(path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    let relative = Path::new(&decoded);
    relative
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
        .then(|| relative.to_path_buf())
        .filter(|p| !p.as_os_str().is_empty())
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("pdf") => "application/pdf",
        Some("csv") => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn plain(status: u16, text: &str) -> (u16, &'static str, Vec<u8>) {
    (status, "text/plain; charset=utf-8", text.as_bytes().to_vec())
}

/// The index page: each report with its period, PDF, charts and CSV downloads.
fn index(rendered: &Rendered, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut body = String::new();
    for report in &rendered.reports {
        let name = &report.name;
        body.push_str(&format!(
            "<li class=\"report\"><a class=\"open\" href=\"/reports/{name}.html\">{}</a> <span class=\"period\">{}</span> · <a href=\"/reports/{name}.pdf\">PDF</a>",
            escape(&report.title),
            escape(&report.period),
        ));
        let mut files: Vec<&PathBuf> = report.assets.iter().collect();
        files.sort();
        let links: Vec<String> = files
            .iter()
            .filter_map(|path| {
                let file = path.file_name()?.to_str()?;
                Some(format!("<a href=\"/reports/{name}/{file}\">{file}</a>"))
            })
            .collect();
        if !links.is_empty() {
            body.push_str(&format!("<details><summary>{}</summary>{}</details>", if zh { "图表与数据下载" } else { "Charts and data" }, links.join(" ")));
        }
        body.push_str("</li>\n");
    }
    let failures: String = rendered
        .failures
        .iter()
        .map(|(name, why)| format!("<li class=\"failed\"><strong>{}</strong>: {}</li>\n", escape(name), escape(why)))
        .collect();
    let (title, failed) = if zh { ("绍兴市人力资源和社会保障局 · 报告", "未能生成的报告") } else { ("Shaoxing HRSS reports", "Reports that failed") };
    let failures = if failures.is_empty() { String::new() } else { format!("<h2>{failed}</h2><ul>{failures}</ul>") };
    let version = rendered.fingerprint.as_ref().and_then(|f| f.ledger_version).map_or(String::new(), |v| {
        if zh { format!("<p class=\"version\">数据版本：{v}（每次导入、构建后更新，报告随之重新生成）</p>\n") } else { format!("<p class=\"version\">Warehouse version: {v} (moves with every load and build; the reports are rendered again when it does)</p>\n") }
    });
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<link rel=\"icon\" href=\"data:,\">\n<title>{title}</title>\n<style>\
         body {{ font-family: \"Noto Sans CJK SC\", \"Microsoft YaHei\", sans-serif; max-width: 960px; margin: 0 auto; padding: 24px; color: #1f2933; }}\
         h1 {{ color: #1f4e8c; border-bottom: 3px solid #1f4e8c; padding-bottom: 8px; }} li {{ margin: 0 0 14px; }}\
         a {{ color: #1f4e8c; }} a.open {{ font-size: 18px; }} .period {{ color: #52606d; }} details a {{ margin-right: 10px; font-size: 13px; }}\
         .failed {{ color: #c0392b; }} .version {{ color: #52606d; font-size: 13px; }}</style>\n</head>\n<body>\n<h1>{title}</h1>\n{version}<ul>\n{body}</ul>\n{failures}</body>\n</html>\n",
        if zh { "zh-CN" } else { "en" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_leave_the_reports_folder() {
        assert_eq!(safe_relative("fund_monitor/balance.png"), Some(PathBuf::from("fund_monitor/balance.png")));
        assert_eq!(safe_relative("bulletin.html"), Some(PathBuf::from("bulletin.html")));
        assert_eq!(safe_relative("../secret"), None);
        assert_eq!(safe_relative("%2e%2e/secret"), None);
        assert_eq!(safe_relative("/etc/passwd"), None);
        assert_eq!(safe_relative(""), None);
    }
}
