//! Headless Chromium against `hrss serve --http-port`: the index lists the five reports, a report link is
//! followed, every chart is laid out on every report page, and no page logs a console error or fails a
//! request. Chromium (Debian's) and playwright-core (npm, pinned) are installed by `tests/browser/install.sh`
//! when missing.

use std::process::Command;

use crate::report::{ink, HttpServer};
use crate::support::{project_root, scratch, Demo};

#[test]
fn headless_chromium_opens_the_index_follows_a_report_and_sees_every_chart() {
    let install = Command::new("bash").arg("tests/browser/install.sh").current_dir(project_root()).status().expect("bash runs");
    assert!(install.success(), "tests/browser/install.sh installs chromium and playwright-core");
    let server = HttpServer::start(&Demo::get().warehouse());
    let shots = scratch("browser-screenshots");
    let output = Command::new("node")
        .arg("tests/browser/check.mjs")
        .arg(&server.base)
        .arg(&shots)
        .current_dir(project_root())
        .output()
        .expect("node runs");
    assert!(output.status.success(), "the browser check ran:\n{}", String::from_utf8_lossy(&output.stderr));
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).expect("the check prints JSON");

    let links = result["index_links"].as_array().expect("index links");
    assert_eq!(links.len(), 5, "the index links every report: {links:?}");
    let dashboards = hrss_report::Dashboard::discover(&project_root().join("dashboards")).expect("dashboards");
    let pages = result["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 5, "every report page was visited");
    for page in pages {
        let url = page["url"].as_str().expect("url");
        let name = url.rsplit('/').next().and_then(|f| f.strip_suffix(".html")).expect("a report page");
        let dashboard = dashboards.iter().find(|d| d.name == name).expect("a dashboard of that name");
        let charts = dashboard.sections.iter().filter(|s| matches!(s, hrss_report::Section::Chart(_))).count();
        assert_eq!(page["sections"].as_u64(), Some(dashboard.sections.len() as u64), "{name}: every section on the page");
        assert_eq!(page["charts"].as_u64(), Some(charts as u64), "{name}: every chart on the page");
        assert_eq!(page["charts_rendered"].as_u64(), Some(charts as u64), "{name}: every chart laid out and visible");
    }
    assert_eq!(result["console_errors"].as_array().map(Vec::len), Some(0), "no console errors: {}", result["console_errors"]);
    assert_eq!(result["failed_requests"].as_array().map(Vec::len), Some(0), "no failed requests: {}", result["failed_requests"]);
    let screenshot = pages[0]["screenshot"].as_str().expect("the followed report was captured");
    let (share, colours) = ink(std::path::Path::new(screenshot));
    assert!(share > 0.02 && colours >= 8, "the screenshot shows a drawn report ({:.1}% ink, {colours} colours)", share * 100.0);
}
