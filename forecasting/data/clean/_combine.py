"""Shared helpers of the cleaning steps: merging rows that come to share a key, and flag sets.

Merging follows the toolkit's rule for zero versus missing: a sum over rows that are all
missing stays missing; a sum over some missing and some reported rows is the reported part,
flagged so the gap stays visible.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError, describe_items
from forecasting.schema import FLOWS, add_flag, problems

logger = logging.getLogger(__name__)

HS_CLASSIFICATIONS = ("HS1992", "HS1996", "HS2002", "HS2007", "HS2012", "HS2017", "HS2022")


def check_flows(flows: pd.DataFrame, step: str) -> pd.DataFrame:
    """Raise a SchemaError listing every way ``flows`` breaks FLOWS; return a copy with a clean index."""
    found = problems(flows, FLOWS)
    if found:
        lines = "\n".join(f"  - {p}" for p in found)
        raise SchemaError(f"{step}: the input is not a FLOWS table ({len(found)} problem(s)):\n{lines}")
    out = flows.reset_index(drop=True).copy()
    out["flags"] = out["flags"].fillna("").astype(object)
    return out


def union_flags(flags: pd.Series) -> str:
    """The distinct ';'-separated codes of several rows, in first-seen order."""
    seen: dict[str, None] = {}
    for text in flags:
        for code in str(text).split(";"):
            if code and code != "nan":
                seen.setdefault(code, None)
    return ";".join(seen)


def combine_rows(frame: pd.DataFrame, key: Sequence[str], *, partial_flag: str = "partial_missing") -> pd.DataFrame:
    """Sum rows that share ``key``: value and quantity add up, flags are united.

    All-missing sums stay missing; mixed sums are flagged ``partial_flag``. Quantities are
    added only when the rows share one unit; otherwise the quantity becomes missing and the
    row is flagged ``quantity_mixed_units``. Other columns are kept when constant within
    every group and left out (logged) otherwise.
    """
    key = list(key)
    if not len(frame):
        return frame.reset_index(drop=True)
    sizes = frame.groupby(key, sort=False, dropna=False)[key[0]].transform("size")
    single = frame[sizes == 1]
    multi = frame[sizes > 1]
    if not len(multi):
        return frame.reset_index(drop=True)
    grouped = multi.groupby(key, sort=False, dropna=False)
    merged = grouped["value_usd"].sum(min_count=1).to_frame()
    counts = grouped["value_usd"].agg(["count", "size"])
    merged["flags"] = grouped["flags"].agg(union_flags)
    partial = (counts["count"] > 0) & (counts["count"] < counts["size"])
    merged["flags"] = add_flag(merged["flags"], partial_flag, partial.to_numpy())
    if "quantity" in multi.columns:
        merged["quantity"] = grouped["quantity"].sum(min_count=1)
        if "quantity_unit" in multi.columns:
            units = grouped["quantity_unit"].nunique(dropna=True)
            merged["quantity_unit"] = grouped["quantity_unit"].first()
            mixed = (units > 1).to_numpy()
            merged.loc[mixed, ["quantity", "quantity_unit"]] = np.nan
            merged["flags"] = add_flag(merged["flags"], "quantity_mixed_units", mixed)
    others = [c for c in multi.columns if c not in merged.columns and c not in key]
    dropped_columns = []
    for column in others:
        distinct = grouped[column].nunique(dropna=False)
        if (distinct <= 1).all():
            merged[column] = grouped[column].first()
        else:
            dropped_columns.append(column)
    if dropped_columns:
        logger.info("columns %s differ within merged rows and were left out", describe_items(dropped_columns))
    merged = merged.reset_index()
    out = pd.concat([single, merged], ignore_index=True, sort=False)
    return out[[c for c in frame.columns if c in out.columns]]


def period_year(flows: pd.DataFrame) -> pd.Series:
    """Calendar year of each row's period."""
    return pd.to_datetime(flows["period"]).dt.year
