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
def test_the_central_draw_of_a_corridor_is_its_own_ge_counterfactual(base, monkeypatch):
    """With no uncertainty left (zero s.e., every draw central) each draw is the point counterfactual."""
    from forecasting.gravity.ge import GEOptions, counterfactual
    from forecasting.projection import effects

    scenario = builtin_corridors()["trans_afghan_railway"]
    elasticity = Elasticity("other", -4.0, 0.0, "estimated")
    monkeypatch.setattr(effects, "CASE_WEIGHTS", (0.0, 1.0, 0.0))
    out = corridor_effects(scenario, base, elasticity, draws=4, seed=1).set_index(["exporter", "importer"])
    change = scenario.cost_changes(
        effects.international_pairs(base, "other"), elasticity=-4.0, unmatched="skip"
    )
    point = counterfactual(
        base, change[["exporter", "importer", "delta_log_cost"]],
        options=GEOptions(sigma=5.0, reference_importer="DEU", baseline="observed"),
    ).bilateral.set_index(["exporter", "importer"])  # fmt: skip
    np.testing.assert_allclose(out.median_pct, point.loc[out.index, "change_pct"], atol=1e-6)
    np.testing.assert_allclose(out.lower, out.upper, atol=1e-6)
