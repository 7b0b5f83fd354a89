"""Monthly to quarterly or annual FLOWS, keeping zero and missing apart.

A period's total is the sum of the sub-periods reported with a value. When every
sub-period is missing the total stays missing (it is not zero: nobody reported). When some
sub-periods are missing or absent, the total is the reported part and the row is flagged
``partial_period``, with ``periods_covered`` and ``periods_expected`` saying how much was seen.
Rows already at the target frequency pass through unchanged (``periods_expected`` = 1).
"""

from __future__ import annotations

import logging
from typing import Literal

import numpy as np
import pandas as pd

from forecasting.data.clean._combine import check_flows, combine_rows, differs_within
from forecasting.data.clean.accounting import CleanResult, empty_dropped
from forecasting.errors import SchemaError, describe_items
from forecasting.keys import Factorised, key_codes
from forecasting.schema import FLOWS, add_flag, has_flag
from forecasting.validation import check_choice

logger = logging.getLogger(__name__)

Freq = Literal["A", "Q", "M"]
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
    check_choice("freq", freq, Freq, error=ValueError)
    if not (isinstance(fiscal_year_start, int) and 1 <= fiscal_year_start <= 12):
        raise ValueError(f"fiscal_year_start is a month number 1-12, got {fiscal_year_start!r}")
    if fiscal_year_start != 1 and freq != "A":
        raise ValueError("fiscal_year_start applies to annual totals only (freq='A')")
    codes: Factorised = {}
    data = check_flows(flows, STEP, factorised=codes)
    freq_codes, freq_names = codes["freq"]
    per_year = np.array([_PER_YEAR[name] for name in freq_names], dtype="int64")[freq_codes]
    if (per_year == _PER_YEAR[freq]).all():
        # Already at the target frequency: FLOWS keys are unique, so there is nothing to add up.
        data["periods_covered"] = data["value_usd"].notna().astype("int64")
        data["periods_expected"] = np.ones(len(data), dtype="int64")
        return CleanResult(data, empty_dropped(flows.columns))
    coarser = per_year < _PER_YEAR[freq]
    if coarser.any():
        raise SchemaError(
            f"{int(coarser.sum())} rows are at a coarser frequency than {freq!r}"
            f" (rows {describe_items(np.flatnonzero(coarser).tolist())}); they cannot be split."
            " Drop them or aggregate to their frequency instead."
        )
    finer = per_year != _PER_YEAR[freq]
    if fiscal_year_start != 1 and not finer.all():
        raise SchemaError("annual rows cannot be moved to fiscal years; pass monthly or quarterly rows")
    # Period starts are computed once per distinct period, then spread to the rows by code.
    period_codes, distinct = codes.pop("period", None) or pd.factorize(data["period"])
    distinct = pd.Series(pd.to_datetime(np.asarray(distinct))).astype("datetime64[ns]")
    starts = _period_start(distinct, freq, fiscal_year_start).astype("datetime64[ns]")
    new_distinct, new_codes = _joint(distinct.to_numpy(), starts.to_numpy())
    codes["period"] = (np.where(finer, new_codes[1][period_codes], new_codes[0][period_codes]), new_distinct)
    data["period"] = new_distinct[codes["period"][0]]
    data["periods_expected"] = per_year // _PER_YEAR[freq]
    data["periods_covered"] = data["value_usd"].notna().astype("int64")
    key = [k for k in FLOWS.key if k in data.columns and k != "freq"]
    ids = key_codes(data, key, factorised=codes)
    # one frequency in the whole table cannot be mixed within a flow
    mixed = differs_within(freq_codes, ids) if len(freq_names) > 1 else np.zeros(1, dtype=bool)
    if mixed.any():
        rows = np.flatnonzero(mixed[ids])
        keys = data.iloc[rows][key[:4]].astype(str).agg("/".join, axis=1).unique().tolist()
        raise SchemaError(
            f"{int(mixed.sum())} flows appear at two frequencies ({describe_items(keys)}); adding them up"
            " would count the trade twice. Keep one frequency per flow."
        )
    data["freq"] = freq
    # The check above proved each group has one frequency, hence one periods_expected.
    combined = combine_rows(
        data,
        key,
        partial_flag="partial_period",
        sum_columns=["periods_covered"],
        ids=ids,
        constant=["freq", "periods_expected"],
        flag_codes=codes.get("flags"),
    )
    # Only totals built from sub-periods can be partial; rows already at ``freq`` pass as they are.
    flagged = has_flag(combined["flags"], "partial_period").to_numpy()
    expected, covered = combined["periods_expected"].to_numpy(), combined["periods_covered"].to_numpy()
    short = (expected > 1) & (covered < expected) & ~flagged
    combined["flags"] = add_flag(combined["flags"], "partial_period", short)
    combined["periods_covered"] = combined["periods_covered"].astype("int64")
    combined["periods_expected"] = combined["periods_expected"].astype("int64")
    n_partial = int((flagged | short).sum())
    logger.info("to_frequency %s: %d rows in, %d out, %d partial", freq, len(flows), len(combined), n_partial)
    return CleanResult(combined, empty_dropped(flows.columns))


def _joint(*arrays: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The distinct values of several arrays, and each array's values as codes into them."""
    joined = np.concatenate(arrays)
    codes, distinct = pd.factorize(joined)
    bounds = np.cumsum([0, *(len(a) for a in arrays)])
    return np.asarray(distinct), [
        codes[start:end] for start, end in zip(bounds[:-1], bounds[1:], strict=True)
    ]


def _period_start(periods: pd.Series, freq: str, fiscal_year_start: int) -> pd.Series:
    if periods.dtype.kind == "M":
        # plain datetime64: month arithmetic in numpy, without a calendar object per row
        months = periods.to_numpy().astype("datetime64[M]").astype("int64")
        if freq == "Q":
            months = months - months % 3
        elif freq == "A":
            shift = fiscal_year_start - 1
            months = (months - shift) // 12 * 12 + shift
        return pd.Series(months.astype("datetime64[M]").astype("datetime64[ns]"), index=periods.index)
    if freq == "M":
        return periods.dt.to_period("M").dt.start_time
    if freq == "Q":
        return periods.dt.to_period("Q").dt.start_time
    shift = fiscal_year_start - 1
    year = (periods - pd.DateOffset(months=shift)).dt.year
    return pd.to_datetime({"year": year, "month": fiscal_year_start, "day": 1})
