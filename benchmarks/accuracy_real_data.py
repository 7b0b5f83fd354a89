"""Backtest accuracy of each model and of the automatic choice on real trade series.

Data (read from ../shared/data, never copied):
* TRADHIST (Fouquin & Hugot 2016) subset in ``tradhist_patentcity/``: annual exports of
  DEU, FRA, GBR and USA to their partners, 1950-2014, pairs with a complete positive
  record; every k-th such pair is taken (deterministic). Units are probably current GBP
  rather than the documented USD (PROVENANCE 4d); MASE and sMAPE are unit-free, so the
  unit does not affect this table.
* Kazakhstan's monthly total exports and imports (BNS, ``kz_bns_monthly_trade/``),
  2019-01 to 2026-05; 2026-06 is left out because PROVENANCE flags it as anomalous.

Each model is refitted at each rolling origin (``select`` re-runs its own backtest-based
choice inside each training window, so its score is out of sample too). ``auto`` is the
equal-weight combination of the four state-space models listed before it.

Run:  .venv/bin/python benchmarks/accuracy_real_data.py [--tradhist-series 40]
Writes benchmarks/results/accuracy_real_data.md
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import pandas as pd

from forecasting.timeseries import backtest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FORECASTING_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = REPO / "benchmarks" / "results" / "accuracy_real_data.md"
MEMBERS = ["AutoETS", "AutoTheta", "DynamicOptimizedTheta", "AutoCES"]
ANNUAL_MODELS = ["Naive", "RandomWalkWithDrift", *MEMBERS, "AutoARIMA", "auto", "select"]
MONTHLY_MODELS = ["Naive", "SeasonalNaive", "RandomWalkWithDrift", *MEMBERS, "AutoARIMA", "auto", "select"]


def load_tradhist(n_series: int) -> pd.DataFrame:
    raw = pd.read_csv(SHARED / "tradhist_patentcity" / "tradeflow_xx.csv", sep=";")
    raw.columns = [c.strip() for c in raw.columns]
    for column in ("origin_country_code", "destination_country_code"):
        raw[column] = raw[column].str.strip()
    recent = raw[raw["year"] >= 1950]
    stats = recent.groupby(["origin_country_code", "destination_country_code"]).agg(
        years=("year", "nunique"), smallest=("exports", "min")
    )
    complete = stats[(stats["years"] == 65) & (stats["smallest"] > 0)].index.sort_values()
    step = max(1, len(complete) // n_series)
    chosen = set(complete[::step][:n_series])
    keep = recent.set_index(["origin_country_code", "destination_country_code"]).index.isin(chosen)
    frame = recent[keep].rename(columns={"origin_country_code": "exporter", "destination_country_code": "importer",
                                         "year": "period", "exports": "value"})  # fmt: skip
    return frame[["exporter", "importer", "period", "value"]].reset_index(drop=True)


def load_kz_monthly() -> pd.DataFrame:
    pieces = []
    for flow in ("exports", "imports"):
        raw = pd.read_csv(SHARED / "kz_bns_monthly_trade" / f"{flow}.csv", parse_dates=["date"])
        raw = raw[raw["date"] < "2026-06-01"]
        pieces.append(pd.DataFrame({"flow": flow, "period": raw["date"], "value": raw["value"]}))
    return pd.concat(pieces, ignore_index=True)


def table(name: str, result, seconds: float, n_series: int, horizon: int, windows: int) -> list[str]:
    summary = result.summary(relative_to="Naive").set_index("model")
    lines = [f"## {name}", "", f"{n_series} series, horizon {horizon}, {windows} rolling origins, {seconds:.0f} s.", "",
             "| model | MASE | relative MASE (vs Naive) | sMAPE | RMSSE | 80 % coverage | 95 % coverage |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for model, row in summary.sort_values("MASE").iterrows():
        lines.append(
            f"| {model} | {row['MASE']:.3f} | {row['relMASE']:.3f} | {row['sMAPE']:.2f} | {row['RMSSE']:.3f} |"
            f" {row['coverage_80']:.2f} | {row['coverage_95']:.2f} |"
        )
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tradhist-series", type=int, default=40)
    args = parser.parse_args()
    lines = ["# Backtest accuracy on real trade series", "",
             f"Run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on a 2-core machine **shared with other",
             " jobs running at the same time** (times are indicative only).",
             "Command: `.venv/bin/python benchmarks/accuracy_real_data.py`", "",
             "Means over series of each window-averaged metric; relative MASE below 1 beats the naive forecast.", ""]  # fmt: skip
    tradhist = load_tradhist(args.tradhist_series)
    start = time.perf_counter()
    result = backtest(
        tradhist, keys=["exporter", "importer"], models=ANNUAL_MODELS, horizon=5, n_windows=4, step=5
    )
    n = tradhist.groupby(["exporter", "importer"]).ngroups
    lines += table(
        "TRADHIST annual exports, 1950-2014 (origins 5 years apart)",
        result,
        time.perf_counter() - start,
        n,
        5,
        4,
    )
    kz = load_kz_monthly()
    start = time.perf_counter()
    result = backtest(kz, keys=["flow"], models=MONTHLY_MODELS, horizon=12, n_windows=3, freq="M")
    lines += table("Kazakhstan monthly total exports and imports, 2019-01 to 2026-05", result,
                   time.perf_counter() - start, 2, 12, 3)  # fmt: skip
    lines += ["Coverage columns are the share of outcomes inside the model intervals; compare them with",
              "0.80 and 0.95 (under-coverage means the model's own intervals are too narrow for these",
              "series, the case for `intervals='conformal'`).", ""]  # fmt: skip
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
