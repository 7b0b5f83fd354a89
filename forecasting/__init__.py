"""Trade-flow econometric forecasting toolkit.

Clean bilateral trade data, estimate PPML gravity models, run general-equilibrium
counterfactuals for trade corridors, forecast baselines with time-series models, and
publish scenario outlooks as reports.

Subpackages load on first use (``forecasting.gravity`` imports pyfixest, for example), so
``import forecasting`` stays fast.

Examples
--------
>>> import forecasting as fc
>>> fc.classify.resolve("pharma").prefixes
('30',)
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

_SUBPACKAGES = ("classify", "data", "gravity", "timeseries", "scenarios", "report", "schema", "errors")
__all__ = ["OutlookResult", "__version__", "outlook", *_SUBPACKAGES]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"forecasting.{name}")
    if name in ("outlook", "OutlookResult"):
        # ``forecasting.outlook`` is a callable module (see its docstring), so either binding works.
        module = importlib.import_module("forecasting.outlook")
        return module if name == "outlook" else module.OutlookResult
    raise AttributeError(f"module 'forecasting' has no attribute {name!r}")
