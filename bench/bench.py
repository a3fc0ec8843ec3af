"""hrss beside DuckDB on the same data, interleaved, in one session. `bench/run.sh` prepares the data and calls
this; see bench/README.md.

Steps (each run is a child process of its own, measured with os.wait4: wall time, CPU time (user + system) and
peak RSS; a warm-up round first, then the tools alternate, A B A B, for --rounds rounds; medians are reported,
and the largest peak RSS):

  ingest   `hrss ingest contributions` of the year's contributions CSV into a fresh warehouse, beside DuckDB's
           CSV -> zstd Parquet COPY of the same UTF-8 file; hrss once more on the GB18030 original
  queries  five analyst queries (bench/queries/*.sql), `hrss sql` on the warehouse beside DuckDB on the same
           Parquet files (the Delta tables' active files); the results of both must be equal
  build    `hrss build --full-refresh` beside `hrss build` after one new month of contributions (hrss only)
  report   `hrss report` of every dashboard on the demo warehouse (hrss only)

Results: bench/results/bench-<rows>.json and .md; `bench/scale.py` sets several scales side by side.
"""

import argparse
import csv
import datetime
import importlib.metadata
import json
import math
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
STEPS = ("ingest", "queries", "build", "report")
CONTRIBUTIONS_CSV = "社保缴费明细_2025.csv"
DEFAULT_KEY = "bench-key-0123456789abcdef0123456789abcdef"

# (file stem in bench/queries, what it asks, target hrss/DuckDB wall ratio or None)
QUERIES = (
    ("q0_startup", "start-up: count the employer registry", None),
    ("q1_monthly_by_insurance", "monthly contributions by insurance type", 1.0),
    ("q2_contributors_latest_month", "contributors by district and industry, latest month", 1.0),
    ("q3_yoy_growth_by_district", "year-on-year growth per district, LAG(.., 12)", 1.0),
    ("q4_contributors_by_year_district", "distinct contributors per year and district", 1.0),
    ("q5_top_employers_latest_year", "top 20 employers of the latest year, joined to the registry", 1.0),
)
QUERY_TABLES = {"contributions": "staging/contributions", "employers": "staging/employers"}

INGEST_RATIO_TARGET = 0.6
INGEST_RSS_TARGET_MB = 250
INCREMENTAL_SHARE_TARGET = 0.10
REPORT_WALL_TARGET_S = 3.0


class StepFailed(Exception):
    pass


def parse_bytes(text):
    """Sizes as `hrss --memory-limit` reads them: 512m, 2g, 1.5g, or bytes; k/m/g/t are powers of 1024."""
    m = re.fullmatch(r"\s*([0-9.]+)\s*([kmgt]?)i?b?\s*", text.lower())
    if not m:
        raise argparse.ArgumentTypeError(f"`{text}` is not a size; use e.g. 512m or 2g")
    return int(float(m.group(1)) * 1024 ** " kmgt".index(m.group(2) or " "))


def short(cmd):
    """A command line for messages, with long arguments (query texts) cut."""
    return shlex.join(a if len(a) <= 100 else a[:60].replace("\n", " ") + " ..." for a in map(str, cmd))


def tree_bytes(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


def summarise(runs):
    return {
        "wall_s": median_of(runs, "wall_s"),
        "cpu_s": median_of(runs, "cpu_s"),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "runs": runs,
    }


# --- result comparison ------------------------------------------------------------------------------------------

def _cell(text):
    """(sort key, value, text) of one CSV cell: NULL (empty), a number (sorted by its 6 significant digits), or text."""
    if text == "":
        return (0, ""), None, "NULL"
    try:
        x = float(text)
    except ValueError:
        return (3, text), text, text
    if not math.isfinite(x):
        return (2, text.lower()), text.lower(), text
    return (1, float(f"{x:.6g}")), x, text


def _same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def read_result(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise StepFailed(f"{path} is empty (no header)")
    return [h.strip().lower() for h in rows[0]], rows[1:]


def compare_results(name, hrss_csv, duckdb_csv):
    """Raises StepFailed with the first differing rows unless both results hold the same rows (in any order)."""
    h_head, h_rows = read_result(hrss_csv)
    d_head, d_rows = read_result(duckdb_csv)
    problems = []
    if h_head != d_head:
        problems.append(f"columns differ:\n  hrss:   {h_head}\n  DuckDB: {d_head}")
    if len(h_rows) != len(d_rows):
        problems.append(f"row counts differ: hrss {len(h_rows)}, DuckDB {len(d_rows)}")

    def normalised(rows):
        cells = [[_cell(c) for c in row] for row in rows]
        return sorted(cells, key=lambda row: [key for key, _, _ in row])

    h_norm, d_norm = normalised(h_rows), normalised(d_rows)
    shown = 0
    for i in range(max(len(h_norm), len(d_norm))):
        h = h_norm[i] if i < len(h_norm) else None
        d = d_norm[i] if i < len(d_norm) else None
        if h is not None and d is not None and len(h) == len(d) and all(_same(a[1], b[1]) for a, b in zip(h, d)):
            continue
        if shown == 0:
            problems.append("first differing rows (both sorted; numbers to 6 significant digits, empty = NULL):")
        show = lambda row: "(missing)" if row is None else ", ".join(text for _, _, text in row)  # noqa: E731
        problems.append(f"  row {i + 1}\n    hrss:   {show(h)}\n    DuckDB: {show(d)}")
        shown += 1
        if shown == 5:
            break
    if problems:
        raise StepFailed(f"{name}: hrss and DuckDB disagree\n" + "\n".join(problems)
                         + f"\n  results: {hrss_csv} and {duckdb_csv}")
    all_null = [h_head[j] for j in range(len(h_head)) if h_rows and all(row[j] == "" for row in h_rows)]
    return {"rows": len(h_rows), "all_null_columns": all_null}


# --- the benchmark ----------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.hrss = str(Path(args.hrss).resolve())
        self.project = str(Path(args.project).resolve())
        self.rows = args.rows
        self.rounds = args.rounds
        self.data = Path(args.data).resolve()
        self.work_root = Path(args.work).resolve()
        self.work = self.work_root / f"run-{args.rows}"
        self.logs = self.work / "logs"
        self.memory_limit = args.memory_limit
        self.memory_limit_bytes = parse_bytes(args.memory_limit) if args.memory_limit else None
        # hrss sql and hrss build take the limit; ingest and report bound their memory by design.
        self.hrss_limit = ["--memory-limit", self.memory_limit] if self.memory_limit else []
        self.env = dict(os.environ)
        self.env.setdefault("HRSS_PSEUDONYM_KEY", DEFAULT_KEY)
        self.env.pop("HRSS_WAREHOUSE", None)
        self.results = {}
        self.failures = {}
        self._prepare_failures = {}
        self._log_no = 0

    # running and measuring one child process

    def run(self, cmd, label):
        """Runs cmd as a child process; returns its wall, CPU and peak RSS. Its stdout goes to a log file.
        The kernel starts a child's ru_maxrss at its parent's peak RSS (carried across fork and exec), so this
        process must stay small: it never imports DuckDB and streams the files it writes."""
        self._log_no += 1
        self.logs.mkdir(parents=True, exist_ok=True)
        log = self.logs / f"{self._log_no:03d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', label)}.log"
        with open(log, "wb") as out, tempfile.TemporaryFile(dir=self.logs) as err:
            started = time.perf_counter()
            try:
                proc = subprocess.Popen([str(c) for c in cmd], env=self.env, cwd=ROOT, stdout=out, stderr=err)
            except OSError as e:
                raise StepFailed(f"{label}: cannot start {short(cmd)}: {e}")
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.perf_counter() - started
            proc.returncode = code = os.waitstatus_to_exitcode(status)
            if code != 0:
                err.seek(0)
                stderr = err.read().decode(errors="replace").rstrip().splitlines()
                stderr = "\n".join("    " + line for line in stderr[-40:]) or "    (nothing on stderr)"
                raise StepFailed(f"{label} failed (exit status {code}):\n  {short(cmd)}\n  stderr:\n{stderr}\n  stdout: {log}")
        return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024, "log": str(log)}

    def hrss_cmd(self, warehouse, *args):
        return [self.hrss, "--warehouse", warehouse, "--project", self.project, *args]

    def duckdb_cmd(self, *args):
        return [sys.executable, BENCH / "duckdb_run.py", *args]

    def interleave(self, tasks, after_warmup=None):
        """tasks: [(key, label, fn)], run in order once as a warm-up, then --rounds times; returns key -> runs."""
        runs = {key: [] for key, _, _ in tasks}
        for round_no in range(0, self.rounds + 1):
            name = "warm-up" if round_no == 0 else f"round {round_no}"
            for key, label, fn in tasks:
                r = fn()
                print(f"  {name:<8} {label:<44} {r['wall_s']:8.2f} s wall {r['cpu_s']:8.2f} s CPU {r['peak_rss_mb']:7.0f} MB peak RSS", flush=True)
                if round_no > 0:
                    runs[key].append(r)
            if round_no == 0 and after_warmup:
                after_warmup()
        return runs

    # prepared inputs

    def contributions_csv(self):
        path = self.data / "input" / CONTRIBUTIONS_CSV
        if not path.is_file():
            raise StepFailed(f"{path} is missing: generate the data with bench/run.sh")
        return path

    def utf8_copy(self):
        """DuckDB reads GB18030 only through its `encodings` extension, downloaded from duckdb.org at run time, so
        both tools get the same rows as UTF-8 (hrss's GB18030 run is reported beside)."""
        source = self.contributions_csv()
        target = self.data / "input-utf8" / "社保缴费明细_2025_utf8.csv"
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            print(f"converting {source.name} to UTF-8 ...", flush=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            with open(source, encoding="gb18030", newline="") as src, open(partial, "w", encoding="utf-8", newline="") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            partial.replace(target)
        return target

    def new_months(self, count):
        """count months after 2025-12, each a copy of December's contributions (same people and employers), as
        GB18030 files the contributions pipeline reads."""
        source = self.contributions_csv()
        folder = self.data / "months"
        periods = [f"{2026 + i // 12}{i % 12 + 1:02d}" for i in range(count)]
        paths = [folder / f"社保缴费明细_{p}.csv" for p in periods]
        if all(p.exists() and p.stat().st_mtime >= source.stat().st_mtime for p in paths):
            return list(zip(periods, paths))
        print(f"writing {count} new month(s) of contributions from December's ...", flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        partials = [path.with_suffix(".partial") for path in paths]
        outs = [open(p, "w", encoding="gb18030", newline="") for p in partials]
        try:
            with open(source, encoding="gb18030", newline="") as f:  # streamed: this process must stay small (see run)
                header = f.readline()
                for out in outs:
                    out.write(header)
                december = 0
                for line in f:
                    if line.startswith("202512,"):
                        december += 1
                        for period, out in zip(periods, outs):
                            out.write(period + line[6:])
        finally:
            for out in outs:
                out.close()
        if not december:
            raise StepFailed(f"{source} has no rows of 202512 to copy into new months")
        for partial, path in zip(partials, paths):
            partial.replace(path)
        return list(zip(periods, paths))

    def base_warehouse(self):
        """The warehouse as analysts have it, made once per session: every source of the generated input
        (contributions at --rows) ingested. The queries read its staging tables; the build step builds every
        model in it first (`built_warehouse`), then rebuilds them and loads new months into it."""
        return self._prepared("ingest_all", f"ingesting every source into {self.work / 'warehouse'}",
                              ["ingest", "--input", self.data / "input"])

    def built_warehouse(self):
        self.base_warehouse()
        return self._prepared("first_build", "building every model", ["build", *self.hrss_limit])

    def _prepared(self, key, what, cmd):
        """Runs one untimed preparation of the warehouse once per session; a failure is reported by every
        step that needs it."""
        warehouse = self.work / "warehouse"
        prepared = self.results.setdefault("prepare", {})
        failed = self._prepare_failures.get(key)
        if failed:
            raise StepFailed(f"the warehouse could not be prepared (see the first failure):\n{failed}")
        if key in prepared:
            return warehouse
        if key == "ingest_all":
            self.contributions_csv()
            shutil.rmtree(warehouse, ignore_errors=True)
        print(f"{what} (not timed) ...", flush=True)
        try:
            r = prepared[key] = self.run(self.hrss_cmd(warehouse, *cmd), f"prepare-{key}")
        except StepFailed as e:
            self._prepare_failures[key] = str(e)
            raise
        print(f"  {r['wall_s']:.1f} s wall, {r['peak_rss_mb']:.0f} MB peak RSS", flush=True)
        return warehouse

    # the steps

    def step_ingest(self):
        gb18030 = self.contributions_csv()
        utf8 = self.utf8_copy()
        folder = self.work / "ingest"
        folder.mkdir(parents=True, exist_ok=True)
        warehouse, parquet = folder / "warehouse", folder / "duckdb.parquet"

        def hrss(csv_path=utf8):
            shutil.rmtree(warehouse, ignore_errors=True)
            return self.run(self.hrss_cmd(warehouse, "ingest", "contributions", "--input", csv_path), "hrss-ingest")

        def duck():
            parquet.unlink(missing_ok=True)
            return self.run(self.duckdb_cmd("ingest", utf8, parquet), "duckdb-ingest")

        print(f"ingest: {self.rows:,} contribution rows, {utf8.stat().st_size / 1e6:,.0f} MB UTF-8 CSV", flush=True)
        runs = self.interleave([("hrss", "hrss ingest contributions (UTF-8)", hrss), ("duckdb", "DuckDB COPY read_csv -> Parquet zstd", duck)])
        result = {tool: summarise(r) for tool, r in runs.items()}
        result["hrss"]["output_mb"] = tree_bytes(warehouse / "staging" / "contributions") / 1e6
        result["duckdb"]["output_mb"] = parquet.stat().st_size / 1e6
        gb = hrss(gb18030)
        print(f"  once     {'hrss ingest contributions (GB18030 original)':<44} {gb['wall_s']:8.2f} s wall {gb['cpu_s']:8.2f} s CPU {gb['peak_rss_mb']:7.0f} MB peak RSS", flush=True)
        result["hrss_gb18030"] = gb
        result["ratio"] = result["hrss"]["wall_s"] / result["duckdb"]["wall_s"]
        result["input_mb"] = {"utf8": utf8.stat().st_size / 1e6, "gb18030": gb18030.stat().st_size / 1e6}
        result["rows"] = self.rows
        return result

    def step_queries(self):
        warehouse = self.base_warehouse()
        folder = self.work / "queries"
        folder.mkdir(parents=True, exist_ok=True)
        tables = {name: warehouse / rel for name, rel in QUERY_TABLES.items()}
        # In a child: reading a Delta checkpoint takes DuckDB, and this process must stay small (see run).
        listing = subprocess.run(self.duckdb_cmd("files", tables["contributions"]), capture_output=True, text=True)
        if listing.returncode != 0:
            raise StepFailed(f"listing {tables['contributions']}'s files failed:\n{listing.stderr}")
        listing = json.loads(listing.stdout)
        files, table_rows = listing["files"], listing["rows"]
        if table_rows is None:
            raise StepFailed(f"{tables['contributions']}: a data file has no row count in the Delta log")
        print(f"queries: staging.contributions holds {table_rows:,} rows in {len(files)} Parquet file(s)", flush=True)

        limit_h = self.hrss_limit
        limit_d = ["--memory-limit", str(self.memory_limit_bytes)] if self.memory_limit else []
        table_args = [a for name, path in tables.items() for a in ("--table", f"{name}={path}")]
        tasks = []
        for stem, _, _ in QUERIES:
            # One SQL file per query: its {table} placeholders name the staging table for hrss, and the
            # table's Parquet files for DuckDB (filled in by duckdb_run.py).
            duckdb_file = BENCH / "queries" / f"{stem}.sql"
            hrss_sql = duckdb_file.read_text(encoding="utf-8")
            for name in QUERY_TABLES:
                hrss_sql = hrss_sql.replace("{" + name + "}", f"staging.{name}")
            out_h, out_d = folder / f"{stem}.hrss.csv", folder / f"{stem}.duckdb.csv"

            def hrss(sql=hrss_sql, out=out_h, stem=stem):
                return self.run(self.hrss_cmd(warehouse, "sql", "--format", "csv", *limit_h, "--output", out, "--", sql), f"hrss-{stem}")

            def duck(sql_file=duckdb_file, out=out_d, stem=stem):
                return self.run(self.duckdb_cmd("query", sql_file, out, *table_args, *limit_d), f"duckdb-{stem}")

            tasks += [((stem, "hrss"), f"{stem} hrss", hrss), ((stem, "duckdb"), f"{stem} DuckDB", duck)]

        checks = {}

        def compare():
            for stem, _, _ in QUERIES:
                checks[stem] = compare_results(stem, folder / f"{stem}.hrss.csv", folder / f"{stem}.duckdb.csv")
            print("  results: hrss and DuckDB agree on every query (" + ", ".join(f"{s.split('_')[0]} {c['rows']} rows" for s, c in checks.items()) + ")", flush=True)

        runs = self.interleave(tasks, after_warmup=compare)
        result = {"table_rows": table_rows, "parquet_files": len(files), "queries": {}}
        for stem, what, target in QUERIES:
            h, d = summarise(runs[(stem, "hrss")]), summarise(runs[(stem, "duckdb")])
            result["queries"][stem] = {
                "what": what, "target_ratio": target, "hrss": h, "duckdb": d, "ratio": h["wall_s"] / d["wall_s"],
                "result_rows": checks[stem]["rows"], "all_null_columns": checks[stem]["all_null_columns"],
            }
        return result

    def step_build(self):
        warehouse = self.built_warehouse()
        months = self.new_months(self.rounds + 1)
        build = lambda *extra: self.hrss_cmd(warehouse, "build", *self.hrss_limit, *extra)  # noqa: E731
        print("build: every model in full, then after each new month of contributions", flush=True)
        pending = iter(months)
        loads = []

        def full():
            return self.run(build("--full-refresh"), "hrss-build-full")

        def incremental():
            period, path = next(pending)
            load = self.run(self.hrss_cmd(warehouse, "ingest", "contributions", "--input", path), f"hrss-ingest-{period}")
            loads.append({"period": period, **load})
            r = self.run(build(), f"hrss-build-after-{period}")
            r["after_loading"] = period
            return r

        runs = self.interleave([("full", "hrss build --full-refresh", full), ("incremental", "hrss build after one new month", incremental)])
        result = {"full": summarise(runs["full"]), "incremental": summarise(runs["incremental"]), "month_loads": loads}
        result["incremental_share"] = result["incremental"]["wall_s"] / result["full"]["wall_s"]
        result["slowest_models"] = {
            "full": slowest_models(runs["full"][-1]["log"]),
            "incremental": slowest_models(runs["incremental"][-1]["log"]),
        }
        return result

    def step_report(self):
        demo_input = Path(self.args.demo_input).resolve()
        if not demo_input.is_dir():
            raise StepFailed(f"{demo_input} is missing: generate it with bench/run.sh")
        folder = self.work_root / "demo"
        warehouse, out = folder / "warehouse", folder / "reports"
        shutil.rmtree(warehouse, ignore_errors=True)
        print(f"report: demo warehouse from {demo_input} (ingest and build, not timed) ...", flush=True)
        self.run(self.hrss_cmd(warehouse, "ingest", "--input", demo_input), "prepare-demo-ingest")
        self.run(self.hrss_cmd(warehouse, "build"), "prepare-demo-build")

        def report():
            shutil.rmtree(out, ignore_errors=True)
            return self.run(self.hrss_cmd(warehouse, "report", "--out", out), "hrss-report")

        runs = self.interleave([("hrss", "hrss report (every dashboard)", report)])
        result = {"hrss": summarise(runs["hrss"])}
        result["outputs"] = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file() and p.parent == out)
        return result


def slowest_models(log, count=5):
    """The models that took longest, from a `hrss build` summary: [(model, seconds, how)]."""
    models = []
    with open(log, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4 or "." not in parts[0] or parts[0].endswith("."):
                continue
            seconds = next((i for i, p in enumerate(parts) if re.fullmatch(r"\d+(\.\d+)?s", p)), None)
            if seconds is None:
                continue
            how = " ".join(parts[seconds + 3:]) if len(parts) > seconds + 3 else ""
            models.append({"model": parts[0], "status": parts[1], "seconds": float(parts[seconds][:-1]), "how": how})
    return sorted(models, key=lambda m: -m["seconds"])[:count]


# --- results ----------------------------------------------------------------------------------------------------

def git(*args):
    try:
        return subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine():
    model = None
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "cpu": model,
        "os": platform.platform(),
    }


def verdict(ok):
    return "met" if ok else "**MISSED**"


def fmt_s(x):
    return f"{x:.2f} s" if x < 100 else f"{x:.0f} s"


def table_rows(memory_limit, results):
    """The summary table: (step, hrss wall, CPU, RSS, DuckDB wall, CPU, RSS, ratio, target, verdict)."""
    limit_mb = parse_bytes(memory_limit) / 2**20 if memory_limit else None

    def within(mb):
        return f"RSS within {memory_limit}: {verdict(mb <= limit_mb)}" if limit_mb else ""

    rows = []

    def add(step, h, d=None, ratio="", target="", result=""):
        cells = [step, fmt_s(h["wall_s"]), fmt_s(h["cpu_s"]), f"{h['peak_rss_mb']:.0f} MB"]
        cells += [fmt_s(d["wall_s"]), fmt_s(d["cpu_s"]), f"{d['peak_rss_mb']:.0f} MB"] if d else ["", "", ""]
        rows.append(cells + [ratio, target, "; ".join(x for x in (result, within(h["peak_rss_mb"])) if x)])

    if "ingest" in results:
        r = results["ingest"]
        add("ingest contributions (UTF-8)", r["hrss"], r["duckdb"], f"{r['ratio']:.2f}x",
            f"<= {INGEST_RATIO_TARGET}x, <= {INGEST_RSS_TARGET_MB} MB",
            f"time {verdict(r['ratio'] <= INGEST_RATIO_TARGET)}; RSS {verdict(r['hrss']['peak_rss_mb'] <= INGEST_RSS_TARGET_MB)}")
        add("ingest contributions (GB18030, once)", r["hrss_gb18030"], target=f"<= {INGEST_RSS_TARGET_MB} MB",
            result=f"RSS {verdict(r['hrss_gb18030']['peak_rss_mb'] <= INGEST_RSS_TARGET_MB)}")
    if "queries" in results:
        for stem, q in results["queries"]["queries"].items():
            target = q["target_ratio"]
            add(f"{stem.split('_')[0]} {q['what']}", q["hrss"], q["duckdb"], f"{q['ratio']:.2f}x",
                f"<= {target:.1f}x" if target else "(start-up)", verdict(q["ratio"] <= target) if target else "")
    if "build" in results:
        r = results["build"]
        add("build --full-refresh", r["full"])
        add("build after one new month", r["incremental"], ratio=f"{100 * r['incremental_share']:.1f}% of full",
            target=f"<= {100 * INCREMENTAL_SHARE_TARGET:.0f}% of full", result=verdict(r["incremental_share"] <= INCREMENTAL_SHARE_TARGET))
    if "report" in results:
        r = results["report"]
        add("report (every dashboard, demo warehouse)", r["hrss"], target=f"< {REPORT_WALL_TARGET_S:.0f} s",
            result=verdict(r["hrss"]["wall_s"] < REPORT_WALL_TARGET_S))
    return rows


def per_row(results, rows):
    """Cost per row for ingest and queries: µs of wall and CPU time and bytes of peak RSS per row read."""
    out = []

    def add(step, tool, run, n):
        out.append({"step": step, "tool": tool, "rows": n, "wall_s": run["wall_s"], "peak_rss_mb": run["peak_rss_mb"],
                    "wall_us_per_row": run["wall_s"] * 1e6 / n, "cpu_us_per_row": run["cpu_s"] * 1e6 / n,
                    "rss_bytes_per_row": run["peak_rss_mb"] * 2**20 / n})

    if "ingest" in results:
        r = results["ingest"]
        add("ingest", "hrss", r["hrss"], rows)
        add("ingest", "duckdb", r["duckdb"], rows)
        add("ingest (GB18030)", "hrss", r["hrss_gb18030"], rows)
    if "queries" in results:
        n = results["queries"]["table_rows"]
        for stem, q in results["queries"]["queries"].items():
            add(stem, "hrss", q["hrss"], n)
            add(stem, "duckdb", q["duckdb"], n)
    return out


def markdown(meta, table, per_row_list, results, failures):
    m = meta
    lines = [
        f"# hrss beside DuckDB: {m['rows']:,} contribution rows",
        "",
        f"{m['date']} · {m['machine']['cores']} cores, {m['machine']['memory_gib']:.0f} GiB ({m['machine']['cpu'] or 'unknown CPU'})"
        f" · hrss {m['hrss']['commit'] or '?'}{' (uncommitted changes in the tree)' if m['hrss']['dirty'] else ''}"
        f", binary {m['hrss']['binary']}{' (HRSS_BIN, not built from this tree)' if m['hrss']['from_env'] else ''}"
        f"{', project ' + m['hrss']['project'] if m['hrss']['project'] != str(ROOT) else ''}"
        f" · DuckDB {m['duckdb_version']} · median of {m['rounds']} interleaved round(s) after a warm-up; peak RSS is the largest"
        + (f" · --memory-limit {m['memory_limit']} (hrss sql, hrss build and DuckDB)" if m["memory_limit"] else ""),
        "",
        "| step | hrss wall | hrss CPU | hrss peak RSS | DuckDB wall | DuckDB CPU | DuckDB peak RSS | hrss / DuckDB | target | result |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in table]
    for step, message in failures.items():
        lines.append(f"| {step} | FAILED | | | | | | | | see below |")
    if per_row_list:
        lines += ["", "Cost per row (rows: the CSV's for ingest, staging.contributions' for the queries):", "",
                  "| step | tool | rows | wall µs/row | CPU µs/row | peak RSS bytes/row |", "|---|---|---:|---:|---:|---:|"]
        for p in per_row_list:
            lines.append(f"| {p['step']} | {p['tool']} | {p['rows']:,} | {p['wall_us_per_row']:.3f} | {p['cpu_us_per_row']:.3f} | {p['rss_bytes_per_row']:.1f} |")
    notes = []
    if "ingest" in results:
        r = results["ingest"]
        notes.append(f"Ingest input: {r['input_mb']['utf8']:,.0f} MB UTF-8 ({r['input_mb']['gb18030']:,.0f} MB GB18030); output: hrss "
                     f"{r['hrss']['output_mb']:,.1f} MB of Delta table (validated, pseudonymized), DuckDB {r['duckdb']['output_mb']:,.1f} MB of Parquet (as read).")
    if "queries" in results:
        q = results["queries"]
        notes.append(f"Queries read {q['table_rows']:,} rows of staging.contributions ({q['parquet_files']} Parquet file(s)); both engines "
                     "run as whole processes (start-up included: see q0) and returned equal results on every query.")
        for stem, r in q["queries"].items():
            if r["all_null_columns"]:
                notes.append(f"{stem}: column(s) {', '.join(r['all_null_columns'])} NULL in every row of both results.")
    prepared = results.get("prepare", {})
    if "ingest_all" in prepared:
        p = prepared["ingest_all"]
        built = (f"; every model built for the build step in {fmt_s(prepared['first_build']['wall_s'])} "
                 f"({prepared['first_build']['peak_rss_mb']:.0f} MB)" if "first_build" in prepared else "")
        notes.append(f"Warehouse (not timed): every source ingested in {fmt_s(p['wall_s'])} ({p['peak_rss_mb']:.0f} MB){built}.")
    if "build" in results:
        b = results["build"]
        notes.append("New months for the incremental builds: December's contributions loaded again as "
                     + ", ".join(l["period"] for l in b["month_loads"]) + f" (the first in the warm-up).")
        for kind in ("full", "incremental"):
            models = "; ".join(f"{x['model']} {x['seconds']:.2f} s ({x['how']})" for x in b["slowest_models"][kind])
            notes.append(f"Slowest models, last {kind} build: {models}")
    if "report" in results:
        notes.append("Reports written: " + ", ".join(results["report"]["outputs"]))
    if meta.get("rss_floor_mb"):
        notes.append(f"Peak RSS below {meta['rss_floor_mb']:.0f} MB is not measured: a child process's ru_maxrss starts at its "
                     "parent's (this harness's) peak.")
    lines += ["", *[f"- {n}" for n in notes]]
    if failures:
        lines += ["", "## Failed", ""]
        for step, message in failures.items():
            lines += [f"{step}:", "", "```", message, "```", ""]
    return "\n".join(lines) + "\n"


def print_table(table, failures):
    header = ["step", "hrss wall", "CPU", "peak RSS", "DuckDB wall", "CPU", "peak RSS", "hrss/DuckDB", "target", "result"]
    rows = [header] + table + [[step, "FAILED"] + [""] * 8 for step in failures]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for n, row in enumerate(rows):
        print("  ".join(c.ljust(w) if i in (0, 8, 9) else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--render":
        # A saved run's markdown again, from its JSON (after a change to the table's layout).
        return write_markdown(sys.argv[2])
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hrss", required=True, help="the hrss binary")
    parser.add_argument("--project", default=str(ROOT), help="the project folder (pipelines/, sql/, dashboards/)")
    parser.add_argument("--data", required=True, help="generated input: DATA/input/ holds every source, contributions at --rows")
    parser.add_argument("--demo-input", help="the demo-scale input for the report step")
    parser.add_argument("--work", default=str(ROOT / "target" / "bench"), help="scratch folder")
    parser.add_argument("--results", default=str(BENCH / "results"))
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", default=",".join(STEPS))
    parser.add_argument("--memory-limit", type=lambda s: (parse_bytes(s), s)[1], help="e.g. 2g: hrss sql and build --memory-limit, DuckDB's memory_limit, and the RSS bound every hrss step is checked against")
    args = parser.parse_args()
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEPS]
    if unknown or not steps:
        parser.error(f"unknown step(s) {', '.join(unknown) or '(none given)'}; choose from {', '.join(STEPS)}")
    if "report" in steps and not args.demo_input:
        parser.error("the report step needs --demo-input")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.rounds < 3:
        print(f"note: {args.rounds} round(s); use 3 or more for results worth comparing", flush=True)

    try:
        duckdb_version = importlib.metadata.version("duckdb")
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"DuckDB is not installed for {sys.executable}: run bench/run.sh, which installs it into bench/.venv")
    bench = Bench(args)
    meta = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "hrss": {
            "commit": git("rev-parse", "--short", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "binary": bench.hrss,
            "from_env": bool(os.environ.get("HRSS_BIN")),
            "project": bench.project,
        },
        "duckdb_version": duckdb_version,
        "rows": args.rows,
        "rounds": args.rounds,
        "steps": steps,
        "memory_limit": args.memory_limit,
    }
    print(f"hrss {meta['hrss']['commit']} ({bench.hrss}) beside DuckDB {meta['duckdb_version']}; {args.rows:,} rows, "
          f"{args.rounds} round(s); steps: {', '.join(steps)}; scratch: {bench.work}", flush=True)
    started = time.perf_counter()
    for step in STEPS:
        if step not in steps:
            continue
        try:
            bench.results[step] = getattr(bench, f"step_{step}")()
        except StepFailed as e:
            bench.failures[step] = str(e)
            print(f"\nFAILED: {step}\n{e}\n", file=sys.stderr, flush=True)
    meta["seconds"] = round(time.perf_counter() - started, 1)
    # A child's ru_maxrss counts from its parent's peak RSS (the kernel carries it across fork and exec), so this
    # process stays small (no DuckDB import, files streamed) and says how small.
    meta["rss_floor_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    report = {**meta, "results": bench.results, "per_row": per_row(bench.results, args.rows), "failures": bench.failures}
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    json_path = results / f"bench-{args.rows}.json"
    json_path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return write_markdown(json_path)


def write_markdown(json_path):
    """Writes bench-N.md beside a run's bench-N.json and prints its table (also `bench.py --render`)."""
    report = json.loads(Path(json_path).read_text(encoding="utf-8"))
    meta = {k: v for k, v in report.items() if k not in ("results", "per_row", "failures")}
    results, failures = report["results"], report["failures"]
    table = table_rows(meta["memory_limit"], results)
    md_path = Path(json_path).with_suffix(".md")
    md_path.write_text(markdown(meta, table, report["per_row"], results, failures), encoding="utf-8")
    print()
    print_table(table, failures)
    print(f"\n{md_path.relative_to(ROOT) if md_path.is_relative_to(ROOT) else md_path} and .json written in {meta['seconds']:.0f} s")
    if failures:
        print(f"FAILED: {', '.join(failures)} (messages above and in {md_path.name})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
