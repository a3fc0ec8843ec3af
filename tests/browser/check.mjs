// Browser check of the reports served by `hrss serve --http-port`, run by a Rust end-to-end test.
//
// Usage: node tests/browser/check.mjs BASE_URL SCREENSHOT_DIR
//
// Opens BASE_URL (the index of reports) in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; tests/browser/install.sh installs both), lists the report links (`a.open`),
// clicks the first one, then visits every other one, and on each report page counts the sections,
// the chart sections and the chart sections whose SVG is laid out at a visible size. Full-page
// screenshots of the index and of the clicked (first) report go to SCREENSHOT_DIR.
//
// Prints ONE JSON object on stdout and exits 0:
//   {"index_links": ["/reports/bulletin.html", ...],
//    "pages": [{"url", "status", "title", "sections", "charts", "charts_rendered", "screenshot"}],
//    "console_errors": [{"page", "kind": "console"|"pageerror", "text"}],
//    "failed_requests": [{"page", "url", "status", "error"}]}
// "status" is the HTTP status (null when the request failed without one, with "error" saying why);
// a report page that could not be loaded at all is listed with "error" and zero counts.
// Exits non-zero, with a message on stderr, only when the browser cannot be launched or the index
// cannot be loaded.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = process.env.HRSS_CHROMIUM || '/usr/bin/chromium';
// Without these, Chromium's background connections (updates, sync, QUIC probes...) are refused by
// the closed network of the test machines and show up as noise or delays.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const TIMEOUT_MS = 30_000;

function fail(message) {
  // Playwright's messages may carry terminal colours; a log file wants plain text.
  const plain = String(message).replace(/\u001b\[[0-9;]*m/g, '');
  process.stderr.write(`check.mjs: ${plain}\n`);
  process.exitCode = 1;
}

async function main() {
  const [baseUrl, shotDir] = process.argv.slice(2);
  if (!baseUrl || !shotDir) {
    fail('usage: node tests/browser/check.mjs BASE_URL SCREENSHOT_DIR');
    return;
  }
  await mkdir(shotDir, { recursive: true });

  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: TIMEOUT_MS });
  } catch (err) {
    fail(`cannot launch ${CHROMIUM}: ${err.message}`);
    return;
  }

  try {
    const result = await run(browser, baseUrl, shotDir);
    if (result) process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await browser.close().catch(() => {});
  }
}

async function run(browser, baseUrl, shotDir) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();

  // The page a request belongs to: for a navigation, the page being loaded, not the one left.
  const pageOf = (req) => (req.isNavigationRequest() ? req.url() : page.url());
  const consoleErrors = [];
  const failedRequests = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push({ page: page.url(), kind: 'console', text: msg.text() });
  });
  page.on('pageerror', (err) => {
    consoleErrors.push({ page: page.url(), kind: 'pageerror', text: String(err && err.stack ? err.stack : err) });
  });
  page.on('requestfailed', (req) => {
    const failure = req.failure();
    failedRequests.push({ page: pageOf(req), url: req.url(), status: null, error: failure ? failure.errorText : 'failed' });
  });
  page.on('response', (resp) => {
    if (resp.status() >= 400) {
      failedRequests.push({ page: pageOf(resp.request()), url: resp.url(), status: resp.status(), error: null });
    }
  });

  // The index.
  let indexResponse;
  try {
    indexResponse = await page.goto(baseUrl, { waitUntil: 'load' });
  } catch (err) {
    fail(`cannot load the index ${baseUrl}: ${err.message}`);
    return null;
  }
  if (!indexResponse || indexResponse.status() >= 400) {
    fail(`cannot load the index ${baseUrl}: HTTP ${indexResponse ? indexResponse.status() : 'no response'}`);
    return null;
  }
  await settle(page);
  const indexLinks = await page.$$eval('a.open', (as) => as.map((a) => a.getAttribute('href')));
  await page.screenshot({ path: path.join(shotDir, 'index.png'), fullPage: true });

  const pages = [];
  const seen = new Set();
  for (const [i, href] of indexLinks.entries()) {
    if (!href) continue;
    const url = new URL(href, baseUrl).href;
    if (seen.has(url)) continue;
    seen.add(url);
    const entry = { url, status: null, title: null, sections: 0, charts: 0, charts_rendered: 0, screenshot: null };
    try {
      if (i === 0) {
        // Follow the first link as a person would: click it.
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url() === url && r.request().isNavigationRequest()),
          page.waitForURL(url, { waitUntil: 'load' }),
          page.locator('a.open').first().click(),
        ]);
        entry.status = response.status();
      } else {
        const response = await page.goto(url, { waitUntil: 'load' });
        entry.status = response ? response.status() : null;
      }
      await settle(page);
      Object.assign(entry, await measure(page));
      if (i === 0) {
        const name = path.basename(new URL(url).pathname).replace(/\.html?$/, '') || 'report';
        entry.screenshot = path.join(shotDir, `${name}.png`);
        await page.screenshot({ path: entry.screenshot, fullPage: true });
      }
    } catch (err) {
      entry.error = err.message.split('\n')[0];
    }
    pages.push(entry);
  }

  return { index_links: indexLinks, pages, console_errors: consoleErrors, failed_requests: failedRequests };
}

// Waits for web fonts and two animation frames, so that what is measured is what a person sees.
async function settle(page) {
  await page.evaluate(async () => {
    if (document.fonts && document.fonts.ready) await document.fonts.ready;
    await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  });
}

async function measure(page) {
  return page.evaluate(() => {
    const charts = [...document.querySelectorAll('section.chart')];
    const rendered = charts.filter((section) =>
      [...section.querySelectorAll('svg')].some((svg) => {
        const box = svg.getBoundingClientRect();
        const style = getComputedStyle(svg);
        return box.width > 100 && box.height > 50 && style.visibility !== 'hidden' && style.display !== 'none';
      }),
    );
    return {
      title: document.title,
      sections: document.querySelectorAll('section').length,
      charts: charts.length,
      charts_rendered: rendered.length,
    };
  });
}

main().catch((err) => {
  fail(err && err.stack ? err.stack : String(err));
});
