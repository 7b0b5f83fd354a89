"""Running single models on a panel: dispatch to engines and transforms, one wide result.

This is the bottom of the time-series layers: it knows nothing of backtests, conformal
calibration or the meta models (``auto``, ``select``, ``ensemble``), which sit above it and
call :func:`forecast_base`. Results are wide (``unique_id, ds, model, mean, lower_<L>,
upper_<L>``) on the caller's scale.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from forecasting.errors import SchemaError
from forecasting.timeseries import transforms
from forecasting.timeseries.engines import interval_columns
from forecasting.timeseries.frame import Panel
from forecasting.timeseries.models import ModelSpec, check_length

logger = logging.getLogger(__name__)

IntervalMethod = Literal["model", "conformal"]
# What the layers above pass down instead of importing each other: a function forecasting a
# panel with some models, ``(panel, specs, settings, exog_future=None) -> wide frame``.
Forecaster = Callable[..., pd.DataFrame]
INTERVAL_METHODS = ("model", "conformal")


@dataclass(frozen=True)
class RunSettings:
    """Everything besides the data and the models that shapes a forecast run."""

    horizon: int
    levels: tuple[int, ...]
    transform: transforms.TransformName = "none"
    intervals: IntervalMethod = "model"
    options: dict[str, dict] = field(default_factory=dict)
    n_jobs: int = 1
    joint_by: tuple[str, ...] | None = None
    exog_columns: tuple[str, ...] = ()
    n_windows: int | None = None
    # Model choice by backtest scores point forecasts only; skipping intervals there saves
    # most of the cost of the Theta family (simulated intervals).
    point_only: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.horizon, int) or self.horizon < 1:
            raise SchemaError(f"horizon must be a positive integer, got {self.horizon!r}")
        bad = [lv for lv in self.levels if not (0 < lv < 100) or int(lv) != lv]
        if bad or not self.levels:
            raise SchemaError(
                f"level must be whole percentages between 1 and 99, e.g. (80, 95); got {self.levels!r}"
            )
        if self.intervals not in INTERVAL_METHODS:
            raise SchemaError(
                f"intervals={self.intervals!r} is not valid; use one of {', '.join(INTERVAL_METHODS)}"
            )
        transforms.check_transform(self.transform)


def normalise_levels(level: Sequence[int] | int) -> tuple[int, ...]:
    values = [level] if isinstance(level, int | float) else list(level)
    return tuple(sorted({int(v) if float(v).is_integer() else v for v in values}))  # type: ignore[misc]


def forecast_base(
    panel: Panel,
    specs: Sequence[ModelSpec],
    settings: RunSettings,
    *,
    exog_future: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Forecast every series of ``panel`` with single (non-meta) models, on the caller's scale.

    Models without a predictive distribution leave their bounds missing here; the dispatcher
    (:mod:`forecasting.timeseries.dispatch`) fills them by conformal calibration.
    """
    lengths, labels = panel.lengths(), panel.labels()
    for spec in specs:
        check_length(spec, lengths, panel.freq.season_length, labels)
    data, lambdas = transforms.forward(panel.data, settings.transform, labels)
    raw = run_engines(panel.with_data(data), specs, settings, exog_future=exog_future)
    return transforms.backward(raw, settings.transform, lambdas, list(settings.levels))


def run_engines(
    panel: Panel, specs: Sequence[ModelSpec], settings: RunSettings, *, exog_future: pd.DataFrame | None
) -> pd.DataFrame:
    """Dispatch models to their engines on the (already transformed) panel."""
    levels = list(settings.levels)
    exog_columns = list(settings.exog_columns)
    data = panel.data
    pieces = []
    by_engine: dict[str, list[ModelSpec]] = {}
    for spec in specs:
        by_engine.setdefault(spec.engine, []).append(spec)
    if "statsforecast" in by_engine:
        from forecasting.timeseries.engines import _statsforecast

        plain = [s for s in by_engine["statsforecast"] if not (exog_columns and s.uses_exog)]
        with_exog = [s for s in by_engine["statsforecast"] if exog_columns and s.uses_exog]
        core = data[["unique_id", "ds", "y"]]
        for group, frame, future in ((plain, core, None), (with_exog, data, exog_future)):
            if group:
                pieces.append(
                    _statsforecast.forecast(
                        frame, group, horizon=settings.horizon, levels=levels, freq=panel.freq,
                        exog_future=future, n_jobs=settings.n_jobs, options=settings.options,
                        intervals=not settings.point_only,
                    )
                )  # fmt: skip
    if "pmdarima" in by_engine:
        from forecasting.timeseries.engines import _pmdarima

        pieces.append(
            _pmdarima.forecast(
                data, horizon=settings.horizon, levels=levels, freq=panel.freq, exog_columns=exog_columns,
                exog_future=exog_future, options=settings.options.get("pmdarima"),
            )
        )  # fmt: skip
    for spec in by_engine.get("statsmodels", []):
        from forecasting.timeseries.engines import _statsmodels

        if spec.name == "SARIMAX":
            pieces.append(
                _statsmodels.sarimax(
                    data, horizon=settings.horizon, levels=levels, freq=panel.freq, exog_columns=exog_columns,
                    exog_future=exog_future, options=settings.options.get("SARIMAX"),
                )
            )  # fmt: skip
        else:
            for ids in systems(panel, settings.joint_by):
                subset = data[data["unique_id"].isin(ids)][["unique_id", "ds", "y"]]
                pieces.append(
                    _statsmodels.system(
                        subset, kind=spec.name, horizon=settings.horizon, levels=levels, freq=panel.freq,
                        options=settings.options.get(spec.name),
                    )
                )  # fmt: skip
    columns = ["unique_id", "ds", "model", "mean", *interval_columns(levels)]
    return pd.concat(pieces, ignore_index=True)[columns]


def systems(panel: Panel, joint_by: Sequence[str] | None) -> list[list[str]]:
    """Groups of series ids fitted together by VAR/VECM: one system per ``joint_by`` value."""
    table = panel.key_table
    if not joint_by:
        return [table["unique_id"].tolist()]
    unknown = [k for k in joint_by if k not in panel.keys]
    if unknown:
        raise SchemaError(f"joint_by names {unknown}, which are not key columns {list(panel.keys)}")
    return [group["unique_id"].tolist() for _, group in table.groupby(list(joint_by), sort=True)]


def to_long(panel: Panel, wide: pd.DataFrame, levels: Sequence[int], scenario: str) -> pd.DataFrame:
    """Wide engine output to the FORECAST schema, caller's key columns first."""
    pieces = []
    for level in levels:
        piece = wide[["unique_id", "ds", "model", "mean"]].copy()
        piece["level"] = int(level)
        piece["lower"] = wide[f"lower_{level}"].to_numpy()
        piece["upper"] = wide[f"upper_{level}"].to_numpy()
        pieces.append(piece)
    long = pd.concat(pieces, ignore_index=True).rename(columns={"ds": "period"})
    long["scenario"] = scenario
    long["period"] = pd.to_datetime(long["period"]).astype("datetime64[ns]")
    long = long[["unique_id", "period", "scenario", "model", "level", "mean", "lower", "upper"]]
    long = long.sort_values(["unique_id", "model", "level", "period"], kind="stable")
    return panel.attach_keys(long).reset_index(drop=True)
