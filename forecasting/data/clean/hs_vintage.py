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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.classify.concordance import Concordance
from forecasting.classify.hs import HS_VINTAGES, check_vintage
from forecasting.data.clean._combine import SAME_FLOW, check_flows, combine_rows
from forecasting.data.clean.accounting import CleanResult, concat_dropped, record_dropped
from forecasting.keys import Factorised, key_codes
from forecasting.schema import FLOWS, add_flag

logger = logging.getLogger(__name__)

STEP = "convert_hs"
_SIX_DIGITS = re.compile(r"\d{6}")
_VINTAGE_ALIAS = re.compile(r"H[0-6]|HS\d{2}")


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
    codes: Factorised = {}
    data = check_flows(flows, STEP, factorised=codes)
    # String tests run once per distinct value: real tables repeat a few values many times.
    class_codes, class_names = codes["classification"]
    vintage_of = np.array([_vintage_or_none(name) for name in class_names], dtype=object)
    vintage = vintage_of[class_codes] if len(data) else np.zeros(0, dtype=object)
    is_hs = pd.notna(vintage)
    convert = is_hs & (vintage != target)

    duplicate = np.zeros(len(data), dtype=bool)
    if convert.any() and (is_hs & ~convert).any():
        same_flow = key_codes(data, SAME_FLOW, factorised=codes)
        duplicate = convert & np.isin(same_flow, same_flow[is_hs & ~convert])
    commodity_codes, commodities = codes["commodity"]
    six_digit = np.array([bool(_SIX_DIGITS.fullmatch(str(code))) for code in commodities], dtype=bool)
    not_six = convert & ~duplicate & ~six_digit[commodity_codes]
    dropped = [
        record_dropped(
            data,
            duplicate,
            step=STEP,
            reason=f"the same reporter, partner and period is also reported in {target}; this copy"
            " was set aside so the trade is not counted twice",
        ),
        record_dropped(
            data,
            not_six,
            step=STEP,
            reason="not a 6-digit HS subheading; concordances link 6-digit codes (convert first, then aggregate)",
        ),
    ]
    todo = convert & ~duplicate & ~not_six
    blocks = [Block.unchanged(np.flatnonzero(~convert), commodity_codes)]
    space = _CodeSpace(commodities)
    for source in sorted(set(vintage[todo])):
        block, lost = _convert_block(
            data,
            np.flatnonzero(todo & (vintage == source)),
            codes,
            space,
            str(source),
            target,
            concordance,
            weights,
        )
        blocks.append(block)
        dropped.append(lost)
    result, result_codes = _assemble(data, blocks, codes, space, target)
    key = [k for k in FLOWS.key if k in result.columns]
    result = combine_rows(result, key, ids=key_codes(result, key, factorised=result_codes))
    logger.info("convert_hs to %s: %d rows in, %d rows out", target, len(flows), len(result))
    return CleanResult(result, concat_dropped(*dropped))


def _vintage_or_none(name: object) -> str | None:
    text = str(name).strip().upper()
    if text in HS_VINTAGES or _VINTAGE_ALIAS.fullmatch(text):
        return check_vintage(text)
    return None


class _CodeSpace:
    """Commodity codes as integers: the input's distinct codes, then target codes as they come."""

    def __init__(self, codes: np.ndarray) -> None:
        self.index = pd.Index(np.asarray(codes, dtype=object), dtype=object)

    def numbers(self, codes: np.ndarray) -> np.ndarray:
        where = self.index.get_indexer(codes)
        if (where < 0).any():
            self.index = self.index.append(pd.Index(pd.unique(codes[where < 0]), dtype=object))
            where = self.index.get_indexer(codes)
        return where


@dataclass(frozen=True)
class Block:
    """Output rows made from input rows: positions taken, value multipliers, new codes."""

    rows: np.ndarray  # input row positions, one per output row
    weight: np.ndarray | None  # None: rows pass through unchanged
    commodity: np.ndarray  # commodity numbers in the code space
    split: np.ndarray | None = None  # rows whose source code has several target codes

    @classmethod
    def unchanged(cls, rows: np.ndarray, commodity_codes: np.ndarray) -> Block:
        return cls(rows, None, commodity_codes[rows])


def _assemble(
    data: pd.DataFrame, blocks: list[Block], codes: Factorised, space: _CodeSpace, target: str
) -> tuple[pd.DataFrame, Factorised]:
    """One table of every block's rows, and the factorised key of that table."""
    rows = np.concatenate([b.rows for b in blocks])
    converted = np.concatenate([np.full(len(b.rows), b.weight is not None) for b in blocks])
    weight = np.concatenate([b.weight if b.weight is not None else np.ones(len(b.rows)) for b in blocks])
    split = np.concatenate([b.split if b.split is not None else np.zeros(len(b.rows), bool) for b in blocks])
    result = data.take(rows)
    result.index = pd.RangeIndex(len(rows))
    if not converted.any():
        return result, {name: (values[rows], distinct) for name, (values, distinct) in codes.items()}
    result["value_usd"] = result["value_usd"].to_numpy() * weight
    if "quantity" in result.columns:
        result["quantity"] = result["quantity"].to_numpy() * weight
    commodity = np.concatenate([b.commodity for b in blocks])
    result["commodity"] = space.index.to_numpy()[commodity]
    class_codes, class_names = codes["classification"]
    names = pd.Index(class_names, dtype=object)
    if target not in names:
        names = names.append(pd.Index([target], dtype=object))
    classification = np.where(converted, names.get_loc(target), class_codes[rows])
    result["classification"] = np.where(converted, target, result["classification"].to_numpy(dtype=object))
    result["flags"] = add_flag(result["flags"], "hs_concorded", converted)
    result["flags"] = add_flag(result["flags"], "hs_split", split)
    factorised = {name: (values[rows], distinct) for name, (values, distinct) in codes.items()}
    factorised["commodity"] = (commodity, space.index.to_numpy())
    factorised["classification"] = (classification, names.to_numpy())
    factorised.pop("flags", None)
    return result, factorised


def _convert_block(
    data: pd.DataFrame,
    rows: np.ndarray,
    codes: Factorised,
    space: _CodeSpace,
    source: str,
    target: str,
    concordance: Concordance,
    weights: pd.Series | Mapping[str, float] | None,
) -> tuple[Block, pd.DataFrame]:
    """Convert ``data`` rows at positions ``rows`` (all in ``source``); also what they lose."""
    table = concordance.table(source, target, weights=weights)  # sorted by from_code, to_code
    from_codes, starts, counts = np.unique(
        table["from_code"].to_numpy(dtype=object), return_index=True, return_counts=True
    )
    coverage = table.groupby("from_code")["weight"].sum().reindex(from_codes).to_numpy()
    commodity_codes, commodities = codes["commodity"]
    # Per distinct commodity: where its links start in the table (-1: none) and whether the
    # source vintage knows it at all.
    where = pd.Index(from_codes).get_indexer(commodities)
    in_tables = pd.Index(commodities, dtype=object).isin(concordance.codes(source))[commodity_codes[rows]]
    unknown = where[commodity_codes[rows]] < 0
    lost = [
        record_dropped(
            data,
            _positions(len(data), rows[unknown & ~in_tables]),
            step=STEP,
            reason=f"code not found in the {source} side of the tables linking {source} to {target}",
        ),
        record_dropped(
            data,
            _positions(len(data), rows[unknown & in_tables]),
            step=STEP,
            reason=f"code appears in other {source} tables but has no link, direct or chained, to {target}",
        ),
    ]
    known = rows[~unknown]
    link = where[commodity_codes[known]]
    share = coverage[link]
    gap = share < 1 - 1e-9
    if gap.any():
        # A chain of tables with a missing onward link would lose this share of the value.
        part = record_dropped(
            data,
            _positions(len(data), known[gap]),
            step=STEP,
            reason=f"share of the value with no onward link in the {source} to {target} chain of tables",
        )
        part["value_usd"] = data["value_usd"].to_numpy()[known[gap]] * (1 - share[gap])
        if "quantity" in part.columns:
            part["quantity"] = data["quantity"].to_numpy()[known[gap]] * (1 - share[gap])
        lost.append(part)
    # Every known row becomes one row per link of its code, in the table's order.
    n_links = counts[link]
    offsets = np.arange(int(n_links.sum())) - np.repeat(np.cumsum(n_links) - n_links, n_links)
    links = np.repeat(starts[link], n_links) + offsets
    block = Block(
        rows=np.repeat(known, n_links),
        weight=table["weight"].to_numpy()[links],
        commodity=space.numbers(table["to_code"].to_numpy(dtype=object))[links],
        split=table["n_targets"].to_numpy()[links] > 1,
    )
    return block, concat_dropped(*lost)


def _positions(n: int, chosen: np.ndarray) -> np.ndarray:
    mask = np.zeros(n, dtype=bool)
    mask[chosen] = True
    return mask
