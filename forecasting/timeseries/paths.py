"""Joint sample paths of the default ``auto`` forecast, calibrated like its intervals.

Draw ``d`` of every series comes from one joint draw, so sums over series (a pair's
turnover, a commodity's two directions) get coherent intervals:

1. each series' path is its combined point forecast plus a calibrated error; the error at
   step ``h`` is ``q_ih(Z)``, where ``q_ih`` is series ``i``'s quantile function at that step,
   piecewise linear through its conformal widths below and above the forecast at
   ``PATH_LEVELS`` (:func:`forecasting.timeseries.conformal.level_widths`, the calibration
   that gives ``forecast(models="auto")`` its bounds, with its step growth, tail floors,
   caps and, on the log scale, the random walk past the calibrated steps); so the paths' 80 % and 95 % bands equal the forecast's intervals (up to simulation
   noise), and the 99 % level pins the tail the level-scale mean depends on;
2. ``Z`` is standard normal at every step, a random walk scaled to unit variance (so a path
   that starts high tends to stay high), and correlated across series with the shrunk
   (Schafer-Strimmer) correlation of the series' calibration errors at common origins.

Beyond the 99 % level the error grows like a normal tail from the 99 % width. With
``transform="log"`` everything happens on the log scale and each draw maps back, so paths
are never negative and their mean is the mean of the log-normal-like draws. On TRADHIST
series ten years ahead (benchmarks/results/accuracy_real_data.md) that mean is about right
per series (realised / mean averages 0.9-1.25) and, summed over series, biased up by 2.8-4.2
times at step 10 (development, evaluation); the price of the upper cap is a thin far upper tail.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from forecasting.errors import ForecastingError, describe_items
from forecasting.timeseries import beyond_walk, conformal, transforms
from forecasting.timeseries.combination import auto_members, beyond_volatility, calibrated
from forecasting.timeseries.core import RunSettings
from forecasting.timeseries.frame import Panel
from forecasting.timeseries.reconcile import shrunk_covariance
from forecasting.timeseries.selection import INTERMITTENT_ZERO_SHARE, intermittent

PATH_LEVELS = (50, 80, 95, 99)


def auto_paths(
    panel: Panel, settings: RunSettings, *, n_paths: int, seed: int, transform: transforms.TransformName
) -> pd.DataFrame:
    """``unique_id, path, ds, value``: calibrated joint paths of ``auto`` (see module notes)."""
    refuse_intermittent(panel)
    data, lambdas = transforms.forward(panel.data, transform, panel.labels())
    fitted = panel.with_data(data)
    plain = replace(settings, transform="none", levels=PATH_LEVELS)
    wide, errors = calibrated(fitted, auto_members(fitted, plain), plain, label="auto")
    widths = beyond_walk.with_beyond_calibration(
        conformal.half_widths(errors, PATH_LEVELS, warn_capped=False), beyond_volatility(settings.options, transform),
        panel.freq.season_length, settings.horizon, labels=panel.labels(),
    ).set_index("unique_id")  # fmt: skip
    ids = fitted.ids
    horizon = settings.horizon
    draws = joint_normal(error_correlation(errors, ids), n_paths, horizon, np.random.default_rng(seed))
    steps = np.arange(1, horizon + 1)
    pieces = []
    for i, uid in enumerate(ids):
        mean = wide.loc[wide["unique_id"] == uid, "mean"].to_numpy()
        row = widths.loc[[uid]].iloc[np.zeros(horizon, dtype=int)].reset_index(drop=True)
        down, up = conformal.level_widths(row, steps, PATH_LEVELS)
        values = mean[None, :] + quantile_map(draws[:, i, :], down, up)
        if transform != "none":
            values = transforms.inverse_box_cox(values, lambdas[uid])
        dates = wide.loc[wide["unique_id"] == uid, "ds"].to_numpy()
        pieces.append(
            pd.DataFrame({
                "unique_id": uid, "path": np.repeat(np.arange(n_paths), horizon),
                "ds": np.tile(dates, n_paths), "value": values.ravel(),
            })
        )  # fmt: skip
    return pd.concat(pieces, ignore_index=True)


def quantile_map(z: np.ndarray, down: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Map standard normal draws ``(paths, steps)`` to errors through each step's calibrated
    widths below (``down``) and above (``up``) the point forecast, ``(steps, len(PATH_LEVELS))``.

    Piecewise linear in ``|z|`` through ``(0, 0)`` and ``(z_L, w_L)`` on the side of ``z``'s
    sign; beyond the widest level it grows like a normal tail, ``w_top * |z| / z_top`` (the
    calibration says nothing about the far tail, and on the log scale a steeper guess there
    would let a few extreme draws dominate the mean).

    Examples
    --------
    >>> import numpy as np
    >>> z80 = 1.2815515655446004
    >>> down, up = np.array([[1.0, 2.0, 3.0, 3.0]]), np.array([[0.5, 1.0, 1.5, 1.5]])
    >>> float(quantile_map(np.array([[-z80]]), down, up)[0, 0]), float(quantile_map(np.array([[z80]]), down, up)[0, 0])
    (-2.0, 1.0)
    >>> round(float(quantile_map(np.array([[-2 * 2.5758293035489]]), down, up)[0, 0]), 9)
    -6.0
    """
    knots = np.array([0.0, *(stats.norm.ppf(0.5 + lv / 200) for lv in PATH_LEVELS)])
    magnitude = np.abs(z)
    out = np.empty_like(magnitude)
    for step in range(magnitude.shape[1]):
        for side, widths in ((z[:, step] < 0, down[step]), (z[:, step] >= 0, up[step])):
            known = np.concatenate([[0.0], np.maximum.accumulate(widths)])
            m = magnitude[side, step]
            out[side, step] = np.where(m > knots[-1], known[-1] * m / knots[-1], np.interp(m, knots, known))
    return np.sign(z) * out


def error_correlation(errors: pd.DataFrame, ids: list[str]) -> np.ndarray:
    """Shrunk correlation across series of normalised calibration errors at common origins."""
    if len(ids) == 1:
        return np.ones((1, 1))
    wide = errors.pivot_table(index=["cutoff", "step"], columns="unique_id", values="error").reindex(
        columns=ids
    )
    complete = wide.dropna().to_numpy()
    if len(complete) < 3:
        return np.eye(len(ids))
    cov = shrunk_covariance(complete - complete.mean(axis=0))
    sd = np.sqrt(np.diag(cov))
    sd[sd == 0] = 1.0
    return cov / np.outer(sd, sd)


def joint_normal(corr: np.ndarray, n_paths: int, horizon: int, rng: np.random.Generator) -> np.ndarray:
    """``(n_paths, n_series, horizon)`` standard normals: random walks over steps, correlated across series."""
    values, vectors = np.linalg.eigh(corr)
    root = vectors * np.sqrt(np.clip(values, 0, None))
    shocks = rng.standard_normal((n_paths, horizon, len(corr))) @ root.T
    walks = np.cumsum(shocks, axis=1) / np.sqrt(np.arange(1, horizon + 1))[None, :, None]
    return np.transpose(walks, (0, 2, 1))


def refuse_intermittent(panel: Panel) -> None:
    """Raise naming the series with many zeros, where ``auto`` paths do not apply."""
    sparse = intermittent(panel)
    many = [panel.labels()[u] for u in sparse.index[sparse]]
    if many:
        raise ForecastingError(
            f"{len(many)} series have at least {INTERMITTENT_ZERO_SHARE:.0%} zeros, where the combination does not"
            f" apply: {describe_items(many)}. Simulate them with a single model (e.g. model='Naive') or drop them"
        )
