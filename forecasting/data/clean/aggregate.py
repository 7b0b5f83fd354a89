"""Monthly to quarterly or annual FLOWS, keeping zero and missing apart.

A period's total is the sum of the sub-periods reported with a value. When every
sub-period is missing the total stays missing (it is not zero: nobody reported). When some
sub-periods are missing or absent, the total is the reported part and the row is flagged
``partial_period``, with ``periods_covered`` and ``periods_expected`` saying how much was seen.
Rows already at the target frequency pass through unchanged (``periods_expected`` = 1).
"""

from __future__ import annotations

import logging
from typing import Literal, get_args

import numpy as np
import pandas as pd

from forecasting.data.accounting import CleanResult, empty_dropped
from forecasting.data.clean._combine import check_flows, combine_rows, group_ids
from forecasting.errors import SchemaError, describe_items
from forecasting.schema import FLOWS, add_flag

logger = logging.getLogger(__name__)

Freq = Literal["A", "Q", "M"]
_FREQS: tuple[str, ...] = get_args(Freq)
_PER_YEAR = {"A": 1, "Q": 4, "M": 12}
STEP = "to_frequency"


def to_frequency(flows: pd.DataFrame, freq: Freq = "A", *, fiscal_year_start: int = 1) -> CleanResult:
    """Add up FLOWS to a coarser frequency (``"A"`` annual, ``"Q"`` quarterly, ``"M"`` monthly).

    Parameters
    ----------
    flows
        A FLOWS table; rows already at ``freq`` pass through, finer rows are added up.
    freq
        Target frequency.
    fiscal_year_start
        Month a year starts in, for annual totals only (7 for Pakistan's July-June fiscal
        year). The period is then the first day of the fiscal year. Default: calendar years.

    Returns
    -------
    CleanResult
        ``(flows, dropped)``; nothing is dropped by this step. The output has
        ``periods_covered`` and ``periods_expected`` columns.

    Raises
    ------
    SchemaError
        When rows are coarser than ``freq`` (they cannot be split), or when the same flow
        appears at two frequencies (it would be counted twice).

    Examples
    --------
    >>> import pandas as pd
    >>> months = pd.date_range("2024-01-01", periods=12, freq="MS")
    >>> f = pd.DataFrame({"reporter": "KAZ", "partner": "PAK", "flow": "export", "period": months,
    ...     "freq": "M", "commodity": "TOTAL", "classification": "TOTAL", "source": "demo",
    ...     "flags": "", "value_usd": [1.0] * 10 + [None, None]})
    >>> out, _ = to_frequency(f, "A")
    >>> out[["period", "value_usd", "periods_covered", "flags"]].to_dict("records")
    [{'period': Timestamp('2024-01-01 00:00:00'), 'value_usd': 10.0, 'periods_covered': 10, 'flags': 'partial_period'}]
    """
    if freq not in _FREQS:
        raise ValueError(f"unknown frequency {freq!r}; valid values are 'A', 'Q', 'M'")
    if not (isinstance(fiscal_year_start, int) and 1 <= fiscal_year_start <= 12):
        raise ValueError(f"fiscal_year_start is a month number 1-12, got {fiscal_year_start!r}")
    if fiscal_year_start != 1 and freq != "A":
        raise ValueError("fiscal_year_start applies to annual totals only (freq='A')")
    data = check_flows(flows, STEP)
    if (data["freq"] == freq).all():
        # Already at the target frequency: FLOWS keys are unique, so there is nothing to add up.
        data["periods_covered"] = data["value_usd"].notna().astype("int64")
        data["periods_expected"] = np.ones(len(data), dtype="int64")
        return CleanResult(data, empty_dropped(flows.columns))
    coarser = data["freq"].map(_PER_YEAR) < _PER_YEAR[freq]
    if coarser.any():
        raise SchemaError(
            f"{int(coarser.sum())} rows are at a coarser frequency than {freq!r}"
            f" (rows {describe_items(np.flatnonzero(coarser).tolist())}); they cannot be split."
            " Drop them or aggregate to their frequency instead."
        )
    periods = pd.to_datetime(data["period"])
    finer = (data["freq"] != freq).to_numpy()
    if fiscal_year_start != 1 and not finer.all():
        raise SchemaError("annual rows cannot be moved to fiscal years; pass monthly or quarterly rows")
    new_period = _period_start(periods, freq, fiscal_year_start)
    data["period"] = pd.Series(np.where(finer, new_period, periods), index=data.index).astype(
        "datetime64[ns]"
    )
    data["periods_expected"] = (data["freq"].map(_PER_YEAR) // _PER_YEAR[freq]).astype("int64")
    data["periods_covered"] = data["value_usd"].notna().astype("int64")
    key = [k for k in FLOWS.key if k in data.columns and k != "freq"]
    ids = group_ids(data, key)
    mixed = data["freq"].groupby(ids).nunique().to_numpy() > 1
    if mixed.any():
        rows = np.flatnonzero(mixed[ids])
        keys = data.iloc[rows][key[:4]].astype(str).agg("/".join, axis=1).unique().tolist()
        raise SchemaError(
            f"{int(mixed.sum())} flows appear at two frequencies ({describe_items(keys)}); adding them up"
            " would count the trade twice. Keep one frequency per flow."
        )
    data["freq"] = freq
    combined = combine_rows(
        data, key, partial_flag="partial_period", sum_columns=["periods_covered"], ids=ids
    )
    # Only totals built from sub-periods can be partial; rows already at ``freq`` pass as they are.
    short = (
        (combined["periods_expected"] > 1)
        & (combined["periods_covered"] < combined["periods_expected"])
        & ~combined["flags"].str.contains(r"(?:^|;)partial_period(?:;|$)")
    )
    combined["flags"] = add_flag(combined["flags"], "partial_period", short)
    combined["periods_covered"] = combined["periods_covered"].astype("int64")
    combined["periods_expected"] = combined["periods_expected"].astype("int64")
    n_partial = int(combined["flags"].str.contains("partial_period").sum())
    logger.info("to_frequency %s: %d rows in, %d out, %d partial", freq, len(flows), len(combined), n_partial)
    return CleanResult(combined.reset_index(drop=True), empty_dropped(flows.columns))


def _period_start(periods: pd.Series, freq: str, fiscal_year_start: int) -> pd.Series:
    if freq == "M":
        return periods.dt.to_period("M").dt.start_time
    if freq == "Q":
        return periods.dt.to_period("Q").dt.start_time
    shift = fiscal_year_start - 1
    year = (periods - pd.DateOffset(months=shift)).dt.year
    return pd.to_datetime({"year": year, "month": fiscal_year_start, "day": 1})
