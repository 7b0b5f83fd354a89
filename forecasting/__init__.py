"""Trade-flow econometric forecasting toolkit.

Clean bilateral trade data, estimate PPML gravity models, run general-equilibrium
counterfactuals for trade corridors, forecast baselines with time-series models, and
publish scenario outlooks as reports.
"""

from __future__ import annotations

import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["__version__"]
