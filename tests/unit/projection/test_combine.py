"""Joint draws: zero shocks change nothing, intervals nest, turnover adds up, $1 bn logic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.projection.combine import (
    BaselineArray,
    ScenarioPath,
    billion_table,
    combine_draws,
    first_year_table,
    summarise,
    turnover_draws,
    turnover_long,
)
from forecasting.projection.result import SERIES_KEYS

YEARS = [2026, 2027, 2028]


def _paths(draws: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for flow, level in (("export", 40e6), ("import", 60e6)):
        for commodity in ("coal", "textiles"):
            for d in range(draws):
                for y in YEARS:
                    rows.append(("KAZ", "PAK", flow, commodity, d, y, level * rng.lognormal(0, 0.3)))
    return pd.DataFrame(rows, columns=[*SERIES_KEYS, "draw", "year", "value"])


def _path(name: str, base: BaselineArray, log_effect: float = 0.0, **parts) -> ScenarioPath:
    d, s, _ = base.values.shape
    arrays = {"phase": 1.0, "availability": 1.0, "shipments": 0.0, "new_trade": 0.0} | parts
    return ScenarioPath(name, np.full((d, s), log_effect), *(np.asarray(arrays[k]) for k in
                        ("phase", "availability", "shipments", "new_trade")))  # fmt: skip


def test_a_zero_shock_scenario_changes_nothing():
    base = BaselineArray.from_paths(_paths(), YEARS)
    out = combine_draws(base, [_path("zero", base)])
    a = out[out.scenario == "statistical"].value.to_numpy()
    b = out[out.scenario == "zero"].value.to_numpy()
    np.testing.assert_array_equal(a, b)


def test_phase_availability_shipments_and_new_trade_enter_as_stated():
    base = BaselineArray.from_paths(_paths(draws=3), YEARS)
    coal_export = int(np.flatnonzero((base.series.flow == "export") & (base.series.commodity == "coal"))[0])
    shipments = np.zeros((1, len(base.series), 3))
    shipments[0, coal_export, 1] = 5e6
    new_trade = np.zeros((3, len(base.series), 3))
    new_trade[2, coal_export, 2] = 7e6  # only in draw 2
    sc = _path(
        "s", base, np.log(1.2), phase=np.array([0.0, 0.5, 1.0]), availability=np.array([0.5, 1.0, 1.0]),
        shipments=shipments, new_trade=new_trade,
    )  # fmt: skip
    out = combine_draws(base, [sc]).set_index([*SERIES_KEYS, "draw", "year", "scenario"]).value
    before = out.xs("statistical", level="scenario")
    after = out.xs("s", level="scenario")
    key = ("KAZ", "PAK", "export", "coal", 0)
    assert after[(*key, 2026)] == pytest.approx(0.5 * before[(*key, 2026)])
    assert after[(*key, 2027)] == pytest.approx(before[(*key, 2027)] * 1.2**0.5 + 5e6)
    assert after[(*key, 2028)] == pytest.approx(before[(*key, 2028)] * 1.2)
    last = ("KAZ", "PAK", "export", "coal", 2, 2028)
    assert after[last] == pytest.approx(before[last] * 1.2 + 7e6)


def test_baseline_array_refuses_missing_draws():
    paths = _paths(draws=2)
    with pytest.raises(ValueError, match="every draw of every series and year"):
        BaselineArray.from_paths(paths.iloc[1:], YEARS)


def test_intervals_nest_and_turnover_is_coherent_with_the_series():
    base = BaselineArray.from_paths(_paths(), YEARS)
    joint = combine_draws(base, [])
    series = summarise(joint, list(SERIES_KEYS), levels=(80, 95))
    w = series.pivot_table(index=[*SERIES_KEYS, "period"], columns="level", values=["lower", "upper"])
    assert (w[("lower", 95)] <= w[("lower", 80)]).all() and (w[("upper", 80)] <= w[("upper", 95)]).all()
    turnover = summarise(turnover_draws(joint), ["reporter", "partner"], levels=(80,))
    by_year = series[series.level == 80].groupby("period")["mean"].sum()
    np.testing.assert_allclose(
        turnover.set_index("period")["mean"].to_numpy(), by_year.to_numpy(), rtol=1e-12
    )
    # Turnover straight from the arrays is the same table as the one added up from the long draws.
    from_arrays = turnover_long(base, {"statistical": base.values})
    pd.testing.assert_frame_equal(from_arrays, turnover_draws(joint), check_dtype=False)


def test_turnover_counts_each_direction_once_whichever_side_is_first():
    d = pd.DataFrame(
        {
            "reporter": ["KAZ", "PAK"],
            "partner": ["PAK", "KAZ"],
            "flow": ["export", "export"],
            "commodity": "x",
            "scenario": "s",
            "year": 2030,
            "draw": 0,
            "value": [1.0, 2.0],
        }
    )
    out = turnover_draws(d)
    assert out.value.tolist() == [3.0] and out.reporter.tolist() == ["KAZ"]


def test_billion_probability_and_first_year():
    t = pd.DataFrame(
        {
            "scenario": "s",
            "year": np.tile([2030, 2031, 2032], 4),
            "draw": np.repeat(range(4), 3),
            "value": [0, 2, 2, 0, 0, 2, 2, 2, 2, 0, 0, 0],
        }
    )
    p = billion_table(t, target_usd=1).set_index("year").probability
    assert p.tolist() == [0.25, 0.5, 0.75]
    first = first_year_table(t, target_usd=1, horizon=2032).iloc[0]
    # first years 2031, 2032, 2030, never: half the draws have reached it by 2031
    assert first.median_year == 2031 and first.label == "2031" and first.probability_by_horizon == 0.75
    never = first_year_table(t.assign(value=0), target_usd=1, horizon=2032).iloc[0]
    assert never.label == "not by 2032" and np.isnan(never.median_year)
