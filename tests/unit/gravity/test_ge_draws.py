"""counterfactual_draws: each draw is the counterfactual of its own cost change and sigma, batched."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConvergenceError, ForecastingWarning, SchemaError
from forecasting.gravity.ge import GEOptions, counterfactual, counterfactual_draws, simulate_ge_data
from forecasting.gravity.ge import draws as draws_module

OBSERVED = GEOptions(reference_importer="AAA", baseline="observed")


@pytest.fixture(scope="module")
def world() -> pd.DataFrame:
    return simulate_ge_data(n_countries=6, seed=3)[0]


def _shocks(draws: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pairs = [("AAA", "BBB"), ("BBB", "AAA"), ("CCC", "DDD")]
    rows = [(d, e, i, float(rng.uniform(-0.3, 0.6))) for d in range(draws) for e, i in pairs]
    return pd.DataFrame(rows, columns=["draw", "exporter", "importer", "delta_log_cost"])


def test_every_draw_equals_its_own_counterfactual(world) -> None:
    shocks = _shocks(5)
    sigma = np.array([2.0, 4.0, 6.0, 8.0, 12.0])
    out = counterfactual_draws(world, shocks, sigma=sigma, options=OBSERVED, chunk_size=2)
    assert out.draws.tolist() == [0, 1, 2, 3, 4] and not out.failed.any()
    for d in range(5):
        one = counterfactual(
            world, shocks[shocks.draw == d].drop(columns="draw"), options=GEOptions(
                sigma=float(sigma[d]), reference_importer="AAA", baseline="observed"),
        )  # fmt: skip
        flows = one.bilateral.set_index(["exporter", "importer"])
        for exporter, importer in (("AAA", "BBB"), ("EEE", "FFF"), ("CCC", "DDD")):
            expected = np.log(
                flows.loc[(exporter, importer), "counterfactual_usd"]
                / flows.loc[(exporter, importer), "baseline_usd"]
            )
            # Both solves stop at the solver's tolerance (1e-8 in log market clearing), from other starts.
            assert out.log_change(exporter, importer)[d] == pytest.approx(expected, abs=1e-7)
        country = one.country.set_index(["measure", "country"])["change_pct"]
        table = out.country_change_pct[d].reshape(-1)
        expected = country.loc[[(m, c) for m in out.measures for c in out.countries]].to_numpy()
        np.testing.assert_allclose(table, expected, atol=1e-6)


def test_the_country_table_of_a_draw_is_its_ge_country_table(world) -> None:
    shocks = _shocks(3, seed=4)
    out = counterfactual_draws(world, shocks, sigma=[3.0, 6.0, 9.0], options=OBSERVED, conditional=False)
    one = counterfactual(
        world, shocks[shocks.draw == 1].drop(columns="draw"),
        options=GEOptions(sigma=6.0, reference_importer="AAA", baseline="observed"),
    ).country.set_index(["measure", "country"])  # fmt: skip
    table = out.country_table(1).set_index(["measure", "country"])
    assert set(table.index) <= set(one.index) and "exports_conditional" not in set(
        table.index.get_level_values(0)
    )
    for column in ("baseline", "counterfactual", "change_pct"):
        np.testing.assert_allclose(table[column], one.loc[table.index, column], rtol=1e-7, atol=1e-6)


def test_results_do_not_depend_on_the_chunk_size(world) -> None:
    shocks = _shocks(7, seed=1)
    sigma = np.linspace(3.0, 9.0, 7)
    one = counterfactual_draws(world, shocks, sigma=sigma, options=OBSERVED, chunk_size=1)
    all_ = counterfactual_draws(world, shocks, sigma=sigma, options=OBSERVED, chunk_size=100)
    np.testing.assert_allclose(one.flows, all_.flows, rtol=1e-7)
    np.testing.assert_allclose(one.country_change_pct, all_.country_change_pct, atol=1e-6)


def test_skipping_the_conditional_stage_leaves_the_full_outcomes_unchanged(world) -> None:
    shocks, sigma = _shocks(4, seed=5), [3.0, 5.0, 7.0, 9.0]
    both = counterfactual_draws(world, shocks, sigma=sigma, options=OBSERVED)
    full = counterfactual_draws(world, shocks, sigma=sigma, options=OBSERVED, conditional=False)
    assert full.measures == both.measures[: len(full.measures)] and "exports_conditional" not in full.measures
    np.testing.assert_allclose(full.flows, both.flows, rtol=1e-12)
    np.testing.assert_allclose(
        full.country_change_pct, both.country_change_pct[:, : len(full.measures)], atol=1e-12
    )


def test_a_shared_cost_change_takes_its_draws_from_sigma(world) -> None:
    cut = pd.DataFrame({"exporter": ["AAA"], "importer": ["BBB"], "delta_log_cost": [0.4]})
    out = counterfactual_draws(world, cut, sigma=[3.0, 6.0, 11.0], options=OBSERVED)
    effect = out.log_change("AAA", "BBB")
    assert len(effect) == 3 and np.all(effect > 0)
    # A larger sigma lets the cheaper supplier take more of the market from third countries.
    assert effect[0] < effect[2]
    by_series = counterfactual_draws(
        world, cut, sigma=pd.Series([3.0, 6.0, 11.0], index=[10, 20, 30]), options=OBSERVED
    )
    assert by_series.draws.tolist() == [10, 20, 30]
    np.testing.assert_allclose(by_series.flows, out.flows)


def test_intervals_bracket_the_median(world) -> None:
    out = counterfactual_draws(world, _shocks(40, seed=2), sigma=np.linspace(3, 9, 40), options=OBSERVED)
    bilateral = out.bilateral(level=90)
    assert (bilateral.lower <= bilateral.median_pct + 1e-12).all()
    assert (bilateral.median_pct <= bilateral.upper + 1e-12).all()
    assert set(bilateral.columns) == {
        "scenario",
        "exporter",
        "importer",
        "baseline_usd",
        "median_pct",
        "lower",
        "upper",
        "level",
        "draws",
    }
    moved = bilateral.set_index(["exporter", "importer"]).loc[("AAA", "BBB")]
    assert moved.upper - moved.lower > 1.0
    country = out.country(level=80)
    assert len(country) == len(out.measures) * len(out.countries)
    assert (country.lower <= country.upper).all()


def test_bad_sigma_and_shapes_are_refused(world) -> None:
    shocks = _shocks(3)
    with pytest.raises(SchemaError, match=r"draws 1 have 0\.5"):
        counterfactual_draws(world, shocks, sigma=[3.0, 0.5, 4.0], options=OBSERVED)
    with pytest.raises(SchemaError, match="sigma has 2 values but the cost changes have 3 draws"):
        counterfactual_draws(world, shocks, sigma=[3.0, 4.0], options=OBSERVED)
    with pytest.raises(SchemaError, match="no value for draws 2"):
        counterfactual_draws(world, shocks, sigma=pd.Series([3.0, 4.0], index=[0, 1]), options=OBSERVED)
    with pytest.raises(SchemaError, match="replication"):
        counterfactual_draws(world, shocks, options=GEOptions(reference_importer="AAA", stopping="book"))


def test_failed_draws_are_named_and_left_out(world, monkeypatch) -> None:
    real = draws_module.ChunkSolver.solve

    def flaky(self, log_base, log_new, sigma):
        if np.any(sigma == 13.0):
            raise ConvergenceError("simulated failure")
        return real(self, log_base, log_new, sigma)

    monkeypatch.setattr(draws_module.ChunkSolver, "solve", flaky)
    with pytest.warns(ForecastingWarning, match="1 of 4 draws had no equilibrium"):
        out = counterfactual_draws(world, _shocks(4), sigma=[3.0, 4.0, 13.0, 5.0], options=OBSERVED)
    assert out.failed.tolist() == [False, False, True, False]
    assert out.diagnostics["failed_draws"] == [2]
    assert (
        np.isnan(out.log_change("AAA", "BBB")[2])
        and np.isfinite(out.log_change("AAA", "BBB")[[0, 1, 3]]).all()
    )
    assert out.bilateral()["draws"].eq(3).all()
