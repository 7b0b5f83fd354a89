"""Forecast accuracy measures, as plain functions of arrays.

Scaled errors (MASE, RMSSE) divide by the in-sample error of the (seasonal) naive
forecast on the training part only, so they are unit-free: a series in pounds and the same
series in dollars score the same. sMAPE follows the M3 competition (0-200 scale). The
Winkler score of a ``level`` % interval is its width plus ``2 / alpha`` times any miss.

Kept beside ``utilsforecast.losses`` (which gives the same MASE and, times 200, sMAPE:
tests/unit/timeseries/test_building_blocks.py) because the backtest scores every series,
model and window in one vectorised pass with each window's own training scale, where
``utilsforecast.losses.mase`` takes one training frame per call.
"""

from __future__ import annotations

import numpy as np

METRICS = ("MASE", "RMSSE", "sMAPE", "coverage", "winkler")


def naive_scale(history: np.ndarray, season_length: int = 1, *, squared: bool = False) -> float:
    """Mean absolute (or squared) in-sample error of the seasonal naive forecast.

    Falls back to the non-seasonal naive when the history is shorter than two seasons.

    Examples
    --------
    >>> naive_scale(np.array([1.0, 2.0, 4.0]))
    1.5
    """
    history = np.asarray(history, dtype=float)
    m = season_length if len(history) > season_length and season_length > 1 else 1
    if len(history) <= m:
        return float("nan")
    diffs = history[m:] - history[:-m]
    return float(np.mean(diffs**2) if squared else np.mean(np.abs(diffs)))


def mase(actual: np.ndarray, forecast: np.ndarray, scale: float) -> float:
    """Mean absolute scaled error (Hyndman & Koehler 2006).

    Examples
    --------
    >>> mase(np.array([3.0, 4.0]), np.array([2.0, 2.0]), 1.5)
    1.0
    """
    if not np.isfinite(scale) or scale == 0:
        return float("nan")
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(forecast))) / scale)


def rmsse(actual: np.ndarray, forecast: np.ndarray, squared_scale: float) -> float:
    """Root mean squared scaled error (the M5 competition's measure)."""
    if not np.isfinite(squared_scale) or squared_scale == 0:
        return float("nan")
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(forecast)) ** 2) / squared_scale))


def smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    """Symmetric MAPE in percent, 0-200, as in the M3 competition; 0/0 counts as 0.

    Examples
    --------
    >>> smape(np.array([100.0]), np.array([110.0]))
    9.523809523809524
    """
    actual = np.asarray(actual, dtype=float)
    forecast = np.asarray(forecast, dtype=float)
    denom = np.abs(actual) + np.abs(forecast)
    ratio = np.divide(2.0 * np.abs(actual - forecast), denom, out=np.zeros_like(denom), where=denom > 0)
    return float(100.0 * np.mean(ratio))


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actual values inside their interval (0-1)."""
    actual = np.asarray(actual, dtype=float)
    return float(np.mean((actual >= np.asarray(lower)) & (actual <= np.asarray(upper))))


def winkler(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray, level: float) -> float:
    """Mean Winkler (interval) score of ``level`` % intervals; lower is better.

    Examples
    --------
    >>> round(winkler(np.array([5.0]), np.array([0.0]), np.array([4.0]), 80), 6)
    14.0
    """
    actual = np.asarray(actual, dtype=float)
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    alpha = 1.0 - level / 100.0
    score = (upper - lower) + (2.0 / alpha) * (
        np.clip(lower - actual, 0, None) + np.clip(actual - upper, 0, None)
    )
    return float(np.mean(score))
