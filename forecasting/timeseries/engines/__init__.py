"""Adapters over the forecasting backends; the only modules that import them.

Each adapter takes the internal panel layout (``unique_id, ds, y`` plus optional exogenous
columns) and returns a wide frame ``unique_id, ds, model, mean, lower_<L>, upper_<L>`` on
the scale it was given (:func:`wide_frame`), so the rest of the package never sees a
backend's own API. Backends that fit one series at a time share :func:`per_series`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import NotRequired, TypedDict, Unpack

import numpy as np
import pandas as pd

from forecasting.errors import EstimationError
from forecasting.timeseries.frame import Frequency

INTERVAL_COLUMNS = ("lower", "upper")

#: A forecast of one or several series: ``mean`` and ``lower_<L>``/``upper_<L>`` arrays.
Bands = dict[str, np.ndarray]
#: Fits one series and forecasts it: ``(y, x, x_future) -> Bands`` (``x`` None without drivers).
SeriesFit = Callable[[np.ndarray, np.ndarray | None, np.ndarray | None], Bands]


class SeriesRequest(TypedDict):
    """What every one-series-at-a-time adapter is asked for, besides its own options."""

    horizon: int
    levels: list[int]
    freq: Frequency
    exog_columns: NotRequired[Sequence[str]]
    exog_future: NotRequired[pd.DataFrame | None]


def interval_columns(levels: list[int]) -> list[str]:
    """Names of the wide interval columns for ``levels``, e.g. ``lower_80``."""
    return [f"{side}_{level}" for level in levels for side in INTERVAL_COLUMNS]


def future_dates(last: pd.Timestamp, horizon: int, freq: Frequency) -> pd.DatetimeIndex:
    """The ``horizon`` periods after ``last``.

    Examples
    --------
    >>> from forecasting.timeseries.frame import parse_freq
    >>> list(future_dates(pd.Timestamp("2024-01-01"), 2, parse_freq("A")).year)
    [2025, 2026]
    """
    return pd.date_range(last, periods=horizon + 1, freq=freq.alias)[1:]


def wide_frame(
    unique_id: object, ds: object, model: str, bands: Mapping[str, object], levels: list[int]
) -> pd.DataFrame:
    """The adapters' common output for one model; bounds ``bands`` lacks are missing.

    Examples
    --------
    >>> wide_frame("a", [1, 2], "Naive", {"mean": [3.0, 3.0]}, [80]).columns.tolist()
    ['unique_id', 'ds', 'model', 'mean', 'lower_80', 'upper_80']
    """
    frame = pd.DataFrame({"unique_id": unique_id, "ds": ds, "model": model})
    frame["mean"] = np.asarray(bands["mean"], dtype=float)
    for column in interval_columns(levels):
        frame[column] = np.asarray(bands[column], dtype=float) if column in bands else np.nan
    return frame


def per_series(
    data: pd.DataFrame, fit: SeriesFit, *, model: str, **request: Unpack[SeriesRequest]
) -> pd.DataFrame:
    """Fit and forecast each series of ``data`` with ``fit`` (one backend call per series).

    A backend failure raises :class:`~forecasting.errors.EstimationError` naming the model
    and the series.
    """
    horizon, levels, freq = request["horizon"], request["levels"], request["freq"]
    exog_columns = list(request.get("exog_columns", ()))
    exog_future = request.get("exog_future")
    pieces = []
    for uid, group in data.groupby("unique_id", sort=False):
        x = group[exog_columns].to_numpy(dtype=float) if exog_columns else None
        x_future = None
        if exog_columns:
            assert isinstance(exog_future, pd.DataFrame)
            rows = exog_future[exog_future["unique_id"] == uid].sort_values("ds")
            x_future = rows[exog_columns].to_numpy(dtype=float)[:horizon]
        try:
            with warnings.catch_warnings(), single_threaded_blas():
                warnings.simplefilter("ignore")
                bands = fit(group["y"].to_numpy(dtype=float), x, x_future)
        except Exception as exc:
            raise EstimationError(f"{model} failed on series {uid}: {exc}") from exc
        dates = future_dates(group["ds"].iloc[-1], horizon, freq)
        pieces.append(wide_frame(uid, dates, model, bands, levels))
    return pd.concat(pieces, ignore_index=True)


def single_threaded_blas():
    """Context manager limiting BLAS/OpenMP to one thread while fitting small models.

    Fitting thousands of tiny models with a multi-threaded BLAS oversubscribes the cores:
    pmdarima's ARIMA(2,1,2) on 26 annual points took 13 s instead of 0.1 s on a loaded
    2-core machine. Parallelism belongs to the series level (``n_jobs``, Dask), not inside
    a 3x3 matrix product.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)
