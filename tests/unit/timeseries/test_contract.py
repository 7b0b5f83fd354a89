"""Every engine honours one contract: FORECAST schema, nested intervals, key-name invariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.errors import EstimationError
from forecasting.schema import FORECAST, validate
from forecasting.timeseries import forecast

from .conftest import trade_panel

UNIVARIATE = ["AutoARIMA", "AutoETS", "AutoTheta", "DynamicOptimizedTheta", "AutoCES", "Naive", "SeasonalNaive",
              "RandomWalkWithDrift", "CrostonClassic", "TSB", "ADIDA", "pmdarima", "SARIMAX"]  # fmt: skip
META = ["auto", "select", "ensemble"]
COLUMNS = ["commodity", "flow", "period", "scenario", "model", "level", "mean", "lower", "upper"]


def small_panel() -> pd.DataFrame:
    # Two series keep pmdarima and SARIMAX quick; positive values suit every model.
    panel = trade_panel(n_years=20)
    return panel[panel["commodity"] == "coal"].reset_index(drop=True)


def cointegrated(n: int = 40, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = np.cumsum(rng.normal(0.3, 1.0, n)) + 50
    exports = common + rng.normal(0, 0.5, n)
    imports = 0.5 * common + rng.normal(0, 0.5, n) + 10
    years = np.arange(1990, 1990 + n)
    return pd.concat(
        [pd.DataFrame({"commodity": "coal", "flow": f, "period": years, "value": v})
         for f, v in (("export", exports), ("import", imports))], ignore_index=True,
    )  # fmt: skip


def assert_contract(out: pd.DataFrame, levels=(80, 95)) -> None:
    validate(out, FORECAST, keys=["commodity", "flow"])
    assert out.columns.tolist() == COLUMNS
    assert sorted(out["level"].unique()) == list(levels)
    assert out[["mean", "lower", "upper"]].notna().all().all()
    wide = out.pivot_table(
        index=["commodity", "flow", "model", "period"], columns="level", values=["lower", "upper"]
    )
    low, high = min(levels), max(levels)
    assert (wide[("lower", low)] >= wide[("lower", high)] - 1e-9).all(), "inner lower bound below outer"
    assert (wide[("upper", low)] <= wide[("upper", high)] + 1e-9).all(), "inner upper bound above outer"
    assert (out["lower"] <= out["upper"] + 1e-9).all()


@pytest.fixture(scope="module")
def all_engines() -> pd.DataFrame:
    return forecast(small_panel(), keys=["commodity", "flow"], models=UNIVARIATE, horizon=4)


@pytest.mark.slow
def test_every_univariate_engine_follows_the_contract(all_engines):
    assert_contract(all_engines)
    assert sorted(all_engines["model"].unique()) == sorted(UNIVARIATE)
    assert (all_engines.groupby("model").size() == 2 * 4 * 2).all()  # series x horizon x levels
    assert (all_engines["scenario"] == "baseline").all()
    assert all_engines["period"].min() == pd.Timestamp("2020-01-01")


def test_automatic_models_follow_the_contract_whatever_the_key_names():
    panel = small_panel()
    first = forecast(panel, keys=["commodity", "flow"], models=META, horizon=3)
    assert_contract(first)
    assert sorted(first["model"].unique()) == sorted(META)
    renamed = panel.rename(columns={"commodity": "hs_group", "flow": "direction"})
    second = forecast(renamed, keys=["hs_group", "direction"], models=META, horizon=3)
    pd.testing.assert_frame_equal(
        first.rename(columns={"commodity": "hs_group", "flow": "direction"}), second, rtol=1e-10
    )


@pytest.mark.slow
def test_var_and_vecm_follow_the_contract():
    data = cointegrated()
    for model in ("VAR", "VECM"):
        out = forecast(data, keys=["commodity", "flow"], models=model, horizon=5, joint_by=["commodity"])
        assert_contract(out)
        assert len(out) == 2 * 5 * 2


def test_vecm_without_cointegration_says_so():
    data = cointegrated()
    rng = np.random.default_rng(11)
    data.loc[data["flow"] == "import", "value"] = np.cumsum(rng.normal(0, 1, 40)) + 30
    with pytest.raises(EstimationError, match="no cointegration"):
        forecast(data, keys=["commodity", "flow"], models="VECM", horizon=3)


def test_results_do_not_depend_on_key_column_names():
    panel = trade_panel(n_years=20)
    models = ["AutoETS", "RandomWalkWithDrift", "SARIMAX"]
    first = forecast(panel, keys=["commodity", "flow"], models=models, horizon=3)
    renamed = panel.rename(columns={"commodity": "hs_group", "flow": "direction"})
    second = forecast(renamed, keys=["hs_group", "direction"], models=models, horizon=3)
    assert second.columns.tolist()[:2] == ["hs_group", "direction"]
    pd.testing.assert_frame_equal(
        first.rename(columns={"commodity": "hs_group", "flow": "direction"}),
        second,
        check_exact=False,
        rtol=1e-10,
    )


def test_row_order_of_the_input_does_not_matter():
    panel = trade_panel(n_years=20)
    shuffled = panel.sample(frac=1.0, random_state=1)
    a = forecast(panel, keys=["commodity", "flow"], models="AutoETS", horizon=3)
    b = forecast(shuffled, keys=["commodity", "flow"], models="AutoETS", horizon=3)
    pd.testing.assert_frame_equal(a, b)


def test_intermittent_series_get_conformal_intervals_that_nest():
    rng = np.random.default_rng(5)
    values = np.where(rng.random(30) < 0.5, 0.0, rng.integers(1, 20, 30).astype(float))
    df = pd.DataFrame({"commodity": "buses", "flow": "export", "period": range(1995, 2025), "value": values})
    out = forecast(df, keys=["commodity", "flow"], models=["CrostonClassic", "TSB", "ADIDA"], horizon=5)
    assert_contract(out)
    assert (out["upper"] > out["lower"]).any()


def test_conformal_option_gives_nested_finite_intervals(annual_panel):
    out = forecast(annual_panel, keys=["commodity", "flow"], models=["AutoETS", "Naive"], horizon=4,
                   intervals="conformal", level=(50, 80, 95))  # fmt: skip
    assert_contract(out, levels=(50, 80, 95))
    mid = out[out["level"] == 80].sort_values(["commodity", "flow", "model", "period"])
    half = (mid["upper"] - mid["lower"]) / 2
    assert np.allclose(mid["mean"] - mid["lower"], half)  # conformal bands are symmetric about the mean


def test_log_transform_bias_adjusts_mean_and_keeps_bounds_positive(annual_panel):
    out = forecast(
        annual_panel, keys=["commodity", "flow"], models="RandomWalkWithDrift", horizon=6, transform="log"
    )
    assert_contract(out)
    assert (out["lower"] > 0).all()
    # median of a log-normal is the geometric centre of any central interval; the mean lies above it
    centre = np.sqrt(out["lower"] * out["upper"])
    assert (out["mean"] > centre).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.lists(st.floats(min_value=-50, max_value=1e4, allow_nan=False), min_size=10, max_size=24),
    levels=st.lists(st.integers(min_value=1, max_value=99), min_size=2, max_size=3, unique=True),
    model=st.sampled_from(["Naive", "RandomWalkWithDrift", "AutoETS", "AutoTheta"]),
)
def test_intervals_nest_for_random_series(values, levels, model):
    df = pd.DataFrame(
        {"commodity": "x", "flow": "export", "period": range(2000, 2000 + len(values)), "value": values}
    )
    out = forecast(df, keys=["commodity", "flow"], models=model, horizon=3, level=levels)
    validate(out, FORECAST, keys=["commodity", "flow"])
    wide = out.pivot_table(index="period", columns="level", values=["lower", "upper"])
    ordered = sorted(levels)
    for inner, outer in zip(ordered, ordered[1:], strict=False):
        assert (
            wide[("lower", inner)] >= wide[("lower", outer)] - 1e-6 * (1 + abs(wide[("lower", outer)]))
        ).all()
        assert (
            wide[("upper", inner)] <= wide[("upper", outer)] + 1e-6 * (1 + abs(wide[("upper", outer)]))
        ).all()


def test_bad_arguments_raise_with_valid_spellings(annual_panel):
    with pytest.raises(ValueError, match="model, conformal"):
        forecast(annual_panel, keys=["commodity", "flow"], models="Naive", horizon=2, intervals="bootstrap")
    with pytest.raises(ValueError, match="none, log, boxcox"):
        forecast(annual_panel, keys=["commodity", "flow"], models="Naive", horizon=2, transform="sqrt")
    with pytest.raises(ValueError, match="positive integer"):
        forecast(annual_panel, keys=["commodity", "flow"], models="Naive", horizon=0)
    with pytest.raises(ValueError, match="between 1 and 99"):
        forecast(annual_panel, keys=["commodity", "flow"], models="Naive", horizon=2, level=(80, 100))
