"""Per-series model choice by backtest (``select``), simple ensembles, and the intermittent rule.

``select`` picks, per series, the candidate with the lowest rolling-origin backtest MASE.
``ensemble`` averages the ``top_k`` best candidates per series by backtest, bounds included
(every member's intervals nest, so the averages do). A series is *intermittent* when at
least ``INTERMITTENT_ZERO_SHARE`` of its observations are zero; this one rule routes series
to intermittent-demand models everywhere (``auto``, ``select``, ``simulate_paths`` and the
outlook baseline).

Why the default ``auto`` is a fixed combination rather than a per-series choice: on M3
series kept apart from the benchmark (benchmarks/bench_auto_vs_pmdarima.py, "development
set"), choosing per series on a few rolling origins was less accurate than combining
(monthly sMAPE 15.9 vs 14.1), because a short backtest is a noisy judge.

This layer sits above the backtest: the function that runs models at each origin is passed
in (``forecaster``), never imported from the dispatcher above.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from forecasting.timeseries.backtest import BacktestResult, choose, run_backtest
from forecasting.timeseries.core import Forecaster, RunSettings
from forecasting.timeseries.frame import Panel
from forecasting.timeseries.models import ModelSpec, resolve_models

logger = logging.getLogger(__name__)

INTERMITTENT_ZERO_SHARE = 0.3
# Candidates of ``select``/``ensemble`` for smooth series. AutoARIMA is left out by default
# (and out of the combination): on M3 monthly series statsforecast 2.1 needs many times
# AutoETS's time per series, and far more on some; add it through
# options={"select": {"candidates": [...]}} when ARIMA dynamics matter.
SMOOTH_CANDIDATES = ("AutoETS", "AutoTheta", "RandomWalkWithDrift", "Naive")
INTERMITTENT_CANDIDATES = ("CrostonClassic", "TSB", "ADIDA", "Naive")
DEFAULT_WINDOWS = 3
ENSEMBLE_TOP_K = 3


@dataclass(frozen=True)
class Selection:
    """Per-series model choice and the backtest behind it.

    Attributes
    ----------
    choice
        ``keys..., model, MASE`` (or the metric used): the chosen model per series.
    backtest
        The :class:`BacktestResult` over all candidates.
    """

    choice: pd.DataFrame
    backtest: BacktestResult

    def tidy(self) -> pd.DataFrame:
        return self.choice


def intermittent(panel: Panel) -> pd.Series:
    """Per series id, whether at least ``INTERMITTENT_ZERO_SHARE`` of its observations are zero."""
    zero = panel.data.assign(zero=panel.data["y"] == 0)
    return zero.groupby("unique_id", sort=False)["zero"].mean() >= INTERMITTENT_ZERO_SHARE


def default_candidates(panel: Panel) -> dict[str, list[str]]:
    """Candidate names per series id: intermittent models for series with many zeros."""
    smooth = list(SMOOTH_CANDIDATES)
    if panel.freq.season_length > 1:
        smooth.append("SeasonalNaive")
    return {
        uid: list(INTERMITTENT_CANDIDATES) if sparse else smooth
        for uid, sparse in intermittent(panel).items()
    }


def selection_windows(panel: Panel, specs: Sequence[ModelSpec], settings: RunSettings) -> tuple[int, int]:
    """Backtest horizon and window count that fit the shortest series.

    The full horizon is used when the history allows; short histories are judged on
    shorter horizons (never fewer than one step) rather than not at all.
    """
    shortest = min(panel.lengths().values())
    need = max(s.required_length(panel.freq.season_length) for s in specs)
    windows = settings.n_windows or DEFAULT_WINDOWS
    room = shortest - need - (windows - 1)
    while room < 1 and windows > 1:
        windows -= 1
        room = shortest - need - (windows - 1)
    horizon = int(max(1, min(settings.horizon, room)))
    return horizon, windows


def select_panel(
    panel: Panel,
    settings: RunSettings,
    *,
    forecaster: Forecaster,
    candidates: Sequence[str] | None = None,
    metric: str = "MASE",
    intervals: bool = True,
) -> Selection:
    """Backtest the candidates per group of series and keep the best per series.

    With ``intervals=False`` only point forecasts are backtested (enough to rank by MASE,
    and several times cheaper); coverage and Winkler scores are then missing.
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    if candidates is None:
        for uid, names in default_candidates(panel).items():
            groups.setdefault(tuple(names), []).append(uid)
    else:
        groups[tuple(candidates)] = panel.ids
    choices, results = [], []
    for names, ids in groups.items():
        specs = resolve_models(list(names))
        sub = panel.subset(ids)
        horizon, windows = selection_windows(sub, specs, settings)
        logger.info("selecting among %s for %d series on %d windows of %d", names, len(ids), windows, horizon)
        window_settings = replace(settings, horizon=horizon, intervals="model", point_only=not intervals)
        result = run_backtest(sub, specs, window_settings, forecaster=forecaster, n_windows=windows, step=1)
        results.append(result)
        choices.append(choose(result.accuracy, list(panel.keys), metric, order=names))
    accuracy = pd.concat([r.accuracy for r in results], ignore_index=True)
    forecasts = pd.concat([r.forecasts for r in results], ignore_index=True)
    return Selection(pd.concat(choices, ignore_index=True), BacktestResult(forecasts, accuracy, panel.keys))


def combine(wide: pd.DataFrame, label: str) -> pd.DataFrame:
    """Mean of the members' means; bounds at the mean plus the members' average offsets.

    With every member's bounds present this equals averaging the bounds (quantile
    averaging); members without bounds contribute to the mean only.
    """
    bound_columns = [c for c in wide.columns if c.startswith(("lower_", "upper_"))]
    offsets = wide[bound_columns].sub(wide["mean"], axis=0).assign(unique_id=wide["unique_id"], ds=wide["ds"])
    keys = ["unique_id", "ds"]
    mean = wide.groupby(keys, sort=False)["mean"].mean()
    spread = offsets.groupby(keys, sort=False)[bound_columns].mean()
    combined = spread.add(mean, axis=0).reset_index()
    combined.insert(2, "model", label)
    combined.insert(3, "mean", mean.to_numpy())
    return combined[wide.columns.tolist()]


def backtest_choice(
    panel: Panel,
    kind: str,
    settings: RunSettings,
    *,
    candidates: Sequence[str] | None,
    forecaster: Forecaster,
) -> pd.DataFrame:
    """The best candidate (``select``) or the mean of the ``top_k`` best (``ensemble``) per series."""
    selection = select_panel(panel, settings, forecaster=forecaster, candidates=candidates, intervals=False)
    ids = panel.key_table[["unique_id", *panel.keys]]
    scored = selection.backtest.accuracy.merge(ids, on=list(panel.keys))
    scored = scored[scored["metric"] == "MASE"]
    pieces = []
    candidate_sets = scored.groupby("unique_id", sort=False)["model"].agg(lambda m: tuple(dict.fromkeys(m)))
    for names, uids in candidate_sets.groupby(candidate_sets).groups.items():
        sub_scores = scored[scored["unique_id"].isin(set(uids))]
        members = _members(sub_scores, kind, list(names), settings)
        # Only the chosen members are refitted on the full history, grouped by model set.
        member_sets = members.groupby("unique_id", sort=False)["model"].agg(tuple)
        for chosen, ids in member_sets.groupby(member_sets).groups.items():
            wide = forecaster(
                panel.subset(list(ids)), resolve_models(list(chosen)), replace(settings, intervals="model")
            )
            picked = wide.merge(members, on=["unique_id", "model"], how="inner")[wide.columns]
            pieces.append(combine(picked, kind))
    return pd.concat(pieces, ignore_index=True)


def _members(scores: pd.DataFrame, kind: str, order: list[str], settings: RunSettings) -> pd.DataFrame:
    """``unique_id, model`` rows of the best model (select) or the ``top_k`` best (ensemble)."""
    top_k = 1 if kind == "select" else int(settings.options.get("ensemble", {}).get("top_k", ENSEMBLE_TOP_K))
    rank = scores.assign(
        order=scores["model"].map({m: i for i, m in enumerate(order)}), v=scores["value"].fillna(np.inf)
    ).sort_values(["unique_id", "v", "order"], kind="stable")
    members = rank.groupby("unique_id", sort=False).head(top_k)[["unique_id", "model"]]
    for uid, chosen in members.groupby("unique_id", sort=False)["model"]:
        logger.debug("%s for %s: %s", kind, uid, ", ".join(chosen))
    return members.reset_index(drop=True)
