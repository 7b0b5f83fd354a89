"""The one path every public verb runs models through: single models, meta models, intervals.

Layers (top to bottom, enforced by an import-linter contract in pyproject.toml):
``api`` -> ``dispatch`` -> ``paths`` -> ``combination`` -> ``selection`` -> ``conformal`` ->
``backtest`` -> ``core``. The meta models (``auto``, ``select``, ``ensemble``) need to run
models at backtest and calibration origins; rather than importing the dispatcher (which
would close a circle), they receive it as the ``forecaster`` argument.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from forecasting.timeseries.combination import auto_forecast
from forecasting.timeseries.conformal import conformal_bounds
from forecasting.timeseries.core import RunSettings, forecast_base
from forecasting.timeseries.frame import Panel
from forecasting.timeseries.models import ModelSpec
from forecasting.timeseries.selection import backtest_choice


def forecast_panel(
    panel: Panel,
    specs: Sequence[ModelSpec],
    settings: RunSettings,
    *,
    exog_future: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Forecast every series of ``panel`` with every model in ``specs``; wide, on the caller's scale."""
    base = [s for s in specs if s.engine != "meta"]
    meta = [s for s in specs if s.engine == "meta"]
    pieces = []
    if base:
        pieces.append(forecast_base(panel, base, settings, exog_future=exog_future))
    for spec in meta:
        if spec.name == "auto":
            pieces.append(auto_forecast(panel, settings, forecaster=forecast_panel))
        else:
            candidates = settings.options.get(spec.name, {}).get("candidates")
            pieces.append(
                backtest_choice(panel, spec.name, settings, candidates=candidates, forecaster=forecast_panel)
            )
    wide = pd.concat(pieces, ignore_index=True)
    if settings.point_only:
        return wide
    # ``auto`` is calibrated by construction; other models get conformal bounds when asked,
    # and always when they have no predictive distribution of their own.
    chosen = {s.name for s in base if settings.intervals == "conformal" or not s.native_intervals}
    if settings.intervals == "conformal":
        chosen |= {s.name for s in meta if s.name != "auto"}
    if chosen:
        wide = conformal_bounds(panel, wide, sorted(chosen), settings, forecaster=forecast_panel)
    return wide
