"""Time-series accuracy on real trade data from ../shared/data.

Sources (see ../shared/data/PROVENANCE.md):
* 4e ``kz_bns_monthly_trade``: Kazakhstan's monthly total exports/imports (BNS), thousand
  USD. PROVENANCE states "2022 exports sum ~ 84.6 bn USD"; 2026-06 is flagged anomalous
  and left out.
* 4d ``tradhist_patentcity``: TRADHIST annual bilateral flows of DEU/FRA/GBR/USA. The
  unit is uncertain (documented USD, probably GBP); MASE is unit-free, which is tested.

The full table (every model and the automatic choice) is produced by
``benchmarks/accuracy_real_data.py``; these tests keep a quick subset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.timeseries import backtest
from tests.conftest import shared_file

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def kz_monthly() -> pd.DataFrame:
    pieces = []
    for flow in ("exports", "imports"):
        raw = pd.read_csv(shared_file(f"kz_bns_monthly_trade/{flow}.csv"), parse_dates=["date"])
        pieces.append(pd.DataFrame({"flow": flow, "period": raw["date"], "value": raw["value"]}))
    return pd.concat(pieces, ignore_index=True)


@pytest.fixture(scope="module")
def tradhist_to_pakistan() -> pd.DataFrame:
    raw = pd.read_csv(shared_file("tradhist_patentcity/tradeflow_xx.csv"), sep=";")
    raw.columns = [c.strip() for c in raw.columns]
    raw["origin"] = raw["origin_country_code"].str.strip()
    raw["destination"] = raw["destination_country_code"].str.strip()
    rows = raw[(raw["destination"] == "PAK") & (raw["year"] >= 1950)]
    return rows.rename(columns={"year": "period", "exports": "value"})[
        ["origin", "destination", "period", "value"]
    ]


def test_kz_exports_2022_match_the_provenance_check(kz_monthly):
    exports = kz_monthly[(kz_monthly["flow"] == "exports") & (kz_monthly["period"].dt.year == 2022)]
    assert len(exports) == 12
    assert exports["value"].sum() / 1e6 == pytest.approx(84.6, rel=0.001)  # thousand USD -> bn USD


@pytest.fixture(scope="module")
def kz_result(kz_monthly):
    usable = kz_monthly[kz_monthly["period"] < "2026-06-01"]
    return backtest(
        usable, keys=["flow"], models=["Naive", "SeasonalNaive"], horizon=12, n_windows=3, freq="M"
    ), usable


def test_naive_mase_on_kz_equals_an_independent_computation(kz_result):
    result, usable = kz_result
    acc = result.accuracy.set_index(["flow", "model", "metric"])["value"]
    for flow in ("exports", "imports"):
        y = usable[usable["flow"] == flow].sort_values("period")["value"].to_numpy()
        scores = []
        for window in range(3):
            cut = len(y) - 12 - (2 - window)
            train, test = y[:cut], y[cut : cut + 12]
            scale = np.mean(np.abs(train[12:] - train[:-12]))  # seasonal naive scale, m = 12
            scores.append(np.mean(np.abs(test - train[-1])) / scale)
        assert acc[(flow, "Naive", "MASE")] == pytest.approx(np.mean(scores), rel=1e-12)


def test_seasonal_naive_beats_naive_on_kz_monthly(kz_result):
    # Measured 0.73 in benchmarks/results/accuracy_real_data.md; Kazakhstan's trade has a strong
    # within-year pattern, so anything near 1 would signal broken seasonal handling.
    summary = kz_result[0].summary().set_index("model")
    assert summary.loc["SeasonalNaive", "relMASE"] < 0.9


@pytest.mark.slow
def test_tradhist_mase_does_not_depend_on_the_currency_unit(tradhist_to_pakistan):
    models = ["Naive", "RandomWalkWithDrift", "AutoTheta"]
    keys = ["origin", "destination"]
    as_given = backtest(tradhist_to_pakistan, keys=keys, models=models, horizon=5, n_windows=3, step=5)
    rescaled = tradhist_to_pakistan.assign(value=tradhist_to_pakistan["value"] * 1.25)  # e.g. GBP -> USD
    converted = backtest(rescaled, keys=keys, models=models, horizon=5, n_windows=3, step=5)
    left = as_given.accuracy[as_given.accuracy["metric"].isin(["MASE", "sMAPE", "RMSSE"])]
    right = converted.accuracy[converted.accuracy["metric"].isin(["MASE", "sMAPE", "RMSSE"])]
    closed_form = left["model"].isin(["Naive", "RandomWalkWithDrift"]).to_numpy()
    np.testing.assert_allclose(left["value"][closed_form], right["value"][closed_form], rtol=1e-9)
    # AutoTheta's numerical optimiser stops at a tolerance, so its fit moves very slightly with scale.
    np.testing.assert_allclose(left["value"][~closed_form], right["value"][~closed_form], rtol=1e-3)
    assert set(left["origin"]) == {"DEU", "FRA", "GBR", "USA"}


def accuracy_benchmark():
    """benchmarks/accuracy_real_data.py as a module."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "accuracy_real_data.py"
    spec = importlib.util.spec_from_file_location("accuracy_real_data", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


@pytest.mark.slow
def test_default_beats_naive_on_real_annual_trade_series():
    """31 TRADHIST development series (every 20th of the half, benchmarks/accuracy_real_data.py
    split), origins 2002, 2005 and 2008, horizon 6, log values. Measured when the default was
    chosen: relative MASE 0.921, coverage 0.75 / 0.89 at 80 / 95 % (these origins include the
    2009 collapse). The bar is issue 12's acceptance level."""
    # The benchmark's own loader and split, so the test and the results table read the same series.
    bench = accuracy_benchmark()
    shared_file("tradhist_patentcity/tradeflow_xx.csv")  # a missing data set fails in CI

    relmase_bar = 0.95
    frame = bench.load_tradhist()
    ids = sorted(s for s in frame["series"].unique() if bench.in_development(s))[::20]
    result = backtest(frame[frame["series"].isin(ids)], keys=["series"], models=["Naive", "auto"],
                      horizon=6, n_windows=3, step=3)  # fmt: skip
    summary = result.summary().set_index("model")
    assert len(ids) == 31
    assert summary.loc["auto", "relMASE"] < relmase_bar
    assert 0.70 <= summary.loc["auto", "coverage_80"] <= 0.85
    assert 0.85 <= summary.loc["auto", "coverage_95"] <= 0.97


def test_a_partial_benchmark_run_never_replaces_the_full_results(monkeypatch, capsys):
    import sys

    bench = accuracy_benchmark()
    before = bench.RESULTS.read_bytes()
    monkeypatch.setattr(sys, "argv", ["accuracy_real_data.py", "--sections", "kz-monthly"])
    with pytest.raises(SystemExit) as stopped:
        bench.main()
    assert stopped.value.code == 2
    assert "pass --out FILE" in capsys.readouterr().err
    assert bench.RESULTS.read_bytes() == before
