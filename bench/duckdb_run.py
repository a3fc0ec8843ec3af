"""The DuckDB side of bench/bench.py, run as a child process of its own so that its wall time, CPU time and peak
RSS (from wait4) are DuckDB's alone, start-up included, as they are for the `hrss` process it is compared with.

    duckdb_run.py ingest CSV PARQUET
        COPY (SELECT * FROM read_csv(CSV)) TO PARQUET (FORMAT parquet, COMPRESSION zstd)
    duckdb_run.py query SQL_FILE OUT_CSV --table NAME=DELTA_TABLE_DIR ... [--memory-limit BYTES]
        runs SQL_FILE, where each {NAME} stands for read_parquet([...]) of the table's active Parquet files,
        and writes the result as CSV with a header to OUT_CSV
    duckdb_run.py files DELTA_TABLE_DIR
        prints the table's active files, partition columns and row count (from the Delta log) as JSON

DuckDB has no Delta reader without its `delta` extension (downloaded at run time, not available offline), so
`active_files` replays the table's Delta log here, in this process: the files of the latest checkpoint (read with
DuckDB), then every later JSON commit's add and remove actions, in order.
"""

import argparse
import json
import os
import re
import sys
import urllib.parse

COMMIT = re.compile(r"^(\d{20})\.json$")
CHECKPOINT = re.compile(r"^(\d{20})\.checkpoint(\.\d+\.\d+)?\.parquet$")


def _data_path(table_dir, path):
    """A Delta add/remove path (URL-encoded, relative to the table or an absolute URL) as a local path."""
    path = urllib.parse.unquote(path)
    if path.startswith("file://"):
        return path[len("file://"):]
    if "://" in path:
        raise SystemExit(f"{table_dir}: data file {path} is not on the local file system")
    return path if os.path.isabs(path) else os.path.join(table_dir, path)


def active_files(table_dir, con=None):
    """The Parquet files of a local Delta table's latest version, its partition columns, and its row count from
    the files' statistics (None when a file has none)."""
    log = os.path.join(table_dir, "_delta_log")
    if not os.path.isdir(log):
        raise SystemExit(f"{table_dir} is not a Delta table (no _delta_log)")
    names = os.listdir(log)
    checkpoints = {}
    for name in names:
        m = CHECKPOINT.match(name)
        if m:
            checkpoints.setdefault(int(m.group(1)), []).append(os.path.join(log, name))
    commits = sorted((int(m.group(1)), name) for name in names if (m := COMMIT.match(name)))

    files = {}
    partition_columns = []
    since = -1
    if checkpoints:
        since = max(checkpoints)
        if con is None:
            import duckdb
            con = duckdb.connect()
        parts = sorted(checkpoints[since])
        for (add,) in con.execute('SELECT "add" FROM read_parquet(?, union_by_name = true) WHERE "add" IS NOT NULL', [parts]).fetchall():
            files[add["path"]] = add
        for (meta,) in con.execute('SELECT "metaData" FROM read_parquet(?, union_by_name = true) WHERE "metaData" IS NOT NULL', [parts]).fetchall():
            partition_columns = list(meta.get("partitionColumns") or [])
    for version, name in commits:
        if version <= since:
            continue
        with open(os.path.join(log, name), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                action = json.loads(line)
                if "add" in action:
                    files[action["add"]["path"]] = action["add"]
                elif "remove" in action:
                    files.pop(action["remove"]["path"], None)
                elif "metaData" in action:
                    partition_columns = list(action["metaData"].get("partitionColumns") or [])
    if since < 0 and not commits:
        raise SystemExit(f"{table_dir}: empty Delta log")
    for add in files.values():
        if add.get("deletionVector"):
            raise SystemExit(f"{table_dir}: {add['path']} has a deletion vector, which this reader does not apply")
    rows = 0
    for add in files.values():
        stats = json.loads(add["stats"]) if add.get("stats") else {}
        if "numRecords" not in stats:
            rows = None
            break
        rows += stats["numRecords"]
    return sorted(_data_path(table_dir, p) for p in files), partition_columns, rows


def read_parquet_sql(table_dir, con=None):
    """`read_parquet([...])` over the active files of the Delta table at table_dir."""
    paths, partition_columns, _ = active_files(table_dir, con)
    if not paths:
        raise SystemExit(f"{table_dir}: the table has no data files")
    listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    # Delta keeps partition values in the paths (col=value/), not in the files.
    hive = ", hive_partitioning = true" if partition_columns else ""
    return f"read_parquet([{listed}]{hive})"


def substitute(sql, tables, con=None):
    """Replaces each {name} in sql by read_parquet([...]) of that table; an unknown {name} is an error."""
    def table(match):
        name = match.group(1)
        if name not in tables:
            raise SystemExit(f"the query names {{{name}}} but no --table {name}=DIR was given")
        return read_parquet_sql(tables[name], con)
    return re.sub(r"\{(\w+)\}", table, sql)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    ingest = sub.add_parser("ingest")
    ingest.add_argument("csv")
    ingest.add_argument("parquet")
    query = sub.add_parser("query")
    query.add_argument("sql_file")
    query.add_argument("out_csv")
    query.add_argument("--table", action="append", default=[], metavar="NAME=DIR")
    query.add_argument("--memory-limit", type=int, metavar="BYTES")
    files = sub.add_parser("files")
    files.add_argument("table_dir")
    args = parser.parse_args()
    if args.command == "files":
        paths, partition_columns, rows = active_files(args.table_dir)
        print(json.dumps({"files": paths, "partition_columns": partition_columns, "rows": rows}))
        return

    import duckdb
    con = duckdb.connect()
    if args.command == "ingest":
        csv, out = (p.replace("'", "''") for p in (args.csv, args.parquet))
        con.execute(f"COPY (SELECT * FROM read_csv('{csv}')) TO '{out}' (FORMAT parquet, COMPRESSION zstd)")
        return
    if args.memory_limit:
        con.execute(f"SET memory_limit = '{max(1, args.memory_limit // 2**20)}MiB'")
    tables = dict(t.split("=", 1) for t in args.table)
    with open(args.sql_file, encoding="utf-8") as f:
        sql = substitute(f.read(), tables, con).strip().rstrip(";")
    out = args.out_csv.replace("'", "''")
    con.execute(f"COPY (\n{sql}\n) TO '{out}' (FORMAT csv, HEADER)")


if __name__ == "__main__":
    sys.exit(main())
