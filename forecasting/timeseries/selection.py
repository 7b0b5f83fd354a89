"""Automatic model choice and simple ensembles, both decided by rolling-origin backtest.

``auto`` picks, per series, the candidate with the lowest backtest MASE. ``ensemble``
averages the ``top_k`` best candidates per series with equal weights; its bounds are the
averages of the members' bounds (quantile averaging), which keeps 80 % inside 95 %
because every member's intervals nest.

Default candidates depend on the data: series with many zeros (at least
``INTERMITTENT_ZERO_SHARE`` of observations) get the intermittent-demand models; the rest get
ETS, Theta, the random walk with drift and the (seasonal) naive forecast.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from forecasting.timeseries.backtest import BacktestResult, choose, run_backtest
from forecasting.timeseries.core import RunSettings, forecast_panel
from forecasting.timeseries.frame import Panel
from forecasting.timeseries.models import ModelSpec, resolve_models

logger = logging.getLogger(__name__)

INTERMITTENT_ZERO_SHARE = 0.3
# AutoARIMA is left out by default: on M3 it is both slower (about 20x per series in
# statsforecast 2.1) and less accurate than ETS and Theta; add it through
# options={"auto": {"candidates": [...]}} when ARIMA dynamics matter.
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


def default_candidates(panel: Panel) -> dict[str, list[str]]:
    """Candidate names per series id: intermittent models for series with many zeros."""
    zero_share = panel.data.assign(zero=panel.data["y"] == 0).groupby("unique_id", sort=False)["zero"].mean()
    smooth = list(SMOOTH_CANDIDATES)
    if panel.freq.season_length > 1:
        smooth.append("SeasonalNaive")
    return {
        uid: list(INTERMITTENT_CANDIDATES) if share >= INTERMITTENT_ZERO_SHARE else smooth
        for uid, share in zero_share.items()
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
    panel: Panel, settings: RunSettings, *, candidates: Sequence[str] | None = None, metric: str = "MASE"
) -> Selection:
    """Backtest the candidates per group of series and keep the best per series."""
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
        result = run_backtest(
            sub, specs, replace(settings, horizon=horizon, intervals="model"), n_windows=windows, step=1
        )
        results.append(result)
        choices.append(choose(result.accuracy, list(panel.keys), metric, order=names))
    accuracy = pd.concat([r.accuracy for r in results], ignore_index=True)
    forecasts = pd.concat([r.forecasts for r in results], ignore_index=True)
    return Selection(pd.concat(choices, ignore_index=True), BacktestResult(forecasts, accuracy, panel.keys))


def meta_forecast(
    panel: Panel, kind: str, settings: RunSettings, *, exog_future: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Wide forecasts labelled ``auto`` or ``ensemble`` (see module notes)."""
    candidates = settings.options.get(kind, {}).get("candidates")
    selection = select_panel(panel, settings, candidates=candidates)
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
            wide = forecast_panel(
                panel.subset(list(ids)), resolve_models(list(chosen)), replace(settings, intervals="model")
            )
            pieces.append(_combine(wide, members, kind))
    return pd.concat(pieces, ignore_index=True)


def _members(scores: pd.DataFrame, kind: str, order: list[str], settings: RunSettings) -> pd.DataFrame:
    """``unique_id, model`` rows of the best model (auto) or the ``top_k`` best (ensemble)."""
    top_k = 1 if kind == "auto" else int(settings.options.get("ensemble", {}).get("top_k", ENSEMBLE_TOP_K))
    rank = scores.assign(
        order=scores["model"].map({m: i for i, m in enumerate(order)}), v=scores["value"].fillna(np.inf)
    ).sort_values(["unique_id", "v", "order"], kind="stable")
    members = rank.groupby("unique_id", sort=False).head(top_k)[["unique_id", "model"]]
    for uid, chosen in members.groupby("unique_id", sort=False)["model"]:
        logger.debug("%s for %s: %s", kind, uid, ", ".join(chosen))
    return members.reset_index(drop=True)


def _combine(wide: pd.DataFrame, members: pd.DataFrame, kind: str) -> pd.DataFrame:
    picked = wide.merge(members, on=["unique_id", "model"], how="inner")
    value_columns = [c for c in wide.columns if c not in ("unique_id", "ds", "model")]
    combined = picked.groupby(["unique_id", "ds"], sort=False)[value_columns].mean().reset_index()
    combined.insert(2, "model", kind)
    return combined[wide.columns.tolist()]
