"""End to end on the bundled demo data, with few draws: contracts, coherence, honesty."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import DemoDataWarning
from forecasting.outlook import OutlookResult, outlook
from forecasting.scenarios import builtin_corridors
from forecasting.schema import COEFFICIENTS, FORECAST, GE_COUNTRY, validate

SCENARIOS = ("baseline", "trans_afghan_railway", "border_closure_stress")


@pytest.fixture(scope="module")
def result() -> OutlookResult:
    chosen = {k: v for k, v in builtin_corridors().items() if k in SCENARIOS}
    with pytest.warns(DemoDataWarning, match="DEMONSTRATION DATA"):
        return outlook(scenarios=chosen, draws=80, ge_draws=12, horizon=2035, seed=11)


@pytest.mark.slow
def test_tables_follow_their_schemas(result):
    validate(result.forecast, FORECAST, keys=["reporter", "partner", "flow", "commodity"])
    validate(result.turnover, FORECAST, keys=["reporter", "partner"])
    validate(result.coefficients, COEFFICIENTS)
    validate(result.ge_country, GE_COUNTRY)
    assert set(result.forecast.scenario) == {"statistical", *SCENARIOS}
    assert set(result.forecast.level) == {80, 95}
    assert result.forecast.period.dt.year.max() == 2035


@pytest.mark.slow
def test_demo_runs_say_so(result):
    assert result.is_demo and "DEMONSTRATION DATA" in result.settings["data_label"]
    assert "importer" in result.settings["reporter_choice"]


@pytest.mark.slow
def test_turnover_mean_is_the_sum_of_the_commodity_rows(result):
    series = result.forecast[result.forecast.level == 80].groupby(["scenario", "period"])["mean"].sum()
    turnover = result.turnover[result.turnover.level == 80].set_index(["scenario", "period"])["mean"]
    pd.testing.assert_series_equal(series.sort_index(), turnover.sort_index(), check_names=False, rtol=1e-9)


@pytest.mark.slow
def test_intervals_nest(result):
    w = result.forecast.pivot_table(
        index=["reporter", "flow", "commodity", "scenario", "period"],
        columns="level",
        values=["lower", "upper"],
    )
    assert (w[("lower", 95)] <= w[("lower", 80)] + 1e-6).all()
    assert (w[("upper", 80)] <= w[("upper", 95)] + 1e-6).all()


@pytest.mark.slow
def test_known_bus_contract_sits_on_top_of_the_baseline(result):
    f = result.forecast[
        (result.forecast.level == 80)
        & (result.forecast.commodity == "buses")
        & (result.forecast.flow == "export")
    ].set_index(["scenario", "period"])["mean"]
    added = f.loc["baseline"] - f.loc["statistical"]
    assert added.loc["2026-01-01"] == pytest.approx(54e6, rel=1e-6)
    assert added.loc["2027-01-01"] == pytest.approx(54e6, rel=1e-6)
    assert added.loc["2028-01-01"] == pytest.approx(0.0, abs=1e-3)


@pytest.mark.slow
def test_the_railway_only_moves_trade_after_it_opens(result):
    t = result.turnover[result.turnover.level == 80].set_index(["scenario", "period"])["mean"]
    opening = builtin_corridors()["trans_afghan_railway"].opening_year
    before = pd.Timestamp(f"{opening - 1}-01-01")
    assert t.loc[("trans_afghan_railway", before)] == pytest.approx(t.loc[("baseline", before)], rel=1e-9)
    assert (
        t.loc[("trans_afghan_railway", pd.Timestamp("2035-01-01"))]
        > t.loc[("baseline", pd.Timestamp("2035-01-01"))]
    )
    assert (
        t.loc[("border_closure_stress", pd.Timestamp("2030-01-01"))]
        < t.loc[("baseline", pd.Timestamp("2030-01-01"))]
    )


@pytest.mark.slow
def test_billion_probabilities_are_probabilities(result):
    p = result.billion.probability
    assert ((p >= 0) & (p <= 1)).all()
    assert set(result.first_year.scenario) == {"statistical", *SCENARIOS}


@pytest.mark.slow
def test_history_keeps_both_sides_and_the_published_figures(result):
    h = result.history
    assert {"KAZ", "PAK"} <= set(h.reporter)
    published = h[h.basis.str.startswith("published")]
    assert published.source.str.startswith("http").all() and len(published) > 10


@pytest.mark.slow
def test_same_seed_same_result():
    chosen = {"baseline": builtin_corridors()["baseline"]}
    a = outlook(scenarios=chosen, draws=30, ge_draws=5, horizon=2028, seed=3)
    b = outlook(scenarios=chosen, draws=30, ge_draws=5, horizon=2028, seed=3)
    pd.testing.assert_frame_equal(a.turnover, b.turnover)
    assert np.isfinite(a.turnover["mean"]).all()
