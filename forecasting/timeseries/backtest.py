"""Rolling-origin evaluation: refit at each origin, forecast ``horizon`` ahead, score.

Origins are counted back from each series' own end: window ``w`` of ``n_windows`` holds out
the last ``horizon + (n_windows - 1 - w) * step`` observations. Scaled errors use the
training part of each window only, as in the M-competitions.

Kept rather than ``StatsForecast.cross_validation``: the origins here run any model the
toolkit knows (pmdarima, statsmodels, the meta models with their own nested backtests and
calibration) on the log or Box-Cox scale with exact back-transforms, which the statsforecast
routine (its own models only) cannot.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.errors import SeriesTooShortError, describe_items
from forecasting.progress import track
from forecasting.timeseries import metrics
from forecasting.timeseries.core import Forecaster, RunSettings
from forecasting.timeseries.frame import Panel
from forecasting.timeseries.models import ModelSpec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BacktestResult:
    """Forecasts at every origin and their accuracy.

    Attributes
    ----------
    forecasts
        ``keys..., cutoff, period, model, level, mean, lower, upper, actual``.
    accuracy
        ACCURACY schema with the series keys first: ``keys..., model, metric, value,
        n_windows``; metrics ``MASE``, ``RMSSE``, ``sMAPE``, ``coverage_<L>``, ``winkler_<L>``.
    keys
        The caller's series key columns.
    """

    forecasts: pd.DataFrame
    accuracy: pd.DataFrame
    keys: tuple[str, ...]

    def tidy(self) -> pd.DataFrame:
        """The accuracy table (ACCURACY schema, per series)."""
        return self.accuracy

    def summary(self, *, relative_to: str | None = "Naive") -> pd.DataFrame:
        """Mean of each metric over series, per model; ``relMASE`` divides by ``relative_to``'s MASE.

        The relative MASE is the ratio of the models' mean MASE, so a value below 1 beats the
        reference on average.
        """
        table = self.accuracy.pivot_table(index="model", columns="metric", values="value", aggfunc="mean")
        if relative_to is not None and relative_to in table.index and "MASE" in table:
            table["relMASE"] = table["MASE"] / table.loc[relative_to, "MASE"]
        table.columns.name = None
        return table.reset_index()

    def best(self, metric: str = "MASE") -> pd.DataFrame:
        """Per series, the model with the lowest ``metric`` (ties go to the earlier model)."""
        return choose(self.accuracy, list(self.keys), metric)


def choose(
    accuracy: pd.DataFrame, keys: list[str], metric: str, order: Sequence[str] | None = None
) -> pd.DataFrame:
    """Lowest-scoring model per series; missing scores lose; ties keep ``order``."""
    scores = accuracy[accuracy["metric"] == metric].copy()
    order = list(order) if order is not None else list(dict.fromkeys(scores["model"]))
    scores["rank_in_order"] = scores["model"].map({m: i for i, m in enumerate(order)})
    scores["sort_value"] = scores["value"].fillna(np.inf)
    scores = scores.sort_values([*keys, "sort_value", "rank_in_order"], kind="stable")
    best = scores.drop_duplicates(subset=keys, keep="first")
    return best[[*keys, "model", "value"]].rename(columns={"value": metric}).reset_index(drop=True)


def cut_panel(panel: Panel, holdout: int) -> tuple[Panel, pd.DataFrame]:
    """Drop the last ``holdout`` observations of every series; return the rest and the held-out part."""
    position = panel.data.groupby("unique_id", sort=False).cumcount(ascending=False)
    train = panel.data[position >= holdout]
    return panel.with_data(train), panel.data[position < holdout]


def check_windows(panel: Panel, specs: Sequence[ModelSpec], horizon: int, n_windows: int, step: int) -> None:
    need_model = max(s.required_length(panel.freq.season_length) for s in specs)
    need = need_model + horizon + (n_windows - 1) * step
    short = [f"{panel.labels()[u]} ({n} obs.)" for u, n in panel.lengths().items() if n < need]
    if short:
        raise SeriesTooShortError(
            f"a backtest of {n_windows} windows of {horizon} periods (step {step}) with these models needs"
            f" {need} observations per series; {len(short)} series are shorter: {describe_items(short)}."
            " Lower n_windows or horizon, or drop these series"
        )


def backtest_panel(
    panel: Panel,
    specs: Sequence[ModelSpec],
    settings: RunSettings,
    *,
    forecaster: Forecaster,
    n_windows: int,
    step: int = 1,
) -> pd.DataFrame:
    """Wide forecasts at every origin with ``cutoff`` and ``actual``; the engine of ``backtest``.

    ``forecaster`` runs the models at each origin (the dispatcher for public backtests, the
    single-model runner inside model selection), so this layer imports no model code.
    """
    horizon = settings.horizon
    check_windows(panel, specs, horizon, n_windows, step)
    pieces = []
    for window in track(range(n_windows), total=n_windows, desc="backtest windows"):
        holdout = horizon + (n_windows - 1 - window) * step
        train, rest = cut_panel(panel, holdout)
        future = None
        if settings.exog_columns:
            future = rest.groupby("unique_id", sort=False).head(horizon).drop(columns="y")
        wide = forecaster(train, specs, settings, exog_future=future)
        actual = rest[["unique_id", "ds", "y"]].rename(columns={"y": "actual"})
        wide = wide.merge(actual, on=["unique_id", "ds"], how="left")
        cutoff = train.last_period()
        wide.insert(1, "cutoff", wide["unique_id"].map(cutoff))
        scale = train.data.groupby("unique_id", sort=False)["y"].agg(
            lambda y: metrics.naive_scale(y.to_numpy(), panel.freq.season_length)
        )
        sq_scale = train.data.groupby("unique_id", sort=False)["y"].agg(
            lambda y: metrics.naive_scale(y.to_numpy(), panel.freq.season_length, squared=True)
        )
        wide["scale"] = wide["unique_id"].map(scale)
        wide["sq_scale"] = wide["unique_id"].map(sq_scale)
        pieces.append(wide)
    return pd.concat(pieces, ignore_index=True)


def score(wide: pd.DataFrame, levels: Sequence[int]) -> pd.DataFrame:
    """Per series and model accuracy from ``backtest_panel`` output (window means)."""
    frame = wide.copy()
    err = frame["actual"] - frame["mean"]
    frame["abs_err"] = err.abs()
    frame["sq_err"] = err**2
    denom = frame["actual"].abs() + frame["mean"].abs()
    frame["smape_term"] = np.where(denom > 0, 200.0 * frame["abs_err"] / denom.where(denom > 0, 1.0), 0.0)
    for level in levels:
        low, high = frame[f"lower_{level}"], frame[f"upper_{level}"]
        alpha = 1 - level / 100
        frame[f"cover_{level}"] = ((frame["actual"] >= low) & (frame["actual"] <= high)).astype(float)
        frame.loc[low.isna() | high.isna(), f"cover_{level}"] = np.nan
        miss = (low - frame["actual"]).clip(lower=0) + (frame["actual"] - high).clip(lower=0)
        frame[f"wink_{level}"] = (high - low) + (2 / alpha) * miss
    per_window = frame.groupby(["unique_id", "model", "cutoff"], sort=False).agg(
        abs_err=("abs_err", "mean"), sq_err=("sq_err", "mean"), scale=("scale", "first"),
        sq_scale=("sq_scale", "first"), sMAPE=("smape_term", "mean"),
        **{f"coverage_{lv}": (f"cover_{lv}", "mean") for lv in levels},
        **{f"winkler_{lv}": (f"wink_{lv}", "mean") for lv in levels},
    )  # fmt: skip
    scale = per_window["scale"].where(per_window["scale"] > 0)
    per_window["MASE"] = per_window["abs_err"] / scale
    per_window["RMSSE"] = np.sqrt(
        per_window["sq_err"] / per_window["sq_scale"].where(per_window["sq_scale"] > 0)
    )
    names = [
        "MASE",
        "RMSSE",
        "sMAPE",
        *[f"coverage_{lv}" for lv in levels],
        *[f"winkler_{lv}" for lv in levels],
    ]
    summary = per_window.groupby(["unique_id", "model"], sort=False)[names].mean()
    counts = per_window.groupby(["unique_id", "model"], sort=False).size().rename("n_windows")
    long = summary.reset_index().melt(id_vars=["unique_id", "model"], var_name="metric", value_name="value")
    long = long.merge(counts.reset_index(), on=["unique_id", "model"], how="left")
    return long[["unique_id", "model", "metric", "value", "n_windows"]]


def run_backtest(
    panel: Panel,
    specs: Sequence[ModelSpec],
    settings: RunSettings,
    *,
    forecaster: Forecaster,
    n_windows: int,
    step: int,
) -> BacktestResult:
    """Backtest ``specs`` on ``panel`` and score them (see :func:`backtest_panel`)."""
    wide = backtest_panel(panel, specs, settings, forecaster=forecaster, n_windows=n_windows, step=step)
    levels = list(settings.levels)
    accuracy = panel.attach_keys(score(wide, levels)).astype({"n_windows": "int64"})
    long_pieces = []
    for level in levels:
        piece = wide[["unique_id", "cutoff", "ds", "model", "mean", "actual"]].copy()
        piece["level"] = int(level)
        piece["lower"], piece["upper"] = wide[f"lower_{level}"].to_numpy(), wide[f"upper_{level}"].to_numpy()
        long_pieces.append(piece)
    columns = ["unique_id", "cutoff", "ds", "model", "level", "mean", "lower", "upper", "actual"]
    long = pd.concat(long_pieces, ignore_index=True)[columns].rename(columns={"ds": "period"})
    return BacktestResult(panel.attach_keys(long), accuracy.reset_index(drop=True), panel.keys)
