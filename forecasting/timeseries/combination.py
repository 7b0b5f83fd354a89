"""The default forecast, ``auto``: an equal-weight combination with calibrated intervals.

Members depend on the frequency:

* annual series: ``Naive``, the standard ``Theta`` method and ``DynamicOptimizedTheta``.
  On the development half of the annual TRADHIST trade series (log levels, horizon 6,
  rolling origins; benchmarks/accuracy_real_data.py) its point forecast had a mean MASE
  about 9 % below the naive forecast, where the previous four-model state-space combination
  was no better than naive (1.00): trade series break (1975, 1982, 2009) and smooth trend
  extrapolation pays for it, while the last value and the theta method's halved trend are
  robust to it. With AutoTheta in place of DOTM it was 0.2 points better there but twice as
  slow, which the speed target (10x pmdarima with calibration) could not afford;
* seasonal series (monthly, quarterly): ``AutoETS``, ``AutoTheta``,
  ``DynamicOptimizedTheta`` and ``AutoCES`` (chosen on M3 development series,
  benchmarks/bench_auto_vs_pmdarima.py).

The combined point forecast is the mean of the members' point forecasts on the fitting
scale (after ``transform``). Its intervals are split-conformal, from the combination's own
rolling-origin errors (:mod:`forecasting.timeseries.conformal`), because the members' model
intervals were far too narrow on trade series (80 % intervals covered about two thirds).
With ``transform="log"`` the calibration happens on the log scale and the bounds map back
exactly, so they are never negative. The widths' step growth, tail floors and caps are
those of :mod:`forecasting.timeseries.conformal`; the random walk that widens them past a
series' calibrated steps on the log scale is :mod:`forecasting.timeseries.beyond_walk`
(:func:`beyond_volatility`). Members a series is too short for sit out (logged);
series with many zeros go to the intermittent-demand model with the best backtest.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from forecasting.errors import DataQualityWarning, ForecastingError, describe_items
from forecasting.timeseries import beyond_walk, conformal, transforms
from forecasting.timeseries.core import Forecaster, RunSettings, forecast_base
from forecasting.timeseries.frame import Frequency, Panel
from forecasting.timeseries.models import ModelSpec, check_length, resolve_models
from forecasting.timeseries.selection import INTERMITTENT_CANDIDATES, backtest_choice, intermittent

logger = logging.getLogger(__name__)

ANNUAL_MEMBERS = ("Naive", "Theta", "DynamicOptimizedTheta")
SEASONAL_MEMBERS = ("AutoETS", "AutoTheta", "DynamicOptimizedTheta", "AutoCES")


def default_members(freq: Frequency) -> tuple[str, ...]:
    """Members of ``auto`` at a frequency (see module notes).

    Examples
    --------
    >>> from forecasting.timeseries.frame import parse_freq
    >>> default_members(parse_freq("A"))
    ('Naive', 'Theta', 'DynamicOptimizedTheta')
    """
    return ANNUAL_MEMBERS if freq.season_length == 1 else SEASONAL_MEMBERS


def auto_members(panel: Panel, settings: RunSettings) -> list[ModelSpec]:
    """The members ``auto`` combines for ``panel``, after checking ``options['auto']``."""
    options = settings.options.get("auto", {})
    unknown = sorted(set(options) - {"members", "beyond_volatility"})
    if unknown:
        raise ForecastingError(
            f"options for 'auto' accept 'members' (the combined models) and 'beyond_volatility'; got {unknown}. To"
            " choose among candidates per series by backtest, use models='select' with"
            " options={'select': {'candidates': [...]}}"
        )
    specs = resolve_models(list(options.get("members", default_members(panel.freq))))
    nested = [s.name for s in specs if s.engine == "meta"]
    if nested:
        raise ForecastingError(f"a combination's members must be single models, not {nested}")
    return specs


def beyond_volatility(options: dict[str, dict], transform: str) -> float:
    """Annual volatility of the walk past the calibrated steps (:mod:`forecasting.timeseries.conformal`).

    ``options['auto']['beyond_volatility']`` when given (for series already in logs, or 0 to
    turn it off); else ``BEYOND_CALIBRATION_VOLATILITY`` with ``transform="log"`` and 0
    otherwise: the figure is a log-scale volatility, meaningless on levels.

    Examples
    --------
    >>> beyond_volatility({}, "log"), beyond_volatility({}, "none"), beyond_volatility({"auto": {"beyond_volatility": 0.2}}, "none")
    (0.15, 0.0, 0.2)
    """
    given = options.get("auto", {}).get("beyond_volatility")
    if given is None:
        return beyond_walk.BEYOND_CALIBRATION_VOLATILITY if transform == "log" else 0.0
    if isinstance(given, bool) or not isinstance(given, int | float) or not math.isfinite(given) or given < 0:
        raise ForecastingError(
            f"options={{'auto': {{'beyond_volatility': ...}}}} must be a number >= 0 (an annual volatility on the log"
            f" scale, 0 for none); got {given!r}"
        )
    return float(given)


def auto_forecast(panel: Panel, settings: RunSettings, *, forecaster: Forecaster) -> pd.DataFrame:
    """Wide ``auto`` forecasts: the combination for smooth series, the best intermittent model otherwise."""
    specs = auto_members(panel, settings)
    sparse = intermittent(panel)
    pieces = []
    if not sparse.all():
        smooth = panel.subset(sparse.index[~sparse].tolist())
        pieces.append(combination(smooth, specs, settings, label="auto"))
    if sparse.any():
        chosen = backtest_choice(
            panel.subset(sparse.index[sparse].tolist()), "select", settings,
            candidates=INTERMITTENT_CANDIDATES, forecaster=forecaster,
        )  # fmt: skip
        pieces.append(chosen.assign(model="auto"))
    return pd.concat(pieces, ignore_index=True)


def combination(
    panel: Panel, specs: Sequence[ModelSpec], settings: RunSettings, *, label: str
) -> pd.DataFrame:
    """Combined means and calibrated bounds on the caller's scale (see module notes).

    Raises
    ------
    SeriesTooShortError
        When a series is too short for every member, or for the calibration.
    """
    data, lambdas = transforms.forward(panel.data, settings.transform, panel.labels())
    fitted = panel.with_data(data)
    plain = replace(settings, transform="none")
    wide, errors = calibrated(fitted, specs, plain, label=label)
    widths = beyond_walk.with_beyond_calibration(
        conformal.half_widths(errors, settings.levels), beyond_volatility(settings.options, settings.transform),
        panel.freq.season_length, settings.horizon, labels=panel.labels(),
    )  # fmt: skip
    top = max(settings.levels)
    flat = widths.loc[widths[f"w_{top}"] <= 0, "unique_id"].tolist()
    if flat:
        labels = panel.labels()
        message = (
            f"{len(flat)} series were forecast without error at every calibration origin (constant"
            f" histories?), so their '{label}' intervals have zero width: {describe_items([labels[u] for u in flat])}."
            " Treat these intervals as missing, not as certainty"
        )
        logger.warning(message)
        warnings.warn(message, DataQualityWarning, stacklevel=2)
    wide = conformal.apply_widths(wide, widths, list(settings.levels))
    return transforms.backward(wide, settings.transform, lambdas, list(settings.levels))


def calibrated(
    panel: Panel, specs: Sequence[ModelSpec], settings: RunSettings, *, label: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Combined point forecasts and their calibration errors, on the panel's scale."""
    wide = combined_points(panel, specs, settings, label=label)

    def at_origin(train: Panel, _specs: object, run: RunSettings, exog_future: object = None) -> pd.DataFrame:
        return combined_points(train, specs, run, label=label, quiet=True)

    season = panel.freq.season_length
    per_series = {uid: calibration_need(specs, season, n) for uid, n in panel.lengths().items()}
    errors = conformal.calibration_errors(panel, specs, settings, at_origin, need=per_series)
    return wide, errors


def calibration_need(specs: Sequence[ModelSpec], season_length: int, length: int) -> int:
    """The shortest history a calibration origin of a ``length``-long series may leave: the most
    demanding member such origins can still fit (the least demanding one if none can).

    Examples
    --------
    >>> from forecasting.timeseries.models import resolve_models
    >>> calibration_need(resolve_models(list(ANNUAL_MEMBERS)), 1, 12)
    4
    """
    needs = sorted(s.required_length(season_length) for s in specs)
    return max([r for r in needs if r <= length - conformal.MIN_CALIBRATION_WINDOWS] or needs[:1])


def combined_points(
    panel: Panel, specs: Sequence[ModelSpec], settings: RunSettings, *, label: str, quiet: bool = False
) -> pd.DataFrame:
    """Equal-weight mean of the members' point forecasts per series (bounds left missing)."""
    season = panel.freq.season_length
    lengths = panel.lengths()
    usable = {
        uid: tuple(s.name for s in specs if s.required_length(season) <= n) for uid, n in lengths.items()
    }
    too_short = [uid for uid, names in usable.items() if not names]
    if too_short:
        easiest = min(specs, key=lambda s: s.required_length(season))
        check_length(easiest, {u: lengths[u] for u in too_short}, season, panel.labels())
    pieces = []
    point_only = replace(settings, point_only=True, intervals="model")
    by_members = pd.Series(usable).groupby(pd.Series(usable)).groups
    for names, ids in by_members.items():
        if len(names) < len(specs) and not quiet:
            labels = panel.labels()
            logger.warning(
                "%d series are too short for part of the combination (%s); their '%s' forecast combines %s",
                len(ids), ", ".join(labels[u] for u in list(ids)[:5]), label, ", ".join(names),
            )  # fmt: skip
        wide = forecast_base(panel.subset(list(ids)), resolve_models(list(names)), point_only)
        mean = wide.groupby(["unique_id", "ds"], sort=False)["mean"].mean().reset_index()
        mean.insert(2, "model", label)
        for column in [c for c in wide.columns if c.startswith(("lower_", "upper_"))]:
            mean[column] = float("nan")
        pieces.append(mean[wide.columns.tolist()])
    return pd.concat(pieces, ignore_index=True)
