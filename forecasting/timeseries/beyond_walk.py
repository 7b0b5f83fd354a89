"""The random walk that widens calibrated intervals past a series' calibrated steps.

Conformal widths (:mod:`forecasting.timeseries.conformal`) rest on the errors a series made
up to ``H`` steps ahead, ``H`` what its history lets it calibrate (a 12-year history: 3
years). Further out they are extrapolated, and on short real histories that alone was too
narrow. So, on a log scale, each width past ``H`` also takes a random walk of annual
volatility ``BEYOND_CALIBRATION_VOLATILITY`` in quadrature,
``sqrt(w**2 + (z_L s)**2 k)`` at ``k`` steps past ``H``, ``s`` that volatility per step and
``z_L`` the walk's quantile at level ``L`` (:func:`walk_quantile`). Every forecast that takes
the walk says so (:func:`with_beyond_calibration`).

How it was chosen, on development series only (exploratory runs, not regenerated; the
evaluation halves are in benchmarks/results/accuracy_real_data.md):

* without the walk, TRADHIST series cut to 12 or 18 years covered 0.74-0.79 / 0.84-0.88 at
  80 / 95 % six to ten years ahead; M3 yearly MACRO, whose short histories calibrate three to
  five of six steps, 0.71 / 0.84;
* 0.15 was chosen on the TRADHIST histories of 12 and 18 years (0.12 and 0.18 also came near
  the bands, 0.32 overshot);
* with normal quantiles for ``z_L`` the walk over-covered at 80 % and not at 95 % (M3 MICRO
  0.857 / 0.934, 0.88-0.90 / 0.94-0.96 at steps 4-6; 12-year TRADHIST 0.83-0.85 / 0.92-0.94
  at steps 4-10). One volatility for every series is too much for some and too little for
  others, and across series that spread gives the walk heavier tails than a normal's. Laplace
  quantiles of the same sd (a normal whose variance is spread exponentially around the
  volatility's square) gave M3 MICRO 0.845 / 0.938, MACRO 0.805 / 0.915 (was 0.811 / 0.913),
  12-year TRADHIST 0.82-0.85 / 0.92-0.94 and 18-year 95 % at steps 6-7 0.90 / 0.89 (was
  0.90 / 0.88); full histories did not move.
"""

from __future__ import annotations

import logging
import math

import pandas as pd

from forecasting.errors import FallbackWarning, describe_items, warn_and_log

logger = logging.getLogger(__name__)

#: Annual log volatility of the random walk past the calibrated steps (see module notes).
BEYOND_CALIBRATION_VOLATILITY = 0.15
#: How the warning naming the series that take that walk begins (callers that report it otherwise filter on it).
BEYOND_CALIBRATION_NOTICE = "too short a history for intervals calibrated"


def walk_quantile(level: float) -> float:
    """Half-width, in sds, of the central ``level`` % of the walk past the calibrated steps.

    The walk's volatility is one figure for every series, where real series differ: with its
    variance spread exponentially around that figure's square across series, the walk is
    Laplace with that sd, whose quantiles are ``ln(1 / (1 - L)) / sqrt(2)`` (see module notes).

    Examples
    --------
    >>> [round(walk_quantile(level), 3) for level in (80, 95, 99)]
    [1.138, 2.118, 3.256]
    """
    return math.log(100 / (100 - level)) / math.sqrt(2)


def with_beyond_calibration(
    widths: pd.DataFrame, volatility: float, season_length: int, horizon: int, *, labels: dict[str, str]
) -> pd.DataFrame:
    """``widths`` with ``beyond_sd``: the per-step sd of the walk past the calibrated steps.

    ``volatility`` is annual, on the modelled (log) scale, spread evenly over the
    ``season_length`` steps of a year; 0 turns the walk off. Series calibrated fewer than
    ``horizon`` steps ahead are named (by ``labels``) in a logged :class:`FallbackWarning`
    whose text starts with ``BEYOND_CALIBRATION_NOTICE``.

    Examples
    --------
    >>> import numpy as np
    >>> from forecasting.timeseries.conformal import level_widths
    >>> w = pd.DataFrame({"unique_id": ["a"], "model": ["m"], "calibrated": [3], "largest": [9.0],
    ...                   "growth_80": [0.0], "w_80": [0.1]})
    >>> walked = with_beyond_calibration(w, 0.15, 1, 5, labels={"a": "a"})
    >>> level_widths(walked, np.array([3, 5]), [80])[1].round(4).tolist()  # hypot(0.1, 1.1380 * 0.15 * sqrt(2))
    [[0.1], [0.2613]]
    """
    out = widths.assign(beyond_sd=float(volatility) / math.sqrt(season_length))
    short = out.loc[out["calibrated"] < horizon, ["unique_id", "calibrated"]].drop_duplicates("unique_id")
    if volatility > 0 and len(short):
        named = [
            f"{labels.get(u, u)} (calibrated {int(c)} of {horizon} steps)"
            for u, c in short.itertuples(index=False)
        ]
        warn_and_log(
            f"{BEYOND_CALIBRATION_NOTICE} {horizon} steps ahead: {len(named)} series, {describe_items(named)}; past"
            f" their calibrated steps the widths add a random walk (Laplace tails) of annual log volatility {volatility} (an"
            " assumption chosen on real trade histories; options={'auto': {'beyond_volatility': ...}} sets it, 0"
            " turns it off)",
            FallbackWarning, logger=logger, stacklevel=3,
        )  # fmt: skip
    return out
