"""Shared helpers of the cleaning steps: the FLOWS check, merging rows that come to share a key.

Merging follows the toolkit's rule for zero versus missing: a sum over rows that are all
missing stays missing; a sum over some missing and some reported rows is the reported part,
flagged so the gap stays visible.

Speed: customs tables repeat a few hundred countries and a few thousand codes millions of
times, so every key column is factorised once into integers (:func:`forecasting.schema.key_codes`)
and rows are combined with one grouping on a single integer key; text is only touched once
per distinct value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from forecasting.errors import SchemaError, describe_items
from forecasting.keys import Factorised, key_codes
from forecasting.schema import FLOWS, add_flag, problems

logger = logging.getLogger(__name__)

#: A reporter's flow with a partner in a period, whatever the commodity and its classification.
SAME_FLOW = ["reporter", "partner", "flow", "period", "freq", "source"]


def check_flows(flows: pd.DataFrame, step: str, *, factorised: Factorised | None = None) -> pd.DataFrame:
    """Raise a SchemaError listing every way ``flows`` breaks FLOWS; return it with a clean index.

    The returned frame shares its columns with ``flows`` (steps replace columns, never write
    into them). ``factorised`` receives the key and text columns factorised by the check
    (see :func:`forecasting.schema.problems`), so a step can group by them at no extra cost.
    """
    factorised = {} if factorised is None else factorised
    found = problems(flows, FLOWS, factorised=factorised)
    if found:
        lines = "\n".join(f"  - {p}" for p in found)
        raise SchemaError(f"{step}: the input is not a FLOWS table ({len(found)} problem(s)):\n{lines}")
    out = flows.copy(deep=False)
    out.index = pd.RangeIndex(len(out))
    flag_codes = factorised.get("flags", (np.zeros(0, dtype=np.int64), None))[0]
    if (flag_codes < 0).any():
        out["flags"] = out["flags"].fillna("").astype(object)
    return out


def union_flags(flags: Iterable[object]) -> str:
    """The distinct ';'-separated codes of several rows, in first-seen order.

    Examples
    --------
    >>> union_flags(["a;b", "", "b;c"])
    'a;b;c'
    """
    seen: dict[str, None] = {}
    for text in flags:
        for code in str(text).split(";"):
            if code and code != "nan":
                seen.setdefault(code, None)
    return ";".join(seen)


def group_ids(frame: pd.DataFrame, key: Sequence[str]) -> np.ndarray:
    """An integer per row naming its group of ``key``, by first appearance (missing keys form groups too)."""
    return key_codes(frame, list(key))


def _by_first_appearance(ids: np.ndarray) -> bool:
    """Whether ``ids`` number groups 0, 1, 2, ... in the order they first appear."""
    if not len(ids) or ids[0] != 0:
        return not len(ids)
    seen = np.maximum.accumulate(ids)
    return bool((ids[1:] <= seen[:-1] + 1).all())


def first_positions(ids: np.ndarray) -> np.ndarray:
    """Position of each group's first row, for ids numbered by first appearance.

    Examples
    --------
    >>> first_positions(np.array([0, 1, 0, 2, 1])).tolist()
    [0, 1, 3]
    """
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    seen_before = np.maximum.accumulate(ids)
    new = np.empty(len(ids), dtype=bool)
    new[0] = True
    new[1:] = ids[1:] > seen_before[:-1]
    return np.flatnonzero(new)


def combine_rows(
    frame: pd.DataFrame,
    key: Sequence[str],
    *,
    partial_flag: str = "partial_missing",
    sum_columns: Sequence[str] = (),
    ids: np.ndarray | None = None,
    constant: Sequence[str] = (),
    flag_codes: tuple[np.ndarray, np.ndarray] | None = None,
) -> pd.DataFrame:
    """Sum rows that share ``key``: value and quantity add up, flags are united.

    All-missing sums stay missing; mixed sums are flagged ``partial_flag``. Quantities are
    added only when the rows share one unit; otherwise the quantity becomes missing and the
    row is flagged ``quantity_mixed_units``. ``sum_columns`` are added up as well. Other
    columns are kept when constant within every group and blanked on merged rows (logged)
    otherwise. ``ids`` may pass precomputed :func:`group_ids` to save grouping twice;
    ``constant`` names columns the caller has already proved constant within groups;
    ``flag_codes`` the flags column already factorised (codes, distinct values). The
    output has one row per group, in the order the groups first appear.

    Examples
    --------
    >>> f = pd.DataFrame({"k": ["a", "b", "a"], "value_usd": [1.0, 2.0, None], "flags": ["x", "", "y"]})
    >>> combine_rows(f, ["k"]).to_dict("records")
    [{'k': 'a', 'value_usd': 1.0, 'flags': 'x;y;partial_missing'}, {'k': 'b', 'value_usd': 2.0, 'flags': ''}]
    """
    key = list(key)
    if not len(frame):
        return frame.reset_index(drop=True)
    if ids is None:
        ids = group_ids(frame, key)
    elif not _by_first_appearance(np.asarray(ids)):
        ids = pd.factorize(np.asarray(ids))[0].astype(np.int64)
    sizes = np.bincount(ids)
    if (sizes == 1).all():
        return frame.reset_index(drop=True)
    first = first_positions(ids)
    multi_group = sizes > 1
    multi_rows = multi_group[ids]
    multi_ids = ids[multi_rows]
    out = frame.take(first)
    out.index = pd.RangeIndex(len(out))
    # Only rows of groups with several members are grouped; single rows pass as they are.
    summed = [c for c in ("value_usd", *sum_columns, "quantity", "quantity_unit") if c in frame.columns]
    multi = frame.loc[multi_rows, summed]
    grouped = multi.groupby(multi_ids, sort=True)
    where = np.flatnonzero(multi_group)  # output rows of the merged groups, in group order
    reported = multi["value_usd"].notna().to_numpy()
    count, size = np.bincount(multi_ids, weights=reported, minlength=len(sizes))[where], sizes[where]
    _put(out, "value_usd", where, grouped["value_usd"].sum(min_count=1).to_numpy())
    known = (flag_codes[0][multi_rows], flag_codes[1]) if flag_codes is not None else None
    flags = frame["flags"].to_numpy(dtype=object)[multi_rows]
    flags = _united_flags(flags, multi_ids, known).reindex(where).to_numpy()
    flags = add_flag(pd.Series(flags, dtype=object), partial_flag, (count > 0) & (count < size)).to_numpy()
    for column in sum_columns:
        if multi[column].dtype.kind in "iu":  # integer counts add up exactly in a bincount
            totals = np.bincount(multi_ids, weights=multi[column].to_numpy(), minlength=len(sizes))[where]
            _put(out, column, where, totals.round().astype(multi[column].dtype))
        else:
            _put(out, column, where, grouped[column].sum().to_numpy())
    if "quantity" in multi.columns:
        _put(out, "quantity", where, grouped["quantity"].sum(min_count=1).to_numpy())
        if "quantity_unit" in multi.columns:
            mixed = grouped["quantity_unit"].nunique(dropna=True).to_numpy() > 1
            units = grouped["quantity_unit"].first().to_numpy(dtype=object)
            _put(out, "quantity_unit", where, np.where(mixed, np.nan, units))
            out.loc[where[mixed], "quantity"] = np.nan
            flags = add_flag(pd.Series(flags, dtype=object), "quantity_mixed_units", mixed).to_numpy()
    _put(out, "flags", where, flags)
    handled = {*key, *constant, "value_usd", "flags", *sum_columns, "quantity", "quantity_unit"}
    varying = [
        c for c in frame.columns if c not in handled and not _constant(frame[c][multi_rows], multi_ids)
    ]
    for column in varying:
        out[column] = out[column].where(~multi_group)
    if varying:
        logger.info("columns %s differ within merged rows and were left out", describe_items(varying))
    return out


def _put(out: pd.DataFrame, column: str, rows: np.ndarray, values: np.ndarray) -> None:
    """Write ``values`` into ``out[column]`` at ``rows`` without touching the caller's arrays."""
    target = out[column].to_numpy(copy=True)
    if target.dtype.kind in "iub" and values.dtype.kind == "f":
        target = target.astype("float64")
    target[rows] = values
    out[column] = target


def _constant(values: pd.Series, ids: np.ndarray) -> bool:
    """Whether ``values`` (missing counted as a value) is the same within every group of ``ids``."""
    try:
        codes = pd.factorize(values, use_na_sentinel=False)[0]
    except TypeError:  # unhashable cells: compare their text
        codes = pd.factorize(values.astype(str))[0]
    return not differs_within(codes, ids).any()


def differs_within(codes: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Per group id (``0 .. ids.max()``): whether ``codes`` takes more than one value in the group.

    ``ids`` must number groups by first appearance (gaps allowed), as :func:`group_ids` does.

    Examples
    --------
    >>> differs_within(np.array([5, 5, 7, 7, 8]), np.array([0, 0, 1, 2, 1])).tolist()
    [False, True, False]
    """
    if not len(ids):
        return np.zeros(0, dtype=bool)
    starts = first_positions(ids)
    first_code = np.zeros(int(ids.max()) + 1, dtype=codes.dtype)
    first_code[ids[starts]] = codes[starts]
    other = codes != first_code[ids]
    return np.bincount(ids, weights=other, minlength=len(first_code)) > 0


def _united_flags(
    flags: np.ndarray, ids: np.ndarray, known: tuple[np.ndarray, np.ndarray] | None = None
) -> pd.Series:
    """Per group (indexed by id), the union of its rows' flag codes in first-seen order.

    ``known`` may give the flags already factorised (codes, distinct values).
    """
    codes, found = known if known is not None else pd.factorize(flags)
    # missing flags read as "" and join the group of "" (one code per distinct text)
    texts = pd.Index([str(value) for value in found] + [""], dtype=object)
    text_codes, distinct = pd.factorize(texts.to_numpy())
    codes = text_codes[np.where(codes < 0, len(found), codes)]
    distinct = np.asarray(distinct, dtype=object)
    starts = first_positions(ids)
    first_code = np.zeros(int(ids.max()) + 1, dtype=codes.dtype)
    first_code[ids[starts]] = codes[starts]
    groups = ids[starts]
    several = differs_within(codes, ids)[groups]
    result = pd.Series(distinct[first_code[groups[~several]]], index=groups[~several], dtype=object)
    if several.any():
        # Only groups whose rows carry different flag strings need a union of their codes.
        rows = np.isin(ids, groups[several])
        pair = ids[rows].astype(np.int64) * (len(distinct) + 1) + codes[rows]
        first_pairs = first_positions(pd.factorize(pair)[0])
        union = _union_of_strings(ids[rows][first_pairs], codes[rows][first_pairs], distinct)
        result = pd.concat([result, union])
    return result.sort_index()


def _union_of_strings(group: np.ndarray, code: np.ndarray, distinct: np.ndarray) -> pd.Series:
    """For groups whose rows carry different flag strings: the union of their codes, by group.

    ``(group, code)`` pairs come in first-seen order; each distinct string is split once and
    the work per row is integer arithmetic, with one string concatenation per group at the end.
    """
    tokens = [[t for t in str(text).split(";") if t and t != "nan"] for text in distinct]
    vocabulary, token_ids = np.unique(
        np.array([t for ts in tokens for t in ts] or [""], dtype=object), return_inverse=True
    )
    lengths = np.array([len(ts) for ts in tokens], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    n = lengths[code]
    within = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    owner = np.repeat(group, n)
    token = token_ids[np.repeat(starts[code], n) + within]
    keep = first_positions(pd.factorize(owner * (len(vocabulary) + 1) + token)[0])
    order = keep[np.argsort(owner[keep], kind="stable")]
    owner, words = owner[order], vocabulary[token[order]]
    joined = pd.Series("", index=np.unique(group), dtype=object)
    if len(owner):
        bounds = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        glued = np.add.reduceat((words + ";").astype(object), bounds)
        joined[owner[bounds]] = [text[:-1] for text in glued]
    return joined


def period_year(flows: pd.DataFrame) -> pd.Series:
    """Calendar year of each row's period."""
    return pd.to_datetime(flows["period"]).dt.year
