"""Unit-value outliers: prices per unit far from the commodity's usual price.

Unit value = ``value_usd / quantity``. Within each commodity (and quantity unit) the log unit
values are compared with their median through the modified z-score of Iglewicz and Hoaglin
(1993): ``z = 0.6745 (x - median) / MAD``; rows with ``|z|`` above ``threshold`` (3.5, their
recommendation) are flagged ``uv_outlier``. Logs make the rule symmetric in ratios (ten times
too dear is as odd as ten times too cheap). Flagged rows are kept: an outlier is a question
for the analyst (a misplaced decimal in quantity? a different product?), not a deletion.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecasting.data.clean._combine import check_flows
from forecasting.data.clean.accounting import CleanResult, empty_dropped
from forecasting.schema import add_flag, require_columns

logger = logging.getLogger(__name__)

STEP = "flag_unit_value_outliers"
# 1 / Phi^-1(0.75): makes the MAD a consistent estimate of a normal standard deviation.
_MAD_SCALE = 0.6745
# sqrt(pi / 2): the same for the mean absolute deviation, used when the MAD is zero.
_MEANAD_SCALE = 0.7979


def flag_unit_value_outliers(
    flows: pd.DataFrame,
    *,
    threshold: float = 3.5,
    by: Sequence[str] = ("commodity", "classification", "quantity_unit"),
    min_rows: int = 5,
) -> CleanResult:
    """Flag rows whose log unit value is far from their group's median (``uv_outlier``).

    Parameters
    ----------
    flows
        A FLOWS table with ``quantity`` (and usually ``quantity_unit``).
    threshold
        Cut-off for the absolute modified z-score.
    by
        Columns defining comparable rows (those present are used).
    min_rows
        Groups with fewer rows having a positive value and quantity get no score.

    Returns
    -------
    CleanResult
        ``(flows, dropped)`` with ``unit_value`` and ``uv_robust_z`` added; nothing dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"reporter": "KAZ", "partner": ["PAK", "CHN", "RUS", "UZB", "KGZ", "TJK"],
    ...     "flow": "export", "period": pd.Timestamp("2022-01-01"), "freq": "A", "commodity": "100199",
    ...     "classification": "HS2017", "value_usd": [100.0, 110, 95, 105, 100, 1000],
    ...     "quantity": 100.0, "quantity_unit": "kg", "source": "demo", "flags": ""})
    >>> out, _ = flag_unit_value_outliers(f)
    >>> out.loc[out["flags"] == "uv_outlier", "partner"].tolist()
    ['TJK']
    """
    if threshold <= 0:
        raise ValueError(f"threshold must be positive, got {threshold}")
    data = check_flows(flows, STEP)
    require_columns(data, ["quantity"], what="this FLOWS table", fix="unit values need quantities")
    usable = (data["value_usd"] > 0) & (data["quantity"] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        data["unit_value"] = (data["value_usd"] / data["quantity"]).where(usable)
    log_uv = np.log(data["unit_value"])
    keys = [c for c in by if c in data.columns]
    grouper = [data[c].fillna("") for c in keys] if keys else np.zeros(len(data))
    grouped = log_uv.groupby(grouper)
    median = grouped.transform("median")
    deviation = (log_uv - median).abs()
    mad = deviation.groupby(grouper).transform("median")
    mean_ad = deviation.groupby(grouper).transform("mean")
    count = grouped.transform("count")
    with np.errstate(divide="ignore", invalid="ignore"):
        z_mad = _MAD_SCALE * (log_uv - median) / mad
        z_mean = _MEANAD_SCALE * (log_uv - median) / mean_ad
    z = z_mad.where(mad > 0, z_mean.where(mean_ad > 0))
    z = z.where(count >= min_rows)
    data["uv_robust_z"] = z.astype("float64")
    outlier = (z.abs() > threshold).fillna(False).to_numpy(dtype=bool)
    data["flags"] = add_flag(data["flags"], "uv_outlier", outlier)
    logger.info(
        "unit values: %d of %d rows scored, %d outliers", int(z.notna().sum()), len(data), int(outlier.sum())
    )
    return CleanResult(data, empty_dropped(flows.columns))
