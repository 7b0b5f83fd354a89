"""Gravity estimation: panel building, PPML with high-dimensional fixed effects, tables.

Public names are listed in ``__all__``; the GE counterfactual solver lives in
``forecasting.gravity.ge``.
"""

from __future__ import annotations

from forecasting.gravity.formula import add_preset_effects, parse_formula
from forecasting.gravity.ge import GEOptions, GEResult, counterfactual, ge_monte_carlo
from forecasting.gravity.ols import ols
from forecasting.gravity.panel import (
    add_distance,
    add_intranational,
    add_lags_leads,
    border_year_dummies,
    great_circle_km,
    square_panel,
)
from forecasting.gravity.ppml import ppml
from forecasting.gravity.results import GravityResult, OLSResult, PPMLResult, Summary
from forecasting.gravity.sectors import SectorResults, ppml_by_sector
from forecasting.gravity.separation import dropped_summary, zero_fixed_effect_levels
from forecasting.gravity.tables import RegressionTable, regression_table

__all__ = [
    "GEOptions",
    "GEResult",
    "GravityResult",
    "OLSResult",
    "PPMLResult",
    "RegressionTable",
    "SectorResults",
    "Summary",
    "add_distance",
    "add_intranational",
    "add_lags_leads",
    "add_preset_effects",
    "border_year_dummies",
    "counterfactual",
    "dropped_summary",
    "ge_monte_carlo",
    "great_circle_km",
    "ols",
    "parse_formula",
    "ppml",
    "ppml_by_sector",
    "regression_table",
    "square_panel",
    "zero_fixed_effect_levels",
]
