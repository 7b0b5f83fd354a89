"""Joint draws: zero shocks change nothing, intervals nest, turnover adds up, $1 bn logic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.projection.combine import (
    ScenarioPath,
    billion_table,
    combine_draws,
    first_year_table,
    summarise,
    turnover_draws,
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


def _none() -> pd.DataFrame:
    return pd.DataFrame(columns=[*SERIES_KEYS, "year", "value_usd"])


def _effect(paths: pd.DataFrame, log_effect: float) -> pd.DataFrame:
    keys = paths[[*SERIES_KEYS, "draw"]].drop_duplicates()
    return keys.assign(log_effect=log_effect)


def test_a_zero_shock_scenario_changes_nothing():
    paths = _paths()
    zero = ScenarioPath(
        "zero", dict.fromkeys(YEARS, 1.0), dict.fromkeys(YEARS, 1.0), _effect(paths, 0.0), _none()
    )
    out = combine_draws(paths, [zero], years=YEARS)
    a = out[out.scenario == "statistical"].value.to_numpy()
    b = out[out.scenario == "zero"].value.to_numpy()
    np.testing.assert_array_equal(a, b)


def test_phase_availability_and_shipments_enter_as_stated():
    paths = _paths(draws=3)
    ship = pd.DataFrame(
        [("KAZ", "PAK", "export", "coal", 2027, 5e6)], columns=[*SERIES_KEYS, "year", "value_usd"]
    )
    sc = ScenarioPath(
        "s",
        {2026: 0.0, 2027: 0.5, 2028: 1.0},
        {2026: 0.5, 2027: 1.0, 2028: 1.0},
        _effect(paths, np.log(1.2)),
        ship,
    )
    out = combine_draws(paths, [sc], years=YEARS).set_index([*SERIES_KEYS, "draw", "year", "scenario"]).value
    base = out.xs("statistical", level="scenario")
    new = out.xs("s", level="scenario")
    key = ("KAZ", "PAK", "export", "coal", 0)
    assert new[(*key, 2026)] == pytest.approx(0.5 * base[(*key, 2026)])
    assert new[(*key, 2027)] == pytest.approx(base[(*key, 2027)] * 1.2**0.5 + 5e6)
    assert new[(*key, 2028)] == pytest.approx(base[(*key, 2028)] * 1.2)


def test_intervals_nest_and_turnover_is_coherent_with_the_series():
    paths = _paths()
    joint = combine_draws(paths, [], years=YEARS)
    series = summarise(joint, list(SERIES_KEYS), levels=(80, 95))
    w = series.pivot_table(index=[*SERIES_KEYS, "period"], columns="level", values=["lower", "upper"])
    assert (w[("lower", 95)] <= w[("lower", 80)]).all() and (w[("upper", 80)] <= w[("upper", 95)]).all()
    turnover = summarise(turnover_draws(joint), ["reporter", "partner"], levels=(80,))
    by_year = series[series.level == 80].groupby("period")["mean"].sum()
    np.testing.assert_allclose(
        turnover.set_index("period")["mean"].to_numpy(), by_year.to_numpy(), rtol=1e-12
    )


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
