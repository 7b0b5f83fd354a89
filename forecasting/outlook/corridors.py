"""GE effects of a corridor on every pair it serves, with Monte Carlo intervals.

Each draw takes a trade elasticity from its estimate and standard error and a parameter
case (low, central, high) of the corridor, turns the corridor's days and dollars into
changes of log trade costs, and solves the full-endowment GE counterfactual on the base
year. Unlike :func:`forecasting.outlook.effects.ge_effect_draws` (which scales one solve per
case to keep the outlook fast) every draw here is a full solve.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.gravity.ge import counterfactual
from forecasting.outlook.effects import Elasticity, case_deltas, draw_parameters, international_pairs
from forecasting.progress import track
from forecasting.scenarios import Scenario

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
        (:func:`forecasting.outlook.effects.ge_base_year`).
    elasticity
        Trade elasticity of the commodity with its standard error.
    draws, level, seed
        Monte Carlo draws, interval coverage in percent, and the seed.

    Returns
    -------
    pandas.DataFrame
        One row per served pair with positive baseline trade (``CORRIDOR_COLUMNS``); a flow
        that is zero stays zero in a GE model calibrated to observed trade.
    """
    commodity = elasticity.commodity
    pairs = international_pairs(base, commodity)
    deltas = {
        case: tuple(d.xs(commodity, level="commodity") for d in parts)
        for case, parts in case_deltas(scenario, pairs).items()
    }
    central_fixed, central_scaled = deltas["central"]
    central = elasticity.estimate * central_scaled + central_fixed
    flows = base.set_index(["exporter", "importer"]).value_usd
    served = central[(central != 0) & (flows.reindex(central.index).fillna(0) > 0)].index
    if served.empty:
        return pd.DataFrame(columns=CORRIDOR_COLUMNS)
    eps, cases = draw_parameters(elasticity, draws, seed)
    data = base.assign(ln_tariff=0.0)
    baseline = flows.reindex(served)
    changes = np.empty((draws, len(served)))
    for d in track(range(draws), total=draws, desc=f"GE draws {scenario.name}"):
        fixed, scaled = deltas[str(cases[d])]
        delta = (eps[d] * scaled + fixed).rename("delta_log_cost")
        delta = delta[delta != 0].reset_index()
        result = counterfactual(
            data,
            pd.DataFrame({"term": ["ln_tariff"], "estimate": [eps[d]]}),
            delta,
            sigma=1.0 - eps[d],
            reference_importer=reference_importer,
            kind="full",
            baseline="observed",
            scenario=scenario.name,
        )
        bil = result.bilateral.set_index(["exporter", "importer"]).reindex(served)
        changes[d] = bil.change_pct.to_numpy()
    tail = (100 - level) / 2
    out = pd.DataFrame(
        {
            "scenario": scenario.name,
            "commodity": commodity,
            "exporter": served.get_level_values(0),
            "importer": served.get_level_values(1),
            "baseline_usd": baseline.to_numpy(),
            "direct_median_pct": 100 * np.expm1(central.reindex(served).to_numpy()),
            "median_pct": np.nanmedian(changes, axis=0),
            "lower": np.nanpercentile(changes, tail, axis=0),
            "upper": np.nanpercentile(changes, 100 - tail, axis=0),
            "level": level,
            "draws": draws,
        }
    )
    return out[CORRIDOR_COLUMNS]
