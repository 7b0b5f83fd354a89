"""Baseline bands past the years a series' calibration covers: widened, and said so.

The default forecast's intervals are calibrated on the series' own rolling-origin errors up
to as many steps ahead as its history allows
(:func:`forecasting.timeseries.conformal.calibration_shape`: a 12-year history calibrates 3
years ahead, 18 years 5, 26 years 9). Past those steps the widths are extrapolated, and on
real short histories they were too narrow there: TRADHIST series cut to their last 12 or 18
years (development half) covered 0.74-0.79 / 0.85-0.87 at 80 / 95 % six to ten years ahead,
with 9-13 % of outcomes above the paths' 99.5 % quantile.

So for each series forecast by the combination (``method == "auto"``), the draws of the
years past its calibrated steps are multiplied by ``exp(s W)``, ``W`` a standard random walk
that starts after the last calibrated year and ``s`` = :data:`BEYOND_CALIBRATION_VOLATILITY`:
the log variance grows by ``s**2`` a year beyond what the calibration saw. The medians stay
where they were (the walk has no drift on the log scale), the means rise. One walk serves the
pair's series (their trade moves together; independent walks would cancel in the turnover).
``s`` was chosen on those development histories (exploratory runs, not regenerated: 0.12 and
0.18 both put the far years' 80 / 95 % coverage near the bands; 0.32, the median volatility
of real flows, overshot to 0.89-0.92 / 0.96-0.98). On the evaluation half, widened, 12-year histories covered
0.81-0.86 / 0.92-0.95 at every step 1-10 and 18-year ones 0.75-0.81 / 0.88-0.94, still short
at 95 % four to seven years ahead, around their last calibrated step
(benchmarks/results/accuracy_real_data.md, "Short histories"). Every widened series is listed
in one fall-back.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.errors import describe_items
from forecasting.projection.result import SERIES_KEYS
from forecasting.projection.settings import Fallback
from forecasting.timeseries.combination import ANNUAL_MEMBERS, calibration_need
from forecasting.timeseries.conformal import calibration_shape
from forecasting.timeseries.models import resolve_models

__all__ = ["BEYOND_CALIBRATION_VOLATILITY", "calibrated_steps", "walk_beyond", "widen_beyond_calibration"]

#: Annual log volatility of the random walk added past the calibrated steps (see module notes).
BEYOND_CALIBRATION_VOLATILITY = 0.15


def calibrated_steps(years: int, horizon: int) -> int:
    """Steps ahead the annual default's bands are calibrated for, from ``years`` of history.

    Examples
    --------
    >>> calibrated_steps(12, 10), calibrated_steps(18, 10), calibrated_steps(40, 10)
    (3, 5, 10)
    """
    need = calibration_need(resolve_models(list(ANNUAL_MEMBERS)), 1, int(years))
    return calibration_shape(int(years), need, int(horizon))[1]


def walk_beyond(
    shocks: np.ndarray, calibrated: int, sigma: float = BEYOND_CALIBRATION_VOLATILITY
) -> np.ndarray:
    """Log widening ``sigma * W`` for standard normal ``shocks`` ``(..., steps)``: zero up to
    ``calibrated`` steps, a random walk after.

    Examples
    --------
    >>> walk_beyond(np.ones((1, 5)), 3, sigma=0.5).tolist()
    [[0.0, 0.0, 0.0, 0.5, 1.0]]
    """
    shocks = np.array(shocks, dtype=float)
    shocks[..., :calibrated] = 0.0
    return sigma * np.cumsum(shocks, axis=-1)


def widen_beyond_calibration(
    paths: pd.DataFrame, methods: pd.DataFrame, *, seed: int
) -> tuple[pd.DataFrame, tuple[Fallback, ...]]:
    """Widen the ``auto`` series' draws past their calibrated steps (see module notes).

    ``paths`` has ``SERIES_KEYS, draw, year, value`` (the first year is one step ahead);
    ``methods`` the baseline's ``method`` and ``years`` per series.

    Examples
    --------
    >>> keys = {"reporter": "KAZ", "partner": "PAK", "flow": "export", "commodity": "coal"}
    >>> paths = pd.DataFrame({**keys, "draw": np.repeat([0, 1], 10), "year": np.tile(range(2026, 2036), 2),
    ...                       "value": 10.0})
    >>> methods = pd.DataFrame({**{k: [v] for k, v in keys.items()}, "method": ["auto"], "years": [12]})
    >>> wide, (note,) = widen_beyond_calibration(paths, methods, seed=1)
    >>> bool(wide[wide.year <= 2028].value.eq(10.0).all()), bool(wide[wide.year > 2028].value.ne(10.0).all())
    (True, True)
    >>> "KAZ->PAK export, coal (12 years, calibrated 3 years ahead)" in note.reason
    True
    """
    keys = list(SERIES_KEYS)
    out = paths.sort_values([*keys, "draw", "year"]).reset_index(drop=True)
    first, horizon, draws = int(out.year.min()), out.year.nunique(), out.draw.nunique()
    shocks = np.random.default_rng([int(seed), 3]).standard_normal((draws, horizon))
    widened = []
    for row in methods[methods.method == "auto"].itertuples(index=False):
        steps = calibrated_steps(int(row.years), horizon)
        if steps >= horizon:
            continue
        key = tuple(getattr(row, k) for k in keys)
        rows = np.flatnonzero((out[keys] == pd.Series(key, index=keys)).all(axis=1).to_numpy())
        factor = np.exp(walk_beyond(shocks, steps)).ravel()
        out.loc[out.index[rows], "value"] = out.value.to_numpy()[rows] * factor
        widened.append(f"{row.reporter}->{row.partner} {row.flow}, {row.commodity} ({int(row.years)} years,"
                       f" calibrated {steps} year{'s' if steps > 1 else ''} ahead)")  # fmt: skip
    if not widened:
        return out, ()
    last = first + horizon - 1
    note = Fallback(
        "baseline bands (past the calibrated years)",
        f"{len(widened)} series have too short a history for bands calibrated to {last}: {describe_items(widened)}",
        f"past their calibrated years the draws are widened by a random walk with annual log volatility"
        f" {BEYOND_CALIBRATION_VOLATILITY} (medians unchanged, means higher): an assumption chosen on real trade"
        " histories of 12 and 18 years, where unwidened bands were too narrow there (benchmarks/results/"
        "accuracy_real_data.md, 'Short histories'); a longer history calibrates further",
    )
    return out, (note,)
