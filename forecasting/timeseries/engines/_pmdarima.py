"""Adapter over pmdarima's ``auto_arima`` (the engine many Python users already know)."""

from __future__ import annotations

import logging
from typing import Unpack

import numpy as np
import pandas as pd

from forecasting.timeseries.engines import Bands, SeriesRequest, per_series

logger = logging.getLogger(__name__)


def forecast(
    data: pd.DataFrame,
    *,
    options: dict | None = None,
    name: str = "pmdarima",
    **request: Unpack[SeriesRequest],
) -> pd.DataFrame:
    """Fit ``auto_arima`` to each series and forecast with its normal intervals.

    ``options`` go to ``pmdarima.auto_arima`` (e.g. ``{"stepwise": False}``); seasonality
    follows the frequency (``m`` is 12 for monthly, 4 for quarterly data).
    """
    import pmdarima as pm

    season_length = request["freq"].season_length
    settings = {
        "seasonal": season_length > 1,
        "m": season_length,
        "suppress_warnings": True,
        "error_action": "ignore",
        "stepwise": True,
    }
    settings.update(options or {})
    horizon, levels = request["horizon"], request["levels"]

    def fit(y: np.ndarray, x: np.ndarray | None, x_future: np.ndarray | None) -> Bands:
        model = pm.auto_arima(y, X=x, **settings)
        logger.debug("pmdarima chose %s", model.order)
        bands = {"mean": np.asarray(model.predict(n_periods=horizon, X=x_future), dtype=float)}
        for level in levels:
            _, bounds = model.predict(
                n_periods=horizon, X=x_future, return_conf_int=True, alpha=1 - level / 100
            )
            bands[f"lower_{level}"], bands[f"upper_{level}"] = bounds[:, 0], bounds[:, 1]
        return bands

    return per_series(data, fit, model=name, **request)
