"""What drives the $1 bn answer: variance shares that are shares, and the growth it would take."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.projection.drivers_of_billion import billion_drivers, first_order_shares, growth_needed
from forecasting.projection.uncertainty import SOURCES


def test_first_order_shares_recover_a_known_additive_split():
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 5, 20000), rng.integers(0, 5, 20000)
    noise = rng.normal(0, 1, 20000)
    y = 2.0 * a + 1.0 * b + noise  # Var: 4 * 2 + 1 * 2 + 1 = 11
    shares = first_order_shares(y, {"a": a, "b": b, "unrelated": rng.integers(0, 5, 20000)})
    assert shares["a"] == pytest.approx(8 / 11, abs=0.02)
    assert shares["b"] == pytest.approx(2 / 11, abs=0.02)
    assert shares["unrelated"] == pytest.approx(0.0, abs=0.005)


def test_shares_lie_in_zero_one_and_sum_to_one_with_the_interaction():
    y = np.linspace(0.0, 2.0, 100)
    u = {s: np.linspace(0, 1, 100) for s in SOURCES}
    over = billion_drivers("s", 2035, y, dict.fromkeys(SOURCES, y), u, {"baseline": 0.9, "opening_year": 0.6},
                           target_usd=1.0)  # fmt: skip
    assert over.variance_share.between(0, 1).all() and over.variance_share.sum() == pytest.approx(1.0)
    assert over.set_index("source").loc["interaction", "variance_share"] == 0.0  # scaled down, no remainder
    under = billion_drivers("s", 2035, y, dict.fromkeys(SOURCES, y), u, {"baseline": 0.5}, target_usd=1.0)
    assert under.set_index("source").loc["interaction", "variance_share"] == pytest.approx(0.5)
    assert list(under.source) == [*SOURCES, "interaction"]


@pytest.mark.slow
def test_the_outlook_table_of_drivers_is_a_decomposition(outlook):
    table = outlook.billion_drivers
    assert set(table.scenario) == set(outlook.scenarios)
    assert set(table.year) == {2035}
    for _, rows in table.groupby("scenario"):
        assert list(rows.source) == [*SOURCES, "interaction"]
        assert rows.variance_share.between(0, 1).all()
        assert rows.variance_share.sum() == pytest.approx(1.0)
        p = outlook.billion.set_index(["scenario", "year"]).probability[(rows.scenario.iloc[0], 2035)]
        assert rows.probability.eq(p).all()  # the same draws as the billion table
        named = rows[rows.source != "interaction"]
        np.testing.assert_allclose(named.probability_change, named.probability - named.probability_held)
    rail = table[table.scenario == "trans_afghan_railway"].set_index("source")
    # A railway that may open late or never: its opening year matters, and later draws reach less.
    assert rail.loc["opening_year", "variance_share"] > 0
    assert rail.loc["opening_year", "probability_low"] <= rail.loc["opening_year", "probability_high"]
    # The stress test has no uncertain corridor: every corridor source explains nothing.
    stress = table[table.scenario == "border_closure_stress"].set_index("source")
    assert (stress.loc[["opening_year", "ramp_up", "cost_shocks", "new_trade"], "variance_share"] == 0).all()


def test_growth_needed_is_the_compound_rate_to_the_target():
    draws = pd.DataFrame(
        {"scenario": ["baseline"] * 2 + ["both"] * 2, "year": 2030, "draw": [0, 1] * 2,
         "value": [1e8, 3e8, 5e8, 7e8]}
    )  # fmt: skip
    billion = pd.DataFrame({"scenario": ["baseline", "both"], "year": 2030, "probability": [0.0, 0.2]})

    class Combination:
        components = ("a", "b")

    out = growth_needed(draws, billion, {"both": Combination()}, from_year=2025, from_usd=1e8, target_usd=1e9,
                        target_years=(2030,))  # fmt: skip
    assert list(out.role) == ["status quo", "best combination"]
    required = 100 * (10 ** (1 / 5) - 1)
    assert out.required_growth_pct.tolist() == pytest.approx([required, required])
    assert out.median_growth_pct.tolist() == pytest.approx(
        [100 * (2 ** (1 / 5) - 1), 100 * (6 ** (1 / 5) - 1)]
    )
    np.testing.assert_allclose(out.gap_pp, out.required_growth_pct - out.median_growth_pct)


@pytest.mark.slow
def test_the_outlook_says_what_growth_the_target_takes(outlook):
    g = outlook.billion_growth
    assert set(g.target_year) == {2030, 2035} and g.role.iloc[0] == "status quo"
    assert (g.required_growth_pct > 0).all()
    # Reaching the target sooner takes faster growth.
    by_year = g[g.role == "status quo"].set_index("target_year").required_growth_pct
    assert by_year[2030] > by_year[2035]
