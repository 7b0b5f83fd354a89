"""Gravity estimation: panel building, PPML with high-dimensional fixed effects, tables, and
general-equilibrium counterfactuals (``forecasting.gravity.ge``).

Names load on first use through :func:`forecasting.lazy.attach` (the toolkit's one lazy-import
mechanism), so ``import forecasting.gravity.ge`` does not pay for pyfixest: measured with
``python -X importtime``, ``import forecasting.gravity`` costs 10-25 ms, while the estimation
modules (``results``, ``poisson``, ``tables``) pull in pyfixest and cost 1.2-4 s, and
``forecasting.gravity.ge`` 0.4-0.8 s (pandas included).

Examples
--------
>>> import forecasting.gravity as gravity
>>> gravity.ppml.__module__
'forecasting.gravity.poisson'
>>> "fill_pair_costs" in dir(gravity)
True
"""

from __future__ import annotations

from forecasting.lazy import attach

# Public name -> the module that defines it (``ge`` stands for the subpackage itself).
_EXPORTS = {
    "ge": "forecasting.gravity.ge",
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
__getattr__, __dir__ = attach(__name__, _EXPORTS)
