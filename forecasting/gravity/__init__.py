"""Gravity estimation: panel building, PPML with high-dimensional fixed effects, tables, and
general-equilibrium counterfactuals (``forecasting.gravity.ge``).

Names load on first use, so ``import forecasting.gravity.ge`` does not pay for pyfixest.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "add_preset_effects": "forecasting.gravity.formula",
    "parse_formula": "forecasting.gravity.formula",
    "GEOptions": "forecasting.gravity.ge",
    "GEResult": "forecasting.gravity.ge",
    "counterfactual": "forecasting.gravity.ge",
    "ge_monte_carlo": "forecasting.gravity.ge",
    "ols": "forecasting.gravity.loglinear",
    "add_distance": "forecasting.gravity.panel",
    "add_intranational": "forecasting.gravity.panel",
    "add_lags_leads": "forecasting.gravity.panel",
    "border_year_dummies": "forecasting.gravity.panel",
    "great_circle_km": "forecasting.gravity.panel",
    "square_panel": "forecasting.gravity.panel",
    "ppml": "forecasting.gravity.poisson",
    "PairCosts": "forecasting.gravity.pair_costs",
    "fill_pair_costs": "forecasting.gravity.pair_costs",
    "GravityResult": "forecasting.gravity.results",
    "OLSResult": "forecasting.gravity.results",
    "PPMLResult": "forecasting.gravity.results",
    "Summary": "forecasting.gravity.results",
    "SectorResults": "forecasting.gravity.sectors",
    "ppml_by_sector": "forecasting.gravity.sectors",
    "dropped_summary": "forecasting.gravity.separation",
    "zero_fixed_effect_levels": "forecasting.gravity.separation",
    "RegressionTable": "forecasting.gravity.tables",
    "regression_table": "forecasting.gravity.tables",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'forecasting.gravity' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
