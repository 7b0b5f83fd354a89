"""General-equilibrium counterfactuals for structural gravity (Anderson-van Wincoop; GEPPML).

``counterfactual`` solves the conditional or full-endowment equilibrium after a change in
bilateral trade costs, from baseline data, a coefficient table and the change;
``ge_monte_carlo`` puts intervals on every outcome; ``pair_bootstrap_draws`` supplies
bootstrap coefficient draws instead of the normal approximation.

Examples
--------
>>> from forecasting.gravity.ge import counterfactual, simulate_ge_data
>>> data, coefficients = simulate_ge_data(n_countries=5, seed=0)
>>> result = counterfactual(data, coefficients, {"border": 0.0}, reference_importer="AAA")
>>> sorted(result.country["measure"].unique())[:4]
['expenditure', 'exports', 'exports_conditional', 'factory_gate_price']
"""

from __future__ import annotations

from forecasting.gravity.ge.bootstrap import pair_bootstrap_draws
from forecasting.gravity.ge.demo import simulate_ge_data
from forecasting.gravity.ge.options import GEOptions
from forecasting.gravity.ge.result import GEResult, GESummary
from forecasting.gravity.ge.solver import counterfactual
from forecasting.gravity.ge.uncertainty import GEIntervals, ge_monte_carlo

__all__ = [
    "GEIntervals",
    "GEOptions",
    "GEResult",
    "GESummary",
    "counterfactual",
    "ge_monte_carlo",
    "pair_bootstrap_draws",
    "simulate_ge_data",
]
