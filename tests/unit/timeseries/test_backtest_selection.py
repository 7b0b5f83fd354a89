"""Rolling-origin backtest, model choice and ensembles, checked on known-truth series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ForecastingError, SeriesTooShortError
from forecasting.schema import ACCURACY, validate
from forecasting.timeseries import backtest, forecast, select_models
from forecasting.timeseries import metrics as m


def linear_and_flat() -> pd.DataFrame:
    years = np.arange(2000, 2020)
    rng = np.random.default_rng(2)
    return pd.concat(
        [
            pd.DataFrame({"hs": "trend", "period": years, "value": 10.0 + 3.0 * np.arange(20)}),
            pd.DataFrame({"hs": "flat", "period": years, "value": 50.0 + rng.normal(0, 1e-9, 20)}),
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def result():
    return backtest(
        linear_and_flat(), keys=["hs"], models=["Naive", "RandomWalkWithDrift"], horizon=3, n_windows=4
    )


def test_accuracy_table_follows_schema_and_counts_windows(result):
    validate(result.accuracy, ACCURACY, keys=["hs"])
    assert set(result.accuracy["n_windows"]) == {4}
    metrics_seen = set(result.accuracy["metric"])
    assert {
        "MASE",
        "RMSSE",
        "sMAPE",
        "coverage_80",
        "coverage_95",
        "winkler_80",
        "winkler_95",
    } <= metrics_seen
    # 2 series x 2 models x 4 windows x 3 steps x 2 levels
    assert len(result.forecasts) == 2 * 2 * 4 * 3 * 2


def test_drift_is_exact_on_a_line_and_naive_mase_matches_hand_value(result):
    acc = result.accuracy.set_index(["hs", "model", "metric"])["value"]
    assert acc[("trend", "RandomWalkWithDrift", "MASE")] == pytest.approx(0.0, abs=1e-9)
    # naive on a line of slope 3: errors 3, 6, 9; in-sample naive MAE is 3 -> MASE 2
    assert acc[("trend", "Naive", "MASE")] == pytest.approx(2.0)
    assert acc[("trend", "Naive", "sMAPE")] == pytest.approx(
        np.mean(
            [
                m.smape(np.array([10.0 + 3 * (t + k) for k in (1, 2, 3)]), np.full(3, 10.0 + 3 * t))
                for t in (13, 14, 15, 16)
            ]
        )  # fmt: skip
    )


def test_origins_roll_back_from_the_end(result):
    cutoffs = sorted(result.forecasts["cutoff"].unique())
    assert [pd.Timestamp(c).year for c in cutoffs] == [2013, 2014, 2015, 2016]
    assert result.forecasts["actual"].notna().all()


def test_summary_reports_relative_mase(result):
    summary = result.summary().set_index("model")
    assert summary.loc["Naive", "relMASE"] == pytest.approx(1.0)
    assert summary.loc["RandomWalkWithDrift", "relMASE"] < 0.5


def test_selection_picks_drift_for_the_line():
    choice = select_models(
        linear_and_flat(), keys=["hs"], horizon=3, candidates=["Naive", "RandomWalkWithDrift"]
    )
    picked = choice.choice.set_index("hs")["model"]
    assert picked["trend"] == "RandomWalkWithDrift"


def test_select_forecast_uses_the_chosen_model_per_series():
    data = linear_and_flat()
    options = {"select": {"candidates": ["Naive", "RandomWalkWithDrift"]}}
    auto = forecast(data, keys=["hs"], models="select", horizon=2, options=options)
    drift = forecast(data, keys=["hs"], models="RandomWalkWithDrift", horizon=2)
    trend_auto = auto[auto["hs"] == "trend"].reset_index(drop=True)
    trend_drift = drift[drift["hs"] == "trend"].reset_index(drop=True)
    assert (trend_auto["model"] == "select").all()
    np.testing.assert_allclose(
        trend_auto[["mean", "lower", "upper"]], trend_drift[["mean", "lower", "upper"]]
    )


def test_ensemble_is_the_mean_of_its_members(annual_panel):
    options = {"ensemble": {"candidates": ["Naive", "RandomWalkWithDrift"], "top_k": 2}}
    ens = forecast(annual_panel, keys=["commodity", "flow"], models="ensemble", horizon=3, options=options)
    base = forecast(
        annual_panel, keys=["commodity", "flow"], models=["Naive", "RandomWalkWithDrift"], horizon=3
    )
    expected = base.groupby(["commodity", "flow", "period", "level"])[["mean", "lower", "upper"]].mean()
    got = ens.set_index(["commodity", "flow", "period", "level"])[["mean", "lower", "upper"]]
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index(), rtol=1e-10)


MEMBERS = ["AutoETS", "AutoTheta", "DynamicOptimizedTheta", "AutoCES"]


def combined(base: pd.DataFrame, index: list[str], with_bounds: list[str]) -> pd.DataFrame:
    """Mean of the members' means; bounds at that mean plus the average offsets of ``with_bounds``."""
    mean = base.groupby(index)["mean"].mean()
    bounded = base[base["model"].isin(with_bounds)]
    offsets = bounded[["lower", "upper"]].sub(bounded["mean"], axis=0).join(bounded[index])
    spread = offsets.groupby(index)[["lower", "upper"]].mean()
    return spread.add(mean, axis=0).assign(mean=mean)[["mean", "lower", "upper"]]


def test_auto_is_the_equal_weight_combination_of_its_members(annual_panel):
    auto = forecast(annual_panel, keys=["commodity", "flow"], models="auto", horizon=3)
    base = forecast(annual_panel, keys=["commodity", "flow"], models=MEMBERS, horizon=3)
    assert set(base["model"]) == set(MEMBERS)
    index = ["commodity", "flow", "period", "level"]
    # AutoCES adds its mean only; the bounds come from the three members with cheap intervals.
    expected = combined(base, index, MEMBERS[:3])
    got = auto.set_index(index)[["mean", "lower", "upper"]]
    pd.testing.assert_frame_equal(got.sort_index(), expected.sort_index(), rtol=1e-10)
    assert (auto["lower"] <= auto["mean"]).all() and (auto["mean"] <= auto["upper"]).all()


def test_auto_leaves_out_members_a_series_is_too_short_for(annual_panel, caplog):
    # 6 observations: AutoETS needs 7, so the combination is Theta, DOTM and CES only.
    short = annual_panel[annual_panel["period"] < 2006]
    with caplog.at_level("WARNING", logger="forecasting.timeseries.selection"):
        auto = forecast(short, keys=["commodity", "flow"], models="auto", horizon=2)
    assert (
        "6 series are too short" in caplog.text and "AutoTheta, DynamicOptimizedTheta, AutoCES" in caplog.text
    )
    base = forecast(short, keys=["commodity", "flow"], models=MEMBERS[1:], horizon=2)
    index = ["commodity", "flow", "period", "level"]
    expected = combined(base, index, MEMBERS[1:3])
    pd.testing.assert_frame_equal(
        auto.set_index(index)[["mean", "lower", "upper"]].sort_index(), expected.sort_index(), rtol=1e-10
    )


def test_auto_with_chosen_members_averages_their_bounds(annual_panel):
    members = ["AutoETS", "RandomWalkWithDrift"]
    options = {"auto": {"members": members}}
    auto = forecast(annual_panel, keys=["commodity", "flow"], models="auto", horizon=3, options=options)
    base = forecast(annual_panel, keys=["commodity", "flow"], models=members, horizon=3)
    index = ["commodity", "flow", "period", "level"]
    expected = base.groupby(index)[["mean", "lower", "upper"]].mean()
    pd.testing.assert_frame_equal(
        auto.set_index(index)[["mean", "lower", "upper"]].sort_index(), expected.sort_index(), rtol=1e-10
    )


def test_auto_on_series_too_short_for_every_member_states_the_need():
    df = pd.DataFrame({"hs": "27", "period": range(2000, 2003), "value": [1.0, 2.0, 3.0]})
    with pytest.raises(SeriesTooShortError, match="needs at least 4 observations"):
        forecast(df, keys=["hs"], models="auto", horizon=2)


def test_auto_routes_series_with_zeros_to_intermittent_models_by_backtest():
    rng = np.random.default_rng(9)
    buses = np.where(rng.random(24) < 0.6, 0.0, 5.0)
    df = pd.DataFrame({"hs": "8702", "period": range(2000, 2024), "value": buses})
    auto = forecast(df, keys=["hs"], models="auto", horizon=2)
    options = {"select": {"candidates": ["CrostonClassic", "TSB", "ADIDA", "Naive"]}}
    chosen = forecast(df, keys=["hs"], models="select", horizon=2, options=options)
    np.testing.assert_allclose(auto["mean"], chosen["mean"])
    assert (auto["model"] == "auto").all()


def test_auto_refuses_select_options_and_says_what_to_use():
    with pytest.raises(ForecastingError, match="models=.select."):
        forecast(
            linear_and_flat(), keys=["hs"], models="auto", horizon=2,
            options={"auto": {"candidates": ["Naive"]}},
        )  # fmt: skip


def test_auto_members_must_be_single_models():
    with pytest.raises(ForecastingError, match="single models"):
        forecast(
            linear_and_flat(),
            keys=["hs"],
            models="auto",
            horizon=2,
            options={"auto": {"members": ["select"]}},
        )


def test_default_candidates_route_series_with_zeros_to_intermittent_models():
    rng = np.random.default_rng(9)
    buses = np.where(rng.random(24) < 0.6, 0.0, 5.0)
    df = pd.DataFrame({"hs": "8702", "period": range(2000, 2024), "value": buses})
    selection = select_models(df, keys=["hs"], horizon=2)
    assert selection.choice["model"].item() in {"CrostonClassic", "TSB", "ADIDA", "Naive"}
    assert set(selection.backtest.accuracy["model"]) == {"CrostonClassic", "TSB", "ADIDA", "Naive"}


def test_backtest_too_short_states_the_need():
    df = pd.DataFrame({"hs": "27", "period": range(2000, 2010), "value": np.arange(10.0) + 1})
    with pytest.raises(SeriesTooShortError, match="needs 14 observations per series"):
        backtest(df, keys=["hs"], models="AutoETS", horizon=5, n_windows=3)
