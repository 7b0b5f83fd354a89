"""Public verbs: ``forecast``, ``backtest``, ``select_models`` and ``simulate_paths``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pandas as pd

from forecasting.errors import ForecastingError, describe_items
from forecasting.schema import ACCURACY, FORECAST, validate
from forecasting.timeseries import transforms
from forecasting.timeseries.backtest import BacktestResult, run_backtest
from forecasting.timeseries.core import IntervalMethod, RunSettings, normalise_levels, systems, to_long
from forecasting.timeseries.dispatch import forecast_panel
from forecasting.timeseries.distributed import map_chunks
from forecasting.timeseries.exog import attach_history, driver_columns, future_frame
from forecasting.timeseries.frame import GapPolicy, Panel, to_panel
from forecasting.timeseries.models import ModelSpec, check_length, get_model, resolve_models
from forecasting.timeseries.paths import auto_paths
from forecasting.timeseries.selection import Selection, select_panel
from forecasting.validation import job_count

logger = logging.getLogger(__name__)


def _prepare(
    series: pd.DataFrame, keys: Sequence[str], models: Sequence[str] | str, *, horizon: int, level: Any,
    freq: str | None, exog: pd.DataFrame | None, exog_future: pd.DataFrame | None, transform: str,
    intervals: str, n_jobs: int, time_col: str, value_col: str, gaps: GapPolicy, joint_by: Sequence[str] | None,
    options: dict | None, n_windows: int | None, require_future: bool = True,
) -> tuple[Panel, list[ModelSpec], RunSettings, pd.DataFrame | None]:  # fmt: skip
    specs = resolve_models(models)
    panel = to_panel(series, keys=keys, time_col=time_col, value_col=value_col, freq=freq, gaps=gaps)
    exog_columns: list[str] = []
    future = None
    if exog is not None and exog_future is None and require_future:
        raise ForecastingError(
            "pass exog (driver history) and exog_future (driver paths) together, or neither"
        )
    if exog is None and exog_future is not None:
        raise ForecastingError(
            "pass exog (driver history) and exog_future (driver paths) together, or neither"
        )
    if exog is not None:
        exog_columns = driver_columns(exog, panel.keys, time_col)
        ignoring = [s.name for s in specs if not s.uses_exog]
        if ignoring:
            users = [s.name for s in resolve_models(["AutoARIMA", "pmdarima", "SARIMAX"])]
            raise ForecastingError(
                f"models {describe_items(ignoring)} do not use exogenous drivers, so the scenario paths would be"
                f" ignored; use {', '.join(users)} with exog, or drop exog"
            )
        if transform != "none":
            logger.info("drivers enter untransformed; only the forecast series is %s-transformed", transform)
        panel = panel.with_data(attach_history(panel, exog, time_col, exog_columns))
    settings = RunSettings(
        horizon=horizon, levels=normalise_levels(level), transform=transform, intervals=intervals,  # type: ignore[arg-type]
        options=dict(options or {}), n_jobs=job_count(n_jobs), joint_by=tuple(joint_by) if joint_by else None,
        exog_columns=tuple(exog_columns), n_windows=n_windows,
    )  # fmt: skip
    if exog_future is not None:
        future = future_frame(panel, exog_future, time_col, exog_columns, horizon)
    return panel, specs, settings, future


def _forecast_chunk(
    panel: Panel, future: pd.DataFrame | None, *, specs: list[ModelSpec], settings: RunSettings
) -> pd.DataFrame:
    return forecast_panel(panel, specs, settings, exog_future=future)


def forecast(
    series: pd.DataFrame,
    *,
    keys: Sequence[str],
    models: Sequence[str] | str = "auto",
    horizon: int,
    level: Sequence[int] | int = (80, 95),
    freq: str | None = None,
    exog: pd.DataFrame | None = None,
    exog_future: pd.DataFrame | None = None,
    transform: transforms.TransformName = "none",
    intervals: IntervalMethod = "model",
    scenario: str = "baseline",
    n_jobs: int = 1,
    backend: Any = None,
    time_col: str = "period",
    value_col: str = "value",
    gaps: GapPolicy = "raise",
    joint_by: Sequence[str] | None = None,
    options: dict[str, dict] | None = None,
    n_windows: int | None = None,
) -> pd.DataFrame:
    """Forecast every series with every model; one FORECAST-schema frame out.

    Parameters
    ----------
    series
        Long frame: the key columns, ``time_col`` (datetimes, or integer years) and ``value_col``.
    keys
        Columns that identify a series (e.g. ``("reporter", "partner", "flow", "commodity")``).
    models
        Names from ``MODEL_NAMES``. ``"auto"`` (the default) is an equal-weight combination
        with calibrated (conformal) intervals: Naive, Theta and DynamicOptimizedTheta for annual series;
        AutoETS, AutoTheta, DynamicOptimizedTheta and AutoCES for seasonal ones (see
        :mod:`forecasting.timeseries.combination`); series with many zeros get the
        intermittent-demand model with the best backtest. ``"select"`` picks per series by
        backtest MASE; ``"ensemble"`` averages the best three by backtest.
    horizon
        Periods ahead.
    level
        Interval coverages in percent; intervals always nest.
    freq
        ``"A"``, ``"Q"``, ``"M"`` or a pandas alias; inferred when omitted.
    exog, exog_future
        Driver history and the scenario's driver paths (time column, driver columns and
        optionally key columns); only for AutoARIMA, pmdarima and SARIMAX.
    transform
        ``"log"`` or ``"boxcox"`` fit on that scale; bounds map back exactly and the mean is
        bias-adjusted (see :mod:`forecasting.timeseries.transforms`).
    intervals
        ``"model"`` (the model's predictive distribution) or ``"conformal"``; ``auto`` is
        always calibrated by conformal intervals (its members' own intervals under-cover).
    scenario
        Label written in the ``scenario`` column.
    n_jobs, backend
        Local parallelism (worker processes, -1 for one per core), or ``"dask"``/a
        ``distributed.Client`` for a cluster.
    gaps
        ``"raise"`` on missing periods inside a series, or fill with ``"zero"``/``"interpolate"``.
    joint_by
        Key columns whose values define VAR/VECM systems (None: all series in one system).
    options
        Per-model settings, e.g. ``{"SARIMAX": {"order": (2, 1, 0)}, "ensemble": {"top_k": 2}}``;
        ``{"auto": {"members": [...]}}`` changes the combined models,
        ``{"auto": {"beyond_volatility": 0.15}}`` the annual log volatility of the random walk
        that widens ``auto``'s intervals past a series' calibrated steps (default 0.15 with
        ``transform="log"``, none otherwise; give it for series that are logs already, 0 turns
        it off; see :mod:`forecasting.timeseries.conformal`), and
        ``{"select": {"candidates": [...]}}`` the candidates.
    n_windows
        Backtest windows used by ``select``/``ensemble`` (and ``auto`` on intermittent
        series) and calibration origins of conformal intervals (default 10).

    Returns
    -------
    pandas.DataFrame
        Keys, ``period, scenario, model, level, mean, lower, upper``.

    Examples
    --------
    >>> import pandas as pd
    >>> hist = pd.DataFrame({"commodity": "coal", "period": range(2000, 2012),
    ...                      "value": [5.0, 6, 7, 7, 8, 9, 11, 10, 12, 13, 14, 15]})
    >>> out = forecast(hist, keys=["commodity"], models="RandomWalkWithDrift", horizon=2)
    >>> out[["period", "level", "mean"]].round(2).to_string(index=False)
    '    period  level  mean\\n2012-01-01     80 15.91\\n2013-01-01     80 16.82\\n2012-01-01     95 15.91\\n2013-01-01     95 16.82'
    """
    panel, specs, settings, future = _prepare(
        series, keys, models, horizon=horizon, level=level, freq=freq, exog=exog, exog_future=exog_future,
        transform=transform, intervals=intervals, n_jobs=n_jobs, time_col=time_col, value_col=value_col,
        gaps=gaps, joint_by=joint_by, options=options, n_windows=n_windows,
    )  # fmt: skip
    groups = systems(panel, settings.joint_by) if any(s.multivariate for s in specs) else None
    chunked = backend is not None or (
        settings.n_jobs > 1 and any(s.engine in ("pmdarima", "statsmodels") for s in specs)
    )
    if chunked:
        from dataclasses import replace

        local = replace(settings, n_jobs=1)
        wide = map_chunks(
            _forecast_chunk, panel, backend=backend, n_jobs=settings.n_jobs, groups=groups, extra=future,
            specs=specs, settings=local,
        )  # fmt: skip
    else:
        wide = forecast_panel(panel, specs, settings, exog_future=future)
    out = to_long(panel, wide, settings.levels, scenario)
    return validate(out, FORECAST, keys=panel.keys)


def backtest(
    series: pd.DataFrame,
    *,
    keys: Sequence[str],
    models: Sequence[str] | str = ("AutoETS", "AutoTheta", "AutoARIMA", "RandomWalkWithDrift", "Naive"),
    horizon: int,
    n_windows: int = 3,
    step: int = 1,
    level: Sequence[int] | int = (80, 95),
    freq: str | None = None,
    exog: pd.DataFrame | None = None,
    transform: transforms.TransformName = "none",
    intervals: IntervalMethod = "model",
    time_col: str = "period",
    value_col: str = "value",
    gaps: GapPolicy = "raise",
    joint_by: Sequence[str] | None = None,
    options: dict[str, dict] | None = None,
) -> BacktestResult:
    """Rolling-origin evaluation with MASE, RMSSE, sMAPE, interval coverage and Winkler score.

    ``n_windows`` origins, ``step`` periods apart, each forecasting ``horizon`` periods. With
    ``exog`` the drivers' observed values are used as their "future" at each origin.

    Examples
    --------
    >>> import pandas as pd
    >>> hist = pd.DataFrame({"hs": "27", "period": range(2000, 2016), "value": [float(v) for v in range(16)]})
    >>> result = backtest(hist, keys=["hs"], models=["Naive", "RandomWalkWithDrift"], horizon=2)
    >>> bool(result.summary().set_index("model").loc["RandomWalkWithDrift", "MASE"] < 1e-9)
    True
    """
    # Drivers' observed values serve as their "future" at each origin, so no paths are needed.
    panel, specs, settings, _ = _prepare(
        series, keys, models, horizon=horizon, level=level, freq=freq, exog=exog, exog_future=None,
        transform=transform, intervals=intervals, n_jobs=1, time_col=time_col, value_col=value_col,
        gaps=gaps, joint_by=joint_by, options=options, n_windows=None, require_future=False,
    )  # fmt: skip
    result = run_backtest(panel, specs, settings, forecaster=forecast_panel, n_windows=n_windows, step=step)
    validate(result.accuracy, ACCURACY, keys=panel.keys)
    return result


def select_models(
    series: pd.DataFrame,
    *,
    keys: Sequence[str],
    horizon: int,
    candidates: Sequence[str] | None = None,
    metric: str = "MASE",
    n_windows: int = 3,
    freq: str | None = None,
    transform: transforms.TransformName = "none",
    time_col: str = "period",
    value_col: str = "value",
    gaps: GapPolicy = "raise",
) -> Selection:
    """Choose a model per series by backtest (the choice ``models="select"`` makes).

    Examples
    --------
    >>> import pandas as pd
    >>> hist = pd.DataFrame({"hs": "27", "period": range(2000, 2016), "value": [float(v) for v in range(16)]})
    >>> select_models(hist, keys=["hs"], horizon=2, candidates=["Naive", "RandomWalkWithDrift"]).choice["model"].item()
    'RandomWalkWithDrift'
    """
    panel, _, settings, _ = _prepare(
        series, keys, list(candidates or ["Naive"]), horizon=horizon, level=(80, 95), freq=freq, exog=None,
        exog_future=None, transform=transform, intervals="model", n_jobs=1, time_col=time_col,
        value_col=value_col, gaps=gaps, joint_by=None, options=None, n_windows=n_windows,
    )  # fmt: skip
    return select_panel(panel, settings, forecaster=forecast_panel, candidates=candidates, metric=metric)


def simulate_paths(
    series: pd.DataFrame,
    *,
    keys: Sequence[str],
    model: str = "auto",
    horizon: int,
    n_paths: int = 1000,
    seed: int = 0,
    error_distribution: str = "normal",
    freq: str | None = None,
    transform: transforms.TransformName = "none",
    time_col: str = "period",
    value_col: str = "value",
    gaps: GapPolicy = "raise",
    options: dict[str, dict] | None = None,
    n_windows: int | None = None,
) -> pd.DataFrame:
    """Joint sample paths of each series' future: ``keys..., path, period, value``.

    Paths are simulated from the fitted model's own recursion (statsforecast's state-space
    simulation for ETS, ARIMA, the Theta family, CES and the naive family): each path draws a
    fresh error every period and carries it forward, so the draws keep the model's dependence
    across horizons. ``error_distribution="bootstrap"`` resamples the model's residuals instead of
    drawing normal errors. With ``transform="log"``/``"boxcox"`` the paths are simulated on
    that scale and mapped back draw by draw, so they are log-normal-like and never negative.
    The same ``seed`` gives the same paths. ``model="auto"`` (the default of ``forecast``) draws
    calibrated joint paths around the combined forecast: their 80 % and 95 % bands match
    ``forecast(models="auto")``'s intervals, and draw ``d`` of every series comes from one joint
    draw (see :mod:`forecasting.timeseries.paths`); ``options``/``n_windows`` are those of
    ``forecast``. Series with many zeros are refused there (pick an intermittent model instead).

    Examples
    --------
    >>> import pandas as pd
    >>> hist = pd.DataFrame({"hs": "27", "period": range(2000, 2016), "value": [10.0 + v for v in range(16)]})
    >>> paths = simulate_paths(hist, keys=["hs"], model="RandomWalkWithDrift", horizon=3, n_paths=5, seed=1)
    >>> paths.shape, list(paths.columns)
    ((15, 4), ['hs', 'path', 'period', 'value'])
    """
    spec = get_model(model)
    if spec.name != "auto" and (spec.engine != "statsforecast" or not spec.native_intervals):
        valid = ["auto", "AutoARIMA", "AutoETS", "AutoTheta", "Theta", "DynamicOptimizedTheta", "AutoCES",
                 "Naive", "SeasonalNaive", "RandomWalkWithDrift"]  # fmt: skip
        raise ForecastingError(f"simulate_paths supports {', '.join(valid)}; got {model!r}")
    if not isinstance(n_paths, int) or n_paths < 1:
        raise ForecastingError(f"n_paths must be a positive integer, got {n_paths!r}")
    panel = to_panel(series, keys=keys, time_col=time_col, value_col=value_col, freq=freq, gaps=gaps)
    if spec.name == "auto":
        settings = RunSettings(
            horizon=horizon, levels=(80, 95), options=dict(options or {}), n_windows=n_windows
        )
        raw = auto_paths(panel, settings, n_paths=n_paths, seed=seed, transform=transform)
    else:
        raw = _model_paths(panel, spec, horizon, n_paths, seed, transform, error_distribution)
    raw = raw.sort_values(["unique_id", "path", "ds"], kind="stable").rename(columns={"ds": "period"})
    raw["period"] = pd.to_datetime(raw["period"]).astype("datetime64[ns]")
    return panel.attach_keys(raw[["unique_id", "path", "period", "value"]]).reset_index(drop=True)


def _model_paths(
    panel: Panel,
    spec: ModelSpec,
    horizon: int,
    n_paths: int,
    seed: int,
    transform: str,
    error_distribution: str,
) -> pd.DataFrame:
    """Paths from one statsforecast model's own state-space recursion."""
    check_length(spec, panel.lengths(), panel.freq.season_length, panel.labels())
    data, lambdas = transforms.forward(panel.data, transform, panel.labels())  # type: ignore[arg-type]
    from forecasting.timeseries.engines import _statsforecast

    raw = _statsforecast.simulate(
        data, spec, horizon=horizon, n_paths=n_paths, seed=seed, freq=panel.freq,
        error_distribution=error_distribution,
    )  # fmt: skip
    if transform != "none":
        raw["value"] = raw.groupby("unique_id", sort=False)["value"].transform(
            lambda v: transforms.inverse_box_cox(v.to_numpy(), lambdas[v.name])
        )
    return raw


def in_sample_residuals(
    series: pd.DataFrame,
    *,
    keys: Sequence[str],
    model: str = "AutoETS",
    freq: str | None = None,
    time_col: str = "period",
    value_col: str = "value",
    gaps: GapPolicy = "raise",
) -> pd.DataFrame:
    """One-step in-sample residuals ``keys..., period, residual`` (input of MinT reconciliation).

    Examples
    --------
    >>> import pandas as pd
    >>> hist = pd.DataFrame({"hs": "27", "period": range(2000, 2010), "value": [float(v * v) for v in range(10)]})
    >>> in_sample_residuals(hist, keys=["hs"], model="Naive")["residual"].tolist()[1:4]
    [1.0, 3.0, 5.0]
    """
    spec = get_model(model)
    if spec.engine != "statsforecast":
        raise ForecastingError(f"in_sample_residuals runs statsforecast models; got {model!r}")
    panel = to_panel(series, keys=keys, time_col=time_col, value_col=value_col, freq=freq, gaps=gaps)
    check_length(spec, panel.lengths(), panel.freq.season_length, panel.labels())
    from forecasting.timeseries.engines import _statsforecast

    raw = _statsforecast.fitted_residuals(panel.data, spec, freq=panel.freq).rename(columns={"ds": "period"})
    return panel.attach_keys(raw).reset_index(drop=True)
