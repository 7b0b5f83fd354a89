"""Sanity of the ``auto`` paths' widths and tails on short histories of log white noise.

Log-level white noise (sd 0.8, like a small, erratic trade flow) of 12, 18 and 25 years, ten
seeds each (10-19); ``simulate_paths(model="auto", transform="log")``, 2,000 paths, ten years
ahead. Per history length, over the seeds: the median 80 % half-width of the paths ten years
ahead (log units), the largest mean/median and 99.9 % quantile/median ratios, and the share
of seeds whose mean lies inside its own 80 % band. Beside it, the true 80 % half-width of
the combination's own error ten years ahead, from 300 simulated 18-year histories (its three
members' point forecasts averaged against the realised noise).

Used for the calibration plan of :mod:`forecasting.timeseries.conformal` (its module notes
quote these numbers, for the former plan as well:
``git archive 56321e3 forecasting | tar -x -C /tmp/former &&
PYTHONPATH=/tmp/former .venv/bin/python benchmarks/noise_tails.py``).

Run:  .venv/bin/python benchmarks/noise_tails.py
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from forecasting.timeseries import forecast, simulate_paths

SD, HORIZON, SEEDS, LENGTHS = 0.8, 10, range(10, 20), (12, 18, 25)
MEMBERS = ["Naive", "Theta", "DynamicOptimizedTheta"]


def noise(years: int, seed: int, start: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {"k": "a", "period": range(start - years, start), "value": np.exp(17 + rng.normal(0, SD, years))}
    )


def tails() -> pd.DataFrame:
    rows = []
    for years in LENGTHS:
        for seed in SEEDS:
            paths = simulate_paths(noise(years, seed), keys=["k"], model="auto", horizon=HORIZON, n_paths=2000,
                                   seed=3, transform="log")  # fmt: skip
            last = paths[paths["period"].dt.year == 2025 + HORIZON]["value"].to_numpy()
            low, median, high, far = np.quantile(last, [0.1, 0.5, 0.9, 0.999])
            rows.append(
                (
                    years,
                    np.log(high / low) / 2,
                    last.mean() / median,
                    far / median,
                    low <= last.mean() <= high,
                )
            )
    table = pd.DataFrame(rows, columns=["years", "half80", "mean_median", "far_median", "inside"])
    return table.groupby("years").agg(
        half80=("half80", "median"), mean_median_max=("mean_median", "max"), far_median_max=("far_median", "max"),
        mean_inside_80=("inside", "mean"),
    )  # fmt: skip


def true_half_width(years: int = 18, n: int = 300) -> float:
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"k": f"s{i}", "period": range(2000, 2000 + years + HORIZON),
                            "value": rng.normal(0, SD, years + HORIZON)}) for i in range(n)]  # fmt: skip
    data = pd.concat(frames)
    points = forecast(
        data[data["period"] < 2000 + years], keys=["k"], models=MEMBERS, horizon=HORIZON, level=80
    )
    combined = points.groupby(["k", "period"])["mean"].mean().reset_index()
    combined["period"] = pd.to_datetime(combined["period"]).dt.year
    last = combined[combined["period"] == 2000 + years + HORIZON - 1].merge(data, on=["k", "period"])
    return float(np.quantile(np.abs(last["value"] - last["mean"]), 0.8))


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table, truth = tails(), true_half_width()
    print(f"80 % half-width of the combination's error {HORIZON} years ahead (18 years, true): {truth:.2f}")
    print(table.round(2).to_string())


if __name__ == "__main__":
    main()
