"""HS codes added up into named commodity groups (built-in or user-defined).

Groups come from :mod:`forecasting.classify.groups`; a code belongs to the group with the
longest matching prefix, so no value is counted in two groups. Codes in no requested group
go to an ``other`` group by default, keeping totals whole, or are set aside with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from forecasting.classify.groups import CommodityGroup, assign
from forecasting.classify.hs import HS_VINTAGES
from forecasting.data.clean._combine import SAME_FLOW, check_flows, combine_rows
from forecasting.data.clean.accounting import CleanResult, record_dropped
from forecasting.errors import SchemaError, describe_items
from forecasting.schema import FLOWS, add_flag
from forecasting.validation import check_choice

logger = logging.getLogger(__name__)

Unassigned = Literal["other", "drop"]
STEP = "group_commodities"


def group_commodities(
    flows: pd.DataFrame,
    *,
    groups: Sequence[str | CommodityGroup] | None = None,
    unassigned: Unassigned = "other",
    other_name: str = "other",
) -> CleanResult:
    """Add up HS-coded rows into commodity groups (``classification`` becomes ``GROUP``).

    Parameters
    ----------
    flows
        A FLOWS table in one HS vintage per flow (convert with ``convert_hs`` first when a
        reporter used several). Rows that are not HS codes (``TOTAL``) pass through.
    groups
        Group names or :class:`~forecasting.classify.groups.CommodityGroup` values; the
        toolkit's default groups when None.
    unassigned
        ``"other"`` puts codes in no group into ``other_name``; ``"drop"`` sets them aside.
    other_name
        Name of the catch-all group.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"reporter": "PAK", "partner": "KAZ", "flow": "export",
    ...     "period": pd.Timestamp("2023-01-01"), "freq": "A", "classification": "HS2017",
    ...     "commodity": ["300490", "300220", "520512", "100630"], "value_usd": [5.0, 1.0, 2.0, 4.0],
    ...     "source": "demo", "flags": ""})
    >>> out, _ = group_commodities(f, groups=["pharma", "textiles"])
    >>> out[["commodity", "value_usd"]].to_dict("records")
    [{'commodity': 'other', 'value_usd': 4.0}, {'commodity': 'pharma', 'value_usd': 6.0}, \
{'commodity': 'textiles', 'value_usd': 2.0}]
    """
    check_choice("unassigned", unassigned, Unassigned, error=ValueError)
    data = check_flows(flows, STEP)
    is_hs = data["classification"].isin(HS_VINTAGES)
    vintages = data[is_hs].groupby(SAME_FLOW, dropna=False)["classification"].nunique()
    if (vintages > 1).any():
        keys = ["/".join(map(str, k[:4])) for k in vintages.index[vintages > 1]]
        raise SchemaError(
            f"{int((vintages > 1).sum())} flows are reported in several HS vintages ({describe_items(keys)});"
            " grouping them would count trade twice. Run convert_hs(flows, to=...) first."
        )
    codes = data.loc[is_hs, "commodity"].astype(str)
    # Assign each distinct code once: real extracts repeat a few thousand codes many times.
    distinct = pd.Series(codes.unique())
    lookup = dict(zip(distinct, assign(distinct, groups), strict=True))
    names = codes.map(lookup).astype(object)
    in_none = pd.Series(False, index=data.index)
    in_none.loc[names.index] = names.isna().to_numpy(dtype=bool)
    if unassigned == "drop":
        dropped = record_dropped(
            data,
            in_none,
            step=STEP,
            reason="HS code in none of the requested commodity groups (unassigned='drop')",
        )
    else:
        dropped = record_dropped(data, np.zeros(len(data), dtype=bool), step=STEP, reason="")
        names = names.fillna(other_name)
    keep = ~in_none if unassigned == "drop" else pd.Series(True, index=data.index)
    grouped = data[is_hs & keep].copy()
    grouped["commodity"] = names[grouped.index].astype(object)
    grouped["classification"] = "GROUP"
    grouped["flags"] = add_flag(grouped["flags"], "grouped")
    out = pd.concat([data[~is_hs], grouped], ignore_index=True, sort=False)
    out = combine_rows(out, [k for k in FLOWS.key if k in out.columns])
    logger.info(
        "grouped %d HS rows into %d group rows",
        int(is_hs.sum()),
        int((out["classification"] == "GROUP").sum()),
    )
    return CleanResult(out.sort_values(list(FLOWS.key), ignore_index=True), dropped)
