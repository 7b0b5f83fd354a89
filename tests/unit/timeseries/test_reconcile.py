"""Reconciled forecasts add up across commodities, directions and turnover."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ForecastingError, SchemaError
from forecasting.timeseries import aggregate, forecast, in_sample_residuals, reconcile
from forecasting.timeseries.reconcile import Hierarchy, shrunk_covariance

KEYS = ["flow", "commodity"]
LEVELS = [["flow"], ["commodity"], []]  # exports/imports totals, commodity turnover, pair turnover


@pytest.fixture(scope="module")
def hierarchy_inputs(annual_panel):
    full = aggregate(annual_panel, keys=KEYS, levels=LEVELS)
    base = forecast(full, keys=KEYS, models="AutoETS", horizon=4)
    residuals = in_sample_residuals(full, keys=KEYS, model="AutoETS")
    return full, base, residuals


def bottom_sums(out: pd.DataFrame) -> pd.DataFrame:
    bottom = out[(out["flow"] != "TOTAL") & (out["commodity"] != "TOTAL")]
    return bottom


@pytest.mark.parametrize("method", ["bottom_up", "top_down", "ols", "wls_struct", "mint_shrink"])
def test_every_method_is_coherent(hierarchy_inputs, method):
    _, base, residuals = hierarchy_inputs
    out = reconcile(base, keys=KEYS, method=method, residuals=residuals if method == "mint_shrink" else None)
    means = out[out["level"] == 95].set_index([*KEYS, "period"])["mean"]
    bottom = means.drop(index="TOTAL", level="flow").drop(index="TOTAL", level="commodity")
    turnover = means.xs(("TOTAL", "TOTAL"), level=("flow", "commodity"))
    pd.testing.assert_series_equal(
        bottom.groupby(level="period").sum(), turnover, check_names=False, rtol=1e-9
    )
    exports = means.xs(("export", "TOTAL"), level=("flow", "commodity"))
    exp_bottom = bottom.xs("export", level="flow").groupby(level="period").sum()
    pd.testing.assert_series_equal(exp_bottom, exports, check_names=False, rtol=1e-9)
    wide = out.pivot_table(index=[*KEYS, "period"], columns="level", values=["lower", "upper"])
    assert (wide[("lower", 80)] >= wide[("lower", 95)]).all() and (
        wide[("upper", 80)] <= wide[("upper", 95)]
    ).all()


def test_bottom_up_keeps_bottom_forecasts(hierarchy_inputs):
    _, base, _ = hierarchy_inputs
    out = reconcile(base, keys=KEYS, method="bottom_up")
    key = [*KEYS, "period", "level"]
    got = bottom_sums(out).set_index(key)["mean"].sort_index()
    want = bottom_sums(base).set_index(key)["mean"].sort_index()
    pd.testing.assert_series_equal(got, want, rtol=1e-12)


def test_ols_matches_the_projection_formula():
    base = pd.DataFrame({"flow": ["TOTAL", "export", "import"], "period": pd.Timestamp("2030-01-01"),
                         "scenario": "baseline", "model": "m", "level": 95, "mean": [20.0, 12.0, 5.0],
                         "lower": [16.0, 10.0, 4.0], "upper": [24.0, 14.0, 6.0]})  # fmt: skip
    summing = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    y = np.array([20.0, 12.0, 5.0])
    expected = summing @ np.linalg.solve(summing.T @ summing, summing.T @ y)
    out = reconcile(base, keys=["flow"], method="ols").set_index("flow")["mean"]
    assert out[["TOTAL", "export", "import"]].to_numpy() == pytest.approx(expected)


def test_bottom_up_interval_of_a_total_adds_variances_without_residuals():
    z95 = 1.959963984540054
    base = pd.DataFrame({"flow": ["TOTAL", "export", "import"], "period": pd.Timestamp("2030-01-01"),
                         "scenario": "baseline", "model": "m", "level": 95, "mean": [0.0, 10.0, 5.0],
                         "lower": [-1.0, 10 - 3 * z95, 5 - 4 * z95], "upper": [1.0, 10 + 3 * z95, 5 + 4 * z95]})  # fmt: skip
    total = reconcile(base, keys=["flow"], method="bottom_up").set_index("flow").loc["TOTAL"]
    assert total["mean"] == pytest.approx(15.0)
    assert (total["upper"] - total["mean"]) == pytest.approx(5.0 * z95)  # sqrt(3^2 + 4^2) = 5


def test_mint_needs_residuals_and_missing_series_are_named(hierarchy_inputs):
    _, base, _ = hierarchy_inputs
    with pytest.raises(ForecastingError, match="in_sample_residuals"):
        reconcile(base, keys=KEYS, method="mint_shrink")
    first = base["period"].min()
    partial = base[~((base["flow"] == "import") & (base["commodity"] == "coal") & (base["period"] == first))]
    with pytest.raises(SchemaError, match="import, coal"):
        reconcile(partial, keys=KEYS, method="ols")


def test_hierarchy_and_shrinkage_basics():
    table = pd.DataFrame({"flow": ["export", "import", "TOTAL"], "hs": ["27", "27", "27"]})
    h = Hierarchy.from_keys(table, ["flow", "hs"])
    assert h.n_bottom == 2 and h.summing.shape == (3, 2)
    assert len(h.tidy()) == 4
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    shrunk = shrunk_covariance(x)
    assert np.allclose(np.diag(shrunk), np.diag(x.T @ x / 200))
    assert np.all(np.linalg.eigvalsh(shrunk) > 0)
    sample_corr = np.corrcoef(x, rowvar=False)[0, 1]
    assert abs(shrunk[0, 1]) <= abs(sample_corr) * np.sqrt(shrunk[0, 0] * shrunk[1, 1]) + 1e-12
