"""Baseline bands past the years a series' calibration covers: widened, and said so.

The default forecast's intervals are calibrated on the series' own rolling-origin errors up
to as many steps ahead as its history allows
(:func:`forecasting.timeseries.conformal.calibration_shape`: a 12-year history calibrates 3
years ahead, 18 years 5, 26 years 9). Past those steps the calibration has seen no error, so
on the log scale the default adds a random walk of annual volatility
:data:`~forecasting.timeseries.beyond_walk.BEYOND_CALIBRATION_VOLATILITY` to its widths there
(the reasons and measurements are in :mod:`forecasting.timeseries.conformal`); the outlook's
baseline paths carry it because they are the default's paths. The medians stay where they
were, the means rise. This module lists every such series of a pair in one fall-back, so the
report's methods and the result's settings say which bands rest on that assumption.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

import pandas as pd

from forecasting.errors import FallbackWarning, describe_items
from forecasting.projection.settings import Fallback
from forecasting.timeseries.beyond_walk import BEYOND_CALIBRATION_NOTICE, BEYOND_CALIBRATION_VOLATILITY
from forecasting.timeseries.combination import ANNUAL_MEMBERS, calibration_need
from forecasting.timeseries.conformal import calibration_shape
from forecasting.timeseries.models import resolve_models

__all__ = ["BEYOND_CALIBRATION_VOLATILITY", "beyond_calibration_notes", "calibrated_steps", "noted_here"]


@contextlib.contextmanager
def noted_here() -> Iterator[None]:
    """Silence the default's own warning about the walk: the outlook states it in :func:`beyond_calibration_notes`."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=f".*{BEYOND_CALIBRATION_NOTICE}", category=FallbackWarning)
        yield


def calibrated_steps(years: int, horizon: int) -> int:
    """Steps ahead the annual default's bands are calibrated for, from ``years`` of history.

    Examples
    --------
    >>> calibrated_steps(12, 10), calibrated_steps(18, 10), calibrated_steps(40, 10)
    (3, 5, 10)
    """
    need = calibration_need(resolve_models(list(ANNUAL_MEMBERS)), 1, int(years))
    return calibration_shape(int(years), need, int(horizon))[1]


def beyond_calibration_notes(methods: pd.DataFrame, *, last_year: int, horizon: int) -> tuple[Fallback, ...]:
    """One fall-back naming the ``auto`` series whose bands to ``last_year`` pass their calibrated steps.

    ``methods`` has the baseline's ``reporter, partner, flow, commodity, method, years``;
    ``horizon`` is the number of years forecast.

    Examples
    --------
    >>> methods = pd.DataFrame({"reporter": ["KAZ", "KAZ"], "partner": "PAK", "flow": "export",
    ...                         "commodity": ["coal", "textiles"], "method": "auto", "years": [12, 40]})
    >>> (note,) = beyond_calibration_notes(methods, last_year=2035, horizon=10)
    >>> print(note.reason)
    1 series have too short a history for bands calibrated to 2035: 'KAZ->PAK export, coal (12 years, calibrated 3 years ahead)'
    """
    short = []
    for row in methods[methods.method == "auto"].itertuples(index=False):
        steps = calibrated_steps(int(row.years), horizon)
        if steps < horizon:
            short.append(f"{row.reporter}->{row.partner} {row.flow}, {row.commodity} ({int(row.years)} years,"
                         f" calibrated {steps} year{'s' if steps > 1 else ''} ahead)")  # fmt: skip
    if not short:
        return ()
    note = Fallback(
        "baseline bands (past the calibrated years)",
        f"{len(short)} series have too short a history for bands calibrated to {last_year}: {describe_items(short)}",
        f"past their calibrated years the bands add a random walk (Laplace tails) with annual log volatility"
        f" {BEYOND_CALIBRATION_VOLATILITY} (medians unchanged, means higher): an assumption chosen on real trade"
        " histories of 12 and 18 years, where the bands without it were too narrow there (benchmarks/results/"
        "accuracy_real_data.md, 'Short histories'); a longer history calibrates further",
    )
    return (note,)
