"""Every built-in corridor gives GE effects with intervals for all pairs it serves."""

from __future__ import annotations

import numpy as np
import pytest

from forecasting.data import load_demo_flows, load_demo_production, reconcile_mirror
from forecasting.projection.corridors import corridor_effects
from forecasting.projection.estimate import ge_base_year
from forecasting.projection.settings import Elasticity
from forecasting.scenarios import builtin_corridors, read_scenarios
from tests.conftest import REPO


@pytest.fixture(scope="module")
def base():
    table, _ = reconcile_mirror(load_demo_flows())
    return ge_base_year(table, load_demo_production(), year=2025, commodity="other")


CORRIDORS = [k for k, v in builtin_corridors().items() if k not in ("baseline", "border_closure_stress")]


@pytest.mark.slow
@pytest.mark.parametrize("name", CORRIDORS)
def test_builtin_corridor_effects_have_intervals_for_every_served_pair(base, name):
    scenario = builtin_corridors()[name]
    out = corridor_effects(scenario, base, Elasticity("other", -4.0, 1.0, "estimated"), draws=12, seed=1)
    assert len(out) >= 1
    assert np.all(out.lower <= out.median_pct) and np.all(out.median_pct <= out.upper)
    served = {(a, b) for a, b in zip(out.exporter, out.importer, strict=True)}
    assert ("KAZ", "PAK") in served or ("PAK", "KAZ") in served or name == "kz_pk_east_africa"
    # Costs fall on the corridor, so the GE change of a served flow is positive in the median.
    assert (out.median_pct[out.direct_median_pct > 0] > 0).all()


@pytest.mark.slow
def test_a_user_written_toml_corridor_runs_end_to_end(base):
    scenarios = read_scenarios(REPO / "examples" / "my_corridor.toml")
    for scenario in scenarios.values():
        out = corridor_effects(scenario, base, Elasticity("other", -4.0, 1.0, "estimated"), draws=6, seed=2)
        assert out.columns[0] == "scenario"
        assert (out.upper >= out.lower).all()


@pytest.mark.slow
def test_a_corridor_without_uncertainty_gives_its_own_ge_counterfactual_in_every_draw(base):
    """No range on the shock, no time channel, zero s.e.: each draw is the point counterfactual."""
    from forecasting.gravity.ge import GEOptions, counterfactual
    from forecasting.projection.effects import international_pairs
    from forecasting.scenarios import Scenario, Shock, pairs_between

    cheaper = Shock("freight_cost_pct", pairs_between(["KAZ", "UZB"], ["PAK"]), value=-0.4, mode="relative")
    scenario = Scenario("cheaper", start_year=2026, shocks=(cheaper,))
    elasticity = Elasticity("other", -4.0, 0.0, "estimated")
    out = corridor_effects(scenario, base, elasticity, draws=4, seed=1).set_index(["exporter", "importer"])
    change = scenario.cost_changes(international_pairs(base, "other"), elasticity=-4.0, unmatched="skip")
    point = counterfactual(
        base, change[["exporter", "importer", "delta_log_cost"]],
        options=GEOptions(sigma=5.0, reference_importer="DEU", baseline="observed"),
    ).bilateral.set_index(["exporter", "importer"])  # fmt: skip
    np.testing.assert_allclose(out.median_pct, point.loc[out.index, "change_pct"], atol=1e-6)
    np.testing.assert_allclose(out.lower, out.upper, atol=1e-6)


@pytest.mark.slow
def test_cost_shocks_are_drawn_from_their_range_not_three_cases(base):
    """The GE Monte Carlo draws every shock's value continuously between its low and high."""
    from forecasting.projection.effects import full_changes, international_pairs
    from forecasting.projection.uncertainty import JointSample
    from forecasting.scenarios.draws import route_draws

    rail = builtin_corridors()["trans_afghan_railway"]
    sample = JointSample.draw(draws=300, ge_draws=300, seed=3)
    routes = route_draws(
        rail, international_pairs(base, "other"), cost_quantiles=sample.quantiles["cost_shocks"]
    )
    deltas = full_changes(routes, sample.held("trade_elasticity", "time_elasticity"), np.full(300, -4.0))
    column = deltas[:, np.flatnonzero((deltas != 0).any(axis=0))[0]]
    assert len(np.unique(column.round(12))) > 250  # continuous, not three values
    low = rail.cost_changes(international_pairs(base, "other"), elasticity=-4.0, draw="low", unmatched="skip")
    high = rail.cost_changes(
        international_pairs(base, "other"), elasticity=-4.0, draw="high", unmatched="skip"
    )
    moved = low.delta_log_cost.to_numpy() != 0
    inside = (deltas[:, moved] >= low.delta_log_cost.to_numpy()[moved] - 1e-12) & (
        deltas[:, moved] <= high.delta_log_cost.to_numpy()[moved] + 1e-12
    )
    assert inside.all()
