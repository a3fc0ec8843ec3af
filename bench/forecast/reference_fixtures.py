"""Reference forecasts from statsforecast (Nixtla) for hrss-forecast's tests.

Writes crates/hrss-forecast/tests/fixtures/statsforecast.json: three small real series embedded with, for each
(series, method), statsforecast's point forecasts, 80% and 95% intervals and fitted parameters.

    bench/.venv/bin/pip install -r bench/forecast/requirements.txt
    bench/.venv/bin/python bench/forecast/reference_fixtures.py [--out PATH]

Deterministic: the same pinned versions give the same file (Theta's intervals are simulated by statsforecast
with a fixed seed, 200 paths). Everything is offline: the series ship inside the statsforecast and statsmodels
wheels.

Notes for readers of the JSON
- ETS `fitted.initial_states`: `l`, `b` (when there is a trend) and `s`, the m seasonal states before the first
  observation in R forecast::ets order: s[j] is the state at lag j+1, i.e. the factor of observation
  (m-1-j) mod m (0-based); s[m-1] is the one statsforecast derives from the others (sum to 0, or to m).
  `final_states` is the same layout after the last observation (the state forecasts start from).
- ARIMA coefficient names are statsforecast's: ar1.., ma1.., sar1.., sma1.., intercept, drift. With
  method="CSS" statsforecast reports no likelihood (aic/aicc/bic/loglik are null). statsforecast 2.1.1 does not
  run the Kalman filter over the data after a CSS fit (R's arimaSS), so its own CSS forecasts start from a zero
  state and are wrong; the "arima-css..." cases here apply that step to its CSS fit first (see css_filter_state).
- Theta is statsforecast's "standard theta method" (STM: theta=2, alpha and the initial level optimised) on
  the series seasonally adjusted by classical multiplicative decomposition when the 90% ACF test at lag m says
  it is seasonal (`fitted.decompose`).
"""

import argparse
import warnings
import json
import math
import os
import sys
from importlib.metadata import version

import numpy as np
import statsmodels.api as sm
from statsforecast.arima import arima_like, arima_string
from statsforecast.models import (
    ARIMA,
    AutoARIMA,
    AutoETS,
    Naive,
    RandomWalkWithDrift,
    SeasonalNaive,
    Theta,
)
from statsforecast.utils import AirPassengers

LEVELS = [80, 95]
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(ROOT, "crates", "hrss-forecast", "tests", "fixtures", "statsforecast.json")


def load_series():
    nile = sm.datasets.nile.load_pandas().data
    macro = sm.datasets.macrodata.load_pandas().data
    return {
        # Monthly international airline passengers (thousands), 1949-01 .. 1960-12.
        "air_passengers": {"season_length": 12, "horizon": 12, "values": np.asarray(AirPassengers, float)},
        # Annual flow of the Nile at Aswan (10^8 m^3), 1871 .. 1970.
        "nile": {"season_length": 1, "horizon": 6, "values": nile["volume"].to_numpy(float)},
        # US civilian unemployment rate (%), quarterly, 1959Q1 .. 2009Q3.
        "us_unemployment": {"season_length": 4, "horizon": 8, "values": macro["unemp"].to_numpy(float)},
    }


def num(x):
    """A JSON-safe float (None for NaN/inf/None)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def nums(xs):
    return [num(x) for x in np.asarray(xs, float).ravel()]


def ets_fitted(model_, m):
    comp = model_["components"]  # e.g. "MAMN": error, trend, season, damped (D/N)
    trend, season, damped = comp[1], comp[2], comp[3] == "D"
    par = np.asarray(model_["par"], float)
    out = {"method": model_["method"], "components": comp}
    for i, name in enumerate(["alpha", "beta", "gamma", "phi"]):
        if not math.isnan(par[i]):
            out[name] = num(par[i])

    def states(row):
        row = np.asarray(row, float)
        d = {"l": num(row[0])}
        j = 1
        if trend != "N":
            d["b"] = num(row[1])
            j = 2
        if season != "N":
            d["s"] = nums(row[j : j + m])
        return d

    out["initial_states"] = states(par[4:])
    out["final_states"] = states(model_["states"][-1])
    for key in ["sigma2", "loglik", "aic", "aicc", "bic", "mse", "amse"]:
        out[key] = num(model_.get(key))
    out["n_params"] = int(model_["n_params"])
    out["damped"] = damped
    error = comp[0]
    if season != "M":
        klass = "1" if error == "A" else "2"
    else:
        klass = "3" if error == "M" else None
    out["interval_method"] = (f"analytic variance, Hyndman et al. (2008) class {klass}" if klass
                              else "simulated by statsforecast: 5000 paths, seed 1")
    return out


def arima_fitted(model_):
    p, q, P, Q, m, d, D = (int(v) for v in model_["arma"])
    out = {
        "order": [p, d, q],
        "seasonal_order": [P, D, Q],
        "season_length": m,
        "string": arima_string(model_).strip(),
        "coef": {k: num(v) for k, v in model_["coef"].items()},
    }
    for key in ["sigma2", "loglik", "aic", "aicc", "bic"]:
        out[key] = num(model_.get(key))
    out["nobs"] = int(model_["nobs"])
    out["optim_code"] = int(model_["code"])
    return out


def arima_css_fitted(model):
    out = arima_fitted(model.model_)
    out["note"] = ("statsforecast 2.1.1 skips R's arimaSS after a CSS fit (its forecasts start from a zero state); "
                   "these forecasts are its CSS fit after that Kalman filter pass, as R's arima(method='CSS') does")
    return out


def theta_fitted(model_):
    par = model_["par"]
    level, mean_y, a_n, b_n, mu = (float(v) for v in model_["states"][-1])
    theta = float(par["theta"])
    out = {
        "model": model_["modeltype"],
        "alpha": num(par["alpha"]),
        "theta": num(theta),
        "initial_smoothed": num(par["initial_smoothed"]),
        "mse": num(model_["mse"]),
        # Final states: smoothed level, running mean, regression intercept A_n and slope B_n; the forecasts'
        # trend per step is (1 - 1/theta) * B_n = B_n / 2 (theta = 2) for long horizons.
        "final_level": num(level),
        "final_mean": num(mean_y),
        "final_A": num(a_n),
        "final_B": num(b_n),
        "drift": num((1 - 1 / theta) * b_n),
        "decompose": bool(model_.get("decompose", False)),
        "interval_method": "simulated by statsforecast: 200 paths, seed 0",
    }
    if out["decompose"]:
        out["decomposition_type"] = model_["decomposition_type"]
        out["seasonal_indices"] = nums(model_["seas_forecast"]["mean"])
    return out


def css_filter_state(model, y):
    """R's arimaSS step that statsforecast 2.1.1 skips after a method="CSS" fit.

    R's stats::arima, for method="CSS", builds the state-space model from the CSS coefficients and runs the
    Kalman filter over the series (arimaSS) so that forecasts start from the state at the end of the data.
    statsforecast's arima() builds the model but never filters, so its forecasts start from a zero state
    (0 for differenced models, the mean for stationary ones). Here the filter is run in place on its model.
    """
    fit = model.model_
    coef = fit["coef"]
    x = np.asarray(y, float).copy()
    x -= coef.get("intercept", 0.0)
    x -= coef.get("drift", 0.0) * np.arange(1, len(x) + 1, dtype=float)
    mod = fit["model"]
    for key in ["P", "Pn"]:
        assert mod[key].flags["C_CONTIGUOUS"]
    arima_like(x, mod["phi"], mod["theta"], mod["delta"], mod["a"], mod["P"], mod["Pn"], 0, False)


def run_case(name, series, method, call, model, fitted_fn):
    s = series[name]
    y, h = s["values"], s["horizon"]
    model = model.fit(y)
    if getattr(model, "method", None) == "CSS":
        css_filter_state(model, y)
    fc = model.predict(h=h, level=LEVELS)
    case = {"series": name, "method": method, "statsforecast": call, "point": nums(fc["mean"])}
    for lv in LEVELS:
        case[f"lo_{lv}"] = nums(fc[f"lo-{lv}"])
        case[f"hi_{lv}"] = nums(fc[f"hi-{lv}"])
    case["fitted"] = fitted_fn(model) if fitted_fn else {}
    return case


def ets_cases(name, m, positive):
    models = [("ets(A,N,N)", "ANN", False), ("ets(A,A,N)", "AAN", False), ("ets(A,Ad,N)", "AAN", True)]
    if positive:
        models += [("ets(M,N,N)", "MNN", False), ("ets(M,A,N)", "MAN", False)]
    if m > 1:
        models += [("ets(A,N,A)", "ANA", False), ("ets(A,A,A)", "AAA", False)]
        if positive:
            models += [("ets(M,N,M)", "MNM", False), ("ets(M,A,M)", "MAM", False), ("ets(M,Ad,M)", "MAM", True)]
    out = []
    for method, spec, damped in models:
        damped_arg = f", damped={damped}" if "A" == spec[1] else ""
        call = f'AutoETS(season_length={m}, model="{spec}"{damped_arg})'
        model = AutoETS(season_length=m, model=spec, damped=damped if spec[1] == "A" else None)
        out.append((name, method, call, model, lambda mod, m=m: ets_fitted(mod.model_, m)))
    return out


# Fixed-order ARIMA models: (series, our name stem, order, seasonal_order, include_mean, include_drift)
FIXED_ARIMA = [
    ("air_passengers", "(0,1,1)(0,1,1)[12]", (0, 1, 1), (0, 1, 1), False, False),
    ("nile", "(1,1,1)", (1, 1, 1), (0, 0, 0), False, False),
    ("nile", "(1,0,1) with mean", (1, 0, 1), (0, 0, 0), True, False),
    ("us_unemployment", "(2,0,0) with mean", (2, 0, 0), (0, 0, 0), True, False),
    ("us_unemployment", "(1,1,0) with drift", (1, 1, 0), (0, 0, 0), False, True),
    ("us_unemployment", "(1,0,0)(1,0,0)[4] with mean", (1, 0, 0), (1, 0, 0), True, False),
]


def all_cases(series):
    cases = []
    for name, s in series.items():
        m = s["season_length"]
        positive = bool(np.all(s["values"] > 0))
        cases.append((name, "naive", "Naive()", Naive(), None))
        cases.append((name, "drift", "RandomWalkWithDrift()", RandomWalkWithDrift(), None))
        if m > 1:
            cases.append((name, "snaive", f"SeasonalNaive(season_length={m})", SeasonalNaive(season_length=m), None))
        cases.append((name, "theta", f"Theta(season_length={m})", Theta(season_length=m),
                      lambda mod: theta_fitted(mod.model_)))
        cases.extend(ets_cases(name, m, positive))

        def autoets_fitted(mod, m=m):
            f = ets_fitted(mod.model_, m)
            f["chosen"] = mod.model_["method"]
            return f

        cases.append((name, "autoets", f"AutoETS(season_length={m})", AutoETS(season_length=m), autoets_fitted))

        def autoarima_fitted(mod):
            f = arima_fitted(mod.model_)
            f["chosen"] = f["string"]
            return f

        cases.append((name, "autoarima", f"AutoARIMA(season_length={m})", AutoARIMA(season_length=m),
                      autoarima_fitted))
        for sname, stem, order, sorder, mean, drift in FIXED_ARIMA:
            if sname != name:
                continue
            season = m if any(sorder) else 1
            for est, prefix in [("CSS-ML", "arima"), ("CSS", "arima-css")]:
                call = (f"ARIMA(order={order}, season_length={season}, seasonal_order={sorder}, "
                        f"include_mean={mean}, include_drift={drift}, method=\"{est}\")")
                model = ARIMA(order=order, season_length=season, seasonal_order=sorder, include_mean=mean,
                              include_drift=drift, method=est)
                cases.append((name, f"{prefix}{stem}", call, model, arima_css_fitted if est == "CSS" else
                              lambda mod: arima_fitted(mod.model_)))
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args()

    # statsforecast warns "possible convergence problem: minimize gave code 2" for several ARIMA fits; the code is
    # recorded in fitted.optim_code instead.
    warnings.filterwarnings("ignore", message="possible convergence problem")
    series = load_series()
    results = []
    for name, method, call, model, fitted_fn in all_cases(series):
        results.append(run_case(name, series, method, call, model, fitted_fn))

    doc = {
        "generated_by": (f"bench/forecast/reference_fixtures.py with statsforecast {version('statsforecast')}, "
                         f"statsmodels {version('statsmodels')}"),
        "series": {
            name: {"season_length": s["season_length"], "horizon": s["horizon"], "values": nums(s["values"])}
            for name, s in series.items()
        },
        "cases": results,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")

    print(doc["generated_by"])
    for name, s in series.items():
        print(f"  {name}: n={len(s['values'])} m={s['season_length']} h={s['horizon']}")
    print(f"{'series':<16} {'method':<40} {'point[0]':>12} {'point[h-1]':>12}  chosen")
    for c in results:
        chosen = c["fitted"].get("chosen", "")
        print(f"{c['series']:<16} {c['method']:<40} {c['point'][0]:>12.4f} {c['point'][-1]:>12.4f}  {chosen}")
    print(f"{len(results)} cases -> {os.path.relpath(args.out, ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
