"""Adapter over statsmodels: SARIMAX with exogenous regressors, VAR and VECM systems."""

from __future__ import annotations

import logging
import warnings
from typing import Unpack

import numpy as np
import pandas as pd

from forecasting.errors import EstimationError
from forecasting.timeseries.engines import (
    Bands,
    SeriesRequest,
    future_dates,
    per_series,
    single_threaded_blas,
    wide_frame,
)
from forecasting.timeseries.frame import Frequency

logger = logging.getLogger(__name__)

# A differenced AR(1) with drift: a sober default for trending annual trade values.
SARIMAX_DEFAULTS = {"order": (1, 1, 0), "seasonal_order": (0, 0, 0, 0), "trend": "c"}
MAX_VAR_LAGS = 4


def sarimax(
    data: pd.DataFrame, *, options: dict | None = None, **request: Unpack[SeriesRequest]
) -> pd.DataFrame:
    """Fit a SARIMAX per series (order from ``options``, default ARIMA(1,1,0) with drift)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    settings = dict(SARIMAX_DEFAULTS)
    season_length = request["freq"].season_length
    if season_length > 1:
        settings["seasonal_order"] = (0, 1, 1, season_length)
    settings.update(options or {})
    horizon, levels = request["horizon"], request["levels"]

    def fit(y: np.ndarray, x: np.ndarray | None, x_future: np.ndarray | None) -> Bands:
        prediction = SARIMAX(y, exog=x, **settings).fit(disp=False).get_forecast(steps=horizon, exog=x_future)
        bands = {"mean": np.asarray(prediction.predicted_mean, dtype=float)}
        for level in levels:
            bounds = np.asarray(prediction.conf_int(alpha=1 - level / 100))
            bands[f"lower_{level}"], bands[f"upper_{level}"] = bounds[:, 0], bounds[:, 1]
        return bands

    return per_series(data, fit, model="SARIMAX", **request)


def system(
    data: pd.DataFrame,
    *,
    kind: str,
    horizon: int,
    levels: list[int],
    freq: Frequency,
    options: dict | None = None,
) -> pd.DataFrame:
    """Fit one VAR or VECM to all series in ``data`` (they must share their periods)."""
    wide = data.pivot(index="ds", columns="unique_id", values="y").sort_index()
    if wide.isna().any().any():
        raise EstimationError(
            f"{kind} needs series that cover the same periods; trim them to a common window"
            f" ({wide.index[wide.isna().any(axis=1)].strftime('%Y-%m')[:5].tolist()} are incomplete)"
        )
    if wide.shape[1] < 2:
        raise EstimationError(f"{kind} needs at least two series in a system; got {wide.shape[1]}")
    values = wide.to_numpy(dtype=float)
    options = dict(options or {})
    try:
        with warnings.catch_warnings(), single_threaded_blas():
            warnings.simplefilter("ignore")
            if kind == "VAR":
                bands = _var(values, horizon, levels, options)
            else:
                bands = _vecm(values, horizon, levels, options)
    except EstimationError:
        raise
    except Exception as exc:
        raise EstimationError(f"{kind} failed: {exc}") from exc
    dates = future_dates(wide.index[-1], horizon, freq)
    pieces = [
        wide_frame(uid, dates, kind, {name: band[:, j] for name, band in bands.items()}, levels)
        for j, uid in enumerate(wide.columns)
    ]
    return pd.concat(pieces, ignore_index=True)


def _max_lags(n_obs: int, n_vars: int, cap: int) -> int:
    # Each lag costs n_vars parameters per equation; keep a few degrees of freedom spare.
    return max(1, min(cap, (n_obs - 2) // (n_vars + 1) - 1))


def _var(values: np.ndarray, horizon: int, levels: list[int], options: dict) -> dict[str, np.ndarray]:
    from statsmodels.tsa.api import VAR

    model = VAR(values)
    maxlags = options.get("maxlags", _max_lags(len(values), values.shape[1], MAX_VAR_LAGS))
    fit = model.fit(maxlags=maxlags, ic=options.get("ic", "aic"), trend=options.get("trend", "c"))
    if fit.k_ar == 0:  # information criteria may pick no lags; a VAR(0) cannot be iterated forward
        fit = model.fit(1, trend=options.get("trend", "c"))
    history = values[-fit.k_ar :]
    bands = {"mean": fit.forecast(history, steps=horizon)}
    for level in levels:
        _, lower, upper = fit.forecast_interval(history, steps=horizon, alpha=1 - level / 100)
        bands[f"lower_{level}"], bands[f"upper_{level}"] = lower, upper
    return bands


def _vecm(values: np.ndarray, horizon: int, levels: list[int], options: dict) -> dict[str, np.ndarray]:
    from statsmodels.tsa.vector_ar.vecm import VECM, select_coint_rank, select_order

    deterministic = options.get("deterministic", "co")
    lags = options.get("k_ar_diff")
    if lags is None:
        maxlags = _max_lags(len(values), values.shape[1], MAX_VAR_LAGS)
        lags = max(1, int(select_order(values, maxlags=maxlags, deterministic=deterministic).aic))
    rank = options.get("coint_rank")
    if rank is None:
        rank = select_coint_rank(values, det_order=0, k_ar_diff=lags, method="trace", signif=0.05).rank
        if rank == 0:
            raise EstimationError(
                "VECM: the Johansen trace test finds no cointegration (rank 0) among these series;"
                " use VAR on differenced or log-differenced data, or pass options={'VECM': {'coint_rank': 1}}"
            )
        rank = min(rank, values.shape[1] - 1)
    fit = VECM(values, k_ar_diff=lags, coint_rank=rank, deterministic=deterministic).fit()
    bands = {"mean": fit.predict(steps=horizon)}
    for level in levels:
        _, lower, upper = fit.predict(steps=horizon, alpha=1 - level / 100)
        bands[f"lower_{level}"], bands[f"upper_{level}"] = lower, upper
    return bands
