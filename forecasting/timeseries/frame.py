"""Input normalisation: a caller's long frame becomes the internal panel every engine reads.

Callers name their own key columns (``keys=("reporter", "partner", "commodity")``); the
engines see one string id per series (``unique_id``), a period-start timestamp (``ds``) and
the value (``y``). The key table maps ids back, so outputs carry the caller's columns.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError, describe_items

logger = logging.getLogger(__name__)

GapPolicy = Literal["raise", "zero", "interpolate"]
GAP_POLICIES = ("raise", "zero", "interpolate")


@dataclass(frozen=True)
class Frequency:
    """A series frequency: our code, the pandas period-start alias and the season length."""

    code: Literal["A", "Q", "M"]
    alias: str
    season_length: int


FREQUENCIES = {
    "A": Frequency("A", "YS", 1),
    "Q": Frequency("Q", "QS", 4),
    "M": Frequency("M", "MS", 12),
}
_ALIASES = {
    "A": "A", "Y": "A", "YS": "A", "AS": "A", "YE": "A", "A-DEC": "A", "Y-DEC": "A", "YS-JAN": "A",
    "AS-JAN": "A", "ANNUAL": "A", "YEARLY": "A",
    "Q": "Q", "QS": "Q", "QE": "Q", "Q-DEC": "Q", "QS-JAN": "Q", "QS-OCT": "Q", "QUARTERLY": "Q",
    "M": "M", "MS": "M", "ME": "M", "MONTHLY": "M",
}  # fmt: skip


def parse_freq(freq: str) -> Frequency:
    """Map ``"A"``, ``"Q"``, ``"M"`` or a pandas alias (``"YS"``, ``"MS"``, ...) to a Frequency.

    Examples
    --------
    >>> parse_freq("MS").season_length
    12
    """
    code = _ALIASES.get(str(freq).upper())
    if code is None:
        raise SchemaError(
            f"unknown frequency {freq!r}; use 'A' (annual), 'Q' (quarterly) or 'M' (monthly),"
            f" or a pandas alias among {', '.join(sorted(_ALIASES))}"
        )
    return FREQUENCIES[code]


@dataclass(frozen=True)
class Panel:
    """Series in the engines' layout plus what is needed to give results back.

    ``data`` has columns ``unique_id, ds, y`` sorted by id and time; ``key_table`` has
    ``unique_id`` and the caller's key columns, one row per series.
    """

    data: pd.DataFrame
    key_table: pd.DataFrame
    keys: tuple[str, ...]
    freq: Frequency

    @property
    def ids(self) -> list[str]:
        return self.key_table["unique_id"].tolist()

    def lengths(self) -> dict[str, int]:
        return self.data.groupby("unique_id", sort=False).size().to_dict()

    def labels(self) -> dict[str, str]:
        """Readable name of each series, e.g. ``"reporter=KAZ, commodity=coal"``."""
        table = self.key_table
        return {
            uid: ", ".join(f"{k}={v}" for k, v in zip(self.keys, row, strict=True))
            for uid, row in zip(
                table["unique_id"], table[list(self.keys)].itertuples(index=False), strict=True
            )
        }

    def last_period(self) -> dict[str, pd.Timestamp]:
        return self.data.groupby("unique_id", sort=False)["ds"].max().to_dict()

    def with_data(self, data: pd.DataFrame) -> Panel:
        ids = set(data["unique_id"])
        table = self.key_table[self.key_table["unique_id"].isin(ids)].reset_index(drop=True)
        return Panel(data.reset_index(drop=True), table, self.keys, self.freq)

    def subset(self, ids: Sequence[str]) -> Panel:
        wanted = set(ids)
        return self.with_data(self.data[self.data["unique_id"].isin(wanted)])

    def attach_keys(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Replace ``unique_id`` in ``frame`` by the caller's key columns (placed first)."""
        merged = frame.merge(self.key_table, on="unique_id", how="left", validate="many_to_one")
        rest = [c for c in frame.columns if c != "unique_id"]
        return merged[[*self.keys, *rest]]


def to_panel(
    series: pd.DataFrame,
    *,
    keys: Sequence[str],
    time_col: str = "period",
    value_col: str = "value",
    freq: str | None = None,
    gaps: GapPolicy = "raise",
) -> Panel:
    """Check and normalise a long frame of series into a :class:`Panel`.

    Periods are moved to the start of their period (``2024-03-31`` becomes ``2024-03-01``
    for monthly data); integer years are accepted for annual data. Missing periods inside a
    series (absent rows or missing values) raise unless ``gaps`` says how to fill them.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"hs": ["27"] * 3, "period": [2020, 2021, 2022], "value": [1.0, 2.0, 3.0]})
    >>> panel = to_panel(df, keys=["hs"])
    >>> panel.freq.code, panel.data["ds"].dt.year.tolist()
    ('A', [2020, 2021, 2022])
    """
    keys = _check_columns(series, keys, time_col, value_col)
    if gaps not in GAP_POLICIES:
        raise SchemaError(f"gaps={gaps!r} is not valid; use one of {', '.join(GAP_POLICIES)}")
    frame = series[[*keys, time_col, value_col]].copy()
    frequency = parse_freq(freq) if freq is not None else _infer_freq(frame[time_col])
    frame["ds"] = _period_start(frame[time_col], frequency)
    frame["y"] = pd.to_numeric(frame[value_col], errors="coerce").astype(float)
    bad_text = frame[value_col].notna() & frame["y"].isna()
    if bad_text.any():
        raise SchemaError(
            f"column '{value_col}' has non-numeric values in rows {describe_items(frame.index[bad_text].tolist())};"
            " convert them to numbers or missing values"
        )
    infinite = np.isinf(frame["y"])
    if infinite.any():
        raise SchemaError(
            f"column '{value_col}' has infinite values in rows {describe_items(frame.index[infinite].tolist())}"
        )
    dupes = frame.duplicated(subset=[*keys, "ds"], keep=False)
    if dupes.any():
        raise SchemaError(
            f"{int(dupes.sum())} rows repeat a series and period ({', '.join(keys)}, {time_col}): rows"
            f" {describe_items(frame.index[dupes].tolist())}; aggregate them first (e.g. groupby().sum())"
        )
    # Ids follow the sorted key values, so output order never depends on input row order.
    key_table = frame[keys].drop_duplicates().sort_values(keys, kind="stable").reset_index(drop=True)
    key_table.insert(0, "unique_id", [f"s{i:06d}" for i in range(len(key_table))])
    frame = frame.merge(key_table, on=keys, how="left")
    data = frame[["unique_id", "ds", "y"]].sort_values(["unique_id", "ds"]).reset_index(drop=True)
    panel = Panel(data, key_table, tuple(keys), frequency)
    return panel.with_data(_fill_gaps(panel, gaps))


def _check_columns(series: pd.DataFrame, keys: Sequence[str], time_col: str, value_col: str) -> list[str]:
    if not isinstance(series, pd.DataFrame):
        raise SchemaError(f"series must be a pandas DataFrame, got {type(series).__name__}")
    if isinstance(keys, str):
        keys = [keys]
    keys = list(keys)
    if not keys:
        raise SchemaError("keys is empty; name the column(s) that identify a series, e.g. keys=['commodity']")
    reserved = {"unique_id", "ds", "y", "period", "scenario", "model", "level", "mean", "lower", "upper"}
    clash = [k for k in keys if k in reserved and k != time_col]
    if clash or time_col in keys or value_col in keys:
        raise SchemaError(
            f"key columns {describe_items(clash or [time_col, value_col])} clash with reserved or time/value"
            " column names; rename them (e.g. 'series_model')"
        )
    missing = [c for c in [*keys, time_col, value_col] if c not in series.columns]
    if missing:
        raise SchemaError(
            f"series is missing columns {describe_items(missing)}; it has {describe_items(list(series.columns))}."
            " Pass time_col=/value_col= if your columns have other names"
        )
    null_keys = series[keys].isna().any(axis=1) | series[time_col].isna()
    if null_keys.any():
        raise SchemaError(
            f"key or time columns are missing in rows {describe_items(series.index[null_keys].tolist())};"
            " fill or drop them before forecasting"
        )
    return keys


def _infer_freq(periods: pd.Series) -> Frequency:
    if pd.api.types.is_integer_dtype(periods):
        return FREQUENCIES["A"]
    stamps = pd.to_datetime(periods).drop_duplicates().sort_values()
    if len(stamps) < 2:
        raise SchemaError("cannot infer the frequency from fewer than two periods; pass freq='A', 'Q' or 'M'")
    step_days = float(np.median(np.diff(stamps.to_numpy()).astype("timedelta64[D]").astype(float)))
    for code, (low, high) in {"M": (27, 32), "Q": (88, 93), "A": (364, 367)}.items():
        if low <= step_days <= high:
            logger.info("inferred frequency %s from a median spacing of %.0f days", code, step_days)
            return FREQUENCIES[code]
    raise SchemaError(
        f"cannot infer a frequency from a median spacing of {step_days:.0f} days; pass freq='A', 'Q' or 'M'"
    )


def _period_start(periods: pd.Series, frequency: Frequency) -> pd.Series:
    if pd.api.types.is_integer_dtype(periods):
        if frequency.code != "A":
            raise SchemaError(
                "integer periods are read as years; pass datetimes for quarterly or monthly data"
            )
        return pd.to_datetime(periods.astype(str) + "-01-01")
    stamps = pd.to_datetime(periods)
    return stamps.dt.to_period(frequency.code if frequency.code != "A" else "Y").dt.start_time


def _complete(data: pd.DataFrame, frequency: Frequency) -> pd.Series:
    """Per series id: True when it has every period from its first to its last and no missing value."""
    months = {"A": 12, "Q": 3, "M": 1}[frequency.code]
    ordinal = (data["ds"].dt.year * 12 + data["ds"].dt.month - 1) // months
    stats = (
        data.assign(ordinal=ordinal)
        .groupby("unique_id", sort=False)
        .agg(first=("ordinal", "min"), last=("ordinal", "max"), n=("ordinal", "size"), values=("y", "count"))
    )
    return (stats["last"] - stats["first"] + 1 == stats["n"]) & (stats["values"] == stats["n"])


def _fill_gaps(panel: Panel, gaps: GapPolicy) -> pd.DataFrame:
    data = panel.data
    complete = _complete(data, panel.freq)
    if complete.all():
        return data
    # Only the series with holes or missing values go through the (slower) per-series repair.
    pieces = [data[data["unique_id"].isin(set(complete.index[complete]))]]
    data = data[data["unique_id"].isin(set(complete.index[~complete]))]
    problems: list[str] = []
    labels = panel.labels()
    for uid, group in data.groupby("unique_id", sort=False):
        grid = pd.date_range(group["ds"].iloc[0], group["ds"].iloc[-1], freq=panel.freq.alias)
        full = group.set_index("ds").reindex(grid)
        full.index.name = "ds"
        full["unique_id"] = uid
        holes = full["y"].isna()
        # Leading/trailing missing values are trimmed: they carry no information, and are logged.
        if holes.any():
            valid = full.index[~holes]
            if len(valid) == 0:
                problems.append(f"{labels[uid]} (no values at all)")
                continue
            inner = holes & (full.index > valid[0]) & (full.index < valid[-1])
            trimmed = int(holes.sum() - inner.sum())
            if trimmed:
                logger.info("%s: trimmed %d missing values at the ends", labels[uid], trimmed)
            full = full.loc[valid[0] : valid[-1]]
            if inner.any():
                missing = [d.strftime("%Y-%m") for d in full.index[full["y"].isna()]]
                if gaps == "raise":
                    problems.append(f"{labels[uid]} missing {describe_items(missing, limit=3)}")
                elif gaps == "zero":
                    full["y"] = full["y"].fillna(0.0)
                else:
                    full["y"] = full["y"].interpolate(method="linear")
        pieces.append(full.reset_index()[["unique_id", "ds", "y"]])
    if problems:
        raise SchemaError(
            f"{len(problems)} series have missing periods: {describe_items(problems)}. Pass gaps='zero' when"
            " a missing record means no trade, or gaps='interpolate' for a linear fill"
        )
    return (
        pd.concat(pieces, ignore_index=True)
        .sort_values(["unique_id", "ds"], kind="stable")
        .reset_index(drop=True)
    )
