"""Model registry, transforms and accuracy measures against hand computations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecasting.errors import SchemaError, SeriesTooShortError
from forecasting.timeseries import forecast, metrics, transforms
from forecasting.timeseries.models import MODEL_NAMES, UnknownModelError, get_model


def test_unknown_model_lists_valid_names_and_close_matches():
    with pytest.raises(UnknownModelError) as err:
        get_model("AutoEts")
    message = str(err.value)
    assert "did you mean 'AutoETS'" in message
    assert all(name in message for name in MODEL_NAMES)
    assert isinstance(err.value, ValueError)


def test_too_short_series_names_model_minimum_and_series():
    df = pd.DataFrame({"hs": ["27"] * 5 + ["30"] * 9, "period": [*range(2000, 2005), *range(2000, 2009)],
                       "value": np.arange(14, dtype=float) + 1})  # fmt: skip
    with pytest.raises(SeriesTooShortError, match=r"AutoETS needs at least 7 observations.*hs=27 \(5 obs.\)"):
        forecast(df, keys=["hs"], models="AutoETS", horizon=2)


def test_log_transform_mean_is_the_lognormal_mean_and_bounds_map_back_exactly():
    mu, sigma, level = 2.0, 0.5, 95
    z = stats.norm.ppf(0.975)
    wide = pd.DataFrame(
        {"unique_id": ["a"], "mean": [mu], "lower_95": [mu - z * sigma], "upper_95": [mu + z * sigma]}
    )
    out = transforms.backward(wide, "log", {"a": 0.0}, [level])
    assert out["mean"].item() == pytest.approx(np.exp(mu + sigma**2 / 2), rel=1e-12)
    assert out["lower_95"].item() == pytest.approx(
        stats.lognorm(s=sigma, scale=np.exp(mu)).ppf(0.025), rel=1e-12
    )
    assert out["upper_95"].item() == pytest.approx(
        stats.lognorm(s=sigma, scale=np.exp(mu)).ppf(0.975), rel=1e-12
    )


def test_boxcox_round_trip_and_bias_adjustment_tends_to_lognormal():
    values = np.array([1.5, 3.0, 10.0])
    for lam in (-0.5, 0.0, 0.3, 1.0):
        assert transforms.inverse_box_cox(transforms.box_cox(values, lam), lam) == pytest.approx(values)
    near_log = transforms.bias_adjusted_mean(np.array([1.0]), np.array([0.1]), 1e-9)
    assert near_log.item() == pytest.approx(np.exp(1.0) * (1 + 0.1**2 / 2), rel=1e-6)


def test_log_refuses_zeros_and_names_series():
    data = pd.DataFrame({"unique_id": ["a", "a", "b"], "ds": [0, 1, 0], "y": [1.0, 0.0, 2.0]})
    with pytest.raises(SchemaError, match="needs positive values.*'buses'"):
        transforms.forward(data, "log", {"a": "buses", "b": "coal"})


def test_mase_is_unit_free_and_matches_hand_value():
    history = np.array([10.0, 12.0, 11.0, 15.0])
    actual, fc = np.array([16.0, 18.0]), np.array([15.0, 15.0])
    scale = metrics.naive_scale(history)  # (2 + 1 + 4) / 3
    assert metrics.mase(actual, fc, scale) == pytest.approx(2.0 / (7 / 3))
    scaled = metrics.mase(actual * 1e6, fc * 1e6, metrics.naive_scale(history * 1e6))
    assert scaled == pytest.approx(metrics.mase(actual, fc, scale))


def test_seasonal_scale_uses_lag_m_differences():
    history = np.tile([1.0, 5.0, 3.0, 7.0], 3) + np.repeat([0.0, 1.0, 2.0], 4)
    assert metrics.naive_scale(history, 4) == pytest.approx(1.0)


def test_smape_rmsse_coverage_winkler_hand_values():
    actual, fc = np.array([100.0, 50.0]), np.array([110.0, 40.0])
    assert metrics.smape(actual, fc) == pytest.approx(100 * np.mean([20 / 210, 20 / 90]))
    assert metrics.rmsse(actual, fc, 25.0) == pytest.approx(np.sqrt(100 / 25))
    lower, upper = np.array([90.0, 55.0]), np.array([120.0, 70.0])
    assert metrics.coverage(actual, lower, upper) == 0.5
    # second actual (50) misses the interval [55, 70] by 5: width 15 + (2 / 0.05) * 5
    assert metrics.winkler(actual, lower, upper, 95) == pytest.approx(np.mean([30.0, 15.0 + 40 * 5]))


def test_backtest_scores_equal_utilsforecast_losses_on_one_window():
    # Kept hand-written (see forecasting.timeseries.metrics); this pins them to the library's numbers.
    from utilsforecast.losses import mase, smape

    from forecasting.timeseries import backtest

    rng = np.random.default_rng(8)
    df = pd.DataFrame({"hs": np.repeat(["a", "b"], 20), "period": np.tile(np.arange(2000, 2020), 2),
                       "value": np.r_[np.cumsum(rng.normal(1, 2, 20)) + 50, np.cumsum(rng.normal(0, 1, 20)) + 30]})  # fmt: skip
    result = backtest(df, keys=["hs"], models=["RandomWalkWithDrift"], horizon=4, n_windows=1)
    fc = result.forecasts[result.forecasts["level"] == 80].rename(
        columns={"hs": "unique_id", "period": "ds", "actual": "y", "mean": "RandomWalkWithDrift"}
    )
    train = df[df["period"] < 2016].assign(ds=lambda d: pd.to_datetime(d["period"].astype(str) + "-01-01"))
    train = train.rename(columns={"hs": "unique_id", "value": "y"})[["unique_id", "ds", "y"]]
    theirs_mase = mase(fc, ["RandomWalkWithDrift"], seasonality=1, train_df=train).set_index("unique_id")
    theirs_smape = smape(fc, ["RandomWalkWithDrift"]).set_index("unique_id")
    ours = result.accuracy.set_index(["hs", "metric"])["value"]
    for uid in ("a", "b"):
        assert ours[(uid, "MASE")] == pytest.approx(theirs_mase.loc[uid, "RandomWalkWithDrift"], rel=1e-12)
        assert ours[(uid, "sMAPE")] == pytest.approx(
            200 * theirs_smape.loc[uid, "RandomWalkWithDrift"], rel=1e-12
        )
