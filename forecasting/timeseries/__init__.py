"""Time-series baselines for every trade series, behind one forecast contract.

``forecast`` returns the FORECAST schema whatever the engine (statsforecast, pmdarima,
statsmodels); the default ``models="auto"`` is an equal-weight combination with calibrated
(conformal) intervals (annual: Naive, Theta, DOTM); ``backtest`` scores models by rolling origin; ``select_models`` picks
per series; ``reconcile`` makes commodity, total and turnover forecasts add
up; ``simulate_paths`` draws joint future paths for scenario work.
"""

from __future__ import annotations

from forecasting.timeseries.api import (
    backtest,
    forecast,
    in_sample_residuals,
    select_models,
    simulate_paths,
)
from forecasting.timeseries.backtest import BacktestResult
from forecasting.timeseries.frame import Frequency, Panel, parse_freq, to_panel
from forecasting.timeseries.models import MODEL_NAMES, UnknownModelError, get_model
from forecasting.timeseries.reconcile import Hierarchy, aggregate, reconcile
from forecasting.timeseries.selection import Selection

__all__ = [
    "MODEL_NAMES",
    "BacktestResult",
    "Frequency",
    "Hierarchy",
    "Panel",
    "Selection",
    "UnknownModelError",
    "aggregate",
    "backtest",
    "forecast",
    "get_model",
    "in_sample_residuals",
    "parse_freq",
    "reconcile",
    "select_models",
    "simulate_paths",
    "to_panel",
]
