"""Exogenous drivers (GDP, oil price, ...): joining their history and their future paths.

A driver frame holds the time column, the driver columns, and optionally some of the
series key columns. Drivers without key columns are common to every series (world oil
price); with key columns they are matched per series (a partner's GDP).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from forecasting.errors import SchemaError, describe_items
from forecasting.timeseries.frame import Panel, _period_start


def driver_columns(exog: pd.DataFrame, keys: Sequence[str], time_col: str) -> list[str]:
    columns = [c for c in exog.columns if c not in (*keys, time_col)]
    if not columns:
        raise SchemaError(f"exog has no driver columns beside the keys and '{time_col}'")
    bad = [c for c in columns if not pd.api.types.is_numeric_dtype(exog[c])]
    if bad:
        raise SchemaError(f"exogenous drivers must be numeric; {describe_items(bad)} are not")
    return columns


def _align(panel: Panel, exog: pd.DataFrame, time_col: str, columns: list[str]) -> pd.DataFrame:
    join_keys = [k for k in panel.keys if k in exog.columns]
    frame = exog.copy()
    frame["ds"] = _period_start(frame[time_col], panel.freq)
    frame = frame[[*join_keys, "ds", *columns]]
    dupes = frame.duplicated(subset=[*join_keys, "ds"], keep=False)
    if dupes.any():
        raise SchemaError(
            f"exog repeats periods for the same series in rows {describe_items(frame.index[dupes].tolist())}"
        )
    ids = panel.key_table[["unique_id", *join_keys]]
    return ids.merge(frame, on=join_keys, how="left") if join_keys else ids.merge(frame, how="cross")


def attach_history(panel: Panel, exog: pd.DataFrame, time_col: str, columns: list[str]) -> pd.DataFrame:
    """``unique_id, ds, y`` plus the driver columns; every observed period needs drivers."""
    aligned = _align(panel, exog, time_col, columns)
    data = panel.data.merge(aligned, on=["unique_id", "ds"], how="left")
    where = _missing_periods(panel, data, columns)
    if where:
        raise SchemaError(
            f"exog lacks driver values for {len(where)} observed periods: {describe_items(where)};"
            " supply drivers for the whole history or trim the series"
        )
    return data


def future_frame(
    panel: Panel, exog_future: pd.DataFrame, time_col: str, columns: list[str], horizon: int
) -> pd.DataFrame:
    """Driver values for each series' next ``horizon`` periods (the scenario's paths)."""
    missing_cols = [c for c in columns if c not in exog_future.columns]
    if missing_cols:
        raise SchemaError(f"exog_future lacks driver columns {describe_items(missing_cols)}")
    aligned = _align(panel, exog_future, time_col, columns)
    wanted = []
    for uid, last in panel.last_period().items():
        dates = pd.date_range(last, periods=horizon + 1, freq=panel.freq.alias)[1:]
        wanted.append(pd.DataFrame({"unique_id": uid, "ds": dates}))
    grid = pd.concat(wanted, ignore_index=True)
    future = grid.merge(aligned, on=["unique_id", "ds"], how="left")
    where = _missing_periods(panel, future, columns)
    if where:
        raise SchemaError(
            f"exog_future must give every driver for all {horizon} forecast periods; missing"
            f" {describe_items(where)}"
        )
    return future


def _missing_periods(panel: Panel, frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """``"<series> at YYYY-MM"`` for every row of ``frame`` lacking a driver value."""
    missing = frame[columns].isna().any(axis=1)
    labels = panel.labels()
    return [
        f"{labels[u]} at {d:%Y-%m}"
        for u, d in zip(frame.loc[missing, "unique_id"], frame.loc[missing, "ds"], strict=True)
    ]
