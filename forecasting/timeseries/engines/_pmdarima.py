"""Adapter over pmdarima's ``auto_arima`` (the engine many Python users already know)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecasting.errors import EstimationError
from forecasting.timeseries.engines import interval_columns, single_threaded_blas
from forecasting.timeseries.frame import Frequency

logger = logging.getLogger(__name__)


def forecast(
    data: pd.DataFrame,
    *,
    horizon: int,
    levels: list[int],
    freq: Frequency,
    exog_columns: Sequence[str] = (),
    exog_future: pd.DataFrame | None = None,
    options: dict | None = None,
    name: str = "pmdarima",
) -> pd.DataFrame:
    """Fit ``auto_arima`` to each series and forecast with its normal intervals.

    ``options`` go to ``pmdarima.auto_arima`` (e.g. ``{"stepwise": False}``); seasonality
    follows the frequency (``m`` is 12 for monthly, 4 for quarterly data).
    """
    import pmdarima as pm

    settings = {
        "seasonal": freq.season_length > 1,
        "m": freq.season_length,
        "suppress_warnings": True,
        "error_action": "ignore",
        "stepwise": True,
    }
    settings.update(options or {})
    pieces = []
    for uid, group in data.groupby("unique_id", sort=False):
        y = group["y"].to_numpy(dtype=float)
        x = group[list(exog_columns)].to_numpy(dtype=float) if exog_columns else None
        x_future = _future(exog_future, uid, exog_columns, horizon)
        try:
            with warnings.catch_warnings(), single_threaded_blas():
                warnings.simplefilter("ignore")
                model = pm.auto_arima(y, X=x, **settings)
                piece = {"mean": np.asarray(model.predict(n_periods=horizon, X=x_future), dtype=float)}
                for level in levels:
                    _, bounds = model.predict(
                        n_periods=horizon, X=x_future, return_conf_int=True, alpha=1 - level / 100
                    )
                    piece[f"lower_{level}"] = bounds[:, 0]
                    piece[f"upper_{level}"] = bounds[:, 1]
        except Exception as exc:
            raise EstimationError(f"pmdarima auto_arima failed on series {uid}: {exc}") from exc
        logger.debug("pmdarima chose %s for %s", model.order, uid)
        frame = pd.DataFrame(piece)
        frame.insert(0, "model", name)
        frame.insert(0, "ds", pd.date_range(group["ds"].iloc[-1], periods=horizon + 1, freq=freq.alias)[1:])
        frame.insert(0, "unique_id", uid)
        pieces.append(frame[["unique_id", "ds", "model", "mean", *interval_columns(levels)]])
    return pd.concat(pieces, ignore_index=True)


def _future(
    exog_future: pd.DataFrame | None, uid: str, columns: Sequence[str], horizon: int
) -> np.ndarray | None:
    if not columns:
        return None
    assert exog_future is not None
    rows = exog_future[exog_future["unique_id"] == uid].sort_values("ds")
    return rows[list(columns)].to_numpy(dtype=float)[:horizon]
