"""Split-conformal prediction intervals from rolling-origin errors, pooled over steps ahead.

For each series and model, the last ``n`` origins inside the history (``n`` =
``DEFAULT_CALIBRATION_WINDOWS`` unless ``n_windows`` says otherwise) each forecast up to
``H`` steps. Every absolute error ``|e(k, j)|`` at step ``j`` is divided by the step's growth
``j ** p`` and the ``n * H`` normalised errors are ranked; the half-width at step ``h`` and
``level`` % is the ``ceil((m + 1) * level / 100)``-th smallest of the ``m`` normalised errors
(the finite-sample conformal quantile, capped at the largest) times ``h ** p``. Widths grow
with the level, so intervals nest, and steps beyond ``H`` extrapolate by the same growth.

Why pooled and not one quantile per step: ten origins give ten errors per step, too few for
a 95 % quantile (the largest of ten covers about 91 % at best), while pooling gives ``10 H``.
The growth ``p`` is 1 for annual series (a level shift or a changed trend persists, so
annual trade errors grow about linearly with the horizon) and 0.5 for seasonal frequencies
(a random walk's spread). Both were checked on development series of
``benchmarks/accuracy_real_data.py``, and its results table reports the evaluation coverage.

Models without a predictive distribution (Croston, TSB, ADIDA) always get these intervals,
as does the default ``auto`` combination.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from forecasting.errors import ForecastingError, SeriesTooShortError, describe_items
from forecasting.timeseries.backtest import cut_panel
from forecasting.timeseries.core import Forecaster, RunSettings
from forecasting.timeseries.frame import Panel
from forecasting.timeseries.models import MODELS, ModelSpec

logger = logging.getLogger(__name__)

DEFAULT_CALIBRATION_WINDOWS = 10
MIN_CALIBRATION_WINDOWS = 3
STEP_GROWTH = {"A": 1.0, "Q": 0.5, "M": 0.5}


def calibration_plan(panel: Panel, need: int, settings: RunSettings) -> tuple[int, int]:
    """Windows and calibrated horizon that the shortest series allows.

    ``need`` is the models' minimum history. Raises ``SeriesTooShortError`` naming the series
    too short for ``MIN_CALIBRATION_WINDOWS`` one-step calibration forecasts.
    """
    shortest = min(panel.lengths().values())
    room = shortest - need
    if room < MIN_CALIBRATION_WINDOWS:
        short = [panel.labels()[u] for u, n in panel.lengths().items() if n - need < MIN_CALIBRATION_WINDOWS]
        raise SeriesTooShortError(
            f"calibrated intervals need at least {need + MIN_CALIBRATION_WINDOWS} observations per series"
            f" (the models' minimum {need} plus {MIN_CALIBRATION_WINDOWS} calibration forecasts); too short:"
            f" {describe_items(short)}. Extend or drop these series; a forecast with no honest interval is not given"
        )
    windows = min(settings.n_windows or DEFAULT_CALIBRATION_WINDOWS, room)
    horizon = max(1, min(settings.horizon, room - windows + 1))
    return windows, horizon


def calibration_errors(
    panel: Panel,
    specs: Sequence[ModelSpec],
    settings: RunSettings,
    forecaster: Forecaster,
    *,
    need: int | None = None,
) -> tuple[pd.DataFrame, int, int]:
    """Signed errors ``unique_id, model, window, step, error`` of rolling-origin point forecasts.

    ``need`` (default: the most any of ``specs`` needs) is the shortest history a calibration
    origin may leave. Returns the table with the number of windows and the calibrated horizon.
    """
    if settings.exog_columns:
        raise ForecastingError(
            "calibrated intervals are not available with exogenous drivers (their future values at each"
            " calibration origin would be needed); use intervals='model' with SARIMAX/AutoARIMA/pmdarima"
        )
    if need is None:
        need = max(s.required_length(panel.freq.season_length) for s in specs)
    windows, cal_horizon = calibration_plan(panel, need, settings)
    calib = replace(settings, horizon=cal_horizon, point_only=True)
    errors = []
    for window in range(windows):
        train, rest = cut_panel(panel, cal_horizon + (windows - 1 - window))
        points = forecaster(train, specs, calib)[["unique_id", "ds", "model", "mean"]]
        points["step"] = points.groupby(["unique_id", "model"], sort=False).cumcount() + 1
        merged = points.merge(rest[["unique_id", "ds", "y"]], on=["unique_id", "ds"], how="inner")
        merged["error"] = merged["y"] - merged["mean"]
        errors.append(merged.assign(window=window)[["unique_id", "model", "window", "step", "error"]])
    return pd.concat(errors, ignore_index=True), windows, cal_horizon


def half_widths(errors: pd.DataFrame, levels: Sequence[int], growth: float) -> pd.DataFrame:
    """Normalised conformal half-width per ``unique_id, model`` and level: ``w_<L>`` (see module notes)."""
    normalised = errors.assign(score=errors["error"].abs() / errors["step"] ** growth)
    rows = []
    capped = False
    for (uid, model), scores in normalised.groupby(["unique_id", "model"], sort=False)["score"]:
        ordered = np.sort(scores.to_numpy())
        row: dict[str, object] = {"unique_id": uid, "model": model}
        for level in levels:
            capped |= math.ceil((len(ordered) + 1) * level / 100) > len(ordered)
            row[f"w_{level}"] = ordered[conformal_rank(len(ordered), level) - 1]
        rows.append(row)
    if capped:
        logger.warning(
            "calibrated intervals: too few calibration errors for the exact conformal quantile at the"
            " highest level; the largest error was used (conservative)"
        )
    return pd.DataFrame(rows)


def apply_widths(
    wide: pd.DataFrame, widths: pd.DataFrame, levels: Sequence[int], growth: float
) -> pd.DataFrame:
    """Bounds ``mean -/+ w_<L> * step ** growth`` for the models listed in ``widths``."""
    out = wide.reset_index(drop=True)
    step = out.groupby(["unique_id", "model"], sort=False).cumcount() + 1
    merged = out[["unique_id", "model"]].merge(widths, on=["unique_id", "model"], how="left")
    chosen = merged[f"w_{levels[0]}"].notna().to_numpy()
    for level in levels:
        width = merged[f"w_{level}"].to_numpy() * step.to_numpy() ** growth
        out.loc[chosen, f"lower_{level}"] = (out["mean"] - width)[chosen]
        out.loc[chosen, f"upper_{level}"] = (out["mean"] + width)[chosen]
    return out


def conformal_bounds(
    panel: Panel,
    wide: pd.DataFrame,
    model_names: Sequence[str],
    settings: RunSettings,
    *,
    forecaster: Forecaster,
) -> pd.DataFrame:
    """Replace the bounds of ``model_names`` in ``wide`` by conformal ones.

    ``forecaster`` produces the point forecasts at the calibration origins (the same
    function that produced ``wide``), so the calibrated model is the one forecast.
    """
    specs = [MODELS[name] for name in model_names]
    errors, _, _ = calibration_errors(panel, specs, settings, forecaster)
    growth = STEP_GROWTH[panel.freq.code]
    return apply_widths(wide, half_widths(errors, settings.levels, growth), settings.levels, growth)


def conformal_rank(n: int, level: float) -> int:
    """1-based rank of the conformal quantile among ``n`` sorted errors (capped at ``n``).

    Examples
    --------
    >>> conformal_rank(19, 95), conformal_rank(5, 95)
    (19, 5)
    """
    return min(n, math.ceil((n + 1) * level / 100))
