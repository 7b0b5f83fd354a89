"""Shared helpers of the cleaning steps: merging rows that come to share a key, and flag sets.

Merging follows the toolkit's rule for zero versus missing: a sum over rows that are all
missing stays missing; a sum over some missing and some reported rows is the reported part,
flagged so the gap stays visible.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from forecasting.classify.hs import HS_VINTAGES
from forecasting.errors import SchemaError, describe_items
from forecasting.schema import FLOWS, add_flag, problems

logger = logging.getLogger(__name__)

HS_CLASSIFICATIONS = HS_VINTAGES


def check_flows(flows: pd.DataFrame, step: str) -> pd.DataFrame:
    """Raise a SchemaError listing every way ``flows`` breaks FLOWS; return a copy with a clean index."""
    found = problems(flows, FLOWS)
    if found:
        lines = "\n".join(f"  - {p}" for p in found)
        raise SchemaError(f"{step}: the input is not a FLOWS table ({len(found)} problem(s)):\n{lines}")
    out = flows.reset_index(drop=True).copy()
    out["flags"] = out["flags"].fillna("").astype(object)
    return out


def union_flags(flags: Iterable[object]) -> str:
    """The distinct ';'-separated codes of several rows, in first-seen order."""
    seen: dict[str, None] = {}
    for text in flags:
        for code in str(text).split(";"):
            if code and code != "nan":
                seen.setdefault(code, None)
    return ";".join(seen)


def group_ids(frame: pd.DataFrame, key: Sequence[str]) -> np.ndarray:
    """An integer per row naming its group of ``key`` (missing keys form groups too)."""
    return frame.groupby(list(key), sort=False, dropna=False).ngroup().to_numpy()


def combine_rows(
    frame: pd.DataFrame,
    key: Sequence[str],
    *,
    partial_flag: str = "partial_missing",
    sum_columns: Sequence[str] = (),
    ids: np.ndarray | None = None,
) -> pd.DataFrame:
    """Sum rows that share ``key``: value and quantity add up, flags are united.

    All-missing sums stay missing; mixed sums are flagged ``partial_flag``. Quantities are
    added only when the rows share one unit; otherwise the quantity becomes missing and the
    row is flagged ``quantity_mixed_units``. ``sum_columns`` are added up as well. Other
    columns are kept when constant within every group and left out (logged) otherwise.
    ``ids`` may pass precomputed :func:`group_ids` to save grouping twice.
    """
    key = list(key)
    if not len(frame):
        return frame.reset_index(drop=True)
    ids = group_ids(frame, key) if ids is None else np.asarray(ids)
    # Remember where each group first appeared so the output keeps the input's order.
    frame = frame.assign(_order=np.arange(len(frame)))
    sizes = np.bincount(ids)[ids]
    single = frame[sizes == 1]
    is_multi = sizes > 1
    multi = frame[is_multi]
    if not len(multi):
        return frame.drop(columns="_order").reset_index(drop=True)
    multi_ids = ids[is_multi]
    # Grouping by one integer column is much faster than by several text columns.
    grouped = multi.groupby(multi_ids, sort=True)
    first = ~pd.Series(multi_ids).duplicated().to_numpy()
    merged = multi.loc[first, key]
    merged.index = pd.Index(multi_ids[first])
    merged = merged.sort_index()
    merged["value_usd"] = grouped["value_usd"].sum(min_count=1)
    count = grouped["value_usd"].count()
    size = grouped.size()
    merged["flags"] = _united_flags(multi, multi_ids)
    merged["_order"] = grouped["_order"].min()
    partial = (count > 0) & (count < size)
    merged["flags"] = add_flag(merged["flags"], partial_flag, partial.to_numpy())
    for column in sum_columns:
        merged[column] = grouped[column].sum()
    if "quantity" in multi.columns:
        merged["quantity"] = grouped["quantity"].sum(min_count=1)
        if "quantity_unit" in multi.columns:
            units = grouped["quantity_unit"].nunique(dropna=True)
            merged["quantity_unit"] = grouped["quantity_unit"].first()
            mixed = (units > 1).to_numpy()
            merged.loc[mixed, ["quantity", "quantity_unit"]] = np.nan
            merged["flags"] = add_flag(merged["flags"], "quantity_mixed_units", mixed)
    others = [c for c in multi.columns if c not in merged.columns]
    dropped_columns = []
    for column in others:
        distinct = grouped[column].nunique(dropna=False)
        if (distinct <= 1).all():
            merged[column] = grouped[column].first()
        else:
            dropped_columns.append(column)
    if dropped_columns:
        logger.info("columns %s differ within merged rows and were left out", describe_items(dropped_columns))
    out = pd.concat([single, merged], ignore_index=True, sort=False).sort_values("_order", ignore_index=True)
    return out[[c for c in frame.columns if c in out.columns and c != "_order"]]


def _united_flags(multi: pd.DataFrame, ids: np.ndarray) -> pd.Series:
    # Most merged rows carry identical flags; only groups with differing strings need a union.
    distinct = pd.DataFrame({"g": ids, "f": multi["flags"].fillna("").astype(str).to_numpy()})
    distinct = distinct.drop_duplicates()
    several = distinct["g"].duplicated(keep=False).to_numpy()
    result = distinct[~several].set_index("g")["f"]
    if several.any():
        # Split into codes, keep each code's first appearance per group, and glue the codes
        # back with one vectorised concatenation per group (np.add.reduceat on strings).
        codes = distinct[several].assign(code=lambda d: d["f"].str.split(";")).explode("code")
        codes = codes[codes["code"].astype(bool) & (codes["code"] != "nan")]
        codes = codes.drop_duplicates(subset=["g", "code"]).sort_values("g", kind="stable")
        group = codes["g"].to_numpy()
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        glued = np.add.reduceat((codes["code"] + ";").to_numpy(dtype=object), starts)
        joined = pd.Series([text[:-1] for text in glued], index=group[starts])
        empty = np.setdiff1d(distinct.loc[several, "g"].unique(), group[starts])
        result = pd.concat([result, joined, pd.Series("", index=empty)])
    return result.sort_index().astype(object)


def period_year(flows: pd.DataFrame) -> pd.Series:
    """Calendar year of each row's period."""
    return pd.to_datetime(flows["period"]).dt.year
