//! Reports from the demo warehouse: every dashboard in every format (HTML, PDF, SVG, PNG, CSV), in English and
//! for a chosen period, and served over HTTP with re-rendering when the warehouse changes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;

use hrss_report::{Dashboard, Section};

use crate::support::{hrss, hrss_ok, project_root, scratch, serve, Demo, Served};

fn dashboards() -> Vec<Dashboard> {
    Dashboard::discover(&project_root().join("dashboards")).expect("the dashboards parse")
}

/// The share of pixels that are not near-white, and the number of distinct colours, of a PNG.
pub fn ink(png_path: &Path) -> (f64, usize) {
    let decoder = png::Decoder::new(std::fs::File::open(png_path).expect("PNG exists"));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("a frame");
    let channels = frame.color_type.samples();
    let pixels = &pixels[..frame.buffer_size()];
    let mut colours = std::collections::HashSet::new();
    let mut inked = 0usize;
    for pixel in pixels.chunks(channels) {
        if pixel.iter().take(3).any(|c| *c < 200) {
            inked += 1;
        }
        colours.insert(pixel.iter().take(3).map(|c| c / 16).collect::<Vec<u8>>());
    }
    (inked as f64 / (pixels.len() / channels) as f64, colours.len())
}

/// The number of PDF pages `hrss report` (or the demo) printed for a report.
fn printed_pages(stdout: &str, name: &str) -> usize {
    let line = stdout.lines().find(|l| l.split_whitespace().next() == Some(name)).unwrap_or_else(|| panic!("no line for {name} in:\n{stdout}"));
    let before = line.split(" PDF pages").next().expect("a page count");
    before.rsplit(' ').next().and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("no page count in {line}"))
}

fn attribute(tag: &tl::HTMLTag, name: &str) -> String {
    tag.attributes().get(name).flatten().map(|v| v.as_utf8_str().to_string()).unwrap_or_default()
}

#[test]
fn every_report_renders_every_section_to_html_pdf_svg_png_and_csv() {
    let demo = Demo::get();
    let reports = demo.out.join("reports");
    let dashboards = dashboards();
    assert_eq!(dashboards.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["bulletin", "development_forecast", "fund_monitor", "hr_market", "wage_arrears"]);
    for dashboard in &dashboards {
        let name = &dashboard.name;
        let html = std::fs::read_to_string(reports.join(format!("{name}.html"))).expect("HTML written");
        let dom = tl::parse(&html, tl::ParserOptions::default()).expect("the HTML parses");
        let parser = dom.parser();
        assert!(!html.contains("{{") && !html.contains("{%"), "{name}: every template was filled in");
        for request in ["src=\"http", "href=\"http", "url(http", "@import", "<script"] {
            assert!(!html.contains(request), "{name}: the page makes no network requests ({request})");
        }
        for section in &dashboard.sections {
            let id = section.head().id;
            let node = dom.get_element_by_id(id).unwrap_or_else(|| panic!("{name}: section {id} is in the page")).get(parser).expect("node");
            let tag = node.as_tag().expect("an element");
            let inner = tag.inner_html(parser);
            let class = attribute(tag, "class");
            match section {
                Section::Chart(_) => {
                    assert_eq!(class, "chart", "{name}/{id}");
                    assert!(inner.contains("<svg") && inner.contains("data:text/csv;charset=utf-8;base64,"), "{name}/{id}: inline SVG and its CSV");
                    let (share, colours) = ink(&reports.join(name).join(format!("{id}.png")));
                    assert!(share > 0.005 && share < 0.9, "{name}/{id}.png is a drawn chart, {:.1}% ink", share * 100.0);
                    assert!(colours >= 4, "{name}/{id}.png has text, axes and data colours ({colours})");
                    let svg = std::fs::read_to_string(reports.join(name).join(format!("{id}.svg"))).expect("SVG written");
                    assert!(svg.starts_with("<svg") && svg.contains("<path"), "{name}/{id}.svg");
                    let csv = std::fs::read_to_string(reports.join(name).join(format!("{id}.csv"))).expect("CSV written");
                    assert!(csv.starts_with('\u{feff}') && csv.lines().count() >= 2, "{name}/{id}.csv has a BOM, a header and rows");
                }
                Section::Table { .. } => {
                    assert_eq!(class, "table", "{name}/{id}");
                    assert!(inner.matches("<tr>").count() >= 2, "{name}/{id}: a header and at least one row");
                    let csv = std::fs::read_to_string(reports.join(name).join(format!("{id}.csv"))).expect("CSV written");
                    assert_eq!(csv.lines().count(), inner.matches("<tr>").count(), "{name}/{id}: the CSV holds the table's rows");
                }
                Section::Kpi { .. } => {
                    assert_eq!(class, "kpi", "{name}/{id}");
                    assert!(inner.contains("class=\"tile"), "{name}/{id}: tiles");
                }
                Section::Text { .. } => {
                    assert_eq!(class, "text", "{name}/{id}");
                    assert!(inner.contains("<p>"), "{name}/{id}: paragraphs");
                }
            }
        }
        let pdf = lopdf::Document::load(reports.join(format!("{name}.pdf"))).expect("the PDF parses");
        let pages = pdf.get_pages().len();
        assert_eq!(pages, printed_pages(&demo.stdout, name), "{name}: the PDF has the pages the layout made");
        assert!(pages >= 2, "{name}: a report of several sections spans pages ({pages})");
        let embedded: Vec<String> = pdf
            .objects
            .values()
            .filter_map(|object| object.as_dict().ok())
            .filter(|dict| dict.get(b"Type").and_then(|t| t.as_name()).is_ok_and(|t| t == b"FontDescriptor"))
            .filter(|dict| [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"].iter().any(|key| dict.has(key)))
            .filter_map(|dict| dict.get(b"FontName").and_then(|n| n.as_name()).ok().map(|n| String::from_utf8_lossy(n).into_owned()))
            .collect();
        assert!(embedded.iter().any(|f| f.contains("NotoSansCJKsc")), "{name}: the CJK font is embedded: {embedded:?}");
    }
}

#[test]
fn reports_render_in_english_for_a_chosen_period_say_when_a_period_has_no_data_and_refuse_a_bad_period() {
    let warehouse = Demo::get().warehouse();
    let out = scratch("report-english");
    let stdout = hrss_ok(&[
        "--warehouse", &warehouse.to_string_lossy(), "report", "fund_monitor", "--out", &out.to_string_lossy(),
        "--lang", "en", "--period", "2025-06", "--format", "html",
    ]);
    assert!(stdout.contains("fund_monitor") && stdout.contains("2025-06"), "{stdout}");
    let html = std::fs::read_to_string(out.join("fund_monitor.html")).expect("HTML written");
    assert!(html.contains("<html lang=\"en\">") && html.contains("June 2025"), "English, for June 2025");
    let english_title = dashboards().into_iter().find(|d| d.name == "fund_monitor").and_then(|d| d.title_en).expect("an English title");
    assert!(html.contains(&english_title.replace('&', "&amp;")), "the English title {english_title}");
    assert!(!out.join("fund_monitor.pdf").exists() && !out.join("fund_monitor").exists(), "only the formats asked for");

    // Every report renders in English (each has its own queries for the English names and units).
    let english = scratch("report-english-all");
    let stdout = hrss_ok(&["--warehouse", &warehouse.to_string_lossy(), "report", "--out", &english.to_string_lossy(), "--lang", "en", "--format", "html"]);
    for dashboard in dashboards() {
        let html = std::fs::read_to_string(english.join(format!("{}.html", dashboard.name))).expect("English HTML written");
        let title = dashboard.title_en.as_deref().expect("every dashboard has an English title");
        assert!(html.contains("<html lang=\"en\">"), "{}: {stdout}", dashboard.name);
        let fixed_part = title[..title.find("{{").unwrap_or(title.len())].trim();
        assert!(html.contains(&format!("<h1>{fixed_part}")), "{}: the English title {title}", dashboard.name);
    }

    // A quarter before the registrations begin: every section says so instead of drawing an empty chart.
    let empty = scratch("report-empty-quarter");
    hrss_ok(&["--warehouse", &warehouse.to_string_lossy(), "report", "hr_market", "--out", &empty.to_string_lossy(), "--period", "2023-Q2"]);
    let html = std::fs::read_to_string(empty.join("hr_market.html")).expect("HTML written");
    assert!(html.contains("2023年第二季度公共就业服务机构无登记数据"), "the summary says there is no data");
    assert!(html.contains("2023年第二季度无数据") && !html.contains("<svg"), "no empty charts");
    let pdf = lopdf::Document::load(empty.join("hr_market.pdf")).expect("the PDF parses");
    assert_eq!(pdf.get_pages().len(), 1);

    let wrong = hrss(&["--warehouse", &warehouse.to_string_lossy(), "report", "fund_monitor", "--out", &out.to_string_lossy(), "--period", "2025-13"]);
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(!wrong.status.success() && stderr.contains("2025-13") && stderr.contains("2025-12"), "{stderr}");
    let unknown = hrss(&["--warehouse", &warehouse.to_string_lossy(), "report", "no_such_report", "--out", &out.to_string_lossy()]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("bulletin"), "the known dashboards are named");
}

/// A running `hrss serve --http-port 0`.
pub struct HttpServer {
    _served: Served,
    pub base: String,
}

impl HttpServer {
    pub fn start(warehouse: &Path) -> HttpServer {
        let served = serve(&["--warehouse", &warehouse.to_string_lossy(), "serve", "--http-port", "0"]);
        let first_line = &served.first_line;
        let base = first_line.split_whitespace().next().filter(|a| a.starts_with("http://127.0.0.1:")).unwrap_or_else(|| panic!("no address in {first_line:?}"));
        HttpServer { base: base.to_string(), _served: served }
    }

    /// (status, content type, body) of a request.
    pub fn request(&self, method: &str, path: &str) -> (u16, String, Vec<u8>) {
        let address = self.base.trim_start_matches("http://").trim_end_matches('/');
        let mut stream = TcpStream::connect(address).expect("connects");
        write!(stream, "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").expect("sends");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("reads");
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("headers end");
        let head = String::from_utf8_lossy(&response[..split]).to_string();
        let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status");
        let content_type = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-type:").map(|v| v.trim().to_string()))
            .unwrap_or_default();
        (status, content_type, response[split + 4..].to_vec())
    }

    pub fn get_text(&self, path: &str) -> String {
        let (status, _, body) = self.request("GET", path);
        assert_eq!(status, 200, "GET {path}");
        String::from_utf8(body).expect("UTF-8")
    }
}

/// A copy of the demo warehouse that a test may change.
pub fn own_warehouse(name: &str) -> PathBuf {
    let dir = scratch(name);
    let status = Command::new("cp").arg("-r").arg(Demo::get().warehouse()).arg(&dir).status().expect("cp runs");
    assert!(status.success());
    dir.join("warehouse")
}

fn version(index: &str) -> u64 {
    let at = index.find("数据版本：").expect("the index shows the warehouse version") + "数据版本：".len();
    index[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("a version number")
}

#[test]
fn http_server_lists_and_serves_the_reports_and_renders_them_again_after_a_build() {
    let warehouse = own_warehouse("report-http");
    let server = HttpServer::start(&warehouse);
    let index = server.get_text("/");
    for dashboard in dashboards() {
        assert!(index.contains(&format!("href=\"/reports/{}.html\"", dashboard.name)), "{} listed", dashboard.name);
        assert!(index.contains(&format!("href=\"/reports/{}.pdf\"", dashboard.name)), "{} PDF listed", dashboard.name);
    }
    assert_eq!(index.matches("class=\"open\"").count(), 5, "one link per report");
    let page = server.get_text("/reports/fund_monitor.html");
    assert!(page.contains("<svg") && page.contains("id=\"pension_balance_capacity\""));
    assert!(page.contains("src: url(/fonts/hrss-sans.otf)"), "served pages load the project's CJK font");
    let (status, content_type, font) = server.request("GET", "/fonts/hrss-sans.otf");
    assert_eq!((status, content_type.as_str()), (200, "font/otf"));
    assert_eq!(&font[..4], b"OTTO", "an OpenType font with CFF outlines");
    let (status, content_type, csv) = server.request("GET", "/reports/fund_monitor/pension_balance_capacity.csv");
    assert_eq!((status, content_type.as_str()), (200, "text/csv; charset=utf-8"));
    assert!(String::from_utf8_lossy(&csv).lines().count() > 12, "the chart's data");
    let (status, content_type, pdf) = server.request("GET", "/reports/bulletin.pdf");
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(server.request("GET", "/reports/../warehouse/_ledger").0, 404, "nothing outside the reports");
    assert_eq!(server.request("GET", "/nothing").0, 404);
    assert_eq!(server.request("POST", "/").0, 405);

    let before = version(&index);
    hrss_ok(&["--warehouse", &warehouse.to_string_lossy(), "build", "--select", "fund_monthly"]);
    let after = version(&server.get_text("/"));
    assert!(after > before, "the build moved the warehouse ({before} -> {after}) and the index was rendered again");
}
