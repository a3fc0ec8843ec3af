"""Runs hrss ingest and DuckDB's CSV -> Parquet COPY alternately on one file; prints medians and ratios.

Each run is a separate process so its peak RSS (ru_maxrss from wait4) is its own. Results go to
<work>/ingest-results.json and <work>/ingest-results.md.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

DUCKDB_SCRIPT = """
import sys, duckdb
csv, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
"""


def measure(cmd, env=None):
    """Wall seconds, CPU seconds and peak RSS (MB) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stderr = proc.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[0]} failed:\n{stderr}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True, help="UTF-8 file both tools read")
    parser.add_argument("--gb18030-csv", help="the same rows as the department sends them, for one more hrss run")
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()

    hrss = os.path.abspath("target/release/hrss")
    env = dict(os.environ, HRSS_PSEUDONYM_KEY="bench-key-0123456789abcdef0123456789abcdef")
    warehouse = os.path.join(args.work, "warehouse")
    parquet = os.path.join(args.work, "duckdb.parquet")

    def run_hrss(csv=args.csv):
        shutil.rmtree(warehouse, ignore_errors=True)
        return measure([hrss, "--warehouse", warehouse, "ingest", "contributions", "--input", csv], env)

    def run_duckdb():
        if os.path.exists(parquet):
            os.remove(parquet)
        return measure([sys.executable, "-c", DUCKDB_SCRIPT, args.csv, parquet])

    print(f"warm-up on {args.rows:,} rows ({os.path.getsize(args.csv) / 1e6:.0f} MB) ...", flush=True)
    run_hrss()
    run_duckdb()
    results = {"hrss": [], "duckdb": []}
    for round_no in range(1, args.rounds + 1):
        for name, run in (("hrss", run_hrss), ("duckdb", run_duckdb)):
            r = run()
            results[name].append(r)
            print(f"round {round_no} {name:<7} {r['wall_s']:7.2f} s wall {r['cpu_s']:7.2f} s CPU {r['peak_rss_mb']:7.0f} MB peak RSS", flush=True)

    gb18030 = None
    if args.gb18030_csv:
        gb18030 = run_hrss(args.gb18030_csv)
        print(f"hrss on the GB18030 original: {gb18030['wall_s']:.2f} s wall, {gb18030['peak_rss_mb']:.0f} MB peak RSS", flush=True)

    summary = {}
    for name, runs in results.items():
        summary[name] = {key: statistics.median(r[key] for r in runs) for key in ("wall_s", "cpu_s", "peak_rss_mb")}
    ratio = summary["hrss"]["wall_s"] / summary["duckdb"]["wall_s"]
    report = {"rows": args.rows, "rounds": args.rounds, "runs": results, "median": summary, "time_ratio_hrss_to_duckdb": ratio, "hrss_gb18030": gb18030}
    with open(os.path.join(args.work, "ingest-results.json"), "w") as f:
        json.dump(report, f, indent=1)
    lines = [
        f"Ingest of {args.rows:,} contribution rows (median of {args.rounds} interleaved rounds)",
        "",
        "| tool | wall s | CPU s | peak RSS MB |",
        "|---|---:|---:|---:|",
    ]
    for name in ("hrss", "duckdb"):
        m = summary[name]
        lines.append(f"| {name} | {m['wall_s']:.2f} | {m['cpu_s']:.2f} | {m['peak_rss_mb']:.0f} |")
    lines += ["", f"hrss / DuckDB time ratio: {ratio:.2f}x (target <= 0.6x; peak RSS target <= 250 MB)"]
    if gb18030:
        lines.append(f"hrss on the GB18030 original: {gb18030['wall_s']:.2f} s, {gb18030['peak_rss_mb']:.0f} MB peak RSS")
    with open(os.path.join(args.work, "ingest-results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
