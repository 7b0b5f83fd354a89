"""Rolling-origin backtest, model choice and ensembles, checked on known-truth series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecasting.errors import ForecastingError, SeriesTooShortError
from forecasting.schema import ACCURACY, validate
from forecasting.timeseries import backtest, forecast, select_models
from forecasting.timeseries import metrics as m
from forecasting.timeseries.combination import ANNUAL_MEMBERS


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


def test_auto_mean_is_the_equal_weight_combination_of_the_annual_members(annual_panel):
    auto = forecast(annual_panel, keys=["commodity", "flow"], models="auto", horizon=3)
    base = forecast(annual_panel, keys=["commodity", "flow"], models=list(ANNUAL_MEMBERS), horizon=3)
    index = ["commodity", "flow", "period", "level"]
    expected = base.groupby(index)["mean"].mean()
    pd.testing.assert_series_equal(
        auto.set_index(index)["mean"].sort_index(), expected.sort_index(), rtol=1e-10
    )


def test_auto_intervals_nest_and_grow_at_most_like_the_step(annual_panel):
    auto = forecast(annual_panel, keys=["commodity", "flow"], models="auto", horizon=4, level=[80, 95])
    up = (auto["upper"] - auto["mean"]).to_numpy()
    down = (auto["mean"] - auto["lower"]).to_numpy()
    assert (up > 0).all() and (down >= up - 1e-9).all()  # the lower side may reach further, never less far
    wide = auto.assign(up=up).pivot_table(index=["commodity", "flow", "period"], columns="level", values="up")
    assert (wide[95] >= wide[80] - 1e-9).all()
    for _, rows in auto.assign(up=up).groupby(["commodity", "flow", "level"]):
        widths = rows.sort_values("period")["up"].to_numpy()
        steps = np.arange(1, 5)
        assert (np.diff(widths) >= -1e-9).all() and (widths <= widths[0] * steps + 1e-9).all()


def test_auto_width_is_the_conformal_rank_of_the_pooled_rolling_origin_errors():
    # One series, 3 members; recompute the 80 % width by hand from the combination's own errors.
    rng = np.random.default_rng(4)
    values = 100 + np.cumsum(rng.normal(1.0, 3.0, 20))
    df = pd.DataFrame({"hs": "27", "period": range(2000, 2020), "value": values})
    auto = forecast(df, keys=["hs"], models="auto", horizon=2, level=80, n_windows=5)
    errors = []
    for window in range(5):
        cut = 20 - 2 - (4 - window)
        train = df.iloc[:cut]
        fc = forecast(train, keys=["hs"], models=list(ANNUAL_MEMBERS), horizon=2, level=80)
        combined = fc.groupby("period")["mean"].mean().to_numpy()
        errors.append(np.abs(values[cut : cut + 2] - combined))
    errors = np.array(errors)  # 5 origins x 2 steps
    q_1, q_2 = np.quantile(errors, 0.8, axis=0)  # the 80 % quantile of each step's errors sets the growth
    growth = float(np.clip(np.log(q_2 / q_1) / np.log(2), 0.0, 1.0))
    steps = np.array([1.0, 2.0]) ** growth
    rank = int(np.ceil(11 * 0.8))  # 10 normalised errors

    # 5 origins, fewer than the 10 the widths were calibrated with: the Student-t prediction ratio
    # widens the cap (at 95 %) and, by its square root, the width (at 80 %)
    def t_ratio(level):
        q = 0.5 + level / 200
        return stats.t.ppf(q, 4) * np.sqrt(1 + 1 / 5) / (stats.t.ppf(q, 9) * np.sqrt(1 + 1 / 10))

    own = np.sort((errors / steps).ravel())[rank - 1] * steps * np.sqrt(t_ratio(80))
    width = np.minimum(own, errors.max() * t_ratio(95))
    np.testing.assert_allclose((auto["upper"] - auto["mean"]).to_numpy(), width, rtol=1e-8)


def test_auto_leaves_out_members_a_series_is_too_short_for(annual_panel, caplog):
    short = annual_panel[annual_panel["period"] < 2006]  # 6 observations; AutoETS needs 7
    options = {"auto": {"members": ["Naive", "AutoETS"]}}
    with caplog.at_level("WARNING", logger="forecasting.timeseries.combination"):
        auto = forecast(short, keys=["commodity", "flow"], models="auto", horizon=2, options=options)
    assert (
        "6 series are too short for part of the combination" in caplog.text
        and "combines Naive" in caplog.text
    )
    naive = forecast(short, keys=["commodity", "flow"], models="Naive", horizon=2)
    np.testing.assert_allclose(auto["mean"].to_numpy(), naive["mean"].to_numpy(), rtol=1e-12)


def test_auto_on_series_too_short_for_calibrated_intervals_states_the_need():
    df = pd.DataFrame({"hs": "27", "period": range(2000, 2004), "value": [1.0, 2.0, 3.0, 3.5]})
    with pytest.raises(SeriesTooShortError, match="need at least 5 observations.*hs=27"):
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


def test_auto_flags_zero_width_intervals_of_a_constant_history():
    from forecasting.errors import DataQualityWarning

    df = pd.DataFrame({"hs": "27", "period": range(2000, 2015), "value": 5.0})
    with pytest.warns(DataQualityWarning, match="zero width: 'hs=27'"):
        forecast(df, keys=["hs"], models="auto", horizon=2)


def test_a_series_auto_forecast_does_not_depend_on_the_other_series(annual_panel):
    # Calibration is planned per series, so chunked (Dask, processes) and serial runs agree.
    mixed = annual_panel[~((annual_panel["commodity"] == "coal") & (annual_panel["period"] < 2010))]
    together = forecast(mixed, keys=["commodity", "flow"], models="auto", horizon=3)
    alone = forecast(
        mixed[mixed["commodity"] == "pharma"], keys=["commodity", "flow"], models="auto", horizon=3
    )
    pd.testing.assert_frame_equal(
        together[together["commodity"] == "pharma"].reset_index(drop=True), alone, rtol=1e-10
    )
