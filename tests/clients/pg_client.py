"""psycopg against `hrss serve`: what the end-to-end tests ask of a Python analyst's client.

  pg_client.py PORT USER PASSWORD query SQL          -> the result as CSV (header, then rows)
  pg_client.py PORT USER PASSWORD concurrent N M     -> N clients x M queries at once; JSON summary
  pg_client.py PORT USER PASSWORD parameters         -> a parameterized query (extended protocol)
  pg_client.py PORT USER PASSWORD navigator S T      -> schemas, tables of S, columns of S.T, as a GUI browses them

The password comes from the command line because the tests start their own throwaway server.
"""
import csv
import decimal
import json
import sys
import threading

import psycopg


def connect(port, user, password):
    return psycopg.connect(host="127.0.0.1", port=port, user=user, password=password, dbname="hrss", connect_timeout=10)


def text(value):
    """Values written as `hrss sql --format csv` writes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def query(port, user, password, sql):
    with connect(port, user, password) as conn:
        cur = conn.execute(sql)
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow([c.name for c in cur.description])
        for row in cur.fetchall():
            out.writerow([text(v) for v in row])


# Each query with the answer a single client got first; every concurrent answer must equal it.
CONCURRENT_QUERIES = [
    "SELECT count(*) FROM marts.fund_monthly",
    "SELECT fund, max(period) FROM marts.fund_monthly GROUP BY fund ORDER BY fund",
    "SELECT district_code, count(*) FROM marts.employment WHERE period_type = 'year' GROUP BY 1 ORDER BY 1",
    "SELECT sum(balance_end) FROM marts.fund_monthly WHERE period = '2025-12'",
]


def concurrent(port, user, password, clients, per_client):
    with connect(port, user, password) as conn:
        expected = [conn.execute(q).fetchall() for q in CONCURRENT_QUERIES]
    ok = [0] * clients
    errors = []

    def client(index):
        try:
            with connect(port, user, password) as conn:
                for i in range(per_client):
                    k = (index + i) % len(CONCURRENT_QUERIES)
                    rows = conn.execute(CONCURRENT_QUERIES[k]).fetchall()
                    if rows != expected[k]:
                        errors.append(f"client {index} query {i}: {rows!r} != {expected[k]!r}")
                    else:
                        ok[index] += 1
        except Exception as e:  # reported, not raised: the summary counts every failure
            errors.append(f"client {index}: {e}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"succeeded": sum(ok), "errors": errors[:10], "error_count": len(errors)}))


def navigator(port, user, password, schema, table):
    """Browse as a database navigator such as DBeaver's does, through the extended protocol: the
    schemas, the tables of one schema, the columns of one table, each joined to pg_description."""
    with connect(port, user, password) as conn:
        conn.execute("SET extra_float_digits = 3")
        conn.execute("SET application_name = 'hrss navigator test'")
        schemas = conn.execute(
            "SELECT n.oid, n.nspname, d.description FROM pg_catalog.pg_namespace n "
            "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = n.oid AND d.objsubid = 0 "
            "ORDER BY n.nspname"
        ).fetchall()
        oid = next(row[0] for row in schemas if row[1] == schema)
        tables = conn.execute(
            "SELECT c.oid, c.relname, c.relkind, d.description FROM pg_catalog.pg_class c "
            "LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid = c.oid AND d.objsubid = 0 "
            "WHERE c.relnamespace = %s AND c.relkind NOT IN ('i', 'I', 'c') ORDER BY c.relname",
            (oid,),
        ).fetchall()
        table_oid = next(row[0] for row in tables if row[1] == table)
        columns = conn.execute(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, dsc.description "
            "FROM pg_catalog.pg_attribute a INNER JOIN pg_catalog.pg_class c ON a.attrelid = c.oid "
            "LEFT OUTER JOIN pg_catalog.pg_description dsc ON c.oid = dsc.objoid AND a.attnum = dsc.objsubid "
            "WHERE NOT a.attisdropped AND a.attnum > 0 AND c.oid = %s ORDER BY a.attnum",
            (table_oid,),
        ).fetchall()
        print(json.dumps({
            "schemas": [row[1] for row in schemas],
            "tables": [row[1] for row in tables],
            "table_comment": next(row[3] for row in tables if row[1] == table),
            "columns": [list(row) for row in columns],
        }, ensure_ascii=False))


def parameters(port, user, password):
    with connect(port, user, password) as conn:
        rows = conn.execute(
            "SELECT fund, period FROM marts.fund_monthly WHERE fund = %s AND period >= %s ORDER BY period LIMIT 2",
            ("unemployment", "2025-11"),
        ).fetchall()
        print(json.dumps(rows))


if __name__ == "__main__":
    port, user, password, command = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    if command == "query":
        query(port, user, password, sys.argv[5])
    elif command == "concurrent":
        concurrent(port, user, password, int(sys.argv[5]), int(sys.argv[6]))
    elif command == "navigator":
        navigator(port, user, password, sys.argv[5], sys.argv[6])
    elif command == "parameters":
        parameters(port, user, password)
    else:
        sys.exit(f"unknown command {command}")
