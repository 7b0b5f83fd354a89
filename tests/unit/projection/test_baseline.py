"""The outlook's statistical baseline: the default forecast, joint paths, thin data, GDP drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.projection.baseline import NO_FORECAST, baseline_paths, classify_series, pair_series
from forecasting.projection.combine import summarise, turnover_draws
from forecasting.projection.drivers import (
    MissingDriverError,
    hold_last_rate,
    income_anchored,
    income_growth,
    load_gdp_projections,
)
from forecasting.projection.pair_backtest import baseline_backtest
from forecasting.projection.prepare import prepare_data
from forecasting.projection.result import BASELINE_BACKTEST_COLUMNS
from forecasting.timeseries import forecast
from forecasting.timeseries.frame import to_panel
from forecasting.timeseries.selection import INTERMITTENT_ZERO_SHARE, intermittent

KEYS = ["reporter", "partner", "flow", "commodity"]
YEARS = pd.date_range("2000", periods=26, freq="YS")


def series(flow: str, commodity: str, values) -> pd.DataFrame:
    return pd.DataFrame(
        {"reporter": "KAZ", "partner": "PAK", "flow": flow, "commodity": commodity, "period": YEARS,
         "value": np.asarray(values, dtype=float)}
    )  # fmt: skip


@pytest.fixture(scope="module")
def pair() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    common = np.cumsum(rng.normal(0.08, 0.15, 26))
    buses = np.where(rng.random(26) < 0.6, 0.0, 5e6)
    recent = np.r_[np.full(20, 2e6), 0.0, 3e6, 4e6, 3.5e6, 5e6, 4.5e6]  # zero in 2020
    return pd.concat(
        [series("export", "coal", np.exp(16 + common + rng.normal(0, 0.05, 26))),
         series("import", "textiles", np.exp(17 + common + rng.normal(0, 0.05, 26))),
         series("export", "buses", buses), series("import", "pharma", recent)], ignore_index=True,
    )  # fmt: skip


def test_methods_follow_the_one_intermittent_rule_and_state_their_reason(pair):
    methods = classify_series(pair).set_index(["flow", "commodity"])
    assert methods.loc[("export", "coal"), "method"] == "auto"
    assert methods.loc[("export", "buses"), "method"] == "resample"
    assert "intermittent" in methods.loc[("export", "buses"), "reason"]
    # Same rule as the time-series layer: a share of zeros of at least INTERMITTENT_ZERO_SHARE.
    sparse = intermittent(to_panel(pair, keys=KEYS))
    assert int(sparse.sum()) == int((methods.method == "resample").sum())
    assert INTERMITTENT_ZERO_SHARE == 0.3


def test_a_series_too_short_since_its_last_zero_gets_no_statistical_forecast_with_the_reason(pair):
    row = classify_series(pair).set_index(["flow", "commodity"]).loc[("import", "pharma")]
    assert row.method == NO_FORECAST
    assert "only 5 positive years since the zero of 2020" in row.reason and "needs 10" in row.reason


def test_a_constant_history_is_flagged_as_having_no_interval():
    flat = series("export", "coal", np.r_[np.full(20, 1.0), 0.0, np.full(5, 7.0)])
    assert "no variation, so no interval" in classify_series(flat).reason.item()


@pytest.fixture(scope="module")
def drawn(pair):
    return baseline_paths(pair, last_year=2030, draws=4000, seed=5)


def test_baseline_paths_are_the_default_forecast_with_its_calibrated_intervals(pair, drawn):
    paths, _ = drawn
    modelled = pair[pair.commodity.isin(["coal", "textiles"])]
    fc = forecast(modelled, keys=KEYS, horizon=5, transform="log", freq="A")
    assert set(fc.model) == {"auto"}
    coal = paths[paths.commodity == "coal"].groupby("year").value
    for level in (80, 95):
        rows = fc[(fc.commodity == "coal") & (fc.level == level)].sort_values("period")
        tail = (1 - level / 100) / 2
        np.testing.assert_allclose(coal.quantile(tail).to_numpy(), rows.lower.to_numpy(), rtol=0.04)
        np.testing.assert_allclose(coal.quantile(1 - tail).to_numpy(), rows.upper.to_numpy(), rtol=0.04)


def test_draws_are_joint_across_commodities_and_directions(drawn):
    paths, _ = drawn
    last = paths[paths.year == 2030].pivot_table(index="draw", columns="commodity", values="value")
    # Coal exports and textile imports share one history of shocks, so their draws move together.
    assert np.corrcoef(np.log(last.coal), np.log(last.textiles))[0, 1] > 0.5


def test_the_pair_backtest_scores_the_baseline_against_naive_and_drift(pair):
    methods = classify_series(pair)
    table = baseline_backtest(pair, methods)
    assert table.columns.tolist() == list(BASELINE_BACKTEST_COLUMNS)
    assert set(table.model) == {"baseline (auto)", "naive", "drift"}
    assert set(table.commodity) == {"coal", "textiles", "TOTAL"}
    np.testing.assert_allclose(table[table.model == "naive"].relative_mase, 1.0)
    assert table[["mase", "coverage_80", "coverage_95"]].notna().all().all()


def test_a_missing_future_gdp_path_names_the_country_and_years():
    gdp = load_gdp_projections()  # projections run to 2029
    with pytest.raises(MissingDriverError, match=r"KAZ lacks 2030, 2031.*PAK lacks 2030, 2031") as info:
        income_growth(gdp, ("KAZ", "PAK"), range(2026, 2033))
    assert "hold_last_rate" in str(info.value)
    with pytest.raises(MissingDriverError, match="AFG lacks 2026"):
        income_growth(gdp, ("KAZ", "AFG"), [2026])
    with pytest.raises(KeyError):  # also a KeyError, for callers that catch the built-in
        income_growth(gdp, ("KAZ", "AFG"), [2026])


def test_gdp_anchored_paths_grow_with_the_product_of_incomes(pair, drawn):
    paths, methods = drawn
    gdp = pd.DataFrame({"country": ["KAZ"] * 5 + ["PAK"] * 5, "year": list(range(2026, 2031)) * 2,
                        "real_gdp_growth_pct": [5.0] * 5 + [3.0] * 5})  # fmt: skip
    anchored = income_anchored(paths, methods, gdp, ("KAZ", "PAK"))
    coal = anchored[anchored.commodity == "coal"].groupby("year").value.median()
    np.testing.assert_allclose(coal.loc[2030] / coal.loc[2026], (1.05 * 1.03) ** 4, rtol=1e-9)
    buses = paths.commodity == "buses"
    np.testing.assert_allclose(anchored.value[buses.to_numpy()], paths.value[buses], rtol=0)


def test_the_bundled_unverified_gdp_figures_are_flagged_on_the_console_and_in_the_methods(pair):
    from forecasting.errors import DataQualityWarning

    with pytest.warns(
        DataQualityWarning, match=r"KAZ 2027.*marked approximate, unverified or assumed.*NOT verified"
    ):
        _, methods = baseline_paths(pair, last_year=2029, draws=50, seed=1, gdp=load_gdp_projections())
    modelled = methods[methods.method == "auto"]
    assert modelled.reason.str.contains("unverified or assumed figures: 'KAZ 2027'").all()
    assert not methods[methods.method != "auto"].reason.str.contains("GDP").any()
    own = load_gdp_projections().drop(columns="note")  # a user's own path, no caveat in it
    _, methods = baseline_paths(pair, last_year=2029, draws=50, seed=1, gdp=own)
    assert not methods.reason.str.contains("unverified").any()
    assert (
        methods[methods.method == "auto"].reason.str.contains("centre grows with the pair's GDP path").all()
    )


def test_holding_the_last_rate_is_explicit_and_labelled():
    held = hold_last_rate(load_gdp_projections(), until=2035)
    kaz = held[(held.country == "KAZ") & (held.year == 2035)]
    assert kaz.real_gdp_growth_pct.item() == 3.4 and "assumption" in kaz.note.item()
    assert len(income_growth(held, ("KAZ", "PAK"), range(2026, 2036))) == 10


def test_a_series_whose_last_year_is_zero_gets_no_statistical_forecast_with_its_reason():
    from forecasting.projection.baseline import NO_FORECAST, classify_series

    values = [5.0] * 12 + [0.0]
    t = pd.DataFrame({"reporter": "UZB", "partner": "PAK", "flow": "export", "commodity": "coal",
                      "period": pd.date_range("2013", periods=len(values), freq="YS"), "value": values})  # fmt: skip
    row = classify_series(t).iloc[0]
    assert row.method == NO_FORECAST
    assert "no trade in the last year (2025)" in row.reason
    assert row.fitted_from == 2016 and row.years == 10


@pytest.mark.filterwarnings("ignore::forecasting.errors.DemoDataWarning")
def test_the_statistical_turnover_mean_on_the_bundled_data_lies_inside_its_80_interval():
    # On the bundled pair (a turnover of about USD 60-120 m a year) the former paths put the 2035
    # mean at 772 m, above the 80 % interval's 718 m, and P(>= $1 bn) at 12 %: tails of log paths
    # scaled far past any error the series made.
    pair_data = pair_series(prepare_data().reconciled, ("KAZ", "PAK"))
    paths, _ = baseline_paths(pair_data, last_year=2035, draws=1000, seed=2026)
    turnover = turnover_draws(paths.assign(scenario="statistical"))
    row = summarise(turnover, ["reporter", "partner"], levels=(80,)).query("period.dt.year == 2035").iloc[0]
    assert row["lower"] <= row["median"] <= row["mean"] <= row["upper"], row.to_dict()
    at_2035 = turnover[turnover.year == 2035].value
    # one draw in a thousand may pass it (the walk past the calibrated years has Laplace tails)
    assert (at_2035 >= 1e9).mean() < 0.01 and np.quantile(at_2035, 0.995) < 1e9
