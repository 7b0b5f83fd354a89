"""General-equilibrium counterfactuals for structural gravity (Anderson-van Wincoop; GEPPML).

One entry point: :func:`counterfactual` solves the conditional or full-endowment
equilibrium after a change in bilateral log trade costs given directly (a tidy
``exporter, importer, delta_log_cost`` table). Beside it:

- :func:`counterfactual_draws`: a batched Monte Carlo where each draw carries its own cost
  change and its own sigma (solved in chunks with warm starts);
- :func:`counterfactual_from_coefficients`: the route from a gravity model's coefficients and
  new covariate values (``{"border": 0.0}``), which computes the cost change and calls the
  same core;
- :func:`ge_monte_carlo`: intervals over the coefficient uncertainty of that route, with
  :func:`pair_bootstrap_draws` for bootstrap draws instead of the normal approximation;
- :func:`aggregate_country` and :func:`aggregate_bilateral`: per-commodity GE results added
  up to country and pair totals by one documented rule.

Examples
--------
>>> import pandas as pd
>>> from forecasting.gravity.ge import GEOptions, counterfactual, simulate_ge_data
>>> data, _ = simulate_ge_data(n_countries=5, seed=0)
>>> cheaper = pd.DataFrame({"exporter": ["AAA", "BBB"], "importer": ["BBB", "AAA"], "delta_log_cost": 0.2})
>>> result = counterfactual(data, cheaper, options=GEOptions(reference_importer="AAA", baseline="observed"))
>>> sorted(result.country["measure"].unique())[:4]
['expenditure', 'exports', 'exports_conditional', 'factory_gate_price']
"""

from __future__ import annotations

from forecasting.gravity.ge.aggregate import aggregate_bilateral, aggregate_country
from forecasting.gravity.ge.bootstrap import pair_bootstrap_draws
from forecasting.gravity.ge.demo import simulate_ge_data
from forecasting.gravity.ge.draws import GEDraws, counterfactual_draws
from forecasting.gravity.ge.options import GEOptions
from forecasting.gravity.ge.result import GEResult, GESummary
from forecasting.gravity.ge.solver import counterfactual, counterfactual_from_coefficients
from forecasting.gravity.ge.uncertainty import GEIntervals, ge_monte_carlo

__all__ = [
    "GEDraws",
    "GEIntervals",
    "GEOptions",
    "GEResult",
    "GESummary",
    "aggregate_bilateral",
    "aggregate_country",
    "counterfactual",
    "counterfactual_draws",
    "counterfactual_from_coefficients",
    "ge_monte_carlo",
    "pair_bootstrap_draws",
    "simulate_ge_data",
]
