"""GE effects of a corridor on every pair it serves, with Monte Carlo intervals.

Each draw takes a trade elasticity from its estimate and standard error, a time elasticity
from the literature range, and every shock's value from its low/central/high range (the
joint sample of :mod:`forecasting.projection.uncertainty`); the corridor's days and dollars
become that draw's change in log trade costs (:func:`forecasting.scenarios.draws.route_draws`),
and all draws are solved together in full-endowment GE on the base year
(:func:`forecasting.gravity.ge.counterfactual_draws`), each with its own sigma.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.projection.effects import (
    full_changes,
    international_pairs,
    outlook_ge_options,
    solve_cost_draws,
)
from forecasting.projection.settings import Elasticity
from forecasting.projection.uncertainty import GE_SOURCES, JointSample
from forecasting.scenarios import Scenario
from forecasting.scenarios.draws import route_draws

CORRIDOR_COLUMNS = [
    "scenario",
    "commodity",
    "exporter",
    "importer",
    "baseline_usd",
    "direct_median_pct",
    "median_pct",
    "lower",
    "upper",
    "level",
    "draws",
]


def corridor_effects(
    scenario: Scenario,
    base: pd.DataFrame,
    elasticity: Elasticity,
    *,
    draws: int = 100,
    level: float = 95,
    seed: int = 0,
    reference_importer: str = "DEU",
) -> pd.DataFrame:
    """Full (phased-in) GE change of every flow the corridor serves, median and interval.

    Parameters
    ----------
    scenario
        The corridor (a :class:`~forecasting.scenarios.Scenario`).
    base
        Square base-year cross-section of one commodity including domestic sales
        (:func:`forecasting.projection.estimate.ge_base_year`).
    elasticity
        Trade elasticity of the commodity with its standard error.
    draws, level, seed
        Monte Carlo draws, interval coverage in percent, and the seed.

    Returns
    -------
    pandas.DataFrame
        One row per served pair with positive baseline trade (``CORRIDOR_COLUMNS``); a flow
        that is zero stays zero in a GE model calibrated to observed trade. ``draws`` counts
        the draws with an equilibrium (a warning names any without).
    """
    commodity = elasticity.commodity
    sample = JointSample.draw(draws=draws, ge_draws=draws, seed=seed)
    routes = route_draws(
        scenario, international_pairs(base, commodity), cost_quantiles=sample.quantiles["cost_shocks"]
    )
    frame = routes[0].frame
    eps = sample.elasticity(elasticity)
    deltas = full_changes(routes, sample, eps)
    central_draw = full_changes(routes, sample.held(*GE_SOURCES), np.full(draws, elasticity.estimate))[0]
    index = pd.MultiIndex.from_frame(frame[["exporter", "importer"]])
    central = pd.Series(central_draw, index=index)
    flows = base.set_index(["exporter", "importer"]).value_usd
    served = central[(central != 0) & (flows.reindex(central.index).fillna(0) > 0)].index
    if served.empty or not (deltas != 0).any():
        return pd.DataFrame(columns=CORRIDOR_COLUMNS)
    solved = solve_cost_draws(
        scenario, base, frame, deltas, eps, outlook_ge_options(elasticity, reference_importer)
    )
    bilateral = solved.bilateral(level=level).set_index(["exporter", "importer"]).reindex(served)
    out = pd.DataFrame(
        {
            "scenario": scenario.name,
            "commodity": commodity,
            "exporter": served.get_level_values(0),
            "importer": served.get_level_values(1),
            "baseline_usd": flows.reindex(served).to_numpy(),
            "direct_median_pct": 100 * np.expm1(central.reindex(served).to_numpy()),
            "median_pct": bilateral.median_pct.to_numpy(),
            "lower": bilateral.lower.to_numpy(),
            "upper": bilateral.upper.to_numpy(),
            "level": level,
            "draws": bilateral.draws.to_numpy(),
        }
    )
    return out[CORRIDOR_COLUMNS]
