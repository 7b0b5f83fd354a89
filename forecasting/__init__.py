"""Trade-flow econometric forecasting toolkit.

Clean bilateral trade data, estimate PPML gravity models, run general-equilibrium
counterfactuals for trade corridors, forecast baselines with time-series models, and
publish scenario outlooks as reports. The main verb is :func:`forecasting.outlook`
(defined in :mod:`forecasting.projection.pipeline`), returning an :class:`OutlookResult`.

Names load on first use (``forecasting.gravity`` imports pyfixest, the outlook also
statsforecast), so ``import forecasting`` stays fast: ``python -X importtime -c "import
forecasting"`` measures about 10 ms for the package itself, against 2.5-4.5 s for the
outlook's pipeline with its estimators (measured on the shared 2-core machine). This table is the package's only lazy-import mechanism; subpackages
import their own modules plainly.

Examples
--------
>>> import forecasting as fc
>>> fc.classify.resolve("pharma").prefixes
('30',)
>>> fc.outlook.__module__
'forecasting.projection.pipeline'
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# Public name -> the module that defines it (a subpackage stands for itself).
_LAZY = {
    "outlook": "forecasting.projection.pipeline",
    "OutlookResult": "forecasting.projection.result",
    "OutlookSettings": "forecasting.projection.settings",
    **{
        name: f"forecasting.{name}"
        for name in (
            "classify",
            "data",
            "gravity",
            "timeseries",
            "scenarios",
            "projection",
            "report",
            "schema",
            "errors",
        )
    },
}
__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'forecasting' has no attribute {name!r}")
    module = importlib.import_module(target)
    value = module if target == f"forecasting.{name}" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
