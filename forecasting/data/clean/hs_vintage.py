"""Convert FLOWS between HS vintages with a UN concordance, keeping every dollar accounted for.

Rules, in order:

1. Rows already in the target vintage, and rows that are not HS codes (``TOTAL``, named
   groups), pass through untouched.
2. When a reporter published the same flows in the target vintage *and* in another one
   (Comtrade does this for overlap years), the other copy is set aside as a duplicate so
   trade is not counted twice.
3. Other HS rows are split over the target codes they are linked to, by the concordance
   weights (equal, or trade-weighted); each converted row is flagged ``hs_concorded`` and,
   when its source code was split across several target codes, ``hs_split``.
4. Rows whose code is not a 6-digit subheading, or is missing from the tables, are set aside
   with the reason; when a chain of tables has a gap, the unmapped share of the value is set
   aside as a partial row, so totals before = totals after + dropped.
5. Converted rows that land on the same target code are added up (``partial_missing`` when
   some of them were missing).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from forecasting.classify.concordance import Concordance
from forecasting.classify.hs import HS_VINTAGES, check_vintage
from forecasting.data.accounting import CleanResult, concat_dropped, empty_dropped, record_dropped
from forecasting.data.clean._combine import check_flows, combine_rows
from forecasting.schema import FLOWS, add_flag

logger = logging.getLogger(__name__)

STEP = "convert_hs"
_SIX_DIGITS = re.compile(r"\d{6}")
_VINTAGE_ALIAS = re.compile(r"H[0-6]|HS\d{2}")
_SAME_FLOW = ["reporter", "partner", "flow", "period", "freq", "source"]


def convert_hs(
    flows: pd.DataFrame,
    *,
    to: str = "HS2017",
    concordance: Concordance,
    weights: pd.Series | Mapping[str, float] | None = None,
) -> CleanResult:
    """Express every HS-coded row of ``flows`` in the ``to`` vintage.

    Parameters
    ----------
    flows
        A FLOWS table; ``classification`` holds the vintage of each row.
    to
        Target vintage (``"HS2017"``; Comtrade aliases such as ``"H5"`` are accepted).
    concordance
        Links read with :func:`forecasting.classify.concordance.read_concordance`.
    weights
        ``None`` for equal splits, or trade values of the target codes for trade-weighted
        splits (see :meth:`Concordance.table`).

    Returns
    -------
    CleanResult
        ``(flows, dropped)``; ``flows`` is a FLOWS table in the target vintage.

    Examples
    --------
    >>> import pandas as pd
    >>> from forecasting.classify.concordance import Concordance
    >>> conc = Concordance(pd.DataFrame({"newer": "HS2022", "older": "HS2017",
    ...     "code_newer": ["850231", "850239"], "code_older": ["850239", "850239"]}))
    >>> flows = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export",
    ...     "period": pd.Timestamp("2021-01-01"), "freq": "A", "commodity": ["850239"],
    ...     "classification": "HS2017", "value_usd": [100.0], "source": "demo", "flags": ""})
    >>> out, dropped = convert_hs(flows, to="HS2022", concordance=conc)
    >>> out[["commodity", "value_usd", "flags"]].to_dict("records")
    [{'commodity': '850231', 'value_usd': 50.0, 'flags': 'hs_concorded;hs_split'}, \
{'commodity': '850239', 'value_usd': 50.0, 'flags': 'hs_concorded;hs_split'}]
    """
    target = check_vintage(to)
    data = check_flows(flows, STEP)
    data["_row"] = np.arange(len(data))
    # String tests run once per distinct value: real tables repeat a few values many times.
    canonical = {name: _vintage_or_none(name) for name in data["classification"].unique()}
    vintage = data["classification"].map(canonical)
    is_hs = vintage.notna()
    convert = is_hs & (vintage != target)

    in_target = data.loc[is_hs & ~convert, _SAME_FLOW].drop_duplicates()
    duplicate = convert & _matches(data, in_target)
    six_digit = {code: bool(_SIX_DIGITS.fullmatch(str(code))) for code in data["commodity"].unique()}
    not_six = convert & ~duplicate & ~data["commodity"].map(six_digit).astype(bool)
    original = data.drop(columns="_row")
    dropped = [
        record_dropped(
            original,
            duplicate,
            step=STEP,
            reason=f"the same reporter, partner and period is also reported in {target}; this copy"
            " was set aside so the trade is not counted twice",
        ),
        record_dropped(
            original,
            not_six,
            step=STEP,
            reason="not a 6-digit HS subheading; concordances link 6-digit codes (convert first, then aggregate)",
        ),
    ]
    todo = data[convert & ~duplicate & ~not_six].assign(_vintage=vintage)
    pieces = [data[~convert]]
    for source, rows in todo.groupby("_vintage", sort=True):
        converted, lost = _convert_block(rows, str(source), target, concordance, weights, original)
        pieces.append(converted)
        dropped.append(lost)
    result = pd.concat(pieces, ignore_index=True, sort=False).drop(
        columns=["_row", "_vintage"], errors="ignore"
    )
    result = combine_rows(result, [k for k in FLOWS.key if k in result.columns])
    logger.info("convert_hs to %s: %d rows in, %d rows out", target, len(flows), len(result))
    return CleanResult(result, concat_dropped(*dropped) if dropped else empty_dropped(data.columns))


def _vintage_or_none(name: object) -> str | None:
    text = str(name).strip().upper()
    if text in HS_VINTAGES or _VINTAGE_ALIAS.fullmatch(text):
        return check_vintage(text)
    return None


def _matches(data: pd.DataFrame, keys: pd.DataFrame) -> pd.Series:
    if not len(keys):
        return pd.Series(False, index=data.index)
    marked = data[_SAME_FLOW].merge(keys.assign(_hit=True), on=_SAME_FLOW, how="left")
    return pd.Series(marked["_hit"].notna().to_numpy(dtype=bool), index=data.index)


def _convert_block(
    rows: pd.DataFrame,
    source: str,
    target: str,
    concordance: Concordance,
    weights: pd.Series | Mapping[str, float] | None,
    original: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = concordance.table(source, target, weights=weights)
    coverage = table.groupby("from_code")["weight"].sum()
    unknown = ~rows["commodity"].isin(coverage.index)
    in_tables = rows["commodity"].isin(concordance.codes(source))
    lost = []
    for mask, reason in (
        (
            unknown & ~in_tables,
            f"code not found in the {source} side of the tables linking {source} to {target}",
        ),
        (
            unknown & in_tables,
            f"code appears in other {source} tables but has no link, direct or chained, to {target}",
        ),
    ):
        positions = np.zeros(len(original), dtype=bool)
        positions[rows.loc[mask, "_row"].to_numpy()] = True
        lost.append(record_dropped(original, positions, step=STEP, reason=reason))
    known = rows[~unknown]
    share = known["commodity"].map(coverage)
    gap = share < 1 - 1e-9
    if gap.any():
        # A chain of tables with a missing onward link would lose this share of the value.
        partial = original.iloc[known.loc[gap, "_row"].to_numpy()].copy()
        remainder = (1 - share[gap]).to_numpy()
        partial["value_usd"] = partial["value_usd"].to_numpy() * remainder
        if "quantity" in partial.columns:
            partial["quantity"] = partial["quantity"].to_numpy() * remainder
        gap_mask = np.zeros(len(original), dtype=bool)
        gap_mask[known.loc[gap, "_row"].to_numpy()] = True
        part = record_dropped(
            original.assign(value_usd=np.nan),
            gap_mask,
            step=STEP,
            reason=f"share of the value with no onward link in the {source} to {target} chain of tables",
        )
        part["value_usd"] = partial["value_usd"].to_numpy()
        if "quantity" in part.columns:
            part["quantity"] = partial["quantity"].to_numpy()
        lost.append(part)
    merged = known.merge(table, left_on="commodity", right_on="from_code", how="inner")
    merged["value_usd"] = merged["value_usd"] * merged["weight"]
    if "quantity" in merged.columns:
        merged["quantity"] = merged["quantity"] * merged["weight"]
    merged["commodity"] = merged["to_code"]
    merged["classification"] = target
    merged["flags"] = add_flag(merged["flags"], "hs_concorded")
    merged["flags"] = add_flag(merged["flags"], "hs_split", merged["n_targets"] > 1)
    merged = merged.drop(columns=["from_code", "to_code", "weight", "relationship", "n_targets"])
    return merged, concat_dropped(*lost)
