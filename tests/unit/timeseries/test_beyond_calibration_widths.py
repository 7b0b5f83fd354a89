"""Widths past the calibrated steps: a random walk in quadrature on the log scale, stated and switchable."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecasting.errors import FallbackWarning, ForecastingError
from forecasting.timeseries import forecast, simulate_paths
from forecasting.timeseries.beyond_walk import BEYOND_CALIBRATION_VOLATILITY, walk_quantile
from forecasting.timeseries.conformal import level_widths


def short_history(years: int = 12, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logs = 16 + 0.08 * np.arange(years) + np.cumsum(rng.normal(0, 0.12, years))
    return pd.DataFrame({"k": "coal", "period": range(2026 - years, 2026), "value": np.exp(logs)})


def bands(frame: pd.DataFrame, **options) -> pd.DataFrame:
    out = forecast(frame, keys=["k"], horizon=10, level=[80, 95], transform="log", options=options or None)
    return out.pivot_table(index="period", columns="level", values=["mean", "lower", "upper"])


def test_widths_add_the_walk_in_quadrature_only_past_the_calibrated_steps():
    widths = pd.DataFrame({"calibrated": [3], "largest": [5.0], "growth_80": [0.5], "w_80": [0.2],
                           "growth_95": [0.5], "w_95": [0.4], "beyond_sd": [0.15]})  # fmt: skip
    steps = np.arange(1, 8)
    down, up = level_widths(widths.iloc[np.zeros(7, dtype=int)].reset_index(drop=True), steps, [80, 95])
    plain, _ = level_widths(widths.drop(columns="beyond_sd").iloc[np.zeros(7, dtype=int)].reset_index(drop=True),
                            steps, [80, 95])  # fmt: skip
    np.testing.assert_array_equal(down[:3], plain[:3])
    past = np.arange(1, 5)
    for i, level in enumerate((80, 95)):
        # the walk is Laplace with sd 0.15 sqrt(k): scipy's scale b has sd b sqrt(2)
        walk = stats.laplace.ppf(0.5 + level / 200, scale=0.15 * np.sqrt(past) / np.sqrt(2))
        np.testing.assert_allclose(down[3:, i], np.hypot(plain[3:, i], walk))
        np.testing.assert_allclose(up[3:, i], down[3:, i])  # no cap binds here


def test_the_walk_has_laplace_tails_of_its_stated_volatility():
    assert stats.laplace(scale=1 / np.sqrt(2)).std() == pytest.approx(1.0)
    for level in (50, 80, 95, 99):
        assert walk_quantile(level) == pytest.approx(
            stats.laplace.ppf(0.5 + level / 200, scale=1 / np.sqrt(2))
        )
    # heavier than a normal's in the tail, lighter at 80 %: what the development series showed
    assert walk_quantile(80) < stats.norm.ppf(0.9) and walk_quantile(95) > stats.norm.ppf(0.975)


def test_log_forecasts_of_a_short_history_widen_past_the_calibrated_steps_and_say_so(caplog):
    frame = short_history()
    with caplog.at_level(logging.WARNING, logger="forecasting.timeseries.beyond_walk"):
        with pytest.warns(FallbackWarning, match="coal \\(calibrated 3 of 10 steps\\)"):
            walked = bands(frame)
    plain = bands(frame, auto={"beyond_volatility": 0})
    width = np.log(walked["upper"] / walked["lower"])
    plain_width = np.log(plain["upper"] / plain["lower"])
    np.testing.assert_allclose(width.iloc[:3], plain_width.iloc[:3])  # 12 years calibrate 3 steps
    assert (width.iloc[3:] > plain_width.iloc[3:] + 1e-9).all().all()
    (record,) = [r for r in caplog.records if "random walk" in r.getMessage()]
    assert "coal (calibrated 3 of 10 steps)" in record.getMessage()
    assert str(BEYOND_CALIBRATION_VOLATILITY) in record.getMessage()


def test_levels_are_not_widened_unless_asked():
    frame = short_history().assign(value=lambda d: np.log(d["value"]))  # already logs: the user says so
    kwargs = {"keys": ["k"], "horizon": 10, "level": [80]}
    none = forecast(frame, **kwargs)
    asked = forecast(frame, **kwargs, options={"auto": {"beyond_volatility": BEYOND_CALIBRATION_VOLATILITY}})
    same = forecast(frame, **kwargs, options={"auto": {"beyond_volatility": 0.0}})
    pd.testing.assert_frame_equal(none, same)
    pd.testing.assert_series_equal(asked["mean"], none["mean"])  # the point forecast stays
    assert (asked["upper"] - asked["lower"]).iloc[-1] > (none["upper"] - none["lower"]).iloc[-1]
    # on the log scale, asking for it on logs is the default of transform="log" on the values
    logged = forecast(frame.assign(value=np.exp(frame["value"])), **kwargs, transform="log")
    np.testing.assert_allclose(np.log(logged["upper"]), asked["upper"], rtol=1e-9)


def test_paths_bands_match_the_widened_intervals():
    frame = short_history()
    intervals = bands(frame)
    paths = simulate_paths(frame, keys=["k"], horizon=10, n_paths=4000, seed=2, transform="log")
    quantiles = np.log(paths.groupby("period")["value"].quantile([0.1, 0.9]).unstack())
    np.testing.assert_allclose(quantiles[0.1], np.log(intervals[("lower", 80)]), atol=0.06)
    np.testing.assert_allclose(quantiles[0.9], np.log(intervals[("upper", 80)]), atol=0.06)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), "0.15", True])
def test_a_bad_volatility_is_refused_by_its_keyword(bad):
    with pytest.raises(ForecastingError, match="beyond_volatility"):
        forecast(
            short_history(),
            keys=["k"],
            horizon=3,
            transform="log",
            options={"auto": {"beyond_volatility": bad}},
        )
