"""The pair's own rolling-origin backtest: the baseline against naive and drift on its history.

An economist reading a flat or a rising baseline path should be able to see why: this table
scores, on the pair's own series (each commodity and direction the baseline models with
``auto``, and the pair's total turnover), how the baseline forecast did at past origins
against the two simplest benchmarks: the last value (``Naive``) and the last value plus the
average past change (``RandomWalkWithDrift``). All three run on the log scale over the same
years the baseline is fitted on, with the same horizon (capped by each series' history).
"""

from __future__ import annotations

import logging

import pandas as pd

from forecasting.errors import SeriesTooShortError
from forecasting.projection.beyond_calibration import noted_here
from forecasting.projection.result import BASELINE_BACKTEST_COLUMNS, SERIES_KEYS
from forecasting.timeseries import backtest

logger = logging.getLogger(__name__)

MODELS = {"auto": "baseline (auto)", "Naive": "naive", "RandomWalkWithDrift": "drift"}
TURNOVER = "TOTAL"


def baseline_backtest(
    series: pd.DataFrame, methods: pd.DataFrame, *, horizon: int = 6, n_windows: int = 3, step: int = 2
) -> pd.DataFrame:
    """Backtest of the baseline vs naive vs drift on the pair's series (``BASELINE_BACKTEST_COLUMNS``).

    ``series`` and ``methods`` are what :func:`~forecasting.projection.baseline.baseline_paths`
    reads and returns. Each series' horizon shrinks to what its own history allows; a series
    with no room for a backtest is left out (logged), and the table may be empty.
    """
    keys = list(SERIES_KEYS)
    chosen = methods[methods.method == "auto"]
    window = series.merge(chosen[[*keys, "fitted_from"]], on=keys)
    window = window[window.period.dt.year >= window.fitted_from][[*keys, "period", "value"]]
    if window.empty:
        return pd.DataFrame(columns=list(BASELINE_BACKTEST_COLUMNS))
    total = series.groupby("period", as_index=False).value.sum()
    if (total.value > 0).all():
        total = total.assign(reporter=series.reporter.iloc[0], partner=series.partner.iloc[0], flow=TURNOVER,
                             commodity=TURNOVER)  # fmt: skip
        window = pd.concat([window, total[[*keys, "period", "value"]]], ignore_index=True)
    lengths = window.groupby(keys).size()
    # Each series is judged on the longest horizon (up to ``horizon``) its own history allows;
    # the baseline needs 5 years for its calibration at the first origin (2 + 3 origins).
    room = (lengths - 5 - (n_windows - 1) * step).clip(upper=horizon)
    pieces = []
    for fit_horizon, index in room[room >= 1].groupby(room[room >= 1]).groups.items():
        chosen_keys = pd.DataFrame(list(index), columns=keys)
        sub = window.merge(chosen_keys, on=keys)
        try:
            with noted_here():
                result = backtest(
                    sub, keys=keys, models=list(MODELS), horizon=int(fit_horizon), n_windows=n_windows, step=step,
                    transform="log", freq="A",
                )  # fmt: skip
        except SeriesTooShortError as exc:
            logger.info("no baseline backtest for %d series: %s", len(chosen_keys), exc)
            continue
        pieces.append(_scores(result.accuracy, keys, int(fit_horizon), sub, n_windows, step))
    if (room < 1).any():
        logger.info("no room for a baseline backtest of %d series (too few years)", int((room < 1).sum()))
    if not pieces:
        return pd.DataFrame(columns=list(BASELINE_BACKTEST_COLUMNS))
    table = pd.concat(pieces, ignore_index=True)
    order = {label: i for i, label in enumerate(MODELS.values())}
    table = table.sort_values([*keys, "model"], key=lambda c: c.map(order) if c.name == "model" else c)
    return table[list(BASELINE_BACKTEST_COLUMNS)].reset_index(drop=True)


def _scores(
    accuracy: pd.DataFrame, keys: list[str], fit_horizon: int, window: pd.DataFrame, n_windows: int, step: int
) -> pd.DataFrame:
    """One row per series and model: the accuracy metrics side by side, relative MASE vs naive."""
    table = accuracy.pivot_table(index=[*keys, "model"], columns="metric", values="value").reset_index()
    windows = accuracy.groupby([*keys, "model"]).n_windows.first().reset_index()
    table = table.merge(windows, on=[*keys, "model"])
    naive = table[table.model == "Naive"].set_index(keys)["MASE"]
    table["relative_mase"] = (
        table["MASE"].to_numpy() / naive.reindex(pd.MultiIndex.from_frame(table[keys])).to_numpy()
    )
    table["model"] = table["model"].map(MODELS)
    table = table.rename(columns={"MASE": "mase", "sMAPE": "smape"})
    table["horizon"] = fit_horizon
    table["first_origin"] = int(window.period.dt.year.max()) - fit_horizon - (n_windows - 1) * step
    return table
