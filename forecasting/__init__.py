"""Trade-flow econometric forecasting toolkit.

Clean bilateral trade data, estimate PPML gravity models, run general-equilibrium
counterfactuals for trade corridors, forecast baselines with time-series models, and
publish scenario outlooks as reports. The main verb is :func:`forecasting.outlook`
(defined in :mod:`forecasting.projection.pipeline`), returning an :class:`OutlookResult`;
:func:`forecasting.outlook_many` runs it for many pairs on one gravity estimation, on a Dask
cluster when given one (:mod:`forecasting.projection.many`).

Names load on first use (``forecasting.gravity`` imports pyfixest, the outlook also
statsforecast), so ``import forecasting`` stays fast: ``python -X importtime -c "import
forecasting"`` measures about 10 ms for the package itself, against 2.5-4.5 s for the
outlook's pipeline with its estimators (measured on the shared 2-core machine). The names go
through :func:`forecasting.lazy.attach`, the toolkit's one lazy-import mechanism.

Examples
--------
>>> import forecasting as fc
>>> fc.classify.resolve("pharma").prefixes
('30',)
>>> fc.outlook.__module__
'forecasting.projection.pipeline'
"""

from __future__ import annotations

import logging

from forecasting.lazy import attach

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# Public name -> the module that defines it (a subpackage stands for itself).
_LAZY = {
    "outlook": "forecasting.projection.pipeline",
    "outlook_many": "forecasting.projection.many",
    "OutlookResult": "forecasting.projection.result",
    "OutlookSettings": "forecasting.projection.settings",
    **{
        name: f"forecasting.{name}"
        for name in (
            "classify", "data", "gravity", "timeseries", "scenarios", "projection", "report", "schema", "errors",
            "simulate",
        )
    },
}  # fmt: skip
__all__ = ["__version__", *_LAZY]
__getattr__, __dir__ = attach(__name__, _LAZY)
