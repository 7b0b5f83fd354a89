"""General-equilibrium counterfactuals for structural gravity (Anderson-van Wincoop; GEPPML).

>>> from forecasting.gravity.ge import counterfactual, GEResult, ge_monte_carlo
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
