"""Sets the per-row costs of several bench/run.sh results side by side, to show whether cost grows linearly.

    python3 bench/scale.py [bench/results/bench-*.json ...]      default: every bench-*.json in bench/results

Prints a Markdown table and writes it to bench/results/scale.md: per step and tool, µs of wall time per row and
bytes of peak RSS per row at each scale. Constant µs/row across scales is linear time; bytes/row that fall as
rows grow is memory bounded by something other than the data (streaming).
"""

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def scale_label(rows):
    for unit, name in ((1_000_000, "M"), (1_000, "k")):
        if rows >= unit and rows % (unit // 10) == 0:
            return f"{rows / unit:g}{name}"
    return f"{rows:,}"


def main(argv):
    paths = [Path(p) for p in argv] or sorted((BENCH / "results").glob("bench-*.json"))
    runs = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            runs.append(json.load(f))
    if not runs:
        sys.exit("no bench-*.json results: run bench/run.sh first")
    runs.sort(key=lambda r: r["rows"])
    scales = [scale_label(r["rows"]) for r in runs]

    keys = []
    costs = {}
    for i, run in enumerate(runs):
        for p in run.get("per_row", []):
            key = (p["step"], p["tool"])
            if key not in costs:
                keys.append(key)
                costs[key] = {}
            costs[key][i] = p

    lines = [
        "# Cost per row across scales",
        "",
        "From " + "; ".join(
            f"{scale_label(r['rows'])}: {r['date'][:10]}, hrss {r['hrss']['commit']}, DuckDB {r['duckdb_version']}, "
            f"{r['machine']['cores']} cores, {r['rounds']} round(s){', FAILED: ' + ', '.join(r['failures']) if r.get('failures') else ''}"
            for r in runs) + ".",
        "",
        "Wall µs per row (rows: the CSV's for ingest, staging.contributions' for the queries); the last column is the largest "
        "scale's figure over the smallest's (1.0: linear; below 1: fixed costs amortised).",
        "",
        "| step | tool | " + " | ".join(f"{s} µs/row" for s in scales) + " | growth | " + " | ".join(f"{s} RSS B/row" for s in scales) + " |",
        "|---|---|" + "---:|" * (2 * len(scales) + 1),
    ]
    for key in keys:
        by_scale = costs[key]
        wall = [f"{by_scale[i]['wall_us_per_row']:.3f}" if i in by_scale else "" for i in range(len(runs))]
        rss = [f"{by_scale[i]['rss_bytes_per_row']:.1f}" if i in by_scale else "" for i in range(len(runs))]
        present = sorted(by_scale)
        growth = ""
        if len(present) > 1:
            growth = f"{by_scale[present[-1]]['wall_us_per_row'] / by_scale[present[0]]['wall_us_per_row']:.2f}"
        lines.append(f"| {key[0]} | {key[1]} | " + " | ".join(wall) + f" | {growth} | " + " | ".join(rss) + " |")
    text = "\n".join(lines) + "\n"
    out = BENCH / "results" / "scale.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"\n{out} written")


if __name__ == "__main__":
    main(sys.argv[1:])
