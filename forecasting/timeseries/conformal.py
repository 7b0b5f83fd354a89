"""Split-conformal prediction intervals from rolling-origin errors, pooled over steps ahead.

For each series and model, the last ``n`` origins inside the history (``n`` =
``DEFAULT_CALIBRATION_WINDOWS`` unless ``n_windows`` says otherwise) each forecast up to
``H`` steps. At each level ``L`` the errors grow with the step like ``j ** p_L``: ``p_L`` is
the log-log slope of the ``L`` % quantile of the absolute errors by step, clipped to
``GROWTH_RANGE`` (0 for noise around a level, 0.5 a random walk, 1 a persistent trend shift).
Every absolute error ``|e(k, j)|`` is divided by ``j ** p_L`` and the ``m = n H`` normalised
errors are ranked; the half-width at step ``h`` is the ``ceil((m + 1) * L / 100)``-th smallest
(the finite-sample conformal quantile, capped at the largest) times ``h ** p_L``. Then:

* past the calibrated steps ``H`` a width grows like ``h ** min(p_L, 0.5)``: no faster than
  a random walk, and a flat series stays flat (the former growth floor of 0.5 and ``sqrt``
  growth past ``H`` forced widths ten steps ahead to at least ``sqrt(10) = 3.2`` times the
  first step's, where the combination's errors on white noise grow 1.4-2.7 times);
* on a log scale (``transform="log"``), past the calibrated steps every width also takes a
  random walk in quadrature (:mod:`forecasting.timeseries.beyond_walk`, which says why and how
  it was chosen);
* the widths of the 95 and 99 % levels are at least ``TAIL_RATIOS`` times the 80 % width: one
  series' few origins rarely show its tail (without the floor 95 % intervals covered 0.87-0.91
  on TRADHIST development series, 99 % ones 0.91-0.94);
* above the forecast no width exceeds the largest calibration error (grown past ``H`` like the
  widths), below it 1.5 times that (``CAP_FACTORS``): a break seen two steps into the
  calibration, scaled by ``h ** p`` to step 10, gave widths of 20 log units and path means
  beyond any trade ever recorded; on the log scale the lower side costs the mean nothing;
* a calibration origin keeps at least ``MIN_CALIBRATION_HISTORY`` observations, fewer only
  when that would leave fewer than ``MIN_CALIBRATION_ROOM`` for origins and steps (never
  fewer than the models need, and at least three origins): the members' bare minimum is
  four years, and a Theta trend fitted on four years of white noise (log sd 0.8) erred by up
  to 7.6 log units ten years on. Of the history left, at most half
  (``CALIBRATION_STEP_SHARE``) calibrates further steps and the rest adds origins
  (:func:`calibration_shape`). On ten seeds of 18 years of that noise (benchmarks/noise_tails.py)
  the former plan (8 steps from 3 origins, the first fitted on four years) gave path means up
  to 107 times the median ten years on, 99.9 % quantiles up to 11,900 times, and a median
  80 % half-width of 1.9 log units; this one (5 steps from 6 origins) 3.0, 49 and 1.4, where
  the combination's true half-width is 1.1;
* with fewer than ``REFERENCE_WINDOWS`` calibration origins ``W`` (short histories), every
  width and the cap are widened by :func:`small_sample_factor`: the errors of one origin at
  its successive steps share that origin's shocks, so the ``W`` origins, not the ``W H``
  errors, are the independent draws, and a quantile read from few draws covers less than its
  level. The factor is the Student-t prediction-interval ratio
  ``t_{W-1} sqrt(1 + 1/W) / (t_{R-1} sqrt(1 + 1/R))`` at ``R = REFERENCE_WINDOWS`` origins, the
  number the widths were calibrated with, and for levels up to ``SCALE_LEVEL`` its square root
  (``LOW_LEVEL_POWER``): there the conformal rank is an inner order statistic of the ``W H``
  errors, steadier than a tail one, and the full ratio over-covered on development series
  (80 % coverage 0.845 on M3 yearly MICRO, 0.82-0.85 at every step of TRADHIST histories cut to
  12 years; with the square root 0.806 and 0.80-0.82, 95 % coverage within 0.01 of before;
  without any factor at 80 % histories of 18 years covered 0.75-0.80). The cap takes the 95 % factor;
* levels nest (a width is never below the one of a lower level).

Against the former plan (commit 56321e3; tables and command in
benchmarks/results/accuracy_real_data.md, "Former calibration plan"): M3 yearly, all 645 series,
covered 0.74 / 0.86 at 80 / 95 % on development and now 0.77 / 0.90 (evaluation 0.76 / 0.88, now
0.81 / 0.92); TRADHIST histories cut to 12 years 0.69-0.76 / 0.76-0.90 at steps 1-10, now
0.76-0.85 / 0.84-0.95 (development); full TRADHIST histories did not move. Histories of 18 years
covered better with the former plan (0.77-0.83 / 0.88-0.94, now 0.74-0.81 / 0.85-0.95), whose
wider bands there came with the explosive tails above (all these without the walk past the
calibrated steps, which came after and is measured in the results file). Variants tried and
dropped on the same development series (exploratory runs, not regenerated): a cap of 1.3-3 times
the largest error above the forecast (95 % coverage up, into the band for 12- and 18-year
histories at 1.3, but the summed USD mean of TRADHIST paths fell to 0.00-0.2 of the realised),
growth past the calibrated steps at the full exponent or at least a random walk's (the latter covered short histories best but gave 80 % half-widths
of 5 log units on 12 years of white noise), two thirds of the room for steps (a 0.2-1,220 m 80 %
band for an 11-year flow of about 10 m in the bundled demonstration), and widening each band
toward the sign of a persistent calibration error (M3 yearly MACRO covered better, but the
summed USD mean of the TRADHIST paths exploded; figures in the results file's notes), and, for
monthly series, calibration origins three months apart instead of one (more independent
errors; on 120 M3 monthly development series 0.797 / 0.940 became 0.809 / 0.960, no nearer the
bands' middles) or 24 origins instead of 10 (0.812 / 0.960).

So intervals are symmetric unless a cap binds, where the lower side reaches further. The
levels, floors, caps and the small-sample factor were chosen on development series only
(TRADHIST step by step to ten years ahead, M3 yearly; benchmarks/accuracy_real_data.py,
which reports both halves).

Why pooled and not one quantile per step: ten origins give ten errors per step, too few for
a 95 % quantile (the largest of ten covers about 91 % at best), while pooling gives ``10 H``.

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
from scipy import stats

from forecasting.errors import ForecastingError, SeriesTooShortError, describe_items
from forecasting.timeseries.backtest import cut_panel
from forecasting.timeseries.beyond_walk import walk_quantile
from forecasting.timeseries.core import Forecaster, RunSettings
from forecasting.timeseries.frame import Panel
from forecasting.timeseries.models import MODELS, ModelSpec

logger = logging.getLogger(__name__)

DEFAULT_CALIBRATION_WINDOWS = 10
MIN_CALIBRATION_WINDOWS = 3
#: Fewest observations a calibration origin keeps when the series is long enough (see module notes).
MIN_CALIBRATION_HISTORY = 8
#: ... unless fewer than this many observations would be left for origins and steps.
MIN_CALIBRATION_ROOM = 6
#: Most of that room that goes to calibrating further steps; the rest adds origins.
CALIBRATION_STEP_SHARE = 0.5
GROWTH_RANGE = (0.0, 1.0)
#: Level -> least ratio of its half-width to the ``SCALE_LEVEL`` one (see module notes).
TAIL_RATIOS = {95: 1.8, 99: 3.0}
SCALE_LEVEL = 80
#: Side -> most a width may be, in units of the largest calibration error (see module notes).
CAP_FACTORS = {"down": 1.5, "up": 1.0}
#: Origins the widths were calibrated with; fewer widen them (:func:`small_sample_factor`).
REFERENCE_WINDOWS = DEFAULT_CALIBRATION_WINDOWS
#: Level whose small-sample factor widens the cap (the largest error seen).
CAP_LEVEL = 95
#: Power of the small-sample ratio at levels up to ``SCALE_LEVEL`` (above them it is 1).
LOW_LEVEL_POWER = 0.5


def calibration_plan(
    panel: Panel, need: int | dict[str, int], settings: RunSettings
) -> dict[str, tuple[int, int]]:
    """Per series id: the calibration windows and calibrated horizon its history allows.

    ``need`` is the models' minimum history (one number, or one per series id); the plan of
    each series is :func:`calibration_shape`. Each series
    is planned on its own length, so a series' intervals do not depend on which other series
    are forecast with it (chunked and serial runs agree). Raises ``SeriesTooShortError``
    naming every series too short for ``MIN_CALIBRATION_WINDOWS`` one-step forecasts.
    """
    lengths, labels = panel.lengths(), panel.labels()
    needs = need if isinstance(need, dict) else dict.fromkeys(lengths, need)
    short = [f"{labels[u]} ({n} obs.)" for u, n in lengths.items() if n - needs[u] < MIN_CALIBRATION_WINDOWS]
    if short:
        least = min(needs.values()) + MIN_CALIBRATION_WINDOWS
        raise SeriesTooShortError(
            f"calibrated intervals need at least {least} observations per series (the models' minimum plus"
            f" {MIN_CALIBRATION_WINDOWS} calibration forecasts); too short: {describe_items(short)}. Extend or"
            " drop these series: a forecast without an honest interval is not given"
        )
    return {
        uid: calibration_shape(n, needs[uid], settings.horizon, settings.n_windows)
        for uid, n in lengths.items()
    }


def calibration_shape(length: int, need: int, horizon: int, n_windows: int | None = None) -> tuple[int, int]:
    """``(origins, steps)`` of the calibration of one series of ``length`` observations.

    ``need`` is the models' minimum history, ``horizon`` the steps asked for and ``n_windows``
    the most origins wanted (default ``DEFAULT_CALIBRATION_WINDOWS``); see the module notes.
    Past the returned steps, widths are extrapolated.

    Examples
    --------
    >>> calibration_shape(40, 4, 10), calibration_shape(18, 4, 10), calibration_shape(11, 4, 10)
    ((10, 10), (6, 5), (4, 3))
    """
    # A trend fitted on the models' bare minimum (four years) errs far more than one fitted on
    # the whole history: such origins would set the widths of every later forecast.
    earliest = max(need, min(MIN_CALIBRATION_HISTORY, length - MIN_CALIBRATION_ROOM))
    room = length - earliest
    # Steps and origins share the room: at most half of it calibrates further steps, the rest
    # adds origins (few origins cost the small-sample factor; past the calibrated steps the
    # widths still grow).
    steps = max(1, min(horizon, room - MIN_CALIBRATION_WINDOWS + 1, math.ceil(room * CALIBRATION_STEP_SHARE)))
    return min(n_windows or DEFAULT_CALIBRATION_WINDOWS, room - steps + 1), steps


def calibration_errors(
    panel: Panel,
    specs: Sequence[ModelSpec],
    settings: RunSettings,
    forecaster: Forecaster,
    *,
    need: int | dict[str, int] | None = None,
) -> pd.DataFrame:
    """Signed errors ``unique_id, model, cutoff, step, error`` of rolling-origin point forecasts.

    ``need`` (default: the most any of ``specs`` needs) is the shortest history a calibration
    origin may leave, for all series or per series id. Series with the same plan are
    forecast together.
    """
    if settings.exog_columns:
        raise ForecastingError(
            "calibrated intervals are not available with exogenous drivers (their future values at each"
            " calibration origin would be needed); use intervals='model' with SARIMAX/AutoARIMA/pmdarima"
        )
    if need is None:
        need = max(s.required_length(panel.freq.season_length) for s in specs)
    plans = calibration_plan(panel, need, settings)
    errors = []
    for (windows, cal_horizon), ids in pd.Series(plans).groupby(pd.Series(plans)).groups.items():
        group = panel.subset(list(ids))
        calib = replace(settings, horizon=cal_horizon, point_only=True)
        logger.debug("calibrating %d series on %d origins of %d steps", len(ids), windows, cal_horizon)
        for window in range(windows):
            train, rest = cut_panel(group, cal_horizon + (windows - 1 - window))
            # A copy, not a column view of the forecaster's frame: pandas' SettingWithCopyWarning on
            # such a view depends on when the garbage collector frees that frame (flaky on workers).
            points = forecaster(train, specs, calib)[["unique_id", "ds", "model", "mean"]].copy()
            points["step"] = points.groupby(["unique_id", "model"], sort=False).cumcount() + 1
            points["cutoff"] = points["unique_id"].map(train.last_period())
            merged = points.merge(rest[["unique_id", "ds", "y"]], on=["unique_id", "ds"], how="inner")
            merged["error"] = merged["y"] - merged["mean"]
            errors.append(merged[["unique_id", "model", "cutoff", "step", "error"]])
    return pd.concat(errors, ignore_index=True)


def step_factor(step: np.ndarray, growth: float | np.ndarray, calibrated: int | np.ndarray) -> np.ndarray:
    """Growth of a half-width with the step: ``step ** growth`` up to the calibrated horizon, then
    ``step ** min(growth, 0.5)``: past the errors seen, no faster than a random walk and no faster
    than the series' own errors grew (a flat, level-like series stays flat).

    Examples
    --------
    >>> step_factor(np.array([1, 2, 8]), 1.0, 2).tolist()
    [1.0, 2.0, 4.0]
    >>> step_factor(np.array([1, 5, 10]), 0.0, 5).tolist()
    [1.0, 1.0, 1.0]
    """
    step = np.asarray(step, dtype=float)
    growth = np.asarray(growth, dtype=float)
    inside = np.minimum(step, calibrated) ** growth
    return inside * (np.maximum(step, calibrated) / calibrated) ** np.minimum(growth, 0.5)


def step_growth(errors: pd.DataFrame, level: float) -> pd.Series:
    """Growth exponent of each series' absolute errors with the step (see module notes).

    Per ``unique_id, model``: the least-squares slope of ``log(s_j)`` on ``log(j)``, where
    ``s_j`` is the ``level`` % quantile of the absolute errors at step ``j``, clipped to
    ``GROWTH_RANGE``; with errors at one step only there is nothing to fit and the random
    walk's 0.5 is used.

    Examples
    --------
    >>> import pandas as pd
    >>> errs = pd.DataFrame({"unique_id": "a", "model": "m", "step": [1, 2, 4], "error": [1.0, -2.0, 4.0]})
    >>> step_growth(errs, 80).tolist()
    [1.0]
    """
    keys = ["unique_id", "model"]
    by_step = errors.assign(abs_error=errors["error"].abs()).groupby([*keys, "step"], sort=False)["abs_error"]
    stat = by_step.quantile(level / 100)
    stat = stat[stat > 0].reset_index()
    stat["x"], stat["y"] = np.log(stat["step"].astype(float)), np.log(stat["abs_error"])
    stat["xx"], stat["xy"] = stat["x"] ** 2, stat["x"] * stat["y"]
    sums = stat.groupby(keys, sort=False)[["x", "y", "xx", "xy"]].sum()
    count = stat.groupby(keys, sort=False).size()
    var = sums["xx"] - sums["x"] ** 2 / count
    slope = (sums["xy"] - sums["x"] * sums["y"] / count) / var.where(var > 1e-12)
    slope = slope.where(count >= 2).fillna(0.5).clip(*GROWTH_RANGE)
    every = errors[keys].drop_duplicates().set_index(keys).index
    return slope.reindex(every).fillna(0.5).rename("growth")


def small_sample_factor(windows: np.ndarray | int, level: float) -> np.ndarray:
    """How much wider a width from ``windows`` calibration origins is made (see module notes).

    1 from ``REFERENCE_WINDOWS`` origins on, else the Student-t ratio of the module notes,
    to the power ``LOW_LEVEL_POWER`` at levels up to ``SCALE_LEVEL`` (never below 1; fewer
    than 2 origins are treated as 2).

    Examples
    --------
    >>> small_sample_factor(np.array([3, 5, 10, 20]), 95).round(2).tolist()
    [2.09, 1.28, 1.0, 1.0]
    >>> small_sample_factor(np.array([3, 5, 10, 20]), 80).round(2).tolist()
    [1.23, 1.08, 1.0, 1.0]
    """
    windows = np.maximum(np.asarray(windows, dtype=float), 2.0)
    quantile = 0.5 + level / 200
    reference = stats.t.ppf(quantile, REFERENCE_WINDOWS - 1) * math.sqrt(1 + 1 / REFERENCE_WINDOWS)
    own = stats.t.ppf(quantile, windows - 1) * np.sqrt(1 + 1 / windows)
    power = LOW_LEVEL_POWER if level <= SCALE_LEVEL else 1.0
    return np.where(windows < REFERENCE_WINDOWS, np.maximum(own / reference, 1.0) ** power, 1.0)


def half_widths(errors: pd.DataFrame, levels: Sequence[int], *, warn_capped: bool = True) -> pd.DataFrame:
    """Per ``unique_id, model`` and level ``L``: the step growth ``growth_<L>`` and the normalised
    conformal half-width ``w_<L>``; the number of ``calibrated`` steps, of calibration origins
    (``windows``) and the ``largest`` absolute error, which caps the widths; widths and cap
    include the small-sample factor (see module notes). ``warn_capped=False`` only logs (at
    debug) when a level had to use the largest error."""
    keys = ["unique_id", "model"]
    out = (
        errors.assign(abs_error=errors["error"].abs())
        .groupby(keys, sort=False)
        .agg(n=("error", "size"), calibrated=("step", "max"), largest=("abs_error", "max"),
             windows=("cutoff", "nunique"))
        .reset_index()
    )  # fmt: skip
    out["largest"] *= small_sample_factor(out["windows"].to_numpy(), CAP_LEVEL)
    capped = False
    for level in levels:
        growth = step_growth(errors, level).rename(f"growth_{level}")
        scored = errors.merge(growth.reset_index(), on=keys, how="left")
        scored["score"] = scored["error"].abs() / scored["step"] ** scored[f"growth_{level}"]
        scored = scored.sort_values([*keys, "score"], kind="stable")
        scored["rank"] = scored.groupby(keys, sort=False).cumcount() + 1
        wanted = np.ceil((out["n"] + 1) * level / 100).astype(int)
        capped |= bool((wanted > out["n"]).any())
        pick = out[keys].assign(rank=np.minimum(wanted, out["n"]))
        out[f"w_{level}"] = pick.merge(scored[[*keys, "rank", "score"]], on=[*keys, "rank"], how="left")[
            "score"
        ].to_numpy() * small_sample_factor(out["windows"].to_numpy(), level)
        out = out.merge(growth.reset_index(), on=keys, how="left")
    if capped:
        message = (
            "calibrated intervals: too few calibration errors for the exact conformal quantile at the"
            " highest level; the largest error was used (conservative)"
        )
        logger.log(logging.WARNING if warn_capped else logging.DEBUG, message)
    out["calibrated"] = out["calibrated"].astype(int)
    columns = [c for level in levels for c in (f"growth_{level}", f"w_{level}")]
    return out[[*keys, "calibrated", "windows", "largest", *columns]]


def level_widths(
    widths: pd.DataFrame, step: np.ndarray, levels: Sequence[int]
) -> tuple[np.ndarray, np.ndarray]:
    """``(down, up)``, each ``(rows, levels)``: the widths of :func:`half_widths` times
    ``step_factor(step, growth_<L>)`` for the rows of ``widths`` at ``step``, with the tail
    floors and caps of the module notes, made to nest (never narrower at a higher level).

    Examples
    --------
    >>> w = pd.DataFrame({"calibrated": [4, 4], "largest": [2.0, 2.0], "growth_80": [0.0, 0.0],
    ...                   "w_80": [1.0, 1.0], "growth_95": [1.0, 1.0], "w_95": [0.5, 0.5]})
    >>> down, up = level_widths(w, np.array([1, 4]), [80, 95])
    >>> down.tolist(), up.tolist()  # the 95 % floor is 1.8 x the 80 % width; above, the cap is 2
    ([[1.0, 1.8], [1.0, 2.0]], [[1.0, 1.8], [1.0, 2.0]])
    >>> level_widths(w.iloc[:1], np.array([8]), [80, 95])[0].round(2).tolist()  # 0.5 * 4 * sqrt(8 / 4)
    [[1.0, 2.83]]
    """
    calibrated = widths["calibrated"].fillna(1).to_numpy()
    largest = widths["largest"].to_numpy()
    walk_sd = widths["beyond_sd"].fillna(0.0).to_numpy() if "beyond_sd" in widths else np.zeros(len(widths))
    walk_sd = walk_sd * np.sqrt(np.maximum(np.asarray(step, dtype=float) - calibrated, 0.0))
    caps, factors = {}, {}
    for level in levels:
        growth = widths[f"growth_{level}"].fillna(0.5).to_numpy()
        factors[level] = step_factor(step, growth, calibrated)
        # Scaling a break seen early in the calibration by step ** growth would give widths larger
        # than any error the series made; past the calibrated steps the cap grows like the widths.
        caps[level] = (
            largest * step_factor(np.maximum(step, calibrated), growth, calibrated) / calibrated**growth
        )
    sides = []
    for side in ("down", "up"):
        own = {level: widths[f"w_{level}"].to_numpy() * factors[level] for level in levels}
        columns = []
        for level in sorted(levels):
            width = own[level]
            if SCALE_LEVEL in own and level in TAIL_RATIOS:
                # A tail estimated from one series' few breaks is too thin more often than not.
                width = np.maximum(
                    width, TAIL_RATIOS[level] * np.minimum(own[SCALE_LEVEL], caps[SCALE_LEVEL])
                )
            width = np.minimum(width, CAP_FACTORS[side] * caps[level])
            columns.append(np.hypot(width, walk_quantile(level) * walk_sd))
        sides.append(np.maximum.accumulate(np.column_stack(columns), axis=1))
    return sides[0], sides[1]


def apply_widths(wide: pd.DataFrame, widths: pd.DataFrame, levels: Sequence[int]) -> pd.DataFrame:
    """Bounds ``mean - down`` and ``mean + up`` (:func:`level_widths`) for the models listed in ``widths``."""
    out = wide.reset_index(drop=True)
    step = (out.groupby(["unique_id", "model"], sort=False).cumcount() + 1).to_numpy()
    merged = out[["unique_id", "model"]].merge(widths, on=["unique_id", "model"], how="left")
    chosen = merged[f"w_{levels[0]}"].notna().to_numpy()
    down, up = level_widths(merged, step, levels)
    for i, level in enumerate(sorted(levels)):
        out.loc[chosen, f"lower_{level}"] = (out["mean"] - down[:, i])[chosen]
        out.loc[chosen, f"upper_{level}"] = (out["mean"] + up[:, i])[chosen]
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
    errors = calibration_errors(panel, specs, settings, forecaster)
    return apply_widths(wide, half_widths(errors, settings.levels), settings.levels)


def conformal_rank(n: int, level: float) -> int:
    """1-based rank of the conformal quantile among ``n`` sorted errors (capped at ``n``).

    Examples
    --------
    >>> conformal_rank(19, 95), conformal_rank(5, 95)
    (19, 5)
    """
    return min(n, math.ceil((n + 1) * level / 100))
