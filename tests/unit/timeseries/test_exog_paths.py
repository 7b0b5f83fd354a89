"""Conditional forecasts on driver paths, and reproducible sample paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ForecastingError, SchemaError
from forecasting.timeseries import forecast, simulate_paths

BETA = 2.0


def driven_series(n: int = 40, seed: int = 4) -> tuple[pd.DataFrame, pd.DataFrame]:
    """y = 5 + BETA * gdp + AR(1) noise, for two partners sharing the same driver."""
    rng = np.random.default_rng(seed)
    gdp = np.cumsum(rng.normal(0.5, 1.0, n)) + 20
    rows = []
    for partner in ("PAK", "UZB"):
        noise = np.zeros(n)
        for t in range(1, n):
            noise[t] = 0.5 * noise[t - 1] + rng.normal(0, 0.3)
        rows.append(
            pd.DataFrame(
                {"partner": partner, "period": np.arange(1980, 1980 + n), "value": 5 + BETA * gdp + noise}
            )
        )
    return pd.concat(rows, ignore_index=True), pd.DataFrame({"period": np.arange(1980, 1980 + n), "gdp": gdp})


def future_gdp(last: float, shift: float, horizon: int = 5, start: int = 2020) -> pd.DataFrame:
    return pd.DataFrame(
        {"period": np.arange(start, start + horizon), "gdp": last + 0.5 * np.arange(1, horizon + 1) + shift}
    )


@pytest.mark.parametrize("model", ["SARIMAX", "AutoARIMA", pytest.param("pmdarima", marks=pytest.mark.slow)])
def test_scenario_driver_path_moves_the_forecast_by_its_coefficient(model):
    series, gdp = driven_series()
    last = gdp["gdp"].iloc[-1]
    runs = [
        forecast(
            series,
            keys=["partner"],
            models=model,
            horizon=5,
            exog=gdp,
            exog_future=future_gdp(last, shift),
            scenario=f"gdp+{shift}",
        )  # fmt: skip
        for shift in (0.0, 1.0)
    ]
    difference = runs[1]["mean"].to_numpy() - runs[0]["mean"].to_numpy()
    assert difference == pytest.approx(np.full(difference.shape, BETA), abs=0.25)
    assert set(runs[1]["scenario"]) == {"gdp+1.0"}


def test_keyed_drivers_are_matched_per_series():
    series, gdp = driven_series()
    keyed = pd.concat([gdp.assign(partner=p) for p in ("PAK", "UZB")], ignore_index=True)
    future = pd.concat(
        [
            future_gdp(gdp["gdp"].iloc[-1], 0.0).assign(partner="PAK"),
            future_gdp(gdp["gdp"].iloc[-1], 3.0).assign(partner="UZB"),
        ]
    )
    out = forecast(
        series, keys=["partner"], models="SARIMAX", horizon=5, exog=keyed, exog_future=future, level=95
    )
    base = forecast(series, keys=["partner"], models="SARIMAX", horizon=5, exog=gdp,
                    exog_future=future_gdp(gdp["gdp"].iloc[-1], 0.0), level=95)  # fmt: skip
    gap = out.set_index(["partner", "period"])["mean"] - base.set_index(["partner", "period"])["mean"]
    assert gap.loc["PAK"].abs().max() < 1e-8
    assert gap.loc["UZB"].to_numpy() == pytest.approx(np.full(5, 3 * BETA), abs=0.75)


def test_missing_future_driver_values_are_named():
    series, gdp = driven_series()
    short = future_gdp(gdp["gdp"].iloc[-1], 0.0, horizon=3)
    with pytest.raises(SchemaError, match=r"all 5 forecast periods; missing 'partner=PAK at 2023-01'"):
        forecast(series, keys=["partner"], models="SARIMAX", horizon=5, exog=gdp, exog_future=short)


def test_models_that_ignore_drivers_are_refused():
    series, gdp = driven_series()
    with pytest.raises(ForecastingError, match="do not use exogenous drivers"):
        forecast(series, keys=["partner"], models=["AutoETS"], horizon=5, exog=gdp,
                 exog_future=future_gdp(gdp["gdp"].iloc[-1], 0.0))  # fmt: skip


@pytest.fixture(scope="module")
def positive_series() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    values = np.exp(4 + np.cumsum(rng.normal(0.04, 0.1, 26)))
    return pd.DataFrame({"flow": "export", "period": np.arange(2000, 2026), "value": values})


def test_paths_are_reproducible_and_seed_dependent(positive_series):
    kwargs = dict(keys=["flow"], model="AutoETS", horizon=10, n_paths=50, transform="log")
    a = simulate_paths(positive_series, seed=11, **kwargs)
    b = simulate_paths(positive_series, seed=11, **kwargs)
    c = simulate_paths(positive_series, seed=12, **kwargs)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["value"], c["value"])
    assert a.columns.tolist() == ["flow", "path", "period", "value"]
    assert len(a) == 50 * 10 and (a["value"] > 0).all()


def test_path_distribution_matches_the_forecast_distribution(positive_series):
    horizon, n_paths = 5, 4000
    paths = simulate_paths(positive_series, keys=["flow"], model="RandomWalkWithDrift", horizon=horizon,
                           n_paths=n_paths, seed=1)  # fmt: skip
    fc = forecast(positive_series, keys=["flow"], models="RandomWalkWithDrift", horizon=horizon, level=95)
    by_period = paths.groupby("period")["value"]
    sd = (fc["upper"] - fc["lower"]).to_numpy() / (2 * 1.959963984540054)
    assert by_period.mean().to_numpy() == pytest.approx(
        fc["mean"].to_numpy(), abs=float(4 * sd.max() / np.sqrt(n_paths))
    )
    assert by_period.std().to_numpy() == pytest.approx(sd, rel=0.08)


def test_auto_paths_bands_match_the_calibrated_forecast_intervals(positive_series):
    paths = simulate_paths(positive_series, keys=["flow"], horizon=4, n_paths=8000, seed=2, transform="log")
    fc = forecast(positive_series, keys=["flow"], models="auto", horizon=4, transform="log")
    by_period = paths.groupby("period")["value"]
    for level in (80, 95):
        rows = fc[fc["level"] == level].set_index("period")
        tail = (1 - level / 100) / 2
        np.testing.assert_allclose(by_period.quantile(tail), rows["lower"], rtol=0.03)
        np.testing.assert_allclose(by_period.quantile(1 - tail), rows["upper"], rtol=0.03)
    assert (paths["value"] > 0).all()


def test_auto_paths_are_joint_across_series():
    rng = np.random.default_rng(5)
    common = np.cumsum(rng.normal(0.05, 0.1, 30))
    df = pd.concat(
        [pd.DataFrame({"flow": f, "period": range(1990, 2020), "value": np.exp(3 + common + rng.normal(0, 0.01, 30))})
         for f in ("export", "import")], ignore_index=True,
    )  # fmt: skip
    paths = simulate_paths(df, keys=["flow"], horizon=3, n_paths=2000, seed=1, transform="log")
    last = paths[paths["period"] == paths["period"].max()].pivot(index="path", columns="flow", values="value")
    # The two series' calibration errors move together, so their draws do too.
    assert np.corrcoef(np.log(last["export"]), np.log(last["import"]))[0, 1] > 0.5


def test_auto_paths_refuse_series_with_many_zeros():
    df = pd.DataFrame({"flow": "export", "period": range(2000, 2020), "value": [0.0, 3.0] * 10})
    with pytest.raises(ForecastingError, match="zeros"):
        simulate_paths(df, keys=["flow"], model="auto", horizon=3)


def test_paths_refuse_models_without_a_simulator(positive_series):
    with pytest.raises(ForecastingError, match="simulate_paths supports"):
        simulate_paths(positive_series, keys=["flow"], model="SARIMAX", horizon=3)


def test_backtest_with_drivers_uses_their_observed_values():
    from forecasting.timeseries import backtest

    series, gdp = driven_series()
    with_driver = backtest(series, keys=["partner"], models="SARIMAX", horizon=3, n_windows=2, exog=gdp)
    without = backtest(series, keys=["partner"], models="SARIMAX", horizon=3, n_windows=2)
    mase = lambda r: r.summary(relative_to=None).set_index("model").loc["SARIMAX", "MASE"]  # noqa: E731
    # y is mostly 2 x gdp, so knowing the driver's realised path must cut the error sharply
    assert mase(with_driver) < 0.5 * mase(without)
