"""Split-conformal prediction intervals from rolling-origin errors.

For each series, model and step ahead ``k``, the absolute errors of ``n`` rolling-origin
forecasts are ranked and the interval half-width at ``level`` % is the
``ceil((n + 1) * level / 100)``-th smallest (the finite-sample conformal quantile). With too
few windows for that rank the largest error is used (a conservative choice, logged). Steps
beyond the calibrated horizon ``H`` reuse the ``H``-step width scaled by ``sqrt(k / H)``,
the growth of a random walk's spread. Widths grow with the level, so intervals nest.

Models without a predictive distribution (Croston, TSB, ADIDA) always get these intervals.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from forecasting.errors import SeriesTooShortError, describe_items
from forecasting.timeseries import transforms
from forecasting.timeseries.backtest import cut_panel
from forecasting.timeseries.core import RunSettings, run_engines
from forecasting.timeseries.frame import Panel
from forecasting.timeseries.models import MODELS, ModelSpec

logger = logging.getLogger(__name__)

DEFAULT_CALIBRATION_WINDOWS = 10


def point_forecasts(panel: Panel, specs: Sequence[ModelSpec], settings: RunSettings) -> pd.DataFrame:
    """Means only (bounds may be missing) without any conformal step: the calibration engine."""
    base = [s for s in specs if s.engine != "meta"]
    meta = [s for s in specs if s.engine == "meta"]
    pieces = []
    if base:
        data, lambdas = transforms.forward(panel.data, settings.transform, panel.labels())
        raw = run_engines(panel.with_data(data), base, settings, exog_future=None)
        pieces.append(transforms.backward(raw, settings.transform, lambdas, list(settings.levels)))
    if meta:
        from forecasting.timeseries.core import forecast_panel

        pieces.append(forecast_panel(panel, meta, replace(settings, intervals="model")))
    return pd.concat(pieces, ignore_index=True)


def calibration_plan(panel: Panel, specs: Sequence[ModelSpec], settings: RunSettings) -> tuple[int, int]:
    """Windows and calibrated horizon that the shortest series allows."""
    need = max(s.required_length(panel.freq.season_length) for s in specs)
    shortest = min(panel.lengths().values())
    room = shortest - need
    if room < 2:
        short = [panel.labels()[u] for u, n in panel.lengths().items() if n - need < 2]
        raise SeriesTooShortError(
            f"conformal intervals need at least {need + 2} observations per series (the models' minimum"
            f" {need} plus two calibration forecasts); too short: {describe_items(short)}"
        )
    windows = min(settings.n_windows or DEFAULT_CALIBRATION_WINDOWS, room - 1)
    horizon = max(1, min(settings.horizon, room - windows + 1))
    return windows, horizon


def conformal_bounds(
    panel: Panel, wide: pd.DataFrame, model_names: Sequence[str], settings: RunSettings
) -> pd.DataFrame:
    """Replace the bounds of ``model_names`` in ``wide`` by conformal ones."""
    if settings.exog_columns:
        from forecasting.errors import ForecastingError

        raise ForecastingError(
            "conformal intervals are not available with exogenous drivers (their future values at each"
            " calibration origin would be needed); use intervals='model' with SARIMAX/AutoARIMA/pmdarima"
        )
    specs = [MODELS[name] for name in model_names]
    windows, cal_horizon = calibration_plan(panel, specs, settings)
    calib_settings = replace(settings, horizon=cal_horizon)
    errors = []
    for window in range(windows):
        holdout = cal_horizon + (windows - 1 - window)
        train, rest = cut_panel(panel, holdout)
        points = point_forecasts(train, specs, calib_settings)[["unique_id", "ds", "model", "mean"]]
        points["step"] = points.groupby(["unique_id", "model"], sort=False).cumcount() + 1
        merged = points.merge(rest[["unique_id", "ds", "y"]], on=["unique_id", "ds"], how="inner")
        merged["abs_err"] = (merged["y"] - merged["mean"]).abs()
        errors.append(merged[["unique_id", "model", "step", "abs_err"]])
    table = pd.concat(errors, ignore_index=True)
    widths = _widths(table, list(settings.levels), windows)
    out = wide.copy()
    out["step"] = out.groupby(["unique_id", "model"], sort=False).cumcount() + 1
    for level in settings.levels:
        width = _width_at(out, widths, level, cal_horizon)
        chosen = out["model"].isin(list(model_names))
        out.loc[chosen, f"lower_{level}"] = (out["mean"] - width)[chosen]
        out.loc[chosen, f"upper_{level}"] = (out["mean"] + width)[chosen]
    return out.drop(columns="step")


def conformal_rank(n: int, level: float) -> int:
    """1-based rank of the conformal quantile among ``n`` sorted errors (capped at ``n``).

    Examples
    --------
    >>> conformal_rank(19, 95), conformal_rank(5, 95)
    (19, 5)
    """
    return min(n, math.ceil((n + 1) * level / 100))


def _widths(table: pd.DataFrame, levels: list[int], windows: int) -> pd.DataFrame:
    rows = []
    capped = False
    for (uid, model, step), errs in table.groupby(["unique_id", "model", "step"], sort=False)["abs_err"]:
        ordered = np.sort(errs.to_numpy())
        row = {"unique_id": uid, "model": model, "step": step}
        for level in levels:
            if math.ceil((len(ordered) + 1) * level / 100) > len(ordered):
                capped = True
            row[f"w_{level}"] = ordered[conformal_rank(len(ordered), level) - 1]
        rows.append(row)
    if capped:
        logger.warning(
            "conformal intervals: %d calibration windows are too few for the exact quantile at the"
            " highest level; the largest error was used (conservative)",
            windows,
        )
    return pd.DataFrame(rows)


def _width_at(out: pd.DataFrame, widths: pd.DataFrame, level: int, cal_horizon: int) -> pd.Series:
    key = out[["unique_id", "model"]].assign(step=out["step"].clip(upper=cal_horizon))
    merged = key.merge(
        widths[["unique_id", "model", "step", f"w_{level}"]], on=["unique_id", "model", "step"], how="left"
    )
    scale = np.sqrt(np.maximum(out["step"].to_numpy(), cal_horizon) / cal_horizon)
    return pd.Series(merged[f"w_{level}"].to_numpy() * scale, index=out.index)
